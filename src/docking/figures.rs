//! The figures of the docking reports, drawn from their tables with `plot::lines`.

use std::path::{Path, PathBuf};

use crate::docking::DockReport;
use crate::plot::PlotError;
use crate::plot::lines::{line_chart, long_series, table_series};

/// Draws the figures of experiment `name` into `dir/figures` (none for experiments
/// without a line chart) and returns the files written.
pub fn draw_docking(
    dir: &Path,
    name: &str,
    report: &DockReport,
) -> Result<Vec<PathBuf>, PlotError> {
    let raw = |t: &str| report.tables.iter().find(|x| x.0 == t).map(|x| &x.1);
    let table = |t: &str| raw(t).map(|rows| table_series(rows));
    // The Krugman tables are long (sigma, blocs, value): one line per sigma.
    let by_sigma = |t: &str, y: &str| {
        raw(t).map(|rows| long_series(rows, ("blocs", "sigma", y), |s| format!("σ = {s}")))
    };
    let fig = dir.join("figures");
    let mut files = Vec::new();
    match name {
        "krugman1991" => {
            if let Some(s) = by_sigma("welfare_vs_blocs", "welfare") {
                files.extend(line_chart(
                    &fig,
                    "welfare_vs_blocs",
                    "Krugman (1991): world welfare and the number of blocs",
                    "symmetric CES blocs at Nash tariffs; 1 = world free trade",
                    ("number of blocs B", "world welfare / free trade"),
                    &s,
                )?);
            }
            if let Some(s) = by_sigma("nash_tariffs", "nash_tariff") {
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
                // Plain words in the legend, not column names.
                let plain = |column: &str| match column {
                    "gain_fta" => Some("FTA, from the status quo"),
                    "gain_mft_from_status_quo" => {
                        Some("multilateral free trade, from the status quo")
                    }
                    "gain_mft_from_fta" => Some("multilateral free trade, once the FTA exists"),
                    _ => None,
                };
                let keep: Vec<_> = s
                    .into_iter()
                    .filter_map(|(c, pts)| plain(&c).map(|l| (l.to_owned(), pts)))
                    .collect();
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
