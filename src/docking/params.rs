//! Parameters of the docking experiments, parsed from RON with unknown
//! fields rejected, plus the shipped defaults and their validation.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::docking::DockError;
use crate::docking::coalitions::StabilityConcept;
use crate::docking::cournot::{Cournot, LinearDemand, Tariffs};
use crate::docking::krugman::MergeRule;
use crate::docking::networks::MAX_NODES;

/// Parameters of `krugman1991`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Krugman1991Params {
    /// Elasticities of substitution to tabulate.
    pub sigmas: Vec<f64>,
    /// Largest number of equal blocs (tables run B = 1..=max_blocs).
    pub max_blocs: usize,
    /// The published welfare-minimising number of blocs.
    pub published_minimiser: usize,
    /// Numbers of blocs at which the closed-form Nash tariff is checked
    /// against a brute-force best response.
    pub check_blocs: Vec<usize>,
    /// Provinces in the bloc-merging dynamic (0 skips it).
    pub dynamic_provinces: usize,
    /// Merge rules for the dynamic.
    pub merge_rules: Vec<MergeRule>,
    /// A fine scan of sigma: which number of blocs minimises world welfare, and the
    /// sigma where that changes (none: no scan).
    #[serde(default)]
    pub sigma_scan: Option<SigmaScan>,
}

/// An even grid of sigma, `from + (to - from) k / steps` for `k = 0..=steps`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigmaScan {
    /// Smallest sigma (> 1).
    pub from: f64,
    /// Largest sigma.
    pub to: f64,
    /// Number of steps.
    pub steps: usize,
}

impl SigmaScan {
    /// The grid, each point rounded to 9 decimals so that `1.05 + 0.05` is written 1.1.
    pub fn grid(&self) -> Vec<f64> {
        (0..=self.steps)
            .map(|k| {
                let x = self.from + (self.to - self.from) * k as f64 / self.steps as f64;
                (x * 1e9).round() / 1e9
            })
            .collect()
    }
}

/// Parameters of `yi1996`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Yi1996Params {
    /// Inverse demand `P = a - Q` in every market.
    pub demand: LinearDemand,
    /// Marginal cost of every firm.
    pub cost: f64,
    /// Customs-union tariff regime (Yi: `Optimal`).
    pub tariffs: Tariffs,
    /// Smallest number of countries.
    pub n_min: usize,
    /// Largest number of countries.
    pub n_max: usize,
    /// Which changes count when stability is judged and the dynamics move: one country
    /// at a time (the default) or whole unions merging.
    #[serde(default)]
    pub concept: StabilityConcept,
}

/// Parameters of `goyal_joshi2006`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoyalJoshi2006Params {
    /// Inverse demand `P = a - Q` in every market.
    pub demand: LinearDemand,
    /// Marginal cost of every firm.
    pub cost: f64,
    /// Smallest number of countries.
    pub n_min: usize,
    /// Largest number of countries (at most 8).
    pub n_max: usize,
    /// Largest fixed tariff of the sweep.
    pub fixed_tariff_max: f64,
    /// Number of steps of the fixed-tariff sweep (grid `max * k / steps`).
    pub fixed_tariff_steps: usize,
}

/// Parameters of `krishna1998`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Krishna1998Params {
    /// Inverse demand `P = a - Q` in every market.
    pub demand: LinearDemand,
    /// Marginal cost of every firm.
    pub cost: f64,
    /// The common most-favoured-nation tariff of the headline case.
    pub tariff: f64,
    /// Steps of the tariff sweep over `(0, (a - c)/2]`.
    pub sweep_steps: usize,
}

/// Parameters of any docking experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum ExperimentParams {
    /// Krugman (1991).
    Krugman1991(Krugman1991Params),
    /// Yi (1996).
    Yi1996(Yi1996Params),
    /// Goyal & Joshi (2006).
    GoyalJoshi2006(GoyalJoshi2006Params),
    /// Krishna (1998).
    Krishna1998(Krishna1998Params),
}

/// The shipped default RON text of experiment `name`.
pub fn default_text(name: &str) -> Option<&'static str> {
    match name {
        "krugman1991" => Some(include_str!("../../experiments/docking/krugman1991.ron")),
        "yi1996" => Some(include_str!("../../experiments/docking/yi1996.ron")),
        "goyal_joshi2006" => Some(include_str!(
            "../../experiments/docking/goyal_joshi2006.ron"
        )),
        "krishna1998" => Some(include_str!("../../experiments/docking/krishna1998.ron")),
        _ => None,
    }
}

fn parse<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<T, DockError> {
    ron::from_str(text).map_err(|source| DockError::Parse {
        name: name.to_string(),
        path: Path::new("experiments/docking").join(format!("{name}.ron")),
        source: Box::new(source),
    })
}

