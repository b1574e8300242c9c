//! One live world on the page: its scenario, the running [`Sim`], the controls that change
//! the scenario, the shocks a teacher applies during a run, and export back to RON.
//!
//! Every change goes through the scenario and `Scenario::validate`, the path `blocs run`
//! takes, so the page cannot reach a state a scenario file could not describe, and the
//! exported file reproduces the page's world exactly.

use std::path::Path;

use blocs_core::config::{CountriesConfig, CountryRef, EventConfig, InstitutionRef, Scenario};
use blocs_core::metrics::{Metrics, primary_blocs};
use blocs_core::model::{CountrySource, Kind, World, WorldSpec};
use blocs_core::payoff::payoffs_from_scratch;
use blocs_core::scheduler::Sim;

use crate::controls::{self, Value};
use crate::narrate;

/// A shock the page can apply to one country.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shock {
    /// The country leaves M.
    ExitM,
    /// The country walls its market at this tariff.
    TariffWall(f64),
    /// The country's GDP is multiplied by this factor.
    GdpShift(f64),
    /// The country never re-enters M by its own choice.
    Lock,
}

/// A world running on the page.
pub struct Session {
    scenario: Scenario,
    /// Where the scenario came from, for messages (`configs/default.ron`, an imported file).
    origin: String,
    spec: WorldSpec,
    sim: Sim,
    /// Scenario events that came with the preset or file; the rest were added on the page.
    own_events: usize,
    narrated_log: usize,
    narrated_rounds: usize,
}

impl Session {
    /// Parses and validates scenario text: the same messages as `blocs check FILE`.
    pub fn open(text: &str, origin: &str) -> Result<Session, String> {
        let path = Path::new(origin);
        let scenario = Scenario::parse(text, path).map_err(|e| e.to_string())?;
        Session::from_scenario(scenario, origin)
    }

    fn from_scenario(scenario: Scenario, origin: &str) -> Result<Session, String> {
        let spec = scenario
            .validate(Path::new(origin))
            .map_err(|e| e.to_string())?;
        let sim = Sim::new(&spec, scenario.seed, 0);
        Ok(Session {
            own_events: scenario.events.len(),
            scenario,
            origin: origin.to_string(),
            spec,
            sim,
            narrated_log: 0,
            narrated_rounds: 0,
        })
    }

    /// The scenario as it stands (controls and shocks applied).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// The running world.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// The current tick.
    pub fn tick(&self) -> u32 {
        self.sim.world.tick
    }

    /// Back to tick 0 of the same scenario (shocks added on the page stay scheduled).
    pub fn reset(&mut self) {
        self.sim = Sim::new(&self.spec, self.scenario.seed, 0);
        self.narrated_log = 0;
        self.narrated_rounds = 0;
    }

    /// Runs up to `ticks` ticks; false once the world has stopped.
    pub fn step(&mut self, ticks: u32) -> bool {
        for _ in 0..ticks {
            if !self.sim.step() {
                return false;
            }
        }
        self.sim.stopped().is_none()
    }

    /// Runs until the world stops.
    pub fn run_to_end(&mut self) {
        while self.sim.step() {}
    }

    /// Sentences for everything that happened since the last call, oldest first.
    pub fn narrate_new(&mut self) -> Vec<narrate::Line> {
        let log = &self.sim.log()[self.narrated_log..];
        let rounds = &self.sim.rounds()[self.narrated_rounds..];
        let lines = narrate::lines(&self.sim.world, log, rounds);
        self.narrated_log = self.sim.log().len();
        self.narrated_rounds = self.sim.rounds().len();
        lines
    }

    /// Sets one control and restarts the world, or explains why the value is not allowed
    /// (the scenario is then left as it was).
    pub fn set_control(&mut self, name: &str, value: &Value) -> Result<(), String> {
        let mut next = self.scenario.clone();
        controls::set(&mut next, name, value)?;
        self.replace(next)
    }

