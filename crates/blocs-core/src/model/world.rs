//! The mutable state of one world and the primitive operations that change it.
//!
//! Every change of state after the world is built goes through [`World::apply`], which
//! returns the inverse operation, so that a hypothetical move can be applied, evaluated
//! and undone exactly, and so that one function lists everything that can change.
//! The pair caches (`pair_count`, `pair_depth`) are kept in step here because every
//! payoff evaluation reads them.

use super::{AccessionRule, AgreementSpec, Country, DecisionRule, Kind, MemberRule};

/// A structural invariant of a [`World`] that does not hold: a bug, never an input error.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BrokenInvariant(pub String);

/// A regional agreement in a running world.
#[derive(Clone, Debug, PartialEq)]
pub struct Agreement {
    /// Kind, depth, rule, reach and members.
    pub spec: AgreementSpec,
    /// Tick it was founded (0 for initial agreements).
    pub founded: u32,
    /// Tick it dissolved, if it did.
    pub dissolved: Option<u32>,
}

impl Agreement {
    /// Members, sorted.
    pub fn members(&self) -> &[u32] {
        &self.spec.members
    }

    /// Whether the agreement still exists.
    pub fn is_live(&self) -> bool {
        self.dissolved.is_none()
    }

    /// The two agreements this one bridges, if it is a bridge.
    pub fn bridge(&self) -> Option<[u32; 2]> {
        self.spec.bridge
    }
}

/// A primitive, invertible change of a world's state.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Op {
    /// Add a country to a live agreement.
    AddMember(u32, u32),
    /// Remove a country from an agreement.
    RemoveMember(u32, u32),
    /// Append a new agreement of the world's template kind with two founding members.
    Found(u32, u32),
    /// Remove the most recently founded agreement (inverse of `Found` and `Bridge`).
    Unfound,
    /// Append a bridge of two live agreements (lower id first): an agreement of the
    /// world's bridge template whose members are the union of theirs.
    Bridge(u32, u32),
    /// Set whether a country is in M.
    SetM(u32, bool),
    /// Set whether a country is in G.
    SetG(u32, bool),
    /// Set M's bound tariff.
    SetTm(f64),
    /// Set or clear a country's tariff wall.
    SetWall(u32, Option<f64>),
    /// Mark an agreement dissolved at a tick, or revive it (`None`).
    SetDissolved(u32, Option<u32>),
    /// Set M's decision rule.
    SetDecisionRule(DecisionRule),
    /// Set M's accession rule.
    SetAccessionRule(AccessionRule),
    /// Set who admits applicants to an agreement.
    SetMemberRule(u32, MemberRule),
    /// Set whether a country is locked out of re-entering M by its own choice.
    SetLocked(u32, bool),
    /// Set a country's GDP. Gravity weights depend on it, so the payoff engine rebuilds
    /// every cache when it commits one.
    SetGdp(u32, f64),
    /// Set the current tick.
    SetTick(u32),
}

/// The state of one world.
#[derive(Clone, Debug)]
pub struct World {
    /// The countries (the agents).
    pub countries: Vec<Country>,
    /// Agreements by id, live or dissolved.
    pub agreements: Vec<Agreement>,
    /// Template of agreements formed during the run.
    pub new_agreement: AgreementSpec,
    /// Template of bridges formed during a run (`Op::Bridge`).
    pub bridge_agreement: AgreementSpec,
    /// Membership of M.
    pub in_m: Vec<bool>,
    /// Membership of G.
    pub in_g: Vec<bool>,
    /// Countries that never re-enter M by their own choice.
    pub locked: Vec<bool>,
    /// Tariff walls.
    pub wall: Vec<Option<f64>>,
    /// M's bound MFN tariff.
    pub t_m: f64,
    /// M's decision rule.
    pub decision_rule: DecisionRule,
    /// M's accession rule.
    pub accession_rule: AccessionRule,
    /// The current tick.
    pub tick: u32,
    /// Distances d_ij, row-major N×N.
    pub dist: Vec<f64>,
    memberships: Vec<Vec<u32>>,
    /// Ids of the live agreements, ascending: agreements are never removed, only
    /// dissolved, so walking `agreements` would visit every dead one each tick.
    live: Vec<u32>,
    cu_of: Vec<Option<u32>>,
    pair_count: Vec<u16>,
    pair_depth: Vec<f64>,
    /// Words of a bit set with one bit per country.
    words: usize,
    /// Each agreement's members as a bit set of `words` words, in step with its member
    /// list: with `near_bits` it answers the Join reach test of every activation by an
    /// AND instead of a scan of the members (`in_reach`).
    member_bits: Vec<u64>,
    /// The distinct reaches of the agreements, as bits. Agreements take their reach from
    /// the initial specs or the two templates, so a world has few.
    reaches: Vec<u64>,
    /// For each of `reaches`, every country's neighbourhood at that reach (the countries
    /// at distance ≤ reach), `words` words each: N × `words` words per reach.
    near_bits: Vec<u64>,
    /// Where each agreement's reach starts in `near_bits`.
    near_at: Vec<usize>,
}

