//! `no-quota-block-within-base` (always): a pod (a migration's target pod) is never rejected
//! by quota while the Rancher base alone has room for it: the quota's `status.hard` is below
//! what the namespace's annotation grants.

use crate::check::observe::rancher_base;
use crate::check::{Invariant, InvariantKind};
use crate::kube::{ApiError, Kind, Verb};
use crate::sim::World;

pub struct NoQuotaBlockWithinBase;

impl Invariant for NoQuotaBlockWithinBase {
    fn name(&self) -> &'static str {
        "no-quota-block-within-base"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Always
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        for r in &w.cluster.api.records {
            let (Verb::Create, Kind::Pod, Err(ApiError::QuotaExceeded(d))) =
                (&r.verb, r.kind, &r.result)
            else {
                continue;
            };
            let Some(base) = rancher_base(w, &r.namespace) else {
                continue;
            };
            let room = d.requested.iter().all(|(res, q)| {
                let u = d.used.get(res).unwrap_or_default();
                base.get(res).is_none_or(|b| u + q <= b)
            });
            if room {
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
