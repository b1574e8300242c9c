//! Trade costs and payoffs (ODD.md sections 7.1 and 7.2), from scratch and incrementally.
//!
//! The per-move payoff evaluation is the hot path of the whole program. [`Engine`] keeps
//! the attraction matrix and the row sums of the current state; a hypothetical move is
//! applied to the world as primitive [`Op`]s, only the importer rows whose tariff inputs
//! changed (and the columns of the countries the move touched) are recomputed, the payoff
//! changes of the queried countries are read off, and the ops are undone. Committed row
//! sums are always summed afresh over their rows; exports follow the rows a membership
//! change touched, and are summed afresh whenever a policy aggregate changes (a round, an
//! event), so their rounding error stays at a few ulps.
//! [`payoffs_from_scratch`] is the independent slow path the tests compare against.

use crate::model::{Kind, Op, Params, World};
pub use crate::trade::TradeModel;

/// Tariff-relevant aggregates of a world's state (ODD.md section 7.1).
#[derive(Clone, Debug, PartialEq)]
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
    /// depth they share: section 2's rules, in [`tariff`]'s order.
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
        let d = world.distance(i, j);
        let decay = g.d0 / (d + g.d0);
        // pow(x, 1) is x exactly, so the default θ = 1 skips the call without changing a bit.
        let decay = if g.theta == 1.0 {
            decay
        } else {
            crate::math::powf(decay, g.theta)
        };
        world.countries[j as usize].gdp * decay
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

/// The incremental payoff engine for the gravity module.
#[derive(Clone, Debug)]
pub struct Engine {
    n: usize,
    g: Vec<f64>,
    tau: Vec<f64>,
    phi: Vec<f64>,
    att: Vec<f64>,
    w: Vec<f64>,
    d: Vec<f64>,
    rs: Vec<f64>,
    ls: Vec<f64>,
    y: Vec<f64>,
    /// Protectionism λ_i and ε, for [`trade_terms`] of each committed row.
    lambda: Vec<f64>,
    elasticity: f64,
    /// C + R − L of each country from its committed row sums.
    trade: Vec<f64>,
    tau_y: Vec<f64>,
    free_y: Vec<f64>,
    x: Vec<f64>,
    other: Vec<f64>,
    utility: Vec<f64>,
    policy: Policy,
    pbar: Vec<[f64; 2]>,
    pbar_sums: Vec<[f64; 3]>,
    pbar_m: [f64; 2],
    g_share: f64,
    memo: Memo,
    stop: Option<(usize, f64)>,
    losses: usize,
    /// The FTA entry whose overlay is still staged: asking more voters about the same
    /// move right after its mover reuses it instead of staging it again.
    staged_entry: Option<Op>,
    /// The row sums and other terms of the exit from M whose bound was computed last,
    /// for the exact evaluation that may follow it at once.
    exit_row: Option<(u32, (f64, f64, f64), f64)>,
    /// Per importer, Σ g over the members of M it shares no agreement with (itself
    /// excluded), in the committed state; computed when first needed after a commit.
    lone_g: Vec<f64>,
    lone_g_valid: bool,
    custom: Option<std::sync::Arc<dyn TradeModel>>,
    custom_trade: Vec<f64>,
    scratch: Scratch,
}

/// Trade costs take few distinct values (a handful of tariffs times a handful of
/// depths), so their attenuations are remembered instead of calling `powf` per pair.
/// The memo returns exactly what computing the factors again would, so results do not
/// depend on it.
#[derive(Clone, Debug)]
struct Memo {
    keys: Vec<u64>,
    values: Vec<(f64, f64)>,
    last: (u64, (f64, f64)),
}

impl Default for Memo {
    fn default() -> Memo {
        Memo {
            keys: vec![Memo::EMPTY; Memo::SLOTS],
            values: vec![(0.0, 0.0); Memo::SLOTS],
            last: (Memo::EMPTY, (0.0, 0.0)),
        }
    }
}

impl Memo {
    const SLOTS: usize = 256;
    // The bits of a NaN trade cost, which never occurs.
    const EMPTY: u64 = u64::MAX;

    /// (1 + φ)^(−ε) and (1 + φ)^(−ε) / (1 + φ): the attraction and the export-value
    /// factors of a trade cost, so the hot path multiplies instead of dividing.
    #[inline(always)]
    fn get(&mut self, phi: f64, elasticity: f64) -> (f64, f64) {
        let key = phi.to_bits();
        // Trials stage runs of entries with one new cost (every pair of a join shares it).
        if key == self.last.0 {
            return self.last.1;
        }
        let value = self.lookup(key, phi, elasticity);
        self.last = (key, value);
        value
    }

    fn lookup(&mut self, key: u64, phi: f64, elasticity: f64) -> (f64, f64) {
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize;
        for _ in 0..8 {
            if self.keys[slot] == key {
                return self.values[slot];
            }
            if self.keys[slot] == Memo::EMPTY {
                let a = attenuation(phi, elasticity);
                self.keys[slot] = key;
                self.values[slot] = (a, a / (1.0 + phi));
                return self.values[slot];
            }
            slot = (slot + 1) % Memo::SLOTS;
        }
        let a = attenuation(phi, elasticity);
        (a, a / (1.0 + phi))
    }
}

/// Buffers reused by every trial, so that the hot path never allocates.
#[derive(Clone, Debug, Default)]
struct Scratch {
    // General path: whole dirty rows and touched columns.
    row_slot: Vec<u32>,
    rows: Vec<u32>,
    row_att: Vec<f64>,
    row_w: Vec<f64>,
    col_slot: Vec<u32>,
    cols: Vec<u32>,
    col_att: Vec<f64>,
    col_w: Vec<f64>,
    q: Vec<f64>,
    q_old: Vec<f64>,
    // Both paths.
    new_d: Vec<f64>,
    new_rs: Vec<f64>,
    new_ls: Vec<f64>,
    undo: Vec<Op>,
    touched_k: Vec<u32>,
    new_pbar: Vec<[f64; 2]>,
    // Pair path: an overlay of changed entries, valid where `stamp == stamp_id`.
    stamp_id: u32,
    stamp: Vec<u32>,
    overlay_w: Vec<f64>,
    row_mark: Vec<u32>,
    who_mark: Vec<u32>,
    affected: Vec<u32>,
    pairs: Vec<(u32, u32)>,
    // Entering or leaving M with e_M moving (`deltas_m_policy`).
    m_row_w: Vec<f64>,
    m_col_w: Vec<f64>,
    // Commit: committed entries that changed, with their old export weight.
    changed: Vec<(usize, f64)>,
}

const NONE: u32 = u32::MAX;

impl Engine {
    /// Builds every cache for the world as it is.
    pub fn new(world: &World, params: &Params) -> Engine {
        let n = world.n();
        let mut g = vec![0.0; n * n];
        for i in 0..n as u32 {
            for j in 0..n as u32 {
                g[i as usize * n + j as usize] = gravity_weight(world, params, i, j);
            }
        }
        let mut engine = Engine {
            n,
            g,
            tau: vec![0.0; n * n],
            phi: vec![f64::NAN; n * n],
            att: vec![0.0; n * n],
            w: vec![0.0; n * n],
            d: vec![0.0; n],
            rs: vec![0.0; n],
            ls: vec![0.0; n],
            y: world.countries.iter().map(|c| c.gdp).collect(),
            lambda: world.countries.iter().map(|c| c.protectionism).collect(),
            elasticity: params.elasticity,
            trade: vec![0.0; n],
            tau_y: vec![0.0; n],
            free_y: vec![0.0; n],
            x: vec![0.0; n],
            other: vec![0.0; n],
            utility: vec![0.0; n],
            policy: Policy::of(world, params),
            pbar: Vec::new(),
            pbar_sums: Vec::new(),
            pbar_m: [0.0; 2],
            g_share: 0.0,
            memo: Memo::default(),
            stop: None,
            losses: 0,
            staged_entry: None,
            exit_row: None,
            lone_g: vec![0.0; n],
            lone_g_valid: false,
            custom: crate::trade::model_for(&params.trade),
            custom_trade: vec![0.0; n],
            scratch: Scratch {
                row_slot: vec![NONE; n],
                col_slot: vec![NONE; n],
                new_d: vec![0.0; n],
                new_rs: vec![0.0; n],
                new_ls: vec![0.0; n],
                q: vec![0.0; n],
                q_old: vec![0.0; n],
                stamp: vec![0; n * n],
                overlay_w: vec![0.0; n * n],
                row_mark: vec![0; n],
                who_mark: vec![0; n],
                ..Scratch::default()
            },
        };
        for i in 0..n {
            engine.att[i * n + i] = engine.g[i * n + i];
            engine.phi[i * n + i] = 0.0;
        }
        for i in 0..n as u32 {
            engine.recompute_row(world, params, i);
        }
        engine.refresh_other(world, params);
        engine.refresh_exports(world);
        engine.refresh_utilities(world, params);
        engine
    }

