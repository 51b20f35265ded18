//! kube-scheduler, reduced to binding: a pending pod goes to a node that is schedulable and
//! Ready, carries every label of the pod's `nodeSelector`, has no `NoSchedule` taint the pod
//! does not tolerate (virt-launcher pods tolerate none, so the drain taint
//! `kubevirt.io/drain` keeps them off), is not the node its anti-affinity excludes, matches
//! its required node if any, and has capacity left for the pod's limits. Among several
//! candidates the choice stream picks. A pod that fits nowhere gets the condition
//! `PodScheduled=False` (reason Unschedulable) and waits for a node change.
//! Left out: scoring, preemption, other taints and tolerations.

use crate::engine::{Choice, ChoiceKind};
use crate::kube::object::PodBody;
use crate::kube::{
    Ctx, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult, Reconciler, ResourceList,
};
use crate::models::kubevirt::node_labeller::matches;
use std::collections::BTreeMap;

pub struct Scheduler;

/// What the pods bound to each node use, in one pass over the pods.
fn used_per_node(read: Reader<'_>) -> BTreeMap<&str, ResourceList> {
    let mut used: BTreeMap<&str, ResourceList> = BTreeMap::new();
    for (_, p) in read.list_all(Kind::Pod) {
        let b = p.pod();
        if let (Some(n), PodPhase::Pending | PodPhase::Running) = (b.node.as_deref(), b.phase) {
            let e = used.entry(n).or_default();
            *e = e.add(&b.limits);
        }
    }
    used
}

/// Whether the scheduler may bind the pod to the node (capacity aside).
pub fn fits(pod: &PodBody, node: &Obj) -> bool {
    let n = node.node();
    let name = node.meta.name.as_str();
    !n.unschedulable
        && n.ready
        && !n.drain_taint
        && pod.avoid_node.as_deref() != Some(name)
        && pod.require_node.as_deref().is_none_or(|r| r == name)
        && matches(&node.meta.labels, &pod.node_selector)
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

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::Pod if obj.pod().node.is_none() => out.push(id),
            // A node change may make a waiting pod schedulable.
            Kind::Node => out.extend(
                read.list_all(Kind::Pod)
                    .filter(|(_, p)| p.pod().node.is_none())
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
        let used = used_per_node(read);
        let none = ResourceList::new();
        let candidates: Vec<String> = read
            .list_all(Kind::Node)
            .filter(|(_, n)| {
                fits(b, n)
                    && used
                        .get(n.meta.name.as_str())
                        .unwrap_or(&none)
                        .add(&b.limits)
                        .fits_within(&n.node().capacity)
            })
            .map(|(_, n)| n.meta.name.clone())
            .collect();
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
        let mut next = (*pod).clone();
        next.pod_mut().node = Some(candidates[i as usize].clone());
        next.pod_mut().unschedulable = false;
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}
