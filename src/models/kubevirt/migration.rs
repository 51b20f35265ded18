//! KubeVirt v1.3 migration controller (`pkg/virt-controller/watch/migration.go`,
//! `updateStatus` / `processMigrationPhase` / `handleTargetPodCreation`).
//!
//! One phase transition per reconcile, each a status PUT from the informer cache:
//! "" -> Pending -> Scheduling -> Scheduled -> PreparingTarget -> TargetReady -> Running ->
//! Succeeded / Failed. In Pending the target virt-launcher pod is created through quota
//! admission; a 403 "exceeded quota" adds the condition `migrationRejectedByResourceQuota`
//! and the key is re-enqueued with the rate limiter; any ResourceQuota change re-enqueues
//! the VMIMs of that namespace carrying the condition (`updateResourceQuota`).
//! Like the real controller it keeps pod-creation *expectations*: after creating a target
//! pod it creates no other until its informer has seen that one, so a stale pod cache does
//! not double the pod (and the quota usage). Expectations live in memory and die with the
//! process, as in KubeVirt.
//! Left out: migration policies, hotplug attachment pods, expectation timeouts, the
//! pending-pod timeouts (the target pod is always schedulable in these scenarios), abort by
//! deletion.

use super::launcher::launcher_pod;
use crate::kube::object::MigrationState;
use crate::kube::workqueue::RateLimiterKind;
use crate::kube::{
    ApiError, Ctx, Kind, MigrationPhase, Obj, ObjId, Outcome, PodPhase, Reader, ReconcileError,
    ReconcileResult, Reconciler,
};
use std::collections::BTreeSet;

pub struct MigrationController {
    /// `additionalGuestMemoryOverheadRatio` in the KubeVirt CR.
    ratio: Option<&'static str>,
    /// VMIMs whose target pod was created but not yet seen in the pod informer.
    expecting_pod: BTreeSet<ObjId>,
}

impl MigrationController {
    pub fn new(ratio: Option<&'static str>) -> Self {
        MigrationController {
            ratio,
            expecting_pod: BTreeSet::new(),
        }
    }
}

fn set_phase(ctx: &mut Ctx<'_>, vmim: &Obj, phase: MigrationPhase) -> ReconcileResult {
    let mut next = vmim.clone();
    let b = next.vmim_mut();
    b.phase = phase;
    if phase != MigrationPhase::Pending {
        b.rejected_by_quota = false;
    }
    ctx.update_status(next)?;
    let key = vmim.meta.key();
    ctx.log(|| {
        format!(
            "migration {key} phase {} -> {}",
            vmim.vmim().phase.name(),
            phase.name()
        )
    });
    Ok(Outcome::Done)
}

fn fail(ctx: &mut Ctx<'_>, vmim: &Obj, reason: &str) -> ReconcileResult {
    let key = vmim.meta.key();
    let reason = reason.to_string();
    ctx.log(|| format!("FailedMigration {key}: {reason}"));
    if let Some(pod) = &vmim.vmim().target_pod {
        let _ = ctx.delete(Kind::Pod, &vmim.meta.namespace, pod);
    }
    set_phase(ctx, vmim, MigrationPhase::Failed)
}

fn target_pod(read: Reader<'_>, vmim: &Obj) -> Option<crate::kube::Snap> {
    read.list(Kind::Pod, &vmim.meta.namespace)
        .find(|(_, p)| {
            p.pod().migration_uid.as_deref() == Some(vmim.meta.uid.as_str())
                && p.meta.deletion_timestamp.is_none()
        })
        .map(|(_, p)| p.clone())
}

