//! The seed texts' claims as checked experiments: `experiments/eNN_*/` folders, each an
//! experiment file (`experiment.ron`, an ordinary sweep) and a check (`check.ron`) that
//! states the claimed pattern as a statistic with a 95 % interval and an expected sign.
//!
//! A check compares two groups of worlds of the sweep, each picked by the values of varied
//! fields (or one group against a fixed value): the difference of two class shares with
//! Newcombe's hybrid score interval, or the difference of two means with Welch's interval.
//! It passes when the interval excludes the null value on the expected side. Whether a
//! claim is expected to reproduce is written once, in `check.ron` (`expected`), so the
//! command, CI and the README read the same list.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{Problem, ron_options};
use crate::metrics::{METRIC_COLUMNS, Outcome};
use crate::sweep::experiment::{Experiment, Plan};
use crate::sweep::stats::{Moments, t_quantile, wilson};

/// The experiment file of a folder.
pub const EXPERIMENT_FILE: &str = "experiment.ron";
/// The check file of a folder.
pub const CHECK_FILE: &str = "check.ron";
/// The derived per-world metric: rounds passed / rounds held (worlds with no round are left out).
pub const PASS_RATE: &str = "pass_rate";

/// A check as written in `check.ron`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// The claim in one line, as the table prints it.
    pub claim: String,
    /// Whether the pattern is expected to appear; `NotReproduced` checks are reported but
    /// do not fail the command.
    pub expected: Expected,
    /// What is compared.
    pub statistic: Statistic,
    /// The first group: worlds whose varied fields take one of the listed values.
    pub a: Vec<Select>,
    /// The second group; absent: group `a` is compared with `null`.
    #[serde(default)]
    pub b: Option<Vec<Select>>,
    /// The value the interval must exclude (0 for a difference).
    #[serde(default)]
    pub null: f64,
    /// The expected side of `a − b` (or `a − null`).
    pub direction: Direction,
    /// Replications per point under `--quick`.
    pub quick_replications: u32,
}

/// Whether a check's pattern is expected to appear.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Expected {
    /// CI asserts it.
    Reproduced,
    /// Measured and reported, not asserted (the README gives the numbers).
    NotReproduced,
}

/// The statistic of a check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Statistic {
    /// The share of worlds ending in one of these outcome classes.
    Share(Vec<String>),
    /// The mean of a `worlds.csv` metric, or `pass_rate`.
    Mean(String),
}

/// Worlds whose varied field `field` takes one of `values` (as written in `worlds.csv`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Select {
    /// A varied field of the experiment.
    pub field: String,
    /// Its accepted values, as the `worlds.csv` cells read (numbers compare as numbers).
    pub values: Vec<String>,
}

/// The expected sign.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// a − b > null.
    Positive,
    /// a − b < null.
    Negative,
}

