//! Sweep result files: streaming `worlds.csv` and `series.csv` to disk, resuming after a
//! kill, merging shards, and deriving `points.csv` and `sensitivity.csv`.
//!
//! A sweep writes into `OUT.partial/` and renames it to `OUT/` only when everything is
//! written, so `OUT/` always holds a finished sweep, as for `blocs run`. Rows are appended
//! in world order. For every world the `series.csv` rows are flushed before its
//! `worlds.csv` row is written, so a complete line in `worlds.csv` means the world is
//! wholly on disk; a resume keeps exactly those worlds, cuts any half-written line, and
//! drops series rows of worlds beyond them. `points.csv` and `sensitivity.csv` are computed
//! at the end by reading `worlds.csv` back in one pass: floats are written in their
//! shortest round-trip form, so they read back to the same bits, and a merged or resumed
//! sweep derives byte-identical tables.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::ron_options;
use crate::metrics::{METRIC_COLUMNS, Outcome, fmt};
use crate::output::{summary_header, summary_row, timeseries_header, timeseries_rows};
use crate::rng::{RNG_ALGORITHM, WorldRng};
use crate::scheduler::WorldResult;
use crate::schema;
use crate::sweep::design::BOOTSTRAP_STREAM;
use crate::sweep::experiment::{Experiment, ExperimentError, Method, Plan};
use crate::sweep::sensitivity;
use crate::sweep::stats::{Moments, wilson};

/// How world streams and design draws are derived, as written into sweep manifests.
pub const SWEEP_RNG: &str = "world i = point × replications + replicate runs on ChaCha8 (rand_chacha 0.10) seed_from_u64(master_seed), set_stream(i); designs draw from stream 2^64−1, bootstrap resamples from stream 2^64−2";

/// Why a sweep's files could not be written, resumed or merged.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// The experiment is bad.
    #[error(transparent)]
    Experiment(#[from] ExperimentError),
    /// The result directory exists and `--force` was not given.
    #[error("{} already exists; pass --force to replace it", .0.display())]
    Exists(PathBuf),
    /// An unfinished sweep is in the way.
    #[error("{} holds an unfinished sweep; pass --resume to continue it or --force to start over", .0.display())]
    Unfinished(PathBuf),
    /// An unfinished sweep of another experiment is in the way.
    #[error("{} holds an unfinished sweep of a different experiment or shard ({found}; this one is {expected}); pass --force to start over", dir.display())]
    Different {
        /// The directory.
        dir: PathBuf,
        /// What it holds.
        found: String,
        /// What was asked for.
        expected: String,
    },
    /// A file is not what a sweep writes.
    #[error("{}: {message}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// Shards do not form one sweep.
    #[error("cannot merge: {0}")]
    Merge(String),
    /// Another blocs process is writing this unfinished sweep.
    #[error("{} is being written by another blocs process (its worlds.csv is locked); wait for it to finish or stop it before resuming", .0.display())]
    Busy(PathBuf),
    /// The result directory could not be checked, staged or put in place.
    #[error(transparent)]
    Output(#[from] crate::output::OutputError),
    /// A file could not be read or written.
    #[error("cannot access {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV row could not be read or written.
    #[error("cannot process {}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: csv::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn csv_err(path: &Path) -> impl FnOnce(csv::Error) -> SweepError + '_ {
    move |source| SweepError::Csv {
        path: path.to_path_buf(),
        source,
    }
}

/// Whether a sweep directory is finished.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    /// Worlds are still being written (`OUT.partial/`).
    Running,
    /// Every file is written.
    Complete,
}

/// Shard `index` of `count` (1-based), as `--shard I/N` gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// 1..=count.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

/// Why a `--shard` value is not a shard (each variant holds the text given).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum ShardError {
    /// No `/`.
    #[error("--shard {0}: expected I/N, such as 2/8")]
    NoSlash(String),
    /// Not two numbers with 1 ≤ I ≤ N.
    #[error("--shard {0}: expected I/N with 1 ≤ I ≤ N, such as 2/8")]
    OutOfRange(String),
}

impl Shard {
    /// Parses `I/N` with 1 ≤ I ≤ N.
    pub fn parse(text: &str) -> Result<Shard, ShardError> {
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| ShardError::NoSlash(text.to_string()))?;
        let (index, count) = (i.trim().parse::<u32>(), n.trim().parse::<u32>());
        match (index, count) {
            (Ok(index), Ok(count)) if count >= 1 && (1..=count).contains(&index) => {
                Ok(Shard { index, count })
            }
            _ => Err(ShardError::OutOfRange(text.to_string())),
        }
    }

    /// The worlds of this shard: the `index`-th of `count` contiguous, nearly equal ranges.
    pub fn range(self, worlds: u64) -> std::ops::Range<u64> {
        let at = |k: u32| (u128::from(worlds) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index - 1)..at(self.index)
    }
}

