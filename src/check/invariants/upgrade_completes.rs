//! `upgrade-completes` (eventually): the Upgrade is `Succeeded` within the bound, counted
//! from the start of the run. A violation names the node in progress and its state, and for
//! a node stuck draining the VMs still on it with their last migration's failure (libvirt's
//! text, or the unschedulable target's timeout).

use crate::check::observe::upgrade_succeeded;
use crate::check::{Invariant, InvariantKind};
use crate::engine::{SimDuration, SimTime};
use crate::kube::object::NodeUpgradeState;
use crate::kube::{Kind, MigrationPhase};
use crate::models::harvester::upgrade::NAMESPACE;
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use crate::scenario::Scenario;
use crate::sim::World;

pub struct UpgradeCompletes {
    within: SimDuration,
    name: Option<String>,
    woken: bool,
    judged: bool,
    finished: bool,
    /// The store revision `finished` was last judged at (the store is unchanged while it
    /// stays).
    looked: Option<u64>,
}

impl UpgradeCompletes {
    pub fn new(scn: &Scenario, within: SimDuration) -> Self {
        UpgradeCompletes {
            within,
            name: scn.upgrade.as_ref().map(|u| u.name.clone()),
            woken: false,
            judged: false,
            finished: false,
            looked: None,
        }
    }

    fn deadline(&self) -> SimTime {
        SimTime::ZERO + self.within
    }

    /// Judges once the deadline is reached: where the upgrade is, and what blocks it.
    fn judge(&mut self, w: &World) -> Option<String> {
        let name = self.name.as_deref()?;
        if self.judged || w.sim.now() < self.deadline() {
            return None;
        }
        self.judged = true;
        (!self.finished).then(|| self.stuck(w, name))
    }

    fn stuck(&self, w: &World, name: &str) -> String {
        let store = &w.cluster.api.store;
        let up = w.cluster.api.get(Kind::Upgrade, NAMESPACE, name);
        let (node, state) = up
            .and_then(|u| {
                u.upgrade()
                    .nodes
                    .iter()
                    .find(|(_, s)| **s != NodeUpgradeState::Succeeded)
                    .map(|(n, s)| (n.clone(), *s))
            })
            .unwrap_or((String::new(), NodeUpgradeState::Succeeded));
        let mut blocking = Vec::new();
        if state == NodeUpgradeState::PreDraining {
            for v in store.list_all(Kind::VirtualMachineInstance) {
                if v.label(LABEL_NODE_NAME) != Some(node.as_str()) {
                    continue;
                }
                let mut ms: Vec<_> = store
                    .list(Kind::VirtualMachineInstanceMigration, &v.meta.namespace)
                    .filter(|m| m.vmim().vmi_name == v.meta.name)
                    .collect();
                ms.sort_by(|a, b| {
                    (a.meta.creation_timestamp, &a.meta.name)
                        .cmp(&(b.meta.creation_timestamp, &b.meta.name))
                });
                let failed: Vec<_> = ms
                    .iter()
                    .filter(|m| m.vmim().phase == MigrationPhase::Failed)
                    .collect();
                let why = match (ms.last(), failed.last()) {
                    (None, _) if !v.vmi().domain.live_migratable => "its LiveMigratable condition is False: the evacuation creates no migration for it and the pre-drain detector did not stop it".into(),
                    (None, _) => "no migration was created for it".into(),
                    (Some(m), None) => {
                        format!("its migration {} is {}", m.meta.name, m.vmim().phase.name())
                    }
                    (Some(m), Some(f)) => format!(
                        "{} of its {} migrations failed, the last ({}) with: {}; migration {} is {}",
                        failed.len(),
                        ms.len(),
                        f.meta.name,
                        f.vmim().failure_reason.as_deref().unwrap_or("no reason"),
                        m.meta.name,
                        m.vmim().phase.name()
                    ),
                };
                blocking.push(format!("VM {} ({why})", v.meta.key()));
            }
        }
        let mut msg = format!(
            "upgrade {name} did not reach Succeeded within {} (deadline {}, counted from the start of the run): node {node} is still {}",
            self.within,
            self.deadline(),
            state.name()
        );
        if !blocking.is_empty() {
            msg += &format!("; blocking the drain: {}", blocking.join("; "));
        }
        msg
    }
}

impl Invariant for UpgradeCompletes {
    fn name(&self) -> &'static str {
        "upgrade-completes"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Eventually
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        if !self.woken {
            self.woken = true;
            w.wake_at(self.deadline());
        }
        let name = self.name.as_deref()?;
        let rev = w.cluster.api.revision();
        if !self.finished && self.looked != Some(rev) {
            self.looked = Some(rev);
            self.finished = upgrade_succeeded(w, name);
        }
        self.judge(w)
    }

    fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        self.name.as_ref()?;
        (!self.judged && !self.finished && self.deadline() > w.sim.now()).then_some(self.deadline())
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        self.judge(w)
    }
}
