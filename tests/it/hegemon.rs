//! Issue #15's options: a hegemon of given weight (`countries.hegemon_share`) and customs
//! unions that speak as one in M (`multilateral.one_voice`).

use std::path::Path;

use blocs::config::Scenario;
use blocs::model::{Country, Op};
use blocs::payoff::payoffs_from_scratch;
use blocs::scheduler::{Move, Sim};
use blocs::setup::give_hegemon_share;
use blocs::sweep::experiment::Plan;

use crate::{run_files_of, spec, temp_dir};

fn countries(gdps: &[f64]) -> Vec<Country> {
    gdps.iter()
        .enumerate()
        .map(|(i, &gdp)| Country {
            name: format!("C{i}"),
            iso3: format!("C{i}"),
            region: 0,
            pos: [0.0, 0.0],
            lonlat: None,
            gdp,
            ideal: [0.0, 0.0],
            sovereignty: 0.0,
            protectionism: 0.0,
        })
        .collect()
}

fn gdps(countries: &[Country]) -> Vec<f64> {
    countries.iter().map(|c| c.gdp).collect()
}

#[test]
fn the_largest_economy_gets_exactly_the_share_asked_for() {
    // Largest is 3 (id 1); the others sum to 3, so 0.75 / 0.25 × 3 = 9: 9 / 12 = 0.75.
    let mut c = countries(&[1.0, 3.0, 2.0]);
    give_hegemon_share(&mut c, 0.75);
    assert_eq!(gdps(&c), [1.0, 9.0, 2.0]);
    // A share below the drawn one shrinks it: 0.25 / 0.75 × 3 = 1, 1 / 4 = 0.25.
    let mut c = countries(&[1.0, 3.0, 2.0]);
    give_hegemon_share(&mut c, 0.25);
    assert_eq!(gdps(&c), [1.0, 1.0, 2.0]);
    // Ties go to the lowest id: 0.5 / 0.5 × (2 + 1) = 3.
    let mut c = countries(&[2.0, 2.0, 1.0]);
    give_hegemon_share(&mut c, 0.5);
    assert_eq!(gdps(&c), [3.0, 2.0, 1.0]);
}

fn synthetic(share: &str) -> Vec<Country> {
    let spec = spec(&format!("(countries: Synthetic((hegemon_share: {share})))"));
    Sim::new(&spec, 7, 3).world.countries
}

#[test]
fn a_synthetic_hegemon_holds_its_share_and_nothing_else_changes() {
    let drawn = synthetic("None");
    // Without the option the drawn GDPs are unchanged: mean 1, as ODD.md section 5 says.
    let mean = drawn.iter().map(|c| c.gdp).sum::<f64>() / 60.0;
    assert!((mean - 1.0).abs() < 1e-12, "{mean}");
    let top = (0..60)
        .max_by(|&a, &b| drawn[a].gdp.total_cmp(&drawn[b].gdp))
        .unwrap();
    let natural = drawn[top].gdp / 60.0;
    assert!(
        natural < 0.15,
        "today's largest synthetic economy holds {natural}"
    );
    for s in [0.15, 0.25, 0.35] {
        let weighty = synthetic(&s.to_string());
        let total: f64 = weighty.iter().map(|c| c.gdp).sum();
        let share = weighty[top].gdp / total;
        assert!((share - s).abs() < 1e-15, "share {share} for {s}");
        for (i, (a, b)) in drawn.iter().zip(&weighty).enumerate() {
            if i == top {
                continue;
            }
            // Bitwise the same country: the option makes no draw and touches one GDP.
            assert_eq!(a, b, "country {i}");
        }
    }
}

