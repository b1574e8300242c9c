//! Undirected networks of bilateral agreements: pairwise stability
//! (Jackson & Wolinsky 1996), enumeration up to isomorphism, myopic dynamics.

use std::collections::{BTreeSet, HashSet, VecDeque};

/// Largest supported number of countries (edges live in a `u64`).
pub const MAX_NODES: usize = 8;

/// A simple undirected graph on at most [`MAX_NODES`] nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Graph {
    n: u8,
    mask: u64,
}

fn bit(i: usize, j: usize) -> u64 {
    let (a, b) = if i < j { (i, j) } else { (j, i) };
    1u64 << (a * MAX_NODES + b)
}

impl Graph {
    /// The empty network on `n` nodes; `None` if `n` exceeds [`MAX_NODES`].
    pub fn empty(n: usize) -> Option<Self> {
        (n <= MAX_NODES).then_some(Self {
            n: n as u8,
            mask: 0,
        })
    }

    /// The complete network on `n` nodes.
    pub fn complete(n: usize) -> Option<Self> {
        let mut g = Self::empty(n)?;
        for (i, j) in g.pairs() {
            g = g.with_edge(i, j, true);
        }
        Some(g)
    }

    /// Number of nodes.
    pub fn n(&self) -> usize {
        usize::from(self.n)
    }

    /// Whether `i` and `j` are linked (false for a loop or a missing node).
    pub fn has_edge(&self, i: usize, j: usize) -> bool {
        i != j && i < self.n() && j < self.n() && self.mask & bit(i, j) != 0
    }

    /// A copy with the link `ij` set to `present`; loops and links to
    /// missing nodes leave the graph unchanged.
    pub fn with_edge(&self, i: usize, j: usize, present: bool) -> Self {
        if i == j || i >= self.n() || j >= self.n() {
            return *self;
        }
        let mask = if present {
            self.mask | bit(i, j)
        } else {
            self.mask & !bit(i, j)
        };
        Self { n: self.n, mask }
    }

    /// Number of links of node `i`.
    pub fn degree(&self, i: usize) -> usize {
        (0..self.n()).filter(|&j| self.has_edge(i, j)).count()
    }

    /// Number of links.
    pub fn edge_count(&self) -> usize {
        self.mask.count_ones() as usize
    }

    /// All unordered pairs `(i, j)`, `i < j`, in lexicographic order.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let n = self.n();
        (0..n)
            .flat_map(|i| (i + 1..n).map(move |j| (i, j)))
            .collect()
    }

    /// Links as `(i, j)` pairs with `i < j`.
    pub fn edges(&self) -> Vec<(usize, usize)> {
        self.pairs()
            .into_iter()
            .filter(|&(i, j)| self.has_edge(i, j))
            .collect()
    }

    /// Connected components, each sorted, ordered by smallest node.
    pub fn components(&self) -> Vec<Vec<usize>> {
        let n = self.n();
        let mut seen = vec![false; n];
        let mut out = Vec::new();
        for start in 0..n {
            if seen[start] {
                continue;
            }
            let mut comp = vec![start];
            seen[start] = true;
            let mut k = 0;
            while k < comp.len() {
                let v = comp[k];
                for (w, flag) in seen.iter_mut().enumerate() {
                    if !*flag && self.has_edge(v, w) {
                        *flag = true;
                        comp.push(w);
                    }
                }
                k += 1;
            }
            comp.sort_unstable();
            out.push(comp);
        }
        out
    }

    /// Canonical representative of the isomorphism class: the smallest edge
    /// mask over all relabelings that list nodes by non-decreasing degree.
    ///
    /// Restricting to degree-sorted relabelings keeps the form invariant
    /// (isomorphisms preserve degrees) while skipping most permutations.
    pub fn canonical(&self) -> Self {
        let n = self.n();
        let deg: Vec<usize> = (0..n).map(|i| self.degree(i)).collect();
        let mut sorted = deg.clone();
        sorted.sort_unstable();
        let mut best = u64::MAX;
        let mut label = [0usize; MAX_NODES];
        self.canon_rec(0, 0, &deg, &sorted, &mut label, &mut best);
        Self {
            n: self.n,
            mask: best,
        }
    }

    fn canon_rec(
        &self,
        pos: usize,
        used: u32,
        deg: &[usize],
        sorted: &[usize],
        label: &mut [usize; MAX_NODES],
        best: &mut u64,
    ) {
        let n = self.n();
        if pos == n {
            let mut mask = 0u64;
            for (i, j) in self.edges() {
                mask |= bit(label[i], label[j]);
            }
            *best = (*best).min(mask);
            return;
        }
        for v in 0..n {
            if used & (1 << v) == 0 && deg[v] == sorted[pos] {
                label[v] = pos;
                self.canon_rec(pos + 1, used | (1 << v), deg, sorted, label, best);
            }
        }
    }

    /// Short human-readable name: unions of cliques as `K4+K1`, else the
    /// degree sequence and the link list.
    pub fn describe(&self) -> String {
        let n = self.n();
        if self.edge_count() == 0 {
            return format!("empty ({n} isolated)");
        }
        let comps = self.components();
        let all_cliques = comps.iter().all(|c| {
            c.iter()
                .all(|&i| c.iter().all(|&j| i == j || self.has_edge(i, j)))
        });
        if all_cliques {
            let mut sizes: Vec<usize> = comps.iter().map(Vec::len).collect();
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            if sizes.len() == 1 {
                return format!("complete K{n}");
            }
            let parts: Vec<String> = sizes.iter().map(|s| format!("K{s}")).collect();
            return parts.join("+");
        }
        let mut degs: Vec<usize> = (0..n).map(|i| self.degree(i)).collect();
        degs.sort_unstable_by(|a, b| b.cmp(a));
        let links: Vec<String> = self
            .edges()
            .iter()
            .map(|(i, j)| format!("{i}-{j}"))
            .collect();
        format!("degrees {degs:?}, links {}", links.join(" "))
    }
}

