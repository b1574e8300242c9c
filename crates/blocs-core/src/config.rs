//! Scenario files: the RON format, its defaults, and validation into a [`WorldSpec`].
//!
//! Parsing and validation are separate steps, as in ripgrep's low/high-level arguments:
//! serde reads what the file says into [`Scenario`] (every field optional, defaulting to
//! ODD.md), then [`Scenario::validate`] checks every field at once and resolves country
//! and agreement names, so that the core never sees a value it cannot run.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::model::{
    AccessionRule, AgreementSpec, Choice, Country, CountrySel, CountrySource, DecisionRule, Event,
    EventKind, Gravity, InitialM, InstitutionSel, Kind, MemberRule, OutcomeThresholds, Params,
    PublicGoods, RuleChange, Security, SyntheticSpec, Update, WorldSpec,
};
pub use crate::names::edit_distance;

/// The built-in default scenario, identical to `configs/default.ron`.
pub const DEFAULT_SCENARIO: &str = include_str!("../../../configs/default.ron");

/// The largest N a world may have: each world keeps about 10 N×N matrices of f64
/// (N = 2000 is about 320 MB per running world).
pub const MAX_COUNTRIES: u32 = 2000;

/// The most worlds one run may ask for: results stream to disk, but a run this long
/// already takes hours; larger studies are sweeps split into shards.
pub const MAX_WORLDS: u32 = 1_000_000;

/// The most scheduled events a scenario may list (each world keeps a copy of them).
pub const MAX_EVENTS: usize = 2_000_000;

/// A scenario file as written (ODD.md defaults for every absent field).

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Scenario {
    /// Name; results go to `output/<name>/`.
    pub name: String,
    /// Master seed.
    pub seed: u64,
    /// Number of worlds (replications), world i on stream i.
    pub worlds: u32,
    /// The countries.
    pub countries: CountriesConfig,
    /// Distances are great-circle between (lon, lat) rather than Euclidean.
    pub great_circle: bool,
    /// The trade module.
    pub trade: TradeConfig,
    /// ε.
    pub trade_elasticity: f64,
    /// t_N.
    pub t_n: f64,
    /// ν.
    pub ntb: f64,
    /// ρ.
    pub cu_market_power: f64,
    /// Customs unions keep M's bound rate towards M members.
    pub article_xxiv: bool,
    /// The multilateral institution M.
    pub multilateral: MultilateralConfig,
    /// Agreements formed during a run, and which regional moves exist.
    pub regional: RegionalConfig,
    /// κ.
    pub membership_cost: f64,
    /// r.
    pub roo_cost: f64,
    /// Cost of any move but Stay.
    pub switching_cost: f64,
    /// Choice rule.
    pub choice: Choice,
    /// Share of countries activated per tick.
    pub activation_rate: f64,
    /// Sequential or Synchronous.
    pub update: Update,
    /// Who starts in M.
    pub initial_m: InitialMConfig,
    /// Agreements at the start.
    pub agreements: Vec<AgreementConfig>,
    /// Scheduled shocks.
    pub events: Vec<EventConfig>,
    /// Quiet ticks before convergence.
    pub patience: u32,
    /// Tick limit.
    pub max_ticks: u32,
    /// Outcome class thresholds.
    pub outcome: OutcomeThresholds,
    /// The public-goods module (off when absent).
    pub public_goods: Option<PublicGoodsConfig>,
    /// The security module (off when absent).
    pub security: Option<SecurityConfig>,
    /// Check every incremental payoff change against a from-scratch computation (slow).
    pub check_incremental: bool,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            name: "default".into(),
            seed: 1,
            worlds: 1,
            countries: CountriesConfig::Synthetic(SyntheticConfig::default()),
            great_circle: false,
            trade: TradeConfig::Gravity(GravityConfig::default()),
            trade_elasticity: 4.0,
            t_n: 0.30,
            ntb: 0.2,
            cu_market_power: 0.3,
            article_xxiv: true,
            multilateral: MultilateralConfig::default(),
            regional: RegionalConfig::default(),
            membership_cost: 0.01,
            roo_cost: 0.005,
            switching_cost: 0.001,
            choice: Choice::BestResponse,
            activation_rate: 0.1,
            update: Update::Sequential,
            initial_m: InitialMConfig::All,
            agreements: Vec::new(),
            events: Vec::new(),
            patience: 20,
            max_ticks: 500,
            outcome: OutcomeThresholds::default(),
            public_goods: None,
            security: None,
            check_incremental: false,
        }
    }
}

/// Where the countries come from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum CountriesConfig {
    /// Drawn from each world's stream.
    Synthetic(SyntheticConfig),
    /// Listed one by one.
    Explicit(Vec<CountryConfig>),
    /// The calibrated world of 2025 from the embedded tables (`world2025` module); its
    /// agreements come first, then the scenario's own `agreements`.
    World2025(crate::world2025::World2025Config),
}

/// A synthetic world (ODD.md section 5).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SyntheticConfig {
    /// N.
    pub countries: u32,
    /// R.
    pub regions: u32,
    /// Standard deviation of positions around the region centre.
    pub pos_sd: f64,
    /// σ of log GDP.
    pub gdp_sigma: f64,
    /// Standard deviation of ideal points around the region mean.
    pub ideal_sd: f64,
    /// s_i ~ U(0, sovereignty_max).
    pub sovereignty_max: f64,
    /// λ_i ~ U(0, protectionism_max).
    pub protectionism_max: f64,
    /// The largest economy's share of world GDP, in (0, 1); None keeps the drawn GDPs.
    pub hegemon_share: Option<f64>,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        SyntheticConfig {
            countries: 60,
            regions: 5,
            pos_sd: 0.08,
            gdp_sigma: 1.0,
            ideal_sd: 0.10,
            sovereignty_max: 0.2,
            protectionism_max: 0.3,
            hegemon_share: None,
        }
    }
}

/// One explicitly listed country.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountryConfig {
    /// Display name.
    pub name: String,
    /// ISO3 code (defaults to the name).
    #[serde(default)]
    pub iso3: Option<String>,
    /// Region index.
    #[serde(default)]
    pub region: u32,
    /// Position in the unit square.
    pub pos: (f64, f64),
    /// Longitude and latitude, for great-circle distances and maps.
    #[serde(default)]
    pub lonlat: Option<(f64, f64)>,
    /// GDP.
    pub gdp: f64,
    /// Ideal point.
    #[serde(default)]
    pub ideal: (f64, f64),
    /// s_i.
    #[serde(default)]
    pub sovereignty: f64,
    /// λ_i.
    #[serde(default)]
    pub protectionism: f64,
}

