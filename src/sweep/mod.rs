//! Sweeps: many worlds over a design of scenario fields, streamed to disk in world order.
//!
//! - [`experiment`] reads and checks experiment files and says which scenario each world
//!   runs ([`experiment::Plan`]);
//! - [`design`] draws the sampling designs, [`sensitivity`] estimates Sobol and Morris
//!   indices, [`discover`] runs PRIM for scenario discovery, [`stats`] has every
//!   statistical formula of the shell (intervals, quantiles, t and binomial tails);
//! - [`run`] runs worlds on a thread pool and hands results over in index order;
//! - [`files`] writes, resumes and merges the result directories;
//! - [`tree`] sets a scenario field by its path.
//!
//! World i of a sweep is point `i / replications`, replicate `i % replications`, and runs
//! on stream i of the experiment's master seed, so it equals `run_world` of its point's
//! scenario with that seed and stream, whatever the threads or shards.

pub mod design;
pub mod discover;
pub mod experiment;
pub mod files;
pub mod run;
pub mod sensitivity;
pub mod stats;
pub mod tree;

use std::ops::Range;
use std::path::PathBuf;

use crate::runner::RunError;
use crate::scheduler::run_world;
use experiment::{Plan, PointSpec};
use files::{Shard, Status, SweepError, SweepManifest, WorldRows};

/// How to run a sweep.
#[derive(Clone, Debug)]
pub struct Options {
    /// The result directory.
    pub out: PathBuf,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Continue an unfinished sweep into `out` if there is one.
    pub resume: bool,
    /// Run only this shard.
    pub shard: Option<Shard>,
    /// Replace `out` (and an unfinished sweep, unless resuming).
    pub force: bool,
    /// The command line, for the manifest.
    pub command_line: Vec<String>,
}

/// What a sweep did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Summary {
    /// Worlds run by this invocation.
    pub ran: u64,
    /// Worlds a killed run had already finished.
    pub resumed: u64,
    /// Worker threads.
    pub threads: usize,
}

/// Why a sweep failed: its files, or its threads.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Files.
    #[error(transparent)]
    Files(#[from] SweepError),
    /// Threads.
    #[error(transparent)]
    Threads(#[from] RunError),
    /// What the caller does with the finished directory before it is renamed into place
    /// (drawing its figures) failed; nothing was published.
    #[error("finishing {}", dir.display())]
    Finish {
        /// The result directory it was for.
        dir: PathBuf,
        /// The cause.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// What [`sweep_with`] calls on the finished directory before renaming it into place.
pub type FinishHook<'a> =
    &'a mut dyn FnMut(&std::path::Path) -> Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Runs worlds `range` of a plan on `threads` threads and hands each world's rows to
/// `sink` in world order.
pub fn run_range<E>(
    plan: &Plan,
    range: Range<u64>,
    threads: usize,
    sink: impl FnMut(u64, WorldRows) -> Result<(), E>,
) -> Result<Result<(), E>, RunError> {
    run::in_order(
        range,
        threads,
        |cache: &mut Option<(u64, PointSpec)>, i| {
            let (point, _) = plan.point_of(i);
            // Neighbouring worlds usually share a point: build its scenario once.
            if cache.as_ref().is_none_or(|(p, _)| *p != point) {
                *cache = Some((point, plan.spec(point)));
            }
            let (_, ps) = cache.as_ref().expect("set above");
            let res = run_world(&ps.spec, plan.seed(), i);
            files::world_rows(plan, &res, &ps.cells, plan.records(i))
        },
        sink,
    )
}

/// What a sweep reports while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Worlds are about to run: `resumed` were already done, `todo` remain.
    Start {
        /// Worlds a killed run had finished.
        resumed: u64,
        /// Worlds to run now.
        todo: u64,
    },
    /// One more world is on disk.
    World,
}

/// Runs a sweep (or its shard) into `opts.out`, resuming if asked, and finishes it,
/// telling `report` how it goes.
pub fn sweep(plan: &Plan, opts: &Options, report: &mut dyn FnMut(Event)) -> Result<Summary, Error> {
    sweep_with(plan, opts, report, &mut |_| Ok(()))
}

/// [`sweep`], calling `before_publish` on the finished directory (tables and manifest
/// written) before it is renamed into place, so that figures and reports drawn there are
/// part of a result directory that is complete or absent.
pub fn sweep_with(
    plan: &Plan,
    opts: &Options,
    report: &mut dyn FnMut(Event),
    before_publish: FinishHook<'_>,
) -> Result<Summary, Error> {
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        opts.threads
    };
    let range = opts
        .shard
        .map_or(0..plan.worlds(), |s| s.range(plan.worlds()));
    let running = SweepManifest::new(
        plan,
        opts.shard,
        Status::Running,
        threads,
        &opts.command_line,
    );
    let mut writer = files::open(
        plan,
        &opts.out,
        opts.shard,
        opts.resume,
        opts.force,
        &running,
    )?;
    let resumed = writer.next - range.start;
    let todo = writer.next..range.end;
    let ran = todo.end - todo.start;
    report(Event::Start { resumed, todo: ran });
    run_range(plan, todo, threads, |i, rows| {
        writer.push(i, &rows)?;
        report(Event::World);
        Ok::<(), SweepError>(())
    })??;
    // The lock is held until the directory is published.
    let (partial, _lock) = writer.close()?;
    let done = SweepManifest::new(
        plan,
        opts.shard,
        Status::Complete,
        threads,
        &opts.command_line,
    );
    files::finish_with(plan, &partial, &opts.out, opts.force, &done, &mut |dir| {
        before_publish(dir).map_err(|source| Error::Finish {
            dir: opts.out.clone(),
            source,
        })
    })?;
    Ok(Summary {
        ran,
        resumed,
        threads,
    })
}
