//! Committing a move: the world changes for good and the caches follow.
//!
//! Three paths, chosen like the trials': a round nobody retaliates in sets one
//! cost class directly (`commit_round`, the twin of `deltas_round`); moves that change
//! only the movers' pairs recompute those entries and let exports follow the changed rows
//! (`commit_pairwise`); anything else recomputes the dirty rows and the movers' columns
//! and sums exports afresh (`commit_general`). A GDP change rebuilds everything.

use super::state::{Engine, NONE};
use super::{Importer, Policy, ideal_sums, other_terms};
use crate::model::{Kind, Op, Params, World};

impl Engine {
    /// Applies `ops` for good and brings every cache up to date.
    pub fn commit(&mut self, world: &mut World, params: &Params, ops: &[Op]) {
        self.staged_entry = None;
        self.forget_exit_passes(world, ops);
        self.lone_gravity_valid = false;
        if ops.iter().any(|op| matches!(op, Op::SetGdp(..))) {
            // GDP enters every gravity weight, so nothing cached survives it.
            for &op in ops {
                world.apply(op);
            }
            self.rebuild(world, params);
            return;
        }
        if let [Op::SetTm(t_new)] = *ops
            && params.security.is_none()
            && self.commit_round(world, params, t_new)
        {
            return;
        }
        if self.pairwise(world, params, ops) {
            self.commit_pairwise(world, params, ops);
        } else {
            self.commit_general(world, params, ops);
        }
        self.refresh_utilities(world, params);
    }

