//! Shared look of every figure: the embedded font, colours, text sizes, the title block and legend strips.

use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

use crate::plot::PlotError;

static REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Family name every text element uses; resolves to the embedded DejaVu Sans.
pub(crate) const FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process; plotters' `ab_glyph` text needs it before
/// any text is measured or drawn.
pub(crate) fn register_fonts() -> Result<(), PlotError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        register_font(FAMILY, FontStyle::Normal, REGULAR).is_ok()
            && register_font(FAMILY, FontStyle::Bold, BOLD).is_ok()
    });
    if ok { Ok(()) } else { Err(PlotError::Font) }
}

/// Result of drawing on backend `DB`.
pub(crate) type DrawResult<T, DB> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Text sizes in plotters' units (the drawn glyphs are 1/1.24 of them, see [`MIN_TICK_PX`]),
/// chosen so that a 1600–1800 px figure shown at 1280 × 720 can be read from the back of a
/// seminar room.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sizes {
    pub title: f64,
    pub subtitle: f64,
    pub caption: f64,
    pub axis: f64,
    pub tick: f64,
    pub legend: f64,
    pub note: f64,
    pub line: u32,
}

impl Sizes {
    pub(crate) const LARGE: Sizes = Sizes {
        title: 44.0,
        subtitle: 30.0,
        caption: 32.0,
        axis: 31.0,
        tick: 29.0,
        legend: 29.0,
        note: 28.0,
        line: 4,
    };

    /// For the 800 × 600 animation, where the large sizes would crowd the map.
    pub(crate) const SMALL: Sizes = Sizes {
        title: 24.0,
        subtitle: 17.0,
        caption: 18.0,
        axis: 17.0,
        tick: 16.0,
        legend: 16.0,
        note: 15.0,
        line: 2,
    };
}

/// The smallest tick label, as glyph height in the SVG (`font-size`), of a figure 1600 px
/// or wider: 22 px there is about 17 px at 1280 px, the size of body text on a projector.
#[cfg(test)]
pub(crate) const MIN_TICK_PX: f64 = 22.0;

pub(crate) fn font(size: f64) -> FontDesc<'static> {
    (FAMILY, size).into_font()
}

/// Bold text; `FontDesc::style` would keep the regular face's glyphs, so the bold face is
/// looked up afresh here.
pub(crate) fn bold(size: f64) -> FontDesc<'static> {
    FontDesc::new(FAMILY.into(), size, FontStyle::Bold)
}

/// Colour of things that are not outcome classes (medians, single paths).
pub(crate) const INK: RGBColor = RGBColor(0x22, 0x22, 0x22);
/// Neutral grey for "no bloc" and missing cells.
pub(crate) const NONE_GREY: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);
/// Okabe–Ito colours left over after the classes, for series that are not classes.
pub(crate) const ORANGE: RGBColor = RGBColor(0xE6, 0x9F, 0x00);
pub(crate) const PURPLE: RGBColor = RGBColor(0xCC, 0x79, 0xA7);

/// Bloc colours (from Paul Tol's qualitative schemes), given to a figure's blocs by rank,
/// so no two blocs drawn in one figure share a colour; the most distinct come first.
pub(crate) const BLOC_PALETTE: [RGBColor; 12] = [
    RGBColor(0x44, 0x77, 0xAA),
    RGBColor(0xEE, 0x66, 0x77),
    RGBColor(0x22, 0x88, 0x33),
    RGBColor(0xCC, 0xBB, 0x44),
    RGBColor(0x66, 0xCC, 0xEE),
    RGBColor(0xAA, 0x33, 0x77),
    RGBColor(0xEE, 0x88, 0x66),
    RGBColor(0x33, 0x22, 0x88),
    RGBColor(0x99, 0x99, 0x33),
    RGBColor(0x88, 0x22, 0x55),
    RGBColor(0x44, 0xAA, 0x99),
    RGBColor(0xFF, 0xAA, 0xBB),
];

/// The one colour of every bloc a figure does not name: darker than [`NONE_GREY`], and
/// unlike any colour of the palette.
pub(crate) const OTHER_BLOC: RGBColor = RGBColor(0x6B, 0x5B, 0x4B);

