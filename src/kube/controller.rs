//! What a controller is to the runtime: a wrangler-style handler `(key) -> Result`, the
//! keys a watch event maps to, and the context it reads and writes through. A handler sees
//! the world only through its process's informer cache; writes go to the API server.

use super::api::{ActorId, ApiServer};
use super::errors::ApiError;
use super::fault::WriteGate;
use super::fxhash::FxMap;
use super::index::{Indexers, Indexes};
use super::object::{Kind, Obj, ObjId, Snap};
use super::selector::Selector;
use super::store::Store;
use super::workqueue::RateLimiterKind;
use crate::engine::{Choice, ChoiceKind, Choices, SimDuration, SimTime, Trace, TraceCat};

/// An informer cache: the objects this process has been told about, by id, and the
/// indexers its controllers registered (`Reconciler::indexers`).
#[derive(Default)]
pub struct Cache {
    objs: Objs,
    /// Boxed: most processes keep none, and a process's own fields are read on every
    /// delivery to it.
    index: Option<Box<Indexes>>,
}

/// The cached objects by id: a vector indexed by id where the cache holds every object of
/// its kinds (one load per lookup), a hash map where every watch of the process selects (a
/// node's virt-handler holds its node's few VMIs among all the ids: a vector to the
/// highest id was 30 KB a handler at 1,000 nodes, and pages of them three dependent loads
/// a lookup). A lookup-only map: nothing iterates it, so no order of it reaches anything.
enum Objs {
    Dense(Vec<Option<Snap>>),
    Sparse(FxMap<u32, Snap>),
}

impl Default for Objs {
    fn default() -> Objs {
        Objs::Dense(Vec::new())
    }
}

impl Objs {
    fn get(&self, i: usize) -> Option<&Snap> {
        match self {
            Objs::Dense(v) => v.get(i)?.as_ref(),
            Objs::Sparse(m) => m.get(&(i as u32)),
        }
    }

    fn replace(&mut self, i: usize, obj: Option<Snap>) -> Option<Snap> {
        match (self, obj) {
            (Objs::Dense(v), obj) => {
                if v.len() <= i {
                    // Clearing a slot never set.
                    obj.as_ref()?;
                    v.resize(i + 1, None);
                }
                std::mem::replace(&mut v[i], obj)
            }
            (Objs::Sparse(m), Some(o)) => m.insert(i as u32, o),
            (Objs::Sparse(m), None) => m.remove(&(i as u32)),
        }
    }

    fn clear(&mut self) {
        match self {
            Objs::Dense(v) => v.clear(),
            Objs::Sparse(m) => m.clear(),
        }
    }
}

impl Cache {
    /// The cached object of this id, if the process has been told of it.
    pub fn get(&self, id: ObjId) -> Option<&Snap> {
        self.objs.get(id.0 as usize)
    }

    /// Puts (`Some`) or removes (`None`) the object of this id, updating the indexers.
    pub fn set(&mut self, id: ObjId, obj: Option<Snap>) {
        let i = id.0 as usize;
        let old = self.objs.replace(i, obj);
        if let Some(ix) = &mut self.index {
            ix.update(id, old.as_deref(), self.objs.get(i).map(|o| &**o));
        }
    }

    /// Empties the cache; it keeps these indexers (empty) from now on, and with `sparse`
    /// (every watch of the process selects: it holds a few objects among all the ids) its
    /// objects in a hash map instead of a vector by id.
    pub fn reset(&mut self, indexers: Indexers, sparse: bool) {
        self.objs = if sparse {
            Objs::Sparse(FxMap::default())
        } else {
            Objs::Dense(Vec::new())
        };
        self.index = (!indexers.is_empty()).then(|| Box::new(Indexes::keeping(indexers)));
    }

    /// Empties the cache and its indexers (the indexers are kept).
    pub fn clear(&mut self) {
        self.objs.clear();
        if let Some(ix) = &mut self.index {
            ix.clear();
        }
    }

    /// The indexers. Panics if none of the process's controllers registered any
    /// (`Reconciler::indexers`): a lookup there would silently find nothing.
    pub fn indexes(&self) -> &Indexes {
        self.index
            .as_ref()
            .expect("a controller reading indexes registers them in Reconciler::indexers")
    }
}

