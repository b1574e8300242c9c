//! Typed views of the result tables of a run or sweep directory, loaded once and shared by every figure and the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::plot::table::{Col, Table};
use crate::plot::{CLASSES, PlotError};
use crate::schema::{self, agreements, countries, events, summary, timeseries};

/// Metric columns the module knows, in the order the model writes them.
///
/// Columns are looked up by these names, so a table may hold them in any order, leave out
/// the optional `g_share`, or carry extra columns that plots ignore.
pub const METRICS: [&str; 22] = {
    // The model's metric columns, then the optional public-goods share: one list, so a
    // new metric reaches the plots without a second edit.
    let mut all = [""; 22];
    let mut k = 0;
    while k < crate::metrics::METRIC_COLUMNS.len() {
        all[k] = crate::metrics::METRIC_COLUMNS[k];
        k += 1;
    }
    all[21] = crate::schema::G_SHARE;
    all
};

/// Which kind of result directory the tables came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirKind {
    /// One scenario run over one or more worlds (`timeseries.csv`, `summary.csv`, ...).
    Run,
    /// A parameter sweep (`points.csv`, `worlds.csv`, `series.csv`, `sensitivity.csv`).
    Sweep,
}

/// Identifies one simulated world; sweeps number worlds within each point.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RunKey {
    /// Sweep point, `None` in a run directory.
    pub point: Option<u64>,
    /// World index.
    pub world: u64,
}

/// Per-tick metrics of every world, from `timeseries.csv` or `series.csv`.
#[derive(Clone, Debug)]
pub struct Series {
    /// The file the series came from, for error messages.
    pub path: PathBuf,
    /// Names of the metric columns present, a subset of [`METRICS`].
    pub metrics: Vec<String>,
    /// One entry per world, sorted by key, each sorted by tick.
    pub runs: Vec<RunSeries>,
}

/// The time series of one world.
#[derive(Clone, Debug)]
pub struct RunSeries {
    /// Which world.
    pub key: RunKey,
    /// The world's seed, when the table has one.
    pub seed: Option<u64>,
    /// Ticks in increasing order.
    pub ticks: Vec<u64>,
    /// `values[metric][i]` belongs to `ticks[i]`; an empty cell is NaN.
    pub values: Vec<Vec<f64>>,
}

/// Final state and outcome class of every world, from `summary.csv` or `worlds.csv`.
#[derive(Clone, Debug)]
pub struct Outcomes {
    /// The file, for error messages.
    pub path: PathBuf,
    /// Names of the metric columns present.
    pub metrics: Vec<String>,
    /// One entry per world, sorted by key.
    pub worlds: Vec<WorldOutcome>,
}

/// One row of `summary.csv`.
#[derive(Clone, Debug)]
pub struct WorldOutcome {
    /// Which world.
    pub key: RunKey,
    /// Its seed.
    pub seed: Option<u64>,
    /// Outcome class, normally one of [`CLASSES`].
    pub outcome: String,
    /// `Converged`, `Cycling` or `MaxTicks`.
    pub stop_reason: String,
    /// Tick at which the world stopped.
    pub stop_tick: Option<u64>,
    /// Final metric values aligned with [`Outcomes::metrics`].
    pub finals: Vec<f64>,
}

/// One row of `countries.csv`: a country's final state.
#[derive(Clone, Debug)]
pub struct Country {
    /// World index.
    pub world: u64,
    /// Country id.
    pub id: u64,
    /// ISO3 code or synthetic label.
    pub iso3: String,
    /// Full name.
    pub name: String,
    /// Region label.
    pub region: String,
    /// Position in the unit square.
    pub x: f64,
    /// Position in the unit square.
    pub y: f64,
    /// Longitude in calibrated worlds.
    pub lon: Option<f64>,
    /// Latitude in calibrated worlds.
    pub lat: Option<f64>,
    /// Final GDP.
    pub gdp: f64,
    /// Final membership of M.
    pub in_m: bool,
    /// Final membership of G.
    pub in_g: bool,
    /// Locked out of M.
    pub locked: bool,
    /// Tariff wall rate, if any.
    pub wall: Option<f64>,
    /// Final primary bloc.
    pub primary_bloc: Option<u64>,
}

