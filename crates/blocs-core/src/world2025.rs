//! The calibrated world of 2025 (issue 6): 198 countries, the WTO as M and the regional
//! agreements of late 2025, built from the two tables in `configs/data/`.
//!
//! The tables are embedded with `include_str!`, so a run needs no file outside the
//! binary. They hold facts only; every rule that turns them into a world (GDP units,
//! regions, ideal points, sovereignty and protectionism, which membership rows count, and
//! the kind, depth, admission rule and reach of each agreement) is written here and in
//! ODD.md ("Input data" and "Implementation choices").

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::model::{AgreementSpec, CalibratedSpec, Country, Kind, MemberRule};
pub use crate::names::nearest;

/// `configs/data/states_base.csv`: 198 states with capitals, GDP and income groups.
pub const STATES_CSV: &str = include_str!("../../../configs/data/states_base.csv");
/// `configs/data/agreements_2025.csv`: memberships of the WTO and the agreements, late 2025.
pub const AGREEMENTS_CSV: &str = include_str!("../../../configs/data/agreements_2025.csv");

/// World GDP grew by about 25 % in nominal USD from 2019 to 2024 (data README): older
/// GDP values are scaled by this factor where the table has no 2024 value.
pub const GDP_GROWTH_2019_2024: f64 = 1.25;

/// Longitude (degrees) at which the unit square's x axis starts: 150° W lies in the empty
/// eastern Pacific, so no country has neighbours across the square's seam (Polynesia,
/// Fiji and New Zealand sit together at its right edge).
pub const SEAM_LON: f64 = -150.0;

/// The five World Bank income groups of the table, richest first (index 0..5).
pub const INCOME_GROUPS: [&str; 5] = [
    "1. High income: OECD",
    "2. High income: nonOECD",
    "3. Upper middle income",
    "4. Lower middle income",
    "5. Low income",
];

/// The five UN regions, in the order of their region index.
pub const REGIONS: [&str; 5] = ["Africa", "Americas", "Asia", "Europe", "Oceania"];

/// The scenario block `countries: World2025((..))`: which rows of the tables count and
/// the rules for the attributes the tables do not give.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct World2025Config {
    /// Also count `candidate`, `potential_candidate` and `applicant` rows as members.
    pub candidates: bool,
    /// Include the bilateral and inter-regional layer (EU–JPN, US–KOR, CAFTA-DR, …).
    pub bilateral: bool,
    /// Keep the rows whose source note says `UNSURE`.
    pub unsure: bool,
    /// Agreements whose `signed_not_ratified` rows count as members (e.g. `EU-Mercosur`),
    /// whatever `unsure` says: naming one asserts that it is in force.
    pub in_force: Vec<String>,
    /// M starts as the WTO's members (status `member`); false leaves M to `initial_m`.
    pub wto: bool,
    /// Every agreement's table depth is multiplied by this (then capped at 1): below 1
    /// makes the regional bodies weaker, above 1 stronger.
    pub depth_scale: f64,
    /// Per-agreement changes to the table's kind, depth, rule or reach.
    pub overrides: Vec<AgreementOverride>,
    /// EU–Mercosur, when it counts (`bilateral` and `in_force`), is a bridge of the EU
    /// and Mercosur (ODD.md section 7.4): its members are theirs and follow them.
    pub bridges: bool,
    /// Weight of geography in ideal points: the subregion's centroid is scaled by this.
    pub geo_weight: f64,
    /// Ideal-point shift per income group step along the second axis (see ODD.md).
    pub income_shift: f64,
    /// Standard deviation of the normal noise added to each ideal-point axis.
    pub ideal_sd: f64,
    /// s_i by income group (richest first), before the stochastic factor.
    pub sovereignty: [f64; 5],
    /// s_i = rule × U(1 − spread, 1 + spread), spread in [0, 1].
    pub sovereignty_spread: f64,
    /// λ_i by income group (richest first), before the stochastic part.
    pub protectionism: [f64; 5],
    /// λ_i = clip(rule + U(−spread, spread), 0, 1).
    pub protectionism_spread: f64,
}

