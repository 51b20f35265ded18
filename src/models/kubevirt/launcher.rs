//! The virt-launcher pod KubeVirt renders for a VMI (`services/template.go`), reduced to
//! what quota, scheduling and the upgrade flow read: limits, labels, node constraints
//! (the CPU selector of `node_labeller::launcher_selector`).
//! Limits: `limits.cpu` = the VM's cpu limit, `limits.memory` = memory limit + overhead.

use super::overhead::memory_overhead;
use crate::kube::object::PodBody;
use crate::kube::{Body, Meta, Obj, PodPhase, Resource, ResourceList};

pub const LABEL_APP: &str = "kubevirt.io";
pub const LABEL_CREATED_BY: &str = "kubevirt.io/created-by";
pub const LABEL_VM_NAME: &str = "vm.kubevirt.io/name";
pub const LABEL_MIGRATION_JOB_UID: &str = "kubevirt.io/migrationJobUID";

/// The pod's resource limits as quota sees them.
pub fn launcher_limits(vmi: &Obj, ratio: Option<&str>) -> ResourceList {
    let b = vmi.vmi();
    let overhead = memory_overhead(b.memory_request, b.cpu.value(), ratio);
    ResourceList::new()
        .with(Resource::LimitsCpu, b.cpu)
        .with(Resource::LimitsMemory, b.memory + overhead)
}

pub fn launcher_pod(vmi: &Obj, ratio: Option<&str>, migration_uid: Option<&str>) -> Obj {
    let mut meta = Meta {
        generate_name: format!("virt-launcher-{}-", vmi.meta.name),
        namespace: vmi.meta.namespace.clone(),
        ..Meta::default()
    };
    meta.labels.insert(LABEL_APP.into(), "virt-launcher".into());
    meta.labels
        .insert(LABEL_CREATED_BY.into(), vmi.meta.uid.clone());
    meta.labels
        .insert(LABEL_VM_NAME.into(), vmi.meta.name.clone());
    if let Some(uid) = migration_uid {
        meta.labels
            .insert(LABEL_MIGRATION_JOB_UID.into(), uid.into());
    }
    Obj::new(
        meta,
        Body::Pod(PodBody {
            node: None,
            phase: PodPhase::Pending,
            ready: false,
            limits: launcher_limits(vmi, ratio),
            vmi: vmi.meta.name.clone(),
            migration_uid: migration_uid.map(str::to_string),
            avoid_node: None,
            require_node: None,
            node_selector: super::node_labeller::launcher_selector(&vmi.vmi().domain.cpu_model),
            unschedulable: false,
            // A migration target's readiness follows the source guest's; only a fresh start
            // waits for the guest to answer.
            probe: vmi.vmi().domain.probe && migration_uid.is_none(),
        }),
    )
}
