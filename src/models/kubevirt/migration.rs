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
//! Target pods of a `host-model` VMI carry the source's CPU selectors
//! (`node_labeller::host_model_target_selector`). `handleTargetPodCreation` holds a target
//! pod back while 5 migrations run in the cluster or 2 leave the VMI's node (re-checked every
//! 5 s); `handleMigrationBackoff` holds a `kubevirt-evacuation-*` migration back 20 s,
//! doubling per earlier consecutive failed evacuation of the same VMI; and
//! `handlePendingPodTimeout` deletes a target pod that stayed unschedulable for 300 s, which
//! fails the migration ("target pod disappeared"), with the events
//! `MigrationTargetPodUnschedulable` and, for host-model, `NoSuitableNodesForHostModelMigration`.
//! Abort by deletion (`updateStatus`, `markMigrationAbortInVmiStatus`): a VMIM deleted
//! (held by virt-api's finalizer, `virt_api::MIGRATION_FINALIZER`) before the handoff to
//! virt-handler is failed at once ("Migration failed due to being canceled", its target pod
//! deleted); after the handoff the VMI's `migrationState.abortRequested` is set and the
//! source handler aborts, which fails the migration as any source failure does. Once the
//! deleted VMIM is final the finalizer is removed and the VMIM goes.
//! A finished migration's reconcile garbage-collects the VMI's finished migrations beyond
//! the newest 5 (`garbageCollectFinalizedMigrations`, `defaultFinalizedMigrationGarbageCollectionBuffer`),
//! and deletes a finished migration whose VMI is gone ("Deleting migration for deleted vmi");
//! read at kubevirt v1.3.1, `pkg/virt-controller/watch/migration.go` (`execute`).
//! Left out: migration policies, hotplug attachment pods, expectation timeouts, the 900 s
//! catch-all pending timeout, PDB expansion, the `migrationAbortRequested` condition, and
//! the finalizer's removal from a final VMIM nobody deletes (it only holds a deletion).

use super::launcher::{launcher_pod, LauncherConfig};
use super::node_labeller::{host_model_target_selector, CPU_FEATURE, CPU_MODEL_MIGRATION};
use super::virt_api::MIGRATION_FINALIZER;
use crate::engine::{SimDuration, SimTime};
use crate::kube::object::{CpuMode, MigrationState};
use crate::kube::workqueue::RateLimiterKind;
use crate::kube::{
    ApiError, Ctx, Indexers, Kind, MigrationPhase, Obj, ObjId, Outcome, PodPhase, Reader,
    ReconcileError, ReconcileResult, Reconciler,
};
use std::collections::BTreeSet;

/// `virtv1.EvacuationMigrationAnnotation`.
pub const EVACUATION_ANNOTATION: &str = "kubevirt.io/evacuationMigration";
/// `ParallelMigrationsPerCluster` and `ParallelOutboundMigrationsPerNode` defaults.
pub const PARALLEL_PER_CLUSTER: usize = 5;
pub const PARALLEL_OUTBOUND_PER_NODE: usize = 2;
/// `defaultFinalizedMigrationGarbageCollectionBuffer`: how many finished migrations of a VMI
/// are kept before the oldest are deleted.
pub const FINALIZED_MIGRATION_GC_BUFFER: usize = 5;
/// `defaultUnschedulablePendingTimeoutSeconds`.
pub const UNSCHEDULABLE_TIMEOUT: SimDuration = SimDuration::from_secs(300);

pub struct MigrationController {
    /// `additionalGuestMemoryOverheadRatio` in the KubeVirt CR.
    launcher: LauncherConfig,
    /// VMIMs whose target pod was created but not yet seen in the pod informer.
    expecting_pod: BTreeSet<ObjId>,
}

impl MigrationController {
    pub fn new(launcher: LauncherConfig) -> Self {
        MigrationController {
            launcher,
            expecting_pod: BTreeSet::new(),
        }
    }
}

fn set_phase(ctx: &mut Ctx<'_>, vmim: &Obj, phase: MigrationPhase) -> ReconcileResult {
    set_phase_with(ctx, vmim, phase, None)
}

