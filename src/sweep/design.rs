//! Sampling designs on the unit hypercube: Latin hypercube, Saltelli's scheme for Sobol
//! indices, and Morris trajectories, from pseudo-random numbers or from an Owen-scrambled
//! Sobol' sequence.
//!
//! Each design takes the generator it draws from, so that a sweep's design is a pure
//! function of its seed: the sweep passes `WorldRng::new(seed, DESIGN_STREAM)`, a stream
//! no world uses. The draw order is part of the format and is documented on each function;
//! changing it changes every sampled sweep.

use serde::{Deserialize, Serialize};

use crate::rng::WorldRng;

/// Where the coordinates of a sampled design come from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Sequence {
    /// Uniform draws from the design stream (the design of experiment files written before
    /// `sequence` existed, kept so that they reproduce).
    #[default]
    PseudoRandom,
    /// Burley's Owen-scrambled Sobol' sequence (`sobol_burley`), scrambled by a seed drawn
    /// from the design stream: low discrepancy, so indices converge faster than with
    /// pseudo-random points for the same number of worlds.
    Sobol,
}

impl Sequence {
    /// Whether this is the default, so that experiment files that do not name a sequence
    /// serialise (and hash) as before.
    pub fn is_default(&self) -> bool {
        *self == Sequence::default()
    }
}

/// Most points of a Sobol' sequence design (`sobol_burley` supports 2^16 per seed).
pub const SOBOL_MAX_POINTS: usize = 1 << 16;

/// Most dimensions of a Sobol' sequence design (`sobol_burley`'s direction numbers).
pub const SOBOL_MAX_DIMS: usize = sobol_burley::NUM_DIMENSIONS as usize;

/// The stream of the experiment's master seed that sampling designs draw from. World
/// indices count up from 0, so they never reach it.
pub const DESIGN_STREAM: u64 = u64::MAX;

/// The stream that bootstrap resamples of sensitivity indices draw from.
pub const BOOTSTRAP_STREAM: u64 = u64::MAX - 1;

/// Points in the unit hypercube, stored flat (one allocation however many points, so
/// that a design of 10^5 points costs little more than its coordinates).
#[derive(Clone, Debug, PartialEq)]
pub struct UnitPoints {
    dims: usize,
    coords: Vec<f64>,
}

impl UnitPoints {
    fn with_capacity(n: usize, dims: usize) -> UnitPoints {
        assert!(dims > 0, "a design needs at least one dimension");
        UnitPoints {
            dims,
            coords: Vec::with_capacity(n * dims),
        }
    }

    fn push(&mut self, point: &[f64]) {
        debug_assert_eq!(point.len(), self.dims);
        self.coords.extend_from_slice(point);
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.coords.len() / self.dims
    }

    /// Whether there are no points.
    pub fn is_empty(&self) -> bool {
        self.coords.is_empty()
    }

    /// Dimensions.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// The coordinates of point `i`.
    pub fn point(&self, i: usize) -> &[f64] {
        &self.coords[i * self.dims..(i + 1) * self.dims]
    }

    /// Every point in order.
    pub fn iter(&self) -> std::slice::ChunksExact<'_, f64> {
        self.coords.chunks_exact(self.dims)
    }
}

/// A Latin hypercube of `n` points in `[0, 1)^d`: every dimension has exactly one point in
/// each of its `n` strata `[k/n, (k+1)/n)`.
///
/// Draw order: for each dimension in turn, one shuffle of `0..n` (the stratum of each
/// point), then one uniform per point for its place inside its stratum.
pub fn latin_hypercube(n: usize, d: usize, rng: &mut WorldRng) -> UnitPoints {
    assert!(d > 0, "a design needs at least one dimension");
    let mut coords = vec![0.0; n * d];
    let mut strata: Vec<usize> = Vec::with_capacity(n);
    for dim in 0..d {
        strata.clear();
        strata.extend(0..n);
        rng.shuffle(&mut strata);
        for (point, &stratum) in strata.iter().enumerate() {
            coords[point * d + dim] = (stratum as f64 + rng.unit()) / n as f64;
        }
    }
    UnitPoints { dims: d, coords }
}

/// `n` independent uniform points in `[0, 1)^d`. Draw order: point by point, dimension
/// by dimension.
pub fn random_points(n: usize, d: usize, rng: &mut WorldRng) -> UnitPoints {
    assert!(d > 0, "a design needs at least one dimension");
    UnitPoints {
        dims: d,
        coords: (0..n * d).map(|_| rng.unit()).collect(),
    }
}

