//! The one choice stream. Every nondeterministic decision of a run is a call to
//! [`Choices::pick`], and a source records the answers it gave, so the run replays and
//! shrinks. A run whose answers nobody will read (a sweep's seed: the seed already
//! reproduces it) takes a source made [`Recorded::unrecorded`], which writes nothing down.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// What a decision is about. Strategies (PCT, swarm, exhaustive) steer by kind.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ChoiceKind {
    /// Which of several events due at the same instant runs first (index into the tie).
    Tie,
    /// Delay of one watch event on its way to one informer.
    WatchLatency,
    /// Time a controller's worker spends in one reconcile.
    Reconcile,
    /// Time a killed process takes to come back (pod reschedule and start).
    Restart,
    /// Scheduling plus container start of a pod.
    PodStart,
    /// Memory transfer of a live migration.
    Transfer,
    /// Delay before a migrated-away source pod completes.
    PodCleanup,
    /// Duration of a slow operation: a guest's boot, a node's OS upgrade or reboot.
    Operation,
    /// Time of a timeline action inside its window.
    ActionTime,
    /// Which candidate (node, object) among several.
    Candidate,
    /// Whether a scenario fault happens at all in this run (1 = yes). Uniform sources always
    /// answer 1; swarm turns fault kinds off per seed.
    FaultGate,
    /// How many extra faults of one kind this run adds (uniform sources answer 0; swarm
    /// draws a rate per seed). `actor` is the fault kind.
    ExtraFaults,
}

impl ChoiceKind {
    /// A source with no opinion of its own answers these with a fixed value, so a plain
    /// seeded run keeps the scenario's faults exactly as written.
    pub fn fixed_answer(self, lo: u64, hi: u64) -> Option<u64> {
        match self {
            ChoiceKind::FaultGate => Some(hi),
            ChoiceKind::ExtraFaults => Some(lo),
            _ => None,
        }
    }
}

/// One decision: its kind and the actor it is for (a process index, or 0).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Choice {
    /// What is being decided.
    pub kind: ChoiceKind,
    /// Who it is decided for.
    pub actor: u32,
}

impl Choice {
    /// A decision of `kind` for `actor`.
    pub fn new(kind: ChoiceKind, actor: u32) -> Self {
        Choice { kind, actor }
    }
}

/// A source of answers. `pick` returns a value in `lo..=hi` and records it (unless the
/// source was made not to record: then there are no answers to read).
pub trait Choices {
    /// A value in `lo..=hi` for `choice`, recorded.
    fn pick(&mut self, choice: Choice, lo: u64, hi: u64) -> u64;
    /// Every answer given so far, in order (none if the source does not record).
    fn answers(&self) -> &[u64];
    /// Every answer given, in order, consuming the source (none if it does not record).
    fn into_answers(self: Box<Self>) -> Vec<u64>;
}

/// How a strategy answers one decision, with no bookkeeping: [`Recorded`] wraps it into a
/// [`Choices`] source that writes every answer down, so each strategy is only its rule.
pub trait Answer {
    /// A value in `lo..=hi` for `choice`.
    fn answer(&mut self, choice: Choice, lo: u64, hi: u64) -> u64;
}

/// A strategy whose every answer is recorded, in order: the one recording wrapper of every
/// choice source (seeded, replayed, PCT, swarm, exhaustive).
pub struct Recorded<A> {
    strategy: A,
    answers: Vec<u64>,
    record: bool,
}

impl<A: Answer> Recorded<A> {
    /// Records every answer `strategy` gives.
    pub fn with(strategy: A) -> Self {
        Recorded {
            strategy,
            answers: Vec::with_capacity(256),
            record: true,
        }
    }

    /// The same answers, none written down: for a run that will not be replayed or
    /// shrunk, whose answers would be one 8-byte word per decision kept to the end.
    pub fn unrecorded(mut self) -> Self {
        self.record = false;
        self.answers = Vec::new();
        self
    }

    /// The strategy inside (a driver reads its own state through it).
    pub fn strategy(&self) -> &A {
        &self.strategy
    }
}

