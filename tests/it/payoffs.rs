//! Payoff terms against hand-checked values on 2- and 3-country worlds.
//!
//! The expected numbers come from an independent Python implementation of ODD.md
//! sections 2 and 3 (standard library only), whose `two_m` case was also worked out by
//! hand in exact rational arithmetic: D_0 = 69596641/23068672, U_0 = 0.41892509487222389.

use std::path::Path;

use blocs::config::Scenario;
use blocs::payoff::payoffs_from_scratch;
use blocs::scheduler::Sim;

const TOL: f64 = 1e-12;

#[track_caller]
fn close(what: &str, got: f64, want: f64) {
    assert!(
        (got - want).abs() <= TOL * (1.0 + want.abs()),
        "{what}: got {got}, want {want}"
    );
}

struct Want {
    e_m: f64,
    t_eff: f64,
    tau: &'static [&'static [f64]],
    terms: &'static [[f64; 8]],
}

#[track_caller]
fn check(ron: &str, want: Want) {
    let scenario = Scenario::parse(ron, Path::new("test")).expect("parses");
    let spec = scenario.validate(Path::new("test")).expect("valid");
    let sim = Sim::new(&spec, 0, 0);
    let policy = sim.engine.policy();
    close("e_M", policy.e_m, want.e_m);
    close("t_eff", policy.t_eff, want.t_eff);
    for (i, row) in want.tau.iter().enumerate() {
        for (j, &t) in row.iter().enumerate() {
            if i != j {
                close(
                    &format!("tau[{i}][{j}]"),
                    sim.engine.tau(i as u32, j as u32),
                    t,
                );
            }
        }
    }
    let terms = payoffs_from_scratch(&sim.world, &spec.params);
    for (i, w) in want.terms.iter().enumerate() {
        let t = &terms[i];
        let got = [
            t.consumer,
            t.exports,
            t.revenue,
            t.lobby,
            t.sovereignty,
            t.overhead,
            t.rules_of_origin,
            t.total(),
        ];
        for (k, name) in ["C", "X", "R", "L", "SC", "OH", "ROO", "U"]
            .iter()
            .enumerate()
        {
            close(&format!("{name}_{i}"), got[k], w[k]);
        }
        close(
            &format!("incremental U_{i}"),
            sim.engine.utilities()[i],
            w[7],
        );
    }
}

#[test]
fn two_m() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.2, 0.3), gdp: 1.5, ideal: (0.1, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.6, 0.6), gdp: 0.5, ideal: (0.5, 0.9), sovereignty: 0.05, protectionism: 0.1)]),
        initial_m: Members([0, 1]),
        article_xxiv: true,
        multilateral: (enforcement_threshold: 0.8, retaliation: false),
    )"#,
        Want {
            e_m: 1.0,
            t_eff: 0.1,
            tau: &[&[0.0, 0.1], &[0.1, 0.0]],
            terms: &[
                [
                    0.4140902992832062,
                    0.018884213787543656,
                    0.0006577381685345994,
                    0.0016838097114485744,
                    0.0030233466556119568,
                    0.01,
                    0.0,
                    0.41892509487222396,
                ],
                [
                    0.006193902545019736,
                    0.006577381685345994,
                    0.001888421378754366,
                    0.0024171793648055883,
                    0.0015116733278059782,
                    0.01,
                    0.0,
                    0.0007308529165085294,
                ],
            ],
        },
    );
}

#[test]
fn two_fta() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.2, 0.3), gdp: 1.5, ideal: (0.1, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.6, 0.6), gdp: 0.5, ideal: (0.5, 0.9), sovereignty: 0.05, protectionism: 0.1)]),
        initial_m: Members([0, 1]),
        agreements: [(kind: Fta, depth: 0.3, members: [0, 1])],
        article_xxiv: true,
        multilateral: (enforcement_threshold: 0.8, retaliation: false),
    )"#,
        Want {
            e_m: 1.0,
            t_eff: 0.1,
            tau: &[&[0.0, 0.0], &[0.0, 0.0]],
            terms: &[
                [
                    0.41532870088608986,
                    0.032766028996795316,
                    0.0,
                    0.0026673454631724203,
                    0.012093386622447825,
                    0.02,
                    0.0,
                    0.41333399779726493,
                ],
                [
                    0.009705543042038136,
                    0.011698883610405353,
                    0.0,
                    0.0037353273056346657,
                    0.006046693311223913,
                    0.02,
                    0.0,
                    -0.008377593964415092,
                ],
            ],
        },
    );
}

