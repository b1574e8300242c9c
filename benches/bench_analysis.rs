//! Criterion benches of sweep analysis: the Sobol indices of a 10^5-world sweep and PRIM
//! on 10^5 rows × 10 fields (the bars: under 2 s and 5 s).
//!
//! Run with `cargo bench --bench bench_analysis -- --warm-up-time 1 --measurement-time 3`;
//! CI only smoke-runs them (`cargo test --benches`). Medians go into README.md.

use std::hint::black_box;

use blocs::rng::WorldRng;
use blocs::sweep::design::{BOOTSTRAP_STREAM, saltelli_sobol};
use blocs::sweep::discover::{Data, PrimOptions, prim};
use blocs::sweep::sensitivity;
use criterion::{Criterion, criterion_group, criterion_main};

/// What `sensitivity.csv` costs for a first-order design of 14286 base rows × 7 points
/// (100,002 worlds, 5 fields): 5 outputs, 1000 bootstrap resamples, and the convergence
/// table.
fn bench_sobol(c: &mut Criterion) {
    let (n, d) = (14_286, 5);
    let points = saltelli_sobol(n, d, false, 1);
    let outputs: Vec<Vec<f64>> = (0..5)
        .map(|k| {
            points
                .iter()
                .map(|p| {
                    let k = k as f64;
                    (p[0] * 3.0 + k).sin() + 7.0 * (p[1] + 0.1 * k).powi(2) + p[2] * p[3] + 2.0
                })
                .collect()
        })
        .collect();
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    group.bench_function("sobol_1e5_worlds_5_outputs_1000_resamples", |b| {
        b.iter(|| {
            let mut rng = WorldRng::new(1, BOOTSTRAP_STREAM);
            for y in &outputs {
                black_box(sensitivity::sobol(y, n, d, false, 1000, &mut rng));
                black_box(sensitivity::convergence(y, n, d, false));
            }
        })
    });
    group.finish();
}

fn bench_prim(c: &mut Criterion) {
    let (n, d) = (100_000, 10);
    let mut rng = WorldRng::new(7, 0);
    let x: Vec<Vec<f64>> = (0..d)
        .map(|_| (0..n).map(|_| rng.unit()).collect())
        .collect();
    let y: Vec<bool> = (0..n)
        .map(|i| {
            let inside = x[0][i] > 0.5 && x[1][i] < 0.4;
            inside != (rng.unit() < 0.1)
        })
        .collect();
    let data = Data {
        fields: (0..d).map(|f| format!("x{f}")).collect(),
        x,
        y,
    };
    let mut group = c.benchmark_group("analysis");
    group.sample_size(10);
    group.bench_function("prim_1e5_rows_10_fields", |b| {
        b.iter(|| black_box(prim(&data, &PrimOptions::default()).expect("runs")))
    });
    group.finish();
}

criterion_group!(benches, bench_sobol, bench_prim);
criterion_main!(benches);
