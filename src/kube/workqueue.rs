//! client-go's work queue (dirty / processing sets, so a key is never worked on twice at
//! once and two adds coalesce into one reconcile) and the rate limiters that wrangler and
//! KubeVirt put in front of it.

use super::object::ObjId;
use crate::engine::SimDuration;
use std::collections::{BTreeMap, VecDeque};

#[derive(Default)]
pub struct WorkQueue {
    queue: VecDeque<ObjId>,
    /// Bit sets by id: a queue per controller per process, sized by the highest id it met,
    /// so one bit per id rather than a byte.
    dirty: Bits,
    processing: Bits,
}

/// A set of ids as a bit vector.
#[derive(Default)]
struct Bits(Vec<u64>);

impl Bits {
    fn get(&self, id: ObjId) -> bool {
        let i = id.0 as usize;
        self.0.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn set(&mut self, id: ObjId, on: bool) {
        let i = id.0 as usize;
        let w = i / 64;
        if self.0.len() <= w {
            if !on {
                return;
            }
            self.0.resize(w + 1, 0);
        }
        if on {
            self.0[w] |= 1 << (i % 64);
        } else {
            self.0[w] &= !(1 << (i % 64));
        }
    }
}

impl WorkQueue {
    pub fn add(&mut self, id: ObjId) {
        if self.dirty.get(id) {
            return;
        }
        self.dirty.set(id, true);
        if self.processing.get(id) {
            return;
        }
        self.queue.push_back(id);
    }

    pub fn get(&mut self) -> Option<ObjId> {
        let id = self.queue.pop_front()?;
        self.processing.set(id, true);
        self.dirty.set(id, false);
        Some(id)
    }

    pub fn done(&mut self, id: ObjId) {
        self.processing.set(id, false);
        if self.dirty.get(id) {
            self.queue.push_back(id);
        }
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn hash_into<H: std::hash::Hasher>(&self, h: &mut H) {
        use std::hash::Hash;
        self.queue.hash(h);
    }

    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub fn clear(&mut self) {
        self.queue.clear();
        self.dirty.0.clear();
        self.processing.0.clear();
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RateLimiterKind {
    /// lasso `controller.go`: `NewMaxOfRateLimiter(ItemFastSlowRateLimiter(1ms, 2min, 30),
    /// ItemExponentialFailureRateLimiter(5ms, 30s))`.
    Wrangler,
    /// client-go `DefaultControllerRateLimiter`'s per-item part:
    /// `ItemExponentialFailureRateLimiter(5ms, 1000s)` (the overall token bucket is left out).
    ClientGoDefault,
}

pub struct RateLimiter {
    kind: RateLimiterKind,
    failures: BTreeMap<ObjId, u32>,
}

impl RateLimiter {
    pub fn new(kind: RateLimiterKind) -> Self {
        RateLimiter {
            kind,
            failures: BTreeMap::new(),
        }
    }

    fn exponential(failures: u32, base: SimDuration, cap: SimDuration) -> SimDuration {
        let exp = failures.min(40);
        let d = base.0.saturating_mul(1u64 << exp);
        SimDuration(d.min(cap.0))
    }

    /// `When(item)`: the delay before the item's next retry; counts one more failure.
    pub fn when(&mut self, id: ObjId) -> SimDuration {
        let n = self.failures.entry(id).or_insert(0);
        let before = *n;
        *n += 1;
        match self.kind {
            RateLimiterKind::Wrangler => {
                let exp = Self::exponential(
                    before,
                    SimDuration::from_millis(5),
                    SimDuration::from_secs(30),
                );
                let fast_slow = if *n <= 30 {
                    SimDuration::from_millis(1)
                } else {
                    SimDuration::from_secs(120)
                };
                exp.max(fast_slow)
            }
            RateLimiterKind::ClientGoDefault => Self::exponential(
                before,
                SimDuration::from_millis(5),
                SimDuration::from_secs(1000),
            ),
        }
    }

    pub fn forget(&mut self, id: ObjId) {
        self.failures.remove(&id);
    }

    pub fn failures(&self, id: ObjId) -> u32 {
        self.failures.get(&id).copied().unwrap_or(0)
    }

    pub fn clear(&mut self) {
        self.failures.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_adds_before_processing_coalesce_into_one() {
        let mut q = WorkQueue::default();
        q.add(ObjId(1));
        q.add(ObjId(1));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn an_add_while_processing_is_requeued_on_done() {
        let mut q = WorkQueue::default();
        q.add(ObjId(1));
        let k = q.get().unwrap();
        q.add(ObjId(1));
        assert!(q.is_empty(), "not handed out twice at once");
        q.done(k);
        assert_eq!(q.get(), Some(ObjId(1)));
    }

    #[test]
    fn wrangler_backoff_doubles_from_5ms_to_30s_then_120s_after_30_failures() {
        let mut r = RateLimiter::new(RateLimiterKind::Wrangler);
        let k = ObjId(0);
        let d: Vec<u64> = (0..32).map(|_| r.when(k).0 / 1000).collect();
        assert_eq!(&d[..4], &[5, 10, 20, 40]);
        assert_eq!(d[12], 20_480);
        assert_eq!(d[13], 30_000);
        assert_eq!(d[29], 30_000);
        assert_eq!(d[30], 120_000);
        r.forget(k);
        assert_eq!(r.when(k).0, 5_000);
    }
}
