//! virt-api's VM `start` and `stop` subresources (KubeVirt v1.3
//! `pkg/virt-api/rest/subresource.go`, `StartVMRequestHandler` / `StopVMRequestHandler`), as
//! `virtctl start|stop` reach them: they change the VM object, and the VM controller acts.
//!
//! Left out: the `dryRun`, `gracePeriod` and paused-VMI options, and the HTTP error codes
//! (an error here is the handler's message).

use crate::kube::object::{RunStrategy, StateChangeRequest};
use crate::kube::{Ctx, Kind, Obj, ReconcileError};

/// virt-api's `start` subresource (`virtctl start`).
pub fn start_vm(ctx: &mut Ctx<'_>, vm: &Obj) -> Result<(), ReconcileError> {
    let vmi = ctx.api().get(
        Kind::VirtualMachineInstance,
        &vm.meta.namespace,
        &vm.meta.name,
    );
    if vmi.is_some_and(|i| !i.vmi().phase.is_final()) {
        return Err(ReconcileError::Other(format!(
            "VM {} is already running",
            vm.meta.name
        )));
    }
    let mut next = vm.clone();
    match vm.vm().run_strategy {
        RunStrategy::Halted => next.vm_mut().run_strategy = RunStrategy::Always,
        _ => {
            if vm.vm().state_change_requests.iter().any(|r| r.start) {
                return Ok(());
            }
            next.vm_mut()
                .state_change_requests
                .push(StateChangeRequest {
                    start: true,
                    uid: None,
                });
        }
    }
    ctx.update(next)?;
    Ok(())
}

/// virt-api's `stop` subresource (`VirtualMachine(ns).Stop`): a VM that runs `Always` is
/// switched to `Halted`; any other gets a stop request for its VMI.
pub fn stop_vm(ctx: &mut Ctx<'_>, vm: &Obj) -> Result<(), ReconcileError> {
    let vmi_uid = ctx
        .api()
        .get(
            Kind::VirtualMachineInstance,
            &vm.meta.namespace,
            &vm.meta.name,
        )
        .map(|i| i.meta.uid.clone());
    let mut next = vm.clone();
    match vm.vm().run_strategy {
        RunStrategy::Always => next.vm_mut().run_strategy = RunStrategy::Halted,
        RunStrategy::Halted => return Ok(()),
        _ => next
            .vm_mut()
            .state_change_requests
            .push(StateChangeRequest {
                start: false,
                uid: vmi_uid,
            }),
    }
    ctx.update(next)?;
    Ok(())
}
