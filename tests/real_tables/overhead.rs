//! KubeVirt `GetMemoryOverhead` and the memory figures Harvester derives from it, against
//! the upstream tables:
//! * kubevirt/kubevirt `pkg/virt-controller/services/renderresources_test.go`,
//!   `Describe("GetMemoryOverhead calculation")`, at v1.1.0, v1.1.1, v1.2.2, v1.3.0, v1.3.1,
//!   v1.4.0 (static 218Mi, page tables 2Mi, video 16Mi), v1.5.0 (223Mi, 7Mi, 16Mi) and v1.6.0
//!   (223Mi, 7Mi, 32Mi). The test sums named constants; its VMI requests 1Gi of memory.
//! * kubevirt/kubevirt `pkg/virt-controller/services/template_test.go`, "should add
//!   guest-to-memory headroom when configured with ratio" (1G request, 1 cpu request), at
//!   v1.1.0 .. v1.6.0.
//! * harvester/harvester `pkg/controller/master/migration/vmim_controller_test.go`,
//!   `TestHandler_OnVmimChanged_WithResourceQuota`, at v1.4.1 (literal figures) and v1.4.2,
//!   v1.5.0, v1.6.0, v1.7.0 (figures computed by the vendored KubeVirt's `GetMemoryOverhead`
//!   with the default ratio 1.5; the literal here is that computation done by hand).
//! * Field figures: the analysis doc's v1.2.1 annotation (harvester-facts.md 1.3) and the
//!   quota-admission message of a migration target pod (harvester-facts.md 1.5).
//!
//! Expected values of the upstream tests that are written as sums of constants are
//! written here as the same sums; `multiplyMemory` results are literal bytes.
//! `pkg/controller/master/resourcequota/resourcequota_controller_test.go` (base + deltas)
//! and `pkg/util/resourcequota/calculator_test.go` (namespace annotation parsing) involve no
//! overhead and are not ported here.

use hvsim::kube::object::{VmiBody, VmiPhase};
use hvsim::kube::{Body, Meta, Obj, Quantity, Resource, ResourceList};
use hvsim::models::kubevirt::launcher::{launcher_limits, LauncherConfig};
use hvsim::models::kubevirt::overhead::{
    get_memory_overhead, memory_overhead, memory_request, vcpus, KubeVirtRelease, VmiShape,
};

const MI: i64 = 1 << 20;
const GI: i64 = 1 << 30;

fn q(bytes: i64) -> Quantity {
    Quantity::from_units(bytes)
}

/// The test's `vmi`: 1Gi memory request, nothing else.
fn base_vmi() -> VmiShape {
    VmiShape::harvester_vm(q(GI), vcpus(None, None, None))
}

/// One `It`/`Entry` of the upstream table.
struct Row {
    name: &'static str,
    vmi: VmiShape,
    ratio: Option<&'static str>,
    expected: i64,
}

/// A release line's table: (tags, release, staticOverhead, baseOverhead, videoRAMOverhead,
/// multiplyMemory(base, 3.2) in bytes).
const RELEASES: &[(&str, KubeVirtRelease, i64, i64, i64, i64)] = &[
    (
        "v1.1.0 v1.1.1 v1.2.2 v1.3.0 v1.3.1 v1.4.0",
        KubeVirtRelease::V1_1,
        218 * MI,
        2 * MI,
        16 * MI,
        818_728_544,
    ),
    (
        "v1.5.0",
        KubeVirtRelease::V1_5,
        223 * MI,
        7 * MI,
        16 * MI,
        852_283_304,
    ),
    (
        "v1.6.0",
        KubeVirtRelease::V1_6,
        223 * MI,
        7 * MI,
        32 * MI,
        905_970_520,
    ),
];

