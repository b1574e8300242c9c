//! `krugman1991`: world welfare against the number of equal blocs, the Nash
//! tariffs, and a bloc-merging dynamic.

use crate::docking::experiments::{check, f6, num, row};
use crate::docking::krugman::KrugmanCes;
use crate::docking::numerics::{bisect, rel_diff};
use crate::docking::params::{Krugman1991Params, SigmaScan};
use crate::docking::{DockCheck, DockError, DockReport};

/// Relative agreement required between the closed-form Nash tariff and the
/// brute-force best response to it.
const FIXED_POINT_TOL: f64 = 1e-9;

/// Relative gap above which a candidate tariff is clearly not a Nash tariff.
const WRONG_GAP: f64 = 1e-3;

/// Runs the experiment.
pub fn run(p: &Krugman1991Params) -> Result<DockReport, DockError> {
    let models: Vec<KrugmanCes> = p
        .sigmas
        .iter()
        .map(|&s| KrugmanCes::new(s))
        .collect::<Result<_, _>>()?;
    let mut rows = Vec::new();
    let mut tables = Vec::new();

    // Long tables, one row per (sigma, blocs), so that every header is a plain name.
    let mut welfare_table = vec![row(["sigma", "blocs", "welfare"])];
    let mut tariff_table = vec![row(["sigma", "blocs", "nash_tariff"])];
    let mut welfare: Vec<Vec<f64>> = vec![Vec::new(); models.len()];
    for (k, m) in models.iter().enumerate() {
        for b in 1..=p.max_blocs {
            // One bloc is world free trade: no external tariff exists (an empty cell).
            let (w, t) = if b == 1 {
                (1.0, String::new())
            } else {
                let t = m.nash_tariff(b)?;
                (m.world_welfare(b, t), num(t))
            };
            welfare[k].push(w);
            welfare_table.push(vec![num(m.sigma), b.to_string(), num(w)]);
            tariff_table.push(vec![num(m.sigma), b.to_string(), t]);
        }
    }

    for (m, w) in models.iter().zip(&welfare) {
        let (arg, wmin) =
            w.iter().enumerate().fold(
                (0, f64::INFINITY),
                |acc, (i, &v)| if v < acc.1 { (i, v) } else { acc },
            );
        let minimiser = arg + 1;
        rows.push(check(
            format!(
                "Krugman (1991): with equal blocs setting Nash tariffs, world welfare is lowest at B = {} (sigma = {})",
                p.published_minimiser, m.sigma
            ),
            format!("lowest at B = {minimiser} (welfare {} of free trade)", f6(wmin)),
            minimiser == p.published_minimiser,
        ));
        let below = w[1..].iter().all(|&v| v < 1.0);
        let falls = w[..minimiser].windows(2).all(|x| x[1] < x[0]);
        let rises = w[arg..].windows(2).all(|x| x[1] > x[0]);
        let last = w.len();
        rows.push(check(
            format!(
                "Krugman (1991): welfare is 1 under free trade (B = 1), below 1 for every B >= 2, falls to the minimum and then recovers towards 1 as B grows (sigma = {})",
                m.sigma
            ),
            format!(
                "W(1) = 1, W(2) = {}, W({minimiser}) = {}, W({last}) = {}; below 1: {below}, falls then rises: {}",
                f6(w[1]),
                f6(wmin),
                f6(w[last - 1]),
                falls && rises
            ),
            below && falls && rises,
        ));
    }

    let mut nash_table = vec![row([
        "sigma",
        "blocs",
        "nash_tariff",
        "brute_force_best_response",
        "golden_only_best_response",
        "rel_diff",
        "shortcut_tariff",
        "best_response_to_shortcut",
        "fixed_income_formula",
        "best_response_to_fixed_income",
    ])];
    for m in &models {
        let mut worst_fixed_point: f64 = 0.0;
        let mut shortcut_gaps = Vec::new();
        let mut fixed_income_gaps = Vec::new();
        for &b in &p.check_blocs {
            let t = m.nash_tariff(b)?;
            let br = m.brute_force_best_response(b, t)?;
            let golden = m.golden_best_response(b, t)?;
            let shortcut = m.shortcut_tariff();
            let br_short = m.brute_force_best_response(b, shortcut)?;
            let fixed_income = m.fixed_income_tariff(b)?;
            let br_fixed = m.brute_force_best_response(b, fixed_income)?;
            let d = rel_diff(t, br);
            worst_fixed_point = worst_fixed_point.max(d);
            shortcut_gaps.push((b, rel_diff(shortcut, br_short)));
            fixed_income_gaps.push((b, rel_diff(fixed_income, br_fixed)));
            nash_table.push(vec![
                num(m.sigma),
                b.to_string(),
                num(t),
                num(br),
                num(golden),
                num(d),
                num(shortcut),
                num(br_short),
                num(fixed_income),
                num(br_fixed),
            ]);
        }
        rows.push(check(
            format!(
                "Our derivation: the closed-form Nash tariff t = 1/(eps(t)-1) is a best response to itself in the full general equilibrium (sigma = {}, B in {:?})",
                m.sigma, p.check_blocs
            ),
            format!("largest relative gap to the brute-force best response: {worst_fixed_point:.1e}"),
            worst_fixed_point < FIXED_POINT_TOL,
        ));
        let fmt = |gaps: &[(usize, f64)]| {
            gaps.iter()
                .map(|(b, g)| format!("B={b}: {g:.1e}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let few_blocs_wrong = |gaps: &[(usize, f64)]| gaps.first().is_some_and(|g| g.1 > WRONG_GAP);
        rows.push(check(
            format!(
                "Brief: holding the bloc's share of the others' spending fixed (t = 1/(sigma-1)) is not the Nash tariff when blocs are few (sigma = {})",
                m.sigma
            ),
            format!(
                "relative gap between the shortcut and the best response to it: {}; the share-elasticity formula without the income term gaps by {}",
                fmt(&shortcut_gaps),
                fmt(&fixed_income_gaps)
            ),
            few_blocs_wrong(&shortcut_gaps),
        ));
    }

    tables.push(("welfare_vs_blocs".to_string(), welfare_table));
    tables.push(("nash_tariffs".to_string(), tariff_table));
    tables.push(("nash_tariff_checks".to_string(), nash_table));

    if p.dynamic_provinces > 0 {
        let mut dyn_table = vec![row([
            "sigma",
            "rule",
            "step",
            "bloc_sizes",
            "nash_tariffs",
            "world_welfare",
        ])];
        for m in &models {
            for &rule in &p.merge_rules {
                let path = m.merge_dynamics(p.dynamic_provinces, rule)?;
                for (k, s) in path.iter().enumerate() {
                    let sizes: Vec<String> = s.sizes.iter().map(ToString::to_string).collect();
                    let tariffs: Vec<String> = s.tariffs.iter().map(|&t| num(t)).collect();
                    dyn_table.push(vec![
                        num(m.sigma),
                        format!("{rule:?}"),
                        k.to_string(),
                        format!("{{{}}}", sizes.join(",")),
                        format!("[{}]", tariffs.join(",")),
                        num(s.world_welfare),
                    ]);
                }
            }
        }
        tables.push(("merge_dynamics".to_string(), dyn_table));
    }

    // The scan's row and tables go last, after those every earlier report had.
    if let Some(scan) = &p.sigma_scan {
        let (scan_row, scan_table, threshold_table) = sigma_scan(p, scan)?;
        rows.push(scan_row);
        tables.push(("sigma_scan".to_string(), scan_table));
        tables.push(("sigma_thresholds".to_string(), threshold_table));
    }
    Ok(DockReport {
        name: "krugman1991".to_string(),
        rows,
        tables,
    })
}

/// A table for CSV, first row the header.
type Table = Vec<Vec<String>>;

/// World welfare relative to free trade with `blocs` equal blocs at their Nash tariff
/// (1 for one bloc).
fn nash_welfare(m: &KrugmanCes, blocs: usize) -> Result<f64, DockError> {
    if blocs == 1 {
        return Ok(1.0);
    }
    Ok(m.world_welfare(blocs, m.nash_tariff(blocs)?))
}

/// The number of blocs in 1..=max_blocs that minimises world welfare, and that welfare.
pub fn welfare_minimiser(sigma: f64, max_blocs: usize) -> Result<(usize, f64), DockError> {
    let m = KrugmanCes::new(sigma)?;
    let mut best = (1, 1.0);
    for b in 2..=max_blocs {
        let w = nash_welfare(&m, b)?;
        if w < best.1 {
            best = (b, w);
        }
    }
    Ok(best)
}

/// The sigma scan: one table row per sigma, one row per change of the minimiser (the
/// sigma where the two numbers of blocs give equal welfare, by bisection), and the check
/// that the published minimiser holds on one interval reaching the top of the scan and
/// covering every tabulated sigma.
fn sigma_scan(
    p: &Krugman1991Params,
    scan: &SigmaScan,
) -> Result<(DockCheck, Table, Table), DockError> {
    let grid = scan.grid();
    let mut scan_table = vec![row([
        "sigma",
        "minimising_blocs",
        "min_welfare",
        "welfare_published_minimiser",
    ])];
    let mut minimisers = Vec::with_capacity(grid.len());
    for &sigma in &grid {
        let (b, w) = welfare_minimiser(sigma, p.max_blocs)?;
        let m = KrugmanCes::new(sigma)?;
        let published = nash_welfare(&m, p.published_minimiser.min(p.max_blocs))?;
        scan_table.push(vec![num(sigma), b.to_string(), num(w), num(published)]);
        minimisers.push(b);
    }
    let mut threshold_table = vec![row(["blocs_below", "blocs_above", "sigma"])];
    let mut switches = Vec::new();
    for k in 1..grid.len() {
        let (below, above) = (minimisers[k - 1], minimisers[k]);
        if below == above {
            continue;
        }
        let gap = |sigma: f64| match KrugmanCes::new(sigma) {
            Ok(m) => match (nash_welfare(&m, below), nash_welfare(&m, above)) {
                (Ok(a), Ok(b)) => a - b,
                _ => f64::NAN,
            },
            Err(_) => f64::NAN,
        };
        let at = bisect(gap, grid[k - 1], grid[k], 1e-14).ok_or_else(|| {
            DockError::NoConvergence(format!(
                "krugman1991: the sigma where the minimiser changes from {below} to {above} blocs"
            ))
        })?;
        threshold_table.push(vec![below.to_string(), above.to_string(), num(at)]);
        switches.push((below, above, at));
    }
    // Runs of equal minimisers, for the report line.
    let mut runs: Vec<(usize, f64, f64)> = Vec::new();
    for (&b, &sigma) in minimisers.iter().zip(&grid) {
        match runs.last_mut() {
            Some(r) if r.0 == b => r.2 = sigma,
            _ => runs.push((b, sigma, sigma)),
        }
    }
    let target = p.published_minimiser;
    let last_run = runs.last().copied();
    let one_interval = runs.iter().filter(|r| r.0 == target).count() == 1
        && last_run.is_some_and(|r| r.0 == target);
    // Where the published minimiser's interval begins: the bisected switch into it, or
    // the bottom of the scan.
    let start = switches
        .iter()
        .rev()
        .find(|s| s.1 == target)
        .map_or(grid[0], |s| s.2);
    let smallest = p.sigmas.iter().copied().fold(f64::INFINITY, f64::min);
    let pass = one_interval && start <= smallest;
    let text: Vec<String> = runs
        .iter()
        .map(|&(b, lo, hi)| format!("B = {b} for sigma in [{lo}, {hi}]"))
        .collect();
    let thresholds: Vec<String> = switches
        .iter()
        .map(|(below, above, at)| {
            format!("B = {below} below sigma = {}, B = {above} above", f6(*at))
        })
        .collect();
    let check_row = check(
        format!(
            "Krugman (1991): world welfare is lowest at B = {target} 'for all plausible parameter values': on a scan of sigma from {} to {} ({} steps), B = {target} minimises world welfare on one interval that reaches the top of the scan and starts below the smallest tabulated sigma ({smallest})",
            num(scan.from),
            num(scan.to),
            scan.steps
        ),
        format!(
            "{}; thresholds (bisection): {}",
            text.join(", "),
            if thresholds.is_empty() {
                "none in the scan".to_string()
            } else {
                thresholds.join("; ")
            }
        ),
        pass,
    );
    Ok((check_row, scan_table, threshold_table))
}
