//! The registry of invariants: the only place that maps a scenario's `InvariantSpec` to its
//! implementation. One file per invariant; adding one is a new file, a `mod` line and a
//! line in `registry!` below (and its variant and name in `scenario::InvariantSpec`, which
//! names it in RON).
//!
//! The order of the registry's lines is the order the checker asks them in, so the
//! violation a step or the end reports first is the same on every run whatever order a
//! scenario lists them in.

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
mod quota_covers_usage;
mod repo_available;
mod upgrade_completes;
mod views_converge;
mod vms_restored;
mod workload_safety;

use super::Invariant;
use crate::scenario::{InvariantSpec, Scenario};

/// The registry: one line per invariant, mapping its spec to its implementation. The order
/// of the lines is the order the checker asks them in: the install first, then the
/// upgrade's, then the quota's and migrations', then the UI's, then the generic oracles
/// (`hvsim hunt` adds them) after the bug-specific ones.
macro_rules! registry {
    ($scn:ident; $($spec:pat => $make:expr,)*) => {
        /// The implementation of one declared invariant.
        pub fn build(spec: &InvariantSpec, $scn: &Scenario) -> Box<dyn Invariant> {
            match spec {
                $($spec => Box::new($make),)*
            }
        }

        /// An invariant's place in the checking order: its line in the registry.
        #[allow(unused_variables)]
        fn rank(spec: &InvariantSpec) -> usize {
            let mut line = 0;
            $(
                if matches!(spec, $spec) {
                    return line;
                }
                line += 1;
            )*
            line
        }
    };
}

registry! {
    scn;
    InvariantSpec::InstallCompletes { within } => install_completes::InstallCompletes::new(*within),
    InvariantSpec::CpuCompatible => cpu_compatible::CpuCompatible::new(scn),
    InvariantSpec::RepoAvailable { budget } => repo_available::RepoAvailable::new(scn, *budget),
    InvariantSpec::UpgradeCompletes { within } => upgrade_completes::UpgradeCompletes::new(scn, *within),
    InvariantSpec::VmsRestored => vms_restored::VmsRestored::new(scn),
    InvariantSpec::NoQuotaBlockWithinBase => no_quota_block_within_base::NoQuotaBlockWithinBase::default(),
    InvariantSpec::MigrationCompletes { within } => migration_completes::MigrationCompletes::new(*within),
    InvariantSpec::QuotaConverges => quota_converges::QuotaConverges::new(scn),
    InvariantSpec::QuotaCoversUsage => quota_covers_usage::QuotaCoversUsage::new(scn),
    InvariantSpec::HostViewFresh { within } => host_view_fresh::HostViewFresh::new(*within),
    InvariantSpec::Flapping => flapping::Flapping::default(),
    InvariantSpec::Progress => progress::Progress::new(scn),
    InvariantSpec::WorkloadSafety => workload_safety::WorkloadSafety::new(scn),
    InvariantSpec::Leftovers => leftovers::Leftovers::new(scn),
    InvariantSpec::ViewsConverge => views_converge::ViewsConverge::new(scn),
    InvariantSpec::Differential => differential::Differential::new(scn),
}

/// The implementations of a scenario's invariants, in checking order (an invariant
/// declared twice is checked once: validation refuses that anyway).
pub fn build_all(scn: &Scenario) -> Vec<Box<dyn Invariant>> {
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
    fn the_checking_order_is_the_registry_order_whatever_the_scenario_order() {
        let text = crate::scenario::bundled_by_name("quota-race-node-drain").unwrap();
        let mut scn = crate::scenario::load_str("quota-race-node-drain.ron", text).unwrap();
        let mut specs = every_spec();
        specs.reverse();
        scn.invariants = specs;
        let names: Vec<&str> = build_all(&scn).iter().map(|i| i.name()).collect();
        assert_eq!(
            names,
            [
                "install-completes",
                "cpu-compatible",
                "repo-available",
                "upgrade-completes",
                "vms-restored",
                "no-quota-block-within-base",
                "migration-completes",
                "quota-converges",
                "host-view-fresh",
                "flapping",
                "progress",
                "workload-safety",
                "leftovers",
                "views-converge",
                "differential",
            ]
        );
    }
}
