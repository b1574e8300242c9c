//! Krugman (1991) "Is bilateralism bad?": CES trading blocs and Nash tariffs.
//!
//! The world is a unit mass of provinces, each endowed with one unit of its
//! own variety; every consumer has CES preferences with elasticity `sigma`
//! over all varieties. Provinces are grouped into customs unions (blocs):
//! free trade inside, one ad valorem tariff on all imports from outside,
//! revenue rebated lump-sum inside the bloc. Each bloc picks the tariff that
//! maximises its own welfare given the others' tariffs (Nash).
//!
//! Derivation of the symmetric Nash tariff (B equal blocs, common tariff t).
//! A bloc exports its own varieties (world price `x`) and imports everything
//! else (world price 1), so it is a large country facing the rest of the
//! world's general-equilibrium import demand for its goods, `X(x)`. Its
//! optimal tariff is `1/(eps - 1)` with `eps = -dlnX/dlnx`. Each other bloc
//! spends the share `nu` on our goods, `nu = r/(1+(B-1)r)`, `r = (1+t)^(1-sigma)`,
//! and income `Y = (1/B)/(1 - tau*mu)` with `tau = t/(1+t)`, import share
//! `mu = 1 - o`, own share `o = 1/(1+(B-1)r)`. Differentiating `X = nu*Y/((1+t)x)`:
//!
//! * `dln nu/dln x = (1-sigma)(1-nu)`: a dearer bloc loses share, but by less
//!   than `sigma` because its own goods weigh in the buyers' price index;
//! * `dln Y/dln x = tau*o*nu*(sigma-1)/(1-tau*mu)`: the buyers' tariff revenue
//!   falls as their import share falls.
//!
//! Hence `eps = 1 + (sigma-1)[(1-nu) + tau*o*nu/(1-tau*mu)]` and the Nash
//! tariff solves `t = 1/(eps(t)-1)`. Holding the bloc's share of the others'
//! spending fixed gives `eps = sigma`, `t = 1/(sigma-1)`: too low for few
//! blocs. Dropping only the income term gives `t = 1/((sigma-1)(1-nu))`:
//! too high. Both are checked against a brute-force best response computed
//! from the full general equilibrium (see the tests).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::trade::TradeError;
use crate::trade::numerics::{argmax_near, bisect, golden_max, polished_argmax, solve_linear};

/// The CES trading-bloc model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KrugmanCes {
    /// Elasticity of substitution between any two varieties (> 1).
    pub sigma: f64,
}

/// A class of identical blocs: how many, each one's mass, their tariff.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlocClass {
    /// Number of blocs in the class.
    pub count: usize,
    /// Mass of provinces in each bloc (all masses sum to one).
    pub size: f64,
    /// Ad valorem tariff on all imports from outside the bloc.
    pub tariff: f64,
}

/// Equilibrium of one bloc of a class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BlocOutcome {
    /// World price of the bloc's varieties (numeraire: class 0 price is 1).
    pub price: f64,
    /// Bloc income: endowment value plus rebated tariff revenue.
    pub income: f64,
    /// CES price index faced by the bloc's consumers.
    pub price_index: f64,
    /// Real income per unit mass of provinces (1 under world free trade).
    pub welfare: f64,
}

/// Which merges the bloc-merging dynamic accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MergeRule {
    /// Two blocs merge only if the provinces of both gain.
    BothGain,
    /// Two blocs merge if their provinces gain in total (side payments).
    JointGain,
}

/// One step of the merging dynamic.
#[derive(Debug, Clone, PartialEq)]
pub struct MergeStep {
    /// Bloc sizes in provinces, largest first.
    pub sizes: Vec<usize>,
    /// Nash tariff of each bloc, same order as `sizes`.
    pub tariffs: Vec<f64>,
    /// World welfare relative to free trade.
    pub world_welfare: f64,
}

/// Bounds of the tariff search; the Nash tariffs of the experiments are far
/// inside (the largest, about 2.2, is a bloc of 11/12 of the world at sigma = 2).
const TARIFF_CAP: f64 = 200.0;

/// Tolerance for Nash tariff iterations.
const NASH_TOL: f64 = 1e-9;

impl KrugmanCes {
    /// Validates `sigma > 1` (with `sigma <= 1` optimal tariffs are unbounded).
    pub fn new(sigma: f64) -> Result<Self, TradeError> {
        if !(sigma.is_finite() && sigma > 1.0) {
            return Err(TradeError::InvalidParams(format!(
                "KrugmanCes needs finite sigma > 1, got {sigma}"
            )));
        }
        Ok(Self { sigma })
    }

