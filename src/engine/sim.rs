//! The run loop's state: the clock, the queue, the choice stream, and the limits that
//! make every run end with a verdict (an event budget and a virtual-time horizon).

use super::choices::{Choice, ChoiceKind, Choices};
use super::queue::EventQueue;
use super::time::{SimDuration, SimTime};

/// The largest event budget a scenario may ask for. A run that records every answer of its
/// choice stream (about two 8-byte answers per event, so it replays and shrinks) keeps the
/// one thing that grows with its length once the trace is bounded: at this budget a
/// livelocked run peaks near 100 MB and ends in about a minute (measured on
/// `upgrade-heterogeneous-cpu` stuck with `calm: "10000h"`: 98 MB, 67 s).
pub const MAX_BUDGET: u64 = 10_000_000;

/// Why a run loop stopped taking events.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StopReason {
    /// Nothing left to happen.
    Quiescent,
    /// The next event lies past the horizon.
    Horizon,
    /// The event budget ran out (a livelock, or a budget set too low).
    Budget,
}

/// The run loop's state over events of type `E`: clock, queue, choice stream and limits.
pub struct Sim<E> {
    now: SimTime,
    queue: EventQueue<E>,
    choices: Box<dyn Choices>,
    steps: u64,
    budget: u64,
    horizon: SimTime,
}

impl<E> Sim<E> {
    /// A run at time zero that draws from `choices` and stops at `horizon` or after `budget`
    /// events.
    pub fn new(choices: Box<dyn Choices>, horizon: SimTime, budget: u64) -> Self {
        Sim {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            choices,
            steps: 0,
            budget,
            horizon,
        }
    }

    /// The current virtual time (the last event's).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Events processed so far (the step counter of the timeline).
    pub fn steps(&self) -> u64 {
        self.steps
    }

    pub(crate) fn horizon(&self) -> SimTime {
        self.horizon
    }

    pub(crate) fn set_horizon(&mut self, t: SimTime) {
        self.horizon = t;
    }

    pub(crate) fn pending_hashes(&self) -> Vec<u64>
    where
        E: std::hash::Hash,
    {
        self.queue.pending_hashes(self.now)
    }

    /// How many events are pending.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Schedules `ev` at `t` (at the current time if `t` has passed).
    pub fn schedule_at(&mut self, t: SimTime, ev: E) {
        self.queue.push(t.max(self.now), ev);
    }

    /// Schedules `ev` after `d`.
    pub fn schedule_in(&mut self, d: SimDuration, ev: E) {
        self.queue.push(self.now + d, ev);
    }

    /// One decision through the choice stream.
    pub fn pick(&mut self, kind: ChoiceKind, actor: u32, lo: u64, hi: u64) -> u64 {
        self.choices.pick(Choice::new(kind, actor), lo, hi)
    }

    /// A duration uniformly (per the source) within `[lo, hi]`.
    pub fn pick_duration(
        &mut self,
        kind: ChoiceKind,
        actor: u32,
        lo: SimDuration,
        hi: SimDuration,
    ) -> SimDuration {
        SimDuration(self.pick(kind, actor, lo.0, hi.0))
    }

    pub(crate) fn choices_mut(&mut self) -> &mut dyn Choices {
        &mut *self.choices
    }

    /// Every answer of the choice stream so far, in order (none if its source does not
    /// record).
    pub fn answers(&self) -> &[u64] {
        self.choices.answers()
    }

    pub(crate) fn into_answers(self) -> Vec<u64> {
        self.choices.into_answers()
    }

    /// Takes the next event and advances the clock, or says why the run stops.
    pub fn next_event(&mut self) -> Result<E, StopReason> {
        if self.steps >= self.budget {
            return Err(StopReason::Budget);
        }
        match self.queue.peek_time() {
            None => return Err(StopReason::Quiescent),
            Some(t) if t > self.horizon => {
                self.now = self.horizon;
                return Err(StopReason::Horizon);
            }
            Some(_) => {}
        }
        let (t, ev) = self.queue.pop(&mut *self.choices).expect("peeked");
        self.now = t;
        self.steps += 1;
        Ok(ev)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SeededChoices;

    #[test]
    fn stops_at_the_horizon_with_the_clock_there() {
        let mut sim: Sim<u8> = Sim::new(Box::new(SeededChoices::new(0)), SimTime(100), 1000);
        sim.schedule_at(SimTime(50), 1);
        sim.schedule_at(SimTime(150), 2);
        assert_eq!(sim.next_event(), Ok(1));
        assert_eq!(sim.next_event(), Err(StopReason::Horizon));
        assert_eq!(sim.now(), SimTime(100));
    }

    #[test]
    fn stops_when_the_budget_is_spent() {
        let mut sim: Sim<u8> = Sim::new(Box::new(SeededChoices::new(0)), SimTime(1000), 2);
        for i in 0..5 {
            sim.schedule_at(SimTime(i), i as u8);
        }
        assert!(sim.next_event().is_ok());
        assert!(sim.next_event().is_ok());
        assert_eq!(sim.next_event(), Err(StopReason::Budget));
    }
}