/// The trade module.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TradeConfig {
    /// The gravity module of ODD.md sections 7.1 and 7.2.
    Gravity(GravityConfig),
    /// Krugman (1991): symmetric provinces in customs unions with Nash tariffs (docking).
    KrugmanCes(KrugmanConfig),
    /// One Cournot firm per country, linear demand (Yi 1996, Goyal & Joshi 2006; docking).
    Cournot(CournotConfig),
}

/// Parameters of the Krugman CES module.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KrugmanConfig {
    /// σ > 1.
    pub sigma: f64,
}

/// Parameters of the Cournot module.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CournotConfig {
    /// Demand intercept a.
    pub intercept: f64,
    /// Marginal cost, 0 ≤ c < a.
    pub cost: f64,
    /// A fixed tariff on non-partners; optimal tariffs when absent.
    #[serde(default)]
    pub fixed_tariff: Option<f64>,
}

/// Gravity parameters.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GravityConfig {
    /// d0.
    pub d0: f64,
    /// θ.
    pub theta: f64,
    /// H.
    pub home_bias: f64,
}

impl Default for GravityConfig {
    fn default() -> Self {
        GravityConfig {
            d0: 0.05,
            theta: 1.0,
            home_bias: 2.0,
        }
    }
}

/// The multilateral institution M.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MultilateralConfig {
    /// Bound MFN tariff at the start.
    pub t_m: f64,
    /// How rounds are decided.
    pub decision_rule: DecisionRule,
    /// How countries are admitted.
    pub accession_rule: AccessionRule,
    /// Ticks between rounds.
    pub round_every: u32,
    /// Cut a round proposes.
    pub round_cut: f64,
    /// Integration depth of M.
    pub depth: f64,
    /// h.
    pub enforcement_threshold: f64,
    /// Members withdraw MFN from breaching exporters.
    pub retaliation: bool,
    /// μ.
    pub gridlock_noise: f64,
    /// Customs unions vote in M as one actor (ODD.md section 7.5).
    pub one_voice: bool,
}

impl Default for MultilateralConfig {
    fn default() -> Self {
        MultilateralConfig {
            t_m: 0.10,
            decision_rule: DecisionRule::Consensus,
            accession_rule: AccessionRule::Open,
            round_every: 10,
            round_cut: 0.02,
            depth: 0.1,
            enforcement_threshold: 0.8,
            retaliation: false,
            gridlock_noise: 0.0,
            one_voice: false,
        }
    }
}

/// Agreements formed during a run.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegionalConfig {
    /// Kind of new agreements.
    pub new_kind: Kind,
    /// Depth of new agreements.
    pub new_depth: f64,
    /// Admission rule of new agreements.
    pub new_rule: MemberRule,
    /// Reach of new agreements.
    pub new_reach: f64,
    /// P.
    pub partners_considered: u32,
    /// Form moves exist (false: no new agreements).
    pub allow_form: bool,
    /// Join moves exist (false: no enlargement).
    pub allow_join: bool,
    /// Bridge moves exist: two live agreements may link all their members (ODD.md 7.4).
    pub bridges: bool,
    /// Depth of bridges (formed during a run, or declared without a depth).
    pub bridge_depth: f64,
    /// Largest distance between the two agreements' nearest members at which a bridge
    /// may form (`inf`: any two).
    pub bridge_reach: f64,
}

impl Default for RegionalConfig {
    fn default() -> Self {
        RegionalConfig {
            new_kind: Kind::Fta,
            new_depth: 0.3,
            new_rule: MemberRule::Unanimity,
            new_reach: 0.3,
            partners_considered: 5,
            allow_form: true,
            allow_join: true,
            bridges: false,
            bridge_depth: 0.3,
            bridge_reach: 0.3,
        }
    }
}

/// Who starts in M.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum InitialMConfig {
    /// Everyone.
    All,
    /// No one.
    None,
    /// The largest economies until their GDP share reaches x.
    LargestShare(f64),
    /// These countries.
    Members(Vec<CountryRef>),
}

/// An agreement at the start; absent fields take the `regional` template's values.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementConfig {
    /// Id: agreements are numbered 0..K-1 in list order unless every one gives its id.
    #[serde(default)]
    pub id: Option<u32>,
    /// Name, usable in events.
    #[serde(default)]
    pub name: Option<String>,
    /// Kind.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Depth.
    #[serde(default)]
    pub depth: Option<f64>,
    /// Admission rule.
    #[serde(default)]
    pub rule: Option<MemberRule>,
    /// Reach (`inf` for a mega-regional).
    #[serde(default)]
    pub reach: Option<f64>,
    /// Members by id, ISO3 or name (left out for a bridge: its parents' members).
    #[serde(default)]
    pub members: Vec<CountryRef>,
    /// A bridge of these two agreements (names or ids): an FTA between all their
    /// members, whose membership follows theirs (ODD.md section 7.4).
    #[serde(default)]
    pub bridge: Option<(InstitutionRef, InstitutionRef)>,
}

/// A scheduled event as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub enum EventConfig {
    /// Leave M, G or an agreement.
    Exit {
        /// When.
        tick: u32,
        /// Who.
        country: CountryRef,
        /// `"M"`, `"G"`, an agreement name or id.
        from: InstitutionRef,
    },
    /// Enter M, G or an agreement.
    Enter {
        /// When.
        tick: u32,
        /// Who.
        country: CountryRef,
        /// `"M"`, `"G"`, an agreement name or id.
        into: InstitutionRef,
    },
    /// Wall the market at `rate`.
    TariffWall {
        /// When.
        tick: u32,
        /// Who.
        country: CountryRef,
        /// Rate in [0, 1].
        rate: f64,
    },
    /// Multiply GDP by `factor`.
    GdpShift {
        /// When.
        tick: u32,
        /// Who.
        country: CountryRef,
        /// Factor > 0.
        factor: f64,
    },
    /// Change an institution's rule.
    SetRule {
        /// When.
        tick: u32,
        /// `"M"` or an agreement.
        institution: InstitutionRef,
        /// `Decision(..)`, `Accession(..)` (for M) or `Membership(..)` (for agreements).
        rule: RuleChange,
    },
    /// Never re-enter M by own choice.
    Lock {
        /// When.
        tick: u32,
        /// Who.
        country: CountryRef,
    },
}

/// The public-goods module.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PublicGoodsConfig {
    /// c_pg.
    pub cost: f64,
    /// β_pg.
    pub benefit: f64,
    /// Leaving G leaves M; joining M joins G.
    pub linked_to_trade: bool,
    /// Who starts in G.
    pub initial: InitialMConfig,
}

impl Default for PublicGoodsConfig {
    fn default() -> Self {
        PublicGoodsConfig {
            cost: 0.02,
            benefit: 0.05,
            linked_to_trade: false,
            initial: InitialMConfig::All,
        }
    }
}

/// The security module.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// σ.
    pub sigma: f64,
    /// D.
    pub distance: f64,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            sigma: 0.1,
            distance: 0.3,
        }
    }
}