/// Read access to a cache, using the server's name index to find ids (names never move
/// between ids, so this reveals nothing the cache does not hold).
#[derive(Clone, Copy)]
pub struct Reader<'a> {
    /// The process's informer cache.
    pub cache: &'a Cache,
    /// The API server's store, used only for its name index.
    pub store: &'a Store,
}

impl<'a> Reader<'a> {
    /// The cached object of this kind, namespace and name (client-go's lister `Get`).
    pub fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<Snap> {
        self.store
            .id_of(kind, ns, name)
            .and_then(|id| self.cache.get(id))
            .cloned()
    }

    /// The cached object of this id.
    pub fn by_id(&self, id: ObjId) -> Option<Snap> {
        self.cache.get(id).cloned()
    }

    /// A cached object by id, borrowed.
    pub fn obj(&self, id: ObjId) -> Option<&'a Snap> {
        self.cache.get(id)
    }

    /// The cache's indexers (see `Reconciler::indexers`).
    pub fn indexes(&self) -> &'a Indexes {
        self.cache.indexes()
    }

    /// Cached objects of these ids, in namespace and name order (what a scan of the
    /// kind would meet them in).
    pub fn in_name_order<'s>(
        &self,
        ids: impl IntoIterator<Item = &'s ObjId>,
    ) -> Vec<(ObjId, &'a Snap)> {
        let mut v: Vec<(ObjId, &'a Snap)> = ids
            .into_iter()
            .filter_map(|&id| self.cache.get(id).map(|o| (id, o)))
            .collect();
        v.sort_by(|a, b| {
            (a.1.meta.namespace.as_str(), a.1.meta.name.as_str())
                .cmp(&(b.1.meta.namespace.as_str(), b.1.meta.name.as_str()))
        });
        v
    }

    /// The id the server gave this kind, namespace and name, whether or not it is cached.
    pub fn id_of(&self, kind: Kind, ns: &str, name: &str) -> Option<ObjId> {
        self.store.id_of(kind, ns, name)
    }

    /// Cached objects of a kind in a namespace, in name order.
    pub fn list(&self, kind: Kind, ns: &str) -> impl Iterator<Item = (ObjId, &'a Snap)> + 'a {
        let cache = self.cache;
        self.store
            .ids_in(kind, ns)
            .filter_map(move |id| cache.get(id).map(|o| (id, o)))
    }

    /// Cached objects of a kind in every namespace, in namespace and name order.
    pub fn list_all(&self, kind: Kind) -> impl Iterator<Item = (ObjId, &'a Snap)> + 'a {
        let cache = self.cache;
        self.store
            .ids_of(kind)
            .filter_map(move |id| cache.get(id).map(|o| (id, o)))
    }
}

/// Why a reconcile failed: the key is requeued with backoff.
#[derive(Debug)]
pub enum ReconcileError {
    /// An API request failed (a conflict, a webhook's denial, ...).
    Api(ApiError),
    /// The handler's own error.
    Other(String),
    /// An API request failed, with what the handler was doing (Go's
    /// `fmt.Errorf("<context>: %v", err)`), kept apart so the request's error is formatted
    /// only when shown: a quota denial's text names every resource and quantity.
    Wrapped(String, ApiError),
}

impl From<ApiError> for ReconcileError {
    fn from(e: ApiError) -> Self {
        ReconcileError::Api(e)
    }
}

impl std::fmt::Display for ReconcileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReconcileError::Api(e) => write!(f, "{e}"),
            ReconcileError::Other(s) => f.write_str(s),
            ReconcileError::Wrapped(context, e) => write!(f, "{context}: {e}"),
        }
    }
}

/// How a reconcile that did not fail ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Outcome {
    /// Done with the key until it is enqueued again.
    Done,
    /// `EnqueueAfter`: come back to this key later (not a failure, no backoff).
    RequeueAfter(SimDuration),
}

/// What a handler returns: wrangler's `(obj, error)` reduced to what the queue acts on.
pub type ReconcileResult = Result<Outcome, ReconcileError>;

