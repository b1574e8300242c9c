//! The page's controls: which scenario field each one sets, its range, and its value now.
//!
//! The page builds its sliders, menus and toggles from [`list`], so their ranges live here
//! once; every change still goes through `Scenario::validate` (in `Session`), so a value
//! outside what a scenario file may say is refused with the validator's message.

use blocs_core::config::{CountriesConfig, InitialMConfig, Scenario};
use blocs_core::model::{AccessionRule, DecisionRule, Kind, MemberRule};

/// A control's new value as the page sends it.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// A slider or number.
    Number(f64),
    /// A menu choice or toggle (`"true"`/`"false"`).
    Text(String),
}

/// How a control looks.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Widget {
    /// A slider.
    Slider {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
        /// Step.
        step: f64,
    },
    /// A menu.
    Select {
        /// The choices.
        options: Vec<&'static str>,
    },
    /// A checkbox.
    Toggle,
    /// A whole number typed in.
    Number {
        /// Smallest value.
        min: f64,
        /// Largest value.
        max: f64,
    },
}

/// One control and its current value.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Control {
    /// Identifier the page sends back.
    pub name: &'static str,
    /// Label on the page.
    pub label: &'static str,
    /// The scenario field it sets.
    pub field: &'static str,
    /// The widget.
    pub widget: Widget,
    /// The current value, as the widget shows it.
    pub value: serde_json::Value,
    /// Whether it applies to this scenario (N only for synthetic worlds, q only under a
    /// supermajority).
    pub enabled: bool,
    /// A one-line explanation for students.
    pub help: &'static str,
}

/// Reach at or above this slider value means "no limit" (`inf`).
pub const REACH_UNLIMITED: f64 = 1.5;