    fn symmetric_shares(&self, blocs: f64, t: f64) -> (f64, f64, f64, f64) {
        let r = crate::math::powf(1.0 + t, 1.0 - self.sigma);
        let own = 1.0 / (1.0 + (blocs - 1.0) * r);
        let nu = r * own;
        (own, nu, 1.0 - own, t / (1.0 + t))
    }

    /// General-equilibrium elasticity of the rest of the world's demand for
    /// one bloc's exports, at a symmetric state with common tariff `t`.
    pub fn export_elasticity(&self, blocs: usize, t: f64) -> f64 {
        let (own, nu, mu, tau) = self.symmetric_shares(blocs as f64, t);
        1.0 + (self.sigma - 1.0) * ((1.0 - nu) + tau * own * nu / (1.0 - tau * mu))
    }

    fn fixed_point(&self, blocs: usize, rhs: impl Fn(f64) -> f64) -> Result<f64, TradeError> {
        if blocs < 2 {
            return Err(TradeError::InvalidParams(format!(
                "a Nash tariff needs at least 2 blocs, got {blocs}"
            )));
        }
        let hi = 1e3 / (self.sigma - 1.0);
        bisect(|t| t - rhs(t), 0.0, hi, 1e-16).ok_or_else(|| {
            TradeError::NoConvergence(format!(
                "Nash tariff for B = {blocs}, sigma = {}",
                self.sigma
            ))
        })
    }

    /// Symmetric Nash tariff with `blocs` equal blocs: the root of
    /// `t = 1/(eps(t) - 1)` (closed-form first-order condition, solved by
    /// bisection because `eps` depends on `t`).
    pub fn nash_tariff(&self, blocs: usize) -> Result<f64, TradeError> {
        self.fixed_point(blocs, |t| 1.0 / (self.export_elasticity(blocs, t) - 1.0))
    }

    /// The shortcut that holds the bloc's share of the others' spending
    /// fixed: `eps = sigma`, so `t = 1/(sigma-1)` for every number of blocs.
    pub fn shortcut_tariff(&self) -> f64 {
        1.0 / (self.sigma - 1.0)
    }

    /// The share-elasticity formula `eps = sigma(1-nu) + nu` that ignores
    /// the change in the other blocs' tariff revenue.
    pub fn fixed_income_tariff(&self, blocs: usize) -> Result<f64, TradeError> {
        self.fixed_point(blocs, |t| {
            let (_, nu, _, _) = self.symmetric_shares(blocs as f64, t);
            1.0 / ((self.sigma - 1.0) * (1.0 - nu))
        })
    }

    /// World welfare relative to world free trade with `blocs` equal blocs
    /// all levying `t`.
    pub fn world_welfare(&self, blocs: usize, t: f64) -> f64 {
        let b = blocs as f64;
        let (_, _, mu, tau) = self.symmetric_shares(b, t);
        let r = crate::math::powf(1.0 + t, 1.0 - self.sigma);
        let index = crate::math::powf((1.0 + (b - 1.0) * r) / b, 1.0 / (1.0 - self.sigma));
        1.0 / ((1.0 - tau * mu) * index)
    }

    /// Evaluates demands and incomes at world prices `x` (one per class).
    /// Returns the excess of demand over supply value, in logs, per class,
    /// and the bloc outcomes.
    fn evaluate(&self, classes: &[BlocClass], x: &[f64]) -> (Vec<f64>, Vec<BlocOutcome>) {
        let e = 1.0 - self.sigma;
        let c = classes.len();
        let mut denom = vec![0.0; c];
        let mut own_share = vec![0.0; c];
        let mut income = vec![0.0; c];
        for (k, ck) in classes.iter().enumerate() {
            let own = ck.size * crate::math::powf(x[k], e);
            let foreign: f64 = classes
                .iter()
                .enumerate()
                .map(|(j, cj)| {
                    let others = cj.count - usize::from(j == k);
                    others as f64 * cj.size * crate::math::powf(x[j] * (1.0 + ck.tariff), e)
                })
                .sum();
            denom[k] = own + foreign;
            own_share[k] = own / denom[k];
            let tau = ck.tariff / (1.0 + ck.tariff);
            income[k] = ck.size * x[k] / (1.0 - tau * (1.0 - own_share[k]));
        }
        let mut residual = vec![0.0; c];
        let mut outcomes = Vec::with_capacity(c);
        for (j, cj) in classes.iter().enumerate() {
            let from_buyers: f64 = classes
                .iter()
                .enumerate()
                .map(|(k, ck)| {
                    let buyers = ck.count - usize::from(j == k);
                    let share = cj.size * crate::math::powf(x[j] * (1.0 + ck.tariff), e) / denom[k];
                    buyers as f64 * share * income[k] / (1.0 + ck.tariff)
                })
                .sum();
            let demand = own_share[j] * income[j] + from_buyers;
            residual[j] = crate::math::ln(demand / (cj.size * x[j]));
            let price_index = crate::math::powf(denom[j], 1.0 / e);
            outcomes.push(BlocOutcome {
                price: x[j],
                income: income[j],
                price_index,
                welfare: income[j] / (price_index * cj.size),
            });
        }
        (residual, outcomes)
    }

