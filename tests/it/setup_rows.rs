//! A new engine's committed rows, built row by row with each row's shared cost computed
//! once (`Engine::new`), against the plain build through `Engine::recompute_row`
//! (`Engine::new_plain`), bit for bit: every matrix, row sum, checkpoint and payoff.

use blocs::model::{Params, WorldSpec};
use blocs::payoff::Engine;
use blocs::scheduler::Sim;
use proptest::prelude::*;

use crate::{repo, spec};

/// Engines built both ways from `sim`'s world agree to the bit.
fn assert_same_setup(sim: &Sim, params: &Params) -> Result<(), TestCaseError> {
    let fast = Engine::new(&sim.world, params).committed_bits();
    let plain = Engine::new_plain(&sim.world, params).committed_bits();
    for ((name, a), (_, b)) in fast.iter().zip(&plain) {
        let first = a.iter().zip(b).position(|(x, y)| x != y);
        prop_assert!(
            a.len() == b.len() && first.is_none(),
            "{} differs at {:?} (lengths {} and {})",
            name,
            first,
            a.len(),
            b.len()
        );
    }
    Ok(())
}

/// Both builds at every tick of a run, so worlds with agreements, customs unions, walls,
/// exits and M members of several compliance classes are built too.
fn check_run(spec: &WorldSpec, seed: u64, ticks: u32) -> Result<(), TestCaseError> {
    let mut sim = Sim::new(spec, seed, 0);
    for _ in 0..ticks {
        assert_same_setup(&sim, &spec.params)?;
        if !sim.step() {
            break;
        }
    }
    assert_same_setup(&sim, &spec.params)
}

/// A random world with initial agreements (one of them deep), customs unions or FTAs,
/// Article XXIV, retaliation, a distance exponent θ of 1 or not, tariff walls and exits.
fn scenario() -> impl Strategy<Value = String> {
    (
        6u32..40,
        1u32..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0usize..3,
    )
        .prop_map(|(n, regions, cu, xxiv, retaliation, theta_one, initial)| {
            let initial = ["All", "None", "LargestShare(0.4)"][initial];
            let kind = if cu { "CustomsUnion" } else { "Fta" };
            let theta = if theta_one { "1.0" } else { "1.7" };
            format!(
                "(countries: Synthetic((countries: {n}, regions: {regions})), article_xxiv: {xxiv},
                  trade: Gravity((d0: 0.05, theta: {theta}, home_bias: 2.0)), cu_market_power: 0.6,
                  regional: (new_kind: {kind}, new_reach: 0.6),
                  multilateral: (retaliation: {retaliation}, enforcement_threshold: 0.9, round_every: 3),
                  initial_m: {initial}, activation_rate: 0.4, max_ticks: 12, patience: 5,
                  agreements: [(name: \"A\", members: [0, 1, 2], kind: {kind}),
                               (name: \"B\", depth: 0.8, members: [3, 4])],
                  events: [TariffWall(tick: 2, country: \"hegemon\", rate: 0.35),
                           TariffWall(tick: 3, country: \"rank:3\", rate: 0.1),
                           Exit(tick: 4, country: \"rank:2\", from: \"M\"),
                           GdpShift(tick: 5, country: 0, factor: 1.7)])"
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn setup_rows_equal_the_plain_build(ron in scenario(), seed in 0u64..1000) {
        check_run(&spec(&ron), seed, 12)?;
    }
}

/// The calibrated 2025 world and its retaliation scenario, a few ticks each.
#[test]
fn setup_rows_of_the_2025_world_equal_the_plain_build() {
    for file in [
        "configs/world2025.ron",
        "experiments/world2025/tariff_wave_retaliation.ron",
    ] {
        let scenario = blocs::input::read_scenario(&repo(file)).expect("parses");
        let spec = scenario.validate(&repo(file)).expect("valid");
        check_run(&spec, 7, 3).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
}
