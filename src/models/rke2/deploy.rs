//! RKE2's auto-deploy controller (k3s `pkg/deploy/controller.go`, the `watcher` RKE2 runs on
//! `/var/lib/rancher/rke2/server/manifests`). Every 15 s it walks the directory in path
//! order; a file not yet applied is parsed and its objects applied as one object set owned
//! by the file's `Addon` (kube-system/<base name>). A file whose apply fails is logged
//! (`Failed to process config: ...`) and tried again on the next pass; once it applies,
//! the Addon records its checksum and the file is left alone.
//!
//! An object of a kind the API server does not serve yet fails with the RESTMapper's
//! `no matches for kind "VirtualMachine" in version "kubevirt.io/v1"`: KubeVirt's kinds are
//! served once virt-operator has installed their CRDs, which this model reads as the CRD
//! object `virtualmachines.kubevirt.io` existing (a live discovery request).
//!
//! Here each Addon is a key, requeued after 15 s while its file fails. Left out: edits and
//! removal of files (pruning), `.skip` files, the GVK annotation, Events.

use crate::engine::SimDuration;
use crate::kube::{Body, Ctx, Kind, Obj, ObjId, Outcome, ReconcileResult, Reconciler};

/// `time.After(15 * time.Second)` between passes over the manifests directory.
pub const PASS_INTERVAL: SimDuration = SimDuration::from_secs(15);
pub const MANIFESTS_DIR: &str = "/var/lib/rancher/rke2/server/manifests";
/// The CRD whose presence means KubeVirt's API group is served.
pub const KUBEVIRT_CRD: &str = "virtualmachines.kubevirt.io";

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
        let kubevirt_served = ctx.api().get(Kind::Opaque, "", KUBEVIRT_CRD).is_some();
        let mut errors = Vec::new();
        // Namespaces first, as wrangler's apply orders kinds; then file order.
        let ordered = a
            .objects
            .iter()
            .filter(|o| o.kind() == Kind::Namespace)
            .chain(a.objects.iter().filter(|o| o.kind() != Kind::Namespace));
        for obj in ordered {
            let (api_version, kind) = gvk(obj);
            if api_version.starts_with("kubevirt.io/") && !kubevirt_served {
                errors.push(format!(
                    "no matches for kind \"{kind}\" in version \"{api_version}\""
                ));
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