impl Default for World2025Config {
    fn default() -> Self {
        World2025Config {
            candidates: false,
            bilateral: false,
            unsure: false,
            in_force: Vec::new(),
            wto: true,
            depth_scale: 1.0,
            overrides: Vec::new(),
            bridges: false,
            geo_weight: 0.3,
            income_shift: 0.1,
            ideal_sd: 0.05,
            sovereignty: [0.10, 0.15, 0.25, 0.25, 0.20],
            sovereignty_spread: 0.5,
            protectionism: [0.05, 0.08, 0.12, 0.15, 0.18],
            protectionism_spread: 0.04,
        }
    }
}

/// A change to one agreement's terms; absent fields keep the table's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementOverride {
    /// The agreement, by its table name (`EU`, `RCEP`, …).
    pub name: String,
    /// Kind.
    #[serde(default)]
    pub kind: Option<Kind>,
    /// Depth (not scaled by `depth_scale`).
    #[serde(default)]
    pub depth: Option<f64>,
    /// Admission rule.
    #[serde(default)]
    pub rule: Option<MemberRule>,
    /// Reach (`inf` for no limit).
    #[serde(default)]
    pub reach: Option<f64>,
}

/// The modelled terms of one agreement of the table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Terms {
    /// The table's name.
    pub name: &'static str,
    /// Kind.
    pub kind: Kind,
    /// Depth δ.
    pub depth: f64,
    /// Admission rule.
    pub rule: MemberRule,
    /// Reach in units of 20015 km.
    pub reach: f64,
    /// Part of the optional bilateral and inter-regional layer.
    pub bilateral: bool,
}

const fn terms(
    name: &'static str,
    kind: Kind,
    depth: f64,
    rule: MemberRule,
    reach: f64,
    bilateral: bool,
) -> Terms {
    Terms {
        name,
        kind,
        depth,
        rule,
        reach,
        bilateral,
    }
}

use Kind::{CustomsUnion as Cu, Fta};
use MemberRule::{Majority, Unanimity};

