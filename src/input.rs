//! Reading scenario files: the core parses and validates scenario text, the shell reads it
//! from disk.

use std::path::{Path, PathBuf};

use crate::config::{ConfigError, Scenario};

/// Why a scenario file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The text is not a valid scenario.
    #[error(transparent)]
    Config(#[from] ConfigError),
}

/// Reads and parses a scenario file (validation is [`Scenario::validate`]).
pub fn read_scenario(path: &Path) -> Result<Scenario, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(Scenario::parse(&text, path)?)
}
