//! Trade costs and payoffs (MODEL.md sections 2 and 3), from scratch and incrementally.
//!
//! The per-move payoff evaluation is the hot path of the whole program. [`Engine`] keeps
//! the attraction matrix and the row sums of the current state; a hypothetical move is
//! applied to the world as primitive [`Op`]s, only the importer rows whose tariff inputs
//! changed (and the columns of the countries the move touched) are recomputed, the payoff
//! changes of the queried countries are read off, and the ops are undone. Committed
//! state is always rebuilt from exact row sums, so no rounding error accumulates.
//! [`payoffs_from_scratch`] is the independent slow path the tests compare against.

use crate::model::{Kind, Op, Params, World};

/// Tariff-relevant aggregates of a world's state (MODEL.md section 2).
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
                let share = a.members().iter().map(|&m| world.countries[m as usize].gdp).sum::<f64>() / total;
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

/// Non-tariff barrier ntb_ij = ν (1 − δ_ij).
pub fn ntb(world: &World, params: &Params, i: u32, j: u32) -> f64 {
    let mut depth = world.shared_depth(i, j);
    if world.in_m[i as usize] && world.in_m[j as usize] {
        depth = depth.max(params.depth_m);
    }
    params.ntb * (1.0 - depth)
}

/// Gravity weight g_ij (g_ii = H y_i).
pub fn gravity_weight(world: &World, params: &Params, i: u32, j: u32) -> f64 {
    let g = &params.gravity;
    if i == j {
        g.home_bias * world.countries[i as usize].gdp
    } else {
        let d = world.distance(i, j);
        world.countries[j as usize].gdp * (g.d0 / (d + g.d0)).powf(g.theta)
    }
}

/// The payoff terms of one country (MODEL.md section 3).
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
        self.consumer + self.exports + self.revenue - self.lobby - self.sovereignty
            - self.overhead
            - self.rules_of_origin
            + self.public_goods
            + self.security
    }
}

/// A trade module: the part of payoffs that depends on trade costs.
///
/// The gravity module is built in and evaluated incrementally by [`Engine`]; other
/// modules (the docking models) implement this trait and are evaluated from scratch.
pub trait TradeModel: Send + Sync + std::fmt::Debug {
    /// The module's name, as written into manifests.
    fn name(&self) -> &'static str;
    /// The trade payoff (what gravity calls C + X + R − L) of every country.
    fn trade_payoffs(&self, world: &World, params: &Params, out: &mut [f64]);
}

