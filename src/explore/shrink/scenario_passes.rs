//! Passes that drop scenario elements: timeline steps, VMs (with the actions that name
//! them), and nodes, namespaces and VMs nothing refers to. What an action refers to is
//! `Action::refs`.

use super::shrinker::Shrinker;
use crate::scenario::Scenario;
use std::collections::BTreeSet;

impl Shrinker<'_> {
    /// Drops timeline steps, last first (later actions are more often incidental).
    pub(super) fn timeline_pass(&mut self) {
        let mut i = self.scn.timeline.len();
        while i > 0 {
            i -= 1;
            let mut cand = self.scn.clone();
            cand.timeline.remove(i);
            self.attempt_scenario(cand);
        }
    }

    /// Drops each VM together with the actions that name it (a migration of a VM the race
    /// does not need), last first. Dropping the action alone leaves the VM's share of the
    /// quota and its place in the drain; dropping the VM alone is refused as a dangling
    /// reference.
    pub(super) fn vms_with_actions_pass(&mut self) {
        let mut i = self.scn.vms.len();
        while i > 0 && !self.exhausted() {
            i -= 1;
            let Some(vm) = self.scn.vms.get(i).map(|v| v.name.clone()) else {
                continue;
            };
            let mut cand = self.scn.clone();
            cand.vms.remove(i);
            cand.timeline
                .retain(|st| st.action.refs().vm != Some(vm.as_str()));
            if cand.timeline.len() < self.scn.timeline.len() {
                self.attempt_scenario(cand);
            }
        }
    }

    /// Drops VMs no remaining action refers to: all at once, then one at a time.
    pub(super) fn vms_pass(&mut self) {
        let used = referenced_vms(&self.scn);
        let idle: Vec<usize> = (0..self.scn.vms.len())
            .filter(|&i| !used.contains(&self.scn.vms[i].name))
            .collect();
        self.drop_each(idle, |s| &mut s.vms);
    }

    /// Drops nodes that host no VM and that no action names. (Validation rejects a candidate
    /// that leaves a dangling reference this list misses.)
    pub(super) fn nodes_pass(&mut self) {
        let used = referenced_nodes(&self.scn);
        let idle: Vec<usize> = (0..self.scn.nodes.len())
            .filter(|&i| !used.contains(&self.scn.nodes[i].name))
            .collect();
        self.drop_each(idle, |s| &mut s.nodes);
    }

    /// Drops namespaces that hold no VM and that no action names.
    pub(super) fn namespaces_pass(&mut self) {
        let used = referenced_namespaces(&self.scn);
        let idle: Vec<usize> = (0..self.scn.namespaces.len())
            .filter(|&i| !used.contains(&self.scn.namespaces[i].name))
            .collect();
        self.drop_each(idle, |s| &mut s.namespaces);
    }

    /// Removes the elements at `idle` (ascending indices into one list of the scenario):
    /// all together if that keeps the violation, else one at a time, last first.
    fn drop_each<T>(&mut self, idle: Vec<usize>, list: impl Fn(&mut Scenario) -> &mut Vec<T>) {
        if idle.is_empty() {
            return;
        }
        if idle.len() > 1 {
            let mut cand = self.scn.clone();
            for &i in idle.iter().rev() {
                list(&mut cand).remove(i);
            }
            if self.attempt_scenario(cand) {
                return;
            }
        }
        for &i in idle.iter().rev() {
            let mut cand = self.scn.clone();
            list(&mut cand).remove(i);
            self.attempt_scenario(cand);
        }
    }
}

/// The VMs the timeline's actions act on.
fn referenced_vms(scn: &Scenario) -> BTreeSet<String> {
    scn.timeline
        .iter()
        .filter_map(|st| st.action.refs().vm)
        .map(str::to_string)
        .collect()
}

/// The nodes VMs start on and the nodes actions name.
fn referenced_nodes(scn: &Scenario) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = scn.vms.iter().map(|v| v.node.clone()).collect();
    for st in &scn.timeline {
        used.extend(st.action.refs().nodes.into_iter().map(str::to_string));
    }
    used
}

/// The namespaces VMs run in and the namespaces actions name.
fn referenced_namespaces(scn: &Scenario) -> BTreeSet<String> {
    let mut used: BTreeSet<String> = scn.vms.iter().map(|v| v.namespace.clone()).collect();
    used.extend(
        scn.timeline
            .iter()
            .filter_map(|st| st.action.refs().namespace)
            .map(str::to_string),
    );
    used
}
