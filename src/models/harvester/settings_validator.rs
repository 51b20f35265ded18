//! Harvester's setting validator, the `storage-network` part
//! (`pkg/webhook/resources/setting/validator.go`, `validateStorageNetwork`,
//! `checkStorageNetworkValueVaild` / `checkStorageNetworkUsage`; `IsVMStopped` in
//! `pkg/util/virtualmachine/virtualmachine.go`). Which creates it checks depends on the
//! version (harvester-facts.md section 4):
//! - up to v1.3.2 an empty value returns early, and a non-empty one is refused while any
//!   VMI exists;
//! - v1.4.0 to v1.5.0 run the all-VMs-stopped check on every create, so the empty default
//!   that `SetAll` creates at the harvester pod's start is refused while any VM is not
//!   stopped (Harvester #8407);
//! - v1.5.1 and later run it only when the value or the default is non-empty.
//!
//! An update is checked only when the value or the default changes.
//! Left out: the JSON, VLAN and range validation of a non-empty value, and
//! `checkOnlineVolume` (Longhorn volumes not detached), which a VM that is stopped never
//! trips. Simplification: reads the API server's state, not the webhook's caches.

use super::settings::STORAGE_NETWORK;
use crate::kube::store::Store;
use crate::kube::{AdmissionHook, Kind, Obj};
use crate::models::behaviours::StorageNetworkCheck;

pub(crate) const WEBHOOK: &str = "validator.harvesterhci.io";
/// The settings webhook's denial of a `storage-network` setting while a VM is not stopped.
pub const STOP_ALL_VMS: &str = "Please stop all VMs before configuring the storage-network setting";

/// Harvester's settings webhook (`pkg/webhook/resources/setting/validator.go`), for the
/// `storage-network` setting.
pub struct SettingValidator {
    /// When it runs its "all VMs stopped" check.
    pub check: StorageNetworkCheck,
}

/// `IsVMStopped`: a VM is stopped only when its `printableStatus` is "Stopped" and it is
/// Halted, or has no VMI, or its VMI is final.
pub fn is_vm_stopped(vm: &Obj, vmi: Option<&Obj>) -> bool {
    if vm.vm().printable_status != "Stopped" {
        return false;
    }
    if vm.vm().run_strategy == crate::kube::object::RunStrategy::Halted {
        return true;
    }
    vmi.is_none_or(|i| i.vmi().phase.is_final())
}

/// The VMs `IsVMStopped` calls not stopped, in namespace and name order.
pub fn running_vms<'a>(store: &'a Store) -> impl Iterator<Item = &'a Obj> + 'a {
    store.list_all(Kind::VirtualMachine).filter_map(move |vm| {
        let vmi = store
            .id_of(
                Kind::VirtualMachineInstance,
                &vm.meta.namespace,
                &vm.meta.name,
            )
            .and_then(|id| store.get(id));
        (!is_vm_stopped(vm, vmi.map(|v| &**v))).then_some(&**vm)
    })
}

impl SettingValidator {
    fn check_usage(&self, store: &Store) -> Result<(), String> {
        if running_vms(store).next().is_some() {
            return Err(STOP_ALL_VMS.into());
        }
        Ok(())
    }
}

impl AdmissionHook for SettingValidator {
    fn name(&self) -> &'static str {
        WEBHOOK
    }

    fn validate(&self, old: Option<&Obj>, new: &Obj, store: &Store) -> Result<(), String> {
        if new.kind() != Kind::Setting || new.meta.name != STORAGE_NETWORK {
            return Ok(());
        }
        let s = new.setting();
        if let Some(old) = old {
            let o = old.setting();
            if o.default == s.default && o.value == s.value {
                return Ok(());
            }
        }
        match self.check {
            StorageNetworkCheck::SkipEmptyValue => {
                if s.value.is_empty() {
                    return Ok(());
                }
                // "check all VM are stopped, there is no VMI"
                if store
                    .list_all(Kind::VirtualMachineInstance)
                    .next()
                    .is_some()
                {
                    return Err(STOP_ALL_VMS.into());
                }
                Ok(())
            }
            StorageNetworkCheck::Always => self.check_usage(store),
            StorageNetworkCheck::ValueOrDefaultSet => {
                if s.value.is_empty() && s.default.is_empty() {
                    return Ok(());
                }
                self.check_usage(store)
            }
        }
    }
}
