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

use super::strategy::Strategy;
use super::verify::with_policy;
use crate::check::{run, RunOutcome, Violation};
use crate::engine::{Choice, ChoiceKind, Choices, ReplayChoices, SeededChoices, Trace};
use crate::scenario::{
    self, parse_expect_key, Action, Expectation, RepoVmPolicy, Scenario, Version,
};
use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

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
    pub vms: usize,
    pub nodes: usize,
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

#[derive(Clone, Debug)]
pub struct ShrinkResult {
    /// The reduced scenario (its `expect` block dropped: it described the original).
    pub scenario: Scenario,
    pub version: Version,
    /// The answers the shrunk run reads by position (every later decision gets its range's
    /// minimum); replaying them with `ReplayChoices` reproduces `violation` exactly.
    pub answers: Vec<u64>,
    /// The violation of the shrunk run (same invariant as the original).
    pub violation: Violation,
    pub original: Size,
    pub shrunk: Size,
    /// Runs spent, including the first and the final confirming run.
    pub attempts: u64,
    /// Whether the attempt budget ran out before a pass made no more progress.
    pub budget_exhausted: bool,
    /// The `expect` keys (versions, with a policy where one is given) on which every kept
    /// candidate had to keep the target invariant (see the module documentation).
    pub fixed_versions: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShrinkError {
    /// The run held every invariant: there is nothing to shrink.
    Held,
    /// The run violates another invariant than the one to shrink for.
    OtherInvariant { wanted: String, got: String },
    /// Replaying the shrunk run did not give the violation its candidate run gave: runs of
    /// this scenario are not deterministic. `got` is what the replay gave.
    NotDeterministic {
        invariant: String,
        step: u64,
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
        attempts: 1,
        max_attempts: max_attempts.max(2),
        scn: scn.clone(),
        answers: Vec::new(),
        asked: Vec::new(),
        steps: 0,
        fixed: Vec::new(),
    };
    let first = run_recorded(scn, version, Answers::Positional(&answers));
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
        Some(v) if v.invariant == target_invariant && v.step == s.steps => v,
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

/// A configuration the target invariant must not break on: an `expect` key, parsed.
#[derive(Clone, Debug)]
struct Contrast {
    key: String,
    version: Version,
    policy: Option<RepoVmPolicy>,
}

/// The `expect` keys other than `version` itself that expect `target` to hold: those that
/// hold, and those expected to violate only other invariants.
fn contrasts(scn: &Scenario, version: Version, target: &str) -> Vec<Contrast> {
    scn.expect
        .iter()
        .filter(|(_, e)| match e {
            Expectation::Holds { .. } => true,
            Expectation::Violates { invariants, .. } => !invariants.iter().any(|i| i == target),
        })
        .filter_map(|(key, _)| {
            let (v, policy) = parse_expect_key(key).ok()?;
            Some(Contrast {
                key: key.clone(),
                version: v,
                policy,
            })
        })
        .filter(|c| c.version != version || c.policy.is_some())
        .collect()
}

/// Whether replaying `answers` in configuration `c` violates `target` (a panic counts as no).
fn violates_on(scn: &Scenario, c: &Contrast, answers: &[u64], target: &str) -> bool {
    let scn = match c.policy {
        Some(p) => Cow::Owned(with_policy(scn, p)),
        None => Cow::Borrowed(scn),
    };
    run_recorded(&scn, c.version, Answers::Positional(answers))
        .is_some_and(|(o, _)| o.violation.as_ref().is_some_and(|v| v.invariant == target))
}

/// The answers a run actually used of those it was given by position: clamped into their
/// ranges, and cut where the run stopped. Past the given list a replay answers each range's
/// minimum, so those need not be written down.
fn consumed(given: &[u64], out: &RunOutcome) -> Vec<u64> {
    let n = given.len().min(out.answers.len());
    out.answers[..n].to_vec()
}

/// What a decision is about: its kind and actor.
type Key = (ChoiceKind, u32);

/// A decision as a run asked it: what it is about and the lowest answer it allowed.
#[derive(Clone, Copy, Debug)]
struct Asked {
    key: Key,
    lo: u64,
}

/// How a candidate run gets its answers.
#[derive(Clone, Copy)]
enum Answers<'a> {
    /// By position, exactly as [`ReplayChoices`] (and so a repro) reads them.
    Positional(&'a [u64]),
    /// Realigned: the next recorded answer for the same (kind, actor), or with `by_kind`
    /// for the same kind; the range's minimum when there is none left.
    Realigned {
        answers: &'a [u64],
        asked: &'a [Asked],
        by_kind: bool,
    },
    /// Fresh answers from a seeded source.
    Seeded(u64),
}

/// Wraps a source and writes down each decision it was asked.
struct Recording<C> {
    inner: C,
    asked: Rc<RefCell<Vec<Asked>>>,
}

impl<C: Choices> Choices for Recording<C> {
    fn pick(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        self.asked.borrow_mut().push(Asked {
            key: (choice.kind, choice.actor),
            lo,
        });
        self.inner.pick(choice, lo, hi)
    }
    fn answers(&self) -> &[u64] {
        self.inner.answers()
    }
    fn into_answers(self: Box<Self>) -> Vec<u64> {
        Box::new(self.inner).into_answers()
    }
}

/// Answers each decision with the next unused recorded answer of its key.
struct Realigned {
    queues: BTreeMap<Key, VecDeque<u64>>,
    by_kind: bool,
    answers: Vec<u64>,
}

impl Realigned {
    fn new(answers: &[u64], asked: &[Asked], by_kind: bool) -> Self {
        let mut queues: BTreeMap<Key, VecDeque<u64>> = BTreeMap::new();
        for (
            &a,
            &Asked {
                key: (kind, actor), ..
            },
        ) in answers.iter().zip(asked)
        {
            let key = (kind, if by_kind { 0 } else { actor });
            queues.entry(key).or_default().push_back(a);
        }
        Realigned {
            queues,
            by_kind,
            answers: Vec::with_capacity(answers.len()),
        }
    }
}

impl Choices for Realigned {
    fn pick(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        let key = (choice.kind, if self.by_kind { 0 } else { choice.actor });
        let v = match self.queues.get_mut(&key).and_then(|q| q.pop_front()) {
            Some(v) => v.clamp(lo, hi.max(lo)),
            None => lo,
        };
        self.answers.push(v);
        v
    }
    fn answers(&self) -> &[u64] {
        &self.answers
    }
    fn into_answers(self: Box<Self>) -> Vec<u64> {
        self.answers
    }
}

/// One run, and each decision it asked. A panic inside a model (an odd answer
/// list can reach code a seeded run never does) counts as "does not reproduce" rather than
/// ending the shrink.
fn run_recorded(
    scn: &Scenario,
    version: Version,
    answers: Answers<'_>,
) -> Option<(RunOutcome, Vec<Asked>)> {
    let asked = Rc::new(RefCell::new(Vec::new()));
    let choices: Box<dyn Choices> = match answers {
        Answers::Positional(a) => Box::new(Recording {
            inner: ReplayChoices::new(a.to_vec()),
            asked: asked.clone(),
        }),
        Answers::Realigned {
            answers,
            asked: k,
            by_kind,
        } => Box::new(Recording {
            inner: Realigned::new(answers, k, by_kind),
            asked: asked.clone(),
        }),
        Answers::Seeded(seed) => Box::new(Recording {
            inner: SeededChoices::new(seed),
            asked: asked.clone(),
        }),
    };
    let out = catch_unwind(AssertUnwindSafe(|| {
        run(scn, version, choices, Trace::off())
    }))
    .ok()?;
    let asked = asked.take();
    Some((out, asked))
}

/// A run that violates the target: the answers to replay it by position, the decision
/// each answers, and its steps until the violation.
struct Candidate {
    answers: Vec<u64>,
    asked: Vec<Asked>,
    steps: u64,
}

impl Candidate {
    fn new(mut answers: Vec<u64>, mut asked: Vec<Asked>, steps: u64) -> Candidate {
        // A trailing minimum is what a replay answers past the end anyway.
        while let (Some(&last), Some(a)) =
            (answers.last(), asked.get(answers.len().wrapping_sub(1)))
        {
            if last > a.lo {
                break;
            }
            answers.pop();
        }
        asked.truncate(answers.len());
        Candidate {
            answers,
            asked,
            steps,
        }
    }

    /// Smaller is better, in this order: steps until the violation, answers to write down,
    /// and how far the answers sit above their minimums.
    fn measure(&self) -> (u64, usize, u128) {
        (
            self.steps,
            self.answers.len(),
            excess(&self.answers, &self.asked),
        )
    }
}

/// How far the answers sit above their ranges' minimums, in total.
fn excess(answers: &[u64], asked: &[Asked]) -> u128 {
    answers
        .iter()
        .zip(asked)
        .map(|(&a, k)| u128::from(a.saturating_sub(k.lo)))
        .sum()
}

struct Shrinker<'a> {
    version: Version,
    target: &'a str,
    attempts: u64,
    max_attempts: u64,
    scn: Scenario,
    /// The current best answers, read by position, and the decision each one answers.
    answers: Vec<u64>,
    asked: Vec<Asked>,
    /// Steps until the violation of the current best run.
    steps: u64,
    /// Configurations on which a candidate must not violate the target.
    fixed: Vec<Contrast>,
}

impl Shrinker<'_> {
    fn exhausted(&self) -> bool {
        // One attempt is kept back for the confirming run.
        self.attempts + 1 >= self.max_attempts
    }