impl World {
    /// A world with the given countries and distances, nobody in anything.
    pub fn new(
        countries: Vec<Country>,
        dist: Vec<f64>,
        [new_agreement, bridge_agreement]: [AgreementSpec; 2],
        t_m: f64,
        decision_rule: DecisionRule,
        accession_rule: AccessionRule,
    ) -> World {
        let n = countries.len();
        assert_eq!(dist.len(), n * n, "distance matrix is N×N");
        World {
            countries,
            agreements: Vec::new(),
            new_agreement,
            bridge_agreement,
            in_m: vec![false; n],
            in_g: vec![false; n],
            locked: vec![false; n],
            wall: vec![None; n],
            t_m,
            decision_rule,
            accession_rule,
            tick: 0,
            dist,
            memberships: vec![Vec::new(); n],
            live: Vec::new(),
            cu_of: vec![None; n],
            pair_count: vec![0; n * n],
            pair_depth: vec![0.0; n * n],
            words: n.div_ceil(64),
            member_bits: Vec::new(),
            reaches: Vec::new(),
            near_bits: Vec::new(),
            near_at: Vec::new(),
        }
    }

    /// Pushes an agreement with no members yet and its reach bookkeeping; the only way
    /// agreements are added.
    fn push_agreement(&mut self, agreement: Agreement) {
        let reach = agreement.spec.reach;
        let (n, words) = (self.n(), self.words);
        let class = match self.reaches.iter().position(|&r| r == reach.to_bits()) {
            Some(class) => class,
            None => {
                self.reaches.push(reach.to_bits());
                let at = self.near_bits.len();
                self.near_bits.resize(at + n * words, 0);
                let near = &mut self.near_bits[at..];
                for (row, dist) in near
                    .chunks_exact_mut(words.max(1))
                    .zip(self.dist.chunks_exact(n.max(1)))
                {
                    for (word, dist) in row.iter_mut().zip(dist.chunks(64)) {
                        *word = dist
                            .iter()
                            .enumerate()
                            .fold(0, |bits, (j, d)| bits | u64::from(*d <= reach) << j);
                    }
                }
                self.reaches.len() - 1
            }
        };
        self.near_at.push(class * n * words);
        self.member_bits
            .resize(self.member_bits.len() + self.words, 0);
        self.agreements.push(agreement);
    }

    /// Whether a member of agreement `k` is within its own reach of a country: the same
    /// answer as [`World::within_reach`] with `agreements[k].spec.reach`, from bit sets.
    #[inline(always)]
    pub fn in_reach(&self, country: u32, agreement: u32) -> bool {
        let words = self.words;
        let k = agreement as usize;
        let near = &self.near_bits[self.near_at[k] + country as usize * words..][..words];
        let members = &self.member_bits[k * words..][..words];
        // One word up to N = 64, as in default worlds: no loop to leave.
        let found = if words == 1 {
            near[0] & members[0] != 0
        } else {
            near.iter().zip(members).any(|(a, b)| a & b != 0)
        };
        debug_assert_eq!(
            found,
            self.within_reach(country, agreement, self.agreements[k].spec.reach)
        );
        found
    }

