//! `quota-covers-usage` (after calm, generic): no ResourceQuota is left with `spec.hard`
//! below its `status.used`. Kubernetes lets a quota be lowered under what already runs (the
//! quota admission plugin judges only new pods), but a namespace left so refuses every new
//! pod: a VM that restarts or migrates cannot start again, although nothing changed for the
//! user. Once the cluster is calm nothing should be mid-way, so a quota whose limits are
//! under its usage was left so by a controller (or by a user who set it so: then the
//! scenario should not declare this invariant).

use crate::check::{after_calm_note, Invariant, InvariantKind};
use crate::engine::SimDuration;
use crate::kube::Kind;
use crate::scenario::Scenario;
use crate::sim::World;

pub struct QuotaCoversUsage {
    calm: SimDuration,
}

impl QuotaCoversUsage {
    pub fn new(scn: &Scenario) -> Self {
        QuotaCoversUsage { calm: scn.calm }
    }
}

impl Invariant for QuotaCoversUsage {
    fn name(&self) -> &'static str {
        "quota-covers-usage"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::AfterCalm
    }

    fn at_end(&mut self, w: &World) -> Option<String> {
        w.cluster
            .api
            .store
            .list_all(Kind::ResourceQuota)
            .find_map(|rq| {
                let b = rq.rq();
                let under: Vec<String> = b
                    .status_used
                    .iter()
                    .filter(|(r, used)| b.spec_hard.get(*r).is_some_and(|hard| hard < *used))
                    .map(|(r, used)| {
                        format!(
                            "{} {} < used {}",
                            r.name(),
                            r.fmt_quantity(b.spec_hard.get(r).unwrap_or(used)),
                            r.fmt_quantity(used)
                        )
                    })
                    .collect();
                (!under.is_empty()).then(|| {
                    format!(
                        "ResourceQuota {} spec.hard is below what its namespace uses ({}): no pod of it can start again; {}",
                        rq.meta.key(),
                        under.join(", "),
                        after_calm_note(w, self.calm)
                    )
                })
            })
    }
}