    /// The payoff U_i of every country in the committed state.
    pub fn utilities(&self) -> &[f64] {
        &self.utility
    }

    /// The committed policy aggregates.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The committed applied tariff τ_ij.
    pub fn tau(&self, i: u32, j: u32) -> f64 {
        self.tau[i as usize * self.n + j as usize]
    }

    /// The committed applied tariffs of importer i, τ_i·.
    pub fn tau_row(&self, i: u32) -> &[f64] {
        &self.tau[i as usize * self.n..(i as usize + 1) * self.n]
    }

    /// Rebuilds the gravity weights after GDP changed, then every cache.
    pub fn rebuild(&mut self, world: &World, params: &Params) {
        *self = Engine::new(world, params);
    }

    /// Recomputes row i of the committed matrices and its sums, exactly.
    fn recompute_row(&mut self, world: &World, params: &Params, i: u32) {
        // The importer's inputs are read once for the row (what `trade_cost` reads per pair).
        let importer = Importer::of(world, &self.policy, i);
        let (count, depth) = world.pair_row(i);
        let base = i as usize * self.n;
        for j in 0..self.n as u32 {
            if j != i {
                let ju = j as usize;
                let pair = (count[ju] > 0, depth[ju]);
                let cost = importer.cost(params, &self.policy, j, world.in_m[ju], pair);
                self.store_entry(params, base + ju, cost);
            }
        }
        self.sum_row(i);
    }

    /// Recomputes one committed entry; true if it changed.
    fn recompute_entry(&mut self, world: &World, params: &Params, i: u32, j: u32) -> bool {
        let cost = trade_cost(world, params, &self.policy, i, j);
        self.store_entry(params, i as usize * self.n + j as usize, cost)
    }

    /// Stores a committed entry's (τ, φ) and its attraction; true if it changed.
    #[inline(always)]
    fn store_entry(&mut self, params: &Params, idx: usize, (tau, phi): (f64, f64)) -> bool {
        let same_phi = phi.to_bits() == self.phi[idx].to_bits();
        if !same_phi {
            let (a, b) = self.memo.get(phi, params.elasticity);
            self.att[idx] = self.g[idx] * a;
            self.w[idx] = self.g[idx] * b;
            self.phi[idx] = phi;
        }
        let same_tau = tau.to_bits() == self.tau[idx].to_bits();
        self.tau[idx] = tau;
        !(same_phi && same_tau)
    }

    fn sum_row(&mut self, i: u32) {
        let (n, iu) = (self.n, i as usize);
        let row = iu * n..(iu + 1) * n;
        let (att, w, tau, y) = (
            &self.att[row.clone()],
            &self.w[row.clone()],
            &self.tau[row],
            &self.y[..n],
        );
        // The metrics' GDP-weighted tariff sums ride along: rows are summed only when
        // they change, so observing a tick needs no pass over all pairs for them.
        // [D, Σ w τ, Σ a, Σ y τ, Σ_{τ=0} y], summed in partner order; D alone takes the
        // diagonal, so the loop runs on both sides of it.
        let mut sums = [0.0; 5];
        let add = |range: std::ops::Range<usize>, sums: &mut [f64; 5]| {
            for j in range {
                sums[0] += att[j];
                sums[1] += w[j] * tau[j];
                sums[2] += att[j];
                sums[3] += y[j] * tau[j];
                // Adding +0.0 leaves a sum of non-negative terms as it is.
                sums[4] += if tau[j] == 0.0 { y[j] } else { 0.0 };
            }
        };
        add(0..iu, &mut sums);
        sums[0] += att[iu];
        add(iu + 1..n, &mut sums);
        let [d, rs, ls, tau_y, free_y] = sums;
        self.d[iu] = d;
        self.rs[iu] = rs;
        self.ls[iu] = ls;
        // C + R − L moves only with the row sums, so it is kept with them.
        self.trade[iu] = trade_terms(y[iu], self.lambda[iu], self.elasticity, d, rs, ls);
        self.tau_y[iu] = tau_y;
        self.free_y[iu] = free_y;
    }

    /// Σ_{j≠i} y_j τ_ij and Σ_{j≠i, τ_ij = 0} y_j of importer i in the committed state.
    pub fn tariff_sums(&self, i: u32) -> (f64, f64) {
        (self.tau_y[i as usize], self.free_y[i as usize])
    }

    /// C + R − L of country c from its row sums.
    fn trade_row(world: &World, params: &Params, c: usize, d: f64, rs: f64, ls: f64) -> f64 {
        let country = &world.countries[c];
        trade_terms(
            country.gdp,
            country.protectionism,
            params.elasticity,
            d,
            rs,
            ls,
        )
    }

    /// Recomputes every cached non-trade term (and the agreement mean ideal points).
    fn refresh_other(&mut self, world: &World, params: &Params) {
        self.pbar = world
            .agreements
            .iter()
            .map(|a| world.mean_ideal(a.members().iter().copied()))
            .collect();
        self.pbar_sums = (0..world.agreements.len() as u32)
            .map(|k| ideal_sums(world, k))
            .collect();
        self.pbar_m = world.mean_ideal(world.m_members());
        self.g_share = g_share(world);
        for c in 0..self.n as u32 {
            self.other[c as usize] = other_terms(
                world,
                params,
                c,
                self.pbar_m,
                |k| self.pbar[k as usize],
                self.g_share,
            )
            .total();
        }
    }

    /// Exports of every country from the committed matrices, summed afresh.
    fn refresh_exports(&mut self, world: &World) {
        let n = self.n;
        self.x.fill(0.0);
        for a in 0..n {
            let q = world.countries[a].gdp / self.d[a];
            let row = &self.w[a * n..(a + 1) * n];
            // The diagonal of w is 0, so no branch is needed to skip c == a.
            for (x, w) in self.x.iter_mut().zip(row) {
                *x += q * w;
            }
        }
    }

    /// Every payoff from the row sums, exports and non-trade terms.
    fn refresh_utilities(&mut self, world: &World, params: &Params) {
        let n = self.n;
        for c in 0..n {
            self.utility[c] = self.trade[c] + self.x[c] + self.other[c];
        }
        if let Some(model) = &self.custom {
            model.trade_payoffs(world, params, &mut self.custom_trade);
            for c in 0..n {
                self.utility[c] = self.custom_trade[c] + self.other[c];
            }
        }
    }

    /// Whether `ops` change only the pairs between the movers and their partners, and no
    /// policy aggregate: FTA membership changes, and entering or leaving M while M stays
    /// fully effective (e_M clamped at 1 before and after) and nobody retaliates.
    fn pairwise(&self, world: &World, params: &Params, ops: &[Op]) -> bool {
        params.security.is_none()
            && ops.iter().all(|op| match *op {
                Op::AddMember(k, _) | Op::RemoveMember(k, _) => {
                    world.agreements[k as usize].spec.kind == Kind::Fta
                }
                Op::Found(..) => world.new_agreement.kind == Kind::Fta,
                Op::SetDissolved(..) => true,
                Op::SetM(i, on) => {
                    !params.retaliation && self.m_stays_effective(world, params, i, on)
                }
                _ => false,
            })
    }

    /// Whether e_M stays clamped at 1 when country i enters (`on`) or leaves M.
    fn m_stays_effective(&self, world: &World, params: &Params, i: u32, on: bool) -> bool {
        if self.policy.e_m != 1.0 || world.in_m[i as usize] == on {
            return false;
        }
        let y = world.countries[i as usize].gdp;
        let complying = if on {
            let x = match (world.wall[i as usize], world.customs_union_of(i)) {
                (Some(rate), _) => rate,
                (None, Some(k)) if !params.article_xxiv => self.policy.t_cu[k as usize],
                _ => world.t_m,
            };
            self.policy.complying_gdp + y * compliance_of(x, world.t_m, params.t_n)
        } else {
            self.policy.complying_gdp - y * self.policy.compliance[i as usize]
        };
        // A margin keeps rounding from deciding whether the clamp holds.
        complying >= (1.0 + 1e-9) * params.enforcement_threshold * self.policy.total_gdp
    }

    /// The pairs whose shared agreements `ops` change, and the agreements they touch,
    /// read before the ops are applied.
    fn collect_pairs(
        world: &World,
        ops: &[Op],
        pairs: &mut Vec<(u32, u32)>,
        touched: &mut Vec<u32>,
    ) {
        pairs.clear();
        touched.clear();
        for op in ops {
            match *op {
                Op::AddMember(k, i) | Op::RemoveMember(k, i) => {
                    touched.push(k);
                    for &m in world.agreements[k as usize].members() {
                        if m != i {
                            pairs.push((i.min(m), i.max(m)));
                        }
                    }
                }
                Op::Found(i, j) => {
                    touched.push(world.agreements.len() as u32);
                    pairs.push((i.min(j), i.max(j)));
                }
                Op::SetM(i, _) => {
                    for j in 0..world.n() as u32 {
                        if j != i {
                            pairs.push((i.min(j), i.max(j)));
                        }
                    }
                }
                _ => {}
            }
        }
        // One op lists each pair once; several (a dissolution) may repeat pairs.
        if ops.len() > 1 {
            pairs.sort_unstable();
            pairs.dedup();
            touched.sort_unstable();
            touched.dedup();
        }
    }

