//! Experiment files: the RON format of a sweep, its checks, and the resolved [`Plan`]
//! that says which scenario every world runs.
//!
//! An experiment names a base scenario, a master seed, replications per design point,
//! what to record, and a design over scenario fields named by path. Every field path and
//! every design point is checked before any world runs: a point's scenario is built by
//! writing the base scenario as a tree, replacing the varied fields, and reading the
//! result with the ordinary scenario reader and validator, so a swept value is held to
//! exactly the rules of a scenario file.
//!
//! Worlds are numbered point-major: world `point × replications + replicate`, and every
//! world draws from the master seed's stream with that number.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{
    ConfigError, Problem, Scenario, edit_distance, list, parse_error, ron_options,
};
use crate::input::{LoadError, read_scenario};
use crate::metrics::{METRIC_COLUMNS, Outcome};
use crate::model::WorldSpec;
use crate::rng::WorldRng;
use crate::sweep::design::{self, DESIGN_STREAM, Sequence, UnitPoints};
use crate::sweep::tree::{Node, NumberKind, Style, to_node};

/// Problems listed at most for bad design points; the count of the rest is given.
const MAX_POINT_PROBLEMS: usize = 10;

/// Most worlds a sweep may have (world indices must stay clear of the design streams).
pub const MAX_WORLDS: u64 = 1 << 48;

/// Most design points: every point is built and validated before any world runs, and
/// sampled designs keep their coordinates, so a design is bounded before it is drawn.
pub const MAX_POINTS: u64 = 1_000_000;

/// Most bootstrap resamples (each keeps two numbers per field).
pub const MAX_BOOTSTRAP: u32 = 100_000;

/// Refuses a design size before anything of that size is allocated.
fn size_ok(
    bad: &mut dyn FnMut(String, String),
    field: &str,
    value: u64,
    points: Option<u64>,
) -> bool {
    match points {
        Some(p) if p <= MAX_POINTS => true,
        _ => {
            bad(
                field.into(),
                format!(
                    "{value} gives {} design points: allowed at most {MAX_POINTS}",
                    points.map_or("more than 2^64".into(), |p| p.to_string())
                ),
            );
            false
        }
    }
}

/// An experiment file as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Experiment {
    /// Name; results go to `output/<name>/`. Defaults to the file's stem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The scenario every point starts from.
    #[serde(default)]
    pub base: Base,
    /// Master seed of every world and of the sampling design.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Worlds per design point.
    #[serde(default = "default_replications")]
    pub replications: u32,
    /// Worlds whose per-tick metrics go to `series.csv`.
    #[serde(default)]
    pub record: Record,
    /// Outputs whose sensitivity indices `sensitivity.csv` reports (Sobol and Morris).
    #[serde(default = "default_outputs")]
    pub outputs: Vec<String>,
    /// Bootstrap resamples for the intervals of Sobol indices (0: no intervals).
    #[serde(default = "default_bootstrap")]
    pub bootstrap: u32,
    /// The design.
    pub design: Design,
}

fn default_seed() -> u64 {
    1
}

fn default_replications() -> u32 {
    1
}

fn default_bootstrap() -> u32 {
    1000
}

fn default_outputs() -> Vec<String> {
    ["m_share", "free_share", "coverage", "effective_blocs"]
        .map(String::from)
        .to_vec()
}

/// Where the base scenario comes from.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Base {
    /// The built-in default scenario (`configs/default.ron`).
    #[default]
    Default,
    /// A scenario file, relative to the experiment file's directory.
    File(String),
    /// A scenario written out in the experiment (absent fields take their defaults).
    Inline(Box<Scenario>),
}

/// Which worlds have their per-tick metrics written to `series.csv`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum Record {
    /// None: `series.csv` has only its header.
    #[default]
    None,
    /// Every world.
    All,
    /// The first k replicates of every point.
    Replicates(u32),
    /// These world indices.
    Worlds(Vec<u64>),
}

