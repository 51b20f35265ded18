//! Bug 3 (Harvester #7373, #7096, #8298): CPU models, live migration across them, and the
//! node-by-node upgrade with its repo VM.

mod common;

use common::*;
use hvsim::check::{run_with, RunOptions, RunOutcome};
use hvsim::engine::{Choice, ChoiceKind, SeededChoices, Trace};
use hvsim::kube::{Ctx, Kind, Obj, ObjId, Outcome, PodPhase, ReconcileResult, Reconciler};
use hvsim::scenario::{InvariantSpec, RepoVmPolicy, Scenario};
use hvsim::sim::World;

const HOMOGENEOUS: &str = "scenarios/upgrade-homogeneous.ron";
const HETEROGENEOUS: &str = "scenarios/upgrade-heterogeneous-cpu.ron";

/// Two nodes and one VM migrated by hand: the CPU rules without the upgrade around them.
fn two_nodes(source: &str, target: &str, vm_cpu: &str) -> Scenario {
    parse(&format!(
        r#"Scenario(
    name: "cpu-rule",
    harvester: "v1.4.2",
    nodes: [
        (name: "src", cpu_model: "{source}"),
        (name: "dst", cpu_model: "{target}"),
    ],
    namespaces: [(name: "default")],
    vms: [(name: "vm1", namespace: "default", node: "src", cpu: "1", memory: "1Gi", cpu_model: "{vm_cpu}")],
    timeline: [(at: "1s", action: Migrate(vm: "vm1"))],
    invariants: [MigrationCompletes(within: "10m"), CpuCompatible],
    calm: "15m",
)"#
    ))
}

#[test]
fn a_host_model_vm_migrates_to_a_newer_generation_that_supports_its_model() {
    let scn = two_nodes("Cascadelake-Server", "Icelake-Server", "host-model");
    let out = traced(&scn, "v1.4.2", 0);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    let t = text_of(&out);
    assert!(
        t.contains("Migrated: The VirtualMachineInstance migrated to node dst."),
        "{t}"
    );
}

#[test]
fn a_host_model_vm_cannot_leave_for_an_older_generation_and_its_migration_times_out_after_300s() {
    let scn = two_nodes("Icelake-Server", "Skylake-Server", "host-model");
    let out = traced(&scn, "v1.4.2", 0);
    let t = text_of(&out);
    assert!(
        t.contains("NoSuitableNodesForHostModelMigration default/vm1: Migration cannot proceed since no node is suitable to run the required CPU model / required features: map[cpu-feature.node.kubevirt.io/arch-capabilities:true"),
        "{t}"
    );
    assert!(
        t.contains("cpu-model-migration.node.kubevirt.io/Icelake-Server:true"),
        "{t}"
    );
    assert!(
        t.contains("unschedulable pod timeout period exceeded"),
        "{t}"
    );
    let failed = out
        .trace
        .iter()
        .find(|r| r.text.contains("FailedMigration") && r.text.contains("target pod disappeared"))
        .expect("the migration fails once the target pod is deleted");
    // The target pod is created at about 1 s; it is deleted 300 s later.
    assert!(failed.time.micros() >= 301_000_000, "{}", failed.time);
    assert!(failed.time.micros() < 302_000_000, "{}", failed.time);
    assert!(out.violation.is_none(), "{:?}", out.violation);
}

#[test]
fn a_host_passthrough_vm_is_scheduled_anywhere_then_libvirt_refuses_the_missing_features() {
    let scn = two_nodes("SapphireRapids", "Icelake-Server", "host-passthrough");
    let out = traced(&scn, "v1.4.2", 0);
    let t = text_of(&out);
    assert!(
        t.contains("bound to dst"),
        "the target pod has no CPU selector: {t}"
    );
    assert!(
        t.contains("Live migration failed error encountered during MigrateToURI3 libvirt api call: virError(Code=9, Domain=31, Message='operation failed: guest CPU doesn't match specification: missing features: amx-bf16,amx-int8,amx-tile,avx-vnni,avx512-bf16,avx512-fp16,movdir64b,movdiri,serialize,tsxldtrk,waitpkg')"),
        "{t}"
    );
    assert!(
        t.contains("[virt-handler-dst] PUT status virtualmachineinstances.kubevirt.io default/vm1: migrationState src → dst target ready"),
        "the target was ready first: {t}"
    );
    assert!(out.violation.is_none(), "{:?}", out.violation);
}

