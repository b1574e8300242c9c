//! Fuzz targets for the loaders and the command line's numbers (proptest). `cargo test`
//! runs a few hundred cases; `.ci/run` runs many more under a time bound
//! (`PROPTEST_CASES`, see `.ci/run`). A loader may reject any input, but must never panic,
//! and what it accepts must validate without panicking.

use std::path::Path;

use proptest::prelude::*;

use blocs::config::Scenario;
use blocs::sweep::experiment::{Experiment, Plan};

const EXPERIMENTS: [&str; 2] = [
    include_str!("../../experiments/quick_grid.ron"),
    include_str!("../../experiments/sensitivity.ron"),
];

/// Numbers where loaders break: bounds of the integer types, NaN, infinities, signs.
fn extreme_number() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("4294967295".to_string()),
        Just("4294967296".to_string()),
        Just("18446744073709551615".to_string()),
        Just("2147483648".to_string()),
        Just("1e308".to_string()),
        Just("NaN".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("2.5".to_string()),
        Just("0.0".to_string()),
        (0u64..10_000_000).prop_map(|n| n.to_string()),
    ]
}

/// Text with one number replaced, and a few random cuts.
fn mutate(text: &str, numbers: &[(usize, String)], cuts: &[(usize, usize, String)]) -> String {
    let mut text = text.to_string();
    // Replace the k-th run of digits by an extreme number.
    for (k, number) in numbers {
        let runs: Vec<(usize, usize)> = text
            .char_indices()
            .filter(|(i, c)| {
                c.is_ascii_digit() && (*i == 0 || !text.as_bytes()[i - 1].is_ascii_digit())
            })
            .map(|(i, _)| {
                let end = text[i..]
                    .find(|c: char| !c.is_ascii_digit() && c != '.')
                    .map_or(text.len(), |e| i + e);
                (i, end)
            })
            .collect();
        if let Some(&(a, b)) = runs.get(k % runs.len().max(1)) {
            text.replace_range(a..b, number);
        }
    }
    for (at, len, insert) in cuts {
        let mut at = at % (text.len() + 1);
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let mut end = (at + len).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.replace_range(at..end, insert);
    }
    text
}

fn load_experiment(text: &str) {
    let path = Path::new("fuzz.ron");
    if let Ok(e) = Experiment::parse(text, path) {
        let _ = Plan::new(e, path, Path::new("."), "fuzz");
    }
}

fn load_scenario(text: &str) {
    if let Ok(s) = Scenario::parse(text, Path::new("fuzz")) {
        let _ = s.validate(Path::new("fuzz"));
    }
}

proptest! {
    /// Experiment files with extreme numbers (design sizes, replications, bootstrap, seeds)
    /// and random cuts.
    #[test]
    fn experiment_loader_never_panics(
        which in 0usize..2,
        numbers in prop::collection::vec((0usize..64, extreme_number()), 0..3),
        cuts in prop::collection::vec((0usize..3000, 0usize..20, ".{0,4}"), 0..2),
    ) {
        load_experiment(&mutate(EXPERIMENTS[which], &numbers, &cuts));
    }

    /// Scenario files with extreme numbers in any field, and random cuts.
    #[test]
    fn scenario_loader_never_panics_on_extreme_numbers(
        numbers in prop::collection::vec((0usize..200, extreme_number()), 1..4),
        cuts in prop::collection::vec((0usize..5000, 0usize..20, ".{0,4}"), 0..2),
    ) {
        load_scenario(&mutate(blocs::config::DEFAULT_SCENARIO, &numbers, &cuts));
    }

    /// Arbitrary text as an experiment.
    #[test]
    fn experiment_loader_never_panics_on_random_text(text in ".{0,300}") {
        load_experiment(&text);
    }
}

proptest! {
    // Each case starts the binary: few cases.
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// The numeric arguments: anything is an error with exit code 2 or a run, never a
    /// panic, an abort or a hang (tiny worlds, so an accepted value runs at once).
    #[test]
    fn numeric_arguments_are_checked(
        arg in prop::sample::select(vec!["--worlds", "--seed", "--threads", "--shard", "--list", "--world"]),
        value in prop_oneof![
            extreme_number(),
            Just("1/0".to_string()), Just("3/2".to_string()), Just("0/0".to_string()),
            Just("".to_string()), Just("x".to_string()), Just("-0".to_string()),
            (0u32..4).prop_map(|n| n.to_string()),
        ],
    ) {
        let dir = std::env::temp_dir().join(format!("blocs-fuzz-args-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("s.ron"), "(name: \"f\", countries: Synthetic((countries: 4)), max_ticks: 2)").unwrap();
        std::fs::write(dir.join("e.ron"), "(name: \"fe\", base: Inline((countries: Synthetic((countries: 4)), max_ticks: 2)), design: Grid([(field: \"roo_cost\", values: [0.0])]))").unwrap();
        let args: Vec<&str> = match arg {
            "--shard" => vec!["sweep", "e.ron", "--shard", &value, "--no-plots", "-q", "--force"],
            "--list" => vec!["calibrate", "s.ron", "--list", &value],
            "--world" => vec!["run", "--from-sweep", "nowhere", "--world", &value, "-q"],
            // Small world counts run; large ones must be refused, not attempted.
            "--worlds" if value.parse::<u64>().is_ok_and(|w| w > 4 && w <= 1_000_000) => return Ok(()),
            _ => vec!["run", "s.ron", arg, &value, "--no-plots", "-q", "--force"],
        };
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
            .args(&args)
            .current_dir(&dir)
            .output()
            .unwrap();
        let code = out.status.code();
        let err = String::from_utf8_lossy(&out.stderr);
        prop_assert!(matches!(code, Some(0) | Some(2)), "{args:?}: {code:?} {err}");
        prop_assert!(!err.contains("panicked"), "{args:?}: {err}");
        if code == Some(2) {
            prop_assert!(err.contains(arg) || err.contains("error"), "{args:?}: {err}");
        }
    }
}
