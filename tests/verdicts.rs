//! Verdicts outside the bundled scenarios: an eventually-within-T invariant is judged at its
//! deadline, never before it; `quota-converges` judges by the Rancher base the namespace holds
//! at the end; `verify` refuses a scenario on which it would check nothing; every
//! "eventually" and "after calm" message says which deadline it used.

mod common;
use common::*;
use hvsim::engine::SimTime;
use std::process::Command;

const BOOTSTRAP: &str = include_str!("../scenarios/bootstrap-rerun-on-failure.ron");

/// The #8407 scenario with `calm` left at its default (5m) and a harvester pod that starts
/// at 6 to 7 minutes, so the install deadline (10m) lies past the calm phase.
fn late_harvester_default_calm() -> String {
    let text = BOOTSTRAP.replace("    calm: \"15m\",\n", "").replace(
        "harvester_start: (\"2m\", \"3m\")",
        "harvester_start: (\"6m\", \"7m\")",
    );
    assert!(!text.contains("calm:") && text.contains("(\"6m\", \"7m\")"));
    text
}

#[test]
fn install_completes_is_not_judged_before_its_deadline_when_calm_ends_first() {
    let scn = parse(&late_harvester_default_calm());
    for seed in 0..20 {
        let out = traced(&scn, "v1.5.1", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        assert!(
            out.end >= SimTime::ZERO + hvsim::engine::SimDuration::from_secs(600)
                || out.stop == Some(hvsim::engine::StopReason::Quiescent),
            "seed {seed} ended at {}",
            out.end
        );
    }
}

#[test]
fn install_completes_still_fails_the_buggy_version_at_its_deadline_not_before() {
    let scn = parse(&late_harvester_default_calm());
    let out = traced(&scn, "v1.5.0", 0);
    let v = out.violation.expect("v1.5.0 never installs");
    assert_eq!(v.invariant, "install-completes");
    assert_eq!(
        v.time,
        SimTime::ZERO + hvsim::engine::SimDuration::from_secs(600)
    );
    assert!(
        v.message
            .contains("not Ready within 10m (deadline 10:00.000000, counted from RKE2's start at 00:00.000000)"),
        "{}",
        v.message
    );
}

/// A migration whose target pod has no node to go to (one node) while the calm phase ends:
/// the verdict comes at its deadline, with the deadline in the message, not when calm ends.
const PENDING_PAST_CALM: &str = r#"Scenario(
    name: "pending-past-calm",
    harvester: "v1.4.2",
    nodes: [(name: "node-1")],
    namespaces: [(name: "ns1")],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [(at: "10s", action: Migrate(vm: "vm1"))],
    invariants: [MigrationCompletes(within: "2m")],
    calm: "30s",
)
"#;

#[test]
fn migration_completes_is_judged_at_the_migrations_deadline_past_the_calm_phase() {
    let scn = parse(PENDING_PAST_CALM);
    let out = traced(&scn, "v1.4.2", 0);
    let v = out.violation.expect("the target pod has nowhere to run");
    assert_eq!(v.invariant, "migration-completes");
    assert!(v.time >= SimTime::ZERO + hvsim::engine::SimDuration::from_secs(130));
    assert!(
        v.message.contains("within 2m (deadline 02:1") && v.message.contains(" + 2m): still "),
        "{}",
        v.message
    );
}

/// Only a `SetQuota`: Rancher resets the quota to the new base, and that is what the quota
/// must equal at the end.
const SET_QUOTA_ONLY: &str = r#"Scenario(
    name: "set-quota-only",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: Some((cpu: Some("5000m"), memory: Some("6000Mi"))))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [(at: "10s", action: SetQuota(namespace: "ns1", cpu: Some("8000m"), memory: Some("9000Mi")))],
    invariants: [QuotaConverges],
)
"#;

