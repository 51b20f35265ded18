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

pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
    ties: Vec<Entry<E>>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::with_capacity(1024),
            seq: 0,
            ties: Vec::new(),
        }
    }

    pub fn push(&mut self, time: SimTime, ev: E) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            ev,
        });
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
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

    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes the next event. A lone earliest event costs no choice; when several
    /// are due at the same instant, one `Tie` answer (0 = the one scheduled first) picks.
    pub fn pop(&mut self, choices: &mut dyn Choices) -> Option<(SimTime, E)> {
        let first = self.heap.pop()?;
        match self.heap.peek() {
            Some(next) if next.time == first.time => {}
            _ => return Some((first.time, first.ev)),
        }
        let t = first.time;
        self.ties.push(first);
        while self.heap.peek().is_some_and(|e| e.time == t) {
            let e = self.heap.pop().expect("peeked");
            self.ties.push(e);
        }
        let n = self.ties.len() as u64;
        let i = choices.pick(Choice::new(ChoiceKind::Tie, n as u32), 0, n - 1) as usize;
        let chosen = self.ties.swap_remove(i);
        for e in self.ties.drain(..) {
            self.heap.push(e);
        }
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
}
