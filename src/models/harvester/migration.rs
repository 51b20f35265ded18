//! Harvester `migrationAnnotationController` = `Handler.OnVmimChanged`
//! (`pkg/controller/master/migration/vmim_controller.go`, helpers in
//! `pkg/util/resourcequota/{utils,calculator}.go`), in both shapes:
//!
//! * v1.2.0 to v1.4.1 (`MigrationQuota::Relative`): on Succeeded/Failed, subtract the delta
//!   stored under `harvesterhci.io/migrating-<vmName>` from the **current** `spec.hard` and
//!   drop the annotation; on Pending, unless that annotation exists, add the VM's limits
//!   (+ KubeVirt memory overhead, ratio nil) to the current `spec.hard` and write it.
//! * v1.4.2+ (`MigrationQuota::BaseDelta`): only add/remove the annotation
//!   `harvesterhci.io/migratingUID-<vmiUID>` (overhead with the ratio setting "1.5");
//!   `spec.hard` is left to the ResourceQuota controller.
//!
//! Both PUT the quota from the informer cache, so a stale cache means a 409 and a requeue.
//! A VMIM the user deleted (Harvester's abortMigration deletes it, `pkg/api/vm/handler.go`
//! v1.4.2) is handled as any other while its finalizer holds it: nothing reacts to the
//! deletion itself (no `OnRemove`); the quota is restored only if the handler sees it Failed.
//! Left out: the VMI migration-state annotations ("Pending migration", "Migrating",
//! "Aborting migration").

use super::migration_keys::{
    add_migrating_vm, contains_migrating_vm, delete_migrating_vm, name_key,
};
use crate::kube::{
    Ctx, Kind, MigrationPhase, Obj, ObjId, Outcome, ReconcileError, ReconcileResult, Reconciler,
};
use crate::kube::{Resource, ResourceList, Snap};
use crate::models::behaviours::{Behaviours, MigrationQuota};
use crate::models::kubevirt::overhead::memory_overhead;
use crate::models::rancher::namespace_quota::LABEL_DEFAULT_RESOURCE_QUOTA;

pub struct MigrationAnnotationController {
    b: Behaviours,
}

impl MigrationAnnotationController {
    pub fn new(b: Behaviours) -> Self {
        MigrationAnnotationController { b }
    }
}

