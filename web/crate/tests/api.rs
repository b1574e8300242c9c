//! Native tests of the page's Rust logic: presets, the same world as the core's
//! `run_world`, shocks that replay exactly from the exported scenario, controls through
//! validation, narration sentences, and the ensemble statistics.

use std::path::Path;

use blocs_core::config::Scenario;
use blocs_core::scheduler::{WorldResult, run_world};
use blocs_web::controls::{self, Value};
use blocs_web::ensemble::{self, WorldBrief, wilson};
use blocs_web::presets::PRESETS;
use blocs_web::session::{Session, Shock};

fn cli_world(ron: &str) -> WorldResult {
    let s = Scenario::parse(ron, Path::new("x.ron")).expect("parses");
    let spec = s.validate(Path::new("x.ron")).expect("valid");
    run_world(&spec, s.seed, 0)
}

/// The page's world and the core's, compared by their log, every tick's metrics and the
/// outcome.
fn assert_same(page: &Session, cli: &WorldResult) {
    assert_eq!(page.sim().log(), &cli.log[..]);
    assert_eq!(page.sim().series(), &cli.series[..]);
    assert_eq!(page.sim().outcome_now(), cli.outcome);
    assert_eq!(page.sim().stopped(), Some(cli.stop_reason));
}

#[test]
fn every_preset_validates_and_has_a_lesson_for_students() {
    assert_eq!(PRESETS.len(), 16);
    for p in PRESETS {
        Session::open(p.ron, p.path).unwrap_or_else(|e| panic!("{}: {e}", p.name));
        assert!(p.lesson.starts_with("# "), "{}: a title first", p.name);
        for part in [
            "**Claim.**",
            "**Mechanism.**",
            "**What to watch for.**",
            "**Try this.**",
        ] {
            assert!(p.lesson.contains(part), "{}: lesson lacks {part}", p.name);
        }
    }
}

#[test]
fn a_page_world_equals_the_core_world() {
    for name in ["default", "hegemon_exit", "e10_domino"] {
        let p = blocs_web::presets::find(name).unwrap();
        let mut page = Session::open(p.ron, p.path).unwrap();
        // Stepping in uneven chunks, as the play loop does, changes nothing.
        page.step(3);
        page.step(17);
        page.run_to_end();
        assert_same(&page, &cli_world(p.ron));
    }
}

#[test]
fn a_shock_replays_exactly_from_the_exported_scenario() {
    let p = blocs_web::presets::find("default").unwrap();
    let mut page = Session::open(p.ron, p.path).unwrap();
    page.step(15);
    let history = page.sim().log().to_vec();
    page.shock(7, Shock::GdpShift(2.0)).unwrap();
    assert_eq!(page.tick(), 15);
    assert_eq!(page.sim().log(), &history[..], "the past is unchanged");
    page.shock(2, Shock::ExitM).unwrap();
    page.run_to_end();
    let ron = page.export_ron();
    assert!(
        ron.contains(
            "GdpShift(\n            tick: 16,\n            country: 7,\n            factor: 2.0,"
        ),
        "{ron}"
    );
    assert!(
        ron.contains(
            "Exit(\n            tick: 16,\n            country: 2,\n            from: \"M\","
        ),
        "{ron}"
    );
    assert_same(&page, &cli_world(&ron));
}

#[test]
fn a_shock_after_convergence_reopens_the_world() {
    let p = blocs_web::presets::find("default").unwrap();
    let mut page = Session::open(p.ron, p.path).unwrap();
    page.run_to_end();
    let stop = page.tick();
    page.shock(0, Shock::Lock).unwrap();
    assert_eq!(page.tick(), stop);
    assert!(
        page.sim().stopped().is_none(),
        "a pending event keeps the world running"
    );
    page.run_to_end();
    assert!(page.tick() > stop);
    assert_same(&page, &cli_world(&page.export_ron()));
}

#[test]
fn shocks_on_world2025_name_countries_by_iso3() {
    let p = blocs_web::presets::find("world2025").unwrap();
    let mut page = Session::open(p.ron, p.path).unwrap();
    let usa = page.layout().iso3.iter().position(|c| c == "USA").unwrap() as u32;
    page.shock(usa, Shock::TariffWall(0.3)).unwrap();
    assert!(page.export_ron().contains("country: \"USA\""));
}

#[test]
fn controls_reject_what_validation_rejects_and_keep_the_scenario() {
    let p = blocs_web::presets::find("default").unwrap();
    let mut page = Session::open(p.ron, p.path).unwrap();
    let before = page.export_ron();
    let err = page
        .set_control("supermajority_q", &Value::Text("1.5".into()))
        .unwrap_err();
    assert!(err.contains("multilateral.decision_rule"), "{err}");
    let err = page
        .set_control("enforcement_threshold", &Value::Number(0.0))
        .unwrap_err();
    assert!(err.contains("multilateral.enforcement_threshold"), "{err}");
    assert!(page.set_control("countries", &Value::Number(0.0)).is_err());
    assert!(page.set_control("no_such", &Value::Number(1.0)).is_err());
    assert_eq!(page.export_ron(), before);
    page.set_control("new_reach", &Value::Number(1.5)).unwrap();
    assert_eq!(page.scenario().regional.new_reach, f64::INFINITY);
    page.set_control("countries", &Value::Text("40".into()))
        .unwrap();
    assert_eq!(page.sim().world.n(), 40);

    let p = blocs_web::presets::find("e10_domino").unwrap();
    let mut page = Session::open(p.ron, p.path).unwrap();
    let err = page
        .set_control("countries", &Value::Number(4.0))
        .unwrap_err();
    assert!(
        err.starts_with("web/lessons/e10_domino.ron: invalid scenario (4 problems):\n  - agreements[0].members[1]: country id 5 does not exist (ids are 0..3)"),
        "{err}"
    );
    assert_eq!(page.sim().world.n(), 60);
}

