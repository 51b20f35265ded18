//! `CancelMigration`: Harvester's abortMigration deletes the running VMIM; KubeVirt's
//! finalizer holds it while the migration controller fails the migration (before the handoff
//! to virt-handler) or has the source handler abort it (after), then lets it go. The VMI
//! stays where it ran, with the same VMI.

mod common;
use common::*;
use hvsim::check::Violation;
use hvsim::kube::Kind;
use hvsim::scenario::Scenario;
use hvsim::sim::World;

/// One VM migrating at 10 s in a namespace with a quota, and the user cancelling at `at`.
fn scenario(at: &str) -> Scenario {
    parse(&format!(
        r#"Scenario(
    name: "cancel",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1")),
        (at: "{at}", action: CancelMigration(vm: "vm1")),
    ],
    invariants: [WorkloadSafety],
    calm: "3m",
)"#
    ))
}

fn run_to_end(scn: &Scenario, seed: u64) -> (World, Option<Violation>) {
    common::run_to_end(scn, v("v1.4.2"), seed)
}

fn said(w: &World, text: &str) -> bool {
    w.trace.recs.iter().any(|r| r.text.contains(text))
}

/// The VM stays on node-1 with its VMI, and neither the VMIM nor a target pod is left.
fn assert_stayed(w: &World) {
    let vmi = w
        .cluster
        .api
        .get(Kind::VirtualMachineInstance, "ns1", "vm1")
        .unwrap();
    assert_eq!(vmi.vmi().node, "node-1");
    assert_eq!(
        w.cluster
            .api
            .store
            .list(Kind::VirtualMachineInstanceMigration, "ns1")
            .count(),
        0
    );
    let pods: Vec<_> = w.cluster.api.store.list(Kind::Pod, "ns1").collect();
    assert_eq!(pods.len(), 1, "only the source pod: {pods:?}");
}

#[test]
fn cancelling_before_the_handoff_fails_the_migration_and_the_vm_stays_on_its_source() {
    let (w, violation) = run_to_end(&scenario("12s"), 0);
    assert!(violation.is_none(), "{violation:?}");
    assert!(said(&w, "Migration failed due to being canceled"));
    assert_stayed(&w);
}

#[test]
fn cancelling_after_the_handoff_has_the_source_abort_and_the_vm_stays_on_its_source() {
    let (w, violation) = run_to_end(&scenario("20s"), 1);
    assert!(violation.is_none(), "{violation:?}");
    assert!(said(&w, "to be aborted"));
    assert!(said(&w, "Live migration aborted by request"));
    assert_stayed(&w);
}

#[test]
fn cancelling_a_migration_not_yet_past_pending_is_refused() {
    let (w, _) = run_to_end(&scenario("10010ms"), 0);
    assert_eq!(w.refused, vec![1]);
    assert!(said(
        &w,
        r#"refused: cannot abort the migration as it is in "" phase"#
    ));
}

#[test]
fn cancelling_when_the_vm_is_not_migrating_is_refused() {
    let (w, _) = run_to_end(&scenario("5s"), 0);
    assert_eq!(w.refused, vec![1]);
    assert!(said(&w, "refused: The VM is not in migrating state"));
}
