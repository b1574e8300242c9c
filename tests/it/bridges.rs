//! Inter-regional bridges (ODD.md section 7.4, `Bridge`): the move's payoffs, each side's
//! vote, membership that follows the two parent agreements, declared bridges, random
//! worlds under the incremental check, and thread-independence with bridges on.

use blocs::model::{Op, WorldSpec};
use blocs::payoff::{Engine, payoffs_from_scratch};
use blocs::scheduler::{Move, Sim};
use proptest::prelude::*;

use crate::{spec, temp_dir};

/// Four identical economies, two on the left (bloc A) and two on the right (bloc B);
/// `extra` is appended to the scenario (rules, the loser's attributes, …).
fn four(country3: &str, extra: &str) -> WorldSpec {
    four_within("inf", country3, extra)
}

/// `four` with a bridge reach.
fn four_within(reach: &str, country3: &str, extra: &str) -> WorldSpec {
    spec(&format!(
        "(countries: Explicit([
            (name: \"c0\", region: 0, pos: (0.2, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            (name: \"c1\", region: 0, pos: (0.25, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            (name: \"c2\", region: 1, pos: (0.75, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            {country3}]),
          initial_m: None, membership_cost: 0.0, roo_cost: 0.0,
          regional: (bridges: true, bridge_depth: 0.5, bridge_reach: {reach}, allow_form: false, allow_join: false),
          check_incremental: true, {extra})"
    ))
}

const PLAIN3: &str = "(name: \"c3\", region: 1, pos: (0.8, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0)";
/// c3 pools sovereignty at great cost with partners whose ideals are far from its own.
const LOSER3: &str = "(name: \"c3\", region: 1, pos: (0.8, 0.5), gdp: 1.0, ideal: (9.0, 9.0), sovereignty: 5.0, protectionism: 0.0)";

fn blocs_ab(rule_b: &str) -> String {
    format!(
        "agreements: [(name: \"A\", members: [0, 1]), (name: \"B\", rule: {rule_b}, members: [2, 3])]"
    )
}

#[test]
fn a_bridge_is_priced_as_from_scratch_and_equals_one_fta_of_the_union() {
    let spec_a = four(PLAIN3, &blocs_ab("Unanimity"));
    let mut sim = Sim::new(&spec_a, 1, 0);
    let mut engine = Engine::new(&sim.world, &spec_a.params);
    let mut out = Vec::new();
    engine.deltas(
        &mut sim.world,
        &spec_a.params,
        &[Op::Bridge(0, 1)],
        &[0, 1, 2, 3],
        &mut out,
    );
    let before = payoffs_from_scratch(&sim.world, &spec_a.params);
    let mut bridged = sim.world.clone();
    bridged.apply(Op::Bridge(0, 1));
    let after = payoffs_from_scratch(&bridged, &spec_a.params);
    for c in 0..4 {
        let exact = after[c].total() - before[c].total();
        assert!(
            (out[c] - exact).abs() <= 1e-12,
            "country {c}: {} vs {exact}",
            out[c]
        );
    }
    // The world is its own mirror image (c0 ↔ c3, c1 ↔ c2), so mirrored countries gain
    // the same, and all gain: free trade across the blocs, with no cost of memberships
    // or rules of origin.
    assert!(out.iter().all(|&d| d > 1e-6), "the bridge pays: {out:?}");
    assert!((out[0] - out[3]).abs() <= 1e-12 && (out[1] - out[2]).abs() <= 1e-12);
    // The bridge is the FTA of A ∪ B, with the bridge template's depth, and nothing more:
    // the same world with a plain agreement of all four has the same payoffs.
    let b = &bridged.agreements[2];
    assert_eq!(b.members(), &[0, 1, 2, 3]);
    assert_eq!(b.bridge(), Some([0, 1]));
    assert_eq!((b.spec.depth, b.spec.name.as_str()), (0.5, "bridge 0+1"));
    assert_eq!(bridged.shared_depth(0, 3), 0.5);
    let plain = four(
        PLAIN3,
        "agreements: [(name: \"A\", members: [0, 1]), (name: \"B\", members: [2, 3]), (name: \"AB\", depth: 0.5, members: [0, 1, 2, 3])]",
    );
    let plain_world = Sim::new(&plain, 1, 0).world;
    let same = payoffs_from_scratch(&plain_world, &plain.params);
    for c in 0..4 {
        assert_eq!(same[c].total(), after[c].total(), "country {c}");
    }
    // Undoing restores the world exactly.
    let mut undo = bridged.clone();
    undo.apply(Op::Unfound);
    assert_eq!(undo.agreements.len(), 2);
    assert_eq!(undo.check_invariants(), Ok(()));
    // And the mover chooses it: it is c0's best response.
    let (mv, net) = sim.preview(0);
    assert_eq!(mv, Move::Bridge(0, 1));
    assert!((net - (out[0] - spec_a.params.switching_cost)).abs() <= 1e-12);
}

