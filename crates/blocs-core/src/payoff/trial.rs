//! Trial evaluation: ΔU of the queried countries if a move were made, the world left as
//! it was.
//!
//! [`Engine::deltas_until`] sends each move to the cheapest path that is exact for it:
//! the shortcuts of `trial_pairwise.rs` and `trial_m.rs` for FTA and M moves that change
//! only the movers' pairs, those of `trial_general.rs` for moves that shift one cost
//! class, and otherwise the pairwise or the general trial itself.

use super::state::Engine;
use super::{g_share, other_terms};
use crate::model::{Kind, Op, Params, World};

impl Engine {
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
        self.deltas_given_first(world, params, ops, queried, None, stop, out);
    }

    /// Like [`Engine::deltas_until`], given `first`: the ΔU of `queried[0]` under `ops`
    /// from an earlier trial of the same ops on the same committed state (best response
    /// asks the mover alone before its voters). The FTA-entry trial reports it instead of
    /// computing the mover's ΔU again; the mover-alone shortcuts give that value to the
    /// bit, so nothing changes but the work. Other paths compute every value.
    #[allow(clippy::too_many_arguments)]
    pub fn deltas_given_first(
        &mut self,
        world: &mut World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        first: Option<f64>,
        stop: Option<(usize, f64)>,
        out: &mut Vec<f64>,
    ) {
        out.clear();
        self.stop_rule = stop;
        self.losses = 0;
        // Any other trial overwrites the scratch buffers an FTA entry's overlay lives in.
        let staged = self.staged_entry.take();
        if self.custom_model.is_some() {
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
            // The joiner's rows are kept for its voters, who are asked next if its gain
            // beats the bar; a founder's one partner is cheap to compute again.
            if let (Op::AddMember(k, i), [c]) = (*op, queried)
                && *c == i
            {
                let delta = self.delta_join_mover_kept(world, params, k, i);
                self.record(out, delta);
                self.staged_entry = Some(*op);
                return;
            }
            let staged = staged == Some(*op);
            self.deltas_fta_entry(world, params, *op, staged, queried, first, out);
            self.staged_entry = Some(*op);
            return;
        }
        if let ([Op::SetM(i, on)], [c]) = (ops, queried)
            && *i == *c
            && params.security.is_none()
            && !params.retaliation
            && self.m_stays_effective(world, params, *i, *on)
        {
            out.push(self.delta_m_mover(world, params, *i, *on));
            return;
        }
        if let [Op::SetTm(t_new)] = *ops
            && params.security.is_none()
            && self.deltas_round(world, params, t_new, queried, false, out)
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
        let mut touched = std::mem::take(&mut self.scratch.touched_agreements);
        let mut pairs = std::mem::take(&mut self.scratch.pairs);
        let pairwise = self.pairwise_trial(world, params, ops);
        Engine::collect_pairs(world, ops, &mut pairs, &mut touched);
        for &op in ops {
            undo.push(world.apply(op));
        }
        self.scratch.touched_agreements = touched;
        self.refresh_touched_pbar(world);
        if pairwise {
            self.deltas_pairwise(world, params, ops, &pairs, queried, out);
        } else if let [Op::SetM(i, on)] = *ops
            && params.security.is_none()
        {
            self.deltas_m_policy(world, params, i, on, queried, false, out);
        } else {
            self.deltas_general(world, params, ops, queried, out);
        }
        self.scratch.pairs = pairs;
        self.scratch.touched_agreements.clear();
        for &op in undo.iter().rev() {
            world.apply(op);
        }
        self.scratch.undo = undo;
    }

    /// [`Engine::deltas`] of one FTA entry (`Op::AddMember` into an FTA or `Op::Found`
    /// of one) through the stamped overlay of the pairwise trial: the slow twin of the
    /// compact trial [`Engine::deltas`] takes, which the property tests compare with it
    /// bit for bit.
    #[doc(hidden)]
    pub fn deltas_fta_entry_overlay(
        &mut self,
        world: &World,
        params: &Params,
        op: Op,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        out.clear();
        self.stop_rule = None;
        self.losses = 0;
        self.staged_entry = None;
        self.deltas_fta_entry_staged(world, params, op, queried, out);
    }

    /// The mover's own ΔU from one FTA entry (`Op::AddMember(k, i)` into an FTA or
    /// `Op::Found(i, j)` of one, without a security model) through the shortcuts that
    /// keep no rows (`delta_join_mover`, `delta_form_mover`): for a join, the twin of the
    /// mover-alone trial [`Engine::deltas`] takes, which keeps its rows for the voters.
    /// The property tests compare them bit for bit. Rows kept by an earlier trial stay
    /// kept.
    #[doc(hidden)]
    pub fn delta_fta_entry_mover_twin(&mut self, world: &World, params: &Params, op: Op) -> f64 {
        match op {
            Op::AddMember(k, i) => self.delta_join_mover(world, params, k, i),
            Op::Found(i, j) => self.delta_form_mover(world, params, i, j),
            _ => panic!("not an FTA entry: {op:?}"),
        }
    }

    /// [`Engine::deltas`] of `Op::SetM(i, on)` through the policy path's slow twins
    /// (`deltas_m_policy` with its lone gravity sums rebuilt and its answers summed one
    /// importer at a time), which the property tests compare with [`Engine::deltas`] bit
    /// for bit. Only for a move `deltas` sends down that path: one that moves e_M, with no
    /// security model; for any other it returns false having done nothing.
    #[doc(hidden)]
    pub fn deltas_m_policy_twin(
        &mut self,
        world: &mut World,
        params: &Params,
        i: u32,
        on: bool,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) -> bool {
        out.clear();
        if self.custom_model.is_some()
            || params.security.is_some()
            || self.pairwise_trial(world, params, &[Op::SetM(i, on)])
        {
            return false;
        }
        self.stop_rule = None;
        self.losses = 0;
        self.staged_entry = None;
        let undo = world.apply(Op::SetM(i, on));
        self.lone_gravity_valid = false;
        self.deltas_m_policy(world, params, i, on, queried, true, out);
        // The fast path rebuilds the sums its own way the next time it needs them.
        self.lone_gravity_valid = false;
        world.apply(undo);
        true
    }

    /// [`Engine::deltas`] of `Op::SetTm(t_new)` through the slow twin of the round's
    /// shortcut (every column tested one by one), which the property tests compare with
    /// [`Engine::deltas`] bit for bit; false, having done nothing, when `deltas` would not
    /// take the shortcut.
    #[doc(hidden)]
    pub fn deltas_round_twin(
        &mut self,
        world: &mut World,
        params: &Params,
        t_new: f64,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) -> bool {
        out.clear();
        self.stop_rule = None;
        self.losses = 0;
        self.staged_entry = None;
        self.custom_model.is_none()
            && params.security.is_none()
            && self.deltas_round(world, params, t_new, queried, true, out)
    }

    /// Pushes one ΔU; true once the loss limit of [`Engine::deltas_until`] is reached.
    #[inline]
    pub(super) fn record(&mut self, out: &mut Vec<f64>, delta: f64) -> bool {
        out.push(delta);
        match self.stop_rule {
            Some((limit, tolerance)) if out.len() > 1 && delta < -tolerance => {
                self.losses += 1;
                self.losses >= limit
            }
            _ => false,
        }
    }

    /// Fresh mean ideal points of the touched agreements, after the ops.
    pub(super) fn refresh_touched_pbar(&mut self, world: &World) {
        let s = &mut self.scratch;
        s.touched_ideal.clear();
        for &k in &s.touched_agreements {
            s.touched_ideal
                .push(world.mean_ideal(world.agreements[k as usize].members().iter().copied()));
        }
    }

    pub(super) fn pbar_of(&self, k: u32) -> [f64; 2] {
        match self.scratch.touched_agreements.binary_search(&k) {
            Ok(pos) => self.scratch.touched_ideal[pos],
            Err(_) => self.agreement_ideal[k as usize],
        }
    }

    /// Docking modules have no incremental form: apply, recompute, undo.
    pub(super) fn deltas_custom(
        &mut self,
        world: &mut World,
        params: &Params,
        ops: &[Op],
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let model = self.custom_model.clone().expect("a custom trade module");
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
}
