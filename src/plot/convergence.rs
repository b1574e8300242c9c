//! `convergence`: key metrics against tick; one line for a single world, median and 10–90 % band for an ensemble.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::check::{GROUP_A, GROUP_B, group_of};
use crate::plot::data::{DirKind, Series, Tables};
use crate::plot::output::Figure;
use crate::plot::style::{
    DrawResult, INK, Mark, NONE_GREY, Sizes, draw_header, draw_legend, split_legend,
};
use crate::plot::timeplot::{
    Band, PathLine, TimePanel, YScale, draw_time_panel, ensemble_band, run_path,
};
use crate::plot::{CLASSES, PlotError, class_colour};

/// Metric, panel caption, y-axis unit, scale.
const PANELS: [(&str, &str, &str, YScale); 8] = [
    (
        "m_share",
        "M members' GDP (m_share)",
        "share of world GDP",
        YScale::Unit,
    ),
    (
        "e_m",
        "Effectiveness of M (e_M)",
        "effectiveness, 0–1",
        YScale::Unit,
    ),
    (
        "t_m",
        "M's bound tariff (t_M)",
        "tariff rate",
        YScale::FromZero,
    ),
    (
        "coverage",
        "In an agreement (coverage)",
        "share of world GDP",
        YScale::Unit,
    ),
    (
        "free_share",
        "Tariff-free trade (free_share)",
        "share of GDP pairs",
        YScale::Unit,
    ),
    (
        "effective_blocs",
        "Effective no. of blocs",
        "number of blocs",
        YScale::FromZero,
    ),
    (
        "bloc_wall",
        "Tariff between blocs",
        "tariff rate",
        YScale::FromZero,
    ),
    (
        "welfare",
        "Welfare (sum of payoffs)",
        "payoff units",
        YScale::Free,
    ),
];

/// Faint per-world lines drawn at most; more would only add ink and file size.
const MAX_FAINT: usize = 100;

pub(crate) struct Convergence {
    subtitle: String,
    x_max: f64,
    panels: Vec<TimePanel>,
    legend: Vec<(Mark, String)>,
}

