//! kube-scheduler, reduced to binding: a pending pod goes to a node that is schedulable and
//! Ready, carries every label of the pod's `nodeSelector`, has no `NoSchedule` taint the pod
//! does not tolerate (virt-launcher pods tolerate none, so the drain taint
//! `kubevirt.io/drain` keeps them off), is not the node its anti-affinity excludes, matches
//! its required node if any, and has capacity left for the pod's limits. A pod that fits
//! nowhere gets the condition `PodScheduled=False` (reason Unschedulable) and waits for a
//! node change.
//!
//! Which nodes are filtered is kubernetes v1.30 `pkg/scheduler/schedule_one.go` (RKE2
//! v1.30, Harvester v1.4): `findNodesThatPassFilters` stops once it has found
//! `numFeasibleNodesToFind` feasible nodes (every node below `minFeasibleNodesToFind` =
//! 100 nodes; else `percentageOfNodesToScore`, unset in RKE2, taken as 50 - nodes/125
//! percent, at least `minFeasibleNodesPercentageToFind` = 5, and at least 100 nodes), and
//! each pod's search starts where the last one stopped (`findNodesThatFitPod`'s
//! `nextStartNodeIndex`, advanced by the nodes processed, feasible and not). A cluster of
//! at most 100 nodes is searched whole from its first node, every time. Among the feasible
//! nodes found the choice stream picks: scoring is not modelled, so it stands for the
//! scores and their random tie-break (`selectHost`).
//!
//! Left out: scoring, preemption and the nominated node, other taints and tolerations, the
//! filter's parallelism (nodes are checked one after another, so the search stops right at
//! the last node it needs), and the node tree's order (zones round-robin, nodes in the
//! order they were added): nodes are walked in name order.

use crate::engine::{Choice, ChoiceKind};
use crate::kube::index::{Indexes, Need, WalkNode};
use crate::kube::{
    Ctx, Indexers, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult, Reconciler,
};
use crate::models::kubevirt::node_labeller::matches;
use std::collections::BTreeMap;

/// The scheduler's nodes and per-node usage are its cache's (kube-scheduler's `NodeInfo`
/// with `Requested`, kept as nodes change and pods are bound and finish: `Indexes::walk`
/// in name order, walked round from `next_start_node_index`, with each node's room left
/// compared with a pod's limits by `Indexes::admits`, which is `Indexes::fits` on
/// precomputed sums). Whether a node's labels satisfy a pod's `nodeSelector` is remembered
/// per node and resourceVersion (labels change only with a write), for each distinct
/// selector seen; and which nodes pass both the room and the selector filters is kept per
/// class of pods (one selector and one set of limits: a VM's pods share it) as a bit per
/// walk position, brought up to date from the walk's change log before each search. A
/// search then counts bits a word at a time in the walk's order and picks among them, so
/// it finds the nodes a node-by-node filter would, in the same order, and stops at the
/// same node.
#[derive(Default)]
pub struct Scheduler {
    selectors: Vec<BTreeMap<String, String>>,
    /// Per selector, per position in the node walk: the node's resourceVersion and whether
    /// it matched, as `(rv + 1) << 1 | matched` (0: not looked at).
    matched: Vec<Vec<u64>>,
    /// Per class of pods: which walk positions pass its filters.
    classes: Vec<Class>,
    /// `Indexes::walk_generation` when `matched` and `classes` were last valid for the
    /// walk's positions.
    walk_generation: u64,
    /// `nextStartNodeIndex`: the position in the node list where the next search starts.
    next_start_node_index: usize,
}

/// The nodes that pass the room and `nodeSelector` filters for pods of one selector and
/// one need.
struct Class {
    selector: usize,
    need: Need,
    /// Bit `p % 64` of word `p / 64`: the node at walk position `p` passes.
    feasible: Vec<u64>,
    /// `Indexes::walk_changes` when `feasible` was last brought up to date.
    changes: u64,
}

/// At most this many classes are kept; past it, all are dropped and built again as pods
/// need them (a scenario with many distinct VM sizes costs a full look per search then,
/// as before there were classes).
const MAX_CLASSES: usize = 64;

/// kube-scheduler v1.30 `minFeasibleNodesToFind`.
const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// kube-scheduler v1.30 `minFeasibleNodesPercentageToFind`.
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND: usize = 5;

/// kube-scheduler v1.30 `numFeasibleNodesToFind` with `percentageOfNodesToScore` unset
/// (0): how many feasible nodes end the search in a cluster of `all` nodes.
fn num_feasible_nodes_to_find(all: usize) -> usize {
    if all < MIN_FEASIBLE_NODES_TO_FIND {
        return all;
    }
    let percentage = 50usize
        .saturating_sub(all / 125)
        .max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND);
    (all * percentage / 100).max(MIN_FEASIBLE_NODES_TO_FIND)
}

