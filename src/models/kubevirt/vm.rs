//! KubeVirt's VirtualMachine controller (`pkg/virt-controller/watch/vm.go`, v1.3): the run
//! strategies of `syncRunStrategy`, starting a VM by creating its VMI and stopping it by
//! deleting the VMI, the state-change requests `virtctl start|stop` leave in the VM's status,
//! and `printableStatus` as `setPrintableStatus` computes it (harvester-facts.md 6.3):
//!
//! | strategy | VMI at creation | VMI Failed | VMI Succeeded (guest shutdown) |
//! |---|---|---|---|
//! | Always | created | deleted, recreated | deleted, recreated |
//! | RerunOnFailure | created (status.runStrategy not yet recorded) | deleted, start request, recreated | deleted, not restarted |
//! | Manual | only on a start request | kept | kept |
//! | Halted | never; a running VMI is deleted; a start request flips the VM to Always | | |
//! | Once | created | kept, not restarted | kept, not restarted |
//!
//! VMI creations and deletions are tracked as KubeVirt's controller expectations: until the
//! informer has seen them, the strategy is not acted on again, and the VM reads Starting or
//! Stopping.
//!
//! Left out: the start-failure back-off (`startFailureBackoffTimeLeft`), DataVolume
//! templates, hot-plug, instance types, the api-version annotation write, revisions, and
//! the printable statuses Migrating, Paused, ErrorPvcNotFound, DataVolumeError,
//! ErrorUnschedulable, ErrImagePull and CrashLoopBackOff.

use super::overhead::memory_request;
use crate::kube::object::{PvcPhase, RunStrategy, StateChangeRequest, VmiBody};
use crate::kube::workqueue::RateLimiterKind;
use crate::kube::{
    Body, Ctx, Kind, Meta, Obj, ObjId, Outcome, Reader, ReconcileError, ReconcileResult,
    Reconciler, VmiPhase,
};
use smol_str::SmolStr;
use std::collections::BTreeSet;

/// KubeVirt's VirtualMachine controller (see the module documentation).
#[derive(Default)]
pub struct VmController {
    /// VMs with a VMI creation the informer has not shown yet.
    expect_create: BTreeSet<ObjId>,
    /// VMs with a VMI deletion the informer has not shown yet.
    expect_delete: BTreeSet<ObjId>,
}

fn has_start_request(vm: &Obj) -> bool {
    vm.vm()
        .state_change_requests
        .first()
        .is_some_and(|r| r.start)
}

/// `hasStopRequestForVMI`: the first request is a stop for this VMI.
fn has_stop_request_for(vm: &Obj, vmi: &Obj) -> bool {
    vm.vm()
        .state_change_requests
        .first()
        .is_some_and(|r| !r.start && r.uid.as_deref().is_none_or(|u| u == vmi.meta.uid))
}

/// `isSetToStart`.
fn is_set_to_start(vm: &Obj, vmi: Option<&Obj>) -> bool {
    match vm.vm().run_strategy {
        RunStrategy::Always => true,
        RunStrategy::Halted => false,
        RunStrategy::Manual => match vmi {
            Some(i) => !has_stop_request_for(vm, i),
            None => has_start_request(vm),
        },
        RunStrategy::RerunOnFailure => vmi.is_none_or(|i| i.vmi().phase != VmiPhase::Succeeded),
        RunStrategy::Once => vmi.is_none(),
    }
}

/// The VMI `startVMI` creates from the VM's template.
pub fn vmi_for(vm: &Obj) -> Obj {
    let b = vm.vm();
    let mut meta = Meta::named(&vm.meta.namespace, &vm.meta.name);
    // The template's labels (Harvester's `harvesterhci.io/upgrade` on the repo VM).
    meta.labels = vm.meta.labels.clone();
    meta.finalizers.push(super::vmi::VMI_FINALIZER.into());
    Obj::new(
        meta,
        Body::VirtualMachineInstance(VmiBody {
            node: SmolStr::default(),
            phase: VmiPhase::Pending,
            cpu: b.cpu,
            memory: b.memory,
            memory_request: memory_request(b.memory),
            migration_state: None,
            domain: b.domain.clone(),
            cpu_origin: SmolStr::default(),
        }),
    )
}

/// `virtctl start`: a start request on the VM (virt-api's `start` subresource).
pub fn with_start_request(vm: &Obj) -> Obj {
    let mut next = vm.clone();
    next.vm_mut()
        .state_change_requests
        .push(StateChangeRequest {
            start: true,
            uid: None,
        });
    next
}

/// `virtctl stop`: a stop request for the VM's current VMI.
pub fn with_stop_request(vm: &Obj, vmi_uid: Option<&str>) -> Obj {
    let mut next = vm.clone();
    next.vm_mut()
        .state_change_requests
        .push(StateChangeRequest {
            start: false,
            uid: vmi_uid.map(str::to_string),
        });
    next
}

