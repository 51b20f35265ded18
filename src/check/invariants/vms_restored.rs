//! `vms-restored` (after calm): every VM of the scenario runs again when the upgrade's run
//! ends (judged only in a scenario with an `upgrade` section).

use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::{Kind, VmiPhase};
use crate::scenario::Scenario;
use crate::sim::World;

pub struct VmsRestored {
    calm: SimDuration,
    upgrade: bool,
    vms: Vec<(String, String)>,
}

impl VmsRestored {
    pub fn new(scn: &Scenario) -> Self {
        VmsRestored {
            calm: scn.calm,
            upgrade: scn.upgrade.is_some(),
            vms: scn
                .vms
                .iter()
                .map(|v| (v.namespace.clone(), v.name.clone()))
                .collect(),
        }
    }
}

impl Invariant for VmsRestored {
    fn name(&self) -> &'static str {
        "vms-restored"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        if !self.upgrade {
            return None;
        }
        let down: Vec<String> = self
            .vms
            .iter()
            .filter(|(ns, vm)| {
                !w.cluster
                    .api
                    .get(Kind::VirtualMachineInstance, ns, vm)
                    .is_some_and(|v| v.vmi().phase == VmiPhase::Running)
            })
            .map(|(ns, vm)| format!("{ns}/{vm}"))
            .collect();
        (!down.is_empty()).then(|| {
            format!(
                "VMs running before the upgrade are not running at the end: {}; {}",
                down.join(", "),
                after_calm_note(w, self.calm)
            )
        })
    }
}
