//! Harvester versions and the behaviour switches each one selects
//! (`shared/reference/harvester-facts.md` section 0). A version never selects "the bug";
//! it selects which real mechanism runs.

use crate::models::kubevirt::launcher::LauncherConfig;
use crate::models::kubevirt::overhead::KubeVirtRelease;
use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
    pub patch: u16,
}

/// The releases hvsim knows. A scenario naming another is an input error.
pub const KNOWN: &[&str] = &[
    "v1.2.0", "v1.2.1", "v1.2.2", "v1.3.0", "v1.3.1", "v1.3.2", "v1.4.0", "v1.4.1", "v1.4.2",
    "v1.4.3", "v1.5.0", "v1.5.1", "v1.6.0", "v1.6.1", "v1.7.0",
];

impl Version {
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    pub fn parse(s: &str) -> Result<Version, String> {
        if !KNOWN.contains(&s) {
            return Err(format!(
                "unknown Harvester version \"{s}\", expected one of {}",
                KNOWN.join(", ")
            ));
        }
        let mut it = s[1..]
            .split('.')
            .map(|p| p.parse::<u16>().expect("known versions are well formed"));
        Ok(Version::new(
            it.next().unwrap(),
            it.next().unwrap(),
            it.next().unwrap(),
        ))
    }

    pub fn behaviours(self) -> Behaviours {
        let fixed_quota = self >= Version::new(1, 4, 2);
        Behaviours {
            migration_quota: if fixed_quota {
                MigrationQuota::BaseDelta
            } else {
                MigrationQuota::Relative
            },
            migration_key: if fixed_quota {
                MigrationKey::VmiUid
            } else {
                MigrationKey::VmName
            },
            kubevirt: kubevirt_release(self),
            // The setting exists from v1.4.0 and `syncAdditionalGuestMemoryOverheadRatio`
            // copies its default into the KubeVirt CR.
            launcher_overhead_ratio: if self >= Version::new(1, 4, 0) {
                Some(ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO)
            } else {
                None
            },
            // `pkg/util/resourcequota/calculator.go`: `GetMemoryOverhead(vmi, GOARCH, nil)` up
            // to v1.4.1, `GetAdditionalGuestMemoryOverheadRatioWithoutError(settingCache)` from
            // v1.4.2.
            overhead_ratio: if fixed_quota {
                Some(ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO)
            } else {
                None
            },
            namespace_webhook_text: if fixed_quota {
                "namespace {} has migrating VMs, can't change resource quotas"
            } else {
                "namespace {} has migrating VMs, so you can't change resource quotas"
            },
            // harvester-ui-extension PR #72 (commit c3f26659), shipped with the v1.4.2 UI.
            host_vm_rows: if self >= Version::new(1, 4, 2) {
                HostVmRows::Computed
            } else {
                HostVmRows::FetchedOnce
            },
            // `pkg/upgradehelper/vmlivemigratedetector/detector.go`: v1.4.2 to v1.5.1 select
            // `!harvesterhci.io/upgrade`; v1.6.0, v1.6.1 and v1.7.0 list by node label only.
            repo_vm_policy: if self < Version::new(1, 4, 2) {
                RepoVmPolicy::StopInPreDrain
            } else if self < Version::new(1, 6, 0) {
                RepoVmPolicy::LiveMigrate
            } else {
                RepoVmPolicy::StopInPreDrain
            },
            // `pkg/controller/master/upgrade/upgrade_repo.go`: no model at v1.4.1;
            // `CPUModeHostPassthrough` at v1.4.2, v1.4.3, v1.5.x, v1.6.0 and v1.6.1.
            repo_vm_cpu: if self < Version::new(1, 4, 2) {
                RepoVmCpu::HostModel
            } else {
                RepoVmCpu::HostPassthrough
            },
            // `upgrade_repo.go`: `RunStrategyRerunOnFailure` from v1.5.0 (v1.4.x `Running`).
            repo_vm_rerun_on_failure: self >= Version::new(1, 5, 0),
            // v1.7.0 `upgrade_repo.go` `CreateDeployment` (commit 59eeeb6a5, the backport of
            // PR #9217): the repo is a Deployment's pods, no VM. v1.6.1 still creates the VM.
            repo_deployment: self >= Version::new(1, 7, 0),
            // `package/upgrade/upgrade_node.sh` `check_migrations_phase` (commit 06d74e831,
            // PR #9326): in v1.7.0, not in v1.6.0 or v1.6.1.
            stop_failed_evacuations: self >= Version::new(1, 7, 0),
            // v1.6.0 `pkg/controller/master/upgrade/job_controller.go` `sendRestoreVMJob`
            // (PR #8526, multi-node restore-vm; also v1.6.1 and v1.7.0), run only when the
            // `upgrade-config` setting has `restoreVM: true` (its default is false).
            restore_vm_job: self >= Version::new(1, 6, 0),
            storage_network_check: if self < Version::new(1, 4, 0) {
                StorageNetworkCheck::SkipEmptyValue
            } else if self < Version::new(1, 5, 1) {
                StorageNetworkCheck::Always
            } else {
                StorageNetworkCheck::ValueOrDefaultSet
            },
        }
    }
}

