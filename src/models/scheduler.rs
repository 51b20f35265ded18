//! kube-scheduler, reduced to binding: a pending pod goes to a node that is schedulable,
//! is not the node its anti-affinity excludes, matches its required node if any, and has
//! capacity left for the pod's limits. Among several candidates the choice stream picks.
//! Left out: scoring, taints and tolerations, preemption; an unschedulable pod just waits.

use crate::engine::{Choice, ChoiceKind};
use crate::kube::{
    Ctx, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult, Reconciler, ResourceList,
};

pub struct Scheduler;

fn used_on(read: Reader<'_>, node: &str) -> ResourceList {
    let mut used = ResourceList::new();
    for (_, p) in read.list_all(Kind::Pod) {
        let b = p.pod();
        if b.node.as_deref() == Some(node)
            && matches!(b.phase, PodPhase::Pending | PodPhase::Running)
        {
            used = used.add(&b.limits);
        }
    }
    used
}

impl Reconciler for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    fn primary(&self) -> Kind {
        Kind::Pod
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
        let candidates: Vec<String> = read
            .list_all(Kind::Node)
            .filter(|(_, n)| {
                let name = &n.meta.name;
                !n.node().unschedulable
                    && b.avoid_node.as_deref() != Some(name.as_str())
                    && b.require_node.as_deref().is_none_or(|r| r == name)
                    && used_on(read, name)
                        .add(&b.limits)
                        .fits_within(&n.node().capacity)
            })
            .map(|(_, n)| n.meta.name.clone())
            .collect();
        if candidates.is_empty() {
            let name = pod.meta.key();
            let nodes = read.list_all(Kind::Node).count();
            ctx.log(|| format!("FailedScheduling {name}: 0/{nodes} nodes are available"));
            return Ok(Outcome::Done);
        }
        let i = ctx.choices.pick(
            Choice::new(ChoiceKind::Candidate, ctx.actor as u32),
            0,
            candidates.len() as u64 - 1,
        );
        let mut next = (*pod).clone();
        next.pod_mut().node = Some(candidates[i as usize].clone());
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}
