//! The behaviour switches the models take: which real mechanism a component runs, each
//! named after the code that differs between releases (`shared/reference/harvester-facts.md`
//! section 0). The models read only these; `scenario::version` maps a Harvester version to a
//! set of them. A switch never selects "the bug"; it selects which real mechanism runs.

use crate::models::kubevirt::launcher::LauncherConfig;
use crate::models::kubevirt::overhead::KubeVirtRelease;

/// Harvester setting `additional-guest-memory-overhead-ratio` default
/// (`AdditionalGuestMemoryOverheadRatioDefault`, `pkg/settings/settings_helper.go`, v1.4.0+).
pub const ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO: &str = "1.5";

/// How Harvester scales the namespace quota during a live migration.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MigrationQuota {
    /// v1.2.0 to v1.4.1: the VMIM controller adds the VM's size to `spec.hard` on Pending and
    /// subtracts it on Succeeded/Failed, relative to whatever `spec.hard` is then.
    Relative,
    /// v1.4.2+: the VMIM controller only adds/removes an annotation; the ResourceQuota
    /// controller sets `spec.hard = Rancher base + sum of annotations`.
    BaseDelta,
}

/// The key of Harvester's per-migration annotation on the ResourceQuota.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum MigrationKey {
    /// `harvesterhci.io/migrating-<vmName>` (up to v1.4.1).
    VmName,
    /// `harvesterhci.io/migratingUID-<vmiUID>` (v1.4.2+, old keys still read).
    VmiUid,
}

/// The mechanisms the models run, one switch per piece of code that differs between releases.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Behaviours {
    /// How Harvester scales the namespace quota during a live migration.
    pub migration_quota: MigrationQuota,
    /// The key of Harvester's per-migration annotation on the ResourceQuota.
    pub migration_key: MigrationKey,
    /// The KubeVirt release: its `GetMemoryOverhead` and the virt-launcher pod's containers.
    pub kubevirt: KubeVirtRelease,
    /// The KubeVirt CR's `additionalGuestMemoryOverheadRatio`, which virt-launcher pods'
    /// overhead is scaled by.
    pub launcher_overhead_ratio: Option<&'static str>,
    /// The ratio Harvester's quota scaling passes to `GetMemoryOverhead`.
    pub overhead_ratio: Option<&'static str>,
    /// `pkg/webhook/resources/namespace/validator.go` denial text (`{}` is the namespace).
    pub namespace_webhook_text: &'static str,
    /// How the UI's Host -> Virtual Machines tab decides which VMs it lists.
    pub host_vm_rows: HostVmRows,
    /// When the settings webhook runs its "all VMs stopped" check on a new
    /// `storage-network` setting (`pkg/webhook/resources/setting/validator.go`).
    pub storage_network_check: StorageNetworkCheck,
    /// What the pre-drain job's live-migrate detector does with the upgrade-repo VM.
    pub repo_vm_policy: RepoVmPolicy,
    /// The repo VM's `spec.domain.cpu.model`.
    pub repo_vm_cpu: RepoVmCpu,
    /// The repo VM runs with `RerunOnFailure` (v1.5.x+) rather than `running: true`.
    pub repo_vm_rerun_on_failure: bool,
    /// The repo is served by a Deployment's pods rather than the repo VM (v1.7.0+), which
    /// hvsim does not model: an upgrade scenario is refused on such a version.
    pub repo_deployment: bool,
    /// The pre-drain wait loop stops VMs whose evacuation migration failed.
    pub stop_failed_evacuations: bool,
    /// The upgrade controller has the multi-node restore-vm job: with the `upgrade-config`
    /// setting's `restoreVM: true` (the scenario's `upgrade.restore_vm`), VMs the pre-drain
    /// detector stopped are started again after the node's upgrade.
    pub restore_vm_job: bool,
    /// Harvester's data init applies the `fleet-default` namespace (v1.4.0+).
    pub fleet_default_namespace: bool,
}

/// What the pre-drain job does with the upgrade-repo VM on the node it drains
/// (harvester-facts.md 3.3, 3.4, 3.5).
#[derive(Clone, Copy, PartialEq, Eq, Debug, serde::Serialize, serde::Deserialize)]
pub enum RepoVmPolicy {
    /// Up to v1.4.1, and again from v1.6.0 (also v1.6.1): the detector lists every VMI on the node and the
    /// repo VM, having CD-ROM disks, is "non-live-migratable", so it is stopped; the
    /// post-drain job starts it again.
    StopInPreDrain,
    /// v1.4.2 to v1.5.x (PR #7440): the detector skips VMIs labelled
    /// `harvesterhci.io/upgrade`, so the drain taint live-migrates the repo VM.
    LiveMigrate,
    /// Not shipped: a proposed fix to try. Live-migrate the repo VM when some other node can
    /// run its CPU, else stop it as `StopInPreDrain` does.
    LiveMigrateIfCompatibleElseStop,
}

impl RepoVmPolicy {
    /// Every policy, in declaration order.
    pub const ALL: [RepoVmPolicy; 3] = [
        RepoVmPolicy::StopInPreDrain,
        RepoVmPolicy::LiveMigrate,
        RepoVmPolicy::LiveMigrateIfCompatibleElseStop,
    ];

    /// The policy's name, as an `expect` key's `+POLICY` writes it.
    pub fn name(self) -> &'static str {
        match self {
            RepoVmPolicy::StopInPreDrain => "StopInPreDrain",
            RepoVmPolicy::LiveMigrate => "LiveMigrate",
            RepoVmPolicy::LiveMigrateIfCompatibleElseStop => "LiveMigrateIfCompatibleElseStop",
        }
    }

    /// The policy of this name.
    pub fn parse(s: &str) -> Option<RepoVmPolicy> {
        Self::ALL.into_iter().find(|p| p.name() == s)
    }
}

/// The repo VM's CPU model by version (harvester-facts.md 3.1).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum RepoVmCpu {
    /// No model given: KubeVirt's default `host-model`.
    HostModel,
    /// PR #7573: `host-passthrough`.
    HostPassthrough,
}

/// When Harvester's setting validator checks that every VM is stopped before it admits a
/// `storage-network` setting being created (harvester-facts.md section 4).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StorageNetworkCheck {
    /// Up to v1.3.2: `validateStorageNetwork` returns early for an empty value.
    SkipEmptyValue,
    /// v1.4.0 to v1.5.0 (PR #6088, "feat: check setting.Default"): the check runs on every
    /// create, so the empty default setting that `SetAll` creates is refused while any VM
    /// is not stopped.
    Always,
    /// v1.5.1 (PR #8390, backport ae10cc117) and later: only when the value or the default
    /// is non-empty.
    ValueOrDefaultSet,
}

/// Which VMs the UI's Host -> Virtual Machines tab lists
/// (`pkg/harvester/detail/harvesterhci.io.host/VirtualMachineInstance.vue`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HostVmRows {
    /// Up to v1.4.1: `fetch()` fills the `rows` data field once at page load, with the VMs
    /// whose VMI `status.nodeName` is the node's hostname; membership is never recomputed.
    FetchedOnce,
    /// v1.4.2+: `rows` is a computed property over the live store, re-evaluated on every
    /// change.
    Computed,
}

impl Behaviours {
    /// What virt-controller renders virt-launcher pods with.
    pub fn launcher(&self) -> LauncherConfig {
        LauncherConfig {
            kubevirt: self.kubevirt,
            overhead_ratio: self.launcher_overhead_ratio,
        }
    }
}