fn default_quota(ctx: &Ctx<'_>, ns: &str) -> Option<Snap> {
    ctx.read()
        .list(Kind::ResourceQuota, ns)
        .find(|(_, rq)| rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"))
        .map(|(_, rq)| rq.clone())
}

/// `isEmpty` (`pkg/util/resourcequota/calculator.go`, v1.4.1 `isEmptyQuota`): neither a cpu
/// nor a memory limit, a key absent or zero alike. Such a quota is never scaled or restored.
fn is_empty_quota(hard: &ResourceList) -> bool {
    let zero = |r| hard.get(r).unwrap_or_default().is_zero();
    zero(Resource::LimitsCpu) && zero(Resource::LimitsMemory)
}

/// `CalculateScaleResourceQuotaWithVMI`'s delta: only resources the quota already limits.
fn migration_delta(vmi: &Obj, hard: &ResourceList, behaviours: &Behaviours) -> ResourceList {
    let (kv, ratio) = (behaviours.kubevirt, behaviours.overhead_ratio);
    let b = vmi.vmi();
    let mut rl = ResourceList::new();
    if hard.has(Resource::LimitsCpu) {
        rl.set(Resource::LimitsCpu, b.cpu);
    }
    if hard.has(Resource::LimitsMemory) {
        rl.set(
            Resource::LimitsMemory,
            b.memory + memory_overhead(kv, b.memory_request, b.cpu.value(), ratio),
        );
    }
    rl
}

impl MigrationAnnotationController {
    fn restore(&self, ctx: &mut Ctx<'_>, vmi: &Obj) -> ReconcileResult {
        let Some(rq) = default_quota(ctx, &vmi.meta.namespace) else {
            return Ok(Outcome::Done);
        };
        let mut next = (*rq).clone();
        match self.b.migration_quota {
            MigrationQuota::Relative => {
                let key = name_key(&vmi.meta.name);
                let Some(v) = next.meta.annotations.remove(&key) else {
                    return Ok(Outcome::Done);
                };
                let rl = ResourceList::from_json(&v).map_err(ReconcileError::Other)?;
                // checkResourceQuotaAndVMI: an empty quota is not restored, and the
                // annotation stays.
                if is_empty_quota(&next.rq().spec_hard) {
                    return Ok(Outcome::Done);
                }
                // CalculateRestoreResourceQuotaWithVMI: relative to the current spec.hard.
                let hard = &mut next.rq_mut().spec_hard;
                for (r, q) in rl.iter() {
                    if let Some(h) = hard.get(r) {
                        hard.set(r, h - q);
                    }
                }
            }
            MigrationQuota::BaseDelta => {
                if !delete_migrating_vm(&mut next.meta, &vmi.meta.name, &vmi.meta.uid) {
                    return Ok(Outcome::Done);
                }
            }
        }
        ctx.update(next)?;
        let vm = vmi.meta.name.clone();
        ctx.log(|| {
            format!(
                "restored resource quota {} after migration of {vm}",
                rq.meta.key()
            )
        });
        Ok(Outcome::Done)
    }

    fn scale(&self, ctx: &mut Ctx<'_>, vmi: &Obj) -> ReconcileResult {
        let Some(rq) = default_quota(ctx, &vmi.meta.namespace) else {
            return Ok(Outcome::Done);
        };
        let hard = rq.rq().spec_hard;
        if is_empty_quota(&hard) {
            return Ok(Outcome::Done);
        }
        let uid = match self.b.migration_quota {
            MigrationQuota::Relative => None,
            MigrationQuota::BaseDelta => Some(vmi.meta.uid.as_str()),
        };
        if contains_migrating_vm(&rq.meta, &vmi.meta.name, uid) {
            return Ok(Outcome::Done);
        }
        let delta = migration_delta(vmi, &hard, &self.b);
        let mut next = (*rq).clone();
        match self.b.migration_quota {
            MigrationQuota::Relative => {
                let h = &mut next.rq_mut().spec_hard;
                for (r, q) in delta.iter() {
                    h.set(r, h.get(r).unwrap_or_default() + q);
                }
                next.meta
                    .annotations
                    .insert(name_key(&vmi.meta.name), delta.to_json());
            }
            MigrationQuota::BaseDelta => {
                add_migrating_vm(&mut next.meta, &vmi.meta.name, &vmi.meta.uid, &delta)
            }
        }
        ctx.update(next)?;
        let vm = vmi.meta.name.clone();
        ctx.log(|| {
            format!(
                "scaled resource quota {} for migrating VM {vm} by {}",
                rq.meta.key(),
                delta.pretty()
            )
        });
        Ok(Outcome::Done)
    }
}

impl Reconciler for MigrationAnnotationController {
    fn name(&self) -> &'static str {
        "migrationAnnotationController"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachineInstanceMigration
    }

    fn watches(&self) -> Vec<Kind> {
        vec![
            Kind::VirtualMachineInstanceMigration,
            Kind::VirtualMachineInstance,
            Kind::ResourceQuota,
        ]
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(vmim) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        // No check of `deletionTimestamp`: `OnVmimChanged` acts on a deleted VMIM that its
        // finalizer still holds like on any other (it restores the quota once KubeVirt marks
        // it Failed), and has nothing to act on once the VMIM is gone from its cache.
        let Some(vmi) = read.get(
            Kind::VirtualMachineInstance,
            &vmim.meta.namespace,
            &vmim.vmim().vmi_name,
        ) else {
            return Err(ReconcileError::Other(format!(
                "virtualmachineinstance.kubevirt.io \"{}\" not found",
                vmim.vmim().vmi_name
            )));
        };
        match vmim.vmim().phase {
            MigrationPhase::Failed | MigrationPhase::Succeeded => self.restore(ctx, &vmi),
            MigrationPhase::Pending => self.scale(ctx, &vmi),
            _ => Ok(Outcome::Done),
        }
    }
}
