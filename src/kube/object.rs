//! API objects: metadata every object carries, and a typed body per kind. Only the fields
//! the modelled controllers read or write are present; everything else is left out.

use super::labels::StrMap;
use super::resources::ResourceList;
pub use super::upgrade_nodes::{NodeUpgradeState, UpgradeNodes};
use crate::engine::SimTime;
use smol_str::SmolStr;
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

/// Index of an object's (kind, namespace, name) in the API server; stable for the run,
/// so queues, caches and watch events carry ids instead of strings.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct ObjId(pub u32);

/// The kinds of object the simulated API server stores.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum Kind {
    /// `v1 Namespace`.
    Namespace,
    /// `v1 ResourceQuota`.
    ResourceQuota,
    /// `v1 Pod`.
    Pod,
    /// `v1 Node`.
    Node,
    /// KubeVirt's `kubevirt.io/v1 VirtualMachine`.
    VirtualMachine,
    /// KubeVirt's `kubevirt.io/v1 VirtualMachineInstance`: a running (or starting) guest.
    VirtualMachineInstance,
    /// KubeVirt's `kubevirt.io/v1 VirtualMachineInstanceMigration`: one live migration of a VMI.
    VirtualMachineInstanceMigration,
    /// Harvester's `harvesterhci.io/v1beta1 Setting` (cluster-scoped).
    Setting,
    /// `v1 PersistentVolumeClaim`.
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
    pub(crate) const COUNT: usize = 13;
    /// Every kind, in declaration order (`kind as usize` indexes it).
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
}

/// `metadata`: the fields every object carries.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Meta {
    /// `metadata.name`.
    pub name: SmolStr,
    /// Used on create only: the server appends a random-looking suffix.
    pub generate_name: SmolStr,
    /// `metadata.namespace`; empty for cluster-scoped kinds.
    pub namespace: SmolStr,
    /// `metadata.uid`: set by the API server on create, unique for the run.
    pub uid: SmolStr,
    /// `metadata.resourceVersion`: bumped by the API server on every write.
    pub resource_version: u64,
    /// `metadata.generation`: 1 on create, bumped by the API server when the body changes.
    pub generation: u64,
    /// `metadata.labels`.
    pub labels: StrMap,
    /// `metadata.annotations`.
    pub annotations: StrMap,
    /// `metadata.deletionTimestamp`: set on the last snapshot of a deleted object (the one
    /// its delete event carries), and on an object deleted while it has finalizers.
    pub deletion_timestamp: Option<SimTime>,
    /// `metadata.finalizers`: while any is left, a DELETE only sets `deletionTimestamp`; the
    /// object goes once an update removes the last one.
    pub finalizers: Vec<String>,
    /// `metadata.creationTimestamp`: the virtual time the object was created.
    pub creation_timestamp: SimTime,
}

impl Meta {
    /// A meta with only `namespace` and `name` set (empty namespace for cluster-scoped kinds).
    pub fn named(namespace: &str, name: &str) -> Meta {
        Meta {
            name: name.into(),
            namespace: namespace.into(),
            ..Meta::default()
        }
    }

    /// The object's key as client-go's cache builds it: `namespace/name`, or `name` when
    /// cluster-scoped.
    pub fn key(&self) -> String {
        if self.namespace.is_empty() {
            self.name.to_string()
        } else {
            // Not `format!`: keys are built on hot paths (logs, error contexts), and the
            // formatting machinery costs several times the copy.
            [self.namespace.as_str(), "/", self.name.as_str()].concat()
        }
    }
}

/// `status.phase` of a pod.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PodPhase {
    /// Accepted but not all containers running: unscheduled, or starting.
    Pending,
    /// Bound to a node with its containers running.
    Running,
    /// All containers exited successfully.
    Succeeded,
    /// A container exited with failure (or the pod was killed).
    Failed,
}

