//! The mover's own ΔU from entering or leaving M while M stays fully effective and nobody
//! retaliates: a shortcut of `deltas_pairwise` (`trial_pairwise.rs`) that sums the
//! mover's new row and column directly, without staging an overlay, and the upper bound
//! with which best response skips exits that cannot beat its best move so far.

use super::state::{Engine, ExitPass};

/// How many markets [`Engine::leave_m_export_bound`] reads.
pub(super) const EXIT_MARKETS: usize = 12;

/// The `EXIT_MARKETS + 1` largest economies (all, if fewer), by GDP descending, ties to
/// the lower id.
pub(super) fn largest_economies(gdp: &[f64]) -> Vec<u32> {
    let mut ids: Vec<u32> = (0..gdp.len() as u32).collect();
    let by_size = |a: &u32, b: &u32| gdp[*b as usize].total_cmp(&gdp[*a as usize]).then(a.cmp(b));
    let keep = (EXIT_MARKETS + 1).min(ids.len());
    if keep < ids.len() {
        ids.select_nth_unstable_by(keep, by_size);
        ids.truncate(keep);
    }
    ids.sort_unstable_by(by_size);
    ids
}
use super::{Importer, other_terms, shared_ntb};
use crate::model::{Kind, Op, Params, World};

impl Engine {
    /// The mover's own ΔU from entering or leaving M while M stays fully effective and
    /// nobody retaliates: only row i and column i change, so the mover's new row sums
    /// and exports are summed directly, without staging an overlay.
    pub(super) fn delta_m_mover(
        &mut self,
        world: &mut World,
        params: &Params,
        i: u32,
        on: bool,
    ) -> f64 {
        // An exit's row pass is usually kept from the bound asked just before, or from an
        // earlier activation of the same state.
        let kept = (!on).then(|| self.exit_pass(world, params, i));
        let undo = world.apply(Op::SetM(i, on));
        let ExitPass { trade, other } = match kept {
            Some(pass) => pass,
            None => self.m_mover_pass(world, params, i, on),
        };
        let x = self.m_mover_exports(world, params, i, on);
        world.apply(undo);
        trade + x + other - self.utility[i as usize]
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
        if !self.exit_fast_path(world, params, i) {
            return None;
        }
        let ExitPass { trade, other } = self.exit_pass(world, params, i);
        let iu = i as usize;
        let x = self.exports[iu];
        let margin = 1e-9 * (1.0 + x.abs() + self.utility[iu].abs());
        Some(trade + x + other - self.utility[iu] + margin)
    }

    /// Whether [`Engine::deltas`] takes the mover's fast path for i leaving M.
    fn exit_fast_path(&self, world: &World, params: &Params, i: u32) -> bool {
        self.custom_model.is_none()
            && params.security.is_none()
            && !params.retaliation
            && self.m_stays_effective(world, params, i, false)
    }

    /// Country i's row pass for leaving M: kept if no commit since it was computed could
    /// have moved what it reads (`Engine::forget_exit_passes`), else computed and kept.
    fn exit_pass(&mut self, world: &mut World, params: &Params, i: u32) -> ExitPass {
        if let Some(pass) = self.exit_passes[i as usize] {
            return pass;
        }
        let pass = self.exit_pass_afresh(world, params, i);
        self.exit_passes[i as usize] = Some(pass);
        pass
    }

    fn exit_pass_afresh(&mut self, world: &mut World, params: &Params, i: u32) -> ExitPass {
        let undo = world.apply(Op::SetM(i, false));
        let pass = self.m_mover_pass(world, params, i, false);
        world.apply(undo);
        pass
    }

    /// The mover's C + R − L and non-trade terms once its M status is `on` in `world`.
    fn m_mover_pass(&mut self, world: &World, params: &Params, i: u32, on: bool) -> ExitPass {
        let (d, rs, ls) = self.m_mover_row(world, params, i);
        ExitPass {
            trade: Engine::trade_row(world, params, i as usize, d, rs, ls),
            other: self.m_mover_other(world, params, i, on),
        }
    }