impl Version {
    /// Why hvsim cannot run an upgrade scenario on this version, if it cannot.
    pub fn upgrade_unmodelled(self) -> Option<String> {
        self.behaviours().repo_deployment.then(|| {
            format!(
                "{self} serves the upgrade repo from a Deployment (upgrade_repo.go CreateDeployment), which hvsim does not model, expected a version up to v1.6.1 for a scenario with an upgrade section"
            )
        })
    }
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

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// An `expect` key: a version, optionally with a repo VM policy to try in its place
/// (`"v1.4.2+LiveMigrateIfCompatibleElseStop"`).
pub fn parse_expect_key(key: &str) -> Result<(Version, Option<RepoVmPolicy>), String> {
    let (v, policy) = match key.split_once('+') {
        Some((v, p)) => (v, Some(p)),
        None => (key, None),
    };
    let version = Version::parse(v)?;
    let policy = match policy {
        None => None,
        Some(p) => Some(RepoVmPolicy::parse(p).ok_or_else(|| {
            let names: Vec<&str> = RepoVmPolicy::ALL.iter().map(|p| p.name()).collect();
            format!(
                "unknown repo VM policy \"{p}\" after \"+\", expected one of {}",
                names.join(", ")
            )
        })?),
    };
    Ok((version, policy))
}

/// Harvester setting `additional-guest-memory-overhead-ratio` default
/// (`AdditionalGuestMemoryOverheadRatioDefault`, `pkg/settings/settings_helper.go`, v1.4.0+).
pub const ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO: &str = "1.5";

/// The KubeVirt a Harvester version ships (`go.mod` and the chart's `kubevirtVersion`, see
/// `models/kubevirt/overhead.rs`): v1.2.0-v1.2.1 v0.54.0; v1.2.2-v1.3.2 v1.1.x; v1.4.0-v1.4.1
/// v1.3.0 (deployed 1.2.2); v1.4.2-v1.4.3 v1.3.1; v1.5.x v1.4.0; v1.6.x v1.5.x; v1.7.0 v1.6.x.
pub fn kubevirt_release(v: Version) -> KubeVirtRelease {
    if v < Version::new(1, 2, 2) {
        KubeVirtRelease::V0_54
    } else if v < Version::new(1, 6, 0) {
        KubeVirtRelease::V1_1
    } else if v < Version::new(1, 7, 0) {
        KubeVirtRelease::V1_5
    } else {
        KubeVirtRelease::V1_6
    }
}

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

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Behaviours {
    pub migration_quota: MigrationQuota,
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
    pub const ALL: [RepoVmPolicy; 3] = [
        RepoVmPolicy::StopInPreDrain,
        RepoVmPolicy::LiveMigrate,
        RepoVmPolicy::LiveMigrateIfCompatibleElseStop,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RepoVmPolicy::StopInPreDrain => "StopInPreDrain",
            RepoVmPolicy::LiveMigrate => "LiveMigrate",
            RepoVmPolicy::LiveMigrateIfCompatibleElseStop => "LiveMigrateIfCompatibleElseStop",
        }
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_4_1_scales_relatively_and_v1_4_2_from_base() {
        assert_eq!(
            Version::parse("v1.4.1")
                .unwrap()
                .behaviours()
                .migration_quota,
            MigrationQuota::Relative
        );
        assert_eq!(
            Version::parse("v1.4.2")
                .unwrap()
                .behaviours()
                .migration_quota,
            MigrationQuota::BaseDelta
        );
        assert_eq!(
            Version::parse("v1.5.0").unwrap().behaviours().migration_key,
            MigrationKey::VmiUid
        );
    }

    #[test]
    fn the_storage_network_check_runs_on_empty_settings_from_v1_4_0_to_v1_5_0() {
        let check = |v: &str| {
            Version::parse(v)
                .unwrap()
                .behaviours()
                .storage_network_check
        };
        assert_eq!(check("v1.3.2"), StorageNetworkCheck::SkipEmptyValue);
        for v in ["v1.4.0", "v1.4.3", "v1.5.0"] {
            assert_eq!(check(v), StorageNetworkCheck::Always, "{v}");
        }
        // v1.6.1 and v1.7.0 keep PR #8390's check (`pkg/webhook/resources/setting/validator.go`).
        for v in ["v1.5.1", "v1.6.0", "v1.6.1", "v1.7.0"] {
            assert_eq!(check(v), StorageNetworkCheck::ValueOrDefaultSet, "{v}");
        }
    }

    #[test]
    fn the_repo_vm_is_stopped_up_to_v1_4_1_migrated_until_v1_5_x_and_stopped_from_v1_6_0() {
        let b = |v: &str| Version::parse(v).unwrap().behaviours();
        assert_eq!(b("v1.4.1").repo_vm_policy, RepoVmPolicy::StopInPreDrain);
        assert_eq!(b("v1.4.1").repo_vm_cpu, RepoVmCpu::HostModel);
        assert_eq!(b("v1.4.2").repo_vm_policy, RepoVmPolicy::LiveMigrate);
        assert_eq!(b("v1.4.2").repo_vm_cpu, RepoVmCpu::HostPassthrough);
        assert_eq!(b("v1.5.1").repo_vm_policy, RepoVmPolicy::LiveMigrate);
        for v in ["v1.6.0", "v1.6.1", "v1.7.0"] {
            assert_eq!(b(v).repo_vm_policy, RepoVmPolicy::StopInPreDrain, "{v}");
            assert!(b(v).restore_vm_job, "{v}");
        }
        assert!(!b("v1.5.1").restore_vm_job);
    }

    #[test]
    fn the_v1_4_3_repo_vm_is_host_passthrough_as_in_v1_4_2() {
        let b = |v: &str| Version::parse(v).unwrap().behaviours();
        assert_eq!(b("v1.4.3").repo_vm_cpu, RepoVmCpu::HostPassthrough);
        assert_eq!(b("v1.4.3").repo_vm_policy, RepoVmPolicy::LiveMigrate);
        assert_eq!(b("v1.6.1").repo_vm_cpu, RepoVmCpu::HostPassthrough);
    }

    #[test]
    fn failed_evacuations_are_stopped_from_v1_7_0_not_v1_6_x() {
        let b = |v: &str| Version::parse(v).unwrap().behaviours();
        for v in ["v1.5.1", "v1.6.0", "v1.6.1"] {
            assert!(!b(v).stop_failed_evacuations, "{v}");
        }
        assert!(b("v1.7.0").stop_failed_evacuations);
    }

    #[test]
    fn v1_6_1_behaves_as_v1_6_0_everywhere() {
        let b = |v: &str| Version::parse(v).unwrap().behaviours();
        assert_eq!(b("v1.6.1"), b("v1.6.0"));
    }

    #[test]
    fn an_upgrade_on_v1_7_0_is_refused_because_its_repo_is_a_deployment() {
        assert_eq!(Version::parse("v1.6.1").unwrap().upgrade_unmodelled(), None);
        let e = Version::parse("v1.7.0")
            .unwrap()
            .upgrade_unmodelled()
            .unwrap();
        assert!(
            e.starts_with("v1.7.0 serves the upgrade repo from a Deployment"),
            "{e}"
        );
    }

    #[test]
    fn launchers_carry_the_1_5_ratio_from_v1_4_0_but_quota_deltas_only_from_v1_4_2() {
        let b = |v: &str| Version::parse(v).unwrap().behaviours();
        assert_eq!(b("v1.3.2").launcher_overhead_ratio, None);
        assert_eq!(b("v1.4.0").launcher_overhead_ratio, Some("1.5"));
        assert_eq!(b("v1.4.1").launcher_overhead_ratio, Some("1.5"));
        assert_eq!(b("v1.4.1").overhead_ratio, None);
        assert_eq!(b("v1.4.2").overhead_ratio, Some("1.5"));
    }

    #[test]
    fn each_version_selects_the_kubevirt_it_ships() {
        let kv = |v: &str| Version::parse(v).unwrap().behaviours().kubevirt;
        assert_eq!(kv("v1.2.1"), KubeVirtRelease::V0_54);
        assert_eq!(kv("v1.2.2"), KubeVirtRelease::V1_1);
        assert_eq!(kv("v1.5.1"), KubeVirtRelease::V1_1);
        assert_eq!(kv("v1.6.0"), KubeVirtRelease::V1_5);
        assert_eq!(
            kubevirt_release(Version::new(1, 7, 0)),
            KubeVirtRelease::V1_6
        );
    }

    #[test]
    fn unknown_version_lists_the_known_ones() {
        let e = Version::parse("v1.4.9").unwrap_err();
        assert!(
            e.starts_with("unknown Harvester version \"v1.4.9\", expected one of v1.2.0, v1.2.1"),
            "{e}"
        );
    }
}