#[track_caller]
fn rejected(ron: &str, needles: &[&str]) {
    let err = Scenario::parse(ron, Path::new("h.ron"))
        .expect("parses")
        .validate(Path::new("h.ron"))
        .expect_err("invalid")
        .to_string();
    for needle in needles {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
}

#[test]
fn hegemon_shares_outside_0_1_are_rejected_by_name() {
    for bad in ["0.0", "1.0", "-0.2", "1.5", "NaN"] {
        rejected(
            &format!("(countries: Synthetic((hegemon_share: {bad})))"),
            &["h.ron", "countries.hegemon_share", "(0, 1)"],
        );
    }
    rejected(
        "(countries: Synthetic((countries: 1, hegemon_share: 0.3)))",
        &["countries.hegemon_share", "at least 2 countries"],
    );
    spec("(countries: Synthetic((hegemon_share: 0.999)))");
}

#[test]
fn hegemon_share_can_be_swept_and_none_is_a_value() {
    let dir = temp_dir("hegemon-sweep");
    let file = dir.join("h.ron");
    std::fs::write(
        &file,
        "(name: \"h\", base: Inline((countries: Synthetic((countries: 12)), max_ticks: 5)),
          seed: 1, replications: 1,
          design: Grid([(field: \"countries.hegemon_share\", values: [None, 0.25])]))",
    )
    .unwrap();
    let plan = Plan::load(&file).expect("loads");
    let cells: Vec<String> = (0..2)
        .map(|p| plan.point(p).unwrap().cells[0].clone())
        .collect();
    assert_eq!(cells, ["None", "0.25"]);
    let world = |p| {
        let spec = plan.spec(p).spec;
        Sim::new(&spec, plan.seed(), 0).world.countries
    };
    let (none, quarter) = (world(0), world(1));
    let top = |w: &[Country]| w.iter().map(|c| c.gdp).fold(0.0, f64::max);
    let total = |w: &[Country]| w.iter().map(|c| c.gdp).sum::<f64>();
    assert!((top(&quarter) / total(&quarter) - 0.25).abs() < 1e-15);
    assert!(top(&none) / total(&none) < 0.25);
}

/// Four countries; A, B and C form a customs union under `rule`, D is outside. C is
/// protectionist (λ = 1) and sits between the union and the large D, so a cut in t_M
/// costs it (lobby pain); no move is worth the switching cost, so only rounds happen.
fn union_world(rule: &str, multilateral: &str) -> String {
    format!(
        "(countries: Explicit([
            (name: \"A\", pos: (0.1, 0.1), gdp: 1.0),
            (name: \"B\", pos: (0.2, 0.1), gdp: 1.0),
            (name: \"C\", pos: (0.5, 0.5), gdp: 1.0, protectionism: 1.0),
            (name: \"D\", pos: (0.8, 0.8), gdp: 4.0),
        ]),
        agreements: [(name: \"U\", kind: CustomsUnion, rule: {rule}, members: [\"A\", \"B\", \"C\"])],
        multilateral: (round_every: 1, {multilateral}),
        regional: (allow_form: false, allow_join: false),
        switching_cost: 100.0, check_incremental: true, max_ticks: 3)"
    )
}

/// Whether the first round (tick 1) passes, and who gains from its cut 0.10 → 0.08.
fn first_round(rule: &str, multilateral: &str) -> (bool, Vec<bool>) {
    let spec = spec(&union_world(rule, multilateral));
    let mut sim = Sim::new(&spec, 0, 0);
    let before = payoffs_from_scratch(&sim.world, &spec.params);
    let mut cut = sim.world.clone();
    cut.apply(Op::SetTm(0.08));
    let after = payoffs_from_scratch(&cut, &spec.params);
    let gains = (0..4)
        .map(|i| after[i].total() - before[i].total() >= -1e-12)
        .collect();
    sim.step();
    let round = sim.rounds()[0];
    assert_eq!((round.tick, round.proposal), (1, 0.08));
    (round.passed, gains)
}

#[test]
fn one_voice_outvotes_a_union_minority_and_flips_the_round() {
    // A, B and D gain from the cut, C loses (from scratch, not the engine).
    let (_, gains) = first_round("Majority", "");
    assert_eq!(gains, [true, true, false, true]);
    // Consensus in M. Each for itself: C's no fails the round. As one: the union's
    // majority (A, B: 2 of 3) says yes for all three, and M's four ballots are all yes.
    assert!(!first_round("Majority", "one_voice: false").0);
    assert!(first_round("Majority", "one_voice: true").0);
    // A union deciding by unanimity says no for all three: the round fails either way.
    assert!(!first_round("Unanimity", "one_voice: true").0);
    // Supermajority(0.75): each for itself 3 of 4 say yes and the round passes; a
    // unanimity union casts C's no for A and B too, 1 of 4 says yes and it fails.
    let q = "decision_rule: Supermajority(0.75)";
    assert!(first_round("Unanimity", &format!("{q}, one_voice: false")).0);
    assert!(!first_round("Unanimity", &format!("{q}, one_voice: true")).0);
    // A union whose rule is Open takes its common position by majority.
    assert!(first_round("Open", "one_voice: true").0);
}

#[test]
fn one_voice_changes_nothing_without_customs_unions_and_is_deterministic() {
    let scenario = |one_voice: bool, kind: &str| {
        Scenario::parse(
            &format!(
                "(countries: Synthetic((countries: 16)), max_ticks: 40,
                  regional: (new_kind: {kind}), multilateral: (one_voice: {one_voice}, decision_rule: Supermajority(0.6)))"
            ),
            Path::new("t"),
        )
        .unwrap()
    };
    let tables = |s: Scenario| -> Vec<(&'static str, Vec<u8>)> {
        let mut files = run_files_of(s, 3);
        files.retain(|f| f.0 != "manifest.ron");
        files
    };
    // With FTAs only there is no union to speak for anyone.
    let (off, on) = (
        tables(scenario(false, "Fta")),
        tables(scenario(true, "Fta")),
    );
    assert!(
        off == on,
        "one_voice changed a world without customs unions"
    );
    // With customs unions the same file and seed give the same bytes.
    let cu = tables(scenario(true, "CustomsUnion"));
    assert!(
        cu == tables(scenario(true, "CustomsUnion")),
        "not deterministic"
    );
    assert_eq!(cu.len(), 5);
}

/// E applies to M (Consensus accession), whose members are A, B, C (a customs union under
/// `rule`) and D. E sits next to C, the protectionist: E's entry costs C and helps the rest.
/// Returns what E would do now (JoinM if its accession is accepted, else Stay).
fn accession(rule: &str, one_voice: bool) -> (Move, Vec<bool>) {
    let spec = spec(&format!(
        "(countries: Explicit([
            (name: \"A\", pos: (0.1, 0.1), gdp: 1.0),
            (name: \"B\", pos: (0.2, 0.1), gdp: 1.0),
            (name: \"C\", pos: (0.5, 0.5), gdp: 1.0, protectionism: 1.0),
            (name: \"D\", pos: (0.9, 0.1), gdp: 1.0),
            (name: \"E\", pos: (0.55, 0.55), gdp: 4.0),
        ]),
        initial_m: Members([\"A\", \"B\", \"C\", \"D\"]),
        agreements: [(name: \"U\", kind: CustomsUnion, rule: {rule}, members: [\"A\", \"B\", \"C\"])],
        multilateral: (accession_rule: Consensus, one_voice: {one_voice}),
        regional: (allow_form: false, allow_join: false),
        check_incremental: true, max_ticks: 3)"
    ));
    let mut sim = Sim::new(&spec, 0, 0);
    let before = payoffs_from_scratch(&sim.world, &spec.params);
    let mut entered = sim.world.clone();
    entered.apply(Op::SetM(4, true));
    let after = payoffs_from_scratch(&entered, &spec.params);
    let gains = (0..5)
        .map(|i| after[i].total() - before[i].total() >= -1e-12)
        .collect();
    (sim.preview(4).0, gains)
}

#[test]
fn one_voice_outvotes_a_union_minority_in_an_accession_vote() {
    // E's entry helps A, B, D and E and costs C (from scratch).
    let (_, gains) = accession("Majority", false);
    assert_eq!(gains, [true, true, false, true, true]);
    // Each for itself, C vetoes; as one, the union's majority (A, B) admits E for all
    // three and D agrees: E's best move is to enter.
    assert_eq!(accession("Majority", false).0, Move::Stay);
    assert_eq!(accession("Majority", true).0, Move::JoinM);
    // A unanimity union keeps C's veto.
    assert_eq!(accession("Unanimity", true).0, Move::Stay);
}

#[test]
fn a_bad_hegemon_share_exits_2_naming_the_file_and_field() {
    let dir = temp_dir("hegemon-exit-2");
    let file = dir.join("bad.ron");
    std::fs::write(&file, "(countries: Synthetic((hegemon_share: 1.2)))").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["check", file.to_str().unwrap()])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    for needle in ["bad.ron", "countries.hegemon_share", "1.2", "(0, 1)"] {
        assert!(err.contains(needle), "`{needle}` not in: {err}");
    }
}
