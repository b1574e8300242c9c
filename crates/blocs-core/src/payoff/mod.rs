//! Trade costs and payoffs (ODD.md sections 7.1 and 7.2), from scratch and incrementally.
//!
//! The per-move payoff evaluation is the hot path of the whole program. [`Engine`] keeps
//! the attraction matrix and the row sums of the current state; a hypothetical move is
//! applied to the world as primitive [`Op`](crate::model::Op)s, only the importer rows
//! whose tariff inputs changed (and the columns of the countries the move touched) are
//! recomputed, the payoff changes of the queried countries are read off, and the ops are
//! undone. Committed row sums are always summed afresh over their rows (a commit resumes
//! a row's chains from its last checkpoint before the first changed entry, which gives the
//! bits of summing from the first); exports follow the rows a membership change touched,
//! and are summed afresh whenever a policy aggregate changes (a round, an event), so their
//! rounding error stays at a few ulps.
//! [`payoffs_from_scratch`] is the independent slow path the tests compare against.
//!
//! Where things are:
//!
//! - this file: the policy aggregates ([`Policy`]), trade costs ([`tariff`], [`ntb`],
//!   `Importer::cost`), the payoff terms ([`Terms`]) computed from scratch, and the
//!   gravity module behind the [`TradeModel`] interface (the others are in `crate::trade`);
//! - `state.rs`: the [`Engine`] struct, the committed caches and how one row of them is
//!   computed and summed; the buffers trials reuse;
//! - `trial.rs`: [`Engine::deltas_until`], which sends each move to the cheapest exact
//!   path below, and the path for docking trade modules;
//! - `trial_general.rs`: the general trial (any ops), and beside it its shortcuts for
//!   moves that shift one cost class per exporter compliance (a round's t_M, entering or
//!   leaving M when that moves e_M, with or without retaliation);
//! - `trial_pairwise.rs`: the trial of moves that change only the movers' pairs, and
//!   beside it its shortcuts (joining or founding an FTA, leaving one);
//! - `trial_m.rs`: the mover's own ΔU from entering or leaving M while M stays fully
//!   effective, a shortcut of the pairwise trial, and the bound best response uses to
//!   skip hopeless exits;
//! - `commit.rs`: [`Engine::commit`], which applies a move for good and updates the
//!   caches (pairwise, general, or a round's one cost class).
//!
//! Every shortcut does the arithmetic of the path it shortcuts in the same order, so the
//! result is the same to the bit; `check_incremental: true` compares every trial and
//! commit with [`payoffs_from_scratch`].

use crate::model::{Kind, Params, World};

mod commit;
mod state;
mod trial;
mod trial_general;
mod trial_m;
mod trial_pairwise;

pub use crate::trade::TradeModel;
pub use state::Engine;

/// Tariff-relevant aggregates of a world's state (ODD.md section 7.1).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Policy {
    /// Effectiveness of M, e_M.
    pub e_m: f64,
    /// Effective MFN tariff between members, t_eff.
    pub t_eff: f64,
    /// External tariff T_k of each customs union (0 for FTAs and dissolved agreements).
    pub t_cu: Vec<f64>,
    /// Compliance c_i (0 for non-members).
    pub compliance: Vec<f64>,
    /// Σ y_i c_i over the members: e_M's numerator.
    pub complying_gdp: f64,
    /// World GDP Σ y_i.
    pub total_gdp: f64,
}

impl Policy {
    /// Computes e_M, t_eff, every T_k and every c_i.
    pub fn of(world: &World, params: &Params) -> Policy {
        let total = world.total_gdp();
        let t_cu = world
            .agreements
            .iter()
            .map(|a| {
                if a.spec.kind != Kind::CustomsUnion || !a.is_live() {
                    return 0.0;
                }
                let share = a
                    .members()
                    .iter()
                    .map(|&m| world.countries[m as usize].gdp)
                    .sum::<f64>()
                    / total;
                params.t_n.min(world.t_m + params.cu_market_power * share)
            })
            .collect::<Vec<_>>();
        let mut compliance = vec![0.0; world.n()];
        let mut complying_gdp = 0.0;
        for i in world.m_members() {
            let x = match (world.wall[i as usize], world.customs_union_of(i)) {
                (Some(rate), _) => rate,
                (None, Some(k)) if !params.article_xxiv => t_cu[k as usize],
                _ => world.t_m,
            };
            let c = compliance_of(x, world.t_m, params.t_n);
            compliance[i as usize] = c;
            complying_gdp += world.countries[i as usize].gdp * c;
        }
        let e_m = if total > 0.0 {
            (complying_gdp / (params.enforcement_threshold * total)).min(1.0)
        } else {
            0.0
        };
        let t_eff = e_m * world.t_m + (1.0 - e_m) * params.t_n;
        Policy {
            e_m,
            t_eff,
            t_cu,
            compliance,
            complying_gdp,
            total_gdp: total,
        }
    }
}

