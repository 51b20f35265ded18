//! Whether the upgrade repo (the repo VM's HTTP server: `upgrade_jobs::repo_up`) is up,
//! step by step, and for how long it has been down: shared by the `repo-available`
//! invariant and the upgrade's figures.

use crate::check::observe::upgrade_succeeded;
use crate::engine::{SimDuration, SimTime};
use crate::kube::object::RunStrategy;
use crate::kube::{Kind, Obj, Verb};
use crate::models::harvester::upgrade::{repo_vm_name, LABEL_UPGRADE};
use crate::models::harvester::upgrade_jobs::repo_vm_up;
use crate::sim::upgrade::JOBS;
use crate::sim::World;

/// The repo's availability while the upgrade `name` runs.
pub struct RepoWatch {
    pub name: String,
    /// The repo VM's name (`upgrade::repo_vm_name`).
    repo_vm: String,
    /// When the Upgrade reached Succeeded.
    pub finished: Option<SimTime>,
    /// Since when the repo has been down, while it is.
    pub down_since: Option<SimTime>,
    /// Why the repo went down, when a job's write says so.
    pub down_why: String,
    /// Downtime of the spells that ended.
    pub downtime: SimDuration,
    /// The store revision the last look at the repo was at, and whether it was up then.
    looked: Option<(u64, bool)>,
}

/// Whether an update of a VM by the upgrade's jobs asked it to stop.
pub fn asks_stop(before: &Obj, after: &Obj) -> bool {
    let stops = |o: &Obj| {
        o.vm()
            .state_change_requests
            .iter()
            .filter(|r| !r.start)
            .count()
    };
    (after.vm().run_strategy == RunStrategy::Halted
        && before.vm().run_strategy != RunStrategy::Halted)
        || stops(after) > stops(before)
}

impl RepoWatch {
    pub fn new(name: &str) -> Self {
        RepoWatch {
            name: name.to_string(),
            repo_vm: repo_vm_name(name),
            finished: None,
            down_since: None,
            down_why: String::new(),
            downtime: SimDuration::ZERO,
            looked: None,
        }
    }

    /// After every step: notes the jobs' stops of the repo VM, the upgrade's end and the
    /// start or end of a downtime spell. Returns true when a spell starts now.
    pub fn after_step(&mut self, w: &World) -> bool {
        let now = w.sim.now();
        for r in &w.cluster.api.records {
            if r.result.is_err()
                || r.verb != Verb::Update
                || r.kind != Kind::VirtualMachine
                || w.cluster.actor_name(r.actor) != JOBS
            {
                continue;
            }
            if let (Some(a), Some(b)) = (&r.before, &r.after) {
                if asks_stop(a, b) && b.label(LABEL_UPGRADE).is_some() {
                    self.down_why = format!(
                        "the repo VM {} was stopped by the pre-drain job at {}",
                        b.meta.name, now
                    );
                }
            }
        }
        // Both reads are of the store: look again only when it changed.
        let rev = w.cluster.api.revision();
        let up = match self.looked {
            Some((r, up)) if r == rev => up,
            _ => {
                if self.finished.is_none() && upgrade_succeeded(w, &self.name) {
                    self.finished = Some(now);
                }
                let up = self.finished.is_some() || repo_vm_up(&w.cluster.api.store, &self.repo_vm);
                self.looked = Some((rev, up));
                up
            }
        };
        match (up, self.down_since) {
            (false, None) => {
                self.down_since = Some(now);
                return true;
            }
            (true, Some(t)) => {
                self.downtime = self.downtime + (now - t);
                self.down_since = None;
                self.down_why.clear();
            }
            _ => {}
        }
        false
    }

    /// The downtime so far, counting a spell still going on.
    pub fn downtime(&self, now: SimTime) -> SimDuration {
        match self.down_since {
            Some(t) => self.downtime + (now - t),
            None => self.downtime,
        }
    }
}
