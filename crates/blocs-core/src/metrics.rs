//! Observation: the per-tick metrics and the outcome class of a world (ODD.md section 7.6).
//!
//! Pure functions of a world and its committed payoff engine; nothing here changes state.

use crate::model::{OutcomeThresholds, World};
use crate::payoff::Engine;

/// Declares the metric columns once: each line gives a column's name, its type (`u32`
/// for counts, `f64` otherwise) and its doc comment. From that list come the [`Metrics`]
/// struct, [`METRIC_COLUMNS`] (the header of `timeseries.csv` and every table that carries
/// metrics, and what plots and sweeps look columns up by), [`Metrics::values`] (the
/// writer) and [`Metrics::get`] (the reader by name), so they cannot drift apart; a test
/// checks that README's table of `timeseries.csv` lists the same columns in the same order.
macro_rules! metrics {
    ($($(#[doc = $doc:literal])* $name:ident: $ty:ty,)*) => {
        /// The metrics of one tick, in the column order of `timeseries.csv`.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct Metrics {
            /// The tick.
            pub tick: u32,
            $($(#[doc = $doc])* pub $name: $ty,)*
            /// GDP share of G's members (public-goods module only), written after the
            /// other columns when present.
            pub g_share: Option<f64>,
        }

        /// Names of the metric columns, in order (without `g_share`).
        pub const METRIC_COLUMNS: [&str; [$(stringify!($name)),*].len()] =
            [$(stringify!($name)),*];

        impl Metrics {
            /// The metric values as strings, in [`METRIC_COLUMNS`] order, then `g_share` if
            /// present.
            pub fn values(&self) -> Vec<String> {
                let mut v = vec![$(Column::text(self.$name)),*];
                if let Some(g) = self.g_share {
                    v.push(fmt(g));
                }
                v
            }

            /// A metric by column name (for summaries and sweeps).
            pub fn get(&self, name: &str) -> Option<f64> {
                Some(match name {
                    $(stringify!($name) => Column::value(self.$name),)*
                    "g_share" => self.g_share?,
                    _ => return None,
                })
            }
        }
    };
}

metrics! {
    /// GDP share of M's members.
    m_share: f64,
    /// Number of M's members.
    m_count: u32,
    /// M's bound tariff.
    t_m: f64,
    /// Effectiveness of M.
    e_m: f64,
    /// GDP share of M's members that comply fully, within M.
    compliance: f64,
    /// Rounds passed so far.
    rounds_passed: u32,
    /// Rounds failed so far.
    rounds_failed: u32,
    /// Live agreements.
    agreements: u32,
    /// GDP share of countries in at least one agreement.
    coverage: f64,
    /// Mean number of agreements per covered country.
    overlap: f64,
    /// GDP-product-weighted share of ordered pairs trading at zero tariff.
    free_share: f64,
    /// 1 / Σ S_b² over blocs, S_b a bloc's share of covered GDP.
    effective_blocs: f64,
    /// GDP-product-weighted mean tariff between covered countries of different blocs.
    bloc_wall: f64,
    /// GDP-product-weighted mean tariff over all ordered pairs.
    mean_tariff: f64,
    /// Share of live agreements spanning more than one region.
    cross_regional: f64,
    /// Connected components of the graph of covered countries sharing an agreement.
    components: u32,
    /// GDP share of the largest such component.
    giant: f64,
    /// Σ U_i.
    welfare: f64,
    /// min over i of (U_i − U_i at the start) / y_i.
    worst_gain: f64,
    /// GDP share of countries in no agreement and outside M.
    excluded: f64,
    /// Membership changes this tick.
    moves: u32,
}

/// How a metric's type is written and read: counts as integers, the rest as floats.
trait Column: Copy {
    fn text(self) -> String;
    fn value(self) -> f64;
}

impl Column for f64 {
    fn text(self) -> String {
        fmt(self)
    }

    fn value(self) -> f64 {
        self
    }
}

impl Column for u32 {
    fn text(self) -> String {
        self.to_string()
    }

    fn value(self) -> f64 {
        f64::from(self)
    }
}

/// Floats in output tables: Rust's shortest round-trip form, identical on every platform.
pub fn fmt(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else {
        format!("{x}")
    }
}

/// The outcome class of a finished world.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// free_share ≥ 0.95.
    GlobalFreeTrade,
    /// A working multilateral core with regional bodies nested in it.
    NetworkedOrder,
    /// A working multilateral core with little regionalism.
    MultilateralCore,
    /// Walled blocs and a weak M.
    RivalBlocs,
    /// Anything else.
    Fragmented,
}

impl Outcome {
    /// All classes, in reporting order.
    pub const ALL: [Outcome; 5] = [
        Outcome::GlobalFreeTrade,
        Outcome::NetworkedOrder,
        Outcome::MultilateralCore,
        Outcome::RivalBlocs,
        Outcome::Fragmented,
    ];

    /// The name used in output tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::GlobalFreeTrade => "GlobalFreeTrade",
            Outcome::NetworkedOrder => "NetworkedOrder",
            Outcome::MultilateralCore => "MultilateralCore",
            Outcome::RivalBlocs => "RivalBlocs",
            Outcome::Fragmented => "Fragmented",
        }
    }

    /// Classifies final metrics; the first class whose condition holds wins.
    pub fn classify(m: &Metrics, t: &OutcomeThresholds, t_n: f64) -> Outcome {
        let core = m.m_share >= t.core && m.e_m >= t.core;
        if m.free_share >= t.free_trade {
            Outcome::GlobalFreeTrade
        } else if core && m.coverage >= t.coverage {
            Outcome::NetworkedOrder
        } else if core {
            Outcome::MultilateralCore
        } else if (m.m_share < t.weak_m || m.e_m < t.weak_m)
            && m.effective_blocs >= t.blocs
            && m.bloc_wall >= t.wall_share_of_tn * t_n
        {
            Outcome::RivalBlocs
        } else {
            Outcome::Fragmented
        }
    }
}

