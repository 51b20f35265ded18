//! KubeVirt v1.3's evacuation controller (`pkg/virt-controller/watch/drain/evacuation`),
//! keyed by node: while a node carries the drain taint `kubevirt.io/drain`, it creates a
//! `kubevirt-evacuation-*` migration (annotation `kubevirt.io/evacuationMigration=<node>`)
//! for every VMI on the node that is not final or being deleted, has an eviction strategy
//! of `LiveMigrate`/`LiveMigrateIfPossible`, is live-migratable, and has no unfinished
//! migration (`ListUnfinishedMigrations`: every migration not Succeeded or Failed, a
//! deleted one still aborting among them), within `freeSpots = min(5 − running migrations
//! in the cluster, 2 − running migrations of this node's VMIs)`, where running is
//! `IsRunning` (a phase past Pending that is not final: a Pending migration takes no spot,
//! the migration controller holds it back itself). With no free spot it looks again after
//! 5 s; a node whose only candidates are not live-migratable is looked at again after a
//! minute (the warning events); otherwise it is woken by events: a node, a VMI on it
//! (`status.nodeName`), a migration of such a VMI, or the ADDED event of a migration it
//! created (its annotation's node). Read at kubevirt v1.3.1 `evacuation.go` and
//! `pkg/util/migrations/migrations.go`; v1.4.0 is the same logic. (The backoff after
//! failed evacuations is the migration controller's, `migration.rs` `evacuation_backoff`.)
//!
//! Like the real controller it keeps *expectations* per node: `ExpectCreations(node, n)`
//! before creating n migrations, lowered by one (`CreationObserved`) by each ADDED event of
//! a migration annotated with the node, and by each create that fails; while they are not
//! met (and younger than `ExpectationsTimeout`, 5 minutes, `pkg/controller/expectations.go`)
//! the node's reconcile does nothing. The count is of events, not of what the cache holds:
//! a migration deleted or garbage-collected after its ADDED event still counts as seen.
//!
//! Simplification: `VMIActivePodsCount(vmi) > 1` (a target or source pod of an earlier
//! migration not yet terminated) does not hold a VMI back here; pods go at once in the
//! model, so the window it guards is not modelled.

use super::migration::{EVACUATION_ANNOTATION, PARALLEL_OUTBOUND_PER_NODE, PARALLEL_PER_CLUSTER};
use crate::engine::{SimDuration, SimTime, TraceCat};
use crate::kube::object::VmimBody;
use crate::kube::{
    Body, Ctx, Indexers, Kind, Meta, MigrationPhase, Obj, ObjId, Outcome, Reader, ReconcileResult,
    Reconciler,
};
use smol_str::SmolStr;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct EvacuationController {
    /// Per node name: evacuation migrations created and not yet observed (`ExpectCreations`
    /// less `CreationObserved`), and when they were expected.
    expecting: BTreeMap<SmolStr, (i64, SimTime)>,
}

const RECHECK: SimDuration = SimDuration::from_secs(5);
/// How soon a node with only non-migratable candidates is looked at again.
const RECHECK_NON_MIGRATABLE: SimDuration = SimDuration::from_secs(60);
/// `ExpectationsTimeout`: expectations older than this count as met.
const EXPECTATIONS_TIMEOUT: SimDuration = SimDuration::from_secs(300);

/// `IsRunning`: a migration past Pending that has not ended.
fn is_running(phase: MigrationPhase) -> bool {
    !matches!(
        phase,
        MigrationPhase::Unset
            | MigrationPhase::Pending
            | MigrationPhase::Succeeded
            | MigrationPhase::Failed
    )
}

/// The node a VMI runs on, as the cache shows it (`nodeFromVMI`).
fn vmi_node(read: Reader<'_>, ns: &str, vmi: &str, out: &mut Vec<ObjId>) {
    if let Some(v) = read.get(Kind::VirtualMachineInstance, ns, vmi) {
        out.extend(read.id_of(Kind::Node, "", &v.vmi().node));
    }
}

