//! A golden test of a short fixed run: any change to these files changes results.
//! Bless a deliberate change with `UPDATE_GOLDEN=1 cargo test golden`, and review the diff.

use crate::{repo, run_files_of};

const SCENARIO: &str = "(name: \"golden\", seed: 7, worlds: 2, countries: Synthetic((countries: 12, regions: 3)),
    max_ticks: 40, activation_rate: 0.25, multilateral: (round_every: 5),
    events: [Exit(tick: 10, country: \"hegemon\", from: \"M\"), TariffWall(tick: 10, country: \"hegemon\", rate: 0.3)])";

#[test]
fn short_fixed_run_matches_golden_files() {
    let scenario =
        blocs::config::Scenario::parse(SCENARIO, std::path::Path::new("golden")).unwrap();
    let files = run_files_of(scenario, 2);
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