/// Primary bloc of every country: the agreement containing it with the largest total
/// GDP, ties to the lowest id; `None` for uncovered countries.
pub fn primary_blocs(world: &World) -> Vec<Option<u32>> {
    let gdp: Vec<f64> = world
        .agreements
        .iter()
        .map(|a| {
            a.members()
                .iter()
                .map(|&m| world.countries[m as usize].gdp)
                .sum()
        })
        .collect();
    (0..world.n() as u32)
        .map(|i| {
            let mut best: Option<u32> = None;
            for &k in world.memberships(i) {
                if best.is_none_or(|b| gdp[k as usize] > gdp[b as usize]) {
                    best = Some(k);
                }
            }
            best
        })
        .collect()
}

/// Counters the scheduler keeps for the metrics.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Rounds passed so far.
    pub rounds_passed: u32,
    /// Rounds failed so far.
    pub rounds_failed: u32,
    /// Membership changes this tick.
    pub moves: u32,
}

/// Computes every metric of the world as it is.
pub fn measure(
    world: &World,
    engine: &Engine,
    initial_u: &[f64],
    counters: Counters,
    with_g: bool,
) -> Metrics {
    let n = world.n();
    let y: Vec<f64> = world.countries.iter().map(|c| c.gdp).collect();
    let total: f64 = y.iter().sum();
    let policy = engine.policy();
    let m_gdp: f64 = (0..n).filter(|&i| world.in_m[i]).map(|i| y[i]).sum();
    let compliant: f64 = (0..n)
        .filter(|&i| world.in_m[i] && policy.compliance[i] >= 1.0)
        .map(|i| y[i])
        .sum();
    let covered = |i: usize| !world.memberships(i as u32).is_empty();
    let n_covered = (0..n).filter(|&i| covered(i)).count();
    let live: &[u32] = world.live_agreements();
    let primary = primary_blocs(world);

    // GDP-product-weighted tariff sums: the engine keeps each importer's row sums, so
    // only the bloc wall needs a pass over pairs, and only over covered countries.
    let (mut all_w, mut free_w, mut tariff_w) = (0.0, 0.0, 0.0);
    for (i, &yi) in y.iter().enumerate() {
        let (tau_y, free_y) = engine.tariff_sums(i as u32);
        all_w += yi * (total - yi);
        free_w += yi * free_y;
        tariff_w += yi * tau_y;
    }
    let bloc: Vec<i64> = primary.iter().map(|b| b.map_or(-1, i64::from)).collect();
    let (wall_w, wall_tau) = bloc_wall_sums(&y, &bloc, |i| engine.tau_row(i as u32));

    // Blocs by primary agreement, in agreement-id order.
    let mut bloc_gdp = vec![0.0; world.agreements.len()];
    for i in 0..n {
        if let Some(b) = primary[i] {
            bloc_gdp[b as usize] += y[i];
        }
    }
    let (components, largest_component_gdp) = agreement_components(world, live, &y);
    let u = engine.utilities();
    let worst_gain = (0..n)
        .map(|i| (u[i] - initial_u[i]) / y[i])
        .fold(f64::INFINITY, f64::min);
    let gdp_of =
        |pred: &dyn Fn(usize) -> bool| -> f64 { (0..n).filter(|&i| pred(i)).map(|i| y[i]).sum() };
    Totals {
        total,
        m_gdp,
        compliant,
        covered_gdp: gdp_of(&covered),
        excluded_gdp: gdp_of(&|i| !covered(i) && !world.in_m[i]),
        g_gdp: with_g.then(|| gdp_of(&|i| world.in_g[i])),
        n_covered,
        memberships: (0..n).map(|i| world.memberships(i as u32).len()).sum(),
        all_w,
        free_w,
        tariff_w,
        wall_w,
        wall_tau,
        hhi: hhi(&bloc_gdp),
        components,
        largest_component_gdp,
        worst_gain,
    }
    .metrics(world, engine, counters)
}

