//! Small deterministic result directories for the tests, written as the model would write them.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::plot::CLASSES;

/// A fresh empty directory under the system temp dir, unique per test and process.
pub(crate) fn temp_dir(name: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("blocs-plot-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub(crate) fn write(dir: &Path, file: &str, text: &str) {
    std::fs::write(dir.join(file), text).unwrap();
}

/// A linear congruential generator: enough randomness for fixtures, no dependency.
pub(crate) struct Lcg(u64);

impl Lcg {
    pub(crate) fn new(seed: u64) -> Lcg {
        Lcg(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub(crate) fn f64(&mut self) -> f64 {
        (self.next() % 1_000_000) as f64 / 1_000_000.0
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

pub(crate) struct Spec {
    pub name: &'static str,
    pub worlds: usize,
    pub ticks: u64,
    pub countries: usize,
    pub geo: bool,
}

const REAL: [&str; 10] = [
    "USA", "CHN", "DEU", "JPN", "IND", "GBR", "FRA", "BRA", "ITA", "CAN",
];

struct World {
    gdp: Vec<f64>,
    in_m: Vec<bool>,
    locked: Vec<bool>,
    wall: Vec<Option<f64>>,
    agreements: BTreeMap<u64, BTreeSet<usize>>,
    founded: BTreeMap<u64, u64>,
    dissolved: BTreeMap<u64, u64>,
    next_id: u64,
}

impl World {
    fn primary(&self, i: usize) -> Option<u64> {
        let mut best: Option<(f64, u64)> = None;
        for (&k, members) in &self.agreements {
            if members.contains(&i) {
                let total: f64 = members.iter().map(|&m| self.gdp[m]).sum();
                if best.is_none_or(|(g, _)| total > g) {
                    best = Some((total, k));
                }
            }
        }
        best.map(|(_, k)| k)
    }

    fn share(&self, pick: impl Fn(usize) -> bool) -> f64 {
        let total: f64 = self.gdp.iter().sum();
        (0..self.gdp.len())
            .filter(|&i| pick(i))
            .map(|i| self.gdp[i])
            .sum::<f64>()
            / total
    }
}

pub(crate) const SERIES_HEADER: &str = "m_share,m_count,t_m,e_m,compliance,rounds_passed,rounds_failed,agreements,coverage,overlap,free_share,effective_blocs,bloc_wall,mean_tariff,cross_regional,components,giant,welfare,worst_gain,excluded,moves,g_share";

/// Writes a run directory of `spec.worlds` worlds; world `w` stops `10 × (w mod 4)` ticks early.
pub(crate) fn write_run(dir: &Path, spec: &Spec) {
    let mut manifest = String::new();
    writeln!(
        manifest,
        "(\n    name: \"{}\",\n    worlds: {},\n    seed: 7,",
        spec.name, spec.worlds
    )
    .unwrap();
    writeln!(
        manifest,
        "    countries: [\n        (name: \"nested <&> name\", gdp: 1.0),\n    ],\n)"
    )
    .unwrap();
    write(dir, "manifest.ron", &manifest);

    let mut series = format!("world,seed,tick,{SERIES_HEADER}\n");
    let mut summary = format!("world,seed,outcome,stop_reason,stop_tick,{SERIES_HEADER}\n");
    let mut countries = "world,id,iso3,name,region,x,y,lon,lat,gdp,in_m,in_g,locked,wall,agreements,primary_bloc,utility,gain\n".to_owned();
    let mut agreements =
        "world,id,name,kind,depth,rule,reach,founded,dissolved,members,gdp_share\n".to_owned();
    let mut events = "world,tick,country,iso3,move,institution,cause,value\n".to_owned();

    for w in 0..spec.worlds {
        let mut rng = Lcg::new(1000 + w as u64);
        let n = spec.countries;
        let iso3 = |i: usize| {
            if i < REAL.len() {
                REAL[i].to_owned()
            } else {
                format!("C{i:02}")
            }
        };
        let mut pos = Vec::new();
        for i in 0..n {
            let angle = (i % 5) as f64 * std::f64::consts::TAU / 5.0;
            let x = (0.5 + 0.35 * angle.cos() + (rng.f64() - 0.5) * 0.2).clamp(0.0, 1.0);
            let y = (0.5 + 0.35 * angle.sin() + (rng.f64() - 0.5) * 0.2).clamp(0.0, 1.0);
            pos.push((x, y));
        }
        let mut world = World {
            gdp: (0..n)
                .map(|_| (3.0 * (rng.f64() + rng.f64() + rng.f64() - 1.5)).exp())
                .collect(),
            in_m: (0..n).map(|i| i % 5 != 4).collect(),
            locked: vec![false; n],
            wall: vec![None; n],
            agreements: BTreeMap::new(),
            founded: BTreeMap::new(),
            dissolved: BTreeMap::new(),
            next_id: 1,
        };
        let mut event =
            |tick: u64, c: Option<usize>, mv: &str, inst: &str, cause: &str, value: &str| {
                let (id, code) =
                    c.map_or((String::new(), String::new()), |c| (c.to_string(), iso3(c)));
                writeln!(events, "{w},{tick},{id},{code},{mv},{inst},{cause},{value}").unwrap();
            };
        for i in 0..n {
            if world.in_m[i] {
                event(0, Some(i), "JoinM", "M", "initial", "");
            }
        }
        world.agreements.insert(0, [0, 1, 2].into_iter().collect());
        world.founded.insert(0, 0);
        for i in [0, 1, 2] {
            event(0, Some(i), "Join", "0", "initial", "");
        }

        let stop = spec.ticks - 10 * (w as u64 % 4).min(spec.ticks / 20);
        let (mut t_m, mut passed, mut failed, mut welfare) = (0.10f64, 0u64, 0u64, 10.0f64);
        let record = |tick: u64,
                      world: &World,
                      moves: u64,
                      t_m: f64,
                      passed: u64,
                      failed: u64,
                      welfare: f64,
                      out: &mut String| {
            let m_share = world.share(|i| world.in_m[i]);
            let coverage = world.share(|i| world.agreements.values().any(|m| m.contains(&i)));
            let mut blocs: BTreeMap<u64, f64> = BTreeMap::new();
            for i in 0..n {
                if let Some(b) = world.primary(i) {
                    *blocs.entry(b).or_default() += world.gdp[i];
                }
            }
            let covered: f64 = blocs.values().sum();
            let hhi: f64 = blocs.values().map(|g| (g / covered).powi(2)).sum();
            let effective = if hhi > 0.0 { 1.0 / hhi } else { 0.0 };
            let m_count = world.in_m.iter().filter(|&&b| b).count();
            let e_m = (m_share / 0.8).min(1.0);
            let live = world.agreements.len();
            writeln!(
                out,
                "{m_share},{m_count},{t_m},{e_m},{},{passed},{failed},{live},{coverage},{},{},{effective},{},{},{},{},{},{welfare},{},{},{moves},",
                e_m * 0.9,
                1.0 + live as f64 / 10.0,
                coverage * m_share * 0.8,
                0.3 * (1.0 - e_m) + 0.05 * effective.min(3.0),
                0.2 - t_m,
                0.5,
                live.max(1),
                n / 2,
                -0.01 * tick as f64 / 100.0,
                world.share(|i| !world.in_m[i] && !world.agreements.values().any(|m| m.contains(&i))),
            )
            .unwrap();
        };
        let mut rows = String::new();
        write!(rows, "{w},{},0,", 1000 + w).unwrap();
        record(0, &world, 0, t_m, passed, failed, welfare, &mut rows);
        let mut last_row = String::new();
        for tick in 1..=stop {
            let mut moves = 0;
            for _ in 0..2 {
                let c = rng.below(n);
                let roll = rng.f64();
                let mine: Vec<u64> = world
                    .agreements
                    .iter()
                    .filter(|(_, m)| m.contains(&c))
                    .map(|(k, _)| *k)
                    .collect();
                let others: Vec<u64> = world
                    .agreements
                    .iter()
                    .filter(|(_, m)| !m.contains(&c))
                    .map(|(k, _)| *k)
                    .collect();
                if roll < 0.3 && !others.is_empty() {
                    let k = others[rng.below(others.len())];
                    world.agreements.get_mut(&k).unwrap().insert(c);
                    event(tick, Some(c), "Join", &k.to_string(), "choice", "");
                    moves += 1;
                } else if roll < 0.45 {
                    let j = rng.below(n);
                    if j != c
                        && !world
                            .agreements
                            .values()
                            .any(|m| m.contains(&c) && m.contains(&j))
                    {
                        let k = world.next_id;
                        world.next_id += 1;
                        world.agreements.insert(k, [c, j].into_iter().collect());
                        world.founded.insert(k, tick);
                        event(tick, Some(c), "Form", &k.to_string(), "choice", "");
                        event(tick, Some(j), "Form", &k.to_string(), "choice", "");
                        moves += 1;
                    }
                } else if roll < 0.6 && !mine.is_empty() {
                    let k = mine[rng.below(mine.len())];
                    let members = world.agreements.get_mut(&k).unwrap();
                    members.remove(&c);
                    event(tick, Some(c), "Leave", &k.to_string(), "choice", "");
                    if members.len() == 1 {
                        let last = *members.iter().next().unwrap();
                        world.agreements.remove(&k);
                        world.dissolved.insert(k, tick);
                        event(tick, Some(last), "Dissolve", &k.to_string(), "choice", "");
                    }
                    moves += 1;
                } else if roll < 0.7 {
                    if world.in_m[c] {
                        world.in_m[c] = false;
                        event(tick, Some(c), "LeaveM", "M", "choice", "");
                        moves += 1;
                    } else if !world.locked[c] {
                        world.in_m[c] = true;
                        event(tick, Some(c), "JoinM", "M", "choice", "");
                        moves += 1;
                    }
                }
            }
            if tick == 20 && world.agreements.contains_key(&0) {
                event(tick, None, "SetRule", "0", "event", "");
            }
            if tick == 30 {
                world.gdp[1] *= 1.5;
                event(tick, Some(1), "GdpShift", "", "event", "1.5");
            }
            if tick == 40 {
                world.wall[2] = Some(0.25);
                event(tick, Some(2), "TariffWall", "", "event", "0.25");
            }
            if tick == 50 {
                world.locked[3] = true;
                event(tick, Some(3), "Lock", "M", "event", "");
                if world.in_m[3] {
                    world.in_m[3] = false;
                    event(tick, Some(3), "LeaveM", "M", "event", "");
                }
            }
            if tick % 10 == 0 {
                if rng.f64() < 0.6 && t_m > 0.0 {
                    t_m = (t_m - 0.02f64).max(0.0);
                    passed += 1;
                } else {
                    failed += 1;
                }
            }
            welfare += 0.05 + 0.02 * (rng.f64() - 0.5);
            last_row.clear();
            record(
                tick,
                &world,
                moves,
                t_m,
                passed,
                failed,
                welfare,
                &mut last_row,
            );
            writeln!(rows, "{w},{},{tick},{}", 1000 + w, last_row.trim_end()).unwrap();
        }
        series.push_str(&rows);
        let outcome = if spec.worlds == 1 {
            "NetworkedOrder"
        } else {
            CLASSES[w % CLASSES.len()]
        };
        let reason = if stop == spec.ticks {
            "MaxTicks"
        } else {
            "Converged"
        };
        writeln!(
            summary,
            "{w},{},{outcome},{reason},{stop},{}",
            1000 + w,
            last_row.trim_end()
        )
        .unwrap();

        for (i, &(x, y)) in pos.iter().enumerate() {
            let (lon, lat) = if spec.geo {
                (
                    format!("{}", pos[i].0 * 340.0 - 170.0),
                    format!("{}", pos[i].1 * 120.0 - 50.0),
                )
            } else {
                (String::new(), String::new())
            };
            let count = world.agreements.values().filter(|m| m.contains(&i)).count();
            writeln!(
                countries,
                "{w},{i},{},Country {i},{},{},{},{lon},{lat},{},{},false,{},{},{count},{},0.5,0.1",
                iso3(i),
                i % 5,
                x,
                y,
                world.gdp[i],
                world.in_m[i],
                world.locked[i],
                world.wall[i].map_or(String::new(), |v| v.to_string()),
                world.primary(i).map_or(String::new(), |b| b.to_string()),
            )
            .unwrap();
        }
        for (&k, &founded) in &world.founded {
            let members: Vec<String> = world
                .agreements
                .get(&k)
                .map(|m| m.iter().map(|i| i.to_string()).collect())
                .unwrap_or_default();
            let name = if k == 0 {
                "Pacific Pact".to_owned()
            } else {
                format!("FTA {k}")
            };
            writeln!(
                agreements,
                "{w},{k},{name},Fta,0.3,Unanimity,inf,{founded},{},{},0.1",
                world
                    .dissolved
                    .get(&k)
                    .map_or(String::new(), |t| t.to_string()),
                members.join(";"),
            )
            .unwrap();
        }
    }
    write(dir, "timeseries.csv", &series);
    write(dir, "summary.csv", &summary);
    write(dir, "countries.csv", &countries);
    write(dir, "agreements.csv", &agreements);
    write(dir, "events.csv", &events);
}

/// Wilson 95 % interval of `k` successes in `n`.
pub(crate) fn wilson(k: f64, n: f64) -> (f64, f64) {
    crate::sweep::stats::wilson(k as u64, n as u64)
}

/// Class counts at a sweep point from a smooth made-up law of the two coordinates.
fn class_counts(a: f64, b: f64, n: u64) -> [u64; 5] {
    let weights = [
        0.2 * a * b,
        (1.0 - a) * 0.8 + 0.1,
        0.3 * (1.0 - b),
        a * 1.2,
        0.15,
    ];
    let total: f64 = weights.iter().sum();
    let mut counts = weights.map(|w| (w / total * n as f64).floor() as u64);
    let given: u64 = counts.iter().sum();
    counts[1] += n - given;
    counts
}

/// Writes a sweep directory varying `fields` (one or two) over the given value lists.
pub(crate) fn write_sweep(
    dir: &Path,
    name: &str,
    fields: &[(&str, Vec<f64>)],
    with_sensitivity: bool,
) {
    write(
        dir,
        "manifest.ron",
        &format!("(\n    name: \"{name}\",\n    replicates: 40,\n)\n"),
    );
    let n = 40u64;
    let mut header = "point".to_owned();
    for (f, _) in fields {
        write!(header, ",{f}").unwrap();
    }
    header.push_str(",n");
    for m in ["m_share", "coverage"] {
        write!(header, ",{m}_mean,{m}_sd,{m}_lo,{m}_hi").unwrap();
    }
    for c in CLASSES {
        write!(header, ",p_{c},p_{c}_lo,p_{c}_hi").unwrap();
    }
    let mut points = header + "\n";
    let mut worlds =
        format!("world,seed,outcome,stop_reason,stop_tick,{SERIES_HEADER},point,replicate");
    let mut series = format!("world,seed,tick,{SERIES_HEADER},point,replicate\n");
    for (f, _) in fields {
        write!(worlds, ",{f}").unwrap();
    }
    worlds.push('\n');
    let grid: Vec<Vec<f64>> = match fields {
        [(_, a)] => a.iter().map(|&x| vec![x]).collect(),
        [(_, a), (_, b)] => a
            .iter()
            .flat_map(|&x| b.iter().map(move |&y| vec![x, y]))
            .collect(),
        _ => panic!("one or two fields"),
    };
    let max: Vec<f64> = fields
        .iter()
        .map(|(_, v)| v.iter().cloned().fold(0.0, f64::max).max(1e-9))
        .collect();
    for (point, values) in grid.iter().enumerate() {
        let a = values[0] / max[0];
        let b = values.get(1).map_or(0.5, |v| v / max[1]);
        let counts = class_counts(a, b, n);
        write!(points, "{point}").unwrap();
        for v in values {
            write!(points, ",{v}").unwrap();
        }
        write!(
            points,
            ",{n},{},0.1,{},{},{},0.1,{},{}",
            1.0 - a * 0.5,
            0.9 - a * 0.5,
            1.0 - a * 0.5 + 0.05,
            a,
            a - 0.05,
            a + 0.05
        )
        .unwrap();
        for k in counts {
            let (lo, hi) = wilson(k as f64, n as f64);
            write!(points, ",{},{lo},{hi}", k as f64 / n as f64).unwrap();
        }
        points.push('\n');
        let mut replicate = 0;
        for (class, &k) in CLASSES.iter().zip(&counts) {
            for _ in 0..k {
                let world = replicate;
                let row = format!(
                    "{},{},0.1,0.9,0.8,3,1,2,0.5,1.2,0.4,2,0.2,0.1,0.5,1,30,12.5,-0.01,0.05,0,",
                    1.0 - a * 0.5,
                    50
                );
                write!(
                    worlds,
                    "{world},{},{class},Converged,60,{row},{point},{replicate}",
                    100 + world
                )
                .unwrap();
                for v in values {
                    write!(worlds, ",{v}").unwrap();
                }
                worlds.push('\n');
                if replicate < 2 {
                    for tick in 0..=30u64 {
                        let s = 0.8 - a * 0.4 * tick as f64 / 30.0;
                        writeln!(series, "{world},{},{tick},{s},50,0.1,0.9,0.8,{},{},2,0.5,1.2,0.4,2,0.2,0.1,0.5,1,30,12.5,-0.01,0.05,0,,{point},{replicate}", 100 + world, tick / 10, tick / 15).unwrap();
                    }
                }
                replicate += 1;
            }
        }
    }
    write(dir, "points.csv", &points);
    write(dir, "worlds.csv", &worlds);
    write(dir, "series.csv", &series);
    if with_sensitivity {
        let mut s =
            "method,output,parameter,s1,s1_lo,s1_hi,st,st_lo,st_hi,mu_star,sigma\n".to_owned();
        let params = [
            "cu_market_power",
            "round_cut",
            "ntb",
            "activation_rate",
            "membership_cost",
        ];
        for output in ["m_share", "coverage"] {
            for (i, p) in params.iter().enumerate() {
                let s1 = 0.4 / (i + 1) as f64;
                writeln!(
                    s,
                    "Sobol,{output},{p},{s1},{},{},{},{},{},,",
                    s1 - 0.05,
                    s1 + 0.05,
                    s1 * 1.4,
                    s1 * 1.2,
                    s1 * 1.6
                )
                .unwrap();
            }
        }
        for (i, p) in params.iter().enumerate() {
            writeln!(
                s,
                "Morris,m_share,{p},,,,,,,{},{}",
                0.5 / (i + 1) as f64,
                0.1 * (5 - i) as f64
            )
            .unwrap();
        }
        write(dir, "sensitivity.csv", &s);
    }
}