#[test]
fn two_none() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.2, 0.3), gdp: 1.5, ideal: (0.1, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.6, 0.6), gdp: 0.5, ideal: (0.5, 0.9), sovereignty: 0.05, protectionism: 0.1)]),
        initial_m: Members([]),
        article_xxiv: true,
        multilateral: (enforcement_threshold: 0.8, retaliation: false),
    )"#,
        Want {
            e_m: 0.0,
            t_eff: 0.3,
            tau: &[&[0.0, 0.3], &[0.3, 0.0]],
            terms: &[
                [
                    0.4131002665369312,
                    0.008743169398907104,
                    0.0008951883625512867,
                    0.0008951883625512868,
                    0.0,
                    0.0,
                    0.0,
                    0.42184343593583834,
                ],
                [
                    0.0033224547255890128,
                    0.002983961208504289,
                    0.002622950819672131,
                    0.0013114754098360656,
                    0.0,
                    0.0,
                    0.0,
                    0.0076178913439293675,
                ],
            ],
        },
    );
}

#[test]
fn three_cu() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.1, 0.1), gdp: 2.0, ideal: (0.2, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.3, 0.2), gdp: 1.0, ideal: (0.4, 0.1), sovereignty: 0.15, protectionism: 0.25), (name: "c2", pos: (0.8, 0.9), gdp: 0.6, ideal: (0.9, 0.7), sovereignty: 0.05, protectionism: 0.05)]),
        initial_m: Members([0, 1, 2]),
        agreements: [(kind: CustomsUnion, depth: 0.5, members: [0, 1])],
        article_xxiv: false,
        multilateral: (enforcement_threshold: 0.8, retaliation: false),
    )"#,
        Want {
            e_m: 0.20833333333333331,
            t_eff: 0.25833333333333336,
            tau: &[
                &[0.0, 0.0, 0.3],
                &[0.0, 0.0, 0.3],
                &[0.25833333333333336, 0.25833333333333336, 0.0],
            ],
            terms: &[
                [
                    0.7091913040188457,
                    0.10766863437188767,
                    0.0005514007269047975,
                    0.012631552748208106,
                    0.011072781586088706,
                    0.02,
                    0.0,
                    0.7737070047833413,
                ],
                [
                    0.20345403085373717,
                    0.05928247296604455,
                    0.0006170860518200048,
                    0.028418165993647198,
                    0.013550583663053596,
                    0.02,
                    0.0,
                    0.20138484021490097,
                ],
                [
                    0.0315180912480185,
                    0.003894955929082674,
                    0.0029544702959491947,
                    0.0008224864081948888,
                    0.0020699570580623703,
                    0.01,
                    0.0,
                    0.0254750740067931,
                ],
            ],
        },
    );
}

#[test]
fn three_cu_retaliation() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.1, 0.1), gdp: 2.0, ideal: (0.2, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.3, 0.2), gdp: 1.0, ideal: (0.4, 0.1), sovereignty: 0.15, protectionism: 0.25), (name: "c2", pos: (0.8, 0.9), gdp: 0.6, ideal: (0.9, 0.7), sovereignty: 0.05, protectionism: 0.05)]),
        initial_m: Members([0, 1, 2]),
        agreements: [(kind: CustomsUnion, depth: 0.5, members: [0, 1])],
        article_xxiv: false,
        multilateral: (enforcement_threshold: 0.8, retaliation: true),
    )"#,
        Want {
            e_m: 0.20833333333333331,
            t_eff: 0.25833333333333336,
            tau: &[&[0.0, 0.0, 0.3], &[0.0, 0.0, 0.3], &[0.3, 0.3, 0.0]],
            terms: &[
                [
                    0.7091913040188457,
                    0.10674252131405586,
                    0.0005514007269047975,
                    0.012631552748208106,
                    0.011072781586088706,
                    0.02,
                    0.0,
                    0.7727808917255095,
                ],
                [
                    0.20345403085373717,
                    0.05871625647353644,
                    0.0006170860518200048,
                    0.028418165993647198,
                    0.013550583663053596,
                    0.02,
                    0.0,
                    0.20081862372239281,
                ],
                [
                    0.03107351395595028,
                    0.003894955929082674,
                    0.0029832988979357974,
                    0.0007358803948241633,
                    0.0020699570580623703,
                    0.01,
                    0.0,
                    0.025145931330082215,
                ],
            ],
        },
    );
}

