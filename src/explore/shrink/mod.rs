//! Shrinking a violating run to a small one that violates the same invariant: delta
//! debugging (Zeller and Hildebrandt, TSE 2002) over the scenario's timeline, its VMs,
//! nodes and namespaces, and the recorded answer list (toward each answer's minimum).
//!
//! Every attempt is a whole deterministic run with tracing off, bounded in number. A
//! candidate is kept only if its run still violates the *same* invariant and it is smaller:
//! a smaller scenario whose run is no longer, or the same scenario with a shorter run, fewer
//! answers, or answers closer to their minimums, in that order. Removing a scenario element
//! shifts the meaning of every later answer; that is fine here, the candidate is simply
//! re-run. After every kept candidate the answer list is replaced by what the run actually
//! consumed (clamped answers, cut where the run stopped), and a last run with
//! [`ReplayChoices`], as a repro replays, confirms the final list.
//!
//! Removing a node or a VM removes some decisions (a process's watch latencies, a pod's
//! start), so the same list read by position gives every later decision another answer and
//! the race usually slips away. A scenario candidate is therefore also tried with the
//! answers realigned by what they are about, as shuttle's replay does by task: each decision
//! of kind K for actor A takes the next recorded answer of (K, A), then of K alone.
//!
//! "Same invariant" alone lets a reduction slip to another bug with the same symptom: drop
//! every spare node and a migration fails to complete for want of a target, not because of
//! the race. The scenario's `expect` block says on which versions (and repo VM policies) the
//! target invariant must not break: those that hold, and those expected to break only other
//! invariants. When the original answers keep the target there, every kept candidate must
//! keep it there too, so the repro still tells the buggy version from the fixed one.
//!
//! A kept candidate must also break the target *the same way*: its violation message has
//! the original's shape (`explore::shape`: the message with numbers and generated name
//! suffixes blanked). A migration left Pending by the quota does not shrink into one left
//! Scheduling because the only node left is its source, even on a scenario without an
//! `expect` block (a hunt's).
//!
//! One file per part: `answers.rs` (how a candidate run gets its answers, and what it
//! asked), `contrast.rs` (the configurations a candidate must keep holding on),
//! `shrinker.rs` (the state of a shrink and the one rule for keeping a candidate),
//! `scenario_passes.rs` (dropping timeline steps, VMs, nodes, namespaces) and
//! `answer_passes.rs` (truncating, removing and lowering answers).

mod answer_passes;
mod answers;
mod contrast;
mod scenario_passes;
mod shrinker;

use super::strategy::Strategy;
use crate::check::{run, Violation};
use crate::engine::{ReplayChoices, Trace};
use crate::scenario::{Scenario, Version};
use answers::{consumed, run_recorded, Answers, Candidate};
use contrast::{contrasts, violates_on};
use shrinker::Shrinker;
use std::fmt;

/// Attempts (whole runs) a shrink may spend. One run of a bundled scenario takes ~0.2 ms,
/// so the default bounds a shrink to about a second.
pub const DEFAULT_MAX_ATTEMPTS: u64 = 5000;

/// How many probes the binary search lowering one answer may spend.
const LOWER_PROBES: u32 = 8;

/// Fresh seeds a scenario candidate is tried with when neither the current answers nor
/// their realignment keep the violation. A smaller scenario often still has the race on a
/// good share of seeds (one VM of the drained four breaks `quota-converges` on about one
/// seed in five) but not on the answers recorded for the larger one.
const RESEEDS: u64 = 16;

/// The size of a run and its scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Size {
    /// Run length until the violation (the violation's step).
    pub steps: u64,
    /// Timeline actions (user actions and faults).
    pub actions: usize,
    /// VMs in the scenario.
    pub vms: usize,
    /// Nodes in the scenario.
    pub nodes: usize,
    /// Namespaces in the scenario.
    pub namespaces: usize,
    /// Answers in the replayed list.
    pub answers: usize,
}