/// The design over scenario fields.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Design {
    /// Full factorial over the factors' values; the last factor varies fastest.
    Grid(Vec<Factor>),
    /// Each factor across its values with the others at their base values, factor by
    /// factor.
    OneAtATime(Vec<Factor>),
    /// A Latin hypercube of `samples` points over numeric ranges.
    LatinHypercube {
        /// Points.
        samples: u32,
        /// The fields and their ranges.
        ranges: Vec<Bounds>,
        /// `PseudoRandom` (default): shuffled strata; `Sobol`: the first `samples` points
        /// of a scrambled Sobol' sequence, which are a Latin hypercube when `samples` is a
        /// power of two (at most 2^16).
        #[serde(default, skip_serializing_if = "Sequence::is_default")]
        sequence: Sequence,
    },
    /// Plain Monte Carlo: `samples` points over numeric ranges, pseudo-random or from a
    /// scrambled Sobol' sequence (quasi-Monte Carlo, at most 2^16 points).
    MonteCarlo {
        /// Points.
        samples: u32,
        /// The fields and their ranges.
        ranges: Vec<Bounds>,
        /// Where the points come from.
        #[serde(default, skip_serializing_if = "Sequence::is_default")]
        sequence: Sequence,
    },
    /// Saltelli's design for Sobol indices: `base_samples × (fields + 2)` points, or
    /// `base_samples × (2 fields + 2)` with `second_order`.
    Sobol {
        /// Rows of the A and B matrices.
        base_samples: u32,
        /// The fields and their ranges.
        ranges: Vec<Bounds>,
        /// Where A and B come from: `PseudoRandom` (the default, for files written before
        /// this option) or `Sobol` (recommended: base_samples a power of two, at most
        /// 2^16, and at most 128 fields).
        #[serde(default, skip_serializing_if = "Sequence::is_default")]
        sequence: Sequence,
        /// Also estimate second-order indices S2 (adds B_A^i points).
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        second_order: bool,
    },
    /// Morris elementary effects: `trajectories × (fields + 1)` points.
    Morris {
        /// Trajectories (at least 2).
        trajectories: u32,
        /// Grid levels per field (even, at least 2).
        levels: u32,
        /// The fields and their ranges.
        ranges: Vec<Bounds>,
    },
}

/// One factor of a Grid or OneAtATime design: a list of values, or `count` evenly spaced
/// values over a numeric range (both ends included).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Factor {
    /// The field's path, such as `multilateral.decision_rule`.
    pub field: String,
    /// Values as they would be written in a scenario: `[Consensus, Supermajority(0.67)]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Box<ron::value::RawValue>>>,
    /// A numeric range `(low, high)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<(f64, f64)>,
    /// Values taken over `range`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
}

/// A numeric field and its range, for sampled designs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bounds {
    /// The field's path.
    pub field: String,
    /// `(low, high)`.
    pub range: (f64, f64),
}

/// Why an experiment could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    /// The file could not be read or parsed.
    #[error(transparent)]
    File(#[from] ConfigError),
    /// The experiment file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The base scenario could not be loaded.
    #[error("{}: in its base scenario", path.display())]
    Base {
        /// The experiment file.
        path: PathBuf,
        /// The cause.
        source: LoadError,
    },
    /// The file parsed but some entries are not allowed.
    #[error("{}: invalid experiment ({} problem{}):{}", path.display(), problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

/// Why a design point's scenario does not parse (the RON error's message).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct PointError(pub String);

/// The kind of design, with what its estimators need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Full factorial.
    Grid,
    /// One factor at a time.
    OneAtATime,
    /// Latin hypercube.
    LatinHypercube,
    /// Saltelli's scheme with `base_samples` rows.
    Sobol {
        /// Rows.
        base_samples: usize,
        /// With the B_A^i points of second-order indices.
        second_order: bool,
    },
    /// Plain (quasi-)Monte Carlo.
    MonteCarlo,
    /// Morris trajectories.
    Morris,
}

/// A checked experiment: which scenario each world runs.
#[derive(Clone, Debug)]
pub struct Plan {
    /// The experiment with its base scenario written out (as manifests store it).
    pub experiment: Experiment,
    /// The experiment file as given, for messages.
    pub file: String,
    /// The experiment's name.
    pub name: String,
    /// Hash of the resolved experiment and the blocs version (hex FNV-1a, 64 bits):
    /// shards merge only when it agrees.
    pub hash: String,
    /// The varied fields, in design order (the columns of `points.csv`).
    pub fields: Vec<String>,
    /// Design points.
    pub points: u64,
    /// Worlds per point.
    pub replications: u32,
    /// Some point has the public-goods module on, so tables carry `g_share`.
    pub with_g: bool,
    /// The kind of design.
    pub method: Method,
    base: Node,
    layout: Layout,
}

