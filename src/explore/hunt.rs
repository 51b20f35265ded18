//! `hvsim hunt`: look for bugs nobody has named. A hunt sweeps seeds of a scenario with the
//! generic oracles switched on (`leftovers`, `workload-safety`, `progress`,
//! `views-converge`, `flapping`) beside the scenario's own invariants, groups the
//! violations by oracle and by what they are about, and shrinks the first seed of each
//! group to a repro that replays.
//!
//! The oracles are invariants like any other (`check::invariants`), added to a copy of the
//! scenario, so every run, shrink and replay of a finding checks exactly what the hunt did,
//! and a repro file names them in its scenario. The `expect` block is ignored.

use super::chaos;
use super::crash_points::{self, Point};
use super::shrink::{shrink_seed, ShrinkResult};
use super::strategy::Strategy;
use super::sweep::{run_one, sweep_iter, SeedResult, SweepSpec};
use crate::scenario::{InvariantSpec, Scenario, SeedRange, Version};
use std::collections::BTreeMap;

/// The generic oracles, in the order a hunt adds them, by name.
pub const ORACLES: &[(&str, InvariantSpec)] = &[
    ("leftovers", InvariantSpec::Leftovers),
    ("workload-safety", InvariantSpec::WorkloadSafety),
    ("progress", InvariantSpec::Progress),
    ("views-converge", InvariantSpec::ViewsConverge),
    ("flapping", InvariantSpec::Flapping),
    ("differential", InvariantSpec::Differential),
];

/// What to hunt with.
#[derive(Clone, Debug)]
pub struct HuntSpec {
    /// The version the runs use.
    pub version: Version,
    /// The seeds to run.
    pub seeds: SeedRange,
    /// Worker threads running seeds at once.
    pub jobs: usize,
    /// Oracles switched off by name.
    pub off: Vec<String>,
    /// Keep the scenario's own invariants (and sometimes-assertions) beside the oracles.
    pub own: bool,
    /// Shrink the first seed of each group.
    pub shrink: bool,
    /// Add the chaos adversary's operations to each seed's timeline (`explore::chaos`).
    pub chaos: bool,
    /// Sweep the crash points a record run finds (`explore::crash_points`), each of the
    /// first this many reconciles that reach a write; the seeds are spread over the points.
    pub crash_points: Option<u32>,
}

/// The scenario a hunt runs: its own invariants (unless `own` is false), then every
/// generic oracle not switched off and not already declared; no expectations.
pub fn hunt_scenario(scn: &Scenario, off: &[String], own: bool) -> Scenario {
    let mut s = scn.clone();
    s.expect.clear();
    if !own {
        s.invariants.clear();
        s.sometimes.clear();
    }
    for (name, spec) in ORACLES {
        if off.iter().any(|o| o == name) || s.invariants.iter().any(|i| i.name() == *name) {
            continue;
        }
        s.invariants.push(spec.clone());
    }
    s
}

/// Whether `name` names a generic oracle (for `--no-oracle`'s check).
pub fn is_oracle(name: &str) -> bool {
    ORACLES.iter().any(|(n, _)| *n == name)
}

/// A violation's group: its invariant and what its message says broke (the text before the
/// first `": "`, where the why begins), with every generated name suffix (`vm2-bkwh8`) and
/// every number blanked, so runs that broke the same way on the same object at other times
/// and with other figures fall together.
pub fn group_key(invariant: &str, message: &str) -> (String, String) {
    let message = [": ", "; judged at"]
        .iter()
        .filter_map(|cut| message.find(cut))
        .min()
        .map_or(message, |i| &message[..i]);
    (invariant.to_string(), super::shape::shape(message))
}

/// One group of violations.
#[derive(Clone, Debug)]
pub struct Group {
    /// The invariant violated.
    pub invariant: String,
    /// The message's shape (numbers blanked).
    pub shape: String,
    /// How many seeds fell in the group.
    pub seeds: u64,
    /// The lowest of them.
    pub first_seed: u64,
    /// The first seed's message, whole.
    pub message: String,
    /// The first seed's run, shrunk (with `shrink`), or why it could not be.
    pub shrunk: Option<Result<ShrinkResult, String>>,
    /// The crash point of the first seed's run (`--crash-points`).
    pub point: Option<Point>,
}