impl Reconciler for MigrationController {
    fn name(&self) -> &'static str {
        "migration-controller"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachineInstanceMigration
    }

    fn rate_limiter(&self) -> RateLimiterKind {
        RateLimiterKind::ClientGoDefault
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        let ns = &obj.meta.namespace;
        let vmims = || read.list(Kind::VirtualMachineInstanceMigration, ns);
        match obj.kind() {
            Kind::VirtualMachineInstanceMigration => out.push(id),
            Kind::VirtualMachineInstance => out.extend(
                vmims()
                    .filter(|(_, m)| {
                        m.vmim().vmi_name == obj.meta.name && !m.vmim().phase.is_final()
                    })
                    .map(|(i, _)| i),
            ),
            Kind::Pod => {
                if let Some(uid) = &obj.pod().migration_uid {
                    out.extend(vmims().filter(|(_, m)| &m.meta.uid == uid).map(|(i, _)| i));
                }
            }
            Kind::ResourceQuota => out.extend(
                vmims()
                    .filter(|(_, m)| m.vmim().rejected_by_quota)
                    .map(|(i, _)| i),
            ),
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(vmim) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        if vmim.meta.deletion_timestamp.is_some() || vmim.vmim().phase.is_final() {
            return Ok(Outcome::Done);
        }
        let ns = vmim.meta.namespace.clone();
        let vmi = read.get(Kind::VirtualMachineInstance, &ns, &vmim.vmim().vmi_name);
        let Some(vmi) = vmi.filter(|v| !v.vmi().phase.is_final()) else {
            return fail(
                ctx,
                &vmim,
                "Migration failed because vmi does not exist or is final",
            );
        };
        let ms = vmi
            .vmi()
            .migration_state
            .as_ref()
            .filter(|m| m.migration_uid == vmim.meta.uid)
            .cloned();
        match vmim.vmim().phase {
            MigrationPhase::Unset => {
                let busy = read
                    .list(Kind::VirtualMachineInstanceMigration, &ns)
                    .any(|(i, m)| {
                        i != key
                            && m.vmim().vmi_name == vmim.vmim().vmi_name
                            && !m.vmim().phase.is_final()
                            && m.vmim().phase != MigrationPhase::Unset
                    });
                if busy {
                    return fail(ctx, &vmim, "another migration job is in progress");
                }
                set_phase(ctx, &vmim, MigrationPhase::Pending)
            }
            MigrationPhase::Pending => {
                if let Some(pod) = target_pod(read, &vmim) {
                    self.expecting_pod.remove(&key);
                    let mut next = (*vmim).clone();
                    next.vmim_mut().target_pod = Some(pod.meta.name.clone());
                    next.vmim_mut().phase = MigrationPhase::Scheduling;
                    next.vmim_mut().rejected_by_quota = false;
                    ctx.update_status(next)?;
                    let k = vmim.meta.key();
                    ctx.log(|| {
                        format!(
                            "migration {k} phase Pending -> Scheduling (target pod {})",
                            pod.meta.name
                        )
                    });
                    return Ok(Outcome::Done);
                }
                if self.expecting_pod.contains(&key) {
                    return Ok(Outcome::Done);
                }
                let mut pod = launcher_pod(&vmi, self.ratio, Some(&vmim.meta.uid));
                {
                    let p = pod.pod_mut();
                    p.avoid_node = Some(vmi.vmi().node.clone());
                    p.require_node = vmim.vmim().target_node.clone();
                }
                match ctx.create(pod) {
                    Ok(_) => {
                        self.expecting_pod.insert(key);
                        Ok(Outcome::Done)
                    }
                    Err(e) => {
                        if matches!(e, ApiError::QuotaExceeded(_)) && !vmim.vmim().rejected_by_quota
                        {
                            let mut next = (*vmim).clone();
                            next.vmim_mut().rejected_by_quota = true;
                            let _ = ctx.update_status(next);
                        }
                        let k = vmim.meta.key();
                        Err(ReconcileError::Other(format!(
                            "reenqueuing Migration {k}: failed to create vmi migration target pod: {e}"
                        )))
                    }
                }
            }
            MigrationPhase::Scheduling => match target_pod(read, &vmim) {
                None => fail(ctx, &vmim, "target pod disappeared"),
                Some(p) if p.pod().phase == PodPhase::Failed => {
                    fail(ctx, &vmim, "target pod is down")
                }
                Some(p) if p.pod().phase == PodPhase::Running && p.pod().ready => {
                    set_phase(ctx, &vmim, MigrationPhase::Scheduled)
                }
                Some(_) => Ok(Outcome::Done),
            },
            MigrationPhase::Scheduled => {
                if ms.is_some() {
                    return set_phase(ctx, &vmim, MigrationPhase::PreparingTarget);
                }
                let Some(pod) = target_pod(read, &vmim) else {
                    return fail(ctx, &vmim, "target pod disappeared");
                };
                // The handoff: virt-controller writes the migration state into the VMI.
                let mut next = (*vmi).clone();
                let source = next.vmi().node.clone();
                next.vmi_mut().migration_state = Some(MigrationState {
                    migration_uid: vmim.meta.uid.clone(),
                    source_node: source,
                    target_node: pod.pod().node.clone().unwrap_or_default(),
                    ..MigrationState::default()
                });
                ctx.update_status(next)?;
                Ok(Outcome::Done)
            }
            MigrationPhase::PreparingTarget => match ms {
                None => fail(
                    ctx,
                    &vmim,
                    "migrationState cleared or taken over by another migration",
                ),
                Some(m) if m.target_node_address.is_some() => {
                    set_phase(ctx, &vmim, MigrationPhase::TargetReady)
                }
                Some(_) => Ok(Outcome::Done),
            },
            MigrationPhase::TargetReady | MigrationPhase::Running => match ms {
                None => fail(
                    ctx,
                    &vmim,
                    "migrationState cleared or taken over by another migration",
                ),
                Some(m) if m.failed => fail(ctx, &vmim, "source node reported migration failed"),
                Some(m) if m.completed => {
                    ctx.log(|| {
                        "SuccessfulMigration: Source node reported migration succeeded".to_string()
                    });
                    set_phase(ctx, &vmim, MigrationPhase::Succeeded)
                }
                Some(m)
                    if m.start_timestamp.is_some()
                        && vmim.vmim().phase == MigrationPhase::TargetReady =>
                {
                    set_phase(ctx, &vmim, MigrationPhase::Running)
                }
                Some(_) => Ok(Outcome::Done),
            },
            MigrationPhase::Succeeded | MigrationPhase::Failed => Ok(Outcome::Done),
        }
    }

    fn reset(&mut self) {
        self.expecting_pod.clear();
    }
}