/// One row of `agreements.csv`.
#[derive(Clone, Debug)]
pub struct Agreement {
    /// World index.
    pub world: u64,
    /// Agreement id.
    pub id: u64,
    /// Name in the scenario (EU, RCEP, …); empty for an unnamed agreement.
    pub name: String,
    /// `Fta` or `CustomsUnion`.
    pub kind: String,
    /// Tick founded.
    pub founded: Option<u64>,
    /// Tick dissolved, if it was.
    pub dissolved: Option<u64>,
    /// Final members.
    pub members: Vec<u64>,
}

/// What an event row does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Move {
    Join,
    Leave,
    Form,
    JoinM,
    LeaveM,
    JoinG,
    LeaveG,
    Dissolve,
    TariffWall,
    GdpShift,
    Lock,
    SetRule,
    /// A move this module does not know; the replay ignores it.
    Other,
}

/// The institution an event row names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Institution {
    /// The multilateral institution M.
    M,
    /// The public-goods institution G.
    G,
    /// A regional agreement, by id.
    Agreement(u64),
    /// Empty cell.
    None,
}

/// One row of `events.csv`.
#[derive(Clone, Debug)]
pub struct Event {
    /// World index.
    pub world: u64,
    /// Tick of the move.
    pub tick: u64,
    /// Country id, if the row names one.
    pub country: Option<u64>,
    /// The move.
    pub kind: Move,
    /// The institution.
    pub institution: Institution,
    /// `initial`, `choice` or `event`.
    pub cause: String,
    /// Rate or factor for `TariffWall` and `GdpShift`.
    pub value: Option<f64>,
}

/// `points.csv` of a sweep: per-point class shares with Wilson intervals.
#[derive(Clone, Debug)]
pub struct Points {
    /// The file, for error messages.
    pub path: PathBuf,
    /// The varied fields: the columns between `point` and `n` that take more than one
    /// value (all of them when there is a single point).
    pub fields: Vec<String>,
    /// Columns between `point` and `n` with one value at every point, as in a slice of a
    /// larger grid: field and value.
    pub fixed: Vec<(String, String)>,
    /// Classes with a `p_<Class>` column, [`CLASSES`] first.
    pub classes: Vec<String>,
    /// One entry per point, in file order.
    pub rows: Vec<PointRow>,
}

/// One sweep point.
#[derive(Clone, Debug)]
pub struct PointRow {
    /// Point index.
    pub point: u64,
    /// Values of the varied fields as written.
    pub fields: Vec<String>,
    /// Worlds run at this point.
    pub n: u64,
    /// Share of worlds in each class, aligned with [`Points::classes`].
    pub shares: Vec<Share>,
}

/// A class share with its 95 % Wilson interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Share {
    /// Point estimate.
    pub p: f64,
    /// Lower bound.
    pub lo: f64,
    /// Upper bound.
    pub hi: f64,
}

/// One row of `sensitivity.csv`.
#[derive(Clone, Debug)]
#[allow(missing_docs)]
pub struct SensitivityRow {
    /// `Sobol` or `Morris`.
    pub method: String,
    pub output: String,
    pub parameter: String,
    pub s1: Option<f64>,
    pub s1_lo: Option<f64>,
    pub s1_hi: Option<f64>,
    pub st: Option<f64>,
    pub st_lo: Option<f64>,
    pub st_hi: Option<f64>,
    pub mu_star: Option<f64>,
    pub sigma: Option<f64>,
}

/// Everything a result directory holds, each table `None` when its file is absent.
#[derive(Clone, Debug)]
pub struct Tables {
    /// The result directory.
    pub dir: PathBuf,
    /// Run or sweep.
    pub kind: DirKind,
    /// `manifest.ron` as text.
    pub manifest: Option<String>,
    /// Scenario name from the manifest, else the directory name.
    pub scenario: String,
    /// `timeseries.csv` (run) or `series.csv` (sweep).
    pub series: Option<Series>,
    /// `summary.csv` (run) or `worlds.csv` (sweep).
    pub outcomes: Option<Outcomes>,
    /// `countries.csv`.
    pub countries: Option<Vec<Country>>,
    /// `agreements.csv`.
    pub agreements: Option<Vec<Agreement>>,
    /// `events.csv`.
    pub events: Option<Vec<Event>>,
    /// `points.csv`.
    pub points: Option<Points>,
    /// `sensitivity.csv`.
    pub sensitivity: Option<Vec<SensitivityRow>>,
    /// `check.csv` of `blocs reproduce`.
    pub check: Option<crate::plot::CheckRow>,
}

