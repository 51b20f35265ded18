//! The upgrade Gantt's rows, sampled from a run as it steps (`run --plot DIR` on an upgrade
//! scenario): one row per node through the upgrade's node states, one row for the repo
//! (`up`, `migrating`, `down`: whether `curl` of the repo would answer), and one row per
//! migration from creation to its end (`pending`, `scheduling`, `transferring`), labelled
//! with how it ended (`ok`, `FAILED`), its name (`evac-` for `kubevirt-evacuation-`) and VM.

use super::gantt::{GanttRow, GanttSpan};
use crate::engine::SimTime;
use crate::kube::{Kind, MigrationPhase};
use crate::models::harvester::upgrade::{repo_vm_name, NAMESPACE};
use crate::models::harvester::upgrade_jobs::repo_up;
use crate::sim::World;

/// At most this many migration rows (the latest ones are dropped, with a note row).
const MAX_MIGRATION_ROWS: usize = 40;

#[derive(Clone)]
struct Track {
    label: String,
    spans: Vec<GanttSpan>,
    open: Option<(String, f64)>,
}

impl Track {
    fn new(label: String) -> Self {
        Track {
            label,
            spans: Vec::new(),
            open: None,
        }
    }

    /// True when the state changed.
    fn set(&mut self, state: Option<&str>, at: f64) -> bool {
        if self.open.as_ref().map(|(s, _)| s.as_str()) == state {
            return false;
        }
        if let Some((s, start)) = self.open.take() {
            if at > start {
                self.spans.push(GanttSpan {
                    start_s: start,
                    end_s: at,
                    state: s,
                });
            }
        }
        self.open = state.map(|s| (s.to_string(), at));
        true
    }

    fn row(mut self, end: f64) -> GanttRow {
        self.set(None, end);
        GanttRow {
            label: self.label,
            spans: self.spans,
        }
    }
}

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

fn secs(t: SimTime) -> f64 {
    t.micros() as f64 / 1e6
}

fn phase_group(p: MigrationPhase) -> Option<&'static str> {
    match p {
        MigrationPhase::Unset | MigrationPhase::Pending => Some("pending"),
        MigrationPhase::Scheduling | MigrationPhase::Scheduled => Some("scheduling"),
        MigrationPhase::PreparingTarget | MigrationPhase::TargetReady | MigrationPhase::Running => {
            Some("transferring")
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
            self.upgrade = Some(name.clone());
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
                "up, migrating"
            } else {
                "up"
            }
        } else {
            "down"
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
                        .map_or(m.meta.name.clone(), |s| format!("evac-{s}"));
                    let label = format!("{short} {}", b.vmi_name);
                    self.migrations
                        .push((m.meta.name.clone(), Track::new(label)));
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
        (self.last_change * 1.05 + 10.0).max(at_least).min(run_end)
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
