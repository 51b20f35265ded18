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
/// in name order, walked round from `next_start_node_index`, with each node's room left compared with a pod's limits by
/// `Indexes::admits`, which is `Indexes::fits` on precomputed sums); whether a node's
/// labels satisfy a pod's `nodeSelector` is remembered per node and resourceVersion (labels
/// change only with a write), for each distinct selector seen.
#[derive(Default)]
pub struct Scheduler {
    selectors: Vec<BTreeMap<String, String>>,
    /// Per selector, per position in the node walk: the node's resourceVersion and whether
    /// it matched, as `(rv + 1) << 1 | matched` (0: not looked at).
    matched: Vec<Vec<u64>>,
    /// `Indexes::walk_generation` when `matched` was last valid for the walk's positions.
    walk_generation: u64,
    /// `nextStartNodeIndex`: the position in the node list where the next search starts.
    next_start_node_index: usize,
}

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
        // A new kube-scheduler starts its searches at the first node.
        self.next_start_node_index = 0;
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
        let mut candidates: Vec<ObjId> = Vec::new();
        let ix = read.indexes();
        let all = ix.node_count();
        let to_find = num_feasible_nodes_to_find(all);
        let mut processed = 0;
        let need = Need::of(&b.limits);
        if self.walk_generation != ix.walk_generation() {
            // Nodes joined or left: the walk positions the memo is kept by moved.
            self.walk_generation = ix.walk_generation();
            self.matched.iter_mut().for_each(Vec::clear);
        }
        // Not the node the pod avoids; the node it requires, if it names one (a name no
        // node has: none passes).
        let avoid = avoid.flatten();
        let (any, required) = (require.is_none(), require.flatten());
        let walk = ix.walk();
        let memo = &mut self.matched[sel];
        memo.resize(walk.len().max(memo.len()), 0);
        let selector = &self.selectors[sel];
        'search: for (lo, hi) in segments(walk.len(), self.next_start_node_index) {
            for (w, seen) in walk[lo..hi].iter().zip(&mut memo[lo..hi]) {
                processed += 1;
                let id = Some(w.id);
                if id != avoid
                    && (any || id == required)
                    && Indexes::admits(w, &need)
                    && node_matches(seen, selector, w, read)
                {
                    candidates.push(w.id);
                    if candidates.len() == to_find {
                        break 'search;
                    }
                }
            }
        }
        if all > 0 {
            self.next_start_node_index = (self.next_start_node_index + processed) % all;
        }
        if candidates.is_empty() {
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
            candidates.len() as u64 - 1,
        );
        let node = ctx
            .read()
            .obj(candidates[i as usize])
            .map(|n| n.meta.name.clone());
        let mut next = (*pod).clone();
        next.pod_mut().node = node;
        next.pod_mut().unschedulable = false;
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::{num_feasible_nodes_to_find, segments};

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
