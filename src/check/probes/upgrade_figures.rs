//! The upgrade's figures per run: its duration, the repo's downtime, migrations started and
//! failed, and VMs stopped by the upgrade's jobs; read from the API server's records.

use super::repo_watch::{asks_stop, RepoWatch};
use crate::check::Probe;
use crate::engine::SimTime;
use crate::kube::{Kind, MigrationPhase, Verb};
use crate::sim::upgrade::JOBS;
use crate::sim::World;

pub struct UpgradeFigures {
    repo: RepoWatch,
    started: u64,
    failed: u64,
    stopped: u64,
}

impl UpgradeFigures {
    pub fn new(name: &str) -> Self {
        UpgradeFigures {
            repo: RepoWatch::new(name),
            started: 0,
            failed: 0,
            stopped: 0,
        }
    }
}

impl Probe for UpgradeFigures {
    fn after_step(&mut self, w: &World) {
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
                        if asks_stop(a, b) {
                            self.stopped += 1;
                        }
                    }
                }
                _ => {}
            }
        }
        self.repo.after_step(w);
    }

    fn metrics(&self, w: &World) -> Vec<(String, String)> {
        vec![
            (
                "upgrade duration".into(),
                self.repo
                    .finished
                    .map_or("not finished".into(), |t| (t - SimTime::ZERO).to_string()),
            ),
            (
                "repo downtime".into(),
                self.repo.downtime(w.sim.now()).to_string(),
            ),
            ("migrations started".into(), self.started.to_string()),
            ("migrations failed".into(), self.failed.to_string()),
            ("VMs stopped".into(), self.stopped.to_string()),
        ]
    }
}