/// The documented table of terms, in agreement-id order. Customs unions come first: a
/// country the data puts in two customs unions stays in the one listed first (Bolivia
/// stays in CAN, whose common tariff it applies, and is not counted in Mercosur, whose
/// tariff it is still phasing in). Reach is in units of 20015 km (0.1 ≈ 2000 km);
/// bilateral agreements have reach 0: nobody joins them by choice. ODD.md gives the
/// reasons row by row.
pub const TERMS: [Terms; 40] = [
    terms("EU", Cu, 0.9, Unanimity, 0.0, false),
    terms("EAEU", Cu, 0.5, Unanimity, 0.0, false),
    terms("CAN", Cu, 0.3, Unanimity, 0.0, false),
    terms("Mercosur", Cu, 0.4, Unanimity, 0.0, false),
    terms("SACU", Cu, 0.5, Unanimity, 0.0, false),
    terms("EAC", Cu, 0.4, Unanimity, 0.0, false),
    terms("GCC", Cu, 0.4, Unanimity, 0.0, false),
    terms("EEA", Fta, 0.7, Unanimity, 0.0, false),
    terms("EFTA", Fta, 0.3, Unanimity, 0.0, false),
    terms("USMCA", Fta, 0.4, Unanimity, 0.0, false),
    terms("CPTPP", Fta, 0.5, Unanimity, f64::INFINITY, false),
    terms("RCEP", Fta, 0.2, Unanimity, 0.3, false),
    terms("ASEAN", Fta, 0.2, Unanimity, 0.0, false),
    terms("PacificAlliance", Fta, 0.3, Unanimity, 0.15, false),
    terms("AfCFTA", Fta, 0.1, Majority, 0.0, false),
    terms("ECOWAS", Fta, 0.3, Unanimity, 0.0, false),
    terms("SADC", Fta, 0.2, Unanimity, 0.0, false),
    terms("SAARC", Fta, 0.1, Unanimity, 0.0, false),
    terms("CARICOM", Fta, 0.4, Unanimity, 0.0, false),
    terms("EU-TUR", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-GBR", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-JPN", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-KOR", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-CAN", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-MEX", Fta, 0.2, Unanimity, 0.0, true),
    terms("EU-SGP", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-VNM", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-NZL", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-CHL", Fta, 0.3, Unanimity, 0.0, true),
    terms("EU-UKR", Fta, 0.4, Unanimity, 0.0, true),
    terms("EU-MDA", Fta, 0.4, Unanimity, 0.0, true),
    terms("EU-GEO", Fta, 0.4, Unanimity, 0.0, true),
    terms("EU-Mercosur", Fta, 0.2, Unanimity, 0.0, true),
    terms("US-KOR", Fta, 0.2, Unanimity, 0.0, true),
    terms("US-AUS", Fta, 0.2, Unanimity, 0.0, true),
    terms("CAFTA-DR", Fta, 0.2, Unanimity, 0.0, true),
    terms("IND-ARE", Fta, 0.1, Unanimity, 0.0, true),
    terms("IND-AUS", Fta, 0.1, Unanimity, 0.0, true),
    terms("IND-EFTA", Fta, 0.1, Unanimity, 0.0, true),
    // Signed in 2022; counted only when named in `in_force` (data README).
    terms("PA-SGP", Fta, 0.3, Unanimity, 0.0, true),
];

/// Names in the agreements table that are not regional agreements: the UN is not a
/// trade agreement, and the WTO is M.
pub const NOT_AGREEMENTS: [&str; 2] = ["UN", "WTO"];

/// A membership status of the agreements table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Full member.
    Member,
    /// Member whose rights are suspended (not counted).
    MemberSuspended,
    /// Official candidate (counted with `candidates`).
    Candidate,
    /// Potential candidate (counted with `candidates`).
    PotentialCandidate,
    /// Applicant (counted with `candidates`).
    Applicant,
    /// Observer (not counted).
    Observer,
    /// Associate (not counted).
    Associate,
    /// Signed, not ratified (counted only for agreements named in `in_force`).
    SignedNotRatified,
    /// Withdrawn (not counted).
    Withdrawn,
}

impl Status {
    fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "member" => Status::Member,
            "member_suspended" => Status::MemberSuspended,
            "candidate" => Status::Candidate,
            "potential_candidate" => Status::PotentialCandidate,
            "applicant" => Status::Applicant,
            "observer" => Status::Observer,
            "associate" => Status::Associate,
            "signed_not_ratified" => Status::SignedNotRatified,
            "withdrawn" => Status::Withdrawn,
            _ => return None,
        })
    }
}

/// One row of `states_base.csv`, the fields the model uses.
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    /// ISO3 code.
    pub iso3: String,
    /// Short name.
    pub name: String,
    /// UN region (one of [`REGIONS`]).
    pub region: String,
    /// UN subregion.
    pub subregion: String,
    /// Capital's longitude and latitude (degrees).
    pub capital: [f64; 2],
    /// GDP in billions of USD, about 2024 (see [`GDP_GROWTH_2019_2024`]).
    pub gdp_bn: f64,
    /// The GDP is the table's 2024 value (not scaled from an older year).
    pub gdp_2024: bool,
    /// Income group index into [`INCOME_GROUPS`].
    pub income: usize,
}

/// One row of `agreements_2025.csv`.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The agreement's name.
    pub agreement: String,
    /// The country.
    pub iso3: String,
    /// Its status.
    pub status: Status,
    /// The note says `UNSURE`.
    pub unsure: bool,
}

/// The two tables, parsed.
#[derive(Debug)]
pub struct Tables {
    /// States in file order (ISO3 order): country i is row i.
    pub states: Vec<State>,
    /// Membership rows in file order.
    pub rows: Vec<Row>,
}

impl Tables {
    /// The id of a country by ISO3 code.
    pub fn id(&self, iso3: &str) -> Option<u32> {
        self.states
            .iter()
            .position(|s| s.iso3 == iso3)
            .map(|i| i as u32)
    }

    /// The WTO's members (status `member`), by id.
    pub fn wto_members(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self
            .rows
            .iter()
            .filter(|r| r.agreement == "WTO" && r.status == Status::Member)
            .filter_map(|r| self.id(&r.iso3))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// The embedded tables, parsed once. The data are fixed at compile time and a test parses
/// them, so a malformed table is a build defect, not an input error.
pub fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| Tables {
        states: parse_states(STATES_CSV),
        rows: parse_rows(AGREEMENTS_CSV),
    })
}

