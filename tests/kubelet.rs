//! The kubelet's completion of virt-launcher pods a VM has left.

mod common;

use common::{parse, v};
use hvsim::check::{run_with, RunOptions};
use hvsim::engine::{SeededChoices, Trace};
use hvsim::kube::{Kind, PodPhase};
use hvsim::sim::World;

/// vm1 migrates to node-2 at 10 s (done by about 26 s) and back to node-1 at 30 s, while
/// its first pod on node-1 waits 60 s for its cleanup.
const BACK_AND_FORTH: &str = r#"Scenario(
    name: "back-and-forth",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "default")],
    vms: [(name: "vm1", namespace: "default", node: "node-1", cpu: "1", memory: "1Gi")],
    timing: (
        pod_start: ("5s", "10s"),
        migration_transfer: ("3s", "5s"),
        source_pod_cleanup: ("60s", "60s"),
    ),
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1", target: "node-2")),
        (at: "30s", action: Migrate(vm: "vm1")),
    ],
    invariants: [Progress],
)"#;

#[test]
fn a_source_pod_completes_even_when_its_vm_comes_back_to_the_node_in_a_newer_pod() {
    let scn = parse(BACK_AND_FORTH);
    let mut running = Vec::new();
    let mut watch = |w: &World| {
        running = w
            .cluster
            .api
            .store
            .list(Kind::Pod, "default")
            .filter(|p| p.pod().phase == PodPhase::Running)
            .map(|p| p.meta.name.clone())
            .collect();
        false
    };
    let out = run_with(
        &scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::off(),
        RunOptions {
            observe: Some(&mut watch),
            ..RunOptions::default()
        },
    );
    assert_eq!(out.violation.map(|v| v.message), None);
    assert_eq!(
        running.len(),
        1,
        "one launcher pod runs vm1 at the end: {running:?}"
    );
}
