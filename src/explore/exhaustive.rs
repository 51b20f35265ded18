//! Bounded exhaustive exploration: depth-first enumeration of every answer sequence over
//! coarse answer domains, replaying a prefix of decisions and answering the minimum after
//! it, as stateless model checkers do.
//!
//! Domains: a timeline fault window is early / middle / late, and a fault happens or not;
//! restart delays, pod starts, migration transfers and source-pod cleanups are short or long.
//! Watch latencies and reconcile durations are fixed at their minimum and simultaneous events
//! run first-scheduled-first, which keeps the tree small enough to exhaust. The randomized
//! strategies cover those. At most `bound` decisions per run branch; past that every decision
//! takes its first value.
//!
//! Pruning: after the point where a run leaves the path already explored, the whole state
//! (objects, caches, watch streams, queues, pending events and the clock) is hashed after
//! every step. A state seen before ends the run: everything after it has been or will be
//! explored from its first visit.

use crate::check::{run_with, RunOptions, RunOutcome};
use crate::engine::{Answer, Choice, ChoiceKind, Recorded, Trace};
use crate::scenario::{Scenario, Version};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

/// The coarse values a decision may take under exhaustive exploration, first value first.
fn domain(kind: ChoiceKind, lo: u64, hi: u64) -> Vec<u64> {
    if lo >= hi {
        return vec![lo];
    }
    match kind {
        ChoiceKind::ActionTime => vec![lo, lo + (hi - lo) / 2, hi],
        ChoiceKind::FaultGate => vec![hi, lo],
        ChoiceKind::Restart
        | ChoiceKind::PodStart
        | ChoiceKind::Transfer
        | ChoiceKind::PodCleanup
        | ChoiceKind::Operation => vec![lo, hi],
        ChoiceKind::ExtraFaults
        | ChoiceKind::WatchLatency
        | ChoiceKind::Reconcile
        | ChoiceKind::Tie
        | ChoiceKind::Candidate => vec![lo],
    }
}

/// The choices of one run of the enumeration: the decisions of `plan` (indices into each
/// decision's domain), then every later decision its domain's first value. The same plan and
/// bound give the same answers, so a plan names a run that replays, pruned or not.
pub struct Dfs {
    plan: Vec<u32>,
    bound: usize,
    /// Domain size of each decision of this run, in order (shared with the driver).
    sizes: Rc<RefCell<Vec<u32>>>,
    /// Set once the run has made the decision that differs from the previous run.
    diverged: Rc<Cell<bool>>,
    branching: usize,
}

/// One run of the enumeration, recorded.
pub type DfsChoices = Recorded<Dfs>;

impl DfsChoices {
    /// The run that follows `plan` with at most `bound` branching decisions.
    pub fn new(plan: Vec<u32>, bound: usize) -> DfsChoices {
        Recorded::with(Dfs {
            diverged: Rc::new(Cell::new(plan.is_empty())),
            plan,
            bound,
            sizes: Rc::new(RefCell::new(Vec::new())),
            branching: 0,
        })
    }
}

impl Answer for Dfs {
    fn answer(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        let pos = self.sizes.borrow().len();
        let d = if self.branching < self.bound {
            domain(choice.kind, lo, hi)
        } else {
            vec![lo]
        };
        let d = if d.is_empty() { vec![lo] } else { d };
        if d.len() > 1 {
            self.branching += 1;
        }
        let idx = self
            .plan
            .get(pos)
            .copied()
            .unwrap_or(0)
            .min(d.len() as u32 - 1);
        self.sizes.borrow_mut().push(d.len() as u32);
        if pos + 1 >= self.plan.len() {
            self.diverged.set(true);
        }
        d[idx as usize]
    }
}

/// A violating run of an exhaustive enumeration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Found {
    /// The run's number in the enumeration (from 1): `hvsim run FILE --strategy exhaustive
    /// --bound B --seed RUN` replays it.
    pub run: u64,
    /// The run's decision prefix (see [`DfsChoices`]).
    pub plan: Vec<u32>,
    /// The invariant violated.
    pub invariant: String,
    /// The violation's message.
    pub message: String,
    /// Steps the run took to fail.
    pub steps: u64,
    /// Replays exactly with `ReplayChoices`.
    pub answers: Vec<u64>,
}