    /// Country i's exit row pass as kept, if one is, and as computed afresh, for the
    /// tests that compare the two bit for bit; None when none is kept or the exit would
    /// not take the mover's fast path.
    #[doc(hidden)]
    pub fn exit_pass_kept_and_afresh(
        &mut self,
        world: &mut World,
        params: &Params,
        i: u32,
    ) -> Option<[(f64, f64); 2]> {
        let kept = self.exit_passes[i as usize]?;
        if !self.exit_fast_path(world, params, i) {
            return None;
        }
        let afresh = self.exit_pass_afresh(world, params, i);
        Some([(kept.trade, kept.other), (afresh.trade, afresh.other)])
    }

    /// Forgets the kept exit passes that committing `ops` (read before they are
    /// applied) may change. FTA membership moves only the rows, pair caches,
    /// agreement lists and agreement means of the touched agreements' members and of
    /// the mover (afterwards an agreement has no other members); t_M moves no pass; any
    /// other op (M, G, walls, customs unions, GDP, …) may move what every pass reads, so
    /// all are forgotten.
    pub(super) fn forget_exit_passes(&mut self, world: &World, ops: &[Op]) {
        let fta = |k: u32| {
            world
                .agreements
                .get(k as usize)
                .is_some_and(|a| a.spec.kind == Kind::Fta)
        };
        for &op in ops {
            let (lists, movers): ([Option<u32>; 2], [Option<u32>; 2]) = match op {
                Op::AddMember(k, i) | Op::RemoveMember(k, i) if fta(k) => {
                    ([Some(k), None], [Some(i), None])
                }
                Op::SetDissolved(k, _) if fta(k) => ([Some(k), None], [None, None]),
                Op::Found(i, j) if world.new_agreement.kind == Kind::Fta => {
                    ([None, None], [Some(i), Some(j)])
                }
                // The bridge's members are its parents' members.
                Op::Bridge(a, b)
                    if world.bridge_agreement.kind == Kind::Fta && fta(a) && fta(b) =>
                {
                    ([Some(a), Some(b)], [None, None])
                }
                // A country that has left M charges t_N, a wall's rate or its customs
                // union's T_k ≤ t_N (so t_N) to every partner it shares no agreement
                // with, whatever t_M, and no non-trade term reads t_M.
                Op::SetTm(_) => continue,
                _ => {
                    self.exit_passes.fill(None);
                    return;
                }
            };
            for k in lists.into_iter().flatten() {
                for &m in world.agreements[k as usize].members() {
                    self.exit_passes[m as usize] = None;
                }
            }
            for m in movers.into_iter().flatten() {
                self.exit_passes[m as usize] = None;
            }
        }
    }

    /// The mover's new row sums (D, Σ w τ, Σ_{j≠i} a) once its M status is set in `world`.
    ///
    /// Entries with partners outside M do not change (both-in-M is false before and
    /// after), and entries with members it shares no agreement with all cost the same
    /// (τ, φ): that cost is computed once. The loop does the arithmetic a per-pair
    /// [`Importer::cost`] would, in the same order, so the sums are bit for bit the same.
    pub(super) fn m_mover_row(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
    ) -> (f64, f64, f64) {
        debug_assert!(!params.retaliation, "compliance is not read on this path");
        let (n, iu, eps) = (self.n, i as usize, params.elasticity);
        let policy = &self.policy;
        let mover = Importer::of(world, policy, i);
        let (tau_lone, phi_lone) = mover.cost(params, policy, i, true, (false, 0.0));
        let (a_lone, b_lone) = self.attenuations.get(phi_lone, eps);
        let (count, depth) = world.pair_row(i);
        let row = iu * n..(iu + 1) * n;
        let (g, att, w, tau, cost) = (
            &self.gravity[row.clone()],
            &self.attraction[row.clone()],
            &self.weight[row.clone()],
            &self.tariff[row.clone()],
            &self.cost[row],
        );
        let in_m = &world.in_m[..n];
        let memo = &mut self.attenuations;
        let mut sums = (att[iu], 0.0, 0.0);
        // The columns before i, then those after it, each over slices of one length so
        // that the loop has no bounds check: the same additions in column order.
        for cols in [0..iu, iu + 1..n] {
            let lo = cols.start;
            let g = &g[cols.clone()];
            let len = g.len();
            let (att, w, tau, cost) = (
                &att[cols.clone()][..len],
                &w[cols.clone()][..len],
                &tau[cols.clone()][..len],
                &cost[cols.clone()][..len],
            );
            let (in_m, count, depth) = (
                &in_m[cols.clone()][..len],
                &count[cols.clone()][..len],
                &depth[cols][..len],
            );
            for k in 0..len {
                let (a, w, t) = if !in_m[k] {
                    (att[k], w[k], tau[k])
                } else if count[k] == 0 && depth[k] == 0.0 {
                    (g[k] * a_lone, g[k] * b_lone, tau_lone)
                } else if count[k] > 0 {
                    // A shared pair is tariff-free; only its depth, so its NTB, moves.
                    let phi = shared_ntb(params, depth[k], mover.in_m);
                    if phi.to_bits() == cost[k].to_bits() {
                        (att[k], w[k], 0.0)
                    } else {
                        let (a, b) = memo.get(phi, eps);
                        (g[k] * a, g[k] * b, 0.0)
                    }
                } else {
                    let pair = (false, depth[k]);
                    let (t, phi) = mover.cost(params, policy, (lo + k) as u32, true, pair);
                    let (a, b) = memo.get(phi, eps);
                    (g[k] * a, g[k] * b, t)
                };
                sums.0 += a;
                sums.1 += w * t;
                sums.2 += a;
            }
        }
        sums
    }