/// What a sweep directory's `manifest.ron` records.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepManifest {
    /// blocs version.
    pub blocs_version: String,
    /// The experiment file as given.
    pub experiment_file: String,
    /// Hash of the resolved experiment and blocs version; shards merge only when equal.
    pub experiment_hash: String,
    /// Running or complete.
    pub status: Status,
    /// Worlds of the whole experiment.
    pub worlds: u64,
    /// Design points.
    pub points: u64,
    /// Worlds per point.
    pub replications: u32,
    /// The shard this directory holds, if it is one.
    pub shard: Option<Shard>,
    /// First world in this directory.
    pub first_world: u64,
    /// One past the last world in this directory.
    pub end_world: u64,
    /// The generator.
    pub rng: String,
    /// How world streams and design draws are derived.
    pub streams: String,
    /// Threads of the last invocation (results do not depend on it).
    pub threads: usize,
    /// The command line of the last invocation.
    pub command_line: Vec<String>,
    /// Seconds since the Unix epoch when the manifest was written.
    pub created_unix: u64,
    /// The experiment with its base scenario written out.
    pub experiment: Experiment,
}

impl SweepManifest {
    /// A manifest for `plan` covering `range`.
    pub fn new(
        plan: &Plan,
        shard: Option<Shard>,
        status: Status,
        threads: usize,
        command_line: &[String],
    ) -> SweepManifest {
        let range = shard.map_or(0..plan.worlds(), |s| s.range(plan.worlds()));
        SweepManifest {
            blocs_version: env!("CARGO_PKG_VERSION").to_string(),
            experiment_file: plan.file.clone(),
            experiment_hash: plan.hash.clone(),
            status,
            worlds: plan.worlds(),
            points: plan.points,
            replications: plan.replications,
            shard,
            first_world: range.start,
            end_world: range.end,
            rng: RNG_ALGORITHM.to_string(),
            streams: SWEEP_RNG.to_string(),
            threads,
            command_line: command_line.to_vec(),
            created_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            experiment: plan.experiment.clone(),
        }
    }

    /// Reads `DIR/manifest.ron`.
    pub fn read(dir: &Path) -> Result<SweepManifest, SweepError> {
        let path = dir.join("manifest.ron");
        let text = fs::read_to_string(&path).map_err(|source| SweepError::Io {
            path: path.clone(),
            source,
        })?;
        ron_options().from_str(&text).map_err(|e| SweepError::Corrupt {
            path: path.clone(),
            message: if text.contains("\n    scenario_file: ") {
                format!(
                    "{} holds the results of `blocs run`, not of a sweep: `merge` and `--from-sweep` take directories written by `blocs sweep` (for merge, its shards)",
                    dir.display()
                )
            } else {
                format!("not a sweep manifest ({e})")
            },
        })
    }

    /// The plan the manifest's experiment describes.
    pub fn plan(&self, dir: &Path) -> Result<Plan, SweepError> {
        let name = self.experiment.name.clone().unwrap_or_default();
        Ok(Plan::new(
            self.experiment.clone(),
            &dir.join("manifest.ron"),
            dir,
            &name,
        )?)
    }

    fn write(&self, dir: &Path) -> Result<(), SweepError> {
        let pretty = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("    ".to_string());
        let text = ron_options()
            .to_string_pretty(self, pretty)
            .expect("manifests serialise");
        // Replaced by rename, so a kill leaves the old manifest or the new one.
        let tmp = dir.join("manifest.ron.tmp");
        fs::write(&tmp, text).map_err(io(&tmp))?;
        let path = dir.join("manifest.ron");
        fs::rename(&tmp, &path).map_err(io(&path))
    }
}

/// The directory an unfinished sweep into `out` is written to: `OUT.partial`.
pub fn partial_dir(out: &Path) -> PathBuf {
    let mut name = out
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_else(|| "sweep".into());
    name.push(".partial");
    out.with_file_name(name)
}

/// Header of `worlds.csv`: `summary.csv`'s columns, then `point`, `replicate` and the
/// varied fields.
pub fn worlds_header(plan: &Plan) -> Vec<String> {
    let mut h = summary_header(plan.with_g);
    h.push(schema::POINT.into());
    h.push(schema::REPLICATE.into());
    h.extend(plan.fields.iter().cloned());
    h
}

