//! The model's ground state: countries, the multilateral institution M, regional
//! agreements, and the validated parameters that drive them.
//!
//! Nothing here does IO or fails: [`Params`] is only built by `config` after validation,
//! so every invariant the core relies on (rates in range, members sorted and unique, at
//! most one customs union per country) holds by construction.

mod world;

pub use world::{Agreement, BrokenInvariant, Op, World};

use serde::{Deserialize, Serialize};

/// Kind of a regional agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// A free-trade area: internal free trade, members keep their own external tariffs.
    Fta,
    /// A customs union: internal free trade and a common external tariff.
    CustomsUnion,
}

/// Who admits an applicant to a regional agreement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberRule {
    /// Anyone within reach may join.
    Open,
    /// Every member must gain (ΔU ≥ 0).
    Unanimity,
    /// More than half of the members must gain.
    Majority,
}

/// How M decides a negotiation round.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum DecisionRule {
    /// Every member must vote yes.
    Consensus,
    /// At least this share of members (by count) must vote yes.
    Supermajority(f64),
}

/// How M admits a country.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccessionRule {
    /// Anyone may join.
    Open,
    /// Every member must gain.
    Consensus,
    /// More than half of the members must gain.
    Majority,
}

/// How an activated country picks among its feasible moves.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Choice {
    /// The move of largest net gain if positive, ties to the earliest; else Stay.
    BestResponse,
    /// A draw with probability ∝ exp(beta × net gain), Stay included.
    Logit {
        /// Intensity of choice; large beta approaches best response.
        beta: f64,
    },
}

/// When the moves of one tick's activated countries take effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Update {
    /// Random sequential activation: each move applies at once.
    Sequential,
    /// All activated countries choose against one snapshot; moves apply in id order.
    Synchronous,
}

/// Why a world stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum StopReason {
    /// No membership changed for `patience` ticks and no event was pending.
    Converged,
    /// A best-response state repeated.
    Cycling,
    /// The tick limit was reached.
    MaxTicks,
    /// The trade module could not compute payoffs (the KrugmanCes Nash-tariff solver did
    /// not converge): the world stops at that tick, and the run reports it as an error.
    SolverFailed,
}

impl StopReason {
    /// The name used in output tables.
    pub fn as_str(self) -> &'static str {
        match self {
            StopReason::Converged => "Converged",
            StopReason::Cycling => "Cycling",
            StopReason::MaxTicks => "MaxTicks",
            StopReason::SolverFailed => "SolverFailed",
        }
    }
}

/// One country's fixed attributes (GDP changes only through `GdpShift` events).
#[derive(Clone, Debug, PartialEq)]
pub struct Country {
    /// Display name.
    pub name: String,
    /// ISO3 code, or `Cnn` in synthetic worlds.
    pub iso3: String,
    /// Region index.
    pub region: u32,
    /// Position used for distances (unit square).
    pub pos: [f64; 2],
    /// Longitude and latitude in calibrated worlds, for maps.
    pub lonlat: Option<[f64; 2]>,
    /// Economic mass y_i > 0.
    pub gdp: f64,
    /// Policy/identity position p_i.
    pub ideal: [f64; 2],
    /// Cost of pooling sovereignty s_i ≥ 0.
    pub sovereignty: f64,
    /// Weight on import-competing lobbies λ_i ∈ [0, 1].
    pub protectionism: f64,
}

/// An initial or newly formed regional agreement, as the world starts it.
#[derive(Clone, Debug, PartialEq)]
pub struct AgreementSpec {
    /// Display name (may be empty).
    pub name: String,
    /// FTA or customs union.
    pub kind: Kind,
    /// Integration depth δ_k ∈ [0, 1].
    pub depth: f64,
    /// Admission rule.
    pub rule: MemberRule,
    /// Largest distance from an applicant to the nearest member (may be infinite).
    pub reach: f64,
    /// Members, sorted, unique, at least 2.
    pub members: Vec<u32>,
    /// For a bridge (ODD.md section 7.4, `Bridge`): the ids of the two agreements it
    /// links, lower first. Its members are always the union of theirs.
    pub bridge: Option<[u32; 2]>,
}

/// A reference to a country, resolved when its event fires.
#[derive(Clone, Debug, PartialEq)]
pub enum CountrySel {
    /// By id.
    Id(u32),
    /// The largest economy at the event's tick (ties to the lowest id).
    Hegemon,
    /// The K-th largest economy at the event's tick, K ≥ 1.
    Rank(u32),
}

