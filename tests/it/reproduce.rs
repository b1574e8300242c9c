//! `blocs reproduce`: the check statistics against hand-computed values, check-file
//! errors, and one tiny end-to-end run with its files, table and exit codes.

use std::path::Path;

use blocs::reproduce::{Check, Direction, Statistic, evaluate, gather, newcombe, welch};

use crate::temp_dir;

fn close(got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() < tol, "got {got}, want {want}");
}

#[test]
fn newcombe_interval_matches_newcombe_1998() {
    // Newcombe (1998), Statistics in Medicine 17, table II, example (a): 56/70 − 48/80,
    // method 10 (hybrid score): 0.2000, 95 % interval (0.0524, 0.3339).
    let (d, lo, hi) = newcombe(56, 70, 48, 80);
    close(d, 0.2, 1e-12);
    close(lo, 0.0524, 1e-4);
    close(hi, 0.3339, 1e-4);
    // Both shares 0 of 10: the interval keeps the Wilson upper end 0.2775 on both sides.
    let (d, lo, hi) = newcombe(0, 10, 0, 10);
    close(d, 0.0, 1e-12);
    close(lo, -0.2775, 1e-4);
    close(hi, 0.2775, 1e-4);
}

#[test]
fn welch_interval_matches_hand_computation() {
    // Equal sizes and variances: df = 2(n − 1) = 4, se = √(1/3 + 1/3), t(0.975, 4) = 2.776445.
    let (d, lo, hi) = welch(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]).unwrap();
    let half = 2.776_445_105 * (2.0f64 / 3.0).sqrt();
    close(d, -3.0, 1e-12);
    close(lo, -3.0 - half, 1e-6);
    close(hi, -3.0 + half, 1e-6);
    // Constant groups: a point interval; fewer than two values: none.
    assert_eq!(welch(&[1.0, 1.0], &[0.0, 0.0]), Some((1.0, 1.0, 1.0)));
    assert_eq!(welch(&[1.0], &[0.0, 0.0]), None);
}

const GOOD: &str = r#"(
    claim: "x",
    expected: Reproduced,
    statistic: Mean("pass_rate"),
    a: [(field: "f", values: ["1"])],
    b: Some([(field: "f", values: ["2"])]),
    direction: Negative,
    quick_replications: 2,
)"#;

#[track_caller]
fn rejects(text: &str, needles: &[&str]) {
    let err = Check::parse(text, Path::new("dir/check.ron"))
        .expect_err("must be rejected")
        .to_string();
    assert!(err.contains("dir/check.ron"), "{err}");
    for n in needles {
        assert!(err.contains(n), "`{n}` not in:\n{err}");
    }
}

