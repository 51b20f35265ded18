//! The pre-drain job's live-migrate detector (`upgrade-helper vm-live-migrate-detector
//! --shutdown`, `GetAllNonLiveMigratableVMINames` in harvester `pkg/util/
//! virtualmachineinstance/virtualmachineinstance.go`, v1.4.1 to v1.7.0) stops exactly the
//! VMIs it judges non-live-migratable: a `spec.nodeSelector`, PCI/USB host devices, a
//! required node affinity no other schedulable node matches, a CD-ROM or containerDisk. A
//! VMI that KubeVirt will not migrate for another reason is left running, and the pre-drain
//! wait never ends.

mod common;

use common::*;
use hvsim::check::RunOutcome;
use hvsim::scenario::{load_str, Scenario};

/// Three identical nodes, the repo VM on node3 (v1.4.2 live-migrates it anyway), and one
/// VM `x` on node1, which drains first, with the given extra fields.
fn one_vm(extra: &str) -> Scenario {
    parse(&one_vm_text(extra))
}

fn one_vm_text(extra: &str) -> String {
    format!(
        r#"Scenario(
    name: "detector",
    harvester: "v1.4.2",
    nodes: [(name: "node1"), (name: "node2"), (name: "node3")],
    namespaces: [(name: "default")],
    vms: [
        (name: "x", namespace: "default", node: "node1", cpu: "1", memory: "1Gi"{extra}),
    ],
    upgrade: (name: "hvst-upgrade-s2mk7", repo_node: "node3"),
    invariants: [UpgradeCompletes(within: "60m")],
    calm: "70m",
)"#
    )
}

fn stopped(out: &RunOutcome) -> bool {
    text_of(out).contains("vm x was administratively stopped")
}

#[test]
fn a_vm_with_a_node_selector_is_stopped_in_pre_drain() {
    let out = traced(
        &one_vm(r#", node_selector: {"kubernetes.io/hostname": "node1"}"#),
        "v1.4.2",
        0,
    );
    let t = text_of(&out);
    assert!(
        t.contains("default/x considered non-live migratable due to node selectors"),
        "{t}"
    );
    assert!(stopped(&out));
    assert!(out.violation.is_none(), "{:?}", out.violation);
}

#[test]
fn a_vm_with_a_pci_or_usb_device_is_stopped_in_pre_drain() {
    for dev in ["Pci", "Usb"] {
        let out = traced(&one_vm(&format!(r#", host_devices: [{dev}]"#)), "v1.4.2", 0);
        assert!(
            text_of(&out)
                .contains("default/x considered non-live migratable due to pcie or usb devices"),
            "{dev}"
        );
        assert!(stopped(&out), "{dev}");
        assert!(out.violation.is_none(), "{dev}: {:?}", out.violation);
    }
}

#[test]
fn a_vm_with_only_a_vgpu_is_not_stopped_and_the_upgrade_waits_on_it_forever() {
    // The detector looks at `hostDevices`, not `gpus`; KubeVirt's LiveMigratable condition
    // is False with either, so the evacuation never migrates it.
    let out = traced(&one_vm(r#", host_devices: [VGpu]"#), "v1.4.2", 0);
    assert!(!stopped(&out));
    let v = out.violation.expect("the upgrade is stuck");
    assert_eq!(v.invariant, "upgrade-completes");
    assert!(
        v.message.ends_with("node node1 is still Pre-draining; blocking the drain: VM default/x (its LiveMigratable condition is False: the evacuation creates no migration for it and the pre-drain detector did not stop it)"),
        "{}",
        v.message
    );
}

#[test]
fn a_vm_whose_required_affinity_matches_no_other_node_is_stopped_in_pre_drain() {
    let out = traced(
        &one_vm(
            r#", node_affinity: [[(key: "kubernetes.io/hostname", operator: In, values: ["node1"])]]"#,
        ),
        "v1.4.2",
        0,
    );
    assert!(
        text_of(&out).contains("default/x considered non-live migratable due to node affinities")
    );
    assert!(stopped(&out));
}

#[test]
fn a_vm_whose_required_affinity_matches_another_node_is_left_to_the_drain() {
    let out = traced(
        &one_vm(
            r#", node_affinity: [[(key: "kubernetes.io/hostname", operator: NotIn, values: ["node3"])]]"#,
        ),
        "v1.4.2",
        0,
    );
    assert!(!stopped(&out));
    assert!(out.violation.is_none(), "{:?}", out.violation);
}

#[test]
fn a_vm_merely_not_live_migratable_is_not_stopped_and_the_upgrade_is_stuck_naming_it() {
    for version in ["v1.4.1", "v1.4.2", "v1.6.0"] {
        let out = traced(&one_vm(", live_migratable: false"), version, 0);
        assert!(!stopped(&out), "{version}");
        let v = out.violation.expect("the upgrade is stuck");
        assert_eq!(v.invariant, "upgrade-completes", "{version}");
        assert!(
            v.message.contains("node node1 is still Pre-draining; blocking the drain: VM default/x (its LiveMigratable condition is False"),
            "{version}: {}",
            v.message
        );
    }
}

#[test]
fn an_affinity_expression_with_in_and_no_values_is_refused_with_its_position() {
    let text = one_vm_text(r#", node_affinity: [[(key: "kubernetes.io/hostname", operator: In)]]"#);
    let e = load_str("bad.ron", &text).unwrap_err().to_string();
    assert_eq!(
        e,
        "bad.ron:7:100: node affinity of VM \"x\": operator In on \"kubernetes.io/hostname\" has no values, expected at least one"
    );
}

#[test]
fn an_unknown_affinity_operator_is_refused_with_its_position() {
    let text = one_vm_text(r#", node_affinity: [[(key: "k", operator: Gt, values: ["1"])]]"#);
    let e = load_str("bad.ron", &text).unwrap_err().to_string();
    assert!(e.starts_with("bad.ron:7:"), "{e}");
    assert!(
        e.contains("expected one of `In`, `NotIn`, `Exists`, or `DoesNotExist`"),
        "{e}"
    );
}

#[test]
fn an_unknown_host_device_is_refused_with_its_position() {
    let e = load_str("bad.ron", &one_vm_text(r#", host_devices: [Sriov]"#))
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("bad.ron:7:"), "{e}");
    assert!(e.contains("expected one of `Pci`, `Usb`, or `VGpu`"), "{e}");
}
