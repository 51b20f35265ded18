//! What a world can have beyond an installed cluster running from t=0 (the cluster's install,
//! the node-by-node upgrade, the UI's host pages) plugs in through one small trait: what it
//! adds before and after the processes are told to start, the timeline actions it carries
//! out, the external events it owns, and what it adds to the state hash. The world keeps
//! them in one list (`world.rs`, `plug_in`) in the order they plug in.

use super::topology::Topology;
use crate::engine::{Sim, Trace};
use crate::kube::{Cluster, Ev};
use crate::scenario::{Action, Behaviours};
use std::any::Any;
use std::hash::Hasher;

/// The external-event codes a feature owns: `n` codes counted down from `top`, below the
/// world's own wake-up code and above the timeline's action indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Codes {
    top: u32,
    n: u32,
}

impl Codes {
    pub fn new(top: u32, n: u32) -> Codes {
        Codes { top, n }
    }

    /// The event of its `i`th code.
    pub fn event(&self, i: u32) -> Ev {
        assert!(i < self.n, "a feature schedules only its own codes");
        Ev::External(self.top - i)
    }

    /// Which of its codes `code` is, if it is one.
    pub fn local(&self, code: u32) -> Option<u32> {
        (code <= self.top && self.top - code < self.n).then(|| self.top - code)
    }

    /// The top of the codes below these (the next feature's).
    pub fn below(&self) -> u32 {
        self.top - self.n
    }
}

/// What a feature may touch while it acts.
pub struct Env<'a> {
    pub cluster: &'a mut Cluster,
    pub sim: &'a mut Sim<Ev>,
    pub trace: &'a mut Trace,
    /// The behaviours in force now (an in-place upgrade changes them).
    pub behaviours: Behaviours,
}

pub trait Feature {
    /// How many external-event codes it owns (`Codes`).
    fn codes(&self) -> u32 {
        0
    }
    /// Before any process starts: the processes and objects it adds.
    fn before_start(&mut self, _cluster: &mut Cluster, _topology: &Topology) {}
    /// After every process has been told to start at t=0: what it starts, defers or
    /// schedules, with its event codes.
    fn after_start(&mut self, _env: &mut Env<'_>, _topology: &Topology, _codes: Codes) {}
    /// Whether it carries out this timeline action.
    fn handles(&self, _action: &Action) -> bool {
        false
    }
    /// Carries out a timeline action it handles.
    fn act(&mut self, _action: &Action, _env: &mut Env<'_>) {}
    /// One of its external events: `code` is its own (0 for the first).
    fn on_external(&mut self, _code: u32, _env: &mut Env<'_>) {}
    /// Its state, into the world's state hash.
    fn hash_into(&self, _h: &mut dyn Hasher) {}
    /// For the world's typed accessors (`World::boot`, `World::pages`).
    fn as_any(&self) -> &dyn Any;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_count_down_from_their_top_and_the_next_feature_starts_below() {
        let c = Codes::new(100, 2);
        assert_eq!(c.event(0), Ev::External(100));
        assert_eq!(c.event(1), Ev::External(99));
        assert_eq!(
            (c.local(100), c.local(99), c.local(98)),
            (Some(0), Some(1), None)
        );
        assert_eq!(c.local(101), None);
        assert_eq!(Codes::new(c.below(), 1).local(98), Some(0));
    }
}
