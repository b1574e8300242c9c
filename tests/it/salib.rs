//! Sobol and Morris indices against SALib on identical inputs: the sample matrices,
//! outputs, resample rows and indices in `tests/data/salib/` were computed by SALib 1.6.0
//! (`make_fixtures.py` there; versions in `versions.txt`).

use std::fs;

use blocs::rng::WorldRng;
use blocs::sweep::design::{BOOTSTRAP_STREAM, from_coords};
use blocs::sweep::sensitivity::{self, points_per_row, sobol_on_rows, standardise};
use blocs::sweep::stats::{Moments, Z_95};

const EXACT: f64 = 1e-12;

fn matrix(name: &str) -> Vec<Vec<f64>> {
    let path = format!("{}/tests/data/salib/{name}", env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| l.split(',').map(|v| v.parse().expect("a number")).collect())
        .collect()
}

/// (index, i, j, value, conf) rows of an `*_indices.csv`.
fn indices(name: &str) -> Vec<(String, usize, Option<usize>, f64, f64)> {
    let path = format!("{}/tests/data/salib/{name}", env!("CARGO_MANIFEST_DIR"));
    fs::read_to_string(&path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (
                c[0].to_string(),
                c[1].parse().unwrap(),
                c[2].parse().ok(),
                c[3].parse().unwrap(),
                c[4].parse().unwrap(),
            )
        })
        .collect()
}

/// The index of pair (i, j), i < j, in blocs's S2 order.
fn pair(d: usize, i: usize, j: usize) -> usize {
    (0..i).map(|k| d - 1 - k).sum::<usize>() + (j - i - 1)
}

fn check_sobol(name: &str, d: usize, second_order: bool) {
    let x = matrix(&format!("{name}_x.csv"));
    let y: Vec<f64> = matrix(&format!("{name}_y.csv"))
        .into_iter()
        .map(|r| r[0])
        .collect();
    let stride = points_per_row(d, second_order);
    let n = y.len() / stride;
    assert_eq!(n * stride, y.len());
    // SALib's sample has blocs's layout: the design's points in this order reproduce it.
    let a: Vec<f64> = (0..n).flat_map(|r| x[r * stride].clone()).collect();
    let b: Vec<f64> = (0..n)
        .flat_map(|r| x[r * stride + stride - 1].clone())
        .collect();
    let ours =
        blocs::sweep::design::saltelli_from(&from_coords(d, a), &from_coords(d, b), second_order);
    let theirs: Vec<f64> = x.iter().flatten().copied().collect();
    assert_eq!(ours, from_coords(d, theirs), "{name}: Saltelli layout");

    let got = sensitivity::sobol(
        &y,
        n,
        d,
        second_order,
        0,
        &mut WorldRng::new(1, BOOTSTRAP_STREAM),
    );
    // SALib's intervals from its own resample rows: z_0.975 × sd of the resampled estimates.
    let z = standardise(&y).unwrap();
    let resamples: Vec<Vec<usize>> = matrix(&format!("{name}_r.csv"))
        .into_iter()
        .map(|r| r.into_iter().map(|v| v as usize).collect())
        .collect();
    let estimates: Vec<_> = resamples
        .iter()
        .map(|rows| sobol_on_rows(&z, d, second_order, rows).unwrap())
        .collect();
    let conf = |pick: &dyn Fn(&sensitivity::Estimates) -> f64| {
        let mut m = Moments::default();
        estimates.iter().for_each(|e| m.push(pick(e)));
        Z_95 * m.sd().unwrap()
    };
    let rows = indices(&format!("{name}_indices.csv"));
    let mut checked = 0;
    for (kind, i, j, value, want_conf) in rows {
        let (point, c) = match (kind.as_str(), j) {
            ("S1", None) => (got.first[i].s1.unwrap(), conf(&|e| e.s1[i])),
            ("ST", None) => (got.first[i].st.unwrap(), conf(&|e| e.st[i])),
            ("S2", Some(j)) => {
                let k = pair(d, i, j);
                assert_eq!((got.second[k].i, got.second[k].j), (i, j));
                (got.second[k].s2.unwrap(), conf(&|e| e.s2[k]))
            }
            other => panic!("unexpected row {other:?}"),
        };
        assert!(
            (point - value).abs() < EXACT,
            "{name} {kind}[{i}]: {point} vs SALib {value}"
        );
        assert!(
            (c - want_conf).abs() < EXACT,
            "{name} {kind}[{i}] conf: {c} vs SALib {want_conf}"
        );
        checked += 1;
    }
    let pairs = if second_order { d * (d - 1) / 2 } else { 0 };
    assert_eq!(checked, 2 * d + pairs);
}

#[test]
fn first_and_total_indices_equal_salib() {
    check_sobol("sobol1", 4, false);
}

#[test]
fn second_order_indices_equal_salib() {
    check_sobol("sobol2", 3, true);
}

#[test]
fn first_order_indices_do_not_depend_on_the_outputs_mean() {
    // The bug SALib's standardisation avoids: S1 of y and of y + 1000 must agree.
    let y: Vec<f64> = matrix("sobol1_y.csv").into_iter().map(|r| r[0]).collect();
    let shifted: Vec<f64> = y.iter().map(|v| v + 1000.0).collect();
    let rng = || WorldRng::new(1, BOOTSTRAP_STREAM);
    let a = sensitivity::sobol(&y, 128, 4, false, 0, &mut rng());
    let b = sensitivity::sobol(&shifted, 128, 4, false, 0, &mut rng());
    for (a, b) in a.first.iter().zip(&b.first) {
        assert!(
            (a.s1.unwrap() - b.s1.unwrap()).abs() < 1e-9,
            "{a:?} vs {b:?}"
        );
        assert!(
            (a.st.unwrap() - b.st.unwrap()).abs() < 1e-9,
            "{a:?} vs {b:?}"
        );
    }
}

#[test]
fn morris_statistics_equal_salib() {
    let x: Vec<f64> = matrix("morris_x.csv").into_iter().flatten().collect();
    let y: Vec<f64> = matrix("morris_y.csv").into_iter().map(|r| r[0]).collect();
    let got = sensitivity::morris(&from_coords(4, x), &y);
    let path = format!(
        "{}/tests/data/salib/morris_indices.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = fs::read_to_string(path).unwrap();
    for line in text.lines().skip(1) {
        let v: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
        let m = got[v[0] as usize];
        assert!((m.mu - v[1]).abs() < EXACT, "mu {m:?} vs {v:?}");
        assert!((m.mu_star - v[2]).abs() < EXACT, "mu* {m:?} vs {v:?}");
        assert!(
            (m.sigma.unwrap() - v[3]).abs() < EXACT,
            "sigma {m:?} vs {v:?}"
        );
    }
}
