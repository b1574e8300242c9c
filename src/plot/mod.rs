//! Figures and an HTML report drawn from the CSV tables of a run or sweep directory; plots never see the model.
//!
//! Every figure reads only the tables a run or sweep writes (`timeseries.csv`,
//! `summary.csv`, `countries.csv`, `agreements.csv`, `events.csv`, `manifest.ron`, or
//! `points.csv`, `worlds.csv`, `series.csv`, `sensitivity.csv`), so figures can be redrawn
//! from old results without rerunning anything. Figures go to `DIR/figures/` as SVG and
//! PNG (plus an animated `map.gif`), the report to `DIR/report.html`.
//!
//! Text is drawn with DejaVu Sans, embedded in the binary and registered with plotters
//! as "sans-serif", so output does not depend on the fonts of the machine.

mod check;
mod convergence;
mod data;
mod discover;
mod error;
mod gif;
mod gridlock;
pub mod lines;
mod map;
mod outcomes;
mod output;
mod phase;
mod replay;
mod report;
mod sensitivity;
mod style;
mod table;
mod timeplot;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::{DrawingArea, DrawingBackend, RGBColor};

pub use check::CheckRow;
pub use data::{
    Agreement, Country, DirKind, Event, Institution, METRICS, Move, Outcomes, PointRow, Points,
    RunKey, RunSeries, SensitivityRow, Series, Share, Tables, WorldOutcome,
};
pub use discover::draw_discover;
pub use error::PlotError;
pub use replay::{CountryState, WorldState, state_at, states_at};
pub use report::write_report;

use output::Figure;
use style::DrawResult;

/// Outcome classes of a finished world, in the order legends and tables list them.
pub const CLASSES: [&str; 5] = [
    "GlobalFreeTrade",
    "NetworkedOrder",
    "MultilateralCore",
    "RivalBlocs",
    "Fragmented",
];

/// Figure names accepted by [`plot_dir`]; `phase` writes `phase`, `phase_networked` and
/// `phase_rival`, and `map.gif` is the animation (GIF only).
pub const FIGURES: [&str; 8] = [
    "check",
    "convergence",
    "outcomes",
    "phase",
    "map",
    "map.gif",
    "sensitivity",
    "gridlock",
];

/// The one colour of an outcome class, the same in every figure (Okabe–Ito, colour-blind
/// safe); an unknown class is drawn near-black.
pub fn class_colour(name: &str) -> RGBColor {
    match name {
        "GlobalFreeTrade" => RGBColor(0x00, 0x9E, 0x73),
        "NetworkedOrder" => RGBColor(0x00, 0x72, 0xB2),
        "MultilateralCore" => RGBColor(0x56, 0xB4, 0xE9),
        "RivalBlocs" => RGBColor(0xD5, 0x5E, 0x00),
        "Fragmented" => RGBColor(0x99, 0x99, 0x99),
        _ => RGBColor(0x33, 0x33, 0x33),
    }
}

/// Draws every figure whose inputs `dir` holds, or only the one named, into `dir/figures/`.
///
/// Figures whose tables are absent are skipped, unless asked for by name, which is then an
/// error. Returns the files written.
pub fn plot_dir(dir: &Path, only: Option<&str>) -> Result<Vec<PathBuf>, PlotError> {
    let names: Vec<&str> = match only {
        None => FIGURES.to_vec(),
        Some(name) => vec![canonical_name(name)?],
    };
    style::register_fonts()?;
    let tables = Tables::load(dir)?;
    let fig_dir = dir.join("figures");
    std::fs::create_dir_all(&fig_dir).map_err(|e| PlotError::io(&fig_dir, e))?;
    let mut written = Vec::new();
    for name in names {
        let before = written.len();
        if name == "map.gif" {
            written.extend(map::write_animation(&tables, &fig_dir)?);
        } else {
            for (stem, figure) in prepare(name, &tables)? {
                written.extend(output::write_svg_png(&figure, &fig_dir, &stem)?);
            }
        }
        if only.is_some() && written.len() == before {
            return Err(PlotError::NotApplicable {
                dir: dir.to_path_buf(),
                figure: name.to_owned(),
                needs: needs(name),
            });
        }
    }
    Ok(written)
}