#[test]
fn each_side_votes_by_its_own_rule() {
    // c3 loses from the bridge (its sovereignty cost), so B's unanimity blocks it ...
    let loser = four(LOSER3, &blocs_ab("Unanimity"));
    let mut sim = Sim::new(&loser, 1, 0);
    let mut engine = Engine::new(&sim.world, &loser.params);
    let mut d = Vec::new();
    engine.deltas(
        &mut sim.world,
        &loser.params,
        &[Op::Bridge(0, 1)],
        &[0, 3],
        &mut d,
    );
    assert!(d[0] > 0.0 && d[1] < -1e-6, "c0 gains, c3 loses: {d:?}");
    assert_ne!(sim.preview(0).0, Move::Bridge(0, 1));
    // ... as does B's majority (one of two is not more than half) ...
    let mut sim = Sim::new(&four(LOSER3, &blocs_ab("Majority")), 1, 0);
    assert_ne!(sim.preview(0).0, Move::Bridge(0, 1));
    // ... while an Open B lets A's member build it.
    let mut sim = Sim::new(&four(LOSER3, &blocs_ab("Open")), 1, 0);
    assert_eq!(sim.preview(0).0, Move::Bridge(0, 1));
    // A member of either side may propose it.
    let mut sim = Sim::new(&four(PLAIN3, &blocs_ab("Unanimity")), 1, 0);
    assert_eq!(sim.preview(2).0, Move::Bridge(0, 1));
}

#[test]
fn a_bridge_is_not_proposed_when_its_blocs_are_out_of_reach() {
    let far = four_within("0.49", PLAIN3, &blocs_ab("Unanimity"));
    // Nearest members c1 (0.25) and c2 (0.75) are 0.5 apart.
    let mut sim = Sim::new(&far, 1, 0);
    assert_ne!(sim.preview(0).0, Move::Bridge(0, 1));
    let near = four_within("0.51", PLAIN3, &blocs_ab("Unanimity"));
    let mut sim = Sim::new(&near, 1, 0);
    assert_eq!(sim.preview(0).0, Move::Bridge(0, 1));
}