    /// The mover's new row sums from entering (`on`) or leaving M, as
    /// [`Engine::m_mover_row`] computes them and as its slow twin does, with a per-pair
    /// [`Importer::cost`] for every column, in the same order: the property tests compare
    /// the two bit for bit. None where [`Engine::deltas`] would not take that path.
    #[doc(hidden)]
    pub fn m_mover_row_and_twin(
        &mut self,
        world: &mut World,
        params: &Params,
        i: u32,
        on: bool,
    ) -> Option<[(f64, f64, f64); 2]> {
        if self.custom_model.is_some()
            || params.security.is_some()
            || params.retaliation
            || !self.m_stays_effective(world, params, i, on)
        {
            return None;
        }
        let undo = world.apply(Op::SetM(i, on));
        let fast = self.m_mover_row(world, params, i);
        let (n, iu) = (self.n, i as usize);
        let mover = Importer::of(world, &self.policy, i);
        let (count, depth) = world.pair_row(i);
        let mut twin = (self.attraction[iu * n + iu], 0.0, 0.0);
        for j in (0..n).filter(|&j| j != iu) {
            let idx = iu * n + j;
            let pair = (count[j] > 0, depth[j]);
            let (t, phi) = mover.cost(params, &self.policy, j as u32, world.in_m[j], pair);
            let (a, w) = if phi.to_bits() == self.cost[idx].to_bits() {
                (self.attraction[idx], self.weight[idx])
            } else {
                let (a, b) = self.attenuations.get(phi, params.elasticity);
                (self.gravity[idx] * a, self.gravity[idx] * b)
            };
            twin.0 += a;
            twin.1 += w * t;
            twin.2 += a;
        }
        world.apply(undo);
        Some([fast, twin])
    }

    /// The mover's exports once its M status is `on` in `world`: each partner's column
    /// entry on i, and with it the partner's D, changes. Members that share no agreement
    /// with i and have no wall and no customs union all charge one cost, computed once.
    pub(super) fn m_mover_exports(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        on: bool,
    ) -> f64 {
        let (n, iu) = (self.n, i as usize);
        let lone = self.lone_export_cost(params, i, on);
        let mut x = 0.0;
        for j in 0..n {
            if j == iu {
                continue;
            }
            let (att_in, w_in) = self.m_mover_export_entry(world, params, i, on, j, lone);
            let idx = j * n + iu;
            let d_j = self.attraction_sum[j] + att_in - self.attraction[idx];
            x += self.gdp[j] * w_in / d_j;
        }
        x
    }

