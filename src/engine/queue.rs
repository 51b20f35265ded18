//! The event queue: ordered by virtual time; events due at the same instant are
//! ordered by a [`ChoiceKind::Tie`] answer, so the schedule of simultaneous events
//! is part of the choice stream like every other decision.

use super::choices::{Choice, ChoiceKind, Choices};
use super::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    time: SimTime,
    seq: u64,
    ev: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, o: &Self) -> bool {
        self.time == o.time && self.seq == o.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl<E> Ord for Entry<E> {
    // BinaryHeap is a max-heap: reverse so the earliest (time, seq) is on top.
    fn cmp(&self, o: &Self) -> Ordering {
        o.time.cmp(&self.time).then_with(|| o.seq.cmp(&self.seq))
    }
}

/// Pending events of type `E` by virtual time, ties broken through the choice stream.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    /// The events due at the earliest instant once a tie was met there, in scheduling order:
    /// kept out of the heap until they are all taken, so each further pop at that instant
    /// costs no heap rebuild. Events scheduled later for that instant wait in the heap and
    /// join at the next pop (they were scheduled after every one here, so they go last).
    ties: Vec<Entry<E>>,
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
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            ties: Vec::new(),
        }
    }

    /// Schedules `ev` at `time`.
    pub fn push(&mut self, time: SimTime, ev: E) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            ev,
        });
    }

    /// How many events are pending.
    pub fn len(&self) -> usize {
        self.heap.len() + self.ties.len()
    }

    /// Whether no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty() && self.ties.is_empty()
    }

    /// A hash of each pending (time relative to `now`, event), sorted: independent of the
    /// heap's internal layout.
    pub fn pending_hashes(&self, now: SimTime) -> Vec<u64>
    where
        E: std::hash::Hash,
    {
        use std::hash::{Hash, Hasher};
        let mut v: Vec<u64> = self
            .heap
            .iter()
            .chain(self.ties.iter())
            .map(|e| {
                let mut h = std::hash::DefaultHasher::new();
                (e.time.0 - now.0.min(e.time.0)).hash(&mut h);
                e.ev.hash(&mut h);
                h.finish()
            })
            .collect();
        v.sort_unstable();
        v
    }

    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        let heap = self.heap.peek().map(|e| e.time);
        match self.ties.first() {
            Some(e) => Some(heap.map_or(e.time, |h| h.min(e.time))),
            None => heap,
        }
    }

    /// Removes the next event. A lone earliest event costs no choice; when several
    /// are due at the same instant, one `Tie` answer (0 = the one scheduled first) picks.
    pub fn pop(&mut self, choices: &mut dyn Choices) -> Option<(SimTime, E)> {
        // Something scheduled before the ties' instant (only after the horizon moved back
        // and the clock with it): the ties go back to the heap, where they keep their order.
        if let (Some(e), Some(h)) = (self.ties.first(), self.heap.peek()) {
            if h.time < e.time {
                self.heap.extend(self.ties.drain(..));
            }
        }
        if self.ties.is_empty() {
            let first = self.heap.pop()?;
            match self.heap.peek() {
                Some(next) if next.time == first.time => {}
                _ => return Some((first.time, first.ev)),
            }
            self.ties.push(first);
        }
        let t = self.ties[0].time;
        while self.heap.peek().is_some_and(|e| e.time == t) {
            let e = self.heap.pop().expect("peeked");
            self.ties.push(e);
        }
        let n = self.ties.len() as u64;
        if n == 1 {
            let e = self.ties.pop().expect("one");
            return Some((e.time, e.ev));
        }
        let i = choices.pick(Choice::new(ChoiceKind::Tie, n as u32), 0, n - 1) as usize;
        // `remove`, not `swap_remove`: the rest stay in scheduling order, as the heap
        // would give them back.
        let chosen = self.ties.remove(i);
        Some((chosen.time, chosen.ev))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ReplayChoices, SeededChoices};

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
}
