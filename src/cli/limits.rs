//! What this machine can hold: thread counts and memory estimates, checked before any
//! work starts, so that no input makes blocs abort on a failed allocation or swamp the
//! machine with threads. Every refusal names the argument or field, the value and the
//! limit (exit code 2).

use blocs::config::{MAX_WORLDS, Scenario};
use blocs::model::WorldSpec;

/// Worker threads beyond the cores bring no speed; this many per core are still allowed
/// (for machines that share cores, or to test), more are refused.
pub(crate) const THREADS_PER_CORE: usize = 8;

/// The cores blocs may use.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The most worker threads allowed on this machine.
pub(crate) fn max_threads() -> usize {
    (cores() * THREADS_PER_CORE).max(16)
}

/// Resolves `--threads` (0: one per core) and refuses more than [`max_threads`].
pub(crate) fn threads(arg: &str, requested: usize) -> anyhow::Result<usize> {
    if requested == 0 {
        return Ok(cores());
    }
    let max = max_threads();
    anyhow::ensure!(
        requested <= max,
        "{arg} {requested}: at most {max} on this machine ({} cores × {THREADS_PER_CORE}, at least 16); results do not depend on the thread count",
        cores()
    );
    Ok(requested)
}

/// Refuses a world count above what one run may ask for.
pub(crate) fn check_worlds(arg: &str, worlds: u64) -> anyhow::Result<()> {
    anyhow::ensure!(
        worlds <= u64::from(MAX_WORLDS),
        "{arg} {worlds}: allowed 1..={MAX_WORLDS} in one run (a sweep with shards runs more)"
    );
    Ok(())
}

/// Memory this machine has available now, in bytes (`MemAvailable` of /proc/meminfo),
/// or `None` where that cannot be read (then nothing is refused for memory).
pub(crate) fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// Bytes one running world of `n` countries needs at most: about 12 N×N matrices of f64
/// (the engine's and the world's), its per-tick metrics up to `max_ticks`, its copy of
/// the events, and its formatted rows while they wait for the writer.
pub(crate) fn world_bytes(n: u64, max_ticks: u64, events: u64) -> u64 {
    let state = 96 * n * n + 512 * n + 200 * max_ticks + 96 * events;
    let rows = 320 * max_ticks + 160 * n;
    state + rows
}

/// Refuses a run whose worlds would not fit in the memory available: `threads` worlds run
/// at once, each holding [`world_bytes`], with as much again for results waiting to be
/// written in order.
pub(crate) fn check_memory(
    scenario: &Scenario,
    spec: &WorldSpec,
    threads: usize,
) -> anyhow::Result<()> {
    let n = scenario.countries_count() as u64;
    let per_world = world_bytes(n, u64::from(scenario.max_ticks), spec.events.len() as u64);
    check_bytes(
        2 * per_world * threads as u64,
        &format!(
            "{threads} thread{} × a world of N = {n} countries, up to {} ticks and {} events",
            if threads == 1 { "" } else { "s" },
            scenario.max_ticks,
            spec.events.len()
        ),
    )
}

/// Refuses `need` bytes when the machine has less available; `what` says where they go.
pub(crate) fn check_bytes(need: u64, what: &str) -> anyhow::Result<()> {
    let Some(available) = available_memory() else {
        return Ok(());
    };
    anyhow::ensure!(
        need <= available,
        "not enough memory: {what} need about {} MB, and this machine has {} MB available; lower --threads or the size at fault",
        need / 1_000_000,
        available / 1_000_000
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_default_world_is_small_and_the_largest_is_not() {
        // N = 60, 500 ticks, no events: 96·3600 + 512·60 + 200·500 + 320·500 + 160·60.
        assert_eq!(
            world_bytes(60, 500, 0),
            345_600 + 30_720 + 100_000 + 160_000 + 9_600
        );
        // N = 2000: the N² matrices dominate, about 384 MB.
        assert!(world_bytes(2000, 500, 0) > 384_000_000);
    }

    #[test]
    fn threads_are_capped_with_the_limit_in_the_message() {
        assert_eq!(threads("--threads", 0).unwrap(), cores());
        assert_eq!(threads("--threads", 3).unwrap(), 3);
        let max = max_threads();
        assert_eq!(threads("--threads", max).unwrap(), max);
        let err = threads("--threads", 100_000).unwrap_err().to_string();
        assert!(err.contains("--threads 100000"), "{err}");
        assert!(err.contains(&format!("at most {max}")), "{err}");
    }
}