impl Size {
    fn of(scn: &Scenario, steps: u64, answers: usize) -> Size {
        Size {
            steps,
            actions: scn.timeline.len(),
            vms: scn.vms.len(),
            nodes: scn.nodes.len(),
            namespaces: scn.namespaces.len(),
            answers,
        }
    }
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} steps, {} actions, {} VMs, {} nodes, {} namespaces, {} answers",
            self.steps, self.actions, self.vms, self.nodes, self.namespaces, self.answers
        )
    }
}

/// What a shrink found: a smaller scenario and answer list that still violate the invariant.
#[derive(Clone, Debug)]
pub struct ShrinkResult {
    /// The reduced scenario (its `expect` block dropped: it described the original).
    pub scenario: Scenario,
    /// The version the runs used.
    pub version: Version,
    /// The answers the shrunk run reads by position (every later decision gets its range's
    /// minimum); replaying them with `ReplayChoices` reproduces `violation` exactly.
    pub answers: Vec<u64>,
    /// The violation of the shrunk run (same invariant as the original).
    pub violation: Violation,
    /// The size of the run shrinking began with.
    pub original: Size,
    /// The size of the shrunk run.
    pub shrunk: Size,
    /// Runs spent, including the first and the final confirming run.
    pub attempts: u64,
    /// Whether the attempt budget ran out before a pass made no more progress.
    pub budget_exhausted: bool,
    /// The `expect` keys (versions, with a policy where one is given) on which every kept
    /// candidate had to keep the target invariant (see the module documentation).
    pub fixed_versions: Vec<String>,
}

/// Why a run cannot be shrunk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// The run held every invariant: there is nothing to shrink.
    Held,
    /// The run violates another invariant than the one to shrink for.
    OtherInvariant {
        /// The invariant asked for.
        wanted: String,
        /// The invariant the run violated.
        got: String,
    },
    /// Replaying the shrunk run did not give the violation its candidate run gave: runs of
    /// this scenario are not deterministic. `got` is what the replay gave.
    NotDeterministic {
        /// The invariant the candidate run violated.
        invariant: String,
        /// The step at which it did.
        step: u64,
        /// The replay's violation (invariant, step), or `None` when it held.
        got: Option<(String, u64)>,
    },
}

impl fmt::Display for ShrinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShrinkError::Held => {
                write!(f, "nothing to shrink: the run held every invariant")
            }
            ShrinkError::OtherInvariant { wanted, got } => write!(
                f,
                "nothing to shrink for {wanted}: the run violates {got} instead"
            ),
            ShrinkError::NotDeterministic {
                invariant,
                step,
                got,
            } => {
                let got = match got {
                    Some((inv, at)) => format!("{inv} at step {at}"),
                    None => "no violation".into(),
                };
                write!(
                    f,
                    "the shrunk run does not replay: expected {invariant} at step {step}, got {got}; runs of this scenario are not deterministic"
                )
            }
        }
    }
}

impl std::error::Error for ShrinkError {}

/// Shrinks the run of `scn` on `version` driven by `answers` (e.g. a seeded run's
/// `RunOutcome::answers`) while it keeps violating `target_invariant`.
pub fn shrink(
    scn: &Scenario,
    version: Version,
    answers: Vec<u64>,
    target_invariant: &str,
) -> Result<ShrinkResult, ShrinkError> {
    shrink_with_budget(
        scn,
        version,
        answers,
        target_invariant,
        DEFAULT_MAX_ATTEMPTS,
    )
}

/// Runs `seed` and shrinks its violation, whichever invariant it is.
pub fn shrink_seed(
    scn: &Scenario,
    version: Version,
    seed: u64,
) -> Result<ShrinkResult, ShrinkError> {
    shrink_strategy_seed(scn, version, Strategy::Random, seed)
}

