//! `sensitivity`: Sobol first-order and total indices with intervals, and Morris μ* against σ, one panel per method and output;
//! `sensitivity_convergence`: each Sobol index against the number of base samples it was
//! estimated from (`sensitivity_convergence.csv`), so a reader can see whether N was enough.
//!
//! A true index lies in [0, 1]; an estimate outside it is sampling error. The figure
//! shades the impossible region and names each such estimate under its panel with the
//! remedy (more base samples), so that a negative S1 is not read as a negative effect.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::PlotError;
use crate::plot::data::{SensitivityRow, Tables};
use crate::plot::output::Figure;
use crate::plot::style::{
    BLOC_PALETTE, DrawResult, INK, Mark, ORANGE, PURPLE, Sizes, draw_header, draw_legend, fmt_num,
    font, split_legend,
};

pub(crate) struct Sensitivity {
    subtitle: String,
    panels: Vec<Panel>,
    legend: Vec<(Mark, String)>,
}

enum Panel {
    Sobol {
        output: String,
        params: Vec<SobolBar>,
    },
    Morris {
        output: String,
        params: Vec<(String, f64, f64)>,
    },
}

struct SobolBar {
    name: String,
    s1: f64,
    s1_ci: (f64, f64),
    st: f64,
    st_ci: (f64, f64),
}

const ROW_HEIGHT: u32 = 520;

/// The shade of index values no true index can take.
const OUTSIDE: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);

pub(crate) fn prepare(tables: &Tables) -> Result<Option<Sensitivity>, PlotError> {
    let Some(rows) = &tables.sensitivity else {
        return Ok(None);
    };
    // Panels in the order their (method, output) first appears in the table.
    let mut keys: Vec<(String, String)> = Vec::new();
    for r in rows {
        let key = (r.method.clone(), r.output.clone());
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    let mut panels = Vec::new();
    for (method, output) in keys {
        let of_panel = || {
            rows.iter()
                .filter(|r| r.method == method && r.output == output)
        };
        if method.eq_ignore_ascii_case("sobol") {
            let params: Vec<SobolBar> = of_panel().filter_map(sobol_bar).collect();
            if !params.is_empty() {
                panels.push(Panel::Sobol { output, params });
            }
        } else if method.eq_ignore_ascii_case("morris") {
            let params: Vec<(String, f64, f64)> = of_panel()
                .filter_map(|r| Some((r.parameter.clone(), r.mu_star?, r.sigma?)))
                .filter(|(_, m, s)| m.is_finite() && s.is_finite())
                .collect();
            if !params.is_empty() {
                panels.push(Panel::Morris { output, params });
            }
        }
    }
    if panels.is_empty() {
        return Ok(None);
    }
    let mut legend = Vec::new();
    if panels.iter().any(|p| matches!(p, Panel::Sobol { .. })) {
        legend.push((Mark::Square(ORANGE), "S1: first-order index".to_owned()));
        legend.push((Mark::Square(PURPLE), "ST: total index".to_owned()));
        legend.push((
            Mark::Line(INK.mix(1.0), 2),
            "95 % bootstrap interval".to_owned(),
        ));
        legend.push((
            Mark::Band(OUTSIDE.mix(1.0)),
            "outside [0, 1]: sampling error, not an effect".to_owned(),
        ));
    }
    if panels.iter().any(|p| matches!(p, Panel::Morris { .. })) {
        legend.push((Mark::Dot(INK), "Morris: one dot per parameter".to_owned()));
    }
    Ok(Some(Sensitivity {
        subtitle: tables.headline(),
        panels,
        legend,
    }))
}

fn sobol_bar(r: &SensitivityRow) -> Option<SobolBar> {
    let s1 = r.s1.filter(|v| v.is_finite()).unwrap_or(0.0);
    let st = r.st.filter(|v| v.is_finite())?;
    Some(SobolBar {
        name: r.parameter.clone(),
        s1,
        s1_ci: (r.s1_lo.unwrap_or(s1), r.s1_hi.unwrap_or(s1)),
        st,
        st_ci: (r.st_lo.unwrap_or(st), r.st_hi.unwrap_or(st)),
    })
}

/// Rows of at most two panels; a last row of one panel takes the whole width, so no
/// cell is left empty.
pub(crate) fn panel_rows(count: usize) -> Vec<usize> {
    let cols = if count == 1 { 1 } else { 2 };
    let mut rows = vec![cols; count / cols];
    if !count.is_multiple_of(cols) {
        rows.push(count % cols);
    }
    rows
}

/// Splits `body` into one area per panel along [`panel_rows`].
fn panel_areas<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    count: usize,
) -> Vec<DrawingArea<DB, Shift>> {
    let rows = panel_rows(count);
    body.split_evenly((rows.len(), 1))
        .into_iter()
        .zip(rows)
        .flat_map(|(row, n)| row.split_evenly((1, n)))
        .collect()
}

