//! Trials of moves that change only the pairs between the movers and their partners
//! (FTA membership; customs-union membership under Article XXIV, where T_k never binds;
//! entering or leaving M while M stays fully effective and nobody retaliates):
//! `deltas_pairwise` stages the changed entries in an overlay and reads the queried
//! countries' payoffs off it.
//!
//! Beside it, its shortcuts, each doing its arithmetic in the same order: joining or
//! founding an FTA changes only the mover's pairs with the partners, whose rows it keeps
//! in a compact list without touching the world (`deltas_fta_entry`; its twin over the
//! stamped overlay is `deltas_fta_entry_staged`), the joiner's own ΔU computes the same
//! rows and keeps them for its voters (`delta_join_mover_kept`; its twin, keeping nothing,
//! is `delta_join_mover`), the founder's own ΔU keeps them in locals (`delta_form_mover`),
//! and the leaver's own ΔU is summed from its committed row and column
//! (`delta_leave_mover`).

use super::state::{Engine, NONE};
use super::{Importer, depth_shared_without, other_terms, other_terms_without, trade_cost};
use crate::model::{Kind, Op, Params, World};

impl Engine {
    pub(super) fn deltas_pairwise(
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
        for t in 0..self.scratch.touched_agreements.len() {
            let k = self.scratch.touched_agreements[t];
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
            self.m_ideal
        };
        self.stage_weights(world, &affected);
        for &c in queried {
            let other = if self.scratch.who_mark[c as usize] == id {
                other_terms(world, params, c, pbar_m, |k| self.pbar_of(k), self.g_share).total()
            } else {
                self.non_trade[c as usize]
            };
            let d = self.staged_trade(world, params, c, id, &affected) + other
                - self.utility[c as usize];
            if self.record(out, d) {
                break;
            }
        }
        self.scratch.affected = affected;
    }

    /// Stages entry (r, c) with new (τ, φ) in the trial overlay and updates row r's
    /// trial sums; unchanged entries are skipped.
    #[inline(always)]
    pub(super) fn stage(
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
        s.overlay_weight[idx] = w;
        let r = r as usize;
        if s.row_mark[r] != id {
            s.row_mark[r] = id;
            affected.push(r as u32);
            s.trial_attraction_sum[r] = self.attraction_sum[r];
            s.trial_revenue_sum[r] = self.revenue_sum[r];
            s.trial_lobby_sum[r] = self.lobby_sum[r];
        }
        s.trial_attraction_sum[r] += att - self.attraction[idx];
        s.trial_revenue_sum[r] += w * tau - self.weight[idx] * self.tariff[idx];
        s.trial_lobby_sum[r] += att - self.attraction[idx];
    }

    /// Prepares the exporters' market weights y_a / D_a of the affected rows.
    pub(super) fn stage_weights(&mut self, world: &World, affected: &[u32]) {
        for &a in affected {
            let a = a as usize;
            let y = world.countries[a].gdp;
            self.scratch.market[a] = y / self.scratch.trial_attraction_sum[a];
            self.scratch.market_old[a] = y / self.attraction_sum[a];
        }
    }

    /// The attraction and export weight of entry `idx` at a trial cost (τ, φ), or None
    /// when the cost is the committed one (the entry does not change).
    #[inline(always)]
    pub(super) fn trial_entry(
        &mut self,
        idx: usize,
        (tau, phi): (f64, f64),
        eps: f64,
    ) -> Option<(f64, f64)> {
        let same_phi = phi.to_bits() == self.cost[idx].to_bits();
        if same_phi && tau.to_bits() == self.tariff[idx].to_bits() {
            return None;
        }
        Some(if same_phi {
            (self.attraction[idx], self.weight[idx])
        } else {
            let (a, b) = self.attenuations.get(phi, eps);
            (self.gravity[idx] * a, self.gravity[idx] * b)
        })
    }

