//! Criterion benches of the payoff engine on the calibrated 2025 world: one whole world
//! of the baseline (`configs/world2025.ron`), of the 2025 tariff wave
//! (`experiments/world2025/tariff_wave.ron`) and of the tariff wave with retaliation
//! (`experiments/world2025/tariff_wave_retaliation.ron`), where every move into or out of
//! M shifts e_M and, under retaliation, tariffs differ by exporter.
//!
//! Run with `cargo bench --bench bench_engine`; the file uses only the public API that
//! the commits before issue #14 already had, so it can be copied there to measure both
//! back to back. CI only smoke-runs it (`cargo test --benches`).

use std::hint::black_box;
use std::path::Path;

use blocs::config::Scenario;
use blocs::scheduler::run_world;
use criterion::{Criterion, criterion_group, criterion_main};

/// The scenarios, compiled in so that the bench reads no file.
const SCENARIOS: [(&str, &str); 3] = [
    (
        "world2025_baseline",
        include_str!("../configs/world2025.ron"),
    ),
    (
        "world2025_tariff_wave",
        include_str!("../experiments/world2025/tariff_wave.ron"),
    ),
    (
        "world2025_tariff_wave_retaliation",
        include_str!("../experiments/world2025/tariff_wave_retaliation.ron"),
    ),
];

/// Worlds the benches cycle through: the median is over worlds, not one world.
const WORLDS: u64 = 8;

fn bench_world2025(c: &mut Criterion) {
    let mut group = c.benchmark_group("engine");
    for (name, text) in SCENARIOS {
        let path = Path::new(name);
        let scenario = Scenario::parse(text, path).expect("the scenario parses");
        let spec = scenario.validate(path).expect("the scenario is valid");
        let mut world = 0u64;
        group.bench_function(name, |b| {
            b.iter(|| {
                world = (world + 1) % WORLDS;
                black_box(run_world(&spec, scenario.seed, world).stop_tick)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench_world2025
}
criterion_main!(benches);