impl Scheduler {
    pub fn new() -> Self {
        Self::default()
    }

    fn selector_index(&mut self, selector: &BTreeMap<String, String>) -> usize {
        match self.selectors.iter().position(|s| s == selector) {
            Some(i) => i,
            None => {
                self.selectors.push(selector.clone());
                self.matched.push(Vec::new());
                self.selectors.len() - 1
            }
        }
    }

    /// The class of pods of this selector and need (its index in `classes`), its feasible
    /// bits brought up to date with the walk.
    fn class(&mut self, sel: usize, need: Need, ix: &Indexes, read: Reader<'_>) -> usize {
        let walk = ix.walk();
        let memo = &mut self.matched[sel];
        memo.resize(walk.len().max(memo.len()), 0);
        let selector = &self.selectors[sel];
        let bit = |memo: &mut [u64], at: usize| {
            let w = &walk[at];
            Indexes::admits(w, &need) && node_matches(&mut memo[at], selector, w, read)
        };
        let at = match self
            .classes
            .iter()
            .position(|c| c.selector == sel && c.need == need)
        {
            Some(at) => at,
            None => {
                if self.classes.len() == MAX_CLASSES {
                    self.classes.clear();
                }
                self.classes.push(Class {
                    selector: sel,
                    need,
                    feasible: Vec::new(),
                    // Never a count the log still reaches: built whole below.
                    changes: u64::MAX,
                });
                self.classes.len() - 1
            }
        };
        let c = &mut self.classes[at];
        match ix.walk_changed_since(c.changes) {
            Some(changed) if c.feasible.len() == walk.len().div_ceil(64) => {
                for &p in changed {
                    let p = p as usize;
                    let (word, b) = (p / 64, 1u64 << (p % 64));
                    if bit(memo, p) {
                        c.feasible[word] |= b;
                    } else {
                        c.feasible[word] &= !b;
                    }
                }
            }
            _ => {
                c.feasible.clear();
                c.feasible.resize(walk.len().div_ceil(64), 0);
                for p in 0..walk.len() {
                    if bit(memo, p) {
                        c.feasible[p / 64] |= 1 << (p % 64);
                    }
                }
            }
        }
        c.changes = ix.walk_changes();
        at
    }
}

/// Where the search stands: the feasible node it looks for (by its number among those met,
/// from 0) was found at a walk position, or it was not and this many were met.
enum Found {
    At(usize),
    Met(usize),
}

/// Which positions of a walk may count: all but one (the node a pod avoids, if any), or
/// only one (the node it requires; `usize::MAX` where no node has its name).
#[derive(Clone, Copy)]
enum Filter {
    Avoid(Option<usize>),
    Only(usize),
}

/// The `k`th (from 0) set bit of `bits` that the filter lets count at a position in
/// `lo..hi`, or how many there are when fewer.
fn nth_in(bits: &[u64], lo: usize, hi: usize, filter: Filter, k: usize) -> Found {
    let avoid = match filter {
        Filter::Avoid(p) => p,
        Filter::Only(p) => {
            let set = (lo..hi).contains(&p) && bits[p / 64] >> (p % 64) & 1 == 1;
            return match (set, k) {
                (true, 0) => Found::At(p),
                (true, _) => Found::Met(1),
                (false, _) => Found::Met(0),
            };
        }
    };
    let mut met = 0;
    let mut at = lo;
    while at < hi {
        let word = at / 64;
        let end = ((word + 1) * 64).min(hi);
        // The bits of positions at..end of this word.
        let span = end - at;
        let mask = if span == 64 {
            u64::MAX
        } else {
            ((1u64 << span) - 1) << (at % 64)
        };
        let mut w = bits[word] & mask;
        if let Some(p) = avoid.filter(|p| p / 64 == word) {
            w &= !(1 << (p % 64));
        }
        let n = w.count_ones() as usize;
        if met + n > k {
            for _ in 0..k - met {
                w &= w - 1;
            }
            return Found::At(word * 64 + w.trailing_zeros() as usize);
        }
        met += n;
        at = end;
    }
    Found::Met(met)
}

/// The `k`th (from 0) feasible node of a walk of `n` nodes round from `start` (its
/// position), or how many feasible nodes it met (fewer), with the positions walked until
/// it was found (all `n` when not).
fn nth_feasible(bits: &[u64], n: usize, start: usize, filter: Filter, k: usize) -> (Found, usize) {
    let mut met = 0;
    let mut walked = 0;
    for (lo, hi) in segments(n, start) {
        match nth_in(bits, lo, hi, filter, k - met) {
            Found::At(p) => return (Found::At(p), walked + p - lo + 1),
            Found::Met(m) => {
                met += m;
                walked += hi - lo;
            }
        }
    }
    (Found::Met(met), walked)
}

