//! The command line: exit codes and messages for bad input, and never overwriting.

use proptest::prelude::*;

use blocs::config::{DEFAULT_SCENARIO, Scenario};

use crate::temp_dir;

fn blocs(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `blocs check` on scenario text; returns (exit code, stderr).
fn check(name: &str, text: &str) -> (i32, String) {
    let dir = temp_dir(name);
    let path = dir.join("s.ron");
    std::fs::write(&path, text).unwrap();
    let (code, _, err) = blocs(&["check", path.to_str().unwrap()]);
    (code, err)
}

#[track_caller]
fn rejects(name: &str, text: &str, needles: &[&str]) {
    let (code, err) = check(name, text);
    assert_eq!(code, 2, "exit code for {name}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "{name}: `{n}` not in:\n{err}");
    }
}

#[test]
fn syntax_errors_name_file_line_and_column() {
    rejects(
        "syntax",
        "(\n  name: \"x\",\n  t_n: 0.3.3,\n)",
        &["s.ron:3:"],
    );
}

#[test]
fn unknown_fields_suggest_the_nearest_name() {
    rejects(
        "field",
        "(t_nn: 0.3)",
        &["unknown field `t_nn`", "did you mean `t_n`?"],
    );
    rejects(
        "nested",
        "(multilateral: (decison_rule: Consensus))",
        &["did you mean `decision_rule`?"],
    );
    rejects(
        "variant",
        "(choice: BestRespons)",
        &["did you mean `BestResponse`?"],
    );
}

#[test]
fn every_out_of_range_value_is_reported_at_once() {
    let text = "(trade_elasticity: 0.0, t_n: 1.5, activation_rate: 0.0, multilateral: (t_m: -0.1, enforcement_threshold: 0.0),
                 membership_cost: -1.0, countries: Synthetic((countries: 0)))";
    rejects(
        "ranges",
        text,
        &[
            "trade_elasticity",
            "t_n",
            "activation_rate",
            "multilateral.t_m",
            "enforcement_threshold",
            "membership_cost",
            "countries.countries",
            "7 problems",
        ],
    );
}

#[test]
fn bad_countries_and_agreements_are_named() {
    let countries = "countries: Explicit([(name: \"A\", pos: (0.1, 0.1), gdp: -1.0), (name: \"B\", pos: (0.5, 0.5), gdp: 1.0), (name: \"C\", pos: (0.9, 0.2), gdp: 1.0)])";
    rejects(
        "gdp",
        &format!("({countries})"),
        &["countries[0].gdp", "> 0"],
    );
    let ok = countries.replace("-1.0", "1.0");
    rejects(
        "dup",
        &format!("({ok}, agreements: [(members: [\"A\", \"A\"])])"),
        &["agreements[0].members[1]", "listed twice"],
    );
    rejects(
        "one",
        &format!("({ok}, agreements: [(members: [\"A\"])])"),
        &["at least 2"],
    );
    rejects(
        "two_cus",
        &format!(
            "({ok}, agreements: [(kind: CustomsUnion, members: [0, 1]), (kind: CustomsUnion, members: [1, 2])])"
        ),
        &["already in customs union"],
    );
    rejects(
        "unknown",
        &format!("({ok}, events: [Exit(tick: 3, country: \"ZZZ\", from: \"M\")])"),
        &["unknown country `ZZZ`"],
    );
    rejects(
        "inst",
        &format!("({ok}, events: [Exit(tick: 3, country: \"A\", from: \"EU\")])"),
        &["unknown institution `EU`"],
    );
    rejects(
        "rank",
        "(events: [Lock(tick: 1, country: \"rank:99\")])",
        &["rank:K with K in 1..=60"],
    );
}

#[test]
fn huge_worlds_are_refused_before_running() {
    rejects(
        "huge",
        "(countries: Synthetic((countries: 100000)))",
        &["too large", "MB"],
    );
}