/// Saltelli's design for first-order and total Sobol indices: `n` base rows, each giving
/// `d + 2` points in this order: the row of matrix A, then for each dimension i the row of
/// A with column i taken from B (A_B^(i)), then the row of B.
///
/// Draw order: for each base row, d uniforms for A's row, then d for B's row.
pub fn saltelli(n: usize, d: usize, rng: &mut WorldRng) -> UnitPoints {
    let mut points = UnitPoints::with_capacity(n * (d + 2), d);
    let mut ab = vec![0.0; d];
    for _ in 0..n {
        let a: Vec<f64> = (0..d).map(|_| rng.unit()).collect();
        let b: Vec<f64> = (0..d).map(|_| rng.unit()).collect();
        points.push(&a);
        for i in 0..d {
            ab.copy_from_slice(&a);
            ab[i] = b[i];
            points.push(&ab);
        }
        points.push(&b);
    }
    points
}

/// The first `n` points (n ≤ 2^16) of the `d`-dimensional (d ≤ 256) Owen-scrambled
/// Sobol' sequence with scramble seed `seed`. Coordinates are `sobol_burley`'s `f32`
/// values widened exactly, so the design is the same on every platform. With `n` a power
/// of two every one-dimensional projection has one point in each of the `n` strata, so the
/// points are also a Latin hypercube.
pub fn sobol_points(n: usize, d: usize, seed: u32) -> UnitPoints {
    assert!(
        n <= SOBOL_MAX_POINTS && d <= SOBOL_MAX_DIMS,
        "{n} points of {d} dimensions"
    );
    let mut points = UnitPoints::with_capacity(n, d);
    for i in 0..n as u32 {
        for dim in 0..d as u32 {
            points
                .coords
                .push(f64::from(sobol_burley::sample(i, dim, seed)));
        }
    }
    points
}

/// The scramble seed of a Sobol' sequence design: the high half of the first word of the
/// design stream.
pub fn sobol_seed(rng: &mut WorldRng) -> u32 {
    (rng.next_u64() >> 32) as u32
}

/// Saltelli's design from the rows of A and B: per base row, A, then A_B^(i) for each
/// dimension i (A with column i from B), then with `second_order` B_A^(i) for each i (B
/// with column i from A), then B. SALib lays its samples out the same way.
pub fn saltelli_from(a: &UnitPoints, b: &UnitPoints, second_order: bool) -> UnitPoints {
    assert_eq!(
        (a.len(), a.dims()),
        (b.len(), b.dims()),
        "A and B of one shape"
    );
    let d = a.dims();
    let per_row = if second_order { 2 * d + 2 } else { d + 2 };
    let mut points = UnitPoints::with_capacity(a.len() * per_row, d);
    let mut mixed = vec![0.0; d];
    for (a, b) in a.iter().zip(b.iter()) {
        points.push(a);
        for i in 0..d {
            mixed.copy_from_slice(a);
            mixed[i] = b[i];
            points.push(&mixed);
        }
        if second_order {
            for i in 0..d {
                mixed.copy_from_slice(b);
                mixed[i] = a[i];
                points.push(&mixed);
            }
        }
        points.push(b);
    }
    points
}

/// Saltelli's design with A and B from one Sobol' sequence of 2d dimensions (A the first
/// d, B the last d, as SALib's `sample.sobol`), `n` ≤ 2^16 base rows, d ≤ 128.
pub fn saltelli_sobol(n: usize, d: usize, second_order: bool, seed: u32) -> UnitPoints {
    let both = sobol_points(n, 2 * d, seed);
    let (mut a, mut b) = (
        UnitPoints::with_capacity(n, d),
        UnitPoints::with_capacity(n, d),
    );
    for p in both.iter() {
        a.push(&p[..d]);
        b.push(&p[d..]);
    }
    saltelli_from(&a, &b, second_order)
}

/// Saltelli's design from pseudo-random rows: the draw order of [`saltelli`] (per base
/// row, d uniforms for A's row then d for B's), with the B_A^(i) points of a second-order
/// design.
pub fn saltelli_random(n: usize, d: usize, second_order: bool, rng: &mut WorldRng) -> UnitPoints {
    let (mut a, mut b) = (
        UnitPoints::with_capacity(n, d),
        UnitPoints::with_capacity(n, d),
    );
    for _ in 0..n {
        let row: Vec<f64> = (0..2 * d).map(|_| rng.unit()).collect();
        a.push(&row[..d]);
        b.push(&row[d..]);
    }
    saltelli_from(&a, &b, second_order)
}

/// Points from raw coordinates, `dims` per point (for designs made elsewhere, such as
/// SALib's samples in the fixture tests).
pub fn from_coords(dims: usize, coords: Vec<f64>) -> UnitPoints {
    assert!(
        dims > 0 && coords.len().is_multiple_of(dims),
        "whole points"
    );
    UnitPoints { dims, coords }
}

