//! `blocs sweep` and `blocs merge`: byte-identical files for any threads, shards and
//! resumes, exact reruns of one world, clear errors, and the figures of a sweep.

use std::path::{Path, PathBuf};

use blocs::output::{summary_row, timeseries_rows};
use blocs::scheduler::run_world;
use blocs::sweep::experiment::Plan;

use crate::temp_dir;

/// Small worlds, so that the suite stays fast in debug builds.
const BASE: &str = "base: Inline((countries: Synthetic((countries: 12)), max_ticks: 40))";

/// A grid over categorical fields only: a rule, a boolean and a kind.
fn grid_experiment() -> String {
    format!(
        "(name: \"det\", {BASE}, seed: 5, replications: 4, record: Replicates(2),
          design: Grid([
            (field: \"multilateral.decision_rule\", values: [Consensus, Supermajority(0.67)]),
            (field: \"article_xxiv\", values: [true, false]),
            (field: \"regional.new_kind\", values: [Fta, CustomsUnion]),
          ]))"
    )
}

fn sobol_experiment(seed: u64) -> String {
    format!(
        "(name: \"sens\", {BASE}, seed: {seed}, replications: 2, bootstrap: 50,
          outputs: [\"m_share\", \"p_NetworkedOrder\"],
          design: Sobol(base_samples: 8, ranges: [
            (field: \"cu_market_power\", range: (0.0, 1.0)),
            (field: \"patience\", range: (5, 30)),
          ]))"
    )
}

const TABLES: [&str; 4] = ["worlds.csv", "series.csv", "points.csv", "sensitivity.csv"];

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

#[track_caller]
fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = blocs(args);
    assert_eq!(code, 0, "blocs {args:?} failed:\n{stderr}");
    stdout
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The tables of a sweep directory that exist, by name.
fn tables(dir: &Path) -> Vec<(&'static str, Vec<u8>)> {
    TABLES
        .iter()
        .filter_map(|t| std::fs::read(dir.join(t)).ok().map(|b| (*t, b)))
        .collect()
}

#[track_caller]
fn assert_same_tables(a: &Path, b: &Path) {
    let (ta, tb) = (tables(a), tables(b));
    assert_eq!(
        ta.iter().map(|t| t.0).collect::<Vec<_>>(),
        tb.iter().map(|t| t.0).collect::<Vec<_>>()
    );
    for ((name, x), (_, y)) in ta.iter().zip(&tb) {
        assert!(x == y, "{name} differs between {a:?} and {b:?}");
    }
}

#[test]
fn sweep_files_are_identical_for_1_2_and_4_threads() {
    let dir = temp_dir("sweep-threads");
    let exp = write(&dir, "det.ron", &grid_experiment());
    let mut outs = Vec::new();
    for threads in ["1", "2", "4"] {
        let out = dir.join(format!("t{threads}"));
        let stdout = ok(&[
            "sweep",
            s(&exp),
            "--out",
            s(&out),
            "--threads",
            threads,
            "--no-plots",
        ]);
        assert!(
            stdout.contains("8 points × 4 replications = 32 worlds") && stdout.contains("worlds/s"),
            "{stdout}"
        );
        outs.push(out);
    }
    for other in &outs[1..] {
        assert_same_tables(&outs[0], other);
    }
    let worlds = std::fs::read_to_string(outs[0].join("worlds.csv")).unwrap();
    assert_eq!(worlds.lines().count(), 33);
    assert!(
        worlds.lines().next().unwrap().ends_with(
            ",point,replicate,multilateral.decision_rule,article_xxiv,regional.new_kind"
        )
    );
    assert!(worlds.contains(",Supermajority(0.67),false,CustomsUnion\n"));
    // Two recorded replicates per point, every tick from 0.
    let series = std::fs::read_to_string(outs[0].join("series.csv")).unwrap();
    assert!(series.lines().skip(1).all(|l| {
        let rep = l.rsplit(',').next().unwrap();
        rep == "0" || rep == "1"
    }));
    assert!(!outs[0].join("sensitivity.csv").exists());
    // No unfinished directory is left behind.
    assert!(!dir.join("t1.partial").exists());
}

#[test]
fn shards_merged_are_identical_to_the_unsharded_sweep() {
    let dir = temp_dir("sweep-shards");
    let exp = write(&dir, "sens.ron", &sobol_experiment(3));
    let whole = dir.join("whole");
    ok(&["sweep", s(&exp), "--out", s(&whole), "--no-plots"]);
    let shard = |i: u32, n: u32, exp: &Path| {
        let out = dir.join(format!(
            "shard-{i}-of-{n}-{}",
            exp.display().to_string().len()
        ));
        ok(&[
            "sweep",
            s(exp),
            "--shard",
            &format!("{i}/{n}"),
            "--out",
            s(&out),
            "--threads",
            "1",
        ]);
        // A shard has only its own worlds: no per-point tables, no figures.
        assert!(!out.join("points.csv").exists() && !out.join("figures").exists());
        out
    };
    // 64 worlds in 3 uneven shards, given to merge out of order.
    let parts = [shard(1, 3, &exp), shard(2, 3, &exp), shard(3, 3, &exp)];
    let merged = dir.join("merged");
    let stdout = ok(&[
        "merge",
        s(&parts[2]),
        s(&parts[0]),
        s(&parts[1]),
        "--out",
        s(&merged),
        "--no-plots",
    ]);
    assert!(stdout.contains("3 shards"), "{stdout}");
    assert_same_tables(&whole, &merged);
    assert!(merged.join("sensitivity.csv").is_file());

    // A missing shard is named.
    let (code, _, err) = blocs(&[
        "merge",
        s(&parts[0]),
        s(&parts[2]),
        "--out",
        s(&dir.join("m2")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("missing 2/3"), "{err}");
    // A shard of another experiment (another seed) is refused.
    let other = write(&dir, "other.ron", &sobol_experiment(4));
    let foreign = shard(2, 3, &other);
    let (code, _, err) = blocs(&[
        "merge",
        s(&parts[0]),
        s(&foreign),
        s(&parts[2]),
        "--out",
        s(&dir.join("m3")),
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("different experiment"), "{err}");
    assert!(!dir.join("m2").exists() && !dir.join("m3").exists());
}

/// Makes `out.partial` look like a run killed mid-write: the files of a finished sweep
/// cut at the given byte offsets (or left whole).
fn fake_killed(finished: &Path, out: &Path, worlds_cut: Option<u64>, series_cut: Option<u64>) {
    let partial = blocs::sweep::files::partial_dir(out);
    let _ = std::fs::remove_dir_all(&partial);
    std::fs::create_dir_all(&partial).unwrap();
    for f in ["manifest.ron", "worlds.csv", "series.csv"] {
        std::fs::copy(finished.join(f), partial.join(f)).unwrap();
    }
    for (f, cut) in [("worlds.csv", worlds_cut), ("series.csv", series_cut)] {
        if let Some(len) = cut {
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(partial.join(f))
                .unwrap();
            file.set_len(len).unwrap();
        }
    }
}

#[test]
fn resume_after_truncated_files_ends_byte_identical() {
    let dir = temp_dir("sweep-resume");
    let exp = write(&dir, "det.ron", &grid_experiment());
    let whole = dir.join("whole");
    ok(&["sweep", s(&exp), "--out", s(&whole), "--no-plots"]);
    let worlds_len = std::fs::metadata(whole.join("worlds.csv")).unwrap().len();
    let series_len = std::fs::metadata(whole.join("series.csv")).unwrap().len();
    let worlds_text = std::fs::read_to_string(whole.join("worlds.csv")).unwrap();
    // The end of the 11th line: a cut exactly between two worlds.
    let line_end = worlds_text
        .match_indices('\n')
        .nth(10)
        .map(|(i, _)| i as u64 + 1)
        .unwrap();
    let cases = [
        // Mid-line in worlds.csv; series.csv holds rows of later worlds too.
        (Some(worlds_len * 2 / 5 + 3), None),
        // Mid-header in both.
        (Some(10), Some(7)),
        // Between two lines in worlds.csv; a half line at the end of series.csv.
        (Some(line_end), Some(series_len - 5)),
        // Nothing was lost at all.
        (None, None),
    ];
    for (k, (worlds_cut, series_cut)) in cases.into_iter().enumerate() {
        let out = dir.join(format!("resumed{k}"));
        fake_killed(&whole, &out, worlds_cut, series_cut);
        // Without --resume the unfinished sweep is not touched.
        let (code, _, err) = blocs(&["sweep", s(&exp), "--out", s(&out)]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains("--resume"), "{err}");
        let stdout = ok(&["sweep", s(&exp), "--out", s(&out), "--resume", "--no-plots"]);
        assert!(stdout.contains("worlds"), "{stdout}");
        assert_same_tables(&whole, &out);
        assert!(!blocs::sweep::files::partial_dir(&out).exists());
    }
    // An unfinished sweep of another experiment is refused.
    let out = dir.join("foreign");
    fake_killed(&whole, &out, Some(worlds_len / 2), None);
    let other = write(
        &dir,
        "other.ron",
        &grid_experiment().replace("seed: 5", "seed: 6"),
    );
    let (code, _, err) = blocs(&["sweep", s(&other), "--out", s(&out), "--resume"]);
    assert_eq!(code, 2);
    assert!(err.contains("different experiment"), "{err}");
}

#[test]
fn resume_after_kill_9_ends_byte_identical() {
    let dir = temp_dir("sweep-kill");
    let exp = write(
        &dir,
        "long.ron",
        &format!(
            "(name: \"long\", {BASE}, seed: 9, replications: 150, record: Replicates(3),
              design: Grid([(field: \"cu_market_power\", range: (0.0, 1.0), count: 4)]))"
        ),
    );
    let whole = dir.join("whole");
    ok(&["sweep", s(&exp), "--out", s(&whole), "--no-plots"]);
    let out = dir.join("killed");
    let partial = blocs::sweep::files::partial_dir(&out);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["sweep", s(&exp), "--out", s(&out), "--threads", "1", "-q"])
        .spawn()
        .unwrap();
    // Wait until some worlds are on disk, then SIGKILL (what `kill -9` sends).
    let started = std::time::Instant::now();
    loop {
        let rows = std::fs::read_to_string(partial.join("worlds.csv"))
            .map(|t| t.lines().count())
            .unwrap_or(0);
        if rows > 40 {
            break;
        }
        assert!(
            started.elapsed().as_secs() < 120,
            "the sweep wrote no worlds in time"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        partial.exists() && !out.exists(),
        "the sweep finished before it could be killed"
    );
    let stdout = ok(&["sweep", s(&exp), "--out", s(&out), "--resume", "--no-plots"]);
    assert!(stdout.contains("resumed"), "{stdout}");
    assert_same_tables(&whole, &out);
}

#[test]
fn run_from_sweep_reproduces_a_world_row_for_row() {
    let dir = temp_dir("sweep-from");
    let exp = write(&dir, "det.ron", &grid_experiment());
    let sweep = dir.join("sweep");
    ok(&["sweep", s(&exp), "--out", s(&sweep), "--no-plots"]);
    let worlds = std::fs::read_to_string(sweep.join("worlds.csv")).unwrap();
    let series = std::fs::read_to_string(sweep.join("series.csv")).unwrap();
    // World 21 is point 5 (Supermajority, true, CustomsUnion: the last field varies
    // fastest), replicate 1, which is recorded.
    let world = 21;
    let run = dir.join("w21");
    ok(&[
        "run",
        "--from-sweep",
        s(&sweep),
        "--world",
        &world.to_string(),
        "--out",
        s(&run),
        "--no-plots",
        "-q",
    ]);
    let summary = std::fs::read_to_string(run.join("summary.csv")).unwrap();
    let summary_line = summary.lines().nth(1).unwrap();
    let world_line = worlds.lines().nth(1 + world).unwrap();
    // worlds.csv has summary.csv's columns first, byte for byte.
    assert_eq!(
        world_line,
        format!("{summary_line},5,1,Supermajority(0.67),true,CustomsUnion")
    );
    let timeseries = std::fs::read_to_string(run.join("timeseries.csv")).unwrap();
    let ours: Vec<String> = series
        .lines()
        .filter(|l| l.starts_with(&format!("{world},")))
        .map(String::from)
        .collect();
    let theirs: Vec<String> = timeseries
        .lines()
        .skip(1)
        .map(|l| format!("{l},5,1"))
        .collect();
    assert!(ours.len() > 2);
    assert_eq!(ours, theirs);
    let manifest = std::fs::read_to_string(run.join("manifest.ron")).unwrap();
    assert!(manifest.contains("decision_rule: Supermajority(0.67)"));
    assert!(manifest.contains("world 21 of sweep"));

    // The same through the library: the plan's scenario, the master seed, stream 21.
    let plan = Plan::load(&exp).unwrap();
    let (point, _) = plan.point_of(world as u64);
    let res = run_world(&plan.spec(point).spec, plan.seed(), world as u64);
    assert_eq!(summary_row(&res).join(","), summary_line);
    assert_eq!(timeseries_rows(&res).count(), ours.len());

    let (code, _, err) = blocs(&["run", "--from-sweep", s(&sweep), "--world", "32"]);
    assert_eq!(code, 2);
    assert!(err.contains("worlds 0..32"), "{err}");
}

/// Runs `blocs sweep` on experiment text; returns (exit code, stderr).
fn sweep_err(name: &str, text: &str) -> (i32, String) {
    let dir = temp_dir(&format!("sweep-err-{name}"));
    let path = write(&dir, "exp.ron", text);
    let (code, _, err) = blocs(&["sweep", s(&path), "--out", s(&dir.join("o"))]);
    (code, err)
}

#[track_caller]
fn rejects(name: &str, text: &str, needles: &[&str]) {
    let (code, err) = sweep_err(name, text);
    assert_eq!(code, 2, "{name}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(
        err.trim_end().lines().next().map(|l| l.contains("exp.ron")),
        Some(true),
        "{name}: the file is named first: {err}"
    );
    for n in needles {
        assert!(err.contains(n), "{name}: `{n}` not in:\n{err}");
    }
}

#[test]
fn experiment_errors_name_the_file_the_entry_and_what_is_allowed() {
    let grid = |factor: &str| format!("({BASE}, design: Grid([{factor}]))");
    rejects(
        "path",
        &grid("(field: \"multilateral.decison_rule\", values: [Consensus])"),
        &[
            "design.Grid[0] (`multilateral.decison_rule`)",
            "did you mean `decision_rule`?",
            "allowed: t_m, decision_rule",
        ],
    );
    rejects(
        "variant",
        &grid("(field: \"multilateral.decision_rule\", values: [Consensus, Majority])"),
        &[
            "design point 1 (multilateral.decision_rule = Majority)",
            "unknown variant `Majority`",
            "allowed: Consensus, Supermajority",
        ],
    );
    rejects(
        "value_range",
        &grid("(field: \"cu_market_power\", values: [0.5, -1.0])"),
        &[
            "design point 1",
            "cu_market_power",
            "must be a finite number ≥ 0",
        ],
    );
    rejects(
        "categorical_range",
        &format!(
            "({BASE}, design: LatinHypercube(samples: 4, ranges: [(field: \"regional.new_rule\", range: (0.0, 1.0))]))"
        ),
        &[
            "design.LatinHypercube.ranges[0]",
            "not a number",
            "Grid or OneAtATime",
        ],
    );
    rejects(
        "levels",
        &format!(
            "({BASE}, design: Morris(trajectories: 4, levels: 3, ranges: [(field: \"ntb\", range: (0.0, 0.5))]))"
        ),
        &["design.Morris.levels", "must be even"],
    );
    rejects(
        "output",
        &format!(
            "({BASE}, outputs: [\"m_shar\"], design: Grid([(field: \"ntb\", values: [0.1])]))"
        ),
        &["outputs[0]", "did you mean `m_share`?", "p_RivalBlocs"],
    );
    rejects(
        "reserved",
        &grid("(field: \"seed\", values: [1, 2])"),
        &["set by the experiment"],
    );
    rejects(
        "column",
        &grid("(field: \"outcome\", values: [()])"),
        &["also a column of worlds.csv", "outcome.core"],
    );
    rejects(
        "both",
        &grid("(field: \"ntb\", values: [0.1], range: (0.0, 1.0), count: 2)"),
        &["either `values: [..]` or both"],
    );
    rejects(
        "off",
        &grid("(field: \"public_goods.cost\", values: [0.1])"),
        &["off (None) in the base scenario"],
    );
    rejects(
        "syntax",
        &format!("(\n  {BASE},\n  design: Grid([(field: \"ntb\" values: [0.1])]),\n)"),
        &["exp.ron:3:"],
    );
    rejects(
        "unknown_key",
        &format!("({BASE}, replication: 3, design: Grid([(field: \"ntb\", values: [0.1])]))"),
        &[
            "unknown field `replication`",
            "did you mean `replications`?",
        ],
    );
    rejects(
        "base",
        "(base: Inline((t_n: 2.0)), design: Grid([(field: \"ntb\", values: [0.1])]))",
        &["base", "t_n"],
    );
}

#[test]
fn sweeps_are_never_overwritten_without_force() {
    let dir = temp_dir("sweep-force");
    let exp = write(
        &dir,
        "e.ron",
        &format!("({BASE}, design: Grid([(field: \"ntb\", values: [0.1, 0.2])]))"),
    );
    let out = dir.join("o");
    ok(&["sweep", s(&exp), "--out", s(&out), "--no-plots"]);
    let (code, _, err) = blocs(&["sweep", s(&exp), "--out", s(&out)]);
    assert_eq!(code, 2);
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    ok(&["sweep", s(&exp), "--out", s(&out), "--force", "--no-plots"]);
    let (code, _, err) = blocs(&["sweep", s(&exp), "--shard", "3/2"]);
    assert_eq!(code, 2);
    assert!(err.contains("1 ≤ I ≤ N"), "{err}");
}

#[test]
fn sweeps_draw_outcome_phase_and_sensitivity_figures() {
    let dir = temp_dir("sweep-figures");
    let cases = [
        (
            "one",
            format!(
                "({BASE}, replications: 3, record: Replicates(1), design: OneAtATime([(field: \"regional.new_rule\", values: [Open, Unanimity, Majority])]))"
            ),
            "outcomes.svg",
        ),
        (
            "two",
            format!(
                "({BASE}, replications: 2, design: Grid([(field: \"ntb\", values: [0.1, 0.3]), (field: \"article_xxiv\", values: [true, false])]))"
            ),
            "phase.svg",
        ),
        ("sobol", sobol_experiment(1), "sensitivity.svg"),
    ];
    for (name, text, figure) in cases {
        let exp = write(&dir, &format!("{name}.ron"), &text);
        let out = dir.join(name);
        ok(&["sweep", s(&exp), "--out", s(&out), "-q"]);
        assert!(
            out.join("figures").join(figure).is_file(),
            "{name}: no {figure}"
        );
        let png = figure.replace(".svg", ".png");
        assert!(out.join("figures").join(&png).is_file(), "{name}: no {png}");
        assert!(out.join("report.html").is_file());
    }
}

#[test]
fn sobol_sequence_designs_are_checked_and_old_files_keep_their_hash() {
    rejects(
        "sobol_too_many",
        &format!(
            "({BASE}, design: Sobol(base_samples: 70000, sequence: Sobol, ranges: [(field: \"ntb\", range: (0.0, 0.5))]))"
        ),
        &["design.Sobol.base_samples", "at most 2^16 = 65536 points"],
    );
    rejects(
        "second_order_one_field",
        &format!(
            "({BASE}, design: Sobol(base_samples: 8, second_order: true, ranges: [(field: \"ntb\", range: (0.0, 0.5))]))"
        ),
        &["design.Sobol.second_order", "at least two fields"],
    );
    rejects(
        "sequence_name",
        &format!(
            "({BASE}, design: MonteCarlo(samples: 8, sequence: Halton, ranges: [(field: \"ntb\", range: (0.0, 0.5))]))"
        ),
        &["Halton"],
    );
    let dir = temp_dir("sobol-seq");
    let plan = |name: &str, text: &str| Plan::load(&write(&dir, name, text)).unwrap();
    // Naming the default sequence changes nothing: not the points, not the hash.
    let old = plan("old.ron", &sobol_experiment(3));
    let named = plan(
        "named.ron",
        &sobol_experiment(3).replace(
            "base_samples: 8,",
            "base_samples: 8, sequence: PseudoRandom,",
        ),
    );
    assert_eq!(old.unit_points(), named.unit_points());
    assert_eq!(old.hash, named.hash);
    // The Sobol' sequence: other points, a power-of-two prefix stratified in each field.
    let sob = plan(
        "sob.ron",
        &sobol_experiment(3).replace("base_samples: 8,", "base_samples: 8, sequence: Sobol,"),
    );
    assert_ne!(old.unit_points(), sob.unit_points());
    assert_ne!(old.hash, sob.hash);
    let pts = sob.unit_points().unwrap();
    // Rows of A are every 4th point (d + 2 = 4 points a row).
    for dim in 0..2 {
        let mut strata: Vec<usize> = (0..8)
            .map(|r| (pts.point(r * 4)[dim] * 8.0).floor() as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..8).collect::<Vec<_>>());
    }
    let mc = plan(
        "mc.ron",
        &format!(
            "({BASE}, design: MonteCarlo(samples: 16, sequence: Sobol, ranges: [(field: \"ntb\", range: (0.0, 0.5))]))"
        ),
    );
    assert_eq!(mc.points, 16);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sweep tables' headers are what `blocs::schema` declares (and what the published format
/// says, spelled out here), and the plot reader finds the sensitivity rows by those names.
#[test]
fn sweep_table_headers_follow_the_schema() {
    use blocs::schema::{self, points, sensitivity, sensitivity_convergence};
    let dir = temp_dir("sweep-schema");
    let exp = write(&dir, "sens.ron", &sobol_experiment(2));
    let out = dir.join("sens");
    ok(&["sweep", s(&exp), "--out", s(&out), "-q", "--no-plots"]);
    let header = |name: &str| {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        text.lines().next().unwrap().to_owned()
    };
    assert_eq!(header(sensitivity::FILE), sensitivity::COLUMNS.join(","));
    assert_eq!(
        sensitivity::COLUMNS.join(","),
        "method,output,parameter,s1,s1_lo,s1_hi,st,st_lo,st_hi,mu_star,sigma,mu"
    );
    assert_eq!(
        header(sensitivity_convergence::FILE),
        "output,parameter,base_samples,s1,st"
    );
    let points_header = header(points::FILE);
    let cols: Vec<&str> = points_header.split(',').collect();
    assert_eq!(
        &cols[..4],
        [schema::POINT, "cu_market_power", "patience", points::N]
    );
    assert!(cols.contains(&"m_share_mean") && cols.contains(&"m_share_hi"));
    assert!(cols.ends_with(&["p_Fragmented", "p_Fragmented_lo", "p_Fragmented_hi"]));
    let tables = blocs::plot::Tables::load(&out).unwrap();
    let rows = tables.sensitivity.expect("sensitivity rows");
    assert!(rows.iter().any(|r| r.method == "Sobol" && r.s1.is_some()));
}
