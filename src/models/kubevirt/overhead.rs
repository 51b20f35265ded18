//! `GetMemoryOverhead` from KubeVirt v1.3 (`pkg/virt-controller/services/renderresources.go`,
//! constants in `template.go`). Left out: arm64 pflash, VFIO, downward metrics, probes,
//! SEV, TPM and dedicated-CPU terms (none of the modelled VMs has them).

use crate::kube::Quantity;

const MI: i64 = 1 << 20;
const VIRT_LAUNCHER_MONITOR_OVERHEAD: i64 = 25 * MI;
const VIRT_LAUNCHER_OVERHEAD: i64 = 100 * MI;
const VIRTLOGD_OVERHEAD: i64 = 20 * MI;
const VIRTQEMUD_OVERHEAD: i64 = 35 * MI;
const QEMU_OVERHEAD: i64 = 30 * MI;
/// "8 MiB per vCPU"
const PER_VCPU: i64 = 8 * MI;
/// "static overhead for IOThread"
const IOTHREAD: i64 = 8 * MI;
/// Video RAM (AutoattachGraphicsDevice defaults to true).
const VIDEO_RAM: i64 = 32 * MI;
/// Harvester's default memory overcommit (setting `overcommit-config`, memory 150%):
/// `requests.memory = limits.memory * 100 / 150`.
pub const MEMORY_OVERCOMMIT_PERCENT: i64 = 150;

fn ceil_div(a: i64, b: i64) -> i64 {
    (a + b - 1) / b
}

/// The memory request Harvester's mutator derives from the limit.
pub fn memory_request(limit: Quantity) -> Quantity {
    Quantity::from_units(limit.value() * 100 / MEMORY_OVERCOMMIT_PERCENT)
}

/// Overhead in bytes for a VMI with this memory request and vCPU count; `ratio` is the
/// `additionalGuestMemoryOverheadRatio` ("1.5") when set.
pub fn memory_overhead(memory_request: Quantity, vcpus: i64, ratio: Option<&str>) -> Quantity {
    // Page tables: one bit per 512 b of RAM, computed in kilo units (ScaledValue(Kilo)).
    let pagetable = ceil_div(memory_request.value(), 1000) / 512 * 1000;
    let mut o = pagetable
        + VIRT_LAUNCHER_MONITOR_OVERHEAD
        + VIRT_LAUNCHER_OVERHEAD
        + VIRTLOGD_OVERHEAD
        + VIRTQEMUD_OVERHEAD
        + QEMU_OVERHEAD
        + PER_VCPU * vcpus.max(1)
        + IOTHREAD
        + VIDEO_RAM;
    if let Some(r) = ratio {
        // multiplyMemory: the addition is int64(ScaledValue(Kilo) * (ratio - 1)) kilo.
        let (num, den) = parse_ratio(r);
        let kilo = ceil_div(o, 1000);
        o += kilo * (num - den) / den * 1000;
    }
    Quantity::from_units(o)
}

/// "1.5" -> (15, 10). Ratios are validated by the setting webhook in the real system.
fn parse_ratio(r: &str) -> (i64, i64) {
    let (i, f) = r.split_once('.').unwrap_or((r, ""));
    let den = 10i64.pow(f.len() as u32);
    let num = format!("{i}{f}").parse::<i64>().unwrap_or(den);
    (num, den)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overhead_of_a_2_cpu_4gi_vm_without_ratio() {
        let req = memory_request(Quantity::from_units(4 << 30));
        let o = memory_overhead(req, 2, None);
        // 210Mi fixed + 16Mi vCPUs + 8Mi iothread + 32Mi video + page tables of 2.67Gi.
        assert_eq!(o.value(), 266 * MI + 5_592_000);
    }

    #[test]
    fn ratio_1_5_adds_half_the_overhead() {
        let req = memory_request(Quantity::from_units(2 << 30));
        let base = memory_overhead(req, 1, None).value();
        let scaled = memory_overhead(req, 1, Some("1.5")).value();
        assert_eq!(scaled, base + ceil_div(base, 1000) / 2 * 1000);
    }
}
