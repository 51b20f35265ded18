//! `host-view-fresh`, bounded staleness of the UI's host pages: every open host page lists a
//! VM exactly when the VM's VMI `status.nodeName` is that host, except for at most the bound
//! after a change. The bound is the invariant's `within` plus the session's maximum watch
//! latency, since no page can know of a change before its websocket delivers it.
//!
//! It judges as a person comparing a screenshot with `kubectl get vmi`: the API server's
//! state against the rows each page displays, never a page's store. A page that is loading
//! shows nothing and is not judged; a spell of wrongness goes on across a reload. A spell is
//! judged when it ends (the page shows the right thing again) or when the run ends, so the
//! message says how long the page was wrong.

use crate::check::{Invariant, InvariantKind};
use crate::engine::{SimDuration, SimTime};
use crate::kube::Kind;
use crate::models::ui::HostPage;
use crate::sim::World;
use std::collections::BTreeMap;

pub struct HostViewFresh {
    within: SimDuration,
    /// Per (page index, VM `namespace/name`): since when the page has been wrong about it.
    wrong: BTreeMap<(usize, String), Spell>,
    /// Each page's screen version when last compared.
    seen: Vec<u64>,
}

struct Spell {
    since: SimTime,
    /// Whether the page listed the VM (else it left it out).
    listed: bool,
    /// Where the VM ran when the spell began (`None`: it had no VMI).
    runs_on: Option<String>,
    /// Page loads completed when the spell began.
    loads: u32,
}

impl HostViewFresh {
    pub fn new(within: SimDuration) -> Self {
        HostViewFresh {
            within,
            wrong: BTreeMap::new(),
            seen: Vec::new(),
        }
    }

    fn bound(&self, page: &HostPage) -> SimDuration {
        self.within + page.watch_latency.1
    }

    /// After every step: starts and ends spells, and says why a spell that just ended broke
    /// the bound.
    fn observe(&mut self, w: &World) -> Option<String> {
        let api_changed = w.cluster.api.records.iter().any(|r| {
            r.result.is_ok()
                && matches!(
                    r.kind,
                    Kind::VirtualMachine | Kind::VirtualMachineInstance | Kind::Node
                )
        });
        self.seen.resize(w.pages().len(), 0);
        let mut screen_changed = false;
        for (seen, page) in self.seen.iter_mut().zip(w.pages()) {
            let v = page.screen.version();
            screen_changed |= *seen != v;
            *seen = v;
        }
        if !api_changed && !screen_changed {
            return None;
        }
        let now = w.sim.now();
        let store = &w.cluster.api.store;
        for (pi, page) in w.pages().iter().enumerate() {
            let Some(rows) = page.screen.rows() else {
                continue;
            };
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
                    .map(|vmi| vmi.vmi().node.to_string());
                let listed = rows.contains(&key);
                if listed != (runs_on.as_deref() == Some(page.node.as_str())) {
                    self.wrong.entry((pi, key)).or_insert(Spell {
                        since: now,
                        listed,
                        runs_on,
                        loads: page.screen.loads(),
                    });
                } else if let Some(spell) = self.wrong.remove(&(pi, key.clone())) {
                    if now - spell.since > self.bound(page) {
                        let until = if page.screen.loads() > spell.loads {
                            format!("until the page was reloaded at {now}")
                        } else {
                            format!("until {now}")
                        };
                        return Some(self.message(page, &key, &spell, now, &until));
                    }
                }
            }
        }
        None
    }

    /// The first moment a spell still going on outlasts its bound: the run must reach it
    /// before the spell can be judged.
    fn next_deadline(&self, w: &World) -> Option<SimTime> {
        self.wrong
            .iter()
            .filter_map(|((pi, _), spell)| {
                let page = w.pages().get(*pi)?;
                Some(spell.since + self.bound(page) + SimDuration(1))
            })
            .min()
    }

    /// When the run ends: a spell still going on that has outlasted the bound.
    fn judge_at_end(&self, w: &World) -> Option<String> {
        let now = w.sim.now();
        self.wrong.iter().find_map(|((pi, key), spell)| {
            let page = &w.pages()[*pi];
            (now - spell.since > self.bound(page)).then(|| {
                let until = format!("until the run ended at {now}, still wrong");
                self.message(page, key, spell, now, &until)
            })
        })
    }

    fn message(
        &self,
        page: &HostPage,
        vm: &str,
        spell: &Spell,
        now: SimTime,
        until: &str,
    ) -> String {
        let what = if spell.listed {
            "listed"
        } else {
            "did not list"
        };
        let runs = match &spell.runs_on {
            Some(node) => format!("which runs on {node}"),
            None => "which has no VMI".to_string(),
        };
        format!(
            "page {} (host {}) {what} VM {vm}, {runs}, for {} from {} {until}; the bound is {} ({} + the session's maximum watch latency {})",
            page.session,
            page.node,
            now - spell.since,
            spell.since,
            self.bound(page),
            self.within,
            page.watch_latency.1
        )
    }
}

impl Invariant for HostViewFresh {
    fn name(&self) -> &'static str {
        "host-view-fresh"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Eventually
    }
    fn after_step(&mut self, w: &mut World) -> Option<String> {
        self.observe(w)
    }
    fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        self.next_deadline(w)
    }
    fn at_end(&mut self, w: &World) -> Option<String> {
        self.judge_at_end(w)
    }
}
