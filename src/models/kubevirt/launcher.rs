//! The virt-launcher pod KubeVirt renders for a VMI (`services/template.go`
//! `renderLaunchManifest`, v1.1.0 .. v1.6.3), reduced to what quota, scheduling and the
//! upgrade flow read: limits, labels, node constraints (the CPU selector of
//! `node_labeller::launcher_selector`).
//!
//! Its containers' limits:
//! * `compute`: `limits.cpu` = the VM's cpu limit, `limits.memory` = the VM's memory limit +
//!   `GetMemoryOverhead(vmi, arch, kubevirt.spec.configuration.additionalGuestMemoryOverheadRatio)`
//!   (`WithMemoryOverhead` in `renderresources.go`);
//! * `guest-console-log` (`serialconsolelog.go`, KubeVirt v1.1.0+): `limits.cpu` 15m,
//!   `limits.memory` 60M (its requests, 5m / 35M, are not modelled: no modelled quota limits
//!   requests).
//!
//! Quota admission charges a pod the sum of its containers' limits, and at least each init
//! container's (`PodLimits`, kubernetes v1.30 `pkg/api/v1/resource/helpers.go`, called from
//! `pkg/quota/v1/evaluator/core/pods.go` `PodUsageFunc`). A virt-launcher pod has init
//! containers only for container disks and kernel boot, which no modelled VM has, so its
//! charge is the sum of the two containers. Left out: hook sidecars, virtiofs and
//! container-disk containers (none in Harvester's VMs).

use super::overhead::{memory_overhead, KubeVirtRelease};
use crate::kube::object::PodBody;
use crate::kube::{Body, Meta, Obj, PodPhase, Quantity, Resource, ResourceList};
use smol_str::SmolStr;

pub(crate) const LABEL_APP: &str = "kubevirt.io";
pub(crate) const LABEL_CREATED_BY: &str = "kubevirt.io/created-by";
pub(crate) const LABEL_VM_NAME: &str = "vm.kubevirt.io/name";
pub(crate) const LABEL_MIGRATION_JOB_UID: &str = "kubevirt.io/migrationJobUID";

/// What virt-controller renders a virt-launcher pod with: its release and the KubeVirt CR's
/// `additionalGuestMemoryOverheadRatio`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LauncherConfig {
    /// The KubeVirt release (its overhead formula and the pod's containers).
    pub kubevirt: KubeVirtRelease,
    /// The KubeVirt CR's `additionalGuestMemoryOverheadRatio`, if set.
    pub overhead_ratio: Option<&'static str>,
}

/// `guest-console-log` limits: `resource.MustParse("15m")` and `resource.MustParse("60M")`
/// (`resourcesForSerialConsoleLogContainer`, no support-container overrides in Harvester).
const CONSOLE_LOG_CPU: Quantity = Quantity(15);
const CONSOLE_LOG_MEMORY: Quantity = Quantity(60_000_000 * 1000);

/// The `compute` container's limits.
pub fn compute_limits(vmi: &Obj, cfg: LauncherConfig) -> ResourceList {
    let b = vmi.vmi();
    let overhead = memory_overhead(
        cfg.kubevirt,
        b.memory_request,
        b.cpu.value(),
        cfg.overhead_ratio,
    );
    ResourceList::new()
        .with(Resource::LimitsCpu, b.cpu)
        .with(Resource::LimitsMemory, b.memory + overhead)
}

/// The pod's resource limits as quota admission charges them (see the header).
pub fn launcher_limits(vmi: &Obj, cfg: LauncherConfig) -> ResourceList {
    let compute = compute_limits(vmi, cfg);
    if !cfg.kubevirt.guest_console_log() {
        return compute;
    }
    compute.add(
        &ResourceList::new()
            .with(Resource::LimitsCpu, CONSOLE_LOG_CPU)
            .with(Resource::LimitsMemory, CONSOLE_LOG_MEMORY),
    )
}

pub(crate) fn launcher_pod(vmi: &Obj, cfg: LauncherConfig, migration_uid: Option<&str>) -> Obj {
    let mut meta = Meta {
        generate_name: format!("virt-launcher-{}-", vmi.meta.name).into(),
        namespace: vmi.meta.namespace.clone(),
        ..Meta::default()
    };
    meta.labels.insert(LABEL_APP, "virt-launcher");
    meta.labels.insert(LABEL_CREATED_BY, vmi.meta.uid.clone());
    meta.labels.insert(LABEL_VM_NAME, vmi.meta.name.clone());
    if let Some(uid) = migration_uid {
        meta.labels.insert(LABEL_MIGRATION_JOB_UID, uid);
    }
    Obj::new(
        meta,
        Body::Pod(PodBody {
            node: None,
            phase: PodPhase::Pending,
            ready: false,
            limits: launcher_limits(vmi, cfg),
            vmi: vmi.meta.name.clone(),
            migration_uid: migration_uid.map(SmolStr::from),
            avoid_node: None,
            require_node: None,
            node_selector: std::sync::Arc::new(super::node_labeller::launcher_selector(
                &vmi.vmi().domain.cpu_model,
            )),
            unschedulable: false,
            // A migration target's readiness follows the source guest's; only a fresh start
            // waits for the guest to answer.
            probe: vmi.vmi().domain.probe && migration_uid.is_none(),
        }),
    )
}
