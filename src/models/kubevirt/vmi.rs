//! KubeVirt's VirtualMachineInstance controller (`pkg/virt-controller/watch/vmi.go`, v1.3),
//! reduced to starting a VMI: once every claim of its VM is bound it creates the
//! virt-launcher pod; the VMI is Scheduled when the pod is bound to a node, and Running
//! when the pod runs. A final or deleted VMI's launcher pods are deleted, the target pod of
//! a migration it completed included (a pod belongs to the VMI uid of its
//! `kubevirt.io/created-by`, so a restarted VMI's pods are not the old one's).
//!
//! Like KubeVirt it keeps pod-creation expectations (in memory, lost with the process): after
//! creating a VMI's pod it creates no other until its informer shows that one.
//!
//! A VMI carries `foregroundDeleteVirtualMachine`: a deleted VMI's guest shuts down
//! (Succeeded), its launcher pods are deleted, and once none is left the finalizer is
//! removed and the VMI goes (`sync`, `updateStatus` in `vmi.go` at v1.3.1).
//!
//! Simplifications: the step from Scheduled to Running is virt-handler's in KubeVirt (the
//! domain starts); here it follows the pod. A claim that does not exist or is not bound
//! holds the VMI Pending (KubeVirt creates the pod and the scheduler holds it; the VM reads
//! WaitingForVolumeBinding either way). A launcher pod is deleted rather than completed, and
//! at once: no graceful termination, so a deleted VMI goes within a few reconciles, where a
//! real launcher pod takes seconds to terminate.

use super::launcher::{launcher_pod, LauncherConfig, LABEL_CREATED_BY};
use super::virt_handler::LABEL_NODE_NAME;
use crate::engine::{ChoiceKind, SimDuration};
use crate::kube::object::PvcPhase;
use crate::kube::workqueue::RateLimiterKind;
use crate::kube::{
    Ctx, Deadlines, Indexers, Kind, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileResult,
    Reconciler, VmiPhase,
};
use std::collections::BTreeSet;

/// `virtv1.VirtualMachineInstanceFinalizer` (kubevirt v1.3.1
/// `staging/src/kubevirt.io/api/core/v1/types.go`): holds a deleted VMI until its guest has
/// shut down and its launcher pods are gone.
pub const VMI_FINALIZER: &str = "foregroundDeleteVirtualMachine";

pub struct VmiController {
    launcher: LauncherConfig,
    /// VMIs (by uid) whose launcher pod was created but not yet seen in the pod informer:
    /// KubeVirt's pod expectations, so a stale cache does not create a second pod.
    expecting_pod: BTreeSet<String>,
    /// How long a guest takes to shut down once its VMI is deleted.
    guest_shutdown: (SimDuration, SimDuration),
    /// Deleted VMIs whose guest is shutting down: when it is down.
    shutting_down: Deadlines,
}

impl VmiController {
    pub fn new(launcher: LauncherConfig) -> Self {
        VmiController {
            launcher,
            expecting_pod: BTreeSet::new(),
            guest_shutdown: (SimDuration::from_secs(2), SimDuration::from_secs(30)),
            shutting_down: Deadlines::default(),
        }
    }

    /// How long a guest takes to shut down once its VMI is deleted.
    pub fn with_guest_shutdown(mut self, range: (SimDuration, SimDuration)) -> Self {
        self.guest_shutdown = range;
        self
    }
}

/// The VMI's own virt-launcher pods (not migration targets), in name order.
fn launcher_pods<'a>(read: Reader<'a>, ns: &str, vmi: &'a str) -> Vec<(ObjId, &'a Obj)> {
    read.in_name_order(read.indexes().pods_of_vmi(ns, vmi))
        .into_iter()
        .filter(|(_, p)| p.pod().vmi == vmi && p.pod().migration_uid.is_none())
        .map(|(i, p)| (i, &**p))
        .collect()
}

/// Every virt-launcher pod of VMIs named `vmi`, migration targets included (after a
/// migration the VMI runs in its target pod), in name order.
fn all_pods<'a>(read: Reader<'a>, ns: &str, vmi: &'a str) -> Vec<(ObjId, &'a Obj)> {
    read.in_name_order(read.indexes().pods_of_vmi(ns, vmi))
        .into_iter()
        .filter(|(_, p)| p.pod().vmi == vmi)
        .map(|(i, p)| (i, &**p))
        .collect()
}

