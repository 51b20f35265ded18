//! Exploration: strategies, sweeps, shards, resume, panic isolation, determinism check.

mod common;
use common::*;
use hvsim::explore::exhaustive;
use hvsim::explore::results::{
    merge, read_results, summarize, ResultsWriter, Shard, SweepHeader, SweepId, RESULTS_FORMAT,
};
use hvsim::explore::strategy::Strategy;
use hvsim::explore::sweep::{shard_seeds, sweep_seeds, SweepSpec, NONDETERMINISM, PANIC};
use hvsim::kube::{Ctx, Kind, ObjId, Outcome, ReconcileResult, Reconciler};
use hvsim::scenario::SeedRange;
use std::sync::atomic::{AtomicU64, Ordering};

fn tmp(name: &str) -> String {
    let dir = std::env::temp_dir().join(format!("hvsim-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("results.jsonl").to_string_lossy().into_owned()
}

fn id() -> SweepId {
    SweepId {
        scenario: "quota-race-agent-restart".into(),
        version: "v1.4.1".into(),
        strategy: "pct (depth 3)".into(),
    }
}

/// The header of this file's pct sweep of `seeds`, shard `shard` of 4.
fn header(seeds: SeedRange, shard: Option<u64>) -> SweepHeader {
    SweepHeader {
        format: RESULTS_FORMAT.into(),
        scenario: "quota-race-agent-restart".into(),
        version: "v1.4.1".into(),
        strategy: "pct (depth 3)".into(),
        seeds,
        shard: shard.map(|k| Shard { k, n: 4 }),
        sometimes: vec!["reset-during-migration".into()],
        file: "quota-race-agent-restart".into(),
        run_args: " --strategy pct --depth 3".into(),
    }
}

#[test]
fn every_strategy_finds_both_forms_of_the_quota_race_in_a_node_drain_on_v1_4_1() {
    let scn = load(QUOTA_DRAIN);
    let seeds: Vec<u64> = (0..300).collect();
    for strategy in [
        Strategy::Random,
        Strategy::Pct { depth: 3 },
        Strategy::Swarm,
    ] {
        let r = sweep_seeds(
            &scn,
            v("v1.4.1"),
            &seeds,
            &SweepSpec::new(strategy, 2),
            &mut |_| {},
        );
        for inv in ["quota-converges", "migration-completes"] {
            assert!(
                r.iter().any(|r| r.invariant.as_deref() == Some(inv)),
                "{strategy} did not find {inv}"
            );
        }
    }
    let ex = exhaustive::explore(&scn, v("v1.4.1"), 12, 10_000, true);
    assert_eq!(
        ex.violations.first().map(|f| f.invariant.as_str()),
        Some("migration-completes")
    );
}

#[test]
fn no_strategy_breaks_v1_4_2() {
    let scn = load(QUOTA_RACE);
    let seeds: Vec<u64> = (0..300).collect();
    for strategy in [Strategy::Pct { depth: 3 }, Strategy::Swarm] {
        let r = sweep_seeds(
            &scn,
            v("v1.4.2"),
            &seeds,
            &SweepSpec::new(strategy, 2),
            &mut |_| {},
        );
        let bad: Vec<_> = r.iter().filter(|r| r.invariant.is_some()).collect();
        assert!(bad.is_empty(), "{strategy}: {bad:?}");
    }
}

#[test]
fn results_do_not_depend_on_jobs() {
    let scn = load(QUOTA_RACE);
    let seeds: Vec<u64> = (0..200).collect();
    let spec = |jobs| SweepSpec::new(Strategy::Pct { depth: 3 }, jobs);
    let one = sweep_seeds(&scn, v("v1.4.1"), &seeds, &spec(1), &mut |_| {});
    let two = sweep_seeds(&scn, v("v1.4.1"), &seeds, &spec(2), &mut |_| {});
    let four = sweep_seeds(&scn, v("v1.4.1"), &seeds, &spec(4), &mut |_| {});
    assert_eq!(one, two);
    assert_eq!(one, four);
}

#[test]
fn four_shards_merged_equal_one_whole_run() {
    let scn = load(QUOTA_RACE);
    let range = SeedRange { start: 0, end: 240 };
    let spec = SweepSpec::new(Strategy::Pct { depth: 3 }, 2);
    let whole = sweep_seeds(
        &scn,
        v("v1.4.1"),
        &shard_seeds(range, None).collect::<Vec<_>>(),
        &spec,
        &mut |_| {},
    );
    let mut files = Vec::new();
    for k in 1..=4 {
        let path = tmp(&format!("shard{k}"));
        let (mut w, _) = ResultsWriter::open(&path, &header(range, Some(k)), false, false).unwrap();
        sweep_seeds(
            &scn,
            v("v1.4.1"),
            &shard_seeds(range, Some((k, 4))).collect::<Vec<_>>(),
            &spec,
            &mut |r| w.write(r).unwrap(),
        );
        files.push(path);
    }
    let m = merge(&files).unwrap();
    assert_eq!(m.header.id(), id());
    assert_eq!(m.header.shard, None);
    let merged = m.results;
    assert_eq!(merged, whole);
    assert_eq!(
        summarize(&merged, &["reset-during-migration"]),
        summarize(&whole, &["reset-during-migration"])
    );
}

#[test]
fn resume_after_an_interrupted_sweep_runs_no_seed_twice_and_misses_none() {
    let scn = load(QUOTA_RACE);
    let path = tmp("resume");
    let spec = SweepSpec::new(Strategy::Pct { depth: 3 }, 2);
    let all: Vec<u64> = (0..100).collect();
    let h = header(SeedRange { start: 0, end: 100 }, None);
    // An interrupted sweep: 37 lines written, then a line cut in the middle.
    {
        let (mut w, _) = ResultsWriter::open(&path, &h, false, false).unwrap();
        sweep_seeds(&scn, v("v1.4.1"), &all[..37], &spec, &mut |r| {
            w.write(r).unwrap()
        });
    }
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"scenario\":\"quota-race"))
        .unwrap();
    let (mut w, done) = ResultsWriter::open(&path, &h, true, false).unwrap();
    assert_eq!(done.len(), 37);
    let skip: std::collections::BTreeSet<u64> = done.iter().map(|r| r.seed).collect();
    let rest: Vec<u64> = all.iter().copied().filter(|s| !skip.contains(s)).collect();
    let mut ran = 0;
    sweep_seeds(&scn, v("v1.4.1"), &rest, &spec, &mut |r| {
        ran += 1;
        w.write(r).unwrap()
    });
    assert_eq!(ran, 63);
    let (_, results) = read_results(&path).unwrap();
    let seeds: Vec<u64> = results.iter().map(|r| r.seed).collect();
    assert_eq!(seeds, all, "each seed exactly once, in order");
    let whole = sweep_seeds(&scn, v("v1.4.1"), &all, &spec, &mut |_| {});
    assert_eq!(results, whole);
}