impl Policy {
    /// [`Policy::of`] the world after country i entered or left M (`world` has the move
    /// applied), given `self`, the policy before it, written into `out` (its buffers are
    /// reused). Entering or leaving M moves no T_k and no other member's compliance, so
    /// only i's compliance and the sums are taken afresh, in [`Policy::of`]'s order: the
    /// result is the same to the bit.
    pub(crate) fn after_m_move(&self, world: &World, params: &Params, i: u32, out: &mut Policy) {
        out.t_cu.clone_from(&self.t_cu);
        out.compliance.clone_from(&self.compliance);
        let iu = i as usize;
        out.compliance[iu] = if world.in_m[iu] {
            let x = match (world.wall[iu], world.customs_union_of(i)) {
                (Some(rate), _) => rate,
                (None, Some(k)) if !params.article_xxiv => self.t_cu[k as usize],
                _ => world.t_m,
            };
            compliance_of(x, world.t_m, params.t_n)
        } else {
            0.0
        };
        let mut complying_gdp = 0.0;
        for j in world.m_members() {
            complying_gdp += world.countries[j as usize].gdp * out.compliance[j as usize];
        }
        let total = self.total_gdp;
        out.e_m = if total > 0.0 {
            (complying_gdp / (params.enforcement_threshold * total)).min(1.0)
        } else {
            0.0
        };
        out.t_eff = out.e_m * world.t_m + (1.0 - out.e_m) * params.t_n;
        out.complying_gdp = complying_gdp;
        out.total_gdp = total;
        debug_assert_eq!(*out, Policy::of(world, params));
    }
}

/// c = 1 − clip((x − t_M)/(t_N − t_M), 0, 1).
fn compliance_of(x: f64, t_m: f64, t_n: f64) -> f64 {
    if t_n > t_m {
        1.0 - ((x - t_m) / (t_n - t_m)).clamp(0.0, 1.0)
    } else if x <= t_m {
        1.0
    } else {
        0.0
    }
}

/// Applied tariff τ_ij of importer i on exporter j (i ≠ j).
#[inline(always)]
pub fn tariff(world: &World, params: &Params, policy: &Policy, i: u32, j: u32) -> f64 {
    if world.share(i, j) {
        return 0.0;
    }
    if let Some(rate) = world.wall[i as usize] {
        return rate;
    }
    let both_m = world.in_m[i as usize] && world.in_m[j as usize];
    let base = if both_m {
        if params.retaliation {
            let c = policy.compliance[j as usize];
            policy.t_eff + (1.0 - c) * (params.t_n - policy.t_eff)
        } else {
            policy.t_eff
        }
    } else {
        params.t_n
    };
    match world.customs_union_of(i) {
        Some(_) if both_m && params.article_xxiv => base,
        Some(k) => base.max(policy.t_cu[k as usize]),
        None => base,
    }
}

/// (τ_ij, φ_ij) together: the engine's hot path reads each input once. Must agree with
/// [`tariff`] and [`ntb`], which the from-scratch path uses (the tests compare the two).
#[inline(always)]
pub fn trade_cost(world: &World, params: &Params, policy: &Policy, i: u32, j: u32) -> (f64, f64) {
    let pair = (world.share(i, j), world.shared_depth(i, j));
    Importer::of(world, policy, i).cost(params, policy, j, world.in_m[j as usize], pair)
}

/// What an importer's tariffs depend on besides its partner, read once per row.
#[derive(Clone, Copy, Debug)]
struct Importer {
    in_m: bool,
    wall: Option<f64>,
    customs_tariff: Option<f64>,
}

impl Importer {
    #[inline(always)]
    fn of(world: &World, policy: &Policy, i: u32) -> Importer {
        Importer {
            in_m: world.in_m[i as usize],
            wall: world.wall[i as usize],
            customs_tariff: world.customs_union_of(i).map(|k| policy.t_cu[k as usize]),
        }
    }