impl Tables {
    /// Reads every table present in `dir`.
    pub fn load(dir: &Path) -> Result<Tables, PlotError> {
        let file = |name: &str| {
            let path = dir.join(name);
            path.is_file().then_some(path)
        };
        let is_run = file(timeseries::FILE).is_some() || file(summary::FILE).is_some();
        let is_sweep = [
            schema::points::FILE,
            schema::worlds::FILE,
            schema::series::FILE,
            schema::sensitivity::FILE,
        ]
        .iter()
        .any(|name| file(name).is_some());
        let kind = match (is_run, is_sweep) {
            (true, _) => DirKind::Run,
            (false, true) => DirKind::Sweep,
            (false, false) => {
                return Err(PlotError::NotAResultDir {
                    dir: dir.to_path_buf(),
                });
            }
        };
        let (series_file, outcomes_file) = match kind {
            DirKind::Run => (timeseries::FILE, summary::FILE),
            DirKind::Sweep => (schema::series::FILE, schema::worlds::FILE),
        };
        let manifest = match file("manifest.ron") {
            Some(path) => {
                Some(std::fs::read_to_string(&path).map_err(|e| PlotError::io(&path, e))?)
            }
            None => None,
        };
        let scenario = manifest
            .as_deref()
            .and_then(scenario_name)
            .unwrap_or_else(|| {
                dir.file_name().map_or_else(
                    || "results".to_owned(),
                    |n| n.to_string_lossy().into_owned(),
                )
            });
        let read = |name: &str| file(name).map(|path| Table::read(&path)).transpose();
        Ok(Tables {
            dir: dir.to_path_buf(),
            kind,
            manifest,
            scenario,
            series: read(series_file)?.map(|t| load_series(&t)).transpose()?,
            outcomes: read(outcomes_file)?
                .map(|t| load_outcomes(&t))
                .transpose()?,
            countries: read(countries::FILE)?
                .map(|t| load_countries(&t))
                .transpose()?,
            agreements: read(agreements::FILE)?
                .map(|t| load_agreements(&t))
                .transpose()?,
            events: read(events::FILE)?.map(|t| load_events(&t)).transpose()?,
            points: read(schema::points::FILE)?
                .map(|t| load_points(&t))
                .transpose()?,
            sensitivity: read(schema::sensitivity::FILE)?
                .map(|t| load_sensitivity(&t))
                .transpose()?,
            check: read("check.csv")?
                .map(|t| crate::plot::CheckRow::load(&t))
                .transpose()?
                .flatten(),
        })
    }

    /// Number of worlds, from the outcome table or else the series.
    pub fn world_count(&self) -> usize {
        match (&self.outcomes, &self.series) {
            (Some(o), _) => o.worlds.len(),
            (None, Some(s)) => s.runs.len(),
            (None, None) => 0,
        }
    }

    /// The outcome class of a world, if `summary.csv` has it.
    pub fn outcome_of(&self, key: RunKey) -> Option<&str> {
        let outcomes = self.outcomes.as_ref()?;
        outcomes
            .worlds
            .binary_search_by_key(&key, |w| w.key)
            .ok()
            .map(|i| outcomes.worlds[i].outcome.as_str())
    }

    /// One line saying what was run, used under every figure title.
    pub fn headline(&self) -> String {
        match self.kind {
            DirKind::Run => {
                let n = self.world_count();
                let mut seeds: Vec<u64> = match (&self.outcomes, &self.series) {
                    (Some(o), _) => o.worlds.iter().filter_map(|w| w.seed).collect(),
                    (None, Some(s)) => s.runs.iter().filter_map(|r| r.seed).collect(),
                    (None, None) => Vec::new(),
                };
                seeds.sort_unstable();
                seeds.dedup();
                let seeds = match seeds.as_slice() {
                    [] => String::new(),
                    [only] => format!(" · seed {only}"),
                    [first, .., last] => format!(" · seeds {first}–{last}"),
                };
                let worlds = if n == 1 { "world" } else { "worlds" };
                format!("scenario “{}” · {n} {worlds}{seeds}", self.scenario)
            }
            DirKind::Sweep => {
                let mut parts = vec![format!("sweep “{}”", self.scenario)];
                if let Some(points) = &self.points {
                    parts.push(format!("{} points", points.rows.len()));
                    if !points.fields.is_empty() {
                        parts.push(format!("varied: {}", points.fields.join(", ")));
                    }
                    for (field, value) in &points.fixed {
                        parts.push(format!("{field} = {value}"));
                    }
                }
                let n = self.world_count();
                if n > 0 {
                    parts.push(format!("{n} worlds"));
                }
                parts.join(" · ")
            }
        }
    }
}

