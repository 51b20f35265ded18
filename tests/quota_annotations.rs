//! What Harvester's quota controllers and Rancher's quota sync do with quotas and
//! annotations they cannot use: a quota with no cpu and no memory limit, annotations that
//! do not parse (harvester v1.4.1/v1.4.2 `pkg/controller/master/{migration,resourcequota}`,
//! `pkg/util/resourcequota`; rancher `pkg/controllers/managementuser/resourcequota`).

mod common;

use common::*;
use hvsim::check::{run_with, RunOptions, RunOutcome};
use hvsim::engine::{SeededChoices, Trace};
use hvsim::kube::{Kind, Obj, Resource};
use hvsim::models::rancher::namespace_quota::{
    ANNOTATION_RESOURCE_QUOTA, LABEL_DEFAULT_RESOURCE_QUOTA,
};
use hvsim::scenario::Scenario;
use hvsim::sim::World;

/// One namespace with the given quota, one VM migrated at 10 s.
fn quota(cpu: &str, memory: &str) -> Scenario {
    parse(&format!(
        r#"Scenario(
    name: "q",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "{cpu}", memory: "{memory}"))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "1", memory: "1Gi")],
    timeline: [(at: "10s", action: Migrate(vm: "vm1"))],
    invariants: [],
    calm: "2m",
)"#
    ))
}

/// Runs with `edit` applied to the objects at t=0, and `watch` called after every step.
fn run_edited(
    scn: &Scenario,
    version: &str,
    edit: &dyn Fn(&mut World),
    watch: &mut dyn FnMut(&World) -> bool,
) -> RunOutcome {
    run_with(
        scn,
        v(version),
        Box::new(SeededChoices::new(0)),
        Trace::new(true, false),
        RunOptions {
            customize: Some(edit),
            step_hashes: false,
            observe: Some(watch),
        },
    )
}

fn default_quota(w: &World) -> Obj {
    (**w.cluster
        .api
        .store
        .list(Kind::ResourceQuota, "ns1")
        .find(|q| q.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"))
        .expect("a default quota"))
    .clone()
}

fn set_ns_annotation(w: &mut World, value: &str) {
    let actor = w.cluster.add_actor("test");
    let mut ns = (**w.cluster.api.get(Kind::Namespace, "", "ns1").unwrap()).clone();
    ns.meta.annotations.insert(ANNOTATION_RESOURCE_QUOTA, value);
    w.cluster.api.update(actor, ns).unwrap();
}

fn add_rq_annotation(w: &mut World, key: &str, value: &str) {
    let actor = w.cluster.add_actor("test");
    let mut rq = default_quota(w);
    rq.meta.annotations.insert(key, value);
    w.cluster.api.update(actor, rq).unwrap();
}

#[test]
fn a_quota_with_zero_cpu_and_memory_limits_is_never_scaled() {
    let scn = quota("0", "0");
    for version in ["v1.4.1", "v1.4.2"] {
        let t = text_of(&traced(&scn, version, 0));
        assert!(
            t.contains("[user] "),
            "{version}: the migration was asked for"
        );
        assert!(
            !t.contains("[harvester] PUT resourcequotas"),
            "{version}: harvester wrote the zero quota:\n{t}"
        );
    }
}

#[test]
fn a_zero_cpu_base_is_never_scaled_while_memory_is() {
    // Rancher base cpu 0 means no cpu limit from Rancher: v1.4.2 adds the delta to memory
    // only (CalculateNewResourceQuotaFromBaseDelta).
    let scn = quota("0", "4Gi");
    let mut max_cpu = None;
    let mut max_mem = None;
    run_edited(&scn, "v1.4.2", &|_| {}, &mut |w| {
        let h = default_quota(w).rq().spec_hard;
        max_cpu = max_cpu.max(h.get(Resource::LimitsCpu));
        max_mem = max_mem.max(h.get(Resource::LimitsMemory));
        false
    });
    assert_eq!(max_cpu.map(|q| q.is_zero()), Some(true), "{max_cpu:?}");
    assert!(
        max_mem.unwrap() > hvsim::kube::Quantity::parse("4Gi").unwrap(),
        "{max_mem:?}"
    );
}

#[test]
fn an_unparsable_migration_annotation_makes_v1_4_2_skip_the_whole_update() {
    let scn = quota("5", "8Gi");
    let base = hvsim::kube::Quantity::parse("8Gi").unwrap();
    let mut max_mem = None;
    let out = run_edited(
        &scn,
        "v1.4.2",
        &|w| add_rq_annotation(w, "harvesterhci.io/migrating-ghost", "not json"),
        &mut |w| {
            max_mem = max_mem.max(default_quota(w).rq().spec_hard.get(Resource::LimitsMemory));
            false
        },
    );
    // vm1's migration annotation is written, but spec.hard is never raised from the base.
    let t = text_of(&out);
    assert!(
        t.contains("scaled resource quota ns1/default-"),
        "the migration controller still annotates:\n{t}"
    );
    assert!(
        t.contains("can't get valid Quantity values from Harvester vm annotations, skip scaling"),
        "{t}"
    );
    assert_eq!(max_mem, Some(base));
    assert!(!t.contains("handler resourceQuotaController"), "{t}");
}

#[test]
fn a_bad_quantity_in_the_rancher_annotation_makes_v1_4_2_skip_without_retrying() {
    let scn = quota("5", "8Gi");
    let out = run_edited(
        &scn,
        "v1.4.2",
        &|w| set_ns_annotation(w, r#"{"limit":{"limitsCpu":"five","limitsMemory":"8Gi"}}"#),
        &mut |_| false,
    );
    let t = text_of(&out);
    assert!(
        t.contains("can't get valid Quantity values from Rancher field.cattle.io/resourceQuota annotations"),
        "{t}"
    );
    assert!(!t.contains("handler resourceQuotaController"), "{t}");
}

#[test]
fn a_rancher_annotation_that_is_not_json_is_an_error_retried_with_backoff_by_both() {
    let scn = quota("5", "8Gi");
    let out = run_edited(
        &scn,
        "v1.4.2",
        &|w| set_ns_annotation(w, "{not json"),
        &mut |_| false,
    );
    let t = text_of(&out);
    for handler in ["resourceQuotaSyncController", "resourceQuotaController"] {
        for n in 1..=3 {
            assert!(
                t.contains(&format!("handler {handler}: key must be a string at line 1 column 2, requeuing (failure {n},")),
                "{handler} failure {n}:\n{t}"
            );
        }
    }
}

#[test]
fn rancher_reads_an_empty_annotation_as_none_and_keeps_the_project_default() {
    let scn = quota("5", "8Gi");
    let out = run_edited(&scn, "v1.4.2", &|w| set_ns_annotation(w, ""), &mut |_| {
        false
    });
    let t = text_of(&out);
    assert!(!t.contains("handler resourceQuotaSyncController"), "{t}");
}
