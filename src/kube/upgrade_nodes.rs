//! An Upgrade's per-node status (`status.nodeStatuses` in Harvester's Upgrade CRD), in
//! upgrade order. The node names never change once the upgrade is created, so every
//! snapshot of the upgrade shares one list of them (an `Arc`: scenarios holding objects go
//! to sweep threads) and owns only the states: copying the object to write it (which
//! controllers do on every state change) copies one byte per node instead of every node's
//! name, and comparing two snapshots' names is a pointer compare.
//! It reads, hashes and prints as the list of `(name, state)` pairs it stands for.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// The per-node states of a Harvester upgrade (`upgrade.Status.NodeStatuses[node].State`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum NodeUpgradeState {
    /// The node's images are preloaded; it waits its turn.
    ImagesPreloaded,
    /// The pre-drain job runs (VMs are migrated or stopped).
    PreDraining,
    /// The pre-drain job finished; the node waits for its drain.
    PreDrained,
    /// The post-drain job runs (the node's OS upgrade).
    PostDraining,
    /// The node reboots into the new OS.
    WaitingReboot,
    /// The node is upgraded.
    Succeeded,
}

impl NodeUpgradeState {
    /// The state as Harvester writes it (`Pre-drained`).
    pub fn name(self) -> &'static str {
        match self {
            NodeUpgradeState::ImagesPreloaded => "Images preloaded",
            NodeUpgradeState::PreDraining => "Pre-draining",
            NodeUpgradeState::PreDrained => "Pre-drained",
            NodeUpgradeState::PostDraining => "Post-draining",
            NodeUpgradeState::WaitingReboot => "Waiting Reboot",
            NodeUpgradeState::Succeeded => "Succeeded",
        }
    }
}

/// The nodes of an upgrade and each one's state.
#[derive(Clone, PartialEq, Eq)]
pub struct UpgradeNodes {
    names: Arc<[String]>,
    // invariant: as long as `names`.
    states: Vec<NodeUpgradeState>,
}

impl UpgradeNodes {
    /// The nodes in upgrade order, each in `state`.
    pub fn new(names: Vec<String>, state: NodeUpgradeState) -> Self {
        let states = vec![state; names.len()];
        UpgradeNodes {
            names: names.into(),
            states,
        }
    }

    /// How many nodes.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// `(name, state)` per node, in upgrade order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &NodeUpgradeState)> + '_ {
        self.names.iter().zip(&self.states)
    }

    /// The `i`-th node's name and state.
    pub fn get(&self, i: usize) -> (&String, NodeUpgradeState) {
        (&self.names[i], self.states[i])
    }

    /// The index of the first node whose state is not `state`.
    pub fn position_not(&self, state: NodeUpgradeState) -> Option<usize> {
        self.states.iter().position(|s| *s != state)
    }

    /// Sets the `i`-th node's state.
    pub fn set(&mut self, i: usize, state: NodeUpgradeState) {
        self.states[i] = state;
    }
}

/// As the `Vec<(String, NodeUpgradeState)>` it stands for hashes.
impl Hash for UpgradeNodes {
    fn hash<H: Hasher>(&self, h: &mut H) {
        h.write_usize(self.len());
        for (n, s) in self.iter() {
            n.hash(h);
            s.hash(h);
        }
    }
}

/// As the `Vec<(String, NodeUpgradeState)>` it stands for prints.
impl fmt::Debug for UpgradeNodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::DefaultHasher;

    fn hash_of<T: Hash>(t: &T) -> u64 {
        let mut h = DefaultHasher::new();
        t.hash(&mut h);
        h.finish()
    }

    #[test]
    fn reads_hashes_and_prints_as_the_pairs_it_stands_for() {
        let mut n = UpgradeNodes::new(
            vec!["node0".into(), "node1".into()],
            NodeUpgradeState::ImagesPreloaded,
        );
        n.set(0, NodeUpgradeState::Succeeded);
        let pairs: Vec<(String, NodeUpgradeState)> = vec![
            ("node0".into(), NodeUpgradeState::Succeeded),
            ("node1".into(), NodeUpgradeState::ImagesPreloaded),
        ];
        assert_eq!(hash_of(&n), hash_of(&pairs));
        assert_eq!(format!("{n:?}"), format!("{pairs:?}"));
        assert_eq!(n.position_not(NodeUpgradeState::Succeeded), Some(1));
        assert_eq!(n.get(1), (&pairs[1].0, pairs[1].1));
    }

    #[test]
    fn a_state_change_leaves_the_other_snapshot_alone() {
        let a = UpgradeNodes::new(vec!["node0".into()], NodeUpgradeState::PreDrained);
        let mut b = a.clone();
        b.set(0, NodeUpgradeState::PostDraining);
        assert_eq!(a.get(0).1, NodeUpgradeState::PreDrained);
        assert_ne!(a, b);
    }
}
