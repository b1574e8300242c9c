//! Replays `events.csv` over `countries.csv` to rebuild a world's memberships and GDP at any tick.

use std::collections::{BTreeMap, BTreeSet};

use crate::plot::PlotError;
use crate::plot::data::{Country, Event, Institution, Move, Tables};

/// A world as it stood at the end of one tick.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldState {
    /// World index.
    pub world: u64,
    /// The tick: every event row with a tick ≤ this one has been applied.
    pub tick: u64,
    /// Countries sorted by id.
    pub countries: Vec<CountryState>,
    /// Live agreements (at least one member): id to sorted member ids.
    pub agreements: BTreeMap<u64, Vec<u64>>,
}

/// One country at one tick.
#[derive(Clone, Debug, PartialEq)]
pub struct CountryState {
    /// Country id.
    pub id: u64,
    /// ISO3 code or synthetic label.
    pub iso3: String,
    /// Full name.
    pub name: String,
    /// Position in the unit square.
    pub x: f64,
    /// Position in the unit square.
    pub y: f64,
    /// Longitude, calibrated worlds only.
    pub lon: Option<f64>,
    /// Latitude, calibrated worlds only.
    pub lat: Option<f64>,
    /// GDP at this tick.
    pub gdp: f64,
    /// Member of M.
    pub in_m: bool,
    /// Member of G.
    pub in_g: bool,
    /// Locked out of M.
    pub locked: bool,
    /// Tariff wall rate, if one is up.
    pub wall: Option<f64>,
    /// The agreement containing it with the largest total GDP, ties to the lowest id.
    pub primary_bloc: Option<u64>,
    /// The agreement a map colours it by (ODD.md 7.6, the bloc rule of maps): a customs
    /// union first, then a plurilateral agreement (three or more members) before a
    /// bilateral one, then the largest total GDP, ties to the lowest id.
    pub map_bloc: Option<u64>,
}

/// The state of `world` at `tick`, replaying every event row with a tick ≤ `tick`.
///
/// GDP at `tick` is the final GDP of `countries.csv` divided by the `GdpShift` factors
/// that came later.
pub fn state_at(tables: &Tables, world: u64, tick: u64) -> Result<WorldState, PlotError> {
    let mut states = states_at(tables, world, &[tick])?;
    Ok(states.remove(0))
}

/// The states of `world` at several ticks in one pass over its events.
///
/// The result is in the order of `ticks`, which need not be sorted.
pub fn states_at(tables: &Tables, world: u64, ticks: &[u64]) -> Result<Vec<WorldState>, PlotError> {
    let countries_path = tables.dir.join("countries.csv");
    let events_path = tables.dir.join("events.csv");
    let (Some(countries), Some(events)) = (&tables.countries, &tables.events) else {
        let missing = if tables.countries.is_none() {
            &countries_path
        } else {
            &events_path
        };
        return Err(PlotError::inconsistent(
            missing,
            "file not found; replaying a world needs countries.csv and events.csv",
        ));
    };
    let mut finals: Vec<&Country> = countries.iter().filter(|c| c.world == world).collect();
    if finals.is_empty() {
        return Err(PlotError::inconsistent(
            countries_path,
            format!("no countries for world {world}"),
        ));
    }
    finals.sort_by_key(|c| c.id);
    let index: BTreeMap<u64, usize> = finals.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let world_events: Vec<&Event> = events.iter().filter(|e| e.world == world).collect();

    let mut replay = Replay {
        countries: finals
            .iter()
            .map(|c| CountryState {
                id: c.id,
                iso3: c.iso3.clone(),
                name: c.name.clone(),
                x: c.x,
                y: c.y,
                lon: c.lon,
                lat: c.lat,
                gdp: c.gdp,
                in_m: false,
                in_g: false,
                locked: false,
                wall: None,
                primary_bloc: None,
                map_bloc: None,
            })
            .collect(),
        agreements: BTreeMap::new(),
        customs_unions: tables
            .agreements
            .iter()
            .flatten()
            .filter(|a| a.world == world && a.kind == "CustomsUnion")
            .map(|a| a.id)
            .collect(),
    };
    // Undo every GDP shift to get back to the initial GDP; the replay redoes them in order.
    for event in &world_events {
        if event.kind == Move::GdpShift {
            let i = country_index(&index, event, &events_path)?;
            let factor = shift_factor(event, &events_path)?;
            replay.countries[i].gdp /= factor;
        }
    }

    let mut order: Vec<usize> = (0..ticks.len()).collect();
    order.sort_by_key(|&i| ticks[i]);
    let mut out: Vec<Option<WorldState>> = vec![None; ticks.len()];
    let mut next = 0;
    for i in order {
        let tick = ticks[i];
        while next < world_events.len() && world_events[next].tick <= tick {
            replay.apply(world_events[next], &index, &events_path)?;
            next += 1;
        }
        out[i] = Some(replay.snapshot(world, tick));
    }
    Ok(out.into_iter().flatten().collect())
}

