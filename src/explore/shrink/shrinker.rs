//! A shrink in progress: the best run so far, and the one rule by which a candidate
//! replaces it (`attempt`).

use super::answers::{consumed, excess, run_recorded, Answers, Asked, Candidate};
use super::contrast::{violates_on, Contrast};
use super::RESEEDS;
use crate::check::RunOutcome;
use crate::explore::shape::shape;
use crate::scenario::{self, Scenario, Version};

pub(super) struct Shrinker<'a> {
    pub(super) version: Version,
    pub(super) target: &'a str,
    /// The original violation's message shape (`explore::shape`): a candidate must break
    /// the target the same way, not merely break it.
    pub(super) shape: String,
    pub(super) attempts: u64,
    pub(super) max_attempts: u64,
    pub(super) scn: Scenario,
    /// The current best answers, read by position, and the decision each one answers.
    pub(super) answers: Vec<u64>,
    pub(super) asked: Vec<Asked>,
    /// Steps until the violation of the current best run.
    pub(super) steps: u64,
    /// Configurations on which a candidate must not violate the target.
    pub(super) fixed: Vec<Contrast>,
}

impl Shrinker<'_> {
    pub(super) fn exhausted(&self) -> bool {
        // One attempt is kept back for the confirming run.
        self.attempts + 1 >= self.max_attempts
    }

    /// What a round must change to earn another round: lowering answers a little further
    /// (their excess) does not count, or rounds would go on shaving the same answers.
    pub(super) fn fingerprint(&self) -> (u64, usize, usize, usize, usize, usize, usize) {
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

    pub(super) fn target_step(&self, out: Option<&(RunOutcome, Vec<Asked>)>) -> Option<u64> {
        out?.0
            .violation
            .as_ref()
            .filter(|v| v.invariant == self.target && shape(&v.message) == self.shape)
            .map(|v| v.step)
    }

    /// Whether answer `i` is already its range's minimum.
    pub(super) fn at_min(&self, i: usize) -> bool {
        self.asked.get(i).is_some_and(|a| self.answers[i] <= a.lo)
    }

    /// The current run's size; see [`Candidate::measure`].
    pub(super) fn measure(&self) -> (u64, usize, u128) {
        (
            self.steps,
            self.answers.len(),
            excess(&self.answers, &self.asked),
        )
    }

    pub(super) fn keep(&mut self, c: Candidate) {
        self.answers = c.answers;
        self.asked = c.asked;
        self.steps = c.steps;
    }

    /// Runs a candidate (a new scenario, or the current one) and keeps it if it still
    /// violates the target invariant (and holds on the fixed versions) and is smaller: a
    /// smaller scenario whose run is no longer, or the same scenario with a smaller
    /// [`Candidate::measure`]. That order is well founded, so the passes always end.
    pub(super) fn attempt(&mut self, scn: Option<&Scenario>, answers: Answers<'_>) -> bool {
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

    pub(super) fn attempt_answers(&mut self, answers: &[u64]) -> bool {
        self.attempt(None, Answers::Positional(answers))
    }

    /// A scenario candidate: it must still be a valid scenario (a reduction may leave a
    /// dangling reference); then it runs with the current answers by position, failing
    /// that realigned by (kind, actor) and by kind, and failing that with a few fresh
    /// seeds (the answer passes then shrink whichever run was kept).
    pub(super) fn attempt_scenario(&mut self, cand: Scenario) -> bool {
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
}

/// Whether the scenario passes the loader's validation (what `hvsim run` would accept).
pub(super) fn is_valid(scn: &Scenario) -> bool {
    ron::to_string(scn)
        .ok()
        .is_some_and(|text| scenario::load_str("candidate", &text).is_ok())
}
