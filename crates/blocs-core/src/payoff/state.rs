//! The engine's committed state: the attraction matrix and its row sums, every
//! country's exports and payoff, the caches that the trials read, and the buffers they
//! reuse. Everything here describes the world as committed; trials never write it.

use super::{
    Divergence, Importer, Policy, TradeModel, attenuation, compliance_of, distance_decay, g_share,
    gravity_weight, ideal_sums, other_terms, payoffs_from_scratch, trade_cost, trade_terms,
};
use crate::model::{Op, Params, World};

/// The incremental payoff engine for the gravity module.
///
/// It keeps, for the committed state, every pair's trade cost and attraction, each
/// importer's row sums, and every country's exports, non-trade terms and payoff
/// (`state.rs`). A trial ([`Engine::deltas`], `trial*.rs`) reads them and writes only
/// [`Scratch`]; a commit ([`Engine::commit`], `commit.rs`) brings them up to date.
/// Matrices are N×N, row-major, row i the importer: entry (i, j) is what i buys from j.
#[derive(Clone, Debug)]
pub struct Engine {
    /// Number of countries N.
    pub(super) n: usize,
    /// Gravity weights g_ij (g_ii = H y_i); they change only with GDP, which rebuilds.
    pub(super) gravity: Vec<f64>,
    /// Applied tariffs τ_ij (0 on the diagonal).
    pub(super) tariff: Vec<f64>,
    /// Trade costs φ_ij = τ_ij + ntb_ij, the key of an entry's attenuation.
    pub(super) cost: Vec<f64>,
    /// Attractions a_ij = g_ij (1 + φ_ij)^(−ε).
    pub(super) attraction: Vec<f64>,
    /// Export weights w_ij = a_ij / (1 + φ_ij): the value j earns per unit of i's
    /// spending share (0 on the diagonal).
    pub(super) weight: Vec<f64>,
    /// Per importer, D_i = Σ_j a_ij (the diagonal included).
    pub(super) attraction_sum: Vec<f64>,
    /// Per importer, Σ_j w_ij τ_ij: tariff revenue per unit of spending.
    pub(super) revenue_sum: Vec<f64>,
    /// Per importer, Σ_{j≠i} a_ij: the import share's numerator, which lobby pain weighs.
    pub(super) lobby_sum: Vec<f64>,
    /// GDP y_i.
    pub(super) gdp: Vec<f64>,
    /// Protectionism λ_i, for [`trade_terms`] of each committed row.
    pub(super) protectionism: Vec<f64>,
    /// ε.
    pub(super) elasticity: f64,
    /// C + R − L of each country from its committed row sums.
    pub(super) trade_payoff: Vec<f64>,
    /// Per importer, Σ_{j≠i} y_j τ_ij, for the metrics' mean tariff.
    pub(super) tariff_gdp: Vec<f64>,
    /// Per importer, Σ_{j≠i, τ_ij = 0} y_j, for the metrics' free-trade share.
    pub(super) free_gdp: Vec<f64>,
    /// Exports X_i.
    pub(super) exports: Vec<f64>,
    /// The terms that do not depend on trade costs (SC, OH, ROO, modules), summed.
    pub(super) non_trade: Vec<f64>,
    /// Payoffs U_i.
    pub(super) utility: Vec<f64>,
    /// The committed policy aggregates (e_M, t_eff, T_k, c_i).
    pub(super) policy: Policy,
    /// Each agreement's GDP-weighted mean ideal point.
    pub(super) agreement_ideal: Vec<[f64; 2]>,
    /// Each agreement's Σ y p_x, Σ y p_y and Σ y, so an entry moves its mean in O(1).
    pub(super) agreement_ideal_sums: Vec<[f64; 3]>,
    /// M's GDP-weighted mean ideal point.
    pub(super) m_ideal: [f64; 2],
    /// GDP share of G's members.
    pub(super) g_share: f64,
    /// Attenuations of the trade costs seen so far.
    pub(super) attenuations: Memo,
    /// The current trial's `(limit, tolerance)` of lost votes, from [`Engine::deltas_until`].
    pub(super) stop_rule: Option<(usize, f64)>,
    /// Voters of the current trial who lost more than the tolerance.
    pub(super) losses: usize,
    /// The FTA entry whose overlay is still staged: asking more voters about the same
    /// move right after its mover reuses it instead of staging it again.
    pub(super) staged_entry: Option<Op>,
    /// Per country, its row pass for leaving M ([`Engine::leave_m_bound`]), kept until a
    /// commit may change what it reads: between two activations of a member its row
    /// and everything else the pass reads usually stay as they were.
    pub(super) exit_passes: Vec<Option<ExitPass>>,
    /// The markets an exit's second bound reads ([`Engine::leave_m_export_bound`]): the
    /// largest economies, by GDP descending (ties to the lower id), one more than the
    /// bound reads so that a member among them still has enough others.
    pub(super) exit_markets: Vec<u32>,
    /// Per importer and lone class, Σ g over the members of M of that class it shares no
    /// agreement with (itself excluded), in the committed state, `lone_classes.len()`
    /// values per importer; computed when first needed after a commit.
    pub(super) lone_gravity: Vec<f64>,
    /// The lone classes: the distinct committed compliances (their bits) of M's members.
    /// A plain member charges every member it shares nothing with one cost per class:
    /// without retaliation the cost does not depend on the exporter, so there is one
    /// class; under retaliation it depends on the exporter's compliance alone.
    pub(super) lone_classes: Vec<u64>,
    /// Per country, its lone class if it is a member of M in the committed state, else
    /// `NONE`.
    pub(super) lone_class_of: Vec<u32>,
    /// Whether `lone_gravity` holds the committed state.
    pub(super) lone_gravity_valid: bool,
    /// A docking trade module, evaluated from scratch instead of the gravity caches.
    pub(super) custom_model: Option<std::sync::Arc<dyn TradeModel>>,
    /// The docking module's trade payoffs of the committed state.
    pub(super) custom_trade: Vec<f64>,
    /// Per importer, its row's sums after each [`BLOCK`] partners, `n.div_ceil(BLOCK)`
    /// per row, as last summed ([`Engine::sum_row_from`]). They hold only while every
    /// change to a committed entry is followed by summing its row from that column or
    /// before, which is why only commits write entries.
    pub(super) checkpoints: Vec<[f64; 5]>,
    /// Per importer, the first column of its row a commit changed (valid for the rows
    /// the commit re-sums).
    pub(super) first_changed: Vec<u32>,
    /// Buffers of the trials and commits.
    pub(super) scratch: Scratch,
}

