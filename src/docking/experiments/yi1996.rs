//! `yi1996`: stable customs-union structures under open membership and under
//! unanimous admission, and whether join/leave dynamics reach them.

use crate::docking::coalitions::{
    DynamicsEnd, MembershipRule, StabilityConcept, canonical, dynamics_by, format_sizes,
    from_sizes, integer_partitions, is_stable_by, sizes,
};
use crate::docking::cournot::Cournot;
use crate::docking::experiments::{check, num, row};
use crate::docking::params::Yi1996Params;
use crate::docking::{DockError, DockReport};

fn path_text(visited: &[Vec<usize>], end: DynamicsEnd) -> String {
    let steps: Vec<String> = visited.iter().map(|u| format_sizes(&sizes(u))).collect();
    format!("{} ({end:?})", steps.join(" -> "))
}

/// Runs the experiment.
pub fn run(p: &Yi1996Params) -> Result<DockReport, DockError> {
    let model = Cournot::new(p.demand, p.cost, p.tariffs)?;
    let welfare = |u: &[usize]| model.cu_welfare(u);
    let mut stable_table = vec![row([
        "countries",
        "stable_open",
        "stable_unanimity",
        "open_dynamics_end",
        "unanimity_dynamics_end",
    ])];
    let mut path_table = vec![row(["countries", "rule", "path_from_singletons"])];
    // Both concepts side by side, whichever one the rest of the report uses.
    let mut concept_table = vec![row(["countries", "rule", "concept", "stable_structures"])];
    let mut concepts_differ = Vec::new();
    let mut short_of_free_trade = [false; 2];
    // Long: one row per union of each structure; the grand union has no outsider and so
    // no external tariff (an empty cell).
    let mut welfare_table = vec![row([
        "countries",
        "structure",
        "union",
        "union_size",
        "external_tariff",
        "member_welfare",
        "world_welfare",
    ])];
    let mut open_unique = Vec::new();
    let mut unanimity_extra = Vec::new();
    let mut open_reach = Vec::new();
    let mut unanimity_ends = Vec::new();
    let (mut merges, mut violations) = (0usize, 0usize);
    for n in p.n_min..=p.n_max {
        let parts = integer_partitions(n);
        let mut open = Vec::new();
        let mut unan = Vec::new();
        for s in &parts {
            let u = from_sizes(s);
            let w = welfare(&u);
            let tm = model.cu_tariff_matrix(&u);
            let world_welfare: f64 = w.iter().sum();
            let mut first = 0;
            for (j, &k) in s.iter().enumerate() {
                let outsider = (0..n).find(|&i| u[i] != u[first]);
                welfare_table.push(vec![
                    n.to_string(),
                    format_sizes(s),
                    j.to_string(),
                    k.to_string(),
                    outsider.map_or(String::new(), |i| num(tm[first][i])),
                    num(w[first]),
                    num(world_welfare),
                ]);
                first += k;
            }
            if is_stable_by(&u, &welfare, MembershipRule::Open, p.concept) {
                open.push(s.clone());
            }
            if is_stable_by(&u, &welfare, MembershipRule::Unanimity, p.concept) {
                unan.push(s.clone());
            }
            // Yi's welfare claims: merging two unions raises the members'
            // joint welfare and lowers every outsider's welfare.
            let labels = s.len();
            for a in 0..labels {
                for b in a + 1..labels {
                    let merged = canonical(
                        &u.iter()
                            .map(|&l| if l == b { a } else { l })
                            .collect::<Vec<_>>(),
                    );
                    let w2 = welfare(&merged);
                    let inside: Vec<usize> = (0..n).filter(|&i| u[i] == a || u[i] == b).collect();
                    let before: f64 = inside.iter().map(|&i| w[i]).sum();
                    let after: f64 = inside.iter().map(|&i| w2[i]).sum();
                    let outsiders_lose = (0..n)
                        .filter(|&i| u[i] != a && u[i] != b)
                        .all(|i| w2[i] < w[i]);
                    merges += 1;
                    if after <= before || !outsiders_lose {
                        violations += 1;
                    }
                }
            }
        }
        let singletons: Vec<usize> = (0..n).collect();
        let steps = 10 * n * n;
        let open_path = dynamics_by(
            &singletons,
            &welfare,
            MembershipRule::Open,
            p.concept,
            steps,
        );
        let unan_path = dynamics_by(
            &singletons,
            &welfare,
            MembershipRule::Unanimity,
            p.concept,
            steps,
        );
        let end_of = |v: &[Vec<usize>]| v.last().map(|u| sizes(u)).unwrap_or_default();
        let open_end = end_of(&open_path.visited);
        let unan_end = end_of(&unan_path.visited);
        let list = |v: &[Vec<usize>]| {
            v.iter()
                .map(|s| format_sizes(s))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut by_concept = Vec::new();
        for rule in [MembershipRule::Open, MembershipRule::Unanimity] {
            for (c, concept) in StabilityConcept::ALL.into_iter().enumerate() {
                let st: Vec<Vec<usize>> = parts
                    .iter()
                    .filter(|s| is_stable_by(&from_sizes(s), &welfare, rule, concept))
                    .cloned()
                    .collect();
                if rule == MembershipRule::Unanimity {
                    short_of_free_trade[c] |= st.iter().any(|s| *s != vec![n]);
                    by_concept.push(list(&st));
                }
                concept_table.push(vec![
                    n.to_string(),
                    format!("{rule:?}"),
                    format!("{concept:?}"),
                    list(&st),
                ]);
            }
        }
        if by_concept[0] != by_concept[1] {
            concepts_differ.push(format!(
                "N={n}: accession {}, mergers {}",
                by_concept[0], by_concept[1]
            ));
        }
        stable_table.push(vec![
            n.to_string(),
            list(&open),
            list(&unan),
            format!("{} ({:?})", format_sizes(&open_end), open_path.end),
            format!("{} ({:?})", format_sizes(&unan_end), unan_path.end),
        ]);
        path_table.push(vec![
            n.to_string(),
            "Open".into(),
            path_text(&open_path.visited, open_path.end),
        ]);
        path_table.push(vec![
            n.to_string(),
            "Unanimity".into(),
            path_text(&unan_path.visited, unan_path.end),
        ]);
        open_unique.push((n, open.len() == 1 && open[0] == vec![n], list(&open)));
        let extra: Vec<Vec<usize>> = unan.iter().filter(|s| **s != vec![n]).cloned().collect();
        unanimity_extra.push((n, list(&extra), unan.contains(&vec![n])));
        open_reach.push((
            n,
            open_path.end == DynamicsEnd::Stable && open_end == vec![n],
        ));
        let unan_end_stable = unan_path.end == DynamicsEnd::Stable && unan.contains(&unan_end);
        unanimity_ends.push((n, format_sizes(&unan_end), unan_end_stable));
    }

    let range = format!("N = {}..{}", p.n_min, p.n_max);
    let mut rows = Vec::new();
    let bad_open: Vec<String> = open_unique
        .iter()
        .filter(|x| !x.1)
        .map(|(n, _, l)| format!("N={n}: {l}"))
        .collect();
    rows.push(check(
        format!("Yi (1996): under open membership global free trade (the grand union) is the unique stable structure ({range})"),
        if bad_open.is_empty() {
            "the grand union is the only stable structure for every N".to_string()
        } else {
            format!("other stable sets: {}", bad_open.join("; "))
        },
        bad_open.is_empty(),
    ));
    let with_extra: Vec<String> = unanimity_extra
        .iter()
        .filter(|x| !x.1.is_empty())
        .map(|(n, l, _)| format!("N={n}: {l}"))
        .collect();
    let without: Vec<String> = unanimity_extra
        .iter()
        .filter(|x| x.1.is_empty())
        .map(|x| x.0.to_string())
        .collect();
    rows.push(check(
        format!(
            "Yi (1996): under unanimous admission, structures short of global free trade can be stable ({range}; stability by {})",
            p.concept.describe()
        ),
        format!(
            "stable besides the grand union: {}; only the grand union for N in [{}]",
            if with_extra.is_empty() { "none".to_string() } else { with_extra.join("; ") },
            without.join(",")
        ),
        !with_extra.is_empty(),
    ));
    rows.push(check(
        "Yi (1996): forming or enlarging a welfare-maximising union raises its members' joint welfare and lowers every non-member's welfare",
        format!("{merges} mergers of two unions checked over all structures, {violations} violations"),
        violations == 0 && merges > 0,
    ));
    let not_reached: Vec<String> = open_reach
        .iter()
        .filter(|x| !x.1)
        .map(|x| x.0.to_string())
        .collect();
    rows.push(check(
        format!("Yi (1996), open regionalism as a stepping stone: join/leave dynamics from all singletons end at global free trade ({range})"),
        if not_reached.is_empty() {
            "every path ends at the grand union".to_string()
        } else {
            format!("not reached for N in [{}]", not_reached.join(","))
        },
        not_reached.is_empty(),
    ));
    let ends: Vec<String> = unanimity_ends
        .iter()
        .map(|(n, e, _)| format!("N={n}: {e}"))
        .collect();
    let blocked = unanimity_ends
        .iter()
        .filter(|(n, e, _)| *e != format_sizes(&[*n]))
        .count();
    rows.push(check(
        format!("Yi (1996), unanimity as a stumbling block: dynamics under unanimous admission can stop short of global free trade ({range})"),
        format!("ends (all stable: {}): {}", unanimity_ends.iter().all(|x| x.2), ends.join("; ")),
        blocked > 0 && unanimity_ends.iter().all(|x| x.2),
    ));

    rows.push(check(
        format!("Yi (1996), unanimity as a stumbling block, under either stability concept: structures short of global free trade are stable with individual accession and with coalition mergers ({range})"),
        format!(
            "short of free trade stable: accession {}, mergers {}; the stable sets differ for {}; this report's other rows use {:?}",
            short_of_free_trade[0],
            short_of_free_trade[1],
            if concepts_differ.is_empty() {
                "no N".to_string()
            } else {
                concepts_differ.join("; ")
            },
            p.concept
        ),
        short_of_free_trade.iter().all(|&x| x),
    ));

    Ok(DockReport {
        name: "yi1996".to_string(),
        rows,
        tables: vec![
            ("stable_structures".to_string(), stable_table),
            ("dynamics_paths".to_string(), path_table),
            ("welfare_by_structure".to_string(), welfare_table),
            ("stable_by_concept".to_string(), concept_table),
        ],
    })
}
