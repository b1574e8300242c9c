//! A golden test of a short fixed run: any change to these files changes results.
//! Bless a deliberate change with `UPDATE_GOLDEN=1 cargo test golden`, and review the diff.

use blocs::output::{Manifest, run_files};
use blocs::runner::run_worlds;

use crate::repo;

const SCENARIO: &str = "(name: \"golden\", seed: 7, worlds: 2, countries: Synthetic((countries: 12, regions: 3)),
    max_ticks: 40, activation_rate: 0.25, multilateral: (round_every: 5),
    events: [Exit(tick: 10, country: \"hegemon\", from: \"M\"), TariffWall(tick: 10, country: \"hegemon\", rate: 0.3)])";

#[test]
fn short_fixed_run_matches_golden_files() {
    let scenario =
        blocs::config::Scenario::parse(SCENARIO, std::path::Path::new("golden")).unwrap();
    let spec = scenario.validate(std::path::Path::new("golden")).unwrap();
    let results = run_worlds(&spec, scenario.seed, 2, 1, &|| {}).unwrap();
    let manifest = Manifest {
        blocs_version: String::new(),
        scenario_file: String::new(),
        master_seed: scenario.seed,
        worlds: 2,
        rng: String::new(),
        trade_model: String::new(),
        threads: 1,
        command_line: Vec::new(),
        created_unix: 0,
        scenario,
    };
    let files = run_files(&manifest, &results).unwrap();
    let dir = repo("tests/data/golden");
    for (name, bytes) in files.iter().filter(|f| f.0.ends_with(".csv")) {
        let path = dir.join(name);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, bytes).unwrap();
            continue;
        }
        let want = std::fs::read(&path)
            .unwrap_or_else(|_| panic!("{} missing: bless with UPDATE_GOLDEN=1", path.display()));
        if *bytes != want {
            let got = String::from_utf8_lossy(bytes);
            let want = String::from_utf8_lossy(&want);
            let line = got
                .lines()
                .zip(want.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "{name} differs from the golden file at line {}:\n got: {}\nwant: {}",
                line + 1,
                got.lines().nth(line).unwrap_or(""),
                want.lines().nth(line).unwrap_or("")
            );
        }
    }
}
