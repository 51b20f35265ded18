//! `install-completes` (eventually): the harvester deployment's pod is Ready within the
//! bound, counted from RKE2's start. A violation names the VMs the settings webhook counts
//! as not stopped and quotes the harvester container's last fatal error.
//!
//! Read like an operator would: the pod's Ready condition and the VMs from the API server,
//! the container's exits from its requests (its log).

use crate::check::{Invariant, InvariantKind};
use crate::engine::{SimDuration, SimTime};
use crate::kube::Kind;
use crate::models::harvester::settings_validator::running_vms;
use crate::sim::bootstrap::{HARVESTER_NAMESPACE, LABEL_APP_NAME};
use crate::sim::world::HARVESTER;
use crate::sim::World;

pub struct InstallCompletes {
    within: SimDuration,
    woken: bool,
    judged: bool,
    /// The last request of the harvester container that failed (its fatal error).
    last_error: Option<String>,
}

impl InstallCompletes {
    pub fn new(within: SimDuration) -> Self {
        InstallCompletes {
            within,
            woken: false,
            judged: false,
            last_error: None,
        }
    }

    fn ready(w: &World) -> bool {
        w.cluster
            .api
            .store
            .list(Kind::Pod, HARVESTER_NAMESPACE)
            .any(|p| p.label(LABEL_APP_NAME) == Some("harvester") && p.pod().ready)
    }

    fn deadline(&self) -> SimTime {
        SimTime::ZERO + self.within
    }

    fn judge(&self, w: &World) -> Option<String> {
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
        Some(format!(
            "harvester deployment {HARVESTER_NAMESPACE}/harvester not Ready within {} (deadline {}, counted from RKE2's start at {}): {why}; {vms}",
            self.within,
            self.deadline(),
            SimTime::ZERO
        ))
    }
}

impl Invariant for InstallCompletes {
    fn name(&self) -> &'static str {
        "install-completes"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Eventually
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        w.boot()?;
        for r in &w.cluster.api.records {
            if r.kind != Kind::Setting || w.cluster.actor_name(r.actor) != HARVESTER {
                continue;
            }
            if let Err(e) = &r.result {
                self.last_error = Some(format!("failed to create harvester server: {e}"));
            }
        }
        if !self.woken {
            self.woken = true;
            w.wake_at(self.deadline());
        }
        if self.judged || w.sim.now() < self.deadline() {
            return None;
        }
        self.judged = true;
        self.judge(w)
    }

    /// While the harvester pod is not Ready, the install's deadline.
    fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        (!self.judged && w.boot().is_some() && !Self::ready(w)).then_some(self.deadline())
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        if self.judged || w.boot().is_none() || w.sim.now() < self.deadline() {
            return None;
        }
        self.judged = true;
        self.judge(w)
    }
}
