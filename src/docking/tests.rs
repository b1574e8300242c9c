//! Tests of the docking module: each published claim we reproduce, the
//! closed forms against brute force, and the findings that differ from the
//! brief (locked so that a change shows up).

use proptest::prelude::*;

use crate::docking::coalitions::{
    DynamicsEnd, MembershipRule, StabilityConcept, dynamics, from_sizes, integer_partitions,
    is_stable, is_stable_by,
};
use crate::docking::cournot::{Cournot, LinearDemand, Tariffs};
use crate::docking::experiments::goyal_joshi2006::{
    almost_complete, fta_welfare, run_with_payoff, stable_classes,
};
use crate::docking::experiments::krishna1998::{closed_form_profit_gains, profit_gains};
use crate::docking::krugman::{BlocClass, KrugmanCes, MergeRule};
use crate::docking::networks::{Graph, all_classes, myopic_path, reachable_classes};
use crate::docking::numerics::{bisect, golden_max, polished_argmax, rel_diff, solve_linear};
use crate::docking::params::{
    ExperimentParams, Krugman1991Params, default_params, default_text, load_params_file,
};
use crate::docking::{
    DockError, DockReport, EXPERIMENTS, parse_params, run_docking, run_docking_with,
};

const SIGMAS: [f64; 4] = [2.0, 4.0, 5.0, 10.0];

fn cournot(t: Tariffs) -> Cournot {
    // a - c = 1 as in the shipped experiments; c > 0 so that the cost
    // enters every formula.
    Cournot::new(LinearDemand { intercept: 1.5 }, 0.5, t).expect("valid Cournot parameters")
}

fn row<'a>(report: &'a DockReport, prefix: &str) -> &'a crate::docking::DockCheck {
    report
        .rows
        .iter()
        .find(|r| r.claim.starts_with(prefix))
        .unwrap_or_else(|| panic!("no row starting with {prefix:?} in {}", report.name))
}

// ---------------------------------------------------------------- numerics

#[test]
fn golden_and_polished_argmax_find_a_smooth_maximum() {
    let f = |x: f64| -(x - 0.3).powi(2) + 0.1 * (x - 0.3).powi(3);
    assert!((golden_max(f, 0.0, 2.0, 1e-10) - 0.3).abs() < 1e-7);
    assert!((polished_argmax(f, 0.0, 2.0) - 0.3).abs() < 1e-11);
}

#[test]
fn bisect_and_linear_solve() {
    let r = bisect(|x| x * x - 2.0, 0.0, 2.0, 1e-15).expect("sign change");
    assert!(rel_diff(r, 2f64.sqrt()) < 1e-14);
    assert_eq!(bisect(|x| x * x + 1.0, 0.0, 2.0, 1e-15), None);
    let x = solve_linear(vec![vec![2.0, 1.0], vec![1.0, 3.0]], vec![3.0, 5.0]).expect("regular");
    assert!((x[0] - 0.8).abs() < 1e-14 && (x[1] - 1.4).abs() < 1e-14);
    assert_eq!(
        solve_linear(vec![vec![1.0, 2.0], vec![2.0, 4.0]], vec![1.0, 2.0]),
        None
    );
}

// ----------------------------------------------------------------- Cournot

#[test]
fn cournot_market_matches_textbook_closed_forms() {
    let m = cournot(Tariffs::Optimal);
    let (a, c) = (1.5, 0.5);
    for n in 1..=6 {
        let out = m.market(&vec![0.0; n]);
        let nf = n as f64;
        for q in &out.quantities {
            assert!(rel_diff(*q, (a - c) / (nf + 1.0)) < 1e-12);
        }
        assert!(rel_diff(out.price, (a + nf * c) / (nf + 1.0)) < 1e-12);
        let total = nf * (a - c) / (nf + 1.0);
        assert!(rel_diff(out.consumer_surplus, total * total / 2.0) < 1e-12);
    }
    // Asymmetric costs: q_i = (a - (n+1) c_i + sum c) / (n+1).
    let t = [0.0, 0.1, 0.25];
    let out = m.market(&t);
    let costs: Vec<f64> = t.iter().map(|x| c + x).collect();
    let sum: f64 = costs.iter().sum();
    for (q, ci) in out.quantities.iter().zip(&costs) {
        assert!(rel_diff(*q, (a - 4.0 * ci + sum) / 4.0) < 1e-12);
    }
    assert!(
        rel_diff(
            out.tariff_revenue,
            0.1 * out.quantities[1] + 0.25 * out.quantities[2]
        ) < 1e-12
    );
    // A prohibitive tariff leaves a duopoly: q = (a - c)/3 for the others.
    let out = m.market(&[0.0, 0.6, 0.0]);
    assert_eq!(out.quantities[1], 0.0);
    assert!(rel_diff(out.quantities[0], (a - c) / 3.0) < 1e-12);
}

#[test]
fn optimal_fta_tariff_closed_form_matches_brute_force() {
    let m = cournot(Tariffs::Optimal);
    for n in 3..=6 {
        // Country 0 linked to the first `links` others: n-1-links outsiders.
        for links in 0..n - 1 {
            let mut g = Graph::empty(n).expect("small graph");
            for j in 1..=links {
                g = g.with_edge(0, j, true);
            }
            let base = m.fta_tariff_matrix(&g);
            let brute = m.brute_force_tariff(&base, &[0]);
            let closed = m.optimal_fta_tariff(n, n - 1 - links);
            assert!(
                rel_diff(brute, closed) < 1e-9,
                "n {n} links {links}: {brute} vs {closed}"
            );
        }
    }
    // Brander-Spencer duopoly benchmark: (a - c)/3.
    assert!(rel_diff(m.optimal_fta_tariff(2, 1), 1.0 / 3.0) < 1e-15);
}

