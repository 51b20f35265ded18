//! The API server's storage: objects by id, and a name index per kind and namespace.
//! Ids are assigned on first sight of a (kind, namespace, name) and never reused for
//! another name, so caches and queues can be vectors indexed by id.

use super::index::{Indexers, Indexes};
use super::name_key::{NameKey, NsNames};
use super::object::{Kind, ObjId, Snap};
use std::collections::BTreeMap;

/// The indexers the store keeps: the ones its readers use (the upgrade jobs' label
/// selectors and lookups, and the LISTs of selecting watches); the scheduler's view and
/// the by-node indexes of the controllers live in their own caches.
const STORE_INDEXERS: Indexers = Indexers::PODS_BY_VMI
    .union(Indexers::VMIS_BY_NODE_LABEL)
    .union(Indexers::VMIS_BY_MIGRATION_TARGET)
    .union(Indexers::VMIMS_BY_VMI);

pub struct Store {
    objs: Vec<Option<Snap>>,
    kinds: Vec<Kind>,
    /// kind -> namespace -> name -> id (names held in the keys: see `NameKey`), for the
    /// listings in name order.
    index: [BTreeMap<NameKey, BTreeMap<NameKey, ObjId>>; Kind::COUNT],
    /// The same names for lookup, per kind, in hash maps instead of B-trees (at 1,000
    /// nodes a namespace holds thousands of pods); a name's entry is its key and its id (48
    /// bytes, half a key of kind, namespace and name).
    ids: [NsNames<ObjId>; Kind::COUNT],
    /// The hot-path indexes (pods and VMIs by node, migrations by VMI, ...).
    by: Indexes,
    /// Live objects per kind.
    live: [u32; Kind::COUNT],
}

impl Default for Store {
    fn default() -> Store {
        Store {
            objs: Vec::new(),
            kinds: Vec::new(),
            index: Default::default(),
            ids: Default::default(),
            by: Indexes::keeping(STORE_INDEXERS),
            live: [0; Kind::COUNT],
        }
    }
}

impl Store {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn id_of(&self, kind: Kind, ns: &str, name: &str) -> Option<ObjId> {
        self.ids[kind as usize].get(ns, name).copied()
    }

    /// The id for a name, assigning a new one if the name was never seen.
    pub fn intern(&mut self, kind: Kind, ns: &str, name: &str) -> ObjId {
        if let Some(id) = self.id_of(kind, ns, name) {
            return id;
        }
        let id = ObjId(self.objs.len() as u32);
        self.objs.push(None);
        self.kinds.push(kind);
        self.index[kind as usize]
            .entry(NameKey::new(ns))
            .or_default()
            .insert(NameKey::new(name), id);
        self.ids[kind as usize].insert(ns, name, id);
        id
    }

    pub fn get(&self, id: ObjId) -> Option<&Snap> {
        self.objs.get(id.0 as usize).and_then(Option::as_ref)
    }

    pub fn kind_of(&self, id: ObjId) -> Kind {
        self.kinds[id.0 as usize]
    }

    pub fn set(&mut self, id: ObjId, obj: Option<Snap>) {
        let i = id.0 as usize;
        let live = &mut self.live[self.kinds[i] as usize];
        match (self.objs[i].is_some(), obj.is_some()) {
            (false, true) => *live += 1,
            (true, false) => *live -= 1,
            _ => {}
        }
        let old = std::mem::replace(&mut self.objs[i], obj);
        self.by.update(id, old.as_deref(), self.objs[i].as_deref());
    }

    /// The indexes over the live objects.
    pub fn indexes(&self) -> &Indexes {
        &self.by
    }

    /// How many objects of a kind are live.
    pub fn count(&self, kind: Kind) -> usize {
        self.live[kind as usize] as usize
    }

    pub fn len_ids(&self) -> usize {
        self.objs.len()
    }

    /// Ids ever named in a namespace, in name order (live or deleted).
    pub fn ids_in<'a>(&'a self, kind: Kind, ns: &str) -> impl Iterator<Item = ObjId> + 'a {
        self.index[kind as usize]
            .get(&NameKey::new(ns))
            .into_iter()
            .flat_map(|m| m.values().copied())
    }

    /// Ids ever named of a kind, ordered by namespace then name.
    pub fn ids_of<'a>(&'a self, kind: Kind) -> impl Iterator<Item = ObjId> + 'a {
        self.index[kind as usize]
            .values()
            .flat_map(|m| m.values().copied())
    }

    /// Live objects of a kind in a namespace, in name order.
    pub fn list<'a>(&'a self, kind: Kind, ns: &str) -> impl Iterator<Item = &'a Snap> + 'a {
        self.ids_in(kind, ns).filter_map(move |id| self.get(id))
    }

    pub fn list_all<'a>(&'a self, kind: Kind) -> impl Iterator<Item = &'a Snap> + 'a {
        self.ids_of(kind).filter_map(move |id| self.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object::{Body, Meta, NamespaceBody, Obj};
    use std::rc::Rc;

    #[test]
    fn the_live_count_of_a_kind_follows_its_creates_replacements_and_deletes() {
        let mut s = Store::new();
        let ns = |n: &str| {
            Some(Rc::new(Obj::new(
                Meta::named("", n),
                Body::Namespace(NamespaceBody::default()),
            )))
        };
        let (a, b) = (
            s.intern(Kind::Namespace, "", "a"),
            s.intern(Kind::Namespace, "", "b"),
        );
        assert_eq!(s.count(Kind::Namespace), 0, "named is not live");
        s.set(a, ns("a"));
        s.set(b, ns("b"));
        s.set(a, ns("a"));
        assert_eq!(
            s.count(Kind::Namespace),
            2,
            "a replacement is not a second object"
        );
        s.set(a, None);
        s.set(a, None);
        assert_eq!(s.count(Kind::Namespace), 1);
        assert_eq!(s.count(Kind::Pod), 0);
    }
}
