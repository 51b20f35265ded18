//! Seed sweeps: runs without tracing, in parallel across threads (a run never crosses
//! threads), each run isolated so a panic is a reported failure, and results delivered in
//! seed order, so everything a sweep reports is identical whatever `jobs` is. Seeds are
//! computed as they are taken and [`sweep_iter`] keeps no result, so a sweep of any range
//! (up to `0..18446744073709551615`) runs in constant memory.

use super::strategy::Strategy;
use crate::check::{run_with, RunOptions};
use crate::engine::{SimTime, Trace};
use crate::scenario::{Scenario, SeedRange, Version};
use crate::sim::World;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{mpsc, Condvar, Mutex};

/// The invariant name a panicking run is reported under.
pub const PANIC: &str = "panic";
/// The invariant name a run that diverged from itself is reported under.
pub const NONDETERMINISM: &str = "determinism";

/// One run of a sweep: its seed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedResult {
    /// The run's seed (for `exhaustive`, its number in the enumeration).
    pub seed: u64,
    /// The violated invariant, if any (`panic`, `determinism` included).
    pub invariant: Option<String>,
    /// Why: the violation message, the panic message, the first diverging step.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub message: String,
    /// Events the run took.
    pub steps: u64,
    /// The virtual time it ended, in microseconds.
    pub end_us: u64,
    /// Names of sometimes-assertions this run reached.
    #[serde(default)]
    pub reached: Vec<String>,
}

impl SeedResult {
    /// The virtual time it ended.
    pub fn end(&self) -> SimTime {
        SimTime(self.end_us)
    }
}

/// A hook that alters each run's world (tests: a deliberately broken model).
pub type Customize<'a> = &'a (dyn Fn(u64, &mut World) + Sync);

/// How a sweep runs its seeds.
#[derive(Clone, Copy)]
pub struct SweepSpec<'a> {
    /// The strategy that answers each run's decisions.
    pub strategy: Strategy,
    /// Worker threads running seeds at once.
    pub jobs: usize,
    /// Run each seed twice and compare a state hash after every step.
    pub check_determinism: bool,
    /// Alters each run's world before it starts.
    pub customize: Option<Customize<'a>>,
}

impl<'a> SweepSpec<'a> {
    /// A sweep with `strategy` on `jobs` threads, no determinism check, no hook.
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
                spec.strategy.unrecorded_choices(seed),
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
/// disjoint, cover the range together, and are balanced. Computed as they are taken, so a
/// sweep of `0..18446744073709551615` holds one seed at a time; the last seed,
/// `u64::MAX` itself, is past every half-open range.
pub fn shard_seeds(range: SeedRange, shard: Option<(u64, u64)>) -> ShardSeeds {
    let (k, n) = shard.unwrap_or((1, 1));
    ShardSeeds {
        next: range.start.checked_add(k.max(1) - 1),
        end: range.end,
        step: n.max(1),
    }
}

/// The environment variable a Kubernetes Indexed Job sets in each pod: its 0-based index.
pub const INDEX_ENV: &str = "JOB_COMPLETION_INDEX";
/// The number of shards, for `--shard auto`: Kubernetes does not set it, so the Job manifest
/// (or the CI matrix) does, equal to the Job's `completions`.
pub const COMPLETIONS_ENV: &str = "JOB_COMPLETIONS";

/// `--shard auto`: `(k, n)` (1-based, as [`shard_seeds`] takes) from the values of
/// [`INDEX_ENV`] (0-based) and [`COMPLETIONS_ENV`], `None` where the variable is unset.
pub fn shard_from_env(
    index: Option<&str>,
    completions: Option<&str>,
) -> Result<(u64, u64), String> {
    let get = |name: &str, v: Option<&str>| -> Result<u64, String> {
        let v = v.ok_or_else(|| format!("--shard auto needs the environment variable {name} (set by an Indexed Job; see docs/sharded-sweeps.md)"))?;
        v.trim()
            .parse()
            .map_err(|_| format!("--shard auto: {name} must be a whole number, not \"{v}\""))
    };
    let index = get(INDEX_ENV, index)?;
    let n = get(COMPLETIONS_ENV, completions)?;
    if n == 0 {
        return Err(format!(
            "--shard auto: {COMPLETIONS_ENV} must be at least 1, not 0"
        ));
    }
    if index >= n {
        return Err(format!(
            "--shard auto: {INDEX_ENV}={index} is not below {COMPLETIONS_ENV}={n} (the index is 0-based)"
        ));
    }
    Ok((index + 1, n))
}

/// An iterator over a shard's seeds; see [`shard_seeds`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardSeeds {
    // invariant: every seed yielded is `next`, then `next + step`, ..., below `end`;
    // `None` once the next one would pass u64::MAX.
    next: Option<u64>,
    end: u64,
    step: u64,
}