#[derive(Clone, Debug)]
enum Layout {
    /// Per factor, its values as RON text.
    Grid(Vec<Vec<String>>),
    /// Per factor, its values as RON text.
    OneAtATime(Vec<Vec<String>>),
    /// Unit-cube coordinates of every point, per field the range and the number kind.
    Sampled {
        unit: UnitPoints,
        ranges: Vec<(f64, f64)>,
        kinds: Vec<NumberKind>,
    },
}

/// A design point's scenario and its values of the varied fields as table cells.
#[derive(Clone, Debug)]
pub struct PointScenario {
    /// The scenario (seed set to the master seed, `worlds` to 1).
    pub scenario: Scenario,
    /// Values of [`Plan::fields`], as written in `worlds.csv` and `points.csv`.
    pub cells: Vec<String>,
}

/// A design point ready to run.
#[derive(Clone, Debug)]
pub struct PointSpec {
    /// The validated world.
    pub spec: WorldSpec,
    /// Values of the varied fields as table cells.
    pub cells: Vec<String>,
}

/// Outputs that sensitivity indices can be computed for, besides the metrics.
pub fn output_names() -> Vec<String> {
    let mut names: Vec<String> = METRIC_COLUMNS.iter().map(|s| s.to_string()).collect();
    names.push("g_share".into());
    names.push("stop_tick".into());
    names.extend(Outcome::ALL.iter().map(|c| format!("p_{}", c.as_str())));
    names
}

/// Fields that the experiment sets itself and a design may not vary.
const RESERVED: [&str; 3] = ["name", "seed", "worlds"];

impl Experiment {
    /// Parses experiment text; `path` is used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Experiment, ExperimentError> {
        crate::config::parse_text(text, path).map_err(ExperimentError::File)
    }

    /// The experiment as RON text.
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("    ".to_string());
        ron_options()
            .to_string_pretty(self, pretty)
            .expect("experiments serialise")
    }
}

impl Plan {
    /// Reads, resolves and checks an experiment file.
    pub fn load(path: &Path) -> Result<Plan, ExperimentError> {
        let text = std::fs::read_to_string(path).map_err(|source| ExperimentError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let experiment = Experiment::parse(&text, path)?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "sweep".into());
        let dir = path.parent().unwrap_or(Path::new("."));
        Plan::new(experiment, path, dir, &stem)
    }