    /// General equilibrium for given bloc classes and tariffs.
    ///
    /// Newton's method on the log world prices of classes 1.. (class 0 is
    /// the numeraire; its market clears by Walras' law), with a
    /// finite-difference Jacobian and step halving.
    pub fn equilibrium(&self, classes: &[BlocClass]) -> Result<Vec<BlocOutcome>, TradeError> {
        self.equilibrium_from(classes, &vec![1.0; classes.len()])
    }

    fn equilibrium_from(
        &self,
        classes: &[BlocClass],
        start: &[f64],
    ) -> Result<Vec<BlocOutcome>, TradeError> {
        let valid = !classes.is_empty()
            && classes
                .iter()
                .all(|c| c.count > 0 && c.size > 0.0 && c.tariff.is_finite() && c.tariff >= 0.0);
        let mass: f64 = classes.iter().map(|c| c.count as f64 * c.size).sum();
        if !valid || (mass - 1.0).abs() > 1e-9 {
            return Err(TradeError::InvalidParams(
                "bloc classes need positive counts and sizes summing to 1".into(),
            ));
        }
        let unknowns = classes.len() - 1;
        let mut y: Vec<f64> = start.iter().map(|&v| crate::math::ln(v)).collect();
        y[0] = 0.0;
        let norm = |r: &[f64]| r[1..].iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let prices = |y: &[f64]| y.iter().map(|&v| crate::math::exp(v)).collect::<Vec<f64>>();
        let (mut res, mut out) = self.evaluate(classes, &prices(&y));
        // Iterate to the rounding floor, not to a loose tolerance: welfare
        // differences taken later (best responses) amplify any leftover
        // price error.
        for _ in 0..100 {
            let r = norm(&res);
            if r < 1e-15 {
                return Ok(out);
            }
            let h = 1e-7;
            let mut jac = vec![vec![0.0; unknowns]; unknowns];
            for col in 0..unknowns {
                let mut yp = y.clone();
                yp[col + 1] += h;
                let (rp, _) = self.evaluate(classes, &prices(&yp));
                for row in 0..unknowns {
                    jac[row][col] = (rp[row + 1] - res[row + 1]) / h;
                }
            }
            let rhs: Vec<f64> = res[1..].iter().map(|v| -v).collect();
            let step = solve_linear(jac, rhs)
                .ok_or_else(|| TradeError::NoConvergence("singular price Jacobian".into()))?;
            let mut lambda = 1.0;
            let mut improved = false;
            while lambda >= 1e-6 {
                let trial: Vec<f64> = (0..y.len())
                    .map(|k| {
                        if k == 0 {
                            0.0
                        } else {
                            y[k] + lambda * step[k - 1]
                        }
                    })
                    .collect();
                let (rt, ot) = self.evaluate(classes, &prices(&trial));
                if norm(&rt) < r {
                    y = trial;
                    res = rt;
                    out = ot;
                    improved = true;
                    break;
                }
                // Near the root a failed full step means rounding noise
                // dominates: the prices are as good as they get.
                if r < 1e-12 {
                    return Ok(out);
                }
                lambda *= 0.5;
            }
            if !improved {
                break;
            }
        }
        if norm(&res) < 1e-11 {
            return Ok(out);
        }
        Err(TradeError::NoConvergence(format!(
            "world prices did not clear (residual {:e})",
            norm(&res)
        )))
    }

    /// Welfare of one bloc that levies `t_own` while the other `blocs - 1`
    /// equal blocs levy `t_others`, from the full general equilibrium.
    pub fn deviation_welfare(
        &self,
        blocs: usize,
        t_others: f64,
        t_own: f64,
    ) -> Result<f64, TradeError> {
        if blocs < 2 {
            return Err(TradeError::InvalidParams(
                "a deviation needs at least 2 blocs".into(),
            ));
        }
        let size = 1.0 / blocs as f64;
        let classes = [
            BlocClass {
                count: 1,
                size,
                tariff: t_own,
            },
            BlocClass {
                count: blocs - 1,
                size,
                tariff: t_others,
            },
        ];
        Ok(self.equilibrium(&classes)?[0].welfare)
    }

