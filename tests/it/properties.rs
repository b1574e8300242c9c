//! Property tests: invariants of whole runs on random small worlds and configs.
//!
//! proptest generates seeds and configurations, never raw draws, so that every failure
//! shrinks to a scenario that can be replayed with `blocs run`.

use blocs::metrics::{
    Counters, METRIC_COLUMNS, Measurer, Metrics, WallScratch, bloc_wall_sums,
    bloc_wall_sums_pairwise, bloc_wall_sums_with, measure, primary_blocs,
};
use blocs::model::{Op, Params, World};
use blocs::payoff::{Engine, Terms, payoffs_from_scratch};
use blocs::scheduler::Sim;
use proptest::prelude::*;

use crate::{spec, walled_m_spec};

/// Applies `ops` to a copy of `world` and checks each queried country's trial ΔU in `out`
/// against the from-scratch payoffs, to 1e-9 relative (the `check_incremental` tolerance).
fn trial_matches_from_scratch(
    world: &World,
    params: &Params,
    ops: &[Op],
    before: &[Terms],
    queried: &[u32],
    out: &[f64],
) -> Result<(), TestCaseError> {
    let mut trial = world.clone();
    for &op in ops {
        trial.apply(op);
    }
    let after = payoffs_from_scratch(&trial, params);
    for (q, &c) in queried.iter().enumerate() {
        let exact = after[c as usize].total() - before[c as usize].total();
        prop_assert!(
            (exact - out[q]).abs() <= 1e-9 * (1.0 + exact.abs()),
            "{ops:?}, country {c}: {} vs {exact}",
            out[q]
        );
    }
    Ok(())
}

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

    /// `within_reach`, which stops at the first member near enough, answers as
    /// `distance_to(i, k) <= reach` for every country and live agreement at every tick,
    /// at reaches equal to each distance (the boundary), just below it, 0 and infinity.
    #[test]
    fn within_reach_matches_the_nearest_member_distance(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            let w = &sim.world;
            for i in 0..w.n() as u32 {
                for (k, a) in w.agreements.iter().enumerate().filter(|(_, a)| a.is_live()) {
                    let k = k as u32;
                    let d = w.distance_to(i, k);
                    for reach in [0.0, d, d.next_down(), d.next_up(), a.spec.reach, f64::INFINITY] {
                        prop_assert_eq!(w.within_reach(i, k, reach), d <= reach, "country {} agreement {} reach {}", i, k, reach);
                    }
                }
            }
            if !sim.step() {
                break;
            }
        }
    }

    /// Each country's agreement list is, at every tick, exactly the live agreements whose
    /// members include it, ascending: the Join candidates walk it beside the live list
    /// instead of searching every agreement's members.
    #[test]
    fn memberships_are_the_live_agreements_holding_a_country(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            let w = &sim.world;
            for i in 0..w.n() as u32 {
                let scan: Vec<u32> = w
                    .live_agreements()
                    .iter()
                    .copied()
                    .filter(|&k| w.agreements[k as usize].members().binary_search(&i).is_ok())
                    .collect();
                prop_assert_eq!(w.memberships(i), &scan[..], "country {} at tick {}", i, w.tick);
            }
            if !sim.step() {
                break;
            }
        }
    }

    /// The live-agreement list kept by `World::apply` is the plain scan of `agreements`
    /// for live ones at every tick, and stays so when a dissolution is undone and redone
    /// and when the newest agreement is unfounded.
    #[test]
    fn live_agreements_match_a_scan_of_all_agreements(ron in scenario(), seed in 0u64..1000) {
        fn scan(w: &blocs::model::World) -> Vec<u32> {
            (0..w.agreements.len() as u32).filter(|&k| w.agreements[k as usize].is_live()).collect()
        }
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            prop_assert_eq!(sim.world.live_agreements(), &scan(&sim.world)[..]);
            if !sim.step() {
                break;
            }
        }
        let mut w = sim.world.clone();
        if let Some(&k) = w.live_agreements().first() {
            let undo = w.apply(Op::SetDissolved(k, Some(7)));
            prop_assert!(!w.live_agreements().contains(&k));
            prop_assert_eq!(w.live_agreements(), &scan(&w)[..]);
            w.apply(undo);
            prop_assert_eq!(w.live_agreements(), &scan(&sim.world)[..]);
        }
        // A customs-union template may only found with two countries outside any union.
        let free: Vec<u32> = (0..w.n() as u32).filter(|&c| w.customs_union_of(c).is_none()).collect();
        if let [a, .., b] = free[..] {
            let mut after = scan(&w);
            after.push(w.agreements.len() as u32);
            w.apply(Op::Found(a, b));
            prop_assert_eq!(w.live_agreements(), &after[..]);
            w.apply(Op::Unfound);
            prop_assert_eq!(w.live_agreements(), &scan(&sim.world)[..]);
        }
    }

    /// The partial partner order (`select_nth_unstable`, then the front sorted) has the
    /// plain full sort's first `front` partners in its order, then the same others, for
    /// every country and every front length.
    #[test]
    fn nearest_partners_front_matches_the_full_sort(ron in scenario(), seed in 0u64..1000) {
        use blocs::scheduler::{nearest_partners, partners_by_distance};
        let sim = Sim::new(&spec(&ron), seed, 0);
        let w = &sim.world;
        for i in 0..w.n() as u32 {
            let full = partners_by_distance(w, i);
            for front in 0..=w.n() {
                let part = nearest_partners(w, i, front);
                let f = front.min(full.len());
                prop_assert_eq!(&part[..f], &full[..f], "country {} front {}", i, front);
                let mut rest = part[f..].to_vec();
                let mut want = full[f..].to_vec();
                rest.sort_unstable();
                want.sort_unstable();
                prop_assert_eq!(rest, want);
            }
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

    /// The row-only bound that lets best response skip an exit's exports, and that bound
    /// lowered by the exit's change in the member's largest export markets, are upper
    /// bounds of the exact ΔU of leaving M, for every member, with or without walls and
    /// customs unions.
    #[test]
    fn leaving_m_never_beats_its_bound(seed in 0u64..300, walls in any::<bool>(), cu in any::<bool>()) {
        let events = if walls { "events: [TariffWall(tick: 2, country: \"rank:3\", rate: 0.12)]," } else { "" };
        let kind = if cu { "CustomsUnion" } else { "Fta" };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: 12)), regional: (new_kind: {kind}, new_reach: inf), {events} activation_rate: 0.5)"
        ));
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..6 {
            sim.step();
        }
        let params = spec.params.clone();
        let before = payoffs_from_scratch(&sim.world, &params);
        for i in 0..sim.world.n() as u32 {
            if !sim.world.in_m[i as usize] {
                continue;
            }
            let Some(bound) = sim.engine.leave_m_bound(&mut sim.world, &params, i) else {
                continue;
            };
            let mut out = Vec::new();
            sim.engine.deltas(&mut sim.world, &params, &[Op::SetM(i, false)], &[i], &mut out);
            let mut trial = sim.world.clone();
            trial.apply(Op::SetM(i, false));
            let exact = payoffs_from_scratch(&trial, &params)[i as usize].total() - before[i as usize].total();
            prop_assert!(out[0] <= bound && exact <= bound, "country {i}: ΔU {} (exact {exact}) above its bound {bound}", out[0]);
            // The second bound: the row-only one lowered by the largest export markets.
            let markets = sim.engine.leave_m_export_bound(&mut sim.world, &params, i);
            prop_assert!(markets <= 1e-12, "country {i}: its markets' change {markets} is positive");
            let tighter = bound + markets;
            prop_assert!(out[0] <= tighter && exact <= tighter, "country {i}: ΔU {} (exact {exact}) above its second bound {tighter}", out[0]);
        }
    }

    /// The bound that lets best response skip a founding trial is an upper bound of the
    /// founder's exact ΔU, for every pair that shares no agreement, inside M or out, with
    /// or without walls.
    #[test]
    fn founding_never_beats_its_bound(seed in 0u64..300, walls in any::<bool>(), m_none in any::<bool>()) {
        let events = if walls { "events: [TariffWall(tick: 2, country: \"rank:3\", rate: 0.12)]," } else { "" };
        let initial = if m_none { "initial_m: LargestShare(0.5)," } else { "" };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: 12)), regional: (new_reach: inf), {events} {initial} activation_rate: 0.5)"
        ));
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..6 {
            sim.step();
        }
        let params = spec.params.clone();
        let before = payoffs_from_scratch(&sim.world, &params);
        let n = sim.world.n() as u32;
        for i in 0..n {
            for j in 0..n {
                if j == i || sim.world.share(i, j) {
                    continue;
                }
                let bound = sim.engine.form_mover_bound(&sim.world, &params, i, j).expect("an FTA founding");
                let mut out = Vec::new();
                sim.engine.deltas(&mut sim.world, &params, &[Op::Found(i, j)], &[i], &mut out);
                let mut trial = sim.world.clone();
                trial.apply(Op::Found(i, j));
                let exact = payoffs_from_scratch(&trial, &params)[i as usize].total() - before[i as usize].total();
                prop_assert!(out[0] <= bound && exact <= bound, "{i} founding with {j}: ΔU {} (exact {exact}) above its bound {bound}", out[0]);
            }
        }
    }

    /// A round takes the one-cost-class paths when nobody retaliates, whether M stays
    /// fully effective or a walled member keeps e_M below 1: every member's trial ΔU
    /// matches the from-scratch value, and the committed engine is bit for bit the engine
    /// rebuilt on the new world.
    #[test]
    fn rounds_match_from_scratch_and_a_rebuilt_engine(seed in 0u64..300, cut in 0.005f64..0.05, xxiv in any::<bool>(), wall in any::<bool>()) {
        let events = if wall {
            "multilateral: (enforcement_threshold: 0.95), events: [TariffWall(tick: 1, country: \"hegemon\", rate: 0.2)],"
        } else {
            ""
        };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: 12)), article_xxiv: {xxiv}, regional: (new_kind: CustomsUnion, new_reach: inf), activation_rate: 0.5, {events})"
        ));
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..6 {
            sim.step();
        }
        let params = spec.params.clone();
        let members: Vec<u32> = sim.world.m_members().collect();
        let proposal = [Op::SetTm((sim.world.t_m - cut).max(0.0))];
        let mut out = Vec::new();
        sim.engine.deltas(&mut sim.world, &params, &proposal, &members, &mut out);
        let before = payoffs_from_scratch(&sim.world, &params);
        trial_matches_from_scratch(&sim.world, &params, &proposal, &before, &members, &out)?;
        sim.engine.commit(&mut sim.world, &params, &proposal);
        let rebuilt = Engine::new(&sim.world, &params);
        prop_assert_eq!(sim.engine.utilities(), rebuilt.utilities());
    }

    /// Entering or leaving M once a walled hegemon has pulled e_M below 1 moves t_eff for
    /// every member: each country's trial ΔU (the mover's and the other members') matches
    /// the from-scratch value, with and without customs unions and Article XXIV, and with
    /// and without retaliation, where a second wall at a rate between t_M and t_N gives
    /// members three compliances (1, the second wall's and 0) and so three lone classes.
    #[test]
    fn m_moves_that_shift_e_m_match_from_scratch(
        seed in 0u64..200,
        xxiv in any::<bool>(),
        cu in any::<bool>(),
        retaliation in any::<bool>(),
        second_wall in 0.12f64..0.28,
    ) {
        let spec = walled_m_spec(12, xxiv, cu, retaliation, second_wall);
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..4 {
            sim.step();
        }
        let params = spec.params.clone();
        let before = payoffs_from_scratch(&sim.world, &params);
        let everyone: Vec<u32> = (0..sim.world.n() as u32).collect();
        for i in 0..sim.world.n() as u32 {
            if sim.world.locked[i as usize] {
                continue;
            }
            let op = [Op::SetM(i, !sim.world.in_m[i as usize])];
            let mut queried = vec![i];
            queried.extend(everyone.iter().copied().filter(|&c| c != i));
            let mut out = Vec::new();
            sim.engine.deltas(&mut sim.world, &params, &op, &queried, &mut out);
            trial_matches_from_scratch(&sim.world, &params, &op, &before, &queried, &out)?;
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Under Article XXIV a customs union's tariff never binds, so joining or leaving one
    /// takes the pairwise trial (an overlay of the mover's pairs) instead of rebuilding
    /// the union's rows: every country's trial ΔU matches the from-scratch value, with
    /// and without a walled hegemon and retaliation.
    #[test]
    fn customs_union_moves_under_article_xxiv_match_from_scratch(
        seed in 0u64..200,
        wall in any::<bool>(),
        retaliation in any::<bool>(),
    ) {
        let events = if wall { "events: [TariffWall(tick: 2, country: \"hegemon\", rate: 0.3)]," } else { "" };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: 12)), article_xxiv: true, cu_market_power: 0.6,
              regional: (new_kind: CustomsUnion, new_reach: inf), activation_rate: 0.5,
              multilateral: (retaliation: {retaliation}), {events})"
        ));
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..5 {
            sim.step();
        }
        let params = spec.params.clone();
        let before = payoffs_from_scratch(&sim.world, &params);
        let everyone: Vec<u32> = (0..sim.world.n() as u32).collect();
        for k in 0..sim.world.agreements.len() as u32 {
            let members = sim.world.agreements[k as usize].members().to_vec();
            if !sim.world.agreements[k as usize].is_live() || members.len() < 3 {
                continue;
            }
            for i in 0..sim.world.n() as u32 {
                let member = members.binary_search(&i).is_ok();
                let op = if member {
                    Op::RemoveMember(k, i)
                } else if sim.world.customs_union_of(i).is_none() {
                    Op::AddMember(k, i)
                } else {
                    continue;
                };
                let mut queried = vec![i];
                queried.extend(everyone.iter().copied().filter(|&c| c != i));
                let mut out = Vec::new();
                sim.engine.deltas(&mut sim.world, &params, &[op], &queried, &mut out);
                trial_matches_from_scratch(&sim.world, &params, &[op], &before, &queried, &out)?;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The mover-alone shortcuts (joining an FTA, founding one, leaving one) give the
    /// mover's ΔU bit for bit as the trial that also asks a second country (the staged
    /// overlay), and that value matches the from-scratch one.
    #[test]
    fn mover_alone_fta_trials_equal_the_staged_trial_to_the_bit(seed in 0u64..300) {
        let spec = spec("(countries: Synthetic((countries: 12)), regional: (new_reach: inf), activation_rate: 0.5)");
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..5 {
            sim.step();
        }
        let params = spec.params.clone();
        let before = payoffs_from_scratch(&sim.world, &params);
        let n = sim.world.n() as u32;
        let mut moves = Vec::new();
        for i in 0..n {
            moves.push(Op::Found(i, (i + 1) % n));
            for k in 0..sim.world.agreements.len() as u32 {
                let a = &sim.world.agreements[k as usize];
                if !a.is_live() {
                    continue;
                }
                if a.members().binary_search(&i).is_err() {
                    moves.push(Op::AddMember(k, i));
                } else if a.members().len() > 2 {
                    moves.push(Op::RemoveMember(k, i));
                }
            }
        }
        for op in moves {
            let (Op::Found(i, _) | Op::AddMember(_, i) | Op::RemoveMember(_, i)) = op else {
                unreachable!()
            };
            let other = (i + 1) % n;
            let (mut alone, mut staged) = (Vec::new(), Vec::new());
            sim.engine.deltas(&mut sim.world, &params, &[op], &[i], &mut alone);
            sim.engine.deltas(&mut sim.world, &params, &[op], &[i, other], &mut staged);
            prop_assert_eq!(alone[0].to_bits(), staged[0].to_bits(), "{:?}: {} vs {}", op, alone[0], staged[0]);
            let mut trial = sim.world.clone();
            trial.apply(op);
            let exact = payoffs_from_scratch(&trial, &params)[i as usize].total() - before[i as usize].total();
            prop_assert!((exact - alone[0]).abs() <= 1e-9 * (1.0 + exact.abs()), "{op:?}: {} vs {exact}", alone[0]);
        }
    }
}

/// The ops of events (rules, locks, GDP, the tick) are undone exactly by their inverses,
/// like every membership op.
#[test]
fn event_ops_are_undone_by_their_inverses() {
    use blocs::model::{AccessionRule, DecisionRule, MemberRule};
    let spec = spec("(countries: Synthetic((countries: 8)), initial_m: All, max_ticks: 5)");
    let mut sim = Sim::new(&spec, 3, 0);
    while sim.world.agreements.is_empty() && sim.step() {}
    let before = format!("{:?}", sim.world);
    let gdp = sim.world.countries[2].gdp;
    let ops = [
        Op::SetDecisionRule(DecisionRule::Supermajority(0.67)),
        Op::SetAccessionRule(AccessionRule::Majority),
        Op::SetLocked(1, true),
        Op::SetGdp(2, gdp * 1.7),
        Op::SetTick(99),
    ]
    .into_iter()
    .chain(
        (!sim.world.agreements.is_empty()).then_some(Op::SetMemberRule(0, MemberRule::Majority)),
    );
    let mut undo = Vec::new();
    for op in ops {
        undo.push(sim.world.apply(op));
    }
    assert_eq!(sim.world.decision_rule, DecisionRule::Supermajority(0.67));
    assert_eq!(sim.world.accession_rule, AccessionRule::Majority);
    assert!(sim.world.locked[1]);
    assert_eq!(sim.world.countries[2].gdp, gdp * 1.7);
    assert_eq!(sim.world.tick, 99);
    assert_ne!(format!("{:?}", sim.world), before);
    for op in undo.into_iter().rev() {
        sim.world.apply(op);
    }
    assert_eq!(format!("{:?}", sim.world), before);
}

/// ODD.md (section 3 and implementation choice 1): tick 0 is the initial state, observed
/// and nothing more. No country moves and M holds no round at tick 0, although 0 is a
/// multiple of `round_every`; the first round is at tick 1 with `round_every: 1`.
#[test]
fn tick_zero_has_no_activation_and_no_round() {
    let spec = spec(
        "(countries: Synthetic((countries: 12, regions: 3)), max_ticks: 3, activation_rate: 1.0, multilateral: (round_every: 1))",
    );
    let mut sim = Sim::new(&spec, 7, 0);
    assert_eq!(sim.series().len(), 1);
    assert_eq!(sim.series()[0].moves, 0);
    assert!(sim.rounds().is_empty());
    sim.step();
    assert_eq!(sim.rounds().len(), 1);
    assert_eq!(sim.rounds()[0].tick, 1);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The bloc wall's fast pass (one weight vector per bloc) gives the pairwise pass's
    /// bits at every tick of random runs: the +0.0 terms it adds change nothing.
    #[test]
    fn bloc_wall_matches_the_pairwise_pass_in_runs(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            let y: Vec<f64> = sim.world.countries.iter().map(|c| c.gdp).collect();
            let bloc: Vec<i64> = primary_blocs(&sim.world)
                .iter()
                .map(|b| b.map_or(-1, i64::from))
                .collect();
            let tau = |i: usize| sim.engine.tau_row(i as u32);
            let (fast, pairwise) = (bloc_wall_sums(&y, &bloc, tau), bloc_wall_sums_pairwise(&y, &bloc, tau));
            prop_assert_eq!(fast.0.to_bits(), pairwise.0.to_bits(), "weights at tick {}", sim.world.tick);
            prop_assert_eq!(fast.1.to_bits(), pairwise.1.to_bits(), "tariffs at tick {}", sim.world.tick);
            if !sim.step() {
                break;
            }
        }
    }

    /// A `Measurer` reused from tick to tick gives `measure`'s bits for every metric at
    /// every tick of random runs (with and without G): no buffer it keeps leaks a value
    /// from an earlier tick, and its merged pass adds each sum's terms as `measure` does.
    #[test]
    fn reused_measurer_matches_measure_at_every_tick(ron in scenario(), seed in 0u64..1000) {
        let spec = spec(&ron);
        let mut sim = Sim::new(&spec, seed, 0);
        let initial_u = sim.engine.utilities().to_vec();
        let counters = Counters { rounds_passed: 2, rounds_failed: 3, moves: 1 };
        let mut measurer = Measurer::default();
        let bits = |m: &Metrics| -> Vec<Option<u64>> {
            METRIC_COLUMNS
                .iter()
                .chain(&["g_share"])
                .map(|c| m.get(c).map(f64::to_bits))
                .collect()
        };
        loop {
            for with_g in [false, true] {
                let fast = measurer.measure(&sim.world, &sim.engine, &initial_u, counters, with_g);
                let slow = measure(&sim.world, &sim.engine, &initial_u, counters, with_g);
                prop_assert_eq!(bits(&fast), bits(&slow), "tick {}", sim.world.tick);
                prop_assert_eq!(fast.tick, slow.tick);
            }
            if !sim.step() {
                break;
            }
        }
    }

    /// The same on arbitrary bloc labels, GDPs and tariff rows, zeros included: blocs that
    /// are not agreements of any world, every country in one bloc, nobody covered.
    #[test]
    fn bloc_wall_matches_the_pairwise_pass_on_any_labels(
        rows in (1usize..30).prop_flat_map(|n| (
            prop::collection::vec(0.01f64..10.0, n),
            prop::collection::vec(-1i64..6, n),
            prop::collection::vec(prop_oneof![Just(0.0f64), 0.0f64..0.6], n * n),
        ))
    ) {
        let (y, bloc, tau) = rows;
        let n = y.len();
        let row = |i: usize| &tau[i * n..(i + 1) * n];
        let (fast, pairwise) = (bloc_wall_sums(&y, &bloc, row), bloc_wall_sums_pairwise(&y, &bloc, row));
        prop_assert_eq!(fast.0.to_bits(), pairwise.0.to_bits());
        prop_assert_eq!(fast.1.to_bits(), pairwise.1.to_bits());
        // Buffers left over from other labels (more blocs, other first members) change
        // nothing either.
        let mut scratch = WallScratch::default();
        let other: Vec<i64> = bloc.iter().rev().map(|&b| if b < 0 { 7 } else { b - 1 }).collect();
        bloc_wall_sums_with(&mut scratch, &y, &other, row);
        let reused = bloc_wall_sums_with(&mut scratch, &y, &bloc, row);
        prop_assert_eq!(reused.0.to_bits(), pairwise.0.to_bits());
        prop_assert_eq!(reused.1.to_bits(), pairwise.1.to_bits());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The engine's FTA-entry trials give both directions of a pair one cost, read from
    /// the mover's row of the pair caches: that holds only while the caches stay
    /// symmetric through joins, leaves and dissolutions.
    #[test]
    fn pair_caches_stay_symmetric(seed in 0u64..300) {
        let spec = spec("(countries: Synthetic((countries: 12)), regional: (new_reach: inf), activation_rate: 0.5)");
        let mut sim = Sim::new(&spec, seed, 0);
        let n = sim.world.n() as u32;
        for _ in 0..12 {
            sim.step();
            for i in 0..n {
                for j in 0..n {
                    let (count_ij, depth_ij) = sim.world.pair_row(i);
                    let (count_ji, depth_ji) = sim.world.pair_row(j);
                    prop_assert_eq!(count_ij[j as usize], count_ji[i as usize]);
                    prop_assert_eq!(depth_ij[j as usize].to_bits(), depth_ji[i as usize].to_bits());
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The distances and nearest-partner lists kept per thread for fixed positions are
    /// the ones computed afresh, to the bit: for a world, for a copy with one entry or
    /// one position moved by one ulp (the keep must not answer for it), for another
    /// front, and for the first world again.
    #[test]
    fn kept_distances_and_nearest_lists_match_fresh_ones(ron in scenario(), seed in 0u64..1000, front in 0usize..16, who in 0usize..14) {
        use blocs::scheduler::{nearest_lists, nearest_lists_of_fixed};
        use blocs::setup::{distances, distances_of_fixed};
        let sim = Sim::new(&spec(&ron), seed, 0);
        let world = sim.world.clone();
        let n = world.n();
        let mut nudged = world.clone();
        let (i, j) = (who % n, (who + 1) % n);
        if i != j {
            let d = nudged.dist[i * n + j].next_up();
            nudged.dist[i * n + j] = d;
            nudged.dist[j * n + i] = d;
        }
        for (w, f) in [(&world, front), (&nudged, front), (&nudged, front + 1), (&world, front)] {
            prop_assert_eq!(nearest_lists_of_fixed(w, f), nearest_lists(w, f));
        }
        let bits = |d: Vec<f64>| d.into_iter().map(f64::to_bits).collect::<Vec<_>>();
        let mut countries = world.countries.clone();
        let mut moved = countries.clone();
        moved[who % n].pos[1] = moved[who % n].pos[1].next_up();
        countries[0].lonlat = Some([12.5, 41.9]);
        countries[n - 1].lonlat = Some([-74.0, 40.7]);
        for (c, gc) in [(&countries, true), (&moved, true), (&moved, false), (&countries, false), (&countries, true)] {
            prop_assert_eq!(bits(distances_of_fixed(c, gc)), bits(distances(c, gc)));
        }
    }

    /// Synthetic names are the `format!` they replace, for any id and width.
    #[test]
    fn synthetic_names_match_their_format(i in prop_oneof![0u32..1000, any::<u32>()], width in 0usize..14) {
        prop_assert_eq!(blocs::setup::synthetic_name(i, width), format!("C{i:0width$}"));
    }

    /// `bounded` (`below`'s arithmetic) takes the same words and returns the same values
    /// as the threshold test on every draw, so a stream stays where it was: bounds just
    /// above 2^63 reject about half the words, small ones almost never.
    #[test]
    fn below_matches_its_definition(seed in 0u64..10_000, bounds in prop::collection::vec(prop_oneof![1u64..100, (1u64 << 63)..(1u64 << 63) + 1000, (1u64 << 32)..u64::MAX, Just(u64::MAX)], 1..200)) {
        use blocs::rng::{WorldRng, bounded, bounded_by_definition};
        let (mut fast, mut slow) = (WorldRng::new(seed, 3), WorldRng::new(seed, 3));
        for &n in &bounds {
            let (a, b) = (bounded(n, || fast.next_u64()), bounded_by_definition(n, || slow.next_u64()));
            prop_assert_eq!(a, b, "bound {}", n);
            prop_assert!(a < n);
        }
        prop_assert_eq!(fast.next_u64(), slow.next_u64());
        prop_assert_eq!(fast.below(7), slow.below(7));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The Join reach test from bit sets (`in_reach`) answers as the scan of the members
    /// (`within_reach` at the agreement's own reach) for every country and agreement,
    /// live or dissolved, after every op of a random sequence of joins, leaves and
    /// dissolutions, foundings and their undoing, and bridges, on worlds of up to 200
    /// countries (several words per bit set) whose agreements have several reaches.
    #[test]
    fn reach_bit_sets_match_the_member_scan(
        n in prop_oneof![3usize..70, 60usize..200],
        reaches in prop::collection::vec(prop_oneof![0.0f64..1.2, Just(0.0), Just(f64::INFINITY)], 4),
        steps in prop::collection::vec((0u8..6, any::<u32>(), any::<u32>()), 1..40),
        seed in 0u64..1000,
    ) {
        let [a, b, c, d] = reaches[..] else { unreachable!() };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: {n})),
              regional: (new_reach: {a}, bridge_reach: {b}),
              agreements: [(name: \"A\", reach: {c}, members: [0, 1]), (name: \"B\", reach: {d}, members: [1, 2])])"
        ));
        let sim = Sim::new(&spec, seed, 0);
        let mut w = sim.world.clone();
        let n = n as u32;
        let mut founded = Vec::new();
        for (what, x, y) in steps {
            // A bridge holds its parents' members: neither changes on its own here.
            let free = |w: &World, k: u32| {
                w.agreements[k as usize].bridge().is_none()
                    && w.agreements.iter().all(|a| !a.is_live() || a.bridge().is_none_or(|p| !p.contains(&k)))
            };
            let live = w.live_agreements().to_vec();
            let k = live.get(x as usize % live.len().max(1)).copied();
            let i = y % n;
            match (what, k) {
                (0, Some(k)) if free(&w, k) && w.agreements[k as usize].members().binary_search(&i).is_err() => {
                    w.apply(Op::AddMember(k, i));
                }
                (1, Some(k)) if free(&w, k) => {
                    let members = w.agreements[k as usize].members().to_vec();
                    if members.len() > 2 {
                        w.apply(Op::RemoveMember(k, members[x as usize / 7 % members.len()]));
                    } else {
                        for m in members {
                            w.apply(Op::RemoveMember(k, m));
                        }
                        w.apply(Op::SetDissolved(k, Some(3)));
                    }
                }
                (2, _) if x % n != i => {
                    w.apply(Op::Found(x % n, i));
                    founded.push(w.agreements.len() - 1);
                }
                (3, _) if founded.last() == Some(&(w.agreements.len() - 1))
                    && w.agreements.last().is_some_and(|a| a.is_live()) => {
                    founded.pop();
                    w.apply(Op::Unfound);
                }
                (4, Some(k)) => {
                    let l = live[y as usize % live.len()];
                    let plain = |k: u32| w.agreements[k as usize].bridge().is_none();
                    if k != l && plain(k) && plain(l) && w.bridge_between(k, l).is_none() {
                        w.apply(Op::Bridge(k.min(l), k.max(l)));
                    }
                }
                _ => {}
            }
            prop_assert_eq!(w.check_invariants(), Ok(()));
            for k in 0..w.agreements.len() as u32 {
                let reach = w.agreements[k as usize].spec.reach;
                for i in 0..n {
                    prop_assert_eq!(w.in_reach(i, k), w.within_reach(i, k, reach), "country {} agreement {}", i, k);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 60, ..ProptestConfig::default() })]

    /// The partial partner order matches the plain full sort also where distances tie or
    /// differ only in their last bits, which the 64-bit sort keys (a distance's bits with
    /// the lowest replaced by the id) cannot tell apart: at the front's edge, inside it
    /// and beyond it, for every country and front length.
    #[test]
    fn nearest_partners_front_matches_the_full_sort_on_near_ties(
        n in prop_oneof![3usize..40, 60usize..140],
        seed in 0u64..1000,
        grid in prop_oneof![Just(0.5f64), Just(0.125), Just(0.01)],
        jitter in prop::collection::vec((0u8..4, 0u64..300), 1..50),
    ) {
        use blocs::scheduler::{nearest_partners, partners_by_distance};
        let spec = spec(&format!("(countries: Synthetic((countries: {n})))"));
        let mut w = Sim::new(&spec, seed, 0).world;
        for (e, d) in w.dist.iter_mut().enumerate() {
            let (how, by) = jitter[e % jitter.len()];
            let on_grid = (*d / grid).round() * grid;
            *d = match how {
                0 => *d,
                1 => on_grid,
                2 => f64::from_bits(on_grid.to_bits() + by),
                _ => f64::from_bits(on_grid.to_bits().saturating_sub(by)),
            };
        }
        for i in 0..w.n() as u32 {
            let full = partners_by_distance(&w, i);
            for front in 0..=w.n() {
                let part = nearest_partners(&w, i, front);
                let f = front.min(full.len());
                prop_assert_eq!(&part[..f], &full[..f], "country {} front {}", i, front);
                let mut rest = part[f..].to_vec();
                let mut want = full[f..].to_vec();
                rest.sort_unstable();
                want.sort_unstable();
                prop_assert_eq!(rest, want);
            }
        }
    }
}