    /// The cost φ a plain member (no agreement with i, no wall, no customs union) charges
    /// on i's goods once i's M status is `on`, with its attenuation factors.
    #[inline(always)]
    fn lone_export_cost(&mut self, params: &Params, i: u32, on: bool) -> (f64, (f64, f64)) {
        let plain = Importer {
            in_m: true,
            wall: None,
            customs_tariff: None,
        };
        let (_, phi_lone) = plain.cost(params, &self.policy, i, on, (false, 0.0));
        (phi_lone, self.attenuations.get(phi_lone, params.elasticity))
    }

    /// Importer j's new (attraction, export weight) entry on i once i's M status is `on`
    /// in `world` (`lone`: [`Engine::lone_export_cost`]).
    #[inline(always)]
    fn m_mover_export_entry(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        on: bool,
        j: usize,
        (phi_lone, (a_lone, b_lone)): (f64, (f64, f64)),
    ) -> (f64, f64) {
        let (n, iu) = (self.n, i as usize);
        let idx = j * n + iu;
        if !world.in_m[j] {
            return (self.attraction[idx], self.weight[idx]);
        }
        let (count, depth) = world.pair_row(i);
        let lone_pair = count[j] == 0 && depth[j] == 0.0;
        let phi_in =
            if lone_pair && world.wall[j].is_none() && world.customs_union_of(j as u32).is_none() {
                phi_lone
            } else if count[j] > 0 {
                shared_ntb(params, depth[j], on)
            } else {
                let pair = (count[j] > 0, depth[j]);
                Importer::of(world, &self.policy, j as u32)
                    .cost(params, &self.policy, i, on, pair)
                    .1
            };
        if phi_in.to_bits() == self.cost[idx].to_bits() {
            (self.attraction[idx], self.weight[idx])
        } else if phi_in.to_bits() == phi_lone.to_bits() {
            (self.gravity[idx] * a_lone, self.gravity[idx] * b_lone)
        } else {
            let (a, b) = self.attenuations.get(phi_in, params.elasticity);
            (self.gravity[idx] * a, self.gravity[idx] * b)
        }
    }

    /// A second upper bound of country i's ΔU from leaving M, for an exit whose row-only
    /// bound ([`Engine::leave_m_bound`]) beats the bar: what the exit does to i's exports
    /// in a few large markets, to be added to that bound.
    ///
    /// Leaving M can only lower each partner's demand for i's goods (a higher cost lowers
    /// both i's share of the market and the value of each sale), so every partner's
    /// change is ≤ 0 and the changes in any few markets bound the change in all of them
    /// from above; the row-only bound's margin covers the rounding. The markets are the
    /// largest economies other than i, ranked once per world (a heuristic: any choice
    /// gives a bound); ranking each member's markets by its own sales bounds a little
    /// closer, but the column walk costs more time than the closer bound saves.
    pub fn leave_m_export_bound(&mut self, world: &mut World, params: &Params, i: u32) -> f64 {
        let (n, iu) = (self.n, i as usize);
        let undo = world.apply(Op::SetM(i, false));
        let lone = self.lone_export_cost(params, i, false);
        let mut change = 0.0;
        let markets = std::mem::take(&mut self.exit_markets);
        for &j in markets.iter().filter(|&&j| j != i).take(EXIT_MARKETS) {
            let j = j as usize;
            let (att_in, w_in) = self.m_mover_export_entry(world, params, i, false, j, lone);
            let idx = j * n + iu;
            if att_in.to_bits() == self.attraction[idx].to_bits() {
                continue;
            }
            let d_j = self.attraction_sum[j] + att_in - self.attraction[idx];
            let y = self.gdp[j];
            change += y * w_in / d_j - y * self.weight[idx] / self.attraction_sum[j];
        }
        self.exit_markets = markets;
        world.apply(undo);
        change
    }

    /// The mover's non-trade terms once its M status is `on` in `world`.
    pub(super) fn m_mover_other(&self, world: &World, params: &Params, i: u32, on: bool) -> f64 {
        // M's mean ideal point enters only the sovereignty cost of its members.
        let pbar_m = if on {
            world.mean_ideal(world.m_members())
        } else {
            self.m_ideal
        };
        other_terms(
            world,
            params,
            i,
            pbar_m,
            |k| self.agreement_ideal[k as usize],
            self.g_share,
        )
        .total()
    }
}
