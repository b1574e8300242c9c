//! `map` and `map.gif`: countries of world 0 placed on the plane, sized by GDP, coloured by primary bloc, filled when in M.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::plot::PlotError;
use crate::plot::data::Tables;
use crate::plot::gif::GifEncoder;
use crate::plot::output::{Figure, draw_error, write_atomic};
use crate::plot::replay::{WorldState, states_at};
use crate::plot::style::{
    BLOC_PALETTE, DrawResult, INK, Mark, NONE_GREY, OTHER_BLOC, Sizes, bold, draw_header,
    draw_legend, draw_legend_column, fmt_num, font, split_legend,
};

/// Economies labelled with their ISO3 code in each panel.
const LABELLED: usize = 8;
/// Agreements larger than this are drawn as a star from their largest member instead of
/// all member pairs, which for a 50-member bloc would be 1225 lines of ink.
const MAX_PAIRWISE: usize = 12;
/// Blocs named in the legend, each in its own colour; the rest share one colour.
const MAX_NAMED_BLOCS: usize = 8;
/// The animation's bounds: frames and pixel size.
const MAX_FRAMES: u64 = 60;
const GIF_SIZE: (u32, u32) = (800, 600);

#[derive(Clone, Copy, Debug)]
struct Extent {
    x: (f64, f64),
    y: (f64, f64),
    geo: bool,
}

struct MapPanel {
    caption: String,
    stats: String,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
}

/// A line between two members of one agreement, in the agreement's colour.
type Edge = ((f64, f64), (f64, f64), RGBColor);

struct Node {
    pos: (f64, f64),
    gdp: f64,
    bloc: Option<u64>,
    colour: RGBColor,
    in_m: bool,
    label: Option<String>,
}

pub(crate) struct MapFigure {
    subtitle: String,
    extent: Extent,
    gdp_ref: f64,
    panels: Vec<MapPanel>,
    legend: Vec<(Mark, String)>,
}

/// The blocs one figure names, largest first, each with its own palette colour; every
/// other bloc is drawn in [`OTHER_BLOC`]. Colours go by rank in the figure, not by
/// agreement id, so no two named blocs can share one.
struct BlocKey {
    named: Vec<(u64, String)>,
    others: usize,
}

impl BlocKey {
    /// Ranks the blocs of `states` by GDP, later states dominating, so the order follows
    /// how the run ended.
    fn new(states: &[WorldState], names: &BTreeMap<u64, String>, max_named: usize) -> BlocKey {
        let mut weight: BTreeMap<u64, f64> = BTreeMap::new();
        for (i, state) in states.iter().enumerate() {
            for c in &state.countries {
                if let Some(b) = c.map_bloc {
                    *weight.entry(b).or_default() += c.gdp * (1.0 + i as f64 * 1e3);
                }
            }
        }
        let mut blocs: Vec<(u64, f64)> = weight.into_iter().collect();
        blocs.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let max_named = max_named.min(BLOC_PALETTE.len());
        let mut named: Vec<(u64, String)> = blocs
            .iter()
            .take(max_named)
            .map(|&(id, _)| (id, bloc_name(states, names, id)))
            .collect();
        // Two unnamed blocs may share their largest member: tell them apart by size,
        // and by id if even that is the same.
        let last = states.last();
        let size = |id: u64| last.and_then(|s| s.agreements.get(&id)).map_or(0, Vec::len);
        for pass in 0..2 {
            let names: Vec<String> = named.iter().map(|(_, n)| n.clone()).collect();
            for (id, name) in named.iter_mut() {
                if names.iter().filter(|n| *n == name).count() > 1 {
                    if pass == 0 {
                        *name = format!("{name} ({} members)", size(*id));
                    } else {
                        *name = format!("{name}, agreement {id}");
                    }
                }
            }
        }
        BlocKey {
            named,
            others: blocs.len().saturating_sub(max_named),
        }
    }

    fn colour(&self, bloc: Option<u64>) -> RGBColor {
        match bloc {
            None => NONE_GREY,
            Some(id) => self
                .named
                .iter()
                .position(|(k, _)| *k == id)
                .map_or(OTHER_BLOC, |rank| BLOC_PALETTE[rank]),
        }
    }
}

