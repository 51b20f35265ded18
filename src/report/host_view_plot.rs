//! The host pages' Gantt, sampled from a run as it steps (`run --plot DIR` on a scenario that
//! opens host pages), drawn as `DIR/host-pages.svg`: per VM, the node its VMI runs on (the
//! truth, `status.nodeName`), then per browser session and VM what that session's host page
//! says against it (rows labelled `SESSION: VM`):
//! `listed` (it lists the VM, which runs on its host), `listed, runs elsewhere` (a row for a
//! VM that has left), `missing` (no row for a VM that runs there) or `loading`. A page that is
//! right about a VM not on its host draws nothing. Reloads are marker lines.

use super::gantt::{chart_end, secs, GanttMarker, GanttRow, StateGroup, Track};
use crate::check::RunOutcome;
use crate::engine::TraceCat;
use crate::kube::Kind;
use crate::sim::World;
use plotters::style::RGBColor;

/// A page row while the page lists a VM that runs on its host (right).
pub const PAGE_LISTED: &str = "listed";
/// A page row while the page lists a VM that runs on another node, or nowhere (stale).
pub const PAGE_STALE_ROW: &str = "listed, runs elsewhere";
/// A page row while the page leaves out a VM that runs on its host (stale).
pub const PAGE_MISSING: &str = "missing";
/// A page row while the page loads (it shows no rows).
pub const PAGE_LOADING: &str = "loading";

/// The fixed colours of the page rows: green when right, red for a row of a VM that has
/// left, orange for a VM the page leaves out, grey while loading. The truth rows' states are
/// node names, coloured from the chart's other colours.
pub fn host_page_groups() -> Vec<StateGroup> {
    let rgb = |c: u32| RGBColor((c >> 16) as u8, (c >> 8) as u8, c as u8);
    vec![StateGroup {
        name: "page row",
        states: vec![
            (PAGE_LISTED, rgb(0x2ca02c)),
            (PAGE_STALE_ROW, rgb(0xd62728)),
            (PAGE_MISSING, rgb(0xff7f0e)),
            (PAGE_LOADING, rgb(0xd9d9d9)),
        ],
    }]
}

/// Samples the truth and every page after every step.
#[derive(Default)]
pub struct HostViewSampler {
    /// Per VM key: where it runs.
    truth: Vec<(String, Track)>,
    /// Per (page index, VM key): what the page shows of it.
    pages: Vec<((usize, String), Track)>,
    last_change: f64,
}

impl HostViewSampler {
    /// Whether the run opened any host page.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// Samples the world after a step.
    pub fn observe(&mut self, w: &World) {
        if w.pages().is_empty() {
            return;
        }
        let at = secs(w.sim.now());
        let store = &w.cluster.api.store;
        let mut changed = false;
        for vm in store.list_all(Kind::VirtualMachine) {
            let key = vm.meta.key();
            let runs_on = w
                .cluster
                .api
                .get(
                    Kind::VirtualMachineInstance,
                    &vm.meta.namespace,
                    &vm.meta.name,
                )
                .map(|v| v.vmi().node.clone())
                .filter(|n| !n.is_empty());
            let i = match self.truth.iter().position(|(k, _)| *k == key) {
                Some(i) => i,
                None => {
                    let label = format!("{} runs on", vm.meta.name);
                    self.truth.push((key.clone(), Track::new(label)));
                    self.truth.len() - 1
                }
            };
            changed |= self.truth[i].1.set(runs_on.as_deref(), at);
            for (pi, page) in w.pages().iter().enumerate() {
                let on_host = runs_on.as_deref() == Some(page.node.as_str());
                // A session whose page was never opened has nothing to show.
                let opened = w.cluster.procs[page.proc as usize].up || page.screen.loads() > 0;
                let state = match page.screen.rows() {
                    None if !opened => None,
                    None => Some(PAGE_LOADING),
                    Some(rows) => match (rows.contains(&key), on_host) {
                        (true, true) => Some(PAGE_LISTED),
                        (true, false) => Some(PAGE_STALE_ROW),
                        (false, true) => Some(PAGE_MISSING),
                        (false, false) => None,
                    },
                };
                let id = (pi, key.clone());
                let j = match self.pages.iter().position(|(k, _)| *k == id) {
                    Some(j) => j,
                    None => {
                        let label = format!("{}: {}", page.session, vm.meta.name);
                        self.pages.push((id, Track::new(label)));
                        self.pages.len() - 1
                    }
                };
                changed |= self.pages[j].1.set(state, at);
            }
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

    /// The rows: every VM's truth, then each page's rows in page order.
    pub fn rows(&self, end_s: f64) -> Vec<GanttRow> {
        let mut rows: Vec<GanttRow> = self
            .truth
            .iter()
            .map(|(_, t)| t.clone().row(end_s))
            .collect();
        let mut pages: Vec<&((usize, String), Track)> = self.pages.iter().collect();
        pages.sort_by(|a, b| a.0.cmp(&b.0));
        // A page that never shows a VM (right not to: it runs elsewhere) gets no row.
        rows.extend(
            pages
                .into_iter()
                .map(|(_, t)| t.clone().row(end_s))
                .filter(|r| !r.spans.is_empty()),
        );
        rows
    }
}

/// A marker per page reload or opening (the user's actions on a session), and the violation.
pub fn host_view_markers(out: &RunOutcome) -> Vec<GanttMarker> {
    let mut v: Vec<GanttMarker> = out
        .trace
        .iter()
        .filter(|r| {
            r.cat == TraceCat::Action
                && r.actor == "user"
                && (r.text.starts_with("reload") || r.text.starts_with("open host"))
        })
        .map(|r| {
            let session = r.text.rsplit(' ').next().unwrap_or_default();
            let verb = if r.text.starts_with("reload") {
                "reload"
            } else {
                "open"
            };
            GanttMarker {
                at_s: secs(r.time),
                label: format!("{verb} {session}"),
            }
        })
        .collect();
    if let Some(x) = &out.violation {
        v.push(GanttMarker {
            at_s: secs(x.time),
            label: format!("violated: {}", x.invariant),
        });
    }
    v
}
