//! The configurations a shrunk run must keep holding on: the scenario's `expect` keys that
//! expect the target invariant to hold, so a repro still tells the buggy version from the
//! fixed one.

use super::answers::{run_recorded, Answers};
use crate::explore::verify::with_policy;
use crate::scenario::{parse_expect_key, Expectation, RepoVmPolicy, Scenario, Version};
use std::borrow::Cow;

/// A configuration the target invariant must not break on: an `expect` key, parsed.
#[derive(Clone, Debug)]
pub(super) struct Contrast {
    pub(super) key: String,
    pub(super) version: Version,
    pub(super) policy: Option<RepoVmPolicy>,
}

/// The `expect` keys other than `version` itself that expect `target` to hold: those that
/// hold, and those expected to violate only other invariants.
pub(super) fn contrasts(scn: &Scenario, version: Version, target: &str) -> Vec<Contrast> {
    scn.expect
        .iter()
        .filter(|(_, e)| match e {
            Expectation::Holds { .. } => true,
            Expectation::Violates { invariants, .. } => !invariants.iter().any(|i| i == target),
        })
        .filter_map(|(key, _)| {
            let (v, policy) = parse_expect_key(key).ok()?;
            Some(Contrast {
                key: key.clone(),
                version: v,
                policy,
            })
        })
        .filter(|c| c.version != version || c.policy.is_some())
        .collect()
}

/// Whether replaying `answers` in configuration `c` violates `target` (a panic counts as no).
pub(super) fn violates_on(scn: &Scenario, c: &Contrast, answers: &[u64], target: &str) -> bool {
    let scn = match c.policy {
        Some(p) => Cow::Owned(with_policy(scn, p)),
        None => Cow::Borrowed(scn),
    };
    run_recorded(&scn, c.version, Answers::Positional(answers))
        .is_some_and(|(o, _)| o.violation.as_ref().is_some_and(|v| v.invariant == target))
}
