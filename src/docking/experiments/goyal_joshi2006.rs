//! `goyal_joshi2006`: pairwise-stable networks of bilateral FTAs with optimal
//! and with fixed tariffs, and myopic link dynamics from the empty network.

use crate::docking::cournot::{Cournot, Tariffs};
use crate::docking::experiments::{check, f6, num, row};
use crate::docking::networks::{
    Graph, all_classes, is_pairwise_stable, myopic_path, reachable_classes,
};
use crate::docking::numerics::{bisect, rel_diff};
use crate::docking::params::GoyalJoshi2006Params;
use crate::docking::{DockError, DockReport};

/// Relative agreement required between the bisected end of uniqueness and its closed form.
const THRESHOLD_TOL: f64 = 1e-9;

/// The complete network on `n - 1` nodes plus one isolated node, canonical.
pub fn almost_complete(n: usize) -> Option<Graph> {
    let mut g = Graph::complete(n)?;
    for j in 1..n {
        g = g.with_edge(0, j, false);
    }
    Some(g.canonical())
}

/// Every country's welfare in a network under a Cournot model: the experiment's payoff.
/// [`run_with_payoff`] takes another one, so a test can show that a wrong model fails.
pub type Payoff = dyn Fn(&Cournot, &Graph) -> Vec<f64>;

/// The model's own payoff: national welfare in the FTA network.
pub fn fta_welfare(model: &Cournot, g: &Graph) -> Vec<f64> {
    model.fta_welfare(g)
}

/// The first tariff above which the complete network is no longer the only
/// pairwise-stable network (our derivation: the isolated country of K(N-1)+K1 stops
/// wanting a link there), `2(2N-3)A / (4N^2 - 17)`.
pub fn uniqueness_threshold(n: usize, market_size: f64) -> f64 {
    let nf = n as f64;
    2.0 * (2.0 * nf - 3.0) * market_size / (4.0 * nf * nf - 17.0)
}

/// Pairwise-stable isomorphism classes among `classes` under `model`.
pub fn stable_classes(model: &Cournot, classes: &[Graph]) -> Vec<Graph> {
    stable_classes_with(&fta_welfare, model, classes)
}

/// Pairwise-stable isomorphism classes among `classes` under `model` and `welfare`.
pub fn stable_classes_with(welfare: &Payoff, model: &Cournot, classes: &[Graph]) -> Vec<Graph> {
    let payoff = |g: &Graph| welfare(model, g);
    classes
        .iter()
        .copied()
        .filter(|g| is_pairwise_stable(g, &payoff))
        .collect()
}

