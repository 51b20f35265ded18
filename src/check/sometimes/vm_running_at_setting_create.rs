//! `vm-running-at-setting-create`: the harvester pod asked to create the `storage-network`
//! setting while a VM was Running, so a run reached Harvester #8407's race (bootstrap
//! scenarios).

use crate::check::Sometimes;
use crate::kube::{Kind, Verb};
use crate::models::harvester::settings::STORAGE_NETWORK;
use crate::sim::world::HARVESTER;
use crate::sim::World;

pub struct VmRunningAtSettingCreate;

impl Sometimes for VmRunningAtSettingCreate {
    fn name(&self) -> &'static str {
        "vm-running-at-setting-create"
    }

    fn reached(&mut self, w: &World) -> bool {
        if w.boot().is_none() {
            return false;
        }
        let asked = w.cluster.api.records.iter().any(|r| {
            r.kind == Kind::Setting
                && r.verb == Verb::Create
                && r.name == STORAGE_NETWORK
                && w.cluster.actor_name(r.actor) == HARVESTER
        });
        asked
            && w.cluster
                .api
                .store
                .list_all(Kind::VirtualMachine)
                .any(|vm| vm.vm().printable_status == "Running")
    }
}
