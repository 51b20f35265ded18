//! The user's VM operations (`StopVm`, `StartVm`, `RestartVm`, virt-api's subresources as
//! Harvester's UI calls them): the VM controller carries them out, and `workload-safety`
//! does not count what the user asked for against the controllers.

mod common;
use common::*;
use hvsim::check::Violation;
use hvsim::kube::{Kind, VmiPhase};
use hvsim::scenario::Scenario;
use hvsim::sim::World;

/// Two VMs on two nodes and the generic oracles; `steps` is the timeline.
fn scenario(steps: &str) -> Scenario {
    parse(&format!(
        r#"Scenario(
    name: "vm-ops",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1")],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
        (name: "vm2", namespace: "ns1", node: "node-2", cpu: "2", memory: "2Gi"),
    ],
    timeline: [{steps}],
    invariants: [WorkloadSafety, Progress, Leftovers],
    calm: "3m",
)"#
    ))
}

fn run_to_end(scn: &Scenario, seed: u64) -> (World, Option<Violation>) {
    common::run_to_end(scn, v("v1.4.2"), seed)
}

fn vmi_uid(w: &World, vm: &str) -> Option<(String, VmiPhase)> {
    w.cluster
        .api
        .get(Kind::VirtualMachineInstance, "ns1", vm)
        .map(|i| (i.meta.uid.to_string(), i.vmi().phase))
}

#[test]
fn a_vm_the_user_stops_stays_stopped_and_workload_safety_holds() {
    let scn = scenario(r#"(at: "10s", action: StopVm(vm: "vm1"))"#);
    for seed in 0..5 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        assert_eq!(vmi_uid(&w, "vm1"), None, "seed {seed}");
        let vm = w
            .cluster
            .api
            .get(Kind::VirtualMachine, "ns1", "vm1")
            .unwrap();
        assert_eq!(vm.vm().printable_status, "Stopped", "seed {seed}");
        assert!(vmi_uid(&w, "vm2").is_some());
    }
}

#[test]
fn a_vm_the_user_restarts_runs_with_a_new_vmi_and_workload_safety_holds() {
    let before = run_to_end(&scenario(""), 0).0;
    let (first, _) = vmi_uid(&before, "vm1").unwrap();
    let scn = scenario(r#"(at: "10s", action: RestartVm(vm: "vm1"))"#);
    for seed in 0..5 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        let (uid, phase) = vmi_uid(&w, "vm1").expect("vm1 runs again");
        assert_eq!(phase, VmiPhase::Running, "seed {seed}");
        assert_ne!(uid, first, "seed {seed}: the VMI was replaced");
        let vm = w
            .cluster
            .api
            .get(Kind::VirtualMachine, "ns1", "vm1")
            .unwrap();
        assert!(vm.vm().state_change_requests.is_empty(), "seed {seed}");
    }
}

#[test]
fn a_vm_the_user_stops_and_starts_again_runs_and_workload_safety_holds() {
    let scn = scenario(
        r#"(at: "10s", action: StopVm(vm: "vm1")), (at: "60s", action: StartVm(vm: "vm1"))"#,
    );
    for seed in 0..5 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        let (_, phase) = vmi_uid(&w, "vm1").expect("vm1 runs again");
        assert_eq!(phase, VmiPhase::Running, "seed {seed}");
        assert!(w.refused.is_empty(), "seed {seed}: {:?}", w.refused);
    }
}

