//! KubeVirt v1.3's evacuation controller (`pkg/virt-controller/watch/drain/evacuation`),
//! keyed by node: while a node carries the drain taint `kubevirt.io/drain`, it creates a
//! `kubevirt-evacuation-*` migration (annotation `kubevirt.io/evacuationMigration=<node>`)
//! for every VMI on the node that is live-migratable, has an eviction strategy of
//! `LiveMigrate`/`LiveMigrateIfPossible`, and has no unfinished migration, within
//! `freeSpots = min(5 − active migrations in the cluster, 2 − active migrations from this
//! node)`; with no free spot, or more candidates than spots, it looks again after 5 s.
//! (The backoff after failed evacuations is the migration controller's,
//! `migration.rs` `evacuation_backoff`.)
//!
//! Like the real controller it keeps *expectations*: after creating migrations for a node it
//! creates no more for that node until its informer has seen them; a create that fails
//! lowers them again (`CreationObserved` in `sync`), or the node would wait forever.
//!
//! Simplifications: "active" counts every unfinished migration; candidates are taken in name
//! order; the VMI's single-active-pod condition is not checked.

use super::migration::{EVACUATION_ANNOTATION, PARALLEL_OUTBOUND_PER_NODE, PARALLEL_PER_CLUSTER};
use crate::engine::{SimDuration, TraceCat};
use crate::kube::object::VmimBody;
use crate::kube::{
    Body, Ctx, Kind, Meta, MigrationPhase, Obj, ObjId, Outcome, Reader, ReconcileResult,
    Reconciler, VmiPhase,
};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Default)]
pub struct EvacuationController {
    /// Per node: VMIs whose evacuation migration was created but not yet seen, with how many
    /// evacuation migrations of that VMI the informer must show.
    expecting: BTreeMap<ObjId, BTreeMap<(String, String), usize>>,
}

const RECHECK: SimDuration = SimDuration::from_secs(5);

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

    fn indexed(&self) -> bool {
        true
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        match obj.kind() {
            Kind::Node => out.push(id),
            Kind::VirtualMachineInstance => {
                out.extend(read.id_of(Kind::Node, "", &obj.vmi().node));
            }
            Kind::VirtualMachineInstanceMigration => {
                if let Some(n) = obj.annotation(EVACUATION_ANNOTATION) {
                    out.extend(read.id_of(Kind::Node, "", n));
                }
            }
            _ => {}
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let tracing = ctx.trace.wants(TraceCat::Log);
        let read = ctx.read();
        let Some(node) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        if !node.node().drain_taint {
            return Ok(Outcome::Done);
        }
        let name = node.meta.name.clone();
        // Unfinished migrations: how many in all, how many leave this node, and for which VMIs.
        let mut migrating: BTreeSet<(&str, &str)> = BTreeSet::new();
        let mut active = 0usize;
        let mut from_node = 0usize;
        let ix = read.indexes();
        for m in ix.unfinished_vmims().iter().filter_map(|&i| read.obj(i)) {
            if m.meta.deletion_timestamp.is_some() {
                continue;
            }
            active += 1;
            let on_node = read
                .get(
                    Kind::VirtualMachineInstance,
                    &m.meta.namespace,
                    &m.vmim().vmi_name,
                )
                .is_some_and(|v| v.vmi().node == name);
            if on_node {
                from_node += 1;
            }
            migrating.insert((m.meta.namespace.as_str(), m.vmim().vmi_name.as_str()));
        }
        if let Some(e) = self.expecting.get_mut(&key) {
            // How many evacuation migrations of each expected VMI the informer shows.
            let seen = |(ns, vmi): &(String, String)| {
                ix.vmims_of(ns, vmi)
                    .iter()
                    .filter_map(|&i| read.obj(i))
                    .filter(|m| m.annotation(EVACUATION_ANNOTATION).is_some())
                    .count()
            };
            e.retain(|k, n| seen(k) < *n);
            if !e.is_empty() {
                return Ok(Outcome::Done);
            }
            self.expecting.remove(&key);
        }
        let is_candidate = |v: &Obj| {
            let b = v.vmi();
            b.node == name
                && b.phase == VmiPhase::Running
                && v.meta.deletion_timestamp.is_none()
                && b.domain.evict
                && b.domain.live_migratable
                && !migrating.contains(&(v.meta.namespace.as_str(), v.meta.name.as_str()))
        };
        let free = PARALLEL_PER_CLUSTER
            .saturating_sub(active)
            .min(PARALLEL_OUTBOUND_PER_NODE.saturating_sub(from_node));
        // The VMIs on the node (virt-controller's VMI indexer `node`), in name order.
        let on_node = read.in_name_order(ix.vmis_on(&name));
        if free == 0 && !tracing {
            // No spot: only whether to look again matters (the count is for the log line).
            let any = on_node.iter().any(|(_, v)| is_candidate(v));
            return Ok(if any {
                Outcome::RequeueAfter(RECHECK)
            } else {
                Outcome::Done
            });
        }
        let candidates: Vec<(String, String)> = on_node
            .iter()
            .map(|(_, v)| v)
            .filter(|v| is_candidate(v))
            .map(|v| (v.meta.namespace.clone(), v.meta.name.clone()))
            .collect();
        if candidates.is_empty() {
            return Ok(Outcome::Done);
        }
        let selected: Vec<(String, String, usize)> = candidates
            .iter()
            .take(free)
            .map(|(ns, vmi)| {
                let seen = ix
                    .vmims_of(ns, vmi)
                    .iter()
                    .filter_map(|&i| read.obj(i))
                    .filter(|m| m.annotation(EVACUATION_ANNOTATION).is_some())
                    .count();
                (ns.clone(), vmi.clone(), seen)
            })
            .collect();
        let (n_active, n_cand, n_sel) = (active, candidates.len(), selected.len());
        ctx.log(|| {
            format!("node: {name}, migrations: {n_active}, candidates: {n_cand}, selected: {n_sel}")
        });
        let mut first_error = None;
        for (ns, vmi, seen) in selected {
            let expected = (ns.clone(), vmi.clone());
            self.expecting
                .entry(key)
                .or_default()
                .insert(expected.clone(), seen + 1);
            let mut meta = Meta {
                generate_name: "kubevirt-evacuation-".into(),
                namespace: ns,
                finalizers: vec![super::virt_api::MIGRATION_FINALIZER.into()],
                ..Meta::default()
            };
            meta.annotations
                .insert(EVACUATION_ANNOTATION.into(), name.clone());
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
                // (a generated name taken already, an admission denial), so it is not waited
                // for; the other creations still go ahead, and the first error is returned.
                if let Some(m) = self.expecting.get_mut(&key) {
                    m.remove(&expected);
                    if m.is_empty() {
                        self.expecting.remove(&key);
                    }
                }
                first_error.get_or_insert(e);
            }
        }
        if let Some(e) = first_error {
            return Err(e.into());
        }
        if n_cand > n_sel {
            return Ok(Outcome::RequeueAfter(RECHECK));
        }
        Ok(Outcome::Done)
    }

    fn reset(&mut self) {
        self.expecting.clear();
    }
}
