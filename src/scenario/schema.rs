//! The scenario file format (RON). Every struct denies unknown fields, so a typo is an
//! error with its position rather than a silently ignored setting.

use crate::engine::SimDuration;
use crate::kube::Quantity;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

pub use super::range::Range;
use super::version::Version;
use super::{echo, limits};

/// A scenario file: the cluster, its workload, what happens to it, and what must hold.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name (`hvsim run NAME`).
    pub name: String,
    /// One or two sentences on what the scenario shows (`hvsim list`).
    #[serde(default)]
    pub description: String,
    /// The Harvester version `run` uses when `--version` is not given.
    pub harvester: Version,
    /// The cluster's nodes.
    pub nodes: Vec<NodeSpec>,
    /// Namespaces beyond `default`, with their Rancher quotas.
    #[serde(default)]
    pub namespaces: Vec<NamespaceSpec>,
    /// The VMs running when the run begins.
    #[serde(default)]
    pub vms: Vec<VmSpec>,
    /// Latencies and durations, each drawn per seed from a range.
    #[serde(default)]
    pub timing: Timing,
    /// What happens, in time order: user actions and faults.
    #[serde(default)]
    pub timeline: Vec<Step>,
    /// What must hold (checked during the run, at its end, or both).
    #[serde(default)]
    pub invariants: Vec<InvariantSpec>,
    /// States the run should reach sometimes (coverage, reported per seed).
    #[serde(default)]
    pub sometimes: Vec<SometimesSpec>,
    /// Calm phase: after the last timeline action the system gets this long to converge,
    /// then the run ends and after-calm invariants are checked.
    #[serde(default = "default_calm")]
    pub calm: SimDuration,
    /// Event budget per run.
    #[serde(default = "default_budget")]
    pub budget: u64,
    /// What `hvsim verify` expects per version.
    #[serde(default)]
    pub expect: BTreeMap<String, Expectation>,
    /// The cluster's first minutes: RKE2, its auto-deployed manifests, KubeVirt, the harvester
    /// pod. Absent: the cluster is already installed and every process runs from t=0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bootstrap: Option<super::bootstrap::Bootstrap>,
    /// A multi-node Harvester upgrade running from t=0: its node-by-node flow and its
    /// upgrade-repo VM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<UpgradeSpec>,
}

/// The node part of a Harvester upgrade (harvester-facts.md 3.2): the cluster has
/// preloaded the new images on every node and the repo VM is running on `repo_node`.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct UpgradeSpec {
    /// The Upgrade object's name (`hvst-upgrade-s2mk7`); the repo VM is
    /// `upgrade-repo-<name>`.
    pub name: String,
    /// The node the repo VM runs on when the node upgrades begin.
    pub repo_node: String,
    /// The order nodes are upgraded in (default: the order of `nodes`).
    #[serde(default)]
    pub order: Vec<String>,
    /// Overrides the version's treatment of the repo VM (to try a proposed fix).
    #[serde(default)]
    pub repo_vm_policy: Option<super::version::RepoVmPolicy>,
    /// The `upgrade-config` setting's `restoreVM` (default false, as the setting's): from
    /// v1.6.0 VMs the pre-drain detector stopped are started again after their node.
    #[serde(default)]
    pub restore_vm: bool,
}

fn default_calm() -> SimDuration {
    SimDuration::from_secs(300)
}

fn default_budget() -> u64 {
    200_000
}

/// A node of the cluster.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct NodeSpec {
    /// The node's name (its `kubernetes.io/hostname` label).
    pub name: String,
    /// `status.capacity.cpu` (default 32).
    #[serde(default = "default_node_cpu")]
    pub cpu: Quantity,
    /// `status.capacity.memory` (default 128Gi).
    #[serde(default = "default_node_memory")]
    pub memory: Quantity,
    /// The host CPU: a catalogue model (`hvsim` README, "CPU catalogue"), or with
    /// `cpu_features` any model name. Default `Icelake-Server`.
    #[serde(default)]
    pub cpu_model: Option<String>,
    /// The host's whole feature list, instead of the catalogue's.
    #[serde(default)]
    pub cpu_features: Option<Vec<String>>,
    /// The vendor of an explicit CPU (`Intel` or `AMD`; default `Intel`).
    #[serde(default)]
    pub cpu_vendor: Option<String>,
}