/// `status.phase` of a VirtualMachineInstanceMigration (KubeVirt's
/// `VirtualMachineInstanceMigrationPhase`).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum MigrationPhase {
    /// No phase yet (`""`): the migration controller has not seen it.
    Unset,
    /// Accepted; waiting for the target pod to be created.
    Pending,
    /// The target pod is created and waiting to be scheduled.
    Scheduling,
    /// The target pod is scheduled to a node.
    Scheduled,
    /// The target node is preparing to receive the domain.
    PreparingTarget,
    /// The target is ready to receive the migration.
    TargetReady,
    /// The guest's memory is being copied to the target.
    Running,
    /// The VMI now runs on the target node.
    Succeeded,
    /// The migration ended without moving the VMI.
    Failed,
}

impl MigrationPhase {
    pub(crate) fn is_final(self) -> bool {
        matches!(self, MigrationPhase::Succeeded | MigrationPhase::Failed)
    }
    /// The phase as KubeVirt writes it (`""` for `Unset`).
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

/// `status.phase` of a VirtualMachineInstance.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum VmiPhase {
    /// Created, no pod scheduled yet.
    Pending,
    /// The virt-launcher pod is scheduled; the domain is not yet running.
    Scheduled,
    /// The domain runs on its node.
    Running,
    /// The guest shut down cleanly.
    Succeeded,
    /// The guest or its pod failed.
    Failed,
}

impl VmiPhase {
    pub(crate) fn is_final(self) -> bool {
        matches!(self, VmiPhase::Succeeded | VmiPhase::Failed)
    }
}

/// The body of a Namespace.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct NamespaceBody {
    /// Rancher's `project.Spec.NamespaceDefaultResourceQuota` for this namespace's project.
    pub project_default: Option<ResourceList>,
}

/// The body of a ResourceQuota.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct ResourceQuotaBody {
    /// `spec.hard`: the limits someone (Rancher, Harvester, a user) asked for.
    pub spec_hard: ResourceList,
    /// `status.hard`: the limits the quota controller last enforced (copied from `spec.hard`).
    pub status_hard: ResourceList,
    /// `status.used`: what the namespace's objects use, as the quota controller last counted it.
    pub status_used: ResourceList,
}

/// The body of a Pod.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PodBody {
    /// `spec.nodeName`: the node the pod is bound to; `None` until scheduled.
    pub node: Option<SmolStr>,
    /// `status.phase`.
    pub phase: PodPhase,
    /// The `Ready` condition.
    pub ready: bool,
    /// `spec.containers[*].resources.limits`, summed (what ResourceQuota admission counts).
    pub limits: ResourceList,
    /// Name of the VMI this virt-launcher pod runs (`kubevirt.io/created-by`).
    pub vmi: SmolStr,
    /// Set on a migration target pod: the VMIM's uid (`kubevirt.io/migrationJobUID`).
    pub migration_uid: Option<SmolStr>,
    /// Node the pod must not land on (the anti-affinity keeping a target off its source).
    pub avoid_node: Option<SmolStr>,
    /// Node the pod must land on (a targeted migration).
    pub require_node: Option<SmolStr>,
    /// `spec.nodeSelector`: labels the node must carry. Shared (`Arc`: scenarios, which hold objects, cross threads): the API server keeps one
    /// copy of each distinct selector its pods carry (`ApiServer::create`), since every
    /// virt-launcher pod of a CPU model carries the same one.
    pub node_selector: Arc<BTreeMap<String, String>>,
    /// Condition `PodScheduled=False, reason Unschedulable`, set by the scheduler.
    pub unschedulable: bool,
    /// The VMI has a readiness probe: the pod is Ready only once the guest answers it.
    pub probe: bool,
}

/// KubeVirt's `spec.runStrategy` (`spec.running: true|false` reads as Always|Halted).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub enum RunStrategy {
    /// Always keep a VMI running.
    Always,
    /// Harvester's default for the VMs it creates (annotation `harvesterhci.io/vmRunStrategy`).
    #[default]
    RerunOnFailure,
    /// Start the VMI only when asked (`virtctl start`), never restart it on its own.
    Manual,
    /// Keep no VMI running.
    Halted,
    /// Start the VMI once; do not restart it when it stops.
    Once,
}

