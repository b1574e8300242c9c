//! Small deterministic numerical tools shared by the docking models.

/// Inverse golden ratio, the bracket shrink factor of golden-section search.
const INV_PHI: f64 = 0.618_033_988_749_894_8;

/// Relative difference `|a - b| / max(|a|, |b|, 1e-300)`.
pub fn rel_diff(a: f64, b: f64) -> f64 {
    let scale = a.abs().max(b.abs()).max(1e-300);
    (a - b).abs() / scale
}

/// Golden-section search for the maximum of a unimodal `f` on `[lo, hi]`.
///
/// Returns the midpoint of the final bracket. Its accuracy is limited to
/// about `sqrt(machine epsilon)` relative, because near a smooth maximum
/// the objective changes only quadratically: see [`polished_argmax`].
pub fn golden_max<F: FnMut(f64) -> f64>(mut f: F, lo: f64, hi: f64, tol: f64) -> f64 {
    let (mut a, mut b) = (lo, hi);
    let mut c = b - INV_PHI * (b - a);
    let mut d = a + INV_PHI * (b - a);
    let mut fc = f(c);
    let mut fd = f(d);
    // 200 iterations shrink any bracket by 1e-41, so the cap never binds
    // before `tol` does for sane inputs; it only guards against NaN loops.
    for _ in 0..200 {
        if (b - a).abs() <= tol * (1.0 + a.abs().max(b.abs())) {
            break;
        }
        if fc >= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - INV_PHI * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + INV_PHI * (b - a);
            fd = f(d);
        }
    }
    0.5 * (a + b)
}

/// Brute-force maximiser: golden section, then the root of a five-point
/// central difference inside the final golden bracket (Brent's method).
///
/// Golden section alone cannot resolve an argmax below ~1e-8 relative (the
/// objective is flat to rounding there). The sign of a difference quotient
/// still carries information at that scale; the five-point stencil has
/// truncation error O(h^4), so a wide step `h` keeps rounding noise small
/// without biasing the root: ~1e-11 relative for smooth objectives. No
/// derivative formula is used, only evaluations of `f`.
pub fn polished_argmax<F: FnMut(f64) -> f64>(mut f: F, lo: f64, hi: f64) -> f64 {
    let x0 = golden_max(&mut f, lo, hi, 1e-7);
    let width = 1e-5 * (1.0 + x0.abs());
    let a = (x0 - width).max(lo);
    let b = (x0 + width).min(hi);
    let h = 1e-3 * (1.0 + x0.abs());
    // The stencil must stay inside the domain, where `f` is defined.
    if a - 2.0 * h < lo || b + 2.0 * h > hi {
        return x0;
    }
    let mut slope = |x: f64| 8.0 * (f(x + h) - f(x - h)) - (f(x + 2.0 * h) - f(x - 2.0 * h));
    let sa = slope(a);
    let sb = slope(b);
    // Without a sign change the objective is flat to rounding here; the
    // golden answer is then the best available.
    if !(sa > 0.0 && sb < 0.0) {
        return x0;
    }
    brent_root(slope, a, b, sa, sb)
}

/// Bisection for a root of `f` on `[lo, hi]`; `None` without a sign change.
pub fn bisect<F: FnMut(f64) -> f64>(mut f: F, lo: f64, hi: f64, tol: f64) -> Option<f64> {
    let (mut a, mut b) = (lo, hi);
    let fa = f(a);
    let fb = f(b);
    if fa == 0.0 {
        return Some(a);
    }
    if fb == 0.0 {
        return Some(b);
    }
    if !fa.is_finite() || !fb.is_finite() || (fa > 0.0) == (fb > 0.0) {
        return None;
    }
    let a_positive = fa > 0.0;
    for _ in 0..300 {
        let m = 0.5 * (a + b);
        let fm = f(m);
        if !fm.is_finite() {
            return None;
        }
        if fm == 0.0 {
            return Some(m);
        }
        if (fm > 0.0) == a_positive {
            a = m;
        } else {
            b = m;
        }
        if (b - a).abs() <= tol * (1.0 + m.abs()) {
            break;
        }
    }
    Some(0.5 * (a + b))
}

