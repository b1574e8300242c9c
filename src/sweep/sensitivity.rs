//! Sensitivity indices: Sobol first-order and total indices with bootstrap intervals, and
//! Morris's μ* and σ.
//!
//! Estimators (as in SALib, so results can be compared with it):
//! - V is the variance (divided by the count) of the outputs at the A and B points together;
//! - S1_i = mean(f(B) (f(A_B^i) − f(A))) / V (Saltelli et al. 2010, table 2 (b));
//! - ST_i = mean((f(A) − f(A_B^i))²) / (2V) (Jansen 1999);
//! - intervals are the 2.5 % and 97.5 % percentiles over bootstrap resamples of the base
//!   rows (with replacement, the same rows for every index of one resample);
//! - Morris elementary effects are taken on the unit cube, EE = Δf / Δx with Δx = ±Δ, and
//!   μ* = mean |EE|, σ = standard deviation of EE (n − 1 in the denominator).

use crate::rng::WorldRng;
use crate::sweep::design::UnitPoints;
use crate::sweep::stats::{Moments, quantile_sorted};

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

/// S1 and ST of each of `d` inputs from outputs `y` at the points of
/// [`crate::sweep::design::saltelli`] (`n` rows of `d + 2`), with `bootstrap` resamples
/// drawn from `rng`.
pub fn sobol(y: &[f64], n: usize, d: usize, bootstrap: u32, rng: &mut WorldRng) -> Vec<SobolIndex> {
    assert_eq!(y.len(), n * (d + 2), "one output per Saltelli point");
    let rows: Vec<usize> = (0..n).collect();
    let point = estimate(y, d, &rows);
    let mut draws: Vec<Vec<(f64, f64)>> = vec![Vec::with_capacity(bootstrap as usize); d];
    let mut rows = vec![0; n];
    let n32 = u32::try_from(n).expect("fewer than 2^32 base rows");
    for _ in 0..bootstrap {
        for r in rows.iter_mut() {
            *r = rng.below(n32) as usize;
        }
        for (i, e) in estimate(y, d, &rows).into_iter().enumerate() {
            if let Some(e) = e {
                draws[i].push(e);
            }
        }
    }
    point
        .into_iter()
        .zip(draws)
        .map(|(est, draws)| {
            let Some((s1, st)) = est else {
                return SobolIndex::default();
            };
            let interval = |pick: fn(&(f64, f64)) -> f64| {
                if draws.is_empty() {
                    return (None, None);
                }
                let mut v: Vec<f64> = draws.iter().map(pick).collect();
                v.sort_by(f64::total_cmp);
                (
                    Some(quantile_sorted(&v, 0.025)),
                    Some(quantile_sorted(&v, 0.975)),
                )
            };
            let (s1_lo, s1_hi) = interval(|e| e.0);
            let (st_lo, st_hi) = interval(|e| e.1);
            SobolIndex {
                s1: Some(s1),
                s1_lo,
                s1_hi,
                st: Some(st),
                st_lo,
                st_hi,
            }
        })
        .collect()
}

/// (S1, ST) of every input over the given base rows; `None` when V = 0.
fn estimate(y: &[f64], d: usize, rows: &[usize]) -> Vec<Option<(f64, f64)>> {
    let stride = d + 2;
    let f_a = |r: usize| y[r * stride];
    let f_b = |r: usize| y[r * stride + d + 1];
    let f_ab = |r: usize, i: usize| y[r * stride + 1 + i];
    let mut all = Moments::default();
    for &r in rows {
        all.push(f_a(r));
        all.push(f_b(r));
    }
    let mean = all.mean().unwrap_or(0.0);
    let var = rows
        .iter()
        .map(|&r| (f_a(r) - mean).powi(2) + (f_b(r) - mean).powi(2))
        .sum::<f64>()
        / (2 * rows.len()) as f64;
    if var.is_nan() || var <= 0.0 {
        return vec![None; d];
    }
    let n = rows.len() as f64;
    (0..d)
        .map(|i| {
            let (mut first, mut total) = (0.0, 0.0);
            for &r in rows {
                first += f_b(r) * (f_ab(r, i) - f_a(r));
                total += (f_a(r) - f_ab(r, i)).powi(2);
            }
            Some((first / n / var, 0.5 * total / n / var))
        })
        .collect()
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
