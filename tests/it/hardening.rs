//! Hardening (issue 17): what a scenario, an experiment or an argument from anywhere can
//! make blocs do. Each test reproduces one defect that was found and would fail before its
//! fix: writes and deletes outside the chosen folder, aborts on sizes, unlocked resumes,
//! leftovers of dead runs, half-finished folders, misleading messages and exit codes.

use std::path::{Path, PathBuf};
use std::process::Command;

use blocs::config::Scenario;

use crate::temp_dir;

/// Runs blocs in `cwd`; returns (exit code, stdout, stderr).
fn blocs_in(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Every path under `dir`, sorted, relative to it.
fn tree(dir: &Path) -> Vec<PathBuf> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            out.push(p.strip_prefix(root).unwrap().to_path_buf());
            if p.is_dir() && !p.is_symlink() {
                walk(root, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

const TINY: &str = "countries: Synthetic((countries: 6, regions: 2)), max_ticks: 5";

/// A sandbox: `sandbox/work` is where blocs runs, `sandbox/victim` holds a file that
/// nothing may touch.
fn sandbox(name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let root = temp_dir(name);
    let work = root.join("work");
    let victim = root.join("victim");
    std::fs::create_dir_all(work.join("output")).unwrap();
    std::fs::create_dir_all(&victim).unwrap();
    std::fs::write(victim.join("thesis.tex"), "years of work").unwrap();
    std::fs::write(work.join("output").join("keep.txt"), "mine").unwrap();
    (root, work, victim)
}

#[test]
fn a_scenario_name_cannot_reach_outside_the_output_folder() {
    let (root, work, victim) = sandbox("names");
    let before = tree(&root);
    for (name, needle) in [
        ("../../victim", "starts with `.`"),
        ("../victim", "starts with `.`"),
        ("victim/../../x", "`/`"),
        ("", "empty"),
        ("..", "starts with `.`"),
        (".", "starts with `.`"),
        (".hidden", "starts with `.`"),
        ("a/b", "`/`"),
        ("a\\\\b", "`\\`"),
        ("tab\\there", "control character"),
        ("trailing.", "ends with"),
    ] {
        let file = work.join("s.ron");
        std::fs::write(&file, format!("(name: \"{name}\", {TINY})")).unwrap();
        for args in [
            vec!["run", "s.ron", "--force", "--no-plots", "-q"],
            vec!["check", "s.ron"],
        ] {
            let (code, _, err) = blocs_in(&work, &args);
            assert_eq!(code, 2, "{name:?} {args:?}: {err}");
            assert!(err.contains("name"), "{name:?}: {err}");
            assert!(err.contains(needle), "{name:?}: `{needle}` not in {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
        std::fs::remove_file(&file).unwrap();
    }
    assert_eq!(tree(&root), before, "nothing was written or deleted");
    assert_eq!(
        std::fs::read_to_string(victim.join("thesis.tex")).unwrap(),
        "years of work"
    );
}

#[test]
fn force_replaces_only_a_folder_blocs_wrote() {
    let (root, work, victim) = sandbox("force");
    // --out pointing at a folder blocs did not write: refused, even with --force.
    let (code, _, err) = blocs_in(
        &work,
        &["run", "--out", "../victim", "--force", "--no-plots", "-q"],
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("not a result directory written by blocs"),
        "{err}"
    );
    assert!(victim.join("thesis.tex").is_file());
    let (code, _, err) = blocs_in(&work, &["run", "--out", "output", "--force", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(work.join("output/keep.txt").is_file());
    // A blocs result is replaced with --force, and only with it.
    let s = work.join("s.ron");
    std::fs::write(&s, format!("(name: \"mine\", {TINY})")).unwrap();
    let (code, _, err) = blocs_in(&work, &["run", "s.ron", "--no-plots", "-q"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = blocs_in(&work, &["run", "s.ron", "--no-plots", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    let (code, _, err) = blocs_in(&work, &["run", "s.ron", "--force", "--no-plots", "-q"]);
    assert_eq!(code, 0, "{err}");
    // A symbolic link to someone else's folder is not a blocs folder.
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&victim, work.join("output/link")).unwrap();
        let (code, _, err) = blocs_in(
            &work,
            &["run", "--out", "output/link", "--force", "--no-plots", "-q"],
        );
        assert_eq!(code, 2, "{err}");
        assert!(victim.join("thesis.tex").is_file());
    }
    // Nothing but the results and the user's own file is left in output/.
    let names: Vec<String> = std::fs::read_dir(work.join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "link")
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(names, ["keep.txt", "mine"]);
    let _ = root;
}

#[test]
fn leftovers_of_dead_runs_are_cleaned_and_nothing_else() {
    let (_root, work, _) = sandbox("stale");
    let out = work.join("output");
    // What a killed run leaves: a staging folder with blocs's (now free) lock file.
    let dead = out.join(".mine.tmp-4000000");
    std::fs::create_dir_all(&dead).unwrap();
    std::fs::write(dead.join(".blocs-writing"), "").unwrap();
    std::fs::write(dead.join("timeseries.csv"), vec![b'x'; 1 << 16]).unwrap();
    // A run killed between moving the old result aside and moving the new one in.
    let aside = out.join(".old_run.old-4000001");
    std::fs::create_dir_all(aside.join("old")).unwrap();
    std::fs::write(aside.join(".blocs-writing"), "").unwrap();
    std::fs::write(aside.join("old").join("summary.csv"), "kept").unwrap();
    // Look-alikes without the lock file belong to someone else.
    let other = out.join(".notes.tmp-12");
    std::fs::create_dir_all(&other).unwrap();
    let s = work.join("s.ron");
    std::fs::write(&s, format!("(name: \"mine\", {TINY})")).unwrap();
    let (code, _, err) = blocs_in(&work, &["run", "s.ron", "--no-plots", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(!dead.exists(), "a dead run's staging folder is removed");
    assert!(!aside.exists());
    assert_eq!(
        std::fs::read_to_string(out.join("old_run/summary.csv")).unwrap(),
        "kept",
        "the result a dead --force run had moved aside is put back"
    );
    assert!(other.exists(), "folders blocs did not make are left alone");
    // A live writer's staging folder is left alone: its lock is held.
    let live = out.join(".busy.tmp-4000002");
    std::fs::create_dir_all(&live).unwrap();
    let lock = std::fs::File::create(live.join(".blocs-writing")).unwrap();
    lock.try_lock().unwrap();
    let (code, _, err) = blocs_in(&work, &["run", "s.ron", "--force", "--no-plots", "-q"]);
    assert_eq!(code, 0, "{err}");
    assert!(live.exists());
    drop(lock);
}

#[test]
fn a_result_folder_is_complete_or_absent() {
    let (_root, work, _) = sandbox("complete");
    let s = work.join("s.ron");
    std::fs::write(&s, format!("(name: \"full\", {TINY})")).unwrap();
    let (code, _, err) = blocs_in(&work, &["run", "s.ron", "-q"]);
    assert_eq!(code, 0, "{err}");
    let dir = work.join("output/full");
    // Figures and report were drawn before the folder appeared under its name.
    assert!(dir.join("report.html").is_file());
    assert!(dir.join("figures/convergence.png").is_file());
    assert!(!dir.join(".blocs-writing").exists());
    let hidden: Vec<_> = std::fs::read_dir(work.join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");

    // A run that fails before it publishes (a figure that cannot be drawn, a full disk)
    // leaves neither its result nor its staging folder.
    let target = work.join("output/failed");
    {
        let staging = blocs::output::Staging::new(&target, false).unwrap();
        staging.write("summary.csv", b"half").unwrap();
        assert!(staging.path().join("summary.csv").is_file());
        assert!(!target.exists(), "nothing under the name before publishing");
    }
    let left: Vec<_> = std::fs::read_dir(work.join("output"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("failed"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // When what is drawn before the rename fails, nothing is published and the unfinished
    // sweep stays resumable.
    let exp = work.join("e.ron");
    std::fs::write(
        &exp,
        "(name: \"sw\", base: Inline((countries: Synthetic((countries: 6)), max_ticks: 5)), replications: 2,
          design: Grid([(field: \"cu_market_power\", values: [0.0, 1.0])]))",
    )
    .unwrap();
    let plan = blocs::sweep::experiment::Plan::load(&exp).unwrap();
    let out = work.join("output/sw");
    let opts = blocs::sweep::Options {
        out: out.clone(),
        threads: 1,
        resume: false,
        shard: None,
        force: false,
        command_line: Vec::new(),
    };
    let res = blocs::sweep::sweep_with(&plan, &opts, &mut |_| {}, &mut |_| {
        Err("the disk filled up while drawing".into())
    });
    let err = res.unwrap_err();
    assert!(matches!(err, blocs::sweep::Error::Finish { .. }), "{err}");
    assert!(!out.exists(), "no half-finished sweep under its name");
    assert!(
        blocs::sweep::files::partial_dir(&out)
            .join("worlds.csv")
            .is_file()
    );
    let opts = blocs::sweep::Options {
        resume: true,
        ..opts
    };
    let summary = blocs::sweep::sweep(&plan, &opts, &mut |_| {}).unwrap();
    assert_eq!((summary.ran, summary.resumed), (0, 4));
    assert!(out.join("points.csv").is_file());
}

#[test]
fn a_second_writer_of_an_unfinished_sweep_is_refused() {
    let (_root, work, _) = sandbox("lock");
    let exp = work.join("e.ron");
    std::fs::write(
        &exp,
        "(name: \"sw\", base: Inline((countries: Synthetic((countries: 6)), max_ticks: 5)), replications: 3,
          design: Grid([(field: \"cu_market_power\", values: [0.0, 1.0])]))",
    )
    .unwrap();
    let plan = blocs::sweep::experiment::Plan::load(&exp).unwrap();
    let out = work.join("output/sw");
    // Leave an unfinished sweep behind (its publishing step fails).
    let opts = blocs::sweep::Options {
        out: out.clone(),
        threads: 1,
        resume: false,
        shard: None,
        force: false,
        command_line: Vec::new(),
    };
    let _ = blocs::sweep::sweep_with(&plan, &opts, &mut |_| {}, &mut |_| Err("killed".into()));
    let partial = blocs::sweep::files::partial_dir(&out);
    let worlds = partial.join("worlds.csv");
    let before = std::fs::read(&worlds).unwrap();
    // Another process is writing it: hold the lock it would hold.
    let held = std::fs::OpenOptions::new()
        .append(true)
        .open(&worlds)
        .unwrap();
    held.try_lock().unwrap();
    for args in [
        vec!["sweep", "e.ron", "--resume", "--no-plots", "-q"],
        vec!["sweep", "e.ron", "--force", "--no-plots", "-q"],
    ] {
        let (code, _, err) = blocs_in(&work, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(
            err.contains("being written by another blocs process"),
            "{err}"
        );
    }
    assert_eq!(
        std::fs::read(&worlds).unwrap(),
        before,
        "no row was added or cut"
    );
    drop(held);
    let (code, _, err) = blocs_in(&work, &["sweep", "e.ron", "--resume", "--no-plots", "-q"]);
    assert_eq!(code, 0, "{err}");
    let rows = std::fs::read_to_string(out.join("worlds.csv")).unwrap();
    assert_eq!(rows.lines().count(), 1 + 6, "every world once: {rows}");
}

#[test]
fn sizes_are_refused_before_any_work_with_field_value_and_limit() {
    let dir = temp_dir("sizes");
    let check = |name: &str, text: &str, needles: &[&str]| {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = blocs_in(&dir, &["check", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("memory allocation"),
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{name}: `{n}` not in {err}");
        }
    };
    check(
        "worlds.ron",
        "(worlds: 1000000000)",
        &["worlds", "1000000000", "1000000"],
    );
    let exp = |design: &str, extra: &str| {
        format!("(base: Inline((countries: Synthetic((countries: 6)))), {extra} design: {design})")
    };
    check(
        "count.ron",
        &exp(
            "Grid([(field: \"cu_market_power\", range: (0.0, 1.0), count: 4000000000)])",
            "",
        ),
        &["count 4000000000", "at most 1000000"],
    );
    check(
        "grid.ron",
        &exp(
            "Grid([(field: \"cu_market_power\", range: (0.0, 1.0), count: 2000),
                   (field: \"roo_cost\", range: (0.0, 1.0), count: 2000)])",
            "",
        ),
        &["4000000 design points", "at most 1000000"],
    );
    check(
        "lhs.ron",
        &exp(
            "LatinHypercube(samples: 2147483647, ranges: [(field: \"cu_market_power\", range: (0.0, 1.0))])",
            "",
        ),
        &[
            "design.LatinHypercube.samples",
            "2147483647",
            "at most 1000000",
        ],
    );
    check(
        "sobol.ron",
        &exp(
            "Sobol(base_samples: 4000000000, ranges: [(field: \"cu_market_power\", range: (0.0, 1.0))])",
            "",
        ),
        &["design.Sobol.base_samples", "4000000000", "at most 1000000"],
    );
    check(
        "morris.ron",
        &exp(
            "Morris(trajectories: 2147483647, levels: 4, ranges: [(field: \"cu_market_power\", range: (0.0, 1.0))])",
            "",
        ),
        &["design.Morris.trajectories", "at most 1000000"],
    );
    check(
        "bootstrap.ron",
        &exp(
            "Sobol(base_samples: 4, ranges: [(field: \"cu_market_power\", range: (0.0, 1.0))])",
            "bootstrap: 4000000000,",
        ),
        &["bootstrap", "4000000000", "at most 100000"],
    );
    // Arguments: worlds and threads.
    for (args, needles) in [
        (
            vec!["run", "--worlds", "1000000000", "--no-plots", "-q"],
            vec!["--worlds 1000000000", "1000000"],
        ),
        (
            vec!["run", "--threads", "100000", "--no-plots", "-q"],
            vec!["--threads 100000", "at most"],
        ),
        (
            vec!["reproduce", "--all", "--quick", "--threads", "100000"],
            vec!["--threads 100000", "at most"],
        ),
    ] {
        let (code, _, err) = blocs_in(&dir, &args);
        assert_eq!(code, 2, "{args:?}: {err}");
        for n in needles {
            assert!(err.contains(n), "{args:?}: `{n}` not in {err}");
        }
    }
    assert!(!dir.join("output").exists(), "nothing ran");
}

#[test]
fn blocs_run_streams_the_same_bytes_as_the_golden_files() {
    // The golden scenario of golden.rs, through the command line (which streams).
    let dir = temp_dir("stream");
    let text = "(name: \"golden\", seed: 7, worlds: 2, countries: Synthetic((countries: 12, regions: 3)),
    max_ticks: 40, activation_rate: 0.25, multilateral: (round_every: 5),
    events: [Exit(tick: 10, country: \"hegemon\", from: \"M\"), TariffWall(tick: 10, country: \"hegemon\", rate: 0.3)])";
    std::fs::write(dir.join("g.ron"), text).unwrap();
    for threads in ["1", "2"] {
        let out = format!("out{threads}");
        let (code, _, err) = blocs_in(
            &dir,
            &[
                "run",
                "g.ron",
                "--out",
                &out,
                "--threads",
                threads,
                "--no-plots",
                "-q",
            ],
        );
        assert_eq!(code, 0, "{err}");
        for name in blocs::output::RUN_TABLES {
            let got = std::fs::read(dir.join(&out).join(name)).unwrap();
            let want = std::fs::read(crate::repo("tests/data/golden").join(name)).unwrap();
            assert!(
                got == want,
                "{name} differs from the golden file ({threads} threads)"
            );
        }
    }
}

#[test]
fn the_manifest_records_the_trade_model_that_ran() {
    let dir = temp_dir("trade-model");
    for (trade, name) in [
        ("KrugmanCes((sigma: 4.0))", "KrugmanCes"),
        (
            "Cournot((intercept: 1.0, cost: 0.0, fixed_tariff: None))",
            "Cournot",
        ),
        ("Gravity(())", "Gravity"),
    ] {
        std::fs::write(
            dir.join("s.ron"),
            format!(
                "(name: \"t\", countries: Synthetic((countries: 5)), max_ticks: 2, trade: {trade})"
            ),
        )
        .unwrap();
        let (code, _, err) = blocs_in(&dir, &["run", "s.ron", "--force", "--no-plots", "-q"]);
        assert_eq!(code, 0, "{err}");
        let manifest = std::fs::read_to_string(dir.join("output/t/manifest.ron")).unwrap();
        assert!(
            manifest.contains(&format!("trade_model: \"{name}\"")),
            "{trade}: {manifest}"
        );
    }
}

#[test]
fn a_krugman_solver_failure_stops_the_world_and_is_an_error() {
    let dir = temp_dir("krugman-fail");
    // σ near 1: the optimal external tariff of a two-province union runs to the search
    // cap, so no Nash tariffs exist to compute payoffs from.
    std::fs::write(
        dir.join("k.ron"),
        "(name: \"k\", countries: Explicit([
            (name: \"A\", pos: (0.1, 0.1), gdp: 1.0), (name: \"B\", pos: (0.2, 0.1), gdp: 1.0),
            (name: \"C\", pos: (0.8, 0.8), gdp: 1.0), (name: \"D\", pos: (0.9, 0.9), gdp: 1.0)]),
          trade: KrugmanCes((sigma: 1.001)), max_ticks: 5,
          agreements: [(kind: CustomsUnion, members: [\"A\", \"B\"])])",
    )
    .unwrap();
    let (code, _, err) = blocs_in(&dir, &["run", "k.ron", "--no-plots", "-q"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("did not converge") && err.contains("world 0 at tick 0"),
        "{err}"
    );
    let summary = std::fs::read_to_string(dir.join("output/k/summary.csv")).unwrap();
    let row = summary.lines().nth(1).unwrap();
    assert!(row.contains(",SolverFailed,0,"), "{row}");
    // Before: every payoff silently became 1.0 and the world ran on.
    let utilities: Vec<String> = std::fs::read_to_string(dir.join("output/k/countries.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(16).unwrap().to_string())
        .collect();
    assert!(utilities.iter().all(|u| u == "NaN"), "{utilities:?}");
}

#[test]
fn agreement_names_cannot_shadow_ids_or_each_other() {
    let base = "countries: Synthetic((countries: 6)), max_ticks: 5";
    let bad = |agreements: &str| {
        let text = format!("({base}, agreements: [{agreements}])");
        let s = Scenario::parse(&text, Path::new("t")).unwrap();
        s.validate(Path::new("t")).unwrap_err().to_string()
    };
    let err = bad("(members: [0, 1]), (name: \"0\", members: [2, 3])");
    assert!(
        err.contains("agreements[1].name") && err.contains("agreement id"),
        "{err}"
    );
    let err = bad("(name: \"M\", members: [0, 1])");
    assert!(err.contains("agreements[0].name"), "{err}");
    let err = bad("(name: \"West\", members: [0, 1]), (name: \"West\", members: [2, 3])");
    assert!(
        err.contains("agreements[1].name") && err.contains("unique"),
        "{err}"
    );
    assert!(!err.contains("agreements[0].name"), "{err}");
    // Distinct names with letters are fine.
    let ok = format!(
        "({base}, agreements: [(name: \"West\", members: [0, 1]), (name: \"East1\", members: [2, 3])])"
    );
    Scenario::parse(&ok, Path::new("t"))
        .unwrap()
        .validate(Path::new("t"))
        .unwrap();
}

#[test]
fn messages_name_the_field_and_what_it_takes() {
    let dir = temp_dir("messages");
    let check = |text: &str| {
        std::fs::write(dir.join("s.ron"), text).unwrap();
        let (code, _, err) = blocs_in(&dir, &["check", "s.ron"]);
        (code, err)
    };
    let (code, err) = check("(\n  worlds: 2.5,\n)");
    assert_eq!(code, 2);
    assert!(
        err.contains("s.ron:2:") && err.contains("`worlds` takes a whole number"),
        "{err}"
    );
    assert!(!err.contains("Expected comma"), "{err}");
    let (code, err) = check("(worlds: 99999999999)");
    assert_eq!(code, 2);
    assert!(
        err.contains("`worlds`") && err.contains("4294967295"),
        "{err}"
    );
    let (_, err) = check("(t_n: NaN)");
    assert!(err.contains("t_n") && !err.contains("t_m"), "{err}");
    let (_, err) = check(
        "(countries: Synthetic((countries: 6)), events: [Exit(tick: 1, country: 0, from: \"X\")])",
    );
    assert!(err.contains("(allowed: \"M\")"), "{err}");
    assert!(!err.contains("\"G\"") && !err.contains(", )"), "{err}");
    // A byte-order mark is skipped.
    let (code, err) = check("\u{feff}(name: \"bom\")");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn check_validates_experiments_and_merge_refuses_run_folders() {
    let dir = temp_dir("check-exp");
    let (code, out, err) = blocs_in(
        &dir,
        &[
            "check",
            crate::repo("experiments/quick_grid.ron").to_str().unwrap(),
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("ok (experiment `quick_grid`"), "{out}");
    std::fs::write(
        dir.join("bad.ron"),
        "(base: Default, design: Grid([(field: \"nope\", values: [1])]))",
    )
    .unwrap();
    let (code, _, err) = blocs_in(&dir, &["check", "bad.ron"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("nope") && !err.contains("unknown field `base`"),
        "{err}"
    );
    std::fs::write(dir.join("s.ron"), format!("(name: \"r\", {TINY})")).unwrap();
    let (code, _, err) = blocs_in(&dir, &["run", "s.ron", "--no-plots", "-q"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = blocs_in(&dir, &["merge", "output/r", "--out", "m"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("results of `blocs run`, not of a sweep"),
        "{err}"
    );
    assert!(!err.contains("missing field"), "{err}");
}

#[test]
fn exit_codes_are_0_1_2() {
    let dir = temp_dir("exit-codes");
    let (code, _, _) = blocs_in(&dir, &["dock", "nope"]);
    assert_eq!(code, 2, "an unknown docking experiment is an input error");
    let (code, _, _) = blocs_in(&dir, &["check", "missing.ron"]);
    assert_eq!(code, 2);
    let (code, _, _) = blocs_in(&dir, &["--version"]);
    assert_eq!(code, 0);
    // A check that runs and does not reproduce is exit code 1: see
    // reproduce::tiny_reproduce_run_writes_files_and_table.
}