/// The sums every metric is a ratio of, the same whichever pass computed them.
struct Totals {
    total: f64,
    m_gdp: f64,
    compliant: f64,
    covered_gdp: f64,
    excluded_gdp: f64,
    g_gdp: Option<f64>,
    n_covered: usize,
    memberships: usize,
    all_w: f64,
    free_w: f64,
    tariff_w: f64,
    wall_w: f64,
    wall_tau: f64,
    hhi: f64,
    components: u32,
    largest_component_gdp: f64,
    worst_gain: f64,
}

impl Totals {
    fn metrics(self, world: &World, engine: &Engine, counters: Counters) -> Metrics {
        let Totals {
            total,
            m_gdp,
            all_w,
            wall_w,
            n_covered,
            hhi,
            ..
        } = self;
        let live = world.live_agreements();
        let cross = cross_regional_count(world, live);
        Metrics {
            tick: world.tick,
            m_share: m_gdp / total,
            m_count: world.m_count() as u32,
            t_m: world.t_m,
            e_m: engine.policy().e_m,
            compliance: if m_gdp > 0.0 {
                self.compliant / m_gdp
            } else {
                0.0
            },
            rounds_passed: counters.rounds_passed,
            rounds_failed: counters.rounds_failed,
            agreements: live.len() as u32,
            coverage: self.covered_gdp / total,
            overlap: if n_covered > 0 {
                self.memberships as f64 / n_covered as f64
            } else {
                0.0
            },
            free_share: if all_w > 0.0 {
                self.free_w / all_w
            } else {
                0.0
            },
            effective_blocs: if hhi > 0.0 { 1.0 / hhi } else { 0.0 },
            bloc_wall: if wall_w > 0.0 {
                self.wall_tau / wall_w
            } else {
                0.0
            },
            mean_tariff: if all_w > 0.0 {
                self.tariff_w / all_w
            } else {
                0.0
            },
            cross_regional: if live.is_empty() {
                0.0
            } else {
                cross as f64 / live.len() as f64
            },
            components: self.components,
            giant: self.largest_component_gdp / total,
            welfare: engine.utilities().iter().sum(),
            worst_gain: if world.n() > 0 { self.worst_gain } else { 0.0 },
            excluded: self.excluded_gdp / total,
            moves: counters.moves,
            g_share: self.g_gdp.map(|g| g / total),
        }
    }
}

/// Herfindahl index of the blocs' GDP shares (blocs without GDP left out).
fn hhi(bloc_gdp: &[f64]) -> f64 {
    let covered_gdp: f64 = bloc_gdp.iter().sum();
    bloc_gdp
        .iter()
        .map(|g| (g / covered_gdp).powi(2))
        .filter(|x| x.is_finite())
        .sum()
}

/// How many live agreements have members in more than one region.
fn cross_regional_count(world: &World, live: &[u32]) -> usize {
    live.iter()
        .filter(|&&k| {
            let m = world.agreements[k as usize].members();
            let r0 = world.countries[m[0] as usize].region;
            m.iter().any(|&c| world.countries[c as usize].region != r0)
        })
        .count()
}

/// [`measure`] with its working vectors kept between calls: the scheduler measures at
/// every tick that changed something, and these buffers were most of the allocations of
/// a tick. Each sum adds the same terms in the same order, from the same start, as
/// `measure` does (its passes are merged, which changes no accumulator's sequence), so
/// the metrics are the same to the bit; a property test compares the two at every tick
/// of random runs with one `Measurer` reused throughout.
#[derive(Clone, Debug, Default)]
pub struct Measurer {
    y: Vec<f64>,
    agreement_gdp: Vec<f64>,
    bloc: Vec<i64>,
    bloc_gdp: Vec<f64>,
    wall: WallScratch,
    parent: Vec<usize>,
    comp_gdp: Vec<f64>,
}