#[test]
fn check_files_are_validated_with_file_and_field_named() {
    let check = Check::parse(GOOD, Path::new("c.ron")).unwrap();
    assert_eq!(check.statistic, Statistic::Mean("pass_rate".into()));
    assert_eq!(check.direction, Direction::Negative);
    rejects(
        &GOOD.replace("pass_rate", "pass_rates"),
        &["statistic", "unknown metric `pass_rates`"],
    );
    rejects(
        &GOOD.replace(r#"Mean("pass_rate")"#, r#"Share(["Rival"])"#),
        &["statistic[0]", "unknown class `Rival`"],
    );
    rejects(
        &GOOD.replace("quick_replications: 2", "quick_replications: 0"),
        &["quick_replications"],
    );
    rejects(&GOOD.replace(r#"["1"]"#, "[]"), &["a[0].values"]);
    rejects(&GOOD.replace("claim:", "claims:"), &["claims"]);
    rejects(&GOOD.replace("Negative", "Down"), &["Down"]);
}

/// A small worlds.csv: field f, outcome, rounds.
fn table(dir: &Path) -> std::path::PathBuf {
    let path = dir.join("worlds.csv");
    let rows = [
        "world,outcome,rounds_passed,rounds_failed,point,replicate,f",
        "0,RivalBlocs,1,3,0,0,1",
        "1,RivalBlocs,0,0,0,1,1", // no round: no pass rate
        "2,NetworkedOrder,2,2,0,2,1",
        "3,NetworkedOrder,4,0,1,0,2",
        "4,RivalBlocs,3,1,1,1,2",
        "5,NetworkedOrder,4,0,1,2,2",
    ];
    std::fs::write(&path, rows.join("\n") + "\n").unwrap();
    path
}

#[test]
fn groups_and_statistics_on_a_fixed_table() {
    let dir = temp_dir("reproduce-table");
    let path = table(&dir);
    let check = Check::parse(GOOD, Path::new("c.ron")).unwrap();
    let (a, b) = gather(&check, &path).unwrap();
    let b = b.unwrap();
    assert_eq!((a.worlds, b.worlds), (3, 3));
    assert_eq!(a.values, vec![0.25, 0.5]);
    assert_eq!(b.values, vec![1.0, 0.75, 1.0]);
    let v = evaluate(&check, &a, Some(&b)).unwrap();
    close(v.a, 0.375, 1e-12);
    close(v.b, 11.0 / 12.0, 1e-12);
    let (d, lo, hi) = welch(&[0.25, 0.5], &[1.0, 0.75, 1.0]).unwrap();
    assert_eq!((v.estimate, v.low, v.high), (d, lo, hi));
    assert_eq!(v.pass, hi < 0.0);

    // Shares: RivalBlocs 2/3 in f=1 against 1/3 in f=2, by Newcombe's interval.
    let share = Check::parse(
        &GOOD.replace(r#"Mean("pass_rate")"#, r#"Share(["RivalBlocs"])"#),
        Path::new("c.ron"),
    )
    .unwrap();
    let (a, b) = gather(&share, &path).unwrap();
    let v = evaluate(&share, &a, b.as_ref()).unwrap();
    let (d, lo, hi) = newcombe(2, 3, 1, 3);
    assert_eq!((v.estimate, v.low, v.high), (d, lo, hi));
    assert!(!v.pass, "3 worlds a group cannot show it");

    // One group against a null value: Wilson's interval of 2/3 shifted by 0.5.
    let one = Check::parse(
        &GOOD
            .replace(r#"Mean("pass_rate")"#, r#"Share(["RivalBlocs"])"#)
            .replace(r#"b: Some([(field: "f", values: ["2"])]),"#, "null: 0.5,"),
        Path::new("c.ron"),
    )
    .unwrap();
    let (a, b) = gather(&one, &path).unwrap();
    assert!(b.is_none());
    let v = evaluate(&one, &a, None).unwrap();
    close(v.estimate, 2.0 / 3.0 - 0.5, 1e-12);

    // A field the table lacks is named.
    let missing = Check::parse(&GOOD.replace(r#""f""#, r#""g""#), Path::new("c.ron")).unwrap();
    let err = gather(&missing, &path).unwrap_err().to_string();
    assert!(err.contains("no column `g`"), "{err}");
}

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

const TINY: &str = r#"(
    name: "e01_tiny",
    base: Inline((countries: Synthetic((countries: 10)), max_ticks: 30)),
    seed: 3,
    replications: 4,
    design: Grid([(field: "regional.allow_form", values: [true, false])]),
)"#;

#[test]
fn tiny_reproduce_run_writes_files_and_table() {
    let dir = temp_dir("reproduce-tiny");
    let exp = dir.join("experiments/e01_tiny");
    std::fs::create_dir_all(&exp).unwrap();
    std::fs::write(exp.join("experiment.ron"), TINY).unwrap();
    // A claim that cannot hold on 2 worlds a group: listed as not reproduced, so exit 0.
    let check = r#"(
        claim: "tiny claim",
        expected: NotReproduced,
        statistic: Mean("agreements"),
        a: [(field: "regional.allow_form", values: ["true"])],
        b: Some([(field: "regional.allow_form", values: ["false"])]),
        direction: Negative,
        quick_replications: 2,
    )"#;
    std::fs::write(exp.join("check.ron"), check).unwrap();
    let (e, o) = (dir.join("experiments"), dir.join("out"));
    let args = |extra: &[&'static str]| {
        let mut v = vec![
            "reproduce".to_string(),
            "--experiments".into(),
            e.display().to_string(),
            "--out".into(),
            o.display().to_string(),
            "--threads".into(),
            "1".into(),
            "--no-plots".into(),
        ];
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |extra: &[&'static str]| {
        let a = args(extra);
        blocs(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let (code, out, err) = run(&["e01_tiny", "--quick"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("e01_tiny") && out.contains("tiny claim"),
        "{out}"
    );
    assert!(out.contains("FAIL (listed as not reproduced)"), "{out}");
    let res = o.join("e01_tiny");
    for f in [
        "worlds.csv",
        "points.csv",
        "manifest.ron",
        "check.csv",
        "check.md",
    ] {
        assert!(res.join(f).is_file(), "{f} missing");
    }
    let worlds = std::fs::read_to_string(res.join("worlds.csv")).unwrap();
    assert_eq!(
        worlds.lines().count(),
        1 + 2 * 2,
        "quick: 2 replications × 2 points"
    );
    let csv = std::fs::read_to_string(res.join("check.csv")).unwrap();
    assert!(csv.starts_with("experiment,claim,statistic"), "{csv}");
    assert!(
        std::fs::read_to_string(res.join("manifest.ron"))
            .unwrap()
            .contains("seed: 3")
    );

    // Existing results are kept without --force.
    let (code, _, err) = run(&["e01_tiny", "--quick"]);
    assert_eq!(code, 2, "{err}");

    // Expected to reproduce but failing: exit 1 (the check ran and did not reproduce),
    // naming the check; the results are written.
    std::fs::write(
        exp.join("check.ron"),
        check.replace("NotReproduced", "Reproduced"),
    )
    .unwrap();
    let (code, _, err) = run(&["e01_tiny", "--quick", "--force"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("not reproduced") && err.contains("e01_tiny"),
        "{err}"
    );
    assert!(res.join("check.md").is_file());

    // Unknown experiment and bad check field: exit 2 with file and field named.
    let (code, _, err) = run(&["e99_none"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("e99_none") && err.contains("e01_tiny"),
        "{err}"
    );
    std::fs::write(
        exp.join("check.ron"),
        check.replace(
            r#"field: "regional.allow_form", values: ["true"]"#,
            r#"field: "nope", values: ["true"]"#,
        ),
    )
    .unwrap();
    let (code, _, err) = run(&["--all", "--force"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("check.ron") && err.contains("a[0].field"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn three_field_grids_are_sliced_for_phase_diagrams() {
    let dir = temp_dir("reproduce-slices");
    let rows = [
        "point,r,x,y,n,p_RivalBlocs",
        "0,false,0,1,5,0.2",
        "1,false,1,1,5,0.4",
        "2,Supermajority(0.5),0,1,5,0",
        "3,Supermajority(0.5),1,1,5,0",
    ];
    std::fs::write(dir.join("points.csv"), rows.join("\n") + "\n").unwrap();
    let fields: Vec<String> = ["r", "x", "y"].map(String::from).to_vec();
    let slices = blocs::reproduce::phase_slices(&dir, &fields).unwrap();
    assert_eq!(slices.len(), 2);
    assert_eq!(slices[0].0, std::path::Path::new("phase_by_r/false"));
    // The CLI writes the slices into the staged result; here, into the test folder.
    for (slice, files) in &slices {
        for (name, bytes) in files {
            let path = dir.join(slice).join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }
    let f = std::fs::read_to_string(dir.join("phase_by_r/false/points.csv")).unwrap();
    // The slice keeps its fixed column, which the phase diagram names in its subtitle.
    assert_eq!(
        f,
        "point,r,x,y,n,p_RivalBlocs\n0,false,0,1,5,0.2\n1,false,1,1,5,0.4\n"
    );
    // Folder names read like the value, without brackets or trailing underscores.
    assert!(
        dir.join("phase_by_r/Supermajority-0.5/points.csv")
            .is_file()
    );
    // Two-field designs are drawn by the sweep itself: no slices.
    assert!(
        blocs::reproduce::phase_slices(&dir, &fields[1..])
            .unwrap()
            .is_empty()
    );
}

/// With plots, the experiment's report leads with the verdict, carries the picture of
/// the check, and shows the phase maps of a three-field grid's slices.
#[test]
fn reproduce_report_carries_the_check_and_the_sliced_phase_maps() {
    let dir = temp_dir("reproduce-report");
    let exp = dir.join("experiments/e01_grid");
    std::fs::create_dir_all(&exp).unwrap();
    let grid = r#"(
    name: "e01_grid",
    base: Inline((countries: Synthetic((countries: 10)), max_ticks: 30)),
    seed: 3,
    replications: 2,
    design: Grid([
        (field: "regional.allow_form", values: [true, false]),
        (field: "membership_cost", values: [0.0, 0.01]),
        (field: "ntb", values: [0.0, 0.2]),
    ]),
)"#;
    std::fs::write(exp.join("experiment.ron"), grid).unwrap();
    let check = r#"(
        claim: "grid claim",
        expected: NotReproduced,
        statistic: Mean("agreements"),
        a: [(field: "regional.allow_form", values: ["true"])],
        b: Some([(field: "regional.allow_form", values: ["false"])]),
        direction: Negative,
        quick_replications: 1,
    )"#;
    std::fs::write(exp.join("check.ron"), check).unwrap();
    std::fs::write(
        exp.join("README.md"),
        "# e01_grid\n\nSource: `seeds.txt`, *\"a passage of the seed text\"*\n",
    )
    .unwrap();
    let (e, o) = (dir.join("experiments"), dir.join("out"));
    let (code, out, err) = blocs(&[
        "reproduce",
        "e01_grid",
        "--quick",
        "--experiments",
        e.to_str().unwrap(),
        "--out",
        o.to_str().unwrap(),
        "--threads",
        "1",
    ]);
    assert_eq!(code, 0, "{out}\n{err}");
    let res = o.join("e01_grid");
    assert!(res.join("figures/check.svg").is_file());
    let html = std::fs::read_to_string(res.join("report.html")).unwrap();
    let at = |s: &str| html.find(s).unwrap_or_else(|| panic!("report lacks {s}"));
    assert!(at("The answer") < at("The claim and its check"));
    assert!(at("The claim and its check") < at("<h2>Figures</h2>"));
    at("a passage of the seed text");
    at("grid claim");
    // One phase map per value of the first field, drawn from the slices.
    at("phase_by_regional.allow_form/true");
    at("phase_by_regional.allow_form/false");
    std::fs::remove_dir_all(&dir).unwrap();
}
