//! Result files: the only library module that writes to disk.
//!
//! A run's directory is written whole into a temporary sibling and renamed into place,
//! so a reader never sees half a result, and an existing result is replaced only with
//! `force`. Every file but `manifest.ron` is a pure function of the scenario and seed.

use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Scenario;
use crate::metrics::{METRIC_COLUMNS, Metrics, fmt, primary_blocs};
use crate::model::{InstitutionSel, Kind, MemberRule};
use crate::scheduler::WorldResult;
use crate::schema;

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The result directory exists and `--force` was not given.
    #[error("{0} already exists; pass --force to replace it")]
    Exists(PathBuf),
    /// `--force` was given, but the directory in the way is not one blocs wrote.
    #[error("{} exists and is not a result directory written by blocs (no blocs manifest.ron in it); --force replaces only blocs's own results: move or delete it yourself", .0.display())]
    NotOurs(PathBuf),
    /// A name that would become a directory is not one safe path component.
    #[error("{field} `{}` cannot name a result directory: {reason}", name.escape_debug())]
    BadName {
        /// The field or argument the name comes from.
        field: String,
        /// The name as given.
        name: String,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV row could not be written.
    #[error("cannot write {}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a manifest records besides the scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Manifest {
    /// blocs version.
    pub blocs_version: String,
    /// The scenario file, or `built-in default`.
    pub scenario_file: String,
    /// Master seed.
    pub master_seed: u64,
    /// Worlds run.
    pub worlds: u64,
    /// The generator and how a world's stream is derived.
    pub rng: String,
    /// The trade module.
    pub trade_model: String,
    /// Threads used (results do not depend on it).
    pub threads: usize,
    /// The command line.
    pub command_line: Vec<String>,
    /// Seconds since the Unix epoch when the run finished.
    pub created_unix: u64,
    /// The resolved scenario, every field.
    pub scenario: Scenario,
}

impl Manifest {
    /// The manifest as RON text.
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("    ".to_string());
        crate::config::ron_options()
            .to_string_pretty(self, pretty)
            .expect("manifests serialise")
    }
}

/// The trade module a scenario runs, as manifests name it.
pub fn trade_model_name(spec: &crate::model::TradeSpec) -> &'static str {
    use crate::model::TradeSpec;
    match spec {
        TradeSpec::Gravity => "Gravity",
        TradeSpec::KrugmanCes { .. } => "KrugmanCes",
        TradeSpec::Cournot { .. } => "Cournot",
    }
}

/// The first bytes of every manifest blocs writes (runs, sweeps, docking): how `--force`
/// tells blocs's own result directories from anything else.
const MANIFEST_START: &str = "(\n    blocs_version: ";

/// Whether `dir` is a real directory (not a link) holding a manifest that blocs wrote.
pub fn is_blocs_dir(dir: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return false;
    };
    if !meta.is_dir() {
        return false;
    }
    let mut head = [0u8; MANIFEST_START.len()];
    fs::File::open(dir.join("manifest.ron"))
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
        .is_ok_and(|()| head == MANIFEST_START.as_bytes())
}

/// Checks that `dir` may be written: absent, or (with `force`) a directory blocs wrote.
pub fn check_target(dir: &Path, force: bool) -> Result<(), OutputError> {
    if fs::symlink_metadata(dir).is_err() {
        return Ok(());
    }
    if !force {
        return Err(OutputError::Exists(dir.to_path_buf()));
    }
    if !is_blocs_dir(dir) {
        return Err(OutputError::NotOurs(dir.to_path_buf()));
    }
    Ok(())
}

/// Checks that `name` can be a result directory's name on its own: one path component
/// that cannot climb out of, hide in or replace the folder it is put in, on any system.
pub fn check_name(field: &str, name: &str) -> Result<(), OutputError> {
    let reason = crate::config::path_component_problem(name);
    match reason {
        None => Ok(()),
        Some(reason) => Err(OutputError::BadName {
            field: field.into(),
            name: name.into(),
            reason,
        }),
    }
}

/// The file a staging directory holds locked while its writer lives: a staging directory
/// whose lock can be taken belongs to a dead run and may be deleted.
const LOCK_FILE: &str = ".blocs-writing";

/// Prefix and infixes of blocs's staging directories: `.NAME.tmp-PID` (being written),
/// `.NAME.old-PID` (the replaced result, while it is being swapped out).
const STAGING: [&str; 2] = [".tmp-", ".old-"];

fn parent_of(dir: &Path) -> &Path {
    dir.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn base_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into())
}

