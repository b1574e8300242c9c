//! The integration tests, one binary (ripgrep's layout): each module is one topic.

mod bridges;
mod cli;
mod configs;
mod determinism;
mod discover;
mod docking;
mod fuzz;
mod golden;
mod hardening;
mod hegemon;
mod patterns;
mod payoffs;
mod properties;
mod reproduce;
mod row_sums;
mod salib;
mod schema;
mod setup_rows;
mod sweep;
mod sweep_analysis;
mod tidy;
mod trials;
mod world2025;

use std::path::{Path, PathBuf};

use blocs::config::Scenario;
use blocs::model::WorldSpec;

/// A validated scenario from RON text.
#[track_caller]
/// N synthetic countries whose hegemon walls itself off at tick 1 (rate 0.3) and whose
/// third largest economy at `second_wall`, so e_M falls below 1 and, under retaliation,
/// M's members fall into up to three compliance classes.
pub fn walled_m_spec(
    countries: usize,
    xxiv: bool,
    customs_unions: bool,
    retaliation: bool,
    second_wall: f64,
) -> WorldSpec {
    let kind = if customs_unions {
        "CustomsUnion"
    } else {
        "Fta"
    };
    spec(&format!(
        "(countries: Synthetic((countries: {countries})), article_xxiv: {xxiv}, cu_market_power: 0.6,
          regional: (new_kind: {kind}, new_reach: inf), activation_rate: 0.5,
          multilateral: (enforcement_threshold: 0.95, retaliation: {retaliation}),
          events: [TariffWall(tick: 1, country: \"hegemon\", rate: 0.3),
                   TariffWall(tick: 1, country: \"rank:3\", rate: {second_wall})])"
    ))
}

pub fn spec(ron: &str) -> WorldSpec {
    Scenario::parse(ron, Path::new("test"))
        .expect("parses")
        .validate(Path::new("test"))
        .expect("valid")
}

/// The bytes of the run files of `worlds` worlds of `scenario` on one thread, with a manifest
/// whose machine-dependent fields are empty, so that its bytes depend on the scenario alone.
pub fn run_files_of(scenario: Scenario, worlds: u64) -> Vec<(&'static str, Vec<u8>)> {
    let spec = scenario.validate(Path::new("test")).expect("valid");
    let results = blocs::runner::run_worlds(&spec, scenario.seed, worlds, 1, &|| {}).unwrap();
    let manifest = blocs::output::Manifest {
        blocs_version: String::new(),
        scenario_file: String::new(),
        master_seed: scenario.seed,
        worlds,
        rng: String::new(),
        trade_model: String::new(),
        threads: 1,
        command_line: Vec::new(),
        created_unix: 0,
        scenario,
    };
    blocs::output::run_files(&manifest, &results).unwrap()
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