/// Header of `series.csv`: `timeseries.csv`'s columns, then `point` and `replicate`.
pub fn series_header(plan: &Plan) -> Vec<String> {
    let mut h = timeseries_header(plan.with_g);
    h.push(schema::POINT.into());
    h.push(schema::REPLICATE.into());
    h
}

/// One world's lines, ready to append.
#[derive(Clone, Debug, Default)]
pub struct WorldRows {
    /// Its `series.csv` lines (empty unless recorded).
    pub series: Vec<u8>,
    /// Its `worlds.csv` line.
    pub world: Vec<u8>,
}

fn csv_line(rows: impl IntoIterator<Item = Vec<String>>) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for row in rows {
        w.write_record(&row).expect("writing to memory cannot fail");
    }
    w.into_inner().expect("writing to memory cannot fail")
}

fn pad_g(mut row: Vec<String>, width: usize) -> Vec<String> {
    // A point without the public-goods module has no g_share in a sweep where another
    // point has one: the cell stays empty.
    row.resize(width, String::new());
    row
}

/// Formats one world's rows (on the worker thread, so the writer only copies bytes).
pub fn world_rows(plan: &Plan, r: &WorldResult, cells: &[String], record: bool) -> WorldRows {
    let (point, replicate) = plan.point_of(r.world_index);
    let tail = [point.to_string(), replicate.to_string()];
    let summary_width = summary_header(plan.with_g).len();
    let series_width = timeseries_header(plan.with_g).len();
    let mut row = pad_g(summary_row(r), summary_width);
    row.extend(tail.iter().cloned());
    row.extend(cells.iter().cloned());
    let series = if record {
        csv_line(timeseries_rows(r).map(|s| {
            let mut s = pad_g(s, series_width);
            s.extend(tail.iter().cloned());
            s
        }))
    } else {
        Vec::new()
    };
    WorldRows {
        series,
        world: csv_line([row]),
    }
}

/// Appends rows to an unfinished sweep directory.
pub struct SweepWriter {
    dir: PathBuf,
    worlds: File,
    series: BufWriter<File>,
    /// Next world expected.
    pub next: u64,
}

/// Opens the unfinished directory of a sweep into `out`: a fresh one, or the one a killed
/// run left when `resume` is set. Returns the writer, positioned at the first world still
/// to run.
pub fn open(
    plan: &Plan,
    out: &Path,
    shard: Option<Shard>,
    resume: bool,
    force: bool,
    manifest: &SweepManifest,
) -> Result<SweepWriter, SweepError> {
    if out.exists() && !force {
        return Err(SweepError::Exists(out.to_path_buf()));
    }
    crate::output::check_target(out, force)?;
    let partial = partial_dir(out);
    let range = shard.map_or(0..plan.worlds(), |s| s.range(plan.worlds()));
    if partial.exists() && !partial.join("manifest.ron").exists() {
        // Killed before the manifest, which is written before any row: nothing to keep.
        fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    if partial.exists() {
        // Nothing is read, cut or removed while another process writes here.
        let lock = lock_partial(&partial)?;
        if resume {
            let found = SweepManifest::read(&partial)?;
            if found.experiment_hash != plan.hash || found.shard != shard {
                let describe = |hash: &str, shard: Option<Shard>| {
                    format!(
                        "experiment {hash}{}",
                        shard.map_or(String::new(), |s| format!(
                            ", shard {}/{}",
                            s.index, s.count
                        ))
                    )
                };
                return Err(SweepError::Different {
                    dir: partial,
                    found: describe(&found.experiment_hash, found.shard),
                    expected: describe(&plan.hash, shard),
                });
            }
            let done = recover(plan, &partial, range.start)?;
            drop(lock);
            return SweepWriter::append(&partial, range.start + done);
        }
        if !force {
            return Err(SweepError::Unfinished(partial));
        }
        drop(lock);
        fs::remove_dir_all(&partial).map_err(io(&partial))?;
    }
    fs::create_dir_all(&partial).map_err(io(&partial))?;
    manifest.write(&partial)?;
    let worlds = partial.join(schema::worlds::FILE);
    fs::write(&worlds, csv_line([worlds_header(plan)])).map_err(io(&worlds))?;
    let series = partial.join(schema::series::FILE);
    fs::write(&series, csv_line([series_header(plan)])).map_err(io(&series))?;
    SweepWriter::append(&partial, range.start)
}

/// Takes the advisory lock of an unfinished sweep: an exclusive lock on its `worlds.csv`,
/// held by the writer until the sweep is published, so that a second `--resume` (or a
/// `--force` start) on the same directory is refused instead of interleaving rows.
fn lock_partial(dir: &Path) -> Result<File, SweepError> {
    let path = dir.join(schema::worlds::FILE);
    let file = match OpenOptions::new().append(true).open(&path) {
        Ok(file) => file,
        // Killed before worlds.csv existed: nobody writes here.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return File::open(dir).map_err(io(dir));
        }
        Err(e) => return Err(io(&path)(e)),
    };
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(SweepError::Busy(dir.to_path_buf())),
        Err(fs::TryLockError::Error(e)) => Err(io(&path)(e)),
    }
}

