//! Scenario discovery: which region of the swept fields leads to an outcome class? PRIM,
//! the patient rule induction method (Friedman and Fisher 1999), as the EMA Workbench
//! runs it for scenario discovery (Bryant and Lempert 2010; `ema_workbench.analysis.prim`,
//! binary mode, the default `LENIENT1` objective, one box).
//!
//! - Peeling: from the box of all points, every field offers two candidate boxes, its
//!   lower or upper `peel_alpha` quantile peeled off (EMA's `get_quantile`: halfway between
//!   neighbouring distinct values). The candidate with the largest gain in density per
//!   point removed wins (ties: fewer restricted fields, then the first in field order,
//!   upper before lower); peeling stops when no candidate gains, or the box would fall
//!   below `mass_min` of all points.
//! - Pasting: each restricted limit may move back out by the `paste_alpha` quantile of the
//!   points just outside it while density still rises.
//! - Every box on the trajectory records coverage (share of all cases of interest inside),
//!   density (share of the box's points that are of interest), mass, and for each restricted
//!   limit a quasi-p-value: the one-sided binomial probability of at least the box's cases of
//!   interest if the box had the density of the same box without that limit.
//!
//! `tests/data/prim/` holds a fixture computed by the EMA Workbench; the tests assert the
//! same trajectory, limits and quasi-p-values. Fields are treated as real numbers; EMA's
//! integer and categorical peels are not implemented (sweeps vary categorical fields on
//! Grid designs, where scenario discovery needs no search).

use std::path::{Path, PathBuf};

use crate::sweep::stats::binomial_sf;

/// PRIM's parameters (the EMA Workbench's defaults).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PrimOptions {
    /// Density a box must reach to count as found.
    pub threshold: f64,
    /// Share of a box's points one peel removes.
    pub peel_alpha: f64,
    /// Share of the points outside a limit one paste adds back.
    pub paste_alpha: f64,
    /// Smallest mass (share of all points) of a box.
    pub mass_min: f64,
}

impl Default for PrimOptions {
    fn default() -> Self {
        PrimOptions {
            threshold: 0.8,
            peel_alpha: 0.05,
            paste_alpha: 0.05,
            mass_min: 0.05,
        }
    }
}

/// Points and their class: `x[field][point]`, `y[point]` (of interest or not).
#[derive(Clone, Debug, PartialEq)]
pub struct Data {
    /// Field names.
    pub fields: Vec<String>,
    /// Per field, its value at every point.
    pub x: Vec<Vec<f64>>,
    /// Whether each point is a case of interest.
    pub y: Vec<bool>,
}

/// One box of the peeling and pasting trajectory.
#[derive(Clone, Debug, PartialEq)]
pub struct PrimBox {
    /// Points inside.
    pub n: usize,
    /// Cases of interest inside.
    pub k: usize,
    /// k / all cases of interest.
    pub coverage: f64,
    /// k / n.
    pub density: f64,
    /// n / all points.
    pub mass: f64,
    /// Per field, its (lower, upper) limit.
    pub limits: Vec<(f64, f64)>,
    /// Per field, the quasi-p-values of its (lower, upper) limit; `None` where the limit
    /// is not restricted.
    pub qp: Vec<(Option<f64>, Option<f64>)>,
}

impl PrimBox {
    /// Fields whose limits differ from those of the initial box.
    pub fn restricted(&self, init: &[(f64, f64)]) -> Vec<usize> {
        (0..init.len())
            .filter(|&f| self.limits[f] != init[f])
            .collect()
    }
}

/// What PRIM found.
#[derive(Clone, Debug, PartialEq)]
pub struct Prim {
    /// The box of all points (each field's minimum and maximum).
    pub init: Vec<(f64, f64)>,
    /// The trajectory: the initial box, every peel, then every paste.
    pub trajectory: Vec<PrimBox>,
    /// Whether the last box reaches the density threshold (EMA keeps only such boxes).
    pub found: bool,
}

