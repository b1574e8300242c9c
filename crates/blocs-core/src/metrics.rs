//! Observation: the per-tick metrics and the outcome class of a world (ODD.md section 7.6).
//!
//! Pure functions of a world and its committed payoff engine; nothing here changes state.

use crate::model::{OutcomeThresholds, World};
use crate::payoff::Engine;

/// The metrics of one tick, in the column order of `timeseries.csv`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Metrics {
    /// The tick.
    pub tick: u32,
    /// GDP share of M's members.
    pub m_share: f64,
    /// Number of M's members.
    pub m_count: u32,
    /// M's bound tariff.
    pub t_m: f64,
    /// Effectiveness of M.
    pub e_m: f64,
    /// GDP share of M's members that comply fully, within M.
    pub compliance: f64,
    /// Rounds passed so far.
    pub rounds_passed: u32,
    /// Rounds failed so far.
    pub rounds_failed: u32,
    /// Live agreements.
    pub agreements: u32,
    /// GDP share of countries in at least one agreement.
    pub coverage: f64,
    /// Mean number of agreements per covered country.
    pub overlap: f64,
    /// GDP-product-weighted share of ordered pairs trading at zero tariff.
    pub free_share: f64,
    /// 1 / Σ S_b² over blocs, S_b a bloc's share of covered GDP.
    pub effective_blocs: f64,
    /// GDP-product-weighted mean tariff between covered countries of different blocs.
    pub bloc_wall: f64,
    /// GDP-product-weighted mean tariff over all ordered pairs.
    pub mean_tariff: f64,
    /// Share of live agreements spanning more than one region.
    pub cross_regional: f64,
    /// Connected components of the graph of covered countries sharing an agreement.
    pub components: u32,
    /// GDP share of the largest such component.
    pub giant: f64,
    /// Σ U_i.
    pub welfare: f64,
    /// min over i of (U_i − U_i at the start) / y_i.
    pub worst_gain: f64,
    /// GDP share of countries in no agreement and outside M.
    pub excluded: f64,
    /// Membership changes this tick.
    pub moves: u32,
    /// GDP share of G's members (public-goods module only).
    pub g_share: Option<f64>,
}

/// Names of the metric columns, in order (without `g_share`).
pub const METRIC_COLUMNS: [&str; 21] = [
    "m_share",
    "m_count",
    "t_m",
    "e_m",
    "compliance",
    "rounds_passed",
    "rounds_failed",
    "agreements",
    "coverage",
    "overlap",
    "free_share",
    "effective_blocs",
    "bloc_wall",
    "mean_tariff",
    "cross_regional",
    "components",
    "giant",
    "welfare",
    "worst_gain",
    "excluded",
    "moves",
];

impl Metrics {
    /// The metric values as strings, in [`METRIC_COLUMNS`] order, then `g_share` if present.
    pub fn values(&self) -> Vec<String> {
        let mut v = vec![
            fmt(self.m_share),
            self.m_count.to_string(),
            fmt(self.t_m),
            fmt(self.e_m),
            fmt(self.compliance),
            self.rounds_passed.to_string(),
            self.rounds_failed.to_string(),
            self.agreements.to_string(),
            fmt(self.coverage),
            fmt(self.overlap),
            fmt(self.free_share),
            fmt(self.effective_blocs),
            fmt(self.bloc_wall),
            fmt(self.mean_tariff),
            fmt(self.cross_regional),
            self.components.to_string(),
            fmt(self.giant),
            fmt(self.welfare),
            fmt(self.worst_gain),
            fmt(self.excluded),
            self.moves.to_string(),
        ];
        if let Some(g) = self.g_share {
            v.push(fmt(g));
        }
        v
    }

