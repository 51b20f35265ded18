//! The upgrade Gantt's rows, sampled from a run as it steps (`run --plot DIR` on an upgrade
//! scenario): one row per node through the upgrade's node states, one row for the repo
//! (`up`, `migrating`, `down`: whether `curl` of the repo would answer), and one row per
//! migration from creation to its end (`pending`, `scheduling`, `transferring`), labelled
//! with how it ended (`ok`, `FAILED`), its name (`evac-` for `kubevirt-evacuation-`) and VM.
//! `upgrade_groups` gives every one of these states its fixed colour.

use super::gantt::{chart_end, secs, GanttRow, StateGroup, Track};
use crate::kube::object::NodeUpgradeState;
use crate::kube::{Kind, MigrationPhase};
use crate::models::harvester::upgrade::{repo_vm_name, NAMESPACE};
use crate::models::harvester::upgrade_jobs::repo_up;
use crate::sim::World;
use plotters::style::RGBColor;

/// At most this many migration rows (the latest ones are dropped, with a note row).
const MAX_MIGRATION_ROWS: usize = 40;

#[derive(Default)]
pub struct UpgradeSampler {
    upgrade: Option<String>,
    nodes: Vec<Track>,
    repo: Option<Track>,
    /// Per migration (by name): its track and the VMI it moves.
    migrations: Vec<(String, Track)>,
    dropped: usize,
    /// When any row last changed state (the chart ends a little after it).
    last_change: f64,
}

/// The repo row's states: whether `curl` of the repo would answer, and whether its VM is
/// being migrated meanwhile.
pub const REPO_UP: &str = "up";
pub const REPO_MIGRATING: &str = "up, migrating";
pub const REPO_DOWN: &str = "down";

/// A migration row's states, each a group of `VirtualMachineInstanceMigration` phases.
pub const MIGRATION_PENDING: &str = "pending";
pub const MIGRATION_SCHEDULING: &str = "scheduling";
pub const MIGRATION_TRANSFERRING: &str = "transferring";

/// The node state Harvester's job handler sets when a node's job fails (`StateFailed` in
/// `pkg/controller/master/upgrade/job_controller.go`); no modelled node fails yet, but its
/// colour is fixed like the others'.
pub const NODE_FAILED: &str = "Failed";

/// The fixed colours of the upgrade Gantt, by what a state means, the same in every chart:
/// node states in blues darkening as the upgrade goes on, then purple for the reboot and
/// navy for done (`Failed` magenta); the repo green when up, yellow-green while its VM
/// migrates, red when down; migration phases in oranges. No two states share a colour.
pub fn upgrade_groups() -> Vec<StateGroup> {
    let rgb = |c: u32| RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8);
    vec![
        StateGroup {
            name: "node",
            states: vec![
                (NodeUpgradeState::ImagesPreloaded.name(), rgb(0xc6dbef)),
                (NodeUpgradeState::PreDraining.name(), rgb(0x6baed6)),
                (NodeUpgradeState::PreDrained.name(), rgb(0x3182bd)),
                (NodeUpgradeState::PostDraining.name(), rgb(0x08519c)),
                (NodeUpgradeState::WaitingReboot.name(), rgb(0x8c6bb1)),
                (NodeUpgradeState::Succeeded.name(), rgb(0x08306b)),
                (NODE_FAILED, rgb(0xae017e)),
            ],
        },
        StateGroup {
            name: "repo",
            states: vec![
                (REPO_UP, rgb(0x2ca02c)),
                (REPO_MIGRATING, rgb(0xc2d94b)),
                (REPO_DOWN, rgb(0xd62728)),
            ],
        },
        StateGroup {
            name: "migration",
            states: vec![
                (MIGRATION_PENDING, rgb(0xfdd0a2)),
                (MIGRATION_SCHEDULING, rgb(0xfd8d3c)),
                (MIGRATION_TRANSFERRING, rgb(0xa63603)),
            ],
        },
    ]
}

fn phase_group(p: MigrationPhase) -> Option<&'static str> {
    match p {
        MigrationPhase::Unset | MigrationPhase::Pending => Some(MIGRATION_PENDING),
        MigrationPhase::Scheduling | MigrationPhase::Scheduled => Some(MIGRATION_SCHEDULING),
        MigrationPhase::PreparingTarget | MigrationPhase::TargetReady | MigrationPhase::Running => {
            Some(MIGRATION_TRANSFERRING)
        }
        MigrationPhase::Succeeded | MigrationPhase::Failed => None,
    }
}

