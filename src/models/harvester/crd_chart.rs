//! The `harvester-crd` chart (harvester/harvester v1.4.1 `deploy/charts/harvester-crd/templates`):
//! the kinds of group `harvesterhci.io` whose CRDs it installs. An install's manifests may
//! hold these (a `VirtualMachineImage`); the chart is installed before the harvester chart,
//! at a time hvsim does not model, so they are served from t=0.

pub const GROUP: &str = "harvesterhci.io";

pub const KINDS: &[&str] = &[
    "Addon",
    "KeyPair",
    "Preference",
    "ResourceQuota",
    "ScheduleVMBackup",
    "Setting",
    "SupportBundle",
    "UpgradeLog",
    "Upgrade",
    "Version",
    "VirtualMachineBackup",
    "VirtualMachineImage",
    "VirtualMachineRestore",
    "VirtualMachineTemplate",
    "VirtualMachineTemplateVersion",
];
