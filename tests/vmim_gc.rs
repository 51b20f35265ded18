//! KubeVirt's virt-controller keeps at most five finished migrations of a VMI
//! (`defaultFinalizedMigrationGarbageCollectionBuffer`, kubevirt v1.3.1
//! `pkg/virt-controller/watch/migration.go`): a finished migration's reconcile deletes the
//! oldest beyond that, so a VM migrated many times does not pile up VMIMs.

mod common;
use common::*;
use hvsim::kube::Kind;
use hvsim::scenario::Scenario;

/// One VM stopped during its migration: the migration fails, the VMI goes, and
/// virt-controller deletes the migration of the deleted VMI ("Deleting migration for deleted
/// vmi"), so Harvester's VMIM handler is not left failing on it.
#[test]
fn the_migration_of_a_vm_stopped_while_migrating_is_deleted_with_its_vmi() {
    let scn = parse(
        r#"Scenario(
    name: "stop-while-migrating",
    harvester: "v1.6.0",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1")),
        (at: "10500ms", action: StopVm(vm: "vm1")),
    ],
    invariants: [],
    calm: "2m",
)"#,
    );
    for seed in 0..5 {
        let (left, created) = vmims_left_seed(&scn, seed);
        assert_eq!(created.len(), 1, "seed {seed}: {created:?}");
        assert!(left.is_empty(), "seed {seed}: {left:?} left");
    }
}

/// One VM migrated back and forth `n` times, a minute apart (each migration ends in seconds).
fn migrated(n: usize) -> Scenario {
    let steps: Vec<String> = (0..n)
        .map(|i| format!("(at: \"{}s\", action: Migrate(vm: \"vm1\")),", 10 + 60 * i))
        .collect();
    parse(&format!(
        r#"Scenario(
    name: "many-migrations",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1")],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi")],
    timeline: [{}],
    invariants: [],
    calm: "2m",
)"#,
        steps.join("\n        ")
    ))
}

/// The VMIMs left at the end of seed 0, oldest first, and every VMIM name the run created.
fn vmims_left(scn: &Scenario) -> (Vec<String>, Vec<String>) {
    vmims_left_seed(scn, 0)
}

fn vmims_left_seed(scn: &Scenario, seed: u64) -> (Vec<String>, Vec<String>) {
    let (w, _) = run_to_end(scn, scn.harvester, seed);
    let mut left: Vec<_> = w
        .cluster
        .api
        .store
        .list(Kind::VirtualMachineInstanceMigration, "ns1")
        .map(|m| (m.meta.creation_timestamp, m.meta.name.to_string()))
        .collect();
    left.sort();
    let created: Vec<String> = w
        .trace
        .recs
        .iter()
        .filter(|r| {
            r.text.starts_with("POST virtualmachineinstancemigrations") && r.text.contains("→ 201")
        })
        .map(|r| r.text.split_whitespace().nth(2).unwrap_or("").to_string())
        .collect();
    (left.into_iter().map(|(_, n)| n).collect(), created)
}

#[test]
fn a_vmi_keeps_only_its_five_newest_finished_migrations() {
    let (left, created) = vmims_left(&migrated(7));
    assert_eq!(
        created.len(),
        7,
        "seven migrations were created: {created:?}"
    );
    let newest: Vec<String> = created[2..]
        .iter()
        .map(|k| {
            k.trim_start_matches("ns1/")
                .trim_end_matches(':')
                .to_string()
        })
        .collect();
    assert_eq!(left, newest, "the two oldest are garbage-collected");
}

#[test]
fn five_finished_migrations_are_all_kept() {
    let (left, created) = vmims_left(&migrated(5));
    assert_eq!(created.len(), 5, "{created:?}");
    assert_eq!(left.len(), 5, "none is collected: {left:?}");
}