#[test]
fn optimal_customs_union_tariff_closed_form_matches_brute_force() {
    let m = cournot(Tariffs::Optimal);
    for n in 3..=8 {
        for s in 1..n {
            let mut sizes = vec![s];
            sizes.extend(std::iter::repeat_n(1, n - s));
            let u = from_sizes(&sizes);
            let base = m.cu_tariff_matrix(&u);
            let members: Vec<usize> = (0..s).collect();
            let brute = m.brute_force_tariff(&base, &members);
            let closed = m.optimal_cu_tariff(n, s);
            assert!(
                rel_diff(brute, closed) < 1e-9,
                "n {n} s {s}: {brute} vs {closed}"
            );
        }
    }
}

#[test]
fn network_welfare_matches_hand_computation() {
    let m = cournot(Tariffs::Optimal);
    for n in 3..=6 {
        let nf = n as f64;
        let complete = Graph::complete(n).expect("small graph");
        // Free trade: CS = (n/(n+1))^2/2, n export/home sales of 1/(n+1).
        let hand = (nf / (nf + 1.0)).powi(2) / 2.0 + nf / (nf + 1.0).powi(2);
        for w in m.fta_welfare(&complete) {
            assert!(rel_diff(w, hand) < 1e-12);
        }
    }
    // Empty network, n = 3: tariff 3/(n+7) = 0.3; home 0.4, imports 0.1
    // each; CS 0.18 + home profit 0.16 + revenue 0.06 + exports 0.02.
    let empty = Graph::empty(3).expect("small graph");
    for w in m.fta_welfare(&empty) {
        assert!(rel_diff(w, 0.42) < 1e-12);
    }
}

