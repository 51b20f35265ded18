//! A crash right after the i-th API write of a reconcile (`kube/fault.rs`, the scenario
//! action `CrashAfterWrite`, `hvsim hunt --crash-points`).

mod common;

use common::{load, text_of, traced, v, QUOTA_RACE};
use hvsim::engine::{SeededChoices, Trace};
use hvsim::kube::{
    CrashPoint, Ctx, Kind, ObjId, Outcome, ReconcileError, ReconcileResult, Reconciler,
};
use hvsim::scenario::{self, Scenario};
use hvsim::sim::World;
use std::cell::RefCell;
use std::rc::Rc;

/// A test-only controller whose reconcile of a namespace makes three writes, setting the
/// label `example.com/step` to 1, 2, 3, and carries on after a failed write (so a write
/// that could leak after a crash would be tried). It logs each write's error.
struct ThreeWrites {
    errors: Rc<RefCell<Vec<String>>>,
}

impl Reconciler for ThreeWrites {
    fn name(&self) -> &'static str {
        "three-writes"
    }
    fn primary(&self) -> Kind {
        Kind::Namespace
    }
    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(ns) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        if ns.label("example.com/step") == Some("3") {
            return Ok(Outcome::Done);
        }
        let mut cur = (*ns).clone();
        let mut failed = None;
        for step in ["1", "2", "3"] {
            let mut next = cur.clone();
            next.meta.labels.insert("example.com/step", step);
            match ctx.update(next) {
                Ok(s) => cur = (*s).clone(),
                Err(e) => {
                    self.errors.borrow_mut().push(e.to_string());
                    failed = Some(e);
                }
            }
        }
        match failed {
            Some(e) => Err(ReconcileError::Api(e)),
            None => Ok(Outcome::Done),
        }
    }
}

/// `quota-race-agent-restart` with the three-writes controller in its own process, armed
/// to crash after write `write` of its first reconcile that makes it.
fn world_with_three_writes(write: u32) -> (World, u16, Rc<RefCell<Vec<String>>>) {
    let scn = load(QUOTA_RACE);
    let mut w = World::build(
        &scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(3)),
        Trace::new(true, false),
    );
    let errors = Rc::new(RefCell::new(Vec::new()));
    w.add_process(
        "writer",
        &[Kind::Namespace],
        vec![Box::new(ThreeWrites {
            errors: errors.clone(),
        })],
    );
    let p = w.cluster.process_index("writer").unwrap();
    w.cluster.faults.arm(CrashPoint {
        process: p,
        controller: Some("three-writes".into()),
        write,
        reconcile: 1,
    });
    (w, p, errors)
}

/// The `example.com/step` label of namespace ns1 in the API server.
fn step_label(w: &World) -> Option<String> {
    w.cluster
        .api
        .get(Kind::Namespace, "", "ns1")
        .and_then(|n| n.label("example.com/step").map(String::from))
}

#[test]
fn a_crash_commits_the_ith_write_and_no_later_write_of_the_crashed_process_lands_until_it_restarts()
{
    let (mut w, p, errors) = world_with_three_writes(2);
    let actor = w.cluster.procs[p as usize].actor;
    // Per step: the writer's accepted writes, and whether it is up after the step.
    let mut crashed_at = None;
    let mut restarted_at = None;
    let mut leaked = Vec::new();
    let mut label_after_crash = None;
    let mut was_up = false;
    while w.step().is_ok() {
        let up = w.cluster.procs[p as usize].up;
        let went_down = was_up && !up;
        was_up = up;
        let writes = w
            .cluster
            .api
            .records
            .iter()
            .filter(|r| r.actor == actor && r.result.is_ok())
            .count();
        match (crashed_at, restarted_at) {
            (None, _) if went_down => {
                crashed_at = Some(w.sim.steps());
                label_after_crash = step_label(&w);
            }
            (Some(_), None) if up => restarted_at = Some(w.sim.steps()),
            (Some(_), None) if writes > 0 => leaked.push(w.sim.steps()),
            _ => {}
        }
    }
    assert!(crashed_at.is_some(), "the crash point fired");
    assert_eq!(
        label_after_crash.as_deref(),
        Some("2"),
        "write 2 is committed"
    );
    assert_eq!(
        errors.borrow().first().map(String::as_str),
        Some("the process crashed: request not sent"),
        "write 3 of the crashed reconcile is refused before it is sent"
    );
    assert!(leaked.is_empty(), "writes while down at steps {leaked:?}");
    assert!(restarted_at.is_some(), "the process came back");
    assert_eq!(w.cluster.procs[p as usize].restarts, 1);
    assert_eq!(
        step_label(&w).as_deref(),
        Some("3"),
        "after the restart the reconcile finishes"
    );
    let text: Vec<String> = w.trace.take_recs().into_iter().map(|r| r.text).collect();
    let crash = text
        .iter()
        .position(|t| t == "crash writer after write 2 of three-writes ns1 (update namespaces ns1)")
        .expect("the crash is on the timeline");
    assert!(text[crash + 1].starts_with("process killed; cache and work queues lost"));
    assert!(
        text[crash..]
            .iter()
            .any(|t| t.starts_with("started; informers listed")),
        "it re-lists on restart"
    );
}

/// `quota-race-agent-restart` with a crash point on Harvester's migration controller.
fn with_crash_point(action: &str) -> Scenario {
    let text = std::fs::read_to_string(QUOTA_RACE).unwrap().replace(
        "(at: \"10s\", action: Migrate(vm: \"vm1\")),",
        &format!("(at: \"10s\", action: Migrate(vm: \"vm1\")),\n        {action}"),
    );
    scenario::load_str("crash.ron", &text).unwrap_or_else(|e| panic!("{e}"))
}

