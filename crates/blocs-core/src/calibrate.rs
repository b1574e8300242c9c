//! How close is a scenario's starting state to a rest point (issue 6)?
//!
//! For every country, the move it would choose at tick 0 under best response, evaluated
//! on the starting state with nothing applied; the shares of countries and of GDP whose
//! best response is Stay; and the metrics of the starting state. A calibrated world is
//! only a sensible baseline if most of it would stay put: otherwise the first ticks of
//! every run replay the model's disagreement with the data rather than any shock.

use crate::metrics::Metrics;
use crate::model::{Choice, World, WorldSpec};
use crate::scheduler::{Move, Sim};

/// One country's best response at tick 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Preference {
    /// Country id.
    pub country: u32,
    /// The move it would make.
    pub mv: Move,
    /// Its net gain (ΔU minus the switching cost; 0 for Stay).
    pub net_gain: f64,
}

/// The rest-point check of one world.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Which world of the scenario (its random stream).
    pub world_index: u64,
    /// One entry per country, in id order.
    pub preferences: Vec<Preference>,
    /// Share of countries whose best response is Stay.
    pub stay_share: f64,
    /// GDP share of those countries.
    pub stay_gdp_share: f64,
    /// Metrics of the starting state (tick 0).
    pub metrics: Metrics,
    /// The starting state, for names.
    pub world: World,
}

impl Calibration {
    /// The countries that would move, in id order.
    pub fn movers(&self) -> impl Iterator<Item = &Preference> {
        self.preferences.iter().filter(|p| p.mv != Move::Stay)
    }
}

/// Builds world `world_index` of a scenario (tick-0 events fired) and asks every country
/// for its best response, whatever the scenario's choice rule: under Logit the question
/// "would it move?" has no single answer.
pub fn calibrate(spec: &WorldSpec, master_seed: u64, world_index: u64) -> Calibration {
    let mut spec = spec.clone();
    spec.params.choice = Choice::BestResponse;
    let mut sim = Sim::new(&spec, master_seed, world_index);
    let n = sim.world.n() as u32;
    let preferences: Vec<Preference> = (0..n)
        .map(|i| {
            let (mv, net_gain) = sim.preview(i);
            Preference {
                country: i,
                mv,
                net_gain,
            }
        })
        .collect();
    let gdp = |i: u32| sim.world.countries[i as usize].gdp;
    let total: f64 = (0..n).map(gdp).sum();
    let stay: Vec<u32> = preferences
        .iter()
        .filter(|p| p.mv == Move::Stay)
        .map(|p| p.country)
        .collect();
    Calibration {
        world_index,
        stay_share: stay.len() as f64 / f64::from(n.max(1)),
        stay_gdp_share: stay.iter().map(|&i| gdp(i)).sum::<f64>() / total,
        metrics: sim.series()[0].clone(),
        preferences,
        world: sim.world,
    }
}

/// A move in words: `Leave EU`, `Join RCEP`, `Form with DEU`, `JoinM`, ….
pub fn describe(world: &World, mv: Move) -> String {
    let agreement = |k: u32| {
        let name = &world.agreements[k as usize].spec.name;
        if name.is_empty() {
            format!("agreement {k}")
        } else {
            name.clone()
        }
    };
    match mv {
        Move::Stay => "Stay".into(),
        Move::Leave(k) => format!("Leave {}", agreement(k)),
        Move::Join(k) => format!("Join {}", agreement(k)),
        Move::Form(j) => format!("Form with {}", world.countries[j as usize].iso3),
        Move::Bridge(a, b) => format!("Bridge {} and {}", agreement(a), agreement(b)),
        Move::JoinM => "JoinM".into(),
        Move::LeaveM => "LeaveM".into(),
        Move::JoinG => "JoinG".into(),
        Move::LeaveG => "LeaveG".into(),
    }
}

/// The kind of a move, for tallies: `Leave`, `Join`, `Form`, `JoinM`, `LeaveM`, ….
pub fn kind(mv: Move) -> &'static str {
    match mv {
        Move::Stay => "Stay",
        Move::Leave(_) => "Leave",
        Move::Join(_) => "Join",
        Move::Form(_) => "Form",
        Move::Bridge(..) => "Bridge",
        Move::JoinM => "JoinM",
        Move::LeaveM => "LeaveM",
        Move::JoinG => "JoinG",
        Move::LeaveG => "LeaveG",
    }
}

