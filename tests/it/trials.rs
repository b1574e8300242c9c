//! The engine's trial shortcuts against their slow twins, bit for bit (`to_bits`): a
//! shortcut may only skip work, never change an addition or a rounding.

use blocs::model::{Kind, Op, World};
use blocs::scheduler::Sim;
use proptest::prelude::*;

use crate::{spec, walled_m_spec};

/// A world some ticks into a run, with FTAs of several sizes, and (as chosen) tariff
/// walls and an initial M, so that entries change rows with and without tariffs.
fn sim_after(n: u32, seed: u64, ticks: u32, walls: bool, m0: bool) -> (Sim, blocs::model::Params) {
    let events = if walls {
        "events: [TariffWall(tick: 1, country: \"hegemon\", rate: 0.3), TariffWall(tick: 2, country: \"rank:3\", rate: 0.15)],"
    } else {
        ""
    };
    let initial = if m0 { "LargestShare(0.5)" } else { "None" };
    let spec = spec(&format!(
        "(countries: Synthetic((countries: {n}, regions: 2)), regional: (new_reach: inf), initial_m: {initial}, activation_rate: 0.5, {events})"
    ));
    let mut sim = Sim::new(&spec, seed, 0);
    for _ in 0..ticks {
        sim.step();
    }
    (sim, spec.params)
}

