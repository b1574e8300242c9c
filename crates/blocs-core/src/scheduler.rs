//! The scheduler: one world's ticks, phase by phase (ODD.md sections 3 and 7.3 to 7.5).
//!
//! A tick runs the phases of [`Phase::ALL`] in order. All randomness of a world comes
//! from its own [`WorldRng`]: the synthetic draws when it is built, one permutation per
//! tick for activation, one uniform per activated country under Logit, and one uniform
//! per passing round when gridlock noise is on. Nothing here does IO.

use std::collections::BTreeSet;

use crate::metrics::{Counters, Measurer, Metrics, Outcome};
use crate::model::{
    AccessionRule, Agreement, Choice, CountrySel, CountrySource, DecisionRule, EventKind,
    InstitutionSel, Kind, MemberRule, Op, Params, RuleChange, StopReason, Update, World, WorldSpec,
};
use crate::payoff::{Engine, payoffs_from_scratch};
use crate::rng::WorldRng;
use crate::setup::build_world;

/// Tolerance within which a payoff change counts as a gain (ODD.md section 7.4).
pub const GAIN_TOLERANCE: f64 = 1e-12;

/// The phases of a tick, in the order they run. ODD.md's process overview lists the
/// same names in the same order, and a test keeps the two in step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Scheduled events of this tick fire, in file order.
    Events,
    /// A random share of countries is activated and moves.
    Activation,
    /// M holds a negotiation round if one is due.
    Round,
    /// The tick's metrics are recorded and the stop rules checked.
    Observation,
}

impl Phase {
    /// Every phase in execution order.
    pub const ALL: [Phase; 4] = [
        Phase::Events,
        Phase::Activation,
        Phase::Round,
        Phase::Observation,
    ];
}

/// A candidate move of an activated country.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Move {
    /// Do nothing.
    Stay,
    /// Leave agreement k.
    Leave(u32),
    /// Join agreement k.
    Join(u32),
    /// Form a new agreement with country j.
    Form(u32),
    /// Link two live agreements (lower id first), one of them the mover's, by a bridge
    /// agreement between all their members.
    Bridge(u32, u32),
    /// Join M.
    JoinM,
    /// Leave M.
    LeaveM,
    /// Join G.
    JoinG,
    /// Leave G.
    LeaveG,
}

/// What a row of the membership log records.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LogMove {
    /// Entered an agreement.
    Join,
    /// Left an agreement.
    Leave,
    /// Founded an agreement.
    Form,
    /// Became a member of a new bridge between two agreements (one row per member).
    Bridge,
    /// Entered M.
    JoinM,
    /// Left M.
    LeaveM,
    /// Entered G.
    JoinG,
    /// Left G.
    LeaveG,
    /// Dropped out as the agreement dissolved.
    Dissolve,
    /// A tariff wall went up.
    TariffWall,
    /// GDP changed.
    GdpShift,
    /// Locked out of M.
    Lock,
    /// An institution's rule changed.
    SetRule,
}

impl LogMove {
    /// The name used in `events.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            LogMove::Join => "Join",
            LogMove::Leave => "Leave",
            LogMove::Form => "Form",
            LogMove::Bridge => "Bridge",
            LogMove::JoinM => "JoinM",
            LogMove::LeaveM => "LeaveM",
            LogMove::JoinG => "JoinG",
            LogMove::LeaveG => "LeaveG",
            LogMove::Dissolve => "Dissolve",
            LogMove::TariffWall => "TariffWall",
            LogMove::GdpShift => "GdpShift",
            LogMove::Lock => "Lock",
            LogMove::SetRule => "SetRule",
        }
    }

    fn is_membership_change(self) -> bool {
        !matches!(
            self,
            LogMove::TariffWall | LogMove::GdpShift | LogMove::Lock | LogMove::SetRule
        )
    }
}

/// Why a log row happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cause {
    /// The starting state.
    Initial,
    /// A country's own choice.
    Choice,
    /// A scheduled event.
    Event,
}

impl Cause {
    /// The name used in `events.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Cause::Initial => "initial",
            Cause::Choice => "choice",
            Cause::Event => "event",
        }
    }
}

/// One row of a world's history.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRow {
    /// Tick.
    pub tick: u32,
    /// Country id (for SetRule, the country is absent).
    pub country: Option<u32>,
    /// What happened.
    pub what: LogMove,
    /// Which institution.
    pub institution: Option<InstitutionSel>,
    /// Why.
    pub cause: Cause,
    /// Rate or factor, or a rule's description.
    pub value: Option<String>,
}

/// One negotiation round of M, as the narrated event log tells it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RoundRecord {
    /// Tick.
    pub tick: u32,
    /// t_M before the round.
    pub from: f64,
    /// The proposed t_M.
    pub proposal: f64,
    /// M's members, who all vote.
    pub members: u32,
    /// No votes counted before the vote was settled: votes stop at the ballot that decides
    /// them, so a failed round has at least this many no votes.
    pub no_votes: u32,
    /// The first member counted voting no.
    pub first_no: Option<u32>,
    /// Whether the round passed.
    pub passed: bool,
    /// The vote carried but gridlock noise failed the round.
    pub noise_failed: bool,
}

/// Everything a finished world leaves behind.
#[derive(Clone, Debug)]
pub struct WorldResult {
    /// Index of the world in its run.
    pub world_index: u64,
    /// The run's master seed.
    pub master_seed: u64,
    /// The final state.
    pub world: World,
    /// Final payoffs.
    pub utility: Vec<f64>,
    /// Payoffs at tick 0.
    pub initial_utility: Vec<f64>,
    /// Per-tick metrics, tick 0 first.
    pub series: Vec<Metrics>,
    /// Full membership history.
    pub log: Vec<LogRow>,
    /// Why it stopped.
    pub stop_reason: StopReason,
    /// The tick it stopped at.
    pub stop_tick: u32,
    /// Outcome class of the final state.
    pub outcome: Outcome,
}

impl WorldResult {
    /// Final metrics.
    pub fn last(&self) -> &Metrics {
        self.series.last().expect("tick 0 is always recorded")
    }
}

/// A running world.
#[derive(Debug)]
pub struct Sim {
    spec: WorldSpec,
    /// The state.
    pub world: World,
    /// The payoff engine in step with `world`.
    pub engine: Engine,
    rng: WorldRng,
    world_index: u64,
    master_seed: u64,
    next_event: usize,
    counters: Counters,
    initial_u: Vec<f64>,
    log: Vec<LogRow>,
    series: Vec<Metrics>,
    quiet: u32,
    seen: BTreeSet<Vec<u64>>,
    stop: Option<StopReason>,
    nearest: Vec<Vec<u32>>,
    /// How many of each `nearest` list are in exact order; the rest only follow them.
    nearest_sorted: Vec<usize>,
    deltas: Vec<f64>,
    queried: Vec<u32>,
    cands: Vec<Move>,
    /// The primitive ops of the move being assessed or committed; kept between moves so
    /// that no move allocates for them.
    ops: Vec<Op>,
    changed: bool,
    version: u64,
    last_choice: Vec<(u64, Move)>,
    /// The voter who last said no to joining each agreement (by id), to entering M, and
    /// to a round. They are asked first next time: the same member tends to object
    /// again, and one objection settles a unanimity vote early. A vote's outcome does
    /// not depend on the order its ballots are counted in, so this only saves work.
    vetoer: Vec<u32>,
    m_vetoer: u32,
    round_vetoer: u32,
    rounds: Vec<RoundRecord>,
    /// The metrics' working vectors, kept between ticks.
    measurer: Measurer,
    /// The activation order's buffer, kept between ticks.
    order: Vec<u32>,
    /// Whether any bridge can exist in this world (the move is on, or the scenario
    /// starts with one): only then do Join and Leave look for bridges to follow.
    bridging: bool,
}

