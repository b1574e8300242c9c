//! Sampling designs on the unit hypercube: Latin hypercube, Saltelli's scheme for Sobol
//! indices, and Morris trajectories.
//!
//! Each design takes the generator it draws from, so that a sweep's design is a pure
//! function of its seed: the sweep passes `WorldRng::new(seed, DESIGN_STREAM)`, a stream
//! no world uses. The draw order is part of the format and is documented on each function;
//! changing it changes every sampled sweep.

use crate::rng::WorldRng;

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