    fn search_cap(&self) -> f64 {
        10.0 / (self.sigma - 1.0) + 10.0
    }

    /// Brute-force best response (golden section only, ~1e-8 relative).
    pub fn golden_best_response(&self, blocs: usize, t_others: f64) -> Result<f64, TradeError> {
        let mut err = None;
        let t = golden_max(
            |t| self.deviation_or_nan(blocs, t_others, t, &mut err),
            0.0,
            self.search_cap(),
            1e-10,
        );
        err.map_or(Ok(t), Err)
    }

    /// Brute-force best response: golden section plus central-difference
    /// polish on the general-equilibrium welfare (~1e-11 relative).
    pub fn brute_force_best_response(
        &self,
        blocs: usize,
        t_others: f64,
    ) -> Result<f64, TradeError> {
        let mut err = None;
        let t = polished_argmax(
            |t| self.deviation_or_nan(blocs, t_others, t, &mut err),
            0.0,
            self.search_cap(),
        );
        err.map_or(Ok(t), Err)
    }

    fn deviation_or_nan(
        &self,
        blocs: usize,
        t_others: f64,
        t: f64,
        err: &mut Option<TradeError>,
    ) -> f64 {
        match self.deviation_welfare(blocs, t_others, t) {
            Ok(w) => w,
            Err(e) => {
                err.get_or_insert(e);
                f64::NAN
            }
        }
    }

    /// Nash tariffs of an asymmetric world: `sizes[k]` provinces in bloc `k`
    /// out of `sum(sizes)`. Blocs of equal size are taken to levy equal
    /// tariffs; tariffs are iterated by best responses until they settle.
    ///
    /// Returns per distinct size (largest first): `(size, tariff, outcome)`.
    pub fn nash_by_size(
        &self,
        sizes: &[usize],
    ) -> Result<Vec<(usize, f64, BlocOutcome)>, TradeError> {
        let total: usize = sizes.iter().sum();
        let mut counts: BTreeMap<std::cmp::Reverse<usize>, usize> = BTreeMap::new();
        for &s in sizes.iter().filter(|&&s| s > 0) {
            *counts.entry(std::cmp::Reverse(s)).or_insert(0) += 1;
        }
        if total == 0 || sizes.contains(&0) {
            return Err(TradeError::InvalidParams(
                "bloc sizes must be positive".into(),
            ));
        }
        let mut classes: Vec<BlocClass> = counts
            .iter()
            .map(|(std::cmp::Reverse(s), &count)| {
                let size = *s as f64 / total as f64;
                // Start from the symmetric Nash tariff of a world of equal
                // blocs of this size: close to the answer, so few rounds.
                let b = (1.0 / size).round().max(2.0) as usize;
                let tariff = self.nash_tariff(b).unwrap_or(self.shortcut_tariff());
                BlocClass {
                    count,
                    size,
                    tariff,
                }
            })
            .collect();
        if sizes.len() == 1 {
            classes[0].tariff = 0.0;
        } else {
            let mut converged = false;
            for _ in 0..200 {
                let next: Result<Vec<f64>, TradeError> = (0..classes.len())
                    .map(|k| self.best_response(&classes, k))
                    .collect();
                let next = next?;
                let change = next
                    .iter()
                    .zip(&classes)
                    .fold(0.0_f64, |m, (n, c)| m.max((n - c.tariff).abs()));
                for (c, t) in classes.iter_mut().zip(next) {
                    c.tariff = t;
                }
                if change < NASH_TOL {
                    converged = true;
                    break;
                }
            }
            if !converged {
                return Err(TradeError::NoConvergence(format!(
                    "Nash tariffs for bloc sizes {sizes:?}, sigma = {}",
                    self.sigma
                )));
            }
        }
        let out = self.equilibrium(&classes)?;
        Ok(counts
            .keys()
            .map(|std::cmp::Reverse(s)| *s)
            .zip(classes.iter().zip(out))
            .map(|(s, (c, o))| (s, c.tariff, o))
            .collect())
    }