/// Everything a handler may touch during one reconcile. The API server is read through
/// `api()`; a handler writes only through `create`, `update`, `update_status` and `delete`,
/// which count accepted writes in the reconcile's `WriteGate` and, once a crash point has
/// fired, refuse before the request is made (`kube/fault.rs`).
pub struct Ctx<'a> {
    /// The API server every write goes to (read it through `api()`).
    pub(super) api: &'a mut ApiServer,
    /// The process's informer cache.
    pub cache: &'a Cache,
    /// The virtual time of the reconcile.
    pub now: SimTime,
    /// The actor (process) the writes are recorded as.
    pub actor: ActorId,
    /// The actor's name, for the timeline.
    pub actor_name: &'a str,
    /// The engine step of the reconcile.
    pub step: u64,
    /// The run's choice stream, for anything the handler draws.
    pub choices: &'a mut dyn Choices,
    /// The run's trace, for the timeline.
    pub trace: &'a mut Trace,
    /// The reconcile span of a full trace, which this reconcile's writes are linked from.
    pub flow: Option<u64>,
    /// Accepted writes so far, and the crash point this reconcile is due for.
    pub(super) gate: WriteGate,
}

impl<'a> Ctx<'a> {
    /// Read access to the process's cache.
    pub fn read(&self) -> Reader<'_> {
        Reader {
            cache: self.cache,
            store: &self.api.store,
        }
    }

    /// Puts the request just made on the timeline.
    fn traced<T>(&mut self, r: Result<T, ApiError>) -> Result<T, ApiError> {
        if self.trace.wants(TraceCat::Write) {
            if let Some(rec) = self.api.records.last() {
                let mut t =
                    super::describe::trace_record(rec, self.step, self.now, self.actor_name);
                t.flow_from = self.flow;
                self.trace.push(t);
            }
        }
        r
    }

    /// The API server, to read (a handler that reads the server directly, as a live GET does).
    pub fn api(&self) -> &ApiServer {
        self.api
    }

    /// One request through the gate: refused once the process has crashed, counted when
    /// accepted.
    fn write(
        &mut self,
        req: impl FnOnce(&mut ApiServer, ActorId) -> Result<Snap, ApiError>,
    ) -> Result<Snap, ApiError> {
        if self.gate.down() {
            return Err(ApiError::ProcessDown);
        }
        let r = req(self.api, self.actor);
        let r = self.traced(r);
        if r.is_ok() {
            if let Some(rec) = self.api.records.last() {
                self.gate.accepted(rec);
            }
        }
        r
    }

    /// Creates an object (`POST`), as this process.
    pub fn create(&mut self, obj: Obj) -> Result<Snap, ApiError> {
        self.write(|api, actor| api.create(actor, obj))
    }

    /// Replaces an object (`PUT`), as this process; a stale `resourceVersion` is a 409 conflict.
    pub fn update(&mut self, obj: Obj) -> Result<Snap, ApiError> {
        self.write(|api, actor| api.update(actor, obj))
    }

    /// Replaces an object's status (`PUT .../status`), as this process.
    pub fn update_status(&mut self, obj: Obj) -> Result<Snap, ApiError> {
        self.write(|api, actor| api.update_status(actor, obj))
    }

    /// Deletes an object (`DELETE`), as this process.
    pub fn delete(&mut self, kind: Kind, ns: &str, name: &str) -> Result<Snap, ApiError> {
        self.write(|api, actor| api.delete(actor, kind, ns, name))
    }

    /// DELETE with `gracePeriodSeconds: 0` (`ApiServer::delete_now`).
    pub fn delete_now(&mut self, kind: Kind, ns: &str, name: &str) -> Result<Snap, ApiError> {
        self.write(|api, actor| api.delete_now(actor, kind, ns, name))
    }

    /// A duration drawn from `range` (inclusive), a choice of `kind` made by this actor.
    pub fn pick_duration(
        &mut self,
        kind: ChoiceKind,
        range: (SimDuration, SimDuration),
    ) -> SimDuration {
        SimDuration(
            self.choices
                .pick(Choice::new(kind, self.actor as u32), range.0 .0, range.1 .0),
        )
    }

    /// A component's log line or Kubernetes Event, for the timeline.
    pub fn log(&mut self, text: impl FnOnce() -> String) {
        // A crashed process logs nothing more.
        if self.gate.down() {
            return;
        }
        let (step, now, actor) = (self.step, self.now, self.actor_name);
        self.trace.emit(step, now, actor, TraceCat::Log, text);
    }
}

