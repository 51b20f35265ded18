//! `progress` (after calm, generic): once the cluster is calm, nothing is stuck half-way:
//! - no controller's key keeps failing: the message quotes its last error, as its log would;
//! - no migration is still in a non-final phase (KubeVirt ends every migration Succeeded or
//!   Failed, if need be by its pending timeouts);
//! - no Upgrade is still running;
//! - every pod on a node is Running and Ready, or has finished (a crash-looping container
//!   is not).

use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::object::NodeUpgradeState;
use crate::kube::{Kind, PodPhase};
use crate::scenario::Scenario;
use crate::sim::World;

pub struct Progress {
    calm: SimDuration,
}

impl Progress {
    pub fn new(scn: &Scenario) -> Self {
        Progress { calm: scn.calm }
    }
}

fn stuck(w: &World) -> Option<String> {
    // A failing key first: its error is the likeliest reason for the rest.
    if let Some(k) = w.cluster.failing_keys().into_iter().next() {
        return Some(format!(
            "{} of {} keeps failing on {} ({} failures in a row), last error: {}",
            k.controller, k.process, k.object, k.failures, k.error
        ));
    }
    let store = &w.cluster.api.store;
    if let Some(m) = store
        .list_all(Kind::VirtualMachineInstanceMigration)
        .find(|m| !m.vmim().phase.is_final())
    {
        return Some(format!(
            "migration {} of VM {} is still {} (created at {})",
            m.meta.key(),
            m.vmim().vmi_name,
            m.vmim().phase.name(),
            m.meta.creation_timestamp
        ));
    }
    if let Some(u) = store
        .list_all(Kind::Upgrade)
        .find(|u| !matches!(u.upgrade().state.as_str(), "Succeeded" | "Failed"))
    {
        let node = u
            .upgrade()
            .nodes
            .iter()
            .find(|(_, s)| **s != NodeUpgradeState::Succeeded)
            .map(|(n, s)| format!(": node {n} is {}", s.name()))
            .unwrap_or_default();
        return Some(format!(
            "upgrade {} is still {}{node}",
            u.meta.key(),
            if u.upgrade().state.is_empty() {
                "without a state"
            } else {
                u.upgrade().state.as_str()
            }
        ));
    }
    if let Some(p) = store.list_all(Kind::Pod).find(|p| {
        let b = p.pod();
        b.node.is_some()
            && !matches!(b.phase, PodPhase::Succeeded | PodPhase::Failed)
            && !(b.phase == PodPhase::Running && b.ready)
    }) {
        let b = p.pod();
        return Some(format!(
            "pod {} on {} is {:?}{}",
            p.meta.key(),
            b.node.as_deref().unwrap_or(""),
            b.phase,
            if b.phase == PodPhase::Running {
                " but not Ready"
            } else {
                ""
            }
        ));
    }
    None
}

impl Invariant for Progress {
    fn name(&self) -> &'static str {
        "progress"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        stuck(w).map(|m| format!("{m}; {}", after_calm_note(w, self.calm)))
    }
}