impl Measurer {
    /// Every metric of the world as it is, bit for bit as [`measure`] computes it.
    pub fn measure(
        &mut self,
        world: &World,
        engine: &Engine,
        initial_u: &[f64],
        counters: Counters,
        with_g: bool,
    ) -> Metrics {
        let n = world.n();
        let y = &mut self.y;
        y.clear();
        y.extend(world.countries.iter().map(|c| c.gdp));
        let y = &y[..n];
        let total: f64 = y.iter().sum();
        let policy = engine.policy();
        let live: &[u32] = world.live_agreements();

        // Agreement GDPs for the primary blocs: only live agreements have members, and
        // only theirs are read.
        let agreement_gdp = &mut self.agreement_gdp;
        agreement_gdp.clear();
        agreement_gdp.resize(world.agreements.len(), 0.0);
        for &k in live {
            agreement_gdp[k as usize] = world.agreements[k as usize]
                .members()
                .iter()
                .map(|&m| y[m as usize])
                .sum();
        }

        // One pass over countries; every accumulator starts where `measure`'s own pass
        // starts it (`sum` from −0.0, the tariff sums from +0.0) and adds in id order.
        let (mut m_gdp, mut compliant, mut coverage, mut excluded, mut g_gdp) =
            (-0.0, -0.0, -0.0, -0.0, -0.0);
        let (mut all_w, mut free_w, mut tariff_w) = (0.0, 0.0, 0.0);
        let (mut n_covered, mut memberships) = (0usize, 0usize);
        let mut worst_gain = f64::INFINITY;
        let u = engine.utilities();
        let bloc = &mut self.bloc;
        bloc.clear();
        bloc.reserve(n);
        for (i, &yi) in y.iter().enumerate() {
            let mine = world.memberships(i as u32);
            let in_m = world.in_m[i];
            if in_m {
                m_gdp += yi;
                if policy.compliance[i] >= 1.0 {
                    compliant += yi;
                }
            }
            if mine.is_empty() {
                if !in_m {
                    excluded += yi;
                }
            } else {
                n_covered += 1;
                coverage += yi;
            }
            if with_g && world.in_g[i] {
                g_gdp += yi;
            }
            memberships += mine.len();
            let (tau_y, free_y) = engine.tariff_sums(i as u32);
            all_w += yi * (total - yi);
            free_w += yi * free_y;
            tariff_w += yi * tau_y;
            worst_gain = f64::min(worst_gain, (u[i] - initial_u[i]) / yi);
            let mut best: Option<u32> = None;
            for &k in mine {
                if best.is_none_or(|b| agreement_gdp[k as usize] > agreement_gdp[b as usize]) {
                    best = Some(k);
                }
            }
            bloc.push(best.map_or(-1, i64::from));
        }
        let (wall_w, wall_tau) =
            bloc_wall_sums_with(&mut self.wall, y, bloc, |i| engine.tau_row(i as u32));

        let bloc_gdp = &mut self.bloc_gdp;
        bloc_gdp.clear();
        bloc_gdp.resize(world.agreements.len(), 0.0);
        for (&b, &yi) in bloc.iter().zip(y) {
            if let Ok(b) = usize::try_from(b) {
                bloc_gdp[b] += yi;
            }
        }
        let hhi = hhi(bloc_gdp);

        let (components, largest_component_gdp) =
            components_with(&mut self.parent, &mut self.comp_gdp, world, live, y);
        Totals {
            total,
            m_gdp,
            compliant,
            covered_gdp: coverage,
            excluded_gdp: excluded,
            g_gdp: with_g.then_some(g_gdp),
            n_covered,
            memberships,
            all_w,
            free_w,
            tariff_w,
            wall_w,
            wall_tau,
            hhi,
            components,
            largest_component_gdp,
            worst_gain,
        }
        .metrics(world, engine, counters)
    }
}

/// The working vectors of [`bloc_wall_sums`], kept between calls by [`Measurer`].
#[derive(Clone, Debug, Default)]
pub struct WallScratch {
    slot_of: Vec<u32>,
    weights: Vec<f64>,
    walls: Vec<f64>,
    covered: Vec<(usize, usize)>,
    wall_t: Vec<f64>,
}

