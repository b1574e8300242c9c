//! The calibrated world of 2025 (issue 6): the embedded tables, the agreement terms, the
//! options, name errors, the calibration of `configs/world2025.ron`, and one short run.
//!
//! A 198-country world is heavy for a debug build, so these tests load, validate and
//! calibrate it, and run it for a few ticks only.

use std::path::Path;

use blocs::calibrate::calibrate;
use blocs::config::{CountriesConfig, Scenario};
use blocs::model::{Kind, MemberRule, WorldSpec};
use blocs::rng::WorldRng;
use blocs::scheduler::{Move, Sim};
use blocs::setup::build_world;
use blocs::world2025::{AGREEMENTS_CSV, NOT_AGREEMENTS, TERMS, tables};

use crate::{repo, temp_dir};

/// The calibrated scenario, parsed (not validated).
fn calibrated() -> Scenario {
    blocs::input::read_scenario(&repo("configs/world2025.ron"))
        .expect("configs/world2025.ron parses")
}

/// A World2025 scenario with these options (RON inside `World2025((..))`).
#[track_caller]
fn world(options: &str) -> WorldSpec {
    crate::spec(&format!("(countries: World2025(({options})))"))
}

fn names(spec: &WorldSpec) -> Vec<&str> {
    spec.agreements.iter().map(|a| a.name.as_str()).collect()
}

fn agreement<'a>(spec: &'a WorldSpec, name: &str) -> &'a blocs::model::AgreementSpec {
    spec.agreements
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("{name} not in {:?}", names(spec)))
}

fn id(iso3: &str) -> u32 {
    tables().id(iso3).expect("a known ISO3 code")
}

#[test]
fn tables_load_into_198_countries_and_165_wto_members() {
    let t = tables();
    assert_eq!(t.states.len(), 198);
    let mut codes: Vec<&str> = t.states.iter().map(|s| s.iso3.as_str()).collect();
    codes.dedup();
    assert_eq!(codes.len(), 198, "ISO3 codes are unique and sorted");
    // The data README: 165 WTO country members; all of them are among the 198.
    assert_eq!(t.wto_members().len(), 165);
    assert!(t.rows.iter().all(|r| t.id(&r.iso3).is_some()));
    // 85 GDP values are the 2024 column, the rest 2019 (or older) × 1.25.
    assert_eq!(t.states.iter().filter(|s| s.gdp_2024).count(), 85);
    // The data README counts 68 rows marked UNSURE.
    assert_eq!(t.rows.iter().filter(|r| r.unsure).count(), 68);
}

#[test]
fn countries_take_capitals_gdp_regions_and_the_wto() {
    let spec = world("");
    let blocs::model::CountrySource::Calibrated(c) = &spec.countries else {
        panic!("World2025 gives calibrated countries")
    };
    let n = c.countries.len() as f64;
    let mean = c.countries.iter().map(|c| c.gdp).sum::<f64>() / n;
    assert!(
        (mean - 1.0).abs() < 1e-12,
        "GDP is rescaled to mean 1: {mean}"
    );
    let usa = &c.countries[id("USA") as usize];
    assert_eq!(usa.lonlat, Some([-77.0114, 38.9015]), "Washington D.C.");
    assert!(usa.pos.iter().all(|x| (0.0..=1.0).contains(x)));
    // Regions are the UN regions in alphabetical order: Americas is 1, Europe 3.
    assert_eq!(usa.region, 1);
    assert_eq!(c.countries[id("FRA") as usize].region, 3);
    assert!(spec.great_circle);
    assert_eq!(
        spec.initial_m,
        blocs::model::InitialM::Members(tables().wto_members())
    );
}

#[test]
fn paris_berlin_is_about_878_km() {
    let spec = world("");
    let w = build_world(&spec, &mut WorldRng::new(1, 0));
    let d = w.distance(id("FRA"), id("DEU")) * 20015.0;
    assert!((d - 878.0).abs() < 10.0, "Paris–Berlin {d} km");
    let far = w.distance(id("ESP"), id("NZL"));
    assert!(
        far > 0.9 && far <= 1.0,
        "Madrid–Wellington is near antipodal: {far}"
    );
}