fn default_node_cpu() -> Quantity {
    Quantity::from_units(32)
}

fn default_node_memory() -> Quantity {
    Quantity::from_units(128 << 30)
}

/// Rancher's `field.cattle.io/resourceQuota` limit: `limitsCpu`, `limitsMemory`.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct QuotaSpec {
    /// `limitsCpu`.
    #[serde(default)]
    pub cpu: Option<Quantity>,
    /// `limitsMemory`.
    #[serde(default)]
    pub memory: Option<Quantity>,
}

/// A namespace and its Rancher quota.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct NamespaceSpec {
    /// The namespace's name.
    pub name: String,
    /// The namespace's Rancher quota (annotation `field.cattle.io/resourceQuota`).
    #[serde(default)]
    pub quota: Option<QuotaSpec>,
    /// The project's `namespaceDefaultResourceQuota`; when absent, the project default has
    /// the same keys as `quota` (Rancher only creates a quota when the project has one).
    #[serde(default)]
    pub project_default: Option<QuotaSpec>,
}

/// A VM running when the run begins.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct VmSpec {
    /// The VM's name (its VMI and virt-launcher pod are named after it).
    pub name: String,
    /// The VM's namespace.
    pub namespace: String,
    /// The node its VMI runs on at the start.
    pub node: String,
    /// `spec.template.spec.domain.resources.limits.cpu`.
    pub cpu: Quantity,
    /// `spec.template.spec.domain.resources.limits.memory`.
    pub memory: Quantity,
    /// `spec.domain.cpu.model`: `host-model` (default), `host-passthrough` or a named model.
    #[serde(default)]
    pub cpu_model: Option<String>,
    /// The VM has a CD-ROM or containerDisk disk.
    #[serde(default)]
    pub cdrom: bool,
    /// KubeVirt's LiveMigratable condition (default true; false anyway with host devices).
    #[serde(default = "yes")]
    pub live_migratable: bool,
    /// `spec.nodeSelector` (`{"kubernetes.io/hostname": "node1"}`).
    #[serde(default)]
    pub node_selector: Option<BTreeMap<String, String>>,
    /// Devices passed through: `Pci`, `Usb` (`hostDevices`) or `VGpu` (`gpus`).
    #[serde(default)]
    pub host_devices: Vec<crate::kube::object::HostDevice>,
    /// Required node affinity: `nodeSelectorTerms`, each a list of
    /// `(key: "...", operator: In|NotIn|Exists|DoesNotExist, values: [..])`.
    #[serde(default)]
    pub node_affinity: Option<Vec<Vec<crate::kube::object::NodeSelectorRequirement>>>,
}

fn yes() -> bool {
    true
}

/// The ranges the engine draws latencies and durations from, per seed.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields, default)]
pub struct Timing {
    /// Delay of each watch event to each informer.
    pub watch_latency: Range,
    /// Duration of one reconcile.
    pub reconcile: Range,
    /// Restart delay of a killed controller process.
    pub restart: Range,
    /// Restart delay of the cattle-cluster-agent pod (reschedule + start, ≈1.6–2.1 s start).
    pub agent_restart: Range,
    /// Scheduling and start of a virt-launcher pod until Ready.
    pub pod_start: Range,
    /// Memory transfer of a live migration (Running until completed).
    pub migration_transfer: Range,
    /// Delay before a migrated-away source pod completes (≈30 s observed).
    pub source_pod_cleanup: Range,
    /// A guest's boot until its readiness probe passes (the repo VM's HTTP server).
    pub guest_boot: Range,
    /// A guest's shutdown once its VMI is deleted (a stop, a restart, the pre-drain job's
    /// stop): virt-handler asks the domain to shut down (ACPI) and the VMI stays, not
    /// final, until it is down or `terminationGracePeriodSeconds` (KubeVirt's default 30 s)
    /// runs out.
    pub guest_shutdown: Range,
    /// A pod deleted while its containers run, until they have stopped and the kubelet
    /// removes it (a virt-launcher whose domain is gone or never started: well within its
    /// grace period).
    pub pod_termination: Range,
    /// The post-drain job's OS and RKE2 upgrade of a node, before it reboots.
    pub os_upgrade: Range,
    /// A node's reboot until it is Ready again.
    pub node_reboot: Range,
}

