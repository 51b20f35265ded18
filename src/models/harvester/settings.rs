//! Harvester's settings registration at server start: `pkg/settings/settings.go` (each
//! `NewSetting(name, default)`) and `pkg/controller/global/settings/register.go`
//! (`settingsProvider.SetAll`), v1.4.x. `harvester/main.go` exits on its error with
//! `failed to create harvester server: %v`, so a refused Create crash-loops the pod.
//!
//! SetAll walks a Go map, so the order differs on every start; the caller draws it through
//! the choice stream. Left out: environment overrides (`HARVESTER_<NAME>`), the update of an
//! existing setting's default (the defaults here never change), and most of the ~60 real
//! settings: this is a subset with their real names and v1.4 defaults, enough for the order
//! to matter the way it does (settings before the failing one are created and stay).

use crate::kube::object::SettingBody;
use crate::kube::{ActorId, ApiError, ApiServer, Body, Kind, Meta, Obj};

pub const STORAGE_NETWORK: &str = "storage-network";

/// (name, default) of the registered settings, in `settings.go` order.
pub const SETTINGS: &[(&str, &str)] = &[
    ("support-bundle-timeout", "10"),
    ("default-storage-class", "longhorn"),
    ("http-proxy", "{}"),
    (
        "overcommit-config",
        r#"{"cpu":1600,"memory":150,"storage":200}"#,
    ),
    ("vip-pools", ""),
    ("auto-disk-provision-paths", ""),
    (
        "csi-driver-config",
        r#"{"driver.longhorn.io":{"volumeSnapshotClassName":"longhorn-snapshot","backupVolumeSnapshotClassName":"longhorn"}}"#,
    ),
    ("containerd-registry", ""),
    (STORAGE_NETWORK, ""),
    ("default-vm-termination-grace-period-seconds", "120"),
    ("kubeconfig-default-token-ttl-minutes", "0"),
    ("longhorn-v2-data-engine-enabled", "false"),
];

/// `SetAll`: in the given order, every setting not found is created with its default and an
/// empty value; the first error is returned (the caller logs it and exits).
pub fn set_all(api: &mut ApiServer, actor: ActorId, order: &[usize]) -> Result<(), ApiError> {
    for &i in order {
        let (name, default) = SETTINGS[i];
        if api.get(Kind::Setting, "", name).is_some() {
            continue;
        }
        api.create(
            actor,
            Obj::new(
                Meta::named("", name),
                Body::Setting(SettingBody {
                    default: default.to_string(),
                    value: String::new(),
                }),
            ),
        )?;
    }
    Ok(())
}

/// The harvester pod's last log line when `SetAll` fails, as logrus prints it
/// (`level=fatal msg="failed to create harvester server: ..."`, quotes escaped).
pub fn fatal_line(e: &ApiError) -> String {
    let msg = format!("failed to create harvester server: {e}");
    format!("level=fatal msg=\"{}\"", msg.replace('"', "\\\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_all_creates_every_missing_setting_with_its_default() {
        let mut api = ApiServer::new();
        let order: Vec<usize> = (0..SETTINGS.len()).collect();
        set_all(&mut api, 0, &order).unwrap();
        let sn = api.get(Kind::Setting, "", STORAGE_NETWORK).unwrap();
        assert_eq!(sn.setting().default, "");
        assert_eq!(sn.setting().value, "");
        api.records.clear();
        set_all(&mut api, 0, &order).unwrap();
        assert!(api.records.is_empty(), "existing settings are left alone");
    }

    #[test]
    fn the_fatal_line_escapes_quotes_as_logrus_does() {
        let e = ApiError::WebhookDenied {
            webhook: "validator.harvesterhci.io",
            message: "Please stop all VMs before configuring the storage-network setting".into(),
        };
        assert_eq!(
            fatal_line(&e),
            r#"level=fatal msg="failed to create harvester server: admission webhook \"validator.harvesterhci.io\" denied the request: Please stop all VMs before configuring the storage-network setting""#
        );
    }
}