/// Creates `path` as a directory holding a locked [`LOCK_FILE`]; the lock lasts as long
/// as the returned file.
fn locked_dir(path: &Path) -> Result<fs::File, OutputError> {
    fs::create_dir(path).map_err(io(path))?;
    let lock_path = path.join(LOCK_FILE);
    let lock = fs::File::create(&lock_path).map_err(io(&lock_path))?;
    lock.try_lock().map_err(|e| OutputError::Io {
        path: lock_path.clone(),
        source: e.into(),
    })?;
    Ok(lock)
}

/// Deletes the staging directories of dead runs in `parent`, and puts back a result a
/// dead run had moved aside but not yet replaced. Only directories carrying blocs's lock
/// file whose lock is free are touched: a live writer holds its lock, and nothing else
/// carries one.
pub fn clean_stale(parent: &Path) -> Result<Vec<PathBuf>, OutputError> {
    let mut cleaned = Vec::new();
    let Ok(entries) = fs::read_dir(parent) else {
        return Ok(cleaned);
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(kind) = STAGING
            .iter()
            .find(|k| name.starts_with('.') && name.contains(*k))
        else {
            continue;
        };
        let path = entry.path();
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let Ok(lock) = fs::OpenOptions::new()
            .write(true)
            .open(path.join(LOCK_FILE))
        else {
            continue;
        };
        if lock.try_lock().is_err() {
            continue;
        }
        if *kind == ".old-" {
            // `.NAME.old-PID/old` is NAME as it was before a --force run replaced it; if
            // that run died between the two renames, NAME is missing: put it back.
            let target = parent.join(&name[1..name.rfind(kind).unwrap_or(1)]);
            let old = path.join("old");
            if fs::symlink_metadata(&target).is_err() && old.exists() {
                fs::rename(&old, &target).map_err(io(&target))?;
            }
        }
        fs::remove_dir_all(&path).map_err(io(&path))?;
        cleaned.push(path);
    }
    Ok(cleaned)
}

/// Moves `from` into place at `to`, replacing a blocs result at `to` only with `force`.
///
/// The old result is first moved into a locked `.NAME.old-PID/` directory, so that a run
/// killed between the two renames leaves something [`clean_stale`] can put back.
pub fn replace_dir(from: &Path, to: &Path, force: bool) -> Result<(), OutputError> {
    check_target(to, force)?;
    if fs::symlink_metadata(to).is_err() {
        return fs::rename(from, to).map_err(io(to));
    }
    let aside = parent_of(to).join(format!(".{}.old-{}", base_name(to), std::process::id()));
    if aside.exists() {
        fs::remove_dir_all(&aside).map_err(io(&aside))?;
    }
    let lock = locked_dir(&aside)?;
    fs::rename(to, aside.join("old")).map_err(io(to))?;
    fs::rename(from, to).map_err(io(to))?;
    fs::remove_dir_all(&aside).map_err(io(&aside))?;
    drop(lock);
    Ok(())
}

/// A hidden sibling directory a result is written into before it is renamed into place,
/// so that a result directory is complete or absent.
#[derive(Debug)]
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
    /// Held until the staging directory is published or removed.
    _lock: fs::File,
}

impl Staging {
    /// Checks `target` (absent, or a blocs result and `force`), deletes what dead runs left
    /// next to it, and creates the staging directory.
    pub fn new(target: &Path, force: bool) -> Result<Staging, OutputError> {
        check_target(target, force)?;
        let parent = parent_of(target);
        fs::create_dir_all(parent).map_err(io(parent))?;
        clean_stale(parent)?;
        let dir = parent.join(format!(".{}.tmp-{}", base_name(target), std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).map_err(io(&dir))?;
        }
        let lock = locked_dir(&dir)?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
            _lock: lock,
        })
    }

    /// The staging directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes and syncs one file into the staging directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<(), OutputError> {
        let path = self.dir.join(name);
        let mut f = fs::File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))
    }

    /// Renames the staging directory to the target (checked again: something may have
    /// appeared there while the run ran).
    pub fn publish(self, force: bool) -> Result<PathBuf, OutputError> {
        // Checked while the lock file is still in place: if this fails, the staging
        // directory is removed on drop (or, if the process dies, by the next run).
        check_target(&self.target, force)?;
        let lock_path = self.dir.join(LOCK_FILE);
        fs::remove_file(&lock_path).map_err(io(&lock_path))?;
        replace_dir(&self.dir, &self.target, force)?;
        Ok(self.target.clone())
    }
}