/// An institution an event names.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum InstitutionSel {
    /// The multilateral institution M.
    M,
    /// The public-goods institution G.
    G,
    /// A regional agreement by id.
    Agreement(u32),
}

/// A rule an event installs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum RuleChange {
    /// M's decision rule for rounds.
    Decision(DecisionRule),
    /// M's accession rule.
    Accession(AccessionRule),
    /// A regional agreement's admission rule.
    Membership(MemberRule),
}

/// A scheduled shock (ODD.md section 7.3).
#[derive(Clone, Debug, PartialEq)]
pub enum EventKind {
    /// The country leaves M, G or an agreement.
    Exit {
        /// Who.
        country: CountrySel,
        /// From where.
        from: InstitutionSel,
    },
    /// The country enters M, G or an agreement.
    Enter {
        /// Who.
        country: CountrySel,
        /// Into what.
        into: InstitutionSel,
    },
    /// The country applies `rate` to every partner it shares no agreement with.
    TariffWall {
        /// Who.
        country: CountrySel,
        /// The wall's tariff rate.
        rate: f64,
    },
    /// The country's GDP is multiplied by `factor`.
    GdpShift {
        /// Who.
        country: CountrySel,
        /// Growth factor, > 0.
        factor: f64,
    },
    /// An institution's rule changes.
    SetRule {
        /// Which institution.
        institution: InstitutionSel,
        /// The new rule.
        rule: RuleChange,
    },
    /// The country never re-enters M by its own choice.
    Lock {
        /// Who.
        country: CountrySel,
    },
}

/// An event and the tick it fires at.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// The tick at whose start it applies.
    pub tick: u32,
    /// What happens.
    pub kind: EventKind,
}

/// Thresholds of the outcome classes (ODD.md section 7.6).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutcomeThresholds {
    /// free_share at or above which a world is GlobalFreeTrade.
    pub free_trade: f64,
    /// m_share and e_M at or above which M is a working core.
    pub core: f64,
    /// coverage at or above which a working core is a NetworkedOrder.
    pub coverage: f64,
    /// m_share or e_M below which M is too weak to prevent rival blocs.
    pub weak_m: f64,
    /// effective_blocs at or above which there are rival blocs.
    pub blocs: f64,
    /// bloc_wall at or above this share of t_N makes blocs rivals.
    pub wall_share_of_tn: f64,
}

impl Default for OutcomeThresholds {
    fn default() -> Self {
        OutcomeThresholds {
            free_trade: 0.95,
            core: 0.75,
            coverage: 0.5,
            weak_m: 0.5,
            blocs: 2.0,
            wall_share_of_tn: 0.5,
        }
    }
}

/// The public-goods institution G (optional module).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PublicGoods {
    /// Members pay c_pg × y_i per tick.
    pub cost: f64,
    /// Everyone gains beta_pg × y_i × (GDP share of G's members).
    pub benefit: f64,
    /// Leaving G also leaves M, and joining M requires joining G.
    pub linked_to_trade: bool,
}

/// The security module (optional).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Security {
    /// Weight σ of the security gain.
    pub sigma: f64,
    /// Distance within which a rival bloc counts as a threat.
    pub distance: f64,
}

/// Trade module parameters: the gravity module of ODD.md sections 7.1 and 7.2.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gravity {
    /// Distance offset d0 > 0.
    pub d0: f64,
    /// Distance elasticity θ ≥ 0.
    pub theta: f64,
    /// Home bias H ≥ 0.
    pub home_bias: f64,
}

/// Which trade module computes the trade part of payoffs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum TradeSpec {
    /// The gravity module (ODD.md sections 7.1 and 7.2), evaluated incrementally.
    Gravity,
    /// Krugman (1991): symmetric provinces, customs unions at Nash tariffs.
    KrugmanCes {
        /// Elasticity of substitution σ > 1.
        sigma: f64,
    },
    /// One Cournot firm per country in segmented linear markets.
    Cournot {
        /// Demand intercept a.
        intercept: f64,
        /// Marginal cost c < a.
        cost: f64,
        /// A common fixed tariff on non-partners, or optimal tariffs when absent.
        fixed_tariff: Option<f64>,
    },
}