impl RunStrategy {
    /// Every run strategy, in declaration order.
    pub const ALL: [RunStrategy; 5] = [
        RunStrategy::Always,
        RunStrategy::RerunOnFailure,
        RunStrategy::Manual,
        RunStrategy::Halted,
        RunStrategy::Once,
    ];

    /// The strategy as written in `spec.runStrategy`.
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
    /// Use the host's CPU as it is (`host-passthrough`).
    HostPassthrough,
    /// A named libvirt model such as `Cascadelake-Server`.
    Named(String),
}

impl CpuMode {
    /// Reads `spec.domain.cpu.model`: `host-model`, `host-passthrough`, or a named model.
    pub fn parse(s: &str) -> CpuMode {
        match s {
            "host-model" => CpuMode::HostModel,
            "host-passthrough" => CpuMode::HostPassthrough,
            m => CpuMode::Named(m.to_string()),
        }
    }

    /// The mode as written in `spec.domain.cpu.model`.
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
    /// `spec.domain.cpu.model`.
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
    /// A PCI device (`hostDevices`).
    Pci,
    /// A USB device (`hostDevices`).
    Usb,
    /// A vGPU (`gpus`).
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
    /// `key`: the node label tested.
    pub key: String,
    /// `operator`: how the label is tested.
    pub operator: NodeSelectorOperator,
    /// `values`: the values `In` and `NotIn` test against (empty for `Exists`, `DoesNotExist`).
    #[serde(default)]
    pub values: Vec<String>,
}

/// A `NodeSelectorRequirement`'s `operator`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, serde::Serialize, serde::Deserialize)]
pub enum NodeSelectorOperator {
    /// The label is present with one of the values.
    In,
    /// The label is absent, or present with none of the values.
    NotIn,
    /// The label is present.
    Exists,
    /// The label is absent.
    DoesNotExist,
}

impl NodeSelectorRequirement {
    /// Whether a node with these labels satisfies the expression (apimachinery
    /// `labels.Requirement.Matches`).
    pub fn matches(&self, labels: &StrMap) -> bool {
        let v = labels.get(&self.key);
        match self.operator {
            NodeSelectorOperator::In => v.is_some_and(|v| self.values.iter().any(|x| x == v)),
            NodeSelectorOperator::NotIn => v.is_none_or(|v| !self.values.iter().any(|x| x == v)),
            NodeSelectorOperator::Exists => v.is_some(),
            NodeSelectorOperator::DoesNotExist => v.is_none(),
        }
    }
}

/// `MatchNodeSelectorTerms` (k8s.io/component-helpers `scheduling/corev1`): some term whose
/// every expression matches; a term without expressions matches nothing.
pub fn match_node_selector_terms(terms: &[Vec<NodeSelectorRequirement>], labels: &StrMap) -> bool {
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

/// The body of a VirtualMachine.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct VmBody {
    /// `spec.template.spec.domain`: the parts of the template the drain and upgrade flows read.
    pub domain: Domain,
    /// `spec.template.spec.domain.resources.limits.cpu` (default `cores * sockets * threads`).
    pub cpu: super::quantity::Quantity,
    /// `spec.template.spec.domain.resources.limits.memory` (or `memory.guest`, or the request).
    pub memory: super::quantity::Quantity,
    /// `status.printableStatus`: `Stopped`, `Starting`, `Running`, ... as the UI shows it.
    pub printable_status: String,
    /// `spec.runStrategy`.
    pub run_strategy: RunStrategy,
    /// Claims the VM's disks use (`persistentVolumeClaim.claimName`, `dataVolume.name`).
    pub claims: Vec<String>,
    /// `status.stateChangeRequests`: pending `virtctl start|stop` requests, oldest first.
    pub state_change_requests: Vec<StateChangeRequest>,
    /// `status.runStrategy`: recorded once a VMI has been created for the VM.
    pub status_run_strategy: Option<RunStrategy>,
    /// `status.created`, `status.ready`.
    pub created: bool,
    /// See `created`.
    pub ready: bool,
}