impl Sensitivity {
    fn grid(&self) -> (usize, usize) {
        (panel_rows(self.panels.len()).len(), 2)
    }
}

impl Figure for Sensitivity {
    fn size(&self) -> (u32, u32) {
        let (rows, _) = self.grid();
        (1600, (260 + rows as u32 * ROW_HEIGHT).max(1000))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(
            root,
            "Which parameters drive the outcome",
            &self.subtitle,
            sizes,
        )?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        for (area, panel) in panel_areas(&body, self.panels.len())
            .iter()
            .zip(&self.panels)
        {
            match panel {
                Panel::Sobol { output, params } => draw_sobol(area, output, params, sizes)?,
                Panel::Morris { output, params } => draw_morris(area, output, params, sizes)?,
            }
        }
        draw_legend(&strip, &self.legend, sizes)
    }
}

/// The estimates of a panel outside [0, 1], as "S1 of x (−0.04)".
fn out_of_range(params: &[SobolBar]) -> Vec<String> {
    let mut out = Vec::new();
    for p in params {
        for (name, v) in [("S1", p.s1), ("ST", p.st)] {
            if !(0.0..=1.0).contains(&v) {
                out.push(format!("{name} of {} ({})", p.name, fmt_num(v)));
            }
        }
    }
    out
}

fn draw_sobol<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    output: &str,
    params: &[SobolBar],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let outside = out_of_range(params);
    let area = if outside.is_empty() {
        area.clone()
    } else {
        // A note under the chart names the estimates outside [0, 1] and the remedy, on
        // three short lines so that it fits a half-width panel.
        let (w, h) = area.dim_in_pixel();
        let line = sizes.note * 1.3;
        let note_h = (line * 3.0 + sizes.note * 0.4) as u32;
        let (chart, note) = area.split_vertically(h.saturating_sub(note_h));
        let shown: Vec<&str> = outside.iter().take(2).map(String::as_str).collect();
        let more = outside.len().saturating_sub(2);
        let lines = [
            "Outside [0, 1] by sampling error, read as about 0 (or 1):".to_owned(),
            format!(
                "{}{}",
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            ),
            "more base samples narrow the intervals".to_owned(),
        ];
        let style = font(sizes.note)
            .color(&RGBColor(0x8A, 0x3B, 0x00))
            .pos(Pos::new(HPos::Center, VPos::Top));
        for (k, text) in lines.into_iter().enumerate() {
            note.draw(&Text::new(
                text,
                (w as i32 / 2, (line * k as f64) as i32),
                style.clone(),
            ))?;
        }
        chart
    };
    let area = &area;
    let n = params.len();
    let values = params
        .iter()
        .flat_map(|p| [p.s1, p.s1_ci.0, p.s1_ci.1, p.st, p.st_ci.0, p.st_ci.1])
        .filter(|v| v.is_finite());
    let (lo, hi) = values.fold((0.0f64, 0.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let x_range = lo.min(0.0) - 0.02..(hi * 1.08).max(0.1);
    let (x0, x1) = (x_range.start, x_range.end);
    let name_len = params
        .iter()
        .map(|p| p.name.chars().count())
        .max()
        .unwrap_or(1);
    let mut chart = ChartBuilder::on(area)
        .caption(format!("Sobol indices of {output}"), font(sizes.caption))
        .margin(14)
        .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
        .y_label_area_size((sizes.tick * 0.68 * name_len as f64 + 20.0) as u32)
        .build_cartesian_2d(x_range, -0.5f64..n as f64 - 0.5)?;
    let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    chart
        .configure_mesh()
        .x_desc("share of output variance")
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(6)
        .y_labels(n.min(20))
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < names.len() {
                names[i as usize].to_owned()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    // Shade what no true index can be, behind the bars.
    if x0 < 0.0 {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x0, -0.5), (0.0, n as f64 - 0.5)],
            OUTSIDE.filled(),
        )))?;
    }
    if x1 > 1.0 {
        chart.draw_series(std::iter::once(Rectangle::new(
            [(1.0, -0.5), (x1, n as f64 - 0.5)],
            OUTSIDE.filled(),
        )))?;
    }
    let h = 0.36;
    for (i, p) in params.iter().enumerate() {
        let y = i as f64;
        // S1 above the centre line, ST below it.
        for (value, ci, colour, y0, y1) in [
            (p.s1, p.s1_ci, ORANGE, y, y + h),
            (p.st, p.st_ci, PURPLE, y - h, y),
        ] {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y0), (value, y1)],
                colour.filled(),
            )))?;
            let ym = (y0 + y1) / 2.0;
            let cap = h * 0.3;
            let style = INK.stroke_width(2);
            chart.draw_series([
                PathElement::new(vec![(ci.0, ym), (ci.1, ym)], style),
                PathElement::new(vec![(ci.0, ym - cap), (ci.0, ym + cap)], style),
                PathElement::new(vec![(ci.1, ym - cap), (ci.1, ym + cap)], style),
            ])?;
        }
    }
    Ok(())
}