/// A walk of `n` nodes from position `start` (modulo `n`) round to the one before, as the
/// two position ranges it covers in turn (`lo..hi`), so each is walked as one slice.
fn segments(n: usize, start: usize) -> [(usize, usize); 2] {
    let at = start.checked_rem(n).unwrap_or(0);
    [(at, n), (0, at)]
}

/// Whether the node (at its position's entry of `memo`) has labels that match the
/// selector, its object read only when its resourceVersion moved since the last look.
fn node_matches(
    memo: &mut u64,
    selector: &BTreeMap<String, String>,
    w: &WalkNode,
    read: Reader<'_>,
) -> bool {
    // The resourceVersion plus one, so that 0 is never a looked-at node's.
    let seen = w.resource_version.wrapping_add(1);
    if *memo >> 1 == seen {
        return *memo & 1 == 1;
    }
    let m = read
        .obj(w.id)
        .is_some_and(|n| matches(&n.meta.labels, selector));
    *memo = seen << 1 | u64::from(m);
    m
}

impl Reconciler for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    fn primary(&self) -> Kind {
        Kind::Pod
    }

    fn watches(&self) -> Vec<Kind> {
        vec![Kind::Pod, Kind::Node]
    }

    fn indexers(&self) -> Indexers {
        Indexers::UNBOUND_PODS | Indexers::NODES
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::Pod if obj.pod().node.is_none() => out.push(id),
            // A node change may make a waiting pod schedulable.
            Kind::Node => out.extend(
                read.in_name_order(read.indexes().unbound_pods())
                    .into_iter()
                    .map(|(i, _)| i),
            ),
            _ => {}
        }
    }

    fn reset(&mut self) {
        // A new kube-scheduler starts its searches at the first node; its cache starts
        // empty, with a new walk whose change log the classes did not follow.
        self.next_start_node_index = 0;
        self.classes.clear();
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(pod) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        let b = pod.pod();
        if b.node.is_some() || b.phase != PodPhase::Pending || pod.meta.deletion_timestamp.is_some()
        {
            return Ok(Outcome::Done);
        }
        let sel = self.selector_index(&b.node_selector);
        // The nodes the pod names, by id, so the filter compares ids, not names
        // (`Some(None)`: a name no node ever had).
        let avoid = b
            .avoid_node
            .as_deref()
            .map(|n| read.id_of(Kind::Node, "", n));
        let require = b
            .require_node
            .as_deref()
            .map(|n| read.id_of(Kind::Node, "", n));
        let ix = read.indexes();
        let all = ix.node_count();
        let need = Need::of(&b.limits);
        if self.walk_generation != ix.walk_generation() {
            // Nodes joined or left: the walk positions the memo and the classes are kept
            // by moved.
            self.walk_generation = ix.walk_generation();
            self.matched.iter_mut().for_each(Vec::clear);
            self.classes.clear();
        }
        // Not the node the pod avoids; the node it requires, if it names one (a name no
        // live node has: none passes).
        let avoided = avoid.flatten().and_then(|id| ix.walk_position(id));
        let filter = match require {
            None => Filter::Avoid(avoided),
            Some(required) => {
                let at = required.and_then(|id| ix.walk_position(id));
                Filter::Only(at.filter(|&p| Some(p) != avoided).unwrap_or(usize::MAX))
            }
        };
        let start = self.next_start_node_index;
        let class = self.class(sel, need, ix, read);
        let feasible = &self.classes[class].feasible;
        // The search stops at the `numFeasibleNodesToFind`th feasible node.
        let to_find = num_feasible_nodes_to_find(all);
        let (found, processed) = match to_find {
            0 => (Found::Met(0), 0),
            _ => nth_feasible(feasible, all, start, filter, to_find - 1),
        };
        let candidates = match found {
            Found::At(_) => to_find,
            Found::Met(m) => m,
        };
        if all > 0 {
            self.next_start_node_index = (self.next_start_node_index + processed) % all;
        }
        if candidates == 0 {
            if !b.unschedulable {
                let name = pod.meta.key();
                let nodes = read.list_all(Kind::Node).count();
                ctx.log(|| format!("FailedScheduling {name}: 0/{nodes} nodes are available"));
                let mut next = (*pod).clone();
                next.pod_mut().unschedulable = true;
                ctx.update_status(next)?;
            }
            return Ok(Outcome::Done);
        }
        let i = ctx.choices.pick(
            Choice::new(ChoiceKind::Candidate, ctx.actor as u32),
            0,
            candidates as u64 - 1,
        );
        let read = ctx.read();
        let ix = read.indexes();
        let feasible = &self.classes[class].feasible;
        let Found::At(at) = nth_feasible(feasible, all, start, filter, i as usize).0 else {
            unreachable!("the search met more feasible nodes than the one picked")
        };
        let node = read.obj(ix.walk()[at].id).map(|n| n.meta.name.clone());
        let mut next = (*pod).clone();
        next.pod_mut().node = node;
        next.pod_mut().unschedulable = false;
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::{nth_feasible, num_feasible_nodes_to_find, segments, Filter, Found};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// kube-scheduler's filter as a node-by-node loop: the feasible positions met walking
    /// round from `start` until `to_find` are found, and the positions walked.
    fn node_by_node(
        feasible: &[bool],
        start: usize,
        filter: Filter,
        to_find: usize,
    ) -> (Vec<usize>, usize) {
        let mut found = Vec::new();
        let mut walked = 0;
        for (lo, hi) in segments(feasible.len(), start) {
            for (p, &ok) in feasible.iter().enumerate().take(hi).skip(lo) {
                walked += 1;
                let passes = match filter {
                    Filter::Avoid(a) => Some(p) != a,
                    Filter::Only(o) => p == o,
                };
                if ok && passes {
                    found.push(p);
                    if found.len() == to_find {
                        return (found, walked);
                    }
                }
            }
        }
        (found, walked)
    }

    #[test]
    fn a_search_by_bits_finds_the_nodes_a_node_by_node_filter_finds_and_stops_where_it_does() {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        for _ in 0..3000 {
            let n = rng.random_range(1..300usize);
            let density = rng.random_range(0.0..1.0);
            let feasible: Vec<bool> = (0..n).map(|_| rng.random_bool(density)).collect();
            let mut bits = vec![0u64; n.div_ceil(64)];
            for (p, _) in feasible.iter().enumerate().filter(|(_, &f)| f) {
                bits[p / 64] |= 1 << (p % 64);
            }
            // The start may be past the end (the walk shrank); it is taken modulo.
            let start = rng.random_range(0..2 * n);
            let filter = match rng.random_range(0..4) {
                0 => Filter::Avoid(None),
                1 => Filter::Avoid(Some(rng.random_range(0..n))),
                2 => Filter::Only(rng.random_range(0..n)),
                _ => Filter::Only(usize::MAX),
            };
            let to_find = rng.random_range(1..=n);
            let (want, walked) = node_by_node(&feasible, start, filter, to_find);
            let (found, got_walked) = nth_feasible(&bits, n, start, filter, to_find - 1);
            assert_eq!(got_walked, walked, "positions walked, n {n} start {start}");
            match found {
                Found::At(p) => assert_eq!((want.len(), Some(&p)), (to_find, want.last())),
                Found::Met(m) => assert_eq!(m, want.len()),
            }
            // Each node met is found again by its number, as the pick reads it.
            for (k, &p) in want.iter().enumerate() {
                let Found::At(at) = nth_feasible(&bits, n, start, filter, k).0 else {
                    panic!("feasible node {k} of {} not found", want.len());
                };
                assert_eq!(at, p);
            }
        }
    }

    #[test]
    fn a_search_walks_round_from_its_start_position_to_the_one_before() {
        let walk = |n, start| {
            segments(n, start)
                .into_iter()
                .flat_map(|(lo, hi)| lo..hi)
                .collect::<Vec<_>>()
        };
        assert_eq!(walk(3, 0), [0, 1, 2]);
        assert_eq!(walk(3, 2), [2, 0, 1]);
        // The start is taken modulo the nodes (the node list may have shrunk).
        assert_eq!(walk(3, 4), [1, 2, 0]);
        assert_eq!(walk(0, 5), Vec::<usize>::new());
    }

    #[test]
    fn clusters_of_up_to_100_nodes_are_searched_whole() {
        for all in [0, 1, 3, 99, 100] {
            assert_eq!(num_feasible_nodes_to_find(all), all);
        }
    }

    #[test]
    fn larger_clusters_stop_at_the_adaptive_percentage_of_their_nodes() {
        // 50 - nodes/125 percent: 47% of 400, 42% of 1,000, 10% of 5,000.
        assert_eq!(num_feasible_nodes_to_find(400), 188);
        assert_eq!(num_feasible_nodes_to_find(1000), 420);
        assert_eq!(num_feasible_nodes_to_find(5000), 500);
        // Never fewer than 100 nodes, nor less than 5%.
        assert_eq!(num_feasible_nodes_to_find(101), 100);
        assert_eq!(num_feasible_nodes_to_find(10_000), 500);
        assert_eq!(num_feasible_nodes_to_find(20_000), 1000);
    }
}
