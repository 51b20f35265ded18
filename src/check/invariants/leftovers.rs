//! `leftovers` (after calm, generic): nothing a controller adds for the time of an operation
//! is left once the operation is over and the cluster is calm:
//! - a migration annotation on a quota (`harvesterhci.io/migrating-*`) whose VM has no
//!   migration in progress;
//! - a default quota whose `spec.hard` is not the Rancher base while no migration of its
//!   namespace is in progress (limits scaled for a migration and never scaled back);
//! - a node left cordoned or with the drain taint while no upgrade is in progress, unless
//!   the user's own last write of that field put it there (`CordonNode`, `DrainNode`: the
//!   user's desired state, not a leftover). A node the user uncordoned that something
//!   cordoned again is a leftover.
//!
//! It names no bug: it holds on every fixed version and any controller that forgets to undo
//! a temporary change breaks it.

use crate::check::observe::rancher_base;
use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::{Kind, Obj};
use crate::models::harvester::migration_keys::{MIGRATING_NAME_PREFIX, MIGRATING_UID_PREFIX};
use crate::models::rancher::namespace_quota::LABEL_DEFAULT_RESOURCE_QUOTA;
use crate::scenario::Scenario;
use crate::sim::World;
use smol_str::SmolStr;
use std::collections::BTreeMap;

pub struct Leftovers {
    calm: SimDuration,
    /// Per node: the values the user's last write that changed them gave
    /// `spec.unschedulable` and the drain taint (None: the user never changed it).
    user_set: BTreeMap<String, (Option<bool>, Option<bool>)>,
}

impl Leftovers {
    pub fn new(scn: &Scenario) -> Self {
        Leftovers {
            calm: scn.calm,
            user_set: BTreeMap::new(),
        }
    }
}

/// The VMIs of `ns` with a migration not yet Succeeded or Failed: (name, uid).
fn migrating(w: &World, ns: &str) -> Vec<(String, String)> {
    let store = &w.cluster.api.store;
    store
        .list(Kind::VirtualMachineInstanceMigration, ns)
        .filter(|m| !m.vmim().phase.is_final())
        .map(|m| {
            let name = m.vmim().vmi_name.to_string();
            let uid = store
                .list(Kind::VirtualMachineInstance, ns)
                .find(|v| v.meta.name == name)
                .map(|v| v.meta.uid.to_string())
                .unwrap_or_default();
            (name, uid)
        })
        .collect()
}

fn upgrade_in_progress(w: &World) -> bool {
    w.cluster
        .api
        .store
        .list_all(Kind::Upgrade)
        .any(|u| !matches!(u.upgrade().state.as_str(), "Succeeded" | "Failed"))
}

fn quota_leftover(w: &World, rq: &Obj) -> Option<String> {
    if rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) != Some("true") {
        return None;
    }
    let ns = &rq.meta.namespace;
    let active = migrating(w, ns);
    let left: Vec<&SmolStr> = rq
        .meta
        .annotations
        .keys()
        .filter(|k| {
            if let Some(name) = k.strip_prefix(MIGRATING_NAME_PREFIX) {
                return !active.iter().any(|(n, _)| n == name);
            }
            if let Some(uid) = k.strip_prefix(MIGRATING_UID_PREFIX) {
                return !active.iter().any(|(_, u)| u == uid);
            }
            false
        })
        .collect();
    if !left.is_empty() {
        let keys: Vec<&str> = left.iter().map(|s| s.as_str()).collect();
        return Some(format!(
            "ResourceQuota {} still carries {} for no migration in progress",
            rq.meta.key(),
            keys.join(", ")
        ));
    }
    let base = rancher_base(w, ns)?;
    let hard = &rq.rq().spec_hard;
    (active.is_empty() && base.iter().any(|(r, q)| hard.get(r).is_some_and(|h| h != q))).then(
        || {
            format!(
                "ResourceQuota {} spec.hard is {} with no migration in progress, not the Rancher base {}",
                rq.meta.key(),
                hard.pretty(),
                base.pretty()
            )
        },
    )
}

impl Invariant for Leftovers {
    fn name(&self) -> &'static str {
        "leftovers"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        for r in &w.cluster.api.records {
            let (true, Ok(()), Some(before), Some(after)) = (
                r.kind == Kind::Node && r.actor == w.user,
                &r.result,
                &r.before,
                &r.after,
            ) else {
                continue;
            };
            let (b, a) = (before.node(), after.node());
            let set = self
                .user_set
                .entry(after.meta.name.to_string())
                .or_default();
            if b.unschedulable != a.unschedulable {
                set.0 = Some(a.unschedulable);
            }
            if b.drain_taint != a.drain_taint {
                set.1 = Some(a.drain_taint);
            }
        }
        None
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        let store = &w.cluster.api.store;
        let quota = store
            .list_all(Kind::ResourceQuota)
            .find_map(|rq| quota_leftover(w, rq));
        let node = if upgrade_in_progress(w) {
            None
        } else {
            store.list_all(Kind::Node).find_map(|n| {
                let b = n.node();
                let user = self
                    .user_set
                    .get(n.meta.name.as_str())
                    .copied()
                    .unwrap_or_default();
                // The user's own cordon or taint is desired state.
                let cordoned = b.unschedulable && user.0 != Some(true);
                let tainted = b.drain_taint && user.1 != Some(true);
                let what = match (cordoned, tainted) {
                    (true, true) => "cordoned and tainted for a drain",
                    (true, false) => "cordoned",
                    (false, true) => "tainted for a drain",
                    (false, false) => return None,
                };
                Some(format!(
                    "node {} is left {what} with no upgrade in progress",
                    n.meta.name
                ))
            })
        };
        quota
            .or(node)
            .map(|m| format!("{m}; {}", after_calm_note(w, self.calm)))
    }
}
