//! The figures of the docking reports, drawn from their tables with `plot::lines`.

use std::path::{Path, PathBuf};

use crate::docking::DockReport;
use crate::plot::PlotError;
use crate::plot::lines::{line_chart, table_series};

/// Draws the figures of experiment `name` into `dir/figures` (none for experiments
/// without a line chart) and returns the files written.
pub fn draw_docking(
    dir: &Path,
    name: &str,
    report: &DockReport,
) -> Result<Vec<PathBuf>, PlotError> {
    let table = |t: &str| {
        report
            .tables
            .iter()
            .find(|x| x.0 == t)
            .map(|x| table_series(&x.1))
    };
    let fig = dir.join("figures");
    let mut files = Vec::new();
    match name {
        "krugman1991" => {
            if let Some(s) = table("welfare_vs_blocs") {
                files.extend(line_chart(
                    &fig,
                    "welfare_vs_blocs",
                    "Krugman (1991): world welfare and the number of blocs",
                    "symmetric CES blocs at Nash tariffs; 1 = world free trade",
                    ("number of blocs B", "world welfare / free trade"),
                    &s,
                )?);
            }
            if let Some(s) = table("nash_tariffs") {
                files.extend(line_chart(
                    &fig,
                    "nash_tariffs",
                    "Krugman (1991): Nash external tariffs",
                    "each bloc's optimal tariff given the others'",
                    ("number of blocs B", "ad valorem tariff"),
                    &s,
                )?);
            }
        }
        "krishna1998" => {
            if let Some(s) = table("tariff_sweep") {
                let keep: Vec<_> = s.into_iter().filter(|x| x.0.starts_with("gain_")).collect();
                files.extend(line_chart(
                    &fig,
                    "gains_vs_tariff",
                    "Krishna (1998): does an FTA block multilateral free trade?",
                    "member firm's profit gain, 3 Cournot countries",
                    ("external tariff", "profit gain"),
                    &keep,
                )?);
            }
        }
        _ => {}
    }
    Ok(files)
}
