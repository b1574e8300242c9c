//! Trials of moves that move a policy aggregate (t_M, e_M, a customs union's tariff,
//! retaliation, walls, G): the general trial, which recomputes every row whose tariff
//! inputs may change, and beside it its shortcuts for moves that shift a single cost
//! class: a round nobody retaliates in (`deltas_round`) and entering or leaving M
//! when that moves e_M (`deltas_m_policy`), both from cached per-row gravity sums.

use super::state::{Engine, NONE, Scratch, mark_row};
use super::{Importer, Policy, g_share, other_terms, trade_terms};
use crate::model::{Op, Params, World};

impl Engine {
    /// The general trial, for any ops: the importer rows whose tariff inputs may change
    /// (`mark_dirty`) are recomputed in full, every other row only on the movers'
    /// columns, and each queried country's exports are summed over the new rows. The
    /// world has the ops applied. The other trials in this file, and in `trial_m.rs` and
    /// `trial_pairwise.rs`, are exact shortcuts of this one for one kind of move each;
    /// `check_incremental` compares them all with `payoffs_from_scratch`.
    pub(super) fn deltas_general(
        &mut self,
        world: &World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let old_policy = std::mem::replace(&mut self.policy, Policy::of(world, params));
        self.mark_dirty(world, params, ops, &old_policy);
        let rows = std::mem::take(&mut self.scratch.rows);
        let cols = std::mem::take(&mut self.scratch.cols);
        self.general_rows(world, params, &rows, &old_policy);
        self.general_columns(world, params, &cols);
        self.general_answers(world, params, ops, queried, out);
        self.release_marks(rows, cols);
        self.policy = old_policy;
    }