    /// Row c's sums under the staged overlay: the staged ones if the trial touched the
    /// row, else the committed ones.
    pub(super) fn staged_row(&self, c: usize, id: u32) -> (f64, f64, f64) {
        let s = &self.scratch;
        if s.row_mark[c] == id {
            (
                s.trial_attraction_sum[c],
                s.trial_revenue_sum[c],
                s.trial_lobby_sum[c],
            )
        } else {
            (
                self.attraction_sum[c],
                self.revenue_sum[c],
                self.lobby_sum[c],
            )
        }
    }

    /// C + X + R − L of country c under the staged overlay.
    pub(super) fn staged_trade(
        &self,
        world: &World,
        params: &Params,
        c: u32,
        id: u32,
        affected: &[u32],
    ) -> f64 {
        let (n, cu, s) = (self.n, c as usize, &self.scratch);
        let (d, rs, ls) = self.staged_row(cu, id);
        let mut x = self.exports[cu];
        for &a in affected {
            let a = a as usize;
            if a == cu {
                continue;
            }
            let idx = a * n + cu;
            let w_new = if s.stamp[idx] == id {
                s.overlay_weight[idx]
            } else {
                self.weight[idx]
            };
            x += s.market[a] * w_new - s.market_old[a] * self.weight[idx];
        }
        Engine::trade_row(world, params, cu, d, rs, ls) + x
    }