fn render_resources_rows(stat: i64, base: i64, video: i64, times_3_2: i64) -> Vec<Row> {
    let cores = 8 * MI;
    let common = base + stat + video + cores;
    let with = |f: fn(&mut VmiShape)| {
        let mut v = base_vmi();
        f(&mut v);
        v
    };
    vec![
        Row {
            name: "should return base overhead+static+8Mi",
            vmi: base_vmi(),
            ratio: None,
            expected: common,
        },
        Row {
            name: "should adjust overhead based on the cores/threads/sockets (2x2x2)",
            vmi: with(|v| v.vcpus = vcpus(Some(2 * 2 * 2), None, None)),
            ratio: None,
            expected: base + stat + video + 8 * cores,
        },
        Row {
            name: "based on the limits if both requests and limits are provided (3, 5)",
            vmi: with(|v| v.vcpus = vcpus(None, Some(q(5)), Some(q(3)))),
            ratio: None,
            expected: base + stat + video + 5 * cores,
        },
        Row {
            name: "based on the requests if only requests are provided (3)",
            vmi: with(|v| v.vcpus = vcpus(None, None, Some(q(3)))),
            ratio: None,
            expected: base + stat + video + 3 * cores,
        },
        Row {
            name: "should not add videoRAMOverhead",
            vmi: with(|v| v.graphics = false),
            ratio: None,
            expected: base + stat + cores,
        },
        Row {
            name: "should add arm64 overhead",
            vmi: with(|v| v.arm64 = true),
            ratio: None,
            expected: common + 128 * MI,
        },
        Row {
            name: "should add vfio overhead (hostDEV, GPU, SRIOV)",
            vmi: with(|v| v.vfio = true),
            ratio: None,
            expected: common + GI,
        },
        Row {
            name: "should add downwardMetrics overhead",
            vmi: with(|v| v.downward_metrics = true),
            ratio: None,
            expected: common + MI,
        },
        Row {
            name: "with livenessProbe only / readinessProbe only",
            vmi: with(|v| v.exec_probes = 1),
            ratio: None,
            expected: common + 110 * MI,
        },
        Row {
            name: "with both readinessProbe adn livenessProbe",
            vmi: with(|v| v.exec_probes = 2),
            ratio: None,
            expected: common + 120 * MI,
        },
        Row {
            name: "should add SEV overhead",
            vmi: with(|v| v.sev = true),
            ratio: None,
            expected: common + 256 * MI,
        },
        Row {
            name: "should add SEV overhead (the TPM case)",
            vmi: with(|v| v.tpm = true),
            ratio: None,
            expected: common + 53 * MI,
        },
        Row {
            name: "with the given value if the given value is a float (3.2)",
            vmi: base_vmi(),
            ratio: Some("3.2"),
            expected: times_3_2,
        },
        Row {
            name: "with no value if the given value is not a float",
            vmi: base_vmi(),
            ratio: Some("no_float"),
            expected: common,
        },
        Row {
            name: "should add 100Mi of overhead: with DedicatedCPU",
            vmi: with(|v| {
                v.vcpus = vcpus(Some(1), None, None);
                v.dedicated_or_guaranteed = true
            }),
            ratio: None,
            expected: common + 100 * MI,
        },
        Row {
            name: "should add 100Mi of overhead: when wants QOSGuaranteed",
            vmi: with(|v| {
                v.vcpus = vcpus(Some(1), Some(q(4)), Some(q(4)));
                v.dedicated_or_guaranteed = true
            }),
            ratio: None,
            expected: common + 100 * MI,
        },
    ]
}

#[test]
fn kubevirt_get_memory_overhead_table_agrees_for_every_release() {
    for &(tags, kv, stat, base, video, times_3_2) in RELEASES {
        let rows = render_resources_rows(stat, base, video, times_3_2);
        let mut disagree = Vec::new();
        for r in &rows {
            let got = get_memory_overhead(kv, &r.vmi, r.ratio).value();
            if got != r.expected {
                disagree.push(format!("{}: got {got}, expected {}", r.name, r.expected));
            }
        }
        println!(
            "renderresources_test.go GetMemoryOverhead at {tags}: {} of {} rows agree",
            rows.len() - disagree.len(),
            rows.len()
        );
        assert!(disagree.is_empty(), "{kv:?}: {disagree:#?}");
    }
}

