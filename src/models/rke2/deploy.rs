//! RKE2's auto-deploy controller (k3s `pkg/deploy/controller.go`, the `watcher` RKE2 runs on
//! `/var/lib/rancher/rke2/server/manifests`). Every 15 s it walks the directory in path
//! order; a file not yet applied is parsed and its objects applied as one object set owned
//! by the file's `Addon` (kube-system/<base name>). A file whose apply fails is logged
//! (`Failed to process config: ...`) and tried again on the next pass; once it applies,
//! the Addon records its checksum and the file is left alone.
//!
//! An object of a kind the API server does not serve yet fails with the RESTMapper's
//! `no matches for kind "VirtualMachine" in version "kubevirt.io/v1"` (apimachinery
//! `pkg/api/meta/errors.go`, `NoKindMatchError` with one searched version). A group built
//! into kube-apiserver (`BUILTIN_GROUPS`) is always served; any other kind is served once a
//! CustomResourceDefinition for its group and kind exists: KubeVirt's once virt-operator has
//! installed its CRDs, a user's once a manifest's CRD has been applied. "Established" is
//! modelled as the CRD existing when the pass starts (the mapper's discovery is read once per
//! pass; no figure for discovery lag was found to model more), so a file holding a CRD and
//! its custom resource fails on its first pass and applies on the next, 15 s later. The
//! CRDs RKE2 registers before its deploy controller starts (k3s `pkg/crd/crds.go`:
//! `addons.k3s.cattle.io`, `etcdsnapshotfiles.k3s.cattle.io`; helm-controller's
//! `helmcharts`/`helmchartconfigs.helm.cattle.io`) are served from t=0 (`RKE2_KINDS`), as are
//! the `harvester-crd` chart's (`models/harvester/crd_chart.rs`).
//!
//! Here each Addon is a key, requeued after 15 s while its file fails. Left out: edits and
//! removal of files (pruning), `.skip` files, the GVK annotation, Events.

use crate::engine::SimDuration;
use crate::kube::{Body, Ctx, Kind, Obj, ObjId, Outcome, ReconcileResult, Reconciler};
use crate::models::harvester::crd_chart;

/// `time.After(15 * time.Second)` between passes over the manifests directory.
pub const PASS_INTERVAL: SimDuration = SimDuration::from_secs(15);
pub const MANIFESTS_DIR: &str = "/var/lib/rancher/rke2/server/manifests";
/// The CRD virt-operator installs for `kubevirt.io/v1 VirtualMachine`.
pub const KUBEVIRT_CRD: &str = "virtualmachines.kubevirt.io";

/// The API groups kube-apiserver serves itself (no CRD): the REST storage providers of
/// kubernetes `pkg/controlplane/instance.go` (a v1.30 tree: resource.k8s.io/v1alpha2,
/// storagemigration.k8s.io/v1alpha1), plus apiextensions-apiserver's and kube-aggregator's.
/// Left out: alpha groups are off unless enabled, which is not modelled.
pub const BUILTIN_GROUPS: &[&str] = &[
    "",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "apps",
    "authentication.k8s.io",
    "authorization.k8s.io",
    "autoscaling",
    "batch",
    "certificates.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "events.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "internal.apiserver.k8s.io",
    "networking.k8s.io",
    "node.k8s.io",
    "policy",
    "rbac.authorization.k8s.io",
    "resource.k8s.io",
    "scheduling.k8s.io",
    "storage.k8s.io",
    "storagemigration.k8s.io",
];

/// Kinds whose CRDs RKE2 registers before the deploy controller runs (header).
pub const RKE2_KINDS: &[(&str, &str)] = &[
    ("k3s.cattle.io", "Addon"),
    ("k3s.cattle.io", "ETCDSnapshotFile"),
    ("helm.cattle.io", "HelmChart"),
    ("helm.cattle.io", "HelmChartConfig"),
];

/// The kinds of the CRDs virt-operator installs together (kubevirt/kubevirt v1.3.0
/// `pkg/virt-operator/resource/generate/components/crds.go`, its `New*Crd`); hvsim creates
/// only the VirtualMachine and VirtualMachineInstance objects, so the rest are served once
/// `KUBEVIRT_CRD` exists.
pub const KUBEVIRT_KINDS: &[(&str, &str)] = &[
    ("kubevirt.io", "VirtualMachineInstance"),
    ("kubevirt.io", "VirtualMachine"),
    ("kubevirt.io", "VirtualMachineInstancePreset"),
    ("kubevirt.io", "VirtualMachineInstanceReplicaSet"),
    ("kubevirt.io", "VirtualMachineInstanceMigration"),
    ("kubevirt.io", "KubeVirt"),
    ("pool.kubevirt.io", "VirtualMachinePool"),
    ("snapshot.kubevirt.io", "VirtualMachineSnapshot"),
    ("snapshot.kubevirt.io", "VirtualMachineSnapshotContent"),
    ("snapshot.kubevirt.io", "VirtualMachineRestore"),
    ("export.kubevirt.io", "VirtualMachineExport"),
    ("instancetype.kubevirt.io", "VirtualMachineInstancetype"),
    (
        "instancetype.kubevirt.io",
        "VirtualMachineClusterInstancetype",
    ),
    ("instancetype.kubevirt.io", "VirtualMachinePreference"),
    (
        "instancetype.kubevirt.io",
        "VirtualMachineClusterPreference",
    ),
    ("migrations.kubevirt.io", "MigrationPolicy"),
    ("clone.kubevirt.io", "VirtualMachineClone"),
];