    /// Validates a changed scenario and restarts the world on it.
    fn replace(&mut self, next: Scenario) -> Result<(), String> {
        let spec = next
            .validate(Path::new(&self.origin))
            .map_err(|e| e.to_string())?;
        self.spec = spec;
        self.scenario = next;
        self.reset();
        Ok(())
    }

    /// Schedules a shock to `country` at the start of the next tick and rebuilds the world
    /// up to the current tick, so that it is the world `blocs run` makes from the exported
    /// scenario. Replaying matters: with an event still pending, a world neither converges
    /// nor records states for the cycling check, so the run so far is re-derived rather
    /// than patched.
    pub fn shock(&mut self, country: u32, shock: Shock) -> Result<(), String> {
        let n = self.sim.world.n() as u32;
        if country >= n {
            return Err(format!("country {country} does not exist (0..{n})"));
        }
        let tick = self.tick() + 1;
        let who = self.country_ref(country);
        let event = match shock {
            Shock::ExitM => EventConfig::Exit {
                tick,
                country: who,
                from: InstitutionRef(CountryRef::Name("M".into())),
            },
            Shock::TariffWall(rate) => EventConfig::TariffWall {
                tick,
                country: who,
                rate,
            },
            Shock::GdpShift(factor) => EventConfig::GdpShift {
                tick,
                country: who,
                factor,
            },
            Shock::Lock => EventConfig::Lock { tick, country: who },
        };
        let now = self.tick();
        let mut next = self.scenario.clone();
        next.events.push(event);
        if tick > next.max_ticks {
            next.max_ticks = tick;
        }
        self.replace(next)?;
        while self.tick() < now && self.sim.step() {}
        // The replayed history is narrated already.
        self.narrated_log = self.sim.log().len();
        self.narrated_rounds = self.sim.rounds().len();
        Ok(())
    }

    /// Shocks added on the page, as scenario events.
    pub fn added_shocks(&self) -> &[EventConfig] {
        &self.scenario.events[self.own_events..]
    }

    /// Removes the shocks added on the page and restarts the world.
    pub fn clear_shocks(&mut self) -> Result<(), String> {
        let mut next = self.scenario.clone();
        next.events.truncate(self.own_events);
        self.replace(next)
    }

    /// Countries of a synthetic world are named by id; listed and calibrated ones by ISO3
    /// code, which reads better in an exported file and resolves to the same country.
    fn country_ref(&self, i: u32) -> CountryRef {
        match self.scenario.countries {
            CountriesConfig::Synthetic(_) => CountryRef::Id(i),
            _ => CountryRef::Name(self.sim.world.countries[i as usize].iso3.clone()),
        }
    }

    /// The scenario as a RON file that `blocs run FILE` turns into this world (world 0 of
    /// one), shocks included as events.
    pub fn export_ron(&self) -> String {
        let mut s = self.scenario.clone();
        s.worlds = 1;
        let head = format!(
            "// Exported from the blocs classroom page (tick {} of world 0).\n\
             // `blocs run FILE` reproduces this world: the same events and final metrics.\n",
            self.tick()
        );
        head + &s.to_ron() + "\n"
    }

    /// The world's fixed facts for drawing: names, positions, regions.
    pub fn layout(&self) -> Layout {
        let w = &self.sim.world;
        let lonlat = matches!(self.spec.countries, CountrySource::Calibrated(_))
            || w.countries.iter().all(|c| c.lonlat.is_some()) && self.spec.great_circle;
        let pos = |c: &blocs_core::model::Country| match (lonlat, c.lonlat) {
            (true, Some(p)) => p,
            _ => c.pos,
        };
        Layout {
            map: if lonlat { "lonlat" } else { "unit" },
            name: w.countries.iter().map(|c| c.name.clone()).collect(),
            iso3: w.countries.iter().map(|c| c.iso3.clone()).collect(),
            x: w.countries.iter().map(|c| pos(c)[0]).collect(),
            y: w.countries.iter().map(|c| pos(c)[1]).collect(),
            region: w.countries.iter().map(|c| c.region).collect(),
        }
    }

