//! The narrated event log: each membership change, round and shock as one sentence.

use blocs_core::model::{DecisionRule, InstitutionSel, World};
use blocs_core::scheduler::{Cause, LogMove, LogRow, RoundRecord};

use crate::session::agreement_name;

/// One sentence of the log.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Line {
    /// Tick.
    pub tick: u32,
    /// `move`, `round`, `shock` or `start`: the page styles them apart.
    pub kind: &'static str,
    /// The sentence, starting with the tick.
    pub text: String,
}

/// Sentences for log rows and rounds, in the order they happened (within a tick, rounds
/// come after the moves, as the phases run).
pub fn lines(world: &World, log: &[LogRow], rounds: &[RoundRecord]) -> Vec<Line> {
    let name =
        |c: Option<u32>| c.map_or_else(String::new, |c| world.countries[c as usize].name.clone());
    let inst = |i: Option<InstitutionSel>| match i {
        Some(InstitutionSel::M) => "M".to_string(),
        Some(InstitutionSel::G) => "G".to_string(),
        Some(InstitutionSel::Agreement(k)) => agreement_name(world, k),
        None => String::new(),
    };
    let mut out = Vec::new();
    let mut r = 0;
    let mut i = 0;
    let flush_rounds = |out: &mut Vec<Line>, r: &mut usize, upto: u32| {
        while *r < rounds.len() && rounds[*r].tick < upto {
            out.push(round_line(world, &rounds[*r]));
            *r += 1;
        }
    };
    while i < log.len() {
        let row = &log[i];
        flush_rounds(&mut out, &mut r, row.tick);
        if row.cause == Cause::Initial {
            // The starting state in one sentence rather than one per membership.
            let start = i;
            while i < log.len() && log[i].cause == Cause::Initial {
                i += 1;
            }
            let rows = &log[start..i];
            let in_m = rows.iter().filter(|x| x.what == LogMove::JoinM).count();
            let blocs: std::collections::BTreeSet<u32> = rows
                .iter()
                .filter_map(|x| match x.institution {
                    Some(InstitutionSel::Agreement(k)) => Some(k),
                    _ => None,
                })
                .collect();
            out.push(Line {
                tick: 0,
                kind: "start",
                text: format!(
                    "tick 0: {} countries; {} of them start in M, and {} agreement{} exist{}.",
                    world.n(),
                    in_m,
                    blocs.len(),
                    if blocs.len() == 1 { "" } else { "s" },
                    if blocs.len() == 1 { "s" } else { "" },
                ),
            });
            continue;
        }
        let t = row.tick;
        let who = name(row.country);
        let shock = row.cause == Cause::Event;
        let by = if shock { " (scheduled shock)" } else { "" };
        let text = match row.what {
            LogMove::Form => {
                // A Form is logged as two rows, one per founder.
                let other = log
                    .get(i + 1)
                    .filter(|n| n.what == LogMove::Form && n.institution == row.institution);
                if other.is_some() {
                    i += 1;
                }
                format!(
                    "tick {t}: {who} and {} found a new {} ({}).",
                    name(other.and_then(|o| o.country)),
                    kind_of(world, row.institution),
                    inst(row.institution)
                )
            }
            LogMove::Bridge => {
                // A bridge is logged as one row per member: one sentence for them all.
                let mut members = 1;
                while log
                    .get(i + 1)
                    .is_some_and(|n| n.what == LogMove::Bridge && n.institution == row.institution)
                {
                    i += 1;
                    members += 1;
                }
                let parents = match row.institution {
                    Some(InstitutionSel::Agreement(k)) => world.agreements[k as usize].bridge(),
                    _ => None,
                };
                match parents {
                    Some([a, b]) => format!(
                        "tick {t}: {} and {} build a bridge, a free-trade agreement of their {members} members ({}).",
                        agreement_name(world, a),
                        agreement_name(world, b),
                        inst(row.institution)
                    ),
                    None => format!(
                        "tick {t}: {} is founded as a bridge.",
                        inst(row.institution)
                    ),
                }
            }
            LogMove::Join if row.institution == Some(InstitutionSel::M) => {
                format!("tick {t}: {who} joins M{by}.")
            }
            LogMove::Join => format!("tick {t}: {who} joins {}{by}.", inst(row.institution)),
            LogMove::Leave => format!("tick {t}: {who} leaves {}{by}.", inst(row.institution)),
            LogMove::Dissolve => format!(
                "tick {t}: {} dissolves, and {who}, its last member, is left outside.",
                inst(row.institution)
            ),
            LogMove::JoinM => format!("tick {t}: {who} joins M{by}."),
            LogMove::LeaveM => format!("tick {t}: {who} leaves M{by}."),
            LogMove::JoinG => format!("tick {t}: {who} joins G{by}."),
            LogMove::LeaveG => format!("tick {t}: {who} leaves G{by}."),
            LogMove::TariffWall => format!(
                "tick {t}: shock: {who} walls its market with a tariff of {}.",
                row.value.as_deref().unwrap_or("?")
            ),
            LogMove::GdpShift => format!(
                "tick {t}: shock: {who}'s GDP is multiplied by {}.",
                row.value.as_deref().unwrap_or("?")
            ),
            LogMove::Lock => {
                format!(
                    "tick {t}: shock: {who} is locked out: it will not rejoin M by its own choice."
                )
            }
            LogMove::SetRule => format!(
                "tick {t}: shock: {}'s rule becomes {}.",
                inst(row.institution),
                row.value.as_deref().unwrap_or("?")
            ),
        };
        let kind = if shock { "shock" } else { "move" };
        out.push(Line {
            tick: t,
            kind,
            text,
        });
        i += 1;
    }
    flush_rounds(&mut out, &mut r, u32::MAX);
    out
}