    fn next_stamp(&mut self) -> u32 {
        let s = &mut self.scratch;
        s.stamp_id = s.stamp_id.wrapping_add(1);
        if s.stamp_id == 0 {
            s.stamp.fill(0);
            s.row_mark.fill(0);
            s.who_mark.fill(0);
            s.stamp_id = 1;
        }
        s.stamp_id
    }

    /// Fresh mean ideal points of the touched agreements, after the ops.
    fn refresh_touched_pbar(&mut self, world: &World) {
        let s = &mut self.scratch;
        s.new_pbar.clear();
        for &k in &s.touched_k {
            s.new_pbar
                .push(world.mean_ideal(world.agreements[k as usize].members().iter().copied()));
        }
    }

    fn pbar_of(&self, k: u32) -> [f64; 2] {
        match self.scratch.touched_k.binary_search(&k) {
            Ok(pos) => self.scratch.new_pbar[pos],
            Err(_) => self.pbar[k as usize],
        }
    }

    /// Applies `ops` for good and brings every cache up to date.
    pub fn commit(&mut self, world: &mut World, params: &Params, ops: &[Op]) {
        self.staged_entry = None;
        self.exit_row = None;
        self.lone_g_valid = false;
        if let [Op::SetTm(t_new)] = *ops
            && params.security.is_none()
            && self.commit_round(world, params, t_new)
        {
            return;
        }
        if self.pairwise(world, params, ops) {
            let (mut pairs, mut touched) = (
                std::mem::take(&mut self.scratch.pairs),
                std::mem::take(&mut self.scratch.touched_k),
            );
            Engine::collect_pairs(world, ops, &mut pairs, &mut touched);
            for &op in ops {
                world.apply(op);
            }
            let id = self.next_stamp();
            let mut rows = std::mem::take(&mut self.scratch.affected);
            rows.clear();
            let mut changed = std::mem::take(&mut self.scratch.changed);
            changed.clear();
            for &(a, b) in &pairs {
                for (r, c) in [(a, b), (b, a)] {
                    let idx = r as usize * self.n + c as usize;
                    let w_old = self.w[idx];
                    if self.recompute_entry(world, params, r, c) {
                        changed.push((idx, w_old));
                        if self.scratch.row_mark[r as usize] != id {
                            self.scratch.row_mark[r as usize] = id;
                            rows.push(r);
                        }
                    }
                }
            }
            // Exports follow the changed rows: x_c += q'_r w'_rc − q_r w_rc, written as
            // (q'_r − q_r) w'_rc over each changed row plus q_r (w'_rc − w_rc) where the
            // entry itself changed.
            for &r in &rows {
                let ru = r as usize;
                let q_old = self.y[ru] / self.d[ru];
                self.sum_row(r);
                let dq = self.y[ru] / self.d[ru] - q_old;
                let row = &self.w[ru * self.n..(ru + 1) * self.n];
                for (x, w) in self.x.iter_mut().zip(row) {
                    *x += dq * w;
                }
                self.scratch.q_old[ru] = q_old;
            }
            for &(idx, w_old) in &changed {
                let (r, c) = (idx / self.n, idx % self.n);
                self.x[c] += self.scratch.q_old[r] * (self.w[idx] - w_old);
            }
            self.scratch.changed = changed;
            self.pbar.resize(world.agreements.len(), [0.0; 2]);
            self.policy.t_cu.resize(world.agreements.len(), 0.0);
            self.pbar_sums.resize(world.agreements.len(), [0.0; 3]);
            for &k in &touched {
                self.pbar[k as usize] =
                    world.mean_ideal(world.agreements[k as usize].members().iter().copied());
                self.pbar_sums[k as usize] = ideal_sums(world, k);
            }
            // Non-trade terms change for the movers and the members of touched agreements
            // (and of M, whose mean ideal point moves with its membership).
            let mut who: Vec<u32> = ops
                .iter()
                .flat_map(|op| match *op {
                    Op::AddMember(_, i) | Op::RemoveMember(_, i) | Op::SetM(i, _) => {
                        [Some(i), None]
                    }
                    Op::Found(i, j) => [Some(i), Some(j)],
                    _ => [None, None],
                })
                .flatten()
                .collect();
            if ops.iter().any(|op| matches!(op, Op::SetM(..))) {
                self.policy = Policy::of(world, params);
                self.pbar_m = world.mean_ideal(world.m_members());
                who.extend(world.m_members());
            }
            for &k in &touched {
                who.extend_from_slice(world.agreements[k as usize].members());
            }
            who.sort_unstable();
            who.dedup();
            for c in who {
                self.other[c as usize] = other_terms(
                    world,
                    params,
                    c,
                    self.pbar_m,
                    |k| self.pbar[k as usize],
                    self.g_share,
                )
                .total();
            }
            self.scratch.pairs = pairs;
            self.scratch.touched_k = touched;
            self.scratch.touched_k.clear();
            self.scratch.affected = rows;
        } else {
            let old_policy = std::mem::replace(&mut self.policy, Policy::empty());
            for &op in ops {
                world.apply(op);
            }
            self.policy = Policy::of(world, params);
            self.mark_dirty(world, params, ops, &old_policy);
            let rows = std::mem::take(&mut self.scratch.rows);
            let cols = std::mem::take(&mut self.scratch.cols);
            for &r in &rows {
                self.recompute_row(world, params, r);
            }
            for a in 0..self.n as u32 {
                if self.scratch.row_slot[a as usize] != NONE {
                    continue;
                }
                let mut changed = false;
                for &j in &cols {
                    if j != a {
                        changed |= self.recompute_entry(world, params, a, j);
                    }
                }
                if changed {
                    self.sum_row(a);
                }
            }
            self.release_marks(rows, cols);
            self.refresh_other(world, params);
            self.refresh_exports(world);
        }
        self.refresh_utilities(world, params);
    }

    fn release_marks(&mut self, mut rows: Vec<u32>, mut cols: Vec<u32>) {
        for &r in &rows {
            self.scratch.row_slot[r as usize] = NONE;
        }
        for &c in &cols {
            self.scratch.col_slot[c as usize] = NONE;
        }
        rows.clear();
        cols.clear();
        self.scratch.rows = rows;
        self.scratch.cols = cols;
    }

    /// Marks the importer rows and exporter columns whose tariffs the ops may change.
    fn mark_dirty(&mut self, world: &World, params: &Params, ops: &[Op], old: &Policy) {
        let s = &mut self.scratch;
        s.rows.clear();
        s.cols.clear();
        let mut all_rows = false;
        let mark = |s: &mut Scratch, i: u32| {
            mark_row(s, i);
            if s.col_slot[i as usize] == NONE {
                s.col_slot[i as usize] = s.cols.len() as u32;
                s.cols.push(i);
            }
        };
        for &op in ops {
            match op {
                Op::AddMember(_, i)
                | Op::RemoveMember(_, i)
                | Op::SetM(i, _)
                | Op::SetWall(i, _) => mark(s, i),
                Op::Found(i, j) => {
                    mark(s, i);
                    mark(s, j);
                }
                Op::SetTm(_) => all_rows = true,
                Op::Unfound | Op::SetDissolved(..) | Op::SetG(..) => {}
            }
        }
        let new = &self.policy;
        let m_changed = new.t_eff.to_bits() != old.t_eff.to_bits()
            || (params.retaliation && new.compliance != old.compliance);
        if all_rows || m_changed {
            for i in 0..world.n() as u32 {
                if all_rows || world.in_m[i as usize] {
                    mark_row(s, i);
                }
            }
        }
        for (k, a) in world.agreements.iter().enumerate() {
            let changed = old
                .t_cu
                .get(k)
                .is_none_or(|t| t.to_bits() != new.t_cu[k].to_bits());
            if changed {
                for &m in a.members() {
                    mark_row(s, m);
                }
            }
        }
    }

    /// ΔU of each `queried` country if `ops` were applied; the world is left unchanged.
    pub fn deltas(
        &mut self,
        world: &mut World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        self.deltas_until(world, params, ops, queried, None, out);
    }