    /// Resolves and checks an experiment: `path` names it in messages, `dir` is where a
    /// base scenario file is looked up, `stem` the name used when it gives none.
    pub fn new(
        mut experiment: Experiment,
        path: &Path,
        dir: &Path,
        stem: &str,
    ) -> Result<Plan, ExperimentError> {
        let base_err = |source| ExperimentError::Base {
            path: path.to_path_buf(),
            source,
        };
        let mut base = match &experiment.base {
            Base::Default => Scenario::builtin_default(),
            Base::File(file) => read_scenario(&dir.join(file)).map_err(base_err)?,
            Base::Inline(s) => (**s).clone(),
        };
        base.seed = experiment.seed;
        base.worlds = 1;
        base.validate(Path::new(&format!("{} (base)", path.display())))
            .map_err(|e| base_err(e.into()))?;
        experiment.base = Base::Inline(Box::new(base.clone()));
        let name = experiment.name.clone().unwrap_or_else(|| stem.to_string());
        experiment.name = Some(name.clone());

        let mut problems = Vec::new();
        let mut bad = |field: String, message: String| problems.push(Problem { field, message });
        if let Some(why) = crate::config::path_component_problem(&name) {
            bad(
                "name".into(),
                format!(
                    "`{}` cannot name a result folder: {why}",
                    name.escape_debug()
                ),
            );
        }
        if experiment.replications == 0 {
            bad("replications".into(), "0: must be at least 1".into());
        }
        let known = output_names();
        for (i, o) in experiment.outputs.iter().enumerate() {
            if !known.contains(o) {
                bad(format!("outputs[{i}]"), unknown("output", o, &known));
            }
        }
        let tree = to_node(&base);
        let (layout, fields, method) =
            layout(&experiment, &tree, seed_rng(experiment.seed), &mut bad);
        let replications = experiment.replications.max(1);
        let points = match &layout {
            Some(Layout::Grid(values)) => values
                .iter()
                .try_fold(1u64, |acc, v| acc.checked_mul(v.len() as u64)),
            Some(Layout::OneAtATime(values)) => Some(values.iter().map(|v| v.len() as u64).sum()),
            Some(Layout::Sampled { unit, .. }) => Some(unit.len() as u64),
            None => Some(0),
        };
        if let Some(p) = points.filter(|&p| p > MAX_POINTS) {
            bad(
                "design".into(),
                format!("{p} design points: allowed at most {MAX_POINTS}"),
            );
        }
        if points.is_none() {
            bad(
                "design".into(),
                format!("more than 2^64 design points: allowed at most {MAX_POINTS}"),
            );
        }
        if experiment.bootstrap > MAX_BOOTSTRAP {
            bad(
                "bootstrap".into(),
                format!(
                    "{} resamples: allowed at most {MAX_BOOTSTRAP}",
                    experiment.bootstrap
                ),
            );
        }
        let worlds = points.and_then(|p| p.checked_mul(u64::from(replications)));
        match worlds {
            Some(w) if w <= MAX_WORLDS => {}
            _ => bad(
                "design".into(),
                format!("the design has too many worlds (allowed: up to 2^48 = {MAX_WORLDS})"),
            ),
        }
        let points = points.unwrap_or(0);
        if let Record::Worlds(list) = &experiment.record {
            let total = worlds.unwrap_or(0);
            for (i, w) in list.iter().enumerate() {
                if *w >= total {
                    bad(
                        format!("record.Worlds[{i}]"),
                        format!("world {w} does not exist (the sweep has worlds 0..{total})"),
                    );
                }
            }
        }
        if !problems.is_empty() || layout.is_none() {
            return Err(ExperimentError::Invalid {
                path: path.to_path_buf(),
                problems,
            });
        }
        let mut plan = Plan {
            hash: String::new(),
            file: path.display().to_string(),
            name,
            fields,
            points,
            replications,
            with_g: false,
            method,
            base: tree,
            layout: layout.expect("checked above"),
            experiment,
        };
        plan.hash = format!(
            "{:016x}",
            fnv1a(
                format!(
                    "blocs {}\n{}",
                    env!("CARGO_PKG_VERSION"),
                    ron_options()
                        .to_string(&plan.experiment)
                        .expect("experiments serialise")
                )
                .as_bytes()
            )
        );
        plan.check_points(path)?;
        Ok(plan)
    }

    /// Total worlds.
    pub fn worlds(&self) -> u64 {
        self.points * u64::from(self.replications)
    }

    /// The (point, replicate) of a world.
    pub fn point_of(&self, world: u64) -> (u64, u32) {
        let r = u64::from(self.replications);
        (world / r, (world % r) as u32)
    }

    /// Whether a world's series goes to `series.csv`.
    pub fn records(&self, world: u64) -> bool {
        match &self.experiment.record {
            Record::None => false,
            Record::All => true,
            Record::Replicates(k) => self.point_of(world).1 < *k,
            Record::Worlds(list) => list.contains(&world),
        }
    }

    /// Unit-cube coordinates of the points of a sampled design (`None` for Grid and
    /// OneAtATime).
    pub fn unit_points(&self) -> Option<&UnitPoints> {
        match &self.layout {
            Layout::Sampled { unit, .. } => Some(unit),
            _ => None,
        }
    }

    /// The master seed.
    pub fn seed(&self) -> u64 {
        self.experiment.seed
    }

    /// The scenario of design point `point`.
    pub fn point(&self, point: u64) -> Result<PointScenario, PointError> {
        self.point_scenario(point).map_err(PointError)
    }

