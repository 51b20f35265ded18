//! The checker: a scenario's invariants, sometimes-assertions and probes as a list each,
//! asked after every step and when the run stops. It reads the API server's records of each
//! step and the server's state; it never reads a controller's cache or private state, so it
//! judges the cluster as an operator with `kubectl` would.

use super::{invariants, probes, sometimes};
use super::{Invariant, InvariantKind, Probe, Sometimes, Violation};
use crate::engine::{SimTime, StopReason};
use crate::scenario::Scenario;
use crate::sim::World;

/// See `Checker::at_stop`.
pub enum AtStop {
    /// A deadline is pending: step on.
    GoOn,
    /// The run is over, with this verdict.
    End(Option<Violation>),
}

/// A run's checks: the scenario's invariants, sometimes-assertions and probes, asked after every
/// step and at the end.
pub struct Checker {
    invariants: Vec<Box<dyn Invariant>>,
    sometimes: Vec<(Box<dyn Sometimes>, bool)>,
    probes: Vec<Box<dyn Probe>>,
    /// The first violation of a service-level invariant, kept while the run goes on.
    soft: Option<Violation>,
}

impl Checker {
    /// The checker of the scenario's invariants, sometimes-assertions and probes.
    pub fn new(scn: &Scenario) -> Self {
        Checker::with(
            invariants::build_all(scn),
            scn.sometimes
                .iter()
                .map(|s| (sometimes::build(s), false))
                .collect(),
            probes::build(scn),
        )
    }

    /// A checker of exactly these invariants (a test's, or a generic oracle's).
    pub fn with(
        invariants: Vec<Box<dyn Invariant>>,
        sometimes: Vec<(Box<dyn Sometimes>, bool)>,
        probes: Vec<Box<dyn Probe>>,
    ) -> Self {
        Checker {
            invariants,
            sometimes,
            probes,
            soft: None,
        }
    }

    /// Adds an invariant, asked after those already there.
    pub fn push(&mut self, inv: Box<dyn Invariant>) {
        self.invariants.push(inv);
    }

    /// Per-run figures of the scenario's flows (the upgrade's).
    pub fn metrics(&self, w: &World) -> Vec<(String, String)> {
        self.probes.iter().flat_map(|p| p.metrics(w)).collect()
    }

    /// Each sometimes-assertion by name, and whether the run has reached it yet.
    pub fn sometimes(&self) -> Vec<(&'static str, bool)> {
        self.sometimes
            .iter()
            .map(|(s, hit)| (s.name(), *hit))
            .collect()
    }

    /// The first violation of a service-level invariant, if any (the run's verdict when no
    /// hard one was violated).
    pub fn take_soft(&mut self) -> Option<Violation> {
        self.soft.take()
    }

    /// Called after every step: the first violation of a hard invariant in this step, in
    /// checking order. Every invariant sees every step, so none misses a record because
    /// another was violated first.
    pub fn after_step(&mut self, w: &mut World) -> Option<Violation> {
        for p in &mut self.probes {
            p.after_step(w);
        }
        for (s, hit) in &mut self.sometimes {
            if !*hit && s.reached(w) {
                *hit = true;
            }
        }
        let mut first = None;
        for inv in &mut self.invariants {
            let Some(m) = inv.after_step(w) else {
                continue;
            };
            let v = Violation::now(w, inv.name(), inv.kind(), m);
            if inv.soft() {
                self.soft.get_or_insert(v);
            } else {
                first.get_or_insert(v);
            }
        }
        first
    }

    /// The earliest deadline after now of an eventually-within-T invariant (or a bounded
    /// safety one) whose subject is still undecided: the run must go on until then.
    pub fn pending_deadline(&self, w: &World) -> Option<SimTime> {
        let now = w.sim.now();
        self.invariants
            .iter()
            .filter_map(|i| i.pending_deadline(w))
            .filter(|t| *t > now)
            .min()
    }

    /// What a run does when the world stops (`World::step` says why): an eventually-within-T
    /// invariant is never judged before its deadline, so a run that runs out of events or
    /// reaches the end of its calm phase while a deadline is pending goes on until that
    /// deadline (the event budget still bounds it); otherwise the run ends with the verdict.
    pub fn at_stop(&mut self, w: &mut World, stop: StopReason) -> AtStop {
        if stop != StopReason::Budget {
            if let Some(t) = self.pending_deadline(w) {
                w.extend_to(t);
                return AtStop::GoOn;
            }
        }
        AtStop::End(self.at_end(w, stop))
    }

    /// Called once when the run ends (calm phase over, or nothing left to happen): the
    /// first violation in checking order, else the kept service-level one.
    pub fn at_end(&mut self, w: &World, stop: StopReason) -> Option<Violation> {
        if stop == StopReason::Budget {
            let waiting = match self.pending_deadline(w) {
                Some(t) => format!(", with a deadline at {t} still to judge"),
                None => String::new(),
            };
            return Some(Violation::now(
                w,
                "within-budget",
                InvariantKind::Always,
                format!(
                    "the run did not end within its event budget ({} events){waiting}: a livelock?",
                    w.sim.steps()
                ),
            ));
        }
        for inv in &mut self.invariants {
            if let Some(m) = inv.at_end(w) {
                return Some(Violation::now(w, inv.name(), inv.kind(), m));
            }
        }
        self.soft.take()
    }
}