/// The header and rows of an embedded table: RFC 4180 fields (quoted fields may hold
/// commas and doubled quotes), CRLF or LF line ends. Neither table breaks a line inside a
/// field, so a record is a line; tests/it/world2025.rs checks the result against the `csv`
/// crate's reading of the same files.
fn records(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut lines = text.lines().filter(|l| !l.is_empty()).map(fields);
    let header = lines.next().expect("embedded table has a header");
    let rows: Vec<Vec<String>> = lines.collect();
    for r in &rows {
        assert_eq!(r.len(), header.len(), "embedded table row `{}`", r[0]);
    }
    (header, rows)
}

fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    out.push(field);
    out
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("embedded table has no column `{name}`"))
}

fn parse_states(text: &str) -> Vec<State> {
    let (h, rows) = records(text);
    let c = |n| column(&h, n);
    let (iso, name, region, sub) = (c("iso3"), c("name"), c("region_un"), c("subregion"));
    let (lat, lon) = (c("capital_lat"), c("capital_lon"));
    let (gdp_old, gdp_new, income) = (c("gdp_musd"), c("gdp_usd_bn_2024_approx"), c("income_grp"));
    let num = |r: &[String], i: usize| -> f64 {
        r[i].parse()
            .unwrap_or_else(|_| panic!("{}: `{}` is not a number", &r[0], &r[i]))
    };
    rows.iter()
        .map(|r| {
            let gdp_2024 = !r[gdp_new].is_empty();
            State {
                iso3: r[iso].to_string(),
                name: r[name].to_string(),
                region: r[region].to_string(),
                subregion: r[sub].to_string(),
                capital: [num(r, lon), num(r, lat)],
                gdp_bn: if gdp_2024 {
                    num(r, gdp_new)
                } else {
                    num(r, gdp_old) * GDP_GROWTH_2019_2024 / 1000.0
                },
                gdp_2024,
                income: INCOME_GROUPS
                    .iter()
                    .position(|g| *g == r[income])
                    .unwrap_or_else(|| panic!("{}: unknown income group", &r[iso])),
            }
        })
        .collect()
}

fn parse_rows(text: &str) -> Vec<Row> {
    let (h, rows) = records(text);
    let (a, iso, status, note) = (
        column(&h, "agreement"),
        column(&h, "iso3"),
        column(&h, "status"),
        column(&h, "source_note"),
    );
    rows.iter()
        .map(|r| Row {
            agreement: r[a].to_string(),
            iso3: r[iso].to_string(),
            status: Status::parse(&r[status])
                .unwrap_or_else(|| panic!("unknown status `{}`", &r[status])),
            // The data README marks uncertain rows by `UNSURE` in the note; in 53 of the
            // 68 it follows a prefix such as "SADC-16; ", so any occurrence counts.
            unsure: r[note].contains("UNSURE"),
        })
        .collect()
}

/// A scenario problem found while resolving the block (field path, message).
pub type Problem = (String, String);

/// The world the block describes, before the stochastic draws.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// Countries with their rule values and the draw spreads.
    pub countries: CalibratedSpec,
    /// M's members at the start (the WTO's), if `wto`.
    pub wto: Option<Vec<u32>>,
    /// The agreements with at least 2 members under the options, in [`TERMS`] order.
    pub agreements: Vec<AgreementSpec>,
    /// Table agreements left out because fewer than 2 members count under the options.
    pub absent: Vec<&'static str>,
    /// Memberships dropped to keep one customs union per country: (ISO3, agreement).
    pub dropped: Vec<(String, &'static str)>,
}

fn terms_of(name: &str) -> Option<&'static Terms> {
    TERMS.iter().find(|t| t.name == name)
}

fn table_names() -> impl Iterator<Item = &'static str> {
    TERMS.iter().map(|t| t.name)
}

