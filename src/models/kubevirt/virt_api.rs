//! virt-api's VM `start` and `stop` subresources (KubeVirt v1.3
//! `pkg/virt-api/rest/subresource.go`, `StartVMRequestHandler` / `StopVMRequestHandler`), as
//! `virtctl start|stop` reach them: they change the VM object, and the VM controller acts.
//!
//! `user_start`, `user_stop` and `user_restart` are the same handlers as a user reaches them
//! (Harvester's UI start/stop/restart actions, `pkg/api/vm/handler.go` at v1.4.2, call the
//! subresources), with each handler's refusals by run strategy (KubeVirt v1.3
//! `subresource.go`: `RestartVMRequestHandler` adds a stop request for the current VMI's uid
//! and a start request; the VM controller then deletes that VMI and creates a new one).
//!
//! Left out: the `dryRun`, `gracePeriod` and paused-VMI options, and the HTTP error codes
//! (an error here is the handler's message).

use crate::kube::object::{RunStrategy, StateChangeRequest};
use crate::kube::{Ctx, Kind, Obj, ReconcileError, VmiPhase};

/// `virtv1.VirtualMachineInstanceMigrationFinalizer`, which virt-api's migration-create
/// mutating webhook (`migration-create-mutator.go`, v1.3) puts on every new VMIM: the model
/// writes it into the VMIMs it creates. The migration controller removes it once the
/// migration is final and the VMIM deleted.
pub const MIGRATION_FINALIZER: &str = "kubevirt.io/migrationJobFinalize";

fn request(start: bool, uid: Option<&str>) -> StateChangeRequest {
    StateChangeRequest {
        start,
        uid: uid.map(str::to_string),
    }
}

/// The user's `start` (`StartVMRequestHandler`): the VM as the handler patches it, or the
/// handler's refusal. A halted VM is switched to `Always`; `RerunOnFailure` and `Manual` get
/// a start request (after a stop request for a final VMI that must be replaced); `Always`
/// and `Once` do not support manual start requests.
pub fn user_start(vm: &Obj, vmi: Option<&Obj>) -> Result<Obj, String> {
    if vmi.is_some_and(|i| !i.vmi().phase.is_final()) {
        return Err("VM is already running".into());
    }
    let strategy = vm.vm().run_strategy;
    let mut next = vm.clone();
    match strategy {
        RunStrategy::Halted => next.vm_mut().run_strategy = RunStrategy::Always,
        RunStrategy::RerunOnFailure | RunStrategy::Manual => {
            let phase = vmi.map(|i| i.vmi().phase);
            if strategy == RunStrategy::RerunOnFailure && phase == Some(VmiPhase::Failed) {
                return Err("RerunOnFailure does not support starting VM from failed state".into());
            }
            let reqs = &mut next.vm_mut().state_change_requests;
            if let Some(i) = vmi {
                // `needsRestart`: the final VMI must go first.
                reqs.push(request(false, Some(&i.meta.uid)));
            }
            reqs.push(request(true, None));
        }
        RunStrategy::Always | RunStrategy::Once => {
            return Err(format!(
                "{} does not support manual start requests",
                strategy.name()
            ))
        }
    }
    Ok(next)
}

/// The user's `stop` (`StopVMRequestHandler`, no grace period): `Always` and `Once` are
/// switched to `Halted`; `RerunOnFailure` and `Manual` get a stop request for the running
/// VMI; a halted VM, or one with no VMI running, is refused.
pub fn user_stop(vm: &Obj, vmi: Option<&Obj>) -> Result<Obj, String> {
    let strategy = vm.vm().run_strategy;
    let mut next = vm.clone();
    match strategy {
        RunStrategy::Halted => {
            return Err(
                "Halted only supports manual stop requests with a shorter graceperiod".into(),
            )
        }
        RunStrategy::RerunOnFailure | RunStrategy::Manual => match vmi {
            Some(i) if !i.vmi().phase.is_final() => next
                .vm_mut()
                .state_change_requests
                .push(request(false, Some(&i.meta.uid))),
            _ => return Err("VM is not running".into()),
        },
        RunStrategy::Always | RunStrategy::Once => next.vm_mut().run_strategy = RunStrategy::Halted,
    }
    Ok(next)
}

/// The user's `restart` (`RestartVMRequestHandler`, no grace period): a stop request for the
/// current VMI's uid and a start request; refused for `Halted` and `Once`, and for a VM
/// with no VMI.
pub fn user_restart(vm: &Obj, vmi: Option<&Obj>) -> Result<Obj, String> {
    let strategy = vm.vm().run_strategy;
    if matches!(strategy, RunStrategy::Halted | RunStrategy::Once) {
        return Err(format!(
            "RunStategy {} does not support manual restart requests",
            strategy.name()
        ));
    }
    let Some(i) = vmi else {
        return Err("VM is not running".into());
    };
    let mut next = vm.clone();
    let reqs = &mut next.vm_mut().state_change_requests;
    reqs.push(request(false, Some(&i.meta.uid)));
    reqs.push(request(true, None));
    Ok(next)
}

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
        .map(|i| i.meta.uid.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object::VmBody;
    use crate::kube::{Body, Meta};

    fn vm(strategy: RunStrategy) -> Obj {
        Obj::new(
            Meta::named("ns", "vm1"),
            Body::VirtualMachine(VmBody {
                run_strategy: strategy,
                ..Default::default()
            }),
        )
    }

    fn vmi(phase: VmiPhase) -> Obj {
        let mut i = crate::models::kubevirt::vm::vmi_for(&vm(RunStrategy::Always));
        i.meta.uid = "uid-1".into();
        i.vmi_mut().phase = phase;
        i
    }

    #[test]
    fn stopping_an_always_vm_halts_it_and_a_rerun_on_failure_vm_gets_a_stop_request() {
        let running = vmi(VmiPhase::Running);
        let halted = user_stop(&vm(RunStrategy::Always), Some(&running)).unwrap();
        assert_eq!(halted.vm().run_strategy, RunStrategy::Halted);
        let asked = user_stop(&vm(RunStrategy::RerunOnFailure), Some(&running)).unwrap();
        assert_eq!(asked.vm().run_strategy, RunStrategy::RerunOnFailure);
        assert_eq!(
            asked.vm().state_change_requests,
            vec![request(false, Some("uid-1"))]
        );
    }

    #[test]
    fn stopping_a_vm_without_a_running_vmi_is_refused() {
        assert!(user_stop(&vm(RunStrategy::RerunOnFailure), None).is_err());
        assert!(user_stop(&vm(RunStrategy::Halted), None).is_err());
    }

    #[test]
    fn starting_a_halted_vm_switches_it_to_always_and_a_running_one_is_refused() {
        let started = user_start(&vm(RunStrategy::Halted), None).unwrap();
        assert_eq!(started.vm().run_strategy, RunStrategy::Always);
        let running = vmi(VmiPhase::Running);
        assert!(user_start(&vm(RunStrategy::RerunOnFailure), Some(&running)).is_err());
        assert!(user_start(&vm(RunStrategy::Always), None).is_err());
    }

    #[test]
    fn restarting_asks_to_stop_the_current_vmi_then_to_start() {
        let running = vmi(VmiPhase::Running);
        let next = user_restart(&vm(RunStrategy::RerunOnFailure), Some(&running)).unwrap();
        assert_eq!(
            next.vm().state_change_requests,
            vec![request(false, Some("uid-1")), request(true, None)]
        );
        assert!(user_restart(&vm(RunStrategy::RerunOnFailure), None).is_err());
        assert!(user_restart(&vm(RunStrategy::Halted), Some(&running)).is_err());
    }
}
