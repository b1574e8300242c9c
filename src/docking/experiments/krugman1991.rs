//! `krugman1991`: world welfare against the number of equal blocs, the Nash
//! tariffs, and a bloc-merging dynamic.

use crate::docking::experiments::{check, f6, num, row};
use crate::docking::krugman::KrugmanCes;
use crate::docking::numerics::rel_diff;
use crate::docking::params::Krugman1991Params;
use crate::docking::{DockError, DockReport};

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

    Ok(DockReport {
        name: "krugman1991".to_string(),
        rows,
        tables,
    })
}