impl SweepWriter {
    fn append(dir: &Path, next: u64) -> Result<SweepWriter, SweepError> {
        let open = |name: &str| {
            let path = dir.join(name);
            OpenOptions::new()
                .append(true)
                .open(&path)
                .map_err(io(&path))
        };
        let worlds = lock_partial(dir)?;
        Ok(SweepWriter {
            dir: dir.to_path_buf(),
            worlds,
            series: BufWriter::with_capacity(1 << 16, open(schema::series::FILE)?),
            next,
        })
    }

    /// Appends world `index`'s rows; worlds must come in order.
    pub fn push(&mut self, index: u64, rows: &WorldRows) -> Result<(), SweepError> {
        assert_eq!(index, self.next, "worlds reach the writer in order");
        if !rows.series.is_empty() {
            let path = self.dir.join(schema::series::FILE);
            self.series.write_all(&rows.series).map_err(io(&path))?;
            // Its series must be on disk before the world's line says it is done.
            self.series.flush().map_err(io(&path))?;
        }
        let path = self.dir.join(schema::worlds::FILE);
        self.worlds.write_all(&rows.world).map_err(io(&path))?;
        self.next += 1;
        Ok(())
    }

    /// Syncs the files; returns the directory and its lock, to hold until it is published.
    pub fn close(mut self) -> Result<(PathBuf, File), SweepError> {
        let path = self.dir.join(schema::series::FILE);
        self.series.flush().map_err(io(&path))?;
        self.series.get_ref().sync_all().map_err(io(&path))?;
        let path = self.dir.join(schema::worlds::FILE);
        self.worlds.sync_all().map_err(io(&path))?;
        Ok((self.dir, self.worlds))
    }
}

/// Cuts an unfinished directory back to its last whole world; returns how many worlds
/// it holds.
fn recover(plan: &Plan, dir: &Path, first: u64) -> Result<u64, SweepError> {
    let worlds_path = dir.join(schema::worlds::FILE);
    let header = csv_line([worlds_header(plan)]);
    let lines = cut_to_whole_lines(&worlds_path)?;
    if lines == 0 {
        // Killed before the header was whole.
        fs::write(&worlds_path, &header).map_err(io(&worlds_path))?;
    } else {
        let mut got = vec![0; header.len()];
        let n = File::open(&worlds_path)
            .and_then(|mut f| f.read(&mut got))
            .map_err(io(&worlds_path))?;
        if got[..n] != header[..] {
            return Err(SweepError::Corrupt {
                path: worlds_path,
                message: "the header is not the one this experiment writes".into(),
            });
        }
    }
    let done = lines.saturating_sub(1);
    if done > 0 {
        let last = last_line(&worlds_path)?;
        let world = first_field(&last);
        if world != Some(first + done - 1) {
            return Err(SweepError::Corrupt {
                path: worlds_path,
                message: format!(
                    "{done} rows should end with world {}, but the last row is world {}",
                    first + done - 1,
                    world.map_or("?".into(), |w| w.to_string())
                ),
            });
        }
    }
    // Series rows of worlds past the last whole one were written before it was killed.
    let series_path = dir.join(schema::series::FILE);
    let series_lines = cut_to_whole_lines(&series_path)?;
    if series_lines == 0 {
        fs::write(&series_path, csv_line([series_header(plan)])).map_err(io(&series_path))?;
    } else {
        let file = File::open(&series_path).map_err(io(&series_path))?;
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let mut offset = 0u64;
        let mut cut = None;
        let mut first_line = true;
        loop {
            line.clear();
            let n = reader
                .read_until(b'\n', &mut line)
                .map_err(io(&series_path))?;
            if n == 0 {
                break;
            }
            if !first_line && first_field(&line).is_none_or(|w| w >= first + done) {
                cut = Some(offset);
                break;
            }
            first_line = false;
            offset += n as u64;
        }
        if let Some(at) = cut {
            truncate(&series_path, at)?;
        }
    }
    Ok(done)
}

