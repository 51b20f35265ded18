//! How a candidate run gets its answers (by position, realigned by what each decision is
//! about, or fresh from a seed), the decisions it asked, and a violating run as a candidate.

use crate::check::{run, RunOutcome};
use crate::engine::{Choice, ChoiceKind, Choices, ReplayChoices, SeededChoices, Trace};
use crate::scenario::{Scenario, Version};
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

/// The answers a run actually used of those it was given by position: clamped into their
/// ranges, and cut where the run stopped. Past the given list a replay answers each range's
/// minimum, so those need not be written down.
pub(super) fn consumed(given: &[u64], out: &RunOutcome) -> Vec<u64> {
    let n = given.len().min(out.answers.len());
    out.answers[..n].to_vec()
}

/// What a decision is about: its kind and actor.
pub(super) type Key = (ChoiceKind, u32);

/// A decision as a run asked it: what it is about and the lowest answer it allowed.
#[derive(Clone, Copy, Debug)]
pub(super) struct Asked {
    pub(super) key: Key,
    pub(super) lo: u64,
}

/// How a candidate run gets its answers.
#[derive(Clone, Copy)]
pub(super) enum Answers<'a> {
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
pub(super) struct Recording<C> {
    pub(super) inner: C,
    pub(super) asked: Rc<RefCell<Vec<Asked>>>,
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
pub(super) struct Realigned {
    pub(super) queues: BTreeMap<Key, VecDeque<u64>>,
    pub(super) by_kind: bool,
    pub(super) answers: Vec<u64>,
}

impl Realigned {
    pub(super) fn new(answers: &[u64], asked: &[Asked], by_kind: bool) -> Self {
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
pub(super) fn run_recorded(
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
pub(super) struct Candidate {
    pub(super) answers: Vec<u64>,
    pub(super) asked: Vec<Asked>,
    pub(super) steps: u64,
}

impl Candidate {
    pub(super) fn new(mut answers: Vec<u64>, mut asked: Vec<Asked>, steps: u64) -> Candidate {
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
    pub(super) fn measure(&self) -> (u64, usize, u128) {
        (
            self.steps,
            self.answers.len(),
            excess(&self.answers, &self.asked),
        )
    }
}

/// How far the answers sit above their ranges' minimums, in total.
pub(super) fn excess(answers: &[u64], asked: &[Asked]) -> u128 {
    answers
        .iter()
        .zip(asked)
        .map(|(&a, k)| u128::from(a.saturating_sub(k.lo)))
        .sum()
}
