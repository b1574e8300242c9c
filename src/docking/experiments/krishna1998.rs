//! `krishna1998`: three countries, one Cournot firm each, segmented markets,
//! exogenous MFN tariffs and governments that follow their firms' profits.
//! Countries 0 and 1 may form an FTA; country 2 is the rest of the world.

use crate::docking::cournot::{Accounts, Cournot, Tariffs};
use crate::docking::experiments::{check, f6, num, row};
use crate::docking::numerics::rel_diff;
use crate::docking::params::Krishna1998Params;
use crate::docking::{DockError, DockReport};

/// The three trade regimes compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regime {
    /// Every import pays the MFN tariff.
    StatusQuo,
    /// Countries 0 and 1 trade freely; the outside tariffs stay.
    Fta,
    /// No tariffs at all.
    Multilateral,
}

/// Tariff matrix `[importer][exporter]` of a regime at MFN tariff `t`.
pub fn tariff_matrix(regime: Regime, t: f64) -> Vec<Vec<f64>> {
    (0..3)
        .map(|j| {
            (0..3)
                .map(|i| {
                    let free = i == j
                        || regime == Regime::Multilateral
                        || (regime == Regime::Fta && i < 2 && j < 2);
                    if free { 0.0 } else { t }
                })
                .collect()
        })
        .collect()
}

/// Accounts of the three countries under a regime.
pub fn accounts(model: &Cournot, regime: Regime, t: f64) -> Vec<Accounts> {
    model.accounts(&tariff_matrix(regime, t))
}

/// Closed-form profit changes of a member firm (interior, `t <= A/3`):
/// FTA vs status quo `(4At - 6t^2)/16`, multilateral free trade vs status
/// quo `(4At - 12t^2)/16`, multilateral free trade vs FTA `-6t^2/16`.
pub fn closed_form_profit_gains(market_size: f64, t: f64) -> [f64; 3] {
    let a = market_size;
    [
        (4.0 * a * t - 6.0 * t * t) / 16.0,
        (4.0 * a * t - 12.0 * t * t) / 16.0,
        -6.0 * t * t / 16.0,
    ]
}

/// Member-firm profit gains `[FTA-SQ, MFT-SQ, MFT-FTA]` from the model.
pub fn profit_gains(model: &Cournot, t: f64) -> [f64; 3] {
    let p = |r| accounts(model, r, t)[0].profits;
    let (sq, fta, mft) = (
        p(Regime::StatusQuo),
        p(Regime::Fta),
        p(Regime::Multilateral),
    );
    [fta - sq, mft - sq, mft - fta]
}

