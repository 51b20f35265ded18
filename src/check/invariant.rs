//! What the checker asks of an invariant, a sometimes-assertion and a probe: one signature
//! for all of each, so adding one is a new file and a line in its registry.
//!
//! Every method reads the world as an operator with `kubectl` would: the API server's
//! records of the step just taken (`w.cluster.api.records`) and its state, never a
//! controller's cache or private state.

use super::InvariantKind;
use crate::engine::SimTime;
use crate::sim::World;

/// One invariant of a run. Its messages are full sentences that name the object, the
/// values seen and, for a bounded one, the deadline used.
pub trait Invariant {
    /// The name a scenario gives it (`quota-converges`).
    fn name(&self) -> &'static str;
    /// When it is judged: after every step, by a deadline, or after calm.
    fn kind(&self) -> InvariantKind;
    /// A service-level invariant: its violation is kept while the run goes on, so a later
    /// violation of a hard one is reported first.
    fn soft(&self) -> bool {
        false
    }
    /// After every step. May ask the world to wake it at a deadline (`w.wake_at`).
    fn after_step(&mut self, _w: &mut World) -> Option<String> {
        None
    }
    /// The earliest deadline after now whose subject is still undecided: the run goes on
    /// until then rather than judge early.
    fn pending_deadline(&self, _w: &World) -> Option<SimTime> {
        None
    }
    /// Once, when the run ends (its calm phase is over or nothing is left to happen) and
    /// no deadline is pending.
    fn at_end(&mut self, _w: &World) -> Option<String> {
        None
    }
}

/// A sometimes-assertion: whether a run reached a state (the race window).
pub trait Sometimes {
    /// The name a scenario gives it (`reset-during-migration`).
    fn name(&self) -> &'static str;
    /// After every step: true when the state is reached now.
    fn reached(&mut self, w: &World) -> bool;
}

/// Figures of a run's flows, for reports; a probe judges nothing.
pub trait Probe {
    /// After every step: takes what the figures need from the world.
    fn after_step(&mut self, w: &World);
    /// The figures, in report order.
    fn metrics(&self, w: &World) -> Vec<(String, String)>;
}