/// A VMI's `status.migrationState`: the latest migration of it, as virt-handler reports it.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct MigrationState {
    /// `migrationUid`: the uid of the VirtualMachineInstanceMigration.
    pub migration_uid: SmolStr,
    /// `sourceNode`: the node the VMI migrates from.
    pub source_node: SmolStr,
    /// `targetNode`: the node the VMI migrates to.
    pub target_node: SmolStr,
    /// `targetNodeAddress`: set by the target's virt-handler once it is ready to receive.
    pub target_node_address: Option<String>,
    /// `startTimestamp`: when the source began sending.
    pub start_timestamp: Option<SimTime>,
    /// `endTimestamp`: when the migration ended, either way.
    pub end_timestamp: Option<SimTime>,
    /// `completed`: the migration finished.
    pub completed: bool,
    /// `failed`: the migration failed.
    pub failed: bool,
    /// `failureReason` the source handler reports with `failed`.
    pub failure_reason: Option<String>,
    /// `abortRequested`: the migration controller asks the source handler to abort (its
    /// VMIM was deleted after the handoff).
    pub abort_requested: bool,
}

/// The body of a VirtualMachineInstance.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VmiBody {
    /// `status.nodeName`: the node the guest runs on; empty until scheduled.
    pub node: SmolStr,
    /// `status.phase`.
    pub phase: VmiPhase,
    /// `spec.domain.resources.limits.cpu` (also the vCPU count).
    pub cpu: super::quantity::Quantity,
    /// `spec.domain.resources.limits.memory`.
    pub memory: super::quantity::Quantity,
    /// `spec.domain.resources.requests.memory` (limit / overcommit ratio).
    pub memory_request: super::quantity::Quantity,
    /// `status.migrationState`: `None` until the VMI is first migrated.
    pub migration_state: Option<Box<MigrationState>>,
    /// `spec.domain`, copied from the VM's template.
    pub domain: Domain,
    /// The node whose CPU the guest's CPU was defined on when it started (its host-model
    /// or host-passthrough CPU); empty until the VMI first runs.
    pub cpu_origin: SmolStr,
}

/// The body of a VirtualMachineInstanceMigration.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct VmimBody {
    /// `spec.vmiName`: the VMI to migrate (same namespace).
    pub vmi_name: SmolStr,
    /// `status.phase`.
    pub phase: MigrationPhase,
    /// Condition `migrationRejectedByResourceQuota`.
    pub rejected_by_quota: bool,
    /// The node the migration must go to (a targeted migration); `None` lets the scheduler choose.
    pub target_node: Option<SmolStr>,
    /// The name of the target virt-launcher pod, once created.
    pub target_pod: Option<SmolStr>,
    /// `status.migrationState.failureReason` once Failed.
    pub failure_reason: Option<String>,
    /// When the phase became final.
    pub finished_at: Option<SimTime>,
}

/// A Harvester setting: `default` and `value` are top-level fields of the object.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct SettingBody {
    /// `default`: the value used while `value` is empty.
    pub default: String,
    /// `value`: the value an admin set; empty for none.
    pub value: String,
}

/// A PersistentVolumeClaim's `status.phase`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum PvcPhase {
    /// Waiting for its volume.
    Pending,
    /// Bound to a volume: usable by a VM.
    Bound,
}

/// The body of a PersistentVolumeClaim.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PvcBody {
    /// `spec.storageClassName`.
    pub storage_class: String,
    /// The Harvester image the volume is made from (annotation `harvesterhci.io/imageId`):
    /// the claim binds once the image is downloaded.
    pub image: Option<String>,
    /// `status.phase`.
    pub phase: PvcPhase,
}

/// An auto-deploy manifest file as RKE2's deploy controller records it: its path and the
/// objects it holds (in file order), and whether the whole file has been applied
/// (`spec.checksum` set).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct AddonBody {
    /// `spec.source`: the manifest file's path.
    pub source: String,
    /// The objects the file holds, in file order.
    pub objects: Vec<Obj>,
    /// The whole file has been applied (`spec.checksum` set).
    pub applied: bool,
}

/// What hvsim knows of an object of a kind it does not model.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct OpaqueBody {
    /// `apiVersion`, as written (`v1`, `harvesterhci.io/v1beta1`).
    pub api_version: String,
    /// `kind`, as written (`ConfigMap`).
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