fn canonical_name(name: &str) -> Result<&'static str, PlotError> {
    let name = match name {
        "phase_networked" | "phase_rival" => "phase",
        "map_gif" | "gif" | "animation" => "map.gif",
        other => other,
    };
    FIGURES
        .iter()
        .find(|f| **f == name)
        .copied()
        .ok_or_else(|| PlotError::UnknownFigure {
            name: name.to_owned(),
            known: FIGURES.join(", "),
        })
}

fn needs(name: &str) -> &'static str {
    match name {
        "convergence" => "timeseries.csv (series.csv in a sweep) with at least one world",
        "outcomes" => "points.csv with exactly one varied field",
        "phase" => "points.csv with exactly two varied fields",
        "map" | "map.gif" => "countries.csv and events.csv",
        "sensitivity" => "sensitivity.csv with at least one row",
        "gridlock" => "timeseries.csv (series.csv in a sweep) with at least one world",
        "check" => "check.csv, as `blocs reproduce` writes it",
        _ => "inputs this directory does not have",
    }
}

/// A figure ready to draw, of any kind.
pub(crate) enum Prepared {
    Check(check::CheckFigure),
    Convergence(convergence::Convergence),
    Outcomes(outcomes::OutcomeShares),
    Phase(phase::Phase),
    Map(map::MapFigure),
    Sensitivity(sensitivity::Sensitivity),
    SensitivityConvergence(sensitivity::Convergence),
    Gridlock(gridlock::Gridlock),
}

impl Figure for Prepared {
    fn size(&self) -> (u32, u32) {
        match self {
            Prepared::Check(f) => f.size(),
            Prepared::Convergence(f) => f.size(),
            Prepared::Outcomes(f) => f.size(),
            Prepared::Phase(f) => f.size(),
            Prepared::Map(f) => f.size(),
            Prepared::Sensitivity(f) => f.size(),
            Prepared::SensitivityConvergence(f) => f.size(),
            Prepared::Gridlock(f) => f.size(),
        }
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<(), DB> {
        match self {
            Prepared::Check(f) => f.draw(root),
            Prepared::Convergence(f) => f.draw(root),
            Prepared::Outcomes(f) => f.draw(root),
            Prepared::Phase(f) => f.draw(root),
            Prepared::Map(f) => f.draw(root),
            Prepared::Sensitivity(f) => f.draw(root),
            Prepared::SensitivityConvergence(f) => f.draw(root),
            Prepared::Gridlock(f) => f.draw(root),
        }
    }
}

/// The SVG/PNG figures of one name with their file stems; empty when inputs are absent.
pub(crate) fn prepare(name: &str, tables: &Tables) -> Result<Vec<(String, Prepared)>, PlotError> {
    let one = |stem: &str, f: Option<Prepared>| -> Vec<(String, Prepared)> {
        f.map(|f| (stem.to_owned(), f)).into_iter().collect()
    };
    Ok(match name {
        "check" => one(name, check::prepare(tables)?.map(Prepared::Check)),
        "convergence" => one(
            name,
            convergence::prepare(tables)?.map(Prepared::Convergence),
        ),
        "outcomes" => one(name, outcomes::prepare(tables)?.map(Prepared::Outcomes)),
        "phase" => phase::prepare(tables)?
            .into_iter()
            .map(|(stem, f)| (stem, Prepared::Phase(f)))
            .collect(),
        "map" => one(name, map::prepare(tables)?.map(Prepared::Map)),
        "sensitivity" => {
            let mut v = one(
                name,
                sensitivity::prepare(tables)?.map(Prepared::Sensitivity),
            );
            v.extend(one(
                "sensitivity_convergence",
                sensitivity::prepare_convergence(tables)?.map(Prepared::SensitivityConvergence),
            ));
            v
        }
        "gridlock" => one(name, gridlock::prepare(tables)?.map(Prepared::Gridlock)),
        _ => Vec::new(),
    })
}