fn first_field(line: &[u8]) -> Option<u64> {
    let end = line.iter().position(|&b| b == b',')?;
    std::str::from_utf8(&line[..end]).ok()?.parse().ok()
}

fn truncate(path: &Path, len: u64) -> Result<(), SweepError> {
    OpenOptions::new()
        .write(true)
        .open(path)
        .and_then(|f| f.set_len(len))
        .map_err(io(path))
}

/// Drops a half-written last line; returns the number of whole lines.
fn cut_to_whole_lines(path: &Path) -> Result<u64, SweepError> {
    let mut file = File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    // Search back from the end for the last newline, a block at a time.
    let mut end = len;
    let mut keep = 0;
    let mut buf = vec![0u8; 1 << 16];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(io(path))?;
        file.read_exact(chunk).map_err(io(path))?;
        if let Some(at) = chunk.iter().rposition(|&b| b == b'\n') {
            keep = start + at as u64 + 1;
            break;
        }
        end = start;
    }
    if keep < len {
        truncate(path, keep)?;
    }
    let mut lines = 0u64;
    let mut reader = BufReader::new(File::open(path).map_err(io(path))?);
    loop {
        let chunk = reader.fill_buf().map_err(io(path))?;
        if chunk.is_empty() {
            break;
        }
        lines += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = chunk.len();
        reader.consume(n);
    }
    Ok(lines)
}