impl Drop for Staging {
    /// A run that fails before publishing leaves nothing behind.
    fn drop(&mut self) {
        if self.dir.join(LOCK_FILE).exists() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

/// Writes and syncs one file, creating its folder: for files added to a result directory
/// that is still staged (not yet renamed into place).
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let parent = parent_of(path);
    fs::create_dir_all(parent).map_err(io(parent))?;
    let mut f = fs::File::create(path).map_err(io(path))?;
    f.write_all(bytes).map_err(io(path))?;
    f.sync_all().map_err(io(path))
}

/// Writes `files` (name, bytes) into `dir` atomically.
pub fn write_dir_atomically(
    dir: &Path,
    force: bool,
    files: &[(&str, Vec<u8>)],
) -> Result<(), OutputError> {
    let staging = Staging::new(dir, force)?;
    for (name, bytes) in files {
        staging.write(name, bytes)?;
    }
    staging.publish(force)?;
    Ok(())
}

fn strings(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

fn metric_header(with_g: bool) -> Vec<String> {
    let mut h = strings(&METRIC_COLUMNS);
    if with_g {
        h.push(schema::G_SHARE.into());
    }
    h
}

fn institution(i: Option<InstitutionSel>) -> String {
    match i {
        None => String::new(),
        Some(InstitutionSel::M) => "M".into(),
        Some(InstitutionSel::G) => "G".into(),
        Some(InstitutionSel::Agreement(k)) => k.to_string(),
    }
}

/// The rows of `timeseries.csv` for one world.
pub fn timeseries_rows(r: &WorldResult) -> impl Iterator<Item = Vec<String>> + '_ {
    r.series.iter().map(move |m: &Metrics| {
        let mut row = vec![
            r.world_index.to_string(),
            r.master_seed.to_string(),
            m.tick.to_string(),
        ];
        row.extend(m.values());
        row
    })
}

/// The row of `summary.csv` for one world.
pub fn summary_row(r: &WorldResult) -> Vec<String> {
    let mut row = vec![
        r.world_index.to_string(),
        r.master_seed.to_string(),
        r.outcome.as_str().to_string(),
        r.stop_reason.as_str().to_string(),
        r.stop_tick.to_string(),
    ];
    row.extend(r.last().values());
    row
}

/// Header of `summary.csv`.
pub fn summary_header(with_g: bool) -> Vec<String> {
    let mut h = strings(&schema::summary::KEY_COLUMNS);
    h.extend(metric_header(with_g));
    h
}

/// Header of `timeseries.csv`.
pub fn timeseries_header(with_g: bool) -> Vec<String> {
    let mut h = strings(&schema::timeseries::KEY_COLUMNS);
    h.extend(metric_header(with_g));
    h
}

/// The five tables of a run, in the order [`run_files`] lists them after the manifest.
pub use crate::schema::RUN_TABLES;

/// One world's lines of each table of [`RUN_TABLES`], formatted (on a worker thread, so
/// that the writer only copies bytes and no world's state waits in memory).
#[derive(Clone, Debug, Default)]
pub struct RunRows(pub [Vec<u8>; 5]);

fn csv_lines(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("writing to memory cannot fail")
}

/// The header lines of [`RUN_TABLES`].
pub fn run_headers(with_g: bool) -> RunRows {
    RunRows([
        csv_lines([timeseries_header(with_g)]),
        csv_lines([strings(&schema::countries::COLUMNS)]),
        csv_lines([strings(&schema::agreements::COLUMNS)]),
        csv_lines([strings(&schema::events::COLUMNS)]),
        csv_lines([summary_header(with_g)]),
    ])
}

/// The rows of `countries.csv` for one world.
fn country_rows(r: &WorldResult) -> impl Iterator<Item = Vec<String>> + '_ {
    let w = &r.world;
    let primary = primary_blocs(w);
    (0..w.n()).map(move |i| {
        let c = &w.countries[i];
        vec![
            r.world_index.to_string(),
            i.to_string(),
            c.iso3.clone(),
            c.name.clone(),
            c.region.to_string(),
            fmt(c.pos[0]),
            fmt(c.pos[1]),
            c.lonlat.map(|p| fmt(p[0])).unwrap_or_default(),
            c.lonlat.map(|p| fmt(p[1])).unwrap_or_default(),
            fmt(c.gdp),
            w.in_m[i].to_string(),
            w.in_g[i].to_string(),
            w.locked[i].to_string(),
            w.wall[i].map(fmt).unwrap_or_default(),
            w.memberships(i as u32).len().to_string(),
            primary[i].map(|k| k.to_string()).unwrap_or_default(),
            fmt(r.utility[i]),
            fmt((r.utility[i] - r.initial_utility[i]) / c.gdp),
        ]
    })
}