/// Resolves the block into countries, M and agreements; `field` is the block's path in
/// messages (`countries`).
pub fn resolve(cfg: &World2025Config, field: &str) -> (Resolved, Vec<Problem>) {
    let t = tables();
    let mut problems: Vec<Problem> = Vec::new();
    let f = |x: &str| format!("{field}.World2025.{x}");
    let unknown = |path: String, name: &str, problems: &mut Vec<Problem>| {
        let hint = nearest(name, table_names()).unwrap_or_default();
        problems.push((
            path,
            format!(
                "unknown agreement `{name}`; did you mean `{hint}`? (the table has: {})",
                table_names().collect::<Vec<_>>().join(", ")
            ),
        ));
    };
    for (i, n) in cfg.in_force.iter().enumerate() {
        if terms_of(n).is_none() {
            unknown(f(&format!("in_force[{i}]")), n, &mut problems);
        }
    }
    for (i, o) in cfg.overrides.iter().enumerate() {
        if terms_of(&o.name).is_none() {
            unknown(f(&format!("overrides[{i}].name")), &o.name, &mut problems);
        }
        if let Some(d) = o.depth
            && !(0.0..=1.0).contains(&d)
        {
            problems.push((
                f(&format!("overrides[{i}].depth")),
                format!("{d} is outside the allowed range [0, 1]"),
            ));
        }
        if let Some(r) = o.reach
            && (r.is_nan() || r < 0.0)
        {
            problems.push((
                f(&format!("overrides[{i}].reach")),
                format!("{r} must be ≥ 0 (or inf)"),
            ));
        }
    }
    let mut check = |name: &str, x: f64, lo: f64, hi: f64| {
        if !(x >= lo && x <= hi) {
            problems.push((
                f(name),
                format!("{x} is outside the allowed range [{lo}, {hi}]"),
            ));
        }
    };
    check("depth_scale", cfg.depth_scale, 0.0, f64::MAX);
    check("geo_weight", cfg.geo_weight, 0.0, 10.0);
    check("income_shift", cfg.income_shift, -1.0, 1.0);
    check("ideal_sd", cfg.ideal_sd, 0.0, 1.0);
    check("sovereignty_spread", cfg.sovereignty_spread, 0.0, 1.0);
    check("protectionism_spread", cfg.protectionism_spread, 0.0, 1.0);
    for g in 0..5 {
        check(
            &format!("sovereignty.{g}"),
            cfg.sovereignty[g],
            0.0,
            f64::MAX,
        );
        check(
            &format!("protectionism.{g}"),
            cfg.protectionism[g],
            0.0,
            1.0,
        );
    }

    let countries = rule_countries(t, cfg);
    let (agreements, absent, dropped) = agreements(t, cfg);
    let resolved = Resolved {
        countries: CalibratedSpec {
            countries,
            ideal_sd: cfg.ideal_sd,
            sovereignty_spread: cfg.sovereignty_spread,
            protectionism_spread: cfg.protectionism_spread,
        },
        wto: cfg.wto.then(|| t.wto_members()),
        agreements,
        absent,
        dropped,
    };
    (resolved, problems)
}

/// The unit-square position of a (lon, lat) point: x is longitude east of [`SEAM_LON`]
/// over 360°, y is latitude from the South Pole over 180° (equirectangular).
pub fn unit_square(lonlat: [f64; 2]) -> [f64; 2] {
    let x = (lonlat[0] - SEAM_LON).rem_euclid(360.0) / 360.0;
    [x, (lonlat[1] + 90.0) / 180.0]
}