/// Why scenario discovery could not run.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// Bad data or options.
    #[error("{0}")]
    Input(String),
    /// A table could not be read.
    #[error("{}: {message}", path.display())]
    Table {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Per field, its (lower, upper) limit.
type Limits = Vec<(f64, f64)>;

/// Runs PRIM (peeling then pasting, one box) on `data`.
pub fn prim(data: &Data, opts: &PrimOptions) -> Result<Prim, DiscoverError> {
    let n = data.y.len();
    let d = data.x.len();
    let bad = |m: String| Err(DiscoverError::Input(m));
    if d == 0 || n == 0 {
        return bad("no points or no fields to search".into());
    }
    if data
        .x
        .iter()
        .any(|c| c.len() != n || c.iter().any(|v| !v.is_finite()))
    {
        return bad("every field needs a finite value at every point".into());
    }
    for (name, v) in [
        ("peel_alpha", opts.peel_alpha),
        ("paste_alpha", opts.paste_alpha),
        ("mass_min", opts.mass_min),
        ("threshold", opts.threshold),
    ] {
        if !(v > 0.0 && v < 1.0) {
            return bad(format!("{name} {v}: must be in (0, 1)"));
        }
    }
    let total_k = data.y.iter().filter(|&&y| y).count();
    if total_k == 0 {
        return bad("no point is of the class of interest: nothing to discover".into());
    }
    let init: Vec<(f64, f64)> = data
        .x
        .iter()
        .map(|c| {
            c.iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                    (lo.min(v), hi.max(v))
                })
        })
        .collect();
    let mut run = Run {
        data,
        opts,
        init: &init,
        total_k,
        trajectory: Vec::new(),
    };
    let all: Vec<u32> = (0..n as u32).collect();
    let mut rows = all;
    run.push(init.clone(), &rows);
    let mut scratch = Vec::with_capacity(n);

    // Peeling.
    loop {
        let limits = run.trajectory.last().expect("pushed").limits.clone();
        let k_old = run.count_k(&rows);
        let mut best: Option<(f64, usize, usize, bool, f64)> = None; // obj, free, field, upper, value
        for f in 0..d {
            let col = &data.x[f];
            for upper in [true, false] {
                scratch.clear();
                scratch.extend(rows.iter().map(|&r| col[r as usize]));
                let q = if upper {
                    1.0 - opts.peel_alpha
                } else {
                    opts.peel_alpha
                };
                let value = ema_quantile(&mut scratch, q);
                let (cn, ck) = rows.iter().fold((0usize, 0usize), |(cn, ck), &r| {
                    let v = col[r as usize];
                    let inside = if upper { v <= value } else { v >= value };
                    if inside {
                        (cn + 1, ck + usize::from(data.y[r as usize]))
                    } else {
                        (cn, ck)
                    }
                });
                let obj = lenient1(k_old, rows.len(), ck, cn);
                let mut cand = limits.clone();
                if upper {
                    cand[f].1 = value;
                } else {
                    cand[f].0 = value;
                }
                let free = d - run.restricted_count(&cand);
                if best.is_none_or(|(bo, bf, ..)| obj > bo || (obj == bo && free > bf)) {
                    best = Some((obj, free, f, upper, value));
                }
            }
        }
        let (obj, _, f, upper, value) = best.expect("at least one field");
        let col = &data.x[f];
        let new_rows: Vec<u32> = rows
            .iter()
            .copied()
            .filter(|&r| {
                let v = col[r as usize];
                if upper { v <= value } else { v >= value }
            })
            .collect();
        let mass_new = new_rows.len() as f64 / n as f64;
        let mass_old = rows.len() as f64 / n as f64;
        if mass_new >= opts.mass_min && mass_new < mass_old && obj > 0.0 {
            let mut lim = limits;
            if upper {
                lim[f].1 = value;
            } else {
                lim[f].0 = value;
            }
            rows = new_rows;
            run.push(lim, &rows);
        } else {
            break;
        }
    }

    // Pasting.
    loop {
        let limits = run.trajectory.last().expect("pushed").limits.clone();
        let res = run.restricted(&limits);
        if res.is_empty() {
            break;
        }
        let k_old = run.count_k(&rows);
        // (objective, unrestricted fields, limits) of the best paste so far.
        let mut best: Option<(f64, usize, Limits)> = None;
        for &f in &res {
            for lower in [true, false] {
                // The slab outside this limit, inside every other restricted limit.
                let mut slab = limits.clone();
                slab[f] = if lower {
                    (init[f].0, limits[f].0)
                } else {
                    (limits[f].1, init[f].1)
                };
                scratch.clear();
                scratch.extend(
                    (0..n)
                        .filter(|&r| run.inside(&slab, &res, r))
                        .map(|r| data.x[f][r]),
                );
                let value = if scratch.is_empty() {
                    if lower { init[f].0 } else { init[f].1 }
                } else if lower {
                    ema_quantile(&mut scratch, 1.0 - opts.paste_alpha)
                } else {
                    ema_quantile(&mut scratch, opts.paste_alpha)
                };
                let mut cand = limits.clone();
                if lower {
                    cand[f].0 = value;
                } else {
                    cand[f].1 = value;
                }
                let (cn, ck) = (0..n)
                    .filter(|&r| run.inside(&cand, &res, r))
                    .fold((0, 0), |(cn, ck), r| (cn + 1, ck + usize::from(data.y[r])));
                let obj = lenient1(k_old, rows.len(), ck, cn);
                let free = d - run.restricted_count(&cand);
                if best
                    .as_ref()
                    .is_none_or(|(bo, bf, _)| obj > *bo || (obj == *bo && free > *bf))
                {
                    best = Some((obj, free, cand));
                }
            }
        }
        let (obj, _, cand) = best.expect("a restricted field");
        let new_rows: Vec<u32> = (0..n as u32)
            .filter(|&r| run.inside(&cand, &res, r as usize))
            .collect();
        let (mass_old, mass_new) = (
            rows.len() as f64 / n as f64,
            new_rows.len() as f64 / n as f64,
        );
        let mean_old = k_old as f64 / rows.len() as f64;
        let k_new = run.count_k(&new_rows);
        let mean_new = if new_rows.is_empty() {
            0.0
        } else {
            k_new as f64 / new_rows.len() as f64
        };
        if mass_new >= opts.mass_min && mass_new > mass_old && obj > 0.0 && mean_new > mean_old {
            rows = new_rows;
            run.push(cand, &rows);
        } else {
            break;
        }
    }
    let found = run.trajectory.last().expect("pushed").density >= opts.threshold;
    Ok(Prim {
        init: init.clone(),
        trajectory: run.trajectory,
        found,
    })
}

