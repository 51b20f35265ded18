//! `UpgradeHarvester`: the harvester process restarts at a new version inside a run. A
//! migration scaled by v1.4.1 (old key `harvesterhci.io/migrating-<vmName>`) and finished
//! under v1.4.2 must leave no annotation and the quota at base, because v1.4.2 still reads,
//! counts and deletes the old key. A v1.4.2 built without that compatibility (only here, in
//! the test) is caught by `quota-converges`.

mod common;
use common::*;
use hvsim::check::Violation;
use hvsim::engine::Trace;
use hvsim::kube::Quantity;
use hvsim::kube::{
    Ctx, Kind, MigrationPhase, ObjId, Outcome, ReconcileError, ReconcileResult, Reconciler,
    Resource, ResourceList,
};
use hvsim::models::harvester::migration_keys::{uid_key, MIGRATING_UID_PREFIX};
use hvsim::models::harvester::resource_quota::ResourceQuotaController;
use hvsim::models::kubevirt::overhead::{memory_overhead, memory_request, KubeVirtRelease};
use hvsim::models::rancher::namespace_quota::{
    parse_annotation, ANNOTATION_RESOURCE_QUOTA, LABEL_DEFAULT_RESOURCE_QUOTA,
};
use hvsim::scenario::version::ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO;
use hvsim::scenario::{load_str, Scenario};
use hvsim::sim::World;

const UPGRADE: &str = "scenarios/upgrade-mid-migration.ron";

type Controllers = fn() -> Vec<Box<dyn Reconciler>>;

/// A checked run stepped by hand; once the upgrade has happened (the version in force
/// changed) the harvester process gets `swap`'s controllers instead of the real ones.
fn run_by_hand(
    scn: &Scenario,
    version: &str,
    seed: u64,
    swap: Option<Controllers>,
) -> (World, Option<Violation>) {
    let mut swapped = false;
    run_observed(scn, v(version), seed, Trace::new(true, false), |w| {
        if !swapped && w.version != w.started_as {
            swapped = true;
            if let Some(ctrls) = swap {
                assert!(w.replace_process_controllers("harvester", ctrls()));
            }
        }
    })
}