/// The scenario name from a `name: "...",` line; the least indented one wins, so that
/// names of nested items (countries, agreements) are not taken for it.
fn scenario_name(manifest: &str) -> Option<String> {
    manifest
        .lines()
        .filter_map(|line| {
            let indent = line.len() - line.trim_start().len();
            let rest = line.trim_start().strip_prefix("name:")?.trim_start();
            let rest = rest.strip_prefix('"')?;
            let end = rest.find('"')?;
            Some((indent, rest[..end].to_owned()))
        })
        .min_by_key(|(indent, _)| *indent)
        .map(|(_, name)| name)
}

fn metric_cols(table: &Table) -> Vec<(String, Col)> {
    METRICS
        .iter()
        .filter_map(|m| table.opt_col(m).map(|c| ((*m).to_owned(), c)))
        .collect()
}

fn run_key(table: &Table, row: usize, point: Option<Col>, world: Col) -> Result<RunKey, PlotError> {
    Ok(RunKey {
        point: point.map(|c| table.u64(row, c)).transpose()?,
        world: table.u64(row, world)?,
    })
}

fn load_series(table: &Table) -> Result<Series, PlotError> {
    let world = table.col(timeseries::WORLD)?;
    let tick = table.col(timeseries::TICK)?;
    let seed = table.opt_col(timeseries::SEED);
    let point = table.opt_col(schema::POINT);
    let metrics = metric_cols(table);
    // Per world: its seed and its (tick, metric values) rows.
    type Rows = (Option<u64>, Vec<(u64, Vec<f64>)>);
    let mut by_key: BTreeMap<RunKey, Rows> = BTreeMap::new();
    for row in 0..table.len() {
        let key = run_key(table, row, point, world)?;
        let seed = seed.map(|c| table.opt_u64(row, c)).transpose()?.flatten();
        let values = metrics
            .iter()
            .map(|(_, c)| table.f64_or_nan(row, *c))
            .collect::<Result<Vec<_>, _>>()?;
        let entry = by_key.entry(key).or_insert((seed, Vec::new()));
        entry.1.push((table.u64(row, tick)?, values));
    }
    let runs = by_key
        .into_iter()
        .map(|(key, (seed, mut rows))| {
            rows.sort_by_key(|(t, _)| *t);
            let mut values = vec![Vec::with_capacity(rows.len()); metrics.len()];
            for (_, row) in &rows {
                for (m, v) in row.iter().enumerate() {
                    values[m].push(*v);
                }
            }
            RunSeries {
                key,
                seed,
                ticks: rows.iter().map(|(t, _)| *t).collect(),
                values,
            }
        })
        .collect();
    Ok(Series {
        path: table.path().to_path_buf(),
        metrics: metrics.into_iter().map(|(m, _)| m).collect(),
        runs,
    })
}

impl Series {
    /// Index of a metric column.
    pub fn metric(&self, name: &str) -> Option<usize> {
        self.metrics.iter().position(|m| m == name)
    }

    /// Index of a metric column that a figure cannot do without.
    pub(crate) fn require(&self, name: &str) -> Result<usize, PlotError> {
        self.metric(name).ok_or_else(|| PlotError::MissingColumn {
            path: self.path.clone(),
            column: name.to_owned(),
        })
    }

    /// Largest tick of any world.
    pub fn max_tick(&self) -> u64 {
        self.runs
            .iter()
            .filter_map(|r| r.ticks.last().copied())
            .max()
            .unwrap_or(0)
    }
}

impl RunSeries {
    /// The value at `tick`, carrying a stopped world's last value forward; `None` before
    /// its first tick.
    pub fn value_at(&self, metric: usize, tick: u64) -> Option<f64> {
        let i = self.ticks.partition_point(|&t| t <= tick);
        (i > 0).then(|| self.values[metric][i - 1])
    }
}

