//! Running a range of worlds on a rayon pool and handing their results over in index
//! order, with bounded memory.
//!
//! Workers take world indices from a shared counter, so they work near the front of the
//! range together instead of on far-apart halves (as a split `par_iter` would), and a
//! worker that gets more than `window` worlds ahead of the last one handed over waits.
//! The calling thread keeps a reorder buffer of at most `window` results and passes them
//! to `sink` strictly in index order. Memory is therefore bounded by the window, however
//! many worlds run, and the sink sees the same sequence for any number of threads.

use std::collections::BTreeMap;
use std::ops::Range;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Condvar, Mutex};

use crate::runner::RunError;

/// Results a worker may run ahead of the last one handed to the sink, per thread.
pub const WINDOW_PER_THREAD: u64 = 32;

/// Runs `work(cache, i)` for every `i` in `range` on `threads` threads (0: one per core)
/// and calls `sink(i, result)` on the calling thread in increasing `i`.
///
/// `cache` is one value per worker, for state worth keeping between neighbouring worlds
/// (the validated scenario of the current design point). If `sink` fails, workers stop
/// taking new worlds and the error is returned.
pub fn in_order<C, T, E>(
    range: Range<u64>,
    threads: usize,
    work: impl Fn(&mut C, u64) -> T + Sync,
    mut sink: impl FnMut(u64, T) -> Result<(), E>,
) -> Result<Result<(), E>, RunError>
where
    C: Default,
    T: Send,
{
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| RunError::ThreadPool { threads, source })?;
    let n_workers = pool.current_num_threads() as u64;
    let window = WINDOW_PER_THREAD * n_workers.max(1);
    let next = AtomicU64::new(range.start);
    // The first index not yet handed to the sink, and whether to stop.
    let progress = Mutex::new((range.start, false));
    let space = Condvar::new();
    // A panicking world would leave a hole that the writer waits on for ever: the first
    // panic stops every worker and is re-raised on the calling thread.
    let panicked: Mutex<Option<Box<dyn std::any::Any + Send>>> = Mutex::new(None);
    let (tx, rx) = mpsc::channel::<(u64, T)>();
    let end = range.end;
    let res = pool.in_place_scope(|scope| {
        for _ in 0..n_workers {
            let tx = tx.clone();
            let (next, progress, space, work, panicked) =
                (&next, &progress, &space, &work, &panicked);
            scope.spawn(move |_| {
                let mut cache = C::default();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= end {
                        break;
                    }
                    {
                        // The world at the front never waits (i ≥ front), so this
                        // cannot deadlock.
                        let mut state = progress.lock().expect("no worker panics");
                        while !state.1 && i >= state.0 + window {
                            state = space.wait(state).expect("no worker panics");
                        }
                        if state.1 {
                            break;
                        }
                    }
                    let out = match catch_unwind(AssertUnwindSafe(|| work(&mut cache, i))) {
                        Ok(out) => out,
                        Err(payload) => {
                            panicked
                                .lock()
                                .expect("held only to store a payload")
                                .get_or_insert(payload);
                            progress.lock().expect("no worker panics").1 = true;
                            space.notify_all();
                            break;
                        }
                    };
                    if tx.send((i, out)).is_err() {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut buffer: BTreeMap<u64, T> = BTreeMap::new();
        let mut front = range.start;
        let mut failed = None;
        for (i, out) in rx.iter() {
            buffer.insert(i, out);
            while let Some(out) = buffer.remove(&front) {
                if let Err(e) = sink(front, out) {
                    failed = Some(e);
                    break;
                }
                front += 1;
            }
            let mut state = progress.lock().expect("no worker panics");
            state.0 = front;
            if failed.is_some() {
                state.1 = true;
            }
            drop(state);
            space.notify_all();
            if failed.is_some() {
                break;
            }
        }
        // Dropping the receiver makes any worker still sending give up.
        drop(rx);
        match failed {
            Some(e) => Err(e),
            None => Ok(()),
        }
    });
    if let Some(payload) = panicked.into_inner().expect("held only to store a payload") {
        resume_unwind(payload);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_arrive_in_order_for_any_thread_count() {
        for threads in [1, 2, 4] {
            let mut seen = Vec::new();
            let res = in_order(
                5..300,
                threads,
                |calls: &mut u32, i| {
                    *calls += 1;
                    // Uneven work, so that workers finish out of order.
                    let spin = (i * 7919) % 5000;
                    (0..spin).fold(i, |a, b| a.wrapping_mul(31).wrapping_add(b))
                },
                |i, _| {
                    seen.push(i);
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
            assert_eq!(res, Ok(()));
            assert_eq!(seen, (5..300).collect::<Vec<_>>());
        }
    }

    #[test]
    fn a_panicking_world_is_re_raised_instead_of_hanging() {
        let res = std::panic::catch_unwind(|| {
            in_order(
                0..1000,
                2,
                |_: &mut (), i| {
                    assert!(i != 17, "world 17 breaks");
                    i
                },
                |_, _| Ok::<(), ()>(()),
            )
        });
        let payload = res.unwrap_err();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or_default();
        assert!(message.contains("world 17 breaks"), "{message}");
    }

    #[test]
    fn a_failing_sink_stops_the_run() {
        let mut handed = 0;
        let res = in_order(
            0..10_000,
            2,
            |_: &mut (), i| i,
            |i, _| {
                handed += 1;
                if i == 50 { Err("disk full") } else { Ok(()) }
            },
        )
        .unwrap();
        assert_eq!(res, Err("disk full"));
        assert_eq!(handed, 51);
    }
}