/// Country i's partners, nearest first (ties to the lower id): the plain full sort that
/// [`nearest_partners`] must agree with.
pub fn partners_by_distance(world: &World, i: u32) -> Vec<u32> {
    let mut order: Vec<u32> = (0..world.n() as u32).filter(|&j| j != i).collect();
    order.sort_by(|&a, &b| {
        world
            .distance(i, a)
            .total_cmp(&world.distance(i, b))
            .then(a.cmp(&b))
    });
    order
}

/// Country i's partners with the first `front` nearest in exact order (ties to the lower
/// id) and the rest, all at least as far, in no particular order. `front` ≥ N − 1 sorts
/// them all.
pub fn nearest_partners(world: &World, i: u32, front: usize) -> Vec<u32> {
    nearest_partners_with(&mut PartnerKeys::default(), world, i, front)
}

/// Sort-key buffers of [`nearest_partners_with`], kept by the caller.
#[derive(Default)]
struct PartnerKeys {
    narrow: Vec<u64>,
    wide: Vec<u128>,
}

/// [`nearest_partners`] with its sort keys in buffers kept by the caller.
fn nearest_partners_with(keys: &mut PartnerKeys, world: &World, i: u32, front: usize) -> Vec<u32> {
    nearest_partners_narrow(&mut keys.narrow, world, i, front)
        .unwrap_or_else(|| nearest_partners_wide(&mut keys.wide, world, i, front))
}

/// [`nearest_partners`] from 64-bit keys: each distance's bits with the lowest bits,
/// enough for an id, replaced by the partner's id. Such keys sort faster than
/// [`nearest_partners_wide`]'s and in the same order wherever no two distances that
/// decide the front share their truncated bits; where two do (equal distances, as on
/// grids of fixed positions), it returns `None` and the wide keys decide.
fn nearest_partners_narrow(
    keys: &mut Vec<u64>,
    world: &World,
    i: u32,
    front: usize,
) -> Option<Vec<u32>> {
    let n = world.n();
    let id_bits = usize::BITS - n.leading_zeros();
    if id_bits > 24 {
        return None;
    }
    let low = (1u64 << id_bits) - 1;
    partner_keys(keys, world, i, |j, d| (d.to_bits() & !low) | j as u64);
    let sorted = if front < keys.len() {
        if front > 0 {
            keys.select_nth_unstable(front - 1);
            // A partner beyond the front as near as its last, to the truncated bits,
            // might belong in the front.
            let last = keys[front - 1] >> id_bits;
            if keys[front..].iter().any(|&k| k >> id_bits == last) {
                return None;
            }
        }
        &mut keys[..front]
    } else {
        &mut keys[..]
    };
    sorted.sort_unstable();
    // Distinct truncated distances in the sorted part order it as the full ones do.
    if sorted
        .windows(2)
        .any(|w| w[0] >> id_bits == w[1] >> id_bits)
    {
        return None;
    }
    Some(keys.iter().map(|&k| (k & low) as u32).collect())
}

/// [`nearest_partners`] from 128-bit keys (a distance's bits, then the id): exact for
/// every world.
fn nearest_partners_wide(keys: &mut Vec<u128>, world: &World, i: u32, front: usize) -> Vec<u32> {
    // Distances are ≥ 0, so their bit patterns sort like the numbers; ties go to the lower
    // id. Packed keys sort faster than a float comparator.
    partner_keys(keys, world, i, |j, d| {
        (u128::from(d.to_bits()) << 32) | j as u128
    });
    if front < keys.len() {
        if front > 0 {
            keys.select_nth_unstable(front - 1);
        }
        keys[..front].sort_unstable();
    } else {
        keys.sort_unstable();
    }
    keys.iter().map(|&k| k as u32).collect()
}

/// Fills `keys` with `key(j, d_ij)` for every partner j of country i, in id order.
#[inline]
fn partner_keys<K>(keys: &mut Vec<K>, world: &World, i: u32, key: impl Fn(usize, &f64) -> K) {
    let n = world.n();
    // The partners before and after i as two runs of i's distance row: a filter over all
    // ids would push the keys one by one.
    let (before, after) = world.dist[i as usize * n..(i as usize + 1) * n].split_at(i as usize);
    keys.clear();
    keys.reserve(n);
    keys.extend(before.iter().enumerate().map(|(j, d)| key(j, d)));
    keys.extend(
        after
            .iter()
            .enumerate()
            .skip(1)
            .map(|(k, d)| key(i as usize + k, d)),
    );
}

/// Every country's [`nearest_partners`] with the first `front` in exact order.
pub fn nearest_lists(world: &World, front: usize) -> Vec<Vec<u32>> {
    let mut keys = PartnerKeys::default();
    (0..world.n() as u32)
        .map(|i| nearest_partners_with(&mut keys, world, i, front))
        .collect()
}

/// [`nearest_lists`] for worlds whose distances the scenario fixes (explicit and
/// calibrated countries): they depend on nothing but the distance matrix and `front`, so
/// each thread keeps the last lists with the matrix they came from, and copies them when
/// the next world's matrix is the same to the bit.
pub fn nearest_lists_of_fixed(world: &World, front: usize) -> Vec<Vec<u32>> {
    type Last = (usize, Vec<f64>, Vec<Vec<u32>>);
    thread_local! {
        static LAST: std::cell::RefCell<Option<Last>> = const { std::cell::RefCell::new(None) };
    }
    let same = |dist: &[f64]| {
        dist.len() == world.dist.len()
            && dist
                .iter()
                .zip(&world.dist)
                .all(|(a, b)| a.to_bits() == b.to_bits())
    };
    LAST.with_borrow_mut(|last| match last {
        Some((f, dist, lists)) if *f == front && same(dist) => lists.clone(),
        _ => {
            let lists = nearest_lists(world, front);
            *last = Some((front, world.dist.clone(), lists.clone()));
            lists
        }
    })
}