/// The gravity module of MODEL.md section 3, evaluated from scratch.
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
                att[idx] = gravity_weight(world, params, i, j) * (1.0 + phi[idx]).powf(-eps);
            }
        }
    }
    let d: Vec<f64> = (0..n).map(|i| att[i * n..(i + 1) * n].iter().sum()).collect();
    (0..n)
        .map(|i| {
            let y = world.countries[i].gdp;
            let lambda = world.countries[i].protectionism;
            let mut t = Terms {
                consumer: y * d[i].ln() / eps,
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
pub fn payoffs_from_scratch(world: &World, params: &Params) -> Vec<Terms> {
    let mut terms = trade_terms_from_scratch(world, params);
    let pbar_m = world.mean_ideal(world.m_members());
    for (i, t) in terms.iter_mut().enumerate() {
        let other = other_terms(world, params, i as u32, pbar_m);
        t.sovereignty = other.sovereignty;
        t.overhead = other.overhead;
        t.rules_of_origin = other.rules_of_origin;
        t.public_goods = other.public_goods;
        t.security = other.security;
    }
    terms
}

/// The terms that do not depend on trade costs: SC, OH, ROO and the optional modules.
pub fn other_terms(world: &World, params: &Params, i: u32, pbar_m: [f64; 2]) -> Terms {
    let c = &world.countries[i as usize];
    let dist = |p: [f64; 2]| ((c.ideal[0] - p[0]).powi(2) + (c.ideal[1] - p[1]).powi(2)).sqrt();
    let mut sc = 0.0;
    for &k in world.memberships(i) {
        let a = &world.agreements[k as usize];
        sc += a.spec.depth * dist(world.mean_ideal(a.members().iter().copied()));
    }
    let in_m = world.in_m[i as usize];
    if in_m {
        sc += params.depth_m * dist(pbar_m);
    }
    let in_g = params.public_goods.is_some() && world.in_g[i as usize];
    let n_memberships = world.memberships(i).len() + usize::from(in_m) + usize::from(in_g);
    let m_ftas = world.fta_count(i);
    let pairs = m_ftas * m_ftas.saturating_sub(1) / 2;
    let mut t = Terms {
        sovereignty: c.gdp * c.sovereignty * sc,
        overhead: params.membership_cost * n_memberships as f64,
        rules_of_origin: params.roo_cost * pairs as f64,
        ..Terms::default()
    };
    if let Some(pg) = &params.public_goods {
        let total = world.total_gdp();
        let g_gdp: f64 = (0..world.n()).filter(|&j| world.in_g[j]).map(|j| world.countries[j].gdp).sum();
        t.public_goods = pg.benefit * c.gdp * g_gdp / total - if in_g { pg.cost * c.gdp } else { 0.0 };
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
        world.agreements[k as usize].members().iter().map(|&m| world.countries[m as usize].gdp).sum::<f64>() / total
    };
    let own = world.memberships(i).iter().map(|&k| share(k)).fold(0.0, f64::max);
    if own == 0.0 {
        return 0.0;
    }
    let rival = (0..world.agreements.len() as u32)
        .filter(|&k| {
            let a = &world.agreements[k as usize];
            a.is_live() && a.members().binary_search(&i).is_err() && world.distance_to(i, k) <= reach
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
    utility: Vec<f64>,
    policy: Policy,
    pbar_m: [f64; 2],
    scratch: Scratch,
}

/// Buffers reused by every trial, so that the hot path never allocates.
#[derive(Clone, Debug, Default)]
struct Scratch {
    row_slot: Vec<u32>,
    rows: Vec<u32>,
    row_tau: Vec<f64>,
    row_phi: Vec<f64>,
    row_att: Vec<f64>,
    row_w: Vec<f64>,
    col_slot: Vec<u32>,
    cols: Vec<u32>,
    col_tau: Vec<f64>,
    col_phi: Vec<f64>,
    col_att: Vec<f64>,
    col_w: Vec<f64>,
    new_d: Vec<f64>,
    new_rs: Vec<f64>,
    new_ls: Vec<f64>,
    undo: Vec<Op>,
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
            utility: vec![0.0; n],
            policy: Policy::of(world, params),
            pbar_m: world.mean_ideal(world.m_members()),
            scratch: Scratch {
                row_slot: vec![NONE; n],
                col_slot: vec![NONE; n],
                new_d: vec![0.0; n],
                new_rs: vec![0.0; n],
                new_ls: vec![0.0; n],
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

    /// Rebuilds the gravity weights after GDP changed, then every cache.
    pub fn rebuild(&mut self, world: &World, params: &Params) {
        *self = Engine::new(world, params);
    }

    /// Recomputes row i of the committed matrices and its sums, exactly.
    fn recompute_row(&mut self, world: &World, params: &Params, i: u32) {
        let n = self.n;
        let eps = params.elasticity;
        let base = i as usize * n;
        for j in 0..n as u32 {
            if j == i {
                continue;
            }
            let idx = base + j as usize;
            let tau = tariff(world, params, &self.policy, i, j);
            let phi = tau + ntb(world, params, i, j);
            if phi.to_bits() != self.phi[idx].to_bits() {
                self.att[idx] = self.g[idx] * (1.0 + phi).powf(-eps);
                self.w[idx] = self.att[idx] / (1.0 + phi);
                self.phi[idx] = phi;
            }
            self.tau[idx] = tau;
        }
        self.sum_row(i);
    }

    fn sum_row(&mut self, i: u32) {
        let n = self.n;
        let base = i as usize * n;
        let (mut d, mut rs, mut ls) = (0.0, 0.0, 0.0);
        for j in 0..n {
            d += self.att[base + j];
            if j != i as usize {
                rs += self.w[base + j] * self.tau[base + j];
                ls += self.att[base + j];
            }
        }
        self.d[i as usize] = d;
        self.rs[i as usize] = rs;
        self.ls[i as usize] = ls;
    }

    fn refresh_utilities(&mut self, world: &World, params: &Params) {
        let n = self.n;
        let eps = params.elasticity;
        let q: Vec<f64> = (0..n).map(|a| world.countries[a].gdp / self.d[a]).collect();
        for c in 0..n {
            let mut x = 0.0;
            for a in 0..n {
                if a != c {
                    x += q[a] * self.w[a * n + c];
                }
            }
            let country = &world.countries[c];
            let y = country.gdp;
            let trade = y * self.d[c].ln() / eps + y * self.rs[c] / self.d[c]
                - country.protectionism * y * self.ls[c] / self.d[c]
                + x;
            self.utility[c] = trade + other_terms(world, params, c as u32, self.pbar_m).total();
        }
    }

    /// Applies `ops` for good and brings every cache up to date.
    pub fn commit(&mut self, world: &mut World, params: &Params, ops: &[Op]) {
        let old_policy = std::mem::replace(&mut self.policy, Policy::default_for(0));
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
        if !cols.is_empty() {
            let eps = params.elasticity;
            for a in 0..self.n as u32 {
                if self.scratch.row_slot[a as usize] != NONE {
                    continue;
                }
                let mut changed = false;
                for &j in &cols {
                    if j == a {
                        continue;
                    }
                    let idx = a as usize * self.n + j as usize;
                    let tau = tariff(world, params, &self.policy, a, j);
                    let phi = tau + ntb(world, params, a, j);
                    if phi.to_bits() != self.phi[idx].to_bits() || tau.to_bits() != self.tau[idx].to_bits() {
                        self.att[idx] = self.g[idx] * (1.0 + phi).powf(-eps);
                        self.w[idx] = self.att[idx] / (1.0 + phi);
                        self.phi[idx] = phi;
                        self.tau[idx] = tau;
                        changed = true;
                    }
                }
                if changed {
                    self.sum_row(a);
                }
            }
        }
        for &r in &rows {
            self.scratch.row_slot[r as usize] = NONE;
        }
        for &c in &cols {
            self.scratch.col_slot[c as usize] = NONE;
        }
        self.scratch.rows = rows;
        self.scratch.cols = cols;
        self.scratch.rows.clear();
        self.scratch.cols.clear();
        self.pbar_m = world.mean_ideal(world.m_members());
        self.refresh_utilities(world, params);
    }

    /// Marks the importer rows and exporter columns whose tariffs the ops may change.
    fn mark_dirty(&mut self, world: &World, params: &Params, ops: &[Op], old: &Policy) {
        let s = &mut self.scratch;
        s.rows.clear();
        s.cols.clear();
        let mut all_rows = false;
        let mark = |s: &mut Scratch, i: u32| {
            if s.row_slot[i as usize] == NONE {
                s.row_slot[i as usize] = s.rows.len() as u32;
                s.rows.push(i);
            }
            if s.col_slot[i as usize] == NONE {
                s.col_slot[i as usize] = s.cols.len() as u32;
                s.cols.push(i);
            }
        };
        for &op in ops {
            match op {
                Op::AddMember(_, i) | Op::RemoveMember(_, i) | Op::SetM(i, _) | Op::SetWall(i, _) => mark(s, i),
                Op::Found(i, j) => {
                    mark(s, i);
                    mark(s, j);
                }
                Op::Unfound | Op::SetDissolved(..) => {}
                Op::SetTm(_) => all_rows = true,
                Op::SetG(..) => {}
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
            let changed = match old.t_cu.get(k) {
                Some(t) => t.to_bits() != new.t_cu[k].to_bits(),
                None => true,
            };
            if changed {
                for &m in a.members() {
                    mark_row(s, m);
                }
            }
        }
    }

    /// ΔU of each `queried` country if `ops` were applied; the world is left unchanged.
    pub fn deltas(&mut self, world: &mut World, params: &Params, ops: &[Op], queried: &[u32], out: &mut Vec<f64>) {
        out.clear();
        let n = self.n;
        let eps = params.elasticity;
        let mut undo = std::mem::take(&mut self.scratch.undo);
        undo.clear();
        for &op in ops {
            undo.push(world.apply(op));
        }
        let new_policy = Policy::of(world, params);
        let old_policy = std::mem::replace(&mut self.policy, new_policy);
        self.mark_dirty(world, params, ops, &old_policy);
        let rows = std::mem::take(&mut self.scratch.rows);
        let cols = std::mem::take(&mut self.scratch.cols);
        let s = &mut self.scratch;
        let policy = &self.policy;
        // Dirty rows in full.
        s.row_tau.resize(rows.len() * n, 0.0);
        s.row_phi.resize(rows.len() * n, 0.0);
        s.row_att.resize(rows.len() * n, 0.0);
        s.row_w.resize(rows.len() * n, 0.0);
        for (slot, &i) in rows.iter().enumerate() {
            let base = i as usize * n;
            let sb = slot * n;
            let (mut d, mut rs, mut ls) = (0.0, 0.0, 0.0);
            for j in 0..n as u32 {
                let idx = base + j as usize;
                if j == i {
                    s.row_att[sb + i as usize] = self.att[idx];
                    s.row_w[sb + i as usize] = 0.0;
                    s.row_tau[sb + i as usize] = 0.0;
                    d += self.att[idx];
                    continue;
                }
                let tau = tariff(world, params, policy, i, j);
                let phi = tau + ntb(world, params, i, j);
                let (att, w) = if phi.to_bits() == self.phi[idx].to_bits() {
                    (self.att[idx], self.w[idx])
                } else {
                    let att = self.g[idx] * (1.0 + phi).powf(-eps);
                    (att, att / (1.0 + phi))
                };
                s.row_tau[sb + j as usize] = tau;
                s.row_phi[sb + j as usize] = phi;
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
        // Columns of touched exporters, for rows not already recomputed.
        s.col_tau.resize(cols.len() * n, 0.0);
        s.col_att.resize(cols.len() * n, 0.0);
        s.col_w.resize(cols.len() * n, 0.0);
        s.col_phi.resize(cols.len() * n, 0.0);
        for a in 0..n {
            if s.row_slot[a] != NONE {
                continue;
            }
            let (mut d, mut rs, mut ls) = (self.d[a], self.rs[a], self.ls[a]);
            for (slot, &j) in cols.iter().enumerate() {
                if j as usize == a {
                    continue;
                }
                let idx = a * n + j as usize;
                let tau = tariff(world, params, policy, a as u32, j);
                let phi = tau + ntb(world, params, a as u32, j);
                let (att, w) = if phi.to_bits() == self.phi[idx].to_bits() {
                    (self.att[idx], self.w[idx])
                } else {
                    let att = self.g[idx] * (1.0 + phi).powf(-eps);
                    (att, att / (1.0 + phi))
                };
                let cb = slot * n + a;
                s.col_tau[cb] = tau;
                s.col_phi[cb] = phi;
                s.col_att[cb] = att;
                s.col_w[cb] = w;
                d += att - self.att[idx];
                rs += w * tau - self.w[idx] * self.tau[idx];
                ls += att - self.att[idx];
            }
            s.new_d[a] = d;
            s.new_rs[a] = rs;
            s.new_ls[a] = ls;
        }
        let pbar_m = if ops.iter().any(|op| matches!(op, Op::SetM(..))) {
            world.mean_ideal(world.m_members())
        } else {
            self.pbar_m
        };
        for &c in queried {
            let cu = c as usize;
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
                x += world.countries[a].gdp * w / s.new_d[a];
            }
            let country = &world.countries[cu];
            let y = country.gdp;
            let trade = y * s.new_d[cu].ln() / eps + y * s.new_rs[cu] / s.new_d[cu]
                - country.protectionism * y * s.new_ls[cu] / s.new_d[cu]
                + x;
            let u = trade + other_terms(world, params, c, pbar_m).total();
            out.push(u - self.utility[cu]);
        }
        for &r in &rows {
            s.row_slot[r as usize] = NONE;
        }
        for &c in &cols {
            s.col_slot[c as usize] = NONE;
        }
        s.rows = rows;
        s.cols = cols;
        s.rows.clear();
        s.cols.clear();
        self.policy = old_policy;
        for &op in undo.iter().rev() {
            world.apply(op);
        }
        self.scratch.undo = undo;
    }

    /// Compares every committed cache with a from-scratch computation.
    pub fn check_against_scratch(&self, world: &World, params: &Params) -> Result<(), String> {
        let scratch = payoffs_from_scratch(world, params);
        for (i, t) in scratch.iter().enumerate() {
            let (a, b) = (t.total(), self.utility[i]);
            if (a - b).abs() > 1e-9 * (1.0 + a.abs()) {
                return Err(format!("country {i}: incremental U {b} vs from scratch {a}"));
            }
        }
        Ok(())
    }
}

fn mark_row(s: &mut Scratch, i: u32) {
    if s.row_slot[i as usize] == NONE {
        s.row_slot[i as usize] = s.rows.len() as u32;
        s.rows.push(i);
    }
}

impl Policy {
    fn default_for(n: usize) -> Policy {
        Policy {
            e_m: 0.0,
            t_eff: 0.0,
            t_cu: Vec::new(),
            compliance: vec![0.0; n],
        }
    }
}