fn timeline(w: &World) -> String {
    w.trace
        .recs
        .iter()
        .map(|r| format!("[{}] {}", r.actor, r.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The namespace's default quota at the end of the run.
fn final_quota(w: &World) -> hvsim::kube::Snap {
    w.cluster
        .api
        .store
        .list(Kind::ResourceQuota, "ns1")
        .find(|rq| rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"))
        .expect("a default quota")
        .clone()
}

fn position(text: &str, needle: &str) -> usize {
    text.find(needle)
        .unwrap_or_else(|| panic!("{needle:?} not in\n{text}"))
}

#[test]
fn upgrade_mid_migration_leaves_no_annotation_and_the_quota_at_base() {
    let scn = load(UPGRADE);
    for seed in 0..200 {
        let (w, violation) = run_by_hand(&scn, "v1.4.1", seed, None);
        assert_eq!(violation, None, "seed {seed}");
        let t = timeline(&w);
        // The run is the case it claims: v1.4.1 wrote the old key, the upgrade came while
        // the migration was in flight, and v1.4.2 deleted the old key.
        let scaled = position(&t, "+annotation harvesterhci.io/migrating-vm1=");
        let upgrade = position(&t, "[user] upgrade Harvester v1.4.1 → v1.4.2");
        let done = position(&t, "phase Running -> Succeeded");
        let deleted = position(&t, ": -annotation harvesterhci.io/migrating-vm1");
        assert!(scaled < upgrade && upgrade < done, "seed {seed}");
        assert!(upgrade < deleted, "seed {seed}");
        assert!(t[deleted..].starts_with(": -annotation"), "seed {seed}");

        let rq = final_quota(&w);
        let left: Vec<&str> = rq
            .meta
            .annotations
            .keys()
            .map(|k| k.as_str())
            .filter(|k| k.starts_with("harvesterhci.io/migrating"))
            .collect();
        assert!(left.is_empty(), "seed {seed}: {left:?}");
        assert_eq!(
            rq.rq().spec_hard.pretty(),
            "limits.cpu=5,limits.memory=6000Mi",
            "seed {seed}"
        );
        assert_eq!(rq.rq().status_hard, rq.rq().spec_hard, "seed {seed}");
        assert_eq!(w.version, v("v1.4.2"));
    }
}

#[test]
fn the_timeline_shows_the_upgrade_as_an_action_then_the_harvester_restart() {
    let scn = load(UPGRADE);
    let out = traced(&scn, "v1.4.1", 0);
    let text = render(&scn, UPGRADE, "v1.4.1", Some(0), &out);
    let lines: Vec<&str> = text.lines().collect();
    let i = lines
        .iter()
        .position(|l| l.contains("ACTION upgrade"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        lines[i].ends_with("[user                   ]  ACTION upgrade Harvester v1.4.1 → v1.4.2: harvester restarts with migrationAnnotationController, resourceQuotaController"),
        "{}",
        lines[i]
    );
    assert!(
        lines[i + 1].contains(
            "[harvester              ]  FAULT process killed; cache and work queues lost; restarts in "
        ),
        "{}",
        lines[i + 1]
    );
    assert!(lines[i + 1..]
        .iter()
        .any(|l| l.contains("[harvester              ]  started; informers listed")));
}

/// The target pod takes 20 minutes to start, so the migration scaled by v1.4.1 is still
/// active when the run ends under v1.4.2.
const STILL_ACTIVE: &str = r#"
Scenario(
    name: "upgrade-during-a-long-migration",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"))],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
        (name: "vm2", namespace: "ns1", node: "node-1", cpu: "2", memory: "2560Mi"),
    ],
    timing: (pod_start: ("20m", "20m")),
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1")),
        (at: "12s", action: UpgradeHarvester(to: "v1.4.2")),
    ],
    invariants: [QuotaConverges],
    calm: "2m",
)
"#;

#[test]
fn a_migration_scaled_by_v1_4_1_and_active_after_the_upgrade_is_owed_the_v1_4_1_delta() {
    let scn = parse(STILL_ACTIVE);
    let gi2 = Quantity::parse("2Gi").unwrap();
    let base = Quantity::parse("6000Mi").unwrap();
    let with_ratio = |ratio: Option<&str>| {
        base + gi2 + memory_overhead(KubeVirtRelease::V1_1, memory_request(gi2), 2, ratio)
    };
    let v141 = with_ratio(None);
    let v142 = with_ratio(Some(ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO));
    assert_ne!(v141, v142, "the two versions' overheads differ");
    for seed in 0..50 {
        let (w, violation) = run_by_hand(&scn, "v1.4.1", seed, None);
        assert_eq!(violation, None, "seed {seed}");
        let rq = final_quota(&w);
        assert_eq!(
            rq.rq().spec_hard.get(Resource::LimitsMemory),
            Some(v141),
            "seed {seed}: base + the delta v1.4.1 wrote, still counted by v1.4.2"
        );
        assert_eq!(
            rq.rq().spec_hard.get(Resource::LimitsCpu),
            Some(Quantity::from_units(7))
        );
    }
}

/// The migration runs while `SetQuota` is tried once under v1.4.1 and once after the
/// upgrade (the harvester process is still down then, so the annotation is still there).
const SET_QUOTA_AROUND_UPGRADE: &str = r#"
Scenario(
    name: "set-quota-around-upgrade",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "5000m", memory: "6000Mi"))],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1", cpu: "2", memory: "2Gi"),
        (name: "vm2", namespace: "ns1", node: "node-1", cpu: "2", memory: "2560Mi"),
    ],
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1")),
        (at: "12s", action: SetQuota(namespace: "ns1", cpu: "6")),
        (at: "13s", action: UpgradeHarvester(to: "v1.4.2")),
        (at: "14s", action: SetQuota(namespace: "ns1", cpu: "6")),
    ],
    invariants: [QuotaConverges],
)
"#;

