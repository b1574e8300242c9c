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
    /// The moving country.
    pub country: usize,
    /// The union it joins (canonical label before the move), or `None`
    /// to stand alone.
    pub target: Option<usize>,
    /// Its welfare gain.
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
    let mut cur = canonical(start);
    let mut visited = vec![cur.clone()];
    let mut seen = HashSet::from([cur.clone()]);
    for _ in 0..max_steps {
        let moves = profitable_moves(&cur, welfare, rule);
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