impl UpgradeSampler {
    pub fn is_empty(&self) -> bool {
        self.upgrade.is_none()
    }

    pub fn observe(&mut self, w: &World) {
        let store = &w.cluster.api.store;
        let at = secs(w.sim.now());
        let Some(up) = store.list(Kind::Upgrade, NAMESPACE).next() else {
            return;
        };
        let name = up.meta.name.clone();
        if self.upgrade.is_none() {
            self.nodes = up
                .upgrade()
                .nodes
                .iter()
                .map(|(n, _)| Track::new(n.clone()))
                .collect();
            self.repo = Some(Track::new(format!("repo ({})", repo_vm_name(&name))));
            self.upgrade = Some(name.to_string());
        }
        let mut changed = false;
        for ((_, s), track) in up.upgrade().nodes.iter().zip(self.nodes.iter_mut()) {
            changed |= track.set(Some(s.name()), at);
        }
        let repo_state = if repo_up(store, &name) {
            let migrating = store
                .id_of(
                    Kind::VirtualMachineInstance,
                    NAMESPACE,
                    &repo_vm_name(&name),
                )
                .and_then(|i| store.get(i))
                .and_then(|v| v.vmi().migration_state.clone())
                .is_some_and(|m| !m.completed && !m.failed && m.start_timestamp.is_some());
            if migrating {
                REPO_MIGRATING
            } else {
                REPO_UP
            }
        } else {
            REPO_DOWN
        };
        if let Some(r) = self.repo.as_mut() {
            changed |= r.set(Some(repo_state), at);
        }
        for m in store.list_all(Kind::VirtualMachineInstanceMigration) {
            let b = m.vmim();
            let i = match self.migrations.iter().position(|(n, _)| *n == m.meta.name) {
                Some(i) => i,
                None => {
                    if b.phase.is_final() {
                        continue;
                    }
                    if self.migrations.len() >= MAX_MIGRATION_ROWS {
                        self.dropped += 1;
                        continue;
                    }
                    let short = m
                        .meta
                        .name
                        .strip_prefix("kubevirt-evacuation-")
                        .map_or(m.meta.name.to_string(), |s| format!("evac-{s}"));
                    let label = format!("{short} {}", b.vmi_name);
                    self.migrations
                        .push((m.meta.name.to_string(), Track::new(label)));
                    self.migrations.len() - 1
                }
            };
            let track = &mut self.migrations[i].1;
            if b.phase.is_final() && track.open.is_some() {
                let outcome = match b.phase {
                    MigrationPhase::Succeeded => "ok",
                    _ => "FAILED",
                };
                track.label = format!("{outcome} {}", track.label);
            }
            changed |= track.set(phase_group(b.phase), at);
        }
        if changed {
            self.last_change = at;
        }
    }

    /// Where the chart should end: a little after the last change or at `at_least` (the
    /// violation), and no later than the run.
    pub fn end_s(&self, at_least: f64, run_end: f64) -> f64 {
        chart_end(self.last_change, at_least, run_end)
    }

    /// The rows, every open span closed at `end_s`.
    pub fn rows(&self, end_s: f64) -> Vec<GanttRow> {
        let mut rows: Vec<GanttRow> = self.nodes.iter().map(|t| t.clone().row(end_s)).collect();
        rows.extend(self.repo.iter().map(|t| t.clone().row(end_s)));
        rows.extend(self.migrations.iter().map(|(_, t)| t.clone().row(end_s)));
        if self.dropped > 0 {
            rows.push(GanttRow {
                label: format!("(+{} more migrations not shown)", self.dropped),
                spans: Vec::new(),
            });
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_upgrade_state_has_its_own_colour() {
        let groups = upgrade_groups();
        let all: Vec<(&str, RGBColor)> = groups.iter().flat_map(|g| g.states.clone()).collect();
        for (i, (a, ca)) in all.iter().enumerate() {
            for (b, cb) in &all[i + 1..] {
                assert_ne!(a, b, "{a} listed twice");
                assert_ne!(ca, cb, "{a} and {b} share a colour");
            }
        }
        let names: Vec<&str> = all.iter().map(|(n, _)| *n).collect();
        for want in [
            "Images preloaded",
            "Pre-draining",
            "Pre-drained",
            "Post-draining",
            "Waiting Reboot",
            "Succeeded",
            "Failed",
            "up",
            "up, migrating",
            "down",
            "pending",
            "scheduling",
            "transferring",
        ] {
            assert!(names.contains(&want), "{want} has no colour");
        }
    }
}