#[test]
fn kubevirt_ratio_headroom_table_agrees_for_every_release() {
    // template_test.go: a 1G request and 1 cpu request; expected is
    // multiplyMemory(GetMemoryOverhead(vmi, arch, nil), ratio).
    let table: &[(KubeVirtRelease, [(&str, i64); 3])] = &[
        (
            KubeVirtRelease::V1_1,
            [
                ("2.332", 596_312_517),
                ("1.234", 315_543_517),
                ("1.0", 255_708_517),
            ],
        ),
        (
            KubeVirtRelease::V1_5,
            [
                ("2.332", 620_765_277),
                ("1.234", 328_483_277),
                ("1.0", 266_194_277),
            ],
        ),
        (
            KubeVirtRelease::V1_6,
            [
                ("2.332", 659_889_493),
                ("1.234", 349_186_493),
                ("1.0", 282_971_493),
            ],
        ),
    ];
    let vmi = VmiShape::harvester_vm(
        Quantity::parse("1G").unwrap(),
        vcpus(None, None, Some(q(1))),
    );
    for (kv, rows) in table {
        let agree = rows
            .iter()
            .filter(|(ratio, want)| get_memory_overhead(*kv, &vmi, Some(ratio)).value() == *want)
            .count();
        println!(
            "template_test.go guest-to-memory headroom, {kv:?}: {agree} of {} rows agree",
            rows.len()
        );
        assert_eq!(agree, rows.len(), "{kv:?}");
    }
}

/// The delta Harvester's `CalculateScaleResourceQuotaWithVMI` computes for the test's VMI
/// (limits cpu 1, memory 1Gi, no requests), as the annotation JSON it writes.
fn vmim_test_delta(kv: KubeVirtRelease, ratio: Option<&str>) -> ResourceList {
    let shape = VmiShape::harvester_vm(Quantity::ZERO, vcpus(None, Some(q(1)), None));
    ResourceList::new().with(Resource::LimitsCpu, q(1)).with(
        Resource::LimitsMemory,
        q(GI) + get_memory_overhead(kv, &shape, ratio),
    )
}

#[test]
fn harvester_vmim_controller_table_agrees() {
    let rows: Vec<(&str, String, String)> = vec![
        (
            "v1.4.1 In Pending: annotation (ratio nil)",
            vmim_test_delta(KubeVirtRelease::V1_1, None).to_json(),
            r#"{"limits.cpu":"1","limits.memory":"1266Mi"}"#.into(),
        ),
        (
            "v1.4.1 In Pending: spec.hard 1/1297436672 + delta",
            ResourceList::new()
                .with(Resource::LimitsCpu, q(1))
                .with(Resource::LimitsMemory, q(1_297_436_672))
                .add(&vmim_test_delta(KubeVirtRelease::V1_1, None))
                .to_json(),
            ResourceList::new()
                .with(Resource::LimitsCpu, q(2))
                .with(Resource::LimitsMemory, q(2_624_933_888))
                .to_json(),
        ),
        (
            "v1.4.2 / v1.5.0 In Pending (and the long-name case): annotation (ratio 1.5)",
            vmim_test_delta(KubeVirtRelease::V1_1, Some("1.5")).to_json(),
            r#"{"limits.cpu":"1","limits.memory":"1454375216"}"#.into(),
        ),
        (
            "v1.6.0 In Pending: annotation (ratio 1.5, KubeVirt v1.5.0)",
            vmim_test_delta(KubeVirtRelease::V1_5, Some("1.5")).to_json(),
            r#"{"limits.cpu":"1","limits.memory":"1470103976"}"#.into(),
        ),
        (
            "v1.7.0 In Pending: annotation (ratio 1.5, KubeVirt v1.6.0)",
            vmim_test_delta(KubeVirtRelease::V1_6, Some("1.5")).to_json(),
            r#"{"limits.cpu":"1","limits.memory":"1495269192"}"#.into(),
        ),
    ];
    let agree = rows.iter().filter(|(_, got, want)| got == want).count();
    println!(
        "vmim_controller_test.go OnVmimChanged deltas: {agree} of {} rows agree",
        rows.len()
    );
    for (name, got, want) in &rows {
        assert_eq!(got, want, "{name}");
    }
}