/// Every control, with its value in `s`.
pub fn list(s: &Scenario) -> Vec<Control> {
    use serde_json::json;
    let m = &s.multilateral;
    let r = &s.regional;
    let slider = |min, max, step| Widget::Slider { min, max, step };
    let select = |options: &[&'static str]| Widget::Select {
        options: options.to_vec(),
    };
    let (decision, q) = match m.decision_rule {
        DecisionRule::Consensus => ("Consensus", None),
        DecisionRule::Supermajority(q) => ("Supermajority", Some(q)),
    };
    let synthetic = match &s.countries {
        CountriesConfig::Synthetic(c) => Some(c.countries),
        _ => None,
    };
    // The calibrated world starts M from the WTO's members unless told otherwise.
    let wto = matches!(&s.countries, CountriesConfig::World2025(w) if w.wto);
    let initial_m = match &s.initial_m {
        _ if wto => None,
        InitialMConfig::All => Some(1.0),
        InitialMConfig::None => Some(0.0),
        InitialMConfig::LargestShare(x) => Some(*x),
        InitialMConfig::Members(_) => None,
    };
    let c = |name, label, field, widget, value, enabled, help| Control {
        name,
        label,
        field,
        widget,
        value,
        enabled,
        help,
    };
    vec![
        c(
            "decision_rule",
            "M decides rounds by",
            "multilateral.decision_rule",
            select(&["Consensus", "Supermajority"]),
            json!(decision),
            true,
            "Consensus: one member can block a tariff cut. Supermajority: a share q of members must agree.",
        ),
        c(
            "supermajority_q",
            "Supermajority q",
            "multilateral.decision_rule",
            slider(0.5, 1.0, 0.01),
            json!(q.unwrap_or(0.67)),
            q.is_some(),
            "Share of M's members that must vote yes for a round to pass.",
        ),
        c(
            "accession_rule",
            "Joining M needs",
            "multilateral.accession_rule",
            select(&["Open", "Consensus", "Majority"]),
            json!(accession_name(m.accession_rule)),
            true,
            "Who must agree before a country may enter M.",
        ),
        c(
            "new_rule",
            "New agreements admit by",
            "regional.new_rule",
            select(&["Open", "Unanimity", "Majority"]),
            json!(member_rule_name(r.new_rule)),
            true,
            "Open: anyone within reach may join. Unanimity: every member can veto an applicant.",
        ),
        c(
            "new_kind",
            "New agreements are",
            "regional.new_kind",
            select(&["Fta", "CustomsUnion"]),
            json!(kind_name(r.new_kind)),
            true,
            "An FTA frees trade inside; a customs union also sets one common tariff outside.",
        ),
        c(
            "new_depth",
            "Depth of new agreements",
            "regional.new_depth",
            slider(0.0, 1.0, 0.05),
            json!(r.new_depth),
            true,
            "How far an agreement cuts non-tariff barriers between its members (0 to 1).",
        ),
        c(
            "new_reach",
            "Reach of new agreements",
            "regional.new_reach",
            slider(0.05, REACH_UNLIMITED, 0.05),
            json!(r.new_reach.min(REACH_UNLIMITED)),
            true,
            "How far from its nearest member a country may be and still join (rightmost: no limit).",
        ),
        c(
            "allow_form",
            "Countries may found new agreements",
            "regional.allow_form",
            Widget::Toggle,
            json!(r.allow_form),
            true,
            "When off, no new agreement can be founded.",
        ),
        c(
            "allow_join",
            "Countries may join agreements",
            "regional.allow_join",
            Widget::Toggle,
            json!(r.allow_join),
            true,
            "When off, agreements cannot take in new members.",
        ),
        c(
            "cu_market_power",
            "Customs-union market power",
            "cu_market_power",
            slider(0.0, 1.0, 0.05),
            json!(s.cu_market_power),
            true,
            "How much a customs union's outside tariff grows with its size.",
        ),
        c(
            "article_xxiv",
            "GATT Article XXIV binds customs unions",
            "article_xxiv",
            Widget::Toggle,
            json!(s.article_xxiv),
            true,
            "When on, customs unions keep M's low tariff towards M's members.",
        ),
        c(
            "retaliation",
            "M members retaliate against breaches",
            "multilateral.retaliation",
            Widget::Toggle,
            json!(m.retaliation),
            true,
            "When on, M's members drop their low tariff for exporters that break M's rules.",
        ),
        c(
            "enforcement_threshold",
            "Enforcement threshold h",
            "multilateral.enforcement_threshold",
            slider(0.05, 1.0, 0.05),
            json!(m.enforcement_threshold),
            true,
            "M works fully while members holding a share h of its GDP comply.",
        ),
        c(
            "initial_m",
            "M starts with the largest economies up to GDP share",
            "initial_m",
            slider(0.0, 1.0, 0.05),
            json!(initial_m.unwrap_or(1.0)),
            initial_m.is_some(),
            "LargestShare(x): who is in M at the start.",
        ),
        c(
            "roo_cost",
            "Rules-of-origin cost",
            "roo_cost",
            slider(0.0, 0.05, 0.001),
            json!(s.roo_cost),
            true,
            "The paperwork cost of belonging to several FTAs at once (the spaghetti bowl).",
        ),
        c(
            "gridlock_noise",
            "Gridlock noise",
            "multilateral.gridlock_noise",
            slider(0.0, 0.1, 0.005),
            json!(m.gridlock_noise),
            true,
            "Chance that a round everyone agrees on still fails, growing with M's size.",
        ),
        c(
            "activation_rate",
            "Activation rate",
            "activation_rate",
            slider(0.01, 1.0, 0.01),
            json!(s.activation_rate),
            true,
            "Share of countries that reconsider their memberships each tick.",
        ),
        c(
            "countries",
            "Countries N",
            "countries.countries",
            slider(4.0, 200.0, 1.0),
            json!(synthetic.unwrap_or(0)),
            synthetic.is_some(),
            "How many countries a synthetic world has.",
        ),
        c(
            "seed",
            "Seed",
            "seed",
            Widget::Number {
                min: 0.0,
                max: 9_007_199_254_740_991.0,
            },
            json!(s.seed),
            true,
            "The same seed and settings give the same world, here and in `blocs run`.",
        ),
    ]
}

