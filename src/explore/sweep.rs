//! A seed sweep: runs without tracing, in parallel across threads (one run never crosses
//! threads), results returned in seed order so they are identical whatever `jobs` is.

use crate::check::run_seed;
use crate::engine::{SimTime, Trace};
use crate::scenario::{Scenario, SeedRange, Version};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeedResult {
    pub seed: u64,
    /// The violated invariant, if any.
    pub invariant: Option<String>,
    pub steps: u64,
    pub end: SimTime,
    /// Names of sometimes-assertions this run reached.
    pub reached: Vec<&'static str>,
}

pub fn run_one(scn: &Scenario, version: Version, seed: u64) -> SeedResult {
    let o = run_seed(scn, version, seed, Trace::off());
    SeedResult {
        seed,
        invariant: o.violation.map(|v| v.invariant),
        steps: o.steps,
        end: o.end,
        reached: o
            .sometimes
            .iter()
            .filter(|(_, h)| *h)
            .map(|(n, _)| *n)
            .collect(),
    }
}

/// Runs every seed of the range on `jobs` threads.
pub fn sweep(scn: &Scenario, version: Version, seeds: SeedRange, jobs: usize) -> Vec<SeedResult> {
    let jobs = jobs.max(1).min(seeds.len().max(1) as usize);
    if jobs == 1 {
        return (seeds.start..seeds.end)
            .map(|s| run_one(scn, version, s))
            .collect();
    }
    let next = std::sync::atomic::AtomicU64::new(seeds.start);
    let mut all: Vec<SeedResult> = std::thread::scope(|sc| {
        let handles: Vec<_> = (0..jobs)
            .map(|_| {
                sc.spawn(|| {
                    let mut out = Vec::new();
                    loop {
                        // Small batches keep threads busy without contention on every seed.
                        let start = next.fetch_add(16, std::sync::atomic::Ordering::Relaxed);
                        if start >= seeds.end {
                            break;
                        }
                        for s in start..(start + 16).min(seeds.end) {
                            out.push(run_one(scn, version, s));
                        }
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a sweep thread panicked"))
            .collect()
    });
    all.sort_by_key(|r| r.seed);
    all
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
