//! Harvester `resourceQuotaController` = `Handler.OnResourceQuotaChanged`
//! (`pkg/controller/master/resourcequota/resourcequota_controller.go`, v1.4.2+):
//! `spec.hard = Rancher base (namespace annotation) + sum of migration annotations`, per
//! resource whose base is non-zero. Absolute and idempotent: after Rancher resets the spec,
//! the resulting RQ event brings the scaling back within one reconcile.
//! Skips (no requeue): an empty Rancher annotation, a quota with no cpu and no memory limit
//! (`IsEmptyResourceQuota`), a quantity in the annotation that does not parse, any migration
//! annotation that does not parse. An annotation that is not JSON is returned as the error.
//! Left out: the v1.9 compensation and resync-needed annotations.

use super::migration_keys::{sum_migrating, SKIP_AUTO_SCALING};
use crate::kube::{
    Ctx, Kind, ObjId, Outcome, ReconcileError, ReconcileResult, Reconciler, Resource,
};
use crate::models::rancher::namespace_quota::{
    parse_annotation_checked, AnnotationError, ANNOTATION_RESOURCE_QUOTA,
    LABEL_DEFAULT_RESOURCE_QUOTA,
};

/// Harvester's `resourceQuotaController` (see the module documentation).
pub struct ResourceQuotaController;

impl Reconciler for ResourceQuotaController {
    fn name(&self) -> &'static str {
        "resourceQuotaController"
    }

    fn primary(&self) -> Kind {
        Kind::ResourceQuota
    }

    fn watches(&self) -> Vec<Kind> {
        vec![Kind::ResourceQuota, Kind::Namespace]
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(rq) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        if rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) != Some("true")
            || rq.meta.deletion_timestamp.is_some()
            || rq.annotation(SKIP_AUTO_SCALING) == Some("true")
        {
            return Ok(Outcome::Done);
        }
        let Some(ns) = read.get(Kind::Namespace, "", &rq.meta.namespace) else {
            return Ok(Outcome::Done);
        };
        let Some(ann) = ns
            .annotation(ANNOTATION_RESOURCE_QUOTA)
            .filter(|a| !a.is_empty())
        else {
            return Ok(Outcome::Done);
        };
        let rq_key = rq.meta.key();
        // scaleResourceQuotaOnDemand, in its order: an annotation that is not JSON is
        // returned as the error (wrangler requeues it with backoff); the rest log and skip
        // (errSkipScaling), waiting for the next change of the quota.
        let base = match parse_annotation_checked(ann) {
            Ok(base) => Ok(base),
            Err(AnnotationError::Json(e)) => {
                let a = ann.to_string();
                ctx.log(|| format!("resourcequota {rq_key} related namespace has invalid {ANNOTATION_RESOURCE_QUOTA} annotation {a}, skip scaling, error {e}"));
                return Err(ReconcileError::Other(e));
            }
            Err(AnnotationError::Quantity(e)) => Err(e),
        };
        let hard = rq.rq().spec_hard;
        let zero = |r| hard.get(r).unwrap_or_default().is_zero();
        // IsEmptyResourceQuota: no cpu and no memory limit (absent or zero).
        if zero(Resource::LimitsCpu) && zero(Resource::LimitsMemory) {
            return Ok(Outcome::Done);
        }
        let base = match base {
            Ok(b) => b,
            Err(e) => {
                let a = ann.to_string();
                ctx.log(|| format!("resourcequota {rq_key} can't get valid Quantity values from Rancher {ANNOTATION_RESOURCE_QUOTA} annotations {a}, skip scaling, error {e}"));
                return Ok(Outcome::Done);
            }
        };
        let delta = match sum_migrating(&rq.meta) {
            Ok(d) => d,
            Err(e) => {
                ctx.log(|| format!("resourcequota {rq_key} can't get valid Quantity values from Harvester vm annotations, skip scaling, error {e}"));
                return Ok(Outcome::Done);
            }
        };
        let mut want = hard;
        for r in [Resource::LimitsCpu, Resource::LimitsMemory] {
            let b = base.get(r).unwrap_or_default();
            if !b.is_zero() {
                want.set(r, b + delta.get(r).unwrap_or_default());
            }
        }
        if want == hard {
            return Ok(Outcome::Done);
        }
        let mut next = (*rq).clone();
        next.rq_mut().spec_hard = want;
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}