    /// The state to draw now.
    pub fn frame(&self) -> Frame {
        let w = &self.sim.world;
        let primary = primary_blocs(w);
        let mut links = Vec::new();
        let mut blocs = Vec::new();
        for (k, a) in w.agreements.iter().enumerate() {
            if !a.is_live() {
                continue;
            }
            // A star from the largest member: every member is linked, and the picture stays
            // readable for large agreements where all pairs would be a solid patch.
            let hub = a
                .members()
                .iter()
                .copied()
                .max_by(|&p, &q| gdp(w, p).total_cmp(&gdp(w, q)).then(q.cmp(&p)))
                .expect("live agreements have members");
            for &m in a.members() {
                if m != hub {
                    links.extend([hub, m, k as u32]);
                }
            }
            blocs.push(BlocInfo {
                id: k as u32,
                name: agreement_name(w, k as u32),
                kind: kind_name(a.spec.kind),
                members: a.members().len() as u32,
            });
        }
        let last = self.sim.series().last().expect("tick 0 recorded");
        Frame {
            tick: w.tick,
            stopped: self.sim.stopped().map(|s| s.as_str()),
            outcome: self.sim.outcome_now().as_str(),
            gdp: w.countries.iter().map(|c| c.gdp).collect(),
            bloc: primary.iter().map(|b| b.map_or(-1, i64::from)).collect(),
            in_m: w.in_m.iter().map(|&b| u8::from(b)).collect(),
            links,
            blocs,
            metrics: Point::of(last),
        }
    }

    /// Per-tick chart values from tick `from` on.
    pub fn series_since(&self, from: u32) -> Vec<Point> {
        self.sim
            .series()
            .iter()
            .skip(from as usize)
            .map(Point::of)
            .collect()
    }

    /// What hovering a country shows: who it is, where it belongs, its payoff terms.
    pub fn country(&self, i: u32) -> Option<CountryInfo> {
        let w = &self.sim.world;
        let c = w.countries.get(i as usize)?;
        let terms = payoffs_from_scratch(w, &self.spec.params)[i as usize];
        Some(CountryInfo {
            id: i,
            name: c.name.clone(),
            iso3: c.iso3.clone(),
            region: c.region,
            gdp_share: c.gdp / w.total_gdp(),
            in_m: w.in_m[i as usize],
            locked: w.locked[i as usize],
            wall: w.wall[i as usize],
            agreements: w
                .memberships(i)
                .iter()
                .map(|&k| agreement_name(w, k))
                .collect(),
            terms: vec![
                ("consumer", terms.consumer),
                ("exports", terms.exports),
                ("tariff revenue", terms.revenue),
                ("lobby pain", -terms.lobby),
                ("sovereignty cost", -terms.sovereignty),
                ("membership overhead", -terms.overhead),
                ("rules of origin", -terms.rules_of_origin),
                ("public goods", terms.public_goods),
                ("security", terms.security),
            ]
            .into_iter()
            .filter(|t| t.1 != 0.0)
            .map(|(name, v)| (name.to_string(), v))
            .chain([("total U".to_string(), terms.total())])
            .collect(),
        })
    }

    /// The rows `blocs run` writes to `events.csv` for this world, without the header.
    pub fn events_csv_rows(&self) -> Vec<String> {
        let w = &self.sim.world;
        self.sim
            .log()
            .iter()
            .map(|row| {
                let inst = match row.institution {
                    None => String::new(),
                    Some(blocs_core::model::InstitutionSel::M) => "M".into(),
                    Some(blocs_core::model::InstitutionSel::G) => "G".into(),
                    Some(blocs_core::model::InstitutionSel::Agreement(k)) => k.to_string(),
                };
                [
                    "0".to_string(),
                    row.tick.to_string(),
                    row.country.map(|c| c.to_string()).unwrap_or_default(),
                    row.country
                        .map(|c| w.countries[c as usize].iso3.clone())
                        .unwrap_or_default(),
                    row.what.as_str().to_string(),
                    inst,
                    row.cause.as_str().to_string(),
                    row.value.clone().unwrap_or_default(),
                ]
                .join(",")
            })
            .collect()
    }