#[test]
fn an_admitted_set_quota_is_the_base_quota_converges_judges_by() {
    let scn = parse(SET_QUOTA_ONLY);
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..10 {
            let out = traced(&scn, version, seed);
            assert_eq!(out.violation, None, "{version} seed {seed}");
        }
    }
}

#[test]
fn quota_converges_says_when_it_judged_in_the_scenarios_terms() {
    let scn = load(QUOTA_RACE);
    let v = (0..50)
        .find_map(|seed| {
            traced(&scn, "v1.4.1", seed)
                .violation
                .filter(|v| v.invariant == "quota-converges")
        })
        .expect("v1.4.1 drifts on some seed");
    assert!(
        v.message.contains("; judged at ") && v.message.contains("after the last action at "),
        "{}",
        v.message
    );
}

fn hvsim_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-verdicts-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn verify_refuses_a_scenario_without_expect_with_exit_code_2() {
    let d = temp_dir("no-expect");
    std::fs::write(d.join("s.ron"), SET_QUOTA_ONLY).unwrap();
    let out = hvsim_in(&d, &["verify", "s.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: s.ron:1:1: no `expect` entry, so `hvsim verify` would check nothing; expected at least one, such as expect: {\"v1.4.2\": Holds(seeds: \"0..100\")}\n"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn verify_refuses_expectations_over_no_invariant_with_exit_code_2() {
    let d = temp_dir("no-invariant");
    let text = SET_QUOTA_ONLY.replace(
        "    invariants: [QuotaConverges],\n",
        "    invariants: [],\n    expect: {\"v1.4.2\": Holds(seeds: \"0..10\")},\n",
    );
    std::fs::write(d.join("s.ron"), text).unwrap();
    let out = hvsim_in(&d, &["verify", "s.ron"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: s.ron:9:13: `expect` has entries but the scenario declares no invariant, so every seed would hold with nothing checked; expected at least one invariant\n"
    );
}

#[test]
fn run_warns_when_a_deadline_can_fall_after_the_calm_phase() {
    let d = temp_dir("warn");
    std::fs::write(d.join("s.ron"), late_harvester_default_calm()).unwrap();
    let out = hvsim_in(&d, &["run", "s.ron", "--version", "v1.5.1"]);
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("warning: s.ron:")
            && err.contains("install-completes within: its deadline 10:00.000000 falls after the calm phase, which ends at 05:00.000000"),
        "{err}"
    );
}

#[test]
fn a_budget_spent_before_a_pending_deadline_says_which() {
    let full = traced(&parse(PENDING_PAST_CALM), "v1.4.2", 0);
    let last = full.violation.expect("violated").step;
    let text = PENDING_PAST_CALM.replace(
        "    calm: \"30s\",\n",
        &format!("    calm: \"30s\",\n    budget: {},\n", last - 1),
    );
    let out = traced(&parse(&text), "v1.4.2", 0);
    let v = out.violation.expect("the budget runs out");
    assert_eq!(v.invariant, "within-budget");
    assert_eq!(
        v.message,
        format!("the run did not end within its event budget ({} events), with a deadline at 02:10.000000 still to judge: a livelock?", last - 1)
    );
}

#[test]
fn run_version_refuses_a_downgrade_the_files_own_harvester_would_refuse() {
    let d = temp_dir("downgrade");
    let text = std::fs::read_to_string("scenarios/upgrade-mid-migration.ron").unwrap();
    std::fs::write(d.join("s.ron"), &text).unwrap();
    let out = hvsim_in(&d, &["run", "s.ron", "--version", "v1.5.0"]);
    assert_eq!(out.status.code(), Some(2));
    let (l, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("UpgradeHarvester(to: "))
        .unwrap();
    let c = line.find("\"v1.4.2\"").unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        format!("error: s.ron:{}:{}: UpgradeHarvester to v1.4.2 from v1.5.0 (--version) is a downgrade, which Harvester does not support, expected v1.5.0 or later\n", l + 1, c + 1)
    );
    assert!(out.stdout.is_empty());
}
