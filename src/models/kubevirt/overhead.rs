//! KubeVirt's `GetMemoryOverhead`, byte for byte, for each KubeVirt release a modelled
//! Harvester ships, and Harvester's derivation of a VM's memory request from its limit.
//!
//! Read at these tags (kubevirt/kubevirt): `pkg/virt-controller/services/template.go`
//! (v0.54.0, where the function lived then, and the component constants at every tag) and
//! `pkg/virt-controller/services/renderresources.go` (`GetMemoryOverhead`, `multiplyMemory`)
//! at v1.1.0, v1.1.1, v1.2.2, v1.3.0, v1.3.1, v1.4.0, v1.5.0, v1.5.2, v1.6.0, v1.6.3. Which
//! release a Harvester version ships: `go.mod` (`kubevirt.io/kubevirt`, what Harvester's own
//! quota code calls) and `deploy/charts/harvester/values.yaml` (`kubevirtVersion`, the
//! virt-controller that renders pods) at harvester/harvester v1.2.0 .. v1.7.0; where the two
//! differ (v1.4.0/v1.4.1 vendor v1.3.0 but deploy 1.2.2; v1.6.x vendor v1.5.0, deploy 1.5.2;
//! v1.7.0 vendors v1.6.0, deploys 1.6.3) the arithmetic below is identical.
//!
//! Harvester's memory request: `generateMemoryPatch` in
//! `pkg/webhook/resources/virtualmachine/mutator.go` (same formula at v1.2.0 .. v1.7.0).
//!
//! Left out: the Passt-binding term (v1.1/v1.2 only, no Harvester VM uses Passt), network
//! binding plugins' overhead (`netbinding.CalculateMemoryOverhead`; Harvester registers none),
//! hugepages, and the reserved-memory/guest-memory patch (it does not enter the overhead).

use crate::kube::Quantity;

const MI: i64 = 1 << 20;

/// The `GetMemoryOverhead` arithmetic of a KubeVirt release line. Named after the first
/// release of the line; a line ends where a constant or a term changes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KubeVirtRelease {
    /// v0.54.0 (Harvester v1.2.0, v1.2.1): libvirtd instead of virtqemud, smaller
    /// virt-launcher and virtlogd, no ratio parameter, no guest-console-log container.
    V0_54,
    /// v1.1.0 .. v1.4.0 (Harvester v1.2.2 .. v1.5.1).
    V1_1,
    /// v1.5.0 .. v1.5.2 (Harvester v1.6.x): virtlogd 25Mi, virtqemud 40Mi.
    V1_5,
    /// v1.6.0 .. v1.6.3 (Harvester v1.7.0): video RAM 32Mi; the dedicated-CPU/guaranteed-QoS
    /// 100Mi is added before the ratio multiplies (after it until v1.5).
    V1_6,
}

impl KubeVirtRelease {
    /// virt-launcher-monitor + virt-launcher + virtlogd + libvirtd/virtqemud + qemu, the
    /// `*Overhead` constants of `template.go`.
    fn components(self) -> i64 {
        match self {
            // v0.54.0: 25Mi + 75Mi + 17Mi + 33Mi (libvirtd) + 30Mi
            KubeVirtRelease::V0_54 => (25 + 75 + 17 + 33 + 30) * MI,
            // v1.1.0 .. v1.4.0: 25Mi + 100Mi + 20Mi + 35Mi (virtqemud) + 30Mi
            KubeVirtRelease::V1_1 => (25 + 100 + 20 + 35 + 30) * MI,
            // v1.5.0 .. v1.6.3: 25Mi + 100Mi + 25Mi + 40Mi + 30Mi
            KubeVirtRelease::V1_5 | KubeVirtRelease::V1_6 => (25 + 100 + 25 + 40 + 30) * MI,
        }
    }

    /// "Add video RAM overhead" when a graphics device is auto-attached.
    fn video_ram(self) -> i64 {
        match self {
            KubeVirtRelease::V1_6 => 32 * MI,
            _ => 16 * MI,
        }
    }

    /// `GetMemoryOverhead` takes `additionalOverheadRatio` (since v1.1.0).
    fn takes_ratio(self) -> bool {
        self != KubeVirtRelease::V0_54
    }

