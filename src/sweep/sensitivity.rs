//! Sensitivity indices: Sobol first-order, total and second-order indices with bootstrap
//! intervals, and Morris's μ, μ* and σ.
//!
//! The estimators are SALib's (`SALib.analyze.sobol` and `SALib.analyze.morris`, 1.x), so
//! that a referee can recompute them; `tests/data/salib/` holds fixtures computed by SALib
//! and the tests assert equality to 1e-12:
//! - the outputs are first standardised, z = (y − mean y) / sd y over every point of the
//!   design (numpy's `std`, n in the denominator). The centring matters for S1: without
//!   it the estimator below is biased by mean(y) · mean(f(A_B^i) − f(A));
//! - V is the variance (n in the denominator) of z at the A and B points together;
//! - S1_i = mean(z(B) (z(A_B^i) − z(A))) / V (Saltelli et al. 2010, table 2 (b));
//! - ST_i = mean((z(A) − z(A_B^i))²) / (2V) (Jansen 1999);
//! - S2_ij = mean(z(B_A^i) z(A_B^j) − z(A) z(B)) / V − S1_i − S1_j (Saltelli 2002);
//! - intervals are the 2.5 % and 97.5 % percentiles of the estimates over bootstrap
//!   resamples of the base rows (with replacement, the same rows for every index of one
//!   resample; the standardisation is not redone per resample, as in SALib). SALib
//!   reports instead z_0.975 × the standard deviation of the same resampled estimates
//!   (`S1_conf`); [`sobol_on_rows`] gives the resampled estimates, and the fixture tests
//!   check that on SALib's own resample rows they give SALib's `S1_conf`, `ST_conf` and
//!   `S2_conf`. Percentiles are kept because the estimates are bounded and skewed near 0
//!   and 1, where a symmetric normal interval is not;
//! - Morris elementary effects are taken on the unit cube, EE = Δf / Δx with Δx = ±Δ, and
//!   μ = mean EE, μ* = mean |EE|, σ = standard deviation of EE (n − 1 in the denominator).

use crate::rng::WorldRng;
use crate::sweep::design::UnitPoints;
use crate::sweep::stats::{Moments, percentile_interval_95};

/// Sobol indices of one input with their bootstrap intervals; `None` when the output does
/// not vary (V = 0) or, for intervals, when no resamples were asked for.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SobolIndex {
    /// First-order index.
    pub s1: Option<f64>,
    /// 2.5 % bootstrap percentile of S1.
    pub s1_lo: Option<f64>,
    /// 97.5 % bootstrap percentile of S1.
    pub s1_hi: Option<f64>,
    /// Total index.
    pub st: Option<f64>,
    /// 2.5 % bootstrap percentile of ST.
    pub st_lo: Option<f64>,
    /// 97.5 % bootstrap percentile of ST.
    pub st_hi: Option<f64>,
}

/// The second-order index of inputs `i < j`, with its bootstrap interval.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SecondOrderIndex {
    /// The first input.
    pub i: usize,
    /// The second input.
    pub j: usize,
    /// S2_ij.
    pub s2: Option<f64>,
    /// 2.5 % bootstrap percentile.
    pub lo: Option<f64>,
    /// 97.5 % bootstrap percentile.
    pub hi: Option<f64>,
}

/// Sobol indices of every input (and of every pair, with a second-order design).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Sobol {
    /// Per input, in design order.
    pub first: Vec<SobolIndex>,
    /// Per pair `i < j`, ordered by i then j; empty without a second-order design.
    pub second: Vec<SecondOrderIndex>,
}

/// Point estimates over some base rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimates {
    /// S1 per input.
    pub s1: Vec<f64>,
    /// ST per input.
    pub st: Vec<f64>,
    /// S2 per pair `i < j` (i then j); empty without a second-order design.
    pub s2: Vec<f64>,
}

/// Design points per base row of Saltelli's scheme: A, A_B^i for each input, with second
/// order B_A^i for each input, then B.
pub fn points_per_row(d: usize, second_order: bool) -> usize {
    if second_order { 2 * d + 2 } else { d + 2 }
}

