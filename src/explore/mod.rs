//! Sweeps over seeds and `verify` of each scenario's expectations.

pub mod sweep;
pub mod verify;
