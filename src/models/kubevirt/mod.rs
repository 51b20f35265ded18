//! KubeVirt v1.3.0 (vendored by Harvester v1.4.x).

pub mod evacuation;
pub mod launcher;
pub mod migration;
pub mod node_labeller;
pub mod overhead;
pub mod virt_api;
pub mod virt_handler;
pub mod vm;
pub mod vmi;
