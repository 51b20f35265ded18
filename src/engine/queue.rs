//! The event queue: ordered by virtual time; events due at the same instant are
//! ordered by a [`ChoiceKind::Tie`] answer, so the schedule of simultaneous events
//! is part of the choice stream like every other decision.
//!
//! A radix heap keyed on the integer time: the clock only moves forward, so every
//! pending event is at or after `last`, the time of the earliest event taken out, and an
//! event lives in the bucket of the highest bit in which its time differs from `last`.
//! Bucket 0 holds the events due at `last` itself, in scheduling order: they are the tie.
//! Taking the next event is a look at bucket 0 or, when it is empty, one pass over the
//! lowest non-empty bucket that finds its earliest time and spreads it over the buckets
//! below; an event moves down at most once per bit of its distance from `last`.

use super::choices::{Choice, ChoiceKind, Choices};
use super::time::SimTime;

/// A pending event. No sequence number: events due at the same time keep their
/// scheduling order by where they sit (see `refill`).
struct Entry<E> {
    time: u64,
    ev: E,
}

/// The bucket of `time` relative to `last` (`time >= last`): 0 when equal, else one more
/// than the index of the highest differing bit (1..=64).
#[inline]
fn bucket_of(time: u64, last: u64) -> usize {
    (u64::BITS - (time ^ last).leading_zeros()) as usize
}

