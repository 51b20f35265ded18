//! The user's node maintenance (`CordonNode`, `UncordonNode`, `DrainNode`, kubectl as
//! KubeVirt's user guide documents it): a drain's taint has KubeVirt's evacuation controller
//! live-migrate the node's VMs away, and `leftovers` does not count the user's own cordon or
//! taint against the controllers.

mod common;
use common::*;
use hvsim::check::Violation;
use hvsim::kube::Kind;
use hvsim::scenario::Scenario;
use hvsim::sim::World;

/// Two VMs on node-1 of three nodes and the generic oracles; `steps` is the timeline.
fn scenario(steps: &str) -> Scenario {
    parse(&format!(
        r#"Scenario(
    name: "node-ops",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2"), (name: "node-3")],
    namespaces: [(name: "ns1")],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
        (name: "vm2", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
    ],
    timeline: [{steps}],
    invariants: [WorkloadSafety, Progress, Leftovers, Differential],
    calm: "3m",
)"#
    ))
}

fn run_to_end(scn: &Scenario, seed: u64) -> (World, Option<Violation>) {
    common::run_to_end(scn, v("v1.4.2"), seed)
}

fn node(w: &World, name: &str) -> (bool, bool) {
    let n = w.cluster.api.get(Kind::Node, "", name).unwrap();
    (n.node().unschedulable, n.node().drain_taint)
}

fn vmi_node(w: &World, vm: &str) -> String {
    let vmi = w
        .cluster
        .api
        .get(Kind::VirtualMachineInstance, "ns1", vm)
        .unwrap();
    vmi.vmi().node.to_string()
}

#[test]
fn a_drained_node_s_vms_migrate_away_and_it_stays_cordoned_with_no_leftover() {
    let scn = scenario(r#"(at: "10s", action: DrainNode(node: "node-1"))"#);
    for seed in 0..5 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        assert_eq!(node(&w, "node-1"), (true, true), "seed {seed}");
        for vm in ["vm1", "vm2"] {
            assert_ne!(vmi_node(&w, vm), "node-1", "seed {seed} {vm}");
        }
    }
}

#[test]
fn uncordoning_a_drained_node_leaves_no_leftover() {
    let scn = scenario(
        r#"(at: "10s", action: DrainNode(node: "node-1")),
        (at: "90s", action: UncordonNode(node: "node-1"))"#,
    );
    for seed in 0..5 {
        let (w, violation) = run_to_end(&scn, seed);
        assert!(violation.is_none(), "seed {seed}: {violation:?}");
        assert_eq!(node(&w, "node-1"), (false, false), "seed {seed}");
    }
}

#[test]
fn a_cordoned_node_keeps_its_vms_and_is_no_leftover() {
    let scn = scenario(r#"(at: "10s", action: CordonNode(node: "node-1"))"#);
    let (w, violation) = run_to_end(&scn, 0);
    assert!(violation.is_none(), "{violation:?}");
    assert_eq!(node(&w, "node-1"), (true, false));
    assert_eq!(vmi_node(&w, "vm1"), "node-1");
}

#[test]
fn cordoning_a_cordoned_node_is_refused_as_kubectl_writes_nothing() {
    let scn = scenario(
        r#"(at: "10s", action: CordonNode(node: "node-1")),
        (at: "20s", action: CordonNode(node: "node-1"))"#,
    );
    let (w, _) = run_to_end(&scn, 0);
    assert_eq!(w.refused, vec![1]);
}

#[test]
fn a_targeted_migration_to_a_cordoned_node_is_refused_as_harvester_refuses_it() {
    let scn = scenario(
        r#"(at: "10s", action: CordonNode(node: "node-2")),
        (at: "20s", action: Migrate(vm: "vm1", target: Some("node-2")))"#,
    );
    let (w, violation) = run_to_end(&scn, 0);
    assert!(violation.is_none(), "{violation:?}");
    assert_eq!(w.refused, vec![1]);
    assert!(w
        .trace
        .recs
        .iter()
        .any(|r| r.text == "refused: The target node is non-migratable"));
    assert_eq!(vmi_node(&w, "vm1"), "node-1");
}

/// A node the user uncordoned that some other writer cordons again is a leftover: the
/// user's own cordon is desired state, another's is not.
#[test]
fn a_node_the_user_uncordoned_and_another_writer_cordoned_is_a_leftover() {
    let scn = scenario(
        r#"(at: "10s", action: CordonNode(node: "node-1")),
        (at: "20s", action: UncordonNode(node: "node-1"))"#,
    );
    let mut cordoned = false;
    let (w, violation) = run_observed(&scn, v("v1.4.2"), 0, hvsim::engine::Trace::off(), |w| {
        let other = (0..w.cluster.actors.len() as u16)
            .find(|&a| a != w.user)
            .expect("a controller actor");
        if !cordoned
            && w.sim.now()
                >= hvsim::engine::SimTime::ZERO + hvsim::engine::SimDuration::from_secs(20)
        {
            let mut n = (**w.cluster.api.get(Kind::Node, "", "node-1").unwrap()).clone();
            n.node_mut().unschedulable = true;
            w.cluster.api.update(other, n).unwrap();
            cordoned = true;
        }
    });
    assert!(
        cordoned,
        "the other writer cordoned node-1 at {}",
        w.sim.now()
    );
    let v = violation.expect("a leftover");
    assert_eq!(v.invariant, "leftovers", "{v:?}");
    assert!(
        v.message.starts_with("node node-1 is left cordoned"),
        "{v:?}"
    );
}