/// What a member's exit from M would make of its own payoff apart from its exports:
/// C + R − L from its new row, and its new non-trade terms.
#[derive(Clone, Copy, Debug)]
pub(super) struct ExitPass {
    pub(super) trade: f64,
    pub(super) other: f64,
}

/// Trade costs take few distinct values (a handful of tariffs times a handful of
/// depths), so their attenuations are remembered instead of calling `powf` per pair.
/// The memo returns exactly what computing the factors again would, so results do not
/// depend on it.
#[derive(Clone, Debug)]
pub(super) struct Memo {
    // Fixed-size tables indexed through `Memo::MASK`: no bounds checks on the hot path.
    keys: Box<[u64; Memo::SLOTS]>,
    values: Box<[(f64, f64); Memo::SLOTS]>,
    last: (u64, (f64, f64)),
}

impl Default for Memo {
    fn default() -> Memo {
        Memo {
            keys: Box::new([Memo::EMPTY; Memo::SLOTS]),
            values: Box::new([(0.0, 0.0); Memo::SLOTS]),
            last: (Memo::EMPTY, (0.0, 0.0)),
        }
    }
}

impl Memo {
    const SLOTS: usize = 256;
    const MASK: usize = Memo::SLOTS - 1;
    // The bits of a NaN trade cost, which never occurs.
    const EMPTY: u64 = u64::MAX;

    /// (1 + φ)^(−ε) and (1 + φ)^(−ε) / (1 + φ): the attraction and the export-value
    /// factors of a trade cost, so the hot path multiplies instead of dividing.
    #[inline(always)]
    pub(super) fn get(&mut self, phi: f64, elasticity: f64) -> (f64, f64) {
        let key = phi.to_bits();
        // Trials stage runs of entries with one new cost (every pair of a join shares it).
        if key == self.last.0 {
            return self.last.1;
        }
        let value = self.lookup(key, phi, elasticity);
        self.last = (key, value);
        value
    }

    #[cold]
    #[inline(never)]
    fn lookup(&mut self, key: u64, phi: f64, elasticity: f64) -> (f64, f64) {
        let mut slot = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize & Memo::MASK;
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
            slot = (slot + 1) & Memo::MASK;
        }
        let a = attenuation(phi, elasticity);
        (a, a / (1.0 + phi))
    }
}

