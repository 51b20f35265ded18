//! The registry of invariants: the only place that maps a scenario's `InvariantSpec` to its
//! implementation. One file per invariant; adding one is a new file, a `mod` line and an
//! arm below (and its variant in `scenario::InvariantSpec`, which names it in RON).
//!
//! The order of `ORDER` is the order the checker asks them in, so the violation a step or
//! the end reports first is the same on every run whatever order a scenario lists them in.

mod cpu_compatible;
mod differential;
mod flapping;
mod host_view_fresh;
mod install_completes;
mod leftovers;
mod migration_completes;
mod no_quota_block_within_base;
mod progress;
mod quota_converges;
mod repo_available;
mod upgrade_completes;
mod views_converge;
mod vms_restored;
mod workload_safety;

use super::Invariant;
use crate::scenario::{InvariantSpec, Scenario};

/// The implementation of one declared invariant.
pub fn build(spec: &InvariantSpec, scn: &Scenario) -> Box<dyn Invariant> {
    match spec {
        InvariantSpec::InstallCompletes { within } => {
            Box::new(install_completes::InstallCompletes::new(*within))
        }
        InvariantSpec::CpuCompatible => Box::new(cpu_compatible::CpuCompatible::new(scn)),
        InvariantSpec::RepoAvailable { budget } => {
            Box::new(repo_available::RepoAvailable::new(scn, *budget))
        }
        InvariantSpec::UpgradeCompletes { within } => {
            Box::new(upgrade_completes::UpgradeCompletes::new(scn, *within))
        }
        InvariantSpec::VmsRestored => Box::new(vms_restored::VmsRestored::new(scn)),
        InvariantSpec::NoQuotaBlockWithinBase => {
            Box::new(no_quota_block_within_base::NoQuotaBlockWithinBase::default())
        }
        InvariantSpec::MigrationCompletes { within } => {
            Box::new(migration_completes::MigrationCompletes::new(*within))
        }
        InvariantSpec::QuotaConverges => Box::new(quota_converges::QuotaConverges::new(scn)),
        InvariantSpec::HostViewFresh { within } => {
            Box::new(host_view_fresh::HostViewFresh::new(*within))
        }
        InvariantSpec::Leftovers => Box::new(leftovers::Leftovers::new(scn)),
        InvariantSpec::WorkloadSafety => Box::new(workload_safety::WorkloadSafety::new(scn)),
        InvariantSpec::Progress => Box::new(progress::Progress::new(scn)),
        InvariantSpec::ViewsConverge => Box::new(views_converge::ViewsConverge::new(scn)),
        InvariantSpec::Flapping => Box::new(flapping::Flapping::default()),
        InvariantSpec::Differential => Box::new(differential::Differential::new(scn)),
    }
}

/// The order the checker asks invariants in (by name): the install first, then the
/// upgrade's, then the quota's and migrations', then the UI's.
const ORDER: &[&str] = &[
    "install-completes",
    "cpu-compatible",
    "repo-available",
    "upgrade-completes",
    "vms-restored",
    "no-quota-block-within-base",
    "migration-completes",
    "quota-converges",
    "host-view-fresh",
    // The generic oracles (`hvsim hunt` adds them), after the bug-specific ones.
    "flapping",
    "progress",
    "workload-safety",
    "leftovers",
    "views-converge",
    "differential",
];

/// The implementations of a scenario's invariants, in checking order (an invariant
/// declared twice is checked once: validation refuses that anyway).
pub fn build_all(scn: &Scenario) -> Vec<Box<dyn Invariant>> {
    let rank = |s: &InvariantSpec| {
        ORDER
            .iter()
            .position(|n| *n == s.name())
            .unwrap_or(ORDER.len())
    };
    let mut specs: Vec<&InvariantSpec> = scn.invariants.iter().collect();
    specs.sort_by_key(|s| rank(s));
    specs.dedup_by_key(|s| s.name());
    specs.into_iter().map(|s| build(s, scn)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::SimDuration;

    fn every_spec() -> Vec<InvariantSpec> {
        let d = SimDuration::from_secs(60);
        vec![
            InvariantSpec::QuotaConverges,
            InvariantSpec::MigrationCompletes { within: d },
            InvariantSpec::NoQuotaBlockWithinBase,
            InvariantSpec::HostViewFresh { within: d },
            InvariantSpec::InstallCompletes { within: d },
            InvariantSpec::UpgradeCompletes { within: d },
            InvariantSpec::RepoAvailable { budget: d },
            InvariantSpec::CpuCompatible,
            InvariantSpec::VmsRestored,
            InvariantSpec::Leftovers,
            InvariantSpec::WorkloadSafety,
            InvariantSpec::Progress,
            InvariantSpec::ViewsConverge,
            InvariantSpec::Flapping,
            InvariantSpec::Differential,
        ]
    }

    #[test]
    fn each_implementation_answers_to_the_name_its_spec_has_in_a_scenario() {
        let text = crate::scenario::bundled_by_name("quota-race-node-drain").unwrap();
        let scn = crate::scenario::load_str("quota-race-node-drain.ron", text).expect("bundled");
        for spec in every_spec() {
            assert_eq!(build(&spec, &scn).name(), spec.name());
        }
    }

    #[test]
    fn every_invariant_has_a_place_in_the_checking_order() {
        for spec in every_spec() {
            assert!(
                ORDER.contains(&spec.name()),
                "{} is not in ORDER",
                spec.name()
            );
        }
        assert_eq!(ORDER.len(), every_spec().len());
    }
}