#[test]
fn every_agreement_of_the_table_has_terms_and_no_un() {
    let mut in_data: Vec<&str> = tables()
        .rows
        .iter()
        .map(|r| r.agreement.as_str())
        .filter(|a| !NOT_AGREEMENTS.contains(a))
        .collect();
    in_data.sort_unstable();
    in_data.dedup();
    let mut with_terms: Vec<&str> = TERMS.iter().map(|t| t.name).collect();
    with_terms.sort_unstable();
    assert_eq!(in_data, with_terms);
    // The bilateral flag follows the table's notes ("bilateral layer; …").
    let mut reader = csv::Reader::from_reader(AGREEMENTS_CSV.as_bytes());
    for row in reader.records() {
        let row = row.unwrap();
        if let Some(t) = TERMS.iter().find(|t| t.name == &row[0]) {
            assert_eq!(
                t.bilateral,
                row[3].starts_with("bilateral layer"),
                "{}",
                t.name
            );
        }
    }
    let all = world(
        "bilateral: true, candidates: true, unsure: true, in_force: [\"EU-Mercosur\", \"PA-SGP\"]",
    );
    assert_eq!(all.agreements.len(), TERMS.len(), "{:?}", names(&all));
    assert!(!names(&all).contains(&"UN") && !names(&all).contains(&"WTO"));
}

#[test]
fn kinds_depths_rules_and_reach_follow_the_table() {
    let spec = world("bilateral: true");
    let eu = agreement(&spec, "EU");
    assert_eq!(
        (eu.kind, eu.depth, eu.rule),
        (Kind::CustomsUnion, 0.9, MemberRule::Unanimity)
    );
    assert_eq!(eu.members.len(), 27);
    let asean = agreement(&spec, "ASEAN");
    assert_eq!((asean.kind, asean.depth), (Kind::Fta, 0.2));
    assert_eq!(asean.members.len(), 11, "Timor-Leste is the 11th member");
    assert_eq!(agreement(&spec, "CPTPP").reach, f64::INFINITY);
    assert_eq!(agreement(&spec, "AfCFTA").rule, MemberRule::Majority);
    let mut unions: Vec<&str> = spec
        .agreements
        .iter()
        .filter(|a| a.kind == Kind::CustomsUnion)
        .map(|a| a.name.as_str())
        .collect();
    unions.sort_unstable();
    assert_eq!(
        unions,
        ["CAN", "EAC", "EAEU", "EU", "GCC", "Mercosur", "SACU"]
    );
    // EU–Turkey is an FTA layer: Turkey cannot also be in the EU's customs union.
    let tur = agreement(&spec, "EU-TUR");
    assert_eq!((tur.kind, tur.members.len()), (Kind::Fta, 28));
    // Bolivia stays in CAN, whose tariff it applies; it is not counted in Mercosur.
    assert!(agreement(&spec, "CAN").members.contains(&id("BOL")));
    assert!(!agreement(&spec, "Mercosur").members.contains(&id("BOL")));
    // Suspended Venezuela is not counted either.
    assert_eq!(agreement(&spec, "Mercosur").members.len(), 4);
}

#[test]
fn options_choose_the_rows_that_count() {
    let members_only = world("");
    assert!(!names(&members_only).contains(&"EU-JPN"));
    assert!(
        !names(&members_only).contains(&"SADC"),
        "every SADC row says UNSURE"
    );
    let unsure = world("unsure: true");
    assert_eq!(agreement(&unsure, "SADC").members.len(), 16);
    let candidates = world("candidates: true");
    assert_eq!(agreement(&candidates, "EU").members.len(), 37);
    assert!(agreement(&candidates, "RCEP").members.contains(&id("HKG")));
    let mercosur = world("bilateral: true, in_force: [\"EU-Mercosur\"]");
    assert_eq!(agreement(&mercosur, "EU-Mercosur").members.len(), 31);
    let weak = world("depth_scale: 0.5, overrides: [(name: \"EU\", rule: Majority)]");
    assert_eq!(agreement(&weak, "EU").depth, 0.45);
    assert_eq!(agreement(&weak, "EU").rule, MemberRule::Majority);
}

#[test]
fn every_agreement_name_and_iso3_resolves_in_events() {
    let all = world("bilateral: true, candidates: true, unsure: true, in_force: [\"EU-Mercosur\"]");
    let events: Vec<String> = all
        .agreements
        .iter()
        .map(|a| format!("Enter(tick: 1, country: \"PRK\", into: \"{}\")", a.name))
        .collect();
    let spec = crate::spec(&format!(
        "(countries: World2025((bilateral: true, candidates: true, unsure: true, in_force: [\"EU-Mercosur\"])), events: [{}, Exit(tick: 2, country: \"USA\", from: \"M\")])",
        events.join(", ")
    ));
    assert_eq!(spec.events.len(), all.agreements.len() + 1);
}

