//! KubeVirt v1.3's CPU labels and the node selectors built from them
//! (harvester-facts.md 3.5):
//! - virt-handler's node labeller (`pkg/virt-handler/node-labeller`) puts the host's CPU on
//!   its Node as labels (consts of `kubevirt.io/api/core/v1/types.go`);
//! - `services/nodeselectorrenderer.go` `Render`: a launcher pod always selects
//!   `kubevirt.io/schedulable`, and a named model adds `cpu-model.node.kubevirt.io/<Model>`
//!   (host-model and host-passthrough add no CPU selector);
//! - `watch/migration.go` `prepareNodeSelectorForHostCpuModel`: a host-model VMI's
//!   migration target selects the source node's host model (`cpu-model-migration...`) and its
//!   required features (`cpu-feature...`), or copies those selectors from the source pod if
//!   it has them (they are sticky across migrations).
//!
//! Simplification: the labels are put on the Node when the world is built, as if the
//! labeller had run before the scenario starts; CPUs do not change during a run.

use crate::kube::labels::StrMap;
use crate::kube::object::CpuMode;
use crate::models::cpu::HostCpu;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

pub const HOST_MODEL_CPU: &str = "host-model-cpu.node.kubevirt.io/";
pub const HOST_MODEL_REQUIRED_FEATURES: &str = "host-model-required-features.node.kubevirt.io/";
pub const CPU_MODEL: &str = "cpu-model.node.kubevirt.io/";
pub const CPU_MODEL_MIGRATION: &str = "cpu-model-migration.node.kubevirt.io/";
pub const CPU_FEATURE: &str = "cpu-feature.node.kubevirt.io/";
pub const CPU_VENDOR: &str = "cpu-vendor.node.kubevirt.io/";
pub const SCHEDULABLE: &str = "kubevirt.io/schedulable";

/// The labels the node labeller puts on a node with this CPU (computed once per catalogue
/// host; each node's copy is made when its own hostname label is added).
pub fn node_labels(cpu: &HostCpu) -> StrMap {
    static CATALOGUE_LABELS: OnceLock<Vec<(HostCpu, StrMap)>> = OnceLock::new();
    let cached = CATALOGUE_LABELS.get_or_init(|| {
        crate::models::cpu::CATALOGUE
            .iter()
            .filter_map(|e| crate::models::cpu::catalogue_host(e.model))
            .map(|h| (h.clone(), compute_labels(h)))
            .collect()
    });
    match cached.iter().find(|(h, _)| h == cpu) {
        Some((_, l)) => l.clone(),
        None => compute_labels(cpu),
    }
}

fn compute_labels(cpu: &HostCpu) -> StrMap {
    let mut l = BTreeMap::new();
    let t = || "true".to_string();
    l.insert(SCHEDULABLE.into(), t());
    l.insert(format!("{CPU_VENDOR}{}", cpu.vendor), t());
    l.insert(format!("{HOST_MODEL_CPU}{}", cpu.host_model), t());
    for f in &cpu.required {
        l.insert(format!("{HOST_MODEL_REQUIRED_FEATURES}{f}"), t());
    }
    for m in cpu.supported_models() {
        l.insert(format!("{CPU_MODEL}{m}"), t());
        l.insert(format!("{CPU_MODEL_MIGRATION}{m}"), t());
    }
    for f in &cpu.features {
        l.insert(format!("{CPU_FEATURE}{f}"), t());
    }
    l.into_iter().collect()
}

/// `Render`: the selector of a VMI's own launcher pod.
pub fn launcher_selector(mode: &CpuMode) -> BTreeMap<String, String> {
    let mut s = BTreeMap::new();
    s.insert(SCHEDULABLE.into(), "true".into());
    if let CpuMode::Named(m) = mode {
        s.insert(format!("{CPU_MODEL}{m}"), "true".into());
    }
    s
}

/// `prepareNodeSelectorForHostCpuModel`: the extra selector of a host-model VMI's migration
/// target pod, from the source pod's selector (sticky) or else the source node's labels.
pub fn host_model_target_selector(
    source_pod: &BTreeMap<String, String>,
    source_node: &StrMap,
) -> Result<BTreeMap<String, String>, String> {
    let sticky: BTreeMap<String, String> = source_pod
        .iter()
        .filter(|(k, _)| k.starts_with(CPU_FEATURE) || k.starts_with(CPU_MODEL_MIGRATION))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if !sticky.is_empty() {
        return Ok(sticky);
    }
    let mut s = BTreeMap::new();
    let mut found = false;
    for (k, v) in source_node {
        if let Some(model) = k.strip_prefix(HOST_MODEL_CPU) {
            s.insert([CPU_MODEL_MIGRATION, model].concat(), v.to_string());
            found = true;
        } else if let Some(f) = k.strip_prefix(HOST_MODEL_REQUIRED_FEATURES) {
            s.insert([CPU_FEATURE, f].concat(), v.to_string());
        }
    }
    if !found {
        // The typo is KubeVirt's.
        return Err(format!(
            "node does not contain labal \"{HOST_MODEL_CPU}\" with information about host cpu model"
        ));
    }
    Ok(s)
}