/// The last line of a file that ends with a newline (without reading all of it).
fn last_line(path: &Path) -> Result<Vec<u8>, SweepError> {
    let mut file = File::open(path).map_err(io(path))?;
    let len = file.metadata().map_err(io(path))?.len();
    let mut tail = Vec::new();
    let mut end = len;
    while end > 0 {
        let start = end.saturating_sub(1 << 14);
        let mut chunk = vec![0u8; (end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(io(path))?;
        file.read_exact(&mut chunk).map_err(io(path))?;
        chunk.extend_from_slice(&tail);
        tail = chunk;
        // The newline that ends the file does not count.
        if let Some(at) = tail[..tail.len() - 1].iter().rposition(|&b| b == b'\n') {
            return Ok(tail[at + 1..].to_vec());
        }
        end = start;
    }
    Ok(tail)
}

/// Writes `points.csv` and, for Sobol and Morris designs, `sensitivity.csv` into `dir`
/// from its `worlds.csv`.
pub fn derive_tables(plan: &Plan, dir: &Path) -> Result<(), SweepError> {
    let worlds_path = dir.join(schema::worlds::FILE);
    let mut reader = csv::Reader::from_path(&worlds_path).map_err(csv_err(&worlds_path))?;
    let header = reader.headers().map_err(csv_err(&worlds_path))?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| SweepError::Corrupt {
                path: worlds_path.clone(),
                message: format!("no `{name}` column"),
            })
    };
    let point_col = col(schema::POINT)?;
    let outcome_col = col(schema::summary::OUTCOME)?;
    let first_field = point_col + 2;
    let mut metrics: Vec<String> = vec!["stop_tick".into()];
    metrics.extend(METRIC_COLUMNS.iter().map(|m| m.to_string()));
    if plan.with_g {
        metrics.push(schema::G_SHARE.into());
    }
    let metric_cols = metrics
        .iter()
        .map(|m| col(m))
        .collect::<Result<Vec<_>, _>>()?;

    let points_path = dir.join(schema::points::FILE);
    let file = File::create(&points_path).map_err(io(&points_path))?;
    let mut out = csv::Writer::from_writer(BufWriter::new(file));
    let mut head: Vec<String> = vec![schema::POINT.into()];
    head.extend(plan.fields.iter().cloned());
    head.push(schema::points::N.into());
    for m in &metrics {
        for s in schema::points::METRIC_STATS {
            head.push(schema::points::metric_column(m, s));
        }
    }
    for c in Outcome::ALL {
        head.extend(schema::points::share_columns(c.as_str()));
    }
    out.write_record(&head).map_err(csv_err(&points_path))?;

    // Sensitivity outputs: the mean over replicates at each point.
    let outputs = &plan.experiment.outputs;
    let wants_outputs = matches!(plan.method, Method::Sobol { .. } | Method::Morris);
    let mut output_values: Vec<Vec<f64>> = vec![Vec::new(); outputs.len()];

    struct Acc {
        point: u64,
        cells: Vec<String>,
        n: u64,
        moments: Vec<Moments>,
        classes: [u64; 5],
    }
    let flush = |acc: &Acc,
                 out: &mut csv::Writer<BufWriter<File>>,
                 output_values: &mut Vec<Vec<f64>>|
     -> Result<(), SweepError> {
        let opt = |x: Option<f64>| x.map(fmt).unwrap_or_default();
        let mut row = vec![acc.point.to_string()];
        row.extend(acc.cells.iter().cloned());
        row.push(acc.n.to_string());
        for m in &acc.moments {
            let ci = m.ci95();
            row.extend([
                opt(m.mean()),
                opt(m.sd()),
                opt(ci.map(|c| c.0)),
                opt(ci.map(|c| c.1)),
            ]);
        }
        for k in acc.classes {
            let (lo, hi) = wilson(k, acc.n);
            row.extend([fmt(k as f64 / acc.n as f64), fmt(lo), fmt(hi)]);
        }
        out.write_record(&row).map_err(csv_err(&points_path))?;
        if wants_outputs {
            for (o, name) in outputs.iter().enumerate() {
                let v = if let Some(class) = name.strip_prefix("p_") {
                    let k = Outcome::ALL
                        .iter()
                        .position(|c| c.as_str() == class)
                        .map_or(0, |i| acc.classes[i]);
                    k as f64 / acc.n as f64
                } else {
                    let m = metrics.iter().position(|m| m == name).expect("checked");
                    acc.moments[m].mean().unwrap_or(f64::NAN)
                };
                output_values[o].push(v);
            }
        }
        Ok(())
    };

    let check_count = |n: &u64, point: u64| {
        if *n == u64::from(plan.replications) {
            Ok(())
        } else {
            Err(SweepError::Corrupt {
                path: worlds_path.clone(),
                message: format!(
                    "point {point} has {n} worlds, but the experiment has {} replications",
                    plan.replications
                ),
            })
        }
    };
    let mut acc: Option<Acc> = None;
    let mut points_seen = 0u64;
    let mut record = csv::StringRecord::new();
    while reader
        .read_record(&mut record)
        .map_err(csv_err(&worlds_path))?
    {
        let point: u64 = record
            .get(point_col)
            .and_then(|p| p.parse().ok())
            .ok_or_else(|| SweepError::Corrupt {
                path: worlds_path.clone(),
                message: format!("row {}: bad point", points_seen),
            })?;
        if acc.as_ref().is_none_or(|a| a.point != point) {
            if let Some(a) = acc.take() {
                check_count(&a.n, a.point)?;
                flush(&a, &mut out, &mut output_values)?;
            }
            if point != points_seen {
                return Err(SweepError::Corrupt {
                    path: worlds_path.clone(),
                    message: format!("expected point {points_seen} next, found point {point}"),
                });
            }
            points_seen += 1;
            acc = Some(Acc {
                point,
                cells: (first_field..record.len())
                    .map(|i| record[i].to_string())
                    .collect(),
                n: 0,
                moments: vec![Moments::default(); metrics.len()],
                classes: [0; 5],
            });
        }
        let a = acc.as_mut().expect("set above");
        a.n += 1;
        for (m, &c) in metric_cols.iter().enumerate() {
            if let Ok(x) = record[c].parse::<f64>() {
                a.moments[m].push(x);
            }
        }
        if let Some(k) = Outcome::ALL
            .iter()
            .position(|c| c.as_str() == &record[outcome_col])
        {
            a.classes[k] += 1;
        }
    }
    if let Some(a) = acc.take() {
        check_count(&a.n, a.point)?;
        flush(&a, &mut out, &mut output_values)?;
    }
    if points_seen != plan.points {
        return Err(SweepError::Corrupt {
            path: worlds_path,
            message: format!("{points_seen} points, but the design has {}", plan.points),
        });
    }
    let file = out.into_inner().map_err(|e| SweepError::Io {
        path: points_path.clone(),
        source: e.into_error(),
    })?;
    file.into_inner()
        .map_err(|e| SweepError::Io {
            path: points_path.clone(),
            source: e.into_error(),
        })?
        .sync_all()
        .map_err(io(&points_path))?;

    if wants_outputs {
        write_sensitivity(plan, dir, &output_values)?;
    }
    Ok(())
}