fn blocs(args: &[&str]) -> (i32, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[track_caller]
fn rejects(name: &str, text: &str, needles: &[&str]) {
    let path = temp_dir(name).join("s.ron");
    std::fs::write(&path, text).unwrap();
    let (code, err) = blocs(&["check", path.to_str().unwrap()]);
    assert_eq!(code, 2, "{name}: {err}");
    for n in needles {
        assert!(err.contains(n), "{name}: `{n}` not in:\n{err}");
    }
}

#[test]
fn unknown_iso3_and_agreement_names_exit_2_with_the_nearest_name() {
    rejects(
        "w25-iso3",
        "(countries: World2025(()), events: [Exit(tick: 1, country: \"USB\", from: \"M\")])",
        &["events[0].country", "unknown country `USB`", "`USA`"],
    );
    rejects(
        "w25-agreement",
        "(countries: World2025(()), events: [Enter(tick: 1, country: \"HKG\", into: \"RCPE\")])",
        &[
            "events[0].into",
            "unknown institution `RCPE`",
            "did you mean `RCEP`?",
        ],
    );
    rejects(
        "w25-absent",
        "(countries: World2025(()), events: [Enter(tick: 1, country: \"BRA\", into: \"EU-Mercosur\")])",
        &[
            "events[0].into",
            "`EU-Mercosur` has fewer than 2 members",
            "in_force",
        ],
    );
    rejects(
        "w25-in-force",
        "(countries: World2025((in_force: [\"EU-Mercosr\"])))",
        &[
            "countries.World2025.in_force[0]",
            "did you mean `EU-Mercosur`?",
        ],
    );
    rejects(
        "w25-member",
        "(countries: World2025(()), agreements: [(name: \"X\", members: [\"FRA\", \"DEUU\"])])",
        &[
            "agreements[0].members[1]",
            "unknown country `DEUU`",
            "`DEU`",
        ],
    );
}

#[test]
fn the_stochastic_part_comes_from_the_world_stream() {
    let spec = world("");
    let a = build_world(&spec, &mut WorldRng::new(5, 0));
    let b = build_world(&spec, &mut WorldRng::new(5, 0));
    let c = build_world(&spec, &mut WorldRng::new(5, 1));
    assert_eq!(a.countries, b.countries);
    assert_ne!(a.countries[0].ideal, c.countries[0].ideal);
    assert_ne!(a.countries[0].sovereignty, c.countries[0].sovereignty);
    // GDP, positions and regions are data: the same in every world.
    assert_eq!(a.countries[0].gdp, c.countries[0].gdp);
    assert_eq!(a.countries[0].pos, c.countries[0].pos);
}

#[test]
fn calibration_of_configs_world2025_is_reproduced() {
    let scenario = calibrated();
    let spec = scenario.validate(Path::new("world2025")).unwrap();
    let cal = calibrate(&spec, scenario.seed, 0);
    let movers: Vec<(String, Move)> = cal
        .movers()
        .map(|p| (cal.world.countries[p.country as usize].iso3.clone(), p.mv))
        .collect();
    // Pinned: world 0 of seed 2025 (experiments/world2025/README.md reports them).
    let mexico_leaves_cptpp = Move::Leave(10);
    let expected: Vec<(String, Move)> = vec![
        ("IRN".into(), Move::JoinM),
        ("IRQ".into(), Move::JoinM),
        ("MEX".into(), mexico_leaves_cptpp),
        ("SYR".into(), Move::JoinM),
    ];
    assert_eq!(cal.world.agreements[10].spec.name, "CPTPP");
    assert_eq!(movers, expected);
    assert!(
        (cal.stay_share - 194.0 / 198.0).abs() < 1e-12,
        "{}",
        cal.stay_share
    );
    assert!(
        (cal.stay_gdp_share - 0.975_923_583_8).abs() < 1e-9,
        "{}",
        cal.stay_gdp_share
    );
    let m = &cal.metrics;
    assert_eq!((m.m_count, m.agreements), (165, 36));
    assert!((m.m_share - 0.982_115_354_6).abs() < 1e-9, "{}", m.m_share);
}

#[test]
fn a_short_run_of_the_tariff_wave_fires_its_events() {
    let mut scenario =
        blocs::input::read_scenario(&repo("experiments/world2025/tariff_wave.ron")).unwrap();
    scenario.max_ticks = 6;
    let spec = scenario.validate(Path::new("tariff_wave")).unwrap();
    let mut sim = Sim::new(&spec, scenario.seed, 0);
    while sim.step() {}
    let usa = id("USA") as usize;
    assert!(!sim.world.in_m[usa] && sim.world.locked[usa]);
    assert_eq!(sim.world.wall[usa], Some(0.3));
    let s = sim.series();
    assert_eq!(s.len(), 7);
    assert!(
        s[6].m_share < 0.75 && s[0].m_share > 0.98,
        "{} {}",
        s[0].m_share,
        s[6].m_share
    );
}

#[test]
fn world2025_scenarios_keep_the_calibration() {
    // Every scenario under experiments/world2025/ differs from configs/world2025.ron only
    // in what it sets out to change: name, events, retaliation, one voice, bridges and the
    // data options.
    let base = calibrated();
    let normal = |mut s: Scenario| {
        s.name = String::new();
        s.events.clear();
        s.multilateral.retaliation = false;
        s.multilateral.one_voice = false;
        s.regional.bridges = false;
        s.regional.bridge_reach = blocs::config::RegionalConfig::default().bridge_reach;
        if let CountriesConfig::World2025(w) = &mut s.countries {
            w.depth_scale = 1.0;
            w.in_force.clear();
            w.bilateral = true;
            w.unsure = false;
            w.bridges = false;
        }
        s
    };
    let base = normal(base);
    let dir = repo("experiments/world2025");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "ron") {
            let s = blocs::input::read_scenario(&p).unwrap();
            assert_eq!(
                normal(s),
                base,
                "{} drifted from the calibration",
                p.display()
            );
            n += 1;
        }
    }
    assert!(n >= 8, "{n} scenarios");
}

