//! Cournot oligopoly with segmented national markets (one firm per country).
//!
//! Every country has one firm with constant marginal cost `c` that sells in
//! every national market; each market has inverse demand `P = a - Q`. A firm
//! exporting to market `j` pays `j`'s specific tariff on top of `c`, so in each
//! market the firms play Cournot with asymmetric costs. National welfare is
//! consumer surplus + the national firm's profits in all markets + tariff
//! revenue, as in Yi (1996), Goyal & Joshi (2006), Krishna (1998).

use serde::{Deserialize, Serialize};

use crate::trade::TradeError;
use crate::trade::numerics::polished_argmax;

/// A network of bilateral FTAs, as the FTA tariff formulas read it (the docking
/// experiments' `Graph` implements it in the shell).
pub trait Network {
    /// Number of countries.
    fn n(&self) -> usize;
    /// Number of FTA partners of `i`.
    fn degree(&self, i: usize) -> usize;
    /// Whether `i` and `j` have an FTA.
    fn has_edge(&self, i: usize, j: usize) -> bool;
}

/// How a country (or customs union) sets its tariff on non-partners.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Tariffs {
    /// Each tariff maximises the setter's welfare (dominant strategy here,
    /// because markets are segmented and costs constant).
    Optimal,
    /// A common exogenous specific tariff.
    Fixed(f64),
}

/// Linear inverse demand `P = intercept - Q` in every national market.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinearDemand {
    /// Demand intercept `a`.
    pub intercept: f64,
}

/// The Cournot trade model: demand, common marginal cost and tariff regime.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cournot {
    /// Inverse demand in every market.
    pub demand: LinearDemand,
    /// Constant marginal cost `c` of every firm.
    pub cost: f64,
    /// Tariff regime against non-partners.
    pub tariffs: Tariffs,
}

/// Equilibrium of one national market.
#[derive(Debug, Clone, PartialEq)]
pub struct MarketOutcome {
    /// Sales of each country's firm in this market (zero when priced out).
    pub quantities: Vec<f64>,
    /// Market price.
    pub price: f64,
    /// Consumer surplus `Q^2 / 2`.
    pub consumer_surplus: f64,
    /// Tariff revenue collected by the importing country.
    pub tariff_revenue: f64,
    /// Profit of each country's firm in this market.
    pub profits: Vec<f64>,
}

/// Welfare accounts of one country summed over all markets.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Accounts {
    /// Consumer surplus in the home market.
    pub consumer_surplus: f64,
    /// Tariff revenue collected at home.
    pub tariff_revenue: f64,
    /// The national firm's profits in all markets.
    pub profits: f64,
}

impl Accounts {
    /// National welfare: consumer surplus + profits + tariff revenue.
    pub fn welfare(&self) -> f64 {
        self.consumer_surplus + self.tariff_revenue + self.profits
    }
}

impl Cournot {
    /// Validates the parameters: a finite market size `a - c > 0` and a
    /// finite non-negative fixed tariff.
    pub fn new(demand: LinearDemand, cost: f64, tariffs: Tariffs) -> Result<Self, TradeError> {
        let ok_market = demand.intercept.is_finite() && cost.is_finite() && cost >= 0.0;
        if !ok_market || demand.intercept <= cost {
            return Err(TradeError::InvalidParams(format!(
                "Cournot needs finite 0 <= cost < intercept, got cost {cost}, intercept {}",
                demand.intercept
            )));
        }
        if let Tariffs::Fixed(t) = tariffs
            && !(t.is_finite() && t >= 0.0)
        {
            return Err(TradeError::InvalidParams(format!(
                "fixed tariff must be finite and >= 0, got {t}"
            )));
        }
        Ok(Self {
            demand,
            cost,
            tariffs,
        })
    }

    /// Market size `A = a - c`, the only demand/cost combination that matters.
    pub fn market_size(&self) -> f64 {
        self.demand.intercept - self.cost
    }