    /// What a round must change to earn another round: lowering answers a little further
    /// (their excess) does not count, or rounds would go on shaving the same answers.
    fn fingerprint(&self) -> (u64, usize, usize, usize, usize, usize, usize) {
        (
            self.steps,
            self.scn.timeline.len(),
            self.scn.vms.len(),
            self.scn.nodes.len(),
            self.scn.namespaces.len(),
            self.answers.len(),
            (0..self.answers.len()).filter(|&i| !self.at_min(i)).count(),
        )
    }

    fn target_step(&self, out: Option<&(RunOutcome, Vec<Asked>)>) -> Option<u64> {
        out?.0
            .violation
            .as_ref()
            .filter(|v| v.invariant == self.target)
            .map(|v| v.step)
    }

    /// Whether answer `i` is already its range's minimum.
    fn at_min(&self, i: usize) -> bool {
        self.asked.get(i).is_some_and(|a| self.answers[i] <= a.lo)
    }

    /// The current run's size; see [`Candidate::measure`].
    fn measure(&self) -> (u64, usize, u128) {
        (
            self.steps,
            self.answers.len(),
            excess(&self.answers, &self.asked),
        )
    }

    fn keep(&mut self, c: Candidate) {
        self.answers = c.answers;
        self.asked = c.asked;
        self.steps = c.steps;
    }