/// Morris's elementary-effects design: `r` trajectories of `d + 1` points on the grid of
/// `levels` values {0, 1/(levels−1), …, 1} (`levels` even, at least 2), each moving one
/// factor at a time by Δ = levels / (2 (levels − 1)).
///
/// Each trajectory draws, in order: for each factor a base level in the lower half of the
/// grid (so that it can move up by Δ), for each factor a direction, then a random order of
/// the factors. A factor moving down starts Δ above its base level. This is the
/// construction of Morris (1991), so every level is equally likely at every step.
pub fn morris(r: usize, d: usize, levels: u32, rng: &mut WorldRng) -> UnitPoints {
    assert!(
        levels >= 2 && levels.is_multiple_of(2),
        "levels must be even"
    );
    let half = levels / 2; // Δ in grid steps
    let step = 1.0 / f64::from(levels - 1);
    let mut points = UnitPoints::with_capacity(r * (d + 1), d);
    for _ in 0..r {
        let base: Vec<u32> = (0..d).map(|_| rng.below(half)).collect();
        let up: Vec<bool> = (0..d).map(|_| rng.below(2) == 1).collect();
        let mut order: Vec<usize> = (0..d).collect();
        rng.shuffle(&mut order);
        // Levels as integers, so that moves are exact and every coordinate is k / (levels − 1).
        let mut at: Vec<u32> = (0..d)
            .map(|i| if up[i] { base[i] } else { base[i] + half })
            .collect();
        let coords = |at: &[u32]| -> Vec<f64> { at.iter().map(|&k| f64::from(k) * step).collect() };
        points.push(&coords(&at));
        for &i in &order {
            at[i] = if up[i] { at[i] + half } else { at[i] - half };
            points.push(&coords(&at));
        }
    }
    points
}

/// Maps a unit coordinate into `[lo, hi]`.
pub fn scale(u: f64, lo: f64, hi: f64) -> f64 {
    lo + u * (hi - lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn morris_trajectories_move_one_factor_by_delta() {
        let mut rng = WorldRng::new(3, DESIGN_STREAM);
        let (r, d, levels) = (20, 4, 4);
        let pts = morris(r, d, levels, &mut rng);
        assert_eq!(pts.len(), r * (d + 1));
        let delta = f64::from(levels) / (2.0 * f64::from(levels - 1));
        let all: Vec<&[f64]> = pts.iter().collect();
        for t in all.chunks(d + 1) {
            let mut moved = vec![false; d];
            for w in t.windows(2) {
                let diff: Vec<usize> = (0..d).filter(|&i| w[0][i] != w[1][i]).collect();
                assert_eq!(diff.len(), 1);
                let i = diff[0];
                assert!(((w[1][i] - w[0][i]).abs() - delta).abs() < 1e-12);
                assert!(!moved[i]);
                moved[i] = true;
            }
            assert!(
                t.iter()
                    .all(|p| p.iter().all(|&x| (0.0..=1.0).contains(&x)))
            );
        }
    }

    #[test]
    fn saltelli_random_draws_as_the_old_design() {
        // Experiment files without `sequence` must keep their design bit for bit.
        let old = saltelli(9, 4, &mut WorldRng::new(7, DESIGN_STREAM));
        let new = saltelli_random(9, 4, false, &mut WorldRng::new(7, DESIGN_STREAM));
        assert_eq!(old, new);
    }

    #[test]
    fn second_order_rows_add_b_with_one_column_of_a() {
        let pts = saltelli_sobol(4, 3, true, 11);
        assert_eq!(pts.len(), 4 * 8);
        let all: Vec<&[f64]> = pts.iter().collect();
        for row in all.chunks(8) {
            let (a, b) = (row[0], row[7]);
            for i in 0..3 {
                for j in 0..3 {
                    assert_eq!(row[1 + i][j], if i == j { b[j] } else { a[j] });
                    assert_eq!(row[4 + i][j], if i == j { a[j] } else { b[j] });
                }
            }
        }
    }

    #[test]
    fn sobol_points_are_a_latin_hypercube_at_powers_of_two_and_follow_the_seed() {
        for (n, d, seed) in [(1usize, 2usize, 0u32), (16, 5, 1), (1024, 10, 2)] {
            let pts = sobol_points(n, d, seed);
            for dim in 0..d {
                let mut seen = vec![false; n];
                for p in pts.iter() {
                    let k = (p[dim] * n as f64).floor() as usize;
                    assert!(!seen[k], "n {n} dim {dim}: stratum {k} twice");
                    seen[k] = true;
                }
            }
        }
        assert_eq!(sobol_points(8, 3, 5), sobol_points(8, 3, 5));
        assert_ne!(sobol_points(8, 3, 5), sobol_points(8, 3, 6));
    }

    #[test]
    fn saltelli_rows_share_columns_as_documented() {
        let mut rng = WorldRng::new(3, DESIGN_STREAM);
        let pts = saltelli(5, 3, &mut rng);
        assert_eq!(pts.len(), 25);
        let all: Vec<&[f64]> = pts.iter().collect();
        for row in all.chunks(5) {
            let (a, b) = (&row[0], &row[4]);
            for i in 0..3 {
                for j in 0..3 {
                    let want = if i == j { b[j] } else { a[j] };
                    assert_eq!(row[1 + i][j], want);
                }
            }
        }
    }
}