const HARVESTER_CRASH: &str = r#"(at: "0s", action: CrashAfterWrite(process: "harvester", controller: Some("migrationAnnotationController"), write: 1)),"#;

#[test]
fn a_crash_point_in_a_scenario_crashes_the_process_which_restarts_and_relists() {
    let out = traced(&with_crash_point(HARVESTER_CRASH), "v1.4.2", 0);
    let text = text_of(&out);
    let crash = text
        .lines()
        .position(|l| {
            l.starts_with(
                "[harvester] crash harvester after write 1 of migrationAnnotationController ns1/vm1-",
            ) && l.contains("(update resourcequotas ns1/default-")
        })
        .unwrap_or_else(|| panic!("no crash line in\n{text}"));
    let after: Vec<&str> = text.lines().skip(crash + 1).collect();
    assert!(after[0].starts_with("[harvester] process killed"));
    assert!(after
        .iter()
        .any(|l| l.starts_with("[harvester] started; informers listed")));
}

#[test]
fn a_scenario_with_a_crash_point_runs_identically_twice() {
    let scn = with_crash_point(HARVESTER_CRASH);
    let a = traced(&scn, "v1.4.2", 5);
    let b = traced(&scn, "v1.4.2", 5);
    assert!(text_of(&a).contains("crash harvester after write 1"));
    assert_eq!(text_of(&a), text_of(&b));
    assert_eq!(a.answers, b.answers);
}

#[test]
fn a_crash_point_at_0s_leaves_the_run_unchanged_up_to_the_crash() {
    let plain = traced(&load(QUOTA_RACE), "v1.4.2", 0);
    let crashed = traced(&with_crash_point(HARVESTER_CRASH), "v1.4.2", 0);
    let upto = |o: &hvsim::check::RunOutcome| -> Vec<String> {
        o.trace
            .iter()
            .filter(|r| !r.text.starts_with("arm a crash"))
            .take_while(|r| !r.text.starts_with("crash harvester"))
            .map(|r| format!("{} {}", r.step, r.text))
            .collect()
    };
    let before = upto(&crashed);
    assert!(before.len() > 10);
    assert_eq!(before[..], upto(&plain)[..before.len()]);
}

fn error(action: &str) -> String {
    let text = std::fs::read_to_string(QUOTA_RACE).unwrap().replace(
        "(at: \"10s\", action: Migrate(vm: \"vm1\")),",
        &format!("(at: \"10s\", action: Migrate(vm: \"vm1\")),\n        {action}"),
    );
    match scenario::load_str("bad.ron", &text) {
        Ok(_) => panic!("expected an error for {action}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_crash_point_on_an_unknown_process_is_refused_with_the_processes() {
    assert_eq!(
        error(r#"(at: "0s", action: CrashAfterWrite(process: "rancher", write: 1)),"#),
        r#"bad.ron:33:53: CrashAfterWrite of unknown process "rancher", expected one of "harvester", "cattle-cluster-agent", "virt-controller", "kube-controller-manager", "kubelet", "kube-scheduler", "virt-handler-node-1", "virt-handler-node-2", "virt-handler-node-3""#
    );
}

#[test]
fn a_crash_point_on_a_controller_the_process_does_not_run_is_refused_with_its_controllers() {
    assert_eq!(
        error(
            r#"(at: "0s", action: CrashAfterWrite(process: "harvester", controller: Some("scheduler"), write: 1)),"#
        ),
        r#"bad.ron:33:83: CrashAfterWrite of unknown controller "scheduler" of process "harvester", expected one of "migrationAnnotationController", "resourceQuotaController", "upgrade-controller""#
    );
}

#[test]
fn a_crash_point_after_write_0_is_refused() {
    assert_eq!(
        error(r#"(at: "0s", action: CrashAfterWrite(process: "harvester", write: 0)),"#),
        "bad.ron:33:73: CrashAfterWrite after write 0, expected a write from 1 (the first accepted API write of a reconcile)"
    );
}

#[test]
fn hunt_crash_points_on_the_fixed_agent_restart_race_explores_every_point_the_record_run_saw() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("hunt-crash-points");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args([
            "hunt",
            "quota-race-agent-restart",
            "--version",
            "v1.4.2",
            "--budget",
            "40",
            "--crash-points",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    let out = String::from_utf8(o.stdout).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[..2],
        [
            "hunted quota-race-agent-restart on v1.4.2: 40 runs, 40 held, nothing broke",
            "crash points: 16 of 16 explored; the record run (seed 0) saw harvester migrationAnnotationController up to 1 write, harvester resourceQuotaController up to 1 write, kube-controller-manager resourcequota-controller up to 1 write, kube-scheduler scheduler up to 1 write, kubelet kubelet up to 1 write, virt-controller migration-controller up to 1 write, virt-handler-node-1 virt-handler-vm up to 1 write, virt-handler-node-2 virt-handler-vm up to 1 write",
        ],
        "{out}"
    );
    assert_eq!(o.status.code(), Some(0));
}

#[test]
fn hunt_crash_reconciles_needs_crash_points_and_at_least_one_reconcile() {
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_hvsim"))
            .args(args)
            .output()
            .unwrap();
        (o.status.code(), String::from_utf8(o.stderr).unwrap())
    };
    let (code, err) = run(&[
        "hunt",
        "quota-race-agent-restart",
        "--crash-points",
        "--crash-reconciles",
        "0",
    ]);
    assert_eq!(code, Some(2));
    assert_eq!(
        err.trim(),
        "error: --crash-reconciles: expected at least 1 reconcile"
    );
}