impl Default for Timing {
    fn default() -> Self {
        let ms = SimDuration::from_millis;
        let s = SimDuration::from_secs;
        Timing {
            watch_latency: Range(ms(1), ms(100)),
            reconcile: Range(ms(1), ms(30)),
            restart: Range(s(5), s(30)),
            agent_restart: Range(s(2), s(20)),
            pod_start: Range(s(5), s(15)),
            migration_transfer: Range(s(3), s(10)),
            source_pod_cleanup: Range(s(20), s(40)),
            guest_boot: Range(s(20), s(40)),
            guest_shutdown: Range(s(2), s(30)),
            pod_termination: Range(ms(500), s(5)),
            os_upgrade: Range(s(60), s(180)),
            node_reboot: Range(s(60), s(180)),
        }
    }
}

/// One timeline entry: an action at a fixed time, or at a time chosen per seed in a window.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// A fixed time from the start (`"30s"`); exactly one of `at` and `within` is given.
    #[serde(default)]
    pub at: Option<SimDuration>,
    /// A window the time is chosen from per seed (`("10s", "40s")`).
    #[serde(default)]
    pub within: Option<Range>,
    /// What happens.
    pub action: Action,
}

/// Something a user or a fault does, at a step of the timeline.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Action {
    /// A user live-migrates a VM (Harvester's migrate action creates a VMIM).
    Migrate {
        /// The VM's name.
        vm: String,
        /// The node to migrate to (a targeted migration); absent: the scheduler chooses.
        #[serde(default)]
        target: Option<String>,
    },
    /// The cattle-cluster-agent pod is deleted or evicted and comes back.
    RestartAgent,
    /// Any controller process is killed and comes back.
    RestartProcess {
        /// The process's name, as `hvsim` lists them (`virt-controller`, `harvester`).
        process: String,
    },
    /// A crash point (Sieve's intermediate states): from this time on, the `reconcile`-th
    /// (default the first) reconcile of `controller` in `process` (any of its controllers if
    /// none is named) that makes at least `write` accepted API writes crashes the process
    /// right after its `write`-th: that write is committed, the rest of the reconcile never
    /// reaches the API server, and the process comes back after `restart` and re-lists.
    CrashAfterWrite {
        /// The process to crash (`harvester`, `virt-controller`).
        process: String,
        /// The controller whose reconcile crashes it (default: any of the process's).
        #[serde(default)]
        controller: Option<String>,
        /// After which accepted write of the reconcile (1 = the first).
        write: u32,
        /// Which reconcile reaching `write` (default the first).
        #[serde(default)]
        reconcile: Option<u32>,
    },
    /// A user opens the Harvester UI's page of a host (its Virtual Machines tab) in a new
    /// browser session named `session`: the page lists VMs and VMIs into its store, then
    /// follows a watch stream whose events reach it after `watch_latency` (default:
    /// `timing.watch_latency`).
    OpenHostPage {
        /// The host (node) whose page is opened.
        node: String,
        /// The browser session's name, used by `ReloadPage`.
        session: String,
        /// The page's watch latency (default `timing.watch_latency`).
        #[serde(default)]
        watch_latency: Option<Range>,
    },
    /// The user reloads a session's page: its store and components are rebuilt from a new
    /// list.
    ReloadPage {
        /// The session whose page is reloaded.
        session: String,
    },
    /// A user changes the namespace's Rancher quota (through Harvester's namespace webhook).
    SetQuota {
        /// The namespace whose `field.cattle.io/resourceQuota` annotation is rewritten.
        namespace: String,
        /// The new `limitsCpu`; absent: none.
        #[serde(default)]
        cpu: Option<Quantity>,
        /// The new `limitsMemory`; absent: none.
        #[serde(default)]
        memory: Option<Quantity>,
    },
    /// A process's watches lag (an overloaded API server's watch cache, a starved process):
    /// for `during` from this time, each watch event to `process` arrives an extra delay
    /// drawn from `by` later, still in order, so its caches fall behind by several writes.
    LagWatches {
        /// The process whose watch events lag (`harvester`, `virt-controller`).
        process: String,
        /// The extra delay of each watch event.
        by: Range,
        /// How long the lag lasts.
        during: SimDuration,
    },
    /// A user stops a VM (the UI's stop action, virt-api's `stop` subresource): `Always` is
    /// switched to `Halted`, `RerunOnFailure` and `Manual` get a stop request for the VMI.
    StopVm {
        /// The VM's name.
        vm: String,
    },
    /// A user starts a VM (virt-api's `start` subresource): a halted VM is switched to
    /// `Always`, `RerunOnFailure` and `Manual` get a start request.
    StartVm {
        /// The VM's name.
        vm: String,
    },
    /// A user restarts a VM (virt-api's `restart` subresource): a stop request for its VMI
    /// and a start request, so the VM controller replaces the VMI.
    RestartVm {
        /// The VM's name.
        vm: String,
    },
    /// A user cancels the VM's live migration (Harvester's abortMigration action deletes the
    /// running VirtualMachineInstanceMigration; KubeVirt aborts it, the VMI stays on its
    /// source). Refused when the VM is not migrating or its migration is still Pending.
    CancelMigration {
        /// The VM's name.
        vm: String,
    },
    /// A user cordons a node (`kubectl cordon`: `spec.unschedulable: true`), so nothing new is
    /// scheduled onto it; what runs there stays.
    CordonNode {
        /// The node's name.
        node: String,
    },
    /// A user puts a node back into service as KubeVirt's user guide says for a node drained
    /// with its taint: `kubectl taint nodes N kubevirt.io/drain-` (nothing to do on a node
    /// without it), then `kubectl uncordon N` (`spec.unschedulable: false`).
    UncordonNode {
        /// The node's name.
        node: String,
    },
    /// A user drains a node for maintenance as KubeVirt's user guide documents it:
    /// `kubectl taint nodes N kubevirt.io/drain=draining:NoSchedule`, on which KubeVirt's
    /// evacuation controller live-migrates the node's VMIs away, then the cordon of
    /// `kubectl drain N`.
    DrainNode {
        /// The node's name.
        node: String,
    },
    /// The Harvester controllers are upgraded in place: the `harvester` process is killed and
    /// comes back (after `restart`) running the controllers of version `to`, and the namespace
    /// webhook answers as `to` does. Other components keep their version.
    UpgradeHarvester {
        /// The version the Harvester controllers are upgraded to.
        to: Version,
    },
}