fn write_sensitivity(plan: &Plan, dir: &Path, values: &[Vec<f64>]) -> Result<(), SweepError> {
    let mut rows: Vec<Vec<String>> = vec![schema::sensitivity::COLUMNS.map(String::from).to_vec()];
    let mut second: Vec<Vec<String>> =
        vec![schema::sensitivity_s2::COLUMNS.map(String::from).to_vec()];
    let mut convergence: Vec<Vec<String>> = vec![
        schema::sensitivity_convergence::COLUMNS
            .map(String::from)
            .to_vec(),
    ];
    let opt = |x: Option<f64>| x.filter(|v| v.is_finite()).map(fmt).unwrap_or_default();
    let d = plan.fields.len();
    // One generator for every resample, outputs in the experiment's order.
    let mut rng = WorldRng::new(plan.seed(), BOOTSTRAP_STREAM);
    for (name, y) in plan.experiment.outputs.iter().zip(values) {
        match plan.method {
            Method::Sobol {
                base_samples,
                second_order,
            } => {
                let idx = sensitivity::sobol(
                    y,
                    base_samples,
                    d,
                    second_order,
                    plan.experiment.bootstrap,
                    &mut rng,
                );
                for (field, s) in plan.fields.iter().zip(idx.first) {
                    let mut row = vec!["Sobol".to_string(), name.clone(), field.clone()];
                    row.extend([s.s1, s.s1_lo, s.s1_hi, s.st, s.st_lo, s.st_hi].map(opt));
                    row.extend([String::new(), String::new(), String::new()]);
                    rows.push(row);
                }
                for s in idx.second {
                    let mut row = vec![
                        name.clone(),
                        plan.fields[s.i].clone(),
                        plan.fields[s.j].clone(),
                    ];
                    row.extend([s.s2, s.lo, s.hi].map(opt));
                    second.push(row);
                }
                for (m, est) in sensitivity::convergence(y, base_samples, d, second_order) {
                    for (i, field) in plan.fields.iter().enumerate() {
                        convergence.push(vec![
                            name.clone(),
                            field.clone(),
                            m.to_string(),
                            opt(est.as_ref().map(|e| e.s1[i])),
                            opt(est.as_ref().map(|e| e.st[i])),
                        ]);
                    }
                }
            }
            Method::Morris => {
                let unit = plan.unit_points().expect("Morris designs are sampled");
                let idx = sensitivity::morris(unit, y);
                for (field, m) in plan.fields.iter().zip(idx) {
                    let mut row = vec!["Morris".to_string(), name.clone(), field.clone()];
                    row.extend(std::iter::repeat_n(String::new(), 6));
                    row.extend([opt(Some(m.mu_star)), opt(m.sigma), opt(Some(m.mu))]);
                    rows.push(row);
                }
            }
            _ => {}
        }
    }
    let path = dir.join(schema::sensitivity::FILE);
    fs::write(&path, csv_line(rows)).map_err(io(&path))?;
    if let Method::Sobol {
        second_order: true, ..
    } = plan.method
    {
        let path = dir.join(schema::sensitivity_s2::FILE);
        fs::write(&path, csv_line(second)).map_err(io(&path))?;
    }
    if let Method::Sobol { .. } = plan.method {
        let path = dir.join(schema::sensitivity_convergence::FILE);
        fs::write(&path, csv_line(convergence)).map_err(io(&path))?;
    }
    Ok(())
}

/// Finishes a sweep: derives the tables (unless it is a shard), writes the final
/// manifest, and renames `OUT.partial` to `out`, replacing `out` only with `force`.
pub fn finish(
    plan: &Plan,
    partial: &Path,
    out: &Path,
    force: bool,
    manifest: &SweepManifest,
) -> Result<(), SweepError> {
    finish_with(plan, partial, out, force, manifest, &mut |_| Ok(()))
}

/// [`finish`], calling `before_publish` on the directory once every table and the final
/// manifest are in it, before the rename.
pub fn finish_with<E: From<SweepError>>(
    plan: &Plan,
    partial: &Path,
    out: &Path,
    force: bool,
    manifest: &SweepManifest,
    before_publish: &mut dyn FnMut(&Path) -> Result<(), E>,
) -> Result<(), E> {
    if manifest.shard.is_none() {
        derive_tables(plan, partial)?;
    }
    manifest.write(partial)?;
    before_publish(partial)?;
    crate::output::replace_dir(partial, out, force).map_err(|e| E::from(e.into()))
}

/// Merges complete shard directories into `out`, which then holds exactly the files an
/// unsharded run writes (only the manifest's informational fields differ). Returns the
/// plan of the merged sweep.
pub fn merge(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    command_line: &[String],
) -> Result<Plan, SweepError> {
    merge_with(dirs, out, force, command_line, &mut |_| Ok(()))
}

/// [`merge`], calling `before_publish` on the merged directory before it is renamed into
/// place.
pub fn merge_with<E: From<SweepError>>(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    command_line: &[String],
    before_publish: &mut dyn FnMut(&Path) -> Result<(), E>,
) -> Result<Plan, E> {
    if out.exists() && !force {
        return Err(SweepError::Exists(out.to_path_buf()).into());
    }
    crate::output::check_target(out, force).map_err(SweepError::from)?;
    let (plan, staging) = merge_staged(dirs, out, force, command_line)?;
    before_publish(staging.path())?;
    staging.publish(force).map_err(SweepError::from)?;
    Ok(plan)
}

