//! `hvsim verify`: for each scenario and each version in its `expect` block, sweep the
//! seed range and compare what happened with what was expected.

use super::sweep::{sweep, SeedResult};
use crate::scenario::{parse_expect_key, Expectation, RepoVmPolicy, Scenario, SeedRange};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyRow {
    pub scenario: String,
    pub version: String,
    pub seeds: SeedRange,
    pub expected: String,
    pub observed: String,
    pub ok: bool,
    /// Seeds that violated, and the first of them with its invariant.
    pub violating: u64,
    pub first: Option<(u64, String)>,
    /// Per sometimes-assertion: how many seeds reached it.
    pub sometimes: Vec<(String, u64)>,
}

pub fn judge(
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

pub fn verify_scenario(scn: &Scenario, jobs: usize) -> Vec<VerifyRow> {
    scn.expect
        .iter()
        .map(|(v, exp)| {
            let (version, policy) = parse_expect_key(v).expect("validated");
            let seeds = match exp {
                Expectation::Holds { seeds } | Expectation::Violates { seeds, .. } => *seeds,
            };
            let results = match policy {
                None => sweep(scn, version, seeds, jobs),
                Some(p) => sweep(&with_policy(scn, p), version, seeds, jobs),
            };
            judge(scn, v, exp, &results)
        })
        .collect()
}