    /// Cournot equilibrium of one market where firm `i` pays `tariffs[i]`.
    ///
    /// With linear demand the active firms are always the cheapest ones, so
    /// the equilibrium is found by dropping the dearest firm until every
    /// remaining firm sells a positive quantity.
    pub fn market(&self, tariffs: &[f64]) -> MarketOutcome {
        let n = tariffs.len();
        let a = self.demand.intercept;
        let cost = |i: usize| self.cost + tariffs[i];
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| cost(i).total_cmp(&cost(j)).then(i.cmp(&j)));
        let mut quantities = vec![0.0; n];
        for k in (1..=n).rev() {
            let active = &order[..k];
            let sum_cost: f64 = active.iter().map(|&i| cost(i)).sum();
            let kf = k as f64;
            let q_of = |i: usize| (a + sum_cost - (kf + 1.0) * cost(i)) / (kf + 1.0);
            if q_of(active[k - 1]) > 0.0 {
                for &i in active {
                    quantities[i] = q_of(i);
                }
                break;
            }
        }
        let total: f64 = quantities.iter().sum();
        let price = a - total;
        let profits = (0..n).map(|i| (price - cost(i)) * quantities[i]).collect();
        let tariff_revenue = (0..n).map(|i| tariffs[i] * quantities[i]).sum();
        MarketOutcome {
            quantities,
            price,
            consumer_surplus: 0.5 * total * total,
            tariff_revenue,
            profits,
        }
    }

    /// Accounts of every country given `tariff[j][i]`, the tariff importer
    /// `j` levies on exporter `i` (the diagonal must be zero).
    pub fn accounts(&self, tariff: &[Vec<f64>]) -> Vec<Accounts> {
        let n = tariff.len();
        let mut acc = vec![Accounts::default(); n];
        for (j, row) in tariff.iter().enumerate() {
            let m = self.market(row);
            acc[j].consumer_surplus += m.consumer_surplus;
            acc[j].tariff_revenue += m.tariff_revenue;
            for (i, p) in m.profits.iter().enumerate() {
                acc[i].profits += p;
            }
        }
        acc
    }

    /// Welfare of every country given a tariff matrix.
    pub fn welfare(&self, tariff: &[Vec<f64>]) -> Vec<f64> {
        self.accounts(tariff)
            .iter()
            .map(Accounts::welfare)
            .collect()
    }

    /// Closed-form welfare-maximising tariff of a country with `outsiders`
    /// non-partners among `n` countries that counts only its own firm
    /// (bilateral FTAs; Goyal & Joshi's endogenous tariffs):
    /// `3A / (2(n+1)(n+1-m) - 3m)`.
    ///
    /// Derived from the home-market welfare `CS + own profit + revenue`,
    /// which is quadratic in the tariff; the tariff never prices
    /// non-partners out, so the interior formula is exact.
    pub fn optimal_fta_tariff(&self, n: usize, outsiders: usize) -> f64 {
        let (nf, m) = (n as f64, outsiders as f64);
        3.0 * self.market_size() / (2.0 * (nf + 1.0) * (nf + 1.0 - m) - 3.0 * m)
    }

    /// Closed-form common external tariff of a customs union of `members`
    /// countries among `n` that maximises the members' joint welfare:
    /// `(2s+1)A / (2(n+1)(s+1) - (n-s)(2s+1))`.
    ///
    /// Differs from the FTA formula because the union also values the
    /// partner firms' profits in each member market.
    pub fn optimal_cu_tariff(&self, n: usize, members: usize) -> f64 {
        let (nf, s) = (n as f64, members as f64);
        (2.0 * s + 1.0) * self.market_size()
            / (2.0 * (nf + 1.0) * (s + 1.0) - (nf - s) * (2.0 * s + 1.0))
    }

    /// Tariff matrix of a bilateral FTA network: linked pairs trade freely,
    /// every other import pays the regime's tariff (optimal per importer).
    pub fn fta_tariff_matrix(&self, g: &impl Network) -> Vec<Vec<f64>> {
        let n = g.n();
        (0..n)
            .map(|j| {
                let outsiders = n - 1 - g.degree(j);
                let t = match self.tariffs {
                    Tariffs::Fixed(t) => t,
                    Tariffs::Optimal => self.optimal_fta_tariff(n, outsiders),
                };
                (0..n)
                    .map(|i| if i == j || g.has_edge(i, j) { 0.0 } else { t })
                    .collect()
            })
            .collect()
    }

    /// Welfare of every country in a bilateral FTA network.
    pub fn fta_welfare(&self, g: &impl Network) -> Vec<f64> {
        self.welfare(&self.fta_tariff_matrix(g))
    }

    /// Tariff matrix of a customs-union structure (`union_of[i]` labels the
    /// union of country `i`): free trade inside, common external tariff.
    pub fn cu_tariff_matrix(&self, union_of: &[usize]) -> Vec<Vec<f64>> {
        let n = union_of.len();
        (0..n)
            .map(|j| {
                let members = union_of.iter().filter(|&&u| u == union_of[j]).count();
                let t = match self.tariffs {
                    Tariffs::Fixed(t) => t,
                    Tariffs::Optimal => self.optimal_cu_tariff(n, members),
                };
                (0..n)
                    .map(|i| if union_of[i] == union_of[j] { 0.0 } else { t })
                    .collect()
            })
            .collect()
    }

    /// Welfare of every country in a customs-union structure.
    pub fn cu_welfare(&self, union_of: &[usize]) -> Vec<f64> {
        self.welfare(&self.cu_tariff_matrix(union_of))
    }

    /// Brute-force best common tariff of the `setters` (one country acting
    /// alone, or all members of a customs union): maximises the setters'
    /// summed welfare over the tariff they levy on every import that is
    /// taxed in `base` (entries `> 0`), holding all other entries of `base`
    /// fixed. Golden section + central-difference polish, no formula used.
    pub fn brute_force_tariff(&self, base: &[Vec<f64>], setters: &[usize]) -> f64 {
        let taxed: Vec<(usize, usize)> = setters
            .iter()
            .flat_map(|&j| (0..base.len()).map(move |i| (j, i)))
            .filter(|&(j, i)| base[j][i] > 0.0)
            .collect();
        let objective = |t: f64| {
            let mut tm = base.to_vec();
            for &(j, i) in &taxed {
                tm[j][i] = t;
            }
            let w = self.welfare(&tm);
            setters.iter().map(|&k| w[k]).sum::<f64>()
        };
        polished_argmax(objective, 0.0, self.market_size())
    }
}
