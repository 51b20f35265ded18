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
    /// Harvester's `harvesterhci.io/v1beta1 Setting` (cluster-scoped).
    Setting,
    PersistentVolumeClaim,
    /// RKE2's (k3s) `k3s.cattle.io/v1 Addon`: one auto-deploy manifest file.
    Addon,
    /// An object of a kind hvsim does not model (from a manifest): kept, applied, never read.
    Opaque,
    /// Harvester's `harvesterhci.io/v1beta1 Upgrade` (in `harvester-system`).
    Upgrade,
    /// A `batch/v1 Job` of the upgrade (`harvesterhci.io/upgradeJobType`).
    Job,
}

impl Kind {
    pub const COUNT: usize = 13;
    pub const ALL: [Kind; Kind::COUNT] = [
        Kind::Namespace,
        Kind::ResourceQuota,
        Kind::Pod,
        Kind::Node,
        Kind::VirtualMachine,
        Kind::VirtualMachineInstance,
        Kind::VirtualMachineInstanceMigration,
        Kind::Setting,
        Kind::PersistentVolumeClaim,
        Kind::Addon,
        Kind::Opaque,
        Kind::Upgrade,
        Kind::Job,
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
            Kind::Setting => "settings.harvesterhci.io",
            Kind::PersistentVolumeClaim => "persistentvolumeclaims",
            Kind::Addon => "addons.k3s.cattle.io",
            // The real resource is in the object's body (`OpaqueBody`).
            Kind::Opaque => "objects",
            Kind::Upgrade => "upgrades.harvesterhci.io",
            Kind::Job => "jobs.batch",
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
            Kind::Setting => "Setting",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
            Kind::Addon => "Addon",
            Kind::Opaque => "Object",
            Kind::Upgrade => "Upgrade",
            Kind::Job => "Job",
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
            Kind::Setting => "setting",
            Kind::PersistentVolumeClaim => "pvc",
            Kind::Addon => "addon",
            Kind::Opaque => "obj",
            Kind::Upgrade => "upgrade",
            Kind::Job => "job",
        }
    }

    pub fn namespaced(self) -> bool {
        // An opaque object may be either; its namespace says which.
        !matches!(self, Kind::Namespace | Kind::Node | Kind::Setting)
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
    /// `spec.nodeSelector`: labels the node must carry.
    pub node_selector: BTreeMap<String, String>,
    /// Condition `PodScheduled=False, reason Unschedulable`, set by the scheduler.
    pub unschedulable: bool,
    /// The VMI has a readiness probe: the pod is Ready only once the guest answers it.
    pub probe: bool,
}

/// KubeVirt's `spec.runStrategy` (`spec.running: true|false` reads as Always|Halted).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum RunStrategy {
    Always,
    /// Harvester's default for the VMs it creates (annotation `harvesterhci.io/vmRunStrategy`).
    #[default]
    RerunOnFailure,
    Manual,
    Halted,
    Once,
}

impl RunStrategy {
    pub const ALL: [RunStrategy; 5] = [
        RunStrategy::Always,
        RunStrategy::RerunOnFailure,
        RunStrategy::Manual,
        RunStrategy::Halted,
        RunStrategy::Once,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RunStrategy::Always => "Always",
            RunStrategy::RerunOnFailure => "RerunOnFailure",
            RunStrategy::Manual => "Manual",
            RunStrategy::Halted => "Halted",
            RunStrategy::Once => "Once",
        }
    }
}

/// One entry of a VM's `status.stateChangeRequests` (what `virtctl start|stop` asks for).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct StateChangeRequest {
    /// true: `Start`; false: `Stop`.
    pub start: bool,
    /// `data["uid"]`: the VMI a stop request is for.
    pub uid: Option<String>,
}

/// `spec.domain.cpu.model`: KubeVirt's CPU modes.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub enum CpuMode {
    /// KubeVirt's default (`DefaultCPUModel = CPUModeHostModel`).
    #[default]
    HostModel,
    HostPassthrough,
    /// A named libvirt model such as `Cascadelake-Server`.
    Named(String),
}

impl CpuMode {
    pub fn parse(s: &str) -> CpuMode {
        match s {
            "host-model" => CpuMode::HostModel,
            "host-passthrough" => CpuMode::HostPassthrough,
            m => CpuMode::Named(m.to_string()),
        }
    }

    pub fn name(&self) -> &str {
        match self {
            CpuMode::HostModel => "host-model",
            CpuMode::HostPassthrough => "host-passthrough",
            CpuMode::Named(m) => m,
        }
    }
}