    fn set_member_bit(&mut self, k: u32, i: u32, on: bool) {
        let word = &mut self.member_bits[k as usize * self.words + i as usize / 64];
        let bit = 1u64 << (i % 64);
        if on {
            *word |= bit;
        } else {
            *word &= !bit;
        }
    }

    /// Number of countries N.
    pub fn n(&self) -> usize {
        self.countries.len()
    }

    /// Ids of the live agreements, ascending.
    pub fn live_agreements(&self) -> &[u32] {
        &self.live
    }

    /// Live agreements of a country, ascending id.
    pub fn memberships(&self, country: u32) -> &[u32] {
        &self.memberships[country as usize]
    }

    /// The customs union a country is in, if any.
    pub fn customs_union_of(&self, country: u32) -> Option<u32> {
        self.cu_of[country as usize]
    }

    /// Number of live agreements both countries are in.
    pub fn shared_count(&self, i: u32, j: u32) -> u16 {
        self.pair_count[i as usize * self.n() + j as usize]
    }

    /// Whether i and j share at least one agreement.
    pub fn share(&self, i: u32, j: u32) -> bool {
        self.shared_count(i, j) > 0
    }

    /// Largest depth of the agreements i and j share (0 if none).
    pub fn shared_depth(&self, i: u32, j: u32) -> f64 {
        self.pair_depth[i as usize * self.n() + j as usize]
    }

    /// Row i of the pair caches: how many agreements i shares with each country, and the
    /// largest depth among them (0 where none), for loops over all partners of i.
    pub fn pair_row(&self, i: u32) -> (&[u16], &[f64]) {
        let n = self.n();
        let range = i as usize * n..(i as usize + 1) * n;
        (&self.pair_count[range.clone()], &self.pair_depth[range])
    }

    /// Distance between two countries.
    pub fn distance(&self, i: u32, j: u32) -> f64 {
        self.dist[i as usize * self.n() + j as usize]
    }

    /// Number of FTAs (not customs unions) a country is in.
    pub fn fta_count(&self, country: u32) -> usize {
        self.memberships(country)
            .iter()
            .filter(|&&k| self.agreements[k as usize].spec.kind == Kind::Fta)
            .count()
    }

    /// Total GDP of the world.
    pub fn total_gdp(&self) -> f64 {
        self.countries.iter().map(|c| c.gdp).sum()
    }

    /// Distance from a country to the nearest member of an agreement.
    pub fn distance_to(&self, country: u32, agreement: u32) -> f64 {
        self.agreements[agreement as usize]
            .members()
            .iter()
            .map(|&m| self.distance(country, m))
            .fold(f64::INFINITY, f64::min)
    }

    /// Whether a member of a live agreement is within `reach` of a country: the same as
    /// `distance_to(country, agreement) <= reach` (distances are finite and a live
    /// agreement has members), but it stops at the first member near enough, which the
    /// candidate moves of every activation ask about every agreement.
    pub fn within_reach(&self, country: u32, agreement: u32, reach: f64) -> bool {
        self.agreements[agreement as usize]
            .members()
            .iter()
            .any(|&m| self.distance(country, m) <= reach)
    }

    /// Smallest distance between a member of agreement `a` and a member of `b`: how far
    /// apart two blocs are for a bridge (ODD.md section 7.4).
    pub fn distance_between(&self, a: u32, b: u32) -> f64 {
        self.agreements[a as usize]
            .members()
            .iter()
            .map(|&m| self.distance_to(m, b))
            .fold(f64::INFINITY, f64::min)
    }

