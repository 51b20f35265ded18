//! Passes over the answer list: the shortest violating prefix, ddmin removal and zeroing of
//! chunks, and lowering each answer toward its minimum.

use super::shrinker::Shrinker;
use super::LOWER_PROBES;

impl Shrinker<'_> {
    /// Binary search for the shortest prefix of the answers that still violates; past its
    /// end every answer is its range's minimum.
    pub(super) fn truncate_pass(&mut self) {
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
    pub(super) fn remove_chunks_pass(&mut self) {
        self.chunks_pass(|s, start, end| {
            let mut c = s.answers[..start].to_vec();
            c.extend_from_slice(&s.answers[end..]);
            Some(c)
        });
    }

    /// ddmin over zeroing: set chunks of answers to their minimum (a replay clamps 0 up).
    pub(super) fn zero_chunks_pass(&mut self) {
        self.chunks_pass(|s, start, end| {
            if (start..end).all(|i| s.at_min(i)) {
                return None;
            }
            let mut c = s.answers.clone();
            c[start..end].fill(0);
            Some(c)
        });
    }

    pub(super) fn chunks_pass(&mut self, edit: impl Fn(&Self, usize, usize) -> Option<Vec<u64>>) {
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
    pub(super) fn zero_each_pass(&mut self) {
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
    pub(super) fn lower_each_pass(&mut self) {
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