/// The parts of a VM's template the drain and upgrade flows read.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Domain {
    pub cpu_model: CpuMode,
    /// Any CD-ROM or containerDisk disk (what Harvester's live-migrate detector looks for).
    pub cdrom: bool,
    /// KubeVirt's `LiveMigratable` condition (false for e.g. non-shared volumes).
    pub live_migratable: bool,
    /// `evictionStrategy: LiveMigrate` or `LiveMigrateIfPossible`.
    pub evict: bool,
    /// A readiness probe on the guest (the upgrade repo's HTTP check).
    pub probe: bool,
    /// `spec.nodeSelector` (`None` is nil: Harvester's detector tests `!= nil`).
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Host devices passed to the guest.
    pub host_devices: Vec<HostDevice>,
    /// `spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`'s
    /// `nodeSelectorTerms` (ORed; each term's expressions ANDed).
    pub node_affinity: Option<Vec<Vec<NodeSelectorRequirement>>>,
}

/// A device passed through to a guest: PCI and USB devices are entries of
/// `spec.domain.devices.hostDevices`, a vGPU one of `spec.domain.devices.gpus`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum HostDevice {
    Pci,
    Usb,
    VGpu,
}

impl HostDevice {
    /// Whether it is listed in `spec.domain.devices.hostDevices` (a vGPU is in `gpus`).
    pub fn in_host_devices(self) -> bool {
        matches!(self, HostDevice::Pci | HostDevice::Usb)
    }
}

/// A `NodeSelectorRequirement` (`Gt`/`Lt` left out).
#[derive(Clone, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeSelectorRequirement {
    pub key: String,
    pub operator: NodeSelectorOperator,
    #[serde(default)]
    pub values: Vec<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum NodeSelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

impl NodeSelectorRequirement {
    /// Whether a node with these labels satisfies the expression (apimachinery
    /// `labels.Requirement.Matches`).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let v = labels.get(&self.key);
        match self.operator {
            NodeSelectorOperator::In => v.is_some_and(|v| self.values.contains(v)),
            NodeSelectorOperator::NotIn => v.is_none_or(|v| !self.values.contains(v)),
            NodeSelectorOperator::Exists => v.is_some(),
            NodeSelectorOperator::DoesNotExist => v.is_none(),
        }
    }
}

/// `MatchNodeSelectorTerms` (k8s.io/component-helpers `scheduling/corev1`): some term whose
/// every expression matches; a term without expressions matches nothing.
pub fn match_node_selector_terms(
    terms: &[Vec<NodeSelectorRequirement>],
    labels: &BTreeMap<String, String>,
) -> bool {
    terms
        .iter()
        .any(|t| !t.is_empty() && t.iter().all(|r| r.matches(labels)))
}

