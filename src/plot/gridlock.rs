//! `gridlock`: cumulative multilateral rounds passed and failed, and M's bound tariff, by tick.

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::plot::PlotError;
use crate::plot::data::Tables;
use crate::plot::output::Figure;
use crate::plot::style::{
    DrawResult, INK, Mark, ORANGE, PURPLE, Sizes, draw_header, draw_legend, split_legend,
};
use crate::plot::timeplot::{
    Band, PathLine, TimePanel, YScale, draw_time_panel, ensemble_band, run_path,
};

pub(crate) struct Gridlock {
    subtitle: String,
    x_max: f64,
    rounds: TimePanel,
    tariff: TimePanel,
    legend: Vec<(Mark, String)>,
}

pub(crate) fn prepare(tables: &Tables) -> Result<Option<Gridlock>, PlotError> {
    let Some(series) = &tables.series else {
        return Ok(None);
    };
    if series.runs.is_empty() {
        return Ok(None);
    }
    let passed = series.require("rounds_passed")?;
    let failed = series.require("rounds_failed")?;
    let t_m = series.require("t_m")?;
    let ensemble = series.runs.len() > 1;
    let width = Sizes::LARGE.line + 1;
    let (rounds, tariff, mut legend) = if ensemble {
        (
            TimePanel::new(
                "Rounds of M (median, 10–90 % of worlds)",
                "rounds, cumulative",
                YScale::FromZero,
                Vec::new(),
                // Two bands that overlap would mix into a third, unexplained colour.
                vec![
                    Band {
                        filled: false,
                        ..ensemble_band(series, passed, INK)
                    },
                    Band {
                        filled: false,
                        ..ensemble_band(series, failed, PURPLE)
                    },
                ],
            ),
            TimePanel::new(
                "M's bound tariff t_M (median, 10–90 % band)",
                "tariff rate",
                YScale::FromZero,
                Vec::new(),
                vec![ensemble_band(series, t_m, ORANGE)],
            ),
            vec![
                (
                    Mark::Line(INK.mix(0.7), 2),
                    format!("thin: 10–90 % of {} worlds", series.runs.len()),
                ),
                (Mark::Band(ORANGE.mix(0.2)), "t_M: 10–90 %".to_owned()),
            ],
        )
    } else {
        let line = |m, colour: RGBColor| PathLine {
            colour: colour.mix(1.0),
            width,
            segments: run_path(series, 0, m),
        };
        (
            TimePanel::new(
                "Rounds of M",
                "rounds, cumulative",
                YScale::FromZero,
                vec![line(passed, INK), line(failed, PURPLE)],
                Vec::new(),
            ),
            TimePanel::new(
                "M's bound tariff t_M",
                "tariff rate",
                YScale::FromZero,
                vec![line(t_m, ORANGE)],
                Vec::new(),
            ),
            Vec::new(),
        )
    };
    legend.splice(
        0..0,
        [
            (Mark::Line(INK.mix(1.0), 4), "rounds passed".to_owned()),
            (Mark::Line(PURPLE.mix(1.0), 4), "rounds failed".to_owned()),
            (
                Mark::Line(ORANGE.mix(1.0), 4),
                "t_M (bound MFN tariff)".to_owned(),
            ),
        ],
    );
    let subtitle = if ensemble {
        tables.headline()
    } else {
        format!("{} · world {}", tables.headline(), series.runs[0].key.world)
    };
    Ok(Some(Gridlock {
        subtitle,
        x_max: series.max_tick().max(1) as f64,
        rounds,
        tariff,
        legend,
    }))
}

impl Figure for Gridlock {
    fn size(&self) -> (u32, u32) {
        (1600, 1000)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        let sizes = Sizes::LARGE;
        let body = draw_header(
            root,
            "Gridlock in the multilateral institution",
            &self.subtitle,
            sizes,
        )?;
        let (body, strip) = split_legend(&body, &self.legend, sizes);
        let panels = body.split_evenly((1, 2));
        draw_time_panel(&panels[0], &self.rounds, self.x_max, sizes)?;
        draw_time_panel(&panels[1], &self.tariff, self.x_max, sizes)?;
        draw_legend(&strip, &self.legend, sizes)
    }
}

/// The legend, and the bottom of each panel's y range.
#[cfg(test)]
pub(crate) fn legend_and_floors_for_test(g: &Gridlock) -> (&[(Mark, String)], [f64; 2]) {
    (&g.legend, [g.rounds.y_range.0, g.tariff.y_range.0])
}
