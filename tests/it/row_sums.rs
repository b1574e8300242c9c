//! The committed row sums, which commits resume from the row's last checkpoint before
//! the first column they changed (`Engine::sum_row_from`), against the same sums taken
//! from scratch with the plain five-chain loop, bit for bit, through whole runs.

use blocs::scheduler::Sim;
use proptest::prelude::*;

use crate::spec;

/// A random world with more countries than one checkpoint block (16), so that member
/// rows resume mid-row, with customs unions, retaliation, walls, exits and GDP shifts.
fn scenario() -> impl Strategy<Value = String> {
    (
        17u32..70,
        1u32..4,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0usize..3,
    )
        .prop_map(|(n, regions, cu, xxiv, retaliation, initial)| {
            let initial = ["All", "None", "LargestShare(0.4)"][initial];
            format!(
                "(countries: Synthetic((countries: {n}, regions: {regions})), article_xxiv: {xxiv},
                  regional: (new_kind: {}, new_reach: 0.6),
                  multilateral: (retaliation: {retaliation}, round_every: 3),
                  initial_m: {initial}, activation_rate: 0.4, max_ticks: 20, patience: 5,
                  events: [TariffWall(tick: 4, country: \"hegemon\", rate: 0.35),
                           Exit(tick: 6, country: \"rank:2\", from: \"M\"),
                           GdpShift(tick: 8, country: 0, factor: 1.7),
                           Enter(tick: 9, country: \"rank:2\", into: \"M\")])",
                if cu { "CustomsUnion" } else { "Fta" },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// After every tick, each committed row's D, Σ w τ, Σ_{j≠i} a, Σ y τ and
    /// Σ_{τ=0} y are, to the bit, the plain loop's over the committed entries.
    #[test]
    fn resumed_row_sums_equal_sums_from_scratch(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            for (i, (kept, afresh)) in sim.engine.row_sums_kept_and_afresh().iter().enumerate() {
                prop_assert_eq!(
                    kept.map(f64::to_bits),
                    afresh.map(f64::to_bits),
                    "row {}: {:?} vs {:?}", i, kept, afresh
                );
            }
            if !sim.step() {
                break;
            }
        }
    }
}
