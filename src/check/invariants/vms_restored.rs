//! `vms-restored` (after calm): every VM of the scenario runs again when the upgrade's run
//! ends (judged only in a scenario with an `upgrade` section), except a VM the user's last
//! start/stop asked to stop (`StopVm`; a `RestartVm` or `StartVm` asks it to run).

use crate::check::probes::repo_watch::asks_stop;
use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::{Kind, Verb, VmiPhase};
use crate::scenario::Scenario;
use crate::sim::World;
use std::collections::BTreeSet;

pub struct VmsRestored {
    calm: SimDuration,
    upgrade: bool,
    vms: Vec<(String, String)>,
    /// VMs (`namespace/name`) whose last user start/stop asked them to stop.
    user_stopped: BTreeSet<String>,
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
            user_stopped: BTreeSet::new(),
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

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        for r in &w.cluster.api.records {
            let (true, Ok(()), Verb::Update, Some(before), Some(after)) = (
                r.kind == Kind::VirtualMachine && r.actor == w.user,
                &r.result,
                r.verb,
                &r.before,
                &r.after,
            ) else {
                continue;
            };
            // A stop request followed by a start request is a restart.
            let restarts = after
                .vm()
                .state_change_requests
                .last()
                .is_some_and(|q| q.start);
            if asks_stop(before, after) && !restarts {
                self.user_stopped.insert(after.meta.key());
            } else {
                self.user_stopped.remove(&after.meta.key());
            }
        }
        None
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        if !self.upgrade {
            return None;
        }
        let down: Vec<String> = self
            .vms
            .iter()
            .filter(|(ns, vm)| !self.user_stopped.contains(&format!("{ns}/{vm}")))
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