impl<A: Answer> Choices for Recorded<A> {
    fn pick(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        let v = self.strategy.answer(choice, lo, hi);
        if self.record {
            self.answers.push(v);
        }
        v
    }
    fn answers(&self) -> &[u64] {
        &self.answers
    }
    fn into_answers(self: Box<Self>) -> Vec<u64> {
        self.answers
    }
}

/// ChaCha8 seeded from `--seed`: uniform answers.
pub struct Seeded {
    rng: ChaCha8Rng,
}

impl Answer for Seeded {
    fn answer(&mut self, choice: Choice, lo: u64, hi: u64) -> u64 {
        match choice.kind.fixed_answer(lo, hi) {
            Some(v) => v,
            None if lo >= hi => lo,
            None => self.rng.random_range(lo..=hi),
        }
    }
}

/// ChaCha8 seeded from `--seed`, recorded.
pub type SeededChoices = Recorded<Seeded>;

impl SeededChoices {
    /// ChaCha8 from `seed`.
    pub fn new(seed: u64) -> Self {
        Recorded::with(Seeded {
            rng: ChaCha8Rng::seed_from_u64(seed),
        })
    }
}

/// Replays a recorded answer list. An answer outside the asked range is clamped into it,
/// and past the end of the list every answer is the range's minimum, so a shortened or
/// lowered list (shrinking) still drives a whole, valid run.
pub struct Replay {
    given: Vec<u64>,
    pos: usize,
}

impl Answer for Replay {
    fn answer(&mut self, _choice: Choice, lo: u64, hi: u64) -> u64 {
        let v = match self.given.get(self.pos) {
            Some(&v) => v.clamp(lo, hi.max(lo)),
            None => lo,
        };
        self.pos += 1;
        v
    }
}

/// A replayed answer list, recorded.
pub type ReplayChoices = Recorded<Replay>;

impl ReplayChoices {
    /// Replays `given`, in order.
    pub fn new(given: Vec<u64>) -> Self {
        Recorded::with(Replay { given, pos: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const C: Choice = Choice {
        kind: ChoiceKind::WatchLatency,
        actor: 0,
    };

    #[test]
    fn same_seed_gives_same_answers() {
        let mut a = SeededChoices::new(7);
        let mut b = SeededChoices::new(7);
        let xa: Vec<u64> = (0..100).map(|_| a.pick(C, 0, 1_000_000)).collect();
        let xb: Vec<u64> = (0..100).map(|_| b.pick(C, 0, 1_000_000)).collect();
        assert_eq!(xa, xb);
    }

    #[test]
    fn replay_reproduces_recorded_answers() {
        let mut a = SeededChoices::new(3);
        let xa: Vec<u64> = (0..50).map(|i| a.pick(C, i, i + 1000)).collect();
        let mut r = ReplayChoices::new(a.answers().to_vec());
        let xr: Vec<u64> = (0..50).map(|i| r.pick(C, i, i + 1000)).collect();
        assert_eq!(xa, xr);
    }

    #[test]
    fn an_unrecorded_source_gives_the_same_answers_and_keeps_none() {
        let mut a = SeededChoices::new(5);
        let mut b = SeededChoices::new(5).unrecorded();
        let xa: Vec<u64> = (0..100).map(|i| a.pick(C, i, i + 1000)).collect();
        let xb: Vec<u64> = (0..100).map(|i| b.pick(C, i, i + 1000)).collect();
        assert_eq!(xa, xb);
        assert_eq!(a.answers().len(), 100);
        assert!(b.answers().is_empty());
        assert!(Box::new(b).into_answers().is_empty());
    }

    #[test]
    fn replay_past_the_end_answers_the_minimum() {
        let mut r = ReplayChoices::new(vec![5]);
        assert_eq!(r.pick(C, 0, 10), 5);
        assert_eq!(r.pick(C, 3, 10), 3);
        assert_eq!(r.pick(C, 0, 2), 0);
    }

    #[test]
    fn replay_clamps_out_of_range_answers() {
        let mut r = ReplayChoices::new(vec![50, 1]);
        assert_eq!(r.pick(C, 0, 10), 10);
        assert_eq!(r.pick(C, 4, 10), 4);
    }
}
