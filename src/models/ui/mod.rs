//! The Harvester UI as clients of the cluster. A browser session is a process like any
//! controller's: at page load it lists what its page needs into its store (the dashboard's
//! Vuex store), then follows a watch stream (the websocket) whose events reach it after a
//! latency chosen per event; a reload drops the store and lists again. Its components are
//! reconcilers that re-render from the store when it changes.
//!
//! Left out: the steve API's aggregation and its own caches, websocket resyncs and drops.

pub(crate) mod host_view;
pub(crate) mod screen;

use crate::engine::{Sim, SimDuration};
use crate::kube::{Cluster, Ev, Kind, ProcessTiming, Reconciler};
use crate::models::behaviours::HostVmRows;
use host_view::HostVmTab;
pub use screen::Screen;

/// One browser session showing a host's page (Virtual Machines tab).
pub struct HostPage {
    pub session: String,
    pub node: String,
    pub proc: u16,
    /// The range each watch event's delay to this session is drawn from.
    pub watch_latency: (SimDuration, SimDuration),
    pub screen: Screen,
}

impl HostPage {
    /// Adds the session to the cluster, not yet open (its process starts at `open`).
    pub fn add(
        cluster: &mut Cluster,
        session: &str,
        node: &str,
        watch_latency: (SimDuration, SimDuration),
        rows: HostVmRows,
    ) -> HostPage {
        let screen = Screen::default();
        let timing = ProcessTiming {
            watch_latency,
            // A re-render is a frame; the staleness that matters is the websocket's.
            reconcile: (SimDuration::ZERO, SimDuration::ZERO),
            // Unused: a page is reloaded, never killed.
            restart: (SimDuration::ZERO, SimDuration::ZERO),
        };
        let proc = cluster.add_process(
            session,
            &[
                Kind::Node,
                Kind::VirtualMachine,
                Kind::VirtualMachineInstance,
            ],
            timing,
            vec![Box::new(HostVmTab::new(node, rows, screen.clone()))],
        );
        HostPage {
            session: session.to_string(),
            node: node.to_string(),
            proc,
            watch_latency,
            screen,
        }
    }

    /// Page load: the session lists at this instant and renders, with the UI of the version
    /// in force now (`rows`).
    pub fn open(&self, cluster: &mut Cluster, sim: &mut Sim<Ev>, rows: HostVmRows) {
        cluster.replace_controllers(self.proc, vec![self.tab(rows)]);
        cluster.start_process(sim, self.proc);
    }

    /// Reload: store and components are rebuilt from a new list at this instant, with the UI
    /// of the version in force now (a reload after an upgrade gets the new UI). False if the
    /// page was not open.
    pub fn reload(&self, cluster: &mut Cluster, sim: &mut Sim<Ev>, rows: HostVmRows) -> bool {
        cluster.replace_controllers(self.proc, vec![self.tab(rows)]);
        cluster.reload(self.proc, sim)
    }

    fn tab(&self, rows: HostVmRows) -> Box<dyn Reconciler> {
        Box::new(HostVmTab::new(&self.node, rows, self.screen.clone()))
    }
}