    /// Like [`Engine::deltas`], but stops once `stop = (limit, tolerance)` voters (the
    /// queried countries after the first) have lost more than `tolerance`: a vote that is
    /// already lost needs no more ballots. `out` then holds fewer values than `queried`.
    pub fn deltas_until(
        &mut self,
        world: &mut World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        stop: Option<(usize, f64)>,
        out: &mut Vec<f64>,
    ) {
        out.clear();
        self.stop = stop;
        self.losses = 0;
        // Any other trial overwrites the scratch buffers an FTA entry's overlay lives in.
        let staged = self.staged_entry.take();
        let exit_row = self.exit_row.take();
        if self.custom.is_some() {
            self.deltas_custom(world, params, ops, queried, out);
            return;
        }
        if let [op] = ops
            && params.security.is_none()
            && match *op {
                Op::AddMember(k, _) => world.agreements[k as usize].spec.kind == Kind::Fta,
                Op::Found(..) => world.new_agreement.kind == Kind::Fta,
                _ => false,
            }
        {
            if let (Op::Found(i, j), [c]) = (*op, queried)
                && *c == i
            {
                let delta = self.delta_form_mover(world, params, i, j);
                self.record(out, delta);
                return;
            }
            self.deltas_fta_entry(world, params, *op, staged == Some(*op), queried, out);
            self.staged_entry = Some(*op);
            return;
        }
        if let ([Op::SetM(i, on)], [c]) = (ops, queried)
            && *i == *c
            && params.security.is_none()
            && !params.retaliation
            && self.m_stays_effective(world, params, *i, *on)
        {
            self.exit_row = exit_row;
            out.push(self.delta_m_mover(world, params, *i, *on));
            return;
        }
        if let [Op::SetTm(t_new)] = *ops
            && params.security.is_none()
            && self.deltas_round(world, params, t_new, queried, out)
        {
            return;
        }
        if let (&[Op::RemoveMember(k, i), ..], [c]) = (ops, queried)
            && *c == i
            && params.security.is_none()
            && world.agreements[k as usize].spec.kind == Kind::Fta
            && match ops[1..] {
                [] => true,
                [Op::RemoveMember(k2, _), Op::SetDissolved(k3, _)] => k2 == k && k3 == k,
                _ => false,
            }
        {
            out.push(self.delta_leave_mover(world, params, i, k));
            return;
        }
        let mut undo = std::mem::take(&mut self.scratch.undo);
        undo.clear();
        let mut touched = std::mem::take(&mut self.scratch.touched_k);
        let mut pairs = std::mem::take(&mut self.scratch.pairs);
        let pairwise = self.pairwise(world, params, ops);
        Engine::collect_pairs(world, ops, &mut pairs, &mut touched);
        for &op in ops {
            undo.push(world.apply(op));
        }
        self.scratch.touched_k = touched;
        self.refresh_touched_pbar(world);
        if pairwise {
            self.deltas_pairwise(world, params, ops, &pairs, queried, out);
        } else if let [Op::SetM(i, on)] = *ops
            && params.security.is_none()
            && !params.retaliation
            && self.deltas_m_policy(world, params, i, on, queried, out)
        {
        } else {
            self.deltas_general(world, params, ops, queried, out);
        }
        self.scratch.pairs = pairs;
        self.scratch.touched_k.clear();
        for &op in undo.iter().rev() {
            world.apply(op);
        }
        self.scratch.undo = undo;
    }

    /// Stages entry (r, c) with new (τ, φ) in the trial overlay and updates row r's
    /// trial sums; unchanged entries are skipped.
    #[inline(always)]
    fn stage(
        &mut self,
        (r, c): (u32, u32),
        (tau, phi): (f64, f64),
        elasticity: f64,
        id: u32,
        affected: &mut Vec<u32>,
    ) {
        let idx = r as usize * self.n + c as usize;
        let Some((att, w)) = self.trial_entry(idx, (tau, phi), elasticity) else {
            return;
        };
        let s = &mut self.scratch;
        s.stamp[idx] = id;
        s.overlay_w[idx] = w;
        let r = r as usize;
        if s.row_mark[r] != id {
            s.row_mark[r] = id;
            affected.push(r as u32);
            s.new_d[r] = self.d[r];
            s.new_rs[r] = self.rs[r];
            s.new_ls[r] = self.ls[r];
        }
        s.new_d[r] += att - self.att[idx];
        s.new_rs[r] += w * tau - self.w[idx] * self.tau[idx];
        s.new_ls[r] += att - self.att[idx];
    }

    /// Prepares the exporters' market weights y_a / D_a of the affected rows.
    fn stage_weights(&mut self, world: &World, affected: &[u32]) {
        for &a in affected {
            let a = a as usize;
            let y = world.countries[a].gdp;
            self.scratch.q[a] = y / self.scratch.new_d[a];
            self.scratch.q_old[a] = y / self.d[a];
        }
    }

    /// The attraction and export weight of entry `idx` at a trial cost (τ, φ), or None
    /// when the cost is the committed one (the entry does not change).
    #[inline(always)]
    fn trial_entry(&mut self, idx: usize, (tau, phi): (f64, f64), eps: f64) -> Option<(f64, f64)> {
        let same_phi = phi.to_bits() == self.phi[idx].to_bits();
        if same_phi && tau.to_bits() == self.tau[idx].to_bits() {
            return None;
        }
        Some(if same_phi {
            (self.att[idx], self.w[idx])
        } else {
            let (a, b) = self.memo.get(phi, eps);
            (self.g[idx] * a, self.g[idx] * b)
        })
    }

    /// Row c's sums under the staged overlay: the staged ones if the trial touched the
    /// row, else the committed ones.
    fn staged_row(&self, c: usize, id: u32) -> (f64, f64, f64) {
        let s = &self.scratch;
        if s.row_mark[c] == id {
            (s.new_d[c], s.new_rs[c], s.new_ls[c])
        } else {
            (self.d[c], self.rs[c], self.ls[c])
        }
    }

    /// C + X + R − L of country c under the staged overlay.
    fn staged_trade(
        &self,
        world: &World,
        params: &Params,
        c: u32,
        id: u32,
        affected: &[u32],
    ) -> f64 {
        let (n, cu, s) = (self.n, c as usize, &self.scratch);
        let (d, rs, ls) = self.staged_row(cu, id);
        let mut x = self.x[cu];
        for &a in affected {
            let a = a as usize;
            if a == cu {
                continue;
            }
            let idx = a * n + cu;
            let w_new = if s.stamp[idx] == id {
                s.overlay_w[idx]
            } else {
                self.w[idx]
            };
            x += s.q[a] * w_new - s.q_old[a] * self.w[idx];
        }
        Engine::trade_row(world, params, cu, d, rs, ls) + x
    }

    /// [`Engine::staged_trade`] for an FTA entry, whose overlay holds only the mover's
    /// entries on its partners and theirs on the mover: in a voter's column only the
    /// mover's entry can be staged, and in the mover's column every affected partner's
    /// is. The stamp test is left out where the answer is known; the sums run in the same
    /// order, so the result is the same to the bit.
    fn staged_trade_entry(
        &self,
        world: &World,
        params: &Params,
        c: u32,
        mover: u32,
        id: u32,
        affected: &[u32],
    ) -> f64 {
        let (n, cu, s) = (self.n, c as usize, &self.scratch);
        let (d, rs, ls) = self.staged_row(cu, id);
        let (q, q_old) = (&s.q[..n], &s.q_old[..n]);
        let mut x = self.x[cu];
        if c == mover {
            for &a in affected {
                let a = a as usize;
                if a != cu {
                    let idx = a * n + cu;
                    x += q[a] * s.overlay_w[idx] - q_old[a] * self.w[idx];
                }
            }
        } else {
            let mover = mover as usize;
            for &a in affected {
                let a = a as usize;
                if a != cu {
                    let idx = a * n + cu;
                    let w = self.w[idx];
                    let w_new = if a == mover && s.stamp[idx] == id {
                        s.overlay_w[idx]
                    } else {
                        w
                    };
                    x += q[a] * w_new - q_old[a] * w;
                }
            }
        }
        Engine::trade_row(world, params, cu, d, rs, ls) + x
    }

    fn deltas_pairwise(
        &mut self,
        world: &World,
        params: &Params,
        ops: &[Op],
        pairs: &[(u32, u32)],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let id = self.next_stamp();
        let mut affected = std::mem::take(&mut self.scratch.affected);
        affected.clear();
        for &(a, b) in pairs {
            for (r, c) in [(a, b), (b, a)] {
                let (tau, phi) = trade_cost(world, params, &self.policy, r, c);
                self.stage((r, c), (tau, phi), params.elasticity, id, &mut affected);
            }
        }
        for op in ops {
            match *op {
                Op::AddMember(_, i) | Op::RemoveMember(_, i) | Op::SetM(i, _) => {
                    self.scratch.who_mark[i as usize] = id
                }
                Op::Found(i, j) => {
                    self.scratch.who_mark[i as usize] = id;
                    self.scratch.who_mark[j as usize] = id;
                }
                _ => {}
            }
        }
        for t in 0..self.scratch.touched_k.len() {
            let k = self.scratch.touched_k[t];
            for &m in world.agreements[k as usize].members() {
                self.scratch.who_mark[m as usize] = id;
            }
        }
        let pbar_m = if ops.iter().any(|op| matches!(op, Op::SetM(..))) {
            for m in world.m_members() {
                self.scratch.who_mark[m as usize] = id;
            }
            world.mean_ideal(world.m_members())
        } else {
            self.pbar_m
        };
        self.stage_weights(world, &affected);
        for &c in queried {
            let other = if self.scratch.who_mark[c as usize] == id {
                other_terms(world, params, c, pbar_m, |k| self.pbar_of(k), self.g_share).total()
            } else {
                self.other[c as usize]
            };
            let d = self.staged_trade(world, params, c, id, &affected) + other
                - self.utility[c as usize];
            if self.record(out, d) {
                break;
            }
        }
        self.scratch.affected = affected;
    }