    fn point_scenario(&self, point: u64) -> Result<PointScenario, String> {
        let mut tree = self.base.clone();
        for (field, text) in self.overrides(point) {
            *tree
                .at_mut(&self.fields[field])
                .map_err(|e| e.0)
                .expect("paths are checked when the plan is made") = Node::Raw(text);
        }
        let text = tree.render(Style::Ron);
        let scenario = ron_options()
            .from_str::<Scenario>(&text)
            .map_err(|e| match parse_error(Path::new(""), e) {
                ConfigError::Parse { message, .. } => message,
                other => other.to_string(),
            })?;
        let resolved = to_node(&scenario);
        let cells = self
            .fields
            .iter()
            .map(|f| {
                // A value that replaced a whole block can change the shape below it
                // (`choice: BestResponse` has no `beta`): the cell is then empty.
                resolved
                    .find(f)
                    .map(|n| n.render(Style::Cell))
                    .unwrap_or_default()
            })
            .collect();
        Ok(PointScenario { scenario, cells })
    }

    /// The validated world of design point `point`.
    ///
    /// Every point was checked when the plan was made, so this cannot fail.
    pub fn spec(&self, point: u64) -> PointSpec {
        let p = self.point(point).expect("points are checked up front");
        let spec = p
            .scenario
            .validate(Path::new(&self.file))
            .expect("points are checked up front");
        PointSpec {
            spec,
            cells: p.cells,
        }
    }

    /// (field index, RON text) of each field a point sets.
    fn overrides(&self, point: u64) -> Vec<(usize, String)> {
        match &self.layout {
            Layout::Grid(values) => {
                // Mixed radix, the last factor fastest.
                let mut rest = point;
                let mut out = vec![(0, String::new()); values.len()];
                for (f, v) in values.iter().enumerate().rev() {
                    let n = v.len() as u64;
                    out[f] = (f, v[(rest % n) as usize].clone());
                    rest /= n;
                }
                out
            }
            Layout::OneAtATime(values) => {
                let mut rest = point;
                for (f, v) in values.iter().enumerate() {
                    if rest < v.len() as u64 {
                        return vec![(f, v[rest as usize].clone())];
                    }
                    rest -= v.len() as u64;
                }
                unreachable!("point {point} is beyond the design")
            }
            Layout::Sampled {
                unit,
                ranges,
                kinds,
            } => unit
                .point(point as usize)
                .iter()
                .enumerate()
                .map(|(f, &u)| {
                    let x = design::scale(u, ranges[f].0, ranges[f].1);
                    (f, number_text(x, kinds[f]))
                })
                .collect(),
        }
    }

    /// Builds and validates every point; lists the first few that fail.
    fn check_points(&mut self, path: &Path) -> Result<(), ExperimentError> {
        let mut problems = Vec::new();
        let mut failed = 0u64;
        let mut with_g = false;
        for p in 0..self.points {
            let res = self.point_scenario(p).and_then(|ps| {
                with_g |= ps.scenario.public_goods.is_some();
                ps.scenario
                    .validate(Path::new(""))
                    .map(|_| ())
                    .map_err(|e| match e {
                        ConfigError::Invalid { problems, .. } => problems
                            .iter()
                            .map(|p| format!("{}: {}", p.field, p.message))
                            .collect::<Vec<_>>()
                            .join("; "),
                        other => other.to_string(),
                    })
                    .map(|_| ps.cells)
            });
            if let Err(message) = res {
                failed += 1;
                if problems.len() < MAX_POINT_PROBLEMS {
                    let what = self
                        .overrides(p)
                        .iter()
                        .map(|(f, text)| format!("{} = {text}", self.fields[*f]))
                        .collect::<Vec<_>>()
                        .join(", ");
                    problems.push(Problem {
                        field: format!("design point {p} ({what})"),
                        message,
                    });
                }
            }
        }
        if failed > problems.len() as u64 {
            problems.push(Problem {
                field: "design".into(),
                message: format!(
                    "{} more point(s) fail the same way",
                    failed - problems.len() as u64
                ),
            });
        }
        self.with_g = with_g;
        if problems.is_empty() {
            Ok(())
        } else {
            Err(ExperimentError::Invalid {
                path: path.to_path_buf(),
                problems,
            })
        }
    }
}

