//! Criterion benches: one tick, one default world (N = 60) and one N = 198 world.
//!
//! Run with `cargo bench --bench bench_main`; CI only smoke-runs them
//! (`cargo test --benches`). Medians go into README.md.

use std::hint::black_box;
use std::path::Path;

use blocs::config::{CountriesConfig, Scenario, SyntheticConfig};
use blocs::model::WorldSpec;
use blocs::scheduler::{Sim, run_world};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};

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

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench_tick, bench_world
}
criterion_main!(benches);