fn load_outcomes(table: &Table) -> Result<Outcomes, PlotError> {
    let world = table.col(summary::WORLD)?;
    let outcome = table.col(summary::OUTCOME)?;
    let seed = table.opt_col(summary::SEED);
    let point = table.opt_col(schema::POINT);
    let stop_reason = table.opt_col(summary::STOP_REASON);
    let stop_tick = table.opt_col(summary::STOP_TICK);
    let metrics = metric_cols(table);
    let mut worlds = Vec::with_capacity(table.len());
    for row in 0..table.len() {
        let outcome_text = table.text(row, outcome);
        if outcome_text.is_empty() {
            return Err(table.bad(row, outcome, "an outcome class is required here"));
        }
        worlds.push(WorldOutcome {
            key: run_key(table, row, point, world)?,
            seed: seed.map(|c| table.opt_u64(row, c)).transpose()?.flatten(),
            outcome: outcome_text.to_owned(),
            stop_reason: stop_reason
                .map(|c| table.text(row, c).to_owned())
                .unwrap_or_default(),
            stop_tick: stop_tick
                .map(|c| table.opt_u64(row, c))
                .transpose()?
                .flatten(),
            finals: metrics
                .iter()
                .map(|(_, c)| table.f64_or_nan(row, *c))
                .collect::<Result<_, _>>()?,
        });
    }
    worlds.sort_by_key(|w| w.key);
    Ok(Outcomes {
        path: table.path().to_path_buf(),
        metrics: metrics.into_iter().map(|(m, _)| m).collect(),
        worlds,
    })
}

impl Outcomes {
    /// Worlds per class: [`CLASSES`] first (zeros included), then any other class seen.
    pub fn class_counts(&self) -> Vec<(String, usize)> {
        let mut counts: Vec<(String, usize)> =
            CLASSES.iter().map(|c| ((*c).to_owned(), 0)).collect();
        for w in &self.worlds {
            match counts.iter_mut().find(|(c, _)| *c == w.outcome) {
                Some((_, n)) => *n += 1,
                None => counts.push((w.outcome.clone(), 1)),
            }
        }
        counts
    }
}

fn load_countries(table: &Table) -> Result<Vec<Country>, PlotError> {
    let world = table.col(countries::WORLD)?;
    let id = table.col(countries::ID)?;
    let iso3 = table.col(countries::ISO3)?;
    let x = table.col(countries::X)?;
    let y = table.col(countries::Y)?;
    let gdp = table.col(countries::GDP)?;
    let in_m = table.col(countries::IN_M)?;
    let name = table.opt_col(countries::NAME);
    let region = table.opt_col(countries::REGION);
    let lon = table.opt_col(countries::LON);
    let lat = table.opt_col(countries::LAT);
    let in_g = table.opt_col(countries::IN_G);
    let locked = table.opt_col(countries::LOCKED);
    let wall = table.opt_col(countries::WALL);
    let primary = table.opt_col(countries::PRIMARY_BLOC);
    let text = |row, col: Option<Col>| {
        col.map(|c| table.text(row, c).to_owned())
            .unwrap_or_default()
    };
    let opt_f = |row, col: Option<Col>| {
        col.map(|c| table.opt_f64(row, c))
            .transpose()
            .map(Option::flatten)
    };
    let flag = |row, col: Option<Col>| {
        col.map(|c| table.bool(row, c))
            .transpose()
            .map(|b| b.unwrap_or(false))
    };
    (0..table.len())
        .map(|row| {
            let gdp_value = table.f64(row, gdp)?;
            if !(gdp_value.is_finite() && gdp_value >= 0.0) {
                return Err(table.bad(row, gdp, "GDP must be a finite number ≥ 0"));
            }
            Ok(Country {
                world: table.u64(row, world)?,
                id: table.u64(row, id)?,
                iso3: table.text(row, iso3).to_owned(),
                name: text(row, name),
                region: text(row, region),
                x: table.f64(row, x)?,
                y: table.f64(row, y)?,
                lon: opt_f(row, lon)?,
                lat: opt_f(row, lat)?,
                gdp: gdp_value,
                in_m: table.bool(row, in_m)?,
                in_g: flag(row, in_g)?,
                locked: flag(row, locked)?,
                wall: opt_f(row, wall)?,
                primary_bloc: primary
                    .map(|c| table.opt_u64(row, c))
                    .transpose()?
                    .flatten(),
            })
        })
        .collect()
}

