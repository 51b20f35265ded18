//! Informer indexers (client-go `cache.Indexer.ByIndex`) over a store or a cache: the
//! hot-path lookups the modelled controllers make, kept as each object is set so that a
//! reconcile reads the few objects it needs instead of scanning a kind. KubeVirt's
//! virt-controller registers such indexers (`pkg/controller/virtinformers.go`: VMIs by
//! `node`, pods by `node`, migrations by `vmi`), and kube-scheduler keeps per-node usage in
//! its `NodeInfo` cache (`pkg/scheduler/framework/types.go` `NodeInfo.Requested`).
//!
//! Index results are id sets; a caller that needs the name order a scan would give sorts
//! its (small) result by namespace and name.

use super::fxhash::FxMap;
use super::name_key::NsNames;
use super::object::{Kind, Obj, ObjId, PodPhase};
use super::quantity::Quantity;
use super::resources::{Resource, ResourceList};
use super::selector::SelectorKey;
use smol_str::SmolStr;
use std::collections::BTreeSet;

/// The label virt-handler sets to the node a VMI runs on (`kubevirt.io/nodeName`).
const LABEL_NODE_NAME: &str = "kubevirt.io/nodeName";

/// What the pods bound to a node and not finished use: a sum per resource and how many pods
/// name it, so the sum reads exactly as a fold over those pods would.
#[derive(Clone, Copy, Default, Debug)]
struct Usage {
    pods: u32,
    sum: [i64; 4],
    with: [u32; 4],
}

impl Usage {
    fn apply(&mut self, limits: &ResourceList, sign: i64) {
        for (r, q) in limits.iter() {
            let i = r as usize;
            self.sum[i] += sign * q.0;
            if sign > 0 {
                self.with[i] += 1;
            } else {
                self.with[i] -= 1;
            }
        }
        if sign > 0 {
            self.pods += 1;
        } else {
            self.pods -= 1;
        }
    }

    fn list(&self) -> ResourceList {
        let mut out = ResourceList::new();
        for r in Resource::ALL {
            if self.with[r as usize] > 0 {
                out.set(r, Quantity(self.sum[r as usize]));
            }
        }
        out
    }
}

/// A Node as the scheduler's filters read it, kept by the indexes as the Node is set.
#[derive(Clone, Copy, Debug)]
pub struct NodeInfo {
    /// The node object's `metadata.resourceVersion` (its labels change only with it).
    pub resource_version: u64,
    /// `status.capacity`.
    pub capacity: ResourceList,
    /// `spec.unschedulable`.
    pub unschedulable: bool,
    /// The `kubevirt.io/drain` taint.
    pub drain_taint: bool,
    /// The Ready condition.
    pub ready: bool,
    /// The node name's usage slot.
    slot: u32,
}

/// `WalkNode::refuse`'s bit for a node that is unschedulable, not Ready or drain-tainted;
/// no `Need::mask` has it, so such a node admits no pod.
const BLOCKED: u8 = 1 << 7;

/// A pod's limits as the scheduler's filter compares them with a node's room.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Need {
    /// Bit `r`: the pod has a limit for resource `r`.
    mask: u8,
    /// Per resource, the limit; `i64::MIN` where the pod has none, which every room admits.
    q: [i64; 4],
}

impl Need {
    pub fn of(limits: &ResourceList) -> Need {
        let mut need = Need {
            mask: 0,
            q: [i64::MIN; 4],
        };
        for (r, q) in limits.iter() {
            need.mask |= 1 << r as usize;
            need.q[r as usize] = q.0;
        }
        need
    }
}

/// A live Node in the scheduler's walk, with what the filter reads of it, kept as the node
/// and its pods change (`refresh_room`) in the node's place in the walk, so the walk over
/// hundreds of nodes per pod reads one vector in order, 48 bytes a node.
#[derive(Clone, Copy, Debug)]
pub struct WalkNode {
    pub id: ObjId,
    /// Bit `r`: pods use resource `r` and their sum exceeds the capacity; `BLOCKED`.
    refuse: u8,
    /// The node object's `metadata.resourceVersion` (its labels change only with it).
    pub resource_version: u64,
    /// Per resource, what is left of the capacity (`i64::MAX`: no capacity for it, or a
    /// capacity of `i64::MAX`, which a saturating sum never exceeds).
    free: [i64; 4],
}

/// Which indexers a cache keeps (client-go `Indexers`, registered per informer by the
/// controllers that read them): a cache maintains only those, and a lookup in one it does
/// not keep panics (it would silently find nothing). The API server's store keeps those
/// its readers use (`store::STORE_INDEXERS`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Indexers(u16);

impl Indexers {
    /// None (a cache without indexers).
    pub const NONE: Indexers = Indexers(0);
    /// Pods by `spec.nodeName` (`pods_on`).
    pub const PODS_BY_NODE: Indexers = Indexers(1);
    /// Pods by the VMI that created them (`pods_of_vmi`).
    pub const PODS_BY_VMI: Indexers = Indexers(1 << 1);
    /// Pods no node is bound to (`unbound_pods`).
    pub const UNBOUND_PODS: Indexers = Indexers(1 << 2);
    /// The scheduler's view of the live Nodes and what their pods use (`walk`, `nodes`,
    /// `node_count`, `usage_on`, `usage_of`, `fits`).
    pub const NODES: Indexers = Indexers(1 << 3);
    /// VMIs by `status.nodeName` (`vmis_on`).
    pub const VMIS_BY_NODE: Indexers = Indexers(1 << 4);
    /// VMIs by the `kubevirt.io/nodeName` label (`vmis_labelled`).
    pub const VMIS_BY_NODE_LABEL: Indexers = Indexers(1 << 5);
    /// VMIs by migration target node (`selected`).
    pub const VMIS_BY_MIGRATION_TARGET: Indexers = Indexers(1 << 6);
    /// Migrations by VMI (`vmims_of`).
    pub const VMIMS_BY_VMI: Indexers = Indexers(1 << 7);
    /// Migrations not finished (`unfinished_vmims`).
    pub const UNFINISHED_VMIMS: Indexers = Indexers(1 << 8);
    /// Every indexer.
    pub const ALL: Indexers = Indexers((1 << 9) - 1);

    /// Both sets.
    pub const fn union(self, other: Indexers) -> Indexers {
        Indexers(self.0 | other.0)
    }

    /// Whether every indexer of `other` is in this set.
    pub const fn has(self, other: Indexers) -> bool {
        self.0 & other.0 == other.0
    }