/// What a crash-point hunt explored.
#[derive(Clone, Debug)]
pub struct CrashSummary {
    /// The seed of the record run.
    pub record_seed: u64,
    /// Per process and controller that wrote, the most writes one reconcile made.
    pub recorded: Vec<String>,
    /// Points the record run found, and how many of them got at least one run.
    pub points: usize,
    /// Of `points`, those that got at least one run within the budget.
    pub explored: usize,
}

/// What a hunt found: the runs, and their violations grouped by invariant and message shape.
#[derive(Clone, Debug)]
pub struct HuntReport {
    /// Runs done.
    pub runs: u64,
    /// The groups, most seeds first (ties: lowest first seed).
    pub groups: Vec<Group>,
    /// Runs that broke nothing.
    pub held: u64,
    /// With `crash_points`: what was explored.
    pub crash: Option<CrashSummary>,
}

/// Sweeps `spec.seeds` of `scn` (already a hunt scenario: see [`hunt_scenario`]).
/// `on_result` sees every run in seed order (progress).
pub fn hunt(scn: &Scenario, spec: &HuntSpec, on_result: &mut dyn FnMut(&SeedResult)) -> HuntReport {
    let sweep = SweepSpec::new(Strategy::Random, spec.jobs);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let (mut runs, mut held) = (0u64, 0u64);
    let tally = spec
        .crash_points
        .map(|_| crash_points::record(scn, spec.version, spec.seeds.start));
    let points: Vec<Point> = match (&tally, spec.crash_points) {
        (Some(t), Some(k)) => {
            // Only processes a scenario may crash (`CrashAfterWrite`'s validation), so
            // every repro loads.
            let crashable = crate::scenario::crashable_processes(scn);
            crash_points::points(t, k)
                .into_iter()
                .filter(|p| crashable.contains(&p.process))
                .collect()
        }
        _ => Vec::new(),
    };
    // Each run: its crash point (an index into `points`) and seed. A crash hunt goes round
    // the points, seed after seed, so every point's first run is on the record seed.
    let total = spec.seeds.end - spec.seeds.start;
    let runs_of: Vec<(Option<usize>, u64)> = if spec.crash_points.is_some() {
        let p = points.len().max(1) as u64;
        (0..total)
            .filter(|_| !points.is_empty())
            .map(|r| (Some((r % p) as usize), spec.seeds.start + r / p))
            .collect()
    } else {
        (spec.seeds.start..spec.seeds.end)
            .map(|s| (None, s))
            .collect()
    };
    let scenario_of = |point: Option<usize>, seed: u64| -> Scenario {
        let s = match point {
            Some(i) => points[i].apply(scn),
            None => scn.clone(),
        };
        if spec.chaos {
            chaos::perturb(&s, spec.version, seed)
        } else {
            s
        }
    };
    let mut each = |r: &SeedResult, point: Option<usize>| {
        on_result(r);
        runs += 1;
        let Some(inv) = &r.invariant else {
            held += 1;
            return;
        };
        let key = group_key(inv, &r.message);
        groups
            .entry(key.clone())
            .or_insert_with(|| Group {
                invariant: key.0,
                shape: key.1,
                seeds: 0,
                first_seed: r.seed,
                message: r.message.clone(),
                shrunk: None,
                point: point.map(|i| points[i].clone()),
            })
            .seeds += 1;
    };
    if spec.chaos || spec.crash_points.is_some() {
        sweep_runs(&runs_of, &scenario_of, spec, &sweep, &mut each);
    } else {
        sweep_iter(
            scn,
            spec.version,
            spec.seeds.start..spec.seeds.end,
            total,
            &sweep,
            &mut |r| each(r, None),
        );
    }
    let mut groups: Vec<Group> = groups.into_values().collect();
    // Most frequent first; ties by the first seed, so the order is the same on every run.
    groups.sort_by_key(|g| (std::cmp::Reverse(g.seeds), g.first_seed));
    if spec.shrink {
        for g in &mut groups {
            // A chaos or crash-point finding shrinks its own scenario: the repro embeds it,
            // and the shrinker drops the operations the violation does not need.
            let index = g
                .point
                .as_ref()
                .and_then(|p| points.iter().position(|q| q == p));
            let s = scenario_of(index, g.first_seed);
            g.shrunk = Some(shrink_seed(&s, spec.version, g.first_seed).map_err(|e| e.to_string()));
        }
    }
    let crash = tally.map(|t| CrashSummary {
        record_seed: spec.seeds.start,
        recorded: crash_points::describe_tally(&t),
        points: points.len(),
        explored: points.len().min(runs_of.len()),
    });
    HuntReport {
        runs,
        groups,
        held,
        crash,
    }
}