/// Why a check could not be loaded or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// A file or folder could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A table could not be read or formatted.
    #[error("{}: not valid CSV", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
    /// A file does not say what a check or its tables must.
    #[error("{}: {message}", path.display())]
    File {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The folder's experiment is bad.
    #[error(transparent)]
    Experiment(#[from] crate::sweep::experiment::ExperimentError),
    /// The file parsed but some entries are not allowed.
    #[error("{}: invalid check:{}", path.display(), problems.iter().map(|p| format!("\n  - {}: {}", p.field, p.message)).collect::<String>())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

fn io_err(path: &Path, source: std::io::Error) -> CheckError {
    CheckError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_err(path: &Path, source: csv::Error) -> CheckError {
    CheckError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

fn file_err(path: &Path, message: impl std::fmt::Display) -> CheckError {
    CheckError::File {
        path: path.to_path_buf(),
        message: message.to_string(),
    }
}

/// Names a mean may use: the metric columns, `g_share`, `stop_tick` and `pass_rate`.
pub fn metric_names() -> Vec<&'static str> {
    let mut v: Vec<&str> = METRIC_COLUMNS.to_vec();
    v.extend(["g_share", "stop_tick", PASS_RATE]);
    v
}

impl Check {
    /// Parses and validates check text (without the experiment: see [`Check::validate_for`]).
    pub fn parse(text: &str, path: &Path) -> Result<Check, CheckError> {
        let check: Check = ron_options()
            .from_str(text)
            .map_err(|e| file_err(path, format!("line {}: {}", e.span.start.line, e.code)))?;
        let mut problems = Vec::new();
        let mut bad = |field: &str, message: String| {
            problems.push(Problem {
                field: field.into(),
                message,
            })
        };
        if check.claim.trim().is_empty() {
            bad("claim", "empty: say the claim in one line".into());
        }
        if check.quick_replications == 0 {
            bad("quick_replications", "0: must be at least 1".into());
        }
        if !check.null.is_finite() {
            bad("null", format!("{}: must be a finite number", check.null));
        }
        match &check.statistic {
            Statistic::Share(classes) => {
                if classes.is_empty() {
                    bad("statistic", "Share([]): name at least one class".into());
                }
                for (i, c) in classes.iter().enumerate() {
                    if !Outcome::ALL.iter().any(|o| o.as_str() == c) {
                        let names: Vec<&str> = Outcome::ALL.iter().map(|o| o.as_str()).collect();
                        bad(
                            &format!("statistic[{i}]"),
                            format!("unknown class `{c}`; one of {}", names.join(", ")),
                        );
                    }
                }
            }
            Statistic::Mean(m) => {
                if !metric_names().contains(&m.as_str()) {
                    bad(
                        "statistic",
                        format!("unknown metric `{m}`; one of {}", metric_names().join(", ")),
                    );
                }
            }
        }
        let groups = [("a", Some(&check.a)), ("b", check.b.as_ref())];
        for (g, sel) in groups {
            let Some(sel) = sel else { continue };
            if sel.is_empty() {
                bad(g, "empty: select worlds by at least one field".into());
            }
            for (i, s) in sel.iter().enumerate() {
                if s.values.is_empty() {
                    bad(
                        &format!("{g}[{i}].values"),
                        "empty: list at least one value".into(),
                    );
                }
            }
        }
        if problems.is_empty() {
            Ok(check)
        } else {
            Err(CheckError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// Reads and validates a check file.
    pub fn load(path: &Path) -> Result<Check, CheckError> {
        let text = std::fs::read_to_string(path).map_err(|e| io_err(path, e))?;
        Check::parse(&text, path)
    }

    /// Checks that every selected field is varied by the experiment.
    pub fn validate_for(&self, plan: &Plan, path: &Path) -> Result<(), CheckError> {
        let mut problems = Vec::new();
        let groups = [("a", Some(&self.a)), ("b", self.b.as_ref())];
        for (g, sel) in groups {
            for (i, s) in sel.into_iter().flatten().enumerate() {
                if !plan.fields.contains(&s.field) {
                    problems.push(Problem {
                        field: format!("{g}[{i}].field"),
                        message: format!(
                            "`{}` is not varied by experiment `{}` (varied: {})",
                            s.field,
                            plan.name,
                            plan.fields.join(", ")
                        ),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(CheckError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }

    /// The statistic in words, for tables.
    pub fn describe(&self) -> String {
        let what = match &self.statistic {
            Statistic::Share(c) => format!("share {}", c.join("+")),
            Statistic::Mean(m) => format!("mean {m}"),
        };
        let group = |s: &[Select]| {
            s.iter()
                .map(|x| match x.values.as_slice() {
                    [v] => format!("{}={v}", x.field),
                    vs => format!("{}∈{{{}}}", x.field, vs.join(", ")),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        match &self.b {
            Some(b) => format!("{what}: [{}] − [{}]", group(&self.a), group(b)),
            None => format!("{what}: [{}] − {}", group(&self.a), self.null),
        }
    }
}

/// One experiment folder.
#[derive(Clone, Debug)]
pub struct Entry {
    /// The folder name (`e01_gridlock`).
    pub name: String,
    /// The folder.
    pub dir: PathBuf,
}

/// The experiment folders `eNN_*` under `root`, in name order.
pub fn discover(root: &Path) -> Result<Vec<Entry>, CheckError> {
    let entries = std::fs::read_dir(root).map_err(|e| io_err(root, e))?;
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|e| io_err(root, e))?;
        let name = e.file_name().to_string_lossy().into_owned();
        let b = name.as_bytes();
        let numbered = b.len() > 4 && b[0] == b'e' && b[1..3].iter().all(u8::is_ascii_digit);
        if numbered && b[3] == b'_' && e.path().join(CHECK_FILE).is_file() {
            out.push(Entry {
                name,
                dir: e.path(),
            });
        }
    }
    out.sort_by(|x, y| x.name.cmp(&y.name));
    Ok(out)
}

/// Loads a folder's experiment and check; under `quick` the experiment runs the check's
/// `quick_replications` per point (same seed, so quick worlds are the full set's first
/// replicates).
pub fn load(entry: &Entry, quick: bool) -> Result<(Plan, Check), CheckError> {
    let check_path = entry.dir.join(CHECK_FILE);
    let check = Check::load(&check_path)?;
    let exp_path = entry.dir.join(EXPERIMENT_FILE);
    let text = std::fs::read_to_string(&exp_path).map_err(|e| io_err(&exp_path, e))?;
    let mut experiment = Experiment::parse(&text, &exp_path)?;
    if quick {
        experiment.replications = check.quick_replications;
    }
    let plan = Plan::new(experiment, &exp_path, &entry.dir, &entry.name)?;
    check.validate_for(&plan, &check_path)?;
    Ok((plan, check))
}

/// A group's data: class hits, or metric values.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Group {
    /// Worlds in the group.
    pub worlds: u64,
    /// Worlds in the classes (Share) .
    pub hits: u64,
    /// Metric values (Mean); worlds without a value (no round for `pass_rate`) are left out.
    pub values: Vec<f64>,
}

/// A check's result.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    /// Group a's estimate (share or mean).
    pub a: f64,
    /// Group b's estimate, or the null value.
    pub b: f64,
    /// a − b.
    pub estimate: f64,
    /// The 95 % interval of a − b.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Worlds (or values) in a.
    pub n_a: u64,
    /// Worlds (or values) in b (0 when compared with null).
    pub n_b: u64,
    /// The interval excludes the null on the expected side.
    pub pass: bool,
    /// The interval's method.
    pub method: &'static str,
}

/// Newcombe's hybrid score interval (his method 10) for p1 − p2, from Wilson intervals of
/// both shares: it stays within [−1, 1] and keeps width at shares of 0 or 1, where the
/// Wald interval collapses.
pub fn newcombe(k1: u64, n1: u64, k2: u64, n2: u64) -> (f64, f64, f64) {
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let (l1, u1) = wilson(k1, n1);
    let (l2, u2) = wilson(k2, n2);
    let d = p1 - p2;
    let low = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let high = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    (d, low, high)
}

/// Welch's 95 % interval for mean(a) − mean(b) (Satterthwaite degrees of freedom); `None`
/// below two values in a group. Two constant groups give the point interval [d, d].
pub fn welch(a: &[f64], b: &[f64]) -> Option<(f64, f64, f64)> {
    let (ma, mb) = (moments(a), moments(b));
    let (sa, sb) = (ma.sd()?, mb.sd()?);
    let (va, vb) = (sa * sa / a.len() as f64, sb * sb / b.len() as f64);
    let d = ma.mean()? - mb.mean()?;
    let se2 = va + vb;
    if se2 == 0.0 {
        return Some((d, d, d));
    }
    let df = se2 * se2 / (va * va / (a.len() - 1) as f64 + vb * vb / (b.len() - 1) as f64);
    let half = t_quantile(0.975, df) * se2.sqrt();
    Some((d, d - half, d + half))
}

fn moments(x: &[f64]) -> Moments {
    let mut m = Moments::default();
    for &v in x {
        m.push(v);
    }
    m
}

fn cell_matches(cell: &str, values: &[String]) -> bool {
    values.iter().any(|v| {
        v.trim() == cell.trim()
            || matches!((v.trim().parse::<f64>(), cell.trim().parse::<f64>()), (Ok(x), Ok(y)) if x == y)
    })
}

/// Reads `worlds.csv` and gathers the two groups of a check.
pub fn gather(check: &Check, worlds_csv: &Path) -> Result<(Group, Option<Group>), CheckError> {
    let mut reader = csv::Reader::from_path(worlds_csv).map_err(|e| csv_err(worlds_csv, e))?;
    let header = reader
        .headers()
        .map_err(|e| csv_err(worlds_csv, e))?
        .clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| file_err(worlds_csv, format!("no column `{name}`")))
    };
    let select = |sel: &[Select]| -> Result<Vec<(usize, Vec<String>)>, CheckError> {
        sel.iter()
            .map(|s| Ok((col(&s.field)?, s.values.clone())))
            .collect()
    };
    let sa = select(&check.a)?;
    let sb = check.b.as_deref().map(select).transpose()?;
    let outcome = col("outcome")?;
    let metric: Option<Vec<usize>> = match &check.statistic {
        Statistic::Share(_) => None,
        Statistic::Mean(m) if m == PASS_RATE => {
            Some(vec![col("rounds_passed")?, col("rounds_failed")?])
        }
        Statistic::Mean(m) => Some(vec![col(m)?]),
    };
    let mut ga = Group::default();
    let mut gb = sb.as_ref().map(|_| Group::default());
    for (line, row) in reader.records().enumerate() {
        let row = row.map_err(|e| csv_err(worlds_csv, e))?;
        let num = |c: usize| -> Result<f64, CheckError> {
            row.get(c)
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or_else(|| {
                    file_err(
                        worlds_csv,
                        format!("row {}: column `{}` is not a number", line + 2, &header[c]),
                    )
                })
        };
        let value = match &metric {
            None => {
                let class = row.get(outcome).unwrap_or_default();
                let Statistic::Share(classes) = &check.statistic else {
                    unreachable!("metric is None only for Share")
                };
                Some(if classes.iter().any(|c| c == class) {
                    1.0
                } else {
                    0.0
                })
            }
            Some(cols) if cols.len() == 2 => {
                let (p, f) = (num(cols[0])?, num(cols[1])?);
                (p + f > 0.0).then(|| p / (p + f))
            }
            Some(cols) => Some(num(cols[0])?),
        };
        let in_group = |s: &[(usize, Vec<String>)]| {
            s.iter()
                .all(|(c, v)| cell_matches(row.get(*c).unwrap_or_default(), v))
        };
        let targets = [
            (in_group(&sa), Some(&mut ga)),
            (sb.as_deref().is_some_and(in_group), gb.as_mut()),
        ];
        for (hit, g) in targets {
            if let (true, Some(g)) = (hit, g) {
                g.worlds += 1;
                if let Some(v) = value {
                    g.values.push(v);
                    if v == 1.0 {
                        g.hits += 1;
                    }
                }
            }
        }
    }
    Ok((ga, gb))
}

/// A group with too few worlds for its interval.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("group {group} has {worlds} worlds with a value; the interval needs {needed}")]
pub struct TooFewWorlds {
    /// The group's name.
    pub group: String,
    /// Its worlds with a value.
    pub worlds: u64,
    /// The fewest the interval needs.
    pub needed: u64,
}

/// Evaluates a check on its groups.
pub fn evaluate(check: &Check, a: &Group, b: Option<&Group>) -> Result<Verdict, TooFewWorlds> {
    let na = a.values.len() as u64;
    let nb = b.map_or(0, |g| g.values.len() as u64);
    let need = |n: u64, g: &str, min: u64| {
        if n < min {
            Err(TooFewWorlds {
                group: g.to_string(),
                worlds: n,
                needed: min,
            })
        } else {
            Ok(())
        }
    };
    let (ea, eb, estimate, low, high, method) = match (&check.statistic, b) {
        (Statistic::Share(_), Some(b)) => {
            need(na, "a", 1)?;
            need(nb, "b", 1)?;
            let (d, l, h) = newcombe(a.hits, na, b.hits, nb);
            let pa = a.hits as f64 / na as f64;
            (pa, pa - d, d, l, h, "Newcombe hybrid score")
        }
        (Statistic::Share(_), None) => {
            need(na, "a", 1)?;
            let p = a.hits as f64 / na as f64;
            let (l, h) = wilson(a.hits, na);
            (
                p,
                check.null,
                p - check.null,
                l - check.null,
                h - check.null,
                "Wilson score",
            )
        }
        (Statistic::Mean(_), Some(b)) => {
            need(na, "a", 2)?;
            need(nb, "b", 2)?;
            let (d, l, h) = welch(&a.values, &b.values).expect("two values each");
            let ma = moments(&a.values).mean().expect("values");
            (ma, ma - d, d, l, h, "Welch t")
        }
        (Statistic::Mean(_), None) => {
            need(na, "a", 2)?;
            let m = moments(&a.values);
            let (l, h) = m.ci95().expect("two values");
            let mean = m.mean().expect("values");
            (
                mean,
                check.null,
                mean - check.null,
                l - check.null,
                h - check.null,
                "Student t",
            )
        }
    };
    let pass = match check.direction {
        Direction::Positive => low > 0.0,
        Direction::Negative => high < 0.0,
    };
    Ok(Verdict {
        a: ea,
        b: eb,
        estimate,
        low,
        high,
        n_a: na,
        n_b: nb,
        pass,
        method,
    })
}

/// A number for tables: 3 decimals.
fn f3(x: f64) -> String {
    format!("{x:.3}")
}

/// The verdict word: PASS, FAIL, or the `NotReproduced` variants.
pub fn verdict_word(check: &Check, v: &Verdict) -> &'static str {
    match (v.pass, check.expected) {
        (true, Expected::Reproduced) => "PASS",
        (false, Expected::Reproduced) => "FAIL",
        (false, Expected::NotReproduced) => "FAIL (listed as not reproduced)",
        (true, Expected::NotReproduced) => "PASS (listed as not reproduced)",
    }
}

/// `check.csv`: one header line and one row.
pub fn check_csv(name: &str, check: &Check, v: &Verdict) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let rows = [
        vec![
            "experiment",
            "claim",
            "statistic",
            "method",
            "a",
            "b",
            "estimate",
            "low",
            "high",
            "n_a",
            "n_b",
            "direction",
            "expected",
            "pass",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>(),
        vec![
            name.to_string(),
            check.claim.clone(),
            check.describe(),
            v.method.to_string(),
            v.a.to_string(),
            v.b.to_string(),
            v.estimate.to_string(),
            v.low.to_string(),
            v.high.to_string(),
            v.n_a.to_string(),
            v.n_b.to_string(),
            format!("{:?}", check.direction),
            format!("{:?}", check.expected),
            v.pass.to_string(),
        ],
    ];
    for r in rows {
        w.write_record(&r).expect("in memory");
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("utf-8")
}

/// `check.md`: the check in words.
pub fn check_md(name: &str, check: &Check, v: &Verdict) -> String {
    format!(
        "# {name}: check\n\n**Claim.** {}\n\n**Statistic.** {} ({} 95 % interval); expected sign {:?}, expected {:?}.\n\n\
         | group a | group b | a − b | 95 % interval | n_a | n_b | verdict |\n|---|---|---|---|---|---|---|\n\
         | {} | {} | {} | [{}, {}] | {} | {} | {} |\n",
        check.claim,
        check.describe(),
        v.method,
        check.direction,
        check.expected,
        f3(v.a),
        f3(v.b),
        f3(v.estimate),
        f3(v.low),
        f3(v.high),
        v.n_a,
        v.n_b,
        verdict_word(check, v)
    )
}

/// One row of the printed table.
pub fn table_row(name: &str, check: &Check, v: &Verdict) -> String {
    format!(
        "{name:<22} {:<48} {:>7} [{:>7}, {:>7}]  {}",
        check.claim,
        f3(v.estimate),
        f3(v.low),
        f3(v.high),
        verdict_word(check, v)
    )
}

/// A phase slice's files: (name, bytes).
pub type SliceFiles = Vec<(&'static str, Vec<u8>)>;

/// For a grid over three fields, `points.csv` sliced by the first field's values, as
/// (`phase_by_<field>/<value>`, its files by name), so the two-field phase diagram can be
/// drawn per slice (E04: market power × enforcement, with and without retaliation); none
/// for other designs. The caller writes them (into the staged result).
pub fn phase_slices(
    dir: &Path,
    fields: &[String],
) -> Result<Vec<(PathBuf, SliceFiles)>, CheckError> {
    if fields.len() != 3 {
        return Ok(Vec::new());
    }
    let path = dir.join("points.csv");
    let mut reader = csv::Reader::from_path(&path).map_err(|e| csv_err(&path, e))?;
    let header = reader.headers().map_err(|e| csv_err(&path, e))?.clone();
    let Some(col) = header.iter().position(|h| h == fields[0]) else {
        return Err(file_err(&path, format!("no column `{}`", fields[0])));
    };
    // Each slice keeps the fixed column (plots name it in the subtitle) and the sweep's
    // manifest (so figures carry the experiment's name, not the folder's).
    let keep = |r: &csv::StringRecord| -> Vec<String> { r.iter().map(str::to_string).collect() };
    let mut slices: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| csv_err(&path, e))?;
        let value = row.get(col).unwrap_or_default().to_string();
        match slices.iter_mut().find(|(v, _)| *v == value) {
            Some((_, rows)) => rows.push(keep(&row)),
            None => slices.push((value, vec![keep(&row)])),
        }
    }
    // `Supermajority(0.5)` becomes `Supermajority-0.5`: readable, and safe on every system.
    let safe = |s: &str| -> String {
        let mut out = String::new();
        for c in s.chars() {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                out.push(c);
            } else if c == '(' || c == ',' || c == ' ' {
                if !out.ends_with('-') {
                    out.push('-');
                }
            } else if c != ')' {
                out.push('_');
            }
        }
        out.trim_end_matches('-').to_owned()
    };
    let manifest_path = dir.join("manifest.ron");
    let manifest = match std::fs::read(&manifest_path) {
        Ok(m) => Some(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(io_err(&manifest_path, e)),
    };
    let root = PathBuf::from(format!("phase_by_{}", safe(&fields[0])));
    let mut out = Vec::new();
    for (value, rows) in slices {
        let d = root.join(safe(&value));
        let mut w = csv::Writer::from_writer(Vec::new());
        w.write_record(&header).map_err(|e| csv_err(&d, e))?;
        for r in rows {
            w.write_record(&r).map_err(|e| csv_err(&d, e))?;
        }
        let mut files = vec![(
            "points.csv",
            w.into_inner().expect("writing to memory cannot fail"),
        )];
        if let Some(m) = &manifest {
            files.push(("manifest.ron", m.clone()));
        }
        out.push((d, files));
    }
    Ok(out)
}
