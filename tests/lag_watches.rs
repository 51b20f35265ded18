//! A process's lagging watches (the scenario action `LagWatches`, a chaos operation of
//! `hvsim hunt --chaos`): while the lag lasts every watch event to the process arrives its
//! extra delay later, still in order, and afterwards the watch is back to normal.

mod common;

use common::{load, v, QUOTA_RACE};
use hvsim::check::{run, RunOutcome};
use hvsim::engine::{SeededChoices, Trace, TraceCat};
use hvsim::scenario::{self, Scenario};

/// `quota-race-agent-restart` with `action` after its migration step.
fn with(action: &str) -> Result<Scenario, String> {
    let text = std::fs::read_to_string(QUOTA_RACE).unwrap().replace(
        "(at: \"10s\", action: Migrate(vm: \"vm1\")),",
        &format!("(at: \"10s\", action: Migrate(vm: \"vm1\")),\n        {action}"),
    );
    scenario::load_str("lag.ron", &text).map_err(|e| e.to_string())
}

/// A full trace (watch deliveries included) of seed 0 on v1.4.2.
fn full(scn: &Scenario) -> RunOutcome {
    run(
        scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::full(),
    )
}

/// For each delivery to `actor` of the resourceVersion a write produced: (write time,
/// delivery time) in microseconds.
fn delays(out: &RunOutcome, actor: &str) -> Vec<(u64, u64)> {
    out.trace
        .iter()
        .filter(|d| d.cat == TraceCat::Deliver && d.actor == actor)
        .filter_map(|d| {
            let w = out.trace.iter().find(|w| {
                w.cat == TraceCat::Write && w.flow_id.is_some() && w.flow_id == d.flow_from
            })?;
            Some((w.time.micros(), d.time.micros()))
        })
        .collect()
}

const LAG: &str =
    r#"(at: "10s", action: LagWatches(process: "harvester", by: ("5s", "5s"), during: "20s")),"#;

#[test]
fn while_the_lag_lasts_every_watch_event_to_the_process_arrives_that_much_later() {
    let out = full(&with(LAG).unwrap());
    let d = delays(&out, "harvester");
    let lagged: Vec<&(u64, u64)> = d
        .iter()
        .filter(|(w, _)| (10_000_001..30_000_000).contains(w))
        .collect();
    assert!(!lagged.is_empty(), "writes during the lag: {d:?}");
    // The scenario's watch latency is 1..80 ms; the lag adds 5 s to each event.
    assert!(
        lagged.iter().all(|(w, at)| at - w >= 5_000_000),
        "{lagged:?}"
    );
    // Other processes are not lagged.
    let kcm = delays(&out, "kube-controller-manager");
    assert!(kcm.iter().all(|(w, at)| at - w <= 80_000), "{kcm:?}");
    // The timeline says when the lag began.
    assert!(out
        .trace
        .iter()
        .any(|r| r.text == "watch events to harvester lag by 5s to 5s for 20s"));
}

#[test]
fn after_the_lag_the_watch_is_back_to_its_latency() {
    let out = full(&with(LAG).unwrap());
    let d = delays(&out, "harvester");
    // A write after the lag (and after the lagged events have drained) arrives as usual.
    let late: Vec<&(u64, u64)> = d.iter().filter(|(w, _)| *w >= 40_000_000).collect();
    assert!(!late.is_empty(), "{d:?}");
    assert!(late.iter().all(|(w, at)| at - w <= 80_000), "{late:?}");
}

#[test]
fn a_scenario_without_a_lag_runs_as_before_and_one_with_a_lag_runs_identically_twice() {
    let plain = load(QUOTA_RACE);
    let a = full(&plain);
    let b = run(
        &plain,
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::full(),
    );
    assert_eq!(a.answers, b.answers);
    let lagged = with(LAG).unwrap();
    let (x, y) = (full(&lagged), full(&lagged));
    assert_eq!(x.answers, y.answers);
    assert_eq!(x.steps, y.steps);
    assert_ne!(
        x.answers, a.answers,
        "the lag draws its delays from the choice stream"
    );
}

#[test]
fn a_lag_of_an_unknown_process_or_of_no_time_is_refused() {
    assert_eq!(
        with(r#"(at: "0s", action: LagWatches(process: "etcd", by: ("1s", "2s"), during: "1m")),"#)
            .unwrap_err(),
        r#"lag.ron:33:48: LagWatches of unknown process "etcd", expected one of "harvester", "cattle-cluster-agent", "virt-controller", "kube-controller-manager", "kubelet", "kube-scheduler", "virt-handler-node-1", "virt-handler-node-2", "virt-handler-node-3""#
    );
    assert_eq!(
        with(r#"(at: "0s", action: LagWatches(process: "harvester", by: ("1s", "2s"), during: "0s")),"#)
            .unwrap_err(),
        "lag.ron:33:87: LagWatches during 0s, expected a duration above zero"
    );
}