/// Runs per chunk a worker takes at a time in a chaos or crash-point hunt.
const CHUNK: u64 = 64;

/// A chaos or crash-point hunt's sweep: each run is its own scenario (`scenario_of` its
/// crash point and seed), on `spec.jobs` threads (each run stays single-threaded); results
/// reach `each` in run order.
fn sweep_runs(
    runs: &[(Option<usize>, u64)],
    scenario_of: &(dyn Fn(Option<usize>, u64) -> Scenario + Sync),
    spec: &HuntSpec,
    sweep: &SweepSpec<'_>,
    each: &mut dyn FnMut(&SeedResult, Option<usize>),
) {
    let jobs = spec.jobs.max(1);
    for batch in runs.chunks(CHUNK as usize * jobs) {
        let per = batch.len().div_ceil(jobs).max(1);
        let results: Vec<SeedResult> = std::thread::scope(|t| {
            let handles: Vec<_> = batch
                .chunks(per)
                .map(|chunk| {
                    t.spawn(move || {
                        chunk
                            .iter()
                            .map(|&(point, seed)| {
                                run_one(&scenario_of(point, seed), spec.version, seed, sweep)
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("run_one catches a run's panic"))
                .collect()
        });
        for (r, &(point, _)) in results.iter().zip(batch) {
            each(r, point);
        }
    }
}

/// The repro of chaos seed `seed`'s run as it was, unshrunk (`hunt --chaos --no-shrink`): its
/// perturbed scenario and answers, whole, since the scenario file alone cannot rerun it. None
/// when the run holds.
pub fn chaos_repro(h: &Scenario, version: Version, seed: u64) -> Option<super::repro::Repro> {
    let scenario = chaos::perturb(h, version, seed);
    let out = crate::check::run(
        &scenario,
        version,
        Strategy::Random.choices(seed),
        crate::engine::Trace::off(),
    );
    let v = out.violation?;
    Some(super::repro::Repro {
        scenario,
        version,
        invariant: v.invariant,
        step: v.step,
        answers: out.answers,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_group_key_blanks_generated_suffixes_numbers_and_the_judged_at_note() {
        let a = group_key(
            "progress",
            "migration default/vm-1-kq2zz is still Pending (created at 00:10.000000); judged at 10:50.000000, after",
        );
        let b = group_key(
            "progress",
            "migration default/vm-1-w7bb4 is still Pending (created at 00:12.500000); judged at 11:02.000000, when",
        );
        assert_eq!(a, b);
        assert_eq!(
            a.1,
            "migration default/vm-#-* is still Pending (created at #:#.#)"
        );
    }

    #[test]
    fn a_hunt_scenario_adds_every_oracle_but_those_switched_off_and_drops_expectations() {
        let text = crate::scenario::bundled_by_name("quota-race-node-drain").unwrap();
        let scn = crate::scenario::load_str("quota-race-node-drain.ron", text).unwrap();
        let h = hunt_scenario(&scn, &["flapping".to_string()], false);
        let names: Vec<&str> = h.invariants.iter().map(|i| i.name()).collect();
        assert_eq!(
            names,
            [
                "leftovers",
                "workload-safety",
                "progress",
                "views-converge",
                "differential"
            ]
        );
        assert!(h.expect.is_empty() && h.sometimes.is_empty());
    }
}
