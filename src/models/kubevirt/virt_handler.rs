//! virt-handler's part of a live migration (`pkg/virt-handler/vm.go`), one process per node.
//! The target handler reports `targetNodeAddress` once its pod is up; the source handler
//! starts the transfer (`startTimestamp`), and when it completes it does the "ACK": sets
//! `completed`, moves `status.nodeName` and the `kubevirt.io/nodeName` label to the target.
//! libvirt's CPU check (harvester-facts.md 3.5): a `host-passthrough` guest carries every
//! feature of the host it started on, so on a target lacking one of them libvirt refuses
//! the domain when the destination prepares it, inside the source's `MigrateToURI3` call,
//! before any memory is sent: the source handler reports the migration failed at its start
//! (`startTimestamp` = `endTimestamp`) with libvirt's text (Harvester #5755, #8298). Host-model and named-model guests are guarded by
//! the target pod's node selectors instead; the model does not check them again here.
//! Its informers select (`pkg/controller/virtinformers.go` `VMISourceHost`, `VMITargetHost`,
//! v1.3): it lists and watches only the VMIs labelled `kubevirt.io/nodeName=<its node>` and
//! those whose migration targets its node (the label `kubevirt.io/migrationTargetNodeName`,
//! read here from `status.migrationState.targetNode`, which is set with it). A VMI that
//! leaves both reaches it as DELETED.
//! An abort the migration controller asks for (`migrationState.abortRequested`) is carried
//! out by the source handler: the migration is reported failed (`completed` and `failed`,
//! as the domain event of an aborted job reports it) and the VMI stays on the source.
//! Left out: libvirt domain events, the migration proxy, progress and completion timeouts.

use super::node_labeller::passthrough_missing;
use crate::engine::{ChoiceKind, SimDuration, SimTime};
use crate::kube::object::CpuMode;
use crate::kube::selector::{Selector, SelectorKey};
use crate::kube::{Ctx, Kind, Obj, ObjId, Outcome, Reader, ReconcileResult, Reconciler};
use crate::models::cpu::HostCpus;
use std::collections::BTreeMap;
use std::rc::Rc;

pub const LABEL_NODE_NAME: &str = "kubevirt.io/nodeName";

/// libvirt's error for a host-passthrough guest whose CPU the target lacks.
pub fn libvirt_cpu_mismatch(missing: &[String]) -> String {
    format!(
        "Live migration failed error encountered during MigrateToURI3 libvirt api call: virError(Code=9, Domain=31, Message='operation failed: guest CPU doesn't match specification: missing features: {}')",
        missing.join(",")
    )
}

pub struct VirtHandler {
    node: String,
    /// Every node's CPU (what libvirt on each host knows of its own CPU).
    cpus: Rc<HostCpus>,
    transfer: (SimDuration, SimDuration),
    /// When the transfer of an in-flight outbound migration completes (in memory only).
    done_at: BTreeMap<ObjId, SimTime>,
}

impl VirtHandler {
    pub fn new(node: &str, transfer: (SimDuration, SimDuration), cpus: Rc<HostCpus>) -> Self {
        VirtHandler {
            node: node.to_string(),
            cpus,
            transfer,
            done_at: BTreeMap::new(),
        }
    }
}

impl VirtHandler {
    /// libvirt's refusal of a host-passthrough guest on a target lacking some feature of
    /// the host the guest started on.
    fn cpu_refusal(&self, vmi: &Obj, target: &str) -> Option<String> {
        if vmi.vmi().domain.cpu_model != CpuMode::HostPassthrough {
            return None;
        }
        let origin = self.cpus.get(vmi.vmi().cpu_origin.as_str())?;
        let dest = self.cpus.get(target)?;
        let missing = passthrough_missing(origin, dest);
        (!missing.is_empty()).then(|| libvirt_cpu_mismatch(&missing))
    }
}