/// How a map ranks a country's agreements: customs union, plurilateral, total GDP.
type MapRank = (bool, bool, f64);

struct Replay {
    countries: Vec<CountryState>,
    agreements: BTreeMap<u64, BTreeSet<u64>>,
    customs_unions: BTreeSet<u64>,
}

impl Replay {
    fn apply(
        &mut self,
        event: &Event,
        index: &BTreeMap<u64, usize>,
        path: &std::path::Path,
    ) -> Result<(), PlotError> {
        // Rows that only change an institution's rule name no country and move no member.
        if matches!(event.kind, Move::SetRule | Move::Other) {
            return Ok(());
        }
        let i = country_index(index, event, path)?;
        let id = self.countries[i].id;
        let country = &mut self.countries[i];
        match (event.kind, event.institution) {
            (Move::Join | Move::Form, Institution::Agreement(k)) => {
                self.agreements.entry(k).or_default().insert(id);
            }
            (Move::Leave | Move::Dissolve, Institution::Agreement(k)) => {
                if let Some(members) = self.agreements.get_mut(&k) {
                    members.remove(&id);
                    if members.is_empty() {
                        self.agreements.remove(&k);
                    }
                }
            }
            // Events such as `Exit { from: M }` may be logged as Join/Leave naming M or G.
            (Move::JoinM, _) | (Move::Join, Institution::M) => country.in_m = true,
            (Move::LeaveM, _) | (Move::Leave, Institution::M) => country.in_m = false,
            (Move::JoinG, _) | (Move::Join, Institution::G) => country.in_g = true,
            (Move::LeaveG, _) | (Move::Leave, Institution::G) => country.in_g = false,
            (Move::TariffWall, _) => country.wall = event.value,
            (Move::GdpShift, _) => country.gdp *= shift_factor(event, path)?,
            (Move::Lock, _) => country.locked = true,
            (Move::Join | Move::Leave | Move::Form | Move::Dissolve, _) => {
                return Err(PlotError::inconsistent(
                    path,
                    format!(
                        "world {}, tick {}: {:?} names no agreement",
                        event.world, event.tick, event.kind
                    ),
                ));
            }
            (Move::SetRule | Move::Other, _) => {}
        }
        Ok(())
    }

    fn snapshot(&self, world: u64, tick: u64) -> WorldState {
        let mut countries = self.countries.clone();
        let index: BTreeMap<u64, usize> = countries
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, i))
            .collect();
        // Ascending ids and a strict comparison give ties to the lowest id.
        let mut best: Vec<Option<(f64, u64)>> = vec![None; countries.len()];
        // A class reads a map by regions: an EU member drawn in the colour of EU–JPN, its
        // largest agreement, would be read as Japanese. So the map ranks a customs union
        // first, then plurilateral agreements, and only then GDP.
        let mut map: Vec<Option<(MapRank, u64)>> = vec![None; countries.len()];
        for (&k, members) in &self.agreements {
            let total: f64 = members.iter().map(|m| countries[index[m]].gdp).sum();
            let rank = (self.customs_unions.contains(&k), members.len() >= 3, total);
            for m in members {
                let slot = &mut best[index[m]];
                if slot.is_none_or(|(gdp, _)| total > gdp) {
                    *slot = Some((total, k));
                }
                let slot = &mut map[index[m]];
                if slot.is_none_or(|(r, _)| {
                    (rank.0, rank.1)
                        .cmp(&(r.0, r.1))
                        .then(rank.2.total_cmp(&r.2))
                        .is_gt()
                }) {
                    *slot = Some((rank, k));
                }
            }
        }
        for ((country, best), map) in countries.iter_mut().zip(best).zip(map) {
            country.primary_bloc = best.map(|(_, k)| k);
            country.map_bloc = map.map(|(_, k)| k);
        }
        WorldState {
            world,
            tick,
            countries,
            agreements: self
                .agreements
                .iter()
                .map(|(&k, members)| (k, members.iter().copied().collect()))
                .collect(),
        }
    }
}

fn country_index(
    index: &BTreeMap<u64, usize>,
    event: &Event,
    path: &std::path::Path,
) -> Result<usize, PlotError> {
    let id = event.country.ok_or_else(|| {
        PlotError::inconsistent(
            path,
            format!(
                "world {}, tick {}: {:?} row names no country",
                event.world, event.tick, event.kind
            ),
        )
    })?;
    index.get(&id).copied().ok_or_else(|| {
        PlotError::inconsistent(
            path,
            format!(
                "world {}, tick {}: country {id} is not in countries.csv",
                event.world, event.tick
            ),
        )
    })
}

fn shift_factor(event: &Event, path: &std::path::Path) -> Result<f64, PlotError> {
    match event.value {
        Some(f) if f.is_finite() && f > 0.0 => Ok(f),
        _ => Err(PlotError::inconsistent(
            path,
            format!(
                "world {}, tick {}: GdpShift needs a finite factor > 0 in `value`",
                event.world, event.tick
            ),
        )),
    }
}
