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
