//! The kubelets of all nodes as one process (a simplification: they share a watch and a
//! work queue, but each pod's start and completion timing is drawn on its own).
//! A bound pod starts after a chosen delay and becomes Ready; a virt-launcher pod whose VMI
//! has migrated away (or come back to the node in a newer pod) completes (Succeeded) some
//! seconds later, and counts in quota
//! `status.used` until then. A pod with a readiness probe (a guest the upgrade polls, the
//! repo VM) turns Ready only after its guest has booted. A pod deleted while its
//! containers run (kube-apiserver marks it, `ApiServer::delete`) is removed once they have
//! stopped, `timing.pod_termination` later, with a DELETE of grace period 0 (the kubelet's
//! status manager); it holds its node's resources and its quota until then. Left out: image
//! pulls, liveness probes, container restarts.

use crate::engine::{ChoiceKind, SimDuration, SimTime};
use crate::kube::{
    Ctx, Deadlines, Indexers, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult,
    Reconciler,
};
use std::collections::BTreeMap;

pub struct Kubelet {
    pod_start: (SimDuration, SimDuration),
    guest_boot: (SimDuration, SimDuration),
    cleanup: (SimDuration, SimDuration),
    termination: (SimDuration, SimDuration),
    due: BTreeMap<ObjId, SimTime>,
    /// Terminating pods: when their containers have stopped.
    terminating: Deadlines,
}

impl Kubelet {
    pub fn new(pod_start: (SimDuration, SimDuration), cleanup: (SimDuration, SimDuration)) -> Self {
        Kubelet {
            pod_start,
            guest_boot: (SimDuration::from_secs(20), SimDuration::from_secs(40)),
            cleanup,
            termination: (SimDuration::from_millis(500), SimDuration::from_secs(5)),
            due: BTreeMap::new(),
            terminating: Deadlines::default(),
        }
    }

    /// How long a deleted pod's containers take to stop before the kubelet removes it.
    pub fn with_pod_termination(mut self, range: (SimDuration, SimDuration)) -> Self {
        self.termination = range;
        self
    }

    /// Waits until a per-pod deadline drawn once; true when it has passed.
    fn wait(
        &mut self,
        key: ObjId,
        ctx: &mut Ctx<'_>,
        kind: ChoiceKind,
        range: (SimDuration, SimDuration),
    ) -> Option<Outcome> {
        let due = match self.due.get(&key) {
            Some(&t) => t,
            None => {
                let d = ctx.pick_duration(kind, range);
                self.due.insert(key, ctx.now + d);
                return Some(Outcome::RequeueAfter(d));
            }
        };
        if ctx.now < due {
            return Some(Outcome::RequeueAfter(due - ctx.now));
        }
        self.due.remove(&key);
        None
    }
}

impl Kubelet {
    /// How long a probed guest takes to boot until its readiness probe passes.
    pub fn with_guest_boot(mut self, range: (SimDuration, SimDuration)) -> Self {
        self.guest_boot = range;
        self
    }
}

