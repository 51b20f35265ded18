//! One checked run: build the world, step it, check after every step and at the end.

use super::{AtStop, Checker, Violation};
use crate::engine::{Choices, SeededChoices, SimTime, StopReason, Trace, TraceRec};
use crate::kube::WriteTally;
use crate::scenario::{Scenario, Version};
use crate::sim::World;

/// What one checked run ended with.
#[derive(Clone, Debug)]
pub struct RunOutcome {
    /// The first hard violation (or a service-level one no hard one followed), if any.
    pub violation: Option<Violation>,
    /// Events the run took.
    pub steps: u64,
    /// The virtual time it ended at.
    pub end: SimTime,
    /// Why the engine stopped (`Quiescent` when the observer ended the run), or `None` when a
    /// violation did.
    pub stop: Option<StopReason>,
    /// Every answer of the choice stream, in order (what a replay reads).
    pub answers: Vec<u64>,
    /// The timeline (empty unless the run traced).
    pub trace: Vec<TraceRec>,
    /// Each sometimes-assertion by name, and whether the run reached it.
    pub sometimes: Vec<(&'static str, bool)>,
    /// With `RunOptions::step_hashes`: the state hash after every step.
    pub step_hashes: Vec<u64>,
    /// Figures of the run's flows (upgrade duration, repo downtime, ...), in report order.
    pub metrics: Vec<(String, String)>,
    /// In record mode (a `customize` hook that calls `faults.record()`): per process and controller, how many reconciles
    /// made at least i accepted writes (`kube/fault.rs`).
    pub writes: WriteTally,
}

/// Extras for a run beyond the scenario: a hook that alters the world before it starts
/// (tests put deliberately broken models in this way), a state hash after every step (the
/// determinism self-check), and an observer called after every step (exhaustive pruning:
/// returning true ends the run there).
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Alters the world before it starts.
    pub customize: Option<&'a dyn Fn(&mut World)>,
    /// Records the state hash after every step (`RunOutcome::step_hashes`).
    pub step_hashes: bool,
    /// Called after every step; returning true ends the run there.
    pub observe: Option<&'a mut dyn FnMut(&World) -> bool>,
}

/// Runs a scenario on a version with a given choice source. The run stops at the first
/// violation.
pub fn run(
    scn: &Scenario,
    version: Version,
    choices: Box<dyn Choices>,
    trace: Trace,
) -> RunOutcome {
    run_with(scn, version, choices, trace, RunOptions::default())
}

/// Runs a scenario on a version as `run` does, with the extras of `opts`.
pub fn run_with(
    scn: &Scenario,
    version: Version,
    choices: Box<dyn Choices>,
    trace: Trace,
    mut opts: RunOptions<'_>,
) -> RunOutcome {
    let mut w = World::build(scn, version, choices, trace);
    if let Some(c) = opts.customize {
        c(&mut w);
    }

    let mut checker = Checker::new(scn);
    let mut step_hashes = Vec::new();
    let (violation, stop) = loop {
        match w.step() {
            Ok(()) => {
                if opts.step_hashes {
                    step_hashes.push(w.state_hash(true));
                }
                if let Some(v) = checker.after_step(&mut w) {
                    break (Some(v), None);
                }
                if let Some(obs) = opts.observe.as_mut() {
                    if obs(&w) {
                        break (None, Some(StopReason::Quiescent));
                    }
                }
            }
            Err(s) => match checker.at_stop(&mut w, s) {
                AtStop::GoOn => continue,
                AtStop::End(v) => break (v, Some(s)),
            },
        }
    };
    // A service-level violation (`repo-available`) does not end the run: it is the verdict
    // when no hard one came after it.
    let violation = violation.or_else(|| checker.take_soft());
    let sometimes = checker.sometimes();
    let metrics = checker.metrics(&w);
    let steps = w.sim.steps();
    let end = w.sim.now();
    let writes = w.cluster.faults.tally();
    let trace = w.trace.take_recs();
    RunOutcome {
        violation,
        steps,
        end,
        stop,
        answers: w.sim.into_answers(),
        trace,
        sometimes,
        step_hashes,
        metrics,
        writes,
    }
}

/// A seeded run.
pub fn run_seed(scn: &Scenario, version: Version, seed: u64, trace: Trace) -> RunOutcome {
    run(scn, version, Box::new(SeededChoices::new(seed)), trace)
}
