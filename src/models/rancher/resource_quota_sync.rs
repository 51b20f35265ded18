//! Rancher `resourceQuotaSyncController` (`pkg/controllers/managementuser/resourcequota/
//! resource_quota_sync.go`, `CreateResourceQuota`), registered as a **Namespace** OnChange
//! handler in cattle-cluster-agent. It never watches ResourceQuotas, so it reconciles a
//! namespace only when the agent starts (the informer's initial list), on a namespace
//! update, or on resync. It derives `spec.hard` from the namespace annotation and the
//! project's namespace default, and when the existing quota differs it PUTs the whole spec
//! from its lister cache, keeping metadata (and so Harvester's annotations). An annotation
//! that is not JSON makes the handler return the error: the namespace is requeued with
//! wrangler's backoff, again and again while the annotation stays bad.
//! Left out: the project-limit check `validateAndSetNamespaceQuota` (always fits here), the
//! 10h informer resync, container default limits.

use super::namespace_quota::{
    parse_annotation_checked, AnnotationError, ANNOTATION_RESOURCE_QUOTA,
    LABEL_DEFAULT_RESOURCE_QUOTA,
};
use crate::kube::object::ResourceQuotaBody;
use crate::kube::{
    Body, Ctx, Kind, Meta, Obj, ObjId, Outcome, ReconcileError, ReconcileResult, Reconciler,
    ResourceList,
};

pub struct ResourceQuotaSync;

/// `deriveRequestedResourceQuota` + `completeQuota`: the annotation's values override the
/// project default, only for keys the default has; no default means no quota.
pub fn derive_spec(
    requested: Option<&ResourceList>,
    default: Option<&ResourceList>,
) -> Option<ResourceList> {
    let default = default?;
    let mut spec = *default;
    if let Some(req) = requested {
        for (r, _) in default.iter() {
            if let Some(q) = req.get(r) {
                spec.set(r, q);
            }
        }
    }
    Some(spec)
}

/// The `spec.hard` Rancher derives for namespace `ns`'s default quota from what the namespace
/// says now (its `field.cattle.io/resourceQuota` annotation over its project's default):
/// the base it resets the quota to. `None`: no quota, or an annotation it cannot parse.
pub fn base_of(ns: &Obj) -> Option<ResourceList> {
    let requested = match ns.annotation(ANNOTATION_RESOURCE_QUOTA) {
        Some(s) => Some(parse_annotation_checked(s).ok()?),
        None => None,
    };
    derive_spec(requested.as_ref(), ns.namespace().project_default.as_ref())
        .filter(|s| !s.is_empty())
}

impl Reconciler for ResourceQuotaSync {
    fn name(&self) -> &'static str {
        "resourceQuotaSyncController"
    }

    fn primary(&self) -> Kind {
        Kind::Namespace
    }

    fn watches(&self) -> Vec<Kind> {
        vec![Kind::Namespace, Kind::ResourceQuota]
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(ns) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        if ns.meta.deletion_timestamp.is_some() {
            return Ok(Outcome::Done);
        }
        let default = ns.namespace().project_default.as_ref();
        // getNamespaceResourceQuotaLimit: an empty annotation is none; JSON that does not
        // parse is returned, so syncResourceQuota returns it and wrangler requeues the
        // namespace with backoff, retrying for as long as the annotation stays bad. A bad
        // quantity surfaces only when the default is merged in (convertResourceLimit...);
        // without a default the requested limit is not used.
        let requested = match ns
            .annotation(ANNOTATION_RESOURCE_QUOTA)
            .filter(|a| !a.is_empty())
        {
            Some(s) => match parse_annotation_checked(s) {
                Ok(l) => Some(l),
                Err(AnnotationError::Quantity(_)) if default.is_none() => None,
                Err(e) => return Err(ReconcileError::Other(e.to_string())),
            },
            None => None,
        };
        let spec = derive_spec(requested.as_ref(), default);
        let existing = read
            .list(Kind::ResourceQuota, &ns.meta.name)
            .find(|(_, rq)| rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"))
            .map(|(_, rq)| rq.clone());
        match (existing, spec) {
            (None, Some(hard)) if !hard.is_empty() => {
                let mut meta = Meta {
                    generate_name: "default-".into(),
                    namespace: ns.meta.name.clone(),
                    ..Meta::default()
                };
                meta.labels.insert(LABEL_DEFAULT_RESOURCE_QUOTA, "true");
                meta.labels.insert("cattle.io/creator", "norman");
                let body = ResourceQuotaBody {
                    spec_hard: hard,
                    ..ResourceQuotaBody::default()
                };
                ctx.create(Obj::new(meta, Body::ResourceQuota(body)))?;
            }
            (Some(rq), None) => {
                ctx.delete(Kind::ResourceQuota, &rq.meta.namespace, &rq.meta.name)?;
            }
            (Some(rq), Some(hard)) if rq.rq().spec_hard != hard => {
                let ns_name = ns.meta.name.clone();
                ctx.log(|| format!("Updating default resource quota for namespace {ns_name}"));
                // updateResourceQuota: toUpdate := quota.DeepCopy(); toUpdate.Spec = *spec
                let mut next = (*rq).clone();
                next.rq_mut().spec_hard = hard;
                ctx.update(next)?;
            }
            _ => {}
        }
        Ok(Outcome::Done)
    }
}