/// Pending events of type `E` by virtual time, ties broken through the choice stream.
pub struct EventQueue<E> {
    /// The events due at `last`, in scheduling order.
    now: Vec<Entry<E>>,
    /// Bucket `b` (1..=64, at index `b - 1`): the events whose time differs from `last`
    /// first in bit `b - 1`; those due at the same time in scheduling order.
    buckets: [Vec<Entry<E>>; 64],
    /// Bit `b - 1` set when bucket `b` is non-empty.
    occupied: u64,
    /// The time of the events in `now`; no pending event is earlier.
    last: u64,
    len: usize,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            now: Vec::new(),
            buckets: std::array::from_fn(|_| Vec::new()),
            occupied: 0,
            last: 0,
            len: 0,
        }
    }

    /// Schedules `ev` at `time`.
    pub fn push(&mut self, time: SimTime, ev: E) {
        let time = time.0;
        if time < self.last {
            // Earlier than the earliest event taken out (only when the horizon moved back
            // and the clock with it): every bucket is laid out again from `time`.
            self.rebase(time);
        }
        self.len += 1;
        self.place(Entry { time, ev });
    }

    #[inline]
    fn place(&mut self, e: Entry<E>) {
        let b = bucket_of(e.time, self.last);
        if b == 0 {
            self.now.push(e);
        } else {
            self.occupied |= 1 << (b - 1);
            self.buckets[b - 1].push(e);
        }
    }

    /// Lays every pending event out again relative to `last = time` (`time` earlier than
    /// all of them). Events due at the same time come from one bucket, in scheduling
    /// order, and land in one bucket in that order.
    #[cold]
    fn rebase(&mut self, time: u64) {
        let mut all: Vec<Entry<E>> = std::mem::take(&mut self.now);
        for b in &mut self.buckets {
            all.append(b);
        }
        self.occupied = 0;
        self.last = time;
        for e in all {
            self.place(e);
        }
    }

    /// When `now` is empty and events are pending: moves `last` to the earliest pending
    /// time and puts that instant's events into `now`, in scheduling order.
    ///
    /// Events due at the same time sit in one bucket, in scheduling order: a push appends
    /// the latest event, and spreading a bucket keeps the order of what it moves.
    fn refill(&mut self) {
        debug_assert!(self.now.is_empty());
        if self.occupied == 0 {
            return;
        }
        let i = self.occupied.trailing_zeros() as usize;
        let mut bucket = std::mem::take(&mut self.buckets[i]);
        self.occupied &= !(1 << i);
        let last = bucket.iter().map(|e| e.time).min().expect("occupied");
        self.last = last;
        let mut occupied = self.occupied;
        for e in bucket.drain(..) {
            let b = bucket_of(e.time, last);
            if b == 0 {
                self.now.push(e);
            } else {
                occupied |= 1 << (b - 1);
                self.buckets[b - 1].push(e);
            }
        }
        self.occupied = occupied;
        // Keep the bucket's allocation for the events that will land in it again.
        self.buckets[i] = bucket;
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A hash of each pending (time relative to `now`, event), sorted: independent of the
    /// queue's internal layout.
    pub fn pending_hashes(&self, now: SimTime) -> Vec<u64>
    where
        E: std::hash::Hash,
    {
        use std::hash::{Hash, Hasher};
        let mut v: Vec<u64> = self
            .now
            .iter()
            .chain(self.buckets.iter().flatten())
            .map(|e| {
                let mut h = std::hash::DefaultHasher::new();
                (e.time - now.0.min(e.time)).hash(&mut h);
                e.ev.hash(&mut h);
                h.finish()
            })
            .collect();
        v.sort_unstable();
        v
    }

    /// The time of the next event, if any.
    pub(crate) fn peek_time(&mut self) -> Option<SimTime> {
        if self.now.is_empty() {
            self.refill();
        }
        self.now.first().map(|e| SimTime(e.time))
    }

    /// Removes the next event. A lone earliest event costs no choice; when several
    /// are due at the same instant, one `Tie` answer (0 = the one scheduled first) picks.
    pub fn pop(&mut self, choices: &mut dyn Choices) -> Option<(SimTime, E)> {
        if self.now.is_empty() {
            self.refill();
        }
        let n = self.now.len();
        let e = match n {
            0 => return None,
            1 => self.now.pop().expect("one"),
            _ => {
                let i = choices.pick(Choice::new(ChoiceKind::Tie, n as u32), 0, n as u64 - 1);
                // `remove`, not `swap_remove`: the rest stay in scheduling order.
                self.now.remove(i as usize)
            }
        };
        self.len -= 1;
        Some((SimTime(e.time), e.ev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ReplayChoices, SeededChoices};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn pops_in_time_order() {
        let mut q = EventQueue::new();
        q.push(SimTime(30), 'c');
        q.push(SimTime(10), 'a');
        q.push(SimTime(20), 'b');
        let mut ch = SeededChoices::new(0);
        let got: Vec<char> = std::iter::from_fn(|| q.pop(&mut ch).map(|x| x.1)).collect();
        assert_eq!(got, vec!['a', 'b', 'c']);
        assert!(ch.answers().is_empty(), "no tie, no choice");
    }

    #[test]
    fn simultaneous_events_are_ordered_by_a_tie_choice() {
        let mut q = EventQueue::new();
        for c in ['a', 'b', 'c'] {
            q.push(SimTime(5), c);
        }
        // Answer 2 picks the third-scheduled event first, then FIFO by default.
        let mut ch = ReplayChoices::new(vec![2]);
        let got: Vec<char> = std::iter::from_fn(|| q.pop(&mut ch).map(|x| x.1)).collect();
        assert_eq!(got, vec!['c', 'a', 'b']);
    }

    #[test]
    fn an_event_scheduled_at_the_tied_instant_joins_the_tie_last() {
        let mut q = EventQueue::new();
        for c in ['a', 'b', 'c'] {
            q.push(SimTime(5), c);
        }
        // Answer 1 takes 'b'; then 'd' joins 'a' and 'c' at t=5, and answer 2 takes it.
        let mut ch = ReplayChoices::new(vec![1, 2]);
        assert_eq!(q.pop(&mut ch).map(|x| x.1), Some('b'));
        q.push(SimTime(5), 'd');
        let got: Vec<char> = std::iter::from_fn(|| q.pop(&mut ch).map(|x| x.1)).collect();
        assert_eq!(got, vec!['d', 'a', 'c']);
    }

    /// The queue's order, stated plainly: the events due at the earliest time, in
    /// scheduling order; one `Tie` answer picks among them when there are several.
    struct Reference {
        pending: Vec<(u64, u64, u32)>,
        seq: u64,
    }

    impl Reference {
        fn push(&mut self, t: u64, ev: u32) {
            self.seq += 1;
            self.pending.push((t, self.seq, ev));
        }
        fn pop(&mut self, choices: &mut dyn Choices) -> Option<(SimTime, u32)> {
            let t = self.pending.iter().map(|e| e.0).min()?;
            let mut due: Vec<usize> = (0..self.pending.len())
                .filter(|&i| self.pending[i].0 == t)
                .collect();
            due.sort_by_key(|&i| self.pending[i].1);
            let n = due.len();
            let k = if n == 1 {
                0
            } else {
                choices.pick(Choice::new(ChoiceKind::Tie, n as u32), 0, n as u64 - 1) as usize
            };
            let e = self.pending.remove(due[k]);
            Some((SimTime(e.0), e.2))
        }
    }

    /// Drives the queue and the reference through the same seeded run of schedules and
    /// takes; `at` draws each event's time from the clock. Returns how many ties were
    /// met, after checking both gave the same events and asked the same choices.
    fn same_order_as_reference(seed: u64, at: impl Fn(&mut ChaCha8Rng, u64) -> u64) -> usize {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut q = EventQueue::new();
        let mut r = Reference {
            pending: Vec::new(),
            seq: 0,
        };
        let mut cq = SeededChoices::new(seed);
        let mut cr = SeededChoices::new(seed);
        let mut now = 0u64;
        for ev in 0..3000u32 {
            if rng.random_range(0..3) == 0 {
                let a = q.pop(&mut cq);
                assert_eq!(a, r.pop(&mut cr), "seed {seed}, step {ev}");
                if let Some((t, _)) = a {
                    now = t.0;
                }
            } else {
                let t = at(&mut rng, now);
                q.push(SimTime(t), ev);
                r.push(t, ev);
            }
            assert_eq!(q.len(), r.pending.len());
        }
        loop {
            let a = q.pop(&mut cq);
            assert_eq!(a, r.pop(&mut cr), "seed {seed}, draining");
            if a.is_none() {
                break;
            }
        }
        assert_eq!(
            cq.answers(),
            cr.answers(),
            "seed {seed}: the same Tie choices"
        );
        cq.answers().len()
    }

    #[test]
    fn pops_in_the_reference_order_with_many_ties() {
        // Delays 0..4: events at the current instant and many at the same later instants.
        let ties: usize = (0..40)
            .map(|s| same_order_as_reference(s, |r, now| now + r.random_range(0..4)))
            .sum();
        assert!(ties > 1000, "the run meets ties ({ties})");
    }

    #[test]
    fn pops_in_the_reference_order_with_near_and_far_future_events() {
        for s in 0..40 {
            same_order_as_reference(s, |r, now| match r.random_range(0..4) {
                0 => now,
                1 => now + r.random_range(1..1000),
                2 => now + (r.random_range(0..3) << 40),
                _ => u64::MAX / 4 - r.random_range(0..3),
            });
        }
    }

    #[test]
    fn pops_in_the_reference_order_when_events_are_scheduled_before_the_clock() {
        // One schedule in fifty lands before the last event taken (as after the horizon
        // moved back), among ties at few distinct instants.
        let ties: usize = (0..40)
            .map(|s| {
                same_order_as_reference(s, |r, now| {
                    if r.random_range(0..50) == 0 {
                        now.saturating_sub(r.random_range(1..8))
                    } else {
                        now + r.random_range(0..8)
                    }
                })
            })
            .sum();
        assert!(ties > 1000, "the run meets ties ({ties})");
    }

    #[test]
    fn an_event_scheduled_before_the_last_taken_one_still_comes_out_first() {
        // The clock moved back (a horizon lowered): the queue lays itself out again.
        let mut q = EventQueue::new();
        let mut ch = ReplayChoices::new(vec![]);
        q.push(SimTime(100), 'a');
        q.push(SimTime(200), 'b');
        q.push(SimTime(200), 'c');
        assert_eq!(q.peek_time(), Some(SimTime(100)));
        assert_eq!(q.pop(&mut ch), Some((SimTime(100), 'a')));
        assert_eq!(q.peek_time(), Some(SimTime(200)));
        q.push(SimTime(150), 'd');
        q.push(SimTime(200), 'e');
        let got: Vec<char> = std::iter::from_fn(|| q.pop(&mut ch).map(|x| x.1)).collect();
        assert_eq!(got, vec!['d', 'b', 'c', 'e']);
        assert_eq!(
            ch.answers(),
            &[0, 0],
            "two ties at 200: three events, then two"
        );
    }
}
