//! An object's desired state as named fields, for the differential oracle: what a user or a
//! controller asked for (metadata labels and annotations, spec), not what the cluster
//! observed (status), which moves with timing.
//!
//! Kinds left out: Pods, VMIMs and Jobs, whose names are generated per operation and which
//! are records of work rather than state asked for (the `progress` and `leftovers` oracles
//! judge them). Fields left out as placement, not desired state: a VMI's
//! `kubevirt.io/nodeName` label (the scheduler picks the node, and may pick another on
//! another schedule).
//!
//! An object's id is its kind and key; a generated name (`default-6sfgb`) is named by its
//! `generateName` (`default-*`), since the suffix depends on how many names were generated
//! before it (hvsim's API server, unlike the real one, does not keep `generateName` on the
//! object, so the suffix is recognised by its length and alphabet).

use crate::kube::api::generated_prefix;
use crate::kube::object::Domain;
use crate::kube::store::Store;
use crate::kube::{Body, Kind, Obj};
use crate::models::kubevirt::virt_handler::LABEL_NODE_NAME;
use std::collections::BTreeMap;

/// Field name -> value, for one object.
pub type Fields = BTreeMap<String, String>;

/// Object id -> its fields.
pub type State = BTreeMap<String, Fields>;

/// The kinds whose objects are compared.
pub fn compared(kind: Kind) -> bool {
    !matches!(
        kind,
        Kind::Pod | Kind::VirtualMachineInstanceMigration | Kind::Job
    )
}

/// `Kind namespace/name`, with a generated suffix written `*`.
pub fn id(o: &Obj) -> String {
    let m = &o.meta;
    let name = match generated_prefix(&m.name) {
        Some(prefix) => format!("{prefix}*"),
        None => m.name.to_string(),
    };
    if m.namespace.is_empty() {
        format!("{} {name}", o.body.kind().name())
    } else {
        format!("{} {}/{name}", o.body.kind().name(), m.namespace)
    }
}

fn domain(f: &mut Fields, prefix: &str, d: &Domain) {
    f.insert(
        format!("{prefix}.domain.cpu.model"),
        d.cpu_model.name().into(),
    );
    if let Some(sel) = &d.node_selector {
        f.insert(format!("{prefix}.nodeSelector"), format!("{sel:?}"));
    }
    if let Some(a) = &d.node_affinity {
        f.insert(format!("{prefix}.affinity.nodeAffinity"), format!("{a:?}"));
    }
    if !d.host_devices.is_empty() {
        f.insert(
            format!("{prefix}.domain.devices"),
            format!("{:?}", d.host_devices),
        );
    }
    f.insert(format!("{prefix}.evictionStrategy"), d.evict.to_string());
}

/// The desired-state fields of `o` (None for a kind not compared).
pub fn fields(o: &Obj) -> Option<Fields> {
    let kind = o.body.kind();
    if !compared(kind) {
        return None;
    }
    let mut f = Fields::new();
    f.insert("(exists)".into(), "yes".into());
    if o.meta.deletion_timestamp.is_some() {
        f.insert("metadata.deletionTimestamp".into(), "set".into());
    }
    for (k, v) in &o.meta.labels {
        if kind == Kind::VirtualMachineInstance && k == LABEL_NODE_NAME {
            continue;
        }
        f.insert(format!("metadata.labels[{k}]"), v.to_string());
    }
    for (k, v) in &o.meta.annotations {
        f.insert(format!("metadata.annotations[{k}]"), v.to_string());
    }
    match &o.body {
        Body::Namespace(b) => {
            if let Some(q) = &b.project_default {
                f.insert(
                    "project.spec.namespaceDefaultResourceQuota".into(),
                    q.pretty(),
                );
            }
        }
        Body::ResourceQuota(b) => {
            f.insert("spec.hard".into(), b.spec_hard.pretty());
        }
        Body::Node(b) => {
            f.insert("spec.unschedulable".into(), b.unschedulable.to_string());
            if b.drain_taint {
                f.insert(
                    "spec.taints".into(),
                    "kubevirt.io/drain=draining:NoSchedule".into(),
                );
            }
        }
        Body::VirtualMachine(b) => {
            f.insert("spec.runStrategy".into(), b.run_strategy.name().into());
            domain(&mut f, "spec.template.spec", &b.domain);
            f.insert(
                "spec.template.spec.domain.resources".into(),
                format!("cpu={},memory={}", b.cpu, b.memory),
            );
        }
        Body::VirtualMachineInstance(b) => {
            domain(&mut f, "spec", &b.domain);
            f.insert(
                "spec.domain.resources".into(),
                format!(
                    "limits cpu={},memory={}; requests memory={}",
                    b.cpu, b.memory, b.memory_request
                ),
            );
        }
        Body::Setting(b) => {
            f.insert("default".into(), b.default.clone());
            f.insert("value".into(), b.value.clone());
        }
        Body::PersistentVolumeClaim(b) => {
            f.insert("spec.storageClassName".into(), b.storage_class.clone());
        }
        Body::Upgrade(b) => {
            f.insert(
                "metadata.labels[harvesterhci.io/upgradeState]".into(),
                b.state.clone(),
            );
        }
        Body::Addon(b) => {
            f.insert("spec.source".into(), b.source.clone());
        }
        Body::Opaque(_) | Body::Pod(_) | Body::VirtualMachineInstanceMigration(_) => {}
        Body::Job(_) => {}
    }
    Some(f)
}

/// The desired state of every compared object in the store. Two objects with one id (two
/// generated names from one `generateName`) are told apart by `#2`, `#3` in the order of
/// their fields, so the numbering does not depend on which was created first.
pub fn state(store: &Store) -> State {
    let mut by_id: BTreeMap<String, Vec<Fields>> = BTreeMap::new();
    for kind in Kind::ALL.into_iter().filter(|k| compared(*k)) {
        for o in store.list_all(kind) {
            if let Some(f) = fields(o) {
                by_id.entry(id(o)).or_default().push(f);
            }
        }
    }
    let mut out = State::new();
    for (id, mut all) in by_id {
        all.sort();
        for (i, f) in all.into_iter().enumerate() {
            let key = if i == 0 {
                id.clone()
            } else {
                format!("{id} #{}", i + 1)
            };
            out.insert(key, f);
        }
    }
    out
}