struct Run<'a> {
    data: &'a Data,
    opts: &'a PrimOptions,
    init: &'a [(f64, f64)],
    total_k: usize,
    trajectory: Vec<PrimBox>,
}

impl Run<'_> {
    fn count_k(&self, rows: &[u32]) -> usize {
        rows.iter().filter(|&&r| self.data.y[r as usize]).count()
    }

    fn restricted(&self, limits: &[(f64, f64)]) -> Vec<usize> {
        (0..limits.len())
            .filter(|&f| limits[f] != self.init[f])
            .collect()
    }

    fn restricted_count(&self, limits: &[(f64, f64)]) -> usize {
        (0..limits.len())
            .filter(|&f| limits[f] != self.init[f])
            .count()
    }

    /// Whether point `r` is inside `limits` on the fields `fields` (EMA tests only the
    /// restricted fields; the others span every point anyway).
    fn inside(&self, limits: &[(f64, f64)], fields: &[usize], r: usize) -> bool {
        fields.iter().all(|&f| {
            let v = self.data.x[f][r];
            limits[f].0 <= v && v <= limits[f].1
        })
    }

    /// Appends the box `limits` holding `rows`, with its quasi-p-values.
    fn push(&mut self, limits: Vec<(f64, f64)>, rows: &[u32]) {
        let n_all = self.data.y.len();
        let (n, k) = (rows.len(), self.count_k(rows));
        let res = self.restricted(&limits);
        // A point outside exactly one restricted limit is inside the box without that
        // limit: count, per limit, such points (one pass instead of one per limit).
        let mut relaxed = vec![[(0usize, 0usize); 2]; limits.len()];
        for r in 0..n_all {
            let mut out: Option<(usize, usize)> = None;
            let mut outside = 0;
            for &f in &res {
                let v = self.data.x[f][r];
                if v < limits[f].0 {
                    outside += 1;
                    out = Some((f, 0));
                } else if v > limits[f].1 {
                    outside += 1;
                    out = Some((f, 1));
                }
                if outside > 1 {
                    break;
                }
            }
            let hit = usize::from(self.data.y[r]);
            match (outside, out) {
                (0, _) => {
                    for &f in &res {
                        for side in &mut relaxed[f] {
                            side.0 += 1;
                            side.1 += hit;
                        }
                    }
                }
                (1, Some((f, side))) => {
                    // Relaxing a limit to the initial one admits every point beyond it.
                    relaxed[f][side].0 += 1;
                    relaxed[f][side].1 += hit;
                }
                _ => {}
            }
        }
        let qp = (0..limits.len())
            .map(|f| {
                let side = |s: usize, restricted: bool| {
                    restricted.then(|| {
                        let (tj, hj) = relaxed[f][s];
                        binomial_sf(k as u64, n as u64, hj as f64 / tj as f64)
                    })
                };
                (
                    side(0, limits[f].0 != self.init[f].0),
                    side(1, limits[f].1 != self.init[f].1),
                )
            })
            .collect();
        let _ = self.opts;
        self.trajectory.push(PrimBox {
            n,
            k,
            coverage: k as f64 / self.total_k as f64,
            density: k as f64 / n as f64,
            mass: n as f64 / n_all as f64,
            limits,
            qp,
        });
    }
}