/// Validated parameters of one world (ODD.md, every symbol).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// The trade module.
    pub trade: TradeSpec,
    /// Gravity weights (also used for tariffs and metrics under other modules).
    pub gravity: Gravity,
    /// Trade elasticity ε > 0.
    pub elasticity: f64,
    /// Tariff where no rule binds, t_N.
    pub t_n: f64,
    /// Non-tariff barrier ν.
    pub ntb: f64,
    /// Customs-union market power ρ.
    pub cu_market_power: f64,
    /// Customs unions keep M's bound rate towards M members.
    pub article_xxiv: bool,
    /// M's bound MFN tariff at the start.
    pub t_m: f64,
    /// M's decision rule at the start.
    pub decision_rule: DecisionRule,
    /// M's accession rule at the start.
    pub accession_rule: AccessionRule,
    /// Ticks between rounds.
    pub round_every: u32,
    /// Tariff cut a round proposes.
    pub round_cut: f64,
    /// M's integration depth.
    pub depth_m: f64,
    /// Enforcement threshold h ∈ (0, 1].
    pub enforcement_threshold: f64,
    /// Members withdraw MFN from breaching exporters.
    pub retaliation: bool,
    /// Gridlock noise μ ≥ 0.
    pub gridlock_noise: f64,
    /// Customs unions vote in M's rounds and accessions as one actor.
    pub one_voice: bool,
    /// Template for agreements formed during a run (members left empty).
    pub new_agreement: AgreementSpec,
    /// P: how many nearest partners a country considers for Form.
    pub partners_considered: u32,
    /// Whether Form moves exist.
    pub allow_form: bool,
    /// Whether Join moves exist.
    pub allow_join: bool,
    /// Whether Bridge moves exist (two live agreements link all their members).
    pub bridges: bool,
    /// Template of bridges formed during a run: an FTA of `regional.bridge_depth`; its
    /// reach is `regional.bridge_reach`, the largest distance between the two agreements'
    /// nearest members at which a bridge may form.
    pub bridge_agreement: AgreementSpec,
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
    /// Sequential or synchronous updating.
    pub update: Update,
    /// Ticks without membership change before convergence.
    pub patience: u32,
    /// Tick limit.
    pub max_ticks: u32,
    /// Outcome thresholds.
    pub outcome: OutcomeThresholds,
    /// Optional public-goods module.
    pub public_goods: Option<PublicGoods>,
    /// Optional security module.
    pub security: Option<Security>,
    /// Check every incremental payoff change against a from-scratch recomputation.
    pub check_incremental: bool,
}

/// How the countries of a world come about.
#[derive(Clone, Debug, PartialEq)]
pub enum CountrySource {
    /// Drawn from the world's stream (ODD.md section 5).
    Synthetic(SyntheticSpec),
    /// Given explicitly (tests, small worlds, calibrated worlds).
    Explicit(Vec<Country>),
    /// From data, with a stochastic part drawn from the world's stream (world2025).
    Calibrated(CalibratedSpec),
}

/// Countries from data whose ideal points, sovereignty and protectionism get a random
/// part when the world is built (`setup::calibrated_countries`).
#[derive(Clone, Debug, PartialEq)]
pub struct CalibratedSpec {
    /// The countries with the rule (mean) value of every attribute.
    pub countries: Vec<Country>,
    /// Standard deviation of the normal noise on each ideal-point axis.
    pub ideal_sd: f64,
    /// s_i is multiplied by U(1 − spread, 1 + spread).
    pub sovereignty_spread: f64,
    /// λ_i gets U(−spread, spread) added, then is clipped to [0, 1].
    pub protectionism_spread: f64,
}

/// Parameters of a synthetic world.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SyntheticSpec {
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
    /// Upper bound of s_i.
    pub sovereignty_max: f64,
    /// Upper bound of λ_i.
    pub protectionism_max: f64,
    /// The largest economy's share of world GDP, in (0, 1), or None (as drawn).
    pub hegemon_share: Option<f64>,
}

/// Who is in M at the start.
#[derive(Clone, Debug, PartialEq)]
pub enum InitialM {
    /// Everyone.
    All,
    /// No one.
    None,
    /// The largest economies, largest first, until their GDP share reaches x.
    LargestShare(f64),
    /// These countries.
    Members(Vec<u32>),
}

/// Who is in G at the start (public-goods module).
pub type InitialG = InitialM;

/// Everything needed to build and run one world: validated, names resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct WorldSpec {
    /// Model parameters.
    pub params: Params,
    /// The countries or how to draw them.
    pub countries: CountrySource,
    /// Distances between capitals are great-circle (calibrated) rather than Euclidean.
    pub great_circle: bool,
    /// Initial M.
    pub initial_m: InitialM,
    /// Initial G (public-goods module only).
    pub initial_g: InitialG,
    /// Initial agreements, id = position.
    pub agreements: Vec<AgreementSpec>,
    /// Scheduled events, sorted by tick (stable).
    pub events: Vec<Event>,
}