/// Buffers reused by every trial, so that the hot path never allocates. A trial's new
/// row sums and market weights live here; nothing in it outlives a trial, except the FTA
/// entry overlay that `Engine::staged_entry` names.
#[derive(Clone, Debug, Default)]
pub(super) struct Scratch {
    // General path: whole dirty rows and touched columns.
    /// Per country, its slot in `rows` if its row is dirty, else `NONE`.
    pub(super) row_slot: Vec<u32>,
    /// Dirty importer rows, recomputed in full.
    pub(super) rows: Vec<u32>,
    /// The dirty rows' new export weights, N per slot.
    pub(super) row_weight: Vec<f64>,
    /// Per country, its slot in `cols` if its column is touched, else `NONE`.
    pub(super) col_slot: Vec<u32>,
    /// Touched exporter columns (the movers), recomputed in every clean row.
    pub(super) cols: Vec<u32>,
    /// The touched columns' new export weights, N per slot.
    pub(super) col_weight: Vec<f64>,
    /// Per importer, the trial's market weight y_a / D_a.
    pub(super) market: Vec<f64>,
    /// Per importer, the committed market weight y_a / D_a.
    pub(super) market_old: Vec<f64>,
    // Both paths.
    /// Per importer, the trial's D.
    pub(super) trial_attraction_sum: Vec<f64>,
    /// Per importer, the trial's Σ w τ.
    pub(super) trial_revenue_sum: Vec<f64>,
    /// Per importer, the trial's Σ_{j≠i} a.
    pub(super) trial_lobby_sum: Vec<f64>,
    /// The inverses of the ops a trial applied to the world.
    pub(super) undo: Vec<Op>,
    /// The agreements the trial's ops touch, sorted.
    pub(super) touched_agreements: Vec<u32>,
    /// Their mean ideal points after the ops, in the same order.
    pub(super) touched_ideal: Vec<[f64; 2]>,
    // Pair path: an overlay of changed entries, valid where `stamp == stamp_id`.
    /// The current overlay's stamp.
    pub(super) stamp_id: u32,
    /// Per entry, the stamp of the overlay that last staged it.
    pub(super) stamp: Vec<u32>,
    /// Per entry, its staged export weight (valid where stamped).
    pub(super) overlay_weight: Vec<f64>,
    /// Per importer, the stamp of the overlay whose trial sums it holds.
    pub(super) row_mark: Vec<u32>,
    /// Per country, the stamp of the trial whose non-trade terms change for it.
    pub(super) who_mark: Vec<u32>,
    /// The importer rows the overlay changed.
    pub(super) affected: Vec<u32>,
    /// The pairs whose shared agreements the ops change.
    pub(super) pairs: Vec<(u32, u32)>,
    // Entering or leaving M with e_M moving (`deltas_m_policy`).
    /// The fully recomputed rows' new export weights, N per slot.
    pub(super) m_row_weight: Vec<f64>,
    /// Every importer's new export weight on the mover.
    pub(super) m_col_weight: Vec<f64>,
    /// The policy of an M trial's world (`Policy::after_m_move`), kept for its buffers.
    pub(super) m_policy: super::Policy,
    /// How each lone class's entries change, or None where its cost stays.
    pub(super) class_change: Vec<Option<super::trial_general::ClassChange>>,
    // Commit: committed entries that changed, with their old export weight.
    /// Committed entries a commit changed, with their old export weight.
    pub(super) changed: Vec<(usize, f64)>,
    /// The changed rows of the FTA entry that `Engine::staged_entry` names.
    pub(super) fta_entry: super::trial_pairwise::EntryTrial,
}

/// The empty slot of `Scratch::row_slot` and `Scratch::col_slot`.
pub(super) const NONE: u32 = u32::MAX;

impl Engine {
    /// Builds every cache for the world as it is.
    pub fn new(world: &World, params: &Params) -> Engine {
        let policy = Policy::of(world, params);
        let mut attenuations = Memo::default();
        let rows = Rows::build(world, params, &policy, &mut attenuations);
        let mut engine = Engine::with_rows(world, params, policy, attenuations, rows);
        for i in 0..engine.n as u32 {
            engine.sum_row(i);
        }
        engine.finish_setup(world, params);
        engine
    }