    /// The mover's own ΔU from entering or leaving M while M stays fully effective and
    /// nobody retaliates: only row i and column i change, so the mover's new row sums
    /// and exports are summed directly, without staging an overlay.
    fn delta_m_mover(&mut self, world: &mut World, params: &Params, i: u32, on: bool) -> f64 {
        let undo = world.apply(Op::SetM(i, on));
        // The exit's bound, asked just before, already summed the row and the other terms.
        let ((d, rs, ls), other) = match self.exit_row.take() {
            Some((who, row, other)) if who == i && !on => (row, other),
            _ => (
                self.m_mover_row(world, params, i),
                self.m_mover_other(world, params, i, on),
            ),
        };
        let x = self.m_mover_exports(world, params, i, on);
        world.apply(undo);
        let iu = i as usize;
        Engine::trade_row(world, params, iu, d, rs, ls) + x + other - self.utility[iu]
    }

    /// An upper bound of country i's ΔU from leaving M, from its own row alone, or None
    /// when [`Engine::deltas`] would not take the mover's fast path for it.
    ///
    /// Leaving M raises (weakly) every cost partners charge on i's goods, and a higher
    /// cost lowers both i's share of a market and the value of each sale, so i's exports
    /// can only fall: the bound is the exact ΔU with exports left as they are, plus a
    /// margin that covers rounding. Best response uses it to skip the exports (the column
    /// pass, the costly half) of an exit that could not beat the best move found so far.
    pub fn leave_m_bound(&mut self, world: &mut World, params: &Params, i: u32) -> Option<f64> {
        if self.custom.is_some()
            || params.security.is_some()
            || params.retaliation
            || !self.m_stays_effective(world, params, i, false)
        {
            return None;
        }
        let undo = world.apply(Op::SetM(i, false));
        let (d, rs, ls) = self.m_mover_row(world, params, i);
        let other = self.m_mover_other(world, params, i, false);
        world.apply(undo);
        self.exit_row = Some((i, (d, rs, ls), other));
        let iu = i as usize;
        let x = self.x[iu];
        let margin = 1e-9 * (1.0 + x.abs() + self.utility[iu].abs());
        Some(
            Engine::trade_row(world, params, iu, d, rs, ls) + x + other - self.utility[iu] + margin,
        )
    }

    /// The mover's new row sums (D, Σ w τ, Σ_{j≠i} a) once its M status is set in `world`.
    ///
    /// Entries with partners outside M do not change (both-in-M is false before and
    /// after), and entries with members it shares no agreement with all cost the same
    /// (τ, φ): that cost is computed once. The loop does the arithmetic a per-pair
    /// [`Importer::cost`] would, in the same order, so the sums are bit for bit the same.
    fn m_mover_row(&mut self, world: &World, params: &Params, i: u32) -> (f64, f64, f64) {
        debug_assert!(!params.retaliation, "compliance is not read on this path");
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        let policy = &self.policy;
        let mover = Importer::of(world, policy, i);
        let (tau_lone, phi_lone) = mover.cost(params, policy, i, true, (false, 0.0));
        let (a_lone, b_lone) = self.memo.get(phi_lone, eps);
        let (count, depth) = world.pair_row(i);
        let row = iu * n..(iu + 1) * n;
        let (g, att, w, tau) = (
            &self.g[row.clone()],
            &self.att[row.clone()],
            &self.w[row.clone()],
            &self.tau[row],
        );
        let in_m = &world.in_m[..n];
        let (mut d, mut rs, mut ls) = (att[iu], 0.0, 0.0);
        for j in 0..n {
            if j == iu {
                continue;
            }
            let (a, w, t) = if !in_m[j] {
                (att[j], w[j], tau[j])
            } else if count[j] == 0 && depth[j] == 0.0 {
                (g[j] * a_lone, g[j] * b_lone, tau_lone)
            } else if count[j] > 0 {
                // A shared pair is tariff-free; only its depth, so its NTB, moves.
                let phi = shared_ntb(params, depth[j], mover.in_m);
                if phi.to_bits() == self.phi[iu * n + j].to_bits() {
                    (att[j], w[j], 0.0)
                } else {
                    let (a, b) = self.memo.get(phi, eps);
                    (g[j] * a, g[j] * b, 0.0)
                }
            } else {
                let pair = (false, depth[j]);
                let (t, phi) = mover.cost(params, policy, j as u32, true, pair);
                let (a, b) = self.memo.get(phi, eps);
                (g[j] * a, g[j] * b, t)
            };
            d += a;
            rs += w * t;
            ls += a;
        }
        (d, rs, ls)
    }

    /// The mover's exports once its M status is `on` in `world`: each partner's column
    /// entry on i, and with it the partner's D, changes. Members that share no agreement
    /// with i and have no wall and no customs union all charge one cost, computed once.
    fn m_mover_exports(&mut self, world: &World, params: &Params, i: u32, on: bool) -> f64 {
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        let policy = &self.policy;
        let lone = (false, 0.0);
        let plain = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let (_, phi_lone) = plain.cost(params, policy, i, on, lone);
        let (a_lone, b_lone) = self.memo.get(phi_lone, eps);
        let (count, depth) = world.pair_row(i);
        let in_m = &world.in_m[..n];
        let (d_all, y) = (&self.d[..n], &self.y[..n]);
        let mut x = 0.0;
        for j in 0..n {
            if j == iu {
                continue;
            }
            let idx = j * n + iu;
            let (att_in, w_in) = if !in_m[j] {
                (self.att[idx], self.w[idx])
            } else {
                let lone_pair = count[j] == 0 && depth[j] == 0.0;
                let phi_in = if lone_pair
                    && world.wall[j].is_none()
                    && world.customs_union_of(j as u32).is_none()
                {
                    phi_lone
                } else if count[j] > 0 {
                    shared_ntb(params, depth[j], on)
                } else {
                    let pair = (count[j] > 0, depth[j]);
                    Importer::of(world, policy, j as u32)
                        .cost(params, policy, i, on, pair)
                        .1
                };
                if phi_in.to_bits() == self.phi[idx].to_bits() {
                    (self.att[idx], self.w[idx])
                } else if phi_in.to_bits() == phi_lone.to_bits() {
                    (self.g[idx] * a_lone, self.g[idx] * b_lone)
                } else {
                    let (a, b) = self.memo.get(phi_in, eps);
                    (self.g[idx] * a, self.g[idx] * b)
                }
            };
            let d_j = d_all[j] + att_in - self.att[idx];
            x += y[j] * w_in / d_j;
        }
        x
    }

    /// The mover's non-trade terms once its M status is `on` in `world`.
    fn m_mover_other(&self, world: &World, params: &Params, i: u32, on: bool) -> f64 {
        // M's mean ideal point enters only the sovereignty cost of its members.
        let pbar_m = if on {
            world.mean_ideal(world.m_members())
        } else {
            self.pbar_m
        };
        other_terms(
            world,
            params,
            i,
            pbar_m,
            |k| self.pbar[k as usize],
            self.g_share,
        )
        .total()
    }

