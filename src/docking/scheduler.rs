//! Krugman's provinces run through blocs' own scheduler: the dynamic table of the
//! `krugman1991` docking report (`scheduler_dynamics.csv`).
//!
//! The static experiment solves Krugman's Nash tariffs for given blocs; this one lets
//! 12 provinces form and join customs unions by the model's own rules under the
//! `KrugmanCes` trade module, and records where bloc formation stops.

use std::path::Path;

use crate::config::Scenario;
use crate::scheduler::run_world;

/// The Krugman provinces scenario, compiled in so `blocs dock` needs no files.
pub const KRUGMAN_PROVINCES: &str = include_str!("../../experiments/docking/krugman_provinces.ron");

/// Worlds run, one seed stream each.
const WORLDS: u64 = 4;

/// One row per world (world, stop reason, stop tick, bloc sizes largest first, provinces
/// in no union counted as blocs of 1), after a header row.
pub fn krugman_in_scheduler() -> Vec<Vec<String>> {
    let path = Path::new("experiments/docking/krugman_provinces.ron");
    // The scenario is compiled in and a test runs it, so an invalid one is a build defect.
    let scenario = Scenario::parse(KRUGMAN_PROVINCES, path).expect("the provinces scenario parses");
    let spec = scenario
        .validate(path)
        .expect("the provinces scenario is valid");
    let mut rows = vec![vec![
        "world".to_string(),
        "stop".into(),
        "tick".into(),
        "bloc_sizes".into(),
    ]];
    // Worlds are independent and small: run in order, no thread pool.
    for w in 0..WORLDS {
        let r = run_world(&spec, scenario.seed, w);
        let mut sizes: Vec<usize> = r
            .world
            .agreements
            .iter()
            .filter(|a| a.is_live())
            .map(|a| a.members().len())
            .collect();
        let covered: usize = sizes.iter().sum();
        sizes.extend(std::iter::repeat_n(1, r.world.n() - covered));
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        let text = sizes
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(",");
        rows.push(vec![
            r.world_index.to_string(),
            r.stop_reason.as_str().into(),
            r.stop_tick.to_string(),
            format!("{{{text}}}"),
        ]);
    }
    rows
}
