//! Seed sweeps: runs without tracing, in parallel across threads (a run never crosses
//! threads), each run isolated so a panic is a reported failure, and results delivered in
//! seed order, so everything a sweep reports is identical whatever `jobs` is.

use super::strategy::Strategy;
use crate::check::{run_with, RunOptions};
use crate::engine::{SimTime, Trace};
use crate::scenario::{Scenario, SeedRange, Version};
use crate::sim::World;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

/// The invariant name a panicking run is reported under.
pub const PANIC: &str = "panic";
/// The invariant name a run that diverged from itself is reported under.
pub const NONDETERMINISM: &str = "determinism";

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedResult {
    pub seed: u64,
    /// The violated invariant, if any (`panic`, `determinism` included).
    pub invariant: Option<String>,
    /// Why: the violation message, the panic message, the first diverging step.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    pub steps: u64,
    pub end_us: u64,
    /// Names of sometimes-assertions this run reached.
    #[serde(default)]
    pub reached: Vec<String>,
}

impl SeedResult {
    pub fn end(&self) -> SimTime {
        SimTime(self.end_us)
    }
}

/// A hook that alters each run's world (tests: a deliberately broken model).
pub type Customize<'a> = &'a (dyn Fn(u64, &mut World) + Sync);

#[derive(Clone, Copy)]
pub struct SweepSpec<'a> {
    pub strategy: Strategy,
    pub jobs: usize,
    /// Run each seed twice and compare a state hash after every step.
    pub check_determinism: bool,
    pub customize: Option<Customize<'a>>,
}

impl<'a> SweepSpec<'a> {
    pub fn new(strategy: Strategy, jobs: usize) -> Self {
        SweepSpec {
            strategy,
            jobs,
            check_determinism: false,
            customize: None,
        }
    }
}

fn panic_text(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".into()
    }
}

/// One run of one seed, isolated: a panic becomes a `panic` result.
pub fn run_one(scn: &Scenario, version: Version, seed: u64, spec: &SweepSpec<'_>) -> SeedResult {
    let once = || {
        catch_unwind(AssertUnwindSafe(|| {
            let custom = spec.customize.map(|c| move |w: &mut World| c(seed, w));
            let opts = RunOptions {
                customize: custom.as_ref().map(|c| c as &dyn Fn(&mut World)),
                step_hashes: spec.check_determinism,
                observe: None,
            };
            run_with(
                scn,
                version,
                spec.strategy.choices(seed),
                Trace::off(),
                opts,
            )
        }))
    };
    let first = match once() {
        Ok(o) => o,
        Err(p) => {
            return SeedResult {
                seed,
                invariant: Some(PANIC.into()),
                message: panic_text(p),
                steps: 0,
                end_us: 0,
                reached: Vec::new(),
            }
        }
    };
    let mut result = SeedResult {
        seed,
        invariant: first.violation.as_ref().map(|v| v.invariant.clone()),
        message: first
            .violation
            .as_ref()
            .map(|v| v.message.clone())
            .unwrap_or_default(),
        steps: first.steps,
        end_us: first.end.0,
        reached: first
            .sometimes
            .iter()
            .filter(|(_, h)| *h)
            .map(|(n, _)| n.to_string())
            .collect(),
    };
    if spec.check_determinism {
        let second = match once() {
            Ok(o) => o,
            Err(p) => {
                result.invariant = Some(NONDETERMINISM.into());
                result.message = format!(
                    "the second run panicked, the first did not: {}",
                    panic_text(p)
                );
                return result;
            }
        };
        let n = first.step_hashes.len().max(second.step_hashes.len());
        if let Some(i) = (0..n).find(|&i| first.step_hashes.get(i) != second.step_hashes.get(i)) {
            result.invariant = Some(NONDETERMINISM.into());
            result.message = format!(
                "two runs of seed {seed} diverged at step {} (state hash {:016x} vs {:016x})",
                i + 1,
                first.step_hashes.get(i).copied().unwrap_or(0),
                second.step_hashes.get(i).copied().unwrap_or(0)
            );
        }
    }
    result
}

/// The seeds of `range` in shard `k` of `n` (1-based): every n-th seed, so shards are
/// disjoint, cover the range together, and are balanced.
pub fn shard_seeds(range: SeedRange, shard: Option<(u64, u64)>) -> Vec<u64> {
    match shard {
        None => (range.start..range.end).collect(),
        Some((k, n)) => (range.start..range.end)
            .filter(|s| (s - range.start) % n == k - 1)
            .collect(),
    }
}

/// Runs `seeds` on `spec.jobs` threads and calls `on_result` for each result in seed order,
/// as soon as every earlier seed is done.
pub fn sweep_seeds(
    scn: &Scenario,
    version: Version,
    seeds: &[u64],
    spec: &SweepSpec<'_>,
    on_result: &mut dyn FnMut(&SeedResult),
) -> Vec<SeedResult> {
    let jobs = spec.jobs.max(1).min(seeds.len().max(1));
    let mut out = Vec::with_capacity(seeds.len());
    if jobs == 1 {
        for &s in seeds {
            let r = run_one(scn, version, s, spec);
            on_result(&r);
            out.push(r);
        }
        return out;
    }
    // Workers take seeds in chunks and send each chunk's results at once: one hand-over
    // (and one wake-up of the reporting thread) per chunk rather than per run. Chunks stay
    // small against the whole so the threads finish together.
    let chunk = (seeds.len() / (jobs * 32)).clamp(1, 64);
    let next = AtomicUsize::new(0);
    std::thread::scope(|sc| {
        let (tx, rx) = mpsc::channel::<(usize, Vec<SeedResult>)>();
        for _ in 0..jobs {
            let tx = tx.clone();
            let next = &next;
            sc.spawn(move || loop {
                let start = next.fetch_add(chunk, Ordering::Relaxed);
                if start >= seeds.len() {
                    break;
                }
                let end = (start + chunk).min(seeds.len());
                let results = seeds[start..end]
                    .iter()
                    .map(|&seed| run_one(scn, version, seed, spec))
                    .collect();
                if tx.send((start, results)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Reorder buffer: report in seed order.
        let mut pending: BTreeMap<usize, Vec<SeedResult>> = BTreeMap::new();
        let mut want = 0usize;
        for (start, results) in rx {
            pending.insert(start, results);
            while let Some(results) = pending.remove(&want) {
                want += results.len();
                for r in results {
                    on_result(&r);
                    out.push(r);
                }
            }
        }
    });
    out
}

/// A random-strategy sweep of a seed range (what `verify` uses).
pub fn sweep(scn: &Scenario, version: Version, seeds: SeedRange, jobs: usize) -> Vec<SeedResult> {
    let spec = SweepSpec::new(Strategy::Random, jobs);
    sweep_seeds(scn, version, &shard_seeds(seeds, None), &spec, &mut |_| {})
}

pub fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
