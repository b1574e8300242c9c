//! Metric-against-tick panels shared by `convergence` and `gridlock`: paths, ensemble bands and their drawing.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::data::Series;
use crate::plot::style::{DrawResult, Sizes, fmt_num, font, padded_range, quantile, segments};

/// How a panel's y axis is bounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum YScale {
    /// A share: 0 to 1, widened only if the data leave it.
    Unit,
    /// Non-negative quantities: from 0 up to the data.
    FromZero,
    /// Whatever the data span.
    Free,
}

/// One line, possibly broken into segments at missing values.
#[derive(Clone, Debug)]
pub(crate) struct PathLine {
    pub colour: RGBAColor,
    pub width: u32,
    pub segments: Vec<Vec<(f64, f64)>>,
}

/// Median and 10–90 % band of a metric over worlds, per tick.
#[derive(Clone, Debug)]
pub(crate) struct Band {
    pub colour: RGBColor,
    /// Filled band; otherwise its edges are drawn as thin lines, for panels with
    /// bands that overlap and would mix into a colour of their own.
    pub filled: bool,
    pub median: Vec<(f64, f64)>,
    pub lo: Vec<(f64, f64)>,
    pub hi: Vec<(f64, f64)>,
}

#[derive(Clone, Debug)]
pub(crate) struct TimePanel {
    pub caption: String,
    pub unit: String,
    pub y_range: (f64, f64),
    pub lines: Vec<PathLine>,
    pub bands: Vec<Band>,
}

impl TimePanel {
    pub(crate) fn new(
        caption: &str,
        unit: &str,
        scale: YScale,
        lines: Vec<PathLine>,
        bands: Vec<Band>,
    ) -> TimePanel {
        let values: Vec<f64> = lines
            .iter()
            .flat_map(|l| l.segments.iter().flatten().map(|p| p.1))
            .chain(
                bands
                    .iter()
                    .flat_map(|b| b.lo.iter().chain(&b.hi).map(|p| p.1)),
            )
            .filter(|v| v.is_finite())
            .collect();
        let (raw_lo, raw_hi) = values
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let y_range = match scale {
            YScale::Unit => {
                let (lo, hi) = padded_range(values.iter().copied().chain([0.0, 1.0]));
                (
                    if raw_lo < 0.0 { lo } else { -0.03 },
                    if raw_hi > 1.0 { hi } else { 1.03 },
                )
            }
            YScale::FromZero => {
                let (lo, hi) = padded_range(values.iter().copied().chain([0.0]));
                // A little room below zero, so that a line at 0 is not hidden by the axis.
                (if raw_lo < 0.0 { lo } else { -0.03 * hi }, hi)
            }
            YScale::Free => padded_range(values.iter().copied()),
        };
        TimePanel {
            caption: caption.to_owned(),
            unit: unit.to_owned(),
            y_range,
            lines,
            bands,
        }
    }
}

/// The path of one world's metric, at the ticks it recorded.
pub(crate) fn run_path(series: &Series, run: usize, metric: usize) -> Vec<Vec<(f64, f64)>> {
    let r = &series.runs[run];
    segments(
        r.ticks
            .iter()
            .zip(&r.values[metric])
            .map(|(&t, &v)| (t as f64, v)),
    )
}

/// Median and 10–90 % quantiles over worlds at every tick up to the last one; a world that
/// stopped early keeps its last value.
pub(crate) fn ensemble_band(series: &Series, metric: usize, colour: RGBColor) -> Band {
    let max_tick = series.max_tick();
    let mut band = Band {
        colour,
        filled: true,
        median: Vec::new(),
        lo: Vec::new(),
        hi: Vec::new(),
    };
    let mut values = Vec::with_capacity(series.runs.len());
    let mut cursors = vec![0usize; series.runs.len()];
    for tick in 0..=max_tick {
        values.clear();
        for (run, cursor) in series.runs.iter().zip(cursors.iter_mut()) {
            while *cursor < run.ticks.len() && run.ticks[*cursor] <= tick {
                *cursor += 1;
            }
            if *cursor > 0 {
                let v = run.values[metric][*cursor - 1];
                if v.is_finite() {
                    values.push(v);
                }
            }
        }
        if values.is_empty() {
            continue;
        }
        values.sort_by(f64::total_cmp);
        let t = tick as f64;
        band.median.push((t, quantile(&values, 0.5)));
        band.lo.push((t, quantile(&values, 0.1)));
        band.hi.push((t, quantile(&values, 0.9)));
    }
    band
}

pub(crate) fn draw_time_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panel: &TimePanel,
    x_max: f64,
    sizes: Sizes,
) -> DrawResult<(), DB> {
    let mut chart = ChartBuilder::on(area)
        .caption(&panel.caption, font(sizes.caption))
        .margin(12)
        // Room for the last x label, which is centred on the right edge of the plot.
        .margin_right((sizes.tick * 1.5) as u32)
        .x_label_area_size((sizes.tick * 1.4 + sizes.axis * 1.5) as u32)
        .y_label_area_size((sizes.tick * 3.2 + sizes.axis * 1.5) as u32)
        .build_cartesian_2d(0f64..x_max, panel.y_range.0..panel.y_range.1)?;
    chart
        .configure_mesh()
        .x_desc("tick")
        .y_desc(panel.unit.as_str())
        .axis_desc_style(font(sizes.axis))
        .label_style(font(sizes.tick))
        .x_labels(5)
        .y_labels(5)
        .x_label_formatter(&|v| fmt_num(*v))
        .y_label_formatter(&|v| fmt_num(*v))
        .light_line_style(TRANSPARENT)
        .bold_line_style(BLACK.mix(0.12))
        .draw()?;
    // Bands first, then world lines, then medians: the summary stays on top.
    for band in &panel.bands {
        let outline: Vec<(f64, f64)> = band
            .hi
            .iter()
            .copied()
            .chain(band.lo.iter().rev().copied())
            .collect();
        if !band.filled {
            for edge in [&band.lo, &band.hi] {
                chart.draw_series(LineSeries::new(
                    edge.iter().copied(),
                    band.colour.mix(0.7).stroke_width(2),
                ))?;
            }
        } else if outline.len() >= 3 {
            chart.draw_series(std::iter::once(Polygon::new(
                outline,
                band.colour.mix(0.2).filled(),
            )))?;
        }
    }
    for line in &panel.lines {
        for seg in &line.segments {
            chart.draw_series(LineSeries::new(
                seg.iter().copied(),
                line.colour.stroke_width(line.width),
            ))?;
        }
    }
    for band in &panel.bands {
        chart.draw_series(LineSeries::new(
            band.median.iter().copied(),
            band.colour.stroke_width(sizes.line + 1),
        ))?;
    }
    Ok(())
}
