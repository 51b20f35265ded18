//! The generic oracles (`leftovers`, `workload-safety`, `progress`, `views-converge`,
//! `flapping`): each catches a known bug family with the family's own invariant removed, and
//! holds on the version that fixed it. One behaviour per test.

mod common;

use common::v;
use hvsim::check::{run_with, RunOptions, RunOutcome};
use hvsim::engine::{SeededChoices, SimDuration, Trace};
use hvsim::explore::hunt::hunt_scenario;
use hvsim::kube::{Ctx, Kind, ObjId, Outcome, ReconcileResult, Reconciler};
use hvsim::scenario::{self, Scenario};
use hvsim::sim::World;

/// A bundled scenario with its own invariants removed and every generic oracle added.
fn generic(name: &str) -> Scenario {
    let text = scenario::bundled_by_name(name).expect("bundled");
    let scn = scenario::load_str(name, text).expect("valid");
    hunt_scenario(&scn, &[], false)
}

fn run(
    scn: &Scenario,
    version: &str,
    seed: u64,
    custom: Option<&dyn Fn(&mut World)>,
) -> RunOutcome {
    run_with(
        scn,
        v(version),
        Box::new(SeededChoices::new(seed)),
        Trace::off(),
        RunOptions {
            customize: custom,
            ..RunOptions::default()
        },
    )
}

/// The violated oracle and its message.
fn verdict(out: &RunOutcome) -> Option<(String, String)> {
    out.violation
        .as_ref()
        .map(|v| (v.invariant.clone(), v.message.clone()))
}

#[test]
fn leftovers_catch_the_quota_rancher_reset_during_a_migration_on_v1_4_1() {
    let (inv, msg) = verdict(&run(
        &generic("quota-race-agent-restart"),
        "v1.4.1",
        1,
        None,
    ))
    .expect("violated");
    assert_eq!(inv, "leftovers");
    assert!(
        msg.contains("spec.hard is limits.cpu=3,limits.memory=3879032831 with no migration in progress, not the Rancher base limits.cpu=5,limits.memory=6000Mi"),
        "{msg}"
    );
}

#[test]
fn leftovers_hold_on_the_quota_race_fixed_in_v1_4_2() {
    assert_eq!(
        verdict(&run(
            &generic("quota-race-agent-restart"),
            "v1.4.2",
            1,
            None
        )),
        None
    );
}

#[test]
fn progress_quotes_the_failing_controller_when_a_long_name_blocks_migration_on_v1_4_1() {
    let (inv, msg) =
        verdict(&run(&generic("long-name-migration"), "v1.4.1", 0, None)).expect("violated");
    assert_eq!(inv, "progress");
    assert!(
        msg.starts_with("migration-controller of virt-controller keeps failing on VirtualMachineInstanceMigration ns1/database-replica-with-a-fifty-four-character-long-name-"),
        "{msg}"
    );
    assert!(msg.contains("last error: reenqueuing Migration"), "{msg}");
    assert!(msg.contains("is forbidden: exceeded quota"), "{msg}");
}

#[test]
fn progress_holds_on_the_long_name_fixed_in_v1_4_2() {
    assert_eq!(
        verdict(&run(&generic("long-name-migration"), "v1.4.2", 0, None)),
        None
    );
}

#[test]
fn progress_catches_the_harvester_pod_never_ready_during_the_v1_4_0_install() {
    let (inv, msg) = verdict(&run(
        &generic("bootstrap-rerun-on-failure"),
        "v1.4.0",
        0,
        None,
    ))
    .expect("violated");
    assert_eq!(inv, "progress");
    assert!(msg.starts_with("pod harvester-system/harvester-"), "{msg}");
    assert!(
        msg.contains(
            " on node-1 is Running but not Ready; judged at 15:00.000000, after the calm phase"
        ),
        "{msg}"
    );
}

#[test]
fn progress_holds_on_the_install_fixed_in_v1_5_1() {
    assert_eq!(
        verdict(&run(
            &generic("bootstrap-rerun-on-failure"),
            "v1.5.1",
            0,
            None
        )),
        None
    );
}

#[test]
fn views_converge_catches_a_host_page_that_does_not_follow_a_migration_on_v1_4_1() {
    let (inv, msg) = verdict(&run(
        &generic("host-view-after-migration-no-reload"),
        "v1.4.1",
        0,
        None,
    ))
    .expect("violated");
    assert_eq!(inv, "views-converge");
    assert!(
        msg.starts_with("page ui-host-node-1 (host node-1) lists default/vm1, default/vm2, but a reload now would list default/vm2;"),
        "{msg}"
    );
}

#[test]
fn views_converge_hold_on_the_host_page_fixed_in_v1_4_2() {
    assert_eq!(
        verdict(&run(
            &generic("host-view-after-migration-no-reload"),
            "v1.4.2",
            0,
            None
        )),
        None
    );
}

#[test]
fn workload_safety_names_the_job_that_restarted_the_repo_vm_in_the_v1_4_1_upgrade() {
    let (inv, msg) =
        verdict(&run(&generic("upgrade-homogeneous"), "v1.4.1", 0, None)).expect("violated");
    assert_eq!(inv, "workload-safety");
    assert!(
        msg.starts_with("VM harvester-system/upgrade-repo-hvst-upgrade-"),
        "{msg}"
    );
    assert!(
        msg.contains(", running before and never stopped by the user, was restarted (it runs with a new VMI): upgrade-jobs asked it to stop at "),
        "{msg}"
    );
}

#[test]
fn workload_safety_holds_on_the_homogeneous_upgrade_of_v1_4_2() {
    assert_eq!(
        verdict(&run(&generic("upgrade-homogeneous"), "v1.4.2", 0, None)),
        None
    );
}

/// A test-only controller that flips a namespace label every 20 s, forever.
struct Flipper;
impl Reconciler for Flipper {
    fn name(&self) -> &'static str {
        "flipper"
    }
    fn primary(&self) -> Kind {
        Kind::Namespace
    }
    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(ns) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        let mut next = (*ns).clone();
        let flip = if ns.label("example.com/side") == Some("a") {
            "b"
        } else {
            "a"
        };
        next.meta.labels.insert("example.com/side", flip);
        ctx.update(next)?;
        Ok(Outcome::RequeueAfter(SimDuration::from_secs(20)))
    }
}

#[test]
fn flapping_catches_a_controller_that_rewrites_an_object_back_and_forth_during_calm() {
    let add = |w: &mut World| {
        w.add_process("flipper", &[Kind::Namespace], vec![Box::new(Flipper)]);
    };
    let (inv, msg) = verdict(&run(
        &generic("quota-race-agent-restart"),
        "v1.4.2",
        1,
        Some(&add),
    ))
    .expect("violated");
    assert_eq!(inv, "flapping");
    assert!(
        msg.starts_with("Namespace ns1 went back to its previous state 4 times during calm"),
        "{msg}"
    );
    assert!(msg.ends_with("written by flipper"), "{msg}");
}

#[test]
fn a_hunt_run_is_the_same_twice() {
    let scn = generic("quota-race-node-drain");
    let a = run(&scn, "v1.4.1", 3, None);
    let b = run(&scn, "v1.4.1", 3, None);
    assert_eq!(verdict(&a), verdict(&b));
    assert_eq!((a.steps, a.answers), (b.steps, b.answers));
}
