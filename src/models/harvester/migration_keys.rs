//! The per-migration annotations Harvester keeps on the namespace ResourceQuota
//! (`pkg/util/constants.go`, `pkg/util/resourcequota/utils.go`, `pkg/util/annotationkey.go`).
//! v1.2 to v1.4.1 key by VM name; v1.4.2+ key by the **VMI** UID and still read, count and
//! delete the old name keys.

use crate::kube::{Meta, ResourceList};

/// `AnnotationMigratingNamePrefix` (26 characters).
pub const MIGRATING_NAME_PREFIX: &str = "harvesterhci.io/migrating-";
/// `AnnotationMigratingUIDPrefix`.
pub const MIGRATING_UID_PREFIX: &str = "harvesterhci.io/migratingUID-";
/// `AnnotationSkipResourceQuotaAutoScaling` (v1.4.2+).
pub const SKIP_AUTO_SCALING: &str = "harvesterhci.io/skipResourceQuotaAutoScaling";

pub(crate) fn name_key(vm_name: &str) -> String {
    format!("{MIGRATING_NAME_PREFIX}{vm_name}")
}

/// `GenerateAnnotationKeyMigratingVMUID`.
pub fn uid_key(vmi_uid: &str) -> String {
    format!("{MIGRATING_UID_PREFIX}{vmi_uid}")
}

fn is_migrating_key(k: &str) -> bool {
    k.starts_with(MIGRATING_NAME_PREFIX) || k.starts_with(MIGRATING_UID_PREFIX)
}

/// `ContainsMigratingVM`: either key present (v1.4.1 passes no uid).
pub fn contains_migrating_vm(meta: &Meta, vm_name: &str, vmi_uid: Option<&str>) -> bool {
    meta.annotations.contains_key(&name_key(vm_name))
        || vmi_uid.is_some_and(|u| meta.annotations.contains_key(&uid_key(u)))
}

/// `AddMigratingVM` (v1.4.2+): drop the old name key, write the UID key.
pub fn add_migrating_vm(meta: &mut Meta, vm_name: &str, vmi_uid: &str, rl: &ResourceList) {
    meta.annotations.remove(&name_key(vm_name));
    meta.annotations.insert(uid_key(vmi_uid), rl.to_json());
}

/// `DeleteMigratingVM` (v1.4.2+): drop both keys; true if either was there.
pub fn delete_migrating_vm(meta: &mut Meta, vm_name: &str, vmi_uid: &str) -> bool {
    let a = meta.annotations.remove(&name_key(vm_name)).is_some();
    let b = meta.annotations.remove(&uid_key(vmi_uid)).is_some();
    a || b
}

/// `getResourceListFromMigratingVMs`: the sum over both prefixes. The first value that does
/// not parse fails the whole sum (`failed to unmarshal vm %v quantity %v`), as in v1.4.2.
pub fn sum_migrating(meta: &Meta) -> Result<ResourceList, String> {
    let mut sum = ResourceList::new();
    for (k, v) in meta.annotations.iter().filter(|(k, _)| is_migrating_key(k)) {
        let rl = ResourceList::from_json(v)
            .map_err(|e| format!("failed to unmarshal vm {k} quantity {v}: {e}"))?;
        sum = sum.add(&rl);
    }
    Ok(sum)
}

/// `HasMigratingVM`: any key of either prefix.
pub fn has_migrating_vm(meta: &Meta) -> bool {
    meta.annotations.keys().any(|k| is_migrating_key(k))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::{Quantity, Resource};

    #[test]
    fn name_and_uid_prefixes_do_not_collide() {
        assert!(!uid_key("x").starts_with(MIGRATING_NAME_PREFIX));
        assert_eq!(MIGRATING_NAME_PREFIX.len(), 26);
    }

    #[test]
    fn the_sum_counts_old_and_new_keys() {
        let mut m = Meta::default();
        let one = ResourceList::new().with(Resource::LimitsCpu, Quantity::from_units(1));
        m.annotations.insert(name_key("a"), one.to_json());
        add_migrating_vm(&mut m, "b", "uid-b", &one);
        assert_eq!(
            sum_migrating(&m).unwrap().get(Resource::LimitsCpu),
            Some(Quantity::from_units(2))
        );
        assert!(delete_migrating_vm(&mut m, "a", "uid-a"));
        assert!(has_migrating_vm(&m));
    }
}