/// Tolerance for "strictly better": welfare differences below this are ties.
fn tol(w: f64) -> f64 {
    1e-12 * (1.0 + w.abs())
}

/// Whether moving from `g` to the neighbour `h` (one link toggled between
/// `i` and `j`) is an improving move: a deletion that one end strictly
/// gains from, or an addition that one end strictly gains from and the
/// other does not lose from.
fn is_improving(added: bool, before: &[f64], after: &[f64], i: usize, j: usize) -> bool {
    let gains = |k: usize| after[k] > before[k] + tol(before[k]);
    let no_loss = |k: usize| after[k] >= before[k] - tol(before[k]);
    if added {
        (gains(i) && no_loss(j)) || (gains(j) && no_loss(i))
    } else {
        gains(i) || gains(j)
    }
}

/// Networks reachable from `g` by one improving move, in lexicographic
/// order of the toggled pair.
pub fn improving_moves<F: Fn(&Graph) -> Vec<f64>>(g: &Graph, payoff: &F) -> Vec<Graph> {
    let before = payoff(g);
    g.pairs()
        .into_iter()
        .filter_map(|(i, j)| improving_toggle(g, &before, payoff, i, j))
        .collect()
}

fn improving_toggle<F: Fn(&Graph) -> Vec<f64>>(
    g: &Graph,
    before: &[f64],
    payoff: &F,
    i: usize,
    j: usize,
) -> Option<Graph> {
    let added = !g.has_edge(i, j);
    let h = g.with_edge(i, j, added);
    let after = payoff(&h);
    is_improving(added, before, &after, i, j).then_some(h)
}

/// Pairwise stability (Jackson & Wolinsky 1996): no end of a link strictly
/// gains by cutting it, and no absent link would make one end strictly
/// better off without hurting the other.
pub fn is_pairwise_stable<F: Fn(&Graph) -> Vec<f64>>(g: &Graph, payoff: &F) -> bool {
    let before = payoff(g);
    // Stops at the first improving move: most networks fail early.
    g.pairs()
        .into_iter()
        .all(|(i, j)| improving_toggle(g, &before, payoff, i, j).is_none())
}

/// One representative per isomorphism class of graphs on `n` nodes,
/// in canonical form, sorted by (links, mask).
///
/// Built by adding one link at a time to every class of the previous size,
/// which reaches every class because deleting any link of a graph gives a
/// graph of the previous size.
pub fn all_classes(n: usize) -> Vec<Graph> {
    let Some(empty) = Graph::empty(n) else {
        return Vec::new();
    };
    let mut level: BTreeSet<Graph> = BTreeSet::from([empty]);
    let mut all: Vec<Graph> = level.iter().copied().collect();
    let max_edges = n * n.saturating_sub(1) / 2;
    for _ in 0..max_edges {
        let next: BTreeSet<Graph> = level
            .iter()
            .flat_map(|g| {
                g.pairs()
                    .into_iter()
                    .filter(|&(i, j)| !g.has_edge(i, j))
                    .map(|(i, j)| g.with_edge(i, j, true).canonical())
            })
            .collect();
        all.extend(next.iter().copied());
        level = next;
    }
    all
}

/// How a myopic dynamic ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathEnd {
    /// Reached a pairwise-stable network.
    Stable,
    /// Revisited a network: an improving cycle.
    Cycle,
    /// Stopped at the step limit.
    StepLimit,
}

/// The networks visited by a myopic dynamic and how it ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// Visited networks, starting network first.
    pub visited: Vec<Graph>,
    /// How the dynamic stopped.
    pub end: PathEnd,
}

/// Myopic link dynamics: from `start`, repeatedly take the first improving
/// move in lexicographic pair order until none is left.
pub fn myopic_path<F: Fn(&Graph) -> Vec<f64>>(start: Graph, payoff: &F, max_steps: usize) -> Path {
    let mut visited = vec![start];
    let mut seen = HashSet::from([start]);
    let mut g = start;
    for _ in 0..max_steps {
        let Some(&next) = improving_moves(&g, payoff).first() else {
            return Path {
                visited,
                end: PathEnd::Stable,
            };
        };
        visited.push(next);
        if !seen.insert(next) {
            return Path {
                visited,
                end: PathEnd::Cycle,
            };
        }
        g = next;
    }
    Path {
        visited,
        end: PathEnd::StepLimit,
    }
}

/// Isomorphism classes reachable from `start` by some sequence of improving
/// moves (any order), as canonical graphs in sorted order.
///
/// Improving moves commute with relabeling, so exploring classes is exact.
pub fn reachable_classes<F: Fn(&Graph) -> Vec<f64>>(start: Graph, payoff: &F) -> Vec<Graph> {
    let first = start.canonical();
    let mut seen = BTreeSet::from([first]);
    let mut queue = VecDeque::from([first]);
    while let Some(g) = queue.pop_front() {
        for h in improving_moves(&g, payoff) {
            let c = h.canonical();
            if seen.insert(c) {
                queue.push_back(c);
            }
        }
    }
    seen.into_iter().collect()
}

/// The core's Cournot FTA formulas read a network through this trait.
impl crate::docking::cournot::Network for Graph {
    fn n(&self) -> usize {
        Graph::n(self)
    }

    fn degree(&self, i: usize) -> usize {
        Graph::degree(self, i)
    }

    fn has_edge(&self, i: usize, j: usize) -> bool {
        Graph::has_edge(self, i, j)
    }
}
