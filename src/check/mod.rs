//! Invariants and their checking. Each invariant has a name and a kind:
//! *always* (checked after every step), *eventually within T* (bounded liveness, checked at
//! a deadline), *after calm* (checked when the calm phase ends). Sometimes-assertions record
//! whether a run reached a state, so a sweep proves the scenario hits its race window.

mod checker;
mod host_view;
mod install;
mod run;
mod upgrade;

pub use checker::{AtStop, Checker, InvariantKind, Violation};
pub use run::{run, run_seed, run_with, RunOptions, RunOutcome};