#[test]
fn a_host_passthrough_migration_refused_by_libvirt_fails_at_its_start_not_after_the_transfer() {
    let scn = two_nodes("SapphireRapids", "Icelake-Server", "host-passthrough");
    for seed in 0..5 {
        let mut failed = None;
        let mut watch = |w: &World| {
            let vmi = w
                .cluster
                .api
                .get(Kind::VirtualMachineInstance, "default", "vm1")
                .expect("vm1 runs");
            if let Some(m) = vmi.vmi().migration_state.as_ref().filter(|m| m.failed) {
                failed.get_or_insert((m.start_timestamp, m.end_timestamp));
            }
            false
        };
        run_with(
            &scn,
            v("v1.4.2"),
            Box::new(SeededChoices::new(seed)),
            Trace::new(false, false),
            RunOptions {
                observe: Some(&mut watch),
                ..RunOptions::default()
            },
        );
        // libvirt refuses the domain inside MigrateToURI3, before any memory is sent.
        let (start, end) = failed.unwrap_or_else(|| panic!("seed {seed}: never failed"));
        assert!(start.is_some(), "seed {seed}");
        assert_eq!(start, end, "seed {seed}");
    }
}

#[test]
fn a_host_passthrough_vm_migrates_to_a_superset_cpu() {
    let scn = two_nodes("Icelake-Server", "SapphireRapids", "host-passthrough");
    let out = traced(&scn, "v1.4.2", 0);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert!(text_of(&out).contains("migrated to node dst"));
}

#[test]
fn a_named_model_vm_selects_the_model_and_migrates_down_a_generation() {
    let scn = two_nodes("SapphireRapids", "Icelake-Server", "Icelake-Server");
    let out = traced(&scn, "v1.4.2", 0);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert!(text_of(&out).contains("migrated to node dst"));
}

#[test]
fn a_named_model_no_other_node_supports_leaves_the_target_pod_unschedulable() {
    let scn = two_nodes("SapphireRapids", "Icelake-Server", "SapphireRapids");
    let out = traced(&scn, "v1.4.2", 0);
    let t = text_of(&out);
    assert!(
        t.contains("FailedScheduling default/virt-launcher-vm1-"),
        "{t}"
    );
    assert!(
        t.contains("unschedulable pod timeout period exceeded"),
        "{t}"
    );
}

#[test]
fn host_model_selectors_stick_after_a_migration() {
    // Skylake → Icelake, then Icelake → (Skylake or Cascadelake): the second target pod still
    // selects Skylake's host model, not Icelake's.
    let scn = parse(
        r#"Scenario(
    name: "sticky",
    harvester: "v1.4.2",
    nodes: [
        (name: "a", cpu_model: "Skylake-Server"),
        (name: "b", cpu_model: "Icelake-Server"),
        (name: "c", cpu_model: "Cascadelake-Server"),
    ],
    namespaces: [(name: "default")],
    vms: [(name: "vm1", namespace: "default", node: "a", cpu: "1", memory: "1Gi")],
    timeline: [
        (at: "1s", action: Migrate(vm: "vm1", target: "b")),
        (at: "2m", action: Migrate(vm: "vm1")),
    ],
    invariants: [MigrationCompletes(within: "10m"), CpuCompatible],
    calm: "15m",
)"#,
    );
    for seed in 0..5 {
        let mut selectors = Vec::new();
        let mut targets = std::collections::BTreeSet::new();
        let mut observe = |w: &World| {
            for p in w.cluster.api.store.list(Kind::Pod, "default") {
                if p.pod().migration_uid.is_some() {
                    targets.insert(p.meta.name.clone());
                    let s: Vec<String> = p
                        .pod()
                        .node_selector
                        .keys()
                        .filter(|k| k.starts_with("cpu-model-migration"))
                        .cloned()
                        .collect();
                    if !selectors.contains(&s) {
                        selectors.push(s);
                    }
                }
            }
            false
        };
        let out = run_with(
            &scn,
            v("v1.4.2"),
            Box::new(SeededChoices::new(seed)),
            Trace::off(),
            RunOptions {
                observe: Some(&mut observe),
                ..RunOptions::default()
            },
        );
        assert!(out.violation.is_none(), "seed {seed}: {:?}", out.violation);
        assert_eq!(
            targets.len(),
            2,
            "seed {seed}: two migrations, two target pods"
        );
        assert_eq!(
            selectors,
            vec![vec![
                "cpu-model-migration.node.kubevirt.io/Skylake-Server".to_string()
            ]],
            "seed {seed}"
        );
    }
}

