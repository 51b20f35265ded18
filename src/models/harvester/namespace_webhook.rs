//! Harvester's namespace validator (`pkg/webhook/resources/namespace/validator.go`): a change
//! to `field.cattle.io/resourceQuota` is denied while the namespace's default quota carries
//! any migration annotation. It does not see Rancher's quota reset (that changes the quota,
//! not the namespace). Simplification: reads the API server's state, not a cache.

use super::migration_keys::has_migrating_vm;
use crate::kube::store::Store;
use crate::kube::{AdmissionHook, Kind, Obj};
use crate::models::rancher::namespace_quota::{
    ANNOTATION_RESOURCE_QUOTA, LABEL_DEFAULT_RESOURCE_QUOTA,
};

pub struct NamespaceValidator {
    /// The version's denial text, `{}` standing for the namespace.
    pub text: &'static str,
}

impl AdmissionHook for NamespaceValidator {
    fn name(&self) -> &'static str {
        "validator.harvesterhci.io"
    }

    fn kind(&self) -> Option<Kind> {
        Some(Kind::Namespace)
    }

    fn validate(&self, old: Option<&Obj>, new: &Obj, store: &Store) -> Result<(), String> {
        let Some(old) = old else { return Ok(()) };
        if new.kind() != Kind::Namespace
            || old.annotation(ANNOTATION_RESOURCE_QUOTA)
                == new.annotation(ANNOTATION_RESOURCE_QUOTA)
        {
            return Ok(());
        }
        let ns = &new.meta.name;
        let migrating = store.list(Kind::ResourceQuota, ns).any(|rq| {
            rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true") && has_migrating_vm(&rq.meta)
        });
        if migrating {
            return Err(self.text.replace("{}", ns));
        }
        Ok(())
    }
}
