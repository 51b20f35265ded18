//! The fields the API server knows, per kind, so a manifest's unknown fields are reported as
//! `kube-apiserver` reports them: `unknown field "spec.template.spec.foo"` (a warning, as
//! under the default `fieldValidation=Warn`; an error under `--strict`, as under `Strict`,
//! worded as apimachinery's `strictDecodingError`: `strict decoding error: unknown field
//! "a", unknown field "b"`, `staging/src/k8s.io/apimachinery/pkg/runtime/error.go`).
//! A field path is dotted from the object's root, a list item by its index
//! (`spec.template.spec.volumes[0].foo`), as sigs.k8s.io/json's `FieldError` names it.
//!
//! Sources of the tables (field names only, from the json tags and the CRD schema):
//! - core/v1 `Namespace`, `PersistentVolumeClaim` and meta/v1 `ObjectMeta`: kubernetes/api
//!   (k8s.io/api) `core/v1/types.go` and kubernetes/apimachinery `pkg/apis/meta/v1/types.go`
//!   at v0.30.3, the version Harvester v1.4.x pins (its `go.mod` replace lines).
//! - kubevirt.io/v1 `VirtualMachine`: kubevirt/kubevirt at v1.3.0 (the KubeVirt Harvester
//!   v1.4.x vendors, harvester-facts.md), `staging/src/kubevirt.io/api/core/v1/types.go` and
//!   `schema.go`, checked against the CRD's own `openAPIV3Schema` in
//!   `pkg/virt-operator/resource/generate/components/validations_generated.go`, which is what
//!   the API server prunes by. There `spec.template.metadata` and
//!   `spec.dataVolumeTemplates[].metadata` preserve unknown fields, so anything is accepted
//!   under them.
//!
//! Subtrees accepted whole (every field under them passes, real or not): each device under
//! `domain.devices` (its field names are checked, not what a disk or interface holds),
//! `affinity`, `tolerations`, probes, networks, `domain.firmware`/`features`/`clock`/..., each
//! volume source other than `persistentVolumeClaim` and `dataVolume`, a DataVolume template's
//! `spec`, `status` below its first level, label and annotation maps, `managedFields` and
//! `ownerReferences`. A real manifest's ignored fields (`status`, `managedFields`,
//! `resourceVersion`, disks) pass silently. Other kinds are not checked. A `v1 List` is not
//! sent to the API server (kubectl and RKE2 send its items one by one), so only its items
//! are checked, each from its own root. Duplicate keys need no table: the YAML reader refuses
//! them, as RKE2's `sigs.k8s.io/yaml` does.

use saphyr::{MarkedYaml, Marker, Scalar, YamlData};

/// What a field holds, as far as checking names goes.
pub enum Ty {
    /// A scalar, a free-keyed map, or a subtree accepted whole.
    Any,
    /// A mapping with these fields only.
    Fields(&'static [(&'static str, Ty)]),
    /// A sequence of items of this type.
    Items(&'static Ty),
}

use Ty::{Any, Fields, Items};

/// metav1.ObjectMeta (`clusterName` is gone since 1.25; only a comment remains at v0.30.3).
const OBJECT_META: &[(&str, Ty)] = &[
    ("name", Any),
    ("generateName", Any),
    ("namespace", Any),
    ("selfLink", Any),
    ("uid", Any),
    ("resourceVersion", Any),
    ("generation", Any),
    ("creationTimestamp", Any),
    ("deletionTimestamp", Any),
    ("deletionGracePeriodSeconds", Any),
    ("labels", Any),
    ("annotations", Any),
    ("ownerReferences", Any),
    ("finalizers", Any),
    ("managedFields", Any),
];

const NAMESPACE: &[(&str, Ty)] = &[
    ("apiVersion", Any),
    ("kind", Any),
    ("metadata", Fields(OBJECT_META)),
    ("spec", Fields(&[("finalizers", Any)])),
    ("status", Fields(&[("phase", Any), ("conditions", Any)])),
];

const PERSISTENT_VOLUME_CLAIM: &[(&str, Ty)] = &[
    ("apiVersion", Any),
    ("kind", Any),
    ("metadata", Fields(OBJECT_META)),
    (
        "spec",
        Fields(&[
            ("accessModes", Any),
            ("selector", Any),
            // VolumeResourceRequirements (`claims` is commented out at v0.30.3).
            ("resources", Fields(&[("limits", Any), ("requests", Any)])),
            ("volumeName", Any),
            ("storageClassName", Any),
            ("volumeMode", Any),
            ("dataSource", Any),
            ("dataSourceRef", Any),
            ("volumeAttributesClassName", Any),
        ]),
    ),
    (
        "status",
        Fields(&[
            ("phase", Any),
            ("accessModes", Any),
            ("capacity", Any),
            ("conditions", Any),
            ("allocatedResources", Any),
            ("allocatedResourceStatuses", Any),
            ("currentVolumeAttributesClassName", Any),
            ("modifyVolumeStatus", Any),
        ]),
    ),
];