    /// A round's new t_M while M stays fully effective before and after, nobody
    /// retaliates and every member without a wall charges t_eff to the members it shares
    /// no agreement with (it is in no customs union, or Article XXIV applies). Then the
    /// only entries that change are those between members sharing no agreement, and they
    /// all go from one cost to one other: each importer row changes by its gravity sum
    /// over those partners times the change of the factors, so the trial is one pass over
    /// the pairs plus one column per voter instead of every row rebuilt. Returns false,
    /// having done nothing, when the conditions do not hold.
    fn deltas_round(
        &mut self,
        world: &mut World,
        params: &Params,
        t_new: f64,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) -> bool {
        if params.retaliation || self.policy.e_m != 1.0 {
            return false;
        }
        let n = self.n;
        let undo = world.apply(Op::SetTm(t_new));
        let policy = Policy::of(world, params);
        world.apply(undo);
        let world: &World = world;
        let plain_row = |i: usize| world.in_m[i] && world.wall[i].is_none();
        if policy.e_m != 1.0
            || !params.article_xxiv
                && (0..n).any(|i| plain_row(i) && world.customs_union_of(i as u32).is_some())
        {
            return false;
        }
        let eps = params.elasticity;
        let plain = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let lone = (false, 0.0);
        let (tau0, phi0) = plain.cost(params, &self.policy, 0, true, lone);
        let (tau1, phi1) = plain.cost(params, &policy, 0, true, lone);
        let (a0, b0) = self.memo.get(phi0, eps);
        let (a1, b1) = self.memo.get(phi1, eps);
        let s = &mut self.scratch;
        for i in 0..n {
            if plain_row(i) {
                let (count, _) = world.pair_row(i as u32);
                let g = &self.g[i * n..(i + 1) * n];
                let mut sum = 0.0;
                for j in 0..n {
                    if j != i && world.in_m[j] && count[j] == 0 {
                        debug_assert_eq!(self.phi[i * n + j].to_bits(), phi0.to_bits());
                        sum += g[j];
                    }
                }
                s.new_d[i] = self.d[i] + sum * (a1 - a0);
                s.new_rs[i] = self.rs[i] + sum * (b1 * tau1 - b0 * tau0);
                s.new_ls[i] = self.ls[i] + sum * (a1 - a0);
            } else {
                s.new_d[i] = self.d[i];
                s.new_rs[i] = self.rs[i];
                s.new_ls[i] = self.ls[i];
            }
            s.q[i] = self.y[i] / s.new_d[i];
        }
        for &c in queried {
            let cu = c as usize;
            let s = &self.scratch;
            let mut x = 0.0;
            let c_in_m = world.in_m[cu];
            // Pair counts are symmetric, so c's own row says which importers share with c.
            let (count, _) = world.pair_row(c);
            let q = &s.q[..n];
            for a in 0..n {
                if a == cu {
                    continue;
                }
                let idx = a * n + cu;
                let w = if c_in_m && count[a] == 0 && plain_row(a) {
                    self.g[idx] * b1
                } else {
                    self.w[idx]
                };
                x += q[a] * w;
            }
            let trade =
                Engine::trade_row(world, params, cu, s.new_d[cu], s.new_rs[cu], s.new_ls[cu]);
            if self.record(out, trade + x + self.other[cu] - self.utility[cu]) {
                break;
            }
        }
        true
    }

    /// Commits a round's new t_M under the conditions of [`Engine::deltas_round`]: only
    /// the entries between members sharing no agreement change, all to one new cost, so
    /// they are set directly and their rows re-summed; every other cache stays as it is
    /// (exactly what rebuilding it would give). Returns false, having done nothing, when
    /// the conditions do not hold.
    fn commit_round(&mut self, world: &mut World, params: &Params, t_new: f64) -> bool {
        if params.retaliation || self.policy.e_m != 1.0 {
            return false;
        }
        let n = self.n;
        let undo = world.apply(Op::SetTm(t_new));
        let policy = Policy::of(world, params);
        let plain_row = |i: usize| world.in_m[i] && world.wall[i].is_none();
        if policy.e_m != 1.0
            || !params.article_xxiv
                && (0..n).any(|i| plain_row(i) && world.customs_union_of(i as u32).is_some())
        {
            world.apply(undo);
            return false;
        }
        let plain = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let lone = (false, 0.0);
        let (tau1, phi1) = plain.cost(params, &policy, 0, true, lone);
        let (a1, b1) = self.memo.get(phi1, params.elasticity);
        for i in 0..n {
            if !plain_row(i) {
                continue;
            }
            let (count, _) = world.pair_row(i as u32);
            for (j, (&c, &m)) in count.iter().zip(&world.in_m).enumerate() {
                if j != i && m && c == 0 {
                    let idx = i * n + j;
                    self.tau[idx] = tau1;
                    self.phi[idx] = phi1;
                    self.att[idx] = self.g[idx] * a1;
                    self.w[idx] = self.g[idx] * b1;
                }
            }
            self.sum_row(i as u32);
        }
        self.policy = policy;
        // Non-trade terms do not depend on t_M.
        self.refresh_exports(world);
        self.refresh_utilities(world, params);
        true
    }

    /// Pushes one ΔU; true once the loss limit of [`Engine::deltas_until`] is reached.
    fn record(&mut self, out: &mut Vec<f64>, delta: f64) -> bool {
        out.push(delta);
        match self.stop {
            Some((limit, tolerance)) if out.len() > 1 && delta < -tolerance => {
                self.losses += 1;
                self.losses >= limit
            }
            _ => false,
        }
    }

    /// Joining or founding an FTA, evaluated without touching the world: the move makes
    /// the mover share an agreement of depth δ with each partner (τ = 0 both ways, the
    /// shared depth at least δ), adds one membership and one FTA to the mover's costs, and
    /// moves the agreement's mean ideal point. Everything else is unchanged, so only those
    /// pairs and the partners' sovereignty terms are recomputed.
    fn deltas_fta_entry(
        &mut self,
        world: &World,
        params: &Params,
        op: Op,
        staged: bool,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let (mover, partner, k) = match op {
            Op::AddMember(k, i) => (i, None, Some(k)),
            Op::Found(i, j) => (i, Some(j), None),
            _ => unreachable!("only FTA entries take this path"),
        };
        let depth = k.map_or(world.new_agreement.depth, |k| {
            world.agreements[k as usize].spec.depth
        });
        let partners: &[u32] = match (k, &partner) {
            (Some(k), _) => world.agreements[k as usize].members(),
            (None, Some(j)) => std::slice::from_ref(j),
            (None, None) => unreachable!(),
        };
        let mut affected = std::mem::take(&mut self.scratch.affected);
        // An overlay still staged for this very move (the voters asked after the mover)
        // is exactly what staging it again would build.
        let id = if staged {
            self.scratch.stamp_id
        } else {
            let id = self.next_stamp();
            affected.clear();
            for &m in partners {
                for (r, c) in [(mover, m), (m, mover)] {
                    let mut shared = world.shared_depth(r, c).max(depth);
                    if world.in_m[r as usize] && world.in_m[c as usize] {
                        shared = shared.max(params.depth_m);
                    }
                    self.stage(
                        (r, c),
                        (0.0, params.ntb * (1.0 - shared)),
                        params.elasticity,
                        id,
                        &mut affected,
                    );
                }
            }
            self.stage_weights(world, &affected);
            id
        };
        // The agreement's GDP-weighted mean ideal point after entry.
        let mut sums = k.map_or([0.0; 3], |k| self.pbar_sums[k as usize]);
        for c in std::iter::once(mover).chain(partner) {
            let country = &world.countries[c as usize];
            sums[0] += country.gdp * country.ideal[0];
            sums[1] += country.gdp * country.ideal[1];
            sums[2] += country.gdp;
        }
        let pbar_new = [sums[0] / sums[2], sums[1] / sums[2]];
        for &c in queried {
            let country = &world.countries[c as usize];
            let dist = |p: [f64; 2]| {
                ((country.ideal[0] - p[0]).powi(2) + (country.ideal[1] - p[1]).powi(2)).sqrt()
            };
            let weight = country.gdp * country.sovereignty * depth;
            let extra = if c == mover || Some(c) == partner {
                let ftas = world.fta_count(c) as f64;
                -weight * dist(pbar_new) - params.membership_cost - params.roo_cost * ftas
            } else if let Some(k) = k.filter(|&k| {
                world.agreements[k as usize]
                    .members()
                    .binary_search(&c)
                    .is_ok()
            }) {
                -weight * (dist(pbar_new) - dist(self.pbar[k as usize]))
            } else {
                0.0
            };
            let other = self.other[c as usize] + extra;
            let d = self.staged_trade_entry(world, params, c, mover, id, &affected) + other
                - self.utility[c as usize];
            if self.record(out, d) {
                break;
            }
        }
        self.scratch.affected = affected;
    }

    /// The founder's own ΔU from a new bilateral FTA with j: [`Engine::deltas_fta_entry`]
    /// for its commonest case, two entries and one queried country, with the overlay
    /// kept in locals. The arithmetic is that path's, step for step, so the result is the
    /// same to the bit.
    fn delta_form_mover(&mut self, world: &World, params: &Params, i: u32, j: u32) -> f64 {
        let (n, iu, ju) = (self.n, i as usize, j as usize);
        let depth = world.new_agreement.depth;
        // Row sums of i and j after the entry, and the founder's staged export weight.
        let mut sums = [
            (self.d[iu], self.rs[iu], self.ls[iu]),
            (self.d[ju], self.rs[ju], self.ls[ju]),
        ];
        let mut changed = [false; 2];
        let mut w_in = self.w[ju * n + iu];
        for (side, (r, c)) in [(i, j), (j, i)].into_iter().enumerate() {
            let mut shared = world.shared_depth(r, c).max(depth);
            if world.in_m[r as usize] && world.in_m[c as usize] {
                shared = shared.max(params.depth_m);
            }
            let (tau, phi) = (0.0f64, params.ntb * (1.0 - shared));
            let idx = r as usize * n + c as usize;
            let Some((att, w)) = self.trial_entry(idx, (tau, phi), params.elasticity) else {
                continue;
            };
            let (d, rs, ls) = &mut sums[side];
            *d += att - self.att[idx];
            *rs += w * tau - self.w[idx] * self.tau[idx];
            *ls += att - self.att[idx];
            changed[side] = true;
            if side == 1 {
                w_in = w;
            }
        }
        let mut x = self.x[iu];
        if changed[1] {
            let y = world.countries[ju].gdp;
            let (q, q_old) = (y / sums[1].0, y / self.d[ju]);
            x += q * w_in - q_old * self.w[ju * n + iu];
        }
        let (d, rs, ls) = sums[0];
        let trade = Engine::trade_row(world, params, iu, d, rs, ls) + x;
        // The new agreement's GDP-weighted mean ideal point, and the founder's new costs.
        let mut ideal = [0.0; 3];
        for c in [i, j] {
            let country = &world.countries[c as usize];
            ideal[0] += country.gdp * country.ideal[0];
            ideal[1] += country.gdp * country.ideal[1];
            ideal[2] += country.gdp;
        }
        let pbar = [ideal[0] / ideal[2], ideal[1] / ideal[2]];
        let country = &world.countries[iu];
        let dist =
            ((country.ideal[0] - pbar[0]).powi(2) + (country.ideal[1] - pbar[1]).powi(2)).sqrt();
        let weight = country.gdp * country.sovereignty * depth;
        let ftas = world.fta_count(i) as f64;
        let extra = -weight * dist - params.membership_cost - params.roo_cost * ftas;
        trade + (self.other[iu] + extra) - self.utility[iu]
    }