/// A country as a file names it: an id, an ISO3 code or name, `"hegemon"` or `"rank:K"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CountryRef {
    /// By id.
    Id(u32),
    /// By ISO3 code or name (or `hegemon`, `rank:K`).
    Name(String),
}

impl Serialize for CountryRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CountryRef::Id(i) => s.serialize_u32(*i),
            CountryRef::Name(n) => s.serialize_str(n),
        }
    }
}

struct RefVisitor(&'static str);

impl Visitor<'_> for RefVisitor {
    type Value = CountryRef;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.0)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<CountryRef, E> {
        u32::try_from(v)
            .map(CountryRef::Id)
            .map_err(|_| E::custom(format!("id {v} is too large")))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<CountryRef, E> {
        u64::try_from(v)
            .map_err(|_| E::custom(format!("id {v} is negative")))
            .and_then(|v| self.visit_u64(v))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<CountryRef, E> {
        Ok(CountryRef::Name(v.to_string()))
    }
}

impl<'de> Deserialize<'de> for CountryRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RefVisitor(
            "a country id, ISO3 code or name, \"hegemon\" or \"rank:K\"",
        ))
    }
}

/// An institution as a file names it: `"M"`, `"G"`, an agreement's name or its id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstitutionRef(pub CountryRef);

impl Serialize for InstitutionRef {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for InstitutionRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RefVisitor(
            "\"M\", \"G\", an agreement name or an agreement id",
        ))
        .map(InstitutionRef)
    }
}

/// One thing wrong with a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// The field, as a path (`multilateral.t_m`, `agreements[2].members[1]`).
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

/// Why a scenario text is not a valid scenario (reading the file is the shell's:
/// `blocs::input`).
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file is not valid RON for a scenario.
    #[error("{path}:{line}:{column}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The file parsed but some values are not allowed.
    #[error("{path}: invalid scenario ({} problem{}):{}", problems.len(), if problems.len() == 1 { "" } else { "s" }, list(problems))]
    Invalid {
        /// The file.
        path: PathBuf,
        /// Every problem found.
        problems: Vec<Problem>,
    },
}

/// Problems as indented lines, one each, for error messages.
pub fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("\n  - {}: {}", p.field, p.message))
        .collect()
}

/// The RON options every reader uses (so `public_goods: (..)` needs no `Some`).
pub fn ron_options() -> ron::Options {
    ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
}

/// Turns a ron error into a [`ConfigError::Parse`] naming the nearest valid name.
pub fn parse_error(path: &Path, err: ron::error::SpannedError) -> ConfigError {
    let message = match &err.code {
        ron::Error::NoSuchStructField {
            expected,
            found,
            outer,
        } => unknown("field", found, expected, outer.as_deref()),
        ron::Error::NoSuchEnumVariant {
            expected,
            found,
            outer,
        } => unknown("variant", found, expected, outer.as_deref()),
        other => other.to_string(),
    };
    ConfigError::Parse {
        path: path.to_path_buf(),
        line: err.span.start.line,
        column: err.span.start.col,
        message,
    }
}

/// Parses RON text into `T` the way every blocs file is read: a UTF-8 byte-order mark
/// (which some editors add) is skipped, and errors name the line, column and field.
pub fn parse_text<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<T, ConfigError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    ron_options().from_str(text).map_err(|e| {
        let code = e.code.clone();
        let mut err = parse_error(path, e);
        if let ConfigError::Parse {
            line,
            column,
            message,
            ..
        } = &mut err
            && let Some(better) = explain_number(text, *line, *column, &code)
        {
            *message = better;
        }
        err
    })
}

/// ron says "Expected comma" after the `2` of `worlds: 2.5` and "Integer is out of bounds"
/// without a field: name the field, the value and what the field takes.
fn explain_number(text: &str, line: usize, column: usize, code: &ron::Error) -> Option<String> {
    let row = text.lines().nth(line.checked_sub(1)?)?;
    let at = row
        .char_indices()
        .nth(column.saturating_sub(1))
        .map_or(row.len(), |(i, _)| i);
    // The `field: value` whose value the error is in or just after.
    let colon = row[..at.min(row.len())].rfind(':')?;
    let field: String = row[..colon]
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let value = row[colon + 1..]
        .trim_start()
        .split([',', ')', ']', ' '])
        .next()
        .unwrap_or("");
    if field.is_empty() || value.is_empty() {
        return None;
    }
    let max = if field == "seed" {
        u64::MAX.to_string()
    } else {
        u32::MAX.to_string()
    };
    match code {
        ron::Error::ExpectedComma
            if value.parse::<f64>().is_ok() && value.parse::<i128>().is_err() =>
        {
            Some(format!(
                "`{field}` takes a whole number (0 to {max}), found `{value}`"
            ))
        }
        ron::Error::IntegerOutOfBounds => Some(format!(
            "`{field}`: {value} is out of range (allowed: a whole number from 0 to {max})"
        )),
        _ => None,
    }
}

fn unknown(what: &str, found: &str, expected: &[&str], outer: Option<&str>) -> String {
    let within = outer.map(|o| format!(" in `{o}`")).unwrap_or_default();
    let nearest = expected
        .iter()
        .min_by_key(|e| edit_distance(found, e))
        .copied();
    let hint = match nearest {
        Some(n) if edit_distance(found, n) <= found.len().max(3) / 2 + 1 => {
            format!("; did you mean `{n}`?")
        }
        _ => String::new(),
    };
    format!(
        "unknown {what} `{found}`{within}{hint} (allowed: {})",
        expected.join(", ")
    )
}

/// Why `name` cannot be one directory name on its own, if it cannot: it must not be
/// empty, climb out (`..`, `/`, `\\`), hide (a leading `.`), or hold control or
/// reserved characters, so that a scenario file from anywhere can only name a folder
/// inside the one the user chose.
pub fn path_component_problem(name: &str) -> Option<String> {
    const ALLOWED: &str = "letters, digits, spaces and `-_.+()`, not starting with `.` or ending with `.` or a space, at most 200 bytes";
    let bad = if name.is_empty() {
        "it is empty".to_string()
    } else if name.len() > 200 {
        format!("it is {} bytes long", name.len())
    } else if name.starts_with('.') {
        "it starts with `.` (a hidden name, or `..` for the parent folder)".to_string()
    } else if name.ends_with('.') || name.ends_with(' ') {
        "it ends with `.` or a space".to_string()
    } else if let Some(c) = name
        .chars()
        .find(|&c| !(c.is_alphanumeric() || " -_.+()".contains(c)))
    {
        format!(
            "it contains {}",
            if c.is_control() {
                format!("the control character {:?}", c)
            } else {
                format!("`{c}`")
            }
        )
    } else {
        return None;
    };
    Some(format!("{bad} (allowed: {ALLOWED})"))
}