fn load_agreements(table: &Table) -> Result<Vec<Agreement>, PlotError> {
    let world = table.col(agreements::WORLD)?;
    let id = table.col(agreements::ID)?;
    let name = table.opt_col(agreements::NAME);
    let kind = table.opt_col(agreements::KIND);
    let founded = table.opt_col(agreements::FOUNDED);
    let dissolved = table.opt_col(agreements::DISSOLVED);
    let members = table.opt_col(agreements::MEMBERS);
    (0..table.len())
        .map(|row| {
            let id_value = table.u64(row, id)?;
            let member_ids = match members {
                Some(c) => table
                    .text(row, c)
                    .split(';')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| {
                        s.parse::<u64>()
                            .map_err(|_| table.bad(row, c, "expected `;`-separated country ids"))
                    })
                    .collect::<Result<Vec<_>, _>>()?,
                None => Vec::new(),
            };
            let name_text = name.map(|c| table.text(row, c)).unwrap_or("");
            Ok(Agreement {
                world: table.u64(row, world)?,
                id: id_value,
                // Unnamed agreements keep an empty name: figures call them after
                // their largest member, which says more than a bare id.
                name: name_text.to_owned(),
                kind: kind
                    .map(|c| table.text(row, c).to_owned())
                    .unwrap_or_default(),
                founded: founded
                    .map(|c| table.opt_u64(row, c))
                    .transpose()?
                    .flatten(),
                dissolved: dissolved
                    .map(|c| table.opt_u64(row, c))
                    .transpose()?
                    .flatten(),
                members: member_ids,
            })
        })
        .collect()
}

