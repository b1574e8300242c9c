//! Determinism: same file and seed give byte-identical results, whatever the threads.

use blocs::output::{summary_row, timeseries_rows};
use blocs::runner::run_worlds;
use blocs::scheduler::run_world;

use crate::{repo, spec, temp_dir};

const SCENARIO: &str =
    "(name: \"det\", countries: Synthetic((countries: 20)), worlds: 6, max_ticks: 80)";

fn blocs(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(args)
        .output()
        .expect("runs")
}

const FILES: [&str; 5] = [
    "timeseries.csv",
    "countries.csv",
    "agreements.csv",
    "events.csv",
    "summary.csv",
];

#[test]
fn files_are_identical_for_1_2_and_4_threads_and_twice() {
    let dir = temp_dir("threads");
    let scenario = dir.join("det.ron");
    std::fs::write(&scenario, SCENARIO).unwrap();
    let mut outputs = Vec::new();
    for (run, threads) in ["1", "2", "4", "4"].iter().enumerate() {
        let out = dir.join(format!("out{run}"));
        let res = blocs(&[
            "run",
            scenario.to_str().unwrap(),
            "--threads",
            threads,
            "--out",
            out.to_str().unwrap(),
            "-q",
        ]);
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
        outputs.push(FILES.map(|f| std::fs::read(out.join(f)).unwrap()));
    }
    for other in &outputs[1..] {
        for (k, f) in FILES.iter().enumerate() {
            assert!(
                outputs[0][k] == other[k],
                "{f} differs between thread counts"
            );
        }
    }
    assert!(outputs[0][0].len() > 1000, "a real time series was written");
}

#[test]
fn world_alone_equals_world_inside_a_multi_world_run() {
    let spec = spec(SCENARIO);
    let all = run_worlds(&spec, 99, 6, 2, &|| {}).unwrap();
    for i in [0u64, 3, 5] {
        let alone = run_world(&spec, 99, i);
        assert_eq!(summary_row(&alone), summary_row(&all[i as usize]));
        assert!(timeseries_rows(&alone).eq(timeseries_rows(&all[i as usize])));
        assert_eq!(alone.log, all[i as usize].log);
    }
}

#[test]
fn different_seeds_and_worlds_differ() {
    let spec = spec(SCENARIO);
    let a = run_world(&spec, 1, 0);
    let b = run_world(&spec, 2, 0);
    let c = run_world(&spec, 1, 1);
    assert_ne!(a.world.countries, b.world.countries);
    assert_ne!(a.world.countries, c.world.countries);
    assert_ne!(a.log, b.log);
}

#[test]
fn default_run_matches_the_readme_command_output_layout() {
    // The README's first command writes output/default/; here the same run goes to a
    // temporary directory and must contain every documented file.
    let dir = temp_dir("layout").join("default");
    let res = blocs(&["run", "--out", dir.to_str().unwrap(), "-q"]);
    assert!(res.status.success());
    for f in FILES.iter().chain(&["manifest.ron"]) {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let manifest = std::fs::read_to_string(dir.join("manifest.ron")).unwrap();
    for key in [
        "blocs_version",
        "master_seed",
        "rng",
        "threads",
        "command_line",
        "scenario",
    ] {
        assert!(manifest.contains(key), "manifest lacks {key}");
    }
    assert!(repo("configs/default.ron").is_file());
}