    /// [`Engine::new`] the plain way: gravity weights pair by pair, then every row
    /// through [`Engine::recompute_row`], as commits recompute rows. The from-scratch
    /// twin the tests compare the setup rows ([`Rows::build`]) with, bit for bit.
    #[doc(hidden)]
    pub fn new_plain(world: &World, params: &Params) -> Engine {
        let n = world.n();
        let mut gravity = vec![0.0; n * n];
        for i in 0..n as u32 {
            for j in 0..n as u32 {
                gravity[i as usize * n + j as usize] = gravity_weight(world, params, i, j);
            }
        }
        let mut attraction = vec![0.0; n * n];
        let mut cost = vec![f64::NAN; n * n];
        for i in 0..n {
            attraction[i * n + i] = gravity[i * n + i];
            cost[i * n + i] = 0.0;
        }
        let rows = Rows {
            gravity,
            tariff: vec![0.0; n * n],
            cost,
            attraction,
            weight: vec![0.0; n * n],
        };
        let policy = Policy::of(world, params);
        let mut engine = Engine::with_rows(world, params, policy, Memo::default(), rows);
        for i in 0..n as u32 {
            engine.recompute_row(world, params, i);
        }
        engine.finish_setup(world, params);
        engine
    }

    /// An engine with the committed matrices `rows`, its row sums and payoffs not yet
    /// computed.
    fn with_rows(
        world: &World,
        params: &Params,
        policy: Policy,
        attenuations: Memo,
        rows: Rows,
    ) -> Engine {
        let n = world.n();
        let Rows {
            gravity,
            tariff,
            cost,
            attraction,
            weight,
        } = rows;
        let gdp: Vec<f64> = world.countries.iter().map(|c| c.gdp).collect();
        Engine {
            n,
            gravity,
            tariff,
            cost,
            attraction,
            weight,
            attraction_sum: vec![0.0; n],
            revenue_sum: vec![0.0; n],
            lobby_sum: vec![0.0; n],
            exit_markets: super::trial_m::largest_economies(&gdp),
            gdp,
            protectionism: world.countries.iter().map(|c| c.protectionism).collect(),
            elasticity: params.elasticity,
            trade_payoff: vec![0.0; n],
            tariff_gdp: vec![0.0; n],
            free_gdp: vec![0.0; n],
            exports: vec![0.0; n],
            non_trade: vec![0.0; n],
            utility: vec![0.0; n],
            policy,
            agreement_ideal: Vec::new(),
            agreement_ideal_sums: Vec::new(),
            m_ideal: [0.0; 2],
            g_share: 0.0,
            attenuations,
            stop_rule: None,
            losses: 0,
            staged_entry: None,
            exit_passes: vec![None; n],
            lone_gravity: vec![0.0; n],
            lone_classes: Vec::new(),
            lone_class_of: vec![NONE; n],
            lone_gravity_valid: false,
            custom_model: crate::trade::model_for(&params.trade),
            custom_trade: vec![0.0; n],
            checkpoints: vec![[0.0; 5]; n * n.div_ceil(BLOCK)],
            first_changed: vec![0; n],
            scratch: Scratch {
                row_slot: vec![NONE; n],
                col_slot: vec![NONE; n],
                trial_attraction_sum: vec![0.0; n],
                trial_revenue_sum: vec![0.0; n],
                trial_lobby_sum: vec![0.0; n],
                market: vec![0.0; n],
                market_old: vec![0.0; n],
                stamp: vec![0; n * n],
                overlay_weight: vec![0.0; n * n],
                row_mark: vec![0; n],
                who_mark: vec![0; n],
                ..Scratch::default()
            },
        }
    }

    /// The caches that follow from the committed rows and their sums.
    fn finish_setup(&mut self, world: &World, params: &Params) {
        self.refresh_other(world, params);
        self.refresh_exports(world);
        self.refresh_utilities(world, params);
    }

    /// Every committed matrix, row sum, checkpoint and payoff, as bits, by name: what
    /// the tests compare between [`Engine::new`] and [`Engine::new_plain`].
    #[doc(hidden)]
    pub fn committed_bits(&self) -> Vec<(&'static str, Vec<u64>)> {
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        vec![
            ("gravity", bits(&self.gravity)),
            ("tariff", bits(&self.tariff)),
            ("cost", bits(&self.cost)),
            ("attraction", bits(&self.attraction)),
            ("weight", bits(&self.weight)),
            ("attraction_sum", bits(&self.attraction_sum)),
            ("revenue_sum", bits(&self.revenue_sum)),
            ("lobby_sum", bits(&self.lobby_sum)),
            ("trade_payoff", bits(&self.trade_payoff)),
            ("tariff_gdp", bits(&self.tariff_gdp)),
            ("free_gdp", bits(&self.free_gdp)),
            ("exports", bits(&self.exports)),
            ("non_trade", bits(&self.non_trade)),
            ("utility", bits(&self.utility)),
            ("checkpoints", bits(self.checkpoints.as_flattened())),
        ]
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
        self.tariff[i as usize * self.n + j as usize]
    }