/// EMA's objective `LENIENT1`: the change of density per point removed or added.
fn lenient1(k_old: usize, n_old: usize, k_new: usize, n_new: usize) -> f64 {
    let mean_old = k_old as f64 / n_old as f64;
    let mean_new = if n_new > 0 {
        k_new as f64 / n_new as f64
    } else {
        0.0
    };
    if mean_old == mean_new {
        return 0.0;
    }
    (mean_new - mean_old) / n_old.abs_diff(n_new) as f64
}

/// EMA's `get_quantile` (from sdtoolkit): position (n − 1) q; above the median, halfway
/// between the value at the upper neighbour and the largest smaller value; below it,
/// halfway between the value at the lower neighbour and the smallest larger value. So a
/// limit never sits on a data value and ties are peeled together. Reorders `data`.
fn ema_quantile(data: &mut [f64], q: f64) -> f64 {
    debug_assert!(q > 0.0 && q < 1.0 && !data.is_empty());
    let pos = (data.len() - 1) as f64 * q;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    if q > 0.5 {
        let (below, at, _) = data.select_nth_unstable_by(hi, f64::total_cmp);
        let at = *at;
        let pred = below
            .iter()
            .copied()
            .filter(|&v| v < at)
            .fold(f64::NEG_INFINITY, f64::max);
        // Without a smaller value EMA's walk stops at index 0, which holds `at` itself.
        let pred = if pred == f64::NEG_INFINITY { at } else { pred };
        (pred + at) / 2.0
    } else {
        let (_, at, above) = data.select_nth_unstable_by(lo, f64::total_cmp);
        let at = *at;
        let succ = above
            .iter()
            .copied()
            .filter(|&v| v > at)
            .fold(f64::INFINITY, f64::min);
        let succ = if succ == f64::INFINITY { at } else { succ };
        (at + succ) / 2.0
    }
}

/// The swept fields and classes of a sweep directory's `worlds.csv`: the fields are the
/// columns after `replicate`; a world is of interest when its `outcome` is `class`.
/// Fields that are not numbers at every world (categorical ones) are left out and named in
/// the second value.
pub fn read_sweep(dir: &Path, class: &str) -> Result<(Data, Vec<String>), DiscoverError> {
    let path = dir.join("worlds.csv");
    let table = |message: String| DiscoverError::Table {
        path: path.clone(),
        message,
    };
    if !dir.is_dir() {
        return Err(DiscoverError::Input(format!(
            "{}: not a directory (give the result directory of `blocs sweep`)",
            dir.display()
        )));
    }
    let mut reader = csv::Reader::from_path(&path).map_err(|e| {
        table(format!(
            "cannot read ({e}); is this a finished sweep directory?"
        ))
    })?;
    let header = reader.headers().map_err(|e| table(e.to_string()))?.clone();
    let find = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| table(format!("no `{name}` column: not a sweep's worlds.csv")))
    };
    let outcome = find(crate::schema::summary::OUTCOME)?;
    let first = find(crate::schema::REPLICATE)? + 1;
    let names: Vec<String> = header.iter().skip(first).map(String::from).collect();
    if names.is_empty() {
        return Err(table("no swept fields after `replicate`".into()));
    }
    let mut cols: Vec<Option<Vec<f64>>> = vec![Some(Vec::new()); names.len()];
    let mut y = Vec::new();
    for (line, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| table(format!("line {}: {e}", line + 2)))?;
        y.push(&rec[outcome] == class);
        for (c, col) in cols.iter_mut().enumerate() {
            let v = rec.get(first + c).and_then(|s| s.parse::<f64>().ok());
            match (col.as_mut(), v) {
                (Some(col), Some(v)) if v.is_finite() => col.push(v),
                _ => *col = None,
            }
        }
    }
    if y.is_empty() {
        return Err(table("no worlds".into()));
    }
    let mut fields = Vec::new();
    let mut x = Vec::new();
    let mut skipped = Vec::new();
    for (name, col) in names.into_iter().zip(cols) {
        match col {
            Some(c) => {
                fields.push(name);
                x.push(c);
            }
            None => skipped.push(name),
        }
    }
    if x.is_empty() {
        return Err(DiscoverError::Input(format!(
            "{}: no numeric swept field (categorical fields: {}); PRIM here searches numeric ranges",
            path.display(),
            skipped.join(", ")
        )));
    }
    Ok((Data { fields, x, y }, skipped))
}

