//! Every statistical formula of the shell, in one place: running moments and t intervals
//! of means, Student's t, Wilson intervals of shares, quantiles and bootstrap percentile
//! intervals, and the binomial tail of PRIM's quasi-p-values. Sweeps, `reproduce`, the
//! `run` summary and the figures all call these.
//!
//! Everything is computed sequentially in a fixed order (world index order), so the same
//! inputs give the same bits; nothing here is reduced across threads.

/// The 97.5 % standard normal quantile: two-sided 95 % intervals.
pub const Z_95: f64 = 1.959963984540054;

/// Mean and variance by Welford's update, which stays accurate when values are close.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    /// Values seen.
    pub n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The mean; `None` without values.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
    }

    /// The sample standard deviation (n − 1 in the denominator); `None` below 2 values.
    pub fn sd(&self) -> Option<f64> {
        (self.n > 1).then(|| (self.m2 / (self.n - 1) as f64).sqrt())
    }

    /// The 95 % confidence interval of the mean, mean ± t(0.975, n − 1) sd / √n; `None`
    /// below 2 values.
    pub fn ci95(&self) -> Option<(f64, f64)> {
        let sd = self.sd()?;
        let half = t_quantile(0.975, (self.n - 1) as f64) * sd / (self.n as f64).sqrt();
        Some((self.mean - half, self.mean + half))
    }
}

/// The 95 % Wilson score interval of a share of `k` successes in `n` trials (n > 0).
///
/// Unlike the normal interval p ± z √(p(1−p)/n), it stays inside [0, 1] and does not
/// collapse to a point at p = 0 or 1, which is where outcome shares often are.
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    assert!(n > 0, "a share of nothing has no interval");
    let (k, n) = (k as f64, n as f64);
    let z = Z_95;
    let p = k / n;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z / denom * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The p-quantile of Student's t with `df` degrees of freedom (p in (0, 1), df > 0), by
/// bisection on the distribution function.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    assert!(p > 0.0 && p < 1.0 && df > 0.0, "t_quantile({p}, {df})");
    if p < 0.5 {
        return -t_quantile(1.0 - p, df);
    }
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while t_cdf(hi, df) < p {
        hi *= 2.0;
    }
    // 200 halvings reach the resolution of f64 from any starting width.
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid == lo || mid == hi {
            break;
        }
        if t_cdf(mid, df) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The distribution function of Student's t.
pub fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    let tail = 0.5 * incomplete_beta(0.5 * df, 0.5, x);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// P(X ≥ k) for X binomial with `n` trials and success probability `p`: the one-sided
/// binomial test's p-value (scipy's `binomtest(k, n, p, alternative="greater")`), as the
/// regularised incomplete beta I_p(k, n − k + 1).
pub fn binomial_sf(k: u64, n: u64, p: f64) -> f64 {
    assert!(
        k <= n && (0.0..=1.0).contains(&p),
        "binomial_sf({k}, {n}, {p})"
    );
    if k == 0 || p >= 1.0 {
        return 1.0;
    }
    if p <= 0.0 {
        return 0.0;
    }
    incomplete_beta(k as f64, (n - k + 1) as f64, p)
}

/// The regularised incomplete beta function I_x(a, b), by Lentz's continued fraction
/// (Numerical Recipes, section 6.4).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b)
        + a * crate::math::ln(x)
        + b * crate::math::ln(1.0 - x);
    let front = crate::math::exp(ln_front);
    // The fraction converges fast for x below the mean of the distribution; use the
    // symmetry I_x(a, b) = 1 − I_{1−x}(b, a) above it.
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(a, b, x) / a
    } else {
        1.0 - front * beta_fraction(b, a, 1.0 - x) / b
    }
}

fn beta_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx).
        let pi = std::f64::consts::PI;
        return crate::math::ln(pi / crate::math::sin(pi * x)) - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * crate::math::ln(2.0 * std::f64::consts::PI) + (x + 0.5) * crate::math::ln(t) - t
        + crate::math::ln(sum)
}

/// The q-quantile of sorted values by linear interpolation between order statistics
/// (position q (n − 1), numpy's default).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    assert!(!sorted.is_empty(), "a quantile of nothing");
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The central 95 % interval of `values` by percentiles (2.5 % and 97.5 %, linear
/// interpolation as [`quantile_sorted`]): the bootstrap percentile interval. `None`
/// without values.
pub fn percentile_interval_95(mut values: Vec<f64>) -> Option<(f64, f64)> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    Some((
        quantile_sorted(&values, 0.025),
        quantile_sorted(&values, 0.975),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Values from standard t tables (two-sided 95 %).
        for (df, t) in [
            (1.0, 12.706204736174698),
            (2.0, 4.302652729749464),
            (4.0, 2.7764451051977934),
            (10.0, 2.2281388519862744),
            (30.0, 2.0422724563012373),
            (1000.0, 1.9623390808264074),
        ] {
            let got = t_quantile(0.975, df);
            assert!((got - t).abs() < 1e-9, "df {df}: {got} vs {t}");
        }
        assert!((t_quantile(0.025, 10.0) + 2.2281388519862744).abs() < 1e-9);
    }

    #[test]
    fn quantiles_interpolate_as_numpy() {
        // numpy.quantile([1, 2, 4, 8], q): 1.3 at 0.1 (position 0.3), 3.0 at 0.5.
        let v = [1.0, 2.0, 4.0, 8.0];
        assert!((quantile_sorted(&v, 0.1) - 1.3).abs() < 1e-15);
        assert_eq!(quantile_sorted(&v, 0.5), 3.0);
        assert_eq!(quantile_sorted(&v, 1.0), 8.0);
        let hundred: Vec<f64> = (0..=100).map(f64::from).rev().collect();
        let (lo, hi) = percentile_interval_95(hundred).unwrap();
        assert!((lo - 2.5).abs() < 1e-12 && (hi - 97.5).abs() < 1e-12);
        assert_eq!(percentile_interval_95(Vec::new()), None);
    }

    #[test]
    fn binomial_tail_matches_sums_of_terms() {
        // P(X ≥ 3), X ~ Bin(5, 0.4) = 10·0.4³·0.6² + 5·0.4⁴·0.6 + 0.4⁵ = 0.31744.
        assert!((binomial_sf(3, 5, 0.4) - 0.31744).abs() < 1e-14);
        // P(X ≥ 10), X ~ Bin(10, 0.5) = 2^-10.
        assert!((binomial_sf(10, 10, 0.5) / (0.5f64.powi(10)) - 1.0).abs() < 1e-12);
        assert_eq!(binomial_sf(0, 7, 0.3), 1.0);
        assert_eq!(binomial_sf(2, 7, 0.0), 0.0);
    }

    #[test]
    fn moments_match_two_pass_formulas() {
        let xs = [0.3, 0.1, 0.4, 0.15, 0.9];
        let mut m = Moments::default();
        xs.iter().for_each(|&x| m.push(x));
        let mean = xs.iter().sum::<f64>() / 5.0;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 4.0;
        assert!((m.mean().unwrap() - mean).abs() < 1e-15);
        assert!((m.sd().unwrap() - var.sqrt()).abs() < 1e-15);
        let mut one = Moments::default();
        one.push(2.0);
        assert_eq!((one.mean(), one.sd(), one.ci95()), (Some(2.0), None, None));
    }
}
