//! kube-scheduler, reduced to binding: a pending pod goes to a node that is schedulable and
//! Ready, carries every label of the pod's `nodeSelector`, has no `NoSchedule` taint the pod
//! does not tolerate (virt-launcher pods tolerate none, so the drain taint
//! `kubevirt.io/drain` keeps them off), is not the node its anti-affinity excludes, matches
//! its required node if any, and has capacity left for the pod's limits. Among several
//! candidates the choice stream picks. A pod that fits nowhere gets the condition
//! `PodScheduled=False` (reason Unschedulable) and waits for a node change.
//! Left out: scoring, preemption, other taints and tolerations.

use crate::engine::{Choice, ChoiceKind};
use crate::kube::index::NodeInfo;
use crate::kube::{Ctx, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult, Reconciler};
use crate::models::kubevirt::node_labeller::matches;
use std::collections::BTreeMap;

/// The scheduler's nodes and per-node usage are its cache's (kube-scheduler's `NodeInfo`
/// with `Requested`, kept as nodes change and pods are bound and finish: `Indexes::nodes`,
/// `Indexes::usage_of`, compared with a pod's limits by `Indexes::fits`); whether a node's
/// labels satisfy a pod's `nodeSelector` is remembered per node and resourceVersion (labels
/// change only with a write), for each distinct selector seen.
#[derive(Default)]
pub struct Scheduler {
    selectors: Vec<BTreeMap<String, String>>,
    /// Per selector, per node id: the node's resourceVersion and whether it matched.
    matched: Vec<Vec<Option<(u64, bool)>>>,
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

    /// Whether the node's labels match the selector, its object read only when its
    /// resourceVersion moved since the last look.
    fn node_matches(&mut self, sel: usize, id: ObjId, rv: u64, read: Reader<'_>) -> bool {
        let memo = &mut self.matched[sel];
        let i = id.0 as usize;
        if memo.len() <= i {
            memo.resize(i + 1, None);
        }
        match memo[i] {
            Some((v, m)) if v == rv => m,
            _ => {
                let m = read
                    .obj(id)
                    .is_some_and(|n| matches(&n.meta.labels, &self.selectors[sel]));
                memo[i] = Some((rv, m));
                m
            }
        }
    }
}

/// Whether the scheduler may bind the pod to the node (capacity and `nodeSelector` aside):
/// `avoid` and `require` are the ids of the pod's excluded and required nodes, where it
/// names one (`Some(None)`: a name no node ever had).
fn fits_but_selector(
    n: &NodeInfo,
    id: ObjId,
    avoid: Option<Option<ObjId>>,
    require: Option<Option<ObjId>>,
) -> bool {
    !n.unschedulable
        && n.ready
        && !n.drain_taint
        && avoid.is_none_or(|a| a != Some(id))
        && require.is_none_or(|r| r == Some(id))
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

    fn indexed(&self) -> bool {
        true
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
        // The nodes the pod names, by id, so the filter compares ids, not names.
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
        for (id, n) in ix.nodes() {
            if fits_but_selector(n, id, avoid, require)
                && self.node_matches(sel, id, n.resource_version, read)
                && ix.fits(n, &b.limits)
            {
                candidates.push(id);
            }
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