/// The rows of `agreements.csv` for one world.
fn agreement_rows(r: &WorldResult) -> impl Iterator<Item = Vec<String>> + '_ {
    let w = &r.world;
    let total = w.total_gdp();
    w.agreements.iter().enumerate().map(move |(k, a)| {
        let gdp: f64 = a
            .members()
            .iter()
            .map(|&m| w.countries[m as usize].gdp)
            .sum();
        vec![
            r.world_index.to_string(),
            k.to_string(),
            a.spec.name.clone(),
            match a.spec.kind {
                Kind::Fta => "Fta".into(),
                Kind::CustomsUnion => "CustomsUnion".into(),
            },
            fmt(a.spec.depth),
            match a.spec.rule {
                MemberRule::Open => "Open".into(),
                MemberRule::Unanimity => "Unanimity".into(),
                MemberRule::Majority => "Majority".into(),
            },
            if a.spec.reach.is_infinite() {
                "inf".into()
            } else {
                fmt(a.spec.reach)
            },
            a.founded.to_string(),
            a.dissolved.map(|t| t.to_string()).unwrap_or_default(),
            a.members()
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(";"),
            fmt(gdp / total),
        ]
    })
}

/// The rows of `events.csv` for one world.
fn event_rows(r: &WorldResult) -> impl Iterator<Item = Vec<String>> + '_ {
    r.log.iter().map(move |row| {
        vec![
            r.world_index.to_string(),
            row.tick.to_string(),
            row.country.map(|c| c.to_string()).unwrap_or_default(),
            row.country
                .map(|c| r.world.countries[c as usize].iso3.clone())
                .unwrap_or_default(),
            row.what.as_str().to_string(),
            institution(row.institution),
            row.cause.as_str().to_string(),
            row.value.clone().unwrap_or_default(),
        ]
    })
}

/// One world's lines of every table.
pub fn run_rows(r: &WorldResult) -> RunRows {
    RunRows([
        csv_lines(timeseries_rows(r)),
        csv_lines(country_rows(r)),
        csv_lines(agreement_rows(r)),
        csv_lines(event_rows(r)),
        csv_lines([summary_row(r)]),
    ])
}

/// Streams a run's tables into a directory, one world at a time in world order.
#[derive(Debug)]
pub struct RunWriter {
    files: Vec<(PathBuf, BufWriter<fs::File>)>,
}

impl RunWriter {
    /// Creates the tables in `dir` and writes their headers.
    pub fn create(dir: &Path, with_g: bool) -> Result<RunWriter, OutputError> {
        let mut writer = RunWriter { files: Vec::new() };
        for name in RUN_TABLES {
            let path = dir.join(name);
            let file = fs::File::create(&path).map_err(io(&path))?;
            writer
                .files
                .push((path, BufWriter::with_capacity(1 << 16, file)));
        }
        writer.push(&run_headers(with_g))?;
        Ok(writer)
    }

    /// Appends one world's rows.
    pub fn push(&mut self, rows: &RunRows) -> Result<(), OutputError> {
        for ((path, w), bytes) in self.files.iter_mut().zip(&rows.0) {
            w.write_all(bytes).map_err(io(path))?;
        }
        Ok(())
    }

    /// Flushes and syncs every table.
    pub fn close(self) -> Result<(), OutputError> {
        for (path, w) in self.files {
            let file = w.into_inner().map_err(|e| OutputError::Io {
                path: path.clone(),
                source: e.into_error(),
            })?;
            file.sync_all().map_err(io(&path))?;
        }
        Ok(())
    }
}

/// Every result file of a run, as (name, bytes), in a fixed order: the same bytes
/// [`RunWriter`] streams to disk.
pub fn run_files(
    manifest: &Manifest,
    results: &[WorldResult],
) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    let RunRows(mut tables) = run_headers(manifest.scenario.public_goods.is_some());
    for r in results {
        for (table, rows) in tables.iter_mut().zip(run_rows(r).0) {
            table.extend_from_slice(&rows);
        }
    }
    let [timeseries, countries, agreements, events, summary] = tables;
    Ok(vec![
        ("manifest.ron", manifest.to_ron().into_bytes()),
        (schema::timeseries::FILE, timeseries),
        (schema::countries::FILE, countries),
        (schema::agreements::FILE, agreements),
        (schema::events::FILE, events),
        (schema::summary::FILE, summary),
    ])
}
