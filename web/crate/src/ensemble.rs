//! The Ensemble panel: many worlds of the current settings, their outcome-class shares with
//! Wilson intervals, and the median and 10–90 % band of key metrics by tick, as the CLI's
//! `outcomes` and `convergence` figures show them.
//!
//! Worlds run in a Web Worker (or several), each on its own stream, and are summarised by
//! world index, so the answer does not depend on how the worlds were split.

use blocs_core::metrics::Outcome;
use blocs_core::model::WorldSpec;
use blocs_core::scheduler::run_world;

/// Metrics whose band the panel draws.
pub const BAND_METRICS: [&str; 3] = ["m_share", "coverage", "free_share"];

/// What one world of an ensemble leaves for the summary.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorldBrief {
    /// World index (its stream).
    pub index: u64,
    /// Outcome class.
    pub outcome: String,
    /// The tick it stopped at.
    pub stop_tick: u32,
    /// Per-tick values of [`BAND_METRICS`], tick 0 first.
    pub series: Vec<Vec<f64>>,
}

/// Runs worlds `from..to` of a validated scenario.
pub fn run(spec: &WorldSpec, seed: u64, from: u64, to: u64) -> Vec<WorldBrief> {
    (from..to)
        .map(|i| {
            let r = run_world(spec, seed, i);
            let series = BAND_METRICS
                .iter()
                .map(|m| {
                    r.series
                        .iter()
                        .map(|x| x.get(m).expect("band metrics exist"))
                        .collect()
                })
                .collect();
            WorldBrief {
                index: i,
                outcome: r.outcome.as_str().to_string(),
                stop_tick: r.stop_tick,
                series,
            }
        })
        .collect()
}

/// One outcome class's share.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ClassShare {
    /// Class name.
    pub class: &'static str,
    /// Worlds in it.
    pub count: u64,
    /// Share of worlds.
    pub share: f64,
    /// 95 % Wilson interval, low end.
    pub lo: f64,
    /// 95 % Wilson interval, high end.
    pub hi: f64,
}

/// Median and 10–90 % band of one metric by tick.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Band {
    /// Metric.
    pub metric: &'static str,
    /// Median by tick.
    pub median: Vec<f64>,
    /// 10 % quantile by tick.
    pub lo: Vec<f64>,
    /// 90 % quantile by tick.
    pub hi: Vec<f64>,
}

/// The panel's content.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    /// Worlds.
    pub worlds: u64,
    /// Every class, in reporting order.
    pub classes: Vec<ClassShare>,
    /// Median stop tick.
    pub median_stop: f64,
    /// Bands of [`BAND_METRICS`].
    pub bands: Vec<Band>,
}

/// Summarises worlds given in any order.
pub fn summarise(worlds: &mut [WorldBrief]) -> Summary {
    worlds.sort_by_key(|w| w.index);
    let n = worlds.len() as u64;
    let classes = Outcome::ALL
        .iter()
        .map(|c| {
            let count = worlds.iter().filter(|w| w.outcome == c.as_str()).count() as u64;
            let (lo, hi) = if n > 0 { wilson(count, n) } else { (0.0, 1.0) };
            ClassShare {
                class: c.as_str(),
                count,
                share: if n > 0 { count as f64 / n as f64 } else { 0.0 },
                lo,
                hi,
            }
        })
        .collect();
    let mut stops: Vec<f64> = worlds.iter().map(|w| f64::from(w.stop_tick)).collect();
    stops.sort_by(f64::total_cmp);
    let last = worlds.iter().map(|w| w.stop_tick).max().unwrap_or(0) as usize;
    let bands = BAND_METRICS
        .iter()
        .enumerate()
        .map(|(k, &metric)| {
            let mut band = Band {
                metric,
                median: Vec::with_capacity(last + 1),
                lo: Vec::with_capacity(last + 1),
                hi: Vec::with_capacity(last + 1),
            };
            let mut values = Vec::with_capacity(worlds.len());
            for tick in 0..=last {
                values.clear();
                // A world that stopped keeps its last value, as in the CLI's figure.
                values.extend(worlds.iter().filter_map(|w| {
                    let s = &w.series[k];
                    s.get(tick).or(s.last()).copied()
                }));
                values.sort_by(f64::total_cmp);
                band.median.push(quantile(&values, 0.5));
                band.lo.push(quantile(&values, 0.1));
                band.hi.push(quantile(&values, 0.9));
            }
            band
        })
        .collect();
    Summary {
        worlds: n,
        classes,
        median_stop: quantile(&stops, 0.5),
        bands,
    }
}

/// The 95 % Wilson score interval of `k` successes in `n > 0` trials (as `blocs sweep`).
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    const Z: f64 = 1.959963984540054;
    let (k, n) = (k as f64, n as f64);
    let p = k / n;
    let denom = 1.0 + Z * Z / n;
    let centre = (p + Z * Z / (2.0 * n)) / denom;
    let half = Z / denom * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Linear-interpolation quantile of sorted values (NaN when empty).
fn quantile(sorted: &[f64], q: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * q;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}