/// Solves `m x = rhs` by Gaussian elimination with partial pivoting.
///
/// `m` is row-major `n x n`. Returns `None` for a (numerically) singular matrix.
pub fn solve_linear(mut m: Vec<Vec<f64>>, mut rhs: Vec<f64>) -> Option<Vec<f64>> {
    let n = rhs.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[pivot][col].abs() < 1e-300 {
            return None;
        }
        m.swap(col, pivot);
        rhs.swap(col, pivot);
        let (upper, lower) = m.split_at_mut(col + 1);
        let pivot_row = &upper[col];
        for (offset, r) in lower.iter_mut().enumerate() {
            let factor = r[col] / pivot_row[col];
            if factor != 0.0 {
                for (x, p) in r[col..].iter_mut().zip(&pivot_row[col..]) {
                    *x -= factor * p;
                }
                rhs[col + 1 + offset] -= factor * rhs[col];
            }
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let tail: f64 = (row + 1..n).map(|k| m[row][k] * x[k]).sum();
        x[row] = (rhs[row] - tail) / m[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Brent's method for a root of `g` inside a sign-changing bracket
/// `[a, b]` (`g(a)` and `g(b)` given, of opposite signs).
fn brent_root<G: FnMut(f64) -> f64>(
    mut g: G,
    mut a: f64,
    mut b: f64,
    mut fa: f64,
    mut fb: f64,
) -> f64 {
    let mut c = a;
    let mut fc = fa;
    let mut d = b - a;
    let mut e = d;
    for _ in 0..200 {
        if (fb > 0.0) == (fc > 0.0) {
            c = a;
            fc = fa;
            d = b - a;
            e = d;
        }
        if fc.abs() < fb.abs() {
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        let tol = 1e-14 * (1.0 + b.abs());
        let m = 0.5 * (c - b);
        if m.abs() <= tol || fb == 0.0 {
            return b;
        }
        if e.abs() >= tol && fa.abs() > fb.abs() {
            let s = fb / fa;
            let (mut p, mut q) = if a == c {
                (2.0 * m * s, 1.0 - s)
            } else {
                let qa = fa / fc;
                let r = fb / fc;
                (
                    s * (2.0 * m * qa * (qa - r) - (b - a) * (r - 1.0)),
                    (qa - 1.0) * (r - 1.0) * (s - 1.0),
                )
            };
            if p > 0.0 {
                q = -q;
            }
            p = p.abs();
            if 2.0 * p < (3.0 * m * q - (tol * q).abs()).min((e * q).abs()) {
                e = d;
                d = p / q;
            } else {
                d = m;
                e = d;
            }
        } else {
            d = m;
            e = d;
        }
        a = b;
        fa = fb;
        b += if d.abs() > tol { d } else { tol.copysign(m) };
        fb = g(b);
    }
    b
}

/// Maximiser of a smooth `f` near a good guess `x0`: brackets the root of
/// a five-point difference quotient by stepping out from `x0`, then finds
/// it with Brent's method. Much cheaper than [`polished_argmax`] when
/// `x0` is close (as inside a best-response iteration); `None` when no
/// interior bracket exists in `[lo, hi]`.
pub fn argmax_near<F: FnMut(f64) -> f64>(mut f: F, x0: f64, lo: f64, hi: f64) -> Option<f64> {
    let h = 1e-3 * (1.0 + x0.abs());
    let (lo_ok, hi_ok) = (lo + 2.0 * h, hi - 2.0 * h);
    if !(x0 >= lo_ok && x0 <= hi_ok) {
        return None;
    }
    let mut slope =
        |x: f64| (8.0 * (f(x + h) - f(x - h)) - (f(x + 2.0 * h) - f(x - 2.0 * h))) / (12.0 * h);
    let mut step = 0.05 * (1.0 + x0.abs());
    let g0 = slope(x0);
    if !g0.is_finite() {
        return None;
    }
    let (mut a, mut ga, mut b, mut gb) = (x0, g0, x0, g0);
    for _ in 0..60 {
        if ga > 0.0 && gb < 0.0 {
            break;
        }
        if g0 > 0.0 {
            a = b;
            ga = gb;
            b = (b + step).min(hi_ok);
            gb = slope(b);
            if gb >= 0.0 && b >= hi_ok {
                return None;
            }
        } else {
            b = a;
            gb = ga;
            a = (a - step).max(lo_ok);
            ga = slope(a);
            if ga <= 0.0 && a <= lo_ok {
                return None;
            }
        }
        if !(ga.is_finite() && gb.is_finite()) {
            return None;
        }
        step *= 2.0;
    }
    if !(ga > 0.0 && gb < 0.0) {
        return None;
    }
    Some(brent_root(slope, a, b, ga, gb))
}
