//! `quota-converges` (after calm): every default quota's `spec.hard` (and `status.hard`)
//! equals the Rancher base plus the deltas of migrations still active, and no annotation of
//! a finished migration is left.

use crate::check::observe::rancher_base;
use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::{Kind, Resource, ResourceList, Verb};
use crate::models::harvester::migration_keys::{MIGRATING_NAME_PREFIX, MIGRATING_UID_PREFIX};
use crate::models::kubevirt::overhead::memory_overhead;
use crate::models::rancher::namespace_quota::LABEL_DEFAULT_RESOURCE_QUOTA;
use crate::scenario::{NamespaceSpec, Scenario};
use crate::sim::World;
use smol_str::SmolStr;
use std::collections::BTreeMap;

pub struct QuotaConverges {
    calm: SimDuration,
    namespaces: Vec<NamespaceSpec>,
    /// Per (namespace, VMI name) with a migration annotation on its quota: the overhead
    /// ratio of the Harvester version in force when that annotation was written.
    scaled_with: BTreeMap<(String, String), Option<&'static str>>,
}

impl QuotaConverges {
    pub fn new(scn: &Scenario) -> Self {
        QuotaConverges {
            calm: scn.calm,
            namespaces: scn.namespaces.clone(),
            scaled_with: BTreeMap::new(),
        }
    }

    /// Notes which version's overhead rule scaled each migrating VM: a quota write that adds
    /// a migration key (either shape) was made under the version in force now, and one that
    /// removes it ends that scaling. Only keys are read here, never the deltas written.
    fn note_scaling(&mut self, w: &World) {
        for r in &w.cluster.api.records {
            if r.kind != Kind::ResourceQuota || r.verb != Verb::Update || r.result.is_err() {
                continue;
            }
            let (Some(before), Some(after)) = (&r.before, &r.after) else {
                continue;
            };
            let (old, new) = (&before.meta.annotations, &after.meta.annotations);
            if old.keys().eq(new.keys()) {
                continue;
            }
            let vm_of = |k: &str| -> Option<String> {
                if let Some(name) = k.strip_prefix(MIGRATING_NAME_PREFIX) {
                    return Some(name.to_string());
                }
                let uid = k.strip_prefix(MIGRATING_UID_PREFIX)?;
                w.cluster
                    .api
                    .store
                    .list(Kind::VirtualMachineInstance, &r.namespace)
                    .find(|v| v.meta.uid == uid)
                    .map(|v| v.meta.name.to_string())
            };
            for k in old.keys().filter(|k| !new.contains_key(k)) {
                if let Some(vm) = vm_of(k) {
                    self.scaled_with.remove(&(r.namespace.to_string(), vm));
                }
            }
            for k in new.keys().filter(|k| !old.contains_key(k)) {
                if let Some(vm) = vm_of(k) {
                    self.scaled_with
                        .insert((r.namespace.to_string(), vm), w.behaviours.overhead_ratio);
                }
            }
        }
    }

    /// `spec.hard` (and `status.hard`) of each default quota equals the Rancher base plus the
    /// deltas of migrations still active, and no annotation of a finished migration is left.
    ///
    /// Each delta is recomputed from the VMI (its limits plus KubeVirt's memory overhead), not
    /// read from the annotations: an oracle made of what Harvester wrote would agree with
    /// whatever Harvester got wrong. The overhead depends on the Harvester version (no ratio
    /// up to v1.4.1, "1.5" from v1.4.2), and after an `UpgradeHarvester` two versions have
    /// been in force. Harvester computes a delta once, when it annotates the quota, and
    /// v1.4.2 keeps counting a v1.4.1 old-key delta as written, so a migration scaled before
    /// an upgrade and still active after it is owed the old version's delta. So the rule
    /// used is that of the version in force when the migration's key was written
    /// (`note_scaling`), or of the version in force now for a migration not yet scaled.
    fn judge(&self, w: &World) -> Option<String> {
        let store = &w.cluster.api.store;
        for ns in &self.namespaces {
            let Some(base) = rancher_base(w, &ns.name) else {
                continue;
            };
            let Some(rq) = store
                .list(Kind::ResourceQuota, &ns.name)
                .find(|rq| rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"))
            else {
                continue;
            };
            let mut want = base;
            let mut active = Vec::new();
            for m in store.list(Kind::VirtualMachineInstanceMigration, &ns.name) {
                if m.vmim().phase.is_final() {
                    continue;
                }
                let Some(vmi) = store
                    .list(Kind::VirtualMachineInstance, &ns.name)
                    .find(|v| v.meta.name == m.vmim().vmi_name)
                else {
                    continue;
                };
                let b = vmi.vmi();
                let mut d = ResourceList::new();
                if base.has(Resource::LimitsCpu) {
                    d.set(Resource::LimitsCpu, b.cpu);
                }
                if base.has(Resource::LimitsMemory) {
                    d.set(
                        Resource::LimitsMemory,
                        b.memory
                            + memory_overhead(
                                w.behaviours.kubevirt,
                                b.memory_request,
                                b.cpu.value(),
                                self.scaled_with
                                    .get(&(ns.name.clone(), vmi.meta.name.to_string()))
                                    .copied()
                                    .unwrap_or(w.behaviours.overhead_ratio),
                            ),
                    );
                }
                want = want.add(&d);
                active.push(m.vmim().vmi_name.clone());
            }
            let hard = rq.rq().spec_hard;
            let status = rq.rq().status_hard;
            let key = rq.meta.key();
            let what = if active.is_empty() {
                "no migration active".to_string()
            } else {
                format!("active migrations of {}", active.join(", "))
            };
            if hard != want {
                let below: Vec<String> = base
                    .iter()
                    .filter(|(r, q)| hard.get(*r).is_some_and(|h| h < *q))
                    .map(|(r, q)| {
                        format!(
                            "{} {} below base",
                            r.name(),
                            r.fmt_quantity(q - hard.get(r).unwrap())
                        )
                    })
                    .collect();
                let tail = if below.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", below.join(", "))
                };
                return Some(format!(
                        "ResourceQuota {key} spec.hard is {}, expected {} = Rancher base {} + {what}{tail}; {}",
                        hard.pretty(),
                        want.pretty(),
                        base.pretty(),
                        after_calm_note(w, self.calm)
                    ));
            }
            if status != hard {
                return Some(format!(
                    "ResourceQuota {key} status.hard {} never caught up with spec.hard {}; {}",
                    status.pretty(),
                    hard.pretty(),
                    after_calm_note(w, self.calm)
                ));
            }
            if active.is_empty() {
                let leaked: Vec<&SmolStr> = rq
                    .meta
                    .annotations
                    .keys()
                    .filter(|k| {
                        k.starts_with(MIGRATING_NAME_PREFIX) || k.starts_with(MIGRATING_UID_PREFIX)
                    })
                    .collect();
                if !leaked.is_empty() {
                    return Some(format!(
                        "ResourceQuota {key} still carries {} with no migration active; {}",
                        leaked
                            .iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                        after_calm_note(w, self.calm)
                    ));
                }
            }
        }
        None
    }
}

impl Invariant for QuotaConverges {
    fn name(&self) -> &'static str {
        "quota-converges"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        self.note_scaling(w);
        None
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        self.judge(w)
    }
}