/// The bloc wall's weights and weighted tariffs, Σ_i y_i Σ_j y_j and Σ_i y_i Σ_j y_j τ_ij
/// over covered i and covered j of another primary bloc (`bloc[i]` < 0: uncovered),
/// computed bit for bit as [`bloc_wall_sums_pairwise`] does.
///
/// The pairwise pass compares blocs for every pair of covered countries and sums only the
/// pairs that differ, in ascending j. Here each bloc gets one weight vector over all N
/// countries, y_j where j counts towards that bloc's wall and +0.0 elsewhere, and a row's
/// sum runs over all j through it: adding +0.0 to a sum that is not −0.0 (these start at
/// +0.0) leaves its bits as they are, so the terms that count are added in the same order
/// with the same roundings, and the loop needs neither a comparison nor an index list.
/// A bloc's own Σ_j y_j is the same for all its members and is summed once, and rows are
/// summed four at a time: four independent chains of additions instead of one, each in
/// its own row's order.
pub fn bloc_wall_sums<'a>(
    y: &[f64],
    bloc: &[i64],
    tau_row: impl Fn(usize) -> &'a [f64],
) -> (f64, f64) {
    bloc_wall_sums_with(&mut WallScratch::default(), y, bloc, tau_row)
}

/// [`bloc_wall_sums`] in buffers kept by the caller.
pub fn bloc_wall_sums_with<'a>(
    scratch: &mut WallScratch,
    y: &[f64],
    bloc: &[i64],
    tau_row: impl Fn(usize) -> &'a [f64],
) -> (f64, f64) {
    let n = y.len();
    let bloc = &bloc[..n];
    // Blocs are agreement ids; a slot for each, in order of first member.
    let slots = bloc
        .iter()
        .copied()
        .max()
        .map_or(0, |b| (b + 1).max(0) as usize);
    let WallScratch {
        slot_of,
        weights,
        walls,
        covered,
        wall_t,
    } = scratch;
    slot_of.clear();
    slot_of.resize(slots, u32::MAX);
    weights.clear();
    walls.clear();
    covered.clear();
    for (i, &b) in bloc.iter().enumerate() {
        let Ok(b) = usize::try_from(b) else {
            continue;
        };
        if slot_of[b] == u32::MAX {
            slot_of[b] = walls.len() as u32;
            // y_j for covered j of another bloc, +0.0 for the rest, and their sum in
            // ascending j, in one pass.
            let own = bloc[i];
            let mut wall = 0.0;
            weights.extend(bloc.iter().zip(y).map(|(&bj, &yj)| {
                let w = if bj >= 0 && bj != own { yj } else { 0.0 };
                wall += w;
                w
            }));
            walls.push(wall);
        }
        covered.push((i, slot_of[b] as usize));
    }
    let weights = &weights[..];
    let term = |(i, s): (usize, usize)| (&weights[s * n..(s + 1) * n], tau_row(i));
    wall_t.clear();
    wall_t.resize(covered.len(), 0.0);
    let mut fours = covered.chunks_exact(4);
    let mut at = 0;
    for c in &mut fours {
        wall_t[at..at + 4].copy_from_slice(&dot4([c[0], c[1], c[2], c[3]].map(term)));
        at += 4;
    }
    for &c in fours.remainder() {
        let (w, r) = term(c);
        wall_t[at] = dot(w, r);
        at += 1;
    }
    // Summed over importers in id order, as the pairwise pass does.
    let (mut wall_w, mut wall_tau) = (0.0, 0.0);
    for (&(i, s), &t) in covered.iter().zip(wall_t.iter()) {
        wall_w += y[i] * walls[s];
        wall_tau += y[i] * t;
    }
    (wall_w, wall_tau)
}

/// Σ_j w_j r_j for one (weights, row) pair, in ascending j.
#[inline]
fn dot(w: &[f64], r: &[f64]) -> f64 {
    w.iter().zip(r).fold(0.0, |s, (&w, &r)| s + w * r)
}

/// [`dot`] for four pairs at once: four independent chains of additions, each in
/// ascending j as `dot` sums it.
#[inline]
fn dot4(p: [(&[f64], &[f64]); 4]) -> [f64; 4] {
    let n = p[0].0.len();
    // Slices of one length, so that the loop carries no bounds checks.
    let (w0, w1, w2, w3) = (&p[0].0[..n], &p[1].0[..n], &p[2].0[..n], &p[3].0[..n]);
    let (r0, r1, r2, r3) = (&p[0].1[..n], &p[1].1[..n], &p[2].1[..n], &p[3].1[..n]);
    let mut acc = [0.0; 4];
    for j in 0..n {
        acc[0] += w0[j] * r0[j];
        acc[1] += w1[j] * r1[j];
        acc[2] += w2[j] * r2[j];
        acc[3] += w3[j] * r3[j];
    }
    acc
}

