//! hvsim: a deterministic discrete-event simulator of a Harvester cluster's control plane.
//!
//! Layers, each knowing only those below it: `engine` (virtual time, events, the one choice
//! stream) < `kube` (API server, informers, work queues, processes) < `models` (the real
//! controllers) < `scenario` (RON input, versions) < `sim` (a world built from a scenario)
//! < `check` (invariants) < `explore` (sweeps, verify) < `report` (outputs) < `cli` (the
//! `hvsim` command). `atomic_write` (a file written whole or not at all) is below them all,
//! on std only.
#![warn(missing_docs)]

/// Output goes through `report::output`, so a closed pipe ends it quietly (README: Output files).
macro_rules! out {
    ($($t:tt)*) => { $crate::report::output::out(&format!($($t)*)) };
}
macro_rules! outln {
    ($($t:tt)*) => { $crate::report::output::out(&format!("{}\n", format_args!($($t)*))) };
}
macro_rules! errln {
    ($($t:tt)*) => { $crate::report::output::err(&format!("{}\n", format_args!($($t)*))) };
}

pub mod allocator;
mod atomic_write;
pub mod check;
pub mod cli;
pub mod engine;
pub mod explore;
pub mod fuzz;
pub mod kube;
pub mod models;
pub mod report;
pub mod scenario;
pub mod sim;