fn draw_morris<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    output: &str,
    params: &[(String, f64, f64)],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let x_max = params.iter().map(|p| p.1).fold(0.0f64, f64::max);
    let y_max = params.iter().map(|p| p.2).fold(0.0f64, f64::max);
    let top = |m: f64| if m > 0.0 { m * 1.25 } else { 1.0 };
    let mut chart = ChartBuilder::on(area)
        .caption(format!("Morris screening of {output}"), font(sizes.caption))
        .margin(14)
        .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
        .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
        .build_cartesian_2d(0f64..top(x_max), 0f64..top(y_max))?;
    chart
        .configure_mesh()
        .x_desc("μ* (mean |elementary effect|)")
        .y_desc("σ (spread of effects)")
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    let r = (sizes.line * 3) as i32;
    let right = top(x_max) * 0.7;
    chart.draw_series(params.iter().map(|(name, mu, sigma)| {
        // Labels of dots near the right edge go to their left, inside the plot.
        let (dx, h) = if *mu > right {
            (-r - 4, HPos::Right)
        } else {
            (r + 4, HPos::Left)
        };
        EmptyElement::at((*mu, *sigma))
            + Circle::new((0, 0), r, INK.filled())
            + Text::new(
                name.clone(),
                (dx, -r - 2),
                font(sizes.tick)
                    .color(&BLACK)
                    .pos(Pos::new(h, VPos::Bottom)),
            )
    }))?;
    Ok(())
}

/// `sensitivity_convergence`: per output, S1 (thick) and ST (thin) of every parameter
/// against the base samples they were estimated from.
pub(crate) struct Convergence {
    subtitle: String,
    panels: Vec<(String, Vec<ConvLine>)>,
    legend: Vec<(Mark, String)>,
}

struct ConvLine {
    name: String,
    /// (base samples, S1, ST); an index the table leaves empty is NaN.
    points: Vec<(f64, f64, f64)>,
}