    /// (τ, φ) on exporter j, given whether the two share an agreement and the largest
    /// depth they share: ODD.md 7.1's rules, in [`tariff`]'s order.
    #[inline(always)]
    fn cost(
        self,
        params: &Params,
        policy: &Policy,
        j: u32,
        j_in_m: bool,
        (shared, depth): (bool, f64),
    ) -> (f64, f64) {
        let both_m = self.in_m && j_in_m;
        let depth = if both_m {
            depth.max(params.depth_m)
        } else {
            depth
        };
        let ntb = params.ntb * (1.0 - depth);
        if shared {
            return (0.0, ntb);
        }
        let tau = match self.wall {
            Some(rate) => rate,
            None => {
                let base = match (both_m, params.retaliation) {
                    (true, true) => {
                        let c = policy.compliance[j as usize];
                        policy.t_eff + (1.0 - c) * (params.t_n - policy.t_eff)
                    }
                    (true, false) => policy.t_eff,
                    (false, _) => params.t_n,
                };
                match self.customs_tariff {
                    Some(_) if both_m && params.article_xxiv => base,
                    Some(t) => base.max(t),
                    None => base,
                }
            }
        };
        (tau, tau + ntb)
    }
}

/// φ of a pair that shares an agreement of largest depth `depth`, given whether both are
/// in M: τ = 0, so φ is the NTB alone; the arithmetic of [`Importer::cost`].
#[inline(always)]
fn shared_ntb(params: &Params, depth: f64, both_m: bool) -> f64 {
    let depth = if both_m {
        depth.max(params.depth_m)
    } else {
        depth
    };
    params.ntb * (1.0 - depth)
}

/// Non-tariff barrier ntb_ij = ν (1 − δ_ij).
pub fn ntb(world: &World, params: &Params, i: u32, j: u32) -> f64 {
    let mut depth = world.shared_depth(i, j);
    if world.in_m[i as usize] && world.in_m[j as usize] {
        depth = depth.max(params.depth_m);
    }
    params.ntb * (1.0 - depth)
}

/// Trade-cost attenuation (1 + φ)^(−ε) of the attraction a_ij = g_ij (1 + φ_ij)^(−ε).
pub fn attenuation(phi: f64, elasticity: f64) -> f64 {
    crate::math::powf(1.0 + phi, -elasticity)
}

/// Gravity weight g_ij (g_ii = H y_i).
pub fn gravity_weight(world: &World, params: &Params, i: u32, j: u32) -> f64 {
    let g = &params.gravity;
    if i == j {
        g.home_bias * world.countries[i as usize].gdp
    } else {
        world.countries[j as usize].gdp * distance_decay(g, world.distance(i, j))
    }
}

/// (d0 / (d + d0))^θ, the distance factor of an off-diagonal gravity weight.
#[inline(always)]
fn distance_decay(g: &crate::model::Gravity, d: f64) -> f64 {
    let decay = g.d0 / (d + g.d0);
    // pow(x, 1) is x exactly, so the default θ = 1 skips the call without changing a bit.
    if g.theta == 1.0 {
        decay
    } else {
        crate::math::powf(decay, g.theta)
    }
}

/// A committed utility that differs from its from-scratch value: a bug in the engine.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("country {country}: incremental U {incremental} vs from scratch {scratch}")]
pub struct Divergence {
    /// The country.
    pub country: usize,
    /// Its committed utility.
    pub incremental: f64,
    /// Its utility computed from scratch.
    pub scratch: f64,
}

/// The payoff terms of one country (ODD.md section 7.2).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Terms {
    /// Consumer term C_i.
    pub consumer: f64,
    /// Exports X_i.
    pub exports: f64,
    /// Tariff revenue R_i.
    pub revenue: f64,
    /// Lobby pain L_i.
    pub lobby: f64,
    /// Sovereignty cost SC_i.
    pub sovereignty: f64,
    /// Membership overhead OH_i.
    pub overhead: f64,
    /// Rules-of-origin cost ROO_i.
    pub rules_of_origin: f64,
    /// Public-goods net gain (module).
    pub public_goods: f64,
    /// Security gain (module).
    pub security: f64,
}

impl Terms {
    /// U_i.
    pub fn total(&self) -> f64 {
        self.consumer + self.exports + self.revenue
            - self.lobby
            - self.sovereignty
            - self.overhead
            - self.rules_of_origin
            + self.public_goods
            + self.security
    }
}