/// The body of a Node.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct NodeBody {
    /// `status.capacity` (what the scheduler fits pods against).
    pub capacity: ResourceList,
    /// `spec.unschedulable`: cordoned.
    pub unschedulable: bool,
    /// The taint `kubevirt.io/drain=draining:NoSchedule`.
    pub drain_taint: bool,
    /// The Ready condition (false while rebooting).
    pub ready: bool,
    /// How many times the node has booted since the run began.
    pub boots: u32,
}

/// The body of a Harvester Upgrade.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct UpgradeBody {
    /// Label `harvesterhci.io/upgradeState`: `UpgradingNodes`, then `Succeeded`.
    pub state: String,
    /// Per node, in upgrade order.
    pub nodes: UpgradeNodes,
    /// VMs the pre-drain job stopped, to be started again after the node's upgrade (the
    /// `restore-vm` list; used by versions that restore).
    pub restore: Vec<(String, String)>,
}

/// An upgrade job's `harvesterhci.io/upgradeJobType` label.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum JobType {
    /// `pre-drain`: empties the node before its drain.
    PreDrain,
    /// `post-drain`: upgrades the node's OS after its drain.
    PostDrain,
}

impl JobType {
    /// The label value (`pre-drain`).
    pub fn name(self) -> &'static str {
        match self {
            JobType::PreDrain => "pre-drain",
            JobType::PostDrain => "post-drain",
        }
    }
}

/// The body of an upgrade Job.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct JobBody {
    /// The node the job is for (it runs there and upgrades it).
    pub node: String,
    /// Label `harvesterhci.io/upgradeJobType`.
    pub job_type: JobType,
    /// `status.succeeded == 1`.
    pub complete: bool,
}

/// An object's typed body: one variant per `Kind`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub enum Body {
    /// See `NamespaceBody`.
    Namespace(NamespaceBody),
    /// See `ResourceQuotaBody`.
    ResourceQuota(ResourceQuotaBody),
    /// See `PodBody`.
    Pod(PodBody),
    /// See `NodeBody`.
    Node(NodeBody),
    /// See `VmBody`.
    VirtualMachine(VmBody),
    /// See `VmiBody`.
    VirtualMachineInstance(VmiBody),
    /// See `VmimBody`.
    VirtualMachineInstanceMigration(VmimBody),
    /// See `SettingBody`.
    Setting(SettingBody),
    /// See `PvcBody`.
    PersistentVolumeClaim(PvcBody),
    /// See `AddonBody`.
    Addon(AddonBody),
    /// See `OpaqueBody`.
    Opaque(OpaqueBody),
    /// See `UpgradeBody`.
    Upgrade(UpgradeBody),
    /// See `JobBody`.
    Job(JobBody),
}

impl Body {
    /// The kind this body is.
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

/// An API object: metadata and a typed body.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Obj {
    /// `metadata`.
    pub meta: Meta,
    /// The kind-specific fields (`spec` and `status`).
    pub body: Body,
}

/// An immutable snapshot, shared between the store, caches and watch events.
pub type Snap = Rc<Obj>;

macro_rules! accessors {
    ($($get:ident, $get_mut:ident, $variant:ident, $ty:ty;)*) => {
        impl Obj {
            $(
            #[doc = concat!("The ", stringify!($variant), " body; panics on an object of another kind.")]
            pub fn $get(&self) -> &$ty {
                match &self.body {
                    Body::$variant(b) => b,
                    other => panic!("expected {} body, found {:?}", stringify!($variant), other.kind()),
                }
            }
            #[doc = concat!("The ", stringify!($variant), " body, mutable; panics on an object of another kind.")]
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
    /// An object from its metadata and body.
    pub fn new(meta: Meta, body: Body) -> Obj {
        Obj { meta, body }
    }

    /// The kind of its body.
    pub fn kind(&self) -> Kind {
        self.body.kind()
    }

    /// The annotation `key`, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta.annotations.get(key).map(SmolStr::as_str)
    }

    /// The label `key`, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.meta.labels.get(key).map(SmolStr::as_str)
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