impl ShardSeeds {
    /// Seeds not yet taken.
    pub fn remaining(&self) -> u64 {
        match self.next {
            Some(n) if n < self.end => (self.end - 1 - n) / self.step + 1,
            _ => 0,
        }
    }
}

impl Iterator for ShardSeeds {
    type Item = u64;

    fn next(&mut self) -> Option<u64> {
        let n = self.next.filter(|&n| n < self.end)?;
        self.next = n.checked_add(self.step);
        Some(n)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.remaining();
        (
            usize::try_from(n).unwrap_or(usize::MAX),
            usize::try_from(n).ok(),
        )
    }
}

/// Runs `seeds` on `spec.jobs` threads and calls `on_result` for each result in seed order,
/// as soon as every earlier seed is done; returns every result (for a sweep whose seeds are
/// already a list; [`sweep_iter`] keeps none).
pub fn sweep_seeds(
    scn: &Scenario,
    version: Version,
    seeds: &[u64],
    spec: &SweepSpec<'_>,
    on_result: &mut dyn FnMut(&SeedResult),
) -> Vec<SeedResult> {
    let mut out = Vec::with_capacity(seeds.len());
    sweep_iter(
        scn,
        version,
        seeds.iter().copied(),
        seeds.len() as u64,
        spec,
        &mut |r| {
            on_result(r);
            out.push(r.clone());
        },
    );
    out
}

/// Chunks a worker may run ahead of the first chunk not yet reported, per worker: the
/// reorder buffer holds at most `jobs * MAX_AHEAD` chunks however slow one seed is.
const MAX_AHEAD: usize = 8;

/// Like [`sweep_seeds`], but the seeds come from an iterator and no result is kept: memory
/// stays constant whatever the number of seeds (`total`, their count or an estimate, only
/// sizes the chunks handed to threads).
pub fn sweep_iter<I>(
    scn: &Scenario,
    version: Version,
    mut seeds: I,
    total: u64,
    spec: &SweepSpec<'_>,
    on_result: &mut dyn FnMut(&SeedResult),
) where
    I: Iterator<Item = u64> + Send,
{
    let jobs = spec
        .jobs
        .max(1)
        .min(usize::try_from(total.max(1)).unwrap_or(usize::MAX));
    if jobs == 1 {
        for s in seeds {
            on_result(&run_one(scn, version, s, spec));
        }
        return;
    }
    // Workers take seeds in chunks and send each chunk's results at once: one hand-over
    // (and one wake-up of the reporting thread) per chunk rather than per run. Chunks stay
    // small against the whole so the threads finish together.
    let chunk = (total / (jobs as u64 * 32)).clamp(1, 64) as usize;
    struct Feed<I> {
        seeds: I,
        /// Chunks handed out so far (the next chunk's index).
        taken: usize,
        /// Chunks reported so far, in order.
        reported: usize,
    }
    let feed = Mutex::new(Feed {
        seeds: &mut seeds,
        taken: 0,
        reported: 0,
    });
    let turn = Condvar::new();
    let ahead = jobs * MAX_AHEAD;
    std::thread::scope(|sc| {
        let (tx, rx) = mpsc::channel::<(usize, Vec<SeedResult>)>();
        for _ in 0..jobs {
            let tx = tx.clone();
            let (feed, turn) = (&feed, &turn);
            sc.spawn(move || loop {
                let (index, batch) = {
                    let mut f = feed.lock().expect("no worker panics holding the feed");
                    while f.taken >= f.reported + ahead {
                        f = turn.wait(f).expect("no worker panics holding the feed");
                    }
                    let batch: Vec<u64> = f.seeds.by_ref().take(chunk).collect();
                    if batch.is_empty() {
                        break;
                    }
                    f.taken += 1;
                    (f.taken - 1, batch)
                };
                let results = batch
                    .iter()
                    .map(|&seed| run_one(scn, version, seed, spec))
                    .collect();
                if tx.send((index, results)).is_err() {
                    break;
                }
            });
        }
        drop(tx);
        // Reorder buffer: report in seed order.
        let mut pending: BTreeMap<usize, Vec<SeedResult>> = BTreeMap::new();
        let mut want = 0usize;
        for (index, results) in rx {
            pending.insert(index, results);
            while let Some(results) = pending.remove(&want) {
                want += 1;
                feed.lock()
                    .expect("no worker panics holding the feed")
                    .reported = want;
                turn.notify_all();
                for r in &results {
                    on_result(r);
                }
            }
        }
    });
}

/// A random-strategy sweep of a seed range (what `verify` uses).
pub fn sweep(scn: &Scenario, version: Version, seeds: SeedRange, jobs: usize) -> Vec<SeedResult> {
    let spec = SweepSpec::new(Strategy::Random, jobs);
    let mut out = Vec::new();
    sweep_iter(
        scn,
        version,
        shard_seeds(seeds, None),
        seeds.len(),
        &spec,
        &mut |r| out.push(r.clone()),
    );
    out
}

pub(crate) fn default_jobs() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