#[test]
fn the_namespace_webhook_answers_as_the_version_in_force() {
    let scn = parse(SET_QUOTA_AROUND_UPGRADE);
    let t = text_of(&traced(&scn, "v1.4.1", 0));
    let denials: Vec<&str> = t
        .lines()
        .filter(|l| l.starts_with("[user] PUT namespaces"))
        .collect();
    assert_eq!(
        denials,
        vec![
            "[user] PUT namespaces ns1 → 400 admission webhook \"validator.harvesterhci.io\" denied the request: namespace ns1 has migrating VMs, so you can't change resource quotas",
            "[user] PUT namespaces ns1 → 400 admission webhook \"validator.harvesterhci.io\" denied the request: namespace ns1 has migrating VMs, can't change resource quotas",
        ],
        "{t}"
    );
}

// ---- A deliberately broken v1.4.2, built only here ----

fn default_quota(ctx: &Ctx<'_>, ns: &str) -> Option<hvsim::kube::Snap> {
    ctx.read()
        .list(Kind::ResourceQuota, ns)
        .find(|(_, rq)| rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"))
        .map(|(_, rq)| rq.clone())
}

/// v1.4.2's `migrationAnnotationController` without the old-key compatibility: it neither
/// sees nor deletes `migrating-<vmName>`, only `migratingUID-<vmiUID>`.
struct OldKeyBlindMigrationController;

impl Reconciler for OldKeyBlindMigrationController {
    fn name(&self) -> &'static str {
        "migrationAnnotationController"
    }

    fn primary(&self) -> Kind {
        Kind::VirtualMachineInstanceMigration
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(vmim) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        let ns = vmim.meta.namespace.clone();
        let Some(vmi) = read.get(Kind::VirtualMachineInstance, &ns, &vmim.vmim().vmi_name) else {
            return Err(ReconcileError::Other("vmi not found".into()));
        };
        let Some(rq) = default_quota(ctx, &ns) else {
            return Ok(Outcome::Done);
        };
        let k = uid_key(&vmi.meta.uid);
        let mut next = (*rq).clone();
        match vmim.vmim().phase {
            MigrationPhase::Pending if !rq.meta.annotations.contains_key(&k) => {
                let b = vmi.vmi();
                let ratio = Some(ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO);
                let delta = ResourceList::new().with(Resource::LimitsCpu, b.cpu).with(
                    Resource::LimitsMemory,
                    b.memory
                        + memory_overhead(
                            KubeVirtRelease::V1_1,
                            b.memory_request,
                            b.cpu.value(),
                            ratio,
                        ),
                );
                next.meta.annotations.insert(k, delta.to_json());
            }
            MigrationPhase::Succeeded | MigrationPhase::Failed => {
                if next.meta.annotations.remove(&k).is_none() {
                    return Ok(Outcome::Done);
                }
            }
            _ => return Ok(Outcome::Done),
        }
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}

/// v1.4.2's `resourceQuotaController` summing only `migratingUID-` keys.
struct OldKeyBlindResourceQuotaController;

impl Reconciler for OldKeyBlindResourceQuotaController {
    fn name(&self) -> &'static str {
        "resourceQuotaController"
    }

    fn primary(&self) -> Kind {
        Kind::ResourceQuota
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let Some(rq) = read.by_id(key) else {
            return Ok(Outcome::Done);
        };
        if rq.label(LABEL_DEFAULT_RESOURCE_QUOTA) != Some("true") {
            return Ok(Outcome::Done);
        }
        let Some(ns) = read.get(Kind::Namespace, "", &rq.meta.namespace) else {
            return Ok(Outcome::Done);
        };
        let Some(ann) = ns.annotation(ANNOTATION_RESOURCE_QUOTA) else {
            return Ok(Outcome::Done);
        };
        let base = parse_annotation(ann).map_err(ReconcileError::Other)?;
        let delta = rq
            .meta
            .annotations
            .iter()
            .filter(|(k, _)| k.starts_with(MIGRATING_UID_PREFIX))
            .filter_map(|(_, v)| ResourceList::from_json(v).ok())
            .fold(ResourceList::new(), |a, d| a.add(&d));
        let want = base.add(&delta.masked(&base));
        if want == rq.rq().spec_hard {
            return Ok(Outcome::Done);
        }
        let mut next = (*rq).clone();
        next.rq_mut().spec_hard = want;
        ctx.update(next)?;
        Ok(Outcome::Done)
    }
}

