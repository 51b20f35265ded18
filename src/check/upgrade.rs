//! The upgrade's invariants and metrics, read from the API server as an operator would:
//! - `upgrade-completes` (eventually): the Upgrade is `Succeeded` within the bound. A
//!   violation names the node in progress and its state, and for a node stuck draining the
//!   VMs still on it with their last migration's failure (libvirt's text, or the
//!   unschedulable target's timeout);
//! - `repo-available` (always): while the upgrade runs, the repo (the repo VM's HTTP server:
//!   `upgrade_jobs::repo_up`) is never unreachable for longer than the budget at a stretch;
//! - `cpu-compatible` (always): no VMI is Running on a node whose CPU cannot run its guest
//!   CPU (`node_labeller::can_run`, judged from the nodes' real CPUs, not their labels);
//! - `vms-restored` (after calm): every VM of the scenario runs again at the end.
//!
//! Metrics per run: upgrade duration, repo downtime, migrations started and failed, VMs
//! stopped by the upgrade's jobs.

use super::checker::{InvariantKind, Violation};
use crate::engine::{SimDuration, SimTime};
use crate::kube::object::{CpuMode, NodeUpgradeState};
use crate::kube::{Kind, MigrationPhase, Verb, VmiPhase};
use crate::models::cpu::HostCpu;
use crate::models::harvester::upgrade::{repo_vm_name, NAMESPACE};
use crate::models::harvester::upgrade_jobs::repo_up;
use crate::models::kubevirt::node_labeller::can_run;
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use crate::scenario::{InvariantSpec, Scenario};
use crate::sim::upgrade::JOBS;
use crate::sim::world::host_cpus;
use crate::sim::World;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct UpgradeCheck {
    calm: SimDuration,
    name: Option<String>,
    within: Option<SimDuration>,
    budget: Option<SimDuration>,
    cpu_compatible: bool,
    restored: bool,
    cpus: BTreeMap<String, HostCpu>,
    vms: Vec<(String, String)>,
    woken: bool,
    judged: bool,
    repo_reported: bool,
    down_since: Option<SimTime>,
    /// Why the repo went down, for the violation text.
    down_why: String,
    downtime: SimDuration,
    finished: Option<SimTime>,
    started: u64,
    failed: u64,
    stopped: u64,
}

fn vm_stop_text(before: &crate::kube::Obj, after: &crate::kube::Obj) -> bool {
    use crate::kube::object::RunStrategy;
    (after.vm().run_strategy == RunStrategy::Halted
        && before.vm().run_strategy != RunStrategy::Halted)
        || after
            .vm()
            .state_change_requests
            .iter()
            .filter(|r| !r.start)
            .count()
            > before
                .vm()
                .state_change_requests
                .iter()
                .filter(|r| !r.start)
                .count()
}

impl UpgradeCheck {
    pub fn new(scn: &Scenario) -> Self {
        let mut c = UpgradeCheck {
            calm: scn.calm,
            name: scn.upgrade.as_ref().map(|u| u.name.clone()),
            vms: scn
                .vms
                .iter()
                .map(|v| (v.namespace.clone(), v.name.clone()))
                .collect(),
            ..Self::default()
        };
        for i in &scn.invariants {
            match i {
                InvariantSpec::UpgradeCompletes { within } => c.within = Some(*within),
                InvariantSpec::RepoAvailable { budget } => c.budget = Some(*budget),
                InvariantSpec::CpuCompatible => {
                    c.cpu_compatible = true;
                    c.cpus = host_cpus(scn);
                }
                InvariantSpec::VmsRestored => c.restored = true,
                _ => {}
            }
        }
        c
    }

    fn violation(w: &World, inv: &str, kind: InvariantKind, message: String) -> Violation {
        Violation {
            invariant: inv.into(),
            kind,
            step: w.sim.steps(),
            time: w.sim.now(),
            message,
        }
    }

    fn succeeded(w: &World, name: &str) -> bool {
        w.cluster
            .api
            .get(Kind::Upgrade, NAMESPACE, name)
            .is_some_and(|u| u.upgrade().state == "Succeeded")
    }