    /// The dirty rows of a general trial, in full: their new entries by slot, their
    /// trial sums and market weights.
    fn general_rows(&mut self, world: &World, params: &Params, rows: &[u32], old_policy: &Policy) {
        let n = self.n;
        let eps = params.elasticity;
        let s = &mut self.scratch;
        let memo = &mut self.attenuations;
        let policy = &self.policy;
        grow(&mut s.row_weight, rows.len() * n);
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
            let (mut d, mut rs, mut ls) = (self.attraction[base + i as usize], 0.0, 0.0);
            s.row_weight[sb + i as usize] = 0.0;
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
                        (self.tariff[idx], self.attraction[idx], self.weight[idx])
                    } else if lone_class && !mover {
                        let (att, w) = if phi_lone.to_bits() == self.cost[idx].to_bits() {
                            (self.attraction[idx], self.weight[idx])
                        } else {
                            (self.gravity[idx] * a_lone, self.gravity[idx] * b_lone)
                        };
                        (tau_lone, att, w)
                    } else {
                        let pair = (shared, depth[ju]);
                        let (tau, phi) = importer.cost(params, policy, j, world.in_m[ju], pair);
                        let (att, w) = if phi.to_bits() == self.cost[idx].to_bits() {
                            (self.attraction[idx], self.weight[idx])
                        } else {
                            let (a, b) = memo.get(phi, eps);
                            (self.gravity[idx] * a, self.gravity[idx] * b)
                        };
                        (tau, att, w)
                    };
                s.row_weight[sb + j as usize] = w;
                d += att;
                rs += w * tau;
                ls += att;
            }
            s.trial_attraction_sum[i as usize] = d;
            s.trial_revenue_sum[i as usize] = rs;
            s.trial_lobby_sum[i as usize] = ls;
        }
        for &r in rows {
            s.market[r as usize] =
                world.countries[r as usize].gdp / s.trial_attraction_sum[r as usize];
        }
    }

    /// The clean rows of a general trial: only their entries on the movers' columns
    /// change, so their committed sums are corrected by those entries.
    fn general_columns(&mut self, world: &World, params: &Params, cols: &[u32]) {
        let n = self.n;
        let eps = params.elasticity;
        let s = &mut self.scratch;
        let memo = &mut self.attenuations;
        let policy = &self.policy;
        grow(&mut s.col_weight, cols.len() * n);
        for a in 0..n {
            if s.row_slot[a] != NONE {
                continue;
            }
            let (mut d, mut rs, mut ls) = (
                self.attraction_sum[a],
                self.revenue_sum[a],
                self.lobby_sum[a],
            );
            let importer = Importer::of(world, policy, a as u32);
            let (count, depth) = world.pair_row(a as u32);
            for (slot, &j) in cols.iter().enumerate() {
                if j as usize == a {
                    continue;
                }
                let idx = a * n + j as usize;
                let pair = (count[j as usize] > 0, depth[j as usize]);
                let (tau, phi) = importer.cost(params, policy, j, world.in_m[j as usize], pair);
                let (att, w) = if phi.to_bits() == self.cost[idx].to_bits() {
                    (self.attraction[idx], self.weight[idx])
                } else {
                    let (a, b) = memo.get(phi, eps);
                    (self.gravity[idx] * a, self.gravity[idx] * b)
                };
                s.col_weight[slot * n + a] = w;
                d += att - self.attraction[idx];
                rs += w * tau - self.weight[idx] * self.tariff[idx];
                ls += att - self.attraction[idx];
            }
            s.trial_attraction_sum[a] = d;
            s.trial_revenue_sum[a] = rs;
            s.trial_lobby_sum[a] = ls;
            s.market[a] = world.countries[a].gdp / d;
        }
    }

    /// The queried countries' ΔU from the trial sums and entries of a general trial.
    fn general_answers(
        &mut self,
        world: &World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let n = self.n;
        let pbar_m = if ops.iter().any(|op| matches!(op, Op::SetM(..))) {
            world.mean_ideal(world.m_members())
        } else {
            self.m_ideal
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
                    s.row_weight[s.row_slot[a] as usize * n + cu]
                } else if s.col_slot[cu] != NONE {
                    s.col_weight[s.col_slot[cu] as usize * n + a]
                } else {
                    self.weight[a * n + cu]
                };
                x += s.market[a] * w;
            }
            let other = other_terms(world, params, c, pbar_m, |k| self.pbar_of(k), g_now).total();
            let d = Engine::trade_row(
                world,
                params,
                cu,
                s.trial_attraction_sum[cu],
                s.trial_revenue_sum[cu],
                s.trial_lobby_sum[cu],
            ) + x
                + other
                - self.utility[cu];
            if self.record(out, d) {
                break;
            }
        }
    }

    /// Marks the importer rows and exporter columns whose tariffs the ops may change.
    pub(super) fn mark_dirty(&mut self, world: &World, params: &Params, ops: &[Op], old: &Policy) {
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
                Op::Bridge(a, b) => {
                    for k in [a, b] {
                        for &i in world.agreements[k as usize].members() {
                            mark(s, i);
                        }
                    }
                }
                Op::SetTm(_) => all_rows = true,
                Op::Unfound
                | Op::SetDissolved(..)
                | Op::SetG(..)
                | Op::SetDecisionRule(_)
                | Op::SetAccessionRule(_)
                | Op::SetMemberRule(..)
                | Op::SetLocked(..)
                | Op::SetTick(_) => {}
                Op::SetGdp(..) => unreachable!("a GDP change rebuilds the engine"),
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

    /// A round's new t_M when nobody retaliates and every member without a wall charges
    /// t_eff to the members it shares no agreement with (it is in no customs union, or
    /// Article XXIV applies). Then the only entries that change are those between such
    /// members and the members they share no agreement with, and they all go from one
    /// cost to one other, whether e_M stays at 1 or moves with the walled members'
    /// compliance (which only retaliation reads): each importer row changes by its gravity sum
    /// over those partners times the change of the factors, so the trial is one pass over
    /// the pairs plus one column per voter instead of every row rebuilt. Returns false,
    /// having done nothing, when the conditions do not hold.
    pub(super) fn deltas_round(
        &mut self,
        world: &mut World,
        params: &Params,
        t_new: f64,
        queried: &[u32],
        slow: bool,
        out: &mut Vec<f64>,
    ) -> bool {
        if params.retaliation {
            return false;
        }
        let n = self.n;
        let undo = world.apply(Op::SetTm(t_new));
        let policy = Policy::of(world, params);
        world.apply(undo);
        let world: &World = world;
        let plain_row = |i: usize| world.in_m[i] && world.wall[i].is_none();
        if !params.article_xxiv
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
        let (a0, b0) = self.attenuations.get(phi0, eps);
        let (a1, b1) = self.attenuations.get(phi1, eps);
        let gain = (a1 - a0, b1 * tau1 - b0 * tau0);
        if slow {
            for i in 0..n {
                let mut sum = None;
                if plain_row(i) {
                    let (count, _) = world.pair_row(i as u32);
                    let g = &self.gravity[i * n..(i + 1) * n];
                    let mut total = 0.0;
                    for j in 0..n {
                        if j != i && world.in_m[j] && count[j] == 0 {
                            debug_assert_eq!(self.cost[i * n + j].to_bits(), phi0.to_bits());
                            total += g[j];
                        }
                    }
                    sum = Some(total);
                }
                self.trial_row_sums(i, sum, gain);
            }
        } else {
            // Four rows at a time (each row's own chain of additions, in ascending j as
            // above), without a branch on the class (see `lone_sums`).
            let mut rows = [0; 4];
            let mut k = 0;
            for i in 0..n {
                if !plain_row(i) {
                    self.trial_row_sums(i, None, gain);
                    continue;
                }
                rows[k] = i;
                k += 1;
                if k == 4 {
                    let sums = lone_sums(world, &self.gravity, rows);
                    for (&r, sum) in rows.iter().zip(sums) {
                        self.trial_row_sums(r, Some(sum), gain);
                    }
                    k = 0;
                }
            }
            for &r in &rows[..k] {
                let sum = lone_sum(world, &self.gravity, r);
                self.trial_row_sums(r, Some(sum), gain);
            }
        }
        if slow {
            for &c in queried {
                let cu = c as usize;
                let c_in_m = world.in_m[cu];
                // Pair counts are symmetric, so c's own row says which importers share with c.
                let (count, _) = world.pair_row(c);
                let mut x = 0.0;
                for (a, &q) in self.scratch.market[..n].iter().enumerate() {
                    if a == cu {
                        continue;
                    }
                    let idx = a * n + cu;
                    let w = if c_in_m && count[a] == 0 && plain_row(a) {
                        self.gravity[idx] * b1
                    } else {
                        self.weight[idx]
                    };
                    x += q * w;
                }
                if self.record_voter(world, params, out, cu, x) {
                    break;
                }
            }
            return true;
        }
        // Four voters' export sums at a time, each its own chain as above; a voter past
        // the stop is summed in vain, and its sum dropped.
        let mut voters = queried.chunks_exact(4);
        for four in voters.by_ref() {
            let xs = self.voter_sums(world, b1, [four[0], four[1], four[2], four[3]]);
            for (&c, x) in four.iter().zip(xs) {
                if self.record_voter(world, params, out, c as usize, x) {
                    return true;
                }
            }
        }
        for &c in voters.remainder() {
            let x = self.voter_sum(world, b1, c);
            if self.record_voter(world, params, out, c as usize, x) {
                break;
            }
        }
        true
    }

    /// Records voter `c`'s ΔU in a round, given `x`, its exports summed over the trial's
    /// markets; true once the loss limit is reached.
    #[inline]
    fn record_voter(
        &mut self,
        world: &World,
        params: &Params,
        out: &mut Vec<f64>,
        c: usize,
        x: f64,
    ) -> bool {
        let s = &self.scratch;
        let trade = Engine::trade_row(
            world,
            params,
            c,
            s.trial_attraction_sum[c],
            s.trial_revenue_sum[c],
            s.trial_lobby_sum[c],
        );
        self.record(out, trade + x + self.non_trade[c] - self.utility[c])
    }

    /// For each voter of a round, its exports summed over the trial's markets in
    /// ascending importer, the voters' chains interleaved. An importer's weight on a
    /// member's exports moves to the new lone class's when both are plain members that
    /// share nothing (pair counts are symmetric, so the voter's own row says which
    /// importers share with it). Both weights are finite and positive, so x·1 + y·0 picks
    /// x to the bit, and the voter's own column adds +0, which changes no bit of a sum
    /// that starts at +0; products, unlike tests, are never mispredicted.
    #[inline]
    fn voter_sums(&self, world: &World, b1: f64, voters: [u32; 4]) -> [f64; 4] {
        let n = self.n;
        let (in_m, wall) = (&world.in_m[..n], &world.wall[..n]);
        let market = &self.scratch.market[..n];
        let [c0, c1, c2, c3] = voters.map(|c| c as usize);
        assert!(c0.max(c1).max(c2).max(c3) < n);
        let count = |c: usize| &world.pair_row(c as u32).0[..n];
        let (k0, k1, k2, k3) = (count(c0), count(c1), count(c2), count(c3));
        let (m0, m1, m2, m3) = (in_m[c0], in_m[c1], in_m[c2], in_m[c3]);
        let one = |keep: bool| f64::from(u8::from(keep));
        let pick = |lone: bool, g: f64, w: f64| g * b1 * one(lone) + w * one(!lone);
        let mut acc = [0.0; 4];
        for a in 0..n {
            let plain = in_m[a] & wall[a].is_none();
            let (g, w) = (&self.gravity[a * n..][..n], &self.weight[a * n..][..n]);
            let q = market[a];
            let w0 = pick(plain & m0 & (k0[a] == 0), g[c0], w[c0]);
            let w1 = pick(plain & m1 & (k1[a] == 0), g[c1], w[c1]);
            let w2 = pick(plain & m2 & (k2[a] == 0), g[c2], w[c2]);
            let w3 = pick(plain & m3 & (k3[a] == 0), g[c3], w[c3]);
            acc[0] += q * w0 * one(a != c0);
            acc[1] += q * w1 * one(a != c1);
            acc[2] += q * w2 * one(a != c2);
            acc[3] += q * w3 * one(a != c3);
        }
        acc
    }

    /// One voter's [`Engine::voter_sums`]: the importers before c, then those after it.
    #[inline]
    fn voter_sum(&self, world: &World, b1: f64, c: u32) -> f64 {
        let (n, cu) = (self.n, c as usize);
        let c_in_m = world.in_m[cu];
        let (count, _) = world.pair_row(c);
        let weight = |a: usize| {
            let idx = a * n + cu;
            if c_in_m && count[a] == 0 && world.in_m[a] && world.wall[a].is_none() {
                self.gravity[idx] * b1
            } else {
                self.weight[idx]
            }
        };
        let q = &self.scratch.market[..n];
        let mut x = 0.0;
        for (a, &q) in q[..cu].iter().enumerate() {
            x += q * weight(a);
        }
        for (k, &q) in q[cu + 1..].iter().enumerate() {
            x += q * weight(cu + 1 + k);
        }
        x
    }

    /// A round's trial sums of row `i`: the committed ones, moved by `gain` (the change
    /// of the lone class's attraction and revenue factors) times `sum`, the row's gravity
    /// on the members it shares nothing with, if it is a plain member's.
    #[inline]
    fn trial_row_sums(&mut self, i: usize, sum: Option<f64>, gain: (f64, f64)) {
        let s = &mut self.scratch;
        if let Some(sum) = sum {
            s.trial_attraction_sum[i] = self.attraction_sum[i] + sum * gain.0;
            s.trial_revenue_sum[i] = self.revenue_sum[i] + sum * gain.1;
            s.trial_lobby_sum[i] = self.lobby_sum[i] + sum * gain.0;
        } else {
            s.trial_attraction_sum[i] = self.attraction_sum[i];
            s.trial_revenue_sum[i] = self.revenue_sum[i];
            s.trial_lobby_sum[i] = self.lobby_sum[i];
        }
        s.market[i] = self.gdp[i] / s.trial_attraction_sum[i];
    }

    /// Entering or leaving M when that moves e_M (so t_eff): besides the mover's row and
    /// column, only the entries of plain members (no wall, no customs union outside
    /// Article XXIV) on the members they share nothing with change, each from the old to
    /// the new cost of its lone class (one class without retaliation; under retaliation
    /// one per compliance of the exporter, which the move leaves as it is for everyone
    /// but the mover). Each such row moves by its cached gravity sum per class times the
    /// change of the class's factors; the mover's row and the rows of members of customs
    /// unions outside Article XXIV (whose tariff is max(t_eff, T_k)) are summed in full.
    /// The world has the op applied.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn deltas_m_policy(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        on: bool,
        queried: &[u32],
        slow: bool,
        out: &mut Vec<f64>,
    ) {
        let mut new = std::mem::replace(&mut self.scratch.m_policy, Policy::empty());
        self.policy.after_m_move(world, params, i, &mut new);
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        self.refresh_lone_gravity(world, params, i, on, slow);
        let old = &self.policy;
        let xxiv = params.article_xxiv;
        let plain = |r: usize| plain_member(world, xxiv, r);
        let full = |r: usize| {
            r == iu
                || world.in_m[r]
                    && world.wall[r].is_none()
                    && !xxiv
                    && world.customs_union_of(r as u32).is_some()
        };
        // Each lone class's cost before and after, from a member of the class other than
        // the mover (whose compliance is the one that changes); a class of the mover
        // alone has no entries left to move.
        let mut class_change = std::mem::take(&mut self.scratch.class_change);
        class_change.clear();
        for k in 0..self.lone_classes.len() as u32 {
            let member = (0..n).find(|&j| j != iu && self.lone_class_of[j] == k);
            let change = member.and_then(|j| {
                let plain_importer = Importer {
                    in_m: true,
                    wall: None,
                    customs_tariff: None,
                };
                let lone = (false, 0.0);
                let (tau0, phi0) = plain_importer.cost(params, old, j as u32, true, lone);
                let (tau1, phi1) = plain_importer.cost(params, &new, j as u32, true, lone);
                let (a0, b0) = self.attenuations.get(phi0, eps);
                let (a1, b1) = self.attenuations.get(phi1, eps);
                (phi1.to_bits() != phi0.to_bits()).then_some(ClassChange {
                    attraction: a1 - a0,
                    revenue: b1 * tau1 - b0 * tau0,
                    weight: b1,
                })
            });
            class_change.push(change);
        }
        let classes = class_change.len();
        let mover_class = self.lone_class_of[iu];
        // A plain member's cost on the mover when they share nothing: one value for all
        // (a union's T_k does not bind a plain member, see `Engine::pairwise_trial`).
        let plain_importer = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let mover_lone = plain_importer.cost(params, &new, i, on, (false, 0.0));
        let (count_i, depth_i) = world.pair_row(i);
        // Asked about the mover alone (best response's first question), only the mover's
        // own row needs its revenue and lobby sums; every row's D still sets its market.
        let mover_alone = queried == [i];
        let s = &mut self.scratch;
        s.rows.clear();
        // Full rows' new export weights by slot, and everyone's new weight on the mover.
        grow(&mut s.m_row_weight, n * n);
        grow(&mut s.m_col_weight, n);
        for r in 0..n {
            let (mut d, mut rs, mut ls) = (
                self.attraction_sum[r],
                self.revenue_sum[r],
                self.lobby_sum[r],
            );
            if full(r) {
                let slot = s.rows.len();
                s.row_slot[r] = slot as u32;
                s.rows.push(r as u32);
                let importer = Importer::of(world, &new, r as u32);
                let (count, depth) = world.pair_row(r as u32);
                let (row, sb) = (r * n, slot * n);
                d = self.attraction[row + r];
                (rs, ls) = (0.0, 0.0);
                s.m_row_weight[sb + r] = 0.0;
                for j in 0..n {
                    if j == r {
                        continue;
                    }
                    let pair = (count[j] > 0, depth[j]);
                    let (tau, phi) = importer.cost(params, &new, j as u32, world.in_m[j], pair);
                    let idx = row + j;
                    let (att, w) = if phi.to_bits() == self.cost[idx].to_bits() {
                        (self.attraction[idx], self.weight[idx])
                    } else {
                        let (a, b) = self.attenuations.get(phi, eps);
                        (self.gravity[idx] * a, self.gravity[idx] * b)
                    };
                    s.m_row_weight[sb + j] = w;
                    d += att;
                    rs += w * tau;
                    ls += att;
                }
                // The mover's column holds every row's new weight on the mover, full rows
                // included, so that the mover's exports are one pass over it.
                s.m_col_weight[r] = s.m_row_weight[sb + iu];
            } else {
                let plain_r = plain(r);
                if plain_r {
                    let sums = &self.lone_gravity[r * classes..(r + 1) * classes];
                    for (k, (change, &sum)) in class_change.iter().zip(sums).enumerate() {
                        let Some(change) = change else {
                            continue;
                        };
                        // The class, less the mover (its entry is handled below).
                        let mut sum = sum;
                        if mover_class == k as u32 && count_i[r] == 0 {
                            sum -= self.gravity[r * n + iu];
                        }
                        d += sum * change.attraction;
                        if !mover_alone {
                            rs += sum * change.revenue;
                            ls += sum * change.attraction;
                        }
                    }
                }
                let idx = r * n + iu;
                if !world.in_m[r] {
                    // A non-member's entry on the mover: both-in-M is false before and
                    // after, so it keeps its cost, and adding its zero change would leave
                    // the sums as they are.
                    s.m_col_weight[r] = self.weight[idx];
                } else {
                    let (tau, phi) = if plain_r && count_i[r] == 0 && depth_i[r] == 0.0 {
                        mover_lone
                    } else {
                        let pair = (count_i[r] > 0, depth_i[r]);
                        Importer::of(world, &new, r as u32).cost(params, &new, i, on, pair)
                    };
                    let (att, w) = if phi.to_bits() == self.cost[idx].to_bits() {
                        (self.attraction[idx], self.weight[idx])
                    } else {
                        let (a, b) = self.attenuations.get(phi, eps);
                        (self.gravity[idx] * a, self.gravity[idx] * b)
                    };
                    d += att - self.attraction[idx];
                    if !mover_alone {
                        rs += w * tau - self.weight[idx] * self.tariff[idx];
                        ls += att - self.attraction[idx];
                    }
                    s.m_col_weight[r] = w;
                }
            }
            s.trial_attraction_sum[r] = d;
            s.trial_revenue_sum[r] = rs;
            s.trial_lobby_sum[r] = ls;
            s.market[r] = self.gdp[r] / d;
        }
        self.scratch.class_change = class_change;
        self.scratch.m_policy = new;
        if slow {
            self.m_policy_answers_slow(world, params, i, queried, out);
        } else {
            self.m_policy_answers(world, params, i, queried, out);
        }
        let rows = std::mem::take(&mut self.scratch.rows);
        for &r in &rows {
            self.scratch.row_slot[r as usize] = NONE;
        }
        self.scratch.rows = rows;
    }

    /// The queried countries' ΔU under [`Engine::deltas_m_policy`]'s trial sums: in a
    /// column, the fully summed rows give their staged weights, the mover's column its
    /// new ones, and a plain member's entry on another member it shares nothing with
    /// takes the new factor of that member's lone class.
    fn m_policy_answers(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let (n, iu) = (self.n, i as usize);
        let pbar_m = world.mean_ideal(world.m_members());
        for &c in queried {
            let cu = c as usize;
            let s = &self.scratch;
            let (count_c, _) = world.pair_row(c);
            let c_lone = self.lone_factor(world, iu, cu);
            let mut x = 0.0;
            if cu == iu {
                // The mover's column is staged whole (full rows included): the importers
                // before the mover, then those after it, the same additions in row order.
                let (q, w) = (&s.market[..n], &s.m_col_weight[..n]);
                for (&q, &w) in q[..iu].iter().zip(&w[..iu]) {
                    x += q * w;
                }
                for (&q, &w) in q[iu + 1..].iter().zip(&w[iu + 1..]) {
                    x += q * w;
                }
            } else {
                for a in (0..cu).chain(cu + 1..n) {
                    let idx = a * n + cu;
                    let w = if s.row_slot[a] != NONE {
                        s.m_row_weight[s.row_slot[a] as usize * n + cu]
                    } else if let Some(b1) = c_lone
                        && count_c[a] == 0
                        && plain_member(world, params.article_xxiv, a)
                    {
                        self.gravity[idx] * b1
                    } else {
                        self.weight[idx]
                    };
                    x += s.market[a] * w;
                }
            }
            let delta = self.m_policy_answer(world, params, c, pbar_m, x);
            if self.record(out, delta) {
                break;
            }
        }
    }

    /// The new factor of country c's lone class under the policy path's trial, if c is a
    /// member of M other than the mover i and its class's cost moves.
    #[inline(always)]
    fn lone_factor(&self, world: &World, iu: usize, cu: usize) -> Option<f64> {
        if world.in_m[cu] && cu != iu {
            self.scratch.class_change[self.lone_class_of[cu] as usize].map(|change| change.weight)
        } else {
            None
        }
    }

    /// Country c's ΔU under the policy path from its export sum x under the trial: its
    /// trial row's C + R − L, plus x, plus its non-trade terms, less its committed payoff,
    /// added in that order (the fast answers and their slow twin share it).
    #[inline(always)]
    fn m_policy_answer(
        &self,
        world: &World,
        params: &Params,
        c: u32,
        pbar_m: [f64; 2],
        x: f64,
    ) -> f64 {
        let (cu, s) = (c as usize, &self.scratch);
        let other = other_terms(
            world,
            params,
            c,
            pbar_m,
            |k| self.agreement_ideal[k as usize],
            self.g_share,
        )
        .total();
        let trade = trade_terms(
            self.gdp[cu],
            self.protectionism[cu],
            params.elasticity,
            s.trial_attraction_sum[cu],
            s.trial_revenue_sum[cu],
            s.trial_lobby_sum[cu],
        );
        trade + x + other - self.utility[cu]
    }

    /// The slow twin of [`Engine::m_policy_answers`]: one loop over every importer with
    /// the weight's source decided per entry, which the property tests compare with the
    /// fast answers bit for bit.
    fn m_policy_answers_slow(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let (n, iu) = (self.n, i as usize);
        let pbar_m = world.mean_ideal(world.m_members());
        for &c in queried {
            let cu = c as usize;
            let s = &self.scratch;
            let (count_c, _) = world.pair_row(c);
            let c_lone = self.lone_factor(world, iu, cu);
            let mut x = 0.0;
            for (a, &shared_with_c) in count_c.iter().enumerate() {
                if a == cu {
                    continue;
                }
                let idx = a * n + cu;
                let w = if s.row_slot[a] != NONE {
                    s.m_row_weight[s.row_slot[a] as usize * n + cu]
                } else if cu == iu {
                    s.m_col_weight[a]
                } else if let Some(b1) = c_lone
                    && shared_with_c == 0
                    && plain_member(world, params.article_xxiv, a)
                {
                    self.gravity[idx] * b1
                } else {
                    self.weight[idx]
                };
                x += s.market[a] * w;
            }
            let delta = self.m_policy_answer(world, params, c, pbar_m, x);
            if self.record(out, delta) {
                break;
            }
        }
    }

    /// Brings the lone classes and `lone_gravity` to the committed state if a commit made
    /// them stale. The world has i's new M status `on`, so i counts as it was before.
    fn refresh_lone_gravity(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        on: bool,
        slow: bool,
    ) {
        if self.lone_gravity_valid {
            return;
        }
        let (n, iu) = (self.n, i as usize);
        // M's membership in the committed state.
        let was_in_m = |j: usize| if j == iu { !on } else { world.in_m[j] };
        self.lone_classes.clear();
        for j in 0..n {
            self.lone_class_of[j] = if !was_in_m(j) {
                NONE
            } else {
                let key = if params.retaliation {
                    self.policy.compliance[j].to_bits()
                } else {
                    0
                };
                match self.lone_classes.iter().position(|&c| c == key) {
                    Some(k) => k as u32,
                    None => {
                        self.lone_classes.push(key);
                        self.lone_classes.len() as u32 - 1
                    }
                }
            };
        }
        let classes = self.lone_classes.len();
        self.lone_gravity.clear();
        self.lone_gravity.resize(n * classes, 0.0);
        let class_of = &self.lone_class_of[..n];
        for r in 0..n {
            let (count, _) = world.pair_row(r as u32);
            let g = &self.gravity[r * n..(r + 1) * n];
            let sums = &mut self.lone_gravity[r * classes..(r + 1) * classes];
            let lone = count.iter().zip(g).zip(class_of).enumerate();
            if let ([sum], false) = (&mut *sums, slow) {
                // One class (no retaliation): a running sum in column order, before and
                // after the diagonal, with a zero for each column outside the class. The
                // sum starts at +0 and gravity is positive, so it is never -0, and adding
                // +0 to it changes no bit: the same sum as skipping those columns.
                let (count, g, class_of) = (&count[..n], &g[..n], &class_of[..n]);
                for cols in [0..r, r + 1..n] {
                    let lone = count[cols.clone()].iter().zip(&g[cols.clone()]);
                    for ((&count, &g), &k) in lone.zip(&class_of[cols]) {
                        *sum += if k != NONE && count == 0 { g } else { 0.0 };
                    }
                }
            } else if let [sum] = sums {
                // One class (no retaliation): a running sum, in the same order.
                for (j, ((&count, &g), &k)) in lone {
                    if j != r && k != NONE && count == 0 {
                        *sum += g;
                    }
                }
            } else {
                for (j, ((&count, &g), &k)) in lone {
                    if j != r && k != NONE && count == 0 {
                        sums[k as usize] += g;
                    }
                }
            }
        }
        self.lone_gravity_valid = true;
    }
}

