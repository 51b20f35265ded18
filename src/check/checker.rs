//! The checker for a scenario's invariants. It reads the API server's records of each step
//! and the server's state; it never reads a controller's cache or private state, so it
//! judges the cluster as an operator with `kubectl` would.

use super::host_view::HostViewFresh;
use crate::engine::{SimDuration, SimTime, StopReason};
use crate::kube::{ApiError, Kind, ObjId, Resource, ResourceList, Verb};
use crate::models::harvester::migration_keys::{
    has_migrating_vm, MIGRATING_NAME_PREFIX, MIGRATING_UID_PREFIX,
};
use crate::models::kubevirt::overhead::memory_overhead;
use crate::models::rancher::namespace_quota::LABEL_DEFAULT_RESOURCE_QUOTA;
use crate::models::rancher::resource_quota_sync::base_of;
use crate::scenario::{InvariantSpec, NamespaceSpec, Scenario, SometimesSpec};
use crate::sim::world::AGENT;
use crate::sim::World;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InvariantKind {
    Always,
    Eventually,
    AfterCalm,
}

impl fmt::Display for InvariantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvariantKind::Always => "always",
            InvariantKind::Eventually => "eventually",
            InvariantKind::AfterCalm => "after calm",
        })
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Violation {
    pub invariant: String,
    pub kind: InvariantKind,
    pub step: u64,
    pub time: SimTime,
    pub message: String,
}

/// When an after-calm invariant was judged, in the scenario's terms.
pub fn after_calm_note(w: &World, calm: SimDuration) -> String {
    let (now, end) = (w.sim.now(), w.calm_end(calm));
    if now >= end {
        format!(
            "judged at {now}, after the calm phase ({calm} after the last action at {})",
            w.calm_at
        )
    } else {
        format!(
            "judged at {now}, when nothing was left to happen (the calm phase would end at {end}: {calm} after the last action at {})",
            w.calm_at
        )
    }
}

/// See `Checker::at_stop`.
pub enum AtStop {
    /// A deadline is pending: step on.
    GoOn,
    /// The run is over, with this verdict.
    End(Option<Violation>),
}

pub struct Checker {
    calm: SimDuration,
    invariants: Vec<InvariantSpec>,
    namespaces: Vec<NamespaceSpec>,
    /// (deadline, VMIM id) for `migration-completes`.
    deadlines: BTreeSet<(SimTime, ObjId)>,
    sometimes: Vec<(SometimesSpec, bool)>,
    /// `host-view-fresh`, when declared.
    host_view: Option<HostViewFresh>,
    /// Per (namespace, VMI name) with a migration annotation on its quota: the overhead
    /// ratio of the Harvester version in force when that annotation was written.
    scaled_with: BTreeMap<(String, String), Option<&'static str>>,
    /// `install-completes` and `vm-running-at-setting-create` (bootstrap scenarios).
    install: super::install::InstallCheck,
    /// The upgrade's invariants and metrics (scenarios with an `upgrade` section).
    upgrade: super::upgrade::UpgradeCheck,
}

impl Checker {
    pub fn new(scn: &Scenario) -> Self {
        Checker {
            calm: scn.calm,
            invariants: scn.invariants.clone(),
            namespaces: scn.namespaces.clone(),
            deadlines: BTreeSet::new(),
            sometimes: scn.sometimes.iter().map(|s| (s.clone(), false)).collect(),
            host_view: scn.invariants.iter().find_map(|i| match i {
                InvariantSpec::HostViewFresh { within } => Some(HostViewFresh::new(*within)),
                _ => None,
            }),
            scaled_with: BTreeMap::new(),
            install: super::install::InstallCheck::new(scn),
            upgrade: super::upgrade::UpgradeCheck::new(scn),
        }
    }

    /// Per-run figures of the scenario's flows (the upgrade's).
    pub fn metrics(&self, w: &World) -> Vec<(String, String)> {
        self.upgrade.metrics(w)
    }

    pub fn sometimes(&self) -> Vec<(&'static str, bool)> {
        self.sometimes
            .iter()
            .map(|(s, hit)| (s.name(), *hit))
            .collect()
    }

    /// The Rancher base of namespace `ns` as its annotation holds it now, so an admitted
    /// `SetQuota` moves the base the quota is judged against.
    fn base(w: &World, ns: &str) -> Option<ResourceList> {
        w.cluster
            .api
            .get(Kind::Namespace, "", ns)
            .and_then(|o| base_of(o))
    }

    fn has(&self, name: &str) -> Option<&InvariantSpec> {
        self.invariants.iter().find(|i| i.name() == name)
    }

    fn violation(w: &World, inv: &str, kind: InvariantKind, message: String) -> Violation {
        Violation {
            invariant: inv.to_string(),
            kind,
            step: w.sim.steps(),
            time: w.sim.now(),
            message,
        }
    }

