//! A user's node maintenance with kubectl, as KubeVirt's user guide documents it for a node
//! whose VMIs are to be live-migrated away (kubevirt/user-guide
//! `administration/node-eviction.adoc`, the flow with the default `nodeDrainTaintKey`
//! `kubevirt.io/drain`):
//!
//! ```text
//! kubectl taint nodes foo kubevirt.io/drain=draining:NoSchedule
//! kubectl drain foo --delete-local-data --ignore-daemonsets=true --force
//! ```
//!
//! and, "to make the node schedulable again", `kubectl taint nodes foo kubevirt.io/drain-`
//! then `kubectl uncordon foo`. Each command is one user write of the Node:
//! - `kubectl cordon` / `uncordon` (kubectl `pkg/drain/cordon.go`, `CordonHelper`) patch
//!   `spec.unschedulable` and nothing else; when it already has the value they write
//!   nothing and print `already cordoned` / `already uncordoned` (`cmd/drain/drain.go`
//!   `RunCordonOrUncordon`). `kubectl uncordon` leaves taints alone, which is why the guide's
//!   undo removes the drain taint first;
//! - `kubectl taint` adds or removes the `kubevirt.io/drain:NoSchedule` taint; adding it
//!   again (no `--overwrite`) or removing it from a node without it changes nothing.
//!
//! The taint is what KubeVirt's evacuation controller (`kubevirt/evacuation.rs`) reacts to;
//! since KubeVirt v0.34 `kubectl drain` alone also evacuates (virt-api's eviction webhook
//! marks the VMI), and the guide calls the taint obsolete but still respected.
//!
//! Left out: `kubectl drain`'s pod evictions. The scenario's VMs evict by live migration
//! (their eviction would be refused while KubeVirt migrates them), and hvsim models no
//! other pods on a node; a VMI that cannot migrate stays where it is, as under the taint.
//! kubectl's strategic-merge PATCH never conflicts on resourceVersion: the model writes
//! the Node as read from the API server at that instant, which has the same effect.

use crate::kube::Obj;

/// One kubectl command on a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeCommand {
    /// `kubectl taint nodes N kubevirt.io/drain=draining:NoSchedule`.
    Taint,
    /// `kubectl taint nodes N kubevirt.io/drain-`.
    Untaint,
    /// `kubectl cordon N` (also the first step of `kubectl drain N`).
    Cordon,
    /// `kubectl uncordon N`.
    Uncordon,
}

impl NodeCommand {
    /// The command line, for the timeline.
    pub fn line(self, node: &str) -> String {
        match self {
            NodeCommand::Taint => {
                format!("kubectl taint nodes {node} kubevirt.io/drain=draining:NoSchedule")
            }
            NodeCommand::Untaint => format!("kubectl taint nodes {node} kubevirt.io/drain-"),
            NodeCommand::Cordon => format!("kubectl cordon {node}"),
            NodeCommand::Uncordon => format!("kubectl uncordon {node}"),
        }
    }

    /// The node as the command writes it, or what kubectl says when there is nothing to
    /// write.
    pub fn apply(self, node: &Obj) -> Result<Obj, String> {
        let b = node.node();
        let name = &node.meta.name;
        let mut next = node.clone();
        let n = next.node_mut();
        match self {
            NodeCommand::Taint if b.drain_taint => {
                return Err(format!(
                    "node {name} already has kubevirt.io/drain taint(s) with same effect(s) and --overwrite is false"
                ))
            }
            NodeCommand::Untaint if !b.drain_taint => {
                return Err("taint \"kubevirt.io/drain\" not found".into())
            }
            NodeCommand::Cordon if b.unschedulable => {
                return Err(format!("node/{name} already cordoned"))
            }
            NodeCommand::Uncordon if !b.unschedulable => {
                return Err(format!("node/{name} already uncordoned"))
            }
            NodeCommand::Taint | NodeCommand::Untaint => n.drain_taint = self == NodeCommand::Taint,
            NodeCommand::Cordon | NodeCommand::Uncordon => {
                n.unschedulable = self == NodeCommand::Cordon
            }
        }
        Ok(next)
    }
}

/// The commands of a cordon, an uncordon (the guide's "make the node schedulable again")
/// and a drain, in the order a user runs them.
pub fn commands(op: NodeOp) -> &'static [NodeCommand] {
    match op {
        NodeOp::Cordon => &[NodeCommand::Cordon],
        NodeOp::Uncordon => &[NodeCommand::Untaint, NodeCommand::Uncordon],
        NodeOp::Drain => &[NodeCommand::Taint, NodeCommand::Cordon],
    }
}

/// A user's node operation (the timeline's `CordonNode`, `UncordonNode`, `DrainNode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NodeOp {
    Cordon,
    Uncordon,
    Drain,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object::NodeBody;
    use crate::kube::{Body, Meta, ResourceList};

    fn node(unschedulable: bool, drain_taint: bool) -> Obj {
        Obj::new(
            Meta::named("", "node-1"),
            Body::Node(NodeBody {
                capacity: ResourceList::new(),
                unschedulable,
                drain_taint,
                ready: true,
                boots: 0,
            }),
        )
    }

    #[test]
    fn a_drain_taints_then_cordons_and_an_uncordon_undoes_both() {
        let mut n = node(false, false);
        for c in commands(NodeOp::Drain) {
            n = c.apply(&n).unwrap();
        }
        assert!(n.node().unschedulable && n.node().drain_taint);
        for c in commands(NodeOp::Uncordon) {
            n = c.apply(&n).unwrap();
        }
        assert!(!n.node().unschedulable && !n.node().drain_taint);
    }

    #[test]
    fn cordoning_a_cordoned_node_writes_nothing_as_kubectl_says() {
        assert_eq!(
            NodeCommand::Cordon.apply(&node(true, false)).unwrap_err(),
            "node/node-1 already cordoned"
        );
    }
}
