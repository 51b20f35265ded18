//! `install-completes` (eventually): the harvester deployment's pod is Ready within the
//! bound, counted from RKE2's start. A violation names the VMs the settings webhook counts
//! as not stopped and quotes the harvester container's last fatal error. With it, the
//! sometimes-assertion `vm-running-at-setting-create`: the harvester pod asked to create the
//! `storage-network` setting while a VM was Running, so a run reached Harvester #8407's race.
//!
//! Read like an operator would: the pod's Ready condition and the VMs from the API server,
//! the container's exits from its requests (its log).

use super::checker::{InvariantKind, Violation};
use crate::engine::{SimDuration, SimTime};
use crate::kube::{Kind, Verb};
use crate::models::harvester::settings::STORAGE_NETWORK;
use crate::models::harvester::settings_validator::running_vms;
use crate::scenario::{InvariantSpec, Scenario};
use crate::sim::bootstrap::{HARVESTER_NAMESPACE, LABEL_APP_NAME};
use crate::sim::world::HARVESTER;
use crate::sim::World;

pub const NAME: &str = "install-completes";

#[derive(Default)]
pub struct InstallCheck {
    within: Option<SimDuration>,
    woken: bool,
    judged: bool,
    /// The last request of the harvester container that failed (its fatal error).
    last_error: Option<String>,
    /// A `storage-network` create was asked for while a VM was Running.
    pub reached: bool,
}

impl InstallCheck {
    pub fn new(scn: &Scenario) -> Self {
        let within = scn.invariants.iter().find_map(|i| match i {
            InvariantSpec::InstallCompletes { within } => Some(*within),
            _ => None,
        });
        InstallCheck {
            within,
            ..Self::default()
        }
    }

    fn ready(w: &World) -> bool {
        w.cluster
            .api
            .store
            .list(Kind::Pod, HARVESTER_NAMESPACE)
            .any(|p| p.label(LABEL_APP_NAME) == Some("harvester") && p.pod().ready)
    }

    pub fn after_step(&mut self, w: &mut World) -> Option<Violation> {
        w.boot()?;
        for r in &w.cluster.api.records {
            if r.kind != Kind::Setting || w.cluster.actor_name(r.actor) != HARVESTER {
                continue;
            }
            if let Err(e) = &r.result {
                self.last_error = Some(format!("failed to create harvester server: {e}"));
            }
            if r.verb == Verb::Create && r.name == STORAGE_NETWORK {
                let running = w
                    .cluster
                    .api
                    .store
                    .list_all(Kind::VirtualMachine)
                    .any(|vm| vm.vm().printable_status == "Running");
                self.reached |= running;
            }
        }
        let within = self.within?;
        let deadline = SimTime::ZERO + within;
        if !self.woken {
            self.woken = true;
            w.wake_at(deadline);
        }
        if self.judged || w.sim.now() < deadline {
            return None;
        }
        self.judged = true;
        self.judge(w, within)
    }

    /// The deadline the run must reach before the install can be judged, while the
    /// harvester pod is not Ready.
    pub fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        let within = self.within?;
        (!self.judged && w.boot().is_some() && !Self::ready(w)).then_some(SimTime::ZERO + within)
    }

    pub fn at_end(&mut self, w: &World) -> Option<Violation> {
        let within = self.within?;
        if self.judged || w.boot().is_none() || w.sim.now() < SimTime::ZERO + within {
            return None;
        }
        self.judged = true;
        self.judge(w, within)
    }

    fn judge(&self, w: &World, within: SimDuration) -> Option<Violation> {
        if Self::ready(w) {
            return None;
        }
        let exits = w.boot().map_or(0, |b| b.exits);
        let why = match (&self.last_error, exits) {
            (_, 0) => "the harvester container has not started".to_string(),
            (Some(e), n) => format!("the harvester container exited {n} times; last error: {e}"),
            (None, n) => format!("the harvester container exited {n} times"),
        };
        let blocking: Vec<String> = running_vms(&w.cluster.api.store)
            .map(|vm| {
                let status = &vm.vm().printable_status;
                let status = if status.is_empty() { "\"\"" } else { status };
                format!("{} (printableStatus {status})", vm.meta.key())
            })
            .collect();
        let vms = if blocking.is_empty() {
            "no VM is running".to_string()
        } else {
            format!("VMs not stopped: {}", blocking.join(", "))
        };
        Some(Violation {
            invariant: NAME.to_string(),
            kind: InvariantKind::Eventually,
            step: w.sim.steps(),
            time: w.sim.now(),
            message: format!(
                "harvester deployment {HARVESTER_NAMESPACE}/harvester not Ready within {within} (deadline {}, counted from RKE2's start at {}): {why}; {vms}",
                SimTime::ZERO + within,
                SimTime::ZERO
            ),
        })
    }
}