    /// The row `blocs run` writes to `summary.csv` for this world once it has stopped.
    pub fn summary_csv_row(&self) -> Option<String> {
        let stop = self.sim.stopped()?;
        let last = self.sim.series().last().expect("tick 0 recorded");
        let mut row = vec![
            "0".to_string(),
            self.scenario.seed.to_string(),
            self.sim.outcome_now().as_str().to_string(),
            stop.as_str().to_string(),
            self.tick().to_string(),
        ];
        row.extend(last.values());
        Some(row.join(","))
    }
}

fn gdp(w: &World, i: u32) -> f64 {
    w.countries[i as usize].gdp
}

/// An agreement's name, or `A<id>` for the unnamed ones formed during a run.
pub fn agreement_name(w: &World, k: u32) -> String {
    let name = &w.agreements[k as usize].spec.name;
    if name.is_empty() {
        format!("A{k}")
    } else {
        name.clone()
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Fta => "FTA",
        Kind::CustomsUnion => "customs union",
    }
}

/// The world's fixed facts.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Layout {
    /// `unit` (unit square) or `lonlat` (longitude, latitude).
    pub map: &'static str,
    /// Names.
    pub name: Vec<String>,
    /// ISO3 codes.
    pub iso3: Vec<String>,
    /// x or longitude.
    pub x: Vec<f64>,
    /// y or latitude.
    pub y: Vec<f64>,
    /// Regions.
    pub region: Vec<u32>,
}

/// A live agreement in the legend.
#[derive(Clone, Debug, serde::Serialize)]
pub struct BlocInfo {
    /// Id (the page keeps its colour while it lives).
    pub id: u32,
    /// Name.
    pub name: String,
    /// FTA or customs union.
    pub kind: &'static str,
    /// Member count.
    pub members: u32,
}

/// What changes from tick to tick.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Frame {
    /// Tick.
    pub tick: u32,
    /// Why the world stopped, once it has.
    pub stopped: Option<&'static str>,
    /// The outcome class of the current state.
    pub outcome: &'static str,
    /// GDP of every country.
    pub gdp: Vec<f64>,
    /// Primary bloc of every country, -1 for none.
    pub bloc: Vec<i64>,
    /// 1 if in M.
    pub in_m: Vec<u8>,
    /// Triples (hub, member, agreement id) of the lines to draw.
    pub links: Vec<u32>,
    /// Live agreements.
    pub blocs: Vec<BlocInfo>,
    /// This tick's metrics.
    pub metrics: Point,
}

/// The charted metrics of one tick.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Point {
    /// Tick.
    pub tick: u32,
    /// m_share.
    pub m_share: f64,
    /// e_M.
    pub e_m: f64,
    /// t_M.
    pub t_m: f64,
    /// coverage.
    pub coverage: f64,
    /// free_share.
    pub free_share: f64,
    /// effective_blocs.
    pub effective_blocs: f64,
    /// bloc_wall.
    pub bloc_wall: f64,
    /// M's members.
    pub m_count: u32,
    /// Live agreements.
    pub agreements: u32,
}

impl Point {
    fn of(m: &Metrics) -> Point {
        Point {
            tick: m.tick,
            m_share: m.m_share,
            e_m: m.e_m,
            t_m: m.t_m,
            coverage: m.coverage,
            free_share: m.free_share,
            effective_blocs: m.effective_blocs,
            bloc_wall: m.bloc_wall,
            m_count: m.m_count,
            agreements: m.agreements,
        }
    }
}

/// A country as hovering shows it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CountryInfo {
    /// Id.
    pub id: u32,
    /// Name.
    pub name: String,
    /// ISO3 code.
    pub iso3: String,
    /// Region.
    pub region: u32,
    /// Share of world GDP.
    pub gdp_share: f64,
    /// In M.
    pub in_m: bool,
    /// Locked out of M.
    pub locked: bool,
    /// Tariff wall.
    pub wall: Option<f64>,
    /// Agreements it belongs to.
    pub agreements: Vec<String>,
    /// Payoff terms, signed as they enter U (costs negative), then the total.
    pub terms: Vec<(String, f64)>,
}