impl Default for Domain {
    fn default() -> Self {
        Domain {
            cpu_model: CpuMode::HostModel,
            cdrom: false,
            live_migratable: true,
            evict: true,
            probe: false,
            node_selector: None,
            host_devices: Vec::new(),
            node_affinity: None,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct VmBody {
    pub domain: Domain,
    pub cpu: super::quantity::Quantity,
    pub memory: super::quantity::Quantity,
    pub printable_status: String,
    pub run_strategy: RunStrategy,
    /// Claims the VM's disks use (`persistentVolumeClaim.claimName`, `dataVolume.name`).
    pub claims: Vec<String>,
    pub state_change_requests: Vec<StateChangeRequest>,
    /// `status.runStrategy`: recorded once a VMI has been created for the VM.
    pub status_run_strategy: Option<RunStrategy>,
    /// `status.created`, `status.ready`.
    pub created: bool,
    pub ready: bool,
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
    /// `failureReason` the source handler reports with `failed`.
    pub failure_reason: Option<String>,
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
    pub domain: Domain,
    /// The node whose CPU the guest's CPU was defined on when it started (its host-model
    /// or host-passthrough CPU); empty until the VMI first runs.
    pub cpu_origin: String,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VmimBody {
    pub vmi_name: String,
    pub phase: MigrationPhase,
    /// Condition `migrationRejectedByResourceQuota`.
    pub rejected_by_quota: bool,
    pub target_node: Option<String>,
    pub target_pod: Option<String>,
    /// `status.migrationState.failureReason` once Failed.
    pub failure_reason: Option<String>,
    /// When the phase became final.
    pub finished_at: Option<SimTime>,
}

/// A Harvester setting: `default` and `value` are top-level fields of the object.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct SettingBody {
    pub default: String,
    pub value: String,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PvcPhase {
    Pending,
    Bound,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PvcBody {
    pub storage_class: String,
    /// The Harvester image the volume is made from (annotation `harvesterhci.io/imageId`):
    /// the claim binds once the image is downloaded.
    pub image: Option<String>,
    pub phase: PvcPhase,
}

/// An auto-deploy manifest file as RKE2's deploy controller records it: its path and the
/// objects it holds (in file order), and whether the whole file has been applied
/// (`spec.checksum` set).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AddonBody {
    pub source: String,
    pub objects: Vec<Obj>,
    pub applied: bool,
}

/// What hvsim knows of an object of a kind it does not model.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct OpaqueBody {
    pub api_version: String,
    pub kind: String,
    /// For a CustomResourceDefinition: the group and kind it serves (`spec.group`,
    /// `spec.names.kind`).
    pub crd: Option<(String, String)>,
}

impl OpaqueBody {
    /// The resource name as the API server would give it (`configmaps`,
    /// `virtualmachineimages.harvesterhci.io`): the lowercased kind plus "s", and the group.
    pub fn resource(&self) -> String {
        let plural = format!("{}s", self.kind.to_lowercase());
        match self.api_version.split_once('/') {
            Some((group, _)) => format!("{plural}.{group}"),
            None => plural,
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct NodeBody {
    pub capacity: ResourceList,
    pub unschedulable: bool,
    /// The taint `kubevirt.io/drain=draining:NoSchedule`.
    pub drain_taint: bool,
    /// The Ready condition (false while rebooting).
    pub ready: bool,
    /// How many times the node has booted since the run began.
    pub boots: u32,
}

/// The per-node states of a Harvester upgrade (`upgrade.Status.NodeStatuses[node].State`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum NodeUpgradeState {
    ImagesPreloaded,
    PreDraining,
    PreDrained,
    PostDraining,
    WaitingReboot,
    Succeeded,
}

impl NodeUpgradeState {
    pub fn name(self) -> &'static str {
        match self {
            NodeUpgradeState::ImagesPreloaded => "Images preloaded",
            NodeUpgradeState::PreDraining => "Pre-draining",
            NodeUpgradeState::PreDrained => "Pre-drained",
            NodeUpgradeState::PostDraining => "Post-draining",
            NodeUpgradeState::WaitingReboot => "Waiting Reboot",
            NodeUpgradeState::Succeeded => "Succeeded",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct UpgradeBody {
    /// Label `harvesterhci.io/upgradeState`: `UpgradingNodes`, then `Succeeded`.
    pub state: String,
    /// Per node, in upgrade order.
    pub nodes: Vec<(String, NodeUpgradeState)>,
    /// VMs the pre-drain job stopped, to be started again after the node's upgrade (the
    /// `restore-vm` list; used by versions that restore).
    pub restore: Vec<(String, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum JobType {
    PreDrain,
    PostDrain,
}

impl JobType {
    pub fn name(self) -> &'static str {
        match self {
            JobType::PreDrain => "pre-drain",
            JobType::PostDrain => "post-drain",
        }
    }
}

#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct JobBody {
    pub node: String,
    pub job_type: JobType,
    /// `status.succeeded == 1`.
    pub complete: bool,
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
    Setting(SettingBody),
    PersistentVolumeClaim(PvcBody),
    Addon(AddonBody),
    Opaque(OpaqueBody),
    Upgrade(UpgradeBody),
    Job(JobBody),
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
            Body::Setting(_) => Kind::Setting,
            Body::PersistentVolumeClaim(_) => Kind::PersistentVolumeClaim,
            Body::Addon(_) => Kind::Addon,
            Body::Opaque(_) => Kind::Opaque,
            Body::Upgrade(_) => Kind::Upgrade,
            Body::Job(_) => Kind::Job,
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
    setting, setting_mut, Setting, SettingBody;
    pvc, pvc_mut, PersistentVolumeClaim, PvcBody;
    addon, addon_mut, Addon, AddonBody;
    opaque, opaque_mut, Opaque, OpaqueBody;
    upgrade, upgrade_mut, Upgrade, UpgradeBody;
    job, job_mut, Job, JobBody;
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
        match &self.body {
            Body::Opaque(o) => write!(f, "{} {}", o.kind, self.meta.key()),
            _ => write!(f, "{} {}", self.kind().short(), self.meta.key()),
        }
    }
}