#[test]
fn results_are_never_overwritten_without_force() {
    let dir = temp_dir("force");
    let out = dir.join("out");
    let s = dir.join("s.ron");
    std::fs::write(&s, "(countries: Synthetic((countries: 8)), max_ticks: 10)").unwrap();
    let args = [
        "run",
        s.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ];
    assert_eq!(blocs(&args).0, 0);
    std::fs::write(out.join("summary.csv"), "mine").unwrap();
    let (code, _, err) = blocs(&args);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("summary.csv")).unwrap(),
        "mine"
    );
    let mut forced = args.to_vec();
    forced.push("--force");
    assert_eq!(blocs(&forced).0, 0);
    assert!(
        std::fs::read_to_string(out.join("summary.csv"))
            .unwrap()
            .starts_with("world,seed,outcome")
    );
    // No temporary directories are left behind.
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn run_prints_a_summary_and_check_accepts_presets() {
    let dir = temp_dir("summary");
    let out = dir.join("o");
    let (code, stdout, _) = blocs(&[
        "run",
        "--out",
        out.to_str().unwrap(),
        "--worlds",
        "3",
        "--threads",
        "2",
    ]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("outcomes:") && stdout.contains("stopped:"),
        "{stdout}"
    );
    let (code, stdout, _) = blocs(&[
        "check",
        crate::repo("configs/hegemon_exit.ron").to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("ok"));
    let (code, _, err) = blocs(&["run", "/nonexistent/x.ron"]);
    assert_eq!(code, 2);
    assert!(err.contains("/nonexistent/x.ron"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The loader never panics on mutated scenario text.
    #[test]
    fn loader_never_panics_on_mutated_text(cuts in prop::collection::vec((0usize..5000, 0usize..40, ".{0,6}"), 1..4)) {
        let mut text = DEFAULT_SCENARIO.to_string();
        for (at, len, insert) in cuts {
            let mut at = at % (text.len() + 1);
            while !text.is_char_boundary(at) { at -= 1; }
            let mut end = (at + len).min(text.len());
            while !text.is_char_boundary(end) { end -= 1; }
            text.replace_range(at..end, &insert);
        }
        if let Ok(s) = Scenario::parse(&text, std::path::Path::new("fuzz")) {
            let _ = s.validate(std::path::Path::new("fuzz"));
        }
    }

    /// Nor on arbitrary text.
    #[test]
    fn loader_never_panics_on_random_text(text in ".{0,200}") {
        if let Ok(s) = Scenario::parse(&text, std::path::Path::new("fuzz")) {
            let _ = s.validate(std::path::Path::new("fuzz"));
        }
    }
}

#[test]
fn run_draws_figures_and_plot_redraws_them_from_the_tables() {
    let dir = temp_dir("plots");
    let out = dir.join("o");
    let o = out.to_str().unwrap();
    assert_eq!(blocs(&["run", "--out", o, "-q", "--worlds", "2"]).0, 0);
    for f in [
        "convergence.svg",
        "convergence.png",
        "map.svg",
        "map.png",
        "map.gif",
        "gridlock.svg",
    ] {
        assert!(out.join("figures").join(f).is_file(), "{f} missing");
    }
    let report = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(report.matches("<svg").count() >= 3);
    std::fs::remove_dir_all(out.join("figures")).unwrap();
    let (code, stdout, err) = blocs(&["plot", o, "--only", "convergence"]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("files"));
    assert!(out.join("figures/convergence.svg").is_file());
    assert!(!out.join("figures/map.svg").exists());
    let bare = dir.join("bare");
    assert_eq!(
        blocs(&["run", "--out", bare.to_str().unwrap(), "-q", "--no-plots"]).0,
        0
    );
    assert!(!bare.join("figures").exists() && !bare.join("report.html").exists());
    let (code, _, err) = blocs(&["plot", dir.join("nothing").to_str().unwrap()]);
    assert_eq!(code, 2, "{err}");
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let dir = temp_dir("pipe");
    let mut child = Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args([
            "run",
            "--worlds",
            "3",
            "--no-plots",
            "--out",
            dir.join("o").to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before anything is printed
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(status.code(), Some(0));
}