#[test]
fn three_cu_art24() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.1, 0.1), gdp: 2.0, ideal: (0.2, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.3, 0.2), gdp: 1.0, ideal: (0.4, 0.1), sovereignty: 0.15, protectionism: 0.25), (name: "c2", pos: (0.8, 0.9), gdp: 0.6, ideal: (0.9, 0.7), sovereignty: 0.05, protectionism: 0.05)]),
        initial_m: Members([0, 1, 2]),
        agreements: [(kind: CustomsUnion, depth: 0.5, members: [0, 1])],
        article_xxiv: true,
        multilateral: (enforcement_threshold: 0.8, retaliation: false),
    )"#,
        Want {
            e_m: 1.0,
            t_eff: 0.1,
            tau: &[&[0.0, 0.0, 0.1], &[0.0, 0.0, 0.1], &[0.1, 0.1, 0.0]],
            terms: &[
                [
                    0.7097264561382153,
                    0.11284274451291966,
                    0.0003794372648638895,
                    0.013045933043204533,
                    0.011072781586088706,
                    0.02,
                    0.0,
                    0.7788299232867055,
                ],
                [
                    0.20405253631942688,
                    0.06253412719221729,
                    0.0004240758034507905,
                    0.028948003274575043,
                    0.013550583663053596,
                    0.02,
                    0.0,
                    0.20451215237746634,
                ],
                [
                    0.033942832283513164,
                    0.0080351306831468,
                    0.0020161679850687025,
                    0.00129034751044397,
                    0.0020699570580623703,
                    0.01,
                    0.0,
                    0.030633826383222318,
                ],
            ],
        },
    );
}

#[test]
fn three_wall() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.1, 0.1), gdp: 2.0, ideal: (0.2, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.3, 0.2), gdp: 1.0, ideal: (0.4, 0.1), sovereignty: 0.15, protectionism: 0.25), (name: "c2", pos: (0.8, 0.9), gdp: 0.6, ideal: (0.9, 0.7), sovereignty: 0.05, protectionism: 0.05)]),
        initial_m: Members([0, 2]),
        events: [TariffWall(tick: 0, country: 2, rate: 0.25)],
        article_xxiv: true,
        multilateral: (enforcement_threshold: 0.8, retaliation: false),
    )"#,
        Want {
            e_m: 0.7465277777777777,
            t_eff: 0.15069444444444446,
            tau: &[
                &[0.0, 0.3, 0.15069444444444446],
                &[0.3, 0.0, 0.3],
                &[0.25, 0.25, 0.0],
            ],
            terms: &[
                [
                    0.6987029233854498,
                    0.03045998877151228,
                    0.00405123052282798,
                    0.004419992442954483,
                    0.003970303969404289,
                    0.01,
                    0.0,
                    0.7148238462674312,
                ],
                [
                    0.18293633635340734,
                    0.01606676957574025,
                    0.007572549591728957,
                    0.009465686989661198,
                    0.0,
                    0.0,
                    0.0,
                    0.19710996853121535,
                ],
                [
                    0.03152848778408481,
                    0.00528222817735877,
                    0.0028683267007753406,
                    0.0008245086385959906,
                    0.0019851519847021446,
                    0.01,
                    0.0,
                    0.026869382038920787,
                ],
            ],
        },
    );
}

#[test]
fn three_mixed() {
    check(
        r#"(
        countries: Explicit([(name: "c0", pos: (0.1, 0.1), gdp: 2.0, ideal: (0.2, 0.2), sovereignty: 0.1, protectionism: 0.2), (name: "c1", pos: (0.3, 0.2), gdp: 1.0, ideal: (0.4, 0.1), sovereignty: 0.15, protectionism: 0.25), (name: "c2", pos: (0.8, 0.9), gdp: 0.6, ideal: (0.9, 0.7), sovereignty: 0.05, protectionism: 0.05)]),
        initial_m: Members([0, 1, 2]),
        agreements: [(kind: Fta, depth: 0.3, members: [0, 1]), (kind: Fta, depth: 0.6, members: [0, 2]), (kind: CustomsUnion, depth: 0.2, members: [1, 2])],
        article_xxiv: false,
        multilateral: (enforcement_threshold: 0.9, retaliation: true),
    )"#,
        Want {
            e_m: 0.7818930041152262,
            t_eff: 0.14362139917695477,
            tau: &[&[0.0, 0.0, 0.0], &[0.0, 0.0, 0.0], &[0.0, 0.0, 0.0]],
            terms: &[
                [
                    0.7088978443525126,
                    0.11324805558910367,
                    0.0,
                    0.012404131985358297,
                    0.03191318143251472,
                    0.03,
                    0.005,
                    0.7428285865237432,
                ],
                [
                    0.20101567005697485,
                    0.05808865198073933,
                    0.0,
                    0.02624640631359134,
                    0.017864978593449002,
                    0.03,
                    0.0,
                    0.1849929371306738,
                ],
                [
                    0.03893607146786851,
                    0.015910021838285337,
                    0.0,
                    0.002230310262712513,
                    0.016909712594740233,
                    0.03,
                    0.0,
                    0.005706070448701112,
                ],
            ],
        },
    );
}