/// Writes the merged sweep into a staging directory for `out`.
fn merge_staged(
    dirs: &[PathBuf],
    out: &Path,
    force: bool,
    command_line: &[String],
) -> Result<(Plan, crate::output::Staging), SweepError> {
    let mut shards = Vec::new();
    for dir in dirs {
        let m = SweepManifest::read(dir)?;
        if m.status != Status::Complete {
            return Err(SweepError::Merge(format!(
                "{} is not finished (status {:?})",
                dir.display(),
                m.status
            )));
        }
        let Some(shard) = m.shard else {
            return Err(SweepError::Merge(format!(
                "{} is a whole sweep, not a shard",
                dir.display()
            )));
        };
        shards.push((shard, dir.clone(), m));
    }
    let Some((_, first_dir, first)) = shards.first().cloned() else {
        return Err(SweepError::Merge("no shard directories given".into()));
    };
    for (_, dir, m) in &shards {
        if m.experiment_hash != first.experiment_hash {
            return Err(SweepError::Merge(format!(
                "{} is from a different experiment than {} (experiment hash {} vs {})",
                dir.display(),
                first_dir.display(),
                m.experiment_hash,
                first.experiment_hash
            )));
        }
    }
    let count = shards[0].0.count;
    shards.sort_by_key(|(s, _, _)| s.index);
    let indices: Vec<u32> = shards.iter().map(|(s, _, _)| s.index).collect();
    if shards.iter().any(|(s, _, _)| s.count != count) || indices != (1..=count).collect::<Vec<_>>()
    {
        let missing: Vec<String> = (1..=count)
            .filter(|i| !indices.contains(i))
            .map(|i| format!("{i}/{count}"))
            .collect();
        return Err(SweepError::Merge(format!(
            "need each of shards 1/{count}..{count}/{count} exactly once; got {}{}",
            shards
                .iter()
                .map(|(s, _, _)| format!("{}/{}", s.index, s.count))
                .collect::<Vec<_>>()
                .join(", "),
            if missing.is_empty() {
                String::new()
            } else {
                format!(" (missing {})", missing.join(", "))
            }
        )));
    }
    let plan = first.plan(&first_dir)?;
    if plan.hash != first.experiment_hash {
        return Err(SweepError::Merge(format!(
            "the shards were made by blocs {} (experiment hash {}), which differs from this blocs {} (hash {})",
            first.blocs_version,
            first.experiment_hash,
            env!("CARGO_PKG_VERSION"),
            plan.hash
        )));
    }
    let staging = crate::output::Staging::new(out, force).map_err(SweepError::from)?;
    let tmp = staging.path().to_path_buf();
    for (name, header) in [
        (schema::worlds::FILE, csv_line([worlds_header(&plan)])),
        (schema::series::FILE, csv_line([series_header(&plan)])),
    ] {
        let path = tmp.join(name);
        let mut w = BufWriter::new(File::create(&path).map_err(io(&path))?);
        w.write_all(&header).map_err(io(&path))?;
        for (shard, dir, m) in &shards {
            let want = shard.range(plan.worlds());
            if (m.first_world, m.end_world) != (want.start, want.end) {
                return Err(SweepError::Merge(format!(
                    "{} holds worlds {}..{}, but shard {}/{} is worlds {}..{}",
                    dir.display(),
                    m.first_world,
                    m.end_world,
                    shard.index,
                    shard.count,
                    want.start,
                    want.end
                )));
            }
            let src = dir.join(name);
            let mut r = BufReader::new(File::open(&src).map_err(io(&src))?);
            let mut head = Vec::new();
            r.read_until(b'\n', &mut head).map_err(io(&src))?;
            if head != header {
                return Err(SweepError::Merge(format!(
                    "{} has a different header",
                    src.display()
                )));
            }
            std::io::copy(&mut r, &mut w).map_err(io(&path))?;
        }
        w.into_inner()
            .map_err(|e| SweepError::Io {
                path: path.clone(),
                source: e.into_error(),
            })?
            .sync_all()
            .map_err(io(&path))?;
    }
    let mut manifest = SweepManifest::new(&plan, None, Status::Complete, 0, command_line);
    manifest.experiment_file = first.experiment_file.clone();
    derive_tables(&plan, &tmp)?;
    manifest.write(&tmp)?;
    Ok((plan, staging))
}