/// Every FTA entry open to country i: joining each live FTA it is not in, and founding
/// one with two others.
fn fta_entries(world: &World, i: u32) -> Vec<Op> {
    let n = world.n() as u32;
    let mut ops = vec![Op::Found(i, (i + 1) % n), Op::Found(i, (i + n / 2) % n)];
    for (k, a) in world.agreements.iter().enumerate() {
        if a.is_live() && a.spec.kind == Kind::Fta && a.members().binary_search(&i).is_err() {
            ops.push(Op::AddMember(k as u32, i));
        }
    }
    ops
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The FTA-entry trial over its compact rows gives every queried country's ΔU (the
    /// mover, the partners, and everyone else, in any order) bit for bit as its twin over
    /// the stamped overlay, also when the rows are reused for the same move.
    #[test]
    fn fta_entry_trial_equals_the_overlay_to_the_bit(
        n in 6u32..24,
        seed in 0u64..300,
        ticks in 2u32..10,
        walls in any::<bool>(),
        m0 in any::<bool>(),
    ) {
        let (mut sim, params) = sim_after(n, seed, ticks, walls, m0);
        for i in 0..n {
            for op in fta_entries(&sim.world, i) {
                // The mover first, as the scheduler asks; then everyone, from the top.
                let mut queried = vec![i];
                queried.extend((0..n).rev().filter(|&c| c != i));
                let (mut fast, mut again, mut slow) = (Vec::new(), Vec::new(), Vec::new());
                sim.engine.deltas(&mut sim.world, &params, &[op], &queried, &mut fast);
                // The rows kept for this move, asked about again in another order.
                let rest = &queried[1..];
                sim.engine.deltas(&mut sim.world, &params, &[op], rest, &mut again);
                sim.engine.deltas_fta_entry_overlay(&sim.world, &params, op, &queried, &mut slow);
                prop_assert_eq!(fast.len(), queried.len());
                for (q, &c) in queried.iter().enumerate() {
                    prop_assert_eq!(fast[q].to_bits(), slow[q].to_bits(), "{:?}, country {}: {} vs {}", op, c, fast[q], slow[q]);
                }
                for (q, d) in again.iter().enumerate() {
                    prop_assert_eq!(d.to_bits(), slow[q + 1].to_bits(), "{:?} again, country {}", op, rest[q]);
                }
            }
        }
    }

    /// Given the mover's ΔU from its trial alone (as best response has it before asking
    /// the voters), a trial gives the same values bit for bit, and stops at the same
    /// voter, as the trial that computes the mover's ΔU again. For an FTA entry the
    /// mover's trial keeps its rows and the voters' trial reuses them: the mover's ΔU
    /// equals its twin that keeps nothing, and every value equals the overlay's.
    #[test]
    fn trials_given_the_movers_delta_equal_the_full_trial(
        n in 6u32..24,
        seed in 0u64..300,
        ticks in 2u32..10,
        walls in any::<bool>(),
        limit in 1usize..4,
    ) {
        let (mut sim, params) = sim_after(n, seed, ticks, walls, true);
        for i in 0..n {
            let mut ops = fta_entries(&sim.world, i);
            ops.push(Op::SetM(i, !sim.world.in_m[i as usize]));
            for op in ops {
                let mut queried = vec![i];
                queried.extend((0..n).filter(|&c| c != i));
                let stop = Some((limit, 1e-9));
                let (mut alone, mut given, mut full) = (Vec::new(), Vec::new(), Vec::new());
                sim.engine.deltas(&mut sim.world, &params, &[op], &[i], &mut alone);
                sim.engine.deltas_given_first(&mut sim.world, &params, &[op], &queried, Some(alone[0]), stop, &mut given);
                sim.engine.deltas_until(&mut sim.world, &params, &[op], &queried, stop, &mut full);
                let bits = |v: &[f64]| v.iter().map(|d| d.to_bits()).collect::<Vec<_>>();
                prop_assert_eq!(bits(&given), bits(&full), "{:?}", op);
                if matches!(op, Op::SetM(..)) {
                    continue;
                }
                // Again with the twins, which keep no rows, between the mover's trial and
                // the voters': the voters still reuse the rows the mover's trial kept.
                let (mut kept, mut slow) = (Vec::new(), Vec::new());
                sim.engine.deltas(&mut sim.world, &params, &[op], &[i], &mut alone);
                let twin = sim.engine.delta_fta_entry_mover_twin(&sim.world, &params, op);
                sim.engine.deltas_given_first(&mut sim.world, &params, &[op], &queried, Some(alone[0]), None, &mut kept);
                sim.engine.deltas_fta_entry_overlay(&sim.world, &params, op, &queried, &mut slow);
                prop_assert_eq!(alone[0].to_bits(), twin.to_bits(), "{:?}: mover {} vs twin {}", op, alone[0], twin);
                prop_assert_eq!(alone[0].to_bits(), slow[0].to_bits(), "{:?}: mover {} vs overlay {}", op, alone[0], slow[0]);
                prop_assert_eq!(bits(&kept), bits(&slow), "{:?}", op);
                prop_assert_eq!(bits(&given), bits(&slow[..given.len()]), "{:?}", op);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// The row sums of a country entering or leaving M (every lone member at one cost
    /// computed once, shared pairs by their NTB alone) equal, bit for bit, the sums of a
    /// per-pair cost for every column, with and without walls and customs unions.
    #[test]
    fn m_mover_rows_equal_the_per_pair_sums_to_the_bit(
        n in 6u32..24,
        seed in 0u64..300,
        ticks in 2u32..10,
        walls in any::<bool>(),
        cu in any::<bool>(),
    ) {
        let events = if walls {
            "events: [TariffWall(tick: 1, country: \"hegemon\", rate: 0.3)],"
        } else {
            ""
        };
        let kind = if cu { "CustomsUnion" } else { "Fta" };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: {n}, regions: 2)), regional: (new_kind: {kind}, new_reach: inf), initial_m: LargestShare(0.6), activation_rate: 0.5, {events})"
        ));
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..ticks {
            sim.step();
        }
        let params = spec.params;
        for i in 0..n {
            let on = !sim.world.in_m[i as usize];
            if let Some([fast, twin]) = sim.engine.m_mover_row_and_twin(&mut sim.world, &params, i, on) {
                let bits = |s: (f64, f64, f64)| (s.0.to_bits(), s.1.to_bits(), s.2.to_bits());
                prop_assert_eq!(bits(fast), bits(twin), "country {} to {}: {:?} vs {:?}", i, on, fast, twin);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Entering or leaving M when that moves e_M: the policy path's fast answers (the
    /// mover's column in one pass) and its lone gravity sums (a zero per column outside
    /// the class) give every queried country's ΔU bit for bit as their slow twins, with
    /// and without customs unions, Article XXIV and retaliation (three lone classes).
    #[test]
    fn m_policy_trial_equals_its_twin_to_the_bit(
        seed in 0u64..300,
        ticks in 2u32..8,
        xxiv in any::<bool>(),
        cu in any::<bool>(),
        retaliation in any::<bool>(),
        second_wall in 0.12f64..0.28,
    ) {
        let spec = walled_m_spec(14, xxiv, cu, retaliation, second_wall);
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..ticks {
            sim.step();
        }
        let params = spec.params.clone();
        let n = sim.world.n() as u32;
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        for i in 0..n {
            let on = !sim.world.in_m[i as usize];
            let mut everyone = vec![i];
            everyone.extend((0..n).filter(|&c| c != i));
            // The mover alone (best response's first question), then everyone, and the
            // mover's column asked last.
            let mut mover_last: Vec<u32> = (0..n).filter(|&c| c != i).collect();
            mover_last.push(i);
            for queried in [vec![i], everyone, mover_last] {
                let twin = sim.engine.deltas_m_policy_twin(
                    &mut sim.world, &params, i, on, &queried, &mut slow,
                );
                if !twin {
                    continue;
                }
                sim.engine.deltas(&mut sim.world, &params, &[Op::SetM(i, on)], &queried, &mut fast);
                prop_assert_eq!(fast.len(), slow.len());
                for (q, (f, s)) in fast.iter().zip(&slow).enumerate() {
                    prop_assert_eq!(
                        f.to_bits(), s.to_bits(),
                        "SetM({}, {}), country {}: {} vs {}", i, on, queried[q], f, s
                    );
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// A round nobody retaliates in: the shortcut's split loops (a zero per column outside
    /// the lone class, the importers before and after each voter) give every member's ΔU,
    /// and everyone's, bit for bit as its twin that tests each column, with and without a
    /// walled hegemon and Article XXIV.
    #[test]
    fn round_trial_equals_its_twin_to_the_bit(
        seed in 0u64..300,
        ticks in 2u32..8,
        cut in 0.005f64..0.05,
        xxiv in any::<bool>(),
        cu in any::<bool>(),
        wall in any::<bool>(),
        limit in 1usize..9,
    ) {
        let events = if wall {
            "multilateral: (enforcement_threshold: 0.95), events: [TariffWall(tick: 1, country: \"hegemon\", rate: 0.2)],"
        } else {
            ""
        };
        let kind = if cu { "CustomsUnion" } else { "Fta" };
        let spec = spec(&format!(
            "(countries: Synthetic((countries: 14)), article_xxiv: {xxiv}, regional: (new_kind: {kind}, new_reach: inf), activation_rate: 0.5, {events})"
        ));
        let mut sim = Sim::new(&spec, seed, 0);
        for _ in 0..ticks {
            sim.step();
        }
        let params = spec.params.clone();
        let t_new = (sim.world.t_m - cut).max(0.0);
        let members: Vec<u32> = sim.world.m_members().collect();
        let everyone: Vec<u32> = (0..sim.world.n() as u32).rev().collect();
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        let bits = |v: &[f64]| v.iter().map(|d| d.to_bits()).collect::<Vec<_>>();
        for queried in [members, everyone] {
            if !sim.engine.deltas_round_twin(&mut sim.world, &params, t_new, &queried, &mut slow) {
                continue;
            }
            sim.engine.deltas(&mut sim.world, &params, &[Op::SetTm(t_new)], &queried, &mut fast);
            prop_assert_eq!(fast.len(), slow.len());
            for (q, (f, s)) in fast.iter().zip(&slow).enumerate() {
                prop_assert_eq!(f.to_bits(), s.to_bits(), "country {}: {} vs {}", queried[q], f, s);
            }
            // With a loss limit the voters are summed several at a time past the stop:
            // the values kept must be the twin's up to the stop, and the stop its.
            for (limit, tolerance) in [(1, 1e-12), (2, 1e-12), (limit, -f64::MAX)] {
                sim.engine.deltas_until(&mut sim.world, &params, &[Op::SetTm(t_new)], &queried, Some((limit, tolerance)), &mut fast);
                let mut losses = 0;
                let stop = slow.iter().enumerate().position(|(q, &d)| {
                    losses += usize::from(q > 0 && d < -tolerance);
                    losses >= limit
                });
                let kept = stop.map_or(slow.len(), |q| q + 1);
                prop_assert_eq!(bits(&fast), bits(&slow[..kept]), "limit {}, tolerance {}", limit, tolerance);
            }
        }
    }
}

/// A run that moves what a member's exit row pass reads in every way: FTAs or customs
/// unions (with bridges), a wall at a rate between t_M and t_N, an exit from M and a
/// re-entry by event, a GDP shift, a round every other tick, retaliation off or on;
/// with `check_incremental`, so that the scheduler compares the kept pass with a fresh
/// one at every activation that assesses an exit.
fn exit_pass_spec(
    n: u32,
    cu: bool,
    xxiv: bool,
    retaliation: bool,
    bridges: bool,
    logit: bool,
) -> blocs::model::WorldSpec {
    let kind = if cu { "CustomsUnion" } else { "Fta" };
    let choice = if logit {
        "Logit(beta: 200.0)"
    } else {
        "BestResponse"
    };
    spec(&format!(
        "(countries: Synthetic((countries: {n}, regions: 2)), article_xxiv: {xxiv}, cu_market_power: 0.6,
          regional: (new_kind: {kind}, new_reach: inf, bridges: {bridges}, bridge_reach: inf),
          multilateral: (retaliation: {retaliation}, round_every: 2, decision_rule: Supermajority(0.6), enforcement_threshold: 0.5),
          choice: {choice}, activation_rate: 0.5, max_ticks: 30, patience: 30,
          events: [TariffWall(tick: 3, country: \"rank:4\", rate: 0.12), Exit(tick: 5, country: \"rank:2\", from: \"M\"),
                   GdpShift(tick: 7, country: 0, factor: 1.7), Enter(tick: 9, country: \"rank:2\", into: \"M\")],
          check_incremental: true)"
    ))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    /// Every exit row pass the engine keeps equals, bit for bit, the pass computed afresh
    /// on the state as it is: at every activation (the scheduler's check), and at the end
    /// of every tick for every member, each of whose passes was kept at the end of the
    /// tick before, so that whatever the tick's commits failed to forget is caught.
    #[test]
    fn kept_exit_passes_equal_a_fresh_pass_to_the_bit(
        n in 6u32..18,
        seed in 0u64..300,
        cu in any::<bool>(),
        xxiv in any::<bool>(),
        retaliation in any::<bool>(),
        bridges in any::<bool>(),
        logit in any::<bool>(),
    ) {
        let spec = exit_pass_spec(n, cu, xxiv, retaliation, bridges, logit);
        let params = spec.params.clone();
        let mut sim = Sim::new(&spec, seed, 0);
        loop {
            for i in 0..n {
                if let Some([kept, afresh]) = sim.engine.exit_pass_kept_and_afresh(&mut sim.world, &params, i) {
                    prop_assert_eq!((kept.0.to_bits(), kept.1.to_bits()), (afresh.0.to_bits(), afresh.1.to_bits()),
                        "country {} at tick {}: kept {:?} vs afresh {:?}", i, sim.world.tick, kept, afresh);
                }
            }
            for i in sim.world.m_members().collect::<Vec<_>>() {
                sim.engine.leave_m_bound(&mut sim.world, &params, i);
            }
            if !sim.step() {
                break;
            }
        }
    }
}