fn seed_rng(seed: u64) -> WorldRng {
    WorldRng::new(seed, DESIGN_STREAM)
}

/// A number as RON text for a field of the given kind (integers are rounded).
fn number_text(x: f64, kind: NumberKind) -> String {
    match kind {
        NumberKind::Integer => format!("{}", x.round() as i64),
        NumberKind::Float => format!("{x:?}"),
    }
}

fn unknown(what: &str, found: &str, allowed: &[String]) -> String {
    let nearest = allowed.iter().min_by_key(|a| edit_distance(found, a));
    let hint = match nearest {
        Some(n) if edit_distance(found, n) <= found.len().max(3) / 2 + 1 => {
            format!("; did you mean `{n}`?")
        }
        _ => String::new(),
    };
    format!(
        "unknown {what} `{found}`{hint} (allowed: {})",
        allowed.join(", ")
    )
}

/// Checks the design's entries and lays out its points; `None` if an entry is bad.
fn layout(
    e: &Experiment,
    tree: &Node,
    mut rng: WorldRng,
    bad: &mut dyn FnMut(String, String),
) -> (Option<Layout>, Vec<String>, Method) {
    let mut ok = true;
    let mut fields: Vec<String> = Vec::new();
    let (kind_name, method) = match &e.design {
        Design::Grid(_) => ("Grid", Method::Grid),
        Design::OneAtATime(_) => ("OneAtATime", Method::OneAtATime),
        Design::LatinHypercube { .. } => ("LatinHypercube", Method::LatinHypercube),
        Design::Sobol {
            base_samples,
            second_order,
            ..
        } => (
            "Sobol",
            Method::Sobol {
                base_samples: *base_samples as usize,
                second_order: *second_order,
            },
        ),
        Design::MonteCarlo { .. } => ("MonteCarlo", Method::MonteCarlo),
        Design::Morris { .. } => ("Morris", Method::Morris),
    };
    match &e.design {
        Design::Grid(factors) | Design::OneAtATime(factors) => {
            if factors.is_empty() {
                bad(
                    format!("design.{kind_name}"),
                    "no factors: list at least one `(field: .., values: [..])`".into(),
                );
                return (None, fields, method);
            }
            let mut values = Vec::new();
            for (i, f) in factors.iter().enumerate() {
                let label = format!("design.{kind_name}[{i}] (`{}`)", f.field);
                let base = check_field(&label, &f.field, tree, &mut fields, bad);
                ok &= base.is_some();
                let v = factor_values(f, base.as_ref(), &label, bad);
                ok &= v.is_some();
                values.push(v.unwrap_or_default());
            }
            let layout = match &e.design {
                Design::Grid(_) => Layout::Grid(values),
                _ => Layout::OneAtATime(values),
            };
            (ok.then_some(layout), fields, method)
        }
        Design::LatinHypercube { ranges, .. }
        | Design::MonteCarlo { ranges, .. }
        | Design::Sobol { ranges, .. }
        | Design::Morris { ranges, .. } => {
            if ranges.is_empty() {
                bad(
                    format!("design.{kind_name}.ranges"),
                    "no ranges: list at least one `(field: .., range: (low, high))`".into(),
                );
                return (None, fields, method);
            }
            let mut kinds = Vec::new();
            let mut bounds = Vec::new();
            for (i, b) in ranges.iter().enumerate() {
                let label = format!("design.{kind_name}.ranges[{i}] (`{}`)", b.field);
                let base = check_field(&label, &b.field, tree, &mut fields, bad);
                ok &= base.is_some();
                let (lo, hi) = b.range;
                if !(lo.is_finite() && hi.is_finite() && lo < hi) {
                    bad(
                        label.clone(),
                        format!("range ({lo}, {hi}): needs finite low < high"),
                    );
                    ok = false;
                }
                if let Some(base) = base {
                    match base.number_kind() {
                        Some(k) => kinds.push(k),
                        None => {
                            bad(
                                label,
                                format!(
                                    "is `{}` in the base scenario, not a number: {kind_name} samples numeric ranges; vary categorical fields (rules, kinds, booleans) with Grid or OneAtATime",
                                    base.render(Style::Ron)
                                ),
                            );
                            ok = false;
                        }
                    }
                }
                bounds.push((lo, hi));
            }
            let d = ranges.len();
            let unit = match &e.design {
                Design::LatinHypercube {
                    samples, sequence, ..
                }
                | Design::MonteCarlo {
                    samples, sequence, ..
                } => {
                    if *samples == 0 {
                        bad(
                            format!("design.{kind_name}.samples"),
                            "0: must be at least 1".into(),
                        );
                        ok = false;
                    }
                    ok &= size_ok(
                        bad,
                        &format!("design.{kind_name}.samples"),
                        u64::from(*samples),
                        Some(u64::from(*samples)),
                    );
                    if *sequence == Sequence::Sobol {
                        ok &= sobol_limits(kind_name, "samples", *samples, d, d, bad);
                    }
                    let n = *samples as usize;
                    ok.then(|| match (&e.design, sequence) {
                        (_, Sequence::Sobol) => {
                            design::sobol_points(n, d, design::sobol_seed(&mut rng))
                        }
                        (Design::LatinHypercube { .. }, _) => {
                            design::latin_hypercube(n, d, &mut rng)
                        }
                        _ => design::random_points(n, d, &mut rng),
                    })
                }
                Design::Sobol {
                    base_samples,
                    sequence,
                    second_order,
                    ..
                } => {
                    if *base_samples < 2 {
                        bad(
                            "design.Sobol.base_samples".into(),
                            format!("{base_samples}: must be at least 2"),
                        );
                        ok = false;
                    }
                    if *second_order && d < 2 {
                        bad(
                            "design.Sobol.second_order".into(),
                            "second-order indices need at least two fields".into(),
                        );
                        ok = false;
                    }
                    if *sequence == Sequence::Sobol {
                        ok &= sobol_limits(kind_name, "base_samples", *base_samples, d, 2 * d, bad);
                    }
                    if e.outputs.is_empty() {
                        bad("outputs".into(), "Sobol needs at least one output".into());
                        ok = false;
                    }
                    let per_row = if *second_order {
                        2 * d as u64 + 2
                    } else {
                        d as u64 + 2
                    };
                    ok &= size_ok(
                        bad,
                        "design.Sobol.base_samples",
                        u64::from(*base_samples),
                        u64::from(*base_samples).checked_mul(per_row),
                    );
                    let n = *base_samples as usize;
                    ok.then(|| match sequence {
                        Sequence::PseudoRandom => {
                            design::saltelli_random(n, d, *second_order, &mut rng)
                        }
                        Sequence::Sobol => design::saltelli_sobol(
                            n,
                            d,
                            *second_order,
                            design::sobol_seed(&mut rng),
                        ),
                    })
                }
                Design::Morris {
                    trajectories,
                    levels,
                    ..
                } => {
                    if *trajectories < 2 {
                        bad(
                            "design.Morris.trajectories".into(),
                            format!("{trajectories}: must be at least 2 (σ needs two effects)"),
                        );
                        ok = false;
                    }
                    if *levels < 2 || !levels.is_multiple_of(2) {
                        bad(
                            "design.Morris.levels".into(),
                            format!("{levels}: must be even and at least 2 (4 is usual)"),
                        );
                        ok = false;
                    }
                    if e.outputs.is_empty() {
                        bad("outputs".into(), "Morris needs at least one output".into());
                        ok = false;
                    }
                    ok &= size_ok(
                        bad,
                        "design.Morris.trajectories",
                        u64::from(*trajectories),
                        u64::from(*trajectories).checked_mul(d as u64 + 1),
                    );
                    ok.then(|| design::morris(*trajectories as usize, d, *levels, &mut rng))
                }
                _ => unreachable!("sampled designs only"),
            };
            let layout = unit.map(|unit| Layout::Sampled {
                unit,
                ranges: bounds,
                kinds,
            });
            (layout.filter(|_| ok), fields, method)
        }
    }
}

