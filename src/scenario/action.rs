//! What a timeline action refers to by name: the one home of that knowledge, for the
//! validator (names must be declared), the world (which feature carries an action out) and
//! shrinking (what a smaller scenario must keep).

use super::schema::Action;

/// The names an action refers to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Refs<'a> {
    /// The VM it acts on.
    pub vm: Option<&'a str>,
    /// Nodes it names: a migration's target, a page's host, the node of a virt-handler.
    pub nodes: Vec<&'a str>,
    /// The namespace whose quota it sets.
    pub namespace: Option<&'a str>,
    /// The browser session it opens or reloads.
    pub session: Option<&'a str>,
    /// The process it kills by name.
    pub process: Option<&'a str>,
    /// The controller of that process it crashes (`CrashAfterWrite`).
    pub controller: Option<&'a str>,
}

/// virt-handler runs per node, named after it.
const VIRT_HANDLER_PREFIX: &str = "virt-handler-";

impl Action {
    /// The names this action refers to.
    pub fn refs(&self) -> Refs<'_> {
        let mut r = Refs::default();
        match self {
            Action::Migrate { vm, target } => {
                r.vm = Some(vm);
                r.nodes.extend(target.as_deref());
            }
            Action::StopVm { vm }
            | Action::StartVm { vm }
            | Action::RestartVm { vm }
            | Action::CancelMigration { vm } => r.vm = Some(vm),
            Action::CordonNode { node }
            | Action::UncordonNode { node }
            | Action::DrainNode { node } => r.nodes.push(node),
            Action::RestartAgent | Action::UpgradeHarvester { .. } => {}
            Action::RestartProcess { process } | Action::LagWatches { process, .. } => {
                r.process = Some(process);
                r.nodes.extend(process.strip_prefix(VIRT_HANDLER_PREFIX));
            }
            Action::CrashAfterWrite {
                process,
                controller,
                ..
            } => {
                r.process = Some(process);
                r.controller = controller.as_deref();
                r.nodes.extend(process.strip_prefix(VIRT_HANDLER_PREFIX));
            }
            Action::OpenHostPage { node, session, .. } => {
                r.nodes.push(node);
                r.session = Some(session);
            }
            Action::ReloadPage { session } => r.session = Some(session),
            Action::SetQuota { namespace, .. } => r.namespace = Some(namespace),
        }
        r
    }

    /// The browser session this action opens, if it opens one.
    pub fn opens_session(&self) -> Option<&str> {
        match self {
            Action::OpenHostPage { session, .. } => Some(session),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_migration_refers_to_its_vm_and_target_node() {
        let a = Action::Migrate {
            vm: "vm1".into(),
            target: Some("node2".into()),
        };
        let r = a.refs();
        assert_eq!((r.vm, r.nodes), (Some("vm1"), vec!["node2"]));
        assert_eq!(a.opens_session(), None);
    }

    #[test]
    fn killing_a_virt_handler_refers_to_its_node() {
        let a = Action::RestartProcess {
            process: "virt-handler-node3".into(),
        };
        let r = a.refs();
        assert_eq!(
            (r.process, r.nodes),
            (Some("virt-handler-node3"), vec!["node3"])
        );
        let r = Action::RestartProcess {
            process: "harvester".into(),
        };
        assert!(r.refs().nodes.is_empty());
    }

    #[test]
    fn a_crash_point_refers_to_its_process_controller_and_a_virt_handler_s_node() {
        let a = Action::CrashAfterWrite {
            process: "virt-handler-node2".into(),
            controller: Some("virt-handler-vm".into()),
            write: 1,
            reconcile: None,
        };
        let r = a.refs();
        assert_eq!(
            (r.process, r.controller, r.nodes),
            (
                Some("virt-handler-node2"),
                Some("virt-handler-vm"),
                vec!["node2"]
            )
        );
    }

    #[test]
    fn a_page_action_refers_to_its_session_and_only_opening_opens_it() {
        let open = Action::OpenHostPage {
            node: "node1".into(),
            session: "s".into(),
            watch_latency: None,
        };
        let reload = Action::ReloadPage {
            session: "s".into(),
        };
        assert_eq!(open.refs().session, Some("s"));
        assert_eq!(open.refs().nodes, vec!["node1"]);
        assert_eq!(reload.refs().session, Some("s"));
        assert_eq!(
            (open.opens_session(), reload.opens_session()),
            (Some("s"), None)
        );
    }

    #[test]
    fn setting_a_quota_refers_to_its_namespace_only() {
        let a = Action::SetQuota {
            namespace: "ns".into(),
            cpu: None,
            memory: None,
        };
        assert_eq!(
            a.refs(),
            Refs {
                namespace: Some("ns"),
                ..Refs::default()
            }
        );
    }
}
