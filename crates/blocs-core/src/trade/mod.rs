//! Trade models beside the built-in gravity module: the docking models (Krugman's CES
//! blocs, Cournot oligopoly) behind the [`TradeModel`] interface, so that the scheduler
//! runs them unchanged: the same moves, votes and stop rules, other payoffs.
//!
//! A world's agreements are read as the models' structures: customs unions are Krugman's
//! blocs (countries in none are one-province blocs); for the Cournot model, pairs that
//! share an agreement trade freely, customs unions set a common external tariff, and
//! everyone else sets its own tariff on non-partners.

pub mod cournot;
pub mod krugman;
pub mod numerics;

use crate::model::{Kind, Params, World};
use cournot::{Cournot, LinearDemand, Tariffs};
use krugman::KrugmanCes;

/// A trade module: the part of payoffs that depends on trade costs.
///
/// The gravity module is built in (`payoff::GravityModel`) and evaluated incrementally by
/// `payoff::Engine`; the other modules implement this trait and are evaluated from scratch.
pub trait TradeModel: Send + Sync + std::fmt::Debug {
    /// The module's name, as written into manifests.
    fn name(&self) -> &'static str;
    /// The trade payoff (what gravity calls C + X + R − L) of every country.
    fn trade_payoffs(&self, world: &World, params: &Params, out: &mut [f64]);
}

/// Why a trade model cannot be built or solved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TradeError {
    /// Parameters outside what the model handles.
    #[error("invalid parameters: {0}")]
    InvalidParams(String),
    /// A numerical solve failed to converge.
    #[error("no convergence: {0}")]
    NoConvergence(String),
}

impl TradeModel for KrugmanCes {
    fn name(&self) -> &'static str {
        "KrugmanCes"
    }

    /// Each province's real income relative to world free trade, with every bloc at its
    /// Nash external tariff (Krugman 1991).
    fn trade_payoffs(&self, world: &World, _params: &Params, out: &mut [f64]) {
        let n = world.n();
        let bloc_size: Vec<usize> = (0..n as u32)
            .map(|i| match world.customs_union_of(i) {
                Some(k) => world.agreements[k as usize].members().len(),
                None => 1,
            })
            .collect();
        let mut sizes = Vec::new();
        let mut seen = vec![false; n];
        for i in 0..n as u32 {
            if seen[i as usize] {
                continue;
            }
            match world.customs_union_of(i) {
                Some(k) => {
                    for &m in world.agreements[k as usize].members() {
                        seen[m as usize] = true;
                    }
                }
                None => seen[i as usize] = true,
            }
            sizes.push(bloc_size[i as usize]);
        }
        // A single bloc is world free trade: welfare 1 by the model's normalisation.
        let classes = if sizes.len() == 1 {
            Vec::new()
        } else {
            match self.nash_by_size(&sizes) {
                Ok(classes) => classes,
                Err(_) => {
                    // No equilibrium, no payoff: NaN stops the world as SolverFailed
                    // (scheduler) instead of letting every province look equally well off.
                    out.iter_mut().take(n).for_each(|w| *w = f64::NAN);
                    return;
                }
            }
        };
        for (i, w) in out.iter_mut().enumerate().take(n) {
            *w = classes
                .iter()
                .find(|c| c.0 == bloc_size[i])
                .map_or(1.0, |c| c.2.welfare);
        }
    }
}

/// The Cournot model over a world of any size.
impl TradeModel for Cournot {
    fn name(&self) -> &'static str {
        "Cournot"
    }

    fn trade_payoffs(&self, world: &World, _params: &Params, out: &mut [f64]) {
        let n = world.n();
        // tariff[j][i]: what market j charges firm i.
        let tariff: Vec<Vec<f64>> = (0..n as u32)
            .map(|j| {
                let t = match (self.tariffs, world.customs_union_of(j)) {
                    (Tariffs::Fixed(t), _) => t,
                    (Tariffs::Optimal, Some(k)) => {
                        let a = &world.agreements[k as usize];
                        debug_assert_eq!(a.spec.kind, Kind::CustomsUnion);
                        self.optimal_cu_tariff(n, a.members().len())
                    }
                    (Tariffs::Optimal, None) => {
                        let partners = (0..n as u32)
                            .filter(|&i| i != j && world.share(i, j))
                            .count();
                        self.optimal_fta_tariff(n, n - 1 - partners)
                    }
                };
                (0..n as u32)
                    .map(|i| if i == j || world.share(i, j) { 0.0 } else { t })
                    .collect()
            })
            .collect();
        for (w, v) in out.iter_mut().zip(self.welfare(&tariff)) {
            *w = v;
        }
    }
}

/// The trade module a scenario names, if it is not the built-in gravity module.
pub fn model_for(spec: &crate::model::TradeSpec) -> Option<std::sync::Arc<dyn TradeModel>> {
    use crate::model::TradeSpec;
    match *spec {
        TradeSpec::Gravity => None,
        TradeSpec::KrugmanCes { sigma } => Some(std::sync::Arc::new(KrugmanCes { sigma })),
        TradeSpec::Cournot {
            intercept,
            cost,
            fixed_tariff,
        } => Some(std::sync::Arc::new(Cournot {
            demand: LinearDemand { intercept },
            cost,
            tariffs: fixed_tariff.map_or(Tariffs::Optimal, Tariffs::Fixed),
        })),
    }
}
