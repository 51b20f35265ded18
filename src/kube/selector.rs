//! Watch selectors (client-go `ListOptions{LabelSelector, FieldSelector}` on an informer's
//! list-watch): a process whose controllers all select a kind lists and watches only the
//! objects of that kind that match, and the API server's watch turns an update that moves
//! an object into the selection into ADDED and one that moves it out into DELETED (with the
//! previous state: `cacheWatcher.convertToWatchEvent` in k8s.io/apiserver
//! `pkg/storage/cacher/cache_watcher.go`). Each selector here names one field or label and
//! one value, which lets the fan-out find the watchers of a change by value instead of
//! asking every process.

use super::object::{Body, Obj};
use smol_str::SmolStr;

/// What a selector compares.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum SelectorKey {
    /// A label: `labels.Parse("<key> in (<value>)")`.
    Label(&'static str),
    /// A pod's `spec.nodeName` (the field selector `spec.nodeName=<node>`).
    PodNode,
    /// A VMI's migration target node. The real selector is the label
    /// `kubevirt.io/migrationTargetNodeName`, which virt-controller sets in the same write as
    /// `status.migrationState.targetNode` (`pkg/virt-controller/watch/migration.go`
    /// `handleTargetPodHandoff`); hvsim keeps only the field, so it selects on the field.
    VmiMigrationTarget,
}

impl SelectorKey {
    /// The object's value for this key, if it has one.
    pub fn value_of(self, obj: &Obj) -> Option<&str> {
        match (self, &obj.body) {
            (SelectorKey::Label(k), _) => obj.label(k),
            (SelectorKey::PodNode, Body::Pod(p)) => p.node.as_deref(),
            (SelectorKey::VmiMigrationTarget, Body::VirtualMachineInstance(v)) => v
                .migration_state
                .as_ref()
                .map(|m| m.target_node.as_str())
                .filter(|t| !t.is_empty()),
            _ => None,
        }
    }
}

/// `key = value`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct Selector {
    pub key: SelectorKey,
    pub value: SmolStr,
}

impl Selector {
    pub fn label(key: &'static str, value: &str) -> Selector {
        Selector {
            key: SelectorKey::Label(key),
            value: value.into(),
        }
    }

    pub fn admits(&self, obj: &Obj) -> bool {
        self.key.value_of(obj) == Some(self.value.as_str())
    }
}

/// Whether any of a process's selectors for a kind admits the object (several informers
/// of one kind feeding one handler, as virt-handler's source and target VMI informers).
pub fn any_admits(sels: &[Selector], obj: &Obj) -> bool {
    sels.iter().any(|s| s.admits(obj))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object::Meta;
    use crate::kube::object::{Body, NamespaceBody};

    #[test]
    fn a_label_selector_admits_only_the_value_it_names() {
        let mut meta = Meta::named("", "ns1");
        meta.labels.insert("kubevirt.io/nodeName", "n1");
        let obj = Obj::new(meta, Body::Namespace(NamespaceBody::default()));
        assert!(Selector::label("kubevirt.io/nodeName", "n1").admits(&obj));
        assert!(!Selector::label("kubevirt.io/nodeName", "n2").admits(&obj));
        assert!(!Selector::label("other", "n1").admits(&obj));
    }
}