/// Viridis, sampled at nine stops and interpolated: perceptually even and colour-blind safe.
pub(crate) fn viridis(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 9] = [
        (68, 1, 84),
        (71, 44, 122),
        (59, 81, 139),
        (44, 113, 142),
        (33, 144, 141),
        (39, 173, 129),
        (92, 200, 99),
        (170, 220, 50),
        (253, 231, 37),
    ];
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (STOPS.len() - 1) as f64;
    let i = (x.floor() as usize).min(STOPS.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Black or white, whichever reads better on `background`.
pub(crate) fn text_on(background: RGBColor) -> RGBColor {
    let RGBColor(r, g, b) = background;
    let luma = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
    if luma > 140.0 { BLACK } else { WHITE }
}

/// Tick-label text: short, without float noise such as `0.30000000000000004`.
pub(crate) fn fmt_num(v: f64) -> String {
    if !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs();
    let text = if magnitude >= 1000.0 {
        format!("{v:.0}")
    } else if magnitude >= 10.0 {
        format!("{v:.1}")
    } else if magnitude >= 0.01 || magnitude == 0.0 {
        format!("{v:.3}")
    } else {
        format!("{v:.1e}")
    };
    let text = if text.contains('.') && !text.contains('e') {
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        text
    };
    if text == "-0" { "0".to_owned() } else { text }
}

/// Quantile by linear interpolation (type 7) of sorted finite values.
pub(crate) fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    crate::sweep::stats::quantile_sorted(sorted, q)
}

/// A value range padded so that lines do not sit on the frame, never empty.
pub(crate) fn padded_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        let pad = if lo.abs() > 1e-12 {
            lo.abs() * 0.1
        } else {
            0.5
        };
        return (lo - pad, hi + pad);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// Splits a path at non-finite values so that gaps stay gaps.
pub(crate) fn segments(points: impl Iterator<Item = (f64, f64)>) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
    for (x, y) in points {
        if x.is_finite() && y.is_finite() {
            if let Some(last) = out.last_mut() {
                last.push((x, y));
            }
        } else if out.last().is_some_and(|s| !s.is_empty()) {
            out.push(Vec::new());
        }
    }
    out.retain(|s| !s.is_empty());
    out
}

/// Draws the two-line title block and returns the area below it.
pub(crate) fn draw_header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    sizes: Sizes,
) -> DrawResult<DrawingArea<DB, Shift>, DB> {
    let (w, _) = root.dim_in_pixel();
    let centre = Pos::new(HPos::Center, VPos::Top);
    let top = (sizes.title * 0.3) as i32;
    // Long titles (an experiment's claim) and subtitles (a sweep over many fields) are set
    // smaller rather than cut off at the edges.
    let fitted = |text: &str, size: f64, face: fn(f64) -> FontDesc<'static>| {
        let mut size = size;
        while size > 10.0
            && root
                .estimate_text_size(text, &face(size).into())
                .is_ok_and(|(tw, _)| tw as f64 > w as f64 * 0.96)
        {
            size *= 0.94;
        }
        face(size)
    };
    root.draw(&Text::new(
        title.to_owned(),
        (w as i32 / 2, top),
        fitted(title, sizes.title, bold).color(&BLACK).pos(centre),
    ))?;
    let sub_top = top + (sizes.title * 1.25) as i32;
    root.draw(&Text::new(
        subtitle.to_owned(),
        (w as i32 / 2, sub_top),
        fitted(subtitle, sizes.subtitle, font)
            .color(&RGBColor(0x44, 0x44, 0x44))
            .pos(centre),
    ))?;
    let height = sub_top + (sizes.subtitle * 1.6) as i32;
    Ok(root.split_vertically(height).1)
}

/// The symbol drawn before a legend label.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mark {
    Line(RGBAColor, u32),
    Band(RGBAColor),
    Square(RGBColor),
    Dot(RGBColor),
    Ring(RGBColor),
    /// No symbol: a plain note.
    Note,
}

/// Height a legend strip needs for `rows` rows.
pub(crate) fn legend_height(sizes: Sizes, rows: usize) -> u32 {
    (sizes.legend * 1.7 * rows as f64 + sizes.legend * 0.6) as u32
}

/// Rows a legend strip of `width` pixels will wrap `items` into.
pub(crate) fn legend_rows<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
    width: u32,
    sizes: Sizes,
) -> usize {
    layout_legend(area, items, width, sizes).len().max(1)
}