impl Reconciler for Kubelet {
    fn name(&self) -> &'static str {
        "kubelet"
    }

    fn primary(&self) -> Kind {
        Kind::Pod
    }

    fn watches(&self) -> Vec<Kind> {
        vec![Kind::Pod, Kind::VirtualMachineInstance]
    }

    fn indexers(&self) -> Indexers {
        Indexers::PODS_BY_VMI
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::Pod => out.push(id),
            Kind::VirtualMachineInstance => out.extend(
                read.in_name_order(
                    read.indexes()
                        .pods_of_vmi(&obj.meta.namespace, &obj.meta.name),
                )
                .into_iter()
                .filter(|(_, p)| p.pod().vmi == obj.meta.name && p.pod().phase == PodPhase::Running)
                .map(|(i, _)| i),
            ),
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(pod) = ctx.read().by_id(key) else {
            self.due.remove(&key);
            self.terminating.forget(key);
            return Ok(Outcome::Done);
        };
        let b = pod.pod();
        let Some(node) = b.node.clone() else {
            return Ok(Outcome::Done);
        };
        if let Some(deleted) = pod.meta.deletion_timestamp {
            self.due.remove(&key);
            if !pod.meta.finalizers.is_empty() {
                return Ok(Outcome::Done);
            }
            // Its containers stop, then the status manager deletes it for good.
            let kind = ChoiceKind::PodCleanup;
            if let Some(left) = self
                .terminating
                .left(key, deleted, ctx, kind, self.termination)
            {
                return Ok(Outcome::RequeueAfter(left));
            }
            let (ns, name) = (pod.meta.namespace.clone(), pod.meta.name.clone());
            return match ctx.delete_now(Kind::Pod, &ns, &name) {
                Ok(_) | Err(crate::kube::ApiError::NotFound { .. }) => Ok(Outcome::Done),
                Err(e) => Err(e.into()),
            };
        }
        match b.phase {
            PodPhase::Pending => {
                if let Some(o) = self.wait(key, ctx, ChoiceKind::PodStart, self.pod_start) {
                    return Ok(o);
                }
                let mut next = (*pod).clone();
                next.pod_mut().phase = PodPhase::Running;
                next.pod_mut().ready = !b.probe;
                ctx.update_status(next)?;
                let name = pod.meta.key();
                ctx.log(|| format!("pod {name} Running on {node}"));
                if b.probe {
                    let d = ctx.pick_duration(ChoiceKind::Operation, self.guest_boot);
                    self.due.insert(key, ctx.now + d);
                    return Ok(Outcome::RequeueAfter(d));
                }
                Ok(Outcome::Done)
            }
            PodPhase::Running if !b.ready && b.probe && b.migration_uid.is_none() => {
                if let Some(o) = self.wait(key, ctx, ChoiceKind::Operation, self.guest_boot) {
                    return Ok(o);
                }
                let mut next = (*pod).clone();
                next.pod_mut().ready = true;
                ctx.update_status(next)?;
                let name = pod.meta.key();
                ctx.log(|| format!("pod {name} Ready: the guest answers its readiness probe"));
                Ok(Outcome::Done)
            }
            PodPhase::Running => {
                let vmi = ctx
                    .read()
                    .get(Kind::VirtualMachineInstance, &pod.meta.namespace, &b.vmi);
                // The VMI left this pod: it runs elsewhere after a completed migration, or it
                // came back to this node in a newer pod (a second migration), which leaves
                // this one's domain shut down all the same (virt-launcher exits when its
                // domain is gone, whatever the VMI does next).
                let migrated = |v: &Obj| {
                    v.vmi()
                        .migration_state
                        .as_ref()
                        .is_some_and(|m| m.completed)
                };
                let moved_away = vmi.as_ref().is_some_and(|v| {
                    migrated(v)
                        && (v.vmi().node != node
                            || ctx
                                .read()
                                .indexes()
                                .pods_of_vmi(&pod.meta.namespace, &b.vmi)
                                .iter()
                                .filter_map(|&i| ctx.read().obj(i))
                                .any(|p| {
                                    p.pod().vmi == b.vmi
                                        && p.meta.creation_timestamp > pod.meta.creation_timestamp
                                        && p.pod().phase == PodPhase::Running
                                        && p.pod().node.as_deref() == Some(node.as_str())
                                }))
                });
                if !moved_away {
                    return Ok(Outcome::Done);
                }
                if let Some(o) = self.wait(key, ctx, ChoiceKind::PodCleanup, self.cleanup) {
                    return Ok(o);
                }
                let mut next = (*pod).clone();
                next.pod_mut().phase = PodPhase::Succeeded;
                next.pod_mut().ready = false;
                ctx.update_status(next)?;
                let name = pod.meta.key();
                ctx.log(|| format!("pod {name} Completed (source of a finished migration)"));
                Ok(Outcome::Done)
            }
            PodPhase::Succeeded | PodPhase::Failed => Ok(Outcome::Done),
        }
    }

    fn reset(&mut self) {
        self.due.clear();
        self.terminating.clear();
    }
}