    pub fn after_step(&mut self, w: &mut World) -> Option<Violation> {
        let now = w.sim.now();
        if !self.woken {
            self.woken = true;
            if let Some(d) = self.within {
                w.wake_at(SimTime::ZERO + d);
            }
        }
        for r in &w.cluster.api.records {
            if r.result.is_err() {
                continue;
            }
            match (r.verb, r.kind) {
                (Verb::Create, Kind::VirtualMachineInstanceMigration) => self.started += 1,
                (Verb::UpdateStatus, Kind::VirtualMachineInstanceMigration) => {
                    if let (Some(a), Some(b)) = (&r.before, &r.after) {
                        if b.vmim().phase == MigrationPhase::Failed
                            && a.vmim().phase != MigrationPhase::Failed
                        {
                            self.failed += 1;
                        }
                    }
                }
                (Verb::Update, Kind::VirtualMachine) if w.cluster.actor_name(r.actor) == JOBS => {
                    if let (Some(a), Some(b)) = (&r.before, &r.after) {
                        if vm_stop_text(a, b) {
                            self.stopped += 1;
                            if b.label(crate::models::harvester::upgrade::LABEL_UPGRADE)
                                .is_some()
                            {
                                self.down_why = format!(
                                    "the repo VM {} was stopped by the pre-drain job at {}",
                                    b.meta.name, now
                                );
                            }
                        }
                    }
                }
                _ => {}
            }
            if self.cpu_compatible
                && r.kind == Kind::VirtualMachineInstance
                && matches!(r.verb, Verb::Update | Verb::UpdateStatus | Verb::Create)
            {
                if let Some(v) = r.after.as_ref().and_then(|o| self.incompatible(o)) {
                    return Some(Self::violation(
                        w,
                        "cpu-compatible",
                        InvariantKind::Always,
                        v,
                    ));
                }
            }
        }
        let name = self.name.clone()?;
        if self.finished.is_none() && Self::succeeded(w, &name) {
            self.finished = Some(now);
        }
        // The repo's availability while the upgrade runs.
        let up = self.finished.is_some() || repo_up(&w.cluster.api.store, &name);
        match (up, self.down_since) {
            (false, None) => {
                self.down_since = Some(now);
                if let Some(b) = self.budget {
                    w.wake_at(now + b);
                }
            }
            (true, Some(t)) => {
                self.downtime = self.downtime + (now - t);
                self.down_since = None;
                self.down_why.clear();
            }
            _ => {}
        }
        if let (Some(t), Some(b)) = (self.down_since, self.budget) {
            if now >= t + b && !self.repo_reported {
                self.repo_reported = true;
                let why = if self.down_why.is_empty() {
                    self.repo_state(w, &name)
                } else {
                    self.down_why.clone()
                };
                return Some(Self::violation(
                    w,
                    "repo-available",
                    InvariantKind::Always,
                    format!(
                        "the upgrade repo http://{}.{NAMESPACE}/harvester-iso has been unreachable since {t}, longer than the budget of {b}: {why}",
                        repo_vm_name(&name)
                    ),
                ));
            }
        }
        if let Some(d) = self.within {
            if !self.judged && now >= SimTime::ZERO + d {
                self.judged = true;
                if self.finished.is_none() {
                    return Some(self.stuck(w, &name, d));
                }
            }
        }
        None
    }

    fn repo_state(&self, w: &World, name: &str) -> String {
        let vm = repo_vm_name(name);
        match w.cluster.api.get(Kind::VirtualMachine, NAMESPACE, &vm) {
            Some(v) => format!("the repo VM {vm} is {}", v.vm().printable_status),
            None => format!("the repo VM {vm} does not exist"),
        }
    }