/// A scheduler that ignores pods' node selectors (only in this test): the safety invariant
/// must catch what it does.
struct SelectorBlindScheduler;

impl Reconciler for SelectorBlindScheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    fn primary(&self) -> Kind {
        Kind::Pod
    }

    fn keys_for(&self, id: ObjId, obj: &Obj, _read: hvsim::kube::Reader<'_>, out: &mut Vec<ObjId>) {
        if obj.kind() == Kind::Pod && obj.pod().node.is_none() {
            out.push(id);
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(pod) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        let b = pod.pod();
        if b.node.is_some() || b.phase != PodPhase::Pending {
            return Ok(Outcome::Done);
        }
        let nodes: Vec<String> = ctx
            .read()
            .list_all(Kind::Node)
            .filter(|(_, n)| b.avoid_node.as_deref() != Some(n.meta.name.as_str()))
            .map(|(_, n)| n.meta.name.to_string())
            .collect();
        if nodes.is_empty() {
            return Ok(Outcome::Done);
        }
        let i = ctx.choices.pick(
            Choice::new(ChoiceKind::Candidate, ctx.actor as u32),
            0,
            nodes.len() as u64 - 1,
        );
        let mut next = (*pod).clone();
        next.pod_mut().node = Some(nodes[i as usize].as_str().into());
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}

#[test]
fn a_scheduler_blind_to_cpu_selectors_is_caught_by_cpu_compatible() {
    let scn = two_nodes("Icelake-Server", "Skylake-Server", "host-model");
    let blind = |w: &mut World| {
        assert!(
            w.replace_process_controllers("kube-scheduler", vec![Box::new(SelectorBlindScheduler)])
        );
    };
    let out = run_with(
        &scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::off(),
        RunOptions {
            customize: Some(&blind),
            ..RunOptions::default()
        },
    );
    let viol = out.violation.expect("the blind scheduler is caught");
    assert_eq!(viol.invariant, "cpu-compatible");
    assert_eq!(
        viol.message,
        "VMI default/vm1 runs on dst (Skylake-Server), which lacks CPU model Icelake-Server of its guest CPU (host-model CPU defined on src)"
    );
    // The real scheduler, same seed: the target pod waits instead.
    let out = traced(&scn, "v1.4.2", 0);
    assert!(out.violation.is_none(), "{:?}", out.violation);
}

fn without(scn: &Scenario, name: &str) -> Scenario {
    let mut s = scn.clone();
    s.invariants.retain(|i| i.name() != name);
    s
}

fn metric(out: &RunOutcome, name: &str) -> String {
    out.metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no metric {name}: {:?}", out.metrics))
}

#[test]
fn v1_4_1_stops_the_repo_vm_in_pre_drain_and_the_repo_is_unreachable() {
    let scn = load(HOMOGENEOUS);
    let out = traced(&scn, "v1.4.1", 0);
    let viol = out.violation.clone().expect("violated");
    assert_eq!(viol.invariant, "repo-available");
    assert!(
        viol.message.contains(
            "the repo VM upgrade-repo-hvst-upgrade-s2mk7 was stopped by the pre-drain job"
        ),
        "{}",
        viol.message
    );
    assert!(
        text_of(&out).contains("vm upgrade-repo-hvst-upgrade-s2mk7 was administratively stopped")
    );
    // The run went on: the upgrade still finished.
    assert_ne!(metric(&out, "upgrade duration"), "not finished");
}

#[test]
fn v1_4_2_live_migrates_the_repo_vm_and_the_repo_stays_up() {
    let scn = load(HOMOGENEOUS);
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.2", seed);
        assert!(out.violation.is_none(), "seed {seed}: {:?}", out.violation);
        assert_eq!(metric(&out, "repo downtime"), "0s", "seed {seed}");
        assert_eq!(metric(&out, "VMs stopped"), "0", "seed {seed}");
    }
}

