//! `views-converge` (after calm, generic): a page left open shows what a reload would show
//! now. For a host page (`models::ui::host_view`) a load lists the VMs whose VMI
//! `status.nodeName` is the node's `kubernetes.io/hostname` label, so once the cluster is
//! calm the open page's rows must be that set, read from the API server.
//!
//! Unlike `host-view-fresh` it has no bound and no notion of when the page went wrong: it
//! only asks that an open view and a fresh one agree once nothing changes any more.

use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::Kind;
use crate::models::ui::host_view::LABEL_HOSTNAME;
use crate::scenario::Scenario;
use crate::sim::World;
use std::collections::BTreeSet;

pub struct ViewsConverge {
    calm: SimDuration,
}

impl ViewsConverge {
    pub fn new(scn: &Scenario) -> Self {
        ViewsConverge { calm: scn.calm }
    }
}

/// What loading host `node`'s page now would list.
fn fresh_rows(w: &World, node: &str) -> BTreeSet<String> {
    let api = &w.cluster.api;
    let Some(host) = api
        .get(Kind::Node, "", node)
        .and_then(|n| n.label(LABEL_HOSTNAME).map(str::to_string))
    else {
        return BTreeSet::new();
    };
    api.store
        .list_all(Kind::VirtualMachine)
        .filter(|vm| {
            api.get(
                Kind::VirtualMachineInstance,
                &vm.meta.namespace,
                &vm.meta.name,
            )
            .is_some_and(|vmi| vmi.vmi().node == host)
        })
        .map(|vm| vm.meta.key())
        .collect()
}

impl Invariant for ViewsConverge {
    fn name(&self) -> &'static str {
        "views-converge"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        for page in w.pages() {
            let Some(rows) = page.screen.rows() else {
                continue;
            };
            let shown: BTreeSet<String> = rows.into_iter().collect();
            let fresh = fresh_rows(w, &page.node);
            if shown != fresh {
                let list = |s: &BTreeSet<String>| {
                    if s.is_empty() {
                        "(none)".to_string()
                    } else {
                        s.iter().cloned().collect::<Vec<_>>().join(", ")
                    }
                };
                return Some(format!(
                    "page {} (host {}) lists {}, but a reload now would list {}; {}",
                    page.session,
                    page.node,
                    list(&shown),
                    list(&fresh),
                    after_calm_note(w, self.calm)
                ));
            }
        }
        None
    }
}