/// How a lone class's entries change in a trial of [`Engine::deltas_m_policy`]: the
/// changes of the attraction and revenue factors, and the new export-weight factor.
#[derive(Clone, Copy, Debug)]
pub(super) struct ClassChange {
    attraction: f64,
    revenue: f64,
    weight: f64,
}

/// Makes a buffer at least `len` long; it never shrinks, so a trial that needs fewer
/// slots than the last one does not refill the rest.
fn grow(buffer: &mut Vec<f64>, len: usize) {
    if buffer.len() < len {
        buffer.resize(len, 0.0);
    }
}

/// Whether importer r is a plain member of M: no wall, and no customs union outside
/// Article XXIV, so it charges every member it shares nothing with one lone cost.
fn plain_member(world: &World, article_xxiv: bool, r: usize) -> bool {
    world.in_m[r]
        && world.wall[r].is_none()
        && (article_xxiv || world.customs_union_of(r as u32).is_none())
}

/// For each of the plain member rows `rows`, its gravity summed over the members it
/// shares nothing with, in ascending column, the rows' chains interleaved. A column
/// outside a row's class adds its gravity times 0, +0 as gravity is finite and positive:
/// the sum starts at +0 and is never -0, so adding +0 to it changes no bit, and a product
/// does not branch on the class as a test would, mispredicted often.
#[inline]
fn lone_sums(world: &World, gravity: &[f64], rows: [usize; 4]) -> [f64; 4] {
    let n = world.n();
    let in_m = &world.in_m[..n];
    let [i0, i1, i2, i3] = rows;
    let count = |i: usize| &world.pair_row(i as u32).0[..n];
    let (c0, c1, c2, c3) = (count(i0), count(i1), count(i2), count(i3));
    let g = |i: usize| &gravity[i * n..(i + 1) * n];
    let (g0, g1, g2, g3) = (g(i0), g(i1), g(i2), g(i3));
    let one = |keep: bool| f64::from(u8::from(keep));
    let mut acc = [0.0; 4];
    for j in 0..n {
        let m = in_m[j];
        acc[0] += g0[j] * one(m & (c0[j] == 0) & (j != i0));
        acc[1] += g1[j] * one(m & (c1[j] == 0) & (j != i1));
        acc[2] += g2[j] * one(m & (c2[j] == 0) & (j != i2));
        acc[3] += g3[j] * one(m & (c3[j] == 0) & (j != i3));
    }
    acc
}

/// One plain member row's [`lone_sums`]: the columns before i, then those after it.
#[inline]
fn lone_sum(world: &World, gravity: &[f64], i: usize) -> f64 {
    let n = world.n();
    let (count, in_m) = (&world.pair_row(i as u32).0[..n], &world.in_m[..n]);
    let g = &gravity[i * n..(i + 1) * n];
    let mut sum = 0.0;
    for cols in [0..i, i + 1..n] {
        let class = in_m[cols.clone()].iter().zip(&count[cols.clone()]);
        for ((&in_m, &count), &g) in class.zip(&g[cols]) {
            sum += if in_m && count == 0 { g } else { 0.0 };
        }
    }
    sum
}