/// (y − mean) / sd over all of `y` (n in the denominator, as numpy's `std`); `None` when
/// `y` is constant or not finite.
pub fn standardise(y: &[f64]) -> Option<Vec<f64>> {
    let n = y.len() as f64;
    let mean = y.iter().sum::<f64>() / n;
    let sd = (y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    (sd.is_finite() && sd > 0.0).then(|| y.iter().map(|v| (v - mean) / sd).collect())
}

/// The estimates from standardised outputs `z` over the base rows `rows` (repeats
/// allowed: a bootstrap resample); `None` when the A and B outputs of these rows do not vary.
pub fn sobol_on_rows(z: &[f64], d: usize, second_order: bool, rows: &[usize]) -> Option<Estimates> {
    let stride = points_per_row(d, second_order);
    let n = rows.len() as f64;
    // One pass over the rows for every sum, so that a resample's rows are read once, while
    // in cache: the bootstrap of a 10^5-world sweep takes about a second instead of five.
    // V comes from Σz² and Σz in the same pass: z is standardised, so its mean is near 0
    // and E[z²] − E[z]² loses nothing to cancellation (equal to SALib's two-pass variance
    // to 1e-15 on the fixtures).
    let pairs = if second_order { d * (d - 1) / 2 } else { 0 };
    let mut first = vec![0.0; d];
    let mut total = vec![0.0; d];
    let mut joint = vec![0.0; pairs];
    let (mut sum, mut sum_sq) = (0.0, 0.0);
    for &r in rows {
        let row = &z[r * stride..(r + 1) * stride];
        let (a, b) = (row[0], row[stride - 1]);
        sum += a + b;
        sum_sq += a * a + b * b;
        let ab = &row[1..=d];
        for i in 0..d {
            first[i] += b * (ab[i] - a);
            total[i] += (a - ab[i]).powi(2);
        }
        if second_order {
            let ba = &row[1 + d..=2 * d];
            let mut k = 0;
            for (i, &ba_i) in ba.iter().enumerate() {
                for &ab_j in &ab[i + 1..] {
                    joint[k] += ba_i * ab_j - a * b;
                    k += 1;
                }
            }
        }
    }
    let mean = sum / (2.0 * n);
    let var = sum_sq / (2.0 * n) - mean * mean;
    if !(var.is_finite() && var > 1e-12) {
        return None;
    }
    let s1: Vec<f64> = first.iter().map(|f| f / n / var).collect();
    let st: Vec<f64> = total.iter().map(|t| 0.5 * (t / n) / var).collect();
    let mut s2 = Vec::with_capacity(pairs);
    let mut k = 0;
    for i in 0..d {
        for j in i + 1..d {
            if second_order {
                s2.push(joint[k] / n / var - s1[i] - s1[j]);
                k += 1;
            }
        }
    }
    Some(Estimates { s1, st, s2 })
}

/// S1 and ST (and S2 with `second_order`) of each of `d` inputs from outputs `y` at the
/// points of a Saltelli design of `n` base rows ([`points_per_row`] points each), with
/// `bootstrap` resamples of the base rows drawn from `rng`.
pub fn sobol(
    y: &[f64],
    n: usize,
    d: usize,
    second_order: bool,
    bootstrap: u32,
    rng: &mut WorldRng,
) -> Sobol {
    assert_eq!(
        y.len(),
        n * points_per_row(d, second_order),
        "one output per Saltelli point"
    );
    let pairs = if second_order { d * (d - 1) / 2 } else { 0 };
    let Some(z) = standardise(y) else {
        return empty(d, pairs);
    };
    let all: Vec<usize> = (0..n).collect();
    let Some(point) = sobol_on_rows(&z, d, second_order, &all) else {
        return empty(d, pairs);
    };
    // Per index, its resampled estimates: S1 of every input, ST of every input, S2 of
    // every pair.
    let mut draws: Vec<Vec<f64>> = vec![Vec::with_capacity(bootstrap as usize); 2 * d + pairs];
    let mut rows = vec![0; n];
    let n32 = u32::try_from(n).expect("fewer than 2^32 base rows");
    for _ in 0..bootstrap {
        for r in rows.iter_mut() {
            *r = rng.below(n32) as usize;
        }
        if let Some(e) = sobol_on_rows(&z, d, second_order, &rows) {
            for (k, v) in e.s1.iter().chain(&e.st).chain(&e.s2).enumerate() {
                draws[k].push(*v);
            }
        }
    }
    let mut intervals = draws.into_iter().map(percentile_interval_95);
    let mut next = || intervals.next().flatten().unzip();
    let mut first: Vec<SobolIndex> = point
        .s1
        .iter()
        .map(|&s1| {
            let (s1_lo, s1_hi) = next();
            SobolIndex {
                s1: Some(s1),
                s1_lo,
                s1_hi,
                ..SobolIndex::default()
            }
        })
        .collect();
    for (f, &st) in first.iter_mut().zip(&point.st) {
        let (st_lo, st_hi) = next();
        (f.st, f.st_lo, f.st_hi) = (Some(st), st_lo, st_hi);
    }
    let second = pair_list(d, pairs)
        .zip(&point.s2)
        .map(|((i, j), &s2)| {
            let (lo, hi) = next();
            SecondOrderIndex {
                i,
                j,
                s2: Some(s2),
                lo,
                hi,
            }
        })
        .collect();
    Sobol { first, second }
}

fn pair_list(d: usize, pairs: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..d)
        .flat_map(move |i| (i + 1..d).map(move |j| (i, j)))
        .take(pairs)
}

