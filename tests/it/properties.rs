//! Property tests: invariants of whole runs on random small worlds and configs.
//!
//! proptest generates seeds and configurations, never raw draws, so that every failure
//! shrinks to a scenario that can be replayed with `blocs run`.

use blocs::scheduler::Sim;
use proptest::prelude::*;

use crate::spec;

/// A random small scenario, with the incremental-payoff check switched on.
fn scenario() -> impl Strategy<Value = String> {
    (
        (3u32..14, 1u32..4, prop::bool::ANY, prop::bool::ANY, prop::bool::ANY),
        (0usize..3, 0usize..3, 0usize..3, prop::bool::ANY, prop::bool::ANY),
        (0usize..4, 0.0f64..1.5, prop::bool::ANY, prop::bool::ANY),
    )
        .prop_map(|((n, r, art24, cu, retaliation), (rule, accession, decision, logit, sync), (m0, rho, pg, sec))| {
            let rule = ["Open", "Unanimity", "Majority"][rule];
            let accession = ["Open", "Consensus", "Majority"][accession];
            let decision = ["Consensus", "Supermajority(0.6)", "Supermajority(1.0)"][decision];
            let initial = ["All", "None", "LargestShare(0.4)", "Members([0, 1])"][m0];
            format!(
                "(countries: Synthetic((countries: {n}, regions: {r})), article_xxiv: {art24}, cu_market_power: {rho},
                  regional: (new_kind: {}, new_rule: {rule}, new_reach: 0.5),
                  multilateral: (retaliation: {retaliation}, accession_rule: {accession}, decision_rule: {decision}, round_every: 3),
                  choice: {}, update: {}, initial_m: {initial}, activation_rate: 0.3, max_ticks: 25, patience: 5,
                  public_goods: {}, security: {},
                  events: [TariffWall(tick: 4, country: \"hegemon\", rate: 0.35), Exit(tick: 6, country: \"rank:2\", from: \"M\"),
                           GdpShift(tick: 8, country: 0, factor: 1.7), Enter(tick: 9, country: \"rank:2\", into: \"M\")],
                  check_incremental: true)",
                if cu { "CustomsUnion" } else { "Fta" },
                if logit { "Logit(beta: 200.0)" } else { "BestResponse" },
                if sync { "Synchronous" } else { "Sequential" },
                if pg { "(linked_to_trade: true)" } else { "None" },
                if sec { "(sigma: 0.2, distance: 0.5)" } else { "None" },
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Membership is consistent both ways, no live agreement has fewer than 2 members,
    /// nobody is in two customs unions, payoffs are finite, and the incremental payoff
    /// changes equal from-scratch recomputation to 1e-9 at every trial and commit
    /// (`check_incremental` asserts this inside the scheduler).
    #[test]
    fn runs_keep_their_invariants(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            prop_assert_eq!(sim.world.check_invariants(), Ok(()));
            prop_assert!(sim.engine.utilities().iter().all(|u| u.is_finite()));
            if !sim.step() {
                break;
            }
        }
        let last = sim.series().last().expect("recorded");
        for x in [last.m_share, last.e_m, last.coverage, last.free_share, last.excluded, last.compliance] {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&x), "share out of range: {x}");
        }
    }

    /// Joining and then leaving an agreement restores every payoff.
    #[test]
    fn join_then_leave_restores_payoffs(seed in 0u64..500) {
        let spec = spec("(countries: Synthetic((countries: 10)), regional: (new_reach: inf), check_incremental: true)");
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..5 {
            sim.step();
        }
        let before = sim.engine.utilities().to_vec();
        let world = &mut sim.world;
        let live: Vec<u32> = (0..world.agreements.len() as u32).filter(|&k| world.agreements[k as usize].is_live()).collect();
        if let Some(&k) = live.first() {
            let outsider = (0..world.n() as u32).find(|&c| !world.memberships(c).contains(&k));
            if let Some(c) = outsider {
                let params = spec.params.clone();
                sim.engine.commit(&mut sim.world, &params, &[blocs::model::Op::AddMember(k, c)]);
                sim.engine.commit(&mut sim.world, &params, &[blocs::model::Op::RemoveMember(k, c)]);
                for (a, b) in before.iter().zip(sim.engine.utilities()) {
                    prop_assert!((a - b).abs() < 1e-12, "{a} vs {b}");
                }
            }
        }
    }
}