#[test]
fn starting_a_running_vm_is_refused_and_changes_nothing() {
    let (w, violation) = run_to_end(&scenario(r#"(at: "10s", action: StartVm(vm: "vm1"))"#), 0);
    assert!(violation.is_none(), "{violation:?}");
    assert_eq!(w.refused, vec![0]);
    assert!(w
        .trace
        .recs
        .iter()
        .any(|r| r.text == "refused: VM is already running"));
}

#[test]
fn vms_restored_does_not_count_a_vm_the_user_stopped_during_the_upgrade() {
    let text = std::fs::read_to_string("scenarios/upgrade-homogeneous.ron")
        .unwrap()
        .replace(
            r#"upgrade: (name: "hvst-upgrade-s2mk7""#,
            r#"timeline: [(at: "30s", action: StopVm(vm: "cache-1"))],
    upgrade: (name: "hvst-upgrade-s2mk7""#,
        );
    let scn = parse(&text);
    let out = hvsim::check::run_seed(&scn, v("v1.4.2"), 0, hvsim::engine::Trace::off());
    assert!(out.violation.is_none(), "{:?}", out.violation);
}

#[test]
fn a_vm_restarted_after_a_migration_keeps_no_pod_of_its_old_vmi() {
    let scn = scenario(
        r#"(at: "10s", action: Migrate(vm: "vm1")), (at: "90s", action: RestartVm(vm: "vm1"))"#,
    );
    for seed in 0..3 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        let live: Vec<String> = w
            .cluster
            .api
            .store
            .list(Kind::VirtualMachineInstance, "ns1")
            .map(|i| i.meta.uid.to_string())
            .collect();
        for p in w.cluster.api.store.list(Kind::Pod, "ns1") {
            let by = p.label("kubevirt.io/created-by").unwrap_or_default();
            assert!(
                live.iter().any(|u| u == by),
                "seed {seed}: {} orphaned",
                p.meta.name
            );
        }
    }
}

#[test]
fn every_vmi_runs_in_one_launcher_pod_after_restarts() {
    let scn = scenario(
        r#"(within: ("5s", "40s"), action: RestartVm(vm: "vm1")), (within: ("5s", "40s"), action: RestartVm(vm: "vm2")), (within: ("5s", "40s"), action: RestartProcess(process: "virt-controller"))"#,
    );
    for seed in 0..20 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        let vmis = w
            .cluster
            .api
            .store
            .list(Kind::VirtualMachineInstance, "ns1")
            .count();
        let pods = w.cluster.api.store.list(Kind::Pod, "ns1").count();
        assert_eq!((vmis, pods), (2, 2), "seed {seed}");
    }
}

/// KubeVirt's `foregroundDeleteVirtualMachine` finalizer holds a stopped VM's VMI: its guest
/// shuts down (Succeeded) and its launcher pod is deleted before the VMI itself goes, so a
/// controller watching the VMI sees it final, not only gone.
#[test]
fn a_stopped_vms_vmi_is_final_and_podless_before_it_goes() {
    let scn = scenario(r#"(at: "10s", action: StopVm(vm: "vm1"))"#);
    let (w, _) = run_to_end(&scn, 0);
    let pos = |what: &str| {
        w.trace
            .recs
            .iter()
            .position(|r| r.text.contains(what))
            .unwrap_or_else(|| panic!("no record with {what:?}"))
    };
    let marked = pos("DELETE virtualmachineinstances.kubevirt.io ns1/vm1");
    let shut = pos("VMI ns1/vm1 shut down: it is being deleted");
    let pod_gone = pos("DELETE pods ns1/virt-launcher-vm1-");
    let gone = w
        .trace
        .recs
        .iter()
        .rposition(|r| {
            r.text
                .starts_with("PUT virtualmachineinstances.kubevirt.io ns1/vm1")
        })
        .expect("the finalizer's removal");
    assert!(
        marked < shut && shut < pod_gone && pod_gone < gone,
        "{marked} {shut} {pod_gone} {gone}"
    );
    assert_eq!(vmi_uid(&w, "vm1"), None);
}

/// A stopped VM's guest shuts down for a while (`timing.guest_shutdown`, 2 to 30 s by
/// default) before its VMI is final: a controller that reacts to the VMI's deletion, such
/// as Harvester's handler of the migration that fails with it, still finds the VMI meanwhile.
#[test]
fn a_stopped_vms_guest_shuts_down_within_the_timing_before_its_vmi_is_final() {
    let scn = scenario(r#"(at: "10s", action: StopVm(vm: "vm1"))"#);
    for seed in 0..5 {
        let (w, _) = run_to_end(&scn, seed);
        let at = |what: &str| {
            w.trace
                .recs
                .iter()
                .find(|r| r.text.contains(what))
                .map(|r| r.time)
                .unwrap_or_else(|| panic!("no record with {what:?}"))
        };
        let marked = at("DELETE virtualmachineinstances.kubevirt.io ns1/vm1");
        let shut = at("VMI ns1/vm1 shut down: it is being deleted");
        let took = shut - marked;
        assert!(
            took >= hvsim::engine::SimDuration::from_secs(2)
                && took <= hvsim::engine::SimDuration::from_secs(31),
            "seed {seed}: the guest took {took}"
        );
    }
}
