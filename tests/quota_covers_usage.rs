//! `quota-covers-usage`: no quota is left below what its namespace uses once the cluster is
//! calm. The invariant added by following ARCHITECTURE.md's walkthrough (a new file, two
//! lines in the scenario schema, two in the registry).

mod common;

use common::v;
use hvsim::check::run_seed;
use hvsim::engine::Trace;
use hvsim::scenario::{self, InvariantSpec, Scenario};

fn covers_usage_only(name: &str) -> Scenario {
    let text = scenario::bundled_by_name(name).expect("bundled");
    let mut scn = scenario::load_str(name, text).expect("valid");
    scn.invariants = vec![InvariantSpec::QuotaCoversUsage];
    scn.sometimes.clear();
    scn.expect.clear();
    scn
}

#[test]
fn the_quota_rancher_reset_under_a_running_migration_on_v1_4_1_is_left_below_usage() {
    let scn = covers_usage_only("quota-race-agent-restart");
    let out = run_seed(&scn, v("v1.4.1"), 1, Trace::off());
    let viol = out.violation.expect("violated");
    assert_eq!(viol.invariant, "quota-covers-usage");
    assert!(
        viol.message.starts_with(
            "ResourceQuota ns1/default-d26c8 spec.hard is below what its namespace uses \
             (limits.cpu 3 < used 4030m, limits.memory 3879032831 < used 5747704617)"
        ),
        "{}",
        viol.message
    );
}

#[test]
fn every_quota_covers_its_usage_after_calm_on_v1_4_2() {
    let scn = covers_usage_only("quota-race-node-drain");
    for seed in 0..30 {
        let out = run_seed(&scn, v("v1.4.2"), seed, Trace::off());
        assert_eq!(out.violation, None, "seed {seed}");
    }
}