fn names(gs: &[Graph]) -> String {
    gs.iter()
        .map(Graph::describe)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Runs the experiment.
pub fn run(p: &GoyalJoshi2006Params) -> Result<DockReport, DockError> {
    run_with_payoff(p, &fta_welfare)
}

/// Runs the experiment's checks with `welfare` in place of the model's own payoff.
pub fn run_with_payoff(
    p: &GoyalJoshi2006Params,
    welfare: &Payoff,
) -> Result<DockReport, DockError> {
    let stable_classes = |m: &Cournot, classes: &[Graph]| stable_classes_with(welfare, m, classes);
    let model_with = |t: Tariffs| Cournot::new(p.demand, p.cost, t);
    let optimal = model_with(Tariffs::Optimal)?;
    let grid: Vec<f64> = (0..=p.fixed_tariff_steps)
        .map(|k| p.fixed_tariff_max * k as f64 / p.fixed_tariff_steps as f64)
        .collect();
    let mut stable_table = vec![row([
        "countries",
        "regime",
        "classes_enumerated",
        "pairwise_stable_networks",
        "complete_stable",
        "complete_unique",
    ])];
    let mut sweep_table = vec![row([
        "countries",
        "fixed_tariff",
        "complete_stable",
        "stable_count",
        "pairwise_stable_networks",
    ])];
    let mut dyn_table = vec![row([
        "countries",
        "regime",
        "lexicographic_path_from_empty",
        "end",
        "stable_networks_reachable_by_some_improving_path",
    ])];
    let mut welfare_table = vec![row([
        "countries",
        "network",
        "world_welfare_optimal_tariffs",
    ])];

    let mut complete_stable_opt = Vec::new();
    let mut gj_shape = Vec::new();
    let mut almost_opt = Vec::new();
    let mut threshold_table = vec![row([
        "countries",
        "closed_form_threshold",
        "bisection_threshold",
        "rel_diff",
        "unique_below",
        "almost_complete_stable_above",
    ])];
    let mut uniqueness_ends = Vec::new();
    let mut welfare_max = Vec::new();
    let mut low_tariff_ok = Vec::new();
    let mut complete_breaks = Vec::new();
    let mut thresholds = Vec::new();
    for n in p.n_min..=p.n_max {
        let classes = all_classes(n);
        let complete = Graph::complete(n).map(|g| g.canonical());
        let almost = almost_complete(n);
        let (Some(complete), Some(almost), Some(empty)) = (complete, almost, Graph::empty(n))
        else {
            return Err(DockError::InvalidParams(format!(
                "unsupported number of countries {n}"
            )));
        };

        let st = stable_classes(&optimal, &classes);
        let has_complete = st.contains(&complete);
        stable_table.push(vec![
            n.to_string(),
            "Optimal".into(),
            classes.len().to_string(),
            names(&st),
            has_complete.to_string(),
            (has_complete && st.len() == 1).to_string(),
        ]);
        complete_stable_opt.push((n, has_complete));
        gj_shape.push((
            n,
            st.iter().all(|g| *g == complete || *g == almost),
            names(&st),
        ));
        almost_opt.push((n, st.contains(&almost), names(&st)));

        let world = |g: &Graph| welfare(&optimal, g).iter().sum::<f64>();
        let best = classes
            .iter()
            .copied()
            .fold(None::<(Graph, f64)>, |acc, g| {
                let w = world(&g);
                match acc {
                    Some((_, bw)) if bw >= w => acc,
                    _ => Some((g, w)),
                }
            });
        for g in &st {
            welfare_table.push(vec![n.to_string(), g.describe(), num(world(g))]);
        }
        welfare_table.push(vec![n.to_string(), empty.describe(), num(world(&empty))]);
        welfare_max.push((
            n,
            best.is_some_and(|b| b.0 == complete),
            best.map(|b| b.0.describe()),
        ));

        // t = 0 is skipped in the stability summary: without tariffs a link
        // changes nothing, so every network is (weakly) pairwise stable.
        let mut first_break = None;
        let mut extra_at: Vec<bool> = Vec::with_capacity(grid.len());
        let mut stable_at: Vec<Vec<Graph>> = Vec::with_capacity(grid.len());
        for &t in &grid {
            let m = model_with(Tariffs::Fixed(t))?;
            let st_t = stable_classes(&m, &classes);
            let c = st_t.contains(&complete);
            if t > 0.0 && !c && first_break.is_none() {
                first_break = Some(t);
            }
            extra_at.push(t > 0.0 && st_t.iter().any(|g| *g != complete));
            stable_at.push(st_t.clone());
            sweep_table.push(vec![
                n.to_string(),
                num(t),
                c.to_string(),
                st_t.len().to_string(),
                names(&st_t),
            ]);
        }
        let low = grid.get(1).copied().unwrap_or(0.0);
        let low_model = model_with(Tariffs::Fixed(low))?;
        low_tariff_ok.push((n, stable_classes(&low_model, &classes) == vec![complete]));
        complete_breaks.push((n, first_break));
        // The sweep brackets every switch between "complete is the only
        // stable network" and "others are stable too"; bisection pins each
        // switch down.
        let others_stable = |t: f64| -> f64 {
            match model_with(Tariffs::Fixed(t)) {
                Ok(m) if stable_classes(&m, &classes).iter().any(|g| *g != complete) => 1.0,
                _ => -1.0,
            }
        };
        let mut intervals = Vec::new();
        let mut first_switch = None;
        let mut k = 1;
        while k < grid.len() {
            if !extra_at[k] {
                k += 1;
                continue;
            }
            let start = k;
            while k + 1 < grid.len() && extra_at[k + 1] {
                k += 1;
            }
            let lo =
                bisect(others_stable, grid[start - 1], grid[start], 1e-12).unwrap_or(grid[start]);
            first_switch.get_or_insert(lo);
            let hi = if k + 1 < grid.len() {
                let up = bisect(others_stable, grid[k], grid[k + 1], 1e-12).unwrap_or(grid[k]);
                f6(up)
            } else {
                format!("{} (end of sweep)", f6(grid[k]))
            };
            let mut extra: Vec<Graph> = stable_at[start..=k]
                .iter()
                .flatten()
                .copied()
                .filter(|g| *g != complete)
                .collect();
            extra.sort();
            extra.dedup();
            intervals.push(format!("{} for t in ({}, {hi})", names(&extra), f6(lo)));
            k += 1;
        }
        thresholds.push((n, intervals));
        // Uniqueness ends at the closed-form tariff: below it (on the grid) the complete
        // network is the only stable one, at the first grid tariff above it K(N-1)+K1 is
        // stable too, and bisection finds the switch where the formula puts it.
        let closed = uniqueness_threshold(n, optimal.market_size());
        let unique_below = grid
            .iter()
            .zip(&stable_at)
            .filter(|(t, _)| **t > 0.0 && **t < closed)
            .all(|(_, st)| *st == [complete]);
        let almost_above = grid
            .iter()
            .zip(&stable_at)
            .find(|(t, _)| **t > closed)
            .is_some_and(|(_, st)| st.contains(&almost));
        let gap = first_switch.map(|t| rel_diff(t, closed));
        threshold_table.push(vec![
            n.to_string(),
            num(closed),
            first_switch.map_or(String::new(), num),
            gap.map_or(String::new(), num),
            unique_below.to_string(),
            almost_above.to_string(),
        ]);
        uniqueness_ends.push((
            n,
            closed,
            first_switch,
            unique_below && almost_above && gap.is_some_and(|g| g < THRESHOLD_TOL),
        ));

        let regimes = [
            ("Optimal".to_string(), Tariffs::Optimal),
            (
                format!("Fixed({})", f6(0.25 * p.fixed_tariff_max)),
                Tariffs::Fixed(0.25 * p.fixed_tariff_max),
            ),
            (
                format!("Fixed({})", f6(0.75 * p.fixed_tariff_max)),
                Tariffs::Fixed(0.75 * p.fixed_tariff_max),
            ),
        ];
        for (label, tariffs) in regimes {
            let m = model_with(tariffs)?;
            let payoff = |g: &Graph| welfare(&m, g);
            let path = myopic_path(empty, &payoff, 10_000);
            let reach: Vec<Graph> = reachable_classes(empty, &payoff)
                .into_iter()
                .filter(|g| is_pairwise_stable(g, &payoff))
                .collect();
            let end = path.visited.last().copied().unwrap_or(empty);
            let steps: Vec<String> = path
                .visited
                .iter()
                .map(|g| g.edge_count().to_string())
                .collect();
            dyn_table.push(vec![
                n.to_string(),
                label.clone(),
                format!("links: {}", steps.join(" -> ")),
                format!("{} ({:?})", end.describe(), path.end),
                names(&reach),
            ]);
        }
    }

    let range = format!("N = {}..{}", p.n_min, p.n_max);
    let per_n = |v: Vec<String>| v.join("; ");
    let mut rows = Vec::new();
    rows.push(check(
        format!("Goyal & Joshi (2006): with symmetric countries and optimal tariffs the complete network (global free trade) is pairwise stable ({range})"),
        per_n(complete_stable_opt.iter().map(|(n, c)| format!("N={n}: {c}")).collect()),
        complete_stable_opt.iter().all(|x| x.1),
    ));
    rows.push(check(
        format!("Goyal & Joshi (2006), as summarised by Iimura, Shichijo & Hokari (2010): every pairwise-stable network is complete or 'almost complete' (K(N-1) plus one isolated country) ({range})"),
        per_n(gj_shape.iter().map(|(n, _, s)| format!("N={n}: {s}")).collect()),
        gj_shape.iter().all(|x| x.1),
    ));
    rows.push(check(
        format!("Goyal & Joshi (2006), as summarised by Iimura, Shichijo & Hokari (2010): with optimal tariffs the complete network is not the only pairwise-stable network; the almost-complete network K(N-1)+K1 is pairwise stable too (uniqueness is Furusawa & Konishi's (2007) result for their differentiated-goods model, not this one) ({range})"),
        per_n(almost_opt.iter().map(|(n, _, s)| format!("N={n}: {s}")).collect()),
        almost_opt.iter().all(|x| x.1),
    ));
    rows.push(check(
        format!("Goyal & Joshi (2006): the complete network maximises world welfare (optimal tariffs, {range})"),
        per_n(
            welfare_max
                .iter()
                .map(|(n, _, b)| format!("N={n}: max at {}", b.clone().unwrap_or_default()))
                .collect(),
        ),
        welfare_max.iter().all(|x| x.1),
    ));
    rows.push(check(
        format!(
            "Fixed tariffs: at a low tariff (t = {}) the complete network is pairwise stable, and the only one ({range})",
            f6(grid.get(1).copied().unwrap_or(0.0))
        ),
        per_n(low_tariff_ok.iter().map(|(n, ok)| format!("N={n}: {ok}")).collect()),
        low_tariff_ok.iter().all(|x| x.1),
    ));
    rows.push(check(
        format!(
            "Fixed tariffs: the complete network is pairwise stable at every tariff of the sweep (0 < t <= {}); cutting a link loses ((2N-3)At + (N-3/2)t^2)/(N+1)^2 > 0 (our derivation) ({range})",
            f6(p.fixed_tariff_max)
        ),
        per_n(
            complete_breaks
                .iter()
                .map(|(n, b)| match b {
                    Some(t) => format!("N={n}: unstable from t = {}", f6(*t)),
                    None => format!("N={n}: stable at every t"),
                })
                .collect(),
        ),
        complete_breaks.iter().all(|x| x.1.is_none()),
    ));
    rows.push(check(
        format!(
            "Fixed tariffs: the threshold tariff is where the complete network stops being the unique pairwise-stable network, not where it stops being stable: unique for 0 < t < t*(N) = 2(2N-3)A/(4N^2-17) (our derivation), K(N-1)+K1 stable too just above it (sweep t in [0, {}], {range})",
            f6(p.fixed_tariff_max)
        ),
        format!(
            "{}. Stable besides the complete network: {}",
            per_n(
                uniqueness_ends
                    .iter()
                    .map(|(n, closed, found, _)| match found {
                        Some(t) => format!(
                            "N={n}: t* = {} by bisection, {} by formula",
                            f6(*t),
                            f6(*closed)
                        ),
                        None => format!("N={n}: complete stays the only stable network"),
                    })
                    .collect()
            ),
            per_n(
                thresholds
                    .iter()
                    .map(|(n, iv)| {
                        if iv.is_empty() {
                            format!("N={n}: none")
                        } else {
                            format!("N={n}: {}", iv.join(", "))
                        }
                    })
                    .collect()
            )
        ),
        uniqueness_ends.iter().all(|x| x.3),
    ));
    Ok(DockReport {
        name: "goyal_joshi2006".to_string(),
        rows,
        tables: vec![
            ("stable_networks".to_string(), stable_table),
            ("fixed_tariff_sweep".to_string(), sweep_table),
            ("link_dynamics".to_string(), dyn_table),
            ("world_welfare".to_string(), welfare_table),
            ("uniqueness_threshold".to_string(), threshold_table),
        ],
    })
}