fn empty(d: usize, pairs: usize) -> Sobol {
    Sobol {
        first: vec![SobolIndex::default(); d],
        second: pair_list(d, pairs)
            .map(|(i, j)| SecondOrderIndex {
                i,
                j,
                ..SecondOrderIndex::default()
            })
            .collect(),
    }
}

/// Point estimates from the first `m` base rows for m = 16, 32, 64, … up to `n` (and `n`
/// itself), each computed as if the sweep had stopped there (standardised on its own
/// points): whether the indices have settled shows whether `n` was enough. With a Sobol'
/// sequence every power-of-two prefix is itself a balanced design.
pub fn convergence(
    y: &[f64],
    n: usize,
    d: usize,
    second_order: bool,
) -> Vec<(usize, Option<Estimates>)> {
    let stride = points_per_row(d, second_order);
    assert_eq!(y.len(), n * stride, "one output per Saltelli point");
    let mut sizes: Vec<usize> = std::iter::successors(Some(16usize), |m| m.checked_mul(2))
        .take_while(|&m| m < n)
        .collect();
    sizes.push(n);
    sizes
        .into_iter()
        .map(|m| {
            let rows: Vec<usize> = (0..m).collect();
            let est = standardise(&y[..m * stride])
                .and_then(|z| sobol_on_rows(&z, d, second_order, &rows));
            (m, est)
        })
        .collect()
}

/// Morris statistics of one input.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects; `None` with one trajectory.
    pub sigma: Option<f64>,
}

/// μ, μ* and σ of each input from outputs `y` at Morris trajectory points
/// (`points`, consecutive groups of `d + 1`, as [`crate::sweep::design::morris`] makes).
pub fn morris(points: &UnitPoints, y: &[f64]) -> Vec<MorrisIndex> {
    let d = points.dims();
    assert_eq!(points.len(), y.len(), "one output per Morris point");
    assert_eq!(points.len() % (d + 1), 0, "whole trajectories");
    let mut effects: Vec<Vec<f64>> = vec![Vec::new(); d];
    for t in 0..points.len() / (d + 1) {
        for s in 0..d {
            let k = t * (d + 1) + s;
            let (a, b) = (points.point(k), points.point(k + 1));
            let i = (0..d)
                .find(|&i| a[i] != b[i])
                .expect("each step of a trajectory moves one factor");
            effects[i].push((y[k + 1] - y[k]) / (b[i] - a[i]));
        }
    }
    effects
        .into_iter()
        .map(|ee| {
            let mut m = Moments::default();
            let mut abs = 0.0;
            for &e in &ee {
                m.push(e);
                abs += e.abs();
            }
            MorrisIndex {
                mu: m.mean().unwrap_or(f64::NAN),
                mu_star: abs / ee.len() as f64,
                sigma: m.sd(),
            }
        })
        .collect()
}
