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
}

/// Sweeps `spec.seeds` of `scn` (already a hunt scenario: see [`hunt_scenario`]).
/// `on_result` sees every run in seed order (progress).
pub fn hunt(scn: &Scenario, spec: &HuntSpec, on_result: &mut dyn FnMut(&SeedResult)) -> HuntReport {
    let sweep = SweepSpec::new(Strategy::Random, spec.jobs);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    let (mut runs, mut held) = (0u64, 0u64);
    let range = spec.seeds.start..spec.seeds.end;
    let mut each = |r: &SeedResult| {
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
            })
            .seeds += 1;
    };
    if spec.chaos {
        sweep_chaos(scn, spec, &sweep, &mut each);
    } else {
        sweep_iter(
            scn,
            spec.version,
            range,
            spec.seeds.end - spec.seeds.start,
            &sweep,
            &mut each,
        );
    }
    let mut groups: Vec<Group> = groups.into_values().collect();
    // Most frequent first; ties by the first seed, so the order is the same on every run.
    groups.sort_by_key(|g| (std::cmp::Reverse(g.seeds), g.first_seed));
    if spec.shrink {
        for g in &mut groups {
            // A chaos finding shrinks its own perturbed scenario: the repro embeds it, and the
            // shrinker drops the operations the violation does not need.
            let perturbed;
            let s = if spec.chaos {
                perturbed = chaos::perturb(scn, g.first_seed);
                &perturbed
            } else {
                scn
            };
            g.shrunk = Some(shrink_seed(s, spec.version, g.first_seed).map_err(|e| e.to_string()));
        }
    }
    HuntReport { runs, groups, held }
}

/// Seeds per chunk a worker takes at a time in a chaos hunt.
const CHUNK: u64 = 64;

/// A chaos hunt's sweep: each seed runs its own perturbed scenario, on `spec.jobs` threads
/// (each run stays single-threaded); results reach `each` in seed order.
fn sweep_chaos(
    scn: &Scenario,
    spec: &HuntSpec,
    sweep: &SweepSpec<'_>,
    each: &mut dyn FnMut(&SeedResult),
) {
    let mut start = spec.seeds.start;
    while start < spec.seeds.end {
        let end = (start + CHUNK * spec.jobs.max(1) as u64).min(spec.seeds.end);
        let seeds: Vec<u64> = (start..end).collect();
        let per = seeds.len().div_ceil(spec.jobs.max(1));
        let mut results: Vec<SeedResult> = std::thread::scope(|t| {
            let handles: Vec<_> = seeds
                .chunks(per.max(1))
                .map(|chunk| {
                    t.spawn(move || {
                        chunk
                            .iter()
                            .map(|&seed| {
                                run_one(&chaos::perturb(scn, seed), spec.version, seed, sweep)
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
        results.sort_by_key(|r| r.seed);
        for r in &results {
            each(r);
        }
        start = end;
    }
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