/// [`bloc_wall_sums`] from scratch, one comparison per pair of covered countries: the
/// definition the fast pass is checked against.
pub fn bloc_wall_sums_pairwise<'a>(
    y: &[f64],
    bloc: &[i64],
    tau_row: impl Fn(usize) -> &'a [f64],
) -> (f64, f64) {
    let n = y.len();
    let covered: Vec<(usize, f64, i64)> = (0..n)
        .filter(|&i| bloc[i] >= 0)
        .map(|i| (i, y[i], bloc[i]))
        .collect();
    let (mut wall_w, mut wall_tau) = (0.0, 0.0);
    for &(i, yi, bi) in &covered {
        let row = &tau_row(i)[..n];
        let (mut wall, mut wall_t) = (0.0, 0.0);
        for &(j, yj, bj) in &covered {
            if bj != bi {
                wall += yj;
                wall_t += yj * row[j];
            }
        }
        wall_w += yi * wall;
        wall_tau += yi * wall_t;
    }
    (wall_w, wall_tau)
}

/// Connected components of the agreement graph over covered countries (union-find, by id):
/// how many there are, and the GDP of the largest.
fn agreement_components(world: &World, live: &[u32], y: &[f64]) -> (u32, f64) {
    components_with(&mut Vec::new(), &mut Vec::new(), world, live, y)
}

/// [`agreement_components`] in buffers kept by the caller.
fn components_with(
    parent: &mut Vec<usize>,
    comp_gdp: &mut Vec<f64>,
    world: &World,
    live: &[u32],
    y: &[f64],
) -> (u32, f64) {
    let n = world.n();
    parent.clear();
    parent.extend(0..n);
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &k in live {
        let m = world.agreements[k as usize].members();
        for w in m.windows(2) {
            let (a, b) = (find(parent, w[0] as usize), find(parent, w[1] as usize));
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    comp_gdp.clear();
    comp_gdp.resize(n, 0.0);
    let mut components = 0;
    for (i, &gdp) in y.iter().enumerate() {
        if !world.memberships(i as u32).is_empty() {
            let r = find(parent, i);
            if r == i {
                components += 1;
            }
            comp_gdp[r] += gdp;
        }
    }
    (components, comp_gdp.iter().copied().fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every column is written and read by name from the one declaration: counts as
    /// integers, floats in shortest round-trip form, `g_share` last and only when present.
    #[test]
    fn values_and_get_follow_the_column_list() {
        let m = Metrics {
            tick: 7,
            m_share: 0.5,
            m_count: 12,
            t_m: 0.05,
            e_m: 1.0,
            compliance: 0.25,
            rounds_passed: 3,
            rounds_failed: 4,
            agreements: 5,
            coverage: 0.0,
            overlap: 1.5,
            free_share: 0.125,
            effective_blocs: 2.5,
            bloc_wall: 0.2,
            mean_tariff: 0.1,
            cross_regional: 0.75,
            components: 2,
            giant: 0.625,
            welfare: -3.5,
            worst_gain: -0.01,
            excluded: 0.375,
            moves: 6,
            g_share: Some(0.4),
        };
        let text = [
            "0.5", "12", "0.05", "1", "0.25", "3", "4", "5", "0", "1.5", "0.125", "2.5", "0.2",
            "0.1", "0.75", "2", "0.625", "-3.5", "-0.01", "0.375", "6", "0.4",
        ];
        assert_eq!(m.values(), text);
        assert_eq!(METRIC_COLUMNS.len(), 21);
        assert_eq!(METRIC_COLUMNS[0], "m_share");
        assert_eq!(METRIC_COLUMNS[20], "moves");
        for (name, text) in METRIC_COLUMNS.iter().chain(&["g_share"]).zip(text) {
            assert_eq!(m.get(name), Some(text.parse::<f64>().unwrap()), "{name}");
        }
        assert_eq!(m.get("tick"), None);
        assert_eq!(m.get("nonsense"), None);
        let without_g = Metrics { g_share: None, ..m };
        assert_eq!(without_g.values().len(), 21);
        assert_eq!(without_g.get("g_share"), None);
    }
}