    /// Called after every step.
    pub fn after_step(&mut self, w: &mut World) -> Option<Violation> {
        let within = match self.has("migration-completes") {
            Some(InvariantSpec::MigrationCompletes { within }) => Some(*within),
            _ => None,
        };
        let block_check = self.has("no-quota-block-within-base").is_some();
        self.note_scaling(w);
        let install = self.install.after_step(w);
        if self.install.reached {
            for (s, hit) in self.sometimes.iter_mut() {
                if *s == SometimesSpec::VmRunningAtSettingCreate {
                    *hit = true;
                }
            }
        }
        if install.is_some() {
            return install;
        }
        if let Some(v) = self.upgrade.after_step(w) {
            return Some(v);
        }
        let mut wake = Vec::new();
        for r in &w.cluster.api.records {
            match (&r.verb, r.kind, &r.result) {
                (Verb::Create, Kind::VirtualMachineInstanceMigration, Ok(())) => {
                    if let (Some(d), Some(after)) = (within, &r.after) {
                        let id = w
                            .cluster
                            .api
                            .store
                            .id_of(r.kind, &r.namespace, &r.name)
                            .expect("created");
                        let t = after.meta.creation_timestamp + d;
                        self.deadlines.insert((t, id));
                        wake.push(t);
                    }
                }
                (Verb::Create, Kind::Pod, Err(ApiError::QuotaExceeded(d))) if block_check => {
                    let (requested, used, limited, quota) =
                        (&d.requested, &d.used, &d.limited, &d.quota);
                    if let Some(base) = Self::base(w, &r.namespace) {
                        let room = requested.iter().all(|(res, q)| {
                            let u = used.get(res).unwrap_or_default();
                            base.get(res).is_none_or(|b| u + q <= b)
                        });
                        if room {
                            return Some(Self::violation(
                                w,
                                "no-quota-block-within-base",
                                InvariantKind::Always,
                                format!(
                                    "pod {}/{} was rejected by quota {} although the Rancher base has room: used {} + requested {} fits base {}, but the quota's status.hard is {}",
                                    r.namespace,
                                    r.name,
                                    quota,
                                    used.pretty(),
                                    requested.pretty(),
                                    base.masked(requested).pretty(),
                                    limited.pretty()
                                ),
                            ));
                        }
                    }
                }
                (Verb::Update, Kind::ResourceQuota, Ok(()))
                    if w.cluster.actors[r.actor as usize] == AGENT =>
                {
                    if let (Some(before), Some(after)) = (&r.before, &r.after) {
                        if has_migrating_vm(&before.meta)
                            && before.rq().spec_hard != after.rq().spec_hard
                        {
                            for (s, hit) in self.sometimes.iter_mut() {
                                if *s == SometimesSpec::ResetDuringMigration {
                                    *hit = true;
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for t in wake {
            w.wake_at(t);
        }
        let now = w.sim.now();
        while let Some(&(t, id)) = self.deadlines.first() {
            if t > now {
                break;
            }
            self.deadlines.pop_first();
            if let Some(v) = self.check_migration_final(w, id, t) {
                return Some(v);
            }
        }
        if let Some(m) = self.host_view.as_mut().and_then(|h| h.after_step(w)) {
            return Some(Self::violation(
                w,
                "host-view-fresh",
                InvariantKind::Eventually,
                m,
            ));
        }
        None
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
                    .map(|v| v.meta.name.clone())
            };
            for k in old.keys().filter(|k| !new.contains_key(*k)) {
                if let Some(vm) = vm_of(k) {
                    self.scaled_with.remove(&(r.namespace.clone(), vm));
                }
            }
            for k in new.keys().filter(|k| !old.contains_key(*k)) {
                if let Some(vm) = vm_of(k) {
                    self.scaled_with
                        .insert((r.namespace.clone(), vm), w.behaviours.overhead_ratio);
                }
            }
        }
    }

    fn check_migration_final(&self, w: &World, id: ObjId, deadline: SimTime) -> Option<Violation> {
        let vmim = w.cluster.api.store.get(id)?;
        let b = vmim.vmim();
        if b.phase.is_final() {
            return None;
        }
        let within = deadline - vmim.meta.creation_timestamp;
        let cond = if b.rejected_by_quota {
            " with condition migrationRejectedByResourceQuota"
        } else {
            ""
        };
        Some(Self::violation(
            w,
            "migration-completes",
            InvariantKind::Eventually,
            format!(
                "migration {} of VM {} did not reach Succeeded or Failed within {within} (deadline {deadline}: created at {} + {within}): still {}{cond}",
                vmim.meta.key(),
                b.vmi_name,
                vmim.meta.creation_timestamp,
                b.phase.name()
            ),
        ))
    }

    /// The earliest deadline after now of an eventually-within-T invariant (or a bounded
    /// safety one) whose subject is still undecided: the run must go on until then.
    pub fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        let now = w.sim.now();
        let store = &w.cluster.api.store;
        let migration = self
            .deadlines
            .iter()
            .filter(|(t, id)| {
                *t > now && store.get(*id).is_some_and(|m| !m.vmim().phase.is_final())
            })
            .map(|(t, _)| *t)
            .next();
        [
            migration,
            self.install.pending_deadline(w),
            self.upgrade.pending_deadline(w),
            self.host_view.as_ref().and_then(|h| h.pending_deadline(w)),
        ]
        .into_iter()
        .flatten()
        .filter(|t| *t > now)
        .min()
    }

    /// What a run does when the world stops (`World::step` says why): an eventually-within-T
    /// invariant is never judged before its deadline, so a run that runs out of events or
    /// reaches the end of its calm phase while a deadline is pending goes on until that
    /// deadline (the event budget still bounds it); otherwise the run ends with the verdict.
    pub fn at_stop(&mut self, w: &mut World, stop: StopReason) -> AtStop {
        if stop != StopReason::Budget {
            if let Some(t) = self.pending_deadline(w) {
                w.extend_to(t);
                return AtStop::GoOn;
            }
        }
        AtStop::End(self.at_end(w, stop))
    }

    /// Called once when the run ends (calm phase over, or nothing left to happen).
    pub fn at_end(&mut self, w: &World, stop: StopReason) -> Option<Violation> {
        if stop == StopReason::Budget {
            let waiting = match self.pending_deadline(w) {
                Some(t) => format!(", with a deadline at {t} still to judge"),
                None => String::new(),
            };
            return Some(Self::violation(
                w,
                "within-budget",
                InvariantKind::Always,
                format!(
                    "the run did not end within its event budget ({} events){waiting}: a livelock?",
                    w.sim.steps()
                ),
            ));
        }
        if let Some(v) = self.install.at_end(w) {
            return Some(v);
        }
        if let Some(v) = self.upgrade.at_end(w) {
            return Some(v);
        }
        if let Some(InvariantSpec::MigrationCompletes { within }) = self.has("migration-completes")
        {
            // Every deadline up to now was judged in `after_step`, and the run went on until
            // every pending one; what is left is a migration whose deadline the run reached.
            let now = w.sim.now();
            let store = &w.cluster.api.store;
            for id in store.ids_of(Kind::VirtualMachineInstanceMigration) {
                let Some(v) = store.get(id) else {
                    continue;
                };
                let deadline = v.meta.creation_timestamp + *within;
                if !v.vmim().phase.is_final() && deadline <= now {
                    return self.check_migration_final(w, id, deadline);
                }
            }
        }
        if self.has("quota-converges").is_some() {
            if let Some(v) = self.quota_converges(w) {
                return Some(v);
            }
        }
        if let Some(m) = self.host_view.as_ref().and_then(|h| h.at_end(w)) {
            return Some(Self::violation(
                w,
                "host-view-fresh",
                InvariantKind::Eventually,
                m,
            ));
        }
        None
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
    fn quota_converges(&self, w: &World) -> Option<Violation> {
        let store = &w.cluster.api.store;
        for ns in &self.namespaces {
            let Some(base) = Self::base(w, &ns.name) else {
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
                                    .get(&(ns.name.clone(), vmi.meta.name.clone()))
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
                return Some(Self::violation(
                    w,
                    "quota-converges",
                    InvariantKind::AfterCalm,
                    format!(
                        "ResourceQuota {key} spec.hard is {}, expected {} = Rancher base {} + {what}{tail}; {}",
                        hard.pretty(),
                        want.pretty(),
                        base.pretty(),
                        after_calm_note(w, self.calm)
                    ),
                ));
            }
            if status != hard {
                return Some(Self::violation(
                    w,
                    "quota-converges",
                    InvariantKind::AfterCalm,
                    format!(
                        "ResourceQuota {key} status.hard {} never caught up with spec.hard {}; {}",
                        status.pretty(),
                        hard.pretty(),
                        after_calm_note(w, self.calm)
                    ),
                ));
            }
            if active.is_empty() {
                let leaked: Vec<&String> = rq
                    .meta
                    .annotations
                    .keys()
                    .filter(|k| {
                        k.starts_with(MIGRATING_NAME_PREFIX) || k.starts_with(MIGRATING_UID_PREFIX)
                    })
                    .collect();
                if !leaked.is_empty() {
                    return Some(Self::violation(
                        w,
                        "quota-converges",
                        InvariantKind::AfterCalm,
                        format!(
                            "ResourceQuota {key} still carries {} with no migration active; {}",
                            leaked
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            after_calm_note(w, self.calm)
                        ),
                    ));
                }
            }
        }
        None
    }
}