/// A test-only model that panics.
struct Panicker;
impl Reconciler for Panicker {
    fn name(&self) -> &'static str {
        "panicker"
    }
    fn primary(&self) -> Kind {
        Kind::Namespace
    }
    fn reconcile(&mut self, _key: ObjId, _ctx: &mut Ctx<'_>) -> ReconcileResult {
        panic!("deliberate test panic in a model");
    }
}

#[test]
fn a_panicking_model_is_isolated_and_reported_and_the_sweep_goes_on() {
    let scn = load(QUOTA_RACE);
    let customize = |seed: u64, w: &mut hvsim::sim::World| {
        if seed == 5 {
            w.add_process("panicker", &[Kind::Namespace], vec![Box::new(Panicker)]);
        }
    };
    let mut spec = SweepSpec::new(Strategy::Random, 2);
    spec.customize = Some(&customize);
    let seeds: Vec<u64> = (0..10).collect();
    let r = sweep_seeds(&scn, v("v1.4.2"), &seeds, &spec, &mut |_| {});
    assert_eq!(r.len(), 10);
    assert_eq!(r[5].invariant.as_deref(), Some(PANIC));
    assert_eq!(r[5].message, "deliberate test panic in a model");
    assert!(r
        .iter()
        .enumerate()
        .all(|(i, r)| i == 5 || r.invariant.is_none()));
}

static CALLS: AtomicU64 = AtomicU64::new(0);

/// A test-only model whose behaviour depends on state outside the run.
struct Nondeterministic;
impl Reconciler for Nondeterministic {
    fn name(&self) -> &'static str {
        "nondeterministic"
    }
    fn primary(&self) -> Kind {
        Kind::Namespace
    }
    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        if CALLS.fetch_add(1, Ordering::Relaxed).is_multiple_of(2) {
            return Ok(Outcome::Done);
        }
        let Some(ns) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        let mut next = (*ns).clone();
        next.meta.annotations.insert("example.com/touched", "yes");
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}

#[test]
fn the_determinism_check_names_the_first_diverging_step_of_a_nondeterministic_model() {
    let scn = load(QUOTA_RACE);
    let customize = |_seed: u64, w: &mut hvsim::sim::World| {
        w.add_process(
            "nondeterministic",
            &[Kind::Namespace],
            vec![Box::new(Nondeterministic)],
        );
    };
    let mut spec = SweepSpec::new(Strategy::Random, 1);
    spec.customize = Some(&customize);
    spec.check_determinism = true;
    let r = sweep_seeds(&scn, v("v1.4.2"), &[0], &spec, &mut |_| {});
    assert_eq!(r[0].invariant.as_deref(), Some(NONDETERMINISM));
    assert!(
        r[0].message
            .starts_with("two runs of seed 0 diverged at step "),
        "{}",
        r[0].message
    );
}

#[test]
fn the_determinism_check_passes_the_real_models() {
    let scn = load(QUOTA_RACE);
    let mut spec = SweepSpec::new(Strategy::Swarm, 2);
    spec.check_determinism = true;
    let seeds: Vec<u64> = (0..50).collect();
    for version in ["v1.4.1", "v1.4.2"] {
        let r = sweep_seeds(&scn, v(version), &seeds, &spec, &mut |_| {});
        assert!(
            r.iter()
                .all(|r| r.invariant.as_deref() != Some(NONDETERMINISM)),
            "{version}"
        );
    }
}

const SMALL: &str = r#"
Scenario(
    name: "small",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1")),
        (within: ("5s", "30s"), action: RestartAgent),
    ],
    invariants: [QuotaConverges, MigrationCompletes(within: "5m")],
    calm: "2m",
)
"#;

/// Pins the size of a small state space, as stateright's tests do: a model change that
/// grows or shrinks it shows up here.
#[test]
fn exhaustive_exploration_of_the_small_scenario_visits_a_pinned_state_count() {
    let scn = parse(SMALL);
    let r = exhaustive::explore(&scn, v("v1.4.1"), 12, 100_000, false);
    assert!(r.exhausted);
    assert_eq!(
        (r.runs, r.states, r.pruned),
        // 1689 since virt-handler's informers select their node's VMIs (was 1671).
        (49, 1689, 30),
        "runs, states, pruned"
    );
}
