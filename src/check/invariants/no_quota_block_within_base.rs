//! `no-quota-block-within-base` (always): a pod (a migration's target pod) is never rejected
//! by quota while the Rancher base alone has room for it: the quota's `status.hard` is below
//! what the namespace's annotation grants.
//!
//! A rejection while the quota's `spec.hard` already has room and only its `status.hard`
//! lags (the kube-controller-manager's quota controller has not synced a spec change yet;
//! the quota admission plugin admits against `status.hard`) is Kubernetes' documented
//! behaviour, not a lost base, and is not counted: a user who raises a quota and migrates
//! in the same instant meets it on any cluster.
//!
//! Likewise the base a rejection is judged against is the one Rancher has applied: after a
//! change of the namespace's annotation and until Rancher's agent has written the default
//! quota, the previous base governs (Rancher cannot have lost a base it has not read yet).

use crate::check::observe::rancher_base;
use crate::check::{Invariant, InvariantKind};
use crate::kube::{ApiError, Kind, ResourceList, Verb};
use crate::models::rancher::resource_quota_sync::base_of;
use crate::sim::world::AGENT;
use crate::sim::World;
use std::collections::BTreeMap;

#[derive(Default)]
pub struct NoQuotaBlockWithinBase {
    /// Per namespace whose base changed and Rancher has not applied yet: the base before.
    unapplied: BTreeMap<String, Option<ResourceList>>,
}

impl Invariant for NoQuotaBlockWithinBase {
    fn name(&self) -> &'static str {
        "no-quota-block-within-base"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Always
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        for r in &w.cluster.api.records {
            match (r.verb, r.kind, &r.result, &r.before, &r.after) {
                (Verb::Update, Kind::Namespace, Ok(()), Some(b), Some(a)) => {
                    let old = base_of(b);
                    if old != base_of(a) {
                        self.unapplied.entry(a.meta.name.to_string()).or_insert(old);
                    }
                    continue;
                }
                (Verb::Update, Kind::ResourceQuota, Ok(()), _, _)
                    if w.cluster.actor_name(r.actor) == AGENT =>
                {
                    self.unapplied.remove(r.namespace.as_str());
                    continue;
                }
                _ => {}
            }
            let (Verb::Create, Kind::Pod, Err(ApiError::QuotaExceeded(d))) =
                (&r.verb, r.kind, &r.result)
            else {
                continue;
            };
            let base = match self.unapplied.get(r.namespace.as_str()) {
                Some(before) => *before,
                None => rancher_base(w, &r.namespace),
            };
            let Some(base) = base else {
                continue;
            };
            let room = d.requested.iter().all(|(res, q)| {
                let u = d.used.get(res).unwrap_or_default();
                base.get(res).is_none_or(|b| u + q <= b)
            });
            let lagging = w
                .cluster
                .api
                .get(Kind::ResourceQuota, &r.namespace, &d.quota)
                .is_some_and(|rq| {
                    let (spec, status) = (&rq.rq().spec_hard, &rq.rq().status_hard);
                    spec != status
                        && d.requested.iter().all(|(res, q)| {
                            let u = d.used.get(res).unwrap_or_default();
                            spec.get(res).is_none_or(|h| u + q <= h)
                        })
                });
            if room && !lagging {
                return Some(format!(
                    "pod {}/{} was rejected by quota {} although the Rancher base has room: used {} + requested {} fits base {}, but the quota's status.hard is {}",
                    r.namespace,
                    r.name,
                    d.quota,
                    d.used.pretty(),
                    d.requested.pretty(),
                    base.masked(&d.requested).pretty(),
                    d.limited.pretty()
                ));
            }
        }
        None
    }
}