fn load_events(table: &Table) -> Result<Vec<Event>, PlotError> {
    let world = table.col(events::WORLD)?;
    let tick = table.col(events::TICK)?;
    let country = table.col(events::COUNTRY)?;
    let kind = table.col(events::MOVE)?;
    let institution = table.col(events::INSTITUTION)?;
    let cause = table.opt_col(events::CAUSE);
    let value = table.opt_col(events::VALUE);
    let mut events = (0..table.len())
        .map(|row| {
            let institution = match table.text(row, institution) {
                "" => Institution::None,
                "M" => Institution::M,
                "G" => Institution::G,
                other => Institution::Agreement(other.parse().map_err(|_| {
                    table.bad(row, institution, "expected `M`, `G` or an agreement id")
                })?),
            };
            Ok(Event {
                world: table.u64(row, world)?,
                tick: table.u64(row, tick)?,
                country: table.opt_u64(row, country)?,
                kind: parse_move(table.text(row, kind)),
                institution,
                cause: cause
                    .map(|c| table.text(row, c).to_owned())
                    .unwrap_or_default(),
                // A SetRule row's value names the new rule, not a number.
                value: match value {
                    Some(_) if table.text(row, kind) == "SetRule" => None,
                    Some(c) => table.opt_f64(row, c)?,
                    None => None,
                },
            })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    // Stable: rows of one tick keep their file order, which is the order they happened in.
    events.sort_by_key(|e| (e.world, e.tick));
    Ok(events)
}

fn parse_move(text: &str) -> Move {
    match text {
        "Join" => Move::Join,
        "Leave" => Move::Leave,
        // A bridge's founding rows enter their members into it, as a Form's do.
        "Form" | "Bridge" => Move::Form,
        "JoinM" => Move::JoinM,
        "LeaveM" => Move::LeaveM,
        "JoinG" => Move::JoinG,
        "LeaveG" => Move::LeaveG,
        "Dissolve" => Move::Dissolve,
        "TariffWall" => Move::TariffWall,
        "GdpShift" => Move::GdpShift,
        "Lock" => Move::Lock,
        "SetRule" => Move::SetRule,
        _ => Move::Other,
    }
}

fn load_points(table: &Table) -> Result<Points, PlotError> {
    let point = table.col(schema::POINT)?;
    let n = table.col(schema::points::N)?;
    let headers = table.headers();
    let (point_at, n_at) = (
        headers.iter().position(|h| h == schema::POINT).unwrap_or(0),
        headers
            .iter()
            .position(|h| h == schema::points::N)
            .unwrap_or(0),
    );
    if n_at < point_at {
        return Err(PlotError::inconsistent(
            table.path(),
            "column `n` must come after `point`, with the varied fields between them",
        ));
    }
    let fields: Vec<String> = headers[point_at + 1..n_at].to_vec();
    let mut classes: Vec<String> = CLASSES
        .iter()
        .filter(|c| {
            table
                .opt_col(&schema::points::share_columns(c)[0])
                .is_some()
        })
        .map(|c| (*c).to_owned())
        .collect();
    for h in headers {
        if let Some(class) = h.strip_prefix(schema::points::SHARE_PREFIX)
            && !class.ends_with("_lo")
            && !class.ends_with("_hi")
            && !classes.iter().any(|c| c == class)
        {
            classes.push(class.to_owned());
        }
    }
    let class_cols = classes
        .iter()
        .map(|c| {
            let [p, lo, hi] = schema::points::share_columns(c);
            Ok((table.col(&p)?, table.opt_col(&lo), table.opt_col(&hi)))
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    let rows = (0..table.len())
        .map(|row| {
            let shares = class_cols
                .iter()
                .map(|&(p, lo, hi)| {
                    let p = table.f64(row, p)?;
                    let bound = |c: Option<Col>| -> Result<f64, PlotError> {
                        Ok(c.map(|c| table.opt_f64(row, c))
                            .transpose()?
                            .flatten()
                            .unwrap_or(p))
                    };
                    Ok(Share {
                        p,
                        lo: bound(lo)?,
                        hi: bound(hi)?,
                    })
                })
                .collect::<Result<Vec<_>, PlotError>>()?;
            Ok(PointRow {
                point: table.u64(row, point)?,
                fields: (point_at + 1..n_at)
                    .map(|i| table.text(row, table.col_at(i)).to_owned())
                    .collect(),
                n: table.u64(row, n)?,
                shares,
            })
        })
        .collect::<Result<Vec<_>, PlotError>>()?;
    let mut rows = rows;
    let constant: Vec<bool> = (0..fields.len())
        .map(|f| rows.len() > 1 && rows.iter().all(|r| r.fields[f] == rows[0].fields[f]))
        .collect();
    let fixed = (0..fields.len())
        .filter(|&f| constant[f])
        .map(|f| (fields[f].clone(), rows[0].fields[f].clone()))
        .collect();
    let keep = |values: Vec<String>| -> Vec<String> {
        values
            .into_iter()
            .zip(&constant)
            .filter(|(_, c)| !**c)
            .map(|(v, _)| v)
            .collect()
    };
    for r in &mut rows {
        r.fields = keep(std::mem::take(&mut r.fields));
    }
    Ok(Points {
        path: table.path().to_path_buf(),
        fields: keep(fields),
        fixed,
        classes,
        rows,
    })
}

impl Points {
    /// The share of `class` at a point, zero when the table has no column for it.
    pub fn share(&self, row: &PointRow, class: &str) -> Share {
        self.classes.iter().position(|c| c == class).map_or(
            Share {
                p: 0.0,
                lo: 0.0,
                hi: 0.0,
            },
            |i| row.shares[i],
        )
    }
}

fn load_sensitivity(table: &Table) -> Result<Vec<SensitivityRow>, PlotError> {
    use schema::sensitivity as s;
    let method = table.col(s::METHOD)?;
    let output = table.col(s::OUTPUT)?;
    let parameter = table.col(s::PARAMETER)?;
    let cols: Vec<Option<Col>> = [
        s::S1,
        s::S1_LO,
        s::S1_HI,
        s::ST,
        s::ST_LO,
        s::ST_HI,
        s::MU_STAR,
        s::SIGMA,
    ]
    .iter()
    .map(|c| table.opt_col(c))
    .collect();
    (0..table.len())
        .map(|row| {
            let v = cols
                .iter()
                .map(|c| {
                    c.map(|c| table.opt_f64(row, c))
                        .transpose()
                        .map(Option::flatten)
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(SensitivityRow {
                method: table.text(row, method).to_owned(),
                output: table.text(row, output).to_owned(),
                parameter: table.text(row, parameter).to_owned(),
                s1: v[0],
                s1_lo: v[1],
                s1_hi: v[2],
                st: v[3],
                st_lo: v[4],
                st_hi: v[5],
                mu_star: v[6],
                sigma: v[7],
            })
        })
        .collect()
}