#[test]
fn v1_4_2_on_mixed_cpus_is_stuck_in_pre_draining_and_the_violation_names_the_repo_vm_and_libvirt() {
    let scn = load(HETEROGENEOUS);
    let out = traced(&scn, "v1.4.2", 0);
    let viol = out.violation.expect("violated");
    assert_eq!(viol.invariant, "upgrade-completes");
    let m = &viol.message;
    assert!(
        m.starts_with("upgrade hvst-upgrade-s2mk7 did not reach Succeeded within 1h (deadline 60:00.000000, counted from the start of the run): node node1 is still Pre-draining; blocking the drain: VM harvester-system/upgrade-repo-hvst-upgrade-s2mk7 ("),
        "{m}"
    );
    assert!(
        m.contains("guest CPU doesn't match specification: missing features:"),
        "{m}"
    );
    assert!(m.contains("waitpkg"), "{m}");
}

#[test]
fn v1_4_1_and_v1_6_0_complete_on_mixed_cpus_by_stopping_the_repo_vm() {
    let scn = without(&load(HETEROGENEOUS), "repo-available");
    for version in ["v1.4.1", "v1.6.0"] {
        for seed in 0..10 {
            let out = traced(&scn, version, seed);
            assert!(
                out.violation.is_none(),
                "{version} seed {seed}: {:?}",
                out.violation
            );
            assert_ne!(metric(&out, "upgrade duration"), "not finished");
            assert_ne!(metric(&out, "VMs stopped"), "0");
        }
    }
}

#[test]
fn the_proposed_policy_completes_on_mixed_cpus() {
    let mut scn = without(&load(HETEROGENEOUS), "repo-available");
    scn.upgrade.as_mut().unwrap().repo_vm_policy =
        Some(RepoVmPolicy::LiveMigrateIfCompatibleElseStop);
    for seed in 0..10 {
        let out = traced(&scn, "v1.4.2", seed);
        assert!(out.violation.is_none(), "seed {seed}: {:?}", out.violation);
        // Stopped once (on node1, where nothing else can run its CPU), migrated after.
        assert_eq!(metric(&out, "VMs stopped"), "1", "seed {seed}");
    }
}

/// A VM with a CD-ROM on the first node: the detector stops it in every version; from
/// v1.6.0 the restore-vm job starts it again after the node's upgrade when the
/// `upgrade-config` setting asks for it (`restoreVM`, default false).
fn cdrom_vm(restore_vm: bool) -> Scenario {
    let mut scn = without(&load(HOMOGENEOUS), "repo-available");
    let text = std::fs::read_to_string(HOMOGENEOUS).unwrap().replace(
        r#"(name: "web-2", namespace: "default", node: "node1", cpu: "2", memory: "4Gi"),"#,
        r#"(name: "web-2", namespace: "default", node: "node1", cpu: "2", memory: "4Gi", cdrom: true),"#,
    );
    scn.vms = parse(&text).vms;
    scn.upgrade.as_mut().unwrap().restore_vm = restore_vm;
    scn
}

fn left_stopped(out: &RunOutcome) {
    let viol = out.violation.clone().expect("violated");
    assert_eq!(viol.invariant, "vms-restored");
    assert!(
        viol.message.starts_with(
            "VMs running before the upgrade are not running at the end: default/web-2; judged at "
        ),
        "{}",
        viol.message
    );
}

#[test]
fn v1_6_0_with_restore_vm_set_restores_a_vm_it_stopped_and_v1_4_1_leaves_it_stopped() {
    let scn = cdrom_vm(true);
    for version in ["v1.6.0", "v1.6.1"] {
        let out = traced(&scn, version, 0);
        assert!(out.violation.is_none(), "{version}: {:?}", out.violation);
        assert!(
            text_of(&out).contains("restore-vm: starting VM default/web-2 stopped for the upgrade")
        );
    }
    left_stopped(&traced(&scn, "v1.4.1", 0));
    // v1.5.x restores only in the single-node path (restoreVMState), not modelled here.
    left_stopped(&traced(&scn, "v1.5.1", 0));
}