/// The gravity module of ODD.md sections 7.1 and 7.2, evaluated from scratch.
#[derive(Clone, Copy, Debug, Default)]
pub struct GravityModel;

impl TradeModel for GravityModel {
    fn name(&self) -> &'static str {
        "Gravity"
    }

    fn trade_payoffs(&self, world: &World, params: &Params, out: &mut [f64]) {
        for (i, terms) in trade_terms_from_scratch(world, params).iter().enumerate() {
            out[i] = terms.consumer + terms.exports + terms.revenue - terms.lobby;
        }
    }
}

/// Every country's trade terms (C, X, R, L), computed from nothing but the world.
pub fn trade_terms_from_scratch(world: &World, params: &Params) -> Vec<Terms> {
    let n = world.n();
    let policy = Policy::of(world, params);
    let eps = params.elasticity;
    let mut att = vec![0.0; n * n];
    let mut tau = vec![0.0; n * n];
    let mut phi = vec![0.0; n * n];
    for i in 0..n as u32 {
        for j in 0..n as u32 {
            let idx = i as usize * n + j as usize;
            if i == j {
                att[idx] = gravity_weight(world, params, i, i);
            } else {
                tau[idx] = tariff(world, params, &policy, i, j);
                phi[idx] = tau[idx] + ntb(world, params, i, j);
                att[idx] = gravity_weight(world, params, i, j) * attenuation(phi[idx], eps);
            }
        }
    }
    let d: Vec<f64> = (0..n)
        .map(|i| att[i * n..(i + 1) * n].iter().sum())
        .collect();
    (0..n)
        .map(|i| {
            let y = world.countries[i].gdp;
            let lambda = world.countries[i].protectionism;
            let mut t = Terms {
                consumer: y * crate::math::ln(d[i]) / eps,
                ..Terms::default()
            };
            for j in 0..n {
                if j == i {
                    continue;
                }
                let s_ij = att[i * n + j] / d[i];
                t.revenue += y * s_ij * tau[i * n + j] / (1.0 + phi[i * n + j]);
                t.lobby += lambda * y * s_ij;
                let s_ji = att[j * n + i] / d[j];
                t.exports += world.countries[j].gdp * s_ji / (1.0 + phi[j * n + i]);
            }
            t
        })
        .collect()
}

/// Every country's payoff terms, from scratch (the slow, obviously-correct path).
///
/// Under a docking trade module, the module's trade payoff is reported as `consumer`.
pub fn payoffs_from_scratch(world: &World, params: &Params) -> Vec<Terms> {
    let mut terms = match crate::trade::model_for(&params.trade) {
        None => trade_terms_from_scratch(world, params),
        Some(model) => {
            let mut trade = vec![0.0; world.n()];
            model.trade_payoffs(world, params, &mut trade);
            trade
                .into_iter()
                .map(|consumer| Terms {
                    consumer,
                    ..Terms::default()
                })
                .collect()
        }
    };
    let pbar_m = world.mean_ideal(world.m_members());
    let g_share = g_share(world);
    for (i, t) in terms.iter_mut().enumerate() {
        let pbar =
            |k: u32| world.mean_ideal(world.agreements[k as usize].members().iter().copied());
        let other = other_terms(world, params, i as u32, pbar_m, pbar, g_share);
        t.sovereignty = other.sovereignty;
        t.overhead = other.overhead;
        t.rules_of_origin = other.rules_of_origin;
        t.public_goods = other.public_goods;
        t.security = other.security;
    }
    terms
}

/// GDP share of G's members.
pub fn g_share(world: &World) -> f64 {
    let g: f64 = (0..world.n())
        .filter(|&j| world.in_g[j])
        .map(|j| world.countries[j].gdp)
        .sum();
    g / world.total_gdp()
}

/// The terms that do not depend on trade costs: SC, OH, ROO and the optional modules.
/// `pbar` gives the mean ideal point of an agreement (cached by the engine).
pub fn other_terms(
    world: &World,
    params: &Params,
    i: u32,
    pbar_m: [f64; 2],
    pbar: impl Fn(u32) -> [f64; 2],
    g_share: f64,
) -> Terms {
    other_terms_without(world, params, i, pbar_m, pbar, g_share, None)
}