impl Scenario {
    /// Parses scenario text; `path` is only used in messages.
    pub fn parse(text: &str, path: &Path) -> Result<Scenario, ConfigError> {
        parse_text(text, path)
    }

    /// The built-in default scenario.
    pub fn builtin_default() -> Scenario {
        Scenario::parse(DEFAULT_SCENARIO, Path::new("configs/default.ron"))
            .expect("the built-in default parses")
    }

    /// Number of countries the scenario asks for.
    pub fn countries_count(&self) -> usize {
        match &self.countries {
            CountriesConfig::Synthetic(c) => c.countries as usize,
            CountriesConfig::Explicit(list) => list.len(),
            CountriesConfig::World2025(_) => 198,
        }
    }

    /// The scenario as RON text (for manifests).
    pub fn to_ron(&self) -> String {
        let pretty = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("    ".to_string());
        ron_options()
            .to_string_pretty(self, pretty)
            .expect("scenarios serialise")
    }

    /// Checks every field and resolves names; `path` is only used in messages.
    pub fn validate(&self, path: &Path) -> Result<WorldSpec, ConfigError> {
        let mut v = Validator::default();
        let spec = v.scenario(self);
        if v.problems.is_empty() {
            Ok(spec)
        } else {
            Err(ConfigError::Invalid {
                path: path.to_path_buf(),
                problems: v.problems,
            })
        }
    }
}

#[derive(Default)]
struct Validator {
    problems: Vec<Problem>,
    names: Vec<(String, String)>,
    agreement_names: Vec<Option<String>>,
    n: u32,
    /// Agreements from data (world2025), ahead of the scenario's own.
    data_agreements: Vec<AgreementSpec>,
    /// Table agreements the data options leave out, for clearer messages.
    absent: Vec<&'static str>,
    /// Which agreements (by id) are bridges, once `agreements` has resolved them.
    is_bridge: Vec<bool>,
}