impl Reconciler for VirtHandler {
    fn name(&self) -> &'static str {
        "virt-handler-vm"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachineInstance
    }

    fn selector(&self, kind: Kind) -> Option<Vec<Selector>> {
        (kind == Kind::VirtualMachineInstance).then(|| {
            vec![
                Selector::label(LABEL_NODE_NAME, &self.node),
                Selector {
                    key: SelectorKey::VmiMigrationTarget,
                    value: self.node.as_str().into(),
                },
            ]
        })
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, _read: Reader<'_>, out: &mut Vec<ObjId>) {
        if obj.kind() != Kind::VirtualMachineInstance {
            return;
        }
        let b = obj.vmi();
        if b.node == self.node
            || b.migration_state
                .as_ref()
                .is_some_and(|m| m.target_node == self.node)
        {
            out.push(id);
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(vmi) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        let Some(ms) = vmi.vmi().migration_state.clone() else {
            return Ok(Outcome::Done);
        };
        if ms.completed || ms.failed {
            self.done_at.remove(&key);
            return Ok(Outcome::Done);
        }
        if ms.abort_requested && vmi.vmi().node == self.node {
            // The source aborts the domain's migration: the guest stays here.
            let mut next = (*vmi).clone();
            let m = next.vmi_mut().migration_state.as_mut().expect("present");
            m.failed = true;
            m.completed = true;
            m.end_timestamp = Some(ctx.now);
            m.failure_reason = Some("Live migration aborted".into());
            ctx.update_status(next)?;
            self.done_at.remove(&key);
            ctx.log(|| "Live migration aborted by request".to_string());
            return Ok(Outcome::Done);
        }
        if ms.target_node == self.node && ms.target_node_address.is_none() {
            let mut next = (*vmi).clone();
            next.vmi_mut()
                .migration_state
                .as_mut()
                .expect("present")
                .target_node_address = Some(format!("{}:8443", self.node));
            ctx.update_status(next)?;
            return Ok(Outcome::Done);
        }
        if vmi.vmi().node != self.node || ms.target_node_address.is_none() {
            return Ok(Outcome::Done);
        }
        if ms.start_timestamp.is_none() {
            let mut next = (*vmi).clone();
            let refused = self.cpu_refusal(&vmi, &ms.target_node);
            let m = next.vmi_mut().migration_state.as_mut().expect("present");
            m.start_timestamp = Some(ctx.now);
            if let Some(reason) = refused {
                // libvirt refuses the domain when the destination prepares it, inside the
                // source's MigrateToURI3 call: nothing is transferred.
                m.failed = true;
                m.completed = true;
                m.end_timestamp = Some(ctx.now);
                m.failure_reason = Some(reason.clone());
                ctx.update_status(next)?;
                ctx.log(|| format!("Migration failed: {reason}"));
                return Ok(Outcome::Done);
            }
            ctx.update_status(next)?;
            let d = ctx.pick_duration(ChoiceKind::Transfer, self.transfer);
            self.done_at.insert(key, ctx.now + d);
            return Ok(Outcome::RequeueAfter(d));
        }
        let done = match self.done_at.get(&key) {
            Some(&t) => t,
            None => {
                // Restarted mid-transfer: the domain is still migrating; wait for it again.
                let d = ctx.pick_duration(ChoiceKind::Transfer, self.transfer);
                self.done_at.insert(key, ctx.now + d);
                return Ok(Outcome::RequeueAfter(d));
            }
        };
        if ctx.now < done {
            return Ok(Outcome::RequeueAfter(done - ctx.now));
        }
        let mut next = (*vmi).clone();
        let target = ms.target_node.clone();
        {
            let b = next.vmi_mut();
            let m = b.migration_state.as_mut().expect("present");
            m.completed = true;
            m.end_timestamp = Some(ctx.now);
            b.node = target.clone();
        }
        next.meta.labels.insert(LABEL_NODE_NAME, target.to_string());
        ctx.update(next)?;
        self.done_at.remove(&key);
        ctx.log(|| format!("Migrated: The VirtualMachineInstance migrated to node {target}."));
        Ok(Outcome::Done)
    }

    fn reset(&mut self) {
        self.done_at.clear();
    }
}
