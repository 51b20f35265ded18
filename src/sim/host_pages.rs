//! The UI's host pages as a feature of the world: one browser session per `OpenHostPage`
//! (`models::ui::HostPage`), added after every process was told to start (a session's process
//! starts at its `OpenHostPage`), opened and reloaded by the timeline's actions with the UI of
//! the version in force then. What each page shows goes into the state hash.

use super::feature::{Codes, Env, Feature};
use super::topology::Topology;
use crate::engine::TraceCat;
use crate::models::ui::HostPage;
use crate::scenario::Action;
use std::hash::Hasher;

/// Every session in timeline order.
#[derive(Default)]
pub struct HostPages {
    pages: Vec<HostPage>,
}

impl HostPages {
    pub fn pages(&self) -> &[HostPage] {
        &self.pages
    }
}

impl Feature for HostPages {
    fn after_start(&mut self, env: &mut Env<'_>, topology: &Topology, _codes: Codes) {
        let scn = topology.scn;
        self.pages = scn
            .timeline
            .iter()
            .filter_map(|st| match &st.action {
                Action::OpenHostPage {
                    node,
                    session,
                    watch_latency,
                } => Some(HostPage::add(
                    env.cluster,
                    session,
                    node,
                    watch_latency.unwrap_or(scn.timing.watch_latency).tuple(),
                    env.behaviours.host_vm_rows,
                )),
                _ => None,
            })
            .collect();
    }

    /// The actions on a browser session.
    fn handles(&self, action: &Action) -> bool {
        action.refs().session.is_some()
    }

    fn act(&mut self, action: &Action, env: &mut Env<'_>) {
        let (step, now) = (env.sim.steps(), env.sim.now());
        let rows = env.behaviours.host_vm_rows;
        match action {
            Action::OpenHostPage { node, session, .. } => {
                env.trace.emit(step, now, "user", TraceCat::Action, || {
                    format!("open host {node}'s Virtual Machines tab in browser session {session}")
                });
                if let Some(page) = self.pages.iter().find(|p| &p.session == session) {
                    page.open(env.cluster, env.sim, rows);
                }
            }
            Action::ReloadPage { session } => {
                env.trace.emit(step, now, "user", TraceCat::Action, || {
                    format!("reload the page of browser session {session}")
                });
                if let Some(page) = self.pages.iter().find(|p| &p.session == session) {
                    page.reload(env.cluster, env.sim, rows);
                }
            }
            _ => {}
        }
    }

    fn hash_into(&self, mut h: &mut dyn Hasher) {
        for p in &self.pages {
            p.screen.hash_into(&mut h);
        }
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}