    /// Why a Running VMI's node cannot run its guest CPU, if it cannot.
    fn incompatible(&self, vmi: &crate::kube::Obj) -> Option<String> {
        let b = vmi.vmi();
        if b.phase != VmiPhase::Running || b.node.is_empty() || b.cpu_origin.is_empty() {
            return None;
        }
        let host = self.cpus.get(&b.node)?;
        let origin = self.cpus.get(&b.cpu_origin)?;
        let missing = can_run(host, &b.domain.cpu_model, origin).err()?;
        let guest = match &b.domain.cpu_model {
            CpuMode::Named(m) => format!("named model {m}"),
            m => format!("{} CPU defined on {}", m.name(), b.cpu_origin),
        };
        Some(format!(
            "VMI {} runs on {} ({}), which lacks {missing} of its guest CPU ({guest})",
            vmi.meta.key(),
            b.node,
            host.host_model
        ))
    }

    /// The `upgrade-completes` violation: where the upgrade is, and what blocks it.
    fn stuck(&self, w: &World, name: &str, within: SimDuration) -> Violation {
        let store = &w.cluster.api.store;
        let up = w.cluster.api.get(Kind::Upgrade, NAMESPACE, name);
        let (node, state) = up
            .and_then(|u| {
                u.upgrade()
                    .nodes
                    .iter()
                    .find(|(_, s)| *s != NodeUpgradeState::Succeeded)
                    .cloned()
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
                ms.sort_by_key(|m| (m.meta.creation_timestamp, m.meta.name.clone()));
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
            "upgrade {name} did not reach Succeeded within {within} (deadline {}, counted from the start of the run): node {node} is still {}",
            SimTime::ZERO + within,
            state.name()
        );
        if !blocking.is_empty() {
            msg += &format!("; blocking the drain: {}", blocking.join("; "));
        }
        Self::violation(w, "upgrade-completes", InvariantKind::Eventually, msg)
    }

    /// The deadline the run must reach before the upgrade (or the repo's downtime budget)
    /// can be judged.
    pub fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        self.name.as_ref()?;
        let upgrade = match (self.within, self.finished) {
            (Some(d), None) if !self.judged => Some(SimTime::ZERO + d),
            _ => None,
        };
        let repo = match (self.down_since, self.budget) {
            (Some(t), Some(b)) if !self.repo_reported => Some(t + b),
            _ => None,
        };
        let now = w.sim.now();
        [upgrade, repo]
            .into_iter()
            .flatten()
            .filter(|t| *t > now)
            .min()
    }

    pub fn at_end(&mut self, w: &World) -> Option<Violation> {
        let name = self.name.clone()?;
        if let (Some(d), None) = (self.within, self.finished) {
            if !self.judged && w.sim.now() >= SimTime::ZERO + d {
                self.judged = true;
                return Some(self.stuck(w, &name, d));
            }
        }
        if self.restored {
            let mut down = Vec::new();
            for (ns, vm) in &self.vms {
                let running = w
                    .cluster
                    .api
                    .get(Kind::VirtualMachineInstance, ns, vm)
                    .is_some_and(|v| v.vmi().phase == VmiPhase::Running);
                if !running {
                    down.push(format!("{ns}/{vm}"));
                }
            }
            if !down.is_empty() {
                return Some(Self::violation(
                    w,
                    "vms-restored",
                    InvariantKind::AfterCalm,
                    format!(
                        "VMs running before the upgrade are not running at the end: {}; {}",
                        down.join(", "),
                        super::checker::after_calm_note(w, self.calm)
                    ),
                ));
            }
        }
        None
    }

    /// Per-run figures, for reports.
    pub fn metrics(&self, w: &World) -> Vec<(String, String)> {
        if self.name.is_none() {
            return Vec::new();
        }
        let mut downtime = self.downtime;
        if let Some(t) = self.down_since {
            downtime = downtime + (w.sim.now() - t);
        }
        vec![
            (
                "upgrade duration".into(),
                self.finished
                    .map_or("not finished".into(), |t| (t - SimTime::ZERO).to_string()),
            ),
            ("repo downtime".into(), downtime.to_string()),
            ("migrations started".into(), self.started.to_string()),
            ("migrations failed".into(), self.failed.to_string()),
            ("VMs stopped".into(), self.stopped.to_string()),
        ]
    }
}