/// An invariant a scenario checks; `name()` is how reports and `expect:` refer to it.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum InvariantSpec {
    /// After calm: every default quota's `spec.hard` (and `status.hard`) equals the Rancher
    /// base plus the deltas of migrations still active.
    QuotaConverges,
    /// Every migration reaches Succeeded or Failed within the bound.
    MigrationCompletes {
        /// How long after its creation a migration may take to end.
        within: SimDuration,
    },
    /// Always: a migration target pod is never rejected by quota while the Rancher base
    /// alone has room for it.
    NoQuotaBlockWithinBase,
    /// Bounded staleness: every open host page lists a VM exactly when its VMI's
    /// `status.nodeName` is that host, except for at most `within` plus the session's
    /// maximum watch latency after a change.
    HostViewFresh {
        /// The staleness allowed beyond the session's watch latency.
        within: SimDuration,
    },
    /// The install completes: the harvester deployment's pod is Ready within the bound
    /// (counted from RKE2's start). Needs a `bootstrap` section.
    InstallCompletes {
        /// The bound, counted from RKE2's start.
        within: SimDuration,
    },
    /// The upgrade reaches Succeeded within the bound. Needs an `upgrade` section.
    UpgradeCompletes {
        /// The bound, counted from the start of the run.
        within: SimDuration,
    },
    /// Always: during the upgrade the repo (the repo VM's HTTP server) is never unreachable
    /// for longer than `budget` at a stretch.
    RepoAvailable {
        /// The longest outage allowed at a stretch.
        budget: SimDuration,
    },
    /// Always: no VMI runs on a node whose CPU cannot run its guest CPU (its named model, or
    /// the host model and required features, or for host-passthrough every feature, of the
    /// node it started on).
    CpuCompatible,
    /// After calm: every VM that was running when the run began runs again.
    VmsRestored,
    /// Generic, after calm: nothing a controller adds for an operation is left behind
    /// (quota migration annotations and scaled limits, cordons and drain taints).
    Leftovers,
    /// Generic, after calm: every VM seen running runs with the same VMI (none stopped or
    /// restarted by a controller).
    WorkloadSafety,
    /// Generic, after calm: no migration, upgrade or pod is stuck half-way and no
    /// controller's key keeps failing.
    Progress,
    /// Generic, after calm: every open page shows what a reload would show.
    ViewsConverge,
    /// Generic, during calm: no object is written back and forth between two states.
    Flapping,
    /// After calm: no quota's `spec.hard` is below its `status.used`.
    QuotaCoversUsage,
    /// Generic, after calm: every object's desired state ends as in the same scenario run
    /// without its faults (process and agent restarts).
    Differential,
}

