//! ODD.md section 1: the patterns the model must reproduce, over a modest number of
//! seeds (debug builds are slow, so worlds are smaller than the defaults where that does
//! not change the pattern).

use blocs::metrics::Outcome;
use blocs::model::StopReason;
use blocs::runner::run_worlds;
use blocs::scheduler::WorldResult;

use crate::spec;

const WORLDS: u64 = 8;

fn run(ron: &str) -> Vec<WorldResult> {
    run_worlds(&spec(ron), 11, WORLDS, 0, &|| {}).unwrap()
}

fn count(results: &[WorldResult], classes: &[Outcome]) -> usize {
    results
        .iter()
        .filter(|r| classes.contains(&r.outcome))
        .count()
}

fn pass_share(results: &[WorldResult]) -> f64 {
    let passed: u32 = results.iter().map(|r| r.last().rounds_passed).sum();
    let failed: u32 = results.iter().map(|r| r.last().rounds_failed).sum();
    f64::from(passed) / f64::from(passed + failed)
}

#[test]
fn open_regionalism_grows_into_global_free_trade() {
    // Yi (1996): with open membership and unlimited reach one agreement takes everyone.
    let results = run("(regional: (new_rule: Open, new_reach: inf))");
    assert!(
        count(&results, &[Outcome::GlobalFreeTrade]) >= 7,
        "{:?}",
        results.iter().map(|r| r.outcome).collect::<Vec<_>>()
    );
}

#[test]
fn without_a_multilateral_core_worlds_end_in_rival_blocs() {
    let results = run("(initial_m: None)");
    assert!(
        count(&results, &[Outcome::RivalBlocs]) >= 7,
        "{:?}",
        results.iter().map(|r| r.outcome).collect::<Vec<_>>()
    );
}

#[test]
fn walled_customs_unions_unravel_the_multilateral_order() {
    // Krugman's walls: customs unions outside Article XXIV with large market power.
    let results =
        run("(article_xxiv: false, cu_market_power: 1.0, regional: (new_kind: CustomsUnion))");
    let walled = count(&results, &[Outcome::RivalBlocs, Outcome::Fragmented]);
    assert!(
        walled >= 7,
        "{:?}",
        results.iter().map(|r| r.outcome).collect::<Vec<_>>()
    );
    // With the defaults (Article XXIV kept) the same worlds keep a working core.
    let kept = run("(regional: (new_kind: CustomsUnion))");
    assert!(count(&kept, &[Outcome::RivalBlocs, Outcome::Fragmented]) <= 1);
}

#[test]
fn consensus_rounds_stall_once_ftas_exist_and_supermajority_rounds_pass() {
    // Stumbling blocks (Levy 1997, Krishna 1998): FTA members veto MFN cuts.
    let with_ftas = pass_share(&run("()"));
    let without_ftas = pass_share(&run("(regional: (allow_form: false, allow_join: false))"));
    let supermajority = pass_share(&run("(multilateral: (decision_rule: Supermajority(0.67)))"));
    assert!(with_ftas < 0.6, "consensus with FTAs passed {with_ftas}");
    assert!(
        without_ftas > 0.9,
        "consensus without FTAs passed {without_ftas}"
    );
    assert!(supermajority > 0.9, "supermajority passed {supermajority}");
}

#[test]
fn trade_diversion_drives_domino_accession() {
    // Baldwin's domino effect: agreements grow after they form (joins follow forms).
    let results = run("()");
    let joins: usize = results
        .iter()
        .map(|r| {
            r.log
                .iter()
                .filter(|row| row.what == blocs::scheduler::LogMove::Join && row.tick > 0)
                .count()
        })
        .sum();
    assert!(joins >= 8 * 5, "only {joins} accessions in {WORLDS} worlds");
}

#[test]
fn retaliation_deters_walled_customs_unions() {
    // Krugman's walls are deterred when M's members withdraw MFN from breaching exporters.
    let results = run(
        "(article_xxiv: false, cu_market_power: 1.0, regional: (new_kind: CustomsUnion), multilateral: (retaliation: true))",
    );
    assert_eq!(
        count(&results, &[Outcome::RivalBlocs]),
        0,
        "{:?}",
        results.iter().map(|r| r.outcome).collect::<Vec<_>>()
    );
    assert!(
        count(
            &results,
            &[Outcome::MultilateralCore, Outcome::NetworkedOrder]
        ) >= 7
    );
}

#[test]
fn the_multilateral_core_has_a_critical_mass() {
    // ODD.md section 1: below about a quarter of world GDP M's worlds end in rival blocs,
    // above it in a networked order (or global free trade).
    let small = run("(initial_m: LargestShare(0.1))");
    let large = run("(initial_m: LargestShare(0.5))");
    assert!(
        count(&small, &[Outcome::RivalBlocs]) >= 7,
        "{:?}",
        small.iter().map(|r| r.outcome).collect::<Vec<_>>()
    );
    assert_eq!(count(&large, &[Outcome::RivalBlocs]), 0);
    assert!(count(&large, &[Outcome::NetworkedOrder, Outcome::GlobalFreeTrade]) >= 7);
}

/// The canonical state the cycle check compares: t_M, M's members and the member lists
/// of the live agreements, whatever their ids.
fn state(world: &blocs::model::World) -> (u64, Vec<bool>, Vec<Vec<u32>>) {
    let mut agreements: Vec<Vec<u32>> = world
        .agreements
        .iter()
        .filter(|a| a.is_live())
        .map(|a| a.members().to_vec())
        .collect();
    agreements.sort();
    (world.t_m.to_bits(), world.in_m.clone(), agreements)
}

#[test]
fn best_response_cycles_are_detected_when_a_state_repeats() {
    // Security balancing with free switching makes small worlds chase each other round.
    let spec = spec(
        "(countries: Synthetic((countries: 6)), security: (sigma: 2.0, distance: 1.0),
          switching_cost: 0.0, max_ticks: 300)",
    );
    let mut cycling = 0;
    for world in 0..40 {
        let mut sim = blocs::scheduler::Sim::new(&spec, 1, world);
        // States after ticks with moves, as ODD.md section 7.6 counts them.
        let mut seen = Vec::new();
        let mut repeated_at = None;
        loop {
            let running = sim.step();
            if sim.series().last().expect("a tick").moves > 0 {
                let now = state(&sim.world);
                if seen.contains(&now) {
                    repeated_at.get_or_insert(sim.world.tick);
                }
                seen.push(now);
            }
            if !running {
                break;
            }
        }
        let stop = sim.stopped().expect("stopped");
        if stop == StopReason::Cycling {
            cycling += 1;
            // It stops at the first tick with moves whose state was seen after an
            // earlier tick with moves.
            assert_eq!(repeated_at, Some(sim.world.tick), "world {world}");
        } else {
            assert_eq!(
                repeated_at, None,
                "world {world} repeated a state without stopping"
            );
        }
    }
    // Measured: 8 of these 40 worlds cycle (worlds 1, 9, 11, 12, 20, 22, 25, 39).
    assert_eq!(cycling, 8);
}