    /// The leaver's own ΔU from leaving FTA k (dissolving it when two are left), without
    /// touching the world: only the pairs of i with k's other members change, to the
    /// depth they still share elsewhere. The arithmetic is [`Engine::deltas_pairwise`]'s,
    /// step for step and in member order, so the result is the same to the bit.
    fn delta_leave_mover(&mut self, world: &World, params: &Params, i: u32, k: u32) -> f64 {
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        let depth_k = world.agreements[k as usize].spec.depth;
        let (count, pair_depth) = world.pair_row(i);
        let mover = Importer::of(world, &self.policy, i);
        let (mut d, mut rs, mut ls) = (self.d[iu], self.rs[iu], self.ls[iu]);
        let mut x = self.x[iu];
        for &m in world.agreements[k as usize].members() {
            if m == i {
                continue;
            }
            let mu = m as usize;
            // What the pair caches hold once k is gone (`World::pairs_left`).
            let shared = count[mu] > 1;
            let depth = if !shared {
                0.0
            } else if pair_depth[mu] > depth_k {
                pair_depth[mu]
            } else {
                depth_shared_without(world, i, m, k)
            };
            let pair = (shared, depth);
            let idx = iu * n + mu;
            let (tau, phi) = mover.cost(params, &self.policy, m, world.in_m[mu], pair);
            if let Some((att, w)) = self.trial_entry(idx, (tau, phi), eps) {
                d += att - self.att[idx];
                rs += w * tau - self.w[idx] * self.tau[idx];
                ls += att - self.att[idx];
            }
            let idx = mu * n + iu;
            let partner = Importer::of(world, &self.policy, m);
            let cost = partner.cost(params, &self.policy, i, world.in_m[iu], pair);
            if let Some((att, w)) = self.trial_entry(idx, cost, eps) {
                let y = world.countries[mu].gdp;
                let (q, q_old) = (y / (self.d[mu] + (att - self.att[idx])), y / self.d[mu]);
                x += q * w - q_old * self.w[idx];
            }
        }
        let other = other_terms_without(
            world,
            params,
            i,
            self.pbar_m,
            |k| self.pbar[k as usize],
            self.g_share,
            Some(k),
        )
        .total();
        Engine::trade_row(world, params, iu, d, rs, ls) + x + other - self.utility[iu]
    }

    /// Entering or leaving M when that moves e_M (so t_eff) and nobody retaliates: besides
    /// the mover's row and column, only the entries of plain members (no wall, no customs
    /// union outside Article XXIV) on the members they share nothing with change, all
    /// from one cost to one other. Each such row moves by its cached gravity sum over
    /// those partners times the change of the factors; the mover's row and the rows of
    /// members of customs unions outside Article XXIV (whose tariff is max(t_eff, T_k))
    /// are summed in full. The world has the op applied. Returns false, having done
    /// nothing, when customs-union tariffs would move too.
    fn deltas_m_policy(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        on: bool,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) -> bool {
        let new = Policy::of(world, params);
        let old = &self.policy;
        if new.t_cu.len() != old.t_cu.len()
            || new
                .t_cu
                .iter()
                .zip(&old.t_cu)
                .any(|(a, b)| a.to_bits() != b.to_bits())
        {
            return false;
        }
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        // M's membership in the committed state (the world has i's new status).
        let was_in_m = |j: usize| if j == iu { !on } else { world.in_m[j] };
        if !self.lone_g_valid {
            for r in 0..n {
                let (count, _) = world.pair_row(r as u32);
                let g = &self.g[r * n..(r + 1) * n];
                let mut sum = 0.0;
                for j in 0..n {
                    if j != r && was_in_m(j) && count[j] == 0 {
                        sum += g[j];
                    }
                }
                self.lone_g[r] = sum;
            }
            self.lone_g_valid = true;
        }
        let xxiv = params.article_xxiv;
        let plain = |r: usize| {
            world.in_m[r]
                && world.wall[r].is_none()
                && (xxiv || world.customs_union_of(r as u32).is_none())
        };
        let full = |r: usize| {
            r == iu
                || world.in_m[r]
                    && world.wall[r].is_none()
                    && !xxiv
                    && world.customs_union_of(r as u32).is_some()
        };
        let lone = (false, 0.0);
        let plain_importer = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let (tau0, phi0) = plain_importer.cost(params, old, 0, true, lone);
        let (tau1, phi1) = plain_importer.cost(params, &new, 0, true, lone);
        let (a0, b0) = self.memo.get(phi0, eps);
        let (a1, b1) = self.memo.get(phi1, eps);
        let (count_i, depth_i) = world.pair_row(i);
        let s = &mut self.scratch;
        s.rows.clear();
        // Full rows' new export weights by slot, and everyone's new weight on the mover.
        s.m_row_w.resize(n * n, 0.0);
        s.m_col_w.resize(n, 0.0);
        for r in 0..n {
            let (mut d, mut rs, mut ls) = (self.d[r], self.rs[r], self.ls[r]);
            if full(r) {
                let slot = s.rows.len();
                s.row_slot[r] = slot as u32;
                s.rows.push(r as u32);
                let importer = Importer::of(world, &new, r as u32);
                let (count, depth) = world.pair_row(r as u32);
                let (row, sb) = (r * n, slot * n);
                d = self.att[row + r];
                (rs, ls) = (0.0, 0.0);
                s.m_row_w[sb + r] = 0.0;
                for j in 0..n {
                    if j == r {
                        continue;
                    }
                    let pair = (count[j] > 0, depth[j]);
                    let (tau, phi) = importer.cost(params, &new, j as u32, world.in_m[j], pair);
                    let idx = row + j;
                    let (att, w) = if phi.to_bits() == self.phi[idx].to_bits() {
                        (self.att[idx], self.w[idx])
                    } else {
                        let (a, b) = self.memo.get(phi, eps);
                        (self.g[idx] * a, self.g[idx] * b)
                    };
                    s.m_row_w[sb + j] = w;
                    d += att;
                    rs += w * tau;
                    ls += att;
                }
            } else {
                if plain(r) && phi1.to_bits() != phi0.to_bits() {
                    // The lone class, less the mover (its entry is handled below).
                    let mut sum = self.lone_g[r];
                    if was_in_m(iu) && count_i[r] == 0 {
                        sum -= self.g[r * n + iu];
                    }
                    d += sum * (a1 - a0);
                    rs += sum * (b1 * tau1 - b0 * tau0);
                    ls += sum * (a1 - a0);
                }
                let idx = r * n + iu;
                let pair = (count_i[r] > 0, depth_i[r]);
                let importer = Importer::of(world, &new, r as u32);
                let (tau, phi) = importer.cost(params, &new, i, on, pair);
                let (att, w) = if phi.to_bits() == self.phi[idx].to_bits() {
                    (self.att[idx], self.w[idx])
                } else {
                    let (a, b) = self.memo.get(phi, eps);
                    (self.g[idx] * a, self.g[idx] * b)
                };
                d += att - self.att[idx];
                rs += w * tau - self.w[idx] * self.tau[idx];
                ls += att - self.att[idx];
                s.m_col_w[r] = w;
            }
            s.new_d[r] = d;
            s.new_rs[r] = rs;
            s.new_ls[r] = ls;
            s.q[r] = self.y[r] / d;
        }
        let pbar_m = world.mean_ideal(world.m_members());
        for &c in queried {
            let cu = c as usize;
            let s = &self.scratch;
            let (count_c, _) = world.pair_row(c);
            let c_lone = world.in_m[cu] && cu != iu;
            let mut x = 0.0;
            for (a, &shared_with_c) in count_c.iter().enumerate() {
                if a == cu {
                    continue;
                }
                let idx = a * n + cu;
                let w = if s.row_slot[a] != NONE {
                    s.m_row_w[s.row_slot[a] as usize * n + cu]
                } else if cu == iu {
                    s.m_col_w[a]
                } else if c_lone && shared_with_c == 0 && plain(a) {
                    self.g[idx] * b1
                } else {
                    self.w[idx]
                };
                x += s.q[a] * w;
            }
            let other = other_terms(
                world,
                params,
                c,
                pbar_m,
                |k| self.pbar[k as usize],
                self.g_share,
            )
            .total();
            let trade = trade_terms(
                self.y[cu],
                self.lambda[cu],
                eps,
                s.new_d[cu],
                s.new_rs[cu],
                s.new_ls[cu],
            );
            if self.record(out, trade + x + other - self.utility[cu]) {
                break;
            }
        }
        let rows = std::mem::take(&mut self.scratch.rows);
        for &r in &rows {
            self.scratch.row_slot[r as usize] = NONE;
        }
        self.scratch.rows = rows;
        true
    }