impl InvariantSpec {
    /// The invariant's name as reports and `expect:` write it (`quota-converges`).
    pub fn name(&self) -> &'static str {
        match self {
            InvariantSpec::QuotaConverges => "quota-converges",
            InvariantSpec::MigrationCompletes { .. } => "migration-completes",
            InvariantSpec::NoQuotaBlockWithinBase => "no-quota-block-within-base",
            InvariantSpec::HostViewFresh { .. } => "host-view-fresh",
            InvariantSpec::InstallCompletes { .. } => "install-completes",
            InvariantSpec::UpgradeCompletes { .. } => "upgrade-completes",
            InvariantSpec::RepoAvailable { .. } => "repo-available",
            InvariantSpec::CpuCompatible => "cpu-compatible",
            InvariantSpec::VmsRestored => "vms-restored",
            InvariantSpec::Leftovers => "leftovers",
            InvariantSpec::WorkloadSafety => "workload-safety",
            InvariantSpec::Progress => "progress",
            InvariantSpec::ViewsConverge => "views-converge",
            InvariantSpec::Flapping => "flapping",
            InvariantSpec::QuotaCoversUsage => "quota-covers-usage",
            InvariantSpec::Differential => "differential",
        }
    }
}

/// A state a scenario should reach on some seeds (a sometimes-assertion).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum SometimesSpec {
    /// Rancher reset a quota while a Harvester migration annotation was on it.
    ResetDuringMigration,
    /// The harvester pod asked to create the `storage-network` setting while a VM was
    /// Running: the bootstrap race of Harvester #8407 was reached.
    VmRunningAtSettingCreate,
}

impl SometimesSpec {
    /// The assertion's name as reports write it (`reset-during-migration`).
    pub fn name(&self) -> &'static str {
        match self {
            SometimesSpec::ResetDuringMigration => "reset-during-migration",
            SometimesSpec::VmRunningAtSettingCreate => "vm-running-at-setting-create",
        }
    }
}

/// A half-open seed range written `"0..1000"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedRange {
    /// The first seed (inclusive).
    pub start: u64,
    /// The end (exclusive).
    pub end: u64,
}