fn set_phase_with(
    ctx: &mut Ctx<'_>,
    vmim: &Obj,
    phase: MigrationPhase,
    failure: Option<String>,
) -> ReconcileResult {
    let mut next = vmim.clone();
    let b = next.vmim_mut();
    b.phase = phase;
    if phase != MigrationPhase::Pending {
        b.rejected_by_quota = false;
    }
    if phase.is_final() {
        b.finished_at = Some(ctx.now);
        b.failure_reason = failure;
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
    fail_with(ctx, vmim, reason, None)
}

/// Fails the migration; `failure` is the source handler's `failureReason`, if any.
fn fail_with(
    ctx: &mut Ctx<'_>,
    vmim: &Obj,
    reason: &str,
    failure: Option<String>,
) -> ReconcileResult {
    let key = vmim.meta.key();
    let text = match &failure {
        Some(f) => format!("{reason}: {f}"),
        None => reason.to_string(),
    };
    ctx.log(|| format!("FailedMigration {key}: {text}"));
    if let Some(pod) = &vmim.vmim().target_pod {
        let _ = ctx.delete(Kind::Pod, &vmim.meta.namespace, pod);
    }
    set_phase_with(
        ctx,
        vmim,
        MigrationPhase::Failed,
        Some(failure.unwrap_or(text)),
    )
}

/// `garbageCollectFinalizedMigrations`: the names of a VMI's finished migrations (not being
/// deleted) beyond the newest `FINALIZED_MIGRATION_GC_BUFFER`, oldest first. KubeVirt sorts
/// by creation time with `sort.Sort`, which leaves equal times in no fixed order; here equal
/// times go by name, so the choice is deterministic.
fn finalized_to_collect(read: Reader<'_>, ns: &str, vmi: &str) -> Vec<String> {
    let mut done: Vec<(SimTime, String)> = read
        .indexes()
        .vmims_of(ns, vmi)
        .iter()
        .filter_map(|&i| read.obj(i))
        .filter(|m| m.vmim().phase.is_final() && m.meta.deletion_timestamp.is_none())
        .map(|m| (m.meta.creation_timestamp, m.meta.name.to_string()))
        .collect();
    done.sort();
    let excess = done.len().saturating_sub(FINALIZED_MIGRATION_GC_BUFFER);
    done.into_iter().take(excess).map(|(_, n)| n).collect()
}

/// `handleMigrationBackoff`: how long an evacuation migration still waits, from the
/// consecutive failed evacuations of the same VMI before it (20 s, doubling).
fn evacuation_backoff(read: Reader<'_>, vmim: &Obj, now: SimTime) -> Option<SimDuration> {
    vmim.annotation(EVACUATION_ANNOTATION)?;
    let mut earlier: Vec<&Obj> = read
        .indexes()
        .vmims_of(&vmim.meta.namespace, &vmim.vmim().vmi_name)
        .iter()
        .filter_map(|&i| read.obj(i))
        .map(|m| &**m)
        .filter(|m| {
            m.vmim().vmi_name == vmim.vmim().vmi_name
                && m.annotation(EVACUATION_ANNOTATION).is_some()
                && m.meta.uid != vmim.meta.uid
                && m.meta.creation_timestamp <= vmim.meta.creation_timestamp
        })
        .collect();
    // Newest first.
    earlier.sort_by(|a, b| {
        (b.meta.creation_timestamp, &b.meta.uid).cmp(&(a.meta.creation_timestamp, &a.meta.uid))
    });
    let mut backoff = SimDuration::ZERO;
    let mut last_failed: Option<SimTime> = None;
    for m in earlier {
        match m.vmim().phase {
            MigrationPhase::Succeeded => break,
            MigrationPhase::Failed => {
                backoff = if backoff == SimDuration::ZERO {
                    SimDuration::from_secs(20)
                } else {
                    backoff + backoff
                };
                last_failed = last_failed.max(m.vmim().finished_at);
            }
            _ => {}
        }
    }
    let until = last_failed? + backoff;
    (now < until).then(|| until - now)
}

/// Migrations with a target pod that have not ended (`findRunningMigrations`), and how
/// many of them leave `node`.
fn running_migrations(read: Reader<'_>, node: &str) -> (usize, usize) {
    let mut all = 0;
    let mut outbound = 0;
    for m in read
        .indexes()
        .unfinished_vmims()
        .iter()
        .filter_map(|&i| read.obj(i))
    {
        // `findRunningMigrations`: past Pending, or Pending with its target pod in the cache.
        let p = m.vmim().phase;
        if p.is_final()
            || matches!(p, MigrationPhase::Unset)
            || (p == MigrationPhase::Pending && !has_target_pod(read, m))
        {
            continue;
        }
        all += 1;
        let on = read
            .get(
                Kind::VirtualMachineInstance,
                &m.meta.namespace,
                &m.vmim().vmi_name,
            )
            .is_some_and(|v| v.vmi().node == node);
        if on {
            outbound += 1;
        }
    }
    (all, outbound)
}

/// Whether the migration's target pod is in the cache (`target_pod(..).is_some()`, without
/// putting the VMI's pods in name order).
fn has_target_pod(read: Reader<'_>, vmim: &Obj) -> bool {
    read.indexes()
        .pods_of_vmi(&vmim.meta.namespace, &vmim.vmim().vmi_name)
        .iter()
        .filter_map(|&i| read.obj(i))
        .any(|p| is_target_pod_of(p, vmim))
}

fn is_target_pod_of(p: &Obj, vmim: &Obj) -> bool {
    p.pod().migration_uid.as_deref() == Some(vmim.meta.uid.as_str())
        && p.meta.deletion_timestamp.is_none()
}

fn target_pod(read: Reader<'_>, vmim: &Obj) -> Option<crate::kube::Snap> {
    let pods = read
        .indexes()
        .pods_of_vmi(&vmim.meta.namespace, &vmim.vmim().vmi_name);
    read.in_name_order(pods)
        .into_iter()
        .find(|(_, p)| is_target_pod_of(p, vmim))
        .map(|(_, p)| p.clone())
}

impl MigrationController {
    /// `handlePendingPodTimeout` for an unschedulable target pod.
    fn pending_timeout(
        &mut self,
        ctx: &mut Ctx<'_>,
        vmim: &Obj,
        vmi: &Obj,
        pod: &Obj,
    ) -> ReconcileResult {
        let vk = vmi.meta.key();
        if vmi.vmi().domain.cpu_model == CpuMode::HostModel {
            let wanted: Vec<String> = pod
                .pod()
                .node_selector
                .iter()
                .filter(|(k, _)| k.starts_with(CPU_FEATURE) || k.starts_with(CPU_MODEL_MIGRATION))
                .map(|(k, v)| format!("{k}:{v}"))
                .collect();
            ctx.log(|| {
                format!(
                    "NoSuitableNodesForHostModelMigration {vk}: Migration cannot proceed since no node is suitable to run the required CPU model / required features: map[{}]",
                    wanted.join(" ")
                )
            });
        }
        ctx.log(|| {
            format!(
                "MigrationTargetPodUnschedulable: Migration target pod for VMI [{vk}] is currently unschedulable."
            )
        });
        let pending = ctx.now - pod.meta.creation_timestamp;
        if pending < UNSCHEDULABLE_TIMEOUT {
            return Ok(Outcome::RequeueAfter(SimDuration(
                UNSCHEDULABLE_TIMEOUT.0 - pending.0,
            )));
        }
        ctx.delete(Kind::Pod, &pod.meta.namespace, &pod.meta.name)?;
        let pk = pod.meta.key();
        let mk = vmim.meta.key();
        ctx.log(|| {
            format!("SuccessfulDelete {mk}: deleted pending migration target pod {pk}: unschedulable pod timeout period exceeded")
        });
        Ok(Outcome::Done)
    }
}

impl Reconciler for MigrationController {
    fn name(&self) -> &'static str {
        "migration-controller"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachineInstanceMigration
    }

    fn watches(&self) -> Vec<Kind> {
        vec![
            Kind::VirtualMachineInstanceMigration,
            Kind::VirtualMachineInstance,
            Kind::Pod,
            Kind::ResourceQuota,
            Kind::Node,
        ]
    }

    fn rate_limiter(&self) -> RateLimiterKind {
        RateLimiterKind::ClientGoDefault
    }

    fn indexers(&self) -> Indexers {
        Indexers::PODS_BY_VMI | Indexers::VMIMS_BY_VMI | Indexers::UNFINISHED_VMIMS
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        let ns = &obj.meta.namespace;
        let ix = read.indexes();
        match obj.kind() {
            Kind::VirtualMachineInstanceMigration => out.push(id),
            // KubeVirt enqueues every migration of the VMI; a finished one's reconcile only
            // garbage-collects, which its own last update already did, so only a deleted
            // VMI wakes the finished ones (to delete them with it).
            Kind::VirtualMachineInstance => {
                let gone = obj.meta.deletion_timestamp.is_some();
                out.extend(
                    read.in_name_order(ix.vmims_of(ns, &obj.meta.name))
                        .into_iter()
                        .filter(|(_, m)| gone || !m.vmim().phase.is_final())
                        .map(|(i, _)| i),
                )
            }
            // A target pod's `kubevirt.io/created-by` is its migration's VMI.
            Kind::Pod => {
                if let Some(uid) = &obj.pod().migration_uid {
                    out.extend(
                        read.in_name_order(ix.vmims_of(ns, &obj.pod().vmi))
                            .into_iter()
                            .filter(|(_, m)| m.meta.uid == *uid)
                            .map(|(i, _)| i),
                    );
                }
            }
            // Only a Pending migration carries the condition.
            Kind::ResourceQuota => out.extend(
                read.in_name_order(ix.unfinished_vmims())
                    .into_iter()
                    .filter(|(_, m)| &m.meta.namespace == ns && m.vmim().rejected_by_quota)
                    .map(|(i, _)| i),
            ),
            _ => {}
        }
    }

    /// `addPod`: a target pod in the informer is its migration's `CreationObserved`.
    fn keys_for_added(&mut self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        let from = out.len();
        self.keys_for(id, obj, read, out);
        if obj.kind() == Kind::Pod {
            for k in &out[from..] {
                self.expecting_pod.remove(k);
            }
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(vmim) = read.by_id(key) else {
            // The migration is gone: `podExpectations.DeleteExpectations`.
            self.expecting_pod.remove(&key);
            return Ok(Outcome::Done);
        };
        let deleted = vmim.meta.deletion_timestamp.is_some();
        if deleted && vmim.vmim().phase.is_final() {
            // `RemoveFinalizer`: the deleted VMIM goes.
            let mut next = (*vmim).clone();
            next.meta.finalizers.retain(|f| f != MIGRATION_FINALIZER);
            if next.meta.finalizers != vmim.meta.finalizers {
                ctx.update(next)?;
            }
            return Ok(Outcome::Done);
        }
        if vmim.vmim().phase.is_final() {
            let ns = vmim.meta.namespace.clone();
            let vmi_name = vmim.vmim().vmi_name.clone();
            if read
                .get(Kind::VirtualMachineInstance, &ns, &vmi_name)
                .is_none()
            {
                // `execute`: "Deleting migration for deleted vmi".
                ctx.delete(Kind::VirtualMachineInstanceMigration, &ns, &vmim.meta.name)?;
                return Ok(Outcome::Done);
            }
            for name in finalized_to_collect(read, &ns, &vmi_name) {
                ctx.delete(Kind::VirtualMachineInstanceMigration, &ns, &name)?;
            }
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
        if deleted {
            match &ms {
                // Not handed off: nothing runs yet to abort.
                None => return fail(ctx, &vmim, "Migration failed due to being canceled"),
                Some(m) if !m.completed && !m.failed && !m.abort_requested => {
                    let mut next = (*vmi).clone();
                    next.vmi_mut()
                        .migration_state
                        .as_mut()
                        .expect("present")
                        .abort_requested = true;
                    ctx.update_status(next)?;
                    let k = vmim.meta.key();
                    ctx.log(|| format!("Signaled migration {k} to be aborted."));
                    return Ok(Outcome::Done);
                }
                // Aborting, or ended: the phases below see the source's report.
                Some(_) => {}
            }
        }
        match vmim.vmim().phase {
            MigrationPhase::Unset => {
                let busy = read
                    .indexes()
                    .vmims_of(&ns, &vmim.vmim().vmi_name)
                    .iter()
                    .filter_map(|&i| read.obj(i).map(|m| (i, m)))
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
                if let Some(wait) = evacuation_backoff(read, &vmim, ctx.now) {
                    let k = vmim.meta.key();
                    ctx.log(|| {
                        format!("MigrationBackOff {k}: backoff migrating vmi for {wait} after failed evacuations")
                    });
                    return Ok(Outcome::RequeueAfter(wait));
                }
                // `handleTargetPodCreation`: no new target pod while another migration's
                // is created but not yet in the pod informer (`AllPendingCreations`).
                if !self.expecting_pod.is_empty() {
                    return Ok(Outcome::RequeueAfter(SimDuration::from_secs(1)));
                }
                let (running, outbound) = running_migrations(read, &vmi.vmi().node);
                if running >= PARALLEL_PER_CLUSTER || outbound >= PARALLEL_OUTBOUND_PER_NODE {
                    return Ok(Outcome::RequeueAfter(SimDuration::from_secs(5)));
                }
                let mut pod = launcher_pod(&vmi, self.launcher, Some(&vmim.meta.uid));
                if vmi.vmi().domain.cpu_model == CpuMode::HostModel {
                    let pods = read.indexes().pods_of_vmi(&ns, &vmi.meta.name);
                    let source_pod = read.in_name_order(pods).into_iter().find(|(_, p)| {
                        p.pod().vmi == vmi.meta.name
                            && p.pod().node.as_deref() == Some(vmi.vmi().node.as_str())
                            && p.pod().phase == PodPhase::Running
                    });
                    let node = read.get(Kind::Node, "", &vmi.vmi().node);
                    let none = std::collections::BTreeMap::new();
                    let no_labels = crate::kube::labels::StrMap::new();
                    let selector = host_model_target_selector(
                        source_pod.map_or(&none, |(_, p)| p.pod().node_selector.as_ref()),
                        node.as_ref().map_or(&no_labels, |n| &n.meta.labels),
                    );
                    match selector {
                        Ok(sel) => {
                            std::sync::Arc::make_mut(&mut pod.pod_mut().node_selector).extend(sel)
                        }
                        Err(e) => {
                            return Err(ReconcileError::Other(format!(
                                "failed to create vmi migration target pod: {e}"
                            )))
                        }
                    }
                }
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
                        Err(ReconcileError::Wrapped(
                            [
                                "reenqueuing Migration ",
                                &k,
                                ": failed to create vmi migration target pod",
                            ]
                            .concat(),
                            e,
                        ))
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
                Some(p) if p.pod().unschedulable && p.pod().node.is_none() => {
                    self.pending_timeout(ctx, &vmim, &vmi, &p)
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
                next.vmi_mut().migration_state = Some(Box::new(MigrationState {
                    migration_uid: vmim.meta.uid.clone(),
                    source_node: source,
                    target_node: pod.pod().node.clone().unwrap_or_default(),
                    ..MigrationState::default()
                }));
                ctx.update_status(next)?;
                Ok(Outcome::Done)
            }
            MigrationPhase::PreparingTarget => match ms {
                None => fail(
                    ctx,
                    &vmim,
                    "migrationState cleared or taken over by another migration",
                ),
                // An abort before the target was ready (other failures reach the phases
                // below first, as the model has always had them).
                Some(m) if m.failed && m.abort_requested => fail_with(
                    ctx,
                    &vmim,
                    "Source node reported migration failed",
                    m.failure_reason.clone(),
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
                Some(m) if m.failed => fail_with(
                    ctx,
                    &vmim,
                    "Source node reported migration failed",
                    m.failure_reason.clone(),
                ),
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