fn vmi(cpu: i64, memory: i64) -> Obj {
    Obj::new(
        Meta::named("ns1", "vm1"),
        Body::VirtualMachineInstance(VmiBody {
            node: "node-1".into(),
            phase: VmiPhase::Running,
            cpu: q(cpu),
            memory: q(memory),
            memory_request: memory_request(q(memory)),
            migration_state: None,
            domain: Default::default(),
            cpu_origin: Default::default(),
        }),
    )
}

#[test]
fn field_figures_agree() {
    // harvester-facts.md 1.3: v1.2.1 (KubeVirt v0.54.0), a 2-cpu 4Gi VM, ratio nil.
    let v121 = ResourceList::new()
        .with(Resource::LimitsCpu, q(2))
        .with(
            Resource::LimitsMemory,
            q(4 * GI) + memory_overhead(KubeVirtRelease::V0_54, memory_request(q(4 * GI)), 2, None),
        )
        .to_json();
    // harvester-facts.md 1.5: the target pod of a 4-cpu 8Gi VM, as quota admission charges
    // it (KubeVirt v1.1.x, no ratio in the KubeVirt CR): compute + guest-console-log.
    let pod = launcher_limits(
        &vmi(4, 8 * GI),
        LauncherConfig {
            kubevirt: KubeVirtRelease::V1_1,
            overhead_ratio: None,
        },
    )
    .pretty();
    let rows = [
        (v121, r#"{"limits.cpu":"2","limits.memory":"4531245057"}"#),
        (pod, "limits.cpu=4015m,limits.memory=8940039936"),
    ];
    let agree = rows.iter().filter(|(got, want)| got == want).count();
    println!("field figures: {agree} of {} rows agree", rows.len());
    for (got, want) in &rows {
        assert_eq!(got, want);
    }
}

/// hvsim's overhead before this table was ported: page tables rounded to kilobytes after
/// dividing by 512, 32Mi of video RAM, the request not truncated to MiB, and the pod
/// charged for the compute container alone.
fn previous_model_overhead(memory_request: i64, vcpus: i64) -> i64 {
    let pagetable = (memory_request + 999) / 1000 / 512 * 1000;
    pagetable + 210 * MI + 8 * MI * vcpus + 8 * MI + 32 * MI
}

#[test]
fn the_previous_32mi_video_ram_fails_the_kubevirt_v1_3_row() {
    let row = 2 * MI + 218 * MI + 16 * MI + 8 * MI;
    assert_ne!(previous_model_overhead(GI, 1), row);
    assert_eq!(
        get_memory_overhead(KubeVirtRelease::V1_1, &base_vmi(), None).value(),
        row
    );
}

#[test]
fn the_previous_page_table_rounding_fails_the_2mi_row() {
    // 1Gi: ceil(1073741824/1000) = 1073742 kB; /512*1000 gives 2097000, not 2Mi.
    let without_video = previous_model_overhead(GI, 1) - 32 * MI;
    assert_ne!(without_video - 226 * MI, 2 * MI);
}

#[test]
fn the_previous_pod_limits_fail_the_field_quota_message() {
    let request = 8 * GI * 100 / 150; // not truncated to MiB
    let old = 8 * GI + previous_model_overhead(request, 4);
    assert_ne!(old, 8_940_039_936);
    // Even with the overhead right, the compute container alone is 60M and 15m short.
    let compute_only =
        8 * GI + memory_overhead(KubeVirtRelease::V1_1, memory_request(q(8 * GI)), 4, None).value();
    assert_eq!(compute_only + 60_000_000, 8_940_039_936);
}