/// InstancetypeMatcher and PreferenceMatcher have the same fields.
const MATCHER: &[(&str, Ty)] = &[
    ("name", Any),
    ("kind", Any),
    ("revisionName", Any),
    ("inferFromVolume", Any),
    ("inferFromVolumeFailurePolicy", Any),
];

const DEVICES: &[(&str, Ty)] = &[
    ("useVirtioTransitional", Any),
    ("disableHotplug", Any),
    ("disks", Any),
    ("watchdog", Any),
    ("interfaces", Any),
    ("inputs", Any),
    ("autoattachPodInterface", Any),
    ("autoattachGraphicsDevice", Any),
    ("autoattachSerialConsole", Any),
    ("logSerialConsole", Any),
    ("autoattachMemBalloon", Any),
    ("autoattachInputDevice", Any),
    ("autoattachVSOCK", Any),
    ("rng", Any),
    ("blockMultiQueue", Any),
    ("networkInterfaceMultiqueue", Any),
    ("gpus", Any),
    ("downwardMetrics", Any),
    ("filesystems", Any),
    ("hostDevices", Any),
    ("clientPassthrough", Any),
    ("sound", Any),
    ("tpm", Any),
];

const DOMAIN: &[(&str, Ty)] = &[
    (
        "resources",
        Fields(&[
            ("requests", Any),
            ("limits", Any),
            ("overcommitGuestOverhead", Any),
        ]),
    ),
    (
        "cpu",
        Fields(&[
            ("cores", Any),
            ("sockets", Any),
            ("maxSockets", Any),
            ("threads", Any),
            ("model", Any),
            ("features", Any),
            ("dedicatedCpuPlacement", Any),
            ("numa", Any),
            ("isolateEmulatorThread", Any),
            ("realtime", Any),
        ]),
    ),
    (
        "memory",
        Fields(&[("hugepages", Any), ("guest", Any), ("maxGuest", Any)]),
    ),
    ("machine", Any),
    ("firmware", Any),
    ("clock", Any),
    ("features", Any),
    ("devices", Fields(DEVICES)),
    ("ioThreadsPolicy", Any),
    ("chassis", Any),
    ("launchSecurity", Any),
];

/// Volume: `name` and the inlined VolumeSource.
const VOLUME: &[(&str, Ty)] = &[
    ("name", Any),
    ("hostDisk", Any),
    (
        "persistentVolumeClaim",
        Fields(&[("claimName", Any), ("readOnly", Any), ("hotpluggable", Any)]),
    ),
    ("cloudInitNoCloud", Any),
    ("cloudInitConfigDrive", Any),
    ("sysprep", Any),
    ("containerDisk", Any),
    ("ephemeral", Any),
    ("emptyDisk", Any),
    (
        "dataVolume",
        Fields(&[("name", Any), ("hotpluggable", Any)]),
    ),
    ("configMap", Any),
    ("secret", Any),
    ("downwardAPI", Any),
    ("serviceAccount", Any),
    ("downwardMetrics", Any),
    ("memoryDump", Any),
];

const VMI_SPEC: &[(&str, Ty)] = &[
    ("priorityClassName", Any),
    ("domain", Fields(DOMAIN)),
    ("nodeSelector", Any),
    ("affinity", Any),
    ("schedulerName", Any),
    ("tolerations", Any),
    ("topologySpreadConstraints", Any),
    ("evictionStrategy", Any),
    ("startStrategy", Any),
    ("terminationGracePeriodSeconds", Any),
    ("volumes", Items(&Fields(VOLUME))),
    ("livenessProbe", Any),
    ("readinessProbe", Any),
    ("hostname", Any),
    ("subdomain", Any),
    ("networks", Any),
    ("dnsPolicy", Any),
    ("dnsConfig", Any),
    ("accessCredentials", Any),
    ("architecture", Any),
];

const VIRTUAL_MACHINE: &[(&str, Ty)] = &[
    ("apiVersion", Any),
    ("kind", Any),
    ("metadata", Fields(OBJECT_META)),
    (
        "spec",
        Fields(&[
            ("running", Any),
            ("runStrategy", Any),
            ("instancetype", Fields(MATCHER)),
            ("preference", Fields(MATCHER)),
            (
                "template",
                Fields(&[("metadata", Any), ("spec", Fields(VMI_SPEC))]),
            ),
            (
                "dataVolumeTemplates",
                Items(&Fields(&[
                    ("apiVersion", Any),
                    ("kind", Any),
                    ("metadata", Any),
                    ("spec", Any),
                    ("status", Any),
                ])),
            ),
            ("updateVolumesStrategy", Any),
        ]),
    ),
    (
        "status",
        Fields(&[
            ("snapshotInProgress", Any),
            ("restoreInProgress", Any),
            ("created", Any),
            ("ready", Any),
            ("printableStatus", Any),
            ("conditions", Any),
            ("stateChangeRequests", Any),
            ("volumeRequests", Any),
            ("volumeSnapshotStatuses", Any),
            ("startFailure", Any),
            ("memoryDumpRequest", Any),
            ("observedGeneration", Any),
            ("desiredGeneration", Any),
            ("runStrategy", Any),
        ]),
    ),
];