impl Sim {
    /// Builds world `world_index` of a run with `master_seed`, records tick 0.
    pub fn new(spec: &WorldSpec, master_seed: u64, world_index: u64) -> Sim {
        let mut rng = WorldRng::new(master_seed, world_index);
        let world = build_world(spec, &mut rng);
        let log = initial_log(&world);
        let engine = Engine::new(&world, &spec.params);
        let n = world.n();
        // Form reads only the first `partners_considered` non-partners of this order, which
        // in most worlds lie well inside a short front; a country that walks past it has
        // its whole order sorted then (`Sim::choose`).
        // (4P + 12 gave the fewest instructions of the fronts tried on 20 default worlds;
        // a front of N − 1 or more sorts every order, as before.)
        let front = (spec.params.partners_considered as usize)
            .saturating_add(3)
            .saturating_mul(4)
            .min(n.saturating_sub(1));
        let nearest = match spec.countries {
            CountrySource::Synthetic(_) => nearest_lists(&world, front),
            CountrySource::Explicit(_) | CountrySource::Calibrated(_) => {
                nearest_lists_of_fixed(&world, front)
            }
        };
        let nearest_sorted = vec![front; n];
        let mut sim = Sim {
            spec: spec.clone(),
            world,
            engine,
            rng,
            world_index,
            master_seed,
            next_event: 0,
            counters: Counters::default(),
            initial_u: Vec::new(),
            log,
            series: Vec::new(),
            quiet: 0,
            seen: BTreeSet::new(),
            stop: None,
            nearest,
            nearest_sorted,
            deltas: Vec::new(),
            queried: Vec::new(),
            cands: Vec::new(),
            ops: Vec::new(),
            changed: true,
            version: 0,
            last_choice: vec![(u64::MAX, Move::Stay); n],
            vetoer: Vec::new(),
            m_vetoer: NOBODY,
            round_vetoer: NOBODY,
            rounds: Vec::new(),
            measurer: Measurer::default(),
            order: Vec::new(),
            bridging: spec.params.bridges || spec.agreements.iter().any(|a| a.bridge.is_some()),
        };
        sim.fire_events();
        sim.initial_u = sim.engine.utilities().to_vec();
        sim.observe();
        sim
    }

    fn params(&self) -> &Params {
        &self.spec.params
    }

    /// The stop reason, once the world has stopped.
    pub fn stopped(&self) -> Option<StopReason> {
        self.stop
    }

    /// Metrics recorded so far.
    pub fn series(&self) -> &[Metrics] {
        &self.series
    }

    /// The membership log so far (the rows of `events.csv`).
    pub fn log(&self) -> &[LogRow] {
        &self.log
    }

    /// M's negotiation rounds so far.
    pub fn rounds(&self) -> &[RoundRecord] {
        &self.rounds
    }

    /// The validated scenario this world runs.
    pub fn spec(&self) -> &WorldSpec {
        &self.spec
    }

    /// The outcome class of the state recorded last, as `run` would classify it if the
    /// world stopped now.
    pub fn outcome_now(&self) -> Outcome {
        let last = self.series.last().expect("tick 0 recorded");
        Outcome::classify(last, &self.spec.params.outcome, self.spec.params.t_n)
    }

    /// Runs one tick; returns false once the world has stopped.
    pub fn step(&mut self) -> bool {
        if self.stop.is_none() && self.world.tick == 0 && self.solver_failed() {
            self.stop = Some(StopReason::SolverFailed);
        }
        if self.stop.is_some() {
            return false;
        }
        self.world.apply(Op::SetTick(self.world.tick + 1));
        self.counters.moves = 0;
        for phase in Phase::ALL {
            match phase {
                Phase::Events => self.fire_events(),
                Phase::Activation => self.activate(),
                Phase::Round => self.hold_round(),
                Phase::Observation => {
                    self.observe();
                    self.check_stop();
                }
            }
        }
        self.stop.is_none()
    }

    /// A trade module that cannot solve a state reports NaN payoffs (the gravity module
    /// never does): the world must not go on choosing by them.
    fn solver_failed(&self) -> bool {
        self.engine.utilities().iter().any(|u| u.is_nan())
    }

    /// Runs to the end and returns what is left.
    pub fn run(mut self) -> WorldResult {
        while self.step() {}
        self.finish()
    }

    /// What is left of a stopped world (call after [`Sim::step`] has returned false).
    pub fn finish(self) -> WorldResult {
        let last = self.series.last().expect("tick 0 recorded");
        let outcome = Outcome::classify(last, &self.spec.params.outcome, self.spec.params.t_n);
        WorldResult {
            world_index: self.world_index,
            master_seed: self.master_seed,
            stop_tick: self.world.tick,
            utility: self.engine.utilities().to_vec(),
            initial_utility: self.initial_u,
            series: self.series,
            log: self.log,
            stop_reason: self.stop.expect("finished worlds have stopped"),
            outcome,
            world: self.world,
        }
    }

    fn observe(&mut self) {
        // A tick that changed nothing measures exactly what the last one did.
        if !self.changed
            && let Some(last) = self.series.last()
        {
            let m = Metrics {
                tick: self.world.tick,
                rounds_passed: self.counters.rounds_passed,
                rounds_failed: self.counters.rounds_failed,
                moves: self.counters.moves,
                ..last.clone()
            };
            self.series.push(m);
            return;
        }
        self.changed = false;
        let m = self.measurer.measure(
            &self.world,
            &self.engine,
            &self.initial_u,
            self.counters,
            self.spec.params.public_goods.is_some(),
        );
        self.series.push(m);
    }

    fn check_stop(&mut self) {
        if self.solver_failed() {
            self.stop = Some(StopReason::SolverFailed);
            return;
        }
        let tick = self.world.tick;
        let moved = self.counters.moves > 0;
        self.quiet = if moved { 0 } else { self.quiet + 1 };
        let pending = self.next_event < self.spec.events.len();
        if self.quiet >= self.params().patience && !pending {
            self.stop = Some(StopReason::Converged);
        } else if moved
            && !pending
            && self.params().choice == Choice::BestResponse
            && !self.seen.insert(self.state_key())
        {
            self.stop = Some(StopReason::Cycling);
        } else if tick >= self.params().max_ticks {
            self.stop = Some(StopReason::MaxTicks);
        }
    }