impl Reconciler for EvacuationController {
    fn name(&self) -> &'static str {
        "evacuation-controller"
    }

    fn primary(&self) -> Kind {
        Kind::Node
    }

    fn watches(&self) -> Vec<Kind> {
        vec![
            Kind::Node,
            Kind::VirtualMachineInstance,
            Kind::VirtualMachineInstanceMigration,
        ]
    }

    fn indexers(&self) -> Indexers {
        Indexers::VMIS_BY_NODE | Indexers::UNFINISHED_VMIMS
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::Node => out.push(id),
            Kind::VirtualMachineInstance => {
                out.extend(read.id_of(Kind::Node, "", &obj.vmi().node));
            }
            // `updateMigration`/`deleteMigration`: the node its VMI is on.
            Kind::VirtualMachineInstanceMigration => {
                vmi_node(read, &obj.meta.namespace, &obj.vmim().vmi_name, out)
            }
            _ => {}
        }
    }

    /// `addMigration`: a migration this controller created (annotated with its node) is
    /// observed and wakes that node; any other wakes its VMI's node.
    fn keys_for_added(&mut self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        if obj.kind() != Kind::VirtualMachineInstanceMigration {
            return self.keys_for(id, obj, read, out);
        }
        match obj.annotation(EVACUATION_ANNOTATION) {
            Some(n) => {
                if let Some(e) = self.expecting.get_mut(n) {
                    e.0 -= 1;
                }
                out.extend(read.id_of(Kind::Node, "", n));
            }
            None => vmi_node(read, &obj.meta.namespace, &obj.vmim().vmi_name, out),
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let tracing = ctx.trace.wants(TraceCat::Log);
        let read = ctx.read();
        let Some(node) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        let name = node.meta.name.clone();
        if node.meta.deletion_timestamp.is_some() {
            // The node is gone from the cache: `DeleteExpectations`.
            self.expecting.remove(&name);
            return Ok(Outcome::Done);
        }
        if let Some(&(left, since)) = self.expecting.get(&name) {
            // `SatisfiedExpectations`: met, or expired.
            if left > 0 && ctx.now < since + EXPECTATIONS_TIMEOUT {
                return Ok(Outcome::Done);
            }
            self.expecting.remove(&name);
        }
        if !node.node().drain_taint {
            return Ok(Outcome::Done);
        }
        let ix = read.indexes();
        // The VMIs on the node (virt-controller's VMI indexer `node`), in name order.
        let on_node = read.in_name_order(ix.vmis_on(&name));
        // Sorted vectors rather than B-tree sets: built on every reconcile of a draining
        // node, for tens of names, and only searched.
        let mut names_on_node: Vec<&str> =
            on_node.iter().map(|(_, v)| v.meta.name.as_str()).collect();
        names_on_node.sort_unstable();
        // Unfinished migrations (deleted ones too): which VMIs they are for, how many run,
        // and how many of those are of a VMI of this node (`numOfVMIMForThisSourceNode`
        // matches by VMI name alone).
        let mut migrating: Vec<(&str, &str)> = Vec::new();
        let (mut running, mut from_node) = (0usize, 0usize);
        for m in ix.unfinished_vmims().iter().filter_map(|&i| read.obj(i)) {
            let b = m.vmim();
            migrating.push((m.meta.namespace.as_str(), b.vmi_name.as_str()));
            if is_running(b.phase) {
                running += 1;
                if names_on_node.binary_search(&b.vmi_name.as_str()).is_ok() {
                    from_node += 1;
                }
            }
        }
        migrating.sort_unstable();
        // `filterRunningNonMigratingVMIs`.
        let (mut candidates, mut non_migratable) = (Vec::new(), 0usize);
        for (_, v) in &on_node {
            let b = v.vmi();
            if b.phase.is_final() || v.meta.deletion_timestamp.is_some() || !b.domain.evict {
                continue;
            }
            if !b.domain.live_migratable {
                non_migratable += 1;
                continue;
            }
            if migrating
                .binary_search(&(v.meta.namespace.as_str(), v.meta.name.as_str()))
                .is_ok()
            {
                continue;
            }
            candidates.push((v.meta.namespace.clone(), v.meta.name.clone()));
        }
        if candidates.is_empty() && non_migratable == 0 {
            return Ok(Outcome::Done);
        }
        let free = PARALLEL_PER_CLUSTER as i64 - running as i64;
        let free = free.min(PARALLEL_OUTBOUND_PER_NODE as i64 - from_node as i64);
        if free <= 0 {
            return Ok(Outcome::RequeueAfter(RECHECK));
        }
        let diff = (free as usize).min(candidates.len());
        let warned = (free as usize - diff).min(non_migratable);
        if diff == 0 {
            return Ok(if warned > 0 {
                Outcome::RequeueAfter(RECHECK_NON_MIGRATABLE)
            } else {
                Outcome::Done
            });
        }
        let (n_cand, unfinished) = (candidates.len(), migrating.len());
        if tracing {
            ctx.log(|| {
                format!(
                    "node: {name}, migrations: {unfinished}, candidates: {n_cand}, selected: {diff}"
                )
            });
        }
        self.expecting.insert(name.clone(), (diff as i64, ctx.now));
        let mut first_error = None;
        for (ns, vmi) in candidates.into_iter().take(diff) {
            let mut meta = Meta {
                generate_name: "kubevirt-evacuation-".into(),
                namespace: ns,
                finalizers: vec![super::virt_api::MIGRATION_FINALIZER.into()],
                ..Meta::default()
            };
            meta.annotations
                .insert(EVACUATION_ANNOTATION, name.to_string());
            let created = ctx.create(Obj::new(
                meta,
                Body::VirtualMachineInstanceMigration(VmimBody {
                    vmi_name: vmi,
                    phase: MigrationPhase::Unset,
                    rejected_by_quota: false,
                    target_node: None,
                    target_pod: None,
                    failure_reason: None,
                    finished_at: None,
                }),
            ));
            if let Err(e) = created {
                // `CreationObserved` on a failed create: no migration will show up for it
                // (a generated name taken already, an admission denial); the other
                // creations still go ahead, and the first error is returned.
                if let Some(x) = self.expecting.get_mut(&name) {
                    x.0 -= 1;
                }
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error {
            return Err(e.into());
        }
        Ok(Outcome::Done)
    }

    fn reset(&mut self) {
        self.expecting.clear();
    }
}
