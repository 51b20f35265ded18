//! `hvsim verify`: for each scenario and each version in its `expect` block, sweep the
//! seed range and compare what happened with what was expected.

use super::strategy::Strategy;
use super::sweep::{shard_seeds, sweep_iter, SeedResult, SweepSpec};
use crate::scenario::{parse_expect_key, Expectation, RepoVmPolicy, Scenario, SeedRange, Version};

/// One row of `hvsim verify`: a scenario on one version (an `expect` key), swept over seeds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyRow {
    /// The scenario's name.
    pub scenario: String,
    /// The `expect` key: the version, and a repo-VM policy if one is named
    /// (`v1.4.2+LiveMigrateIfCompatibleElseStop`).
    pub version: String,
    /// The seeds swept.
    pub seeds: SeedRange,
    /// The expectation as shown: `holds`, or `violates A or B`.
    pub expected: String,
    /// What the sweep found: `held N/N`, or `violated K/N (...); first seed S: INVARIANT`.
    pub observed: String,
    /// `observed` matches `expected`.
    pub ok: bool,
    /// Seeds that violated, and the first of them with its invariant.
    pub violating: u64,
    /// The first violating seed and the invariant it violated.
    pub first: Option<(u64, String)>,
    /// Per sometimes-assertion: how many seeds reached it.
    pub sometimes: Vec<(String, u64)>,
}

pub(crate) fn judge(
    scn: &Scenario,
    version: &str,
    exp: &Expectation,
    results: &[SeedResult],
) -> VerifyRow {
    let seeds = match exp {
        Expectation::Holds { seeds } | Expectation::Violates { seeds, .. } => *seeds,
    };
    let bad: Vec<&SeedResult> = results.iter().filter(|r| r.invariant.is_some()).collect();
    let first = bad
        .first()
        .map(|r| (r.seed, r.invariant.clone().unwrap_or_default()));
    let mut by_inv: Vec<(String, u64)> = Vec::new();
    for r in &bad {
        let inv = r.invariant.clone().unwrap_or_default();
        match by_inv.iter_mut().find(|(n, _)| *n == inv) {
            Some((_, c)) => *c += 1,
            None => by_inv.push((inv, 1)),
        }
    }
    by_inv.sort();
    let n = results.len() as u64;
    let observed = if bad.is_empty() {
        format!("held {n}/{n}")
    } else {
        let parts: Vec<String> = by_inv.iter().map(|(i, c)| format!("{i} {c}")).collect();
        let (s, i) = first.clone().unwrap();
        format!(
            "violated {}/{n} ({}); first seed {s}: {i}",
            bad.len(),
            parts.join(", ")
        )
    };
    let (expected, ok) = match exp {
        Expectation::Holds { .. } => ("holds".to_string(), bad.is_empty()),
        Expectation::Violates { invariants, .. } => (
            format!("violates {}", invariants.join(" or ")),
            !bad.is_empty() && by_inv.iter().all(|(i, _)| invariants.contains(i)),
        ),
    };
    let sometimes = scn
        .sometimes
        .iter()
        .map(|s| {
            (
                s.name().to_string(),
                results
                    .iter()
                    .filter(|r| r.reached.iter().any(|n| n == s.name()))
                    .count() as u64,
            )
        })
        .collect();
    VerifyRow {
        scenario: scn.name.clone(),
        version: version.to_string(),
        seeds,
        expected,
        observed,
        ok,
        violating: bad.len() as u64,
        first,
        sometimes,
    }
}

/// The scenario with a repo VM policy in place of its version's.
pub fn with_policy(scn: &Scenario, p: RepoVmPolicy) -> Scenario {
    let mut s = scn.clone();
    if let Some(u) = s.upgrade.as_mut() {
        u.repo_vm_policy = Some(p);
    }
    s
}

/// What a verify runs of each `expect` block: every row (the default), or only a version's
/// rows, and only the seeds of each row's range that are also in `seeds`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Narrow {
    /// Only this version's rows, if given.
    pub version: Option<Version>,
    /// Only these seeds of each row's range, if given.
    pub seeds: Option<SeedRange>,
}

/// One row to run: the `expect` key, its version and policy, and the expectation with its
/// seed range narrowed.
#[derive(Clone, Debug)]
pub struct Planned {
    /// The `expect` key as written.
    pub key: String,
    /// The version it names.
    pub version: Version,
    /// The repo-VM policy it names, if any (a proposed fix to try).
    pub policy: Option<RepoVmPolicy>,
    /// The expectation, its seed range narrowed.
    pub expect: Expectation,
}

impl Planned {
    /// The seeds to run.
    pub fn seeds(&self) -> SeedRange {
        match &self.expect {
            Expectation::Holds { seeds } | Expectation::Violates { seeds, .. } => *seeds,
        }
    }
}

/// The rows of `scn`'s `expect` block that `narrow` keeps (a row whose range shares no seed
/// with `narrow.seeds` is dropped).
pub fn plan(scn: &Scenario, narrow: &Narrow) -> Vec<Planned> {
    scn.expect
        .iter()
        .filter_map(|(key, exp)| {
            let (version, policy) = parse_expect_key(key).expect("validated");
            if narrow.version.is_some_and(|v| v != version) {
                return None;
            }
            let mut expect = exp.clone();
            if let Some(n) = narrow.seeds {
                let (Expectation::Holds { seeds } | Expectation::Violates { seeds, .. }) =
                    &mut expect;
                let start = seeds.start.max(n.start);
                let end = seeds.end.min(n.end);
                if start >= end {
                    return None;
                }
                *seeds = SeedRange { start, end };
            }
            Some(Planned {
                key: key.clone(),
                version,
                policy,
                expect,
            })
        })
        .collect()
}

/// Runs the planned rows, reporting each seed's result to `on_result` as it comes.
pub fn verify_planned(
    scn: &Scenario,
    rows: &[Planned],
    jobs: usize,
    on_result: &mut dyn FnMut(&SeedResult),
) -> Vec<VerifyRow> {
    let spec = SweepSpec::new(Strategy::Random, jobs);
    rows.iter()
        .map(|p| {
            let seeds = p.seeds();
            let with = p.policy.map(|pol| with_policy(scn, pol));
            let mut results = Vec::new();
            sweep_iter(
                with.as_ref().unwrap_or(scn),
                p.version,
                shard_seeds(seeds, None),
                seeds.len(),
                &spec,
                &mut |r| {
                    on_result(r);
                    results.push(r.clone());
                },
            );
            judge(scn, &p.key, &p.expect, &results)
        })
        .collect()
}

/// Verifies every row of the scenario's `expect` block (no narrowing, no progress report).
pub fn verify_scenario(scn: &Scenario, jobs: usize) -> Vec<VerifyRow> {
    verify_planned(scn, &plan(scn, &Narrow::default()), jobs, &mut |_| {})
}
