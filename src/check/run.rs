//! One checked run: build the world, step it, check after every step and at the end.

use super::checker::{Checker, Violation};
use crate::engine::{Choices, SeededChoices, SimTime, StopReason, Trace, TraceRec};
use crate::scenario::{Scenario, Version};
use crate::sim::World;

#[derive(Clone, Debug)]
pub struct RunOutcome {
    pub violation: Option<Violation>,
    pub steps: u64,
    pub end: SimTime,
    pub stop: Option<StopReason>,
    pub answers: Vec<u64>,
    pub trace: Vec<TraceRec>,
    pub sometimes: Vec<(&'static str, bool)>,
}

/// Runs a scenario on a version with a given choice source. The run stops at the first
/// violation.
pub fn run(
    scn: &Scenario,
    version: Version,
    choices: Box<dyn Choices>,
    trace: Trace,
) -> RunOutcome {
    let mut w = World::build(scn, version, choices, trace);
    let mut checker = Checker::new(scn);
    let (violation, stop) = loop {
        match w.step() {
            Ok(()) => {
                if let Some(v) = checker.after_step(&mut w) {
                    break (Some(v), None);
                }
            }
            Err(s) => break (checker.at_end(&w, s), Some(s)),
        }
    };
    let sometimes = checker.sometimes();
    let steps = w.sim.steps();
    let end = w.sim.now();
    let trace = std::mem::take(&mut w.trace.recs);
    RunOutcome {
        violation,
        steps,
        end,
        stop,
        answers: w.sim.into_answers(),
        trace,
        sometimes,
    }
}

/// A seeded run.
pub fn run_seed(scn: &Scenario, version: Version, seed: u64, trace: Trace) -> RunOutcome {
    run(scn, version, Box::new(SeededChoices::new(seed)), trace)
}