/// [`other_terms`] as if i had left `without`, one of its FTAs, and nothing else changed
/// (the security module, which reads other countries' blocs, is not evaluated this way).
// Inlined so that each trial path gets its own copy, as when they shared one file; a
// call per queried country showed up in the instruction counts.
#[inline]
fn other_terms_without(
    world: &World,
    params: &Params,
    i: u32,
    pbar_m: [f64; 2],
    pbar: impl Fn(u32) -> [f64; 2],
    g_share: f64,
    without: Option<u32>,
) -> Terms {
    debug_assert!(without.is_none() || params.security.is_none());
    let c = &world.countries[i as usize];
    let dist = |p: [f64; 2]| ((c.ideal[0] - p[0]).powi(2) + (c.ideal[1] - p[1]).powi(2)).sqrt();
    let mut sc = 0.0;
    for &k in world.memberships(i) {
        if Some(k) != without {
            sc += world.agreements[k as usize].spec.depth * dist(pbar(k));
        }
    }
    let in_m = world.in_m[i as usize];
    if in_m {
        sc += params.depth_m * dist(pbar_m);
    }
    let in_g = params.public_goods.is_some() && world.in_g[i as usize];
    let left = usize::from(without.is_some());
    let n_memberships = world.memberships(i).len() - left + usize::from(in_m) + usize::from(in_g);
    let m_ftas = world.fta_count(i) - left;
    let pairs = m_ftas * m_ftas.saturating_sub(1) / 2;
    let mut t = Terms {
        sovereignty: c.gdp * c.sovereignty * sc,
        overhead: params.membership_cost * n_memberships as f64,
        rules_of_origin: params.roo_cost * pairs as f64,
        ..Terms::default()
    };
    if let Some(pg) = &params.public_goods {
        t.public_goods = pg.benefit * c.gdp * g_share - if in_g { pg.cost * c.gdp } else { 0.0 };
    }
    if let Some(sec) = &params.security {
        t.security = security_gain(world, sec.sigma, sec.distance, i);
    }
    t
}

/// σ y_i S_b × S_rival: the country's largest bloc, scaled by the largest bloc within
/// `reach` that it is not in.
fn security_gain(world: &World, sigma: f64, reach: f64, i: u32) -> f64 {
    let total = world.total_gdp();
    let share = |k: u32| -> f64 {
        world.agreements[k as usize]
            .members()
            .iter()
            .map(|&m| world.countries[m as usize].gdp)
            .sum::<f64>()
            / total
    };
    let own = world
        .memberships(i)
        .iter()
        .map(|&k| share(k))
        .fold(0.0, f64::max);
    if own == 0.0 {
        return 0.0;
    }
    let rival = (0..world.agreements.len() as u32)
        .filter(|&k| {
            let a = &world.agreements[k as usize];
            a.is_live()
                && a.members().binary_search(&i).is_err()
                && world.distance_to(i, k) <= reach
        })
        .map(share)
        .fold(0.0, f64::max);
    sigma * world.countries[i as usize].gdp * own * rival
}

/// C + R − L of an importer with GDP y and protectionism λ from its row sums D, Σ w τ and
/// Σ_{j≠i} a: y ln(D)/ε + y Σ w τ / D − λ y Σ a / D.
#[inline(always)]
fn trade_terms(y: f64, lambda: f64, elasticity: f64, d: f64, rs: f64, ls: f64) -> f64 {
    y * crate::math::ln(d) / elasticity + y * rs / d - lambda * y * ls / d
}

/// The largest depth of the agreements i and j share besides k (they share at least one).
fn depth_shared_without(world: &World, i: u32, j: u32, k: u32) -> f64 {
    let (a, b) = (world.memberships(i), world.memberships(j));
    let (mut x, mut y, mut depth) = (0, 0, 0.0f64);
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                if a[x] != k {
                    depth = depth.max(world.agreements[a[x] as usize].spec.depth);
                }
                x += 1;
                y += 1;
            }
        }
    }
    depth
}

/// Σ y p_x, Σ y p_y and Σ y over an agreement's members.
fn ideal_sums(world: &World, k: u32) -> [f64; 3] {
    let mut sums = [0.0; 3];
    for &m in world.agreements[k as usize].members() {
        let c = &world.countries[m as usize];
        sums[0] += c.gdp * c.ideal[0];
        sums[1] += c.gdp * c.ideal[1];
        sums[2] += c.gdp;
    }
    sums
}

impl Policy {
    fn empty() -> Policy {
        Policy {
            e_m: 0.0,
            t_eff: 0.0,
            t_cu: Vec::new(),
            compliance: Vec::new(),
            complying_gdp: 0.0,
            total_gdp: 0.0,
        }
    }
}