impl VmController {
    /// A controller with no creations or deletions pending.
    pub fn new() -> Self {
        Self::default()
    }

    fn start(&mut self, key: ObjId, vm: &Obj, ctx: &mut Ctx<'_>) -> Result<bool, ReconcileError> {
        let name = vm.meta.key();
        let strategy = vm.vm().run_strategy.name();
        ctx.log(|| format!("Starting VM {name} due to runStrategy: {strategy}"));
        self.expect_create.insert(key);
        if let Err(e) = ctx.create(vmi_for(vm)) {
            self.expect_create.remove(&key);
            return Err(e.into());
        }
        Ok(false)
    }

    fn stop(
        &mut self,
        key: ObjId,
        vm: &Obj,
        vmi: &Obj,
        ctx: &mut Ctx<'_>,
    ) -> Result<bool, ReconcileError> {
        let name = vm.meta.key();
        let phase = vmi.vmi().phase;
        let strategy = vm.vm().run_strategy.name();
        ctx.log(|| {
            format!("Stopping VM {name} with VMI in phase {phase:?} and VM runStrategy: {strategy}")
        });
        self.expect_delete.insert(key);
        if let Err(e) = ctx.delete(
            Kind::VirtualMachineInstance,
            &vmi.meta.namespace,
            &vmi.meta.name,
        ) {
            self.expect_delete.remove(&key);
            return Err(e.into());
        }
        Ok(false)
    }

    /// `syncRunStrategy`. May add a start request to `next` (RerunOnFailure after a failure).
    /// True when it rewrote the VM's spec (a halted VM asked to start), which ends the sync.
    fn sync(
        &mut self,
        key: ObjId,
        vm: &Obj,
        vmi: Option<&Obj>,
        next: &mut Obj,
        ctx: &mut Ctx<'_>,
    ) -> Result<bool, ReconcileError> {
        let strategy = vm.vm().run_strategy;
        match (strategy, vmi) {
            (RunStrategy::Always, Some(i)) => {
                if has_stop_request_for(vm, i) || i.vmi().phase.is_final() {
                    return self.stop(key, vm, i, ctx);
                }
                Ok(false)
            }
            (RunStrategy::Always, None) => self.start(key, vm, ctx),
            (RunStrategy::RerunOnFailure, Some(i)) => {
                let failed = i.vmi().phase == VmiPhase::Failed;
                let succeeded = i.vmi().phase == VmiPhase::Succeeded;
                if i.meta.deletion_timestamp.is_none()
                    && (has_stop_request_for(vm, i) || failed || succeeded)
                {
                    self.stop(key, vm, i, ctx)?;
                    if failed {
                        // `addStartRequest`: the VM comes back once the VMI is gone.
                        next.vm_mut()
                            .state_change_requests
                            .push(StateChangeRequest {
                                start: true,
                                uid: None,
                            });
                    }
                }
                Ok(false)
            }
            (RunStrategy::RerunOnFailure, None) => {
                // Recorded strategy and no start request: it ran and completed; stay stopped.
                if !has_start_request(vm) && vm.vm().status_run_strategy == Some(strategy) {
                    return Ok(false);
                }
                self.start(key, vm, ctx)
            }
            (RunStrategy::Manual, Some(i)) => {
                if has_stop_request_for(vm, i) {
                    return self.stop(key, vm, i, ctx);
                }
                Ok(false)
            }
            (RunStrategy::Manual, None) => {
                if has_start_request(vm) {
                    return self.start(key, vm, ctx);
                }
                Ok(false)
            }
            (RunStrategy::Halted, Some(i)) => self.stop(key, vm, i, ctx),
            (RunStrategy::Halted, None) => {
                if has_start_request(vm) {
                    // A start request on a halted VM switches it to Always.
                    let mut flipped = vm.clone();
                    flipped.vm_mut().run_strategy = RunStrategy::Always;
                    ctx.update(flipped)?;
                    return Ok(true);
                }
                Ok(false)
            }
            (RunStrategy::Once, None) => self.start(key, vm, ctx),
            (RunStrategy::Once, Some(_)) => Ok(false),
        }
    }

