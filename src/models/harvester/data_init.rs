//! Harvester's data init (`pkg/data/add.go` `Init`, harvester/harvester v1.2.0 to v1.6.0):
//! every start of the harvester server, before its settings and controllers
//! (`pkg/server/types.go` `generateSteveServer`), applies the namespaces Harvester owns:
//! `harvester-public` (`pkg/data/public.go` `addPublicNamespace`, all modelled versions)
//! and, from v1.4.0, `fleet-default` (`pkg/data/rancher.go` `addFleetDefaultNamespace`).
//!
//! Left out: the CRDs, APIService, roles, templates and secrets the same `Init` applies.

use crate::models::behaviours::Behaviours;

pub const PUBLIC_NAMESPACE: &str = "harvester-public";
pub const FLEET_DEFAULT_NAMESPACE: &str = "fleet-default";

/// The namespaces `Init` applies at this version, in its order.
pub fn namespaces(b: &Behaviours) -> Vec<&'static str> {
    let mut out = vec![PUBLIC_NAMESPACE];
    if b.fleet_default_namespace {
        out.push(FLEET_DEFAULT_NAMESPACE);
    }
    out
}