/// The fields of a kind whose schema hvsim checks; `None` for every other kind.
pub fn schema(api_version: &str, kind: &str) -> Option<&'static [(&'static str, Ty)]> {
    match (api_version, kind) {
        ("v1", "Namespace") => Some(NAMESPACE),
        ("v1", "PersistentVolumeClaim") => Some(PERSISTENT_VOLUME_CLAIM),
        ("kubevirt.io/v1" | "kubevirt.io/v1alpha3", "VirtualMachine") => Some(VIRTUAL_MACHINE),
        _ => None,
    }
}

/// An unknown field: its path and where its key is written.
pub struct Unknown {
    pub path: String,
    pub at: Marker,
}

/// Every field of `node` (an object's root mapping) not in `fields`, in document order.
pub fn unknown_fields(node: &MarkedYaml<'_>, fields: &[(&str, Ty)]) -> Vec<Unknown> {
    let mut out = Vec::new();
    walk(node, fields, "", &mut out);
    out
}

fn walk(node: &MarkedYaml<'_>, fields: &[(&str, Ty)], prefix: &str, out: &mut Vec<Unknown>) {
    let YamlData::Mapping(entries) = &untag(node).data else {
        // Not a mapping: a type error, which the reader (or the API server) reports.
        return;
    };
    for (k, v) in entries {
        let name = match &untag(k).data {
            YamlData::Value(Scalar::String(s)) => s.to_string(),
            YamlData::Value(Scalar::Integer(i)) => i.to_string(),
            YamlData::Value(Scalar::Boolean(b)) => b.to_string(),
            YamlData::Representation(s, _, _) => s.to_string(),
            _ => continue,
        };
        let path = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match fields.iter().find(|(f, _)| *f == name) {
            None => out.push(Unknown {
                path,
                at: k.span.start,
            }),
            Some((_, ty)) => check(v, ty, &path, out),
        }
    }
}

fn check(v: &MarkedYaml<'_>, ty: &Ty, path: &str, out: &mut Vec<Unknown>) {
    match ty {
        Any => {}
        Fields(f) => walk(v, f, path, out),
        Items(item) => {
            if let YamlData::Sequence(items) = &untag(v).data {
                for (i, it) in items.iter().enumerate() {
                    check(it, item, &format!("{path}[{i}]"), out);
                }
            }
        }
    }
}

fn untag<'n, 'a>(mut n: &'n MarkedYaml<'a>) -> &'n MarkedYaml<'a> {
    while let YamlData::Tagged(_, inner) = &n.data {
        n = inner;
    }
    n
}

/// `unknown field "spec.foo"`, the API server's warning for one field.
pub fn warning(path: &str) -> String {
    format!("unknown field {}", quoted(path))
}

/// `strict decoding error: unknown field "a", unknown field "b"`, its error under Strict.
pub fn strict_error(paths: &[&str]) -> String {
    let all: Vec<String> = paths.iter().map(|p| warning(p)).collect();
    format!("strict decoding error: {}", all.join(", "))
}

/// Go's `%q` for the paths hvsim builds (names from the file are escaped by `echo`).
fn quoted(s: &str) -> String {
    super::echo::quoted(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use saphyr::LoadableYamlNode;

    fn paths(y: &str) -> Vec<String> {
        let docs = MarkedYaml::load_from_str(y).unwrap();
        unknown_fields(&docs[0], VIRTUAL_MACHINE)
            .into_iter()
            .map(|u| u.path)
            .collect()
    }

    #[test]
    fn a_misspelled_field_is_named_by_its_path_from_the_root() {
        let y = "kind: VirtualMachine\nspec:\n  runStrategyy: Always\n  template:\n    spec:\n      volumes:\n      - name: a\n        persistentVolumeClaim: {claimName: c, foo: 1}\n";
        assert_eq!(
            paths(y),
            vec![
                "spec.runStrategyy",
                "spec.template.spec.volumes[0].persistentVolumeClaim.foo"
            ]
        );
    }

    #[test]
    fn fields_under_a_subtree_accepted_whole_pass() {
        let y = "spec:\n  template:\n    metadata: {anything: 1}\n    spec:\n      domain:\n        devices:\n          disks: [{name: a, disk: {bus: virtio, whatever: 2}}]\nstatus: {printableStatus: Running}\n";
        assert!(paths(y).is_empty());
    }

    #[test]
    fn the_strict_error_joins_every_field_as_apimachinery_does() {
        assert_eq!(
            strict_error(&["spec.a", "spec.b"]),
            "strict decoding error: unknown field \"spec.a\", unknown field \"spec.b\""
        );
    }
}