    /// `updateStatus`: created/ready, the recorded strategy, the first state-change request
    /// trimmed once acted on, and `printableStatus`.
    fn status(
        &self,
        key: ObjId,
        vmi: Option<&Obj>,
        next: &mut Obj,
        read: Reader<'_>,
        live_vmi: bool,
    ) {
        let created = vmi.is_some();
        let ready = vmi.is_some_and(|i| i.vmi().phase == VmiPhase::Running);
        let start_expected = self.expect_create.contains(&key);
        let stop_expected = self.expect_delete.contains(&key);
        let unbound = {
            let b = next.vm();
            b.claims.iter().any(|c| {
                read.get(Kind::PersistentVolumeClaim, &next.meta.namespace, c)
                    .is_some_and(|p| p.pvc().phase != PvcPhase::Bound)
            })
        };
        let set_to_start = is_set_to_start(next, vmi);
        let trim = match next.vm().state_change_requests.first() {
            None => false,
            Some(r) if !r.start => match vmi {
                // Double-checked against the server, as KubeVirt does.
                None => !live_vmi,
                Some(i) => r.uid.as_deref().is_none_or(|u| u != i.meta.uid),
            },
            // Acted on once a VMI runs for it: not the final one being stopped, whose
            // failure is what asked for the restart.
            Some(_) => vmi
                .is_some_and(|i| !i.vmi().phase.is_final() && i.meta.deletion_timestamp.is_none()),
        };
        let b = next.vm_mut();
        b.created = created;
        b.ready = ready;
        if b.status_run_strategy.is_some() || created {
            b.status_run_strategy = Some(b.run_strategy);
        }
        if trim {
            b.state_change_requests.remove(0);
        }
        b.printable_status =
            printable_status(vmi, start_expected, stop_expected, set_to_start && unbound).into();
    }
}

/// `setPrintableStatus`: the first status whose condition holds, in KubeVirt's order.
fn printable_status(
    vmi: Option<&Obj>,
    start_expected: bool,
    stop_expected: bool,
    waiting_for_volume: bool,
) -> &'static str {
    if let Some(i) = vmi {
        let phase = i.vmi().phase;
        if !phase.is_final() && (i.meta.deletion_timestamp.is_some() || stop_expected) {
            return "Stopping";
        }
        if phase == VmiPhase::Running {
            return "Running";
        }
    }
    if waiting_for_volume {
        return "WaitingForVolumeBinding";
    }
    match vmi {
        None if start_expected => "Starting",
        None => "Stopped",
        Some(i) => match i.vmi().phase {
            VmiPhase::Pending | VmiPhase::Scheduled => "Starting",
            VmiPhase::Succeeded | VmiPhase::Failed => "Stopped",
            VmiPhase::Running => "Running",
        },
    }
}

impl Reconciler for VmController {
    fn name(&self) -> &'static str {
        "virt-controller-vm"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachine
    }

    fn watches(&self) -> Vec<Kind> {
        vec![
            Kind::VirtualMachine,
            Kind::VirtualMachineInstance,
            Kind::PersistentVolumeClaim,
        ]
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        let ns = &obj.meta.namespace;
        match obj.kind() {
            Kind::VirtualMachine => out.push(id),
            Kind::VirtualMachineInstance => {
                out.extend(read.id_of(Kind::VirtualMachine, ns, &obj.meta.name));
            }
            Kind::PersistentVolumeClaim => out.extend(
                read.list(Kind::VirtualMachine, ns)
                    .filter(|(_, vm)| vm.vm().claims.iter().any(|c| *c == obj.meta.name))
                    .map(|(i, _)| i),
            ),
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(vm) = ctx.read().by_id(key) else {
            self.expect_create.remove(&key);
            self.expect_delete.remove(&key);
            return Ok(Outcome::Done);
        };
        let vmi = ctx.read().get(
            Kind::VirtualMachineInstance,
            &vm.meta.namespace,
            &vm.meta.name,
        );
        // Expectations are met once the informer shows what was asked for.
        if vmi.is_some() {
            self.expect_create.remove(&key);
        } else {
            self.expect_delete.remove(&key);
        }
        let satisfied = !self.expect_create.contains(&key) && !self.expect_delete.contains(&key);
        let mut next = (*vm).clone();
        if satisfied && self.sync(key, &vm, vmi.as_deref(), &mut next, ctx)? {
            return Ok(Outcome::Done);
        }
        let live_vmi = ctx
            .api()
            .get(
                Kind::VirtualMachineInstance,
                &vm.meta.namespace,
                &vm.meta.name,
            )
            .is_some();
        let read = ctx.read();
        self.status(key, vmi.as_deref(), &mut next, read, live_vmi);
        if next.body != vm.body {
            ctx.update_status(next)?;
        }
        Ok(Outcome::Done)
    }

    fn rate_limiter(&self) -> RateLimiterKind {
        RateLimiterKind::ClientGoDefault
    }

    fn reset(&mut self) {
        self.expect_create.clear();
        self.expect_delete.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vm_without_a_vmi_or_a_pending_start_is_stopped() {
        assert_eq!(printable_status(None, false, false, false), "Stopped");
        assert_eq!(printable_status(None, true, false, false), "Starting");
        assert_eq!(
            printable_status(None, true, false, true),
            "WaitingForVolumeBinding"
        );
    }
}
