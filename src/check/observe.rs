//! Reading the cluster as the invariants do: small queries several of them share.

use crate::kube::{Kind, ResourceList};
use crate::models::rancher::resource_quota_sync::base_of;
use crate::sim::World;

/// The Rancher base of namespace `ns` as its annotation holds it now, so an admitted
/// `SetQuota` moves the base a quota is judged against.
pub fn rancher_base(w: &World, ns: &str) -> Option<ResourceList> {
    w.cluster
        .api
        .get(Kind::Namespace, "", ns)
        .and_then(|o| base_of(o))
}

/// Whether the Upgrade `name` has reached `Succeeded`.
pub fn upgrade_succeeded(w: &World, name: &str) -> bool {
    use crate::models::harvester::upgrade::NAMESPACE;
    w.cluster
        .api
        .get(Kind::Upgrade, NAMESPACE, name)
        .is_some_and(|u| u.upgrade().state == "Succeeded")
}