    /// Joining or founding an FTA, evaluated without touching the world: the move makes
    /// the mover share an agreement of depth δ with each partner (τ = 0 both ways, the
    /// shared depth at least δ), adds one membership and one FTA to the mover's costs, and
    /// moves the agreement's mean ideal point. Everything else is unchanged, so only those
    /// pairs and the partners' sovereignty terms are recomputed.
    ///
    /// The changed rows are kept compactly ([`EntryTrial`]) instead of in the stamped
    /// overlay of [`Engine::deltas_fta_entry_staged`]: every row's new sums and market
    /// weight are computed in the order that path stages them, and each queried country's
    /// exports are summed over the changed rows in that same order, so every value is
    /// that path's to the bit; the inner sum has no stamp test and no branch.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn deltas_fta_entry(
        &mut self,
        world: &World,
        params: &Params,
        op: Op,
        staged: bool,
        queried: &[u32],
        first: Option<f64>,
        out: &mut Vec<f64>,
    ) {
        let entry_of = FtaEntry::of(world, op);
        let FtaEntry {
            mover,
            partner,
            k,
            depth,
        } = entry_of;
        let partners = entry_of.partners(world);
        let mut entry = std::mem::take(&mut self.scratch.fta_entry);
        // The rows still kept for this very move (the voters asked after the mover) are
        // exactly what computing them again would give.
        if !staged {
            self.fta_entry_rows(world, params, mover, partners, depth, &mut entry);
        }
        // The agreement's GDP-weighted mean ideal point after entry.
        let mut sums = k.map_or([0.0; 3], |k| self.agreement_ideal_sums[k as usize]);
        for c in std::iter::once(mover).chain(partner) {
            let country = &world.countries[c as usize];
            sums[0] += country.gdp * country.ideal[0];
            sums[1] += country.gdp * country.ideal[1];
            sums[2] += country.gdp;
        }
        let pbar_new = [sums[0] / sums[2], sums[1] / sums[2]];
        let mut queried = queried;
        if let (Some(delta), [_, rest @ ..]) = (first, queried) {
            self.record(out, delta);
            queried = rest;
        }
        for &c in queried {
            let country = &world.countries[c as usize];
            let dist = |p: [f64; 2]| {
                ((country.ideal[0] - p[0]).powi(2) + (country.ideal[1] - p[1]).powi(2)).sqrt()
            };
            let weight = country.gdp * country.sovereignty * depth;
            // c's place among the partners, if it is one.
            let slot = match k {
                Some(_) => partners.binary_search(&c).ok(),
                None => (Some(c) == partner).then_some(0),
            };
            let extra = if c == mover || Some(c) == partner {
                let ftas = world.fta_count(c) as f64;
                -weight * dist(pbar_new) - params.membership_cost - params.roo_cost * ftas
            } else if let (Some(k), Some(_)) = (k, slot) {
                -weight * (dist(pbar_new) - dist(self.agreement_ideal[k as usize]))
            } else {
                0.0
            };
            let other = self.non_trade[c as usize] + extra;
            let trade = self.entry_trade(world, params, c, mover, slot, &entry);
            let d = trade + other - self.utility[c as usize];
            if self.record(out, d) {
                break;
            }
        }
        self.scratch.fta_entry = entry;
    }

    /// The joiner's own ΔU from entering FTA k: [`Engine::deltas_fta_entry`] with one
    /// queried country, the mover. Its changed rows are left in `scratch.fta_entry` for
    /// the voters' trial of the same move, which best response makes next whenever the
    /// mover's gain beats the bar (the caller names them in `staged_entry`); the voters'
    /// trial of a large FTA costs about as much again as this one. The arithmetic is that
    /// path's, so the result is the same to the bit; its twin, which keeps nothing, is
    /// [`Engine::delta_join_mover`].
    pub(super) fn delta_join_mover_kept(
        &mut self,
        world: &World,
        params: &Params,
        k: u32,
        i: u32,
    ) -> f64 {
        let entry_of = FtaEntry::of(world, Op::AddMember(k, i));
        let depth = entry_of.depth;
        let mut entry = std::mem::take(&mut self.scratch.fta_entry);
        self.fta_entry_rows(
            world,
            params,
            i,
            entry_of.partners(world),
            depth,
            &mut entry,
        );
        let (d, rs, ls) = entry.mover_sums;
        let trade = Engine::trade_row(world, params, i as usize, d, rs, ls) + entry.mover_x;
        self.scratch.fta_entry = entry;
        self.joiner_delta_with_costs(world, params, k, i, trade)
    }

    /// Computes an FTA entry's changed rows into `entry`, as `stage` and `stage_weights`
    /// would for [`Engine::deltas_fta_entry_staged`]: partners in member order, the
    /// mover's entry on each before the partner's entry on the mover, each row's sums
    /// started from the committed ones, and the rows listed in the order of their first
    /// change; and the mover's new exports, summed over the partner rows in that order
    /// as `staged_trade_entry` sums its column.
    fn fta_entry_rows(
        &mut self,
        world: &World,
        params: &Params,
        mover: u32,
        partners: &[u32],
        depth: f64,
        entry: &mut EntryTrial,
    ) {
        let (n, iu, eps) = (self.n, mover as usize, params.elasticity);
        entry.rows.clear();
        entry.partners.clear();
        entry.mover_pos = NONE;
        let mut mover_x = self.exports[iu];
        let mut mover_sums = (
            self.attraction_sum[iu],
            self.revenue_sum[iu],
            self.lobby_sum[iu],
        );
        // Both directions of a pair share one cost: the pair caches are symmetric.
        let (_, pair_depth) = world.pair_row(mover);
        let mover_in_m = world.in_m[iu];
        for &m in partners {
            let mu = m as usize;
            let mut shared = pair_depth[mu].max(depth);
            if mover_in_m && world.in_m[mu] {
                shared = shared.max(params.depth_m);
            }
            let (tau, phi) = (0.0f64, params.ntb * (1.0 - shared));
            let idx = iu * n + mu;
            let w_from_mover = match self.trial_entry(idx, (tau, phi), eps) {
                Some((att, w)) => {
                    if entry.mover_pos == NONE {
                        // The mover's market weight needs its whole new row: filled below.
                        entry.mover_pos = entry.rows.len() as u32;
                        entry.rows.push(EntryRow {
                            offset: iu * n,
                            ..EntryRow::default()
                        });
                    }
                    let (d, rs, ls) = &mut mover_sums;
                    *d += att - self.attraction[idx];
                    *rs += w * tau - self.weight[idx] * self.tariff[idx];
                    *ls += att - self.attraction[idx];
                    w
                }
                None => self.weight[idx],
            };
            let idx = mu * n + iu;
            let (pos, changes) = match self.trial_entry(idx, (tau, phi), eps) {
                Some((att, w)) => {
                    let changes = (
                        att - self.attraction[idx],
                        w * tau - self.weight[idx] * self.tariff[idx],
                    );
                    let y = world.countries[mu].gdp;
                    let d_old = self.attraction_sum[mu];
                    let (q, q_old) = (y / (d_old + changes.0), y / d_old);
                    mover_x += q * w - q_old * self.weight[idx];
                    entry.rows.push(EntryRow {
                        offset: mu * n,
                        q,
                        q_old,
                    });
                    (entry.rows.len() as u32 - 1, changes)
                }
                None => (NONE, (0.0, 0.0)),
            };
            entry.partners.push(EntryPartner {
                pos,
                changes,
                w_from_mover,
            });
        }
        entry.mover_sums = mover_sums;
        entry.mover_x = mover_x;
        if let Some(row) = entry.rows.get_mut(entry.mover_pos as usize) {
            let y = world.countries[iu].gdp;
            row.q = y / mover_sums.0;
            row.q_old = y / self.attraction_sum[iu];
        }
    }

    /// C + X + R − L of country c after the FTA entry in `entry` (`slot`: c's place
    /// among the partners): [`Engine::staged_trade_entry`] over the compact rows. The
    /// mover's exports were summed with the rows; in any other country's column only the
    /// mover's entry can have changed (c a partner), and the sum over the changed rows
    /// runs in their order, around c's own row and the mover's.
    fn entry_trade(
        &self,
        world: &World,
        params: &Params,
        c: u32,
        mover: u32,
        slot: Option<usize>,
        entry: &EntryTrial,
    ) -> f64 {
        let cu = c as usize;
        let rows = &entry.rows[..];
        let mut x = self.exports[cu];
        if c == mover {
            let (d, rs, ls) = entry.mover_sums;
            return Engine::trade_row(world, params, cu, d, rs, ls) + entry.mover_x;
        }
        let committed = (
            self.attraction_sum[cu],
            self.revenue_sum[cu],
            self.lobby_sum[cu],
        );
        let (own, w_from_mover, (d, rs, ls)) = match slot {
            Some(p) => {
                let partner = &entry.partners[p];
                let (d, rs, ls) = committed;
                // One rounding each, as `stage` adds the change to the committed sum.
                let sums = if partner.pos == NONE {
                    committed
                } else {
                    let (att, rev) = partner.changes;
                    (d + att, rs + rev, ls + att)
                };
                (partner.pos, partner.w_from_mover, sums)
            }
            None => (NONE, self.weight[mover as usize * self.n + cu], committed),
        };
        let col = &self.weight[cu..];
        let run = |x: &mut f64, rows: &[EntryRow]| {
            // Two rows a step (one loop test for two additions, still in row order).
            let pairs = rows.chunks_exact(2);
            let last = pairs.remainder();
            for pair in pairs {
                let (r, s) = (&pair[0], &pair[1]);
                let (w, v) = (col[r.offset], col[s.offset]);
                *x += r.q * w - r.q_old * w;
                *x += s.q * v - s.q_old * v;
            }
            for r in last {
                let w = col[r.offset];
                *x += r.q * w - r.q_old * w;
            }
        };
        // The rows are split at c's own (skipped) and the mover's (its entry on c is the
        // staged one); `NONE` sorts after every position.
        let (lo, hi) = if own < entry.mover_pos {
            (own, entry.mover_pos)
        } else {
            (entry.mover_pos, own)
        };
        let mut start = 0;
        for at in [lo, hi] {
            let at = at as usize;
            if at >= rows.len() {
                break;
            }
            run(&mut x, &rows[start..at]);
            if at as u32 == entry.mover_pos {
                let r = &rows[at];
                let w = col[r.offset];
                x += r.q * w_from_mover - r.q_old * w;
            }
            start = at + 1;
        }
        run(&mut x, &rows[start..]);
        Engine::trade_row(world, params, cu, d, rs, ls) + x
    }

    /// [`Engine::deltas_fta_entry`] through the stamped overlay of the pairwise trial
    /// (`stage`, `staged_trade_entry`): its slow twin, which the property tests compare
    /// it with bit for bit.
    pub(super) fn deltas_fta_entry_staged(
        &mut self,
        world: &World,
        params: &Params,
        op: Op,
        queried: &[u32],
        out: &mut Vec<f64>,
    ) {
        let entry_of = FtaEntry::of(world, op);
        let FtaEntry {
            mover,
            partner,
            k,
            depth,
        } = entry_of;
        let partners = entry_of.partners(world);
        let mut affected = std::mem::take(&mut self.scratch.affected);
        let id = self.next_stamp();
        affected.clear();
        // Both directions of a pair share one cost: the pair caches are symmetric.
        let (_, pair_depth) = world.pair_row(mover);
        let mover_in_m = world.in_m[mover as usize];
        for &m in partners {
            let mut shared = pair_depth[m as usize].max(depth);
            if mover_in_m && world.in_m[m as usize] {
                shared = shared.max(params.depth_m);
            }
            let cost = (0.0, params.ntb * (1.0 - shared));
            for (r, c) in [(mover, m), (m, mover)] {
                self.stage((r, c), cost, params.elasticity, id, &mut affected);
            }
        }
        self.stage_weights(world, &affected);
        // The agreement's GDP-weighted mean ideal point after entry.
        let mut sums = k.map_or([0.0; 3], |k| self.agreement_ideal_sums[k as usize]);
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
                -weight * (dist(pbar_new) - dist(self.agreement_ideal[k as usize]))
            } else {
                0.0
            };
            let other = self.non_trade[c as usize] + extra;
            let d = self.staged_trade_entry(world, params, c, mover, id, &affected) + other
                - self.utility[c as usize];
            if self.record(out, d) {
                break;
            }
        }
        self.scratch.affected = affected;
    }

    /// [`Engine::staged_trade`] for an FTA entry, whose overlay holds only the mover's
    /// entries on its partners and theirs on the mover: in a voter's column only the
    /// mover's entry can be staged, and in the mover's column every affected partner's
    /// is. The stamp test is left out where the answer is known; the sums run in the same
    /// order, so the result is the same to the bit.
    pub(super) fn staged_trade_entry(
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
        let (q, q_old) = (&s.market[..n], &s.market_old[..n]);
        let mut x = self.exports[cu];
        if c == mover {
            for &a in affected {
                let a = a as usize;
                if a != cu {
                    let idx = a * n + cu;
                    x += q[a] * s.overlay_weight[idx] - q_old[a] * self.weight[idx];
                }
            }
        } else {
            let mover = mover as usize;
            for &a in affected {
                let a = a as usize;
                if a != cu {
                    let idx = a * n + cu;
                    let w = self.weight[idx];
                    let w_new = if a == mover && s.stamp[idx] == id {
                        s.overlay_weight[idx]
                    } else {
                        w
                    };
                    x += q[a] * w_new - q_old[a] * w;
                }
            }
        }
        Engine::trade_row(world, params, cu, d, rs, ls) + x
    }

    /// The founder's own ΔU from a new bilateral FTA with j: [`Engine::deltas_fta_entry`]
    /// for its commonest case, two entries and one queried country, with the overlay
    /// kept in locals. The arithmetic is that path's, step for step, so the result is the
    /// same to the bit.
    pub(super) fn delta_form_mover(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        j: u32,
    ) -> f64 {
        let (n, iu, ju) = (self.n, i as usize, j as usize);
        let depth = world.new_agreement.depth;
        // Row sums of i and j after the entry, and the founder's staged export weight.
        let mut sums = [
            (
                self.attraction_sum[iu],
                self.revenue_sum[iu],
                self.lobby_sum[iu],
            ),
            (
                self.attraction_sum[ju],
                self.revenue_sum[ju],
                self.lobby_sum[ju],
            ),
        ];
        let mut changed = [false; 2];
        let mut w_in = self.weight[ju * n + iu];
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
            *d += att - self.attraction[idx];
            *rs += w * tau - self.weight[idx] * self.tariff[idx];
            *ls += att - self.attraction[idx];
            changed[side] = true;
            if side == 1 {
                w_in = w;
            }
        }
        let mut x = self.exports[iu];
        if changed[1] {
            let y = world.countries[ju].gdp;
            let (q, q_old) = (y / sums[1].0, y / self.attraction_sum[ju]);
            x += q * w_in - q_old * self.weight[ju * n + iu];
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
        self.mover_delta_with_costs(world, params, i, ideal, depth, trade)
    }

    /// An upper bound of the founder's ΔU from founding an FTA with j
    /// ([`Engine::delta_form_mover`]), or None when [`Engine::deltas`] would not take that
    /// shortcut. It needs neither the logarithm nor the new agreement's mean ideal point:
    /// ln is concave, so ln D' ≤ ln D + (D' − D)/D, and the sovereignty cost it leaves out
    /// is ≥ 0; a margin covers rounding. Best response asks it first and skips the
    /// founding trials that could not beat its best move so far, most of them.
    pub fn form_mover_bound(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        j: u32,
    ) -> Option<f64> {
        let iu = i as usize;
        let weight =
            world.countries[iu].gdp * world.countries[iu].sovereignty * world.new_agreement.depth;
        if self.custom_model.is_some()
            || params.security.is_some()
            || world.new_agreement.kind != Kind::Fta
            || weight.is_nan()
            || weight < 0.0
        {
            return None;
        }
        // What the exact trial would leave behind: it drops a staged overlay.
        self.staged_entry = None;
        // The same two entries as `delta_form_mover`'s; written out again because one
        // helper for both cost the founding trials 1 % more instructions.
        let (n, ju) = (self.n, j as usize);
        let depth = world.new_agreement.depth;
        let (d, rs, ls) = (
            self.attraction_sum[iu],
            self.revenue_sum[iu],
            self.lobby_sum[iu],
        );
        let (mut d_new, mut rs_new, mut ls_new) = (d, rs, ls);
        let mut x_change = 0.0;
        for (r, c) in [(i, j), (j, i)] {
            let mut shared = world.shared_depth(r, c).max(depth);
            if world.in_m[r as usize] && world.in_m[c as usize] {
                shared = shared.max(params.depth_m);
            }
            let (tau, phi) = (0.0f64, params.ntb * (1.0 - shared));
            let idx = r as usize * n + c as usize;
            let Some((att, w)) = self.trial_entry(idx, (tau, phi), params.elasticity) else {
                continue;
            };
            if r == i {
                d_new += att - self.attraction[idx];
                rs_new += w * tau - self.weight[idx] * self.tariff[idx];
                ls_new += att - self.attraction[idx];
            } else {
                let y = world.countries[ju].gdp;
                let d_j = self.attraction_sum[ju];
                x_change =
                    y / (d_j + (att - self.attraction[idx])) * w - y / d_j * self.weight[idx];
            }
        }
        let country = &world.countries[iu];
        let (y, lambda) = (country.gdp, country.protectionism);
        let trade_change = y * ((d_new - d) / d) / params.elasticity
            + y * (rs_new / d_new - rs / d)
            - lambda * y * (ls_new / d_new - ls / d);
        let costs = -params.membership_cost - params.roo_cost * world.fta_count(i) as f64;
        let margin = 1e-9
            * (1.0
                + self.trade_payoff[iu].abs()
                + self.exports[iu].abs()
                + self.non_trade[iu].abs()
                + self.utility[iu].abs());
        Some(trade_change + x_change + costs + margin)
    }

    /// A mover's ΔU once its new trade term is known: the sovereignty cost against the
    /// agreement's GDP-weighted ideal point (`ideal_sums` = Σ y·x, Σ y·y', Σ y with the
    /// mover counted), the membership cost and the rules-of-origin cost of its FTAs.
    /// Shared by the founder's and the joiner's shortcuts, so both keep one arithmetic.
    #[inline]
    fn mover_delta_with_costs(
        &self,
        world: &World,
        params: &Params,
        i: u32,
        ideal_sums: [f64; 3],
        depth: f64,
        trade: f64,
    ) -> f64 {
        let iu = i as usize;
        let pbar = [ideal_sums[0] / ideal_sums[2], ideal_sums[1] / ideal_sums[2]];
        let country = &world.countries[iu];
        let dist =
            ((country.ideal[0] - pbar[0]).powi(2) + (country.ideal[1] - pbar[1]).powi(2)).sqrt();
        let weight = country.gdp * country.sovereignty * depth;
        let ftas = world.fta_count(i) as f64;
        let extra = -weight * dist - params.membership_cost - params.roo_cost * ftas;
        trade + (self.non_trade[iu] + extra) - self.utility[iu]
    }

    /// The joiner's own ΔU from entering FTA k: [`Engine::deltas_fta_entry`] with one
    /// queried country, the mover, keeping nothing: the twin of
    /// [`Engine::delta_join_mover_kept`], which the property tests compare with it bit
    /// for bit. The mover's row and each partner's entry on the mover are summed in
    /// member order, the order in which that path stages them and reads them back, so
    /// the result is the same to the bit.
    pub(super) fn delta_join_mover(
        &mut self,
        world: &World,
        params: &Params,
        k: u32,
        i: u32,
    ) -> f64 {
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        let depth = world.agreements[k as usize].spec.depth;
        let (mut d, mut rs, mut ls) = (
            self.attraction_sum[iu],
            self.revenue_sum[iu],
            self.lobby_sum[iu],
        );
        let mut x = self.exports[iu];
        // The pair caches are symmetric (`World::pairs_joined` and `pairs_left` write
        // both entries alike), so both directions of a pair get one cost, read row-wise.
        let (_, pair_depth) = world.pair_row(i);
        let mover_in_m = world.in_m[iu];
        for &m in world.agreements[k as usize].members() {
            let mut shared = pair_depth[m as usize].max(depth);
            if mover_in_m && world.in_m[m as usize] {
                shared = shared.max(params.depth_m);
            }
            let (tau, phi) = (0.0f64, params.ntb * (1.0 - shared));
            for (r, c) in [(i, m), (m, i)] {
                let idx = r as usize * n + c as usize;
                let Some((att, w)) = self.trial_entry(idx, (tau, phi), eps) else {
                    continue;
                };
                if r == i {
                    d += att - self.attraction[idx];
                    rs += w * tau - self.weight[idx] * self.tariff[idx];
                    ls += att - self.attraction[idx];
                } else {
                    let mu = m as usize;
                    let y = world.countries[mu].gdp;
                    let (q, q_old) = (
                        y / (self.attraction_sum[mu] + (att - self.attraction[idx])),
                        y / self.attraction_sum[mu],
                    );
                    x += q * w - q_old * self.weight[idx];
                }
            }
        }
        let trade = Engine::trade_row(world, params, iu, d, rs, ls) + x;
        self.joiner_delta_with_costs(world, params, k, i, trade)
    }

    /// The joiner's ΔU from entering FTA k once its new trade term is known: the
    /// agreement's mean ideal point after entry, and the joiner's new costs.
    #[inline]
    fn joiner_delta_with_costs(
        &self,
        world: &World,
        params: &Params,
        k: u32,
        i: u32,
        trade: f64,
    ) -> f64 {
        let mut sums = self.agreement_ideal_sums[k as usize];
        let country = &world.countries[i as usize];
        sums[0] += country.gdp * country.ideal[0];
        sums[1] += country.gdp * country.ideal[1];
        sums[2] += country.gdp;
        let depth = world.agreements[k as usize].spec.depth;
        self.mover_delta_with_costs(world, params, i, sums, depth, trade)
    }

    /// The leaver's own ΔU from leaving FTA k (dissolving it when two are left), without
    /// touching the world: only the pairs of i with k's other members change, to the
    /// depth they still share elsewhere. The arithmetic is [`Engine::deltas_pairwise`]'s,
    /// step for step and in member order, so the result is the same to the bit.
    pub(super) fn delta_leave_mover(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        k: u32,
    ) -> f64 {
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        let depth_k = world.agreements[k as usize].spec.depth;
        let (count, pair_depth) = world.pair_row(i);
        let mover = Importer::of(world, &self.policy, i);
        let (mut d, mut rs, mut ls) = (
            self.attraction_sum[iu],
            self.revenue_sum[iu],
            self.lobby_sum[iu],
        );
        let mut x = self.exports[iu];
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
                d += att - self.attraction[idx];
                rs += w * tau - self.weight[idx] * self.tariff[idx];
                ls += att - self.attraction[idx];
            }
            let idx = mu * n + iu;
            let partner = Importer::of(world, &self.policy, m);
            let cost = partner.cost(params, &self.policy, i, world.in_m[iu], pair);
            if let Some((att, w)) = self.trial_entry(idx, cost, eps) {
                let y = world.countries[mu].gdp;
                let (q, q_old) = (
                    y / (self.attraction_sum[mu] + (att - self.attraction[idx])),
                    y / self.attraction_sum[mu],
                );
                x += q * w - q_old * self.weight[idx];
            }
        }
        let other = other_terms_without(
            world,
            params,
            i,
            self.m_ideal,
            |k| self.agreement_ideal[k as usize],
            self.g_share,
            Some(k),
        )
        .total();
        Engine::trade_row(world, params, iu, d, rs, ls) + x + other - self.utility[iu]
    }
}