/// What an exhaustive enumeration found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExhaustiveReport {
    /// Runs done.
    pub runs: u64,
    /// Distinct states hashed.
    pub states: u64,
    /// Runs cut short at a state seen before.
    pub pruned: u64,
    /// True when every answer sequence within the bound was explored.
    pub exhausted: bool,
    /// Every violating run, in enumeration order.
    pub violations: Vec<Found>,
}

/// Explores up to `max_runs` runs; stops at the first violation when `stop_at_first`.
pub fn explore(
    scn: &Scenario,
    version: Version,
    bound: usize,
    max_runs: u64,
    stop_at_first: bool,
) -> ExhaustiveReport {
    let mut violations = Vec::new();
    let mut report = walk(scn, version, bound, max_runs, &mut |run, plan, out| {
        if let Some(v) = &out.violation {
            violations.push(Found {
                run,
                plan: plan.to_vec(),
                invariant: v.invariant.clone(),
                message: v.message.clone(),
                steps: out.steps,
                answers: out.answers.clone(),
            });
            return stop_at_first;
        }
        false
    });
    report.violations = violations;
    report
}

/// The decision prefix of run `run` (from 1) of the enumeration with `bound`, or the number
/// of runs the enumeration has when it has fewer. The enumeration is re-walked up to the
/// run, pruning included, so the numbers are those `explore` reports.
pub fn plan_of_run(
    scn: &Scenario,
    version: Version,
    bound: usize,
    run: u64,
) -> Result<Vec<u32>, u64> {
    let mut found = None;
    let r = walk(scn, version, bound, run, &mut |k, plan, _| {
        if k == run {
            found = Some(plan.to_vec());
        }
        false
    });
    found.ok_or(r.runs)
}

/// The enumeration: up to `max_runs` runs, each reported to `visit` with its number, its plan
/// and its outcome; `visit` returns true to stop.
fn walk(
    scn: &Scenario,
    version: Version,
    bound: usize,
    max_runs: u64,
    visit: &mut dyn FnMut(u64, &[u32], &RunOutcome) -> bool,
) -> ExhaustiveReport {
    let mut visited: BTreeSet<u64> = BTreeSet::new();
    let mut plan: Vec<u32> = Vec::new();
    let mut report = ExhaustiveReport {
        runs: 0,
        states: 0,
        pruned: 0,
        exhausted: false,
        violations: Vec::new(),
    };
    loop {
        if report.runs >= max_runs {
            break;
        }
        let choices = DfsChoices::new(plan.clone(), bound);
        let sizes = choices.strategy().sizes.clone();
        let diverged = choices.strategy().diverged.clone();
        let mut pruned = false;
        let mut observe = |w: &crate::sim::World| {
            let h = w.state_hash(false);
            let fresh = visited.insert(h);
            if !fresh && diverged.get() {
                pruned = true;
                return true;
            }
            false
        };
        let out = run_with(
            scn,
            version,
            Box::new(choices),
            Trace::off(),
            RunOptions {
                customize: None,
                step_hashes: false,
                observe: Some(&mut observe),
            },
        );
        report.runs += 1;
        if pruned {
            report.pruned += 1;
        }
        if visit(report.runs, &plan, &out) {
            break;
        }
        // Next plan: the deepest decision with an untried value.
        let sizes = sizes.borrow();
        let mut idx: Vec<u32> = (0..sizes.len())
            .map(|i| plan.get(i).copied().unwrap_or(0))
            .collect();
        let next = (0..idx.len()).rev().find(|&j| idx[j] + 1 < sizes[j]);
        match next {
            None => {
                report.exhausted = true;
                break;
            }
            Some(j) => {
                idx.truncate(j + 1);
                idx[j] += 1;
                plan = idx;
            }
        }
    }
    report.states = visited.len() as u64;
    report
}
