//! Result files: the only library module that writes to disk.
//!
//! A run's directory is written whole into a temporary sibling and renamed into place,
//! so a reader never sees half a result, and an existing result is replaced only with
//! `force`. Every file but `manifest.ron` is a pure function of the scenario and seed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::Scenario;
use crate::metrics::{METRIC_COLUMNS, Metrics, fmt, primary_blocs};
use crate::model::{InstitutionSel, Kind, MemberRule};
use crate::scheduler::WorldResult;

/// Why results could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The result directory exists and `--force` was not given.
    #[error("{0} already exists; pass --force to replace it")]
    Exists(PathBuf),
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

/// Fails with [`OutputError::Exists`] if `dir` exists and `force` is false.
pub fn check_target(dir: &Path, force: bool) -> Result<(), OutputError> {
    if dir.exists() && !force {
        return Err(OutputError::Exists(dir.to_path_buf()));
    }
    Ok(())
}

/// Writes `files` (name, bytes) into `dir` atomically.
pub fn write_dir_atomically(
    dir: &Path,
    force: bool,
    files: &[(&str, Vec<u8>)],
) -> Result<(), OutputError> {
    check_target(dir, force)?;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutputError::Io { path, source }
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    fs::create_dir_all(parent).map_err(io(parent))?;
    let base = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let tmp = parent.join(format!(".{base}.tmp-{}", std::process::id()));
    if tmp.exists() {
        fs::remove_dir_all(&tmp).map_err(io(&tmp))?;
    }
    fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    for (name, bytes) in files {
        let path = tmp.join(name);
        let mut f = fs::File::create(&path).map_err(io(&path))?;
        f.write_all(bytes).map_err(io(&path))?;
        f.sync_all().map_err(io(&path))?;
    }
    if dir.exists() {
        let old = parent.join(format!(".{base}.old-{}", std::process::id()));
        fs::rename(dir, &old).map_err(io(dir))?;
        fs::rename(&tmp, dir).map_err(io(dir))?;
        fs::remove_dir_all(&old).map_err(io(&old))?;
    } else {
        fs::rename(&tmp, dir).map_err(io(dir))?;
    }
    Ok(())
}

fn csv_bytes(
    name: &str,
    header: &[String],
    rows: impl Iterator<Item = Vec<String>>,
) -> Result<Vec<u8>, OutputError> {
    let err = |source| OutputError::Csv {
        path: PathBuf::from(name),
        source,
    };
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header).map_err(err)?;
    for row in rows {
        w.write_record(&row).map_err(err)?;
    }
    w.into_inner().map_err(|e| OutputError::Io {
        path: PathBuf::from(name),
        source: e.into_error(),
    })
}

fn strings(cols: &[&str]) -> Vec<String> {
    cols.iter().map(|s| s.to_string()).collect()
}

fn metric_header(with_g: bool) -> Vec<String> {
    let mut h = strings(&METRIC_COLUMNS);
    if with_g {
        h.push("g_share".into());
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
    let mut h = strings(&["world", "seed", "outcome", "stop_reason", "stop_tick"]);
    h.extend(metric_header(with_g));
    h
}

/// Header of `timeseries.csv`.
pub fn timeseries_header(with_g: bool) -> Vec<String> {
    let mut h = strings(&["world", "seed", "tick"]);
    h.extend(metric_header(with_g));
    h
}

/// Every result file of a run, as (name, bytes), in a fixed order.
pub fn run_files(
    manifest: &Manifest,
    results: &[WorldResult],
) -> Result<Vec<(&'static str, Vec<u8>)>, OutputError> {
    let with_g = manifest.scenario.public_goods.is_some();
    let pretty = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ".to_string());
    let manifest_text = crate::config::ron_options()
        .to_string_pretty(manifest, pretty)
        .expect("manifests serialise");
    let timeseries = csv_bytes(
        "timeseries.csv",
        &timeseries_header(with_g),
        results.iter().flat_map(timeseries_rows),
    )?;
    let summary = csv_bytes(
        "summary.csv",
        &summary_header(with_g),
        results.iter().map(summary_row),
    )?;
    let countries = csv_bytes(
        "countries.csv",
        &strings(&[
            "world",
            "id",
            "iso3",
            "name",
            "region",
            "x",
            "y",
            "lon",
            "lat",
            "gdp",
            "in_m",
            "in_g",
            "locked",
            "wall",
            "agreements",
            "primary_bloc",
            "utility",
            "gain",
        ]),
        results.iter().flat_map(|r| {
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
        }),
    )?;
    let agreements = csv_bytes(
        "agreements.csv",
        &strings(&[
            "world",
            "id",
            "name",
            "kind",
            "depth",
            "rule",
            "reach",
            "founded",
            "dissolved",
            "members",
            "gdp_share",
        ]),
        results.iter().flat_map(|r| {
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
        }),
    )?;
    let events = csv_bytes(
        "events.csv",
        &strings(&[
            "world",
            "tick",
            "country",
            "iso3",
            "move",
            "institution",
            "cause",
            "value",
        ]),
        results.iter().flat_map(|r| {
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
        }),
    )?;
    Ok(vec![
        ("manifest.ron", manifest_text.into_bytes()),
        ("timeseries.csv", timeseries),
        ("countries.csv", countries),
        ("agreements.csv", agreements),
        ("events.csv", events),
        ("summary.csv", summary),
    ])
}