/// Sets control `name` on `s`, or says why the value cannot be meant.
pub fn set(s: &mut Scenario, name: &str, value: &Value) -> Result<(), String> {
    let m = &mut s.multilateral;
    let r = &mut s.regional;
    match name {
        "decision_rule" => {
            m.decision_rule = match text(value)? {
                "Consensus" => DecisionRule::Consensus,
                "Supermajority" => match m.decision_rule {
                    DecisionRule::Supermajority(q) => DecisionRule::Supermajority(q),
                    DecisionRule::Consensus => DecisionRule::Supermajority(0.67),
                },
                other => return Err(choice(name, other, "Consensus, Supermajority")),
            }
        }
        "supermajority_q" => m.decision_rule = DecisionRule::Supermajority(number(value)?),
        "accession_rule" => {
            m.accession_rule = match text(value)? {
                "Open" => AccessionRule::Open,
                "Consensus" => AccessionRule::Consensus,
                "Majority" => AccessionRule::Majority,
                other => return Err(choice(name, other, "Open, Consensus, Majority")),
            }
        }
        "new_rule" => {
            r.new_rule = match text(value)? {
                "Open" => MemberRule::Open,
                "Unanimity" => MemberRule::Unanimity,
                "Majority" => MemberRule::Majority,
                other => return Err(choice(name, other, "Open, Unanimity, Majority")),
            }
        }
        "new_kind" => {
            r.new_kind = match text(value)? {
                "Fta" => Kind::Fta,
                "CustomsUnion" => Kind::CustomsUnion,
                other => return Err(choice(name, other, "Fta, CustomsUnion")),
            }
        }
        "new_depth" => r.new_depth = number(value)?,
        "new_reach" => {
            let x = number(value)?;
            r.new_reach = if x >= REACH_UNLIMITED {
                f64::INFINITY
            } else {
                x
            };
        }
        "allow_form" => r.allow_form = flag(value)?,
        "allow_join" => r.allow_join = flag(value)?,
        "cu_market_power" => s.cu_market_power = number(value)?,
        "article_xxiv" => s.article_xxiv = flag(value)?,
        "retaliation" => m.retaliation = flag(value)?,
        "enforcement_threshold" => m.enforcement_threshold = number(value)?,
        "initial_m" => s.initial_m = InitialMConfig::LargestShare(number(value)?),
        "roo_cost" => s.roo_cost = number(value)?,
        "gridlock_noise" => m.gridlock_noise = number(value)?,
        "activation_rate" => s.activation_rate = number(value)?,
        "countries" => match &mut s.countries {
            CountriesConfig::Synthetic(c) => c.countries = whole(number(value)?, name)? as u32,
            _ => return Err("N is set by the country list of this scenario".into()),
        },
        "seed" => s.seed = whole(number(value)?, name)?,
        _ => return Err(format!("no control named `{name}`")),
    }
    Ok(())
}

fn number(v: &Value) -> Result<f64, String> {
    match v {
        Value::Number(x) if x.is_finite() => Ok(*x),
        Value::Number(x) => Err(format!("{x} is not a finite number")),
        Value::Text(t) => t
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| format!("`{t}` is not a number")),
    }
}

fn whole(x: f64, name: &str) -> Result<u64, String> {
    if x >= 0.0 && x.fract() == 0.0 && x <= 9_007_199_254_740_991.0 {
        Ok(x as u64)
    } else {
        Err(format!("{name}: {x} must be a whole number ≥ 0"))
    }
}

fn text(v: &Value) -> Result<&str, String> {
    match v {
        Value::Text(t) => Ok(t),
        Value::Number(x) => Err(format!("{x}: a choice is expected")),
    }
}

fn flag(v: &Value) -> Result<bool, String> {
    match text(v)? {
        "true" => Ok(true),
        "false" => Ok(false),
        other => Err(choice("toggle", other, "true, false")),
    }
}

fn choice(name: &str, got: &str, allowed: &str) -> String {
    format!("{name}: `{got}` is not a choice (allowed: {allowed})")
}

fn accession_name(r: AccessionRule) -> &'static str {
    match r {
        AccessionRule::Open => "Open",
        AccessionRule::Consensus => "Consensus",
        AccessionRule::Majority => "Majority",
    }
}

fn member_rule_name(r: MemberRule) -> &'static str {
    match r {
        MemberRule::Open => "Open",
        MemberRule::Unanimity => "Unanimity",
        MemberRule::Majority => "Majority",
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Fta => "Fta",
        Kind::CustomsUnion => "CustomsUnion",
    }
}