#[test]
fn a_v1_4_2_migration_controller_blind_to_old_keys_would_leave_the_quota_above_base() {
    let scn = load(UPGRADE);
    let broken: Controllers = || {
        vec![
            Box::new(OldKeyBlindMigrationController),
            Box::new(ResourceQuotaController),
        ]
    };
    for seed in 0..50 {
        let (w, violation) = run_by_hand(&scn, "v1.4.1", seed, Some(broken));
        let v = violation.unwrap_or_else(|| panic!("seed {seed} held"));
        let rq = final_quota(&w).meta.name.clone();
        assert_eq!(v.invariant, "quota-converges", "seed {seed}");
        assert_eq!(
            v.message.split_once("; judged at ").map(|(m, _)| m),
            Some(format!("ResourceQuota ns1/{rq} spec.hard is limits.cpu=7,limits.memory=8703879169, expected limits.cpu=5,limits.memory=6000Mi = Rancher base limits.cpu=5,limits.memory=6000Mi + no migration active").as_str()),
            "seed {seed}"
        );
    }
}

#[test]
fn a_v1_4_2_blind_to_old_keys_in_both_controllers_would_leak_the_annotation() {
    let scn = load(UPGRADE);
    let broken: Controllers = || {
        vec![
            Box::new(OldKeyBlindMigrationController),
            Box::new(OldKeyBlindResourceQuotaController),
        ]
    };
    for seed in 0..50 {
        let (w, violation) = run_by_hand(&scn, "v1.4.1", seed, Some(broken));
        let v = violation.unwrap_or_else(|| panic!("seed {seed} held"));
        let rq = final_quota(&w).meta.name.clone();
        assert_eq!(v.invariant, "quota-converges", "seed {seed}");
        assert_eq!(
            v.message.split_once("; judged at ").map(|(m, _)| m),
            Some(format!("ResourceQuota ns1/{rq} still carries harvesterhci.io/migrating-vm1 with no migration active").as_str()),
            "seed {seed}"
        );
    }
}

// ---- Input ----

const UPGRADE_TO: &str = r#"Scenario(
    name: "t",
    harvester: "v1.4.1",
    nodes: [(name: "node-1")],
    timeline: [(at: "10s", action: UpgradeHarvester(to: "TO"))],
)
"#;

#[test]
fn upgrade_to_an_unknown_version_is_refused_with_its_position() {
    let e = load_str("bad.ron", &UPGRADE_TO.replace("TO", "v1.4.9")).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad.ron:5:65: unknown Harvester version \"v1.4.9\", expected one of v1.2.0, v1.2.1, v1.2.2, v1.3.0, v1.3.1, v1.3.2, v1.4.0, v1.4.1, v1.4.2, v1.4.3, v1.5.0, v1.5.1, v1.6.0, v1.6.1, v1.7.0"
    );
}

#[test]
fn upgrade_to_a_version_before_one_the_scenario_runs_is_refused_as_a_downgrade() {
    let text = UPGRADE_TO.replace("TO", "v1.4.0").replace(
        ")\n",
        "    expect: {\"v1.4.2\": Holds(seeds: \"0..10\")},\n)\n",
    );
    let e = load_str("bad.ron", &text).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bad.ron:5:57: UpgradeHarvester to v1.4.0 from v1.4.2 is a downgrade, which Harvester does not support, expected v1.4.2 or later"
    );
}

#[test]
fn upgrade_to_the_same_version_is_a_plain_restart_and_accepted() {
    load_str("ok.ron", &UPGRADE_TO.replace("TO", "v1.4.1")).unwrap();
}

#[test]
fn upgrade_mid_migration_timeline_seed_0() {
    let scn = load(UPGRADE);
    let out = traced(&scn, "v1.4.1", 0);
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(
            "upgrade_mid_migration_seed_0_v1_4_1",
            render(&scn, UPGRADE, "v1.4.1", Some(0), &out)
        );
    });
}
