//! A cluster's install (scenarios with a `bootstrap:` section): KubeVirt's run strategies,
//! the settings webhook per version, and Harvester #8407, where a RerunOnFailure VM in the
//! RKE2 auto-deploy manifests makes the harvester pod crash-loop on v1.4.0 to v1.5.0.

mod common;
use common::*;
use hvsim::check::run_seed;
use hvsim::engine::{SeededChoices, SimDuration, SimTime, Trace};
use hvsim::kube::object::{RunStrategy, SettingBody, VmBody, VmiBody};
use hvsim::kube::{ApiServer, Body, Kind, Meta, Obj, Snap, VmiPhase};
use hvsim::models::harvester::settings_validator::{SettingValidator, STOP_ALL_VMS};
use hvsim::models::kubevirt::vm::{with_start_request, with_stop_request};
use hvsim::scenario::version::KNOWN;
use hvsim::scenario::Scenario;
use hvsim::sim::World;

const RERUN: &str = "scenarios/bootstrap-rerun-on-failure.ron";
const MANUAL: &str = "scenarios/bootstrap-manual.ron";
const SLOW_IMAGE: &str = "scenarios/bootstrap-slow-image.ron";

fn snap(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}

// ---- KubeVirt's run strategies ----

/// An install whose manifests hold one VM `default/vm1` with `strategy` and no disks;
/// KubeVirt is ready at 1 s, the harvester pod starts at 20 s.
fn vm_world(strategy: &str) -> World {
    let text = format!(
        r##"Scenario(
    name: "run-strategy",
    harvester: "v1.5.1",
    nodes: [(name: "node-1")],
    bootstrap: (
        manifests: [Inline(name: "vm.yaml", yaml: r#"
apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {{name: vm1}}
spec:
  runStrategy: {strategy}
  template:
    spec:
      domain:
        cpu: {{cores: 1}}
        memory: {{guest: 1Gi}}
"#)],
        kubevirt_ready: ("1s", "1s"),
        harvester_start: ("20s", "20s"),
    ),
    calm: "1h",
)"##
    );
    let scn = parse(&text);
    World::build(
        &scn,
        v("v1.5.1"),
        Box::new(SeededChoices::new(3)),
        Trace::new(true, false),
    )
}

/// Steps the world until `secs` seconds of virtual time.
fn run_until(w: &mut World, secs: u64) {
    let t = SimTime::ZERO + SimDuration::from_secs(secs);
    w.wake_at(t);
    while w.sim.now() < t {
        if w.step().is_err() {
            break;
        }
    }
}

fn vm(w: &World) -> Snap {
    w.cluster
        .api
        .get(Kind::VirtualMachine, "default", "vm1")
        .expect("vm1 applied")
        .clone()
}

fn vmi(w: &World) -> Option<Snap> {
    w.cluster
        .api
        .get(Kind::VirtualMachineInstance, "default", "vm1")
        .cloned()
}

fn printable(w: &World) -> String {
    vm(w).vm().printable_status.clone()
}

/// virt-handler reports the VMI's end: Failed (a crash) or Succeeded (the guest shut down).
fn vmi_ends(w: &mut World, phase: VmiPhase) {
    let mut next = (*vmi(w).expect("a VMI")).clone();
    next.vmi_mut().phase = phase;
    w.cluster.api.update_status(w.user, next).unwrap();
    w.cluster.flush(&mut w.sim);
}

/// `virtctl start` / `virtctl stop`.
fn request(w: &mut World, start: bool) {
    let vm = vm(w);
    let next = if start {
        with_start_request(&vm)
    } else {
        let uid = vmi(w).map(|i| i.meta.uid.clone());
        with_stop_request(&vm, uid.as_deref())
    };
    w.cluster.api.update_status(w.user, next).unwrap();
    w.cluster.flush(&mut w.sim);
}

fn running_uid(w: &World) -> String {
    let i = vmi(w).expect("a VMI");
    assert_eq!(i.vmi().phase, VmiPhase::Running, "VMI phase");
    assert_eq!(printable(w), "Running");
    i.meta.uid.to_string()
}

#[test]
fn always_starts_at_creation_and_recreates_the_vmi_after_a_guest_shutdown_or_a_failure() {
    let mut w = vm_world("Always");
    run_until(&mut w, 60);
    let first = running_uid(&w);
    vmi_ends(&mut w, VmiPhase::Succeeded);
    run_until(&mut w, 120);
    let second = running_uid(&w);
    assert_ne!(first, second, "a new VMI");
    vmi_ends(&mut w, VmiPhase::Failed);
    run_until(&mut w, 180);
    assert_ne!(running_uid(&w), second);
}

#[test]
fn rerun_on_failure_starts_at_creation_restarts_after_a_failure_and_not_after_a_guest_shutdown() {
    let mut w = vm_world("RerunOnFailure");
    run_until(&mut w, 60);
    let first = running_uid(&w);
    vmi_ends(&mut w, VmiPhase::Failed);
    run_until(&mut w, 120);
    assert_ne!(running_uid(&w), first, "restarted with a new VMI");
    assert!(
        vm(&w).vm().state_change_requests.is_empty(),
        "start request trimmed"
    );
    vmi_ends(&mut w, VmiPhase::Succeeded);
    run_until(&mut w, 180);
    assert!(
        vmi(&w).is_none(),
        "the completed VMI is deleted and not recreated"
    );
    assert_eq!(printable(&w), "Stopped");
}

#[test]
fn manual_creates_no_vmi_until_a_start_request_and_never_restarts_it() {
    let mut w = vm_world("Manual");
    run_until(&mut w, 60);
    assert!(vmi(&w).is_none());
    assert_eq!(printable(&w), "Stopped");
    request(&mut w, true);
    run_until(&mut w, 120);
    running_uid(&w);
    vmi_ends(&mut w, VmiPhase::Failed);
    run_until(&mut w, 180);
    let i = vmi(&w).expect("the failed VMI is kept");
    assert_eq!(i.vmi().phase, VmiPhase::Failed);
    assert_eq!(printable(&w), "Stopped");
    request(&mut w, false);
    run_until(&mut w, 240);
    assert!(vmi(&w).is_none(), "a stop request deletes it");
}

#[test]
fn halted_never_runs_and_a_start_request_switches_it_to_always() {
    let mut w = vm_world("Halted");
    run_until(&mut w, 60);
    assert!(vmi(&w).is_none());
    assert_eq!(printable(&w), "Stopped");
    request(&mut w, true);
    run_until(&mut w, 120);
    assert_eq!(vm(&w).vm().run_strategy, RunStrategy::Always);
    running_uid(&w);
}

#[test]
fn once_runs_at_creation_and_is_not_restarted_after_a_failure() {
    let mut w = vm_world("Once");
    run_until(&mut w, 60);
    running_uid(&w);
    vmi_ends(&mut w, VmiPhase::Failed);
    run_until(&mut w, 180);
    assert_eq!(vmi(&w).expect("kept").vmi().phase, VmiPhase::Failed);
    assert_eq!(printable(&w), "Stopped");
}

// ---- the settings webhook per version ----

/// An API server holding one VM with its VMI, as `printableStatus` and phase say, and the
/// setting validator of `version`.
fn server_with_vm(version: &str, printable: &str, vmi: Option<VmiPhase>) -> ApiServer {
    let mut api = ApiServer::new();
    api.add_hook(Box::new(SettingValidator {
        check: v(version).behaviours().storage_network_check,
    }));
    api.seed(Obj::new(
        Meta::named("default", "vm1"),
        Body::VirtualMachine(VmBody {
            printable_status: printable.into(),
            ..VmBody::default()
        }),
    ));
    if let Some(phase) = vmi {
        api.seed(Obj::new(
            Meta::named("default", "vm1"),
            Body::VirtualMachineInstance(VmiBody {
                node: "node-1".into(),
                phase,
                cpu: Default::default(),
                memory: Default::default(),
                memory_request: Default::default(),
                migration_state: None,
                domain: Default::default(),
                cpu_origin: "node-1".into(),
            }),
        ));
    }
    api
}

fn create_storage_network(api: &mut ApiServer, value: &str) -> Result<(), String> {
    let s = Obj::new(
        Meta::named("", "storage-network"),
        Body::Setting(SettingBody {
            default: String::new(),
            value: value.into(),
        }),
    );
    api.create(0, s).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn the_empty_storage_network_default_is_refused_while_a_vm_runs_on_v1_4_0_to_v1_5_0_only() {
    let denied = format!(
        "admission webhook \"validator.harvesterhci.io\" denied the request: {STOP_ALL_VMS}"
    );
    for version in KNOWN {
        let mut api = server_with_vm(version, "Running", Some(VmiPhase::Running));
        let buggy = v(version) >= v("v1.4.0") && v(version) < v("v1.5.1");
        let expected = if buggy { Err(denied.clone()) } else { Ok(()) };
        assert_eq!(create_storage_network(&mut api, ""), expected, "{version}");
    }
}

#[test]
fn a_storage_network_value_is_checked_on_every_version() {
    let value = r#"{"vlan":100,"clusterNetwork":"storage","range":"192.168.0.0/24"}"#;
    for version in KNOWN {
        let mut api = server_with_vm(version, "Running", Some(VmiPhase::Running));
        assert!(
            create_storage_network(&mut api, value).is_err(),
            "{version}"
        );
    }
}

#[test]
fn a_vm_is_stopped_for_the_check_only_when_its_printable_status_is_stopped() {
    let cases = [
        ("Stopped", None, true),
        ("Stopped", Some(VmiPhase::Succeeded), true),
        ("Starting", None, false),
        ("WaitingForVolumeBinding", Some(VmiPhase::Pending), false),
        // Not yet seen by virt-controller.
        ("", None, false),
    ];
    for (status, vmi, stopped) in cases {
        let mut api = server_with_vm("v1.4.0", status, vmi);
        assert_eq!(
            create_storage_network(&mut api, "").is_ok(),
            stopped,
            "printableStatus {status:?} with VMI {vmi:?}"
        );
    }
}

// ---- the install, per scenario ----

fn verdict(scn: &Scenario, version: &str, seed: u64) -> Option<String> {
    run_seed(scn, v(version), seed, Trace::off())
        .violation
        .map(|v| v.invariant)
}

#[test]
fn a_rerun_on_failure_vm_blocks_the_install_on_v1_4_0_to_v1_5_0_and_not_on_v1_3_2_or_v1_5_1() {
    let scn = load(RERUN);
    for seed in 0..20 {
        for version in ["v1.4.0", "v1.4.1", "v1.4.2", "v1.4.3", "v1.5.0"] {
            assert_eq!(
                verdict(&scn, version, seed).as_deref(),
                Some("install-completes"),
                "{version} seed {seed}"
            );
        }
        for version in ["v1.3.2", "v1.5.1", "v1.6.0"] {
            assert_eq!(verdict(&scn, version, seed), None, "{version} seed {seed}");
        }
    }
}

#[test]
fn the_same_vm_with_run_strategy_manual_installs_on_every_version() {
    let scn = load(MANUAL);
    for version in KNOWN {
        for seed in 0..10 {
            assert_eq!(verdict(&scn, version, seed), None, "{version} seed {seed}");
        }
    }
}

#[test]
fn the_violation_names_the_blocking_vm_and_quotes_the_webhook() {
    let scn = load(RERUN);
    let out = traced(&scn, "v1.4.0", 1);
    let v = out.violation.expect("violated");
    assert_eq!(v.invariant, "install-completes");
    assert_eq!(
        v.message,
        "harvester deployment harvester-system/harvester not Ready within 10m (deadline 10:00.000000, counted from RKE2's start at 00:00.000000): the harvester container exited 6 times; last error: failed to create harvester server: admission webhook \"validator.harvesterhci.io\" denied the request: Please stop all VMs before configuring the storage-network setting; VMs not stopped: default/vm1 (printableStatus Running)"
    );
}

#[test]
fn the_harvester_pod_logs_the_real_fatal_line_and_restarts_with_the_kubelet_back_off() {
    let scn = load(RERUN);
    let out = traced(&scn, "v1.4.0", 1);
    let text = text_of(&out);
    assert!(text.contains(r#"[harvester] level=fatal msg="failed to create harvester server: admission webhook \"validator.harvesterhci.io\" denied the request: Please stop all VMs before configuring the storage-network setting""#), "{text}");
    let backoffs: Vec<&str> = out
        .trace
        .iter()
        .filter_map(|r| r.text.strip_prefix("back-off "))
        .filter_map(|t| t.split(' ').next())
        .collect();
    assert_eq!(backoffs, ["10s", "20s", "40s", "1m20s", "2m40s", "5m"]);
}

#[test]
fn the_race_is_reached_a_vm_was_running_when_the_setting_was_asked_for() {
    let scn = load(RERUN);
    let out = traced(&scn, "v1.5.1", 1);
    assert_eq!(out.sometimes, vec![("vm-running-at-setting-create", true)]);
}

#[test]
fn a_vm_still_waiting_for_its_image_blocks_the_install_all_the_same() {
    let scn = load(SLOW_IMAGE);
    let out = (0..200)
        .map(|seed| traced(&scn, "v1.4.0", seed))
        .find(|o| o.sometimes == vec![("vm-running-at-setting-create", false)])
        .expect("a seed whose every harvester start saw the VM not yet running");
    assert_eq!(
        out.violation.as_ref().expect("violated").invariant,
        "install-completes"
    );
    let text = text_of(&out);
    assert!(text.contains("→WaitingForVolumeBinding"), "{text}");
}

#[test]
fn kinds_hvsim_does_not_model_are_reported_and_applied_as_opaque_objects() {
    let scn = load(SLOW_IMAGE);
    let out = traced(&scn, "v1.5.1", 0);
    let text = text_of(&out);
    assert!(text.contains("[rke2-server] manifest vm1.yaml: VirtualMachineImage default/image-jammy (harvesterhci.io/v1beta1) is of a kind hvsim does not model; it is applied as an opaque object"), "{text}");
    assert!(text.contains("[rke2-server] POST virtualmachineimages.harvesterhci.io default/image-jammy: harvesterhci.io/v1beta1 VirtualMachineImage (not modelled) → 201"), "{text}");
}

#[test]
fn bootstrap_runs_are_deterministic_and_replay_exactly() {
    for path in [RERUN, SLOW_IMAGE] {
        let scn = load(path);
        for seed in 0..20 {
            let a = traced(&scn, "v1.4.3", seed);
            let b = traced(&scn, "v1.4.3", seed);
            let r = replayed(&scn, "v1.4.3", a.answers.clone());
            let show = |o| render(&scn, path, "v1.4.3", None, o);
            assert_eq!(show(&a), show(&b), "{path} seed {seed}");
            assert_eq!(show(&a), show(&r), "{path} seed {seed} replayed");
        }
    }
}

#[test]
fn a_written_scenario_carries_its_manifests_inline_and_loads_to_the_same_runs() {
    let scn = load(SLOW_IMAGE);
    let written = ron::ser::to_string_pretty(&scn, ron::ser::PrettyConfig::default()).unwrap();
    let again = parse(&written);
    for seed in 0..5 {
        let a = traced(&scn, "v1.4.0", seed);
        let b = traced(&again, "v1.4.0", seed);
        assert_eq!(text_of(&a), text_of(&b), "seed {seed}");
    }
}

// ---- timelines ----

#[test]
fn rerun_on_failure_timeline_seed_1_per_version() {
    let scn = load(RERUN);
    for version in ["v1.3.2", "v1.4.0", "v1.4.3", "v1.5.0", "v1.5.1"] {
        let name = format!(
            "bootstrap_rerun_on_failure_seed_1_{}",
            version.replace('.', "_")
        );
        snap(
            &name,
            &render(&scn, RERUN, version, Some(1), &traced(&scn, version, 1)),
        );
    }
}
