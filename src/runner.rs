//! Running many worlds: the only module that knows about threads.
//!
//! Worlds are independent (each has its own stream), so they run in parallel with rayon
//! and are collected in world-index order; nothing reduces floats across threads, so the
//! results are the same for any number of threads.

use rayon::prelude::*;

use crate::model::WorldSpec;
use crate::scheduler::{WorldResult, run_world};

/// Why worlds could not be run.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The thread pool could not be built.
    #[error("cannot start {threads} worker threads")]
    ThreadPool {
        /// Requested threads.
        threads: usize,
        /// The cause.
        source: rayon::ThreadPoolBuildError,
    },
}

/// Runs worlds `0..worlds` of a scenario on `threads` threads (0: one per core), calling
/// `done` after each world finishes (from any thread, in any order).
pub fn run_worlds(
    spec: &WorldSpec,
    master_seed: u64,
    worlds: u64,
    threads: usize,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<WorldResult>, RunError> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| RunError::ThreadPool { threads, source })?;
    Ok(pool.install(|| {
        (0..worlds)
            .into_par_iter()
            .map(|i| {
                let res = run_world(spec, master_seed, i);
                done();
                res
            })
            .collect()
    }))
}

/// Runs worlds `range` of a scenario on `threads` threads (0: one per core) and hands each
/// world to `sink` in world order, through the bounded reorder buffer of
/// [`crate::sweep::run::in_order`], so memory does not grow with the number of worlds.
///
/// `format` turns a finished world into what waits in the buffer (its formatted rows,
/// not its state) and runs on the worker; `on_tick(world, tick)` is called after every
/// tick of every world, from the worker running it, so that slow worlds show progress.
pub fn run_in_order<T: Send, E>(
    spec: &WorldSpec,
    master_seed: u64,
    range: std::ops::Range<u64>,
    threads: usize,
    format: &(dyn Fn(WorldResult) -> T + Sync),
    on_tick: &(dyn Fn(u64, u32) + Sync),
    sink: impl FnMut(u64, T) -> Result<(), E>,
) -> Result<Result<(), E>, RunError> {
    crate::sweep::run::in_order(
        range,
        threads,
        |_: &mut (), i| {
            // The same world `run_world` runs, stepped here only to report its ticks.
            let mut sim = crate::scheduler::Sim::new(spec, master_seed, i);
            while sim.step() {
                on_tick(i, sim.world.tick);
            }
            format(sim.finish())
        },
        sink,
    )
}