/// A controller: its name, what it watches, and the handler its process's worker calls per key.
pub trait Reconciler {
    /// The controller's registered name (`migrationAnnotationController`).
    fn name(&self) -> &'static str;
    /// The kind whose keys the queue holds.
    fn primary(&self) -> Kind;
    /// The kinds its process must watch for it: the primary kind, the kinds `keys_for` maps
    /// from and those the handler reads from the cache (kube-rs's
    /// `Controller::new(..).owns(..).watches(..)`). A process watches the union of its
    /// controllers' kinds. Default: the primary kind alone.
    fn watches(&self) -> Vec<Kind> {
        vec![self.primary()]
    }
    /// Keys to enqueue when an object of a watched kind changes. Default: the object
    /// itself when it is of the primary kind.
    fn keys_for(&self, id: ObjId, obj: &Obj, _read: Reader<'_>, out: &mut Vec<ObjId>) {
        if obj.kind() == self.primary() {
            out.push(id);
        }
    }
    /// Keys to enqueue when an object of a watched kind has just entered its process's
    /// cache: the informer's `AddFunc`, for a watch's ADDED event and for every object of
    /// the first LIST (`keys_for` is then not called). A controller that keeps expectations
    /// counts its creations here (`CreationObserved`). Default: `keys_for`.
    fn keys_for_added(&mut self, id: ObjId, obj: &Obj, read: Reader<'_>, out: &mut Vec<ObjId>) {
        self.keys_for(id, obj, read, out)
    }
    /// Reconciles one key of the primary kind (the handler wrangler's `OnChange` registers).
    fn reconcile(&mut self, key: ObjId, ctx: &mut Ctx<'_>) -> ReconcileResult;
    /// The queue's rate limiter for failed keys. Default: wrangler's.
    fn rate_limiter(&self) -> RateLimiterKind {
        RateLimiterKind::Wrangler
    }
    /// The selectors its informer of a kind lists and watches with (client-go
    /// `ListOptions`), or `None` for every object of the kind. A process's watch of a kind
    /// selects only if every controller watching the kind there does (their union).
    fn selector(&self, _kind: Kind) -> Option<Vec<Selector>> {
        None
    }
    /// The indexers it reads its cache through (`Reader::indexes`), as a controller
    /// registers `cache.Indexers` on its informers. A process's cache keeps the union of
    /// its controllers' indexers, and only those.
    fn indexers(&self) -> Indexers {
        Indexers::NONE
    }
    /// The process died: drop in-memory state.
    fn reset(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_cache_holds_what_a_dense_one_does() {
        use crate::kube::object::{Body, Meta, NamespaceBody};
        use std::rc::Rc;
        let (mut dense, mut sparse) = (Cache::default(), Cache::default());
        sparse.reset(Indexers::NONE, true);
        // Ids close together and far apart (the vector grows), set, replaced and removed.
        let ids = [0u32, 1, 31, 32, 2047, 2048, 70_000, 5];
        let obj = |i: usize| {
            Rc::new(Obj::new(
                Meta::named("", &format!("ns{i}")),
                Body::Namespace(NamespaceBody::default()),
            ))
        };
        let seen = |c: &Cache| {
            (0..70_010)
                .filter_map(|i| c.get(ObjId(i)).map(|o| (i, o.meta.name.clone())))
                .collect::<Vec<_>>()
        };
        for (step, &id) in ids.iter().chain(&ids[..4]).enumerate() {
            for c in [&mut dense, &mut sparse] {
                c.set(ObjId(id), Some(obj(step)));
                if step % 3 == 2 {
                    c.set(ObjId(ids[step % ids.len()]), None);
                }
            }
            assert_eq!(seen(&dense), seen(&sparse), "after step {step}");
        }
        assert!(!seen(&sparse).is_empty());
        sparse.clear();
        assert_eq!(seen(&sparse), vec![]);
    }

    #[test]
    fn a_wrapped_api_error_reads_as_its_context_then_the_error() {
        let e = ApiError::Conflict {
            kind: Kind::Pod,
            name: "p".into(),
        };
        let want = format!("creating the target pod: {e}");
        assert_eq!(
            ReconcileError::Wrapped("creating the target pod".into(), e).to_string(),
            want
        );
    }
}