    /// Best tariff of one bloc of class `k` given all current tariffs.
    fn best_response(&self, classes: &[BlocClass], k: usize) -> Result<f64, TradeError> {
        let mut world: Vec<BlocClass> = Vec::with_capacity(classes.len() + 1);
        world.push(BlocClass {
            count: 1,
            ..classes[k]
        });
        for (j, c) in classes.iter().enumerate() {
            let count = c.count - usize::from(j == k);
            if count > 0 {
                world.push(BlocClass { count, ..*c });
            }
        }
        let mut err = None;
        // Warm-starting each price solve from the previous prices saves
        // most Newton steps: successive tariffs differ little.
        let mut last = vec![1.0; world.len()];
        let mut objective = |t: f64| {
            world[0].tariff = t;
            match self.equilibrium_from(&world, &last) {
                Ok(o) => {
                    for (l, b) in last.iter_mut().zip(&o) {
                        *l = b.price;
                    }
                    o[0].welfare
                }
                Err(e) => {
                    err.get_or_insert(e);
                    f64::NAN
                }
            }
        };
        let cap = TARIFF_CAP.min(4.0 * self.search_cap());
        let t = match argmax_near(&mut objective, classes[k].tariff, 0.0, cap) {
            Some(t) => t,
            None => polished_argmax(&mut objective, 0.0, cap),
        };
        if let Some(e) = err {
            return Err(e);
        }
        // A best response on the search cap means the cap, not the model,
        // decided the answer.
        if t > 0.99 * cap {
            return Err(TradeError::NoConvergence(format!(
                "best-response tariff hit the search cap {cap} (sigma = {})",
                self.sigma
            )));
        }
        Ok(t)
    }

    /// Bloc-merging dynamic on `provinces` provinces starting from one bloc
    /// per province: at each step, among merges of two blocs that `rule`
    /// accepts, the one with the largest gain is made (the smallest gain of
    /// the two sides for `BothGain`, the joint gain for `JointGain`; ties go
    /// to larger blocs). Stops when no merge is accepted.
    pub fn merge_dynamics(
        &self,
        provinces: usize,
        rule: MergeRule,
    ) -> Result<Vec<MergeStep>, TradeError> {
        if provinces == 0 {
            return Err(TradeError::InvalidParams(
                "need at least one province".into(),
            ));
        }
        let mut cache: BTreeMap<Vec<usize>, Vec<(usize, f64, BlocOutcome)>> = BTreeMap::new();
        let mut nash = |sizes: &Vec<usize>| -> Result<Vec<(usize, f64, BlocOutcome)>, TradeError> {
            if let Some(v) = cache.get(sizes) {
                return Ok(v.clone());
            }
            let v = self.nash_by_size(sizes)?;
            cache.insert(sizes.clone(), v.clone());
            Ok(v)
        };
        let welfare_of = |eq: &[(usize, f64, BlocOutcome)], s: usize| {
            eq.iter()
                .find(|(size, _, _)| *size == s)
                .map_or(f64::NAN, |e| e.2.welfare)
        };
        let step_of = |sizes: &Vec<usize>, eq: &[(usize, f64, BlocOutcome)]| {
            let total = provinces as f64;
            let tariffs = sizes
                .iter()
                .map(|&s| eq.iter().find(|e| e.0 == s).map_or(f64::NAN, |e| e.1))
                .collect();
            let world = sizes
                .iter()
                .map(|&s| s as f64 / total * welfare_of(eq, s))
                .sum();
            MergeStep {
                sizes: sizes.clone(),
                tariffs,
                world_welfare: world,
            }
        };
        let mut sizes = vec![1; provinces];
        let mut path = vec![step_of(&sizes, &nash(&sizes)?)];
        while sizes.len() > 1 {
            let eq = nash(&sizes)?;
            let mut best: Option<(f64, Vec<usize>)> = None;
            let distinct: Vec<usize> = eq.iter().map(|e| e.0).collect();
            for (ia, &a) in distinct.iter().enumerate() {
                for &b in &distinct[ia..] {
                    let available = sizes.iter().filter(|&&s| s == a).count();
                    if a == b && available < 2 {
                        continue;
                    }
                    let mut next = sizes.clone();
                    for gone in [a, b] {
                        if let Some(pos) = next.iter().position(|&s| s == gone) {
                            next.remove(pos);
                        }
                    }
                    next.push(a + b);
                    next.sort_unstable_by(|x, y| y.cmp(x));
                    let eq_next = nash(&next)?;
                    let w_new = welfare_of(&eq_next, a + b);
                    let (ga, gb) = (w_new - welfare_of(&eq, a), w_new - welfare_of(&eq, b));
                    let score = match rule {
                        MergeRule::BothGain => ga.min(gb),
                        MergeRule::JointGain => a as f64 * ga + b as f64 * gb,
                    };
                    if score > 1e-12 && best.as_ref().is_none_or(|(s, _)| score > *s) {
                        best = Some((score, next));
                    }
                }
            }
            let Some((_, next)) = best else { break };
            sizes = next;
            path.push(step_of(&sizes, &nash(&sizes)?));
        }
        Ok(path)
    }
}
