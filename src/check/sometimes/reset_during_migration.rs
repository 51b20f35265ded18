//! `reset-during-migration`: Rancher's agent rewrote a quota's `spec.hard` while a Harvester
//! migration annotation was on it (the window of the quota race).

use crate::check::Sometimes;
use crate::kube::{Kind, Verb};
use crate::models::harvester::migration_keys::has_migrating_vm;
use crate::sim::world::AGENT;
use crate::sim::World;

pub struct ResetDuringMigration;

impl Sometimes for ResetDuringMigration {
    fn name(&self) -> &'static str {
        "reset-during-migration"
    }

    fn reached(&mut self, w: &World) -> bool {
        w.cluster.api.records.iter().any(|r| {
            if (r.verb, r.kind) != (Verb::Update, Kind::ResourceQuota)
                || r.result.is_err()
                || w.cluster.actor_name(r.actor) != AGENT
            {
                return false;
            }
            let (Some(before), Some(after)) = (&r.before, &r.after) else {
                return false;
            };
            has_migrating_vm(&before.meta) && before.rq().spec_hard != after.rq().spec_hard
        })
    }
}