/// An FTA entry's changed importer rows, kept between the trials of one move like the
/// overlay that `Engine::staged_entry` names.
#[derive(Clone, Debug, Default)]
pub(super) struct EntryTrial {
    /// The changed rows, in the order of their first change.
    rows: Vec<EntryRow>,
    /// Per partner, in member order, its row and the mover's entry on it.
    partners: Vec<EntryPartner>,
    /// The mover's row's place in `rows`, `NONE` if it did not change.
    mover_pos: u32,
    /// The mover's new row sums D, Σ w τ, Σ_{j≠i} a.
    mover_sums: (f64, f64, f64),
    /// The mover's new exports X: its committed ones plus, row after row in the order
    /// above, each changed partner row's change on the mover.
    mover_x: f64,
}

/// A changed importer row a of an FTA entry.
#[derive(Clone, Copy, Debug, Default)]
struct EntryRow {
    /// a · N, where row a starts in the matrices.
    offset: usize,
    /// The trial's market weight y_a / D_a.
    q: f64,
    /// The committed market weight y_a / D_a.
    q_old: f64,
}

/// A partner m of an FTA entry.
#[derive(Clone, Copy, Debug)]
struct EntryPartner {
    /// Its row's place in `EntryTrial::rows`, `NONE` if the row did not change.
    pos: u32,
    /// The changes its row's entry on the mover makes to its attraction (D and
    /// Σ_{j≠m} a) and to its revenue Σ w τ; read only if `pos` is not `NONE`. Its new
    /// sums are added up when a voter asks, most joins failing on the mover's gain.
    changes: (f64, f64),
    /// The export weight of the mover's entry on m after the entry.
    w_from_mover: f64,
}

/// What an FTA entry (`Op::AddMember` into an FTA, or `Op::Found` of one) is made of:
/// the mover, the founding partner or the agreement joined, and its depth. The fast trial
/// and its overlay twin read it the same way.
#[derive(Clone, Copy)]
struct FtaEntry {
    mover: u32,
    partner: Option<u32>,
    k: Option<u32>,
    depth: f64,
}

impl FtaEntry {
    fn of(world: &World, op: Op) -> FtaEntry {
        let (mover, partner, k) = match op {
            Op::AddMember(k, i) => (i, None, Some(k)),
            Op::Found(i, j) => (i, Some(j), None),
            _ => unreachable!("only FTA entries take this path"),
        };
        let depth = k.map_or(world.new_agreement.depth, |k| {
            world.agreements[k as usize].spec.depth
        });
        FtaEntry {
            mover,
            partner,
            k,
            depth,
        }
    }

    /// The countries the mover will share the agreement with.
    fn partners<'a>(&'a self, world: &'a World) -> &'a [u32] {
        match (self.k, &self.partner) {
            (Some(k), _) => world.agreements[k as usize].members(),
            (None, Some(j)) => std::slice::from_ref(j),
            (None, None) => unreachable!(),
        }
    }
}