    /// M's members, t_M and the member sets of the agreements, independent of ids.
    fn state_key(&self) -> Vec<u64> {
        let w = &self.world;
        // Live agreements sorted by members, then (kind, depth, rule), so that ids do not
        // matter; one allocation for the whole key. Any total order under which only
        // identical records tie gives each state one key; comparing the member slices
        // first is the cheap one.
        fn tail(a: &Agreement) -> [u64; 4] {
            [
                u64::from(a.spec.kind == Kind::CustomsUnion),
                a.spec.depth.to_bits(),
                a.spec.rule as u64,
                u64::MAX, // separator
            ]
        }
        fn record(a: &Agreement) -> impl Iterator<Item = u64> + '_ {
            a.members().iter().map(|&m| u64::from(m)).chain(tail(a))
        }
        let mut live: Vec<&Agreement> = Vec::with_capacity(w.live_agreements().len());
        live.extend(
            w.live_agreements()
                .iter()
                .map(|&k| &w.agreements[k as usize]),
        );
        live.sort_by(|a, b| {
            a.members()
                .cmp(b.members())
                .then_with(|| tail(a).cmp(&tail(b)))
        });
        let len = 1 + 2 * w.n() + live.iter().map(|a| a.members().len() + 4).sum::<usize>();
        let mut key = Vec::with_capacity(len);
        key.push(w.t_m.to_bits());
        key.extend(w.in_m.iter().map(|&b| u64::from(b)));
        key.extend(w.in_g.iter().map(|&b| u64::from(b)));
        for a in live {
            key.extend(record(a));
        }
        key
    }

    // ---- Events -------------------------------------------------------------------

    fn fire_events(&mut self) {
        while let Some(event) = self.spec.events.get(self.next_event) {
            if event.tick != self.world.tick {
                break;
            }
            let kind = event.kind.clone();
            self.next_event += 1;
            self.fire(&kind);
        }
    }

    fn resolve(&self, sel: &CountrySel) -> u32 {
        match sel {
            CountrySel::Id(i) => *i,
            CountrySel::Hegemon => self.by_rank(1),
            CountrySel::Rank(k) => self.by_rank(*k),
        }
    }

    fn by_rank(&self, rank: u32) -> u32 {
        let mut ids: Vec<u32> = (0..self.world.n() as u32).collect();
        let gdp = |i: u32| self.world.countries[i as usize].gdp;
        ids.sort_by(|&a, &b| gdp(b).total_cmp(&gdp(a)).then(a.cmp(&b)));
        ids[(rank as usize - 1).min(ids.len() - 1)]
    }

    fn fire(&mut self, kind: &EventKind) {
        let tick = self.world.tick;
        // Every event may change what countries would choose (rules, locks, GDP).
        self.version += 1;
        match kind {
            EventKind::Exit { country, from } => {
                let i = self.resolve(country);
                let mv = match *from {
                    InstitutionSel::M => self.world.in_m[i as usize].then_some(Move::LeaveM),
                    InstitutionSel::G => self.world.in_g[i as usize].then_some(Move::LeaveG),
                    InstitutionSel::Agreement(k) => self
                        .world
                        .memberships(i)
                        .contains(&k)
                        .then_some(Move::Leave(k)),
                };
                if let Some(mv) = mv {
                    self.commit_move(i, mv, Cause::Event);
                }
            }
            EventKind::Enter { country, into } => {
                let i = self.resolve(country);
                match *into {
                    InstitutionSel::M if !self.world.in_m[i as usize] => {
                        self.commit_move(i, Move::JoinM, Cause::Event)
                    }
                    InstitutionSel::G if !self.world.in_g[i as usize] => {
                        self.commit_move(i, Move::JoinG, Cause::Event)
                    }
                    InstitutionSel::Agreement(k) => {
                        let live = self
                            .world
                            .agreements
                            .get(k as usize)
                            .is_some_and(|a| a.is_live());
                        if live && !self.world.memberships(i).contains(&k) {
                            // Entering a customs union means leaving the one it is in.
                            if self.world.agreements[k as usize].spec.kind == Kind::CustomsUnion
                                && let Some(old) = self.world.customs_union_of(i)
                            {
                                self.commit_move(i, Move::Leave(old), Cause::Event);
                            }
                            self.commit_move(i, Move::Join(k), Cause::Event);
                        }
                    }
                    _ => {}
                }
            }
            EventKind::TariffWall { country, rate } => {
                let i = self.resolve(country);
                self.commit_ops(&[Op::SetWall(i, Some(*rate))]);
                self.log_row(
                    tick,
                    Some(i),
                    LogMove::TariffWall,
                    None,
                    Cause::Event,
                    Some(rate.to_string()),
                );
            }
            EventKind::GdpShift { country, factor } => {
                let i = self.resolve(country);
                let gdp = self.world.countries[i as usize].gdp * factor;
                self.commit_ops(&[Op::SetGdp(i, gdp)]);
                self.log_row(
                    tick,
                    Some(i),
                    LogMove::GdpShift,
                    None,
                    Cause::Event,
                    Some(factor.to_string()),
                );
            }
            EventKind::SetRule { institution, rule } => {
                let op = match (*institution, *rule) {
                    (InstitutionSel::M, RuleChange::Decision(r)) => Op::SetDecisionRule(r),
                    (InstitutionSel::M, RuleChange::Accession(r)) => Op::SetAccessionRule(r),
                    (InstitutionSel::Agreement(k), RuleChange::Membership(r)) => {
                        Op::SetMemberRule(k, r)
                    }
                    _ => unreachable!("validation pairs rules with institutions"),
                };
                self.apply_unpriced(op);
                self.log_row(
                    tick,
                    None,
                    LogMove::SetRule,
                    Some(*institution),
                    Cause::Event,
                    Some(format!("{rule:?}")),
                );
            }
            EventKind::Lock { country } => {
                let i = self.resolve(country);
                self.apply_unpriced(Op::SetLocked(i, true));
                self.log_row(
                    tick,
                    Some(i),
                    LogMove::Lock,
                    Some(InstitutionSel::M),
                    Cause::Event,
                    None,
                );
            }
        }
    }

    /// Applies a change that enters no payoff (a rule or a lock): the engine's caches and
    /// the last tick's metrics stay what recomputing them would give, so neither is
    /// touched. `fire` has already invalidated the remembered choices.
    fn apply_unpriced(&mut self, op: Op) {
        debug_assert!(matches!(
            op,
            Op::SetDecisionRule(_)
                | Op::SetAccessionRule(_)
                | Op::SetMemberRule(..)
                | Op::SetLocked(..)
        ));
        self.world.apply(op);
    }

    fn log_row(
        &mut self,
        tick: u32,
        country: Option<u32>,
        what: LogMove,
        institution: Option<InstitutionSel>,
        cause: Cause,
        value: Option<String>,
    ) {
        if what.is_membership_change() {
            self.counters.moves += 1;
        }
        self.log.push(LogRow {
            tick,
            country,
            what,
            institution,
            cause,
            value,
        });
    }

    // ---- Moves --------------------------------------------------------------------

    /// Fills `out` with country i's moves, or returns false (`out` then incomplete) when
    /// Form would read past the sorted front of i's partner order.
    fn candidates(&self, i: u32, out: &mut Vec<Move>) -> bool {
        out.clear();
        let w = &self.world;
        let p = self.params();
        out.push(Move::Stay);
        // A bridge's members follow its parents: nobody leaves or joins it on its own.
        out.extend(
            w.memberships(i)
                .iter()
                .filter(|&&k| !self.bridging || w.agreements[k as usize].bridge().is_none())
                .map(|&k| Move::Leave(k)),
        );
        let in_cu = w.customs_union_of(i).is_some();
        if p.allow_join {
            // i's own agreements are live and ascending, as the live list is: walking both
            // at once tells membership without searching each agreement's members.
            let mut mine = w.memberships(i).iter().peekable();
            for &k in w.live_agreements() {
                if mine.next_if_eq(&&k).is_some() {
                    continue;
                }
                let a = &w.agreements[k as usize];
                if self.bridging && a.bridge().is_some() {
                    continue;
                }
                if in_cu && a.spec.kind == Kind::CustomsUnion {
                    continue;
                }
                if w.in_reach(i, k) {
                    out.push(Move::Join(k));
                }
            }
        }
        let cu_template = w.new_agreement.kind == Kind::CustomsUnion;
        if p.allow_form && !(cu_template && in_cu) {
            let mut found = 0;
            let order = &self.nearest[i as usize];
            for &j in &order[..self.nearest_sorted[i as usize]] {
                if found == p.partners_considered {
                    break;
                }
                if w.share(i, j) || (cu_template && w.customs_union_of(j).is_some()) {
                    continue;
                }
                out.push(Move::Form(j));
                found += 1;
            }
            if found < p.partners_considered && self.nearest_sorted[i as usize] < order.len() {
                return false;
            }
        }
        if w.in_m[i as usize] {
            out.push(Move::LeaveM);
        } else if !w.locked[i as usize] {
            out.push(Move::JoinM);
        }
        if p.public_goods.is_some() {
            out.push(if w.in_g[i as usize] {
                Move::LeaveG
            } else {
                Move::JoinG
            });
        }
        // Last, so that switching bridges on leaves every other move's rank unchanged.
        if p.bridges {
            self.bridge_candidates(i, out);
        }
        true
    }

    /// `Bridge(a, b)` moves of country i, by ascending (a, b): every pair of live
    /// agreements, neither a bridge, one of them i's, not yet bridged, neither holding
    /// all of the other's members, whose nearest members are within the bridge reach.
    fn bridge_candidates(&self, i: u32, out: &mut Vec<Move>) {
        let w = &self.world;
        let mut pairs: Vec<(u32, u32)> = Vec::new();
        for &k in w.memberships(i) {
            if w.agreements[k as usize].bridge().is_some() {
                continue;
            }
            for l in 0..w.agreements.len() as u32 {
                if l != k {
                    pairs.push((k.min(l), k.max(l)));
                }
            }
        }
        pairs.sort_unstable();
        pairs.dedup();
        out.extend(
            pairs
                .into_iter()
                .filter(|&(a, b)| self.can_bridge(i, a, b))
                .map(|(a, b)| Move::Bridge(a, b)),
        );
    }

    /// Whether i may propose a bridge of agreements a < b now (`bridge_candidates`).
    fn can_bridge(&self, i: u32, a: u32, b: u32) -> bool {
        let w = &self.world;
        let (x, y) = (&w.agreements[a as usize], &w.agreements[b as usize]);
        let within =
            |inner: &[u32], outer: &[u32]| inner.iter().all(|m| outer.binary_search(m).is_ok());
        x.is_live()
            && y.is_live()
            && x.bridge().is_none()
            && y.bridge().is_none()
            && (x.members().binary_search(&i).is_ok() || y.members().binary_search(&i).is_ok())
            && !within(x.members(), y.members())
            && !within(y.members(), x.members())
            && w.bridge_between(a, b).is_none()
            && w.distance_between(a, b) <= w.bridge_agreement.reach
    }

    /// Whether a move is still structurally possible (used by Synchronous updating).
    fn still_possible(&self, i: u32, mv: Move) -> bool {
        let w = &self.world;
        match mv {
            Move::Stay => true,
            Move::Bridge(a, b) => self.can_bridge(i, a, b),
            Move::Leave(k) => w.memberships(i).contains(&k),
            Move::Join(k) => {
                let a = &w.agreements[k as usize];
                a.is_live()
                    && a.members().binary_search(&i).is_err()
                    && !(a.spec.kind == Kind::CustomsUnion && w.customs_union_of(i).is_some())
                    && w.in_reach(i, k)
            }
            Move::Form(j) => {
                let cu = w.new_agreement.kind == Kind::CustomsUnion;
                !w.share(i, j)
                    && !(cu && (w.customs_union_of(i).is_some() || w.customs_union_of(j).is_some()))
            }
            Move::JoinM => !w.in_m[i as usize],
            Move::LeaveM => w.in_m[i as usize],
            Move::JoinG => !w.in_g[i as usize],
            Move::LeaveG => w.in_g[i as usize],
        }
    }

    /// The primitive ops of move `mv` by country i, into `ops`.
    fn ops_of(&self, i: u32, mv: Move, ops: &mut Vec<Op>) {
        ops.clear();
        let w = &self.world;
        let linked = self
            .params()
            .public_goods
            .is_some_and(|g| g.linked_to_trade);
        match mv {
            Move::Stay => {}
            Move::Leave(k) => {
                let members = w.agreements[k as usize].members();
                ops.push(Op::RemoveMember(k, i));
                let dissolves = members.len() == 2;
                if dissolves {
                    let other = if members[0] == i {
                        members[1]
                    } else {
                        members[0]
                    };
                    ops.push(Op::RemoveMember(k, other));
                    ops.push(Op::SetDissolved(k, Some(w.tick)));
                }
                if self.bridging {
                    for (br, [p, q]) in w.bridges_of(k) {
                        let bridge = w.agreements[br as usize].members();
                        if dissolves {
                            // A bridge without one of its two blocs links nothing.
                            for &m in bridge {
                                ops.push(Op::RemoveMember(br, m));
                            }
                            ops.push(Op::SetDissolved(br, Some(w.tick)));
                        } else {
                            let other = if p == k { q } else { p };
                            let stays = w.agreements[other as usize]
                                .members()
                                .binary_search(&i)
                                .is_ok();
                            if !stays {
                                ops.push(Op::RemoveMember(br, i));
                            }
                        }
                    }
                }
            }
            Move::Join(k) => {
                ops.push(Op::AddMember(k, i));
                if self.bridging {
                    // A new member inherits its bloc's bridges, as new EU members inherit
                    // the EU's FTAs.
                    for (br, _) in w.bridges_of(k) {
                        if w.agreements[br as usize]
                            .members()
                            .binary_search(&i)
                            .is_err()
                        {
                            ops.push(Op::AddMember(br, i));
                        }
                    }
                }
            }
            Move::Form(j) => ops.push(Op::Found(i, j)),
            Move::Bridge(a, b) => ops.push(Op::Bridge(a, b)),
            Move::JoinM => {
                ops.push(Op::SetM(i, true));
                if linked && !w.in_g[i as usize] {
                    ops.push(Op::SetG(i, true));
                }
            }
            Move::LeaveM => ops.push(Op::SetM(i, false)),
            Move::JoinG => ops.push(Op::SetG(i, true)),
            Move::LeaveG => {
                ops.push(Op::SetG(i, false));
                if linked && w.in_m[i as usize] {
                    ops.push(Op::SetM(i, false));
                }
            }
        }
    }

    /// Who must be asked, besides the mover, for a move to be accepted; the member who
    /// last objected to the same move comes first.
    fn voters(&self, i: u32, mv: Move, out: &mut Vec<u32>) {
        out.clear();
        out.push(i);
        let w = &self.world;
        match mv {
            Move::Join(k) if w.agreements[k as usize].spec.rule != MemberRule::Open => {
                out.extend_from_slice(w.agreements[k as usize].members());
                ask_first(&mut out[1..], self.vetoer_of(mv));
            }
            Move::Form(j) => out.push(j),
            Move::Bridge(a, b) => {
                // Every member of each side votes by that side's rule (the mover too,
                // as queried[0]).
                let start = out.len();
                for k in [a, b] {
                    out.extend(
                        w.agreements[k as usize]
                            .members()
                            .iter()
                            .filter(|&&m| m != i),
                    );
                }
                out[start..].sort_unstable();
                let mut kept = start;
                for x in start..out.len() {
                    if x == start || out[x] != out[kept - 1] {
                        out[kept] = out[x];
                        kept += 1;
                    }
                }
                out.truncate(kept);
            }
            Move::JoinM if w.accession_rule != AccessionRule::Open => {
                out.extend(w.m_members());
                ask_first(&mut out[1..], self.m_vetoer);
            }
            _ => {}
        }
    }

    /// Whether [`Sim::voters`] would list anyone besides the mover, without listing them:
    /// under best response most moves fail the bar on the mover's own gain, and their
    /// voters are never asked.
    fn has_voters(&self, i: u32, mv: Move) -> bool {
        let w = &self.world;
        match mv {
            Move::Join(k) => {
                let side = &w.agreements[k as usize];
                side.spec.rule != MemberRule::Open && !side.members().is_empty()
            }
            Move::Form(_) => true,
            Move::Bridge(a, b) => [a, b]
                .into_iter()
                .any(|k| w.agreements[k as usize].members().iter().any(|&m| m != i)),
            Move::JoinM => w.accession_rule != AccessionRule::Open && w.in_m.contains(&true),
            _ => false,
        }
    }

    fn vetoer_of(&self, mv: Move) -> u32 {
        match mv {
            Move::Join(k) => self.vetoer.get(k as usize).copied().unwrap_or(NOBODY),
            Move::JoinM => self.m_vetoer,
            _ => NOBODY,
        }
    }

    /// Remembers the first voter (after the mover) who lost under the last evaluation.
    fn remember_vetoer(&mut self, mv: Move) {
        let Some(q) = self
            .deltas
            .iter()
            .skip(1)
            .position(|&d| d < -GAIN_TOLERANCE)
        else {
            return;
        };
        let who = self.queried[q + 1];
        match mv {
            Move::Join(k) => {
                let k = k as usize;
                if self.vetoer.len() <= k {
                    self.vetoer.resize(k + 1, NOBODY);
                }
                self.vetoer[k] = who;
            }
            Move::JoinM => self.m_vetoer = who,
            _ => {}
        }
    }

    /// ΔU of the first `first` queried countries under `ops`, checked against a
    /// from-scratch computation when the scenario asks for it.
    ///
    /// With `stop_after`, evaluation ends once that many voters (queried countries after
    /// the first) lose: the vote is lost whatever the others say.
    fn evaluate(&mut self, ops: &[Op], first: usize, stop_after: Option<usize>) {
        self.evaluate_given_mover(ops, first, None, stop_after);
    }

    /// [`Sim::evaluate`], given `mover`: the first queried country's ΔU under `ops` from
    /// the evaluation just made of it alone (the engine need not compute it again). It is
    /// checked against the from-scratch value like every other.
    fn evaluate_given_mover(
        &mut self,
        ops: &[Op],
        first: usize,
        mover: Option<f64>,
        stop_after: Option<usize>,
    ) {
        // The fields are borrowed apart, so nothing is moved out and back per trial.
        let queried = &self.queried[..first.min(self.queried.len())];
        let deltas = &mut self.deltas;
        let stop = stop_after.map(|limit| (limit, GAIN_TOLERANCE));
        self.engine.deltas_given_first(
            &mut self.world,
            &self.spec.params,
            ops,
            queried,
            mover,
            stop,
            deltas,
        );
        if self.spec.params.check_incremental {
            let before = payoffs_from_scratch(&self.world, &self.spec.params);
            let mut trial = self.world.clone();
            for &op in ops {
                trial.apply(op);
            }
            let after = payoffs_from_scratch(&trial, &self.spec.params);
            for (q, &c) in queried.iter().enumerate().take(deltas.len()) {
                let exact = after[c as usize].total() - before[c as usize].total();
                assert!(
                    (exact - deltas[q]).abs() <= 1e-9 * (1.0 + exact.abs()),
                    "incremental ΔU of country {c} under {ops:?}: {} vs from scratch {exact}",
                    deltas[q]
                );
            }
        }
    }

    /// Evaluates a move: Some(net gain of the mover) if it is accepted, None if not.
    ///
    /// With `bar`, a move whose net gain cannot exceed it is dropped before anyone else
    /// is asked: under best response it could not be chosen whatever the votes.
    fn assess(&mut self, i: u32, mv: Move, bar: Option<f64>) -> Option<f64> {
        if mv == Move::Stay {
            return Some(0.0);
        }
        if mv == Move::LeaveM && self.spec.params.check_incremental {
            self.check_exit_pass(i);
        }
        // An exit whose bound cannot beat the bar needs no exact evaluation: first the
        // bound from its own row, then that bound lowered by its largest export markets.
        if let (Move::LeaveM, Some(bar)) = (mv, bar)
            && let Some(bound) = self
                .engine
                .leave_m_bound(&mut self.world, &self.spec.params, i)
        {
            let cost = self.params().switching_cost;
            if bound - cost <= bar {
                return None;
            }
            let tighter = bound
                + self
                    .engine
                    .leave_m_export_bound(&mut self.world, &self.spec.params, i);
            if tighter - cost <= bar {
                if self.spec.params.check_incremental {
                    self.check_bound(i, Op::SetM(i, false), tighter);
                }
                return None;
            }
        }
        // A founding whose bound cannot beat the bar needs no exact evaluation either.
        if let (Move::Form(j), Some(bar)) = (mv, bar)
            && let Some(bound) = self
                .engine
                .form_mover_bound(&self.world, &self.spec.params, i, j)
            && bound - self.params().switching_cost <= bar
        {
            if self.spec.params.check_incremental {
                self.check_bound(i, Op::Found(i, j), bound);
            }
            return None;
        }
        let mut ops = std::mem::take(&mut self.ops);
        self.ops_of(i, mv, &mut ops);
        let mut mover = None;
        if let Some(bar) = bar
            && self.has_voters(i, mv)
        {
            // The mover alone first; its voters are listed only if its gain beats the bar.
            self.queried.clear();
            self.queried.push(i);
            self.evaluate(&ops, 1, None);
            if self.deltas[0] - self.params().switching_cost <= bar {
                self.ops = ops;
                return None;
            }
            mover = Some(self.deltas[0]);
        }
        let mut queried = std::mem::take(&mut self.queried);
        self.voters(i, mv, &mut queried);
        debug_assert!(bar.is_none() || mover.is_some() == (queried.len() > 1));
        let voters = queried.len() - 1;
        let unanimity_or_majority =
            |unanimity: bool| Some(if unanimity { 1 } else { voters.div_ceil(2) });
        let stop_after = match mv {
            Move::Join(k) => match self.world.agreements[k as usize].spec.rule {
                MemberRule::Open => None,
                MemberRule::Unanimity => unanimity_or_majority(true),
                MemberRule::Majority => unanimity_or_majority(false),
            },
            // With one voice a member's loss can be outvoted inside its union.
            Move::JoinM if self.params().one_voice => None,
            Move::JoinM => match self.world.accession_rule {
                AccessionRule::Open => None,
                AccessionRule::Consensus => unanimity_or_majority(true),
                AccessionRule::Majority => unanimity_or_majority(false),
            },
            _ => None,
        }
        .filter(|_| voters > 0);
        self.queried = queried;
        self.evaluate_given_mover(&ops, usize::MAX, mover, stop_after);
        self.ops = ops;
        let d = &self.deltas;
        let gains = |from: usize| d[from..].iter().filter(|&&x| x >= -GAIN_TOLERANCE).count();
        let voters = d.len() - 1;
        // M's members, customs unions speaking as one when `one_voice` is on.
        let gains_m = || {
            if self.params().one_voice {
                self.ballots(1).iter().filter(|&&yes| yes).count()
            } else {
                gains(1)
            }
        };
        let accepted = match mv {
            Move::Join(k) => match self.world.agreements[k as usize].spec.rule {
                MemberRule::Open => true,
                MemberRule::Unanimity => gains(1) == voters,
                MemberRule::Majority => 2 * gains(1) > voters,
            },
            Move::Form(_) => d[1] > GAIN_TOLERANCE,
            Move::Bridge(a, b) => self.sides_accept(a, b),
            Move::JoinM => match self.world.accession_rule {
                AccessionRule::Open => true,
                AccessionRule::Consensus => gains_m() == voters,
                // An empty M has nobody to object.
                AccessionRule::Majority => voters == 0 || 2 * gains_m() > voters,
            },
            _ => true,
        };
        if !accepted {
            self.remember_vetoer(mv);
        }
        accepted.then(|| self.deltas[0] - self.params().switching_cost)
    }

    /// Whether both sides of a bridge accept it, each by its own admission rule, from
    /// the ΔU of every member just evaluated (`queried` and `deltas`).
    fn sides_accept(&self, a: u32, b: u32) -> bool {
        [a, b].into_iter().all(|k| {
            let side = &self.world.agreements[k as usize];
            let members = side.members();
            let gains = self
                .queried
                .iter()
                .zip(&self.deltas)
                .filter(|&(c, &d)| members.binary_search(c).is_ok() && d >= -GAIN_TOLERANCE)
                .count();
            match side.spec.rule {
                MemberRule::Open => true,
                MemberRule::Unanimity => gains == members.len(),
                MemberRule::Majority => 2 * gains > members.len(),
            }
        })
    }

    /// The move country i would choose now and its net gain (0 for Stay), without
    /// applying it: the calibration's rest-point check. Under `Logit` it draws one uniform
    /// from the world's stream, so use it on worlds that are not run on afterwards.
    pub fn preview(&mut self, i: u32) -> (Move, f64) {
        let mv = self.choose(i);
        (mv, self.assess(i, mv, None).unwrap_or(0.0))
    }

    /// The move country i chooses now.
    fn choose(&mut self, i: u32) -> Move {
        // A best response depends on nothing but the state: if nothing changed since this
        // country last chose, it chooses the same again. (Logit draws, so it never reuses.)
        let best_response = self.params().choice == Choice::BestResponse;
        if best_response
            && let (version, mv) = self.last_choice[i as usize]
            && version == self.version
        {
            return mv;
        }
        let mut cands = std::mem::take(&mut self.cands);
        if !self.candidates(i, &mut cands) {
            let order = &mut self.nearest[i as usize];
            *order = nearest_partners(&self.world, i, order.len());
            self.nearest_sorted[i as usize] = order.len();
            let complete = self.candidates(i, &mut cands);
            debug_assert!(complete, "a fully sorted order is never walked past");
        }
        let mv = self.choose_among(i, &cands);
        self.cands = cands;
        if best_response {
            self.last_choice[i as usize] = (self.version, mv);
        }
        mv
    }

    fn choose_among(&mut self, i: u32, cands: &[Move]) -> Move {
        match self.params().choice {
            Choice::BestResponse => {
                let (mut best, mut best_net) = (Move::Stay, GAIN_TOLERANCE);
                for &mv in &cands[1..] {
                    if let Some(net) = self.assess(i, mv, Some(best_net))
                        && net > best_net
                    {
                        best = mv;
                        best_net = net;
                    }
                }
                best
            }
            Choice::Logit { beta } => {
                let mut feasible: Vec<(Move, f64)> = Vec::with_capacity(cands.len());
                for &mv in cands {
                    if let Some(net) = self.assess(i, mv, None) {
                        feasible.push((mv, net));
                    }
                }
                let top = feasible
                    .iter()
                    .map(|f| beta * f.1)
                    .fold(f64::NEG_INFINITY, f64::max);
                let weights: Vec<f64> = feasible
                    .iter()
                    .map(|f| crate::math::exp(beta * f.1 - top))
                    .collect();
                let total: f64 = weights.iter().sum();
                let mut u = self.rng.unit() * total;
                for (f, w) in feasible.iter().zip(&weights) {
                    if u < *w {
                        return f.0;
                    }
                    u -= w;
                }
                feasible.last().map_or(Move::Stay, |f| f.0)
            }
        }
    }

    /// Panics if the exact ΔU of country i's move `op` (an exit from M or a founding)
    /// exceeds `bound`, the bound that just let best response skip it.
    fn check_bound(&mut self, i: u32, op: Op, bound: f64) {
        self.ops.clear();
        self.ops.push(op);
        let ops = std::mem::take(&mut self.ops);
        self.queried.clear();
        self.queried.push(i);
        self.evaluate(&ops, 1, None);
        self.ops = ops;
        assert!(
            self.deltas[0] <= bound,
            "{op:?} by country {i}: ΔU {} above the bound {bound} that skipped it at tick {}",
            self.deltas[0],
            self.world.tick
        );
    }

    /// Panics if the row pass the engine keeps for country i's exit from M is not, bit
    /// for bit, the pass computed afresh: a commit failed to forget it.
    fn check_exit_pass(&mut self, i: u32) {
        let params = &self.spec.params;
        if let Some([kept, afresh]) =
            self.engine
                .exit_pass_kept_and_afresh(&mut self.world, params, i)
        {
            let bits = |(a, b): (f64, f64)| (a.to_bits(), b.to_bits());
            assert!(
                bits(kept) == bits(afresh),
                "kept exit pass of country {i} {kept:?} vs afresh {afresh:?} at tick {}",
                self.world.tick
            );
        }
    }

    fn commit_ops(&mut self, ops: &[Op]) {
        self.changed = true;
        self.version += 1;
        self.engine.commit(&mut self.world, &self.spec.params, ops);
        if self.spec.params.check_incremental {
            if let Err(e) = self.world.check_invariants() {
                panic!("invariant broken after {ops:?}: {e}");
            }
            if let Err(e) = self
                .engine
                .check_against_scratch(&self.world, &self.spec.params)
            {
                panic!("incremental state diverged after {ops:?}: {e}");
            }
        }
    }

    /// Applies a move for good and logs every membership change it makes.
    fn commit_move(&mut self, i: u32, mv: Move, cause: Cause) {
        let mut ops = std::mem::take(&mut self.ops);
        self.ops_of(i, mv, &mut ops);
        let tick = self.world.tick;
        let new_id = self.world.agreements.len() as u32;
        self.commit_ops(&ops);
        let agreement = |k| Some(InstitutionSel::Agreement(k));
        for op in &ops {
            match *op {
                Op::AddMember(k, c) => {
                    self.log_row(tick, Some(c), LogMove::Join, agreement(k), cause, None)
                }
                Op::RemoveMember(k, c) => {
                    let what = if c == i {
                        LogMove::Leave
                    } else {
                        LogMove::Dissolve
                    };
                    self.log_row(tick, Some(c), what, agreement(k), cause, None);
                }
                Op::Found(a, b) => {
                    self.log_row(tick, Some(a), LogMove::Form, agreement(new_id), cause, None);
                    self.log_row(tick, Some(b), LogMove::Form, agreement(new_id), cause, None);
                }
                Op::Bridge(..) => {
                    let members = self.world.agreements[new_id as usize].members().to_vec();
                    for c in members {
                        self.log_row(
                            tick,
                            Some(c),
                            LogMove::Bridge,
                            agreement(new_id),
                            cause,
                            None,
                        );
                    }
                }
                Op::SetM(c, on) => {
                    let what = if on { LogMove::JoinM } else { LogMove::LeaveM };
                    self.log_row(tick, Some(c), what, Some(InstitutionSel::M), cause, None);
                }
                Op::SetG(c, on) => {
                    let what = if on { LogMove::JoinG } else { LogMove::LeaveG };
                    self.log_row(tick, Some(c), what, Some(InstitutionSel::G), cause, None);
                }
                Op::SetTm(_)
                | Op::SetWall(..)
                | Op::SetDissolved(..)
                | Op::Unfound
                | Op::SetDecisionRule(_)
                | Op::SetAccessionRule(_)
                | Op::SetMemberRule(..)
                | Op::SetLocked(..)
                | Op::SetGdp(..)
                | Op::SetTick(_) => {}
            }
        }
        self.ops = ops;
    }

    fn activate(&mut self) {
        let n = self.world.n();
        // The buffer of last tick's order, refilled with the identity the shuffle starts from.
        let mut order = std::mem::take(&mut self.order);
        order.clear();
        order.extend(0..n as u32);
        self.rng.shuffle(&mut order);
        let k = ((self.params().activation_rate * n as f64).ceil() as usize).clamp(1, n);
        order.truncate(k);
        match self.params().update {
            Update::Sequential => {
                for &i in &order {
                    let mv = self.choose(i);
                    if mv != Move::Stay {
                        self.commit_move(i, mv, Cause::Choice);
                    }
                }
            }
            Update::Synchronous => {
                let mut chosen: Vec<(u32, Move)> =
                    order.iter().map(|&i| (i, self.choose(i))).collect();
                chosen.sort_by_key(|c| c.0);
                for (i, mv) in chosen {
                    if mv != Move::Stay
                        && self.still_possible(i, mv)
                        && self.assess(i, mv, None).is_some()
                    {
                        self.commit_move(i, mv, Cause::Choice);
                    }
                }
            }
        }
        self.order = order;
    }

    // ---- Rounds -------------------------------------------------------------------

    fn hold_round(&mut self) {
        let p = &self.spec.params;
        let tick = self.world.tick;
        if tick == 0 || !tick.is_multiple_of(p.round_every) || self.world.t_m <= 0.0 {
            return;
        }
        let mut members = std::mem::take(&mut self.queried);
        members.clear();
        members.extend(self.world.m_members());
        if members.is_empty() {
            self.queried = members;
            return;
        }
        let proposal = (self.world.t_m - p.round_cut).max(0.0);
        let noise = p.gridlock_noise;
        let m = members.len();
        // Losses are counted from the second member on, so the limit is one that makes
        // the round fail whatever the first member votes.
        // With one voice a member's loss can be outvoted inside its union, so every
        // ballot is needed: no early stop.
        let stop_after = match self.world.decision_rule {
            _ if p.one_voice => None,
            DecisionRule::Consensus => Some(1),
            DecisionRule::Supermajority(q) => Some((m as f64 * (1.0 - q)).floor() as usize + 1),
        };
        self.queried = members;
        // Losses count from the second member on, so the last objector is asked second.
        if m > 1 {
            ask_first(&mut self.queried[1..], self.round_vetoer);
        }
        self.evaluate(&[Op::SetTm(proposal)], usize::MAX, stop_after);
        let ballots = self.ballots(0);
        if let Some(q) = ballots.iter().position(|&yes| !yes) {
            self.round_vetoer = self.queried[q];
        }
        let yes = ballots.iter().filter(|&&yes| yes).count();
        let mut passes = match self.world.decision_rule {
            DecisionRule::Consensus => yes == m,
            DecisionRule::Supermajority(q) => yes as f64 >= q * m as f64,
        };
        let carried = passes;
        if passes && noise > 0.0 {
            let fail = 1.0 - crate::math::exp(-noise * (m as f64 - 1.0));
            passes = self.rng.unit() >= fail;
        }
        let first_no = ballots.iter().position(|&yes| !yes);
        let no_votes = (ballots.len() - yes) as u32;
        self.rounds.push(RoundRecord {
            tick,
            from: self.world.t_m,
            proposal,
            members: m as u32,
            no_votes,
            first_no: first_no.map(|q| self.queried[q]),
            passed: passes,
            noise_failed: carried && !passes,
        });
        if passes {
            self.commit_ops(&[Op::SetTm(proposal)]);
            self.counters.rounds_passed += 1;
        } else {
            self.counters.rounds_failed += 1;
        }
    }
}

