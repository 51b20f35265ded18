//! Sweeps over seeds and `verify` of each scenario's expectations.

pub mod exhaustive;
pub mod results;
pub mod strategy;
pub mod sweep;
pub mod verify;