/// Runs `seed` as `strategy` draws its answers (a seed `explore --strategy pct` found) and
/// shrinks its violation, whichever invariant it is.
pub fn shrink_strategy_seed(
    scn: &Scenario,
    version: Version,
    strategy: Strategy,
    seed: u64,
) -> Result<ShrinkResult, ShrinkError> {
    let first = run(scn, version, strategy.choices(seed), Trace::off());
    let Some(v) = first.violation else {
        return Err(ShrinkError::Held);
    };
    shrink(scn, version, first.answers, &v.invariant)
}

/// [`shrink`] with an explicit bound on the number of runs.
pub fn shrink_with_budget(
    scn: &Scenario,
    version: Version,
    answers: Vec<u64>,
    target_invariant: &str,
    max_attempts: u64,
) -> Result<ShrinkResult, ShrinkError> {
    let mut s = Shrinker {
        version,
        target: target_invariant,
        shape: String::new(),
        attempts: 1,
        max_attempts: max_attempts.max(2),
        scn: scn.clone(),
        answers: Vec::new(),
        asked: Vec::new(),
        steps: 0,
        fixed: Vec::new(),
    };
    let first = run_recorded(scn, version, Answers::Positional(&answers));
    // The first run sets the way the target must keep breaking.
    if let Some(v) = first.as_ref().and_then(|(o, _)| o.violation.as_ref()) {
        s.shape = crate::explore::shape::shape(&v.message);
    }
    let Some(first_steps) = s.target_step(first.as_ref()) else {
        return Err(match first.and_then(|(o, _)| o.violation) {
            Some(v) => ShrinkError::OtherInvariant {
                wanted: target_invariant.to_string(),
                got: v.invariant,
            },
            None => ShrinkError::Held,
        });
    };
    let original = Size::of(scn, first_steps, answers.len());
    let (out, asked) = first.expect("violated");
    s.keep(Candidate::new(consumed(&answers, &out), asked, first_steps));
    s.fixed = contrasts(scn, version, target_invariant)
        .into_iter()
        .filter(|c| {
            s.attempts += 1;
            !violates_on(scn, c, &s.answers, target_invariant)
        })
        .collect();
    s.scn.expect.clear();

    // Scenario elements first: they shrink the run most, and the answer passes after them
    // work on a shorter list. Cheap coarse passes before fine ones. Repeat while a round
    // makes progress (a pass can open the way for an earlier one).
    loop {
        let before = s.fingerprint();
        s.timeline_pass();
        s.vms_with_actions_pass();
        s.vms_pass();
        s.nodes_pass();
        s.namespaces_pass();
        s.truncate_pass();
        s.zero_chunks_pass();
        s.remove_chunks_pass();
        s.zero_each_pass();
        s.lower_each_pass();
        if s.fingerprint() == before || s.exhausted() {
            break;
        }
    }
    let budget_exhausted = s.exhausted();

    // The confirming run, with the plain replay source a repro uses. The list holds what
    // the run reads by position; every later decision gets its minimum, as a replay past
    // the end of its list gives, so the repro stays short and still replays exactly.
    s.attempts += 1;
    let last = run(
        &s.scn,
        version,
        Box::new(ReplayChoices::new(s.answers.clone())),
        Trace::off(),
    );
    let violation = match last.violation {
        Some(v)
            if v.invariant == target_invariant
                && v.step == s.steps
                && crate::explore::shape::shape(&v.message) == s.shape =>
        {
            v
        }
        other => {
            return Err(ShrinkError::NotDeterministic {
                invariant: target_invariant.to_string(),
                step: s.steps,
                got: other.map(|v| (v.invariant, v.step)),
            })
        }
    };
    let shrunk = Size::of(&s.scn, violation.step, s.answers.len());
    Ok(ShrinkResult {
        scenario: s.scn,
        version,
        answers: s.answers,
        violation,
        original,
        shrunk,
        attempts: s.attempts,
        budget_exhausted,
        fixed_versions: s.fixed.into_iter().map(|c| c.key).collect(),
    })
}