    /// Whether the set has no indexer.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl std::ops::BitOr for Indexers {
    type Output = Indexers;
    fn bitor(self, other: Indexers) -> Indexers {
        self.union(other)
    }
}

pub struct Indexes {
    /// The indexers kept; the others stay empty.
    kept: Indexers,
    /// Per node slot (see `node_slots`): pods with that `spec.nodeName`.
    pods_by_node: BySlot,
    /// (namespace, `kubevirt.io/created-by` VMI) -> pods.
    pods_by_vmi: ByNsName,
    unbound_pods: BTreeSet<ObjId>,
    /// Node name -> slot, the small integer the by-node indexes and `usage` are indexed
    /// by: every node name seen (a Node object's, a pod's `spec.nodeName`, a VMI's node,
    /// label or migration target), kept for the life of the indexes. A lookup-only hash map
    /// (never iterated: no order of it reaches anything).
    node_slots: FxMap<SmolStr, u32>,
    /// Per slot: what the node's Pending and Running pods use.
    usage: Vec<Usage>,
    /// Per Node object id: what the scheduler filters on (`None` for ids not a live Node
    /// here), so it reads a node without its object or a comparison of names.
    node_info: Vec<Option<NodeInfo>>,
    /// The live Nodes' names, in name order (as a scan of the kind meets them), and the
    /// same Nodes in the same order as the scheduler walks them (ids, rooms).
    node_names: Vec<String>,
    node_walk: Vec<WalkNode>,
    /// Bumped whenever a Node joins or leaves the walk (positions move).
    walk_generation: u64,
    /// Per slot: the live Node's position in the walk (`u32::MAX`: none).
    slot_pos: Vec<u32>,
    /// The walk positions whose entry changed (room or resourceVersion) in place, in
    /// order: change number `walk_log_start + i` is `walk_log[i]`. Emptied when positions
    /// move and when it outgrows four entries per node (a reader further behind than that
    /// looks at every node again).
    walk_log: Vec<u32>,
    walk_log_start: u64,
    /// Per node slot: VMIs with that `status.nodeName`.
    vmis_by_node: BySlot,
    /// Per node slot: the `kubevirt.io/nodeName` label (what `kubectl get vmi -l` selects
    /// on).
    vmis_by_node_label: BySlot,
    /// Per node slot: `status.migrationState.targetNode`, where set (virt-handler's target
    /// selector).
    vmis_by_migration_target: BySlot,
    /// (namespace, `spec.vmiName`) -> migrations.
    vmims_by_vmi: ByNsName,
    unfinished_vmims: BTreeSet<ObjId>,
}

/// A small set of ids (a node's pods or VMIs: tens; a VMI's pods or migrations: one to
/// three), sorted, read in one sweep in the order a `BTreeSet` gives. Up to `INLINE_IDS`
/// ids are held in the set itself, so a VMI's pods are read from the index entry without
/// following a pointer to another allocation; more go to a vector (an insert or removal
/// moves the ids after it: a few hundred bytes at tens of ids).
#[derive(Clone, Debug)]
enum IdSet {
    Inline(u8, [ObjId; INLINE_IDS]),
    Heap(Vec<ObjId>),
}

/// The ids an `IdSet` holds without an allocation.
const INLINE_IDS: usize = 4;

impl IdSet {
    const fn new() -> IdSet {
        IdSet::Inline(0, [ObjId(0); INLINE_IDS])
    }

    fn as_slice(&self) -> &[ObjId] {
        match self {
            IdSet::Inline(n, ids) => &ids[..*n as usize],
            IdSet::Heap(v) => v,
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

impl Default for IdSet {
    fn default() -> IdSet {
        IdSet::new()
    }
}

fn set_insert(s: &mut IdSet, id: ObjId) {
    let Err(at) = s.as_slice().binary_search(&id) else {
        return;
    };
    match s {
        IdSet::Inline(n, ids) if (*n as usize) < INLINE_IDS => {
            ids.copy_within(at..*n as usize, at + 1);
            ids[at] = id;
            *n += 1;
        }
        IdSet::Inline(_, ids) => {
            let mut v = Vec::with_capacity(2 * INLINE_IDS);
            v.extend_from_slice(&ids[..at]);
            v.push(id);
            v.extend_from_slice(&ids[at..]);
            *s = IdSet::Heap(v);
        }
        IdSet::Heap(v) => v.insert(at, id),
    }
}

fn set_remove(s: &mut IdSet, id: ObjId) {
    let Ok(at) = s.as_slice().binary_search(&id) else {
        return;
    };
    match s {
        IdSet::Inline(n, ids) => {
            ids.copy_within(at + 1..*n as usize, at);
            *n -= 1;
        }
        IdSet::Heap(v) => {
            v.remove(at);
        }
    }
}

/// Id sets indexed by node slot (an empty set where none).
type BySlot = Vec<IdSet>;

fn add_at(m: &mut BySlot, slot: u32, id: ObjId) {
    let i = slot as usize;
    if m.len() <= i {
        m.resize_with(i + 1, IdSet::new);
    }
    set_insert(&mut m[i], id);
}

fn remove_at(m: &mut BySlot, slot: u32, id: ObjId) {
    if let Some(s) = m.get_mut(slot as usize) {
        set_remove(s, id);
    }
}

/// The slot of a node name, assigned (with its `usage`) on first sight.
fn slot_for(slots: &mut FxMap<SmolStr, u32>, usage: &mut Vec<Usage>, node: &str) -> u32 {
    if let Some(&s) = slots.get(node) {
        return s;
    }
    let s = usage.len() as u32;
    usage.push(Usage::default());
    slots.insert(node.into(), s);
    s
}

/// Moves an id from one node's entry of a slot index to another's (`None`: no entry),
/// where the names differ.
fn move_key(
    slots: &mut FxMap<SmolStr, u32>,
    usage: &mut Vec<Usage>,
    m: &mut BySlot,
    a: Option<&str>,
    b: Option<&str>,
    id: ObjId,
) {
    if a == b {
        return;
    }
    if let Some(k) = a {
        remove_at(m, slot_for(slots, usage, k), id);
    }
    if let Some(k) = b {
        add_at(m, slot_for(slots, usage, k), id);
    }
}

/// (namespace, name) -> ids (see `NsNames`).
type ByNsName = NsNames<IdSet>;

fn add2(m: &mut ByNsName, ns: &str, n: &str, id: ObjId) {
    set_insert(m.entry(ns, n), id);
}

fn remove2(m: &mut ByNsName, ns: &str, n: &str, id: ObjId) {
    if let Some(s) = m.get_mut(ns, n) {
        set_remove(s, id);
        if s.is_empty() {
            m.remove(ns, n);
        }
    }
}

/// The ids of a (namespace, name) (empty where none).
fn at2<'s>(m: &'s ByNsName, ns: &str, n: &str) -> &'s [ObjId] {
    m.get(ns, n).map_or(&[], IdSet::as_slice)
}

fn active(p: PodPhase) -> bool {
    matches!(p, PodPhase::Pending | PodPhase::Running)
}

impl Indexes {
    /// Empty indexes that keep these indexers.
    pub fn keeping(kept: Indexers) -> Indexes {
        Indexes {
            kept,
            pods_by_node: Vec::new(),
            pods_by_vmi: Default::default(),
            unbound_pods: BTreeSet::new(),
            node_slots: Default::default(),
            usage: Vec::new(),
            node_info: Vec::new(),
            node_names: Vec::new(),
            node_walk: Vec::new(),
            walk_generation: 0,
            slot_pos: Vec::new(),
            walk_log: Vec::new(),
            walk_log_start: 0,
            vmis_by_node: Vec::new(),
            vmis_by_node_label: Vec::new(),
            vmis_by_migration_target: Vec::new(),
            vmims_by_vmi: Default::default(),
            unfinished_vmims: BTreeSet::new(),
        }
    }

