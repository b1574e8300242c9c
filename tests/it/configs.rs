//! Every shipped scenario parses and validates, and the default file equals the code's
//! defaults.

use std::path::{Path, PathBuf};

use blocs::config::Scenario;

use crate::repo;

fn ron_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            ron_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "ron") {
            out.push(p);
        }
    }
}

#[test]
fn every_scenario_under_configs_and_experiments_validates() {
    let mut files = Vec::new();
    ron_files(&repo("configs"), &mut files);
    ron_files(&repo("experiments"), &mut files);
    assert!(files.len() >= 5, "found {files:?}");
    for f in files {
        let stem = f.file_stem().unwrap().to_string_lossy();
        if blocs::docking::EXPERIMENTS.contains(&stem.as_ref()) {
            // Docking parameter files, not scenarios: they must load as such.
            blocs::docking::load_params_file(&f).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        if f.file_name()
            .is_some_and(|n| n == blocs::reproduce::CHECK_FILE)
        {
            // The check of a seed-text experiment: it must load (`reproduce` tests the rest).
            blocs::reproduce::Check::load(&f).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        if std::fs::read_to_string(&f).is_ok_and(|t| t.contains("design:")) {
            // A sweep experiment: its base and every design point must validate.
            blocs::sweep::experiment::Plan::load(&f).unwrap_or_else(|e| panic!("{e}"));
            continue;
        }
        let s = blocs::input::read_scenario(&f).unwrap_or_else(|e| panic!("{e}"));
        s.validate(&f).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn default_file_equals_the_built_in_defaults() {
    assert_eq!(Scenario::builtin_default(), Scenario::default());
    // A scenario that says nothing takes every default too.
    assert_eq!(
        Scenario::parse("()", Path::new("empty")).unwrap(),
        Scenario::default()
    );
}

#[test]
fn manifest_scenario_round_trips() {
    let s = blocs::input::read_scenario(&repo("configs/hegemon_exit.ron")).unwrap();
    let again = Scenario::parse(&s.to_ron(), Path::new("manifest")).unwrap();
    assert_eq!(s, again);
}
