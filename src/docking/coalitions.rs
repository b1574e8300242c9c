//! Customs-union coalition structures: stability under open membership and
//! under unanimous admission, and deterministic join/leave dynamics.
//!
//! A structure is a labeling `union_of[i]`; labels are kept canonical
//! (numbered by first appearance) so equal structures compare equal.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

/// Who must agree before a country can join an existing union.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MembershipRule {
    /// Open regionalism: anyone may join any union; nobody is asked.
    Open,
    /// Unanimous regionalism: joining needs the consent of every member
    /// (none may lose); leaving to stand alone is always allowed.
    Unanimity,
}

/// Which changes of a structure count when its stability is judged (and which steps the
/// dynamics take). Leaving to stand alone is always allowed under both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum StabilityConcept {
    /// One country at a time joins another union (under `Unanimity` with the consent of
    /// every member of that union) or stands alone.
    #[default]
    IndividualAccession,
    /// Two whole unions merge. Under `Unanimity` no member of either may lose and one
    /// must gain; under `Open` the members of one of the two must all not lose, one of
    /// them gaining, and the other union is not asked. Single countries may still leave.
    CoalitionMerger,
}

impl StabilityConcept {
    /// Both concepts, default first.
    pub const ALL: [StabilityConcept; 2] = [Self::IndividualAccession, Self::CoalitionMerger];

    /// The concept in words, for reports.
    pub fn describe(self) -> &'static str {
        match self {
            Self::IndividualAccession => {
                "individual accession: one country joins a union, with every member's consent under unanimity, or stands alone"
            }
            Self::CoalitionMerger => {
                "coalition merger: two whole unions merge, with every member's consent under unanimity, or one country stands alone"
            }
        }
    }
}

/// Relabels unions by order of first appearance.
pub fn canonical(union_of: &[usize]) -> Vec<usize> {
    let mut map: Vec<(usize, usize)> = Vec::new();
    union_of
        .iter()
        .map(|&u| {
            if let Some(&(_, c)) = map.iter().find(|(old, _)| *old == u) {
                c
            } else {
                let c = map.len();
                map.push((u, c));
                c
            }
        })
        .collect()
}

/// Union sizes, largest first.
pub fn sizes(union_of: &[usize]) -> Vec<usize> {
    let labels = union_of.iter().copied().max().map_or(0, |m| m + 1);
    let mut s: Vec<usize> = (0..labels)
        .map(|l| union_of.iter().filter(|&&u| u == l).count())
        .filter(|&c| c > 0)
        .collect();
    s.sort_unstable_by(|a, b| b.cmp(a));
    s
}

/// Formats sizes as `{4,1}`.
pub fn format_sizes(s: &[usize]) -> String {
    let parts: Vec<String> = s.iter().map(ToString::to_string).collect();
    format!("{{{}}}", parts.join(","))
}

/// All integer partitions of `n`, parts non-increasing, in reverse
/// lexicographic order (`{n}` first, all singletons last).
pub fn integer_partitions(n: usize) -> Vec<Vec<usize>> {
    fn rec(n: usize, max: usize, prefix: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
        if n == 0 {
            out.push(prefix.clone());
            return;
        }
        for k in (1..=n.min(max)).rev() {
            prefix.push(k);
            rec(n - k, k, prefix, out);
            prefix.pop();
        }
    }
    let mut out = Vec::new();
    rec(n, n, &mut Vec::new(), &mut out);
    out
}

/// A labeled structure with the given union sizes (countries numbered in
/// order, first union first).
pub fn from_sizes(s: &[usize]) -> Vec<usize> {
    s.iter()
        .enumerate()
        .flat_map(|(label, &k)| std::iter::repeat_n(label, k))
        .collect()
}

/// One admissible, strictly profitable move of a single country.
#[derive(Debug, Clone, PartialEq)]
pub struct Move {
    /// The moving country (for a merger, the first member of the union that merges
    /// into the other).
    pub country: usize,
    /// The union it joins (canonical label before the move), or `None`
    /// to stand alone.
    pub target: Option<usize>,
    /// Its welfare gain (for a merger, the mean gain of the two unions' members).
    pub gain: f64,
    /// The structure after the move, canonical.
    pub after: Vec<usize>,
}

fn tol(w: f64) -> f64 {
    1e-12 * (1.0 + w.abs())
}

/// Every admissible move that strictly raises the mover's welfare, ordered
/// by country, then target label, then "alone".
pub fn profitable_moves<F: Fn(&[usize]) -> Vec<f64>>(
    union_of: &[usize],
    welfare: &F,
    rule: MembershipRule,
) -> Vec<Move> {
    profitable_moves_by(
        union_of,
        welfare,
        rule,
        StabilityConcept::IndividualAccession,
    )
}

/// Every admissible profitable move under `concept`: for individual accession as
/// [`profitable_moves`]; for mergers, the profitable mergers by pair of labels, then
/// every country that gains by standing alone, by country.
pub fn profitable_moves_by<F: Fn(&[usize]) -> Vec<f64>>(
    union_of: &[usize],
    welfare: &F,
    rule: MembershipRule,
    concept: StabilityConcept,
) -> Vec<Move> {
    match concept {
        StabilityConcept::IndividualAccession => individual_moves(union_of, welfare, rule),
        StabilityConcept::CoalitionMerger => merger_moves(union_of, welfare, rule),
    }
}