    /// The indexers kept.
    pub fn kept(&self) -> Indexers {
        self.kept
    }

    /// Panics unless `x` is kept: a lookup in an indexer no controller registered.
    fn kept_or_panic(&self, x: Indexers, what: &str) {
        assert!(
            self.kept.has(x),
            "{what}: a controller reading this index registers it in Reconciler::indexers"
        );
    }

    /// Moves an object from its old index entries to its new ones.
    pub fn update(&mut self, id: ObjId, old: Option<&Obj>, new: Option<&Obj>) {
        if old.or(new).is_some_and(|o| o.kind() == Kind::Node) {
            if self.kept.has(Indexers::NODES) {
                self.set_node(id, new);
            }
            return;
        }
        if let (Some(a), Some(b)) = (old, new) {
            self.moved(id, a, b);
            return;
        }
        if let Some(o) = old {
            self.entries(id, o, false);
        }
        if let Some(o) = new {
            self.entries(id, o, true);
        }
    }

    pub fn clear(&mut self) {
        *self = Indexes::keeping(self.kept);
    }

    /// Moves the entries that differ between two states of one object (one id: same kind,
    /// namespace and name), as removing the old state's entries and adding the new one's
    /// would leave them; a write that changes nothing indexed (most status writes) costs
    /// none.
    fn moved(&mut self, id: ObjId, a: &Obj, b: &Obj) {
        use super::object::Body;
        let ns = b.meta.namespace.as_str();
        let kept = self.kept;
        match (&a.body, &b.body) {
            (Body::Pod(x), Body::Pod(y)) => {
                if x.vmi != y.vmi && kept.has(Indexers::PODS_BY_VMI) {
                    remove2(&mut self.pods_by_vmi, ns, &x.vmi, id);
                    add2(&mut self.pods_by_vmi, ns, &y.vmi, id);
                }
                if x.node != y.node {
                    match x.node.as_deref() {
                        None => {
                            self.unbound_pods.remove(&id);
                        }
                        Some(n) if kept.has(Indexers::PODS_BY_NODE) => {
                            let s = self.node_slot(n);
                            remove_at(&mut self.pods_by_node, s, id);
                        }
                        Some(_) => {}
                    }
                    match y.node.as_deref() {
                        None if kept.has(Indexers::UNBOUND_PODS) => {
                            self.unbound_pods.insert(id);
                        }
                        None => {}
                        Some(n) if kept.has(Indexers::PODS_BY_NODE) => {
                            let s = self.node_slot(n);
                            add_at(&mut self.pods_by_node, s, id);
                        }
                        Some(_) => {}
                    }
                }
                let (ax, ay) = (active(x.phase), active(y.phase));
                if (x.node != y.node || ax != ay || x.limits != y.limits)
                    && kept.has(Indexers::NODES)
                {
                    if let (Some(n), true) = (x.node.as_deref(), ax) {
                        let slot = self.node_slot(n);
                        self.apply_usage(slot, &x.limits, -1);
                    }
                    if let (Some(n), true) = (y.node.as_deref(), ay) {
                        let slot = self.node_slot(n);
                        self.apply_usage(slot, &y.limits, 1);
                    }
                }
            }
            (Body::VirtualMachineInstance(x), Body::VirtualMachineInstance(y)) => {
                if x.node != y.node && kept.has(Indexers::VMIS_BY_NODE) {
                    let s = self.node_slot(&x.node);
                    remove_at(&mut self.vmis_by_node, s, id);
                    let s = self.node_slot(&y.node);
                    add_at(&mut self.vmis_by_node, s, id);
                }
                if kept.has(Indexers::VMIS_BY_NODE_LABEL) {
                    move_key(
                        &mut self.node_slots,
                        &mut self.usage,
                        &mut self.vmis_by_node_label,
                        a.label(LABEL_NODE_NAME),
                        b.label(LABEL_NODE_NAME),
                        id,
                    );
                }
                if kept.has(Indexers::VMIS_BY_MIGRATION_TARGET) {
                    move_key(
                        &mut self.node_slots,
                        &mut self.usage,
                        &mut self.vmis_by_migration_target,
                        SelectorKey::VmiMigrationTarget.value_of(a),
                        SelectorKey::VmiMigrationTarget.value_of(b),
                        id,
                    );
                }
            }
            (
                Body::VirtualMachineInstanceMigration(x),
                Body::VirtualMachineInstanceMigration(y),
            ) => {
                if x.vmi_name != y.vmi_name && kept.has(Indexers::VMIMS_BY_VMI) {
                    remove2(&mut self.vmims_by_vmi, ns, &x.vmi_name, id);
                    add2(&mut self.vmims_by_vmi, ns, &y.vmi_name, id);
                }
                match (x.phase.is_final(), y.phase.is_final()) {
                    (false, true) => {
                        self.unfinished_vmims.remove(&id);
                    }
                    (true, false) if kept.has(Indexers::UNFINISHED_VMIMS) => {
                        self.unfinished_vmims.insert(id);
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn entries(&mut self, id: ObjId, o: &Obj, insert: bool) {
        let kept = self.kept;
        match &o.body {
            super::object::Body::Pod(p) => {
                let ns = o.meta.namespace.as_str();
                if kept.has(Indexers::PODS_BY_VMI) {
                    if insert {
                        add2(&mut self.pods_by_vmi, ns, &p.vmi, id);
                    } else {
                        remove2(&mut self.pods_by_vmi, ns, &p.vmi, id);
                    }
                }
                match p.node.as_deref() {
                    None if insert && kept.has(Indexers::UNBOUND_PODS) => {
                        self.unbound_pods.insert(id);
                    }
                    None => {
                        self.unbound_pods.remove(&id);
                    }
                    Some(n) => {
                        let (by_node, usage) = (
                            kept.has(Indexers::PODS_BY_NODE),
                            kept.has(Indexers::NODES) && active(p.phase),
                        );
                        if !(by_node || usage) {
                            return;
                        }
                        let slot = self.node_slot(n);
                        if by_node {
                            if insert {
                                add_at(&mut self.pods_by_node, slot, id);
                            } else {
                                remove_at(&mut self.pods_by_node, slot, id);
                            }
                        }
                        if usage {
                            self.apply_usage(slot, &p.limits, if insert { 1 } else { -1 });
                        }
                    }
                }
            }
            super::object::Body::VirtualMachineInstance(v) => {
                if kept.has(Indexers::VMIS_BY_NODE) {
                    let slot = self.node_slot(&v.node);
                    if insert {
                        add_at(&mut self.vmis_by_node, slot, id);
                    } else {
                        remove_at(&mut self.vmis_by_node, slot, id);
                    }
                }
                if let Some(n) = o
                    .label(LABEL_NODE_NAME)
                    .filter(|_| kept.has(Indexers::VMIS_BY_NODE_LABEL))
                {
                    let slot = self.node_slot(n);
                    if insert {
                        add_at(&mut self.vmis_by_node_label, slot, id);
                    } else {
                        remove_at(&mut self.vmis_by_node_label, slot, id);
                    }
                }
                if let Some(t) = SelectorKey::VmiMigrationTarget
                    .value_of(o)
                    .filter(|_| kept.has(Indexers::VMIS_BY_MIGRATION_TARGET))
                {
                    let slot = self.node_slot(t);
                    if insert {
                        add_at(&mut self.vmis_by_migration_target, slot, id);
                    } else {
                        remove_at(&mut self.vmis_by_migration_target, slot, id);
                    }
                }
            }
            super::object::Body::VirtualMachineInstanceMigration(m) => {
                let ns = o.meta.namespace.as_str();
                if kept.has(Indexers::VMIMS_BY_VMI) {
                    if insert {
                        add2(&mut self.vmims_by_vmi, ns, &m.vmi_name, id);
                    } else {
                        remove2(&mut self.vmims_by_vmi, ns, &m.vmi_name, id);
                    }
                }
                if !m.phase.is_final() {
                    if insert && kept.has(Indexers::UNFINISHED_VMIMS) {
                        self.unfinished_vmims.insert(id);
                    } else if !insert {
                        self.unfinished_vmims.remove(&id);
                    }
                }
            }
            _ => {}
        }
    }

    /// Keeps a Node's scheduler view and its place in the name order.
    fn set_node(&mut self, id: ObjId, new: Option<&Obj>) {
        let i = id.0 as usize;
        if self.node_info.len() <= i {
            self.node_info.resize(i + 1, None);
        }
        let Some(o) = new else {
            if self.node_info[i].take().is_some() {
                let at = self
                    .node_walk
                    .iter()
                    .position(|w| w.id == id)
                    .expect("a listed node");
                self.node_names.remove(at);
                self.node_walk.remove(at);
                self.walk_moved();
            }
            return;
        };
        let mut joined = false;
        let n = o.node();
        let name = o.meta.name.as_str();
        let found = self.node_names.binary_search_by(|m| m.as_str().cmp(name));
        let slot = match (self.node_info[i], found) {
            (Some(info), Ok(at)) => {
                self.node_walk[at].resource_version = o.meta.resource_version;
                self.walk_changed(at);
                info.slot
            }
            (_, Err(at)) => {
                self.node_names.insert(at, name.to_string());
                let slot = self.node_slot(name);
                self.node_walk.insert(
                    at,
                    WalkNode {
                        id,
                        refuse: BLOCKED,
                        resource_version: o.meta.resource_version,
                        free: [i64::MAX; 4],
                    },
                );
                joined = true;
                slot
            }
            (None, Ok(_)) => unreachable!("a node name listed without its node"),
        };
        self.node_info[i] = Some(NodeInfo {
            resource_version: o.meta.resource_version,
            capacity: n.capacity,
            unschedulable: n.unschedulable,
            drain_taint: n.drain_taint,
            ready: n.ready,
            slot,
        });
        if joined {
            self.walk_moved();
        }
        self.refresh_room(slot);
    }

    /// Applies a pod's limits to its node's usage (`sign` 1: it starts counting, -1: it
    /// stops), and the node's room with it.
    fn apply_usage(&mut self, slot: u32, limits: &ResourceList, sign: i64) {
        self.usage[slot as usize].apply(limits, sign);
        self.refresh_room(slot);
    }

    /// Renumbers the slots' walk positions after a Node joined or left the walk.
    fn walk_moved(&mut self) {
        self.walk_generation += 1;
        self.walk_log_start += self.walk_log.len() as u64;
        self.walk_log.clear();
        self.slot_pos.iter_mut().for_each(|p| *p = u32::MAX);
        for (at, w) in self.node_walk.iter().enumerate() {
            let i = self.node_info[w.id.0 as usize].expect("a walked node").slot as usize;
            if self.slot_pos.len() <= i {
                self.slot_pos.resize(i + 1, u32::MAX);
            }
            self.slot_pos[i] = at as u32;
        }
    }

    /// How many times Nodes joined or left the walk: positions in `walk` keep
    /// naming the same Nodes while it stays.
    pub fn walk_generation(&self) -> u64 {
        self.walk_generation
    }

    /// Notes that the walk entry at a position changed in place.
    fn walk_changed(&mut self, at: usize) {
        if self.walk_log.len() >= 4 * self.node_walk.len() + 64 {
            self.walk_log_start += self.walk_log.len() as u64;
            self.walk_log.clear();
        }
        self.walk_log.push(at as u32);
    }

    /// The number of in-place changes to walk entries so far (within a walk generation,
    /// the position in the change log a reader has caught up to).
    pub fn walk_changes(&self) -> u64 {
        self.walk_log_start + self.walk_log.len() as u64
    }

    /// The walk positions whose entry changed in place since change number `since` (one
    /// `walk_changes` gave in this walk generation), repeats included; `None` when the log
    /// no longer reaches back that far (look at every position).
    pub fn walk_changed_since(&self, since: u64) -> Option<&[u32]> {
        let from = since.checked_sub(self.walk_log_start)?;
        self.walk_log.get(usize::try_from(from).ok()?..)
    }

    /// The position of a live Node in the walk.
    pub fn walk_position(&self, id: ObjId) -> Option<usize> {
        self.kept_or_panic(Indexers::NODES, "nodes");
        let info = self.node_info.get(id.0 as usize).copied().flatten()?;
        let at = *self.slot_pos.get(info.slot as usize)?;
        (at != u32::MAX).then_some(at as usize)
    }

    /// Recomputes the room of a slot's live Node (if any) from its usage and its
    /// `NodeInfo`.
    fn refresh_room(&mut self, slot: u32) {
        let i = slot as usize;
        let Some(&at) = self.slot_pos.get(i).filter(|&&p| p != u32::MAX) else {
            return;
        };
        let w = &self.node_walk[at as usize];
        let Some(info) = self.node_info[w.id.0 as usize] else {
            return;
        };
        let u = &self.usage[i];
        let mut free = [i64::MAX; 4];
        let mut refuse = 0;
        if info.unschedulable || !info.ready || info.drain_taint {
            refuse |= BLOCKED;
        }
        for r in Resource::ALL {
            let k = r as usize;
            match info.capacity.get(r) {
                Some(c) if c.0 != i64::MAX => {
                    free[k] = c.0.saturating_sub(u.sum[k]);
                    if u.with[k] > 0 && u.sum[k] > c.0 {
                        refuse |= 1 << k;
                    }
                }
                _ => {}
            }
        }
        let w = &mut self.node_walk[at as usize];
        w.free = free;
        w.refuse = refuse;
        self.walk_changed(at as usize);
    }

    /// The usage slot of a node name, assigned on first sight.
    fn node_slot(&mut self, node: &str) -> u32 {
        slot_for(&mut self.node_slots, &mut self.usage, node)
    }

    /// The ids a slot index holds for a node name (empty for a name never seen).
    fn at<'s>(&self, m: &'s BySlot, node: &str) -> &'s [ObjId] {
        self.node_slots
            .get(node)
            .and_then(|&s| m.get(s as usize))
            .map_or(&[], IdSet::as_slice)
    }

    /// Pods bound to a node (`spec.nodeName`), any phase.
    pub fn pods_on(&self, node: &str) -> &[ObjId] {
        self.kept_or_panic(Indexers::PODS_BY_NODE, "pods by node");
        self.at(&self.pods_by_node, node)
    }

    /// Pods of a VMI (`kubevirt.io/created-by`), its own and migration targets.
    pub fn pods_of_vmi(&self, ns: &str, vmi: &str) -> &[ObjId] {
        self.kept_or_panic(Indexers::PODS_BY_VMI, "pods by VMI");
        at2(&self.pods_by_vmi, ns, vmi)
    }

    /// Pods no node is bound to yet.
    pub fn unbound_pods(&self) -> &BTreeSet<ObjId> {
        self.kept_or_panic(Indexers::UNBOUND_PODS, "unbound pods");
        &self.unbound_pods
    }

    /// The summed limits of the Pending and Running pods bound to a node, or `None` if it
    /// has none (as a fold over those pods would give).
    pub fn usage_on(&self, node: &str) -> Option<ResourceList> {
        self.kept_or_panic(Indexers::NODES, "node usage");
        let u = &self.usage[*self.node_slots.get(node)? as usize];
        (u.pods > 0).then(|| u.list())
    }

    /// The live Nodes' ids in name order, each with its scheduler view.
    pub fn nodes(&self) -> impl Iterator<Item = (ObjId, &NodeInfo)> + '_ {
        self.kept_or_panic(Indexers::NODES, "nodes");
        self.node_walk.iter().filter_map(|w| {
            self.node_info[w.id.0 as usize]
                .as_ref()
                .map(|info| (w.id, info))
        })
    }

    /// How many live Nodes there are (what `nodes` gives).
    pub fn node_count(&self) -> usize {
        self.kept_or_panic(Indexers::NODES, "nodes");
        self.node_walk.len()
    }

    /// Whether the node is schedulable, Ready and not drain-tainted and a pod of this need
    /// fits beside what its pods use: `fits(node, limits)`, on the node's room.
    pub fn admits(node: &WalkNode, need: &Need) -> bool {
        let (q, f) = (&need.q, &node.free);
        // `&`, not `&&`: four compares and no branch per resource (a lane the pod has no
        // limit for holds `i64::MIN`).
        ((node.refuse & !need.mask) == 0)
            & (q[0] <= f[0])
            & (q[1] <= f[1])
            & (q[2] <= f[2])
            & (q[3] <= f[3])
    }

    /// The live Nodes in the scheduler's walk order (name order).
    pub fn walk(&self) -> &[WalkNode] {
        self.kept_or_panic(Indexers::NODES, "nodes");
        &self.node_walk
    }

    /// What the Pending and Running pods bound to a node use (`usage_on` its name, or
    /// empty).
    pub fn usage_of(&self, node: &NodeInfo) -> ResourceList {
        self.kept_or_panic(Indexers::NODES, "node usage");
        self.usage[node.slot as usize].list()
    }

    /// Whether a pod of these limits fits on the node beside what its pods use:
    /// `usage_of(node).add(limits).fits_within(&node.capacity)`, computed on the sums
    /// without building the lists (the scheduler asks it of every node for every pod).
    pub fn fits(&self, node: &NodeInfo, limits: &ResourceList) -> bool {
        self.kept_or_panic(Indexers::NODES, "node usage");
        let u = &self.usage[node.slot as usize];
        Resource::ALL.into_iter().all(|r| {
            let i = r as usize;
            let used = (u.with[i] > 0).then_some(Quantity(u.sum[i]));
            let total = match (used, limits.get(r)) {
                (None, None) => return true,
                (Some(a), None) => a,
                (a, Some(q)) => a.unwrap_or_default() + q,
            };
            node.capacity.get(r).is_none_or(|c| total <= c)
        })
    }

    /// VMIs whose `status.nodeName` is the node.
    pub fn vmis_on(&self, node: &str) -> &[ObjId] {
        self.kept_or_panic(Indexers::VMIS_BY_NODE, "VMIs by node");
        self.at(&self.vmis_by_node, node)
    }

    /// VMIs labelled `kubevirt.io/nodeName=<node>`.
    pub fn vmis_labelled(&self, node: &str) -> &[ObjId] {
        self.kept_or_panic(Indexers::VMIS_BY_NODE_LABEL, "VMIs by node label");
        self.at(&self.vmis_by_node_label, node)
    }

    /// The objects of a kind a selector admits, where a kept index answers it (a
    /// server-side LIST with that selector); `None` where the selector must be judged
    /// object by object.
    pub fn selected(&self, kind: Kind, key: SelectorKey, value: &str) -> Option<&[ObjId]> {
        let (x, m) = match (kind, key) {
            (Kind::Pod, SelectorKey::PodNode) => (Indexers::PODS_BY_NODE, &self.pods_by_node),
            (Kind::VirtualMachineInstance, SelectorKey::Label(LABEL_NODE_NAME)) => {
                (Indexers::VMIS_BY_NODE_LABEL, &self.vmis_by_node_label)
            }
            (Kind::VirtualMachineInstance, SelectorKey::VmiMigrationTarget) => (
                Indexers::VMIS_BY_MIGRATION_TARGET,
                &self.vmis_by_migration_target,
            ),
            _ => return None,
        };
        self.kept.has(x).then(|| self.at(m, value))
    }

    /// Migrations of a VMI (`spec.vmiName`), finished or not.
    pub fn vmims_of(&self, ns: &str, vmi: &str) -> &[ObjId] {
        self.kept_or_panic(Indexers::VMIMS_BY_VMI, "migrations by VMI");
        at2(&self.vmims_by_vmi, ns, vmi)
    }

    /// Migrations not yet Succeeded or Failed.
    pub fn unfinished_vmims(&self) -> &BTreeSet<ObjId> {
        self.kept_or_panic(Indexers::UNFINISHED_VMIMS, "unfinished migrations");
        &self.unfinished_vmims
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object::{Body, Meta, PodBody};

    fn pod(node: Option<&str>, phase: PodPhase, cpu: i64) -> Obj {
        Obj::new(
            Meta::named("ns", "p"),
            Body::Pod(PodBody {
                node: node.map(Into::into),
                phase,
                ready: false,
                limits: ResourceList::new().with(Resource::LimitsCpu, Quantity(cpu)),
                vmi: "vm".into(),
                migration_uid: None,
                avoid_node: None,
                require_node: None,
                node_selector: Default::default(),
                unschedulable: false,
                probe: false,
            }),
        )
    }

    #[test]
    fn an_id_set_holds_each_id_once_in_order_as_a_btreeset_does() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut s = IdSet::new();
        let mut b = BTreeSet::new();
        // Past the inline ids and back, ids repeated and absent.
        for step in 0..2000 {
            let id = ObjId(rng.random_range(0..12));
            if rng.random_bool(if step < 1000 { 0.7 } else { 0.3 }) {
                set_insert(&mut s, id);
                b.insert(id);
            } else {
                set_remove(&mut s, id);
                b.remove(&id);
            }
            assert_eq!(s.as_slice(), b.iter().copied().collect::<Vec<_>>());
            assert_eq!(s.is_empty(), b.is_empty());
        }
        assert!(std::mem::size_of::<IdSet>() <= 32);
    }

    #[test]
    fn usage_follows_a_pod_from_unbound_to_bound_to_finished() {
        let mut ix = Indexes::keeping(Indexers::ALL);
        let id = ObjId(3);
        let a = pod(None, PodPhase::Pending, 1000);
        ix.update(id, None, Some(&a));
        assert!(ix.unbound_pods().contains(&id));
        let b = pod(Some("n1"), PodPhase::Pending, 1000);
        ix.update(id, Some(&a), Some(&b));
        assert!(ix.unbound_pods().is_empty());
        assert_eq!(
            ix.usage_on("n1").and_then(|u| u.get(Resource::LimitsCpu)),
            Some(Quantity(1000))
        );
        let c = pod(Some("n1"), PodPhase::Succeeded, 1000);
        ix.update(id, Some(&b), Some(&c));
        assert_eq!(ix.usage_on("n1"), None);
        assert!(ix.pods_on("n1").contains(&id));
        ix.update(id, Some(&c), None);
        assert!(ix.pods_on("n1").is_empty());
        assert!(ix.pods_of_vmi("ns", "vm").is_empty());
    }
    fn vmi(node: &str, label: Option<&str>, target: Option<&str>) -> Obj {
        use crate::kube::object::{Domain, MigrationState, VmiBody, VmiPhase};
        let mut meta = Meta::named("ns", "vm");
        if let Some(l) = label {
            meta.labels.insert(LABEL_NODE_NAME, l);
        }
        Obj::new(
            meta,
            Body::VirtualMachineInstance(VmiBody {
                node: node.into(),
                phase: VmiPhase::Running,
                cpu: Quantity(1000),
                memory: Quantity(1),
                memory_request: Quantity(1),
                migration_state: target.map(|t| {
                    Box::new(MigrationState {
                        target_node: t.into(),
                        ..MigrationState::default()
                    })
                }),
                domain: Domain::default(),
                cpu_origin: Default::default(),
            }),
        )
    }

    fn vmim(vmi: &str, phase: crate::kube::MigrationPhase) -> Obj {
        use crate::kube::object::VmimBody;
        Obj::new(
            Meta::named("ns", "m"),
            Body::VirtualMachineInstanceMigration(VmimBody {
                vmi_name: vmi.into(),
                phase,
                rejected_by_quota: false,
                target_node: None,
                target_pod: None,
                failure_reason: None,
                finished_at: None,
            }),
        )
    }

    /// Everything the indexes answer about these names, to compare two indexes by.
    /// What the lookups of one indexer answer.
    fn answers_of(ix: &Indexes, x: Indexers) -> Vec<String> {
        let mut out = Vec::new();
        for n in ["", "n1", "n2"] {
            out.push(match x {
                Indexers::PODS_BY_NODE => format!("{:?}", ix.pods_on(n)),
                Indexers::NODES => format!("{:?}", ix.usage_on(n)),
                Indexers::VMIS_BY_NODE => format!("{:?}", ix.vmis_on(n)),
                Indexers::VMIS_BY_NODE_LABEL => format!("{:?}", ix.vmis_labelled(n)),
                Indexers::VMIS_BY_MIGRATION_TARGET => format!(
                    "{:?}",
                    ix.selected(
                        Kind::VirtualMachineInstance,
                        SelectorKey::VmiMigrationTarget,
                        n
                    )
                ),
                _ => String::new(),
            });
        }
        for v in ["vm", "vm2"] {
            out.push(match x {
                Indexers::PODS_BY_VMI => format!("{:?}", ix.pods_of_vmi("ns", v)),
                Indexers::VMIMS_BY_VMI => format!("{:?}", ix.vmims_of("ns", v)),
                _ => String::new(),
            });
        }
        out.push(match x {
            Indexers::UNBOUND_PODS => format!("{:?}", ix.unbound_pods()),
            Indexers::UNFINISHED_VMIMS => format!("{:?}", ix.unfinished_vmims()),
            _ => String::new(),
        });
        out
    }

    const EACH: [Indexers; 9] = [
        Indexers::PODS_BY_NODE,
        Indexers::PODS_BY_VMI,
        Indexers::UNBOUND_PODS,
        Indexers::NODES,
        Indexers::VMIS_BY_NODE,
        Indexers::VMIS_BY_NODE_LABEL,
        Indexers::VMIS_BY_MIGRATION_TARGET,
        Indexers::VMIMS_BY_VMI,
        Indexers::UNFINISHED_VMIMS,
    ];

    #[test]
    fn the_named_indexers_are_every_indexer() {
        let all = EACH.iter().fold(Indexers::NONE, |a, &x| a | x);
        assert_eq!(all, Indexers::ALL);
    }

    #[test]
    fn an_indexer_kept_alone_answers_as_it_does_beside_all_the_others() {
        use crate::kube::MigrationPhase;
        let mut states = Vec::new();
        for node in [None, Some("n1"), Some("n2")] {
            for phase in [PodPhase::Pending, PodPhase::Running, PodPhase::Succeeded] {
                states.push(pod(node, phase, 1000));
            }
        }
        for (node, label, target) in [
            ("n1", Some("n1"), None),
            ("n1", Some("n1"), Some("n2")),
            ("n2", Some("n2"), Some("")),
        ] {
            states.push(vmi(node, label, target));
        }
        for phase in [MigrationPhase::Scheduling, MigrationPhase::Succeeded] {
            states.push(vmim("vm", phase));
        }
        for x in EACH {
            let (mut alone, mut all) = (Indexes::keeping(x), Indexes::keeping(Indexers::ALL));
            for (i, a) in states.iter().enumerate() {
                for b in &states {
                    if a.kind() != b.kind() {
                        continue;
                    }
                    let id = ObjId(10 + i as u32);
                    for ix in [&mut alone, &mut all] {
                        ix.update(id, None, Some(a));
                        ix.update(id, Some(a), Some(b));
                    }
                    assert_eq!(answers_of(&alone, x), answers_of(&all, x), "{x:?}");
                    for ix in [&mut alone, &mut all] {
                        ix.update(id, Some(b), None);
                    }
                }
            }
            assert_eq!(alone.kept(), x);
        }
    }

    #[test]
    #[should_panic(expected = "pods by node: a controller reading this index registers it")]
    fn a_lookup_in_an_indexer_the_cache_does_not_keep_panics() {
        let ix = Indexes::keeping(Indexers::PODS_BY_VMI | Indexers::NODES);
        ix.pods_on("n1");
    }

    fn answers(ix: &Indexes) -> Vec<String> {
        let mut out = Vec::new();
        for n in ["", "n1", "n2"] {
            out.push(format!(
                "{n}: pods {:?} usage {:?} vmis {:?} labelled {:?} targets {:?}",
                ix.pods_on(n),
                ix.usage_on(n),
                ix.vmis_on(n),
                ix.vmis_labelled(n),
                ix.selected(
                    Kind::VirtualMachineInstance,
                    SelectorKey::VmiMigrationTarget,
                    n
                )
            ));
        }
        for v in ["vm", "vm2"] {
            out.push(format!(
                "{v}: pods {:?} vmims {:?}",
                ix.pods_of_vmi("ns", v),
                ix.vmims_of("ns", v)
            ));
        }
        out.push(format!(
            "unbound {:?} unfinished {:?}",
            ix.unbound_pods(),
            ix.unfinished_vmims()
        ));
        out
    }

    #[test]
    fn fits_answers_as_adding_the_limits_to_the_usage_and_comparing_would() {
        use crate::kube::object::NodeBody;
        let qs = [
            None,
            Some(0),
            Some(500),
            Some(1000),
            Some(1500),
            Some(i64::MAX),
        ];
        let list = |cpu: Option<i64>, mem: Option<i64>| {
            let mut l = ResourceList::new();
            if let Some(c) = cpu {
                l.set(Resource::LimitsCpu, Quantity(c));
            }
            if let Some(m) = mem {
                l.set(Resource::LimitsMemory, Quantity(m));
            }
            l
        };
        for used in [None, Some(500), Some(1000), Some(i64::MAX)] {
            let mut ix = Indexes::keeping(Indexers::ALL);
            let mut node = Obj::new(
                Meta::named("", "n1"),
                Body::Node(NodeBody {
                    capacity: list(Some(1500), None),
                    unschedulable: false,
                    drain_taint: false,
                    ready: true,
                    boots: 0,
                }),
            );
            for cap in qs {
                for cap_mem in [None, Some(1000)] {
                    if let Body::Node(b) = &mut node.body {
                        b.capacity = list(cap, cap_mem);
                    }
                    ix.set_node(ObjId(1), Some(&node));
                    if let Some(c) = used {
                        ix.update(ObjId(2), None, Some(&pod(Some("n1"), PodPhase::Running, c)));
                    }
                    let info = *ix.nodes().next().expect("the node").1;
                    for cpu in qs {
                        for mem in [None, Some(500), Some(2000)] {
                            let l = list(cpu, mem);
                            assert_eq!(
                                ix.fits(&info, &l),
                                ix.usage_of(&info).add(&l).fits_within(&info.capacity),
                                "used {used:?} cap {cap:?}/{cap_mem:?} limits {l:?}"
                            );
                            let walk = &ix.walk()[0];
                            assert_eq!(
                                Indexes::admits(walk, &Need::of(&l)),
                                ix.fits(&info, &l),
                                "walk: used {used:?} cap {cap:?}/{cap_mem:?} limits {l:?}"
                            );
                        }
                    }
                    if let Some(c) = used {
                        ix.update(ObjId(2), Some(&pod(Some("n1"), PodPhase::Running, c)), None);
                    }
                }
            }
        }
    }

    #[test]
    fn the_walk_admits_no_pod_to_a_cordoned_unready_or_drain_tainted_node() {
        use crate::kube::object::NodeBody;
        let limits = ResourceList::new().with(Resource::LimitsCpu, Quantity(1));
        let need = Need::of(&limits);
        for (unschedulable, ready, drain_taint) in [
            (false, true, false),
            (true, true, false),
            (false, false, false),
            (false, true, true),
        ] {
            let mut ix = Indexes::keeping(Indexers::ALL);
            let body = NodeBody {
                capacity: limits,
                unschedulable,
                drain_taint,
                ready,
                boots: 0,
            };
            ix.set_node(
                ObjId(1),
                Some(&Obj::new(Meta::named("", "n1"), Body::Node(body))),
            );
            let walk = ix.walk()[0];
            let open = !unschedulable && ready && !drain_taint;
            assert_eq!(
                Indexes::admits(&walk, &need),
                open,
                "{unschedulable} {ready} {drain_taint}"
            );
            // Uncordoned, Ready and untainted again: admitted.
            let body = NodeBody {
                capacity: limits,
                unschedulable: false,
                drain_taint: false,
                ready: true,
                boots: 0,
            };
            ix.set_node(
                ObjId(1),
                Some(&Obj::new(Meta::named("", "n1"), Body::Node(body))),
            );
            let walk = ix.walk()[0];
            assert!(Indexes::admits(&walk, &need));
            ix.set_node(ObjId(1), None);
            assert!(ix.walk().is_empty());
        }
    }

    #[test]
    fn the_walk_change_log_names_each_node_whose_room_or_version_changed() {
        use crate::kube::object::NodeBody;
        let node = |name: &str| {
            let body = NodeBody {
                capacity: ResourceList::new().with(Resource::LimitsCpu, Quantity(4)),
                unschedulable: false,
                drain_taint: false,
                ready: true,
                boots: 0,
            };
            Obj::new(Meta::named("", name), Body::Node(body))
        };
        let mut ix = Indexes::keeping(Indexers::ALL);
        for (id, name) in [(1, "node0"), (2, "node1"), (3, "node2")] {
            ix.set_node(ObjId(id), Some(&node(name)));
        }
        let (generation, since) = (ix.walk_generation(), ix.walk_changes());
        assert_eq!(ix.walk_changed_since(since), Some(&[][..]));
        assert_eq!(ix.walk_position(ObjId(2)), Some(1));
        // A pod bound to node2 changes its room; a write to node0 its resourceVersion.
        ix.update(
            ObjId(10),
            None,
            Some(&pod(Some("node2"), PodPhase::Running, 1)),
        );
        ix.set_node(ObjId(1), Some(&node("node0")));
        let changed = ix
            .walk_changed_since(since)
            .expect("within the log")
            .to_vec();
        assert!(changed.contains(&2) && changed.contains(&0) && !changed.contains(&1));
        assert_eq!(ix.walk_generation(), generation);
        // A reader further behind than the log reaches is told so.
        for _ in 0..100 {
            ix.set_node(ObjId(1), Some(&node("node0")));
        }
        assert_eq!(ix.walk_changed_since(since), None);
        // A node that joins moves the positions: a new generation.
        let since = ix.walk_changes();
        ix.set_node(ObjId(4), Some(&node("node00")));
        assert_ne!(ix.walk_generation(), generation);
        assert_eq!(ix.walk_position(ObjId(4)), Some(1));
        assert_eq!(ix.walk_position(ObjId(99)), None);
        assert!(ix.walk_changed_since(since).is_some());
    }

    #[test]
    fn the_walk_gives_the_nodes_in_name_order() {
        use crate::kube::object::NodeBody;
        let mut ix = Indexes::keeping(Indexers::ALL);
        for (id, name) in [(4, "node2"), (2, "node10"), (3, "node1")] {
            let body = NodeBody {
                capacity: ResourceList::new(),
                unschedulable: false,
                drain_taint: false,
                ready: true,
                boots: 0,
            };
            ix.set_node(
                ObjId(id),
                Some(&Obj::new(Meta::named("", name), Body::Node(body))),
            );
        }
        let ids: Vec<u32> = ix.walk().iter().map(|w| w.id.0).collect();
        assert_eq!(ids, [3, 2, 4]);
        let nodes: Vec<u32> = ix.nodes().map(|(id, _)| id.0).collect();
        assert_eq!(nodes, ids);
    }

    #[test]
    fn moving_an_objects_entries_leaves_what_removing_and_adding_them_would() {
        use crate::kube::MigrationPhase;
        let mut pods = Vec::new();
        for node in [None, Some("n1"), Some("n2")] {
            for phase in [PodPhase::Pending, PodPhase::Running, PodPhase::Succeeded] {
                for cpu in [1000, 2000] {
                    let mut p = pod(node, phase, cpu);
                    pods.push(p.clone());
                    if let Body::Pod(b) = &mut p.body {
                        b.vmi = "vm2".into();
                    }
                    pods.push(p);
                }
            }
        }
        let mut vmis = Vec::new();
        for node in ["", "n1", "n2"] {
            for label in [None, Some("n1"), Some("n2")] {
                for target in [None, Some(""), Some("n1"), Some("n2")] {
                    vmis.push(vmi(node, label, target));
                }
            }
        }
        let mut vmims = Vec::new();
        for v in ["vm", "vm2"] {
            for phase in [
                MigrationPhase::Unset,
                MigrationPhase::Scheduling,
                MigrationPhase::Succeeded,
                MigrationPhase::Failed,
            ] {
                vmims.push(vmim(v, phase));
            }
        }
        // Another object of each kind already indexed, so sets are shared.
        let other = |ix: &mut Indexes| {
            ix.update(
                ObjId(1),
                None,
                Some(&pod(Some("n1"), PodPhase::Running, 500)),
            );
            ix.update(ObjId(2), None, Some(&vmi("n1", Some("n1"), Some("n2"))));
            ix.update(
                ObjId(3),
                None,
                Some(&vmim("vm", MigrationPhase::Scheduling)),
            );
        };
        let id = ObjId(9);
        for states in [&pods, &vmis, &vmims] {
            for a in states.iter() {
                for b in states.iter() {
                    let mut moved = Indexes::keeping(Indexers::ALL);
                    other(&mut moved);
                    moved.update(id, None, Some(a));
                    moved.update(id, Some(a), Some(b));
                    let mut fresh = Indexes::keeping(Indexers::ALL);
                    other(&mut fresh);
                    fresh.update(id, None, Some(a));
                    fresh.update(id, Some(a), None);
                    fresh.update(id, None, Some(b));
                    assert_eq!(answers(&moved), answers(&fresh), "{a:?} -> {b:?}");
                }
            }
        }
    }
}