impl Sim {
    /// The ballots of the evaluated countries from `from` on, in M's votes: yes when
    /// ΔU ≥ −1e-12; with `one_voice`, the members of each customs union among them then
    /// all cast the ballot their union decides by its own rule (ODD.md section 7.5).
    fn ballots(&self, from: usize) -> Vec<bool> {
        let deltas = &self.deltas[from..];
        let mut ballots: Vec<bool> = deltas.iter().map(|&d| d >= -GAIN_TOLERANCE).collect();
        if !self.params().one_voice {
            return ballots;
        }
        let w = &self.world;
        let unions: Vec<Option<u32>> = self.queried[from..from + deltas.len()]
            .iter()
            .map(|&c| w.customs_union_of(c))
            .collect();
        for (q, &union) in unions.iter().enumerate() {
            // Each union is decided once, at its first voter in the list.
            let Some(k) = union else { continue };
            if unions[..q].contains(&union) {
                continue;
            }
            let bloc: Vec<usize> = (q..unions.len()).filter(|&r| unions[r] == union).collect();
            let gains = bloc.iter().filter(|&&r| ballots[r]).count();
            let yes = match w.agreements[k as usize].spec.rule {
                MemberRule::Unanimity => gains == bloc.len(),
                // An open union needs nobody's consent to admit, but a common position
                // still needs one: a majority, as in a Majority union.
                MemberRule::Majority | MemberRule::Open => 2 * gains > bloc.len(),
            };
            for r in bloc {
                ballots[r] = yes;
            }
        }
        ballots
    }
}