impl Reconciler for VmiController {
    fn name(&self) -> &'static str {
        "virt-controller-vmi"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachineInstance
    }

    fn watches(&self) -> Vec<Kind> {
        vec![
            Kind::VirtualMachineInstance,
            Kind::Pod,
            Kind::VirtualMachine,
            Kind::PersistentVolumeClaim,
        ]
    }

    fn indexers(&self) -> Indexers {
        Indexers::PODS_BY_VMI
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        let ns = &obj.meta.namespace;
        match obj.kind() {
            Kind::VirtualMachineInstance => {
                out.push(id);
                if obj.meta.deletion_timestamp.is_some() {
                    out.extend(all_pods(read, ns, &obj.meta.name).iter().map(|(i, _)| *i));
                }
            }
            Kind::Pod if !obj.pod().vmi.is_empty() => {
                out.push(id);
                out.extend(read.id_of(Kind::VirtualMachineInstance, ns, &obj.pod().vmi));
            }
            Kind::PersistentVolumeClaim => out.extend(
                read.list(Kind::VirtualMachine, ns)
                    .filter(|(_, vm)| vm.vm().claims.iter().any(|c| *c == obj.meta.name))
                    .filter_map(|(_, vm)| {
                        read.id_of(Kind::VirtualMachineInstance, ns, &vm.meta.name)
                    }),
            ),
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(obj) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        let ns = obj.meta.namespace.clone();
        if obj.kind() == Kind::Pod {
            // A launcher pod outlives neither its VMI nor the VMI's end.
            let vmi = ctx
                .read()
                .get(Kind::VirtualMachineInstance, &ns, &obj.pod().vmi);
            // Its VMI is the one that created it (`kubevirt.io/created-by`): a VMI of the
            // same name made since (a restart) is another.
            let created_by = obj.label(LABEL_CREATED_BY);
            let done = vmi.is_none_or(|v| {
                v.vmi().phase.is_final() || created_by.is_some_and(|u| u != v.meta.uid)
            });
            if done && obj.meta.deletion_timestamp.is_none() {
                ctx.delete(Kind::Pod, &ns, &obj.meta.name)?;
            }
            return Ok(Outcome::Done);
        }
        let vmi = obj;
        let b = vmi.vmi();
        if let (Some(deleted), false) = (vmi.meta.deletion_timestamp, b.phase.is_final()) {
            // The guest shuts down (virt-handler's graceful shutdown and its report once the
            // domain is gone, folded in here as the start is): the VMI stays, not final, for
            // the shutdown, then Succeeded; the finalizer holds it meanwhile.
            let kind = ChoiceKind::Operation;
            if let Some(left) =
                self.shutting_down
                    .left(key, deleted, ctx, kind, self.guest_shutdown)
            {
                return Ok(Outcome::RequeueAfter(left));
            }
            let mut next = (*vmi).clone();
            next.vmi_mut().phase = VmiPhase::Succeeded;
            ctx.update_status(next)?;
            let key = vmi.meta.key();
            ctx.log(|| format!("VMI {key} shut down: it is being deleted"));
            return Ok(Outcome::Done);
        }
        if b.phase.is_final() {
            self.expecting_pod.remove(vmi.meta.uid.as_str());
            // `allPodsDeleted`: its pods, terminating ones too, must be gone;
            // `deleteAllMatchingPods` skips those already being deleted.
            let pods: Vec<(String, bool)> = all_pods(ctx.read(), &ns, &vmi.meta.name)
                .iter()
                .filter(|(_, p)| p.label(LABEL_CREATED_BY).is_none_or(|u| u == vmi.meta.uid))
                .map(|(_, p)| (p.meta.name.to_string(), p.meta.deletion_timestamp.is_some()))
                .collect();
            if pods.is_empty() && vmi.meta.finalizers.iter().any(|f| f == VMI_FINALIZER) {
                // `updateStatus`: "All pods have been deleted, removing finalizer".
                let mut next = (*vmi).clone();
                next.meta.finalizers.retain(|f| f != VMI_FINALIZER);
                ctx.update(next)?;
            }
            for (p, _) in pods.iter().filter(|(_, going)| !going) {
                ctx.delete(Kind::Pod, &ns, p)?;
            }
            return Ok(Outcome::Done);
        }
        // Its own pod: created by this VMI, not by an earlier one of the same name.
        let pod = launcher_pods(ctx.read(), &ns, &vmi.meta.name)
            .into_iter()
            .find(|(_, p)| p.label(LABEL_CREATED_BY).is_none_or(|u| u == vmi.meta.uid))
            .map(|(_, p)| p.clone());
        if pod.is_some() {
            self.expecting_pod.remove(vmi.meta.uid.as_str());
        }
        let Some(pod) = pod else {
            if b.phase != VmiPhase::Pending || self.expecting_pod.contains(vmi.meta.uid.as_str()) {
                return Ok(Outcome::Done);
            }
            let claims = ctx
                .read()
                .get(Kind::VirtualMachine, &ns, &vmi.meta.name)
                .map(|vm| vm.vm().claims.clone())
                .unwrap_or_default();
            for c in &claims {
                match ctx.read().get(Kind::PersistentVolumeClaim, &ns, c) {
                    None => {
                        let key = format!("{ns}/{c}");
                        ctx.log(|| format!("PVC {key} does not exist, waiting for it to appear"));
                        return Ok(Outcome::Done);
                    }
                    Some(p) if p.pvc().phase != PvcPhase::Bound => return Ok(Outcome::Done),
                    Some(_) => {}
                }
            }
            ctx.create(launcher_pod(&vmi, self.launcher, None))?;
            self.expecting_pod.insert(vmi.meta.uid.to_string());
            return Ok(Outcome::Done);
        };
        let p = pod.pod();
        let (phase, node) = match (&p.node, p.phase) {
            (Some(n), PodPhase::Running) => (VmiPhase::Running, n.clone()),
            (Some(n), _) => (VmiPhase::Scheduled, n.clone()),
            (None, _) => return Ok(Outcome::Done),
        };
        if b.phase != phase && !(b.phase == VmiPhase::Running && phase == VmiPhase::Scheduled) {
            let mut next = (*vmi).clone();
            next.vmi_mut().phase = phase;
            if phase == VmiPhase::Running && b.cpu_origin.is_empty() {
                // The guest's CPU is defined by the host it starts on.
                next.vmi_mut().cpu_origin = node.clone();
            }
            next.vmi_mut().node = node.clone();
            if vmi.label(LABEL_NODE_NAME) != Some(node.as_str()) {
                // `kubevirt.io/nodeName`, which node-local selectors (the upgrade's
                // live-migrate detector and wait loop) list by.
                next.meta.labels.insert(LABEL_NODE_NAME, node.to_string());
                ctx.update(next)?;
            } else {
                ctx.update_status(next)?;
            }
        }
        Ok(Outcome::Done)
    }

    fn rate_limiter(&self) -> RateLimiterKind {
        RateLimiterKind::ClientGoDefault
    }

    fn reset(&mut self) {
        self.expecting_pod.clear();
        self.shutting_down.clear();
    }
}
