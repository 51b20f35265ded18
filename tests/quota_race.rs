//! Bug 1 (Harvester #7178): the quota race between Harvester's migration scaling and
//! Rancher's quota sync, reproduced on v1.4.1 and fixed on v1.4.2, by mechanism.

mod common;
use common::*;

/// The agent restarts one second after the migration starts and comes back 2-3 s later,
/// while the migration is still running (pod start alone takes 5-15 s).
const RESET_MID_MIGRATION: &str = r#"
Scenario(
    name: "reset-mid-migration",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"))],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
        (name: "vm2", namespace: "ns1", node: "node-1", cpu: "2", memory: "2560Mi"),
    ],
    timing: (agent_restart: ("2s", "3s")),
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1")),
        (at: "11s", action: RestartAgent),
    ],
    invariants: [QuotaConverges, MigrationCompletes(within: "5m")],
    sometimes: [ResetDuringMigration],
    calm: "2m",
)
"#;

#[test]
fn agent_restart_during_migration_leaves_quota_below_base_on_v1_4_1() {
    let scn = parse(RESET_MID_MIGRATION);
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.1", seed);
        let v = out
            .violation
            .as_ref()
            .unwrap_or_else(|| panic!("seed {seed} held"));
        assert_eq!(v.invariant, "quota-converges", "seed {seed}");
        assert!(
            v.message.contains("spec.hard is limits.cpu=3,")
                && v.message
                    .contains("expected limits.cpu=5,limits.memory=6000Mi")
                && v.message.contains("limits.cpu 2 below base"),
            "seed {seed}: {}",
            v.message
        );
        assert_eq!(out.sometimes, vec![("reset-during-migration", true)]);
    }
}

#[test]
fn v1_4_1_timeline_shows_scale_reset_then_relative_restore() {
    let scn = parse(RESET_MID_MIGRATION);
    let text = text_of(&traced(&scn, "v1.4.1", 0));
    let scale = text
        .find("[harvester] PUT resourcequotas ns1/default-")
        .expect("harvester scales");
    let reset = text
        .find("[cattle-cluster-agent] PUT resourcequotas")
        .expect("rancher resets");
    let restore = text
        .rfind("spec.hard limits.cpu 5→3")
        .expect("relative restore from the reset base");
    assert!(scale < reset && reset < restore, "{text}");
    assert!(text[scale..].starts_with("[harvester] PUT resourcequotas ns1/default-"));
    assert!(text.contains("+annotation harvesterhci.io/migrating-vm1={\"limits.cpu\":\"2\",\"limits.memory\":\"2412423169\"}"));
}

#[test]
fn v1_4_2_resourcequota_controller_restores_scaling_after_rancher_reset() {
    let scn = parse(RESET_MID_MIGRATION);
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.2", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        let text = text_of(&out);
        let reset = text
            .find("[cattle-cluster-agent] PUT resourcequotas")
            .expect("rancher resets");
        let rescale = text[reset..]
            .find("[harvester] PUT resourcequotas")
            .expect("harvester re-scales");
        assert!(
            text[reset + rescale..].starts_with("[harvester] PUT resourcequotas ns1/default-"),
            "seed {seed}"
        );
        assert!(
            text.contains("+annotation harvesterhci.io/migratingUID-"),
            "seed {seed}: uid key"
        );
    }
}

#[test]
fn agent_restart_after_the_migration_leaves_v1_4_1_correct() {
    let late = RESET_MID_MIGRATION.replace(
        r#"(at: "11s", action: RestartAgent)"#,
        r#"(at: "90s", action: RestartAgent)"#,
    );
    let scn = parse(&late);
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.1", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        assert_eq!(
            out.sometimes,
            vec![("reset-during-migration", false)],
            "seed {seed}"
        );
    }
}

/// After a drift below base, a smaller VM's migration is rejected by quota although the
/// Rancher base alone has room for it.
#[test]
fn drift_below_base_blocks_a_later_migration_that_fits_the_base_on_v1_4_1() {
    let text = RESET_MID_MIGRATION
        .replace(
            r#"(name: "vm2", namespace: "ns1", node: "node-1", cpu: "2", memory: "2560Mi"),"#,
            r#"(name: "vm2", namespace: "ns1", node: "node-1", cpu: "1", memory: "512Mi"),
        (name: "vm3", namespace: "ns1", node: "node-2", cpu: "500m", memory: "512Mi"),"#,
        )
        .replace(
            r#"(at: "11s", action: RestartAgent),"#,
            r#"(at: "11s", action: RestartAgent),
        (at: "120s", action: Migrate(vm: "vm2")),"#,
        )
        .replace(
            "invariants: [QuotaConverges,",
            "invariants: [NoQuotaBlockWithinBase, QuotaConverges,",
        );
    let scn = parse(&text);
    let out = traced(&scn, "v1.4.1", 0);
    let v = out.violation.expect("blocked");
    assert_eq!(v.invariant, "no-quota-block-within-base");
    assert!(
        v.message.contains("although the Rancher base has room"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("used limits.cpu=3545m,"),
        "{}",
        v.message
    );
    assert!(
        v.message.contains("+ requested limits.cpu=1015m,"),
        "{}",
        v.message
    );
    assert!(v.message.contains("fits base limits.cpu=5,limits.memory=6000Mi, but the quota's status.hard is limits.cpu=3,"), "{}", v.message);
    let fixed = traced(&scn, "v1.4.2", 0);
    assert_eq!(fixed.violation, None, "{}", text_of(&fixed));
}

#[test]
fn target_pod_rejection_carries_the_real_quota_text() {
    // Without Harvester's scaling reaching status.hard, the first target pod is refused.
    let scn = load(QUOTA_RACE);
    let found = (0..200).find_map(|seed| {
        let out = traced(&scn, "v1.4.2", seed);
        out.trace
            .iter()
            .find(|r| r.text.contains("→ 403 pods"))
            .map(|r| r.text.clone())
    });
    let line = found.expect("some seed races KubeVirt ahead of the quota scaling");
    assert!(
        line.contains("is forbidden: exceeded quota: default-"),
        "{line}"
    );
    assert!(line.contains(", requested: limits.cpu=2015m,"), "{line}");
}