/// Whether a node's labels satisfy a selector.
pub fn matches(labels: &StrMap, selector: &BTreeMap<String, String>) -> bool {
    selector
        .iter()
        .all(|(k, v)| labels.get(k).is_some_and(|x| x == v))
}

/// Whether a host can run a guest whose CPU was defined on `origin` in `mode`: the ground
/// truth the `cpu-compatible` invariant judges by (not the labels). `Err` lists what is
/// missing.
pub fn can_run(host: &HostCpu, mode: &CpuMode, origin: &HostCpu) -> Result<(), String> {
    match mode {
        CpuMode::HostModel => {
            if !host.supports_model(&origin.host_model) {
                return Err(format!("CPU model {}", origin.host_model));
            }
            let missing = host.missing(&origin.required);
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("features {}", missing.join(", ")))
            }
        }
        CpuMode::HostPassthrough => {
            let missing = host.missing(&origin.features);
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!("features {}", missing.join(", ")))
            }
        }
        CpuMode::Named(m) => {
            if host.supports_model(m) {
                Ok(())
            } else {
                Err(format!("CPU model {m}"))
            }
        }
    }
}

/// The features libvirt finds missing when a host-passthrough guest defined on `origin`
/// migrates to `target` (empty: the migration can run).
pub fn passthrough_missing(origin: &HostCpu, target: &HostCpu) -> Vec<String> {
    let have: &BTreeSet<String> = &target.features;
    origin
        .features
        .iter()
        .filter(|f| !have.contains(*f))
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(m: &str) -> HostCpu {
        HostCpu::of(m).unwrap()
    }

    #[test]
    fn host_model_target_selects_the_source_host_model_and_required_features() {
        let src = node_labels(&cpu("Cascadelake-Server"));
        let s = host_model_target_selector(&BTreeMap::new(), &src).unwrap();
        assert_eq!(
            s.get("cpu-model-migration.node.kubevirt.io/Cascadelake-Server")
                .map(String::as_str),
            Some("true")
        );
        assert!(s.contains_key("cpu-feature.node.kubevirt.io/vmx"));
        assert!(!s.keys().any(|k| k.starts_with(CPU_MODEL)));
        // An Icelake node can take it; a Skylake node cannot.
        assert!(matches(&node_labels(&cpu("Icelake-Server")), &s));
        assert!(!matches(&node_labels(&cpu("Skylake-Server")), &s));
    }

    #[test]
    fn host_model_selectors_are_sticky_across_migrations() {
        let first =
            host_model_target_selector(&BTreeMap::new(), &node_labels(&cpu("Skylake-Server")))
                .unwrap();
        // Now on an Icelake node, migrating again: the Skylake selector is copied, not the
        // Icelake one.
        let again =
            host_model_target_selector(&first, &node_labels(&cpu("Icelake-Server"))).unwrap();
        assert_eq!(again, first);
    }

    #[test]
    fn a_source_node_without_host_model_label_is_an_error_with_kubevirts_text() {
        let e = host_model_target_selector(&BTreeMap::new(), &StrMap::new()).unwrap_err();
        assert_eq!(
            e,
            "node does not contain labal \"host-model-cpu.node.kubevirt.io/\" with information about host cpu model"
        );
    }

    #[test]
    fn host_passthrough_and_host_model_add_no_cpu_selector_to_the_launcher_pod() {
        for m in [CpuMode::HostModel, CpuMode::HostPassthrough] {
            let s = launcher_selector(&m);
            assert_eq!(s.len(), 1, "{m:?}");
            assert!(s.contains_key(SCHEDULABLE));
        }
        let s = launcher_selector(&CpuMode::Named("Skylake-Server".into()));
        assert!(s.contains_key("cpu-model.node.kubevirt.io/Skylake-Server"));
    }

    #[test]
    fn a_named_model_runs_only_where_the_model_is_supported() {
        let m = CpuMode::Named("Icelake-Server".into());
        let origin = cpu("Icelake-Server");
        assert!(can_run(&cpu("SapphireRapids"), &m, &origin).is_ok());
        assert_eq!(
            can_run(&cpu("Cascadelake-Server"), &m, &origin),
            Err("CPU model Icelake-Server".into())
        );
    }

    #[test]
    fn host_passthrough_from_sapphire_rapids_misses_waitpkg_on_icelake() {
        let missing = passthrough_missing(&cpu("SapphireRapids"), &cpu("Icelake-Server"));
        assert!(missing.contains(&"waitpkg".to_string()), "{missing:?}");
        assert!(passthrough_missing(&cpu("Icelake-Server"), &cpu("SapphireRapids")).is_empty());
    }
}