fn kind_of(world: &World, i: Option<InstitutionSel>) -> &'static str {
    match i {
        Some(InstitutionSel::Agreement(k)) => match world.agreements[k as usize].spec.kind {
            blocs_core::model::Kind::Fta => "free-trade agreement",
            blocs_core::model::Kind::CustomsUnion => "customs union",
        },
        _ => "agreement",
    }
}

fn round_line(world: &World, r: &RoundRecord) -> Line {
    let t = r.tick;
    let goal = format!(
        "the round to cut t_M from {} to {}",
        short(r.from),
        short(r.proposal)
    );
    let text = if r.passed {
        format!("tick {t}: {goal} passes ({} members).", r.members)
    } else if r.noise_failed {
        format!(
            "tick {t}: {goal} fails: the vote carries, but it falls through anyway (gridlock noise)."
        )
    } else {
        let who = r
            .first_no
            .map_or_else(String::new, |c| world.countries[c as usize].name.clone());
        // Rounds are narrated as they happen, so the rule in force now is the round's.
        match world.decision_rule {
            DecisionRule::Consensus => format!(
                "tick {t}: {goal} fails: {who} votes no, and under consensus one no among {} members is enough.",
                r.members
            ),
            DecisionRule::Supermajority(q) => format!(
                "tick {t}: {goal} fails: {} of {} members vote no, more than a supermajority of q = {} allows.",
                r.no_votes,
                r.members,
                short(q)
            ),
        }
    };
    Line {
        tick: t,
        kind: "round",
        text,
    }
}

/// A rate for reading aloud: at most four decimals (0.009999999999999998 is 0.01).
fn short(x: f64) -> String {
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bridge_is_told_in_one_sentence_naming_its_two_agreements() {
        let ron =
            "(countries: Synthetic((countries: 30, regions: 3)), max_ticks: 60, initial_m: None,
            regional: (new_rule: Majority, bridges: true, bridge_reach: inf))";
        let spec = blocs_core::config::Scenario::parse(ron, std::path::Path::new("t"))
            .unwrap()
            .validate(std::path::Path::new("t"))
            .unwrap();
        let result = blocs_core::scheduler::run_world(&spec, 3, 1);
        let told = lines(&result.world, &result.log, &[]);
        let bridges: Vec<&Line> = told
            .iter()
            .filter(|l| l.text.contains("build a bridge"))
            .collect();
        let founded = result
            .world
            .agreements
            .iter()
            .filter(|a| a.bridge().is_some())
            .count();
        assert!(founded > 0);
        assert_eq!(bridges.len(), founded, "one sentence per bridge");
        let [a, b] = result
            .world
            .agreements
            .iter()
            .find_map(|a| a.bridge())
            .unwrap();
        let first = &bridges[0].text;
        assert!(
            first.contains(&agreement_name(&result.world, a))
                && first.contains(&agreement_name(&result.world, b)),
            "{first}"
        );
    }
}