/// Countries with the rule part of every attribute: GDP rescaled to mean 1, region = UN
/// region, ideal = subregion centroid + income shift, s_i and λ_i by income group.
fn rule_countries(t: &Tables, cfg: &World2025Config) -> Vec<Country> {
    let mean_gdp = t.states.iter().map(|s| s.gdp_bn).sum::<f64>() / t.states.len() as f64;
    let centroid = |sub: &str| {
        let pts: Vec<[f64; 2]> = t
            .states
            .iter()
            .filter(|s| s.subregion == sub)
            .map(|s| unit_square(s.capital))
            .collect();
        let n = pts.len() as f64;
        [
            pts.iter().map(|p| p[0]).sum::<f64>() / n,
            pts.iter().map(|p| p[1]).sum::<f64>() / n,
        ]
    };
    t.states
        .iter()
        .map(|s| {
            let c = centroid(&s.subregion);
            // Richer groups sit higher on the second axis: two steps up for OECD members,
            // two down for low-income countries.
            let shift = cfg.income_shift * (2.0 - s.income as f64);
            Country {
                name: s.name.clone(),
                iso3: s.iso3.clone(),
                region: REGIONS
                    .iter()
                    .position(|r| *r == s.region)
                    .unwrap_or_else(|| panic!("{}: unknown region {}", s.iso3, s.region))
                    as u32,
                pos: unit_square(s.capital),
                lonlat: Some(s.capital),
                gdp: s.gdp_bn / mean_gdp,
                ideal: [cfg.geo_weight * c[0], cfg.geo_weight * c[1] + shift],
                sovereignty: cfg.sovereignty[s.income],
                protectionism: cfg.protectionism[s.income],
            }
        })
        .collect()
}

type Built = (
    Vec<AgreementSpec>,
    Vec<&'static str>,
    Vec<(String, &'static str)>,
);

fn agreements(t: &Tables, cfg: &World2025Config) -> Built {
    let mut in_cu = vec![false; t.states.len()];
    let (mut out, mut absent, mut dropped) = (Vec::new(), Vec::new(), Vec::new());
    for terms in &TERMS {
        if terms.bilateral && !cfg.bilateral {
            absent.push(terms.name);
            continue;
        }
        let over = cfg.overrides.iter().rev().find(|o| o.name == terms.name);
        let kind = over.and_then(|o| o.kind).unwrap_or(terms.kind);
        let depth = over
            .and_then(|o| o.depth)
            .unwrap_or((terms.depth * cfg.depth_scale).min(1.0));
        let in_force = cfg.in_force.iter().any(|n| n == terms.name);
        let counts = |r: &Row| match r.status {
            Status::Member => cfg.unsure || !r.unsure,
            Status::Candidate | Status::PotentialCandidate | Status::Applicant => {
                cfg.candidates && (cfg.unsure || !r.unsure)
            }
            Status::SignedNotRatified => in_force,
            _ => false,
        };
        let mut members = Vec::new();
        for r in t
            .rows
            .iter()
            .filter(|r| r.agreement == terms.name && counts(r))
        {
            let id = t
                .id(&r.iso3)
                .expect("every ISO3 of the agreements table is a state");
            if kind == Kind::CustomsUnion && in_cu[id as usize] {
                dropped.push((r.iso3.clone(), terms.name));
                continue;
            }
            members.push(id);
        }
        members.sort_unstable();
        members.dedup();
        if members.len() < 2 {
            absent.push(terms.name);
            continue;
        }
        if kind == Kind::CustomsUnion {
            for &m in &members {
                in_cu[m as usize] = true;
            }
        }
        out.push(AgreementSpec {
            name: terms.name.to_string(),
            kind,
            depth,
            rule: over.and_then(|o| o.rule).unwrap_or(terms.rule),
            reach: over.and_then(|o| o.reach).unwrap_or(terms.reach),
            members,
            bridge: None,
        });
    }
    if cfg.bridges {
        bridge_by_name(&mut out, "EU-Mercosur", ["EU", "Mercosur"]);
    }
    (out, absent, dropped)
}

/// Makes agreement `name`, if it counts, the bridge of the two `parents` (if both count):
/// it takes exactly their members (section 7.4), whatever its own rows list.
fn bridge_by_name(out: &mut [AgreementSpec], name: &str, parents: [&str; 2]) {
    let id = |n: &str| out.iter().position(|a| a.name == n);
    let (Some(k), Some(a), Some(b)) = (id(name), id(parents[0]), id(parents[1])) else {
        return;
    };
    let mut members = out[a].members.clone();
    members.extend_from_slice(&out[b].members);
    members.sort_unstable();
    members.dedup();
    out[k].members = members;
    out[k].bridge = Some([a.min(b) as u32, a.max(b) as u32]);
}
