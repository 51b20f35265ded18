//! KubeVirt v1.3.0 (vendored by Harvester v1.4.x).

pub(crate) mod evacuation;
pub mod launcher;
pub(crate) mod migration;
pub(crate) mod node_labeller;
pub mod overhead;
pub(crate) mod virt_api;
pub(crate) mod virt_handler;
pub mod vm;
pub(crate) mod vmi;