impl SeedRange {
    /// Reads `"START..END"`; the end must be after the start.
    pub fn parse(s: &str) -> Result<SeedRange, String> {
        let expected = format!("a seed range such as \"0..1000\", not \"{s}\"");
        let (a, b) = s.split_once("..").ok_or_else(|| expected.clone())?;
        let start: u64 = a.trim().parse().map_err(|_| expected.clone())?;
        let end: u64 = b.trim().parse().map_err(|_| expected.clone())?;
        if end <= start {
            return Err(format!(
                "a seed range whose end is after its start, not \"{s}\""
            ));
        }
        Ok(SeedRange { start, end })
    }

    /// How many seeds the range holds.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Whether the range holds no seed.
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

impl std::fmt::Display for SeedRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

impl Serialize for SeedRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for SeedRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        SeedRange::parse(&s).map_err(|e| de::Error::custom(echo::within(&e, &s)))
    }
}

/// What `hvsim verify` expects of a scenario on one version.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields)]
pub enum Expectation {
    /// Every seed in the range holds every invariant.
    Holds {
        /// The seeds swept.
        seeds: SeedRange,
    },
    /// Some seed in the range violates, and every violation is of one of these invariants.
    Violates {
        /// The invariants allowed to be violated (by name).
        invariants: Vec<String>,
        /// The seeds swept.
        seeds: SeedRange,
    },
}

/// Every quantity a scenario writes is at most `MAX_QUOTA_MEMORY` (1 PiB); fields have
/// tighter limits (`validate.rs`), and sums of a few stay inside i64 milli-units.
impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let q = Quantity::parse(&s).map_err(|e| de::Error::custom(echo::within(&e, &s)))?;
        if q.milli() < 0 {
            // ParseQuantity takes a sign; the API server's validation of resource amounts
            // (ValidateNonnegativeQuantity) refuses a negative one.
            return Err(de::Error::custom(format!(
                "a Kubernetes quantity of at least 0, not {} (must be greater than or equal to 0)",
                echo::quoted(&s)
            )));
        }
        if q > Quantity::from_units(limits::MAX_QUOTA_MEMORY) {
            return Err(de::Error::custom(format!(
                "a quantity of at most 1Pi (hvsim's limit), not {}",
                echo::quoted(&s)
            )));
        }
        Ok(q)
    }
}

/// Every duration a scenario writes is at most `MAX_DURATION`, so sums of a few (a step's
/// time plus the calm phase plus ranges) cannot overflow.
impl<'de> Deserialize<'de> for SimDuration {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let v = SimDuration::parse(&s).map_err(|e| {
            de::Error::custom(format!(
                "a duration such as \"150ms\" or \"5m\": expected {}",
                echo::within(&e, &s)
            ))
        })?;
        if v > limits::MAX_DURATION {
            return Err(de::Error::custom(format!(
                "a duration of at most {} (hvsim's limit), not {}",
                limits::MAX_DURATION,
                echo::quoted(&s)
            )));
        }
        Ok(v)
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse(&s).map_err(|e| de::Error::custom(echo::within(&e, &s)))
    }
}

// Written back in the forms the deserializers above parse, so a written scenario (a repro
// file) loads to the same values.

/// A binary suffix when one is exact (`"6000Mi"`), else the decimal form (`"5"`, `"4015m"`).
impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let b = self.fmt_binary();
        if b.ends_with('i') {
            s.serialize_str(&b)
        } else {
            s.serialize_str(&self.fmt_decimal())
        }
    }
}

/// The Go-style Display (`"1m30s"`, `"150ms"`), except that a fractional second, which
/// `SimDuration::parse` does not read, is spelled in parts: `"6s330ms139us"`.
impl Serialize for SimDuration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let shown = self.to_string();
        if !shown.contains('.') {
            return s.serialize_str(&shown);
        }
        let us = self.micros();
        let mut text = SimDuration::from_secs(us / 1_000_000).to_string();
        if text == "0s" {
            text.clear();
        }
        let (ms, rest) = ((us % 1_000_000) / 1_000, us % 1_000);
        if ms > 0 {
            text += &format!("{ms}ms");
        }
        if rest > 0 {
            text += &format!("{rest}us");
        }
        s.serialize_str(&text)
    }
}

impl Serialize for Version {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
