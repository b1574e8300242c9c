//! Docking: trade models and experiments that reproduce the published
//! results blocs builds on, each with a PASS/FAIL report.
//!
//! Models: [`krugman::KrugmanCes`] (CES trading blocs with Nash tariffs) and
//! [`cournot::Cournot`] (one Cournot firm per country, segmented linear
//! markets) with the stability tools in [`coalitions`] (customs unions) and
//! [`networks`] (bilateral FTA networks).
//!
//! Experiments ([`EXPERIMENTS`]): `krugman1991`, `yi1996`, `goyal_joshi2006`,
//! `krishna1998`. Parameters live in `experiments/docking/<name>.ron` and
//! are compiled in as defaults, so [`run_docking`] needs no files.
//!
//! Everything is deterministic: no randomness is used anywhere.

pub mod coalitions;
pub mod experiments;
pub mod figures;
pub mod networks;
pub mod params;
pub mod scheduler;

// The trade models live in the core beside the gravity model; the experiments use them
// under their old paths.
pub use blocs_core::trade::{cournot, krugman, numerics};

#[cfg(test)]
mod tests;

use std::fmt::Write as _;

pub use params::{ExperimentParams, default_params, load_params_file, parse_params};

/// Names of the docking experiments, in report order.
pub const EXPERIMENTS: [&str; 4] = ["krugman1991", "yi1996", "goyal_joshi2006", "krishna1998"];

/// Errors of the docking module.
#[derive(Debug, thiserror::Error)]
pub enum DockError {
    /// The name is not one of [`EXPERIMENTS`].
    #[error(
        "unknown docking experiment `{0}` (allowed: krugman1991, yi1996, goyal_joshi2006, krishna1998)"
    )]
    UnknownExperiment(String),
    /// The RON text does not parse into the experiment's parameters.
    #[error("{}: cannot parse the parameters of `{name}`", path.display())]
    Parse {
        /// Experiment name.
        name: String,
        /// The file (for built-in parameters, the file they were compiled from).
        path: std::path::PathBuf,
        /// The RON error, with position.
        source: Box<ron::error::SpannedError>,
    },
    /// An experiment file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: std::path::PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Parameters outside what the models handle.
    #[error("invalid parameters: {0}")]
    InvalidParams(String),
    /// A numerical solve failed to converge.
    #[error("no convergence: {0}")]
    NoConvergence(String),
}

/// The core's trade-model errors, under the same variants and messages.
impl From<blocs_core::trade::TradeError> for DockError {
    fn from(e: blocs_core::trade::TradeError) -> Self {
        use blocs_core::trade::TradeError;
        match e {
            TradeError::InvalidParams(m) => DockError::InvalidParams(m),
            TradeError::NoConvergence(m) => DockError::NoConvergence(m),
        }
    }
}

/// One published claim, what our model gives, and whether they agree.
#[derive(Debug, Clone, PartialEq)]
pub struct DockCheck {
    /// The claim, in our words, with its source.
    pub claim: String,
    /// Our numbers.
    pub ours: String,
    /// Whether our numbers reproduce the claim.
    pub pass: bool,
    /// Whether the claim is expected to reproduce; the README lists the others as not
    /// reproduced, and their FAIL does not fail `blocs dock` (exit code 1).
    pub expected: bool,
}

/// The outcome of one docking experiment.
///
/// `tables` are `(name, rows)` pairs ready for CSV: the first row of each
/// table is its header, all cells are already formatted strings.
#[derive(Debug, Clone, PartialEq)]
pub struct DockReport {
    /// Experiment name (one of [`EXPERIMENTS`]).
    pub name: String,
    /// Claim-by-claim checks.
    pub rows: Vec<DockCheck>,
    /// Named tables; first row is the header.
    pub tables: Vec<(String, Vec<Vec<String>>)>,
}

impl DockReport {
    /// Whether every check passed.
    pub fn all_pass(&self) -> bool {
        self.rows.iter().all(|r| r.pass)
    }

    /// Whether every claim expected to reproduce did: `blocs dock` exits with 1 when
    /// one report is not.
    pub fn reproduced(&self) -> bool {
        self.rows.iter().all(|r| r.pass || !r.expected)
    }

    /// The checks and tables as Markdown (for the README and logs).
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "### `{}`\n", self.name);
        let _ = writeln!(s, "| claim | ours | result |\n| --- | --- | --- |");
        for r in &self.rows {
            let verdict = if r.pass { "PASS" } else { "FAIL" };
            let _ = writeln!(s, "| {} | {} | {verdict} |", r.claim, r.ours);
        }
        for (name, rows) in &self.tables {
            let _ = writeln!(s, "\n`{name}`\n");
            for (k, row) in rows.iter().enumerate() {
                let _ = writeln!(s, "| {} |", row.join(" | "));
                if k == 0 {
                    let _ = writeln!(s, "|{}", " --- |".repeat(row.len()));
                }
            }
        }
        s
    }
}

/// Runs experiment `name` with its shipped default parameters.
pub fn run_docking(name: &str) -> Result<DockReport, DockError> {
    run_docking_with(&default_params(name)?)
}

/// Runs an experiment with explicit (already parsed) parameters.
pub fn run_docking_with(params: &ExperimentParams) -> Result<DockReport, DockError> {
    params.validate()?;
    match params {
        ExperimentParams::Krugman1991(p) => experiments::krugman1991::run(p),
        ExperimentParams::Yi1996(p) => experiments::yi1996::run(p),
        ExperimentParams::GoyalJoshi2006(p) => experiments::goyal_joshi2006::run(p),
        ExperimentParams::Krishna1998(p) => experiments::krishna1998::run(p),
    }
}