pub(crate) fn prepare_convergence(tables: &Tables) -> Result<Option<Convergence>, PlotError> {
    use crate::schema::sensitivity_convergence as conv;
    let path = tables.dir.join(conv::FILE);
    if !path.is_file() {
        return Ok(None);
    }
    let csv_err = |source| PlotError::Csv {
        path: path.clone(),
        source,
    };
    let mut reader = csv::Reader::from_path(&path).map_err(csv_err)?;
    // Columns by name, as the writer declared them; a missing one reads as empty (NaN).
    let headers = reader.headers().map_err(csv_err)?.clone();
    let at_col = |name: &str| headers.iter().position(|h| h == name);
    let cols = [
        conv::OUTPUT,
        conv::PARAMETER,
        conv::BASE_SAMPLES,
        conv::S1,
        conv::ST,
    ]
    .map(at_col);
    let mut panels: Vec<(String, Vec<ConvLine>)> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(csv_err)?;
        let get = |i: usize| cols[i].and_then(|c| rec.get(c)).unwrap_or("");
        let num = |i: usize| get(i).parse::<f64>().unwrap_or(f64::NAN);
        let (output, param) = (get(0).to_owned(), get(1).to_owned());
        let at = match panels.iter().position(|p| p.0 == output) {
            Some(i) => i,
            None => {
                panels.push((output, Vec::new()));
                panels.len() - 1
            }
        };
        let lines = &mut panels[at].1;
        let line = match lines.iter().position(|l| l.name == param) {
            Some(i) => i,
            None => {
                lines.push(ConvLine {
                    name: param,
                    points: Vec::new(),
                });
                lines.len() - 1
            }
        };
        lines[line].points.push((num(2), num(3), num(4)));
    }
    panels.retain(|p| {
        p.1.iter()
            .any(|l| l.points.iter().any(|q| q.0.is_finite() && q.1.is_finite()))
    });
    if panels.is_empty() {
        return Ok(None);
    }
    let mut legend: Vec<(Mark, String)> = panels[0]
        .1
        .iter()
        .enumerate()
        .map(|(i, l)| (Mark::Line(param_colour(i).mix(1.0), 4), l.name.clone()))
        .collect();
    legend.push((
        Mark::Note,
        "thick: S1, thin: ST; settled lines mean N was enough".to_owned(),
    ));
    Ok(Some(Convergence {
        subtitle: tables.headline(),
        panels,
        legend,
    }))
}

fn param_colour(i: usize) -> RGBColor {
    BLOC_PALETTE[i % BLOC_PALETTE.len()]
}

impl Figure for Convergence {
    fn size(&self) -> (u32, u32) {
        let rows = panel_rows(self.panels.len()).len() as u32;
        (1600, (260 + rows * 440).max(900))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(
            root,
            "Have the indices settled? Estimates as base samples grow",
            &self.subtitle,
            sizes,
        )?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        for (area, (output, lines)) in panel_areas(&body, self.panels.len())
            .iter()
            .zip(&self.panels)
        {
            draw_convergence(area, output, lines, sizes)?;
        }
        draw_legend(&strip, &self.legend, sizes)
    }
}

fn draw_convergence<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    output: &str,
    lines: &[ConvLine],
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let (m_lo, m_hi) = all()
        .map(|p| p.0)
        .filter(|m| *m > 0.0)
        .fold((f64::INFINITY, 0.0f64), |(a, b), m| (a.min(m), b.max(m)));
    let (x0, x1) = (m_lo.log2(), m_hi.log2().max(m_lo.log2() + 1.0));
    let (y0, y1) = all()
        .flat_map(|p| [p.1, p.2])
        .filter(|v| v.is_finite())
        .fold((0.0f64, 1.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = (y1 - y0) * 0.04;
    let mut chart = ChartBuilder::on(area)
        .caption(format!("Sobol indices of {output}"), font(sizes.caption))
        .margin(14)
        .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
        .y_label_area_size((sizes.tick * 3.0 + sizes.axis * 1.5) as u32)
        .build_cartesian_2d(x0 - 0.1..x1 + 0.1, y0 - pad..y1 + pad)?;
    chart
        .configure_mesh()
        .x_desc("base samples N (log scale)")
        .y_desc("index")
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(((x1 - x0).round() as usize + 1).clamp(2, 12))
        .y_labels(6)
        .x_label_formatter(&|v| fmt_num(v.exp2().round()))
        .y_label_formatter(&|v| fmt_num(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    for (i, l) in lines.iter().enumerate() {
        let c = param_colour(i);
        for (pick, width) in [(1usize, 4u32), (2, 1)] {
            let pts: Vec<(f64, f64)> = l
                .points
                .iter()
                .map(|p| (p.0.log2(), if pick == 1 { p.1 } else { p.2 }))
                .filter(|p| p.1.is_finite())
                .collect();
            chart.draw_series(std::iter::once(PathElement::new(
                pts.clone(),
                c.stroke_width(width),
            )))?;
            chart.draw_series(
                pts.into_iter()
                    .map(|p| Circle::new(p, width as i32 + 3, c.filled())),
            )?;
        }
    }
    Ok(())
}