    /// Runs a candidate (a new scenario, or the current one) and keeps it if it still
    /// violates the target invariant (and holds on the fixed versions) and is smaller: a
    /// smaller scenario whose run is no longer, or the same scenario with a smaller
    /// [`Candidate::measure`]. That order is well founded, so the passes always end.
    fn attempt(&mut self, scn: Option<&Scenario>, answers: Answers<'_>) -> bool {
        if self.exhausted() {
            return false;
        }
        self.attempts += 1;
        let out = run_recorded(scn.unwrap_or(&self.scn), self.version, answers);
        let Some(steps) = self.target_step(out.as_ref()) else {
            return false;
        };
        let (out, asked) = out.expect("violated");
        let given = match answers {
            Answers::Positional(given) => consumed(given, &out),
            // Realigned or fresh answers sit at new positions: keep the whole record.
            Answers::Realigned { .. } | Answers::Seeded(_) => out.answers,
        };
        let c = Candidate::new(given, asked, steps);
        let smaller = match scn {
            Some(_) => steps <= self.steps,
            None => c.measure() < self.measure(),
        };
        if !smaller {
            return false;
        }
        let cand = scn.unwrap_or(&self.scn);
        for fixed in self.fixed.clone() {
            self.attempts += 1;
            if violates_on(cand, &fixed, &c.answers, self.target) {
                return false;
            }
        }
        if let Some(s) = scn {
            self.scn = s.clone();
        }
        self.keep(c);
        true
    }

    fn attempt_answers(&mut self, answers: &[u64]) -> bool {
        self.attempt(None, Answers::Positional(answers))
    }