    /// A metric by column name (for summaries and sweeps).
    pub fn get(&self, name: &str) -> Option<f64> {
        Some(match name {
            "m_share" => self.m_share,
            "m_count" => f64::from(self.m_count),
            "t_m" => self.t_m,
            "e_m" => self.e_m,
            "compliance" => self.compliance,
            "rounds_passed" => f64::from(self.rounds_passed),
            "rounds_failed" => f64::from(self.rounds_failed),
            "agreements" => f64::from(self.agreements),
            "coverage" => self.coverage,
            "overlap" => self.overlap,
            "free_share" => self.free_share,
            "effective_blocs" => self.effective_blocs,
            "bloc_wall" => self.bloc_wall,
            "mean_tariff" => self.mean_tariff,
            "cross_regional" => self.cross_regional,
            "components" => f64::from(self.components),
            "giant" => self.giant,
            "welfare" => self.welfare,
            "worst_gain" => self.worst_gain,
            "excluded" => self.excluded,
            "moves" => f64::from(self.moves),
            "g_share" => self.g_share?,
            _ => return None,
        })
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
    let share = |pred: &dyn Fn(usize) -> bool| {
        (0..n).filter(|&i| pred(i)).map(|i| y[i]).sum::<f64>() / total
    };
    let policy = engine.policy();
    let m_gdp: f64 = (0..n).filter(|&i| world.in_m[i]).map(|i| y[i]).sum();
    let compliant: f64 = (0..n)
        .filter(|&i| world.in_m[i] && policy.compliance[i] >= 1.0)
        .map(|i| y[i])
        .sum();
    let covered = |i: usize| !world.memberships(i as u32).is_empty();
    let n_covered = (0..n).filter(|&i| covered(i)).count();
    let mut live: Vec<u32> = Vec::with_capacity(world.agreements.len());
    live.extend(
        (0..world.agreements.len() as u32).filter(|&k| world.agreements[k as usize].is_live()),
    );
    let primary = primary_blocs(world);

    // GDP-product-weighted tariff sums: the engine keeps each importer's row sums, so
    // only the bloc wall needs a pass over pairs, and only over covered countries.
    let (mut all_w, mut free_w, mut tariff_w, mut wall_w, mut wall_tau) = (0.0, 0.0, 0.0, 0.0, 0.0);
    let bloc: Vec<i64> = primary.iter().map(|b| b.map_or(-1, i64::from)).collect();
    // The covered countries' ids, GDPs and blocs side by side, for the pass over pairs.
    let mut covered_ids: Vec<(usize, f64, i64)> = Vec::with_capacity(n);
    covered_ids.extend((0..n).filter(|&i| bloc[i] >= 0).map(|i| (i, y[i], bloc[i])));
    for i in 0..n {
        let yi = y[i];
        let (tau_y, free_y) = engine.tariff_sums(i as u32);
        all_w += yi * (total - yi);
        free_w += yi * free_y;
        tariff_w += yi * tau_y;
        if bloc[i] >= 0 {
            let row = &engine.tau_row(i as u32)[..n];
            let (mut wall, mut wall_t) = (0.0, 0.0);
            for &(j, yj, bj) in &covered_ids {
                if bj != bloc[i] {
                    wall += yj;
                    wall_t += yj * row[j];
                }
            }
            wall_w += yi * wall;
            wall_tau += yi * wall_t;
        }
    }

    // Blocs by primary agreement, in agreement-id order.
    let mut bloc_gdp = vec![0.0; world.agreements.len()];
    for i in 0..n {
        if let Some(b) = primary[i] {
            bloc_gdp[b as usize] += y[i];
        }
    }
    let covered_gdp: f64 = bloc_gdp.iter().sum();
    let hhi: f64 = bloc_gdp
        .iter()
        .map(|g| (g / covered_gdp).powi(2))
        .filter(|x| x.is_finite())
        .sum();

    // Components of the agreement graph over covered countries (union-find, by id).
    let mut parent: Vec<usize> = (0..n).collect();
    fn find(p: &mut [usize], mut x: usize) -> usize {
        while p[x] != x {
            p[x] = p[p[x]];
            x = p[x];
        }
        x
    }
    for &k in &live {
        let m = world.agreements[k as usize].members();
        for w in m.windows(2) {
            let (a, b) = (
                find(&mut parent, w[0] as usize),
                find(&mut parent, w[1] as usize),
            );
            if a != b {
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut comp_gdp = vec![0.0; n];
    let mut components = 0;
    for (i, &gdp) in y.iter().enumerate() {
        if covered(i) {
            let r = find(&mut parent, i);
            if r == i {
                components += 1;
            }
            comp_gdp[r] += gdp;
        }
    }
    let giant = comp_gdp.iter().copied().fold(0.0, f64::max) / total;

    let cross = live
        .iter()
        .filter(|&&k| {
            let m = world.agreements[k as usize].members();
            let r0 = world.countries[m[0] as usize].region;
            m.iter().any(|&c| world.countries[c as usize].region != r0)
        })
        .count();
    let u = engine.utilities();
    let worst_gain = (0..n)
        .map(|i| (u[i] - initial_u[i]) / y[i])
        .fold(f64::INFINITY, f64::min);
    let memberships: usize = (0..n).map(|i| world.memberships(i as u32).len()).sum();

    Metrics {
        tick: world.tick,
        m_share: m_gdp / total,
        m_count: world.m_count() as u32,
        t_m: world.t_m,
        e_m: policy.e_m,
        compliance: if m_gdp > 0.0 { compliant / m_gdp } else { 0.0 },
        rounds_passed: counters.rounds_passed,
        rounds_failed: counters.rounds_failed,
        agreements: live.len() as u32,
        coverage: share(&covered),
        overlap: if n_covered > 0 {
            memberships as f64 / n_covered as f64
        } else {
            0.0
        },
        free_share: if all_w > 0.0 { free_w / all_w } else { 0.0 },
        effective_blocs: if hhi > 0.0 { 1.0 / hhi } else { 0.0 },
        bloc_wall: if wall_w > 0.0 { wall_tau / wall_w } else { 0.0 },
        mean_tariff: if all_w > 0.0 { tariff_w / all_w } else { 0.0 },
        cross_regional: if live.is_empty() {
            0.0
        } else {
            cross as f64 / live.len() as f64
        },
        components,
        giant,
        welfare: u.iter().sum(),
        worst_gain: if n > 0 { worst_gain } else { 0.0 },
        excluded: share(&|i| !covered(i) && !world.in_m[i]),
        moves: counters.moves,
        g_share: with_g.then(|| share(&|i| world.in_g[i])),
    }
}