fn item_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    item: &(Mark, String),
    sizes: Sizes,
) -> i32 {
    let text = area
        .estimate_text_size(&item.1, &font(sizes.legend).into())
        .map_or(
            (item.1.chars().count() as f64 * sizes.legend * 0.6) as u32,
            |s| s.0,
        );
    let mark = match item.0 {
        Mark::Note => 0.0,
        _ => sizes.legend * 2.0,
    };
    (mark + text as f64 + sizes.legend * 1.4) as i32
}

fn layout_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
    width: u32,
    sizes: Sizes,
) -> Vec<Vec<usize>> {
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut used = i32::MAX;
    for (i, item) in items.iter().enumerate() {
        let w = item_width(area, item, sizes);
        if used.saturating_add(w) > width as i32 {
            rows.push(Vec::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push(i);
        }
        used += w;
    }
    rows
}

/// Draws legend entries in centred rows filling `area`, wrapping as needed.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let (w, _) = area.dim_in_pixel();
    let rows = layout_legend(area, items, w, sizes);
    let row_h = (sizes.legend * 1.7) as i32;
    for (r, row) in rows.iter().enumerate() {
        let total: i32 = row
            .iter()
            .map(|&i| item_width(area, &items[i], sizes))
            .sum();
        let mut x = (w as i32 - total) / 2 + (sizes.legend * 0.7) as i32;
        let y = (sizes.legend * 0.3) as i32 + r as i32 * row_h + row_h / 2;
        for &i in row {
            draw_item(area, &items[i], (x, y), sizes)?;
            x += item_width(area, &items[i], sizes);
        }
    }
    Ok(())
}

/// Draws legend entries left-aligned one per line, in as many columns as `area` needs,
/// each column as wide as its widest entry, so that no entry runs past the area.
pub(crate) fn draw_legend_column<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let (_, h) = area.dim_in_pixel();
    let row_h = (sizes.legend * 1.7) as i32;
    let per_column = (h as i32 / row_h).max(1) as usize;
    let mut x = 0;
    for column in items.chunks(per_column) {
        for (r, item) in column.iter().enumerate() {
            draw_item(area, item, (x, r as i32 * row_h + row_h / 2), sizes)?;
        }
        x += column
            .iter()
            .map(|item| item_width(area, item, sizes))
            .max()
            .unwrap_or(0);
    }
    Ok(())
}

/// One legend entry with its symbol starting at `x`, centred vertically on `y`.
fn draw_item<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (mark, label): &(Mark, String),
    (x, y): (i32, i32),
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let s = sizes.legend;
    let half = (s * 0.4) as i32;
    let mark_w = (s * 1.5) as i32;
    match *mark {
        Mark::Line(c, width) => area.draw(&PathElement::new(
            vec![(x, y), (x + mark_w, y)],
            c.stroke_width(width.max(2)),
        ))?,
        Mark::Band(c) => area.draw(&Rectangle::new(
            [(x, y - half), (x + mark_w, y + half)],
            c.filled(),
        ))?,
        Mark::Square(c) => area.draw(&Rectangle::new(
            [
                (x + mark_w / 2 - half, y - half),
                (x + mark_w / 2 + half, y + half),
            ],
            c.filled(),
        ))?,
        Mark::Dot(c) => area.draw(&Circle::new((x + mark_w / 2, y), half, c.filled()))?,
        Mark::Ring(c) => area.draw(&Circle::new(
            (x + mark_w / 2, y),
            half,
            c.stroke_width(sizes.line),
        ))?,
        Mark::Note => {}
    }
    let text_x = match mark {
        Mark::Note => x,
        _ => x + (s * 2.0) as i32,
    };
    area.draw(&Text::new(
        label.clone(),
        (text_x, y),
        font(s)
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center)),
    ))
}

/// Splits off a legend strip at the bottom of `area`, sized for `items`; returns (body, strip).
pub(crate) fn split_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[(Mark, String)],
    sizes: Sizes,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, h) = area.dim_in_pixel();
    let rows = legend_rows(area, items, w, sizes);
    let strip = legend_height(sizes, rows).min(h / 2);
    area.split_vertically(h - strip)
}
