//! A world built from a scenario: the cluster with its processes for a Harvester version,
//! the initial objects, the timeline's actions, and the step loop.

pub mod bootstrap;
pub mod feature;
pub mod host_pages;
pub mod topology;
pub mod upgrade;
pub mod world;

pub use world::{World, WAKE};
