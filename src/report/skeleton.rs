//! The scenario file `hvsim new NAME` writes: a small, commented scenario that runs as it
//! is (one live migration in a namespace with a quota, the Rancher agent restarting
//! around it), for a newcomer to edit.

/// The skeleton for a scenario named `name` (a valid scenario name).
pub fn scenario(name: &str) -> String {
    SKELETON.replace("{NAME}", name)
}

const SKELETON: &str = r#"// A scenario for hvsim: a cluster, its workloads, a timeline of actions and faults, the
// invariants that must hold and what `hvsim verify` expects per version.
// Run it:      hvsim run {NAME}.ron --seed 0
// Explore it:  hvsim explore {NAME}.ron --budget 1000
// docs/scenarios.md lists every field; `hvsim list` the bundled
// scenarios (read them with their names, e.g. scenarios/quota-race-agent-restart.ron).
Scenario(
    name: "{NAME}",
    description: "one live migration while the cattle-cluster-agent restarts",
    // The Harvester version `run` uses without --version (`hvsim list` names them all).
    harvester: "v1.4.1",
    nodes: [
        (name: "node-1"),
        (name: "node-2"),
    ],
    namespaces: [
        // Rancher's project quota base for the namespace: quantities in Kubernetes notation.
        (name: "ns1", quota: (cpu: "5000m", memory: "6000Mi")),
    ],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
    ],
    // Ranges every run draws its delays from (the seed chooses within them); all optional.
    timing: (
        watch_latency: ("1ms", "80ms"),
        reconcile: ("1ms", "25ms"),
    ),
    timeline: [
        // An action at a fixed time...
        (at: "10s", action: Migrate(vm: "vm1")),
        // ...or at a time each seed chooses within a window.
        (within: ("2s", "50s"), action: RestartAgent),
    ],
    invariants: [
        QuotaConverges,
        MigrationCompletes(within: "5m"),
    ],
    // After the last action, faults stop and the cluster gets this long to converge.
    calm: "10m",
    // What `hvsim verify {NAME}.ron` checks, per version and seed range:
    // Holds(seeds: ..) or Violates(invariants: [..], seeds: ..).
    expect: {
        "v1.4.2": Holds(seeds: "0..100"),
    },
)
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn the_skeleton_loads_as_a_scenario() {
        let text = super::scenario("my-scenario");
        let s =
            crate::scenario::load_str("my-scenario.ron", &text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, "my-scenario");
    }
}