#[test]
fn cutting_a_link_of_the_complete_network_never_pays_with_fixed_tariffs() {
    // Our derivation: the loss is ((2N-3)At + (N-3/2)t^2)/(N+1)^2 while the
    // tariff is not prohibitive (t <= A/N).
    for n in 3..=6 {
        let nf = n as f64;
        for k in 1..=10 {
            let t = k as f64 / (10.0 * nf);
            let m = cournot(Tariffs::Fixed(t));
            let g = Graph::complete(n).expect("small graph");
            let cut = g.with_edge(0, 1, false);
            let loss = m.fta_welfare(&g)[0] - m.fta_welfare(&cut)[0];
            let closed = ((2.0 * nf - 3.0) * t + (nf - 1.5) * t * t) / (nf + 1.0).powi(2);
            assert!(rel_diff(loss, closed) < 1e-9, "n {n} t {t}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn cournot_equilibrium_satisfies_first_order_conditions(
        t in proptest::collection::vec(0.0f64..1.2, 1..7)
    ) {
        let m = cournot(Tariffs::Optimal);
        let out = m.market(&t);
        for (q, ti) in out.quantities.iter().zip(&t) {
            let margin = out.price - 0.5 - ti;
            prop_assert!(*q >= 0.0);
            if *q > 0.0 {
                prop_assert!((margin - q).abs() < 1e-12);
            } else {
                prop_assert!(margin <= 1e-12);
            }
        }
    }

    #[test]
    fn canonical_form_is_invariant_under_relabeling(mask in 0u32..1024, rot in 0usize..5) {
        let mut g = Graph::empty(5).expect("small graph");
        let mut h = g;
        for (k, (i, j)) in g.pairs().into_iter().enumerate() {
            if mask & (1 << k) != 0 {
                g = g.with_edge(i, j, true);
                h = h.with_edge((i + rot) % 5, (j + rot) % 5, true);
            }
        }
        prop_assert_eq!(g.canonical(), h.canonical());
    }
}

// ---------------------------------------------------------- Goyal & Joshi

#[test]
fn graph_classes_are_counted_right() {
    let counts: Vec<usize> = (1..=6).map(|n| all_classes(n).len()).collect();
    assert_eq!(counts, vec![1, 2, 4, 11, 34, 156]);
}

#[test]
fn goyal_joshi_stable_networks_with_optimal_tariffs() {
    let m = cournot(Tariffs::Optimal);
    for n in 3..=6 {
        let complete = Graph::complete(n).expect("small graph").canonical();
        let almost = almost_complete(n).expect("small graph");
        let st = stable_classes(&m, &all_classes(n));
        let mut want = vec![almost, complete];
        want.sort();
        assert_eq!(st, want, "n = {n}");
        let world = |g: &Graph| m.fta_welfare(g).iter().sum::<f64>();
        assert!(
            all_classes(n)
                .iter()
                .all(|g| *g == complete || world(g) < world(&complete))
        );
    }
}

#[test]
fn fixed_tariff_uniqueness_threshold_has_a_closed_form() {
    // Our derivation: the isolated country of K(N-1)+K1 stops wanting a
    // link (so K(N-1)+K1 becomes stable) above t = 2(2N-3)A / (4N^2 - 17).
    for n in 3..=6 {
        let classes = all_classes(n);
        let complete = Graph::complete(n).expect("small graph").canonical();
        let others = |t: f64| {
            let st = stable_classes(&cournot(Tariffs::Fixed(t)), &classes);
            assert!(st.contains(&complete), "complete unstable at t = {t}");
            if st.iter().any(|g| *g != complete) {
                1.0
            } else {
                -1.0
            }
        };
        let nf = n as f64;
        let closed = 2.0 * (2.0 * nf - 3.0) / (4.0 * nf * nf - 17.0);
        let found = bisect(others, 0.01, closed + 0.02, 1e-13).expect("a switch");
        assert!(rel_diff(found, closed) < 1e-9, "n {n}: {found} vs {closed}");
    }
}

#[test]
fn myopic_dynamics_from_empty_network() {
    let m = cournot(Tariffs::Optimal);
    let payoff = |g: &Graph| m.fta_welfare(g);
    // N = 3: every improving path from the empty network stops at one link.
    let empty3 = Graph::empty(3).expect("small graph");
    let reach: Vec<Graph> = reachable_classes(empty3, &payoff);
    assert_eq!(reach.len(), 2);
    let end = myopic_path(empty3, &payoff, 100);
    assert_eq!(
        end.visited.last().map(Graph::describe),
        Some("K2+K1".to_string())
    );
    // N = 4: some improving path reaches global free trade.
    let complete4 = Graph::complete(4).expect("small graph").canonical();
    assert!(reachable_classes(Graph::empty(4).expect("small graph"), &payoff).contains(&complete4));
}

// -------------------------------------------------------------------- Yi

#[test]
fn yi_stable_structures_exact() {
    let counts: Vec<usize> = (3..=10).map(|n| integer_partitions(n).len()).collect();
    assert_eq!(counts, vec![3, 5, 7, 11, 15, 22, 30, 42]);
    let m = cournot(Tariffs::Optimal);
    let welfare = |u: &[usize]| m.cu_welfare(u);
    for n in 3..=10 {
        let stable = |rule| -> Vec<Vec<usize>> {
            integer_partitions(n)
                .into_iter()
                .filter(|s| is_stable(&from_sizes(s), &welfare, rule))
                .collect()
        };
        assert_eq!(stable(MembershipRule::Open), vec![vec![n]], "open, n = {n}");
        let want = if n >= 5 {
            vec![vec![n], vec![n - 1, 1]]
        } else {
            vec![vec![n]]
        };
        assert_eq!(
            stable(MembershipRule::Unanimity),
            want,
            "unanimity, n = {n}"
        );
        let singletons: Vec<usize> = (0..n).collect();
        let open = dynamics(&singletons, &welfare, MembershipRule::Open, 1000);
        assert_eq!(open.end, DynamicsEnd::Stable);
        assert_eq!(open.visited.last(), Some(&vec![0; n]));
    }
}

/// Welfare of a member of each union of a customs-union structure given by its sizes,
/// from scratch (market size 1, zero cost): each union's external tariff is found by
/// ternary search on its members' joint welfare in one member market.
fn cu_welfare_by_sizes(sizes: &[usize]) -> Vec<f64> {
    let n: usize = sizes.iter().sum();
    let nf = n as f64;
    // Quantities in a market of a union of s: members' firms, outsiders' firms.
    let q = |s: usize, t: f64| {
        let out = ((1.0 - (s as f64 + 1.0) * t) / (nf + 1.0)).max(0.0);
        ((1.0 + (n - s) as f64 * t) / (nf + 1.0), out)
    };
    let home = |s: usize, t: f64| {
        let (q_in, q_out) = q(s, t);
        let total = s as f64 * q_in + (n - s) as f64 * q_out;
        (
            0.5 * total * total + (n - s) as f64 * t * q_out,
            q_in,
            q_out,
        )
    };
    let tariff = |s: usize| {
        if s == n {
            return 0.0;
        }
        let joint = |t: f64| {
            let (w, q_in, _) = home(s, t);
            w + s as f64 * q_in * q_in
        };
        let (mut lo, mut hi) = (0.0, 1.0 / (s as f64 + 1.0));
        for _ in 0..200 {
            let (a, b) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
            if joint(a) < joint(b) {
                lo = a;
            } else {
                hi = b;
            }
        }
        0.5 * (lo + hi)
    };
    let tariffs: Vec<f64> = sizes.iter().map(|&s| tariff(s)).collect();
    (0..sizes.len())
        .map(|u| {
            let (own, q_in, _) = home(sizes[u], tariffs[u]);
            let abroad: f64 = (0..sizes.len())
                .filter(|&v| v != u)
                .map(|v| sizes[v] as f64 * q(sizes[v], tariffs[v]).1.powi(2))
                .sum();
            own + sizes[u] as f64 * q_in * q_in + abroad
        })
        .collect()
}

/// Stable structures under unanimity by brute force on union sizes, for both concepts:
/// `mergers` false = one country joins a union whose members do not lose, or stands alone;
/// true = two whole unions merge if no member of either loses and one gains, or one
/// country stands alone.
fn unanimity_stable_from_scratch(n: usize, mergers: bool) -> Vec<Vec<usize>> {
    let strictly = |a: f64, b: f64| a > b + 1e-12 * (1.0 + b.abs());
    let sorted = |mut v: Vec<usize>| {
        v.retain(|&x| x > 0);
        v.sort_unstable_by(|a, b| b.cmp(a));
        v
    };
    // Welfare of a member of a union of size `size` in the structure `sizes`.
    let of = |sizes: &[usize], size: usize| {
        let w = cu_welfare_by_sizes(sizes);
        w[sizes
            .iter()
            .position(|&x| x == size)
            .expect("a union of that size")]
    };
    integer_partitions(n)
        .into_iter()
        .filter(|s| {
            let leave = (0..s.len()).any(|u| {
                let mut t = s.clone();
                t[u] -= 1;
                t.push(1);
                s[u] > 1 && strictly(of(&sorted(t), 1), of(s, s[u]))
            });
            let join = (0..s.len()).any(|u| {
                (0..s.len()).any(|v| {
                    if u == v {
                        return false;
                    }
                    let mut t = s.clone();
                    t[u] -= 1;
                    t[v] += 1;
                    let t = sorted(t);
                    let after = of(&t, s[v] + 1);
                    if mergers {
                        return false;
                    }
                    strictly(after, of(s, s[u])) && !strictly(of(s, s[v]), after)
                })
            });
            let merge = mergers
                && (0..s.len()).any(|u| {
                    (u + 1..s.len()).any(|v| {
                        let mut t = s.clone();
                        t[u] += t[v];
                        t.remove(v);
                        let after = of(&sorted(t), s[u] + s[v]);
                        let (wu, wv) = (of(s, s[u]), of(s, s[v]));
                        !strictly(wu, after)
                            && !strictly(wv, after)
                            && (strictly(after, wu) || strictly(after, wv))
                    })
                });
            !(leave || join || merge)
        })
        .collect()
}

/// Yi (1996) under unanimity for N = 9 and 10: individual accession and whole-union
/// mergers give different stable sets, {N} {N-1,1} against {N} {N-1,1} {N-2,2}. Both keep
/// a structure short of global free trade stable, which is the published result (the
/// abstract's "stumbling blocks"); the concepts differ only in which more.
#[test]
fn yi_stable_sets_differ_by_concept_for_nine_and_ten() {
    let m = cournot(Tariffs::Optimal);
    let welfare = |u: &[usize]| m.cu_welfare(u);
    for n in [9, 10] {
        let by = |concept| -> Vec<Vec<usize>> {
            integer_partitions(n)
                .into_iter()
                .filter(|s| {
                    is_stable_by(&from_sizes(s), &welfare, MembershipRule::Unanimity, concept)
                })
                .collect()
        };
        let accession = by(StabilityConcept::IndividualAccession);
        let mergers = by(StabilityConcept::CoalitionMerger);
        assert_eq!(accession, [vec![n], vec![n - 1, 1]], "n = {n}");
        assert_eq!(
            mergers,
            [vec![n], vec![n - 1, 1], vec![n - 2, 2]],
            "n = {n}"
        );
        assert_eq!(
            accession,
            unanimity_stable_from_scratch(n, false),
            "n = {n}"
        );
        assert_eq!(mergers, unanimity_stable_from_scratch(n, true), "n = {n}");
    }
    // Why {7,2} (N = 9) differs, in numbers: its 7 members get 4026/8125 = 0.495508, more
    // than the 99/200 = 0.495 of global free trade, so they refuse a merger with the pair;
    // but a member of the pair that joins alone makes {8,1}, where all eight get more.
    let w72 = welfare(&from_sizes(&[7, 2]));
    let w81 = welfare(&from_sizes(&[8, 1]));
    let w9 = welfare(&from_sizes(&[9]));
    assert!((w72[0] - 4026.0 / 8125.0).abs() < 1e-12, "{w72:?}");
    assert!((w9[0] - 99.0 / 200.0).abs() < 1e-12, "{w9:?}");
    assert!(w81[0] > w72[0] && w81[0] > w72[8], "{w81:?} vs {w72:?}");
    // The shipped report names its concept and shows both sets.
    let r = run_docking("yi1996").expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
    let both = row(
        &r,
        "Yi (1996), unanimity as a stumbling block, under either",
    );
    assert!(
        both.ours.contains(
            "N=9: accession {9} {8,1}, mergers {9} {8,1} {7,2}; N=10: accession {10} {9,1}, mergers {10} {9,1} {8,2}"
        ),
        "{}",
        both.ours
    );
    assert!(
        row(&r, "Yi (1996): under unanimous admission")
            .claim
            .contains("individual accession")
    );
    // The other concept runs the whole report; open membership still ends in free trade.
    let Ok(ExperimentParams::Yi1996(p)) = default_params("yi1996") else {
        panic!("yi1996 defaults");
    };
    let p = crate::docking::params::Yi1996Params {
        concept: StabilityConcept::CoalitionMerger,
        ..p
    };
    let r = run_docking_with(&ExperimentParams::Yi1996(p)).expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
    let stable = &r.tables[0].1;
    assert_eq!(stable[7][..3], ["9", "{9}", "{9} {8,1} {7,2}"]);
}

// --------------------------------------------------------------- Krugman

#[test]
fn krugman_nash_tariff_closed_form_matches_brute_force() {
    for sigma in SIGMAS {
        let m = KrugmanCes::new(sigma).expect("sigma > 1");
        for b in [2, 3, 7] {
            let t = m.nash_tariff(b).expect("Nash tariff");
            let brute = m.brute_force_best_response(b, t).expect("best response");
            assert!(
                rel_diff(t, brute) < 1e-9,
                "sigma {sigma} B {b}: {t} vs {brute}"
            );
            let golden = m.golden_best_response(b, t).expect("best response");
            assert!(
                rel_diff(t, golden) < 1e-6,
                "sigma {sigma} B {b}: golden {golden}"
            );
            // The shortcut that holds the bloc's share fixed is no equilibrium.
            let s = m.shortcut_tariff();
            let br_s = m.brute_force_best_response(b, s).expect("best response");
            assert!(rel_diff(s, br_s) > 1e-2, "sigma {sigma} B {b}");
        }
    }
}

#[test]
fn krugman_world_welfare_is_lowest_with_three_blocs() {
    // Krugman (1991): three blocs minimise world welfare; values locked.
    let expected_min = [0.863313, 0.945733, 0.958184, 0.980479];
    for (sigma, wmin) in SIGMAS.into_iter().zip(expected_min) {
        let m = KrugmanCes::new(sigma).expect("sigma > 1");
        let w: Vec<f64> = (2..=20)
            .map(|b| m.world_welfare(b, m.nash_tariff(b).expect("Nash tariff")))
            .collect();
        let arg = (0..w.len())
            .min_by(|&i, &j| w[i].total_cmp(&w[j]))
            .expect("non-empty")
            + 2;
        assert_eq!(arg, 3, "sigma {sigma}");
        assert!((w[1] - wmin).abs() < 5e-7, "sigma {sigma}: {}", w[1]);
        assert!(w.iter().all(|&v| v < 1.0));
        assert!((m.world_welfare(5, 0.0) - 1.0).abs() < 1e-14);
    }
}

#[test]
fn krugman_general_equilibrium_agrees_with_symmetric_formulas() {
    let m = KrugmanCes::new(4.0).expect("sigma > 1");
    let t = 0.37;
    let out = m
        .equilibrium(&[BlocClass {
            count: 5,
            size: 0.2,
            tariff: t,
        }])
        .expect("equilibrium");
    assert!(rel_diff(5.0 * 0.2 * out[0].welfare, m.world_welfare(5, t)) < 1e-12);
    // Equal blocs found by the asymmetric Nash solver give the symmetric
    // Nash tariff.
    let nash = m.nash_by_size(&[2, 2, 2]).expect("Nash");
    assert_eq!(nash.len(), 1);
    assert!(rel_diff(nash[0].1, m.nash_tariff(3).expect("Nash tariff")) < 1e-9);
    // Unequal blocs clear every market.
    let classes = [
        BlocClass {
            count: 1,
            size: 0.5,
            tariff: 0.6,
        },
        BlocClass {
            count: 2,
            size: 0.25,
            tariff: 0.3,
        },
    ];
    let out = m.equilibrium(&classes).expect("equilibrium");
    let income: f64 = classes
        .iter()
        .zip(&out)
        .map(|(c, o)| c.count as f64 * o.income)
        .sum();
    let endowment: f64 = classes
        .iter()
        .zip(&out)
        .map(|(c, o)| c.count as f64 * c.size * o.price)
        .sum();
    assert!(income > endowment, "tariff revenue adds to income");
}

/// Symmetric Krugman world welfare at the Nash tariff, written out here from the model's
/// equations (shares, the export elasticity with the income term, the Nash condition
/// t = 1/(eps - 1) by plain bisection, the CES price index) and sharing no code with
/// `KrugmanCes`.
fn krugman_welfare_from_scratch(sigma: f64, blocs: usize) -> f64 {
    let b = blocs as f64;
    let shares = |t: f64| {
        let r = (1.0 + t).powf(1.0 - sigma);
        let own = 1.0 / (1.0 + (b - 1.0) * r);
        (r, own, r * own, 1.0 - own, t / (1.0 + t))
    };
    let excess = |t: f64| {
        let (_, own, nu, mu, tau) = shares(t);
        let eps = 1.0 + (sigma - 1.0) * ((1.0 - nu) + tau * own * nu / (1.0 - tau * mu));
        t - 1.0 / (eps - 1.0)
    };
    let (mut lo, mut hi) = (0.0, 1e3 / (sigma - 1.0));
    for _ in 0..400 {
        let mid = 0.5 * (lo + hi);
        if excess(mid) > 0.0 {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let t = 0.5 * (lo + hi);
    let (r, _, _, mu, tau) = shares(t);
    let index = ((1.0 + (b - 1.0) * r) / b).powf(1.0 / (1.0 - sigma));
    1.0 / ((1.0 - tau * mu) * index)
}

/// Krugman's "three blocs" holds from sigma = 1.121064 up (the whole scan to 20); below
/// it four blocs are worse. The threshold in the dock tables agrees to 1e-9 with a
/// bisection on the welfare formulas written out in the test, and the general equilibrium
/// solved directly (not the symmetric formula) orders W(3) and W(4) the same way on both
/// sides of it.
#[test]
fn krugman_three_blocs_minimise_welfare_above_a_sigma_threshold() {
    let gap = |sigma: f64| {
        krugman_welfare_from_scratch(sigma, 3) - krugman_welfare_from_scratch(sigma, 4)
    };
    let (mut lo, mut hi) = (1.05, 1.5);
    assert!(gap(lo) > 0.0 && gap(hi) < 0.0);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if gap(mid) > 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let ours = 0.5 * (lo + hi);
    assert!((ours - 1.121064).abs() < 1e-6, "{ours}");

    let Ok(ExperimentParams::Krugman1991(p)) = default_params("krugman1991") else {
        panic!("krugman1991 defaults");
    };
    let p = Krugman1991Params {
        dynamic_provinces: 0,
        sigmas: vec![2.0],
        check_blocs: vec![2],
        ..p
    };
    let r = run_docking_with(&ExperimentParams::Krugman1991(p)).expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
    let table = |name: &str| &r.tables.iter().find(|t| t.0 == name).unwrap().1;
    let thresholds = table("sigma_thresholds");
    assert_eq!(
        thresholds.len(),
        2,
        "one switch in the scan: {thresholds:?}"
    );
    assert_eq!(thresholds[1][..2], ["4", "3"]);
    let dock: f64 = thresholds[1][2].parse().unwrap();
    assert!(rel_diff(dock, ours) < 1e-9, "{dock} vs {ours}");
    // The scan: 380 sigmas, B = 4 up to 1.10, B = 3 from 1.15 to 20.
    let scan = table("sigma_scan");
    assert_eq!(scan.len(), 381);
    assert_eq!(scan[2][..2], ["1.1", "4"]);
    assert_eq!(scan[3][..2], ["1.15", "3"]);
    assert_eq!(scan[380][..2], ["20", "3"]);
    assert!(scan[3..].iter().all(|r| r[1] == "3"));
    // Direct evaluation in general equilibrium on both sides of the threshold.
    for (sigma, three_lowest) in [(dock - 1e-4, false), (dock + 1e-4, true)] {
        let m = KrugmanCes::new(sigma).unwrap();
        let world = |blocs: usize| {
            let t = m.nash_tariff(blocs).unwrap();
            let out = m
                .equilibrium(&[BlocClass {
                    count: blocs,
                    size: 1.0 / blocs as f64,
                    tariff: t,
                }])
                .unwrap();
            out[0].welfare
        };
        assert_eq!(world(3) < world(4), three_lowest, "sigma = {sigma}");
    }
    let line = row(
        &r,
        "Krugman (1991): world welfare is lowest at B = 3 'for all plausible",
    );
    assert!(
        line.ours.contains("B = 4 for sigma in [1.05, 1.1], B = 3 for sigma in [1.15, 20]; thresholds (bisection): B = 4 below sigma = 1.121064, B = 3 above"),
        "{}",
        line.ours
    );
}

#[test]
fn krugman_merge_dynamics_small_world() {
    let m = KrugmanCes::new(4.0).expect("sigma > 1");
    let both = m.merge_dynamics(6, MergeRule::BothGain).expect("dynamic");
    let joint = m.merge_dynamics(6, MergeRule::JointGain).expect("dynamic");
    assert_eq!(
        both,
        m.merge_dynamics(6, MergeRule::BothGain).expect("dynamic")
    );
    assert_eq!(both.first().map(|s| s.sizes.clone()), Some(vec![1; 6]));
    assert_eq!(joint.last().map(|s| s.sizes.clone()), Some(vec![6]));
    assert!(
        both.windows(2)
            .all(|w| w[1].sizes.len() + 1 == w[0].sizes.len())
    );
}

// --------------------------------------------------------------- Krishna

#[test]
fn krishna_closed_forms_and_veto() {
    let m = cournot(Tariffs::Optimal);
    for k in 1..=32 {
        let t = k as f64 / 100.0;
        let sim = profit_gains(&m, t);
        let closed = closed_form_profit_gains(1.0, t);
        for (s, c) in sim.iter().zip(closed) {
            assert!(rel_diff(*s, c) < 1e-9, "t {t}: {s} vs {c}");
        }
        assert!(
            sim[0] > 0.0 && sim[1] > 0.0 && sim[2] < 0.0,
            "veto at t = {t}"
        );
    }
    let sim = profit_gains(&m, 0.4);
    assert!(sim[1] < 0.0, "above A/3 producers oppose free trade anyway");
}

// ------------------------------------------------------- API and reports

#[test]
fn defaults_parse_and_files_match_defaults() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("experiments/docking");
    for name in EXPERIMENTS {
        let p = default_params(name).expect("defaults parse");
        assert_eq!(p.name(), name);
        let from_file = load_params_file(&dir.join(format!("{name}.ron"))).expect("file parses");
        assert_eq!(p, from_file);
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(matches!(
        run_docking("nope"),
        Err(DockError::UnknownExperiment(_))
    ));
    let text = default_text("yi1996")
        .expect("shipped")
        .replace("n_max: 10,", "n_max: 10, extra: 1,");
    assert!(matches!(
        parse_params("yi1996", &text),
        Err(DockError::Parse { .. })
    ));
    let text = default_text("krugman1991")
        .expect("shipped")
        .replace("[2.0, 4.0", "[1.0, 4.0");
    assert!(matches!(
        parse_params("krugman1991", &text),
        Err(DockError::InvalidParams(_))
    ));
    let text = default_text("krishna1998")
        .expect("shipped")
        .replace("tariff: 0.2", "tariff: 0.7");
    assert!(matches!(
        parse_params("krishna1998", &text),
        Err(DockError::InvalidParams(_))
    ));
    let missing = std::path::Path::new("/nonexistent/yi1996.ron");
    assert!(matches!(
        load_params_file(missing),
        Err(DockError::Io { .. })
    ));
    assert!(KrugmanCes::new(f64::NAN).is_err());
    assert!(Cournot::new(LinearDemand { intercept: 1.0 }, 2.0, Tariffs::Optimal).is_err());
}

#[test]
fn krugman1991_report() {
    // The merging dynamic is our extension and is exercised above on a
    // small world; the published claims need only the static part.
    let Ok(ExperimentParams::Krugman1991(p)) = default_params("krugman1991") else {
        panic!("krugman1991 defaults");
    };
    let p = Krugman1991Params {
        dynamic_provinces: 0,
        ..p
    };
    let r = run_docking_with(&ExperimentParams::Krugman1991(p)).expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
    assert_eq!(r.rows.len(), 17);
    // Long: a header, then one row per (sigma, blocs) for 4 sigmas and 1..=20 blocs.
    let welfare = &r.tables[0].1;
    assert_eq!(welfare[0], ["sigma", "blocs", "welfare"]);
    assert_eq!(welfare.len(), 1 + 4 * 20);
    assert_eq!(welfare[3][..2], ["2", "3"]);
    assert_eq!(welfare[1][2], "1");
}

/// The docking files must be read by pandas or R as numbers: no `-` for a missing value
/// (an empty cell instead), headers that are plain names, and every number written so
/// that it reads back to the same bits (so 1e-9 agreement can be checked from the files).
#[test]
fn dock_tables_are_long_plain_and_full_precision() {
    for name in crate::docking::EXPERIMENTS {
        let r = run_docking(name).expect("runs");
        for (table, rows) in &r.tables {
            let (header, body) = rows.split_first().expect("a header");
            for h in header {
                assert!(
                    !h.is_empty()
                        && h.chars()
                            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                    "{name}/{table}: header `{h}` is not a plain name"
                );
            }
            for row in body {
                assert_eq!(
                    row.len(),
                    header.len(),
                    "{name}/{table}: ragged row {row:?}"
                );
                for cell in row {
                    assert_ne!(cell, "-", "{name}/{table}: `-` for a missing value");
                    if let Ok(v) = cell.parse::<f64>() {
                        assert!(
                            *cell == format!("{v}") || *cell == format!("{v:e}"),
                            "{name}/{table}: `{cell}` is not the shortest round-trip form"
                        );
                    }
                }
            }
        }
    }
    // The Nash tariff of 2 blocs at sigma = 2 has all its digits in the table.
    let r = run_docking("krugman1991").expect("runs");
    let tariffs = &r.tables.iter().find(|t| t.0 == "nash_tariffs").unwrap().1;
    let row = tariffs.iter().find(|r| r[0] == "2" && r[1] == "2").unwrap();
    let exact = KrugmanCes::new(2.0).unwrap().nash_tariff(2).unwrap();
    assert_eq!(row[2].parse::<f64>().unwrap().to_bits(), exact.to_bits());
    // One bloc has no external tariff: an empty cell.
    let one = tariffs.iter().find(|r| r[0] == "2" && r[1] == "1").unwrap();
    assert_eq!(one[2], "");
}

#[test]
fn yi1996_report() {
    let r = run_docking("yi1996").expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
}

#[test]
fn goyal_joshi2006_report() {
    // The review's restatement: the complete network is stable but not the only stable
    // network, and the fixed-tariff threshold is where its uniqueness ends. A correct
    // model passes every claim.
    let r = run_docking("goyal_joshi2006").expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
    assert!(r.reproduced());
    assert_eq!(r.rows.len(), 7);
    for prefix in [
        "Goyal & Joshi (2006): with symmetric",
        "Goyal & Joshi (2006), as summarised by Iimura, Shichijo & Hokari (2010): every",
        "Goyal & Joshi (2006), as summarised by Iimura, Shichijo & Hokari (2010): with optimal tariffs the complete network is not the only",
        "Goyal & Joshi (2006): the complete network maximises",
        "Fixed tariffs: at a low tariff",
        "Fixed tariffs: the complete network is pairwise stable at every tariff",
        "Fixed tariffs: the threshold tariff is where",
    ] {
        assert!(row(&r, prefix).pass, "{prefix}");
    }
    let ours = &row(&r, "Fixed tariffs: the threshold tariff is where").ours;
    for (n, closed) in [
        (3, "0.315789"),
        (4, "0.212766"),
        (5, "0.168675"),
        (6, "0.141732"),
    ] {
        assert!(
            ours.contains(&format!(
                "N={n}: t* = {closed} by bisection, {closed} by formula"
            )),
            "{ours}"
        );
    }
    // The thresholds in their own table, at full precision: 6/19, 10/47, 14/83, 18/127.
    let table = &r
        .tables
        .iter()
        .find(|t| t.0 == "uniqueness_threshold")
        .unwrap()
        .1;
    assert_eq!(table.len(), 5);
    for (row, (num, den)) in
        table[1..]
            .iter()
            .zip([(6.0, 19.0), (10.0, 47.0), (14.0, 83.0), (18.0, 127.0)])
    {
        let closed: f64 = row[1].parse().unwrap();
        let found: f64 = row[2].parse().unwrap();
        assert!(rel_diff(closed, num / den) < 1e-15, "{row:?}");
        assert!(rel_diff(found, num / den) < 1e-9, "{row:?}");
        assert_eq!(row[4..], ["true", "true"], "{row:?}");
    }
}

/// Welfare of every country in a labeled FTA network, computed here from scratch (one
/// Cournot market per importer, market size 1, zero cost) so that it shares no code with
/// `Cournot`: `links[k]` says whether pair `k` of `pairs` is linked. `tariff(n, m)` is the
/// tariff of an importer with `m` non-partners among `n` countries.
fn fta_welfare_from_scratch(
    n: usize,
    pairs: &[(usize, usize)],
    links: u32,
    tariff: &dyn Fn(usize, usize) -> f64,
) -> Vec<f64> {
    let linked = |i: usize, j: usize| {
        pairs
            .iter()
            .position(|&p| p == (i.min(j), i.max(j)))
            .is_some_and(|k| links & (1 << k) != 0)
    };
    let mut w = vec![0.0; n];
    for j in 0..n {
        let free: Vec<usize> = (0..n).filter(|&i| i == j || linked(i, j)).collect();
        let m = n - free.len();
        let t = tariff(n, m);
        // Linear Cournot: q_i = (A + sum of rivals' costs - n c_i) / (n + 1) over the active
        // firms; outsiders all pay t, so either all of them sell or none does.
        let (q_free, q_out) = {
            let q_out = (1.0 - (n as f64 + 1.0 - m as f64) * t) / (n as f64 + 1.0);
            if m > 0 && q_out > 0.0 {
                ((1.0 + m as f64 * t) / (n as f64 + 1.0), q_out)
            } else {
                (1.0 / (free.len() as f64 + 1.0), 0.0)
            }
        };
        let total = free.len() as f64 * q_free + m as f64 * q_out;
        w[j] += 0.5 * total * total + m as f64 * t * q_out;
        for (i, wi) in w.iter_mut().enumerate() {
            // Price minus cost equals the quantity, so a firm's profit is its quantity squared.
            *wi += if free.contains(&i) {
                q_free * q_free
            } else {
                q_out * q_out
            };
        }
    }
    w
}

/// The importer's optimal tariff found by ternary search on its own market's welfare
/// (consumer surplus + own firm's profit + revenue), not by the closed form.
fn optimal_tariff_by_search(n: usize, m: usize) -> f64 {
    let (nf, mf) = (n as f64, m as f64);
    let home = |t: f64| {
        let q_out = ((1.0 - (nf + 1.0 - mf) * t) / (nf + 1.0)).max(0.0);
        let q_free = (1.0 + mf * t) / (nf + 1.0);
        let total = (nf - mf) * q_free + mf * q_out;
        0.5 * total * total + q_free * q_free + mf * t * q_out
    };
    let (mut lo, mut hi) = (0.0, 1.0 / (nf + 1.0 - mf));
    for _ in 0..200 {
        let (a, b) = (lo + (hi - lo) / 3.0, hi - (hi - lo) / 3.0);
        if home(a) < home(b) {
            lo = a;
        } else {
            hi = b;
        }
    }
    0.5 * (lo + hi)
}

/// Every labeled network on up to 6 countries (2^15 for N = 6), checked for pairwise
/// stability from scratch: the stable ones are exactly the isomorphism classes the
/// experiment finds, and with optimal tariffs they are the complete network and the N
/// almost-complete networks (N + 1 labeled networks).
#[test]
fn pairwise_stable_networks_by_exhaustive_enumeration() {
    let model = |t: Tariffs| Cournot::new(LinearDemand { intercept: 1.0 }, 0.0, t).unwrap();
    for n in 3..=6 {
        let pairs: Vec<(usize, usize)> = (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect();
        let optimal: Vec<f64> = (0..n).map(|m| optimal_tariff_by_search(n, m)).collect();
        type TariffOf = Box<dyn Fn(usize, usize) -> f64>;
        let regimes: [(Tariffs, TariffOf); 3] = [
            (Tariffs::Optimal, Box::new(move |_, m| optimal[m])),
            (Tariffs::Fixed(0.1), Box::new(|_, _| 0.1)),
            (Tariffs::Fixed(0.3), Box::new(|_, _| 0.3)),
        ];
        for (tariffs, tariff) in &regimes {
            let payoffs: Vec<Vec<f64>> = (0..1u32 << pairs.len())
                .map(|links| fta_welfare_from_scratch(n, &pairs, links, tariff.as_ref()))
                .collect();
            let strictly = |a: f64, b: f64| a > b + 1e-12 * (1.0 + b.abs());
            let stable: Vec<u32> = (0..1u32 << pairs.len())
                .filter(|&links| {
                    let before = &payoffs[links as usize];
                    pairs.iter().enumerate().all(|(k, &(i, j))| {
                        let after = &payoffs[(links ^ (1 << k)) as usize];
                        if links & (1 << k) != 0 {
                            !strictly(after[i], before[i]) && !strictly(after[j], before[j])
                        } else {
                            let gains_i = strictly(after[i], before[i]);
                            let gains_j = strictly(after[j], before[j]);
                            let loses_i = strictly(before[i], after[i]);
                            let loses_j = strictly(before[j], after[j]);
                            let improving = (gains_i && !loses_j) || (gains_j && !loses_i);
                            !improving
                        }
                    })
                })
                .collect();
            let mut classes: Vec<Graph> = stable
                .iter()
                .map(|&links| {
                    pairs
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| links & (1 << k) != 0)
                        .fold(Graph::empty(n).unwrap(), |g, (_, &(i, j))| {
                            g.with_edge(i, j, true)
                        })
                        .canonical()
                })
                .collect();
            classes.sort();
            classes.dedup();
            let found = stable_classes(&model(*tariffs), &all_classes(n));
            assert_eq!(classes, found, "n = {n}, {tariffs:?}");
            let complete = Graph::complete(n).unwrap().canonical();
            let almost = almost_complete(n).unwrap();
            match tariffs {
                Tariffs::Optimal => {
                    assert_eq!(stable.len(), n + 1, "n = {n}");
                    assert_eq!(classes, [almost, complete], "n = {n}");
                }
                // Below every threshold (6/19 for N = 3 down to 18/127 for N = 6).
                Tariffs::Fixed(t) if *t < 0.2 => assert_eq!(stable, [(1 << pairs.len()) - 1]),
                // Above the threshold for N >= 4, below it for N = 3 (6/19 = 0.316).
                Tariffs::Fixed(_) => {
                    assert!(classes.contains(&complete));
                    assert_eq!(classes.contains(&almost), n >= 4, "n = {n}");
                }
            }
        }
    }
}

/// A wrong model (the importer's tariff revenue counted with the wrong sign) must fail
/// the Goyal & Joshi checks, so that a PASS means something.
#[test]
fn goyal_joshi2006_fails_a_wrong_model() {
    let Ok(ExperimentParams::GoyalJoshi2006(p)) = default_params("goyal_joshi2006") else {
        panic!("goyal_joshi2006 defaults");
    };
    let flipped = |m: &Cournot, g: &Graph| -> Vec<f64> {
        m.accounts(&m.fta_tariff_matrix(g))
            .iter()
            .map(|a| a.consumer_surplus + a.profits - a.tariff_revenue)
            .collect()
    };
    let wrong = run_with_payoff(&p, &flipped).expect("runs");
    assert!(!wrong.reproduced(), "{}", wrong.to_markdown());
    let right = run_with_payoff(&p, &fta_welfare).expect("runs");
    assert_eq!(right, run_docking("goyal_joshi2006").expect("runs"));
}

#[test]
fn krishna1998_report() {
    let r = run_docking("krishna1998").expect("runs");
    assert!(r.all_pass(), "{}", r.to_markdown());
    assert_eq!(r.rows.len(), 6);
}