#[test]
fn world2025_scenarios_round_trip_through_manifests() {
    let mut s = calibrated();
    if let CountriesConfig::World2025(w) = &mut s.countries {
        w.overrides = vec![blocs::world2025::AgreementOverride {
            name: "ASEAN".into(),
            kind: Some(Kind::CustomsUnion),
            depth: Some(0.3),
            rule: None,
            reach: Some(f64::INFINITY),
        }];
    }
    let again = Scenario::parse(&s.to_ron(), Path::new("manifest")).unwrap();
    assert_eq!(s, again);
    again.validate(Path::new("manifest")).unwrap();
}

#[test]
fn runs_with_set_rule_events_draw_their_figures() {
    // SetRule rows carry the new rule in events.csv's `value` column, not a number.
    let dir = temp_dir("w25-setrule");
    let path = dir.join("s.ron");
    std::fs::write(
        &path,
        "(name: \"setrule\", countries: Synthetic((countries: 8, regions: 2)), max_ticks: 12,
          events: [SetRule(tick: 2, institution: \"M\", rule: Decision(Supermajority(0.67)))])",
    )
    .unwrap();
    let out = dir.join("out");
    let (code, err) = blocs(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "-q",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.join("figures").join("map.png").exists());
}

#[test]
fn calibrate_command_prints_the_stay_shares_and_movers() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["calibrate", repo("configs/world2025.ron").to_str().unwrap()])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "world 0: Stay is the best response of 194/198 countries (98.0%) holding 97.6% of GDP",
        "m_share 0.982  m_count 165",
        "IRN    0.39%  JoinM",
        "MEX    1.66%  Leave CPTPP",
    ] {
        assert!(text.contains(needle), "`{needle}` not in:\n{text}");
    }
}

/// The core reads its embedded tables without the `csv` crate; the shell's `csv` (the
/// reference reader) must see the same cells, quoted commas and CRLF line ends included.
#[test]
fn embedded_tables_read_as_the_csv_crate_reads_them() {
    let read = |file: &str| -> Vec<csv::StringRecord> {
        csv::Reader::from_path(repo(file))
            .unwrap()
            .records()
            .map(Result::unwrap)
            .collect()
    };
    let states = read("configs/data/states_base.csv");
    let t = tables();
    assert_eq!(t.states.len(), states.len());
    assert_eq!(t.states.len(), 198);
    for (s, r) in t.states.iter().zip(&states) {
        assert_eq!(
            [&s.iso3, &s.name, &s.region, &s.subregion],
            [&r[0], &r[1], &r[4], &r[5]]
        );
        assert_eq!(s.capital, [r[11].parse().unwrap(), r[10].parse().unwrap()]);
    }
    let rows = read("configs/data/agreements_2025.csv");
    assert_eq!(t.rows.len(), rows.len());
    let mut quoted = 0;
    for (row, r) in t.rows.iter().zip(&rows) {
        assert_eq!([&row.agreement, &row.iso3], [&r[0], &r[1]]);
        assert_eq!(row.unsure, r[3].contains("UNSURE"));
        quoted += usize::from(r[3].contains(','));
    }
    assert!(quoted > 10, "notes with quoted commas are compared");
}