    /// The virt-launcher pod carries the `guest-console-log` container
    /// (`serialconsolelog.go`, since v1.1.0; on unless the KubeVirt CR sets
    /// `disableSerialConsoleLog`, which Harvester never does).
    pub fn guest_console_log(self) -> bool {
        self != KubeVirtRelease::V0_54
    }
}

/// What `GetMemoryOverhead` reads of a VMI. The modelled Harvester VMs are
/// `VmiShape::harvester_vm`; the other fields exist so KubeVirt's own test table runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct VmiShape {
    /// `spec.domain.resources.requests.memory` (zero when unset).
    pub memory_request: Quantity,
    /// As `vcpus` computes it.
    pub vcpus: i64,
    /// `autoattachGraphicsDevice` unset or true.
    pub graphics: bool,
    /// The cluster's CPU architecture is arm64 (two UEFI pflash devices).
    pub arm64: bool,
    /// Host devices, GPUs or SR-IOV interfaces.
    pub vfio: bool,
    /// A `downwardMetrics` device.
    pub downward_metrics: bool,
    /// How many of the liveness and readiness probes are exec probes (0..=2).
    pub exec_probes: u8,
    /// AMD SEV (`spec.domain.launchSecurity.sev`).
    pub sev: bool,
    /// A vTPM (`spec.domain.devices.tpm`).
    pub tpm: bool,
    /// `IsCPUDedicated() || WantsToHaveQOSGuaranteed()`.
    pub dedicated_or_guaranteed: bool,
}

impl VmiShape {
    /// A VMI as Harvester creates it: a graphics device, no devices, probes or SEV.
    pub fn harvester_vm(memory_request: Quantity, vcpus: i64) -> VmiShape {
        VmiShape {
            memory_request,
            vcpus,
            graphics: true,
            arm64: false,
            vfio: false,
            downward_metrics: false,
            exec_probes: 0,
            sev: false,
            tpm: false,
            dedicated_or_guaranteed: false,
        }
    }
}

/// The vCPU count `GetMemoryOverhead` multiplies by: the topology's
/// sockets x cores x threads when `spec.domain.cpu` is set, else the cpu limit's, else the
/// cpu request's `Value()` (rounded up), and at least 1.
pub fn vcpus(
    topology: Option<i64>,
    cpu_limit: Option<Quantity>,
    cpu_request: Option<Quantity>,
) -> i64 {
    let n = match (topology, cpu_limit, cpu_request) {
        (Some(t), _, _) => t,
        (None, Some(l), _) => l.value(),
        (None, None, Some(r)) => r.value(),
        (None, None, None) => 0,
    };
    n.max(1)
}

/// `Quantity.ScaledValue(Kilo)`: rounded up to whole kilobytes.
fn kilo_ceil(bytes: i64) -> i64 {
    (bytes + 999).div_euclid(1000)
}

/// `multiplyMemory`: adds `int64(ScaledValue(Kilo) * (ratio - 1.0))` kilobytes, the float
/// product truncated toward zero as Go's conversion does.
fn multiply_memory(bytes: i64, ratio: f64) -> i64 {
    let addition = (kilo_ceil(bytes) as f64 * (ratio - 1.0)) as i64;
    bytes + addition * 1000
}

/// `GetMemoryOverhead(vmi, arch, additionalOverheadRatio)` in bytes. `ratio` is the
/// `additionalGuestMemoryOverheadRatio` string; `None` or `""` is nil, and a string that
/// does not parse as a float leaves the overhead unscaled (the real code logs a warning).
pub fn get_memory_overhead(kv: KubeVirtRelease, vmi: &VmiShape, ratio: Option<&str>) -> Quantity {
    // Page tables, one bit per 512 b: NewScaledQuantity(ScaledValue(Kilo), Kilo), whose
    // Value() is divided by 512 and Set back (so the kilo rounding happens before /512).
    let mut o = kilo_ceil(vmi.memory_request.value()) * 1000 / 512;
    o += kv.components();
    o += 8 * MI * vmi.vcpus.max(1); // "8 MiB per vCPU"
    o += 8 * MI; // "static overhead for IOThread"
    if vmi.graphics {
        o += kv.video_ram();
    }
    if vmi.arm64 {
        o += 128 * MI;
    }
    if vmi.vfio {
        o += 1024 * MI;
    }
    if vmi.downward_metrics {
        o += MI;
    }
    if vmi.exec_probes > 0 {
        // virtProbeOverhead 10Mi per exec probe, virtProbeTotalAdditionalOverhead 100Mi once.
        o += 10 * MI * i64::from(vmi.exec_probes) + 100 * MI;
    }
    if vmi.sev {
        o += 256 * MI;
    }
    if vmi.tpm {
        o += 53 * MI;
    }
    let dedicated = if vmi.dedicated_or_guaranteed {
        100 * MI
    } else {
        0
    };
    if kv == KubeVirtRelease::V1_6 {
        o += dedicated;
    }
    if kv.takes_ratio() {
        if let Some(r) = ratio.filter(|r| !r.is_empty()) {
            // strconv.ParseFloat; Rust's parser rounds to nearest as Go's does.
            if let Ok(f) = r.parse::<f64>() {
                o = multiply_memory(o, f);
            }
        }
    }
    if kv != KubeVirtRelease::V1_6 {
        o += dedicated;
    }
    Quantity::from_units(o)
}