/// `discover_trajectory.csv`: one row per box of the trajectory.
pub fn trajectory_csv(data: &Data, prim: &Prim) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head: Vec<String> = ["box", "n", "k", "coverage", "density", "mass", "restricted"]
        .map(String::from)
        .to_vec();
    for f in &data.fields {
        head.push(format!("{f}_lo"));
        head.push(format!("{f}_hi"));
    }
    w.write_record(&head).expect("in memory");
    for (i, b) in prim.trajectory.iter().enumerate() {
        let mut row = vec![
            i.to_string(),
            b.n.to_string(),
            b.k.to_string(),
            format!("{:?}", b.coverage),
            format!("{:?}", b.density),
            format!("{:?}", b.mass),
            b.restricted(&prim.init).len().to_string(),
        ];
        for &(lo, hi) in &b.limits {
            row.push(format!("{lo:?}"));
            row.push(format!("{hi:?}"));
        }
        w.write_record(&row).expect("in memory");
    }
    w.into_inner().expect("in memory")
}

/// `discover_box.csv`: the restricted fields of box `i` with their range, the range over
/// all worlds, and the quasi-p-value of each restricted limit.
pub fn box_csv(data: &Data, prim: &Prim, i: usize) -> Vec<u8> {
    let b = &prim.trajectory[i];
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "field", "lower", "upper", "min", "max", "qp_lower", "qp_upper",
    ])
    .expect("in memory");
    let opt = |x: Option<f64>| x.map(|v| format!("{v:?}")).unwrap_or_default();
    for f in b.restricted(&prim.init) {
        w.write_record([
            data.fields[f].clone(),
            format!("{:?}", b.limits[f].0),
            format!("{:?}", b.limits[f].1),
            format!("{:?}", prim.init[f].0),
            format!("{:?}", prim.init[f].1),
            opt(b.qp[f].0),
            opt(b.qp[f].1),
        ])
        .expect("in memory");
    }
    w.into_inner().expect("in memory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ema_quantiles_sit_between_distinct_values() {
        // (n − 1) q = 0.45 and 8.55: halfway between neighbours.
        let mut v: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(ema_quantile(&mut v, 0.05), 0.5);
        assert_eq!(ema_quantile(&mut v, 0.95), 8.5);
        // Ties are skipped: the lower limit moves past all the 1s.
        let mut v = vec![1.0, 1.0, 1.0, 1.0, 2.0, 3.0];
        assert_eq!(ema_quantile(&mut v, 0.05), 1.5);
        let mut v = vec![1.0, 2.0, 3.0, 3.0, 3.0, 3.0];
        assert_eq!(ema_quantile(&mut v, 0.95), 2.5);
        // All equal: the value itself.
        let mut v = vec![4.0; 5];
        assert_eq!(ema_quantile(&mut v, 0.95), 4.0);
        assert_eq!(ema_quantile(&mut v, 0.05), 4.0);
    }

    #[test]
    fn lenient1_is_density_gain_per_point() {
        assert_eq!(lenient1(5, 10, 5, 8), (5.0 / 8.0 - 0.5) / 2.0);
        assert_eq!(lenient1(5, 10, 5, 10), 0.0);
        assert_eq!(lenient1(5, 10, 0, 0), -0.05);
    }
}
