//! The one error type of the plotting module: every variant names the file or directory at fault.

use std::path::PathBuf;

/// What went wrong while reading result tables or writing figures.
///
/// Plotting never panics on a bad table: whatever is wrong with the input comes back as one
/// of these, naming the file and, for cell-level problems, the row and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// A file is not valid CSV (unreadable, ragged rows, bad UTF-8).
    #[error("{}: not valid CSV: {source}", path.display())]
    Csv {
        /// The CSV file.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: csv::Error,
    },
    /// A column that a figure needs is not in the header.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn {
        /// The CSV file.
        path: PathBuf,
        /// The column name looked for.
        column: String,
    },
    /// A cell could not be read as what its column holds.
    #[error("{}: row {row} (line {line}), column `{column}`: {problem}, found `{value}`", path.display())]
    BadValue {
        /// The CSV file.
        path: PathBuf,
        /// Data row, counting from 1 after the header.
        row: usize,
        /// Line in the file, counting the header as line 1.
        line: u64,
        /// The column name.
        column: String,
        /// The cell as written.
        value: String,
        /// What was expected.
        problem: &'static str,
    },
    /// Tables disagree with each other (an event names an unknown country, a world is absent).
    #[error("{}: {message}", path.display())]
    Inconsistent {
        /// The file whose content does not fit.
        path: PathBuf,
        /// What does not fit.
        message: String,
    },
    /// The directory holds neither run nor sweep tables.
    #[error(
        "{}: no result tables here (a run has timeseries.csv or summary.csv; a sweep has points.csv, worlds.csv, series.csv or sensitivity.csv)",
        dir.display()
    )]
    NotAResultDir {
        /// The directory.
        dir: PathBuf,
    },
    /// A figure name that `plot_dir` does not know.
    #[error("unknown figure `{name}` (known: {known})")]
    UnknownFigure {
        /// The name asked for.
        name: String,
        /// The names that exist.
        known: String,
    },
    /// A figure was asked for by name but its inputs are absent.
    #[error("{}: cannot draw `{figure}`: it needs {needs}", dir.display())]
    NotApplicable {
        /// The result directory.
        dir: PathBuf,
        /// The figure asked for.
        figure: String,
        /// What the figure needs.
        needs: &'static str,
    },
    /// The drawing backend failed.
    #[error("{}: drawing failed: {message}", path.display())]
    Draw {
        /// The figure file being drawn.
        path: PathBuf,
        /// The backend's message.
        message: String,
    },
    /// The embedded font could not be parsed or registered.
    #[error("the embedded DejaVu Sans font could not be registered with plotters")]
    Font,
}

impl PlotError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        PlotError::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn inconsistent(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        PlotError::Inconsistent {
            path: path.into(),
            message: message.into(),
        }
    }
}