impl Validator {
    fn bad(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            field: field.into(),
            message: message.into(),
        });
    }

    fn range(&mut self, field: &str, x: f64, lo: f64, hi: f64) {
        if !(x >= lo && x <= hi) {
            self.bad(
                field,
                format!("{x} is outside the allowed range [{lo}, {hi}]"),
            );
        }
    }

    /// x in (0, hi].
    fn range_open_low(&mut self, field: &str, x: f64, hi: f64) {
        if !(x > 0.0 && x <= hi) {
            self.bad(field, format!("{x} is outside the allowed range (0, {hi}]"));
        }
    }

    fn positive(&mut self, field: &str, x: f64) {
        if !(x > 0.0 && x.is_finite()) {
            self.bad(field, format!("{x} must be a finite number > 0"));
        }
    }

    fn non_negative(&mut self, field: &str, x: f64) {
        if !(x >= 0.0 && x.is_finite()) {
            self.bad(field, format!("{x} must be a finite number ≥ 0"));
        }
    }

    fn country(&mut self, field: &str, r: &CountryRef) -> Option<CountrySel> {
        match r {
            CountryRef::Id(i) if *i < self.n => Some(CountrySel::Id(*i)),
            CountryRef::Id(i) => {
                self.bad(
                    field,
                    format!(
                        "country id {i} does not exist (ids are 0..{})",
                        self.n.saturating_sub(1)
                    ),
                );
                None
            }
            CountryRef::Name(s) if s.eq_ignore_ascii_case("hegemon") => Some(CountrySel::Hegemon),
            CountryRef::Name(s) if s.to_ascii_lowercase().starts_with("rank:") => {
                match s[5..].trim().parse::<u32>() {
                    Ok(k) if k >= 1 && k <= self.n => Some(CountrySel::Rank(k)),
                    _ => {
                        self.bad(
                            field,
                            format!("`{s}`: rank must be rank:K with K in 1..={}", self.n),
                        );
                        None
                    }
                }
            }
            CountryRef::Name(s) => {
                if let Some(i) = self
                    .names
                    .iter()
                    .position(|(iso, name)| iso == s || name == s)
                {
                    return Some(CountrySel::Id(i as u32));
                }
                let nearest = self
                    .names
                    .iter()
                    .map(|(iso, _)| iso)
                    .min_by_key(|iso| edit_distance(s, iso))
                    .cloned()
                    .unwrap_or_default();
                self.bad(
                    field,
                    format!("unknown country `{s}` (use an id, an ISO3 code or name such as `{nearest}`, \"hegemon\" or \"rank:K\")"),
                );
                None
            }
        }
    }

    /// Resolves a country that must be a fixed id (membership lists).
    fn fixed_country(&mut self, field: &str, r: &CountryRef) -> Option<u32> {
        match self.country(field, r)? {
            CountrySel::Id(i) => Some(i),
            _ => {
                self.bad(
                    field,
                    "membership lists need an id, ISO3 code or name, not hegemon/rank",
                );
                None
            }
        }
    }

    fn institution(
        &mut self,
        field: &str,
        r: &InstitutionRef,
        has_g: bool,
    ) -> Option<InstitutionSel> {
        let k = self.agreement_names.len() as u32;
        match &r.0 {
            CountryRef::Name(s) if s == "M" => Some(InstitutionSel::M),
            CountryRef::Name(s) if s == "G" => {
                if !has_g {
                    self.bad(field, "\"G\" needs the public_goods module to be on");
                }
                Some(InstitutionSel::G)
            }
            CountryRef::Id(i) if *i < k => Some(InstitutionSel::Agreement(*i)),
            CountryRef::Id(i) => {
                self.bad(
                    field,
                    format!("agreement id {i} is not among the scenario's agreements (0..{k})"),
                );
                None
            }
            CountryRef::Name(s) => {
                if let Some(i) = self
                    .agreement_names
                    .iter()
                    .position(|n| n.as_deref() == Some(s.as_str()))
                {
                    return Some(InstitutionSel::Agreement(i as u32));
                }
                let names: Vec<&str> = self
                    .agreement_names
                    .iter()
                    .flatten()
                    .map(String::as_str)
                    .collect();
                let message = if self.absent.contains(&s.as_str()) {
                    format!(
                        "agreement `{s}` has fewer than 2 members under this world's options (see `bilateral`, `candidates`, `unsure` and `in_force`)"
                    )
                } else {
                    let hint = crate::names::nearest(s, names.iter().copied())
                        .map(|n| format!("; did you mean `{n}`?"))
                        .unwrap_or_default();
                    let mut allowed = vec!["\"M\"".to_string()];
                    if has_g {
                        allowed.push("\"G\"".into());
                    }
                    allowed.extend(names.iter().map(|n| format!("\"{n}\"")));
                    if k > 0 {
                        allowed.push(format!("an agreement id 0..{}", k - 1));
                    }
                    format!(
                        "unknown institution `{s}`{hint} (allowed: {})",
                        allowed.join(", ")
                    )
                };
                self.bad(field, message);
                None
            }
        }
    }

    fn initial(&mut self, field: &str, m: &InitialMConfig) -> InitialM {
        match m {
            InitialMConfig::All => InitialM::All,
            InitialMConfig::None => InitialM::None,
            InitialMConfig::LargestShare(x) => {
                self.range(field, *x, 0.0, 1.0);
                InitialM::LargestShare(*x)
            }
            InitialMConfig::Members(list) => {
                let mut ids = Vec::new();
                for (j, r) in list.iter().enumerate() {
                    if let Some(i) = self.fixed_country(&format!("{field}[{j}]"), r) {
                        if ids.contains(&i) {
                            self.bad(
                                format!("{field}[{j}]"),
                                format!("country {i} is listed twice"),
                            );
                        }
                        ids.push(i);
                    }
                }
                InitialM::Members(ids)
            }
        }
    }

    fn scenario(&mut self, s: &Scenario) -> WorldSpec {
        let mut wto: Option<Vec<u32>> = None;
        if s.worlds == 0 {
            self.bad("worlds", "0 worlds: must be at least 1");
        } else if s.worlds > MAX_WORLDS {
            self.bad(
                "worlds",
                format!(
                    "{} worlds: allowed 1..={MAX_WORLDS} in one run (a sweep with shards runs more)",
                    s.worlds
                ),
            );
        }
        if let Some(why) = path_component_problem(&s.name) {
            self.bad(
                "name",
                format!(
                    "`{}` cannot name a result folder: {why}",
                    s.name.escape_debug()
                ),
            );
        }
        if s.events.len() > MAX_EVENTS {
            self.bad(
                "events",
                format!("{} events: allowed at most {MAX_EVENTS}", s.events.len()),
            );
        }
        let countries = self.countries(s, &mut wto);
        let (g, trade) = self.trade(s);
        self.numbers(s);
        let m = &s.multilateral;
        let r = &s.regional;
        let initial_m = match wto {
            Some(members) => {
                if s.initial_m != InitialMConfig::All {
                    self.bad(
                        "initial_m",
                        "the World2025 world starts M from the WTO's members: set `wto: false` in it to use initial_m",
                    );
                }
                InitialM::Members(members)
            }
            None => self.initial("initial_m", &s.initial_m),
        };
        let public_goods = s.public_goods.as_ref().map(|pg| {
            self.non_negative("public_goods.cost", pg.cost);
            self.non_negative("public_goods.benefit", pg.benefit);
            PublicGoods {
                cost: pg.cost,
                benefit: pg.benefit,
                linked_to_trade: pg.linked_to_trade,
            }
        });
        let initial_g = match &s.public_goods {
            Some(pg) => self.initial("public_goods.initial", &pg.initial),
            None => InitialM::None,
        };
        let security = s.security.map(|sec| {
            self.non_negative("security.sigma", sec.sigma);
            if sec.distance.is_nan() || sec.distance < 0.0 {
                self.bad(
                    "security.distance",
                    format!("{} must be ≥ 0 (or inf)", sec.distance),
                );
            }
            Security {
                sigma: sec.sigma,
                distance: sec.distance,
            }
        });
        let agreements = self.agreements(s);
        let events = self.events(s, public_goods.is_some());
        let new_agreement = AgreementSpec {
            name: String::new(),
            kind: r.new_kind,
            depth: r.new_depth,
            rule: r.new_rule,
            reach: r.new_reach,
            members: Vec::new(),
            bridge: None,
        };
        let bridge_agreement = AgreementSpec {
            name: String::new(),
            kind: Kind::Fta,
            depth: r.bridge_depth,
            rule: MemberRule::Unanimity,
            reach: r.bridge_reach,
            members: Vec::new(),
            bridge: None,
        };
        WorldSpec {
            params: Params {
                trade,
                gravity: Gravity {
                    d0: g.d0,
                    theta: g.theta,
                    home_bias: g.home_bias,
                },
                elasticity: s.trade_elasticity,
                t_n: s.t_n,
                ntb: s.ntb,
                cu_market_power: s.cu_market_power,
                article_xxiv: s.article_xxiv,
                t_m: m.t_m,
                decision_rule: m.decision_rule,
                accession_rule: m.accession_rule,
                round_every: m.round_every.max(1),
                round_cut: m.round_cut,
                depth_m: m.depth,
                enforcement_threshold: m.enforcement_threshold,
                retaliation: m.retaliation,
                gridlock_noise: m.gridlock_noise,
                one_voice: m.one_voice,
                new_agreement,
                partners_considered: r.partners_considered,
                allow_form: r.allow_form,
                allow_join: r.allow_join,
                bridges: r.bridges,
                bridge_agreement,
                membership_cost: s.membership_cost,
                roo_cost: s.roo_cost,
                switching_cost: s.switching_cost,
                choice: s.choice,
                activation_rate: s.activation_rate,
                update: s.update,
                patience: s.patience,
                max_ticks: s.max_ticks,
                outcome: s.outcome,
                public_goods,
                security,
                check_incremental: s.check_incremental,
            },
            // The calibrated world's positions are capitals: always great-circle.
            great_circle: s.great_circle || matches!(countries, CountrySource::Calibrated(_)),
            countries,
            initial_m,
            initial_g,
            agreements,
            events,
        }
    }

    /// The countries block; the calibrated world also gives M's members (`wto`).
    fn countries(&mut self, s: &Scenario, wto: &mut Option<Vec<u32>>) -> CountrySource {
        let countries = match &s.countries {
            CountriesConfig::Synthetic(c) => {
                if c.countries == 0 {
                    self.bad(
                        "countries.countries",
                        "N = 0: a world needs at least 1 country",
                    );
                } else if c.countries > MAX_COUNTRIES {
                    let mb = 80.0 * f64::from(c.countries).powi(2) / 1e6;
                    self.bad(
                        "countries.countries",
                        format!(
                            "N = {} is too large: a world would need about {mb:.0} MB (allowed: 1..={MAX_COUNTRIES})",
                            c.countries
                        ),
                    );
                }
                if c.regions == 0 {
                    self.bad("countries.regions", "R = 0: must be at least 1");
                }
                self.non_negative("countries.pos_sd", c.pos_sd);
                self.non_negative("countries.gdp_sigma", c.gdp_sigma);
                self.non_negative("countries.ideal_sd", c.ideal_sd);
                self.non_negative("countries.sovereignty_max", c.sovereignty_max);
                self.range("countries.protectionism_max", c.protectionism_max, 0.0, 1.0);
                if let Some(share) = c.hegemon_share
                    && c.countries == 1
                {
                    self.bad(
                        "countries.hegemon_share",
                        format!(
                            "{share} needs at least 2 countries: a lone country holds all of world GDP"
                        ),
                    );
                } else if let Some(share) = c.hegemon_share
                    && !(share > 0.0 && share < 1.0)
                {
                    self.bad(
                        "countries.hegemon_share",
                        format!(
                            "{share} is outside the allowed range (0, 1): the largest economy's share of world GDP (None keeps the drawn GDPs)"
                        ),
                    );
                }
                self.n = c.countries.min(MAX_COUNTRIES);
                let width = self.n.saturating_sub(1).to_string().len().max(2);
                self.names = (0..self.n)
                    .map(|i| (format!("C{i:0width$}"), format!("C{i:0width$}")))
                    .collect();
                CountrySource::Synthetic(SyntheticSpec {
                    countries: c.countries,
                    regions: c.regions.max(1),
                    pos_sd: c.pos_sd,
                    gdp_sigma: c.gdp_sigma,
                    ideal_sd: c.ideal_sd,
                    sovereignty_max: c.sovereignty_max,
                    protectionism_max: c.protectionism_max,
                    hegemon_share: c.hegemon_share,
                })
            }
            CountriesConfig::Explicit(list) => {
                if list.is_empty() {
                    self.bad("countries", "N = 0: a world needs at least 1 country");
                }
                if list.len() > MAX_COUNTRIES as usize {
                    self.bad(
                        "countries",
                        format!("{} countries: allowed 1..={MAX_COUNTRIES}", list.len()),
                    );
                }
                let mut out = Vec::new();
                for (i, c) in list.iter().enumerate() {
                    let f = |x: &str| format!("countries[{i}].{x}");
                    self.positive(&f("gdp"), c.gdp);
                    self.range(&f("pos.0"), c.pos.0, 0.0, 1.0);
                    self.range(&f("pos.1"), c.pos.1, 0.0, 1.0);
                    self.non_negative(&f("sovereignty"), c.sovereignty);
                    self.range(&f("protectionism"), c.protectionism, 0.0, 1.0);
                    if !(c.ideal.0.is_finite() && c.ideal.1.is_finite()) {
                        self.bad(f("ideal"), "must be finite");
                    }
                    if let Some((lon, lat)) = c.lonlat {
                        self.range(&f("lonlat.0"), lon, -180.0, 180.0);
                        self.range(&f("lonlat.1"), lat, -90.0, 90.0);
                    } else if s.great_circle {
                        self.bad(
                            f("lonlat"),
                            "great_circle distances need lonlat for every country",
                        );
                    }
                    let iso3 = c.iso3.clone().unwrap_or_else(|| c.name.clone());
                    if self.names.iter().any(|(iso, _)| *iso == iso3) {
                        self.bad(f("iso3"), format!("`{iso3}` is used by two countries"));
                    }
                    self.names.push((iso3.clone(), c.name.clone()));
                    out.push(Country {
                        name: c.name.clone(),
                        iso3,
                        region: c.region,
                        pos: [c.pos.0, c.pos.1],
                        lonlat: c.lonlat.map(|(a, b)| [a, b]),
                        gdp: c.gdp,
                        ideal: [c.ideal.0, c.ideal.1],
                        sovereignty: c.sovereignty,
                        protectionism: c.protectionism,
                    });
                }
                self.n = list.len().min(MAX_COUNTRIES as usize) as u32;
                CountrySource::Explicit(out)
            }
            CountriesConfig::World2025(w) => {
                let (world, problems) = crate::world2025::resolve(w, "countries");
                for (field, message) in problems {
                    self.bad(field, message);
                }
                let countries = &world.countries.countries;
                self.names = countries
                    .iter()
                    .map(|c| (c.iso3.clone(), c.name.clone()))
                    .collect();
                self.n = countries.len() as u32;
                self.data_agreements = world.agreements;
                self.absent = world.absent;
                *wto = world.wto;
                CountrySource::Calibrated(world.countries)
            }
        };
        if s.great_circle && matches!(s.countries, CountriesConfig::Synthetic(_)) {
            self.bad(
                "great_circle",
                "synthetic worlds live in the unit square: great_circle must be false",
            );
        }
        countries
    }

    /// The trade module, and the gravity weights every module uses for tariffs and metrics.
    fn trade(&mut self, s: &Scenario) -> (GravityConfig, crate::model::TradeSpec) {
        let (g, trade) = match s.trade {
            TradeConfig::Gravity(g) => (g, crate::model::TradeSpec::Gravity),
            TradeConfig::KrugmanCes(k) => {
                if !(k.sigma > 1.0 && k.sigma.is_finite()) {
                    self.bad(
                        "trade.sigma",
                        format!("{} must be a finite number > 1", k.sigma),
                    );
                }
                if s.countries_count() > 64 {
                    self.bad(
                        "trade",
                        "KrugmanCes solves one equilibrium per trial: at most 64 provinces",
                    );
                }
                (
                    GravityConfig::default(),
                    crate::model::TradeSpec::KrugmanCes { sigma: k.sigma },
                )
            }
            TradeConfig::Cournot(c) => {
                if !(c.cost >= 0.0 && c.intercept > c.cost && c.intercept.is_finite()) {
                    self.bad(
                        "trade",
                        format!(
                            "Cournot needs 0 ≤ cost < intercept, got cost {} and intercept {}",
                            c.cost, c.intercept
                        ),
                    );
                }
                if let Some(t) = c.fixed_tariff {
                    self.non_negative("trade.fixed_tariff", t);
                }
                if s.countries_count() > 64 {
                    self.bad(
                        "trade",
                        "Cournot solves every market per trial: at most 64 countries",
                    );
                }
                let spec = crate::model::TradeSpec::Cournot {
                    intercept: c.intercept,
                    cost: c.cost,
                    fixed_tariff: c.fixed_tariff,
                };
                (GravityConfig::default(), spec)
            }
        };
        self.positive("trade.d0", g.d0);
        self.non_negative("trade.theta", g.theta);
        self.non_negative("trade.home_bias", g.home_bias);
        (g, trade)
    }

    /// The scalar rates and rules, each against its allowed range.
    fn numbers(&mut self, s: &Scenario) {
        self.positive("trade_elasticity", s.trade_elasticity);
        self.range("t_n", s.t_n, 0.0, 1.0);
        self.range("ntb", s.ntb, 0.0, 1.0);
        self.non_negative("cu_market_power", s.cu_market_power);
        let m = &s.multilateral;
        // A bad t_n is reported on its own; t_m is then checked against [0, 1].
        let t_m_cap = if (0.0..=1.0).contains(&s.t_n) {
            s.t_n
        } else {
            1.0
        };
        self.range("multilateral.t_m", m.t_m, 0.0, t_m_cap);
        if let DecisionRule::Supermajority(q) = m.decision_rule {
            self.range_open_low("multilateral.decision_rule", q, 1.0);
        }
        if m.round_every == 0 {
            self.bad("multilateral.round_every", "0: must be at least 1 tick");
        }
        self.range("multilateral.round_cut", m.round_cut, 0.0, 1.0);
        self.range("multilateral.depth", m.depth, 0.0, 1.0);
        self.range_open_low(
            "multilateral.enforcement_threshold",
            m.enforcement_threshold,
            1.0,
        );
        self.non_negative("multilateral.gridlock_noise", m.gridlock_noise);
        let r = &s.regional;
        self.range("regional.new_depth", r.new_depth, 0.0, 1.0);
        if r.new_reach.is_nan() || r.new_reach < 0.0 {
            self.bad(
                "regional.new_reach",
                format!("{} must be ≥ 0 (or inf)", r.new_reach),
            );
        }
        self.range("regional.bridge_depth", r.bridge_depth, 0.0, 1.0);
        if r.bridge_reach.is_nan() || r.bridge_reach < 0.0 {
            self.bad(
                "regional.bridge_reach",
                format!("{} must be ≥ 0 (or inf)", r.bridge_reach),
            );
        }
        self.non_negative("membership_cost", s.membership_cost);
        self.non_negative("roo_cost", s.roo_cost);
        self.non_negative("switching_cost", s.switching_cost);
        if let Choice::Logit { beta } = s.choice {
            self.non_negative("choice.beta", beta);
        }
        self.range_open_low("activation_rate", s.activation_rate, 1.0);
        if s.patience == 0 {
            self.bad("patience", "0: must be at least 1 tick");
        }
        if s.max_ticks == 0 || s.max_ticks > 1_000_000 {
            self.bad("max_ticks", format!("{}: allowed 1..=1000000", s.max_ticks));
        }
        let o = &s.outcome;
        for (f, x) in [
            ("outcome.free_trade", o.free_trade),
            ("outcome.core", o.core),
            ("outcome.coverage", o.coverage),
            ("outcome.weak_m", o.weak_m),
            ("outcome.wall_share_of_tn", o.wall_share_of_tn),
        ] {
            self.range(f, x, 0.0, 1.0);
        }
        self.range("outcome.blocs", o.blocs, 1.0, f64::MAX);
    }

    fn agreements(&mut self, s: &Scenario) -> Vec<AgreementSpec> {
        // Agreements from data (world2025) take ids 0..base; the scenario's follow.
        let data = std::mem::take(&mut self.data_agreements);
        let base = data.len() as u32;
        let k = s.agreements.len();
        let given: Vec<Option<u32>> = s.agreements.iter().map(|a| a.id).collect();
        let mut order: Vec<usize> = (0..k).collect();
        if given.iter().any(Option::is_some) {
            if given.iter().any(Option::is_none) {
                self.bad(
                    "agreements",
                    "either every agreement gives its id or none does",
                );
            } else {
                let mut ids: Vec<u32> = given.iter().flatten().copied().collect();
                ids.sort_unstable();
                if ids != (base..base + k as u32).collect::<Vec<_>>() {
                    self.bad(
                        "agreements",
                        format!(
                            "ids must be exactly {base}..{} (each once); got {ids:?}",
                            (base + k as u32).saturating_sub(1)
                        ),
                    );
                } else {
                    order.sort_by_key(|&i| given[i]);
                }
            }
        }
        self.agreement_names = data
            .iter()
            .map(|a| Some(a.name.clone()))
            .chain(order.iter().map(|&i| s.agreements[i].name.clone()))
            .collect();
        for &i in &order {
            let Some(name) = &s.agreements[i].name else {
                continue;
            };
            let field = format!("agreements[{i}].name");
            // A name is looked up before ids and M/G would be shadowed: keep them apart.
            if name.parse::<u64>().is_ok() || name == "M" || name == "G" {
                self.bad(
                    field,
                    format!("`{name}` would be read as an agreement id or as M/G: give a name with a letter in it, such as `{name}a`"),
                );
            } else if self
                .agreement_names
                .iter()
                .filter(|n| n.as_deref() == Some(name.as_str()))
                .count()
                > 1
                && self
                    .agreement_names
                    .iter()
                    .position(|n| n.as_deref() == Some(name.as_str()))
                    != Some(base as usize + order.iter().position(|&j| j == i).unwrap_or(0))
            {
                self.bad(
                    field,
                    format!("`{name}` is the name of an earlier agreement: names must be unique"),
                );
            }
        }
        let mut in_cu: Vec<Option<String>> = vec![None; self.n as usize];
        for a in data.iter().filter(|a| a.kind == Kind::CustomsUnion) {
            for &m in &a.members {
                in_cu[m as usize] = Some(format!("`{}`", a.name));
            }
        }
        let mut out = data;
        let mut parents: Vec<(usize, String, [u32; 2])> = Vec::new();
        for &i in &order {
            let a = &s.agreements[i];
            let f = |x: &str| format!("agreements[{i}].{x}");
            let own_id = out.len() as u32;
            let bridge = a
                .bridge
                .as_ref()
                .and_then(|pair| self.bridge_parents(&f("bridge"), own_id, pair));
            if let Some(pair) = bridge {
                parents.push((out.len(), f("bridge"), pair));
            }
            let is_bridge = a.bridge.is_some();
            if is_bridge && !a.members.is_empty() {
                self.bad(
                    f("members"),
                    "a bridge's members are its two agreements' members: leave `members` out",
                );
            }
            if is_bridge && a.kind == Some(Kind::CustomsUnion) {
                self.bad(
                    f("kind"),
                    "a bridge is an Fta: its members keep their own customs unions",
                );
            }
            let (depth, reach) = if is_bridge {
                (s.regional.bridge_depth, s.regional.bridge_reach)
            } else {
                (s.regional.new_depth, s.regional.new_reach)
            };
            let kind = if is_bridge {
                Kind::Fta
            } else {
                a.kind.unwrap_or(s.regional.new_kind)
            };
            let depth = a.depth.unwrap_or(depth);
            let reach = a.reach.unwrap_or(reach);
            self.range(&f("depth"), depth, 0.0, 1.0);
            if reach.is_nan() || reach < 0.0 {
                self.bad(f("reach"), format!("{reach} must be ≥ 0 (or inf)"));
            }
            let mut members = Vec::new();
            for (j, r) in a.members.iter().enumerate() {
                if let Some(c) = self.fixed_country(&f(&format!("members[{j}]")), r) {
                    if members.contains(&c) {
                        self.bad(
                            f(&format!("members[{j}]")),
                            format!("country {c} is listed twice"),
                        );
                        continue;
                    }
                    if kind == Kind::CustomsUnion {
                        if let Some(other) = &in_cu[c as usize] {
                            self.bad(
                                f(&format!("members[{j}]")),
                                format!("country {c} is already in customs union {other}: at most one each"),
                            );
                        }
                        in_cu[c as usize] = Some(format!("agreements[{i}]"));
                    }
                    members.push(c);
                }
            }
            if a.members.len() < 2 && !is_bridge {
                self.bad(
                    f("members"),
                    format!(
                        "{} member(s): an agreement needs at least 2",
                        a.members.len()
                    ),
                );
            }
            members.sort_unstable();
            out.push(AgreementSpec {
                name: a.name.clone().unwrap_or_default(),
                kind,
                depth,
                rule: a.rule.unwrap_or(s.regional.new_rule),
                reach,
                members,
                bridge,
            });
        }
        self.resolve_bridges(&mut out, &parents);
        out
    }

    /// The two agreements a declared bridge links, lower id first, or None (reported).
    fn bridge_parents(
        &mut self,
        field: &str,
        own_id: u32,
        (p, q): &(InstitutionRef, InstitutionRef),
    ) -> Option<[u32; 2]> {
        let mut ids = [0u32; 2];
        for (slot, r) in [p, q].into_iter().enumerate() {
            match self.institution(&format!("{field}.{slot}"), r, false) {
                Some(InstitutionSel::Agreement(k)) if k == own_id => {
                    self.bad(
                        format!("{field}.{slot}"),
                        "a bridge cannot link itself: name two other agreements",
                    );
                    return None;
                }
                Some(InstitutionSel::Agreement(k)) => ids[slot] = k,
                Some(_) => {
                    self.bad(
                        format!("{field}.{slot}"),
                        "a bridge links two regional agreements, not M or G",
                    );
                    return None;
                }
                None => return None,
            }
        }
        if ids[0] == ids[1] {
            self.bad(
                field,
                format!(
                    "agreement {} is named twice: a bridge links two different agreements",
                    ids[0]
                ),
            );
            return None;
        }
        Some([ids[0].min(ids[1]), ids[0].max(ids[1])])
    }

    /// Gives each declared bridge its parents' members, once every agreement is known,
    /// and reports bridges of bridges and second bridges of one pair.
    fn resolve_bridges(
        &mut self,
        out: &mut [AgreementSpec],
        parents: &[(usize, String, [u32; 2])],
    ) {
        self.is_bridge = out.iter().map(|a| a.bridge.is_some()).collect();
        // Bridges from data come checked; the scenario's are checked against them.
        let mut seen: Vec<[u32; 2]> = out
            .iter()
            .enumerate()
            .filter(|(at, _)| !parents.iter().any(|p| p.0 == *at))
            .filter_map(|(_, a)| a.bridge)
            .collect();
        for (at, field, pair) in parents {
            if let Some(&k) = pair.iter().find(|&&k| self.is_bridge[k as usize]) {
                self.bad(
                    field,
                    format!("agreement {k} is itself a bridge: a bridge links two agreements that are not bridges"),
                );
                continue;
            }
            if seen.contains(pair) {
                self.bad(
                    field,
                    format!(
                        "agreements {} and {} already have a bridge: at most one per pair",
                        pair[0], pair[1]
                    ),
                );
                continue;
            }
            seen.push(*pair);
            let mut members = out[pair[0] as usize].members.clone();
            members.extend_from_slice(&out[pair[1] as usize].members);
            members.sort_unstable();
            members.dedup();
            out[*at].members = members;
        }
    }

    /// Events move countries into and out of a bridge's parents, never the bridge itself.
    fn not_a_bridge(&mut self, field: &str, institution: Option<InstitutionSel>) {
        if let Some(InstitutionSel::Agreement(k)) = institution
            && self.is_bridge.get(k as usize) == Some(&true)
        {
            self.bad(
                field,
                format!("agreement {k} is a bridge, whose members follow its two agreements: name one of those instead"),
            );
        }
    }

    fn events(&mut self, s: &Scenario, has_g: bool) -> Vec<Event> {
        let mut out = Vec::new();
        for (i, e) in s.events.iter().enumerate() {
            let f = |x: &str| format!("events[{i}].{x}");
            let (tick, kind) = match e {
                EventConfig::Exit {
                    tick,
                    country,
                    from,
                } => {
                    let c = self.country(&f("country"), country);
                    let from = self.institution(&f("from"), from, has_g);
                    self.not_a_bridge(&f("from"), from);
                    (
                        *tick,
                        c.zip(from)
                            .map(|(country, from)| EventKind::Exit { country, from }),
                    )
                }
                EventConfig::Enter {
                    tick,
                    country,
                    into,
                } => {
                    let c = self.country(&f("country"), country);
                    let into = self.institution(&f("into"), into, has_g);
                    self.not_a_bridge(&f("into"), into);
                    (
                        *tick,
                        c.zip(into)
                            .map(|(country, into)| EventKind::Enter { country, into }),
                    )
                }
                EventConfig::TariffWall {
                    tick,
                    country,
                    rate,
                } => {
                    self.range(&f("rate"), *rate, 0.0, 1.0);
                    let c = self.country(&f("country"), country);
                    (
                        *tick,
                        c.map(|country| EventKind::TariffWall {
                            country,
                            rate: *rate,
                        }),
                    )
                }
                EventConfig::GdpShift {
                    tick,
                    country,
                    factor,
                } => {
                    self.positive(&f("factor"), *factor);
                    let c = self.country(&f("country"), country);
                    (
                        *tick,
                        c.map(|country| EventKind::GdpShift {
                            country,
                            factor: *factor,
                        }),
                    )
                }
                EventConfig::SetRule {
                    tick,
                    institution,
                    rule,
                } => {
                    let inst = self.institution(&f("institution"), institution, has_g);
                    match (inst, rule) {
                        (Some(InstitutionSel::M), RuleChange::Decision(DecisionRule::Supermajority(q))) => {
                            self.range_open_low(&f("rule"), *q, 1.0);
                        }
                        (Some(InstitutionSel::M), RuleChange::Decision(_) | RuleChange::Accession(_))
                        | (Some(InstitutionSel::Agreement(_)), RuleChange::Membership(_))
                        | (None, _) => {}
                        _ => self.bad(
                            f("rule"),
                            "Decision(..) and Accession(..) apply to \"M\"; Membership(..) applies to an agreement",
                        ),
                    }
                    (
                        *tick,
                        inst.map(|institution| EventKind::SetRule {
                            institution,
                            rule: *rule,
                        }),
                    )
                }
                EventConfig::Lock { tick, country } => {
                    let c = self.country(&f("country"), country);
                    (*tick, c.map(|country| EventKind::Lock { country }))
                }
            };
            if tick > s.max_ticks {
                self.bad(
                    f("tick"),
                    format!(
                        "{tick} is after max_ticks ({}): it would never fire",
                        s.max_ticks
                    ),
                );
            }
            if let Some(kind) = kind {
                out.push(Event { tick, kind });
            }
        }
        out.sort_by_key(|e| e.tick);
        out
    }
}