/// Parses and validates the RON parameters of experiment `name`.
pub fn parse_params(name: &str, text: &str) -> Result<ExperimentParams, DockError> {
    let p = match name {
        "krugman1991" => ExperimentParams::Krugman1991(parse(name, text)?),
        "yi1996" => ExperimentParams::Yi1996(parse(name, text)?),
        "goyal_joshi2006" => ExperimentParams::GoyalJoshi2006(parse(name, text)?),
        "krishna1998" => ExperimentParams::Krishna1998(parse(name, text)?),
        _ => return Err(DockError::UnknownExperiment(name.to_string())),
    };
    p.validate()?;
    Ok(p)
}

/// The validated default parameters of experiment `name`.
pub fn default_params(name: &str) -> Result<ExperimentParams, DockError> {
    let text = default_text(name).ok_or_else(|| DockError::UnknownExperiment(name.to_string()))?;
    parse_params(name, text)
}

/// Reads an experiment file; the experiment is named by the file stem
/// (`experiments/docking/yi1996.ron` is `yi1996`). The only IO here.
pub fn load_params_file(path: &Path) -> Result<ExperimentParams, DockError> {
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| DockError::UnknownExperiment(path.display().to_string()))?;
    let text = std::fs::read_to_string(path).map_err(|source| DockError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse_params(name, &text).map_err(|e| match e {
        DockError::Parse { name, source, .. } => DockError::Parse {
            name,
            path: path.to_path_buf(),
            source,
        },
        other => other,
    })
}

fn invalid(msg: String) -> DockError {
    DockError::InvalidParams(msg)
}

fn check_range(what: &str, lo: usize, hi: usize, min: usize, max: usize) -> Result<(), DockError> {
    if lo < min || hi > max || lo > hi {
        return Err(invalid(format!(
            "{what}: need {min} <= n_min <= n_max <= {max}, got {lo}..={hi}"
        )));
    }
    Ok(())
}

impl ExperimentParams {
    /// The experiment name these parameters belong to.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Krugman1991(_) => "krugman1991",
            Self::Yi1996(_) => "yi1996",
            Self::GoyalJoshi2006(_) => "goyal_joshi2006",
            Self::Krishna1998(_) => "krishna1998",
        }
    }

    /// Rejects parameter values the models cannot handle.
    pub fn validate(&self) -> Result<(), DockError> {
        match self {
            Self::Krugman1991(p) => {
                if p.sigmas.is_empty() || p.sigmas.iter().any(|s| !(s.is_finite() && *s > 1.0)) {
                    return Err(invalid(
                        "krugman1991: sigmas must be non-empty, finite, > 1".into(),
                    ));
                }
                if !(2..=1000).contains(&p.max_blocs) || p.published_minimiser == 0 {
                    return Err(invalid("krugman1991: need 2 <= max_blocs <= 1000".into()));
                }
                if p.check_blocs.iter().any(|&b| b < 2 || b > p.max_blocs) {
                    return Err(invalid(
                        "krugman1991: check_blocs must be in 2..=max_blocs".into(),
                    ));
                }
                if let Some(scan) = p.sigma_scan {
                    let ok = scan.from.is_finite()
                        && scan.to.is_finite()
                        && scan.from > 1.0
                        && scan.to > scan.from
                        && (1..=100_000).contains(&scan.steps);
                    if !ok {
                        return Err(invalid(format!(
                            "krugman1991: sigma_scan needs finite 1 < from < to and 1 <= steps <= 100000, got from {}, to {}, steps {}",
                            scan.from, scan.to, scan.steps
                        )));
                    }
                }
                if p.dynamic_provinces > 40 {
                    return Err(invalid(
                        "krugman1991: dynamic_provinces must be <= 40".into(),
                    ));
                }
                Ok(())
            }
            Self::Yi1996(p) => {
                Cournot::new(p.demand, p.cost, p.tariffs)?;
                check_range("yi1996", p.n_min, p.n_max, 2, 12)
            }
            Self::GoyalJoshi2006(p) => {
                Cournot::new(p.demand, p.cost, Tariffs::Fixed(p.fixed_tariff_max))?;
                if p.fixed_tariff_steps == 0 || p.fixed_tariff_steps > 10_000 {
                    return Err(invalid(
                        "goyal_joshi2006: fixed_tariff_steps in 1..=10000".into(),
                    ));
                }
                check_range("goyal_joshi2006", p.n_min, p.n_max, 2, MAX_NODES.min(7))
            }
            Self::Krishna1998(p) => {
                let m = Cournot::new(p.demand, p.cost, Tariffs::Fixed(p.tariff))?;
                if p.tariff <= 0.0 || p.tariff >= 0.5 * m.market_size() {
                    return Err(invalid(
                        "krishna1998: tariff must lie in (0, (a - c)/2), below the prohibitive level".into(),
                    ));
                }
                if p.sweep_steps == 0 || p.sweep_steps > 100_000 {
                    return Err(invalid("krishna1998: sweep_steps in 1..=100000".into()));
                }
                Ok(())
            }
        }
    }
}
