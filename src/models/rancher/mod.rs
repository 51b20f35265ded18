//! Rancher's controllers that run for the Harvester cluster (in cattle-cluster-agent).

pub mod namespace_quota;
pub(crate) mod resource_quota_sync;
