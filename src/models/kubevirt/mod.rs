//! KubeVirt v1.3.0 (vendored by Harvester v1.4.x).

pub mod launcher;
pub mod migration;
pub mod overhead;
pub mod virt_handler;
pub mod vm;
pub mod vmi;
