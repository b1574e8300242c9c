//! Criterion benches: one tick, one default world (N = 60) and one N = 198 world, and the
//! throughput of a sweep of default worlds on 1 and 2 threads.
//!
//! Run with `cargo bench --bench bench_main`; CI only smoke-runs them
//! (`cargo test --benches`). Medians go into README.md.

use std::hint::black_box;
use std::path::Path;

use blocs::config::{CountriesConfig, Scenario, SyntheticConfig};
use blocs::model::WorldSpec;
use blocs::scheduler::{Sim, run_world};
use blocs::sweep::experiment::{Experiment, Plan};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

fn spec(countries: u32) -> WorldSpec {
    let mut s = Scenario::builtin_default();
    s.countries = CountriesConfig::Synthetic(SyntheticConfig {
        countries,
        ..SyntheticConfig::default()
    });
    s.validate(Path::new("bench")).expect("valid")
}

fn bench_tick(c: &mut Criterion) {
    let spec = spec(60);
    c.bench_function("tick/default_n60", |b| {
        b.iter_batched(
            || {
                let mut sim = Sim::new(&spec, 1, 0);
                // Start from a world that already has agreements: tick 5.
                for _ in 0..5 {
                    sim.step();
                }
                sim
            },
            |mut sim| black_box(sim.step()),
            BatchSize::SmallInput,
        )
    });
}

fn bench_world(c: &mut Criterion) {
    let mut group = c.benchmark_group("world");
    for n in [60u32, 198] {
        let spec = spec(n);
        let mut seed = 0u64;
        group.bench_function(format!("default_n{n}"), |b| {
            b.iter(|| {
                // A different seed each time: the median is over worlds, not one world.
                seed = (seed + 1) % 64;
                black_box(run_world(&spec, seed, 0).stop_tick)
            })
        });
    }
    group.finish();
}

/// Worlds per sweep iteration: enough to keep two threads busy, few enough for CI's
/// smoke run.
const SWEEP_WORLDS: u32 = 16;

fn bench_sweep(c: &mut Criterion) {
    // One design point, the default world, 4096 replicates run SWEEP_WORLDS at a time: the
    // whole sweep path (point scenario, run, rows formatted, handed over in order) without
    // the disk.
    let text =
        "(name: \"bench\", replications: 4096, design: Grid([(field: \"ntb\", values: [0.2])]))";
    let experiment = Experiment::parse(text, Path::new("bench")).expect("parses");
    let plan = Plan::new(experiment, Path::new("bench"), Path::new("."), "bench").expect("valid");
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(SWEEP_WORLDS)));
    for threads in [1usize, 2] {
        let mut first = 0u64;
        group.bench_function(format!("default_worlds/threads_{threads}"), |b| {
            b.iter(|| {
                // Fresh world indices each time: the median is over many worlds.
                let range = first..first + u64::from(SWEEP_WORLDS);
                first = (first + u64::from(SWEEP_WORLDS)) % 4096;
                let mut bytes = 0usize;
                blocs::sweep::run_range(&plan, range, threads, |_, rows| {
                    bytes += rows.world.len();
                    Ok::<(), ()>(())
                })
                .expect("a thread pool")
                .expect("the sink never fails");
                black_box(bytes)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench_tick, bench_world, bench_sweep
}
criterion_main!(benches);
