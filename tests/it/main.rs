//! The integration tests, one binary (ripgrep's layout): each module is one topic.

mod cli;
mod configs;
mod determinism;
mod discover;
mod docking;
mod fuzz;
mod golden;
mod hardening;
mod patterns;
mod payoffs;
mod properties;
mod reproduce;
mod salib;
mod schema;
mod sweep;
mod sweep_analysis;
mod tidy;
mod world2025;

use std::path::{Path, PathBuf};

use blocs::config::Scenario;
use blocs::model::WorldSpec;

/// A validated scenario from RON text.
#[track_caller]
pub fn spec(ron: &str) -> WorldSpec {
    Scenario::parse(ron, Path::new("test"))
        .expect("parses")
        .validate(Path::new("test"))
        .expect("valid")
}

/// A fresh, empty temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blocs-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// The path of a file in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}