#[test]
fn every_control_accepts_its_own_range() {
    for p in PRESETS {
        let mut s = Scenario::parse(p.ron, Path::new(p.path)).unwrap();
        for c in controls::list(&s) {
            // Fewer countries than an initial agreement names is refused, as in a file
            // (tested below); every other value in a control's range is allowed.
            if !c.enabled || (c.name == "countries" && !s.agreements.is_empty()) {
                continue;
            }
            let values: Vec<Value> = match &c.widget {
                controls::Widget::Slider { min, max, .. } => {
                    vec![Value::Number(*min), Value::Number(*max)]
                }
                controls::Widget::Select { options } => {
                    options.iter().map(|o| Value::Text(o.to_string())).collect()
                }
                controls::Widget::Toggle => {
                    vec![Value::Text("true".into()), Value::Text("false".into())]
                }
                controls::Widget::Number { min, .. } => vec![Value::Number(*min)],
            };
            for v in values {
                let mut t = s.clone();
                controls::set(&mut t, c.name, &v).unwrap();
                t.validate(Path::new(p.path))
                    .unwrap_or_else(|e| panic!("{}: {} = {v:?}: {e}", p.name, c.name));
            }
        }
        // Setting a control to the value it shows leaves a valid scenario.
        for c in controls::list(&s.clone()) {
            if c.enabled && c.name != "initial_m" {
                let v = match &c.value {
                    serde_json::Value::Number(x) => Value::Number(x.as_f64().unwrap()),
                    serde_json::Value::Bool(b) => Value::Text(b.to_string()),
                    serde_json::Value::String(t) => Value::Text(t.clone()),
                    other => panic!("{other}"),
                };
                controls::set(&mut s, c.name, &v).unwrap();
            }
        }
        s.validate(Path::new(p.path)).unwrap();
    }
}

#[test]
fn narration_tells_rounds_moves_and_shocks() {
    let p = blocs_web::presets::find("hegemon_exit").unwrap();
    let mut page = Session::open(p.ron, p.path).unwrap();
    let start = page.narrate_new();
    assert_eq!(
        start[0].text,
        "tick 0: 60 countries; 60 of them start in M, and 0 agreements exist."
    );
    page.step(20);
    let lines = page.narrate_new();
    let text: Vec<&str> = lines.iter().map(|l| l.text.as_str()).collect();
    // The default world's first round fails under consensus (see events.csv: no SetTm).
    assert!(
        text.iter().any(|t| t
            .starts_with("tick 10: the round to cut t_M from 0.1 to 0.08 fails: C")
            && t.ends_with("votes no, and under consensus one no among 60 members is enough.")),
        "{text:#?}"
    );
    let w = &page.sim().world;
    let hegemon = &w
        .countries
        .iter()
        .max_by(|a, b| a.gdp.total_cmp(&b.gdp))
        .unwrap()
        .name;
    assert!(text.contains(&format!("tick 20: {hegemon} leaves M (scheduled shock).").as_str()));
    assert!(text.contains(
        &format!("tick 20: shock: {hegemon} walls its market with a tariff of 0.3.").as_str()
    ));
    assert!(
        text.iter()
            .any(|t| t.contains("found a new free-trade agreement (A0)"))
    );
    assert!(page.narrate_new().is_empty(), "each line is told once");
}

#[test]
fn wilson_intervals_match_hand_values() {
    let (lo, hi) = wilson(0, 10);
    assert_eq!(lo, 0.0);
    assert!((hi - 0.277_532).abs() < 1e-6, "{hi}");
    let (lo, hi) = wilson(5, 10);
    assert!(
        (lo - 0.236_593).abs() < 1e-6 && (hi - 0.763_407).abs() < 1e-6,
        "{lo} {hi}"
    );
}

#[test]
fn ensemble_summary_does_not_depend_on_the_order_worlds_arrive_in() {
    let p = blocs_web::presets::find("default").unwrap();
    let s = Scenario::parse(p.ron, Path::new(p.path)).unwrap();
    let spec = s.validate(Path::new(p.path)).unwrap();
    let mut a: Vec<WorldBrief> = ensemble::run(&spec, s.seed, 0, 6);
    let mut b: Vec<WorldBrief> = ensemble::run(&spec, s.seed, 3, 6);
    b.extend(ensemble::run(&spec, s.seed, 0, 3));
    assert_eq!(ensemble::summarise(&mut a), ensemble::summarise(&mut b));
    let sum = ensemble::summarise(&mut a);
    assert_eq!(sum.classes.iter().map(|c| c.count).sum::<u64>(), 6);
    for (i, w) in a.iter().enumerate() {
        assert_eq!(
            w.outcome,
            run_world(&spec, s.seed, i as u64).outcome.as_str()
        );
    }
    // Before any world stops the median is over all six; the band never inverts.
    for band in &sum.bands {
        for t in 0..band.median.len() {
            assert!(band.lo[t] <= band.median[t] && band.median[t] <= band.hi[t]);
        }
    }
}