/// Five countries, A = {0, 1, 4}, B = {2, 3} and their declared bridge; nobody moves by
/// choice (the switching cost is prohibitive), events move countries in and out.
const FOLLOW: &str = "(countries: Synthetic((countries: 5, regions: 2)), initial_m: None,
    switching_cost: 100.0, check_incremental: true, max_ticks: 10, patience: 50,
    agreements: [(name: \"A\", members: [0, 1, 4]), (name: \"B\", members: [2, 3]), (name: \"AB\", bridge: (\"A\", \"B\"))],
    events: [Exit(tick: 1, country: 4, from: \"A\"), Enter(tick: 2, country: 4, into: \"B\"),
             Enter(tick: 3, country: 4, into: \"A\"), Exit(tick: 4, country: 4, from: \"A\"),
             Exit(tick: 5, country: 2, from: \"B\"), Exit(tick: 6, country: 3, from: \"B\")])";

#[test]
fn a_bridge_follows_its_parents_and_dissolves_with_them() {
    let spec = spec(FOLLOW);
    assert_eq!(spec.agreements[2].members, vec![0, 1, 2, 3, 4]);
    assert_eq!(spec.agreements[2].bridge, Some([0, 1]));
    assert_eq!(
        spec.agreements[2].depth, 0.3,
        "regional.bridge_depth by default"
    );
    let mut sim = Sim::new(&spec, 1, 0);
    let bridge = |sim: &Sim| sim.world.agreements[2].members().to_vec();
    let expected: [&[u32]; 6] = [
        &[0, 1, 2, 3],    // 4 leaves A, and so the bridge
        &[0, 1, 2, 3, 4], // 4 enters B, and so the bridge again
        &[0, 1, 2, 3, 4], // 4 enters A too: no change
        &[0, 1, 2, 3, 4], // 4 leaves A but stays in B: still in the bridge
        &[0, 1, 3, 4],    // 2 leaves B
        &[],              // 3 leaves B, which dissolves, and the bridge with it
    ];
    for (t, want) in expected.iter().enumerate() {
        sim.step();
        assert_eq!(bridge(&sim), *want, "after tick {}", t + 1);
        assert_eq!(sim.world.check_invariants(), Ok(()));
    }
    assert_eq!(sim.world.agreements[1].dissolved, Some(6));
    assert_eq!(sim.world.agreements[2].dissolved, Some(6));
    // The log tells it: the bridge's rows are Join/Leave/Dissolve of agreement 2.
    let rows: Vec<(u32, u32, &str)> = sim
        .log()
        .iter()
        .filter(|r| r.institution == Some(blocs::model::InstitutionSel::Agreement(2)) && r.tick > 0)
        .map(|r| (r.tick, r.country.unwrap(), r.what.as_str()))
        .collect();
    assert_eq!(
        rows,
        vec![
            (1, 4, "Leave"),
            (2, 4, "Join"),
            (5, 2, "Leave"),
            (6, 0, "Dissolve"),
            (6, 1, "Dissolve"),
            (6, 3, "Leave"),
            (6, 4, "Dissolve"),
        ]
    );
}

#[test]
fn joining_a_parent_by_choice_joins_its_bridges() {
    // c4 sits next to A; joining A also takes it into A–B.
    let spec = spec(
        "(countries: Explicit([
            (name: \"c0\", region: 0, pos: (0.2, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            (name: \"c1\", region: 0, pos: (0.25, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            (name: \"c2\", region: 1, pos: (0.75, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            (name: \"c3\", region: 1, pos: (0.8, 0.5), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0),
            (name: \"c4\", region: 0, pos: (0.2, 0.55), gdp: 1.0, ideal: (0.5, 0.5), sovereignty: 0.0, protectionism: 0.0)]),
          initial_m: None, membership_cost: 0.0, roo_cost: 0.0, check_incremental: true,
          regional: (allow_form: false),
          agreements: [(name: \"A\", members: [0, 1]), (name: \"B\", members: [2, 3]), (name: \"AB\", bridge: (\"A\", \"B\"))])",
    );
    let mut sim = Sim::new(&spec, 1, 0);
    assert_eq!(
        sim.preview(4).0,
        Move::Join(0),
        "c4's best move is to join A"
    );
    // Its value includes the bridge: the same ops as a from-scratch world with both.
    let mut engine = Engine::new(&sim.world, &spec.params);
    let mut d = Vec::new();
    let ops = [Op::AddMember(0, 4), Op::AddMember(2, 4)];
    engine.deltas(&mut sim.world, &spec.params, &ops, &[4], &mut d);
    let before = payoffs_from_scratch(&sim.world, &spec.params);
    let mut w = sim.world.clone();
    for op in ops {
        w.apply(op);
    }
    let after = payoffs_from_scratch(&w, &spec.params);
    assert!((d[0] - (after[4].total() - before[4].total())).abs() < 1e-12);
    assert!((sim.preview(4).1 - (d[0] - spec.params.switching_cost)).abs() < 1e-12);
}

#[test]
fn declared_bridges_are_validated() {
    let base = "(countries: Synthetic((countries: 6)), agreements: [(name: \"A\", members: [0, 1]), (name: \"B\", members: [2, 3]), ";
    let cases = [
        (
            "(name: \"X\", bridge: (\"A\", \"Nope\"))]",
            "agreements[2].bridge.1",
            "Nope",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"A\"))]",
            "agreements[2].bridge",
            "named twice",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"M\"))]",
            "agreements[2].bridge.1",
            "not M or G",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"X\"))]",
            "agreements[2].bridge.1",
            "cannot link itself",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\"), members: [4, 5])]",
            "agreements[2].members",
            "leave `members` out",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\"), kind: CustomsUnion)]",
            "agreements[2].kind",
            "is an Fta",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\")), (name: \"Y\", bridge: (\"B\", \"A\"))]",
            "agreements[3].bridge",
            "already have a bridge",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\")), (name: \"Y\", bridge: (\"X\", \"A\"))]",
            "agreements[3].bridge",
            "itself a bridge",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\"))], events: [Exit(tick: 3, country: 0, from: \"X\")]",
            "events[0].from",
            "is a bridge",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\"))], regional: (bridge_depth: 1.5)",
            "regional.bridge_depth",
            "1.5",
        ),
        (
            "(name: \"X\", bridge: (\"A\", \"B\"))], regional: (bridge_reach: -1.0)",
            "regional.bridge_reach",
            "≥ 0",
        ),
    ];
    for (tail, field, words) in cases {
        let ron = format!("{base}{tail})");
        let scenario = blocs::config::Scenario::parse(&ron, std::path::Path::new("bridges.ron"))
            .unwrap_or_else(|e| panic!("{ron}: {e}"));
        let err = scenario
            .validate(std::path::Path::new("bridges.ron"))
            .expect_err(&ron)
            .to_string();
        assert!(err.contains(field) && err.contains(words), "{ron}\n{err}");
    }
}

#[test]
fn a_bad_bridge_exits_with_code_2_naming_the_field() {
    let dir = temp_dir("bad-bridge");
    let file = dir.join("bad.ron");
    std::fs::write(
        &file,
        "(countries: Synthetic((countries: 6)), agreements: [(name: \"A\", members: [0, 1]), (name: \"X\", bridge: (\"A\", \"A\"))])",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.join("out").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.ron") && err.contains("agreements[1].bridge"),
        "{err}"
    );
    assert!(!dir.join("out").exists());
}

/// A random small world with the bridge move on (and a declared bridge, so that events
/// move countries through parents), under the incremental check.
fn scenario() -> impl Strategy<Value = String> {
    (
        (4u32..12, 1u32..4, prop::bool::ANY, 0usize..3, 0usize..3),
        (prop::bool::ANY, prop::bool::ANY, prop::bool::ANY, 0.0f64..1.0, prop::bool::ANY),
    )
        .prop_map(|((n, r, cu, rule, m0), (logit, sync, sec, depth, reach))| {
            let rule = ["Open", "Unanimity", "Majority"][rule];
            let initial = ["All", "None", "LargestShare(0.4)"][m0];
            format!(
                "(countries: Synthetic((countries: {n}, regions: {r})), initial_m: {initial},
                  regional: (new_kind: {}, new_rule: {rule}, new_reach: 0.5, bridges: true,
                             bridge_depth: {depth}, bridge_reach: {}),
                  membership_cost: 0.001, roo_cost: 0.0005,
                  choice: {}, update: {}, security: {}, activation_rate: 0.4, max_ticks: 25, patience: 5,
                  agreements: [(name: \"A\", rule: {rule}, members: [0, 1]), (name: \"B\", rule: {rule}, members: [2, 3]),
                               (name: \"AB\", bridge: (\"A\", \"B\"))],
                  events: [Enter(tick: 3, country: \"hegemon\", into: \"A\"), Exit(tick: 5, country: 0, from: \"A\"),
                           GdpShift(tick: 6, country: 1, factor: 1.5), Enter(tick: 7, country: 0, into: \"B\")],
                  check_incremental: true)",
                if cu { "CustomsUnion" } else { "Fta" },
                if reach { "inf" } else { "0.3" },
                if logit { "Logit(beta: 200.0)" } else { "BestResponse" },
                if sync { "Synchronous" } else { "Sequential" },
                if sec { "(sigma: 0.2, distance: 0.5)" } else { "None" },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// With bridges on, every trial and commit matches the from-scratch payoffs
    /// (`check_incremental` asserts it inside the scheduler), and every live bridge holds
    /// exactly its two live parents' members (`check_invariants`).
    #[test]
    fn bridging_worlds_keep_their_invariants(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            prop_assert_eq!(sim.world.check_invariants(), Ok(()));
            prop_assert!(sim.engine.utilities().iter().all(|u| u.is_finite()));
            if !sim.step() {
                break;
            }
        }
    }
}

/// Bridges form in this world (majority rules), so the thread test sees them.
const THREADS: &str = "(name: \"bridges\", countries: Synthetic((countries: 24, regions: 3)), worlds: 6,
    max_ticks: 60, initial_m: None, regional: (new_rule: Majority, bridges: true, bridge_reach: inf))";

#[test]
fn bridging_runs_are_identical_for_1_and_4_threads() {
    let dir = temp_dir("bridge-threads");
    let scenario = dir.join("bridges.ron");
    std::fs::write(&scenario, THREADS).unwrap();
    let mut files = Vec::new();
    for threads in ["1", "4"] {
        let out = dir.join(format!("out{threads}"));
        let res = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
            .args([
                "run",
                scenario.to_str().unwrap(),
                "--threads",
                threads,
                "--out",
            ])
            .arg(&out)
            .arg("-q")
            .output()
            .unwrap();
        assert!(
            res.status.success(),
            "{}",
            String::from_utf8_lossy(&res.stderr)
        );
        files.push(
            [
                "timeseries.csv",
                "agreements.csv",
                "events.csv",
                "countries.csv",
                "summary.csv",
            ]
            .map(|f| std::fs::read(out.join(f)).unwrap()),
        );
    }
    assert!(
        files[0] == files[1],
        "a file differs between 1 and 4 threads"
    );
    let events = String::from_utf8_lossy(&files[0][2]);
    assert!(events.contains(",Bridge,"), "bridges formed in this world");
}

/// The 2025 world's agreements under the given `World2025` options.
fn agreements_2025(options: &str) -> Vec<blocs::model::AgreementSpec> {
    spec(&format!("(countries: World2025(({options})))")).agreements
}

#[test]
fn eu_mercosur_is_a_bridge_of_the_eu_and_mercosur_only_when_asked() {
    let find = |list: &[blocs::model::AgreementSpec], name: &str| {
        list.iter().position(|a| a.name == name).expect(name)
    };
    // Without `bridges`, the table's agreements are plain (and the world as before).
    let plain = agreements_2025("bilateral: true, in_force: [\"EU-Mercosur\"]");
    assert!(plain.iter().all(|a| a.bridge.is_none()));
    let bridged = agreements_2025("bilateral: true, in_force: [\"EU-Mercosur\"], bridges: true");
    let (eu, me, em) = (
        find(&bridged, "EU"),
        find(&bridged, "Mercosur"),
        find(&bridged, "EU-Mercosur"),
    );
    assert_eq!(bridged[em].bridge, Some([eu as u32, me as u32]));
    let mut union = bridged[eu].members.clone();
    union.extend_from_slice(&bridged[me].members);
    union.sort_unstable();
    assert_eq!(bridged[em].members, union);
    assert_eq!(
        bridged[em].members.len(),
        31,
        "27 EU members and 4 of Mercosur"
    );
    assert_eq!(bridged[em].depth, 0.2);
    // Everything else is the same world.
    for (k, (a, b)) in plain.iter().zip(&bridged).enumerate() {
        if k != em {
            assert_eq!(a, b);
        }
    }
    // Not in force, it is no agreement (and the bridge move may still form it).
    let pending = agreements_2025("bilateral: true, bridges: true");
    assert!(
        pending
            .iter()
            .all(|a| a.name != "EU-Mercosur" && a.bridge.is_none())
    );
    // The Pacific Alliance–Singapore FTA counts only when named in `in_force`.
    assert!(pending.iter().all(|a| a.name != "PA-SGP"));
    let pa_sgp = agreements_2025("bilateral: true, in_force: [\"PA-SGP\"]");
    let k = find(&pa_sgp, "PA-SGP");
    assert_eq!(pa_sgp[k].members.len(), 5);
    assert_eq!(pa_sgp[k].bridge, None);
}

#[test]
fn a_country_leaving_the_eu_leaves_eu_mercosur() {
    let spec = spec(
        "(countries: World2025((bilateral: true, in_force: [\"EU-Mercosur\"], bridges: true)),
          switching_cost: 100.0, max_ticks: 3,
          events: [Exit(tick: 1, country: \"PRT\", from: \"EU\"), Enter(tick: 2, country: \"PRT\", into: \"Mercosur\")])",
    );
    let em = spec
        .agreements
        .iter()
        .position(|a| a.name == "EU-Mercosur")
        .unwrap();
    let prt = |sim: &Sim| {
        let world = &sim.world;
        let id = world
            .countries
            .iter()
            .position(|c| c.iso3 == "PRT")
            .unwrap() as u32;
        world.agreements[em].members().binary_search(&id).is_ok()
    };
    let mut sim = Sim::new(&spec, 1, 0);
    assert!(prt(&sim));
    sim.step();
    assert!(!prt(&sim), "out of the EU, out of EU–Mercosur");
    sim.step();
    assert!(prt(&sim), "into Mercosur, into EU–Mercosur again");
    assert_eq!(sim.world.check_invariants(), Ok(()));
}

/// Worlds where bridges do form, so that `check_incremental` prices real bridges (and
/// their parents' later changes) against the from-scratch payoffs: FTAs on the pairwise
/// path, and customs unions with the security module on the general path.
#[test]
fn bridges_that_form_match_the_from_scratch_payoffs() {
    for (kind, security, n, seed, world) in [
        ("Fta", "None", 30, 3, 1),
        ("CustomsUnion", "(sigma: 0.2, distance: 0.5)", 24, 5, 0),
    ] {
        let spec = spec(&format!(
            "(countries: Synthetic((countries: {n}, regions: 3)), max_ticks: 60, initial_m: None,
              regional: (new_kind: {kind}, new_rule: Majority, bridges: true, bridge_reach: inf),
              security: {security}, check_incremental: true)"
        ));
        let result = blocs::scheduler::run_world(&spec, seed, world);
        let bridges = result
            .log
            .iter()
            .filter(|r| r.what == blocs::scheduler::LogMove::Bridge)
            .count();
        assert!(bridges >= 4, "{kind}: {bridges} Bridge rows");
        assert_eq!(result.world.check_invariants(), Ok(()));
    }
}
