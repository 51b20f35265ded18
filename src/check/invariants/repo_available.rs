//! `repo-available` (always, service-level): while the upgrade runs, the repo (the repo VM's
//! HTTP server) is never unreachable for longer than the budget at a stretch. Its violation
//! does not end the run, so a later `upgrade-completes` violation is reported first.

use crate::check::probes::repo_watch::RepoWatch;
use crate::check::{Invariant, InvariantKind};
use crate::engine::{SimDuration, SimTime};
use crate::kube::Kind;
use crate::models::harvester::upgrade::{repo_vm_name, NAMESPACE};
use crate::scenario::Scenario;
use crate::sim::World;

pub struct RepoAvailable {
    budget: SimDuration,
    repo: Option<RepoWatch>,
    reported: bool,
}

impl RepoAvailable {
    pub fn new(scn: &Scenario, budget: SimDuration) -> Self {
        RepoAvailable {
            budget,
            repo: scn.upgrade.as_ref().map(|u| RepoWatch::new(&u.name)),
            reported: false,
        }
    }

    fn repo_state(w: &World, name: &str) -> String {
        let vm = repo_vm_name(name);
        match w.cluster.api.get(Kind::VirtualMachine, NAMESPACE, &vm) {
            Some(v) => format!("the repo VM {vm} is {}", v.vm().printable_status),
            None => format!("the repo VM {vm} does not exist"),
        }
    }
}

impl Invariant for RepoAvailable {
    fn name(&self) -> &'static str {
        "repo-available"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Always
    }
    fn soft(&self) -> bool {
        true
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        let repo = self.repo.as_mut()?;
        let now = w.sim.now();
        if repo.after_step(w) {
            w.wake_at(now + self.budget);
        }
        let t = repo.down_since?;
        if now < t + self.budget || self.reported {
            return None;
        }
        self.reported = true;
        let why = if repo.down_why.is_empty() {
            Self::repo_state(w, &repo.name)
        } else {
            repo.down_why.clone()
        };
        Some(format!(
            "the upgrade repo http://{}.{NAMESPACE}/harvester-iso has been unreachable since {t}, longer than the budget of {}: {why}",
            repo_vm_name(&repo.name),
            self.budget
        ))
    }

    fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        let t = self.repo.as_ref()?.down_since?;
        let deadline = t + self.budget;
        (!self.reported && deadline > w.sim.now()).then_some(deadline)
    }
}