/// The agreement's name from the scenario (EU, RCEP, …); an unnamed agreement is called
/// after its largest member in the latest state that has it.
fn bloc_name(states: &[WorldState], names: &BTreeMap<u64, String>, id: u64) -> String {
    if let Some(name) = names.get(&id).filter(|n| !n.trim().is_empty()) {
        return name.clone();
    }
    states
        .iter()
        .rev()
        .find_map(|s| {
            let members = s.agreements.get(&id)?;
            s.countries
                .iter()
                .filter(|c| members.binary_search(&c.id).is_ok())
                .max_by(|a, b| a.gdp.total_cmp(&b.gdp).then(b.id.cmp(&a.id)))
                .map(|c| format!("bloc of {}", c.iso3))
        })
        .unwrap_or_else(|| format!("agreement {id}"))
}

struct Inputs {
    world: u64,
    end: u64,
    extent: Extent,
    names: BTreeMap<u64, String>,
}

fn inputs(tables: &Tables) -> Option<Inputs> {
    let (countries, _) = (tables.countries.as_ref()?, tables.events.as_ref()?);
    let world = if countries.iter().any(|c| c.world == 0) {
        0
    } else {
        countries.iter().map(|c| c.world).min()?
    };
    let of_world: Vec<_> = countries.iter().filter(|c| c.world == world).collect();
    let geo = of_world.iter().all(|c| c.lon.is_some() && c.lat.is_some());
    let extent = if geo {
        // The inhabited latitudes, widened only if some country lies outside them.
        let (lo, hi) = of_world
            .iter()
            .filter_map(|c| c.lat)
            .fold((-60.0f64, 85.0f64), |(lo, hi), v| {
                (lo.min(v - 5.0), hi.max(v + 5.0))
            });
        let (west, east) = of_world
            .iter()
            .filter_map(|c| c.lon)
            .fold((-180.0f64, 180.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
        Extent {
            x: (west, east),
            y: (lo.max(-90.0), hi.min(90.0)),
            geo,
        }
    } else {
        let span = |f: fn(&&crate::plot::Country) -> f64| {
            let (lo, hi) = of_world
                .iter()
                .map(f)
                .fold((0.0f64, 1.0f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
            (lo - 0.05, hi + 0.05)
        };
        Extent {
            x: span(|c| c.x),
            y: span(|c| c.y),
            geo,
        }
    };
    let stop_tick = tables.outcomes.as_ref().and_then(|o| {
        o.worlds
            .iter()
            .find(|w| w.key.world == world)
            .and_then(|w| w.stop_tick)
    });
    let last_recorded = tables.series.as_ref().and_then(|s| {
        s.runs
            .iter()
            .find(|r| r.key.world == world)
            .and_then(|r| r.ticks.last().copied())
    });
    let last_event = tables
        .events
        .as_ref()
        .and_then(|e| e.iter().filter(|e| e.world == world).map(|e| e.tick).max());
    let names = tables
        .agreements
        .iter()
        .flatten()
        .filter(|a| a.world == world)
        .map(|a| (a.id, a.name.clone()))
        .collect();
    Some(Inputs {
        world,
        end: stop_tick.or(last_recorded).or(last_event).unwrap_or(0),
        extent,
        names,
    })
}

fn build_panel(state: &WorldState, extent: Extent, key: &BlocKey, caption: String) -> MapPanel {
    let pos = |c: &crate::plot::CountryState| {
        if extent.geo {
            (c.lon.unwrap_or(0.0), c.lat.unwrap_or(0.0))
        } else {
            (c.x, c.y)
        }
    };
    let index: BTreeMap<u64, usize> = state
        .countries
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let mut by_size: Vec<usize> = (0..state.countries.len()).collect();
    by_size.sort_by(|&a, &b| state.countries[b].gdp.total_cmp(&state.countries[a].gdp));
    let mut nodes: Vec<Node> = by_size
        .iter()
        .enumerate()
        .map(|(rank, &i)| {
            let c = &state.countries[i];
            Node {
                pos: pos(c),
                gdp: c.gdp,
                bloc: c.map_bloc,
                colour: key.colour(c.map_bloc),
                in_m: c.in_m,
                label: (rank < LABELLED).then(|| c.iso3.clone()),
            }
        })
        .collect();
    // Largest first, so that small economies stay visible on top.
    nodes.sort_by(|a, b| b.gdp.total_cmp(&a.gdp));

    let mut edges = Vec::new();
    for (&k, members) in &state.agreements {
        let colour = key.colour(Some(k));
        let at = |id: &u64| index.get(id).map(|&i| &state.countries[i]);
        let members: Vec<_> = members.iter().filter_map(at).collect();
        if members.len() <= MAX_PAIRWISE {
            for (i, a) in members.iter().enumerate() {
                for b in &members[i + 1..] {
                    edges.push((pos(a), pos(b), colour));
                }
            }
        } else if let Some(hub) = members.iter().max_by(|a, b| a.gdp.total_cmp(&b.gdp)) {
            for m in &members {
                if m.id != hub.id {
                    edges.push((pos(hub), pos(m), colour));
                }
            }
        }
    }
    let in_m = state.countries.iter().filter(|c| c.in_m).count();
    // The count is of the blocs drawn, so it matches the colours a reader can see.
    let mut blocs: Vec<u64> = nodes.iter().filter_map(|n| n.bloc).collect();
    blocs.sort_unstable();
    blocs.dedup();
    MapPanel {
        caption,
        stats: format!(
            "{in_m} of {} in M · {} bloc{}",
            state.countries.len(),
            blocs.len(),
            if blocs.len() == 1 { "" } else { "s" }
        ),
        nodes,
        edges,
    }
}

/// Legend of the blocs in `key`, largest first; every entry drawn in a colour has a swatch.
fn legend(key: &BlocKey) -> Vec<(Mark, String)> {
    let mut items = vec![
        (Mark::Dot(INK), "in M (filled)".to_owned()),
        (Mark::Ring(INK), "outside M (hollow)".to_owned()),
    ];
    for (rank, (_, name)) in key.named.iter().enumerate() {
        items.push((Mark::Square(BLOC_PALETTE[rank]), name.clone()));
    }
    if key.others > 0 {
        items.push((
            Mark::Square(OTHER_BLOC),
            format!(
                "{} other agreement{}",
                key.others,
                if key.others == 1 { "" } else { "s" }
            ),
        ));
    }
    items.push((Mark::Square(NONE_GREY), "no agreement".to_owned()));
    items.push((Mark::Note, "circle area ∝ GDP".to_owned()));
    items.push((Mark::Note, "lines: a shared agreement".to_owned()));
    items
}

fn gdp_ref(states: &[WorldState]) -> f64 {
    let max = states
        .iter()
        .flat_map(|s| s.countries.iter().map(|c| c.gdp))
        .filter(|g| g.is_finite())
        .fold(0.0f64, f64::max);
    if max > 0.0 { max } else { 1.0 }
}

pub(crate) fn prepare(tables: &Tables) -> Result<Option<MapFigure>, PlotError> {
    let Some(inputs) = inputs(tables) else {
        return Ok(None);
    };
    let end = inputs.end;
    let ticks = [0, end / 2, end];
    let states = states_at(tables, inputs.world, &ticks)?;
    // The world map keeps its legend in one cell, in two columns.
    let named = if inputs.extent.geo {
        BLOC_PALETTE.len()
    } else {
        MAX_NAMED_BLOCS
    };
    let key = BlocKey::new(&states, &inputs.names, named);
    let panels = states
        .iter()
        .zip(["start", "middle", "end"])
        .map(|(s, when)| build_panel(s, inputs.extent, &key, format!("{when}: tick {}", s.tick)))
        .collect();
    Ok(Some(MapFigure {
        legend: legend(&key),
        subtitle: format!("{} · world {}", tables.headline(), inputs.world),
        extent: inputs.extent,
        gdp_ref: gdp_ref(&states),
        panels,
    }))
}

impl Figure for MapFigure {
    fn size(&self) -> (u32, u32) {
        if self.extent.geo {
            (1800, 1200)
        } else {
            (1800, 840)
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(
            root,
            "Who trades with whom: blocs and M",
            &self.subtitle,
            sizes,
        )?;
        if self.extent.geo {
            // A world map is wide: two by two, with the legend in the fourth cell.
            let cells = body.split_evenly((2, 2));
            for (area, panel) in cells.iter().zip(&self.panels) {
                draw_map_panel(area, panel, self.extent, self.gdp_ref, sizes)?;
            }
            draw_legend_column(&cells[3].margin(30, 10, 30, 10), &self.legend, sizes)
        } else {
            let (body, strip) = split_legend(&body, &self.legend, sizes);
            for (area, panel) in body.split_evenly((1, 3)).iter().zip(&self.panels) {
                draw_map_panel(area, panel, self.extent, self.gdp_ref, sizes)?;
            }
            draw_legend(&strip, &self.legend, sizes)
        }
    }
}

fn draw_map_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &MapPanel,
    extent: Extent,
    gdp_ref: f64,
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let (w, h) = area.dim_in_pixel();
    let margin = 10.0;
    let x_label = sizes.tick * 1.4 + sizes.axis * 1.5;
    let y_label = sizes.tick * 2.6 + sizes.axis * 1.5;
    let caption = sizes.caption * 1.5;
    let avail_w = (w as f64 - y_label - 2.0 * margin).max(10.0);
    let avail_h = (h as f64 - x_label - caption - 2.0 * margin).max(10.0);
    // Equal scales on both axes, so that distances look like distances; a world map is
    // drawn 2:1 like a full plate carrée, stretching latitude a little rather than
    // shrinking the whole map to a strip.
    let aspect = if extent.geo {
        2.0
    } else {
        (extent.x.1 - extent.x.0) / (extent.y.1 - extent.y.0)
    };
    let (pw, ph) = if avail_w / avail_h > aspect {
        (avail_h * aspect, avail_h)
    } else {
        (avail_w, avail_w / aspect)
    };
    let (extra_w, extra_h) = ((avail_w - pw) / 2.0, (avail_h - ph) / 2.0);
    let (x_desc, y_desc) = if extent.geo {
        ("longitude (°)", "latitude (°)")
    } else {
        ("x (position)", "y (position)")
    };
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.caption, bold(sizes.caption))
        .margin_left((margin + extra_w) as u32)
        .margin_right((margin + extra_w) as u32)
        .margin_top((margin + extra_h) as u32)
        .margin_bottom((margin + extra_h) as u32)
        .x_label_area_size(x_label as u32)
        .y_label_area_size(y_label as u32)
        .build_cartesian_2d(extent.x.0..extent.x.1, extent.y.0..extent.y.1)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.08))
        .draw()?;

    chart.draw_series(
        panel
            .edges
            .iter()
            .map(|&(a, b, c)| PathElement::new(vec![a, b], c.mix(0.45).stroke_width(1))),
    )?;
    let r_max = 0.06 * (pw * ph).sqrt();
    let radius = |gdp: f64| (r_max * (gdp.max(0.0) / gdp_ref).sqrt()).max(2.5);
    for node in &panel.nodes {
        let r = radius(node.gdp).round() as i32;
        if node.in_m {
            chart.draw_series([
                Circle::new(node.pos, r, node.colour.filled()),
                Circle::new(node.pos, r, INK.mix(0.7).stroke_width(1)),
            ])?;
        } else {
            chart.draw_series(std::iter::once(Circle::new(
                node.pos,
                r,
                node.colour.stroke_width(sizes.line),
            )))?;
        }
    }
    // Counts in the top-left corner, on a white card so that markers do not garble them.
    let note = font(sizes.note);
    let (tw, th) = area.estimate_text_size(&panel.stats, &note.clone().into())?;
    let pad = 5;
    chart.draw_series(std::iter::once(
        EmptyElement::at((extent.x.0, extent.y.1))
            + Rectangle::new(
                [(1, 1), (tw as i32 + 2 * pad, th as i32 + 2 * pad)],
                WHITE.mix(0.85).filled(),
            )
            + Text::new(
                panel.stats.clone(),
                (pad, pad),
                note.color(&RGBColor(0x33, 0x33, 0x33))
                    .pos(Pos::new(HPos::Left, VPos::Top)),
            ),
    ))?;
    let (xs, ys) = chart.plotting_area().get_pixel_range();
    let card = (
        xs.start,
        ys.start,
        xs.start + tw as i32 + 2 * pad + 1,
        ys.start + th as i32 + 2 * pad + 1,
    );
    let bounds = (xs.start, ys.start, xs.end, ys.end);
    let mut taken = vec![card];
    let label_font = bold(sizes.tick);
    for node in &panel.nodes {
        let Some(label) = &node.label else { continue };
        let (lw, lh) = area.estimate_text_size(label, &label_font.clone().into())?;
        let centre = chart.backend_coord(&node.pos);
        let off = (radius(node.gdp) * 0.75).round() as i32 + 2;
        let Some(corner) = place_label(centre, off, (lw as i32, lh as i32), bounds, &taken) else {
            // A label that fits nowhere is left out rather than drawn over another.
            continue;
        };
        taken.push((
            corner.0,
            corner.1,
            corner.0 + lw as i32,
            corner.1 + lh as i32,
        ));
        chart.draw_series(std::iter::once(
            EmptyElement::at(node.pos)
                + Text::new(
                    label.clone(),
                    (corner.0 - centre.0, corner.1 - centre.1),
                    label_font
                        .clone()
                        .color(&BLACK)
                        .pos(Pos::new(HPos::Left, VPos::Top)),
                ),
        ))?;
    }
    Ok(())
}

/// A pixel box: left, top, right, bottom.
type PixelBox = (i32, i32, i32, i32);

/// The top-left corner of the first spot around a marker at `centre` (NE, NW, SE, SW, E,
/// W, at `off` pixels) where a `size` label stays inside `bounds`, with a small gap to
/// every box already `taken`; `None` if there is no such spot.
fn place_label(
    centre: (i32, i32),
    off: i32,
    size: (i32, i32),
    bounds: PixelBox,
    taken: &[PixelBox],
) -> Option<(i32, i32)> {
    let (x, y) = centre;
    let (w, h) = size;
    let gap = 3;
    let candidates = [
        (x + off, y - off - h),
        (x - off - w, y - off - h),
        (x + off, y + off),
        (x - off - w, y + off),
        (x + off + 2, y - h / 2),
        (x - off - 2 - w, y - h / 2),
    ];
    candidates.into_iter().find(|&(left, top)| {
        let b = (left, top, left + w, top + h);
        b.0 >= bounds.0
            && b.1 >= bounds.1
            && b.2 <= bounds.2
            && b.3 <= bounds.3
            && taken.iter().all(|t| {
                b.2 + gap <= t.0 || t.2 + gap <= b.0 || b.3 + gap <= t.1 || t.3 + gap <= b.1
            })
    })
}

/// Ticks shown by the animation: every tick, or at most [`MAX_FRAMES`] evenly spread ones
/// that always include the first and the last.
fn frame_ticks(end: u64) -> Vec<u64> {
    if end < MAX_FRAMES {
        return (0..=end).collect();
    }
    let mut ticks: Vec<u64> = (0..MAX_FRAMES)
        .map(|k| ((k as f64) * end as f64 / (MAX_FRAMES - 1) as f64).round() as u64)
        .collect();
    ticks.dedup();
    ticks
}

/// Writes `fig_dir/map.gif`; `None` when the tables needed are absent.
pub(crate) fn write_animation(
    tables: &Tables,
    fig_dir: &Path,
) -> Result<Option<PathBuf>, PlotError> {
    let Some(inputs) = inputs(tables) else {
        return Ok(None);
    };
    let path = fig_dir.join("map.gif");
    let ticks = frame_ticks(inputs.end);
    let states = states_at(tables, inputs.world, &ticks)?;
    let gdp_ref = gdp_ref(&states);
    // The animation's legend names the blocs of its last frame, which viewers read longest.
    let key = BlocKey::new(&states[states.len() - 1..], &inputs.names, 6);
    let legend = legend(&key);
    let sizes = Sizes::SMALL;
    let (w, h) = GIF_SIZE;
    let subtitle = format!("{} · world {}", tables.headline(), inputs.world);

    let mut exact = vec![
        WHITE,
        BLACK,
        INK,
        NONE_GREY,
        RGBColor(0x33, 0x33, 0x33),
        RGBColor(0x44, 0x44, 0x44),
    ];
    exact.extend_from_slice(&BLOC_PALETTE);
    exact.push(OTHER_BLOC);
    let mut encoder = GifEncoder::new(w as u16, h as u16, &exact);
    let mut buffer = vec![255u8; (w * h * 3) as usize];
    for (i, state) in states.iter().enumerate() {
        let caption = format!("tick {} of {}", state.tick, inputs.end);
        let panel = build_panel(state, inputs.extent, &key, caption);
        {
            let root = BitMapBackend::with_buffer(&mut buffer, (w, h)).into_drawing_area();
            let frame = || -> DrawResult<(), BitMapBackend> {
                root.fill(&WHITE)?;
                let body = draw_header(&root, "Blocs and M over time", &subtitle, sizes)?;
                let (body, strip) = split_legend(&body, &legend, sizes);
                draw_map_panel(&body, &panel, inputs.extent, gdp_ref, sizes)?;
                draw_legend(&strip, &legend, sizes)?;
                root.present()
            };
            frame().map_err(draw_error(&path))?;
        }
        // Linger on the final state so that viewers can read it before the loop restarts.
        let delay = if i + 1 == states.len() { 300 } else { 20 };
        encoder.add_frame(&buffer, delay);
    }
    write_atomic(&path, &encoder.finish())?;
    Ok(Some(path))
}

#[cfg(test)]
pub(crate) fn frame_ticks_for_test(end: u64) -> Vec<u64> {
    frame_ticks(end)
}

/// A country's bloc on a map and the colour it is drawn in.
#[cfg(test)]
pub(crate) type DrawnBloc = (Option<u64>, RGBColor);

/// Every (bloc, colour) a map figure draws, over all panels, and its legend.
#[cfg(test)]
pub(crate) fn drawn_for_test(fig: &MapFigure) -> (Vec<DrawnBloc>, &[(Mark, String)]) {
    let drawn = fig
        .panels
        .iter()
        .flat_map(|p| p.nodes.iter().map(|n| (n.bloc, n.colour)))
        .collect();
    (drawn, &fig.legend)
}
