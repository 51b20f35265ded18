//! The differential oracle: a run must end in the desired state of the same scenario without
//! its faults. One behaviour per test.

mod common;

use common::v;
use hvsim::check::{run_seed, RunOutcome};
use hvsim::engine::Trace;
use hvsim::scenario::{self, InvariantSpec, Scenario};

/// A bundled scenario judged by the differential oracle alone.
fn differential_only(name: &str) -> Scenario {
    let text = scenario::bundled_by_name(name).expect("bundled");
    let mut scn = scenario::load_str(name, text).expect("valid");
    scn.invariants = vec![InvariantSpec::Differential];
    scn.sometimes.clear();
    scn.expect.clear();
    scn
}

fn verdict(out: &RunOutcome) -> Option<(String, String)> {
    out.violation
        .as_ref()
        .map(|v| (v.invariant.clone(), v.message.clone()))
}

#[test]
fn the_quota_left_scaled_after_the_agent_restart_on_v1_4_1_differs_from_the_fault_free_run() {
    let scn = differential_only("quota-race-agent-restart");
    let (inv, msg) = verdict(&run_seed(&scn, v("v1.4.1"), 1, Trace::off())).expect("violated");
    assert_eq!(inv, "differential");
    assert!(
        msg.starts_with(
            "ResourceQuota ns1/default-* spec.hard differs from the fault-free reference run: \
             `limits.cpu=3,limits.memory=3879032831` here, `limits.cpu=5,limits.memory=6000Mi` there"
        ),
        "{msg}"
    );
    assert!(
        msg.contains("first parted at step 157, where harvester (PUT) made it `limits.cpu=3,limits.memory=3879032831`, a write the reference never made"),
        "{msg}"
    );
}

#[test]
fn the_agent_restart_changes_no_desired_state_on_v1_4_2() {
    let scn = differential_only("quota-race-agent-restart");
    for seed in 0..40 {
        let out = run_seed(&scn, v("v1.4.2"), seed, Trace::off());
        assert_eq!(verdict(&out), None, "seed {seed}");
    }
}

#[test]
fn a_run_on_a_reference_seed_of_a_scenario_without_faults_is_its_own_reference() {
    let scn = differential_only("host-view-after-migration");
    for seed in [0, 1] {
        let out = run_seed(&scn, v("v1.4.1"), seed, Trace::off());
        assert_eq!(verdict(&out), None, "seed {seed}");
    }
}

#[test]
fn the_differential_verdict_is_the_same_on_a_second_run() {
    let scn = differential_only("quota-race-node-drain");
    let a = verdict(&run_seed(&scn, v("v1.4.1"), 0, Trace::off()));
    let b = verdict(&run_seed(&scn, v("v1.4.1"), 0, Trace::off()));
    assert!(a.is_some());
    assert_eq!(a, b);
}
