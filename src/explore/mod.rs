//! Sweeps over seeds and `verify` of each scenario's expectations.

pub(crate) mod chaos;
pub mod crash_points;
pub mod exhaustive;
pub mod hunt;
pub mod repro;
pub mod results;
pub mod shape;
pub mod shrink;
pub mod strategy;
pub mod sweep;
pub mod verify;