    /// Commits ops that change only the pairs between the movers and their partners
    /// (`pairwise`): those entries are recomputed, their rows re-summed, and exports
    /// follow the changed rows instead of being summed afresh.
    fn commit_pairwise(&mut self, world: &mut World, params: &Params, ops: &[Op]) {
        let (mut pairs, mut touched) = (
            std::mem::take(&mut self.scratch.pairs),
            std::mem::take(&mut self.scratch.touched_agreements),
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
                let w_old = self.weight[idx];
                if self.recompute_entry(world, params, r, c) {
                    changed.push((idx, w_old));
                    let first = &mut self.first_changed[r as usize];
                    if self.scratch.row_mark[r as usize] != id {
                        self.scratch.row_mark[r as usize] = id;
                        rows.push(r);
                        *first = c;
                    } else {
                        *first = (*first).min(c);
                    }
                }
            }
        }
        // Exports follow the changed rows: x_c += q'_r w'_rc − q_r w_rc, written as
        // (q'_r − q_r) w'_rc over each changed row plus q_r (w'_rc − w_rc) where the
        // entry itself changed.
        for &r in &rows {
            let ru = r as usize;
            let q_old = self.gdp[ru] / self.attraction_sum[ru];
            // A member's row changes only on the mover's column: its chains resume there.
            self.sum_row_from(r, self.first_changed[ru] as usize);
            let dq = self.gdp[ru] / self.attraction_sum[ru] - q_old;
            let row = &self.weight[ru * self.n..(ru + 1) * self.n];
            for (x, w) in self.exports.iter_mut().zip(row) {
                *x += dq * w;
            }
            self.scratch.market_old[ru] = q_old;
        }
        for &(idx, w_old) in &changed {
            let (r, c) = (idx / self.n, idx % self.n);
            self.exports[c] += self.scratch.market_old[r] * (self.weight[idx] - w_old);
        }
        self.scratch.changed = changed;
        self.agreement_ideal
            .resize(world.agreements.len(), [0.0; 2]);
        self.policy.t_cu.resize(world.agreements.len(), 0.0);
        self.agreement_ideal_sums
            .resize(world.agreements.len(), [0.0; 3]);
        for &k in &touched {
            self.agreement_ideal[k as usize] =
                world.mean_ideal(world.agreements[k as usize].members().iter().copied());
            self.agreement_ideal_sums[k as usize] = ideal_sums(world, k);
        }
        // Non-trade terms change for the movers and the members of touched agreements
        // (and of M, whose mean ideal point moves with its membership).
        let mut who: Vec<u32> = ops
            .iter()
            .flat_map(|op| match *op {
                Op::AddMember(_, i) | Op::RemoveMember(_, i) | Op::SetM(i, _) => [Some(i), None],
                Op::Found(i, j) => [Some(i), Some(j)],
                _ => [None, None],
            })
            .flatten()
            .collect();
        if ops.iter().any(|op| matches!(op, Op::SetM(..))) {
            self.policy = Policy::of(world, params);
            self.m_ideal = world.mean_ideal(world.m_members());
            who.extend(world.m_members());
        }
        for &k in &touched {
            who.extend_from_slice(world.agreements[k as usize].members());
        }
        who.sort_unstable();
        who.dedup();
        for c in who {
            self.non_trade[c as usize] = other_terms(
                world,
                params,
                c,
                self.m_ideal,
                |k| self.agreement_ideal[k as usize],
                self.g_share,
            )
            .total();
        }
        self.scratch.pairs = pairs;
        self.scratch.touched_agreements = touched;
        self.scratch.touched_agreements.clear();
        self.scratch.affected = rows;
    }

    /// Commits any other ops: the rows whose tariff inputs may change are recomputed in
    /// full, the other rows on the movers' columns, and every sum that a policy aggregate
    /// enters is taken afresh.
    fn commit_general(&mut self, world: &mut World, params: &Params, ops: &[Op]) {
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
            let mut first = None::<u32>;
            for &j in &cols {
                if j != a && self.recompute_entry(world, params, a, j) {
                    first = Some(first.map_or(j, |f| f.min(j)));
                }
            }
            if let Some(first) = first {
                self.sum_row_from(a, first as usize);
            }
        }
        self.release_marks(rows, cols);
        self.refresh_other(world, params);
        self.refresh_exports(world);
    }

    /// Whether `ops` change only the pairs between the movers and their partners, and no
    /// policy aggregate: FTA membership changes, and entering or leaving M while M stays
    /// fully effective (e_M clamped at 1 before and after) and nobody retaliates.
    pub(super) fn pairwise(&self, world: &World, params: &Params, ops: &[Op]) -> bool {
        params.security.is_none()
            && ops.iter().all(|op| match *op {
                Op::AddMember(k, _) | Op::RemoveMember(k, _) => {
                    world.agreements[k as usize].spec.kind == Kind::Fta
                }
                Op::Found(..) => world.new_agreement.kind == Kind::Fta,
                Op::Bridge(..) => world.bridge_agreement.kind == Kind::Fta,
                Op::SetDissolved(..) => true,
                Op::SetM(i, on) => {
                    !params.retaliation && self.m_stays_effective(world, params, i, on)
                }
                _ => false,
            })
    }

    /// Whether a trial of `ops` may take the pairwise path: the moves of
    /// [`Engine::pairwise`], and joining or leaving a customs union under Article XXIV.
    /// There a union's tariff never binds (towards M's members its members charge t_eff,
    /// towards everyone else t_N ≥ T_k) and members' compliance does not read it, so
    /// such a move changes only the movers' pairs, as an FTA's would. Commits of such
    /// moves still take the general path, which sums exports afresh, so the committed
    /// state keeps its bits.
    pub(super) fn pairwise_trial(&self, world: &World, params: &Params, ops: &[Op]) -> bool {
        if self.pairwise(world, params, ops) {
            return true;
        }
        params.article_xxiv
            && params.security.is_none()
            && ops.iter().all(|op| match *op {
                Op::AddMember(k, _) | Op::RemoveMember(k, _) => matches!(
                    world.agreements[k as usize].spec.kind,
                    Kind::Fta | Kind::CustomsUnion
                ),
                // Any other op as `pairwise` allows it: founding a union stays general,
                // as its T_k is not in the committed policy yet.
                _ => self.pairwise(world, params, std::slice::from_ref(op)),
            })
    }

    /// The pairs whose shared agreements `ops` change, and the agreements they touch,
    /// read before the ops are applied.
    pub(super) fn collect_pairs(
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
                Op::Bridge(a, b) => {
                    // Every pair of the union gains a shared agreement (those already
                    // sharing one may gain depth), read before the bridge exists.
                    touched.push(world.agreements.len() as u32);
                    let mut union = world.agreements[a as usize].members().to_vec();
                    union.extend_from_slice(world.agreements[b as usize].members());
                    union.sort_unstable();
                    union.dedup();
                    for (x, &i) in union.iter().enumerate() {
                        pairs.extend(union[x + 1..].iter().map(|&j| (i, j)));
                    }
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

    /// Commits a round's new t_M under the conditions of [`Engine::deltas_round`]: only
    /// the entries between members sharing no agreement change, all to one new cost, so
    /// they are set directly and their rows re-summed; every other cache stays as it is
    /// (exactly what rebuilding it would give). Returns false, having done nothing, when
    /// the conditions do not hold.
    pub(super) fn commit_round(&mut self, world: &mut World, params: &Params, t_new: f64) -> bool {
        if params.retaliation {
            return false;
        }
        let n = self.n;
        let undo = world.apply(Op::SetTm(t_new));
        let policy = Policy::of(world, params);
        let plain_row = |i: usize| world.in_m[i] && world.wall[i].is_none();
        if !params.article_xxiv
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
        let (a1, b1) = self.attenuations.get(phi1, params.elasticity);
        for i in 0..n {
            if !plain_row(i) {
                continue;
            }
            let (count, _) = world.pair_row(i as u32);
            let row = i * n..(i + 1) * n;
            let entries = count[..n]
                .iter()
                .zip(&world.in_m[..n])
                .zip(&self.gravity[row.clone()])
                .zip(&mut self.tariff[row.clone()])
                .zip(&mut self.cost[row.clone()])
                .zip(&mut self.attraction[row.clone()])
                .zip(&mut self.weight[row]);
            // The row's sums resume at its first changed entry; a row with none keeps them.
            let mut first = n;
            for (j, ((((((&c, &m), &g), tau), phi), a), w)) in entries.enumerate() {
                if j != i && m && c == 0 {
                    (*tau, *phi, *a, *w) = (tau1, phi1, g * a1, g * b1);
                    first = first.min(j);
                }
            }
            if first < n {
                self.sum_row_from(i as u32, first);
            }
        }
        self.policy = policy;
        // Non-trade terms do not depend on t_M.
        self.refresh_exports(world);
        self.refresh_utilities(world, params);
        true
    }
}