    /// The committed applied tariffs of importer i, τ_i·.
    pub fn tau_row(&self, i: u32) -> &[f64] {
        &self.tariff[i as usize * self.n..(i as usize + 1) * self.n]
    }

    /// Rebuilds the gravity weights after GDP changed, then every cache.
    pub fn rebuild(&mut self, world: &World, params: &Params) {
        *self = Engine::new(world, params);
    }

    /// Recomputes row i of the committed matrices and its sums, exactly.
    pub(super) fn recompute_row(&mut self, world: &World, params: &Params, i: u32) {
        // The importer's inputs are read once for the row (what `trade_cost` reads per pair).
        let importer = Importer::of(world, &self.policy, i);
        let (n, iu) = (self.n, i as usize);
        let (count, depth, in_m) = {
            let (count, depth) = world.pair_row(i);
            (&count[..n], &depth[..n], &world.in_m[..n])
        };
        // `store_entry` on each entry, with the row's slices taken once.
        let row = iu * n..(iu + 1) * n;
        let g = &self.gravity[row.clone()];
        let tariff = &mut self.tariff[row.clone()];
        let cost = &mut self.cost[row.clone()];
        let attraction = &mut self.attraction[row.clone()];
        let weight = &mut self.weight[row];
        let (memo, policy) = (&mut self.attenuations, &self.policy);
        for j in 0..n {
            if j == iu {
                continue;
            }
            let pair = (count[j] > 0, depth[j]);
            let (tau, phi) = importer.cost(params, policy, j as u32, in_m[j], pair);
            if phi.to_bits() != cost[j].to_bits() {
                let (a, b) = memo.get(phi, params.elasticity);
                attraction[j] = g[j] * a;
                weight[j] = g[j] * b;
                cost[j] = phi;
            }
            tariff[j] = tau;
        }
        self.sum_row(i);
    }

    /// Recomputes one committed entry; true if it changed.
    pub(super) fn recompute_entry(
        &mut self,
        world: &World,
        params: &Params,
        i: u32,
        j: u32,
    ) -> bool {
        let cost = trade_cost(world, params, &self.policy, i, j);
        self.store_entry(params, i as usize * self.n + j as usize, cost)
    }

    /// Stores a committed entry's (τ, φ) and its attraction; true if it changed.
    #[inline(always)]
    pub(super) fn store_entry(
        &mut self,
        params: &Params,
        idx: usize,
        (tau, phi): (f64, f64),
    ) -> bool {
        let same_phi = phi.to_bits() == self.cost[idx].to_bits();
        if !same_phi {
            let (a, b) = self.attenuations.get(phi, params.elasticity);
            self.attraction[idx] = self.gravity[idx] * a;
            self.weight[idx] = self.gravity[idx] * b;
            self.cost[idx] = phi;
        }
        let same_tau = tau.to_bits() == self.tariff[idx].to_bits();
        self.tariff[idx] = tau;
        !(same_phi && same_tau)
    }

    /// Sums committed row i afresh: [D, Σ_j w τ, Σ_{j≠i} a, Σ_{j≠i} y τ,
    /// Σ_{j≠i, τ=0} y], each in partner order.
    pub(super) fn sum_row(&mut self, i: u32) {
        self.sum_row_from(i, 0);
    }

