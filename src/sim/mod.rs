//! A world built from a scenario: the cluster with its processes for a Harvester version
//! (`topology.rs`), the initial objects, the features a scenario adds (`feature.rs`: the
//! install, the node-by-node upgrade, the UI's host pages), the timeline's actions, and the
//! step loop (`world.rs`).

pub(crate) mod bootstrap;
pub(crate) mod feature;
pub(crate) mod host_pages;
pub(crate) mod topology;
pub(crate) mod upgrade;
pub(crate) mod world;

pub use world::{World, WAKE};
