//! Invariants and their checking. Each invariant has a name and a kind:
//! *always* (checked after every step), *eventually within T* (bounded liveness, checked at
//! a deadline), *after calm* (checked when the calm phase ends). Sometimes-assertions record
//! whether a run reached a state, so a sweep proves the scenario hits its race window;
//! probes collect a run's figures (an upgrade's duration, its repo's downtime).
//!
//! One invariant is one file under `invariants/`, one sometimes-assertion one file under
//! `sometimes/`, one probe one file under `probes/`; each registry (`invariants::build`,
//! `sometimes::build`, `probes::build`) is the only place that maps a scenario's spec to an
//! implementation. The checker holds the list and never looks an invariant up by name.

mod checker;
mod desired_state;
mod invariant;
pub(crate) mod invariants;
mod observe;
pub(crate) mod probes;
mod run;
pub(crate) mod sometimes;

pub use checker::{AtStop, Checker};
pub use invariant::{Invariant, Probe, Sometimes};
pub use run::{run, run_seed, run_with, RunOptions, RunOutcome};

use crate::engine::{SimDuration, SimTime};
use crate::sim::World;
use std::fmt;

/// When an invariant is judged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InvariantKind {
    /// After every step.
    Always,
    /// By a deadline: something must have happened by then.
    Eventually,
    /// Once the calm phase has ended, on the final state.
    AfterCalm,
}

impl fmt::Display for InvariantKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvariantKind::Always => "always",
            InvariantKind::Eventually => "eventually",
            InvariantKind::AfterCalm => "after calm",
        })
    }
}

/// An invariant's failure in a run.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Violation {
    /// The invariant's name (`quota-converges`).
    pub invariant: String,
    /// When it was judged.
    pub kind: InvariantKind,
    /// The step at which it failed.
    pub step: u64,
    /// The virtual time at which it failed.
    pub time: SimTime,
    /// What was wrong, with the objects concerned.
    pub message: String,
}

impl Violation {
    /// A violation of `invariant` at the world's current step and time.
    pub fn now(w: &World, invariant: &str, kind: InvariantKind, message: String) -> Violation {
        Violation {
            invariant: invariant.to_string(),
            kind,
            step: w.sim.steps(),
            time: w.sim.now(),
            message,
        }
    }
}

/// When an after-calm invariant was judged, in the scenario's terms.
pub fn after_calm_note(w: &World, calm: SimDuration) -> String {
    let (now, end) = (w.sim.now(), w.calm_end(calm));
    if now >= end {
        format!(
            "judged at {now}, after the calm phase ({calm} after the last action at {})",
            w.calm_at
        )
    } else {
        format!(
            "judged at {now}, when nothing was left to happen (the calm phase would end at {end}: {calm} after the last action at {})",
            w.calm_at
        )
    }
}
