//! Every run ends with a verdict within its event budget and a memory ceiling, and a sweep
//! never holds its seed range: a stuck upgrade with a calm of 10,000 hours, a budget above
//! the engine's ceiling, seed ranges up to u64::MAX.

mod common;

use common::{parse, traced};
use hvsim::engine::{TRACE_HEAD, TRACE_OMITTED_ACTOR, TRACE_TAIL};

/// `upgrade-heterogeneous-cpu` on v1.4.2 never finishes its upgrade (the pre-drain job waits
/// for a migration libvirt refuses, forever); with deadlines of 1,000 hours (the longest duration a scenario may write) nothing but the
/// event budget ends the run.
fn stuck_upgrade(extra: &str) -> String {
    std::fs::read_to_string("scenarios/upgrade-heterogeneous-cpu.ron")
        .unwrap()
        .replace(r#"calm: "70m","#, &format!(r#"calm: "1000h",{extra}"#))
        .replace(
            r#"UpgradeCompletes(within: "60m")"#,
            r#"UpgradeCompletes(within: "1000h")"#,
        )
}

#[test]
fn a_stuck_upgrade_with_a_calm_of_1000h_ends_at_its_budget_with_a_bounded_trace() {
    let scn = parse(&stuck_upgrade(""));
    let out = traced(&scn, "v1.4.2", 1);
    let v = out.violation.as_ref().expect("a verdict");
    assert_eq!(v.invariant, "within-budget");
    assert_eq!(out.steps, 200_000, "the default budget");
    // Untrimmed, this run traces about 99,500 records (one per timeline line).
    assert_eq!(out.trace.len(), TRACE_HEAD + 1 + TRACE_TAIL);
    let gap = &out.trace[TRACE_HEAD];
    assert_eq!(gap.actor, TRACE_OMITTED_ACTOR);
    assert!(gap.text.contains("trace records left out"), "{}", gap.text);
    // The last steps are watch deliveries, which trace nothing: the tail ends a few steps
    // before the 200,000th.
    let last = out.trace.last().unwrap().step;
    assert!(
        (199_990..200_000).contains(&last),
        "the tail ends at the end: {last}"
    );
}

#[test]
fn a_budget_above_the_engines_ceiling_is_refused() {
    let e =
        hvsim::scenario::load_str("stuck.ron", &stuck_upgrade(" budget: 10000001,")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "stuck.ron:33:28: budget of 10000001 events, expected at most 10000000 (the engine's ceiling on a run's length)"
    );
}

#[test]
fn a_budget_at_the_ceiling_loads() {
    assert!(hvsim::scenario::load_str("stuck.ron", &stuck_upgrade(" budget: 10000000,")).is_ok());
}

use hvsim::explore::strategy::Strategy;
use hvsim::explore::sweep::{shard_seeds, sweep_iter, SweepSpec};
use hvsim::scenario::SeedRange;

const ALL: SeedRange = SeedRange {
    start: 0,
    end: u64::MAX,
};

#[test]
fn the_widest_seed_range_is_counted_not_listed() {
    let seeds = shard_seeds(ALL, None);
    assert_eq!(seeds.remaining(), u64::MAX);
    assert_eq!(seeds.take(3).collect::<Vec<_>>(), [0, 1, 2]);
    let fourth = shard_seeds(ALL, Some((4, 4)));
    assert_eq!(fourth.remaining(), u64::MAX / 4);
    assert_eq!(fourth.take(2).collect::<Vec<_>>(), [3, 7]);
}

#[test]
fn a_shard_at_the_top_of_u64_ends_without_overflowing() {
    let top = SeedRange {
        start: u64::MAX - 3,
        end: u64::MAX,
    };
    assert_eq!(
        shard_seeds(top, Some((2, 2))).collect::<Vec<_>>(),
        [u64::MAX - 2]
    );
    let last = SeedRange {
        start: u64::MAX - 1,
        end: u64::MAX,
    };
    let mut s = shard_seeds(last, Some((1, 5)));
    assert_eq!(
        (s.next(), s.next(), s.remaining()),
        (Some(u64::MAX - 1), None, 0)
    );
}

#[test]
fn a_sweep_takes_seeds_from_an_endless_range_as_it_goes_in_seed_order() {
    let scn = common::load(common::QUOTA_RACE);
    let mut seen = Vec::new();
    let spec = SweepSpec::new(Strategy::Random, 2);
    sweep_iter(
        &scn,
        common::v("v1.4.1"),
        shard_seeds(ALL, None).take(40),
        u64::MAX,
        &spec,
        &mut |r| seen.push(r.seed),
    );
    assert_eq!(seen, (0..40).collect::<Vec<_>>());
}

#[test]
fn more_nodes_than_actor_ids_can_hold_are_refused() {
    let nodes: Vec<String> = (0..10_001).map(|i| format!("(name: \"n{i}\")")).collect();
    let text = format!(
        "Scenario(name: \"big\", harvester: \"v1.4.1\", nodes: [{}], namespaces: [(name: \"ns1\")], invariants: [QuotaConverges])",
        nodes.join(", ")
    );
    let e = hvsim::scenario::load_str("big.ron", &text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "big.ron:1:168942: 10001 entries in nodes, over hvsim's limit of 10000, expected at most 10000"
    );
}