    /// Live bridges one of whose parents is `k`, ascending id.
    pub fn bridges_of(&self, k: u32) -> impl Iterator<Item = (u32, [u32; 2])> + '_ {
        self.agreements
            .iter()
            .enumerate()
            .filter_map(move |(b, a)| match a.bridge() {
                Some(pair) if a.is_live() && pair.contains(&k) => Some((b as u32, pair)),
                _ => None,
            })
    }

    /// The live bridge of agreements `a` and `b`, if there is one.
    pub fn bridge_between(&self, a: u32, b: u32) -> Option<u32> {
        let pair = [a.min(b), a.max(b)];
        self.bridges_of(a).find(|&(_, p)| p == pair).map(|(k, _)| k)
    }

    /// Adds an agreement as it starts a world (used by the builder; not undoable).
    pub fn add_initial_agreement(&mut self, spec: AgreementSpec) {
        let id = u32::try_from(self.agreements.len()).expect("fewer than 2^32 agreements");
        let members = spec.members.clone();
        self.push_agreement(Agreement {
            spec: AgreementSpec {
                members: Vec::new(),
                ..spec
            },
            founded: 0,
            dissolved: None,
        });
        self.live.push(id);
        for m in members {
            self.apply(Op::AddMember(id, m));
        }
    }

    /// Applies a primitive change and returns its inverse.
    pub fn apply(&mut self, op: Op) -> Op {
        match op {
            Op::AddMember(k, i) => {
                let agreement = &mut self.agreements[k as usize];
                let at = agreement
                    .spec
                    .members
                    .binary_search(&i)
                    .expect_err("AddMember of a member");
                agreement.spec.members.insert(at, i);
                let kind = agreement.spec.kind;
                let list = &mut self.memberships[i as usize];
                let at = list.binary_search(&k).expect_err("membership listed once");
                list.insert(at, k);
                if kind == Kind::CustomsUnion {
                    assert!(self.cu_of[i as usize].is_none(), "one customs union each");
                    self.cu_of[i as usize] = Some(k);
                }
                self.pairs_joined(i, k);
                self.set_member_bit(k, i, true);
                Op::RemoveMember(k, i)
            }
            Op::RemoveMember(k, i) => {
                let agreement = &mut self.agreements[k as usize];
                let at = agreement
                    .spec
                    .members
                    .binary_search(&i)
                    .expect("RemoveMember of a member");
                agreement.spec.members.remove(at);
                let kind = agreement.spec.kind;
                let list = &mut self.memberships[i as usize];
                let at = list.binary_search(&k).expect("membership listed");
                list.remove(at);
                if kind == Kind::CustomsUnion {
                    self.cu_of[i as usize] = None;
                }
                self.pairs_left(i, k);
                self.set_member_bit(k, i, false);
                Op::AddMember(k, i)
            }
            Op::Found(i, j) => {
                let id = u32::try_from(self.agreements.len()).expect("fewer than 2^32 agreements");
                let mut spec = self.new_agreement.clone();
                spec.members = Vec::new();
                self.push_agreement(Agreement {
                    spec,
                    founded: self.tick,
                    dissolved: None,
                });
                self.live.push(id);
                self.apply(Op::AddMember(id, i));
                self.apply(Op::AddMember(id, j));
                Op::Unfound
            }
            Op::Bridge(a, b) => {
                let id = u32::try_from(self.agreements.len()).expect("fewer than 2^32 agreements");
                let mut members = self.agreements[a as usize].spec.members.clone();
                members.extend_from_slice(self.agreements[b as usize].members());
                members.sort_unstable();
                members.dedup();
                let mut spec = self.bridge_agreement.clone();
                spec.members = Vec::new();
                spec.bridge = Some([a, b]);
                // Named after its parents, so that agreements.csv shows what it links.
                spec.name = format!("bridge {a}+{b}");
                self.push_agreement(Agreement {
                    spec,
                    founded: self.tick,
                    dissolved: None,
                });
                self.live.push(id);
                for m in members {
                    self.apply(Op::AddMember(id, m));
                }
                Op::Unfound
            }
            Op::Unfound => {
                let id = u32::try_from(self.agreements.len() - 1).expect("an agreement");
                let members = self.agreements[id as usize].spec.members.clone();
                assert!(members.len() >= 2, "Unfound undoes a Found or a Bridge");
                for m in members.into_iter().rev() {
                    self.apply(Op::RemoveMember(id, m));
                }
                self.agreements.pop();
                self.near_at.pop();
                self.member_bits
                    .truncate(self.agreements.len() * self.words);
                if self.live.last() == Some(&id) {
                    self.live.pop();
                }
                Op::Found(0, 0) // Never replayed: founding is undone, not redone.
            }
            Op::SetM(i, on) => Op::SetM(i, std::mem::replace(&mut self.in_m[i as usize], on)),
            Op::SetG(i, on) => Op::SetG(i, std::mem::replace(&mut self.in_g[i as usize], on)),
            Op::SetTm(t) => Op::SetTm(std::mem::replace(&mut self.t_m, t)),
            Op::SetWall(i, rate) => {
                Op::SetWall(i, std::mem::replace(&mut self.wall[i as usize], rate))
            }
            Op::SetDissolved(k, at) => {
                let was = std::mem::replace(&mut self.agreements[k as usize].dissolved, at);
                match (self.live.binary_search(&k), at) {
                    (Ok(pos), Some(_)) => {
                        self.live.remove(pos);
                    }
                    (Err(pos), None) => self.live.insert(pos, k),
                    _ => {}
                }
                Op::SetDissolved(k, was)
            }
            Op::SetDecisionRule(rule) => {
                Op::SetDecisionRule(std::mem::replace(&mut self.decision_rule, rule))
            }
            Op::SetAccessionRule(rule) => {
                Op::SetAccessionRule(std::mem::replace(&mut self.accession_rule, rule))
            }
            Op::SetMemberRule(k, rule) => Op::SetMemberRule(
                k,
                std::mem::replace(&mut self.agreements[k as usize].spec.rule, rule),
            ),
            Op::SetLocked(i, on) => {
                Op::SetLocked(i, std::mem::replace(&mut self.locked[i as usize], on))
            }
            Op::SetGdp(i, gdp) => Op::SetGdp(
                i,
                std::mem::replace(&mut self.countries[i as usize].gdp, gdp),
            ),
            Op::SetTick(tick) => Op::SetTick(std::mem::replace(&mut self.tick, tick)),
        }
    }

    /// Updates the pair caches between `i` and the other members of `k` after i entered k.
    fn pairs_joined(&mut self, i: u32, k: u32) {
        let n = self.n();
        let depth = self.agreements[k as usize].spec.depth;
        for &m in &self.agreements[k as usize].spec.members {
            if m != i {
                for idx in [i as usize * n + m as usize, m as usize * n + i as usize] {
                    self.pair_count[idx] += 1;
                    self.pair_depth[idx] = self.pair_depth[idx].max(depth);
                }
            }
        }
    }

    /// Updates the pair caches between `i` and the remaining members of `k` after i left
    /// k; the largest shared depth is searched again only where k may have held it.
    fn pairs_left(&mut self, i: u32, k: u32) {
        let n = self.n();
        let depth = self.agreements[k as usize].spec.depth;
        let members = std::mem::take(&mut self.agreements[k as usize].spec.members);
        for &m in &members {
            let idx = i as usize * n + m as usize;
            self.pair_count[idx] -= 1;
            self.pair_count[m as usize * n + i as usize] -= 1;
            if self.pair_count[idx] == 0 {
                self.pair_depth[idx] = 0.0;
                self.pair_depth[m as usize * n + i as usize] = 0.0;
            } else if self.pair_depth[idx] <= depth {
                self.refresh_pair(i, m);
            }
        }
        self.agreements[k as usize].spec.members = members;
    }

    fn refresh_pair(&mut self, i: u32, j: u32) {
        let (mut count, mut depth) = (0u16, 0.0f64);
        let (a, b) = (&self.memberships[i as usize], &self.memberships[j as usize]);
        let (mut x, mut y) = (0, 0);
        while x < a.len() && y < b.len() {
            match a[x].cmp(&b[y]) {
                std::cmp::Ordering::Less => x += 1,
                std::cmp::Ordering::Greater => y += 1,
                std::cmp::Ordering::Equal => {
                    count += 1;
                    depth = depth.max(self.agreements[a[x] as usize].spec.depth);
                    x += 1;
                    y += 1;
                }
            }
        }
        let n = self.n();
        for idx in [i as usize * n + j as usize, j as usize * n + i as usize] {
            self.pair_count[idx] = count;
            self.pair_depth[idx] = depth;
        }
    }

    /// GDP-weighted mean ideal point of a set of countries.
    pub fn mean_ideal(&self, members: impl Iterator<Item = u32>) -> [f64; 2] {
        let (mut sx, mut sy, mut sw) = (0.0, 0.0, 0.0);
        for m in members {
            let c = &self.countries[m as usize];
            sx += c.gdp * c.ideal[0];
            sy += c.gdp * c.ideal[1];
            sw += c.gdp;
        }
        if sw > 0.0 {
            [sx / sw, sy / sw]
        } else {
            [0.0, 0.0]
        }
    }

    /// Members of M, ascending.
    pub fn m_members(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.n() as u32).filter(|&i| self.in_m[i as usize])
    }

    /// Number of members of M.
    pub fn m_count(&self) -> usize {
        self.in_m.iter().filter(|&&b| b).count()
    }

    /// Whether agreement `k` admits new members under `rule` (for tests and metrics).
    pub fn rule_of(&self, k: u32) -> MemberRule {
        self.agreements[k as usize].spec.rule
    }

    /// Checks every structural invariant; used by tests and the incremental check mode.
    pub fn check_invariants(&self) -> Result<(), BrokenInvariant> {
        self.invariants().map_err(BrokenInvariant)
    }

    fn invariants(&self) -> Result<(), String> {
        let n = self.n() as u32;
        let live =
            (0..self.agreements.len() as u32).filter(|&k| self.agreements[k as usize].is_live());
        if !live.eq(self.live.iter().copied()) {
            return Err(format!("live agreement list {:?} is stale", self.live));
        }
        let block = self.n() * self.words;
        let classes = self.near_at.iter().zip(&self.agreements);
        if self.member_bits.len() != self.agreements.len() * self.words
            || self.near_at.len() != self.agreements.len()
            || classes
                .into_iter()
                .any(|(&at, a)| self.reaches[at / block.max(1)] != a.spec.reach.to_bits())
        {
            return Err("the reach bit sets are out of step with the agreements".into());
        }
        for (k, a) in self.agreements.iter().enumerate() {
            let k = k as u32;
            let m = a.members();
            if a.is_live() && m.len() < 2 {
                return Err(format!("agreement {k} is live with {} members", m.len()));
            }
            if !a.is_live() && !m.is_empty() {
                return Err(format!("agreement {k} is dissolved but has members"));
            }
            if m.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("agreement {k} members not sorted/unique"));
            }
            for &c in m {
                if c >= n || !self.memberships[c as usize].contains(&k) {
                    return Err(format!("agreement {k} lists {c}, who does not list it"));
                }
            }
            let bits = &self.member_bits[k as usize * self.words..][..self.words];
            let from_bits = (0..n).filter(|&c| bits[c as usize / 64] >> (c % 64) & 1 == 1);
            if !from_bits.eq(m.iter().copied()) {
                return Err(format!("agreement {k}'s member bits are stale"));
            }
            if let (Some([p, q]), true) = (a.bridge(), a.is_live()) {
                let (pa, qa) = (&self.agreements[p as usize], &self.agreements[q as usize]);
                let mut union = pa.spec.members.clone();
                union.extend_from_slice(qa.members());
                union.sort_unstable();
                union.dedup();
                if !pa.is_live() || !qa.is_live() || p >= q || union != m {
                    return Err(format!(
                        "bridge {k} of {p} and {q} does not hold their members"
                    ));
                }
            }
        }
        for c in 0..n {
            let list = &self.memberships[c as usize];
            let cus = list
                .iter()
                .filter(|&&k| self.agreements[k as usize].spec.kind == Kind::CustomsUnion)
                .count();
            if cus > 1 {
                return Err(format!("country {c} is in {cus} customs unions"));
            }
            // `Sim::candidates` walks these beside the live list.
            if list.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("country {c}'s agreements not sorted/unique"));
            }
            for &k in list {
                if self.agreements[k as usize]
                    .members()
                    .binary_search(&c)
                    .is_err()
                {
                    return Err(format!(
                        "country {c} lists agreement {k}, which does not list it"
                    ));
                }
            }
            for d in 0..n {
                if c == d {
                    continue;
                }
                let shared = list
                    .iter()
                    .filter(|k| self.memberships[d as usize].contains(k))
                    .count();
                if shared != usize::from(self.shared_count(c, d)) {
                    return Err(format!("pair cache of ({c},{d}) is stale"));
                }
            }
        }
        Ok(())
    }
}