/// Runs the experiment.
pub fn run(p: &Krishna1998Params) -> Result<DockReport, DockError> {
    let t = p.tariff;
    let model = Cournot::new(p.demand, p.cost, Tariffs::Fixed(t))?;
    let a = model.market_size();
    let regimes = [Regime::StatusQuo, Regime::Fta, Regime::Multilateral];
    let acc: Vec<Vec<Accounts>> = regimes.iter().map(|&r| accounts(&model, r, t)).collect();
    let (sq, fta, mft) = (&acc[0], &acc[1], &acc[2]);

    let mut gains_table = vec![row([
        "move",
        "member_profit_gain",
        "member_welfare_gain",
        "outsider_profit_gain",
        "outsider_welfare_gain",
    ])];
    let moves = [
        ("FTA from status quo", sq, fta),
        ("multilateral free trade from status quo", sq, mft),
        ("multilateral free trade from FTA", fta, mft),
    ];
    for (label, from, to) in moves {
        gains_table.push(vec![
            label.to_string(),
            num(to[0].profits - from[0].profits),
            num(to[0].welfare() - from[0].welfare()),
            num(to[2].profits - from[2].profits),
            num(to[2].welfare() - from[2].welfare()),
        ]);
    }

    let market = |r: Regime, importer: usize| model.market(&tariff_matrix(r, t)[importer]);
    let (sq_m0, fta_m0) = (market(Regime::StatusQuo, 0), market(Regime::Fta, 0));
    let (sq_m1, fta_m1) = (market(Regime::StatusQuo, 1), market(Regime::Fta, 1));
    // Long: one row per seller and regime, all in member 0's market.
    let mut flows_table = vec![row(["market", "seller", "role", "regime", "quantity"])];
    let mft_m0 = market(Regime::Multilateral, 0);
    for (k, role) in ["home", "partner", "outsider"].iter().enumerate() {
        for (regime, m) in [
            ("status_quo", &sq_m0),
            ("fta", &fta_m0),
            ("multilateral", &mft_m0),
        ] {
            flows_table.push(vec![
                "0".to_string(),
                k.to_string(),
                role.to_string(),
                regime.to_string(),
                num(m.quantities[k]),
            ]);
        }
    }
    let home_change = fta_m0.profits[0] - sq_m0.profits[0];
    let partner_change = fta_m1.profits[0] - sq_m1.profits[0];

    let [g_fta, g_mft_sq, g_mft_fta] = profit_gains(&model, t);
    let mut rows = Vec::new();
    rows.push(check(
        format!("Krishna (1998): two countries' producer-driven governments support a trade-diverting FTA (t = {t}, a - c = {a})"),
        format!("member firm's profit change {}", f6(g_fta)),
        g_fta > 0.0,
    ));
    rows.push(check(
        "Krishna (1998): from the status quo the same governments would support multilateral free trade",
        format!("member firm's profit change {}", f6(g_mft_sq)),
        g_mft_sq > 0.0,
    ));
    rows.push(check(
        "Krishna (1998): once the FTA exists, multilateral free trade lowers its members' profits, so they veto it",
        format!("member firm's profit change {}", f6(g_mft_fta)),
        g_mft_fta < 0.0,
    ));
    let diverted = fta_m0.quantities[2] < sq_m0.quantities[2];
    rows.push(check(
        "Krishna (1998): the FTA's gain is a rent from trade diversion: the outsider's sales in member markets fall, members gain more in the partner's market than they lose at home, the outsider loses",
        format!(
            "outsider sales in a member market {} -> {}; member profit at home {}, in partner market +{}; outsider profit change {}",
            f6(sq_m0.quantities[2]),
            f6(fta_m0.quantities[2]),
            f6(home_change),
            f6(partner_change),
            f6(fta[2].profits - sq[2].profits)
        ),
        diverted && partner_change > -home_change && fta[2].profits < sq[2].profits,
    ));
    if t <= a / 3.0 {
        let closed = closed_form_profit_gains(a, t);
        let worst = closed
            .iter()
            .zip([g_fta, g_mft_sq, g_mft_fta])
            .fold(0.0_f64, |m, (c, s)| m.max(rel_diff(*c, s)));
        rows.push(check(
            "Our derivation: member profit gains are (4At-6t^2)/16, (4At-12t^2)/16 and -6t^2/16 (A = a - c, t <= A/3)",
            format!("largest relative gap to the simulation {worst:.1e}"),
            worst < 1e-9,
        ));
    }

    let mut sweep_table = vec![row([
        "tariff",
        "gain_fta",
        "gain_mft_from_status_quo",
        "gain_mft_from_fta",
        "fta_blocks_mft",
        "welfare_gain_fta",
        "welfare_gain_mft_from_status_quo",
        "welfare_gain_mft_from_fta",
    ])];
    let mut mismatches = Vec::new();
    let mut veto_range: Option<(f64, f64)> = None;
    for k in 1..=p.sweep_steps {
        let tk = 0.5 * a * k as f64 / p.sweep_steps as f64;
        let mk = Cournot::new(p.demand, p.cost, Tariffs::Fixed(tk))?;
        let [gf, gs, gm] = profit_gains(&mk, tk);
        let veto = gf > 0.0 && gs > 0.0 && gm < 0.0;
        let w = |r| accounts(&mk, r, tk)[0].welfare();
        let (wsq, wfta, wmft) = (
            w(Regime::StatusQuo),
            w(Regime::Fta),
            w(Regime::Multilateral),
        );
        // The derivation says the veto happens exactly for 0 < t < A/3.
        if veto != (tk < a / 3.0) {
            mismatches.push(f6(tk));
        }
        if veto {
            veto_range = Some(veto_range.map_or((tk, tk), |(lo, _)| (lo, tk)));
        }
        sweep_table.push(vec![
            num(tk),
            num(gf),
            num(gs),
            num(gm),
            veto.to_string(),
            num(wfta - wsq),
            num(wmft - wsq),
            num(wmft - wfta),
        ]);
    }
    rows.push(check(
        "Our derivation: the FTA turns support for multilateral free trade into a veto for every MFN tariff 0 < t < (a - c)/3 (sweep over (0, (a - c)/2])",
        match veto_range {
            Some((lo, hi)) => format!(
                "veto on grid t in [{}, {}]; grid points disagreeing with t < A/3: {}",
                f6(lo),
                f6(hi),
                if mismatches.is_empty() { "none".to_string() } else { mismatches.join(",") }
            ),
            None => "no veto anywhere on the grid".to_string(),
        },
        veto_range.is_some() && mismatches.is_empty(),
    ));

    Ok(DockReport {
        name: "krishna1998".to_string(),
        rows,
        tables: vec![
            ("gains".to_string(), gains_table),
            ("trade_flows".to_string(), flows_table),
            ("tariff_sweep".to_string(), sweep_table),
        ],
    })
}