    fn deltas_general(
        &mut self,
        world: &World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let n = self.n;
        let eps = params.elasticity;
        let old_policy = std::mem::replace(&mut self.policy, Policy::of(world, params));
        self.mark_dirty(world, params, ops, &old_policy);
        let rows = std::mem::take(&mut self.scratch.rows);
        let cols = std::mem::take(&mut self.scratch.cols);
        let s = &mut self.scratch;
        let memo = &mut self.memo;
        let policy = &self.policy;
        s.row_att.resize(rows.len() * n, 0.0);
        s.row_w.resize(rows.len() * n, 0.0);
        // The cost of a member importer without wall (and without customs union, or under
        // Article XXIV) on a member it shares no agreement with: t_eff plus M's NTB.
        let plain = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let (tau_lone, phi_lone) = plain.cost(params, policy, 0, true, (false, 0.0));
        let (a_lone, b_lone) = memo.get(phi_lone, eps);
        for (slot, &i) in rows.iter().enumerate() {
            let base = i as usize * n;
            let sb = slot * n;
            let (mut d, mut rs, mut ls) = (self.att[base + i as usize], 0.0, 0.0);
            s.row_att[sb + i as usize] = self.att[base + i as usize];
            s.row_w[sb + i as usize] = 0.0;
            // What `trade_cost` reads per pair, read once for the row.
            let importer = Importer::of(world, policy, i);
            let (count, depth) = world.pair_row(i);
            // A row the ops do not touch, whose customs-union tariff stays, changes only
            // where a policy aggregate enters: entries on the movers, and, when nobody
            // retaliates, a plain member's entries on the members it shares nothing
            // with, which all take the one lone cost. Its other entries keep their
            // committed values, exactly what recomputing them gives.
            let untouched = s.col_slot[i as usize] == NONE
                && world.customs_union_of(i).is_none_or(|k| {
                    old_policy.t_cu.get(k as usize).map(|t| t.to_bits())
                        == Some(policy.t_cu[k as usize].to_bits())
                });
            let lone_class = untouched
                && !params.retaliation
                && importer.in_m
                && importer.wall.is_none()
                && (importer.customs_tariff.is_none() || params.article_xxiv);
            let others_fixed = untouched && (importer.wall.is_some() || !importer.in_m);
            for j in 0..n as u32 {
                if j == i {
                    continue;
                }
                let (ju, idx) = (j as usize, base + j as usize);
                let mover = s.col_slot[ju] != NONE;
                let shared = count[ju] > 0;
                let (tau, att, w) =
                    if untouched && !mover && (shared || !world.in_m[ju] || others_fixed) {
                        (self.tau[idx], self.att[idx], self.w[idx])
                    } else if lone_class && !mover {
                        let (att, w) = if phi_lone.to_bits() == self.phi[idx].to_bits() {
                            (self.att[idx], self.w[idx])
                        } else {
                            (self.g[idx] * a_lone, self.g[idx] * b_lone)
                        };
                        (tau_lone, att, w)
                    } else {
                        let pair = (shared, depth[ju]);
                        let (tau, phi) = importer.cost(params, policy, j, world.in_m[ju], pair);
                        let (att, w) = if phi.to_bits() == self.phi[idx].to_bits() {
                            (self.att[idx], self.w[idx])
                        } else {
                            let (a, b) = memo.get(phi, eps);
                            (self.g[idx] * a, self.g[idx] * b)
                        };
                        (tau, att, w)
                    };
                s.row_att[sb + j as usize] = att;
                s.row_w[sb + j as usize] = w;
                d += att;
                rs += w * tau;
                ls += att;
            }
            s.new_d[i as usize] = d;
            s.new_rs[i as usize] = rs;
            s.new_ls[i as usize] = ls;
        }
        s.col_att.resize(cols.len() * n, 0.0);
        s.col_w.resize(cols.len() * n, 0.0);
        for a in 0..n {
            if s.row_slot[a] != NONE {
                continue;
            }
            let (mut d, mut rs, mut ls) = (self.d[a], self.rs[a], self.ls[a]);
            let importer = Importer::of(world, policy, a as u32);
            let (count, depth) = world.pair_row(a as u32);
            for (slot, &j) in cols.iter().enumerate() {
                if j as usize == a {
                    continue;
                }
                let idx = a * n + j as usize;
                let pair = (count[j as usize] > 0, depth[j as usize]);
                let (tau, phi) = importer.cost(params, policy, j, world.in_m[j as usize], pair);
                let (att, w) = if phi.to_bits() == self.phi[idx].to_bits() {
                    (self.att[idx], self.w[idx])
                } else {
                    let (a, b) = memo.get(phi, eps);
                    (self.g[idx] * a, self.g[idx] * b)
                };
                s.col_att[slot * n + a] = att;
                s.col_w[slot * n + a] = w;
                d += att - self.att[idx];
                rs += w * tau - self.w[idx] * self.tau[idx];
                ls += att - self.att[idx];
            }
            s.new_d[a] = d;
            s.new_rs[a] = rs;
            s.new_ls[a] = ls;
            s.q[a] = world.countries[a].gdp / d;
        }
        for &r in &rows {
            s.q[r as usize] = world.countries[r as usize].gdp / s.new_d[r as usize];
        }
        let pbar_m = if ops.iter().any(|op| matches!(op, Op::SetM(..))) {
            world.mean_ideal(world.m_members())
        } else {
            self.pbar_m
        };
        let g_now = if ops.iter().any(|op| matches!(op, Op::SetG(..))) {
            g_share(world)
        } else {
            self.g_share
        };
        for &c in queried {
            let cu = c as usize;
            let s = &self.scratch;
            let mut x = 0.0;
            for a in 0..n {
                if a == cu {
                    continue;
                }
                let w = if s.row_slot[a] != NONE {
                    s.row_w[s.row_slot[a] as usize * n + cu]
                } else if s.col_slot[cu] != NONE {
                    s.col_w[s.col_slot[cu] as usize * n + a]
                } else {
                    self.w[a * n + cu]
                };
                x += s.q[a] * w;
            }
            let other = other_terms(world, params, c, pbar_m, |k| self.pbar_of(k), g_now).total();
            let d = Engine::trade_row(world, params, cu, s.new_d[cu], s.new_rs[cu], s.new_ls[cu])
                + x
                + other
                - self.utility[cu];
            if self.record(out, d) {
                break;
            }
        }
        self.release_marks(rows, cols);
        self.policy = old_policy;
    }

    /// Docking modules have no incremental form: apply, recompute, undo.
    fn deltas_custom(
        &mut self,
        world: &mut World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let model = self.custom.clone().expect("a custom trade module");
        let undo: Vec<Op> = ops.iter().map(|&op| world.apply(op)).collect();
        let mut trade = vec![0.0; world.n()];
        model.trade_payoffs(world, params, &mut trade);
        let pbar_m = world.mean_ideal(world.m_members());
        let g_now = g_share(world);
        for &c in queried {
            let pbar =
                |k: u32| world.mean_ideal(world.agreements[k as usize].members().iter().copied());
            let other = other_terms(world, params, c, pbar_m, pbar, g_now).total();
            if self.record(out, trade[c as usize] + other - self.utility[c as usize]) {
                break;
            }
        }
        for &op in undo.iter().rev() {
            world.apply(op);
        }
    }

    /// Compares every committed cache with a from-scratch computation.
    pub fn check_against_scratch(&self, world: &World, params: &Params) -> Result<(), Divergence> {
        let scratch = payoffs_from_scratch(world, params);
        for (i, t) in scratch.iter().enumerate() {
            let (a, b) = (t.total(), self.utility[i]);
            if (a - b).abs() > 1e-9 * (1.0 + a.abs()) {
                return Err(Divergence {
                    country: i,
                    incremental: b,
                    scratch: a,
                });
            }
        }
        Ok(())
    }
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

fn mark_row(s: &mut Scratch, i: u32) {
    if s.row_slot[i as usize] == NONE {
        s.row_slot[i as usize] = s.rows.len() as u32;
        s.rows.push(i);
    }
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
