//! The docking models behind the core's trade-model interface, and `blocs dock`.

use blocs::docking::cournot::{Cournot, LinearDemand, Tariffs};
use blocs::docking::krugman::KrugmanCes;
use blocs::docking::networks::Graph;
use blocs::payoff::TradeModel;
use blocs::scheduler::Sim;

use crate::{spec, temp_dir};

fn provinces(n: usize, agreements: &str, trade: &str) -> String {
    let countries: Vec<String> = (0..n)
        .map(|i| format!("(name: \"P{i}\", pos: (0.{i}, 0.5), gdp: 1.0)"))
        .collect();
    format!(
        "(countries: Explicit([{}]), trade: {trade}, initial_m: None, agreements: [{agreements}], check_incremental: true, max_ticks: 30)",
        countries.join(", ")
    )
}

#[test]
fn krugman_module_in_a_world_equals_the_closed_model() {
    // Twelve provinces in three customs unions of four: every province gets the
    // welfare of the symmetric three-bloc Nash equilibrium.
    let cus = "(kind: CustomsUnion, members: [0, 1, 2, 3]), (kind: CustomsUnion, members: [4, 5, 6, 7]), (kind: CustomsUnion, members: [8, 9, 10, 11])";
    let spec = spec(&provinces(12, cus, "KrugmanCes((sigma: 4.0))"));
    let sim = Sim::new(&spec, 0, 0);
    let model = KrugmanCes { sigma: 4.0 };
    let mut trade = vec![0.0; 12];
    model.trade_payoffs(&sim.world, &spec.params, &mut trade);
    let want = model.world_welfare(3, model.nash_tariff(3).unwrap());
    for w in trade {
        assert!((w - want).abs() < 1e-9, "{w} vs {want}");
    }
    // Payoffs are trade welfare less membership overhead (κ = 0.01 per agreement).
    assert!((sim.engine.utilities()[0] - (want - 0.01)).abs() < 1e-9);
}

#[test]
fn cournot_module_in_a_world_equals_the_network_model() {
    let ftas = "(members: [0, 1]), (members: [1, 2])";
    let spec = spec(&provinces(4, ftas, "Cournot((intercept: 1.0, cost: 0.0))"));
    let sim = Sim::new(&spec, 0, 0);
    let model = Cournot::new(LinearDemand { intercept: 1.0 }, 0.0, Tariffs::Optimal).unwrap();
    let mut trade = vec![0.0; 4];
    model.trade_payoffs(&sim.world, &spec.params, &mut trade);
    let g = Graph::empty(4)
        .unwrap()
        .with_edge(0, 1, true)
        .with_edge(1, 2, true);
    for (a, b) in trade.iter().zip(model.fta_welfare(&g)) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }
}

#[test]
fn the_scheduler_runs_docking_modules_unchanged() {
    // Open customs unions among Cournot countries (Yi 1996): the scheduler's own moves,
    // with incremental checks on, must keep every invariant.
    let mut sim = Sim::new(
        &spec(&provinces(5, "", "Cournot((intercept: 1.0, cost: 0.0))").replace(
            "check_incremental: true",
            "check_incremental: true, regional: (new_kind: CustomsUnion, new_rule: Open, new_reach: inf), membership_cost: 0.0, activation_rate: 0.4",
        )),
        3,
        0,
    );
    while sim.step() {
        assert_eq!(sim.world.check_invariants(), Ok(()));
    }
    assert!(
        sim.world.agreements.iter().any(|a| a.is_live()),
        "customs unions formed"
    );
}

#[test]
fn dock_command_reports_and_draws() {
    let dir = temp_dir("dock");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["dock", "krishna1998", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("[PASS] Krishna (1998)"), "{stdout}");
    assert!(!stdout.contains("[FAIL]"), "{stdout}");
    assert!(
        dir.join("krishna1998/figures/gains_vs_tariff.svg")
            .is_file()
    );
    assert!(dir.join("krishna1998/tariff_sweep.csv").is_file());
    let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["dock", "nosuch", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(unknown.status.code(), Some(2));
}

/// Krugman's 12 provinces under the scheduler's own rules stop at two blocs {8, 4} in
/// every seed (README, "Trade modules and docking").
#[test]
fn krugman_provinces_in_the_scheduler_stop_at_two_blocs() {
    let rows = blocs::docking::scheduler::krugman_in_scheduler();
    assert_eq!(rows[0], ["world", "stop", "tick", "bloc_sizes"]);
    assert_eq!(rows.len(), 5);
    for (w, row) in rows[1..].iter().enumerate() {
        assert_eq!(row[0], w.to_string());
        assert_eq!(row[3], "{8,4}", "{row:?}");
    }
}

/// Goyal & Joshi's claims, stated as the literature has them, pass on the model (exit
/// code 0, no FAIL line); a wrong model's exit code 1 is tested in the CLI's unit tests.
#[test]
fn dock_goyal_joshi_passes_with_exit_code_0() {
    let dir = temp_dir("dock-gj");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["dock", "goyal_joshi2006", "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(
        stdout.contains("blocs dock: 7 checks passed, 0 not reproduced"),
        "{stdout}"
    );
    let table =
        std::fs::read_to_string(dir.join("goyal_joshi2006/uniqueness_threshold.csv")).unwrap();
    assert!(table.starts_with("countries,closed_form_threshold,bisection_threshold,"));
}

/// Yi (1996) with the other stability concept, from an edited copy of the shipped file;
/// a file with an unknown concept is an input error naming the file.
#[test]
fn dock_runs_yi_with_coalition_mergers_from_a_params_file() {
    let dir = temp_dir("dock-yi-merger");
    let shipped = std::fs::read_to_string(crate::repo("experiments/docking/yi1996.ron")).unwrap();
    assert!(shipped.contains("concept: IndividualAccession"));
    let file = dir.join("yi1996.ron");
    std::fs::write(
        &file,
        shipped.replace("concept: IndividualAccession", "concept: CoalitionMerger"),
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["dock", "--params", file.to_str().unwrap(), "--out"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stable = std::fs::read_to_string(dir.join("out/yi1996/stable_structures.csv")).unwrap();
    assert!(stable.contains("\n9,{9},\"{9} {8,1} {7,2}\","), "{stable}");
    assert!(
        stable.contains("\n10,{10},\"{10} {9,1} {8,2}\","),
        "{stable}"
    );

    std::fs::write(
        &file,
        shipped.replace("concept: IndividualAccession", "concept: Mergers"),
    )
    .unwrap();
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_blocs"))
        .args(["dock", "--params", file.to_str().unwrap(), "--out"])
        .arg(dir.join("bad"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(stderr.contains("yi1996.ron"), "{stderr}");
    assert!(stderr.contains("IndividualAccession"), "{stderr}");
    assert!(!dir.join("bad").exists());
}