    /// [`Engine::sum_row`], given that no entry of row i before column `first` changed
    /// since the row was last summed. The row's sums are checkpointed every
    /// [`BLOCK`] partners as they are taken, so the chains resume from the last
    /// checkpoint at or before `first`: the same additions in the same order from the
    /// same partial sums, hence the bits of summing from column 0 ([`row_sums_plain`]).
    pub(super) fn sum_row_from(&mut self, i: u32, first: usize) {
        let (n, iu, blocks) = (self.n, i as usize, self.n.div_ceil(BLOCK));
        let row = iu * n..(iu + 1) * n;
        let (att, w, tau, y) = (
            &self.attraction[row.clone()],
            &self.weight[row.clone()],
            &self.tariff[row],
            &self.gdp[..n],
        );
        let checkpoints = &mut self.checkpoints[iu * blocks..(iu + 1) * blocks];
        let k0 = first.min(n - 1) / BLOCK;
        // Before the diagonal, D and Σ_{j≠i} a add the same terms in the same order from
        // the same start, so one chain (D's) stands for both until D alone adds a_ii;
        // there Σ_{j≠i} a forks off. A checkpoint before the fork holds a stale
        // Σ_{j≠i} a, which is never read.
        let mut sums = checkpoints[k0];
        for (k, checkpoint) in checkpoints.iter_mut().enumerate().skip(k0) {
            *checkpoint = sums;
            let (start, end) = (k * BLOCK, ((k + 1) * BLOCK).min(n));
            if end <= iu {
                add_unforked(&mut sums, att, w, tau, y, start..end);
            } else if start > iu {
                add_forked(&mut sums, att, w, tau, y, start..end);
            } else {
                add_unforked(&mut sums, att, w, tau, y, start..iu);
                sums[2] = sums[0];
                sums[0] += att[iu];
                add_forked(&mut sums, att, w, tau, y, iu + 1..end);
            }
        }
        self.store_sums(iu, sums);
    }

    /// Stores row i's sums [D, Σ w τ, Σ_{j≠i} a, Σ y τ, Σ_{τ=0} y] and its C + R − L.
    #[inline(always)]
    fn store_sums(&mut self, iu: usize, [d, rs, ls, tau_y, free_y]: [f64; 5]) {
        self.attraction_sum[iu] = d;
        self.revenue_sum[iu] = rs;
        self.lobby_sum[iu] = ls;
        // C + R − L moves only with the row sums, so it is kept with them.
        self.trade_payoff[iu] = trade_terms(
            self.gdp[iu],
            self.protectionism[iu],
            self.elasticity,
            d,
            rs,
            ls,
        );
        // The metrics' GDP-weighted tariff sums ride along: rows are summed only when
        // they change, so observing a tick needs no pass over all pairs for them.
        self.tariff_gdp[iu] = tau_y;
        self.free_gdp[iu] = free_y;
    }

    /// Per importer, its committed sums [D, Σ w τ, Σ_{j≠i} a, Σ y τ, Σ_{τ=0} y] as
    /// kept, and as the plain five-chain loop ([`row_sums_plain`]) sums them from
    /// scratch, for the tests that compare them bit for bit.
    #[doc(hidden)]
    pub fn row_sums_kept_and_afresh(&self) -> Vec<([f64; 5], [f64; 5])> {
        let n = self.n;
        (0..n)
            .map(|i| {
                let row = i * n..(i + 1) * n;
                let afresh = row_sums_plain(
                    &self.attraction[row.clone()],
                    &self.weight[row.clone()],
                    &self.tariff[row],
                    &self.gdp[..n],
                    i,
                );
                let kept = [
                    self.attraction_sum[i],
                    self.revenue_sum[i],
                    self.lobby_sum[i],
                    self.tariff_gdp[i],
                    self.free_gdp[i],
                ];
                (kept, afresh)
            })
            .collect()
    }

    /// Σ_{j≠i} y_j τ_ij and Σ_{j≠i, τ_ij = 0} y_j of importer i in the committed state.
    pub fn tariff_sums(&self, i: u32) -> (f64, f64) {
        (self.tariff_gdp[i as usize], self.free_gdp[i as usize])
    }