    /// A scenario candidate: it must still be a valid scenario (a reduction may leave a
    /// dangling reference); then it runs with the current answers by position, failing
    /// that realigned by (kind, actor) and by kind, and failing that with a few fresh
    /// seeds (the answer passes then shrink whichever run was kept).
    fn attempt_scenario(&mut self, cand: Scenario) -> bool {
        if self.exhausted() || !is_valid(&cand) {
            return false;
        }
        let (answers, asked) = (self.answers.clone(), self.asked.clone());
        self.attempt(Some(&cand), Answers::Positional(&answers))
            || [false, true].into_iter().any(|by_kind| {
                self.attempt(
                    Some(&cand),
                    Answers::Realigned {
                        answers: &answers,
                        asked: &asked,
                        by_kind,
                    },
                )
            })
            || (0..RESEEDS).any(|seed| self.attempt(Some(&cand), Answers::Seeded(seed)))
    }

    /// Drops timeline steps, last first (later actions are more often incidental).
    fn timeline_pass(&mut self) {
        let mut i = self.scn.timeline.len();
        while i > 0 {
            i -= 1;
            let mut cand = self.scn.clone();
            cand.timeline.remove(i);
            self.attempt_scenario(cand);
        }
    }

    /// Drops each VM together with the actions that name it (a migration of a VM the race
    /// does not need), last first. Dropping the action alone leaves the VM's share of the
    /// quota and its place in the drain; dropping the VM alone is refused as a dangling
    /// reference.
    fn vms_with_actions_pass(&mut self) {
        let mut i = self.scn.vms.len();
        while i > 0 && !self.exhausted() {
            i -= 1;
            let Some(vm) = self.scn.vms.get(i).map(|v| v.name.clone()) else {
                continue;
            };
            let mut cand = self.scn.clone();
            cand.vms.remove(i);
            cand.timeline.retain(|st| !names_vm(&st.action, &vm));
            if cand.timeline.len() < self.scn.timeline.len() {
                self.attempt_scenario(cand);
            }
        }
    }

    /// Drops VMs no remaining action refers to: all at once, then one at a time.
    fn vms_pass(&mut self) {
        let used = referenced_vms(&self.scn);
        let idle: Vec<usize> = (0..self.scn.vms.len())
            .filter(|&i| !used.contains(&self.scn.vms[i].name))
            .collect();
        self.drop_each(idle, |s| &mut s.vms);
    }

    /// Drops nodes that host no VM and that no action names. (Validation rejects a candidate
    /// that leaves a dangling reference this list misses.)
    fn nodes_pass(&mut self) {
        let used = referenced_nodes(&self.scn);
        let idle: Vec<usize> = (0..self.scn.nodes.len())
            .filter(|&i| !used.contains(&self.scn.nodes[i].name))
            .collect();
        self.drop_each(idle, |s| &mut s.nodes);
    }

    /// Drops namespaces that hold no VM and that no action names.
    fn namespaces_pass(&mut self) {
        let used = referenced_namespaces(&self.scn);
        let idle: Vec<usize> = (0..self.scn.namespaces.len())
            .filter(|&i| !used.contains(&self.scn.namespaces[i].name))
            .collect();
        self.drop_each(idle, |s| &mut s.namespaces);
    }

    /// Removes the elements at `idle` (ascending indices into one list of the scenario):
    /// all together if that keeps the violation, else one at a time, last first.
    fn drop_each<T>(&mut self, idle: Vec<usize>, list: impl Fn(&mut Scenario) -> &mut Vec<T>) {
        if idle.is_empty() {
            return;
        }
        if idle.len() > 1 {
            let mut cand = self.scn.clone();
            for &i in idle.iter().rev() {
                list(&mut cand).remove(i);
            }
            if self.attempt_scenario(cand) {
                return;
            }
        }
        for &i in idle.iter().rev() {
            let mut cand = self.scn.clone();
            list(&mut cand).remove(i);
            self.attempt_scenario(cand);
        }
    }

    /// Binary search for the shortest prefix of the answers that still violates; past its
    /// end every answer is its range's minimum.
    fn truncate_pass(&mut self) {
        let (mut lo, mut hi) = (0, self.answers.len());
        while lo < hi && !self.exhausted() {
            let mid = lo + (hi - lo) / 2;
            let cand = self.answers[..mid].to_vec();
            if self.attempt_answers(&cand) {
                hi = self.answers.len().min(mid);
            } else {
                lo = mid + 1;
            }
        }
    }