/// The calibration report printed by `blocs calibrate`: tick-0 metrics of world 0, the
/// Stay shares of every world and their mean and minimum, the moves by kind, and up to
/// `list` movers of world 0 and of the world where Stay holds the least GDP, largest
/// economies first.
pub fn report(results: &[Calibration], list: usize) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let Some(first) = results.first() else {
        return out;
    };
    let m = &first.metrics;
    let _ = writeln!(
        out,
        "  tick-0 metrics (world {}): m_share {:.3}  m_count {}  e_M {:.3}  t_M {:.3}  coverage {:.3}  overlap {:.2}  effective_blocs {:.2}  free_share {:.3}  bloc_wall {:.3}  mean_tariff {:.3}  agreements {}",
        first.world_index,
        m.m_share,
        m.m_count,
        m.e_m,
        m.t_m,
        m.coverage,
        m.overlap,
        m.effective_blocs,
        m.free_share,
        m.bloc_wall,
        m.mean_tariff,
        m.agreements
    );
    let n = first.preferences.len();
    for c in results {
        let stay = c.preferences.len() - c.movers().count();
        let _ = writeln!(
            out,
            "  world {}: Stay is the best response of {stay}/{n} countries ({:.1}%) holding {:.1}% of GDP",
            c.world_index,
            100.0 * c.stay_share,
            100.0 * c.stay_gdp_share
        );
    }
    let w = results.len() as f64;
    let mean = |f: &dyn Fn(&Calibration) -> f64| results.iter().map(f).sum::<f64>() / w;
    let min = |f: &dyn Fn(&Calibration) -> f64| results.iter().map(f).fold(f64::INFINITY, f64::min);
    if results.len() > 1 {
        let _ = writeln!(
            out,
            "  over {} worlds: Stay {:.1}% of countries (min {:.1}%), {:.1}% of GDP (min {:.1}%)",
            results.len(),
            100.0 * mean(&|c| c.stay_share),
            100.0 * min(&|c| c.stay_share),
            100.0 * mean(&|c| c.stay_gdp_share),
            100.0 * min(&|c| c.stay_gdp_share)
        );
    }
    let mut kinds: Vec<(&str, usize)> = Vec::new();
    for c in results {
        for p in c.movers() {
            match kinds.iter_mut().find(|k| k.0 == kind(p.mv)) {
                Some(k) => k.1 += 1,
                None => kinds.push((kind(p.mv), 1)),
            }
        }
    }
    let kinds: Vec<String> = kinds
        .iter()
        .map(|(k, c)| format!("{k} {:.1}", *c as f64 / w))
        .collect();
    let _ = writeln!(
        out,
        "  moves by kind, per world: {}",
        if kinds.is_empty() {
            "none".to_string()
        } else {
            kinds.join(", ")
        }
    );
    let worst = results
        .iter()
        .min_by(|a, b| a.stay_gdp_share.total_cmp(&b.stay_gdp_share))
        .expect("at least one world");
    list_movers(&mut out, first, list);
    if worst.world_index != first.world_index && worst.stay_gdp_share < first.stay_gdp_share {
        list_movers(&mut out, worst, list);
    }
    out
}

fn list_movers(out: &mut String, c: &Calibration, list: usize) {
    use std::fmt::Write;
    let world = &c.world;
    let total: f64 = world.countries.iter().map(|c| c.gdp).sum();
    let gdp = |p: &Preference| world.countries[p.country as usize].gdp;
    let mut movers: Vec<&Preference> = c.movers().collect();
    movers.sort_by(|a, b| gdp(b).total_cmp(&gdp(a)).then(a.country.cmp(&b.country)));
    if movers.is_empty() || list == 0 {
        return;
    }
    let _ = writeln!(
        out,
        "  movers in world {} (largest economies first; GDP share, move, net gain in mean-GDP units):",
        c.world_index
    );
    for p in movers.iter().take(list) {
        let country = &world.countries[p.country as usize];
        let _ = writeln!(
            out,
            "    {:<4} {:>6.2}%  {:<24} {:+.3e}",
            country.iso3,
            100.0 * country.gdp / total,
            describe(world, p.mv),
            p.net_gain
        );
    }
    if movers.len() > list {
        let _ = writeln!(
            out,
            "    … and {} more (--list N shows more)",
            movers.len() - list
        );
    }
}