/// Checks a Sobol' sequence design against the sequence's limits: `points` points of
/// `dims` dimensions for `fields` fields. Whether it is within them.
fn sobol_limits(
    kind_name: &str,
    what: &str,
    points: u32,
    fields: usize,
    dims: usize,
    bad: &mut dyn FnMut(String, String),
) -> bool {
    let mut ok = true;
    if points as usize > design::SOBOL_MAX_POINTS {
        bad(
            format!("design.{kind_name}.{what}"),
            format!(
                "{points}: a Sobol' sequence has at most 2^16 = {} points; use fewer or `sequence: PseudoRandom`",
                design::SOBOL_MAX_POINTS
            ),
        );
        ok = false;
    }
    if dims > design::SOBOL_MAX_DIMS {
        bad(
            format!("design.{kind_name}.ranges"),
            format!(
                "{fields} fields: a Sobol' sequence design allows at most {}; use `sequence: PseudoRandom`",
                design::SOBOL_MAX_DIMS * fields / dims
            ),
        );
        ok = false;
    }
    ok
}

/// Checks one varied field's path; returns its value in the base scenario.
fn check_field(
    label: &str,
    field: &str,
    tree: &Node,
    fields: &mut Vec<String>,
    bad: &mut dyn FnMut(String, String),
) -> Option<Node> {
    let root = field.split(['.', '[']).next().unwrap_or("");
    if RESERVED.contains(&root) {
        bad(
            label.to_string(),
            format!("`{field}` is set by the experiment (seed, replications) and cannot be varied"),
        );
        return None;
    }
    // These scenario fields share their names with columns of worlds.csv.
    let clash = match field {
        "outcome" => Some("outcome.core"),
        "agreements" => Some("agreements[0].depth"),
        _ => None,
    };
    if let Some(example) = clash {
        bad(
            label.to_string(),
            format!(
                "`{field}` is also a column of worlds.csv: vary the fields inside it one by one (such as `{example}`)"
            ),
        );
        return None;
    }
    let nested = |outer: &str, inner: &str| {
        inner.starts_with(&format!("{outer}.")) || inner.starts_with(&format!("{outer}["))
    };
    if let Some(other) = fields
        .iter()
        .find(|f| *f == field || nested(f, field) || nested(field, f))
    {
        bad(
            label.to_string(),
            format!("`{field}` overlaps `{other}`, which the design already varies"),
        );
        return None;
    }
    fields.push(field.to_string());
    match tree.get(field) {
        Ok(node) => Some(node),
        Err(err) => {
            bad(label.to_string(), err.0);
            None
        }
    }
}

