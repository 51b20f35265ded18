//! Harvester versions and the behaviour switches each one selects
//! (`shared/reference/harvester-facts.md` section 0). The switches themselves live with the
//! models (`models::behaviours`); this file only maps a version to them. A version never
//! selects "the bug"; it selects which real mechanism runs.

pub use crate::models::behaviours::{
    Behaviours, HostVmRows, MigrationKey, MigrationQuota, RepoVmCpu, RepoVmPolicy,
    StorageNetworkCheck, ADDITIONAL_GUEST_MEMORY_OVERHEAD_RATIO,
};
use crate::models::kubevirt::overhead::KubeVirtRelease;
use std::fmt;

/// A Harvester release, `vMAJOR.MINOR.PATCH`, one of `KNOWN`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Version {
    pub(crate) major: u16,
    pub(crate) minor: u16,
    pub(crate) patch: u16,
}

/// The releases hvsim knows. A scenario naming another is an input error.
pub const KNOWN: &[&str] = &[
    "v1.2.0", "v1.2.1", "v1.2.2", "v1.3.0", "v1.3.1", "v1.3.2", "v1.4.0", "v1.4.1", "v1.4.2",
    "v1.4.3", "v1.5.0", "v1.5.1", "v1.6.0", "v1.6.1", "v1.7.0",
];

impl Version {
    /// The version `vmajor.minor.patch` (not checked against `KNOWN`).
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Version {
            major,
            minor,
            patch,
        }
    }

    /// Reads a version of `KNOWN` (`v1.4.2`).
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

    /// The switches the models run with on this version.
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
            // `pkg/data/add.go` `Init` calls `addFleetDefaultNamespace` from v1.4.0 (not at
            // v1.3.2).
            fleet_default_namespace: self >= Version::new(1, 4, 0),
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
