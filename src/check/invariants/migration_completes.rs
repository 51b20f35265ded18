//! `migration-completes` (eventually): every migration reaches Succeeded or Failed within
//! the bound, counted from its creation.

use crate::check::{Invariant, InvariantKind};
use crate::engine::{SimDuration, SimTime};
use crate::kube::{Kind, ObjId, Verb};
use crate::sim::World;
use std::collections::BTreeSet;

pub struct MigrationCompletes {
    within: SimDuration,
    /// (deadline, VMIM id) of each migration created.
    deadlines: BTreeSet<(SimTime, ObjId)>,
}

impl MigrationCompletes {
    pub fn new(within: SimDuration) -> Self {
        MigrationCompletes {
            within,
            deadlines: BTreeSet::new(),
        }
    }

    fn check_final(w: &World, id: ObjId, deadline: SimTime) -> Option<String> {
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
        Some(format!(
            "migration {} of VM {} did not reach Succeeded or Failed within {within} (deadline {deadline}: created at {} + {within}): still {}{cond}",
            vmim.meta.key(),
            b.vmi_name,
            vmim.meta.creation_timestamp,
            b.phase.name()
        ))
    }
}

impl Invariant for MigrationCompletes {
    fn name(&self) -> &'static str {
        "migration-completes"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Eventually
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        let mut wake = Vec::new();
        for r in &w.cluster.api.records {
            if (r.verb, r.kind) != (Verb::Create, Kind::VirtualMachineInstanceMigration)
                || r.result.is_err()
            {
                continue;
            }
            if let Some(after) = &r.after {
                let id = w
                    .cluster
                    .api
                    .store
                    .id_of(r.kind, &r.namespace, &r.name)
                    .expect("created");
                let t = after.meta.creation_timestamp + self.within;
                self.deadlines.insert((t, id));
                wake.push(t);
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
            if let Some(v) = Self::check_final(w, id, t) {
                return Some(v);
            }
        }
        None
    }

    fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        let now = w.sim.now();
        let store = &w.cluster.api.store;
        self.deadlines
            .iter()
            .filter(|(t, id)| {
                *t > now && store.get(*id).is_some_and(|m| !m.vmim().phase.is_final())
            })
            .map(|(t, _)| *t)
            .next()
    }

    /// Every deadline up to now was judged after its step, and the run went on until every
    /// pending one; what is left is a migration whose deadline the run reached.
    fn at_end(&mut self, w: &World) -> Option<String> {
        let now = w.sim.now();
        let store = &w.cluster.api.store;
        for id in store.ids_of(Kind::VirtualMachineInstanceMigration) {
            let Some(v) = store.get(id) else {
                continue;
            };
            let deadline = v.meta.creation_timestamp + self.within;
            if !v.vmim().phase.is_final() && deadline <= now {
                return Self::check_final(w, id, deadline);
            }
        }
        None
    }
}