    /// ddmin: remove chunks of answers, halving the chunk size when no chunk can go.
    fn remove_chunks_pass(&mut self) {
        self.chunks_pass(|s, start, end| {
            let mut c = s.answers[..start].to_vec();
            c.extend_from_slice(&s.answers[end..]);
            Some(c)
        });
    }

    /// ddmin over zeroing: set chunks of answers to their minimum (a replay clamps 0 up).
    fn zero_chunks_pass(&mut self) {
        self.chunks_pass(|s, start, end| {
            if (start..end).all(|i| s.at_min(i)) {
                return None;
            }
            let mut c = s.answers.clone();
            c[start..end].fill(0);
            Some(c)
        });
    }

    fn chunks_pass(&mut self, edit: impl Fn(&Self, usize, usize) -> Option<Vec<u64>>) {
        let mut parts = 2usize;
        while self.answers.len() >= 2 && !self.exhausted() {
            let len = self.answers.len();
            let chunk = len.div_ceil(parts.min(len));
            let mut progress = false;
            let mut start = 0;
            while start < self.answers.len() && !self.exhausted() {
                let end = (start + chunk).min(self.answers.len());
                match edit(self, start, end) {
                    Some(cand) if self.attempt_answers(&cand) => progress = true,
                    _ => start = end,
                }
            }
            if progress {
                parts = (parts - 1).max(2);
            } else if chunk <= 1 {
                break;
            } else {
                parts = (parts * 2).min(self.answers.len());
            }
        }
    }

    /// Sets each answer left above its minimum to the minimum, one at a time.
    fn zero_each_pass(&mut self) {
        let mut i = 0;
        while i < self.answers.len() && !self.exhausted() {
            if !self.at_min(i) {
                self.set(i, 0);
            }
            i += 1;
        }
    }

    /// Lowers each answer that cannot be the minimum by a bounded binary search for the
    /// lowest value that keeps the violation.
    fn lower_each_pass(&mut self) {
        let mut i = 0;
        while i < self.answers.len() && !self.exhausted() {
            let (mut bad, mut good) = match self.asked.get(i) {
                Some(a) if self.answers[i] > a.lo => (a.lo, self.answers[i]),
                _ => (0, 0),
            };
            for _ in 0..LOWER_PROBES {
                if good - bad <= 1 || self.exhausted() || i >= self.answers.len() {
                    break;
                }
                let mid = bad + (good - bad) / 2;
                if self.set(i, mid) {
                    good = mid;
                } else {
                    bad = mid;
                }
            }
            i += 1;
        }
    }

    fn set(&mut self, i: usize, value: u64) -> bool {
        let mut cand = self.answers.clone();
        cand[i] = value;
        self.attempt_answers(&cand)
    }
}

/// Whether the scenario passes the loader's validation (what `hvsim run` would accept).
fn is_valid(scn: &Scenario) -> bool {
    ron::to_string(scn)
        .ok()
        .is_some_and(|text| scenario::load_str("candidate", &text).is_ok())
}

fn referenced_vms(scn: &Scenario) -> BTreeSet<String> {
    scn.timeline
        .iter()
        .filter_map(|st| action_vm(&st.action))
        .map(str::to_string)
        .collect()
}

/// The VM an action names, if any.
fn action_vm(action: &Action) -> Option<&str> {
    match action {
        Action::Migrate { vm, .. } => Some(vm),
        _ => None,
    }
}

fn names_vm(action: &Action, vm: &str) -> bool {
    action_vm(action) == Some(vm)
}

fn referenced_nodes(scn: &Scenario) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = scn.vms.iter().map(|v| v.node.clone()).collect();
    for st in &scn.timeline {
        match &st.action {
            Action::Migrate {
                target: Some(t), ..
            } => {
                used.insert(t.clone());
            }
            Action::RestartProcess { process } => {
                if let Some(node) = process.strip_prefix("virt-handler-") {
                    used.insert(node.to_string());
                }
            }
            Action::OpenHostPage { node, .. } => {
                used.insert(node.clone());
            }
            _ => {}
        }
    }
    used
}

fn referenced_namespaces(scn: &Scenario) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = scn.vms.iter().map(|v| v.namespace.clone()).collect();
    for st in &scn.timeline {
        if let Action::SetQuota { namespace, .. } = &st.action {
            used.insert(namespace.clone());
        }
    }
    used
}