/// The (group, kind) pairs the CRDs in the API server serve now.
fn crd_kinds(ctx: &Ctx<'_>) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = ctx
        .api()
        .store
        .list_all(Kind::Opaque)
        .filter_map(|o| o.opaque().crd.clone())
        .collect();
    if ctx.api().get(Kind::Opaque, "", KUBEVIRT_CRD).is_some() {
        kinds.extend(
            KUBEVIRT_KINDS
                .iter()
                .map(|(g, k)| (g.to_string(), k.to_string())),
        );
    }
    kinds.extend(
        RKE2_KINDS
            .iter()
            .map(|(g, k)| (g.to_string(), k.to_string())),
    );
    kinds.extend(
        crd_chart::KINDS
            .iter()
            .map(|k| (crd_chart::GROUP.to_string(), k.to_string())),
    );
    kinds
}

/// `Err(NoKindMatchError text)` unless the API server serves `kind` in `api_version`.
pub fn served(api_version: &str, kind: &str, crds: &[(String, String)]) -> Result<(), String> {
    let group = api_version.split_once('/').map_or("", |(g, _)| g);
    if BUILTIN_GROUPS.contains(&group) || crds.iter().any(|(g, k)| g == group && k == kind) {
        return Ok(());
    }
    Err(format!(
        "no matches for kind \"{kind}\" in version \"{api_version}\""
    ))
}

pub struct DeployController;

/// The apiVersion and kind an object was written with.
fn gvk(o: &Obj) -> (String, String) {
    match &o.body {
        Body::Opaque(b) => (b.api_version.clone(), b.kind.clone()),
        Body::VirtualMachine(_) => ("kubevirt.io/v1".into(), "VirtualMachine".into()),
        _ => ("v1".into(), o.kind().name().into()),
    }
}

impl Reconciler for DeployController {
    fn name(&self) -> &'static str {
        "deploy"
    }

    fn primary(&self) -> Kind {
        Kind::Addon
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let Some(addon) = ctx.read().by_id(key) else {
            return Ok(Outcome::Done);
        };
        let a = addon.addon();
        if a.applied {
            return Ok(Outcome::Done);
        }
        // Discovery as the pass starts: a CRD created in this pass serves from the next.
        let crds = crd_kinds(ctx);
        let mut errors = Vec::new();
        // Namespaces first, as wrangler's apply orders kinds; then file order.
        let ordered = a
            .objects
            .iter()
            .filter(|o| o.kind() == Kind::Namespace)
            .chain(a.objects.iter().filter(|o| o.kind() != Kind::Namespace));
        for obj in ordered {
            let (api_version, kind) = gvk(obj);
            if let Err(e) = served(&api_version, &kind, &crds) {
                errors.push(e);
                continue;
            }
            let (ns, name) = (&obj.meta.namespace, &obj.meta.name);
            if ctx.api().get(obj.kind(), ns, name).is_some() {
                continue;
            }
            if !ns.is_empty() && ctx.api().get(Kind::Namespace, "", ns).is_none() {
                errors.push(format!("namespaces \"{ns}\" not found"));
                continue;
            }
            if let Err(e) = ctx.create(obj.clone()) {
                errors.push(e.to_string());
            }
        }
        let source = a.source.clone();
        if errors.is_empty() {
            let mut next = (*addon).clone();
            next.addon_mut().applied = true;
            ctx.update(next)?;
            ctx.log(|| format!("Applied manifest at \"{source}\""));
            return Ok(Outcome::Done);
        }
        let all = errors.join(", ");
        ctx.log(|| format!("Failed to process config: failed to process {source}: {all}"));
        Ok(Outcome::RequeueAfter(PASS_INTERVAL))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crds() -> Vec<(String, String)> {
        vec![("example.com".into(), "Widget".into())]
    }

    #[test]
    fn a_kind_of_a_built_in_group_is_served_without_a_crd() {
        assert_eq!(served("apps/v1", "Deployment", &[]), Ok(()));
        assert_eq!(served("v1", "ConfigMap", &[]), Ok(()));
    }

    #[test]
    fn a_custom_kind_without_its_crd_gets_the_rest_mappers_text() {
        assert_eq!(
            served("example.com/v1", "Gadget", &crds()),
            Err("no matches for kind \"Gadget\" in version \"example.com/v1\"".into())
        );
        assert_eq!(served("example.com/v1", "Widget", &crds()), Ok(()));
    }
}
