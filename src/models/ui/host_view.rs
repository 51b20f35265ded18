//! The Harvester UI's Host -> Virtual Machines tab:
//! `pkg/harvester/detail/harvesterhci.io.host/VirtualMachineInstance.vue` in
//! harvester-ui-extension (the same file in harvester/dashboard before it),
//! `shared/reference/harvester-facts.md` section 5.
//!
//! * Up to v1.4.1 (`HostVmRows::FetchedOnce`): `fetch()` lists VMs and VMIs
//!   (`allHash({vms: findAll(HCI.VM), vmis: findAll(HCI.VMI)})`) and fills the `rows` data
//!   field once with the VMs whose VMI `status.nodeName` equals the node's
//!   `kubernetes.io/hostname` label. Websocket updates replace the store objects, so a row's
//!   contents stay live, but which VMs are rows is never recomputed (#7082).
//! * v1.4.2+ (`HostVmRows::Computed`, harvester-ui-extension PR #72, commit c3f26659):
//!   `rows` is a computed property over the live store with the same filter, re-evaluated on
//!   every change.
//!
//! Left out: the columns (only names are shown), the VMIM lookup added later (PR #876). A VM's
//! VMI is found by namespace and name (KubeVirt names it after its VM; the fix's `vm.vmi`
//! getter does the same) rather than the old code's owner-reference uid map, which selects
//! the same object. Rendering takes no virtual time.

use super::screen::Screen;
use crate::kube::{Ctx, Kind, Obj, ObjId, Outcome, Reader, ReconcileResult, Reconciler};
use crate::models::behaviours::HostVmRows;

/// `HOSTNAME` of rancher shell `config/labels-annotations`.
pub const LABEL_HOSTNAME: &str = "kubernetes.io/hostname";

/// The tab on one host's page. Its work-queue key is the page's Node: every change of a VM,
/// a VMI or the node re-renders the page once (Vue batches re-renders the same way).
pub struct HostVmTab {
    node: String,
    rows: HostVmRows,
    screen: Screen,
    /// `FetchedOnce`: the `rows` data field as `fetch()` left it at page load.
    fetched: Option<Vec<ObjId>>,
}

impl HostVmTab {
    pub fn new(node: &str, rows: HostVmRows, screen: Screen) -> Self {
        HostVmTab {
            node: node.to_string(),
            rows,
            screen,
            fetched: None,
        }
    }
}

/// `vms.filter(vm => vm.vmi?.status?.nodeName === node.metadata.labels[HOSTNAME])`, in the
/// store's order.
fn vms_on(read: Reader<'_>, hostname: Option<&str>) -> Vec<ObjId> {
    let Some(hostname) = hostname else {
        return Vec::new();
    };
    read.list_all(Kind::VirtualMachine)
        .filter(|(_, vm)| {
            read.get(
                Kind::VirtualMachineInstance,
                &vm.meta.namespace,
                &vm.meta.name,
            )
            .is_some_and(|vmi| vmi.vmi().node == hostname)
        })
        .map(|(id, _)| id)
        .collect()
}

impl Reconciler for HostVmTab {
    fn name(&self) -> &'static str {
        "HostVirtualMachinesTab"
    }

    fn primary(&self) -> Kind {
        Kind::Node
    }

    fn watches(&self) -> Vec<Kind> {
        vec![
            Kind::Node,
            Kind::VirtualMachine,
            Kind::VirtualMachineInstance,
        ]
    }

    fn keys_for(&self, _id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        let relevant = match obj.kind() {
            Kind::VirtualMachine | Kind::VirtualMachineInstance => true,
            Kind::Node => obj.meta.name == self.node,
            _ => false,
        };
        if relevant {
            out.extend(read.id_of(Kind::Node, "", &self.node));
        }
    }

    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult {
        let read = ctx.read();
        let node = read.by_id(key);
        let hostname = node.as_ref().and_then(|n| n.label(LABEL_HOSTNAME));
        let rows = match self.rows {
            HostVmRows::FetchedOnce => self
                .fetched
                .get_or_insert_with(|| vms_on(read, hostname))
                .clone(),
            HostVmRows::Computed => vms_on(read, hostname),
        };
        let shown: Vec<_> = rows.iter().filter_map(|&id| read.by_id(id)).collect();
        if self
            .screen
            .show(shown.iter().map(|vm| vm.meta.key()).collect())
        {
            ctx.log(|| {
                let names: Vec<&str> = shown.iter().map(|vm| vm.meta.name.as_str()).collect();
                if names.is_empty() {
                    "rows: (none)".to_string()
                } else {
                    format!("rows: {}", names.join(", "))
                }
            });
        }
        Ok(Outcome::Done)
    }

    /// The page is reloaded: the component and its data are gone.
    fn reset(&mut self) {
        self.fetched = None;
        self.screen.clear();
    }
}