/// No remembered voter.
const NOBODY: u32 = u32::MAX;

/// Moves `who`, if listed, to the front of `voters` (the rest keep no particular order).
fn ask_first(voters: &mut [u32], who: u32) {
    if let Some(p) = voters.iter().position(|&v| v == who) {
        voters.swap(0, p);
    }
}

/// The starting memberships as tick-0 rows, so that `events.csv` replays the history.
fn initial_log(world: &World) -> Vec<LogRow> {
    let row = |country, what, institution| LogRow {
        tick: 0,
        country: Some(country),
        what,
        institution: Some(institution),
        cause: Cause::Initial,
        value: None,
    };
    let mut log: Vec<LogRow> = world
        .m_members()
        .map(|i| row(i, LogMove::JoinM, InstitutionSel::M))
        .collect();
    log.extend(
        (0..world.n() as u32)
            .filter(|&i| world.in_g[i as usize])
            .map(|i| row(i, LogMove::JoinG, InstitutionSel::G)),
    );
    for (k, a) in world.agreements.iter().enumerate() {
        log.extend(
            a.members()
                .iter()
                .map(|&m| row(m, LogMove::Join, InstitutionSel::Agreement(k as u32))),
        );
    }
    log
}

/// Runs world `world_index` of a scenario to its end.
pub fn run_world(spec: &WorldSpec, master_seed: u64, world_index: u64) -> WorldResult {
    Sim::new(spec, master_seed, world_index).run()
}