fn merger_moves<F: Fn(&[usize]) -> Vec<f64>>(
    union_of: &[usize],
    welfare: &F,
    rule: MembershipRule,
) -> Vec<Move> {
    let cur = canonical(union_of);
    let before = welfare(&cur);
    let labels = cur.iter().copied().max().map_or(0, |m| m + 1);
    let members = |l: usize| {
        let cur = &cur;
        (0..cur.len()).filter(move |&k| cur[k] == l)
    };
    let mut moves = Vec::new();
    for a in 0..labels {
        for b in a + 1..labels {
            let next: Vec<usize> = cur.iter().map(|&l| if l == b { a } else { l }).collect();
            let after = welfare(&next);
            let gains = |l: usize| members(l).any(|k| after[k] > before[k] + tol(before[k]));
            let no_loss = |l: usize| members(l).all(|k| after[k] >= before[k] - tol(before[k]));
            let agreed = match rule {
                MembershipRule::Unanimity => no_loss(a) && no_loss(b) && (gains(a) || gains(b)),
                MembershipRule::Open => (no_loss(a) && gains(a)) || (no_loss(b) && gains(b)),
            };
            if !agreed {
                continue;
            }
            let movers: Vec<usize> = members(a).chain(members(b)).collect();
            let gain =
                movers.iter().map(|&k| after[k] - before[k]).sum::<f64>() / movers.len() as f64;
            moves.push(Move {
                country: members(b).next().unwrap_or(0),
                target: Some(a),
                gain,
                after: canonical(&next),
            });
        }
    }
    for i in 0..cur.len() {
        if members(cur[i]).count() == 1 {
            continue;
        }
        let mut next = cur.clone();
        next[i] = labels;
        let after = welfare(&next);
        if after[i] > before[i] + tol(before[i]) {
            moves.push(Move {
                country: i,
                target: None,
                gain: after[i] - before[i],
                after: canonical(&next),
            });
        }
    }
    moves
}

fn individual_moves<F: Fn(&[usize]) -> Vec<f64>>(
    union_of: &[usize],
    welfare: &F,
    rule: MembershipRule,
) -> Vec<Move> {
    let cur = canonical(union_of);
    let before = welfare(&cur);
    let labels = cur.iter().copied().max().map_or(0, |m| m + 1);
    let mut moves = Vec::new();
    for i in 0..cur.len() {
        let own = cur[i];
        let alone = cur.iter().filter(|&&u| u == own).count() == 1;
        let targets = (0..labels)
            .filter(|&l| l != own)
            .map(Some)
            .chain((!alone).then_some(None));
        for target in targets {
            let mut next = cur.clone();
            next[i] = target.unwrap_or(labels);
            let after = welfare(&next);
            if after[i] <= before[i] + tol(before[i]) {
                continue;
            }
            if let (MembershipRule::Unanimity, Some(l)) = (rule, target) {
                let consent = (0..cur.len())
                    .filter(|&k| cur[k] == l)
                    .all(|k| after[k] >= before[k] - tol(before[k]));
                if !consent {
                    continue;
                }
            }
            moves.push(Move {
                country: i,
                target,
                gain: after[i] - before[i],
                after: canonical(&next),
            });
        }
    }
    moves
}

/// Whether no country has an admissible profitable move.
pub fn is_stable<F: Fn(&[usize]) -> Vec<f64>>(
    union_of: &[usize],
    welfare: &F,
    rule: MembershipRule,
) -> bool {
    profitable_moves(union_of, welfare, rule).is_empty()
}

/// Whether no admissible profitable move exists under `concept`.
pub fn is_stable_by<F: Fn(&[usize]) -> Vec<f64>>(
    union_of: &[usize],
    welfare: &F,
    rule: MembershipRule,
    concept: StabilityConcept,
) -> bool {
    profitable_moves_by(union_of, welfare, rule, concept).is_empty()
}

/// How join/leave dynamics ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DynamicsEnd {
    /// No admissible profitable move is left.
    Stable,
    /// A structure was revisited.
    Cycle,
    /// The step limit was hit.
    StepLimit,
}

/// Visited structures (canonical labelings) and how the dynamic ended.
#[derive(Debug, Clone, PartialEq)]
pub struct CoalitionPath {
    /// Visited structures, starting one first.
    pub visited: Vec<Vec<usize>>,
    /// How it ended.
    pub end: DynamicsEnd,
}

/// Join/leave dynamics: at each step the admissible move with the largest
/// gain is made (ties go to the first in [`profitable_moves`] order).
pub fn dynamics<F: Fn(&[usize]) -> Vec<f64>>(
    start: &[usize],
    welfare: &F,
    rule: MembershipRule,
    max_steps: usize,
) -> CoalitionPath {
    dynamics_by(
        start,
        welfare,
        rule,
        StabilityConcept::IndividualAccession,
        max_steps,
    )
}

/// [`dynamics`] with the moves of `concept`.
pub fn dynamics_by<F: Fn(&[usize]) -> Vec<f64>>(
    start: &[usize],
    welfare: &F,
    rule: MembershipRule,
    concept: StabilityConcept,
    max_steps: usize,
) -> CoalitionPath {
    let mut cur = canonical(start);
    let mut visited = vec![cur.clone()];
    let mut seen = HashSet::from([cur.clone()]);
    for _ in 0..max_steps {
        let moves = profitable_moves_by(&cur, welfare, rule, concept);
        let Some(best) = moves.iter().fold(None::<&Move>, |acc, m| match acc {
            Some(b) if b.gain >= m.gain => Some(b),
            _ => Some(m),
        }) else {
            return CoalitionPath {
                visited,
                end: DynamicsEnd::Stable,
            };
        };
        cur = best.after.clone();
        visited.push(cur.clone());
        if !seen.insert(cur.clone()) {
            return CoalitionPath {
                visited,
                end: DynamicsEnd::Cycle,
            };
        }
    }
    CoalitionPath {
        visited,
        end: DynamicsEnd::StepLimit,
    }
}