/// The overhead of a modelled Harvester VM (see `VmiShape::harvester_vm`).
pub fn memory_overhead(
    kv: KubeVirtRelease,
    memory_request: Quantity,
    vcpus: i64,
    ratio: Option<&str>,
) -> Quantity {
    get_memory_overhead(kv, &VmiShape::harvester_vm(memory_request, vcpus), ratio)
}

/// Harvester's default memory overcommit (setting `overcommit-config`, memory 150).
pub const MEMORY_OVERCOMMIT_PERCENT: i64 = 150;

/// The memory request Harvester's VM mutator derives from the limit:
/// `limit * 100 / overcommit`, truncated to whole MiB.
pub fn memory_request(limit: Quantity) -> Quantity {
    Quantity::from_units(limit.value() * 100 / MEMORY_OVERCOMMIT_PERCENT / MI * MI)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_4gi_limit_requests_2730mi_truncated_to_whole_mib() {
        // 4Gi * 100 / 150 = 2863311530.67 bytes -> 2730 MiB.
        assert_eq!(
            memory_request(Quantity::from_units(4 << 30)).value(),
            2730 * MI
        );
    }

    #[test]
    fn page_tables_round_to_kilobytes_before_dividing_by_512() {
        let one_gi = VmiShape::harvester_vm(Quantity::from_units(1 << 30), 1);
        let no_ram = VmiShape::harvester_vm(Quantity::ZERO, 1);
        let pt = |v: &VmiShape| get_memory_overhead(KubeVirtRelease::V1_1, v, None).value();
        // ceil(1073741824 / 1000) * 1000 / 512 = 2097152.3 -> exactly 2Mi.
        assert_eq!(pt(&one_gi) - pt(&no_ram), 2 * MI);
    }

    #[test]
    fn a_ratio_that_does_not_parse_leaves_the_overhead_unscaled() {
        let v = VmiShape::harvester_vm(Quantity::from_units(1 << 30), 1);
        let kv = KubeVirtRelease::V1_1;
        assert_eq!(
            get_memory_overhead(kv, &v, Some("no_float")),
            get_memory_overhead(kv, &v, None)
        );
        assert_eq!(
            get_memory_overhead(kv, &v, Some("")),
            get_memory_overhead(kv, &v, None)
        );
    }

    #[test]
    fn kubevirt_v0_54_ignores_the_ratio() {
        let v = VmiShape::harvester_vm(Quantity::from_units(1 << 30), 1);
        let kv = KubeVirtRelease::V0_54;
        assert_eq!(
            get_memory_overhead(kv, &v, Some("1.5")),
            get_memory_overhead(kv, &v, None)
        );
    }

    #[test]
    fn vcpus_come_from_the_topology_then_the_limit_then_the_request() {
        let q = Quantity::from_units;
        assert_eq!(vcpus(Some(8), Some(q(5)), Some(q(3))), 8);
        assert_eq!(vcpus(None, Some(q(5)), Some(q(3))), 5);
        assert_eq!(vcpus(None, None, Some(q(3))), 3);
        assert_eq!(vcpus(None, None, Some(Quantity(500))), 1);
        assert_eq!(vcpus(None, None, None), 1);
    }
}