#[test]
fn v1_6_0_leaves_a_stopped_vm_stopped_under_the_default_upgrade_config() {
    let out = traced(&cdrom_vm(false), "v1.6.0", 0);
    assert!(!text_of(&out).contains("restore-vm:"));
    left_stopped(&out);
}

#[test]
fn an_upgrade_scenario_on_v1_7_0_is_refused_because_its_repo_is_a_deployment() {
    let text = std::fs::read_to_string(HOMOGENEOUS)
        .unwrap()
        .replace(r#"harvester: "v1.4.1","#, r#"harvester: "v1.7.0","#);
    let e = hvsim::scenario::load_str("bad.ron", &text)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "bad.ron:10:16: v1.7.0 serves the upgrade repo from a Deployment (upgrade_repo.go CreateDeployment), which hvsim does not model, expected a version up to v1.6.1 for a scenario with an upgrade section"
    );
}

#[test]
fn the_upgrade_walks_every_node_through_the_states_in_order() {
    let scn = load(HOMOGENEOUS);
    let out = traced(&scn, "v1.4.2", 3);
    let t = text_of(&out);
    let mut at = 0;
    for node in ["node1", "node2", "node3"] {
        for step in [
            "Images preloaded → Pre-draining",
            "Pre-draining → Pre-drained",
            "Pre-drained → Post-draining",
            "Post-draining → Waiting Reboot",
            "Waiting Reboot → Succeeded",
        ] {
            let needle = format!("node {node} {step}");
            let i = t[at..]
                .find(&needle)
                .unwrap_or_else(|| panic!("{needle} after {at}"));
            at += i;
        }
    }
    assert!(t[at..].contains("upgrade hvst-upgrade-s2mk7 Succeeded"));
}

#[test]
fn evacuation_respects_two_outbound_migrations_per_node() {
    let scn = load(HOMOGENEOUS);
    let out = traced(&scn, "v1.4.2", 0);
    assert!(text_of(&out).contains("node: node1, migrations: 0, candidates: 3, selected: 2"));
}

#[test]
fn upgrade_runs_are_deterministic() {
    for path in [HOMOGENEOUS, HETEROGENEOUS] {
        let scn = load(path);
        for version in ["v1.4.1", "v1.4.2", "v1.6.0"] {
            let a = traced(&scn, version, 7);
            let b = traced(&scn, version, 7);
            assert_eq!(text_of(&a), text_of(&b), "{path} {version}");
            assert_eq!(a.violation, b.violation);
        }
    }
}

#[test]
fn every_upgrade_invariant_is_declared_by_the_bundled_scenarios() {
    let scn = load(HOMOGENEOUS);
    let names: Vec<&str> = scn.invariants.iter().map(InvariantSpec::name).collect();
    assert_eq!(
        names,
        [
            "upgrade-completes",
            "repo-available",
            "cpu-compatible",
            "vms-restored"
        ]
    );
}

#[test]
fn upgrade_verdicts_and_metrics_seed_0_are_pinned() {
    let mut s = String::new();
    for path in [
        HOMOGENEOUS,
        HETEROGENEOUS,
        "scenarios/upgrade-single-compatible-node.ron",
    ] {
        let scn = load(path);
        for key in scn.expect.keys() {
            let (version, policy) = hvsim::scenario::parse_expect_key(key).unwrap();
            let scn = match policy {
                Some(p) => hvsim::explore::verify::with_policy(&scn, p),
                None => scn.clone(),
            };
            let out = traced(&scn, &version.to_string(), 0);
            s += &format!("== {} {key}\n", scn.name);
            s += &hvsim::report::timeline::verdict(
                &hvsim::report::timeline::Header {
                    scenario: &scn.name,
                    version: key.clone(),
                    seed: None,
                    file: path,
                    how: String::new(),
                },
                &out,
            );
            s += "\n";
        }
    }
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("upgrade_verdicts_seed_0", s);
    });
}
