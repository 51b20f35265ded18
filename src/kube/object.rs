//! API objects: metadata every object carries, and a typed body per kind. Only the fields
//! the modelled controllers read or write are present; everything else is left out.

use super::resources::ResourceList;
use crate::engine::SimTime;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

/// Index of an object's (kind, namespace, name) in the API server; stable for the run,
/// so queues, caches and watch events carry ids instead of strings.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ObjId(pub u32);

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Kind {
    Namespace,
    ResourceQuota,
    Pod,
    Node,
    VirtualMachine,
    VirtualMachineInstance,
    VirtualMachineInstanceMigration,
}

impl Kind {
    pub const COUNT: usize = 7;
    pub const ALL: [Kind; Kind::COUNT] = [
        Kind::Namespace,
        Kind::ResourceQuota,
        Kind::Pod,
        Kind::Node,
        Kind::VirtualMachine,
        Kind::VirtualMachineInstance,
        Kind::VirtualMachineInstanceMigration,
    ];

    /// The resource name used in API error texts (`resourcequotas`).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Namespace => "namespaces",
            Kind::ResourceQuota => "resourcequotas",
            Kind::Pod => "pods",
            Kind::Node => "nodes",
            Kind::VirtualMachine => "virtualmachines.kubevirt.io",
            Kind::VirtualMachineInstance => "virtualmachineinstances.kubevirt.io",
            Kind::VirtualMachineInstanceMigration => "virtualmachineinstancemigrations.kubevirt.io",
        }
    }

    /// The kind name used in 422 texts (`ResourceQuota "x" is invalid`).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Namespace => "Namespace",
            Kind::ResourceQuota => "ResourceQuota",
            Kind::Pod => "Pod",
            Kind::Node => "Node",
            Kind::VirtualMachine => "VirtualMachine",
            Kind::VirtualMachineInstance => "VirtualMachineInstance",
            Kind::VirtualMachineInstanceMigration => "VirtualMachineInstanceMigration",
        }
    }

    /// Short name for timelines.
    pub fn short(self) -> &'static str {
        match self {
            Kind::Namespace => "ns",
            Kind::ResourceQuota => "rq",
            Kind::Pod => "pod",
            Kind::Node => "node",
            Kind::VirtualMachine => "vm",
            Kind::VirtualMachineInstance => "vmi",
            Kind::VirtualMachineInstanceMigration => "vmim",
        }
    }

    pub fn namespaced(self) -> bool {
        !matches!(self, Kind::Namespace | Kind::Node)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Meta {
    pub name: String,
    /// Used on create only: the server appends a random-looking suffix.
    pub generate_name: String,
    pub namespace: String,
    pub uid: String,
    pub resource_version: u64,
    pub generation: u64,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub deletion_timestamp: Option<SimTime>,
    pub creation_timestamp: SimTime,
}

impl Meta {
    pub fn named(namespace: &str, name: &str) -> Meta {
        Meta {
            name: name.into(),
            namespace: namespace.into(),
            ..Meta::default()
        }
    }

    pub fn key(&self) -> String {
        if self.namespace.is_empty() {
            self.name.clone()
        } else {
            format!("{}/{}", self.namespace, self.name)
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MigrationPhase {
    Unset,
    Pending,
    Scheduling,
    Scheduled,
    PreparingTarget,
    TargetReady,
    Running,
    Succeeded,
    Failed,
}

impl MigrationPhase {
    pub fn is_final(self) -> bool {
        matches!(self, MigrationPhase::Succeeded | MigrationPhase::Failed)
    }
    pub fn name(self) -> &'static str {
        match self {
            MigrationPhase::Unset => "\"\"",
            MigrationPhase::Pending => "Pending",
            MigrationPhase::Scheduling => "Scheduling",
            MigrationPhase::Scheduled => "Scheduled",
            MigrationPhase::PreparingTarget => "PreparingTarget",
            MigrationPhase::TargetReady => "TargetReady",
            MigrationPhase::Running => "Running",
            MigrationPhase::Succeeded => "Succeeded",
            MigrationPhase::Failed => "Failed",
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum VmiPhase {
    Pending,
    Scheduled,
    Running,
    Succeeded,
    Failed,
}

impl VmiPhase {
    pub fn is_final(self) -> bool {
        matches!(self, VmiPhase::Succeeded | VmiPhase::Failed)
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct NamespaceBody {
    /// Rancher's `project.Spec.NamespaceDefaultResourceQuota` for this namespace's project.
    pub project_default: Option<ResourceList>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ResourceQuotaBody {
    pub spec_hard: ResourceList,
    pub status_hard: ResourceList,
    pub status_used: ResourceList,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PodBody {
    pub node: Option<String>,
    pub phase: PodPhase,
    pub ready: bool,
    pub limits: ResourceList,
    /// Name of the VMI this virt-launcher pod runs (`kubevirt.io/created-by`).
    pub vmi: String,
    /// Set on a migration target pod: the VMIM's uid (`kubevirt.io/migrationJobUID`).
    pub migration_uid: Option<String>,
    /// Node the pod must not land on (the anti-affinity keeping a target off its source).
    pub avoid_node: Option<String>,
    /// Node the pod must land on (a targeted migration).
    pub require_node: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VmBody {
    pub cpu: super::quantity::Quantity,
    pub memory: super::quantity::Quantity,
    pub printable_status: String,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct MigrationState {
    pub migration_uid: String,
    pub source_node: String,
    pub target_node: String,
    pub target_node_address: Option<String>,
    pub start_timestamp: Option<SimTime>,
    pub end_timestamp: Option<SimTime>,
    pub completed: bool,
    pub failed: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VmiBody {
    pub node: String,
    pub phase: VmiPhase,
    /// `spec.domain.resources.limits.cpu` (also the vCPU count).
    pub cpu: super::quantity::Quantity,
    /// `spec.domain.resources.limits.memory`.
    pub memory: super::quantity::Quantity,
    /// `spec.domain.resources.requests.memory` (limit / overcommit ratio).
    pub memory_request: super::quantity::Quantity,
    pub migration_state: Option<MigrationState>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VmimBody {
    pub vmi_name: String,
    pub phase: MigrationPhase,
    /// Condition `migrationRejectedByResourceQuota`.
    pub rejected_by_quota: bool,
    pub target_node: Option<String>,
    pub target_pod: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct NodeBody {
    pub capacity: ResourceList,
    pub unschedulable: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Body {
    Namespace(NamespaceBody),
    ResourceQuota(ResourceQuotaBody),
    Pod(PodBody),
    Node(NodeBody),
    VirtualMachine(VmBody),
    VirtualMachineInstance(VmiBody),
    VirtualMachineInstanceMigration(VmimBody),
}

impl Body {
    pub fn kind(&self) -> Kind {
        match self {
            Body::Namespace(_) => Kind::Namespace,
            Body::ResourceQuota(_) => Kind::ResourceQuota,
            Body::Pod(_) => Kind::Pod,
            Body::Node(_) => Kind::Node,
            Body::VirtualMachine(_) => Kind::VirtualMachine,
            Body::VirtualMachineInstance(_) => Kind::VirtualMachineInstance,
            Body::VirtualMachineInstanceMigration(_) => Kind::VirtualMachineInstanceMigration,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Obj {
    pub meta: Meta,
    pub body: Body,
}

/// An immutable snapshot, shared between the store, caches and watch events.
pub type Snap = Rc<Obj>;

macro_rules! accessors {
    ($($get:ident, $get_mut:ident, $variant:ident, $ty:ty;)*) => {
        impl Obj {
            $(
            pub fn $get(&self) -> &$ty {
                match &self.body {
                    Body::$variant(b) => b,
                    other => panic!("expected {} body, found {:?}", stringify!($variant), other.kind()),
                }
            }
            pub fn $get_mut(&mut self) -> &mut $ty {
                match &mut self.body {
                    Body::$variant(b) => b,
                    other => panic!("expected {} body, found {:?}", stringify!($variant), other.kind()),
                }
            }
            )*
        }
    };
}

accessors! {
    namespace, namespace_mut, Namespace, NamespaceBody;
    rq, rq_mut, ResourceQuota, ResourceQuotaBody;
    pod, pod_mut, Pod, PodBody;
    node, node_mut, Node, NodeBody;
    vm, vm_mut, VirtualMachine, VmBody;
    vmi, vmi_mut, VirtualMachineInstance, VmiBody;
    vmim, vmim_mut, VirtualMachineInstanceMigration, VmimBody;
}

impl Obj {
    pub fn new(meta: Meta, body: Body) -> Obj {
        Obj { meta, body }
    }

    pub fn kind(&self) -> Kind {
        self.body.kind()
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta.annotations.get(key).map(String::as_str)
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.meta.labels.get(key).map(String::as_str)
    }
}

impl fmt::Display for Obj {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind().short(), self.meta.key())
    }
}