    /// C + R − L of country c from its row sums.
    pub(super) fn trade_row(
        world: &World,
        params: &Params,
        c: usize,
        d: f64,
        rs: f64,
        ls: f64,
    ) -> f64 {
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
    pub(super) fn refresh_other(&mut self, world: &World, params: &Params) {
        self.agreement_ideal = world
            .agreements
            .iter()
            .map(|a| world.mean_ideal(a.members().iter().copied()))
            .collect();
        self.agreement_ideal_sums = (0..world.agreements.len() as u32)
            .map(|k| ideal_sums(world, k))
            .collect();
        self.m_ideal = world.mean_ideal(world.m_members());
        self.g_share = g_share(world);
        for c in 0..self.n as u32 {
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
    }

    /// Exports of every country from the committed matrices, summed afresh.
    pub(super) fn refresh_exports(&mut self, world: &World) {
        let n = self.n;
        self.exports.fill(0.0);
        for a in 0..n {
            let q = world.countries[a].gdp / self.attraction_sum[a];
            let row = &self.weight[a * n..(a + 1) * n];
            // The diagonal of w is 0, so no branch is needed to skip c == a.
            for (x, w) in self.exports.iter_mut().zip(row) {
                *x += q * w;
            }
        }
    }

    /// Every payoff from the row sums, exports and non-trade terms.
    pub(super) fn refresh_utilities(&mut self, world: &World, params: &Params) {
        let n = self.n;
        for c in 0..n {
            self.utility[c] = self.trade_payoff[c] + self.exports[c] + self.non_trade[c];
        }
        if let Some(model) = &self.custom_model {
            model.trade_payoffs(world, params, &mut self.custom_trade);
            for c in 0..n {
                self.utility[c] = self.custom_trade[c] + self.non_trade[c];
            }
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

    pub(super) fn next_stamp(&mut self) -> u32 {
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

    pub(super) fn release_marks(&mut self, mut rows: Vec<u32>, mut cols: Vec<u32>) {
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

    /// Whether e_M stays clamped at 1 when country i enters (`on`) or leaves M.
    pub(super) fn m_stays_effective(
        &self,
        world: &World,
        params: &Params,
        i: u32,
        on: bool,
    ) -> bool {
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
}

/// The committed matrices of a new engine, row-major.
struct Rows {
    gravity: Vec<f64>,
    tariff: Vec<f64>,
    cost: Vec<f64>,
    attraction: Vec<f64>,
    weight: Vec<f64>,
}

impl Rows {
    /// Every row as [`Engine::new_plain`] computes it, appended row by row instead of
    /// written over zeroed matrices (the zeroing alone cost a tenth of setting up a
    /// default world), with the cost of a partner the importer shares nothing with
    /// computed once per row for each M status of the partner: [`Importer::cost`] then
    /// reads nothing else of the partner, unless retaliation prices a pair in M by the
    /// exporter's compliance. The attenuations come from the same memo, which returns
    /// the same bits whoever asks first.
    fn build(world: &World, params: &Params, policy: &Policy, memo: &mut Memo) -> Rows {
        let n = world.n();
        let mut rows = Rows {
            gravity: Vec::with_capacity(n * n),
            tariff: Vec::with_capacity(n * n),
            cost: Vec::with_capacity(n * n),
            attraction: Vec::with_capacity(n * n),
            weight: Vec::with_capacity(n * n),
        };
        let gdp: Vec<f64> = world.countries.iter().map(|c| c.gdp).collect();
        let eps = params.elasticity;
        // One row's (τ, φ) and attenuation factors, then copied into the matrices.
        let mut row = vec![(0.0, 0.0, (0.0, 0.0)); n];
        for i in 0..n {
            let importer = Importer::of(world, policy, i as u32);
            let (count, depth) = world.pair_row(i as u32);
            let (count, depth, in_m) = (&count[..n], &depth[..n], &world.in_m[..n]);
            let lone = [false, true].map(|j_in_m| {
                let priced_by_exporter = importer.in_m && j_in_m && params.retaliation;
                (!priced_by_exporter).then(|| {
                    // The exporter's id is read only on the retaliation path excluded above.
                    let (tau, phi) = importer.cost(params, policy, 0, j_in_m, (false, 0.0));
                    (tau, phi, memo.get(phi, eps))
                })
            });
            let shares_nothing =
                count.iter().all(|&c| c == 0) && depth.iter().all(|d| d.to_bits() == 0);
            match lone {
                // i shares nothing with anyone (as everyone at tick 0 of most worlds): a
                // partner's M status alone picks its cost.
                [Some(outside), Some(inside)] if shares_nothing => {
                    for (entry, &m) in row.iter_mut().zip(in_m) {
                        *entry = if m { inside } else { outside };
                    }
                }
                // Else a partner takes its class's cost if it shares nothing with i and the
                // class has one cost, or its own.
                _ => {
                    for (j, entry) in row.iter_mut().enumerate() {
                        *entry = match lone[usize::from(in_m[j])] {
                            Some(class) if count[j] == 0 && depth[j].to_bits() == 0 => class,
                            // The diagonal, set below.
                            _ if j == i => continue,
                            _ => {
                                let pair = (count[j] > 0, depth[j]);
                                let (tau, phi) =
                                    importer.cost(params, policy, j as u32, in_m[j], pair);
                                (tau, phi, memo.get(phi, eps))
                            }
                        };
                    }
                }
            }
            // The diagonal: i buys its own goods at no cost and earns nothing on them.
            row[i] = (0.0, 0.0, (0.0, 0.0));
            let home = gravity_weight(world, params, i as u32, i as u32);
            let dist = &world.dist[i * n..(i + 1) * n];
            rows.gravity
                .extend(dist.iter().zip(&gdp).enumerate().map(|(j, (&d, &y))| {
                    if j == i {
                        home
                    } else {
                        y * distance_decay(&params.gravity, d)
                    }
                }));
            let g = &rows.gravity[i * n..];
            rows.tariff.extend(row.iter().map(|e| e.0));
            rows.cost.extend(row.iter().map(|e| e.1));
            rows.attraction
                .extend(g.iter().zip(&row).map(|(g, e)| g * e.2.0));
            rows.weight
                .extend(g.iter().zip(&row).map(|(g, e)| g * e.2.1));
            rows.attraction[i * n + i] = home;
            rows.weight[i * n + i] = 0.0;
        }
        rows
    }
}

/// Marks importer row i for recomputation, once.
pub(super) fn mark_row(s: &mut Scratch, i: u32) {
    if s.row_slot[i as usize] == NONE {
        s.row_slot[i as usize] = s.rows.len() as u32;
        s.rows.push(i);
    }
}

/// Partners between a committed row's checkpoints ([`Engine::sum_row_from`]).
const BLOCK: usize = 16;

/// The entries `range` of a row's attractions, export weights and tariffs, with the
/// partners' GDPs.
#[inline(always)]
fn row_entries<'a>(
    att: &'a [f64],
    w: &'a [f64],
    tau: &'a [f64],
    y: &'a [f64],
    range: std::ops::Range<usize>,
) -> impl Iterator<Item = (((&'a f64, &'a f64), &'a f64), &'a f64)> {
    att[range.clone()]
        .iter()
        .zip(&w[range.clone()])
        .zip(&tau[range.clone()])
        .zip(&y[range])
}

/// Adds off-diagonal partners `range`, all before the diagonal, to a row's sums, D's
/// chain standing for Σ_{j≠i} a's.
#[inline(always)]
fn add_unforked(
    sums: &mut [f64; 5],
    att: &[f64],
    w: &[f64],
    tau: &[f64],
    y: &[f64],
    range: std::ops::Range<usize>,
) {
    let entries = row_entries(att, w, tau, y, range);
    let [mut d, mut rs, _, mut tau_y, mut free_y] = *sums;
    for (((&a, &w), &t), &y) in entries {
        d += a;
        rs += w * t;
        tau_y += y * t;
        // Adding +0.0 leaves a sum of non-negative terms as it is.
        free_y += if t == 0.0 { y } else { 0.0 };
    }
    (sums[0], sums[1], sums[3], sums[4]) = (d, rs, tau_y, free_y);
}

/// Adds off-diagonal partners `range`, all after the diagonal, to a row's five sums.
#[inline(always)]
fn add_forked(
    sums: &mut [f64; 5],
    att: &[f64],
    w: &[f64],
    tau: &[f64],
    y: &[f64],
    range: std::ops::Range<usize>,
) {
    let entries = row_entries(att, w, tau, y, range);
    let mut s = *sums;
    for (((&a, &w), &t), &y) in entries {
        add_entry(&mut s, a, w, t, y);
    }
    *sums = s;
}

/// One off-diagonal entry added to a row's five sums.
#[inline(always)]
fn add_entry(sums: &mut [f64; 5], a: f64, w: f64, t: f64, y: f64) {
    sums[0] += a;
    sums[1] += w * t;
    sums[2] += a;
    sums[3] += y * t;
    sums[4] += if t == 0.0 { y } else { 0.0 };
}

/// A committed row's sums the plain way: five chains over every entry, D alone taking
/// the diagonal.
/// The slow twin the tests compare [`Engine::sum_row_from`] with.
fn row_sums_plain(att: &[f64], w: &[f64], tau: &[f64], y: &[f64], diag: usize) -> [f64; 5] {
    let mut sums = [0.0; 5];
    for j in 0..y.len() {
        if j == diag {
            sums[0] += att[j];
        } else {
            add_entry(&mut sums, att[j], w[j], tau[j], y[j]);
        }
    }
    sums
}