/// The values of a Grid or OneAtATime factor as RON text.
fn factor_values(
    f: &Factor,
    base: Option<&Node>,
    label: &str,
    bad: &mut dyn FnMut(String, String),
) -> Option<Vec<String>> {
    match (&f.values, f.range, f.count) {
        (Some(values), None, None) => {
            if values.is_empty() {
                bad(label.into(), "`values` is empty: give at least one".into());
                return None;
            }
            Some(
                values
                    .iter()
                    .map(|v| v.get_ron().trim().to_string())
                    .collect(),
            )
        }
        (None, Some((lo, hi)), Some(count)) => {
            let kind = base?.number_kind();
            let Some(kind) = kind else {
                bad(
                    label.into(),
                    format!(
                        "is `{}` in the base scenario, not a number: list its values with `values: [..]` instead of a range",
                        base?.render(Style::Ron)
                    ),
                );
                return None;
            };
            if u64::from(count) > MAX_POINTS {
                bad(
                    label.into(),
                    format!("count {count}: allowed at most {MAX_POINTS} values"),
                );
                return None;
            }
            if !(lo.is_finite() && hi.is_finite() && lo <= hi) || count == 0 {
                bad(
                    label.into(),
                    format!(
                        "range ({lo}, {hi}) with count {count}: needs finite low ≤ high and count ≥ 1"
                    ),
                );
                return None;
            }
            Some(
                (0..count)
                    .map(|k| {
                        let x = if count == 1 {
                            lo
                        } else {
                            lo + (hi - lo) * f64::from(k) / f64::from(count - 1)
                        };
                        number_text(x, kind)
                    })
                    .collect(),
            )
        }
        _ => {
            bad(
                label.into(),
                "give either `values: [..]` or both `range: (low, high)` and `count: n`".into(),
            );
            None
        }
    }
}

/// FNV-1a, 64 bits: a stable hash (not a cryptographic one) to tell experiments apart.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}