pub(crate) fn prepare(tables: &Tables) -> Result<Option<Convergence>, PlotError> {
    let Some(series) = &tables.series else {
        return Ok(None);
    };
    if series.runs.is_empty() {
        return Ok(None);
    }
    let ensemble = series.runs.len() > 1;
    let colour_of = |run: usize| {
        tables
            .outcome_of(series.runs[run].key)
            .map_or(if ensemble { NONE_GREY } else { INK }, class_colour)
    };
    // An experiment's check contrasts two groups of design points: one median and band
    // per group shows the contrast that a pooled median would hide.
    let groups = check_groups(tables);
    let mut panels = Vec::with_capacity(PANELS.len());
    for (metric, caption, unit, scale) in PANELS {
        let m = series.require(metric)?;
        let (lines, bands) = if let Some(groups) = &groups {
            let mut lines = Vec::new();
            let mut bands = Vec::new();
            for (group, colour) in [(Some(true), GROUP_A), (Some(false), GROUP_B)] {
                let subset = Series {
                    runs: series
                        .runs
                        .iter()
                        .zip(groups)
                        .filter(|(_, g)| **g == group)
                        .map(|(r, _)| r.clone())
                        .collect(),
                    ..series.clone()
                };
                if subset.runs.is_empty() {
                    continue;
                }
                for run in 0..subset.runs.len().min(MAX_FAINT) {
                    lines.push(PathLine {
                        colour: colour.mix(0.3),
                        width: 1,
                        segments: run_path(&subset, run, m),
                    });
                }
                // Edges, not fills: two filled bands would mix into a third colour.
                bands.push(Band {
                    filled: false,
                    ..ensemble_band(&subset, m, colour)
                });
            }
            (lines, bands)
        } else if ensemble {
            let lines = (0..series.runs.len().min(MAX_FAINT))
                .map(|run| PathLine {
                    colour: colour_of(run).mix(0.35),
                    width: 1,
                    segments: run_path(series, run, m),
                })
                .collect();
            (lines, vec![ensemble_band(series, m, INK)])
        } else {
            let line = PathLine {
                colour: colour_of(0).mix(1.0),
                width: Sizes::LARGE.line + 1,
                segments: run_path(series, 0, m),
            };
            (vec![line], Vec::new())
        };
        panels.push(TimePanel::new(caption, unit, scale, lines, bands));
    }

    let mut legend = Vec::new();
    if let (Some(groups), Some(check)) = (&groups, &tables.check) {
        let (_, a, b) = check.parts();
        let count = |g| groups.iter().filter(|x| **x == g).count();
        legend.push((
            Mark::Line(GROUP_A.mix(1.0), 4),
            format!(
                "group a {a}: median, 10–90 % ({} worlds)",
                count(Some(true))
            ),
        ));
        if let Some(b) = b {
            legend.push((
                Mark::Line(GROUP_B.mix(1.0), 4),
                format!(
                    "group b {b}: median, 10–90 % ({} worlds)",
                    count(Some(false))
                ),
            ));
        }
    } else if ensemble {
        legend.push((Mark::Line(INK.mix(1.0), 4), "median of worlds".to_owned()));
        legend.push((Mark::Band(INK.mix(0.2)), "10–90 % of worlds".to_owned()));
        let counts = tables
            .outcomes
            .as_ref()
            .map(|o| o.class_counts())
            .unwrap_or_else(|| CLASSES.iter().map(|c| ((*c).to_owned(), 0)).collect());
        // A class no world reached would be a legend entry for ink that is not there.
        for (class, n) in counts.into_iter().filter(|(_, n)| *n > 0) {
            legend.push((
                Mark::Line(class_colour(&class).mix(1.0), 4),
                format!("{class} ({n})"),
            ));
        }
        let stops: Vec<u64> = series
            .runs
            .iter()
            .filter_map(|r| r.ticks.last().copied())
            .collect();
        if stops.iter().any(|&t| t < series.max_tick()) {
            legend.push((
                Mark::Note,
                "a world's line ends where it stopped; median and band keep its final value"
                    .to_owned(),
            ));
        }
        if series.runs.len() > MAX_FAINT {
            legend.push((
                Mark::Note,
                format!(
                    "thin lines: first {MAX_FAINT} of {} worlds",
                    series.runs.len()
                ),
            ));
        }
    } else {
        let run = &series.runs[0];
        let label = match tables.outcome_of(run.key) {
            Some(class) => format!("world {}: {class}", run.key.world),
            None => format!("world {}", run.key.world),
        };
        legend.push((Mark::Line(colour_of(0).mix(1.0), 4), label));
    }

    // A sweep records the series of a few worlds only: say which ones the lines show.
    let recorded = series.runs.len();
    let subtitle = if tables.kind == DirKind::Sweep && recorded < tables.world_count() {
        format!(
            "{} · lines: the {recorded} recorded worlds",
            tables.headline()
        )
    } else {
        tables.headline()
    };
    Ok(Some(Convergence {
        subtitle,
        x_max: series.max_tick().max(1) as f64,
        panels,
        legend,
    }))
}

impl Figure for Convergence {
    fn size(&self) -> (u32, u32) {
        (1800, 1100)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(
            root,
            "How the world settles: key metrics by tick",
            &self.subtitle,
            sizes,
        )?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        for (area, panel) in body.split_evenly((2, 4)).iter().zip(&self.panels) {
            draw_time_panel(area, panel, self.x_max, sizes)?;
        }
        draw_legend(&strip, &self.legend, sizes)
    }
}

/// For an experiment with a check of two groups: each recorded world's group (`Some(true)`
/// for a, `Some(false)` for b, `None` for neither), aligned with the series' runs.
fn check_groups(tables: &Tables) -> Option<Vec<Option<bool>>> {
    let (check, series, outcomes, points) = (
        tables.check.as_ref()?,
        tables.series.as_ref()?,
        tables.outcomes.as_ref()?,
        tables.points.as_ref()?,
    );
    let (_, a, b) = check.parts();
    let b = b?;
    let groups: Vec<Option<bool>> = series
        .runs
        .iter()
        .map(|r| {
            let point = outcomes
                .worlds
                .iter()
                .find(|w| w.key.world == r.key.world)?
                .key
                .point?;
            let row = points.rows.iter().find(|p| p.point == point)?;
            group_of(&a, &b, points, row)
        })
        .collect();
    groups.iter().any(Option::is_some).then_some(groups)
}
