//! The running control plane: the API server and the controller processes around it.
//! Each write is fanned out to every live process watching that kind, through one ordered
//! stream per (process, kind) whose deliveries are delayed by chosen latencies, so caches
//! lag exactly as informers do. A killed process loses cache, queues and in-flight work,
//! comes back after a chosen delay, re-lists, and every object fires OnChange again.

use super::api::{ActorId, ApiServer};
use super::controller::{Cache, Ctx, Outcome, Reader, ReconcileError, Reconciler};
use super::fault::Faults;
use super::fxhash::FxMap;
use super::index::Indexers;
use super::object::{Kind, ObjId, Snap};
use super::selector::{any_admits, Selector, SelectorKey};
use super::store::Store;
use super::workqueue::{RateLimiter, WorkQueue};
use crate::engine::{ChoiceKind, Sim, SimDuration, SimTime, Trace, TraceCat, TraceObj, TraceRec};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::{Hash, Hasher};

/// Events of the control plane. `External` carries events of the layers above
/// (scenario actions, checker deadlines), so one queue orders everything.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Ev {
    /// A process (re)starts: it lists its watched kinds and fills its cache.
    Start {
        /// The process's index in `Cluster::procs`.
        proc: u16,
        /// The process's life the event belongs to; a stale one is ignored.
        epoch: u32,
    },
    /// The next pending watch event of a (process, kind) stream reaches the process's cache.
    Deliver {
        /// The process's index.
        proc: u16,
        /// The kind of the stream (`Kind as u8`).
        kind: u8,
        /// The process's life the event belongs to.
        epoch: u32,
    },
    /// A worker's reconcile of the key it took ends: the handler runs now.
    Work {
        /// The process's index.
        proc: u16,
        /// The controller's index in the process.
        ctrl: u8,
        /// The process's life the event belongs to.
        epoch: u32,
    },
    /// An `AddAfter` (requeue or backoff) of a key falls due.
    Requeue {
        /// The process's index.
        proc: u16,
        /// The controller's index in the process.
        ctrl: u8,
        /// The key to enqueue again.
        key: ObjId,
        /// The process's life the event belongs to.
        epoch: u32,
    },
    /// An event of the layers above, by their own code.
    External(u32),
}

/// Latency ranges a process runs with.
#[derive(Clone, Copy, Debug)]
pub struct ProcessTiming {
    /// Delay of each watch event to the process's cache.
    pub watch_latency: (SimDuration, SimDuration),
    /// Duration of one reconcile.
    pub reconcile: (SimDuration, SimDuration),
    /// Delay before a killed process starts again.
    pub restart: (SimDuration, SimDuration),
}

struct Delivery {
    id: ObjId,
    obj: Snap,
    deleted: bool,
}

#[derive(Default)]
struct Stream {
    pending: VecDeque<(SimTime, Delivery)>,
    last: SimTime,
}

/// A kind a process watches: the selectors its watch carries, what they admitted and the
/// stream of its watch events. Held together, in the process's own vector, because a
/// delivery to a process reads all of them: at 1,000 nodes each process's state is a cache
/// miss, and one record is fewer misses than a field per kind spread over the process.
struct Watch {
    kind: Kind,
    /// The selectors (`Reconciler::selector`) from the current controllers; `None`: every
    /// object of the kind.
    sel: Option<Box<[Selector]>>,
    /// With selectors, the objects the watch has admitted (server side: what the next
    /// change of each is judged against, to send ADDED, MODIFIED or DELETED), sorted.
    members: Vec<ObjId>,
    stream: Stream,
}

impl Watch {
    fn new(kind: Kind) -> Watch {
        Watch {
            kind,
            sel: None,
            members: Vec::new(),
            stream: Stream::default(),
        }
    }

    fn is_member(&self, id: ObjId) -> bool {
        self.members.binary_search(&id).is_ok()
    }

    fn admit(&mut self, id: ObjId) {
        if let Err(at) = self.members.binary_search(&id) {
            self.members.insert(at, id);
        }
    }

    fn expel(&mut self, id: ObjId) {
        if let Ok(at) = self.members.binary_search(&id) {
            self.members.remove(at);
        }
    }
}

/// `Process::watch_at` of a kind the process does not watch.
const UNWATCHED: u8 = u8::MAX;

struct Slot {
    rec: Box<dyn Reconciler>,
    queue: WorkQueue,
    limiter: RateLimiter,
    busy: Option<ObjId>,
    /// client-go's delaying queue (`AddAfter`, used by `AddRateLimited` and wrangler's
    /// `EnqueueAfter`): at most one waiting entry per key, at the earliest time asked for.
    /// A `Requeue` event whose time is not the entry's is stale and ignored.
    waiting: BTreeMap<ObjId, SimTime>,
    /// Full traces: the watch delivery that last enqueued each key, and when the worker took
    /// its current key with the delivery that caused it.
    cause: BTreeMap<ObjId, u64>,
    taken: Option<(SimTime, Option<u64>)>,
    /// The error of each key whose last reconcile failed (what `kubectl logs` would show
    /// last for it), formatted only when asked for.
    last_error: BTreeMap<ObjId, ReconcileError>,
}

/// A key whose last reconcile failed: its process, controller, object, failures in a row
/// and last error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailingKey {
    pub process: String,
    pub controller: &'static str,
    pub object: String,
    pub failures: u32,
    pub error: String,
}

impl Slot {
    fn for_controllers(controllers: Vec<Box<dyn Reconciler>>) -> Vec<Slot> {
        controllers
            .into_iter()
            .map(|rec| {
                let limiter = RateLimiter::new(rec.rate_limiter());
                Slot {
                    rec,
                    queue: WorkQueue::default(),
                    limiter,
                    busy: None,
                    waiting: BTreeMap::new(),
                    cause: BTreeMap::new(),
                    taken: None,
                    last_error: BTreeMap::new(),
                }
            })
            .collect()
    }

    /// `AddAfter(key, d)`: keeps an earlier waiting entry for the key, else (re)schedules.
    fn add_after(&mut self, sim: &mut Sim<Ev>, key: ObjId, d: SimDuration, at: (u16, u8, u32)) {
        let ready = sim.now() + d;
        if self.waiting.get(&key).is_some_and(|&t| t <= ready) {
            return;
        }
        self.waiting.insert(key, ready);
        let (proc, ctrl, epoch) = at;
        sim.schedule_at(
            ready,
            Ev::Requeue {
                proc,
                ctrl,
                key,
                epoch,
            },
        );
    }
}

pub struct Process {
    pub name: String,
    pub actor: ActorId,
    pub up: bool,
    epoch: u32,
    /// Per kind, its place in `watches` (`UNWATCHED`: none).
    watch_at: [u8; Kind::COUNT],
    /// The watched kinds, in `Kind` order.
    watches: Vec<Watch>,
    cache: Cache,
    slots: Vec<Slot>,
    /// Controllers the process runs from its next start (an upgraded image).
    next_slots: Option<Vec<Slot>>,
    timing: ProcessTiming,
    /// Restarts so far (for reports).
    pub restarts: u32,
    /// Until when its watch events lag, and the extra delay's range (`lag_watches`).
    lag: Option<(SimTime, (SimDuration, SimDuration))>,
}

impl Process {
    /// Down, with cache, watch streams, queues, backoff and in-flight work lost; events of
    /// the old epoch are ignored.
    fn stop(&mut self) {
        self.up = false;
        self.epoch += 1;
        self.cache.clear();
        for w in self.watches.iter_mut() {
            w.members.clear();
            w.stream = Stream::default();
        }
        for s in self.slots.iter_mut() {
            s.queue.clear();
            s.limiter.clear();
            s.waiting.clear();
            s.busy = None;
            s.last_error.clear();
            s.rec.reset();
        }
    }

    pub fn timing(&self) -> ProcessTiming {
        self.timing
    }
    /// The selectors of each watched kind for the current controllers: a kind is selected
    /// only if every controller watching it selects (the union of theirs); a kind only
    /// `also_watches` names is not.
    fn refresh_selectors(&mut self) {
        for w in self.watches.iter_mut() {
            let k = w.kind;
            let mut all: Vec<Selector> = Vec::new();
            let mut any = false;
            let mut every = true;
            for s in &self.slots {
                if !s.rec.watches().contains(&k) {
                    continue;
                }
                any = true;
                match s.rec.selector(k) {
                    Some(sels) => all.extend(sels),
                    None => every = false,
                }
            }
            w.sel = (any && every).then(|| all.into_boxed_slice());
        }
    }

    /// Watches `kinds` too (the watches kept in `Kind` order; a new one starts empty).
    fn watch_kinds(&mut self, kinds: &[Kind]) {
        let mut old: Vec<Option<Watch>> = std::mem::take(&mut self.watches)
            .into_iter()
            .map(Some)
            .collect();
        for k in Kind::ALL {
            let i = k as usize;
            let w = match self.watch_at[i] {
                UNWATCHED if !kinds.contains(&k) => continue,
                UNWATCHED => Watch::new(k),
                at => old[at as usize].take().expect("each watch is kept once"),
            };
            self.watch_at[i] = self.watches.len() as u8;
            self.watches.push(w);
        }
    }
}

/// What a LIST of a kind returns to a process: every object without selectors; with them,
/// the objects any selector admits, from the store's indexes where each selector has one
/// (else judging each object). Only the set matters: the cache is filled from it, and the
/// OnChange order is taken in name order afterwards.
fn listed_ids(store: &Store, kind: Kind, sels: Option<&[Selector]>) -> Vec<ObjId> {
    let Some(sels) = sels else {
        return store.ids_of(kind).collect();
    };
    let mut ids = BTreeSet::new();
    for s in sels {
        match store.indexes().selected(kind, s.key, &s.value) {
            Some(found) => ids.extend(found),
            None => {
                return store
                    .ids_of(kind)
                    .filter(|&id| store.get(id).is_some_and(|o| any_admits(sels, o)))
                    .collect()
            }
        }
    }
    debug_assert!(ids
        .iter()
        .all(|&id| store.get(id).is_some_and(|o| any_admits(sels, o))));
    ids.into_iter().collect()
}

/// Who receives a change of each kind: the processes watching it without a selector, and
/// those with one by the value they select (so a change reaches its few selecting watchers
/// without asking all of them). Rebuilt when watches or selectors change. The values are
/// looked up per change (a node name among a thousand), never iterated: a hash map, so no
/// order of it reaches anything.
struct Routes {
    plain: Vec<Vec<u16>>,
    keys: Vec<Vec<SelectorKey>>,
    by_value: Vec<BTreeMap<SelectorKey, ByValue>>,
}

/// The selecting watchers of one selector key, by the value they select.
type ByValue = FxMap<Box<str>, Vec<u16>>;

impl Routes {
    fn build(procs: &[Process]) -> Routes {
        let mut r = Routes {
            plain: vec![Vec::new(); Kind::COUNT],
            keys: vec![Vec::new(); Kind::COUNT],
            by_value: (0..Kind::COUNT).map(|_| BTreeMap::new()).collect(),
        };
        for (pi, p) in procs.iter().enumerate() {
            for w in &p.watches {
                let k = w.kind as usize;
                match &w.sel {
                    None => r.plain[k].push(pi as u16),
                    Some(sels) => {
                        for s in sels {
                            if !r.keys[k].contains(&s.key) {
                                r.keys[k].push(s.key);
                            }
                            let v = r.by_value[k]
                                .entry(s.key)
                                .or_default()
                                .entry(s.value.as_str().into())
                                .or_default();
                            if v.last() != Some(&(pi as u16)) {
                                v.push(pi as u16);
                            }
                        }
                    }
                }
            }
        }
        r
    }
}

/// The control plane: the API server, its controller processes, and the actors writing to it.
pub struct Cluster {
    /// The API server.
    pub api: ApiServer,
    /// The controller processes, by index (`Ev`'s `proc`).
    pub procs: Vec<Process>,
    /// Actor names by id: processes and the scenario's users.
    pub actors: Vec<String>,
    keys: Vec<ObjId>,
    routes: Option<Routes>,
    /// Ids for deliveries and reconcile spans in full traces (writes use their
    /// resourceVersion, far below this range).
    next_flow: u64,
    /// Crash points armed by the scenario, and the record mode's write tally.
    pub faults: Faults,
}

impl Default for Cluster {
    fn default() -> Self {
        Self::new()
    }
}

impl Cluster {
    /// An empty control plane: no objects, processes or actors.
    pub fn new() -> Self {
        Cluster {
            api: ApiServer::new(),
            procs: Vec::new(),
            actors: Vec::new(),
            keys: Vec::new(),
            routes: None,
            next_flow: 1 << 40,
            faults: Faults::default(),
        }
    }

    /// An actor that is not a controller process (a user, an operator).
    pub fn add_actor(&mut self, name: &str) -> ActorId {
        self.actors.push(name.to_string());
        ActorId::try_from(self.actors.len() - 1)
            .expect("validated: a scenario's nodes and sessions keep actors below u16::MAX")
    }

    /// Adds a process named `name`, down until started, that watches `watches` and runs
    /// `controllers`; returns its index.
    pub fn add_process(
        &mut self,
        name: &str,
        watches: &[Kind],
        timing: ProcessTiming,
        controllers: Vec<Box<dyn Reconciler>>,
    ) -> u16 {
        let actor = self.add_actor(name);
        let slots = Slot::for_controllers(controllers);
        self.routes = None;
        self.procs.push(Process {
            name: name.to_string(),
            actor,
            up: false,
            epoch: 0,
            watch_at: [UNWATCHED; Kind::COUNT],
            watches: Vec::new(),
            cache: Cache::default(),
            slots,
            next_slots: None,
            timing,
            restarts: 0,
            lag: None,
        });
        let p = self.procs.last_mut().expect("pushed");
        p.watch_kinds(watches);
        p.refresh_selectors();
        u16::try_from(self.procs.len() - 1)
            .expect("validated: a scenario's nodes and sessions keep processes below u16::MAX")
    }

    /// Schedules a process's start now (one added after `start_all`).
    pub fn start_process(&self, sim: &mut Sim<Ev>, proc: u16) {
        let p = &self.procs[proc as usize];
        sim.schedule_in(
            SimDuration::ZERO,
            Ev::Start {
                proc,
                epoch: p.epoch,
            },
        );
    }

    /// Schedules a process's start at `t` (a component that comes up later, such as KubeVirt
    /// during a cluster's install).
    pub fn start_process_at(&self, sim: &mut Sim<Ev>, proc: u16, t: SimTime) {
        let p = &self.procs[proc as usize];
        sim.schedule_at(
            t,
            Ev::Start {
                proc,
                epoch: p.epoch,
            },
        );
    }

    /// Voids the start already scheduled for a process that is not up (by `start_all`), so
    /// it comes up only when `start_process` or `start_process_at` says.
    pub fn defer_start(&mut self, proc: u16) {
        let p = &mut self.procs[proc as usize];
        if !p.up {
            p.epoch += 1;
        }
    }

    /// Adds kinds to what a process that is not up watches (controllers added for a
    /// scenario that needs them).
    pub fn add_watches(&mut self, proc: u16, kinds: &[Kind]) {
        let p = &mut self.procs[proc as usize];
        debug_assert!(!p.up, "watches change only while a process is down");
        p.watch_kinds(kinds);
        p.refresh_selectors();
        self.routes = None;
    }

    /// Replaces a process's controllers, as a new image of it would run. A process that is
    /// down starts with them; a running one keeps its handlers (and their queues) until it
    /// next starts, so an upgrade is a kill followed by this, or this followed by a kill.
    pub fn replace_controllers(&mut self, proc: u16, controllers: Vec<Box<dyn Reconciler>>) {
        let p = &mut self.procs[proc as usize];
        let slots = Slot::for_controllers(controllers);
        if p.up {
            p.next_slots = Some(slots);
        } else {
            p.slots = slots;
            p.next_slots = None;
            p.refresh_selectors();
            self.routes = None;
        }
    }

    /// The index of the process named `name`, if the cluster runs one.
    pub fn process_index(&self, name: &str) -> Option<u16> {
        self.procs
            .iter()
            .position(|p| p.name == name)
            .map(|i| i as u16)
    }

    /// Every process starts at t=0 (their order is a tie, chosen like any other).
    pub fn start_all(&self, sim: &mut Sim<Ev>) {
        for (i, p) in self.procs.iter().enumerate() {
            sim.schedule_at(
                SimTime::ZERO,
                Ev::Start {
                    proc: i as u16,
                    epoch: p.epoch,
                },
            );
        }
    }

    /// Fans pending API changes out to the watch streams of live processes.
    pub fn flush(&mut self, sim: &mut Sim<Ev>) {
        if self.api.notes.is_empty() {
            return;
        }
        let notes = std::mem::take(&mut self.api.notes);
        let routes = match self.routes.take() {
            Some(r) => r,
            None => Routes::build(&self.procs),
        };
        let now = sim.now();
        let mut selecting: Vec<u16> = Vec::new();
        let mut to: Vec<u16> = Vec::new();
        for n in &notes {
            let k = n.obj.kind() as usize;
            // The selecting watchers the old or the new state concerns.
            selecting.clear();
            for &key in &routes.keys[k] {
                let old = n.prev.as_deref().and_then(|o| key.value_of(o));
                let new = (!n.deleted).then(|| key.value_of(&n.obj)).flatten();
                // Most writes keep the value (a status write of a VMI on its node): one
                // lookup for both.
                let new = new.filter(|&v| old != Some(v));
                for v in [old, new].into_iter().flatten() {
                    if let Some(ps) = routes.by_value[k].get(&key).and_then(|m| m.get(v)) {
                        selecting.extend_from_slice(ps);
                    }
                }
            }
            let plain = &routes.plain[k];
            let receivers: &[u16] = if selecting.is_empty() {
                plain
            } else {
                to.clear();
                to.extend_from_slice(plain);
                to.extend_from_slice(&selecting);
                to.sort_unstable();
                to.dedup();
                &to
            };
            for &pi in receivers {
                let p = &mut self.procs[pi as usize];
                let at = p.watch_at[k];
                if !p.up || at == UNWATCHED {
                    continue;
                }
                let w = &mut p.watches[at as usize];
                let (obj, deleted) = match &w.sel {
                    None => (n.obj.clone(), n.deleted),
                    Some(sels) => {
                        let was = w.is_member(n.id);
                        let now_in = !n.deleted && any_admits(sels, &n.obj);
                        match (was, now_in) {
                            (_, true) => {
                                w.admit(n.id);
                                (n.obj.clone(), false)
                            }
                            (true, false) => {
                                w.expel(n.id);
                                // Out of the selection: DELETED, with the state it had.
                                let last = if n.deleted { None } else { n.prev.clone() };
                                (last.unwrap_or_else(|| n.obj.clone()), true)
                            }
                            (false, false) => continue,
                        }
                    }
                };
                let (lo, hi) = p.timing.watch_latency;
                let mut lat = sim.pick_duration(ChoiceKind::WatchLatency, p.actor as u32, lo, hi);
                // A lagging watch (`lag_watches`): an extra delay, drawn only while it lasts.
                if let Some((until, (lo, hi))) = p.lag {
                    if now < until {
                        lat = lat
                            + sim.pick_duration(ChoiceKind::WatchLatency, p.actor as u32, lo, hi);
                    }
                }
                let s = &mut p.watches[at as usize].stream;
                // A watch is an ordered stream: a later change never overtakes an earlier one.
                let t = (now + lat).max(s.last);
                s.last = t;
                s.pending.push_back((
                    t,
                    Delivery {
                        id: n.id,
                        obj,
                        deleted,
                    },
                ));
                sim.schedule_at(
                    t,
                    Ev::Deliver {
                        proc: pi,
                        kind: k as u8,
                        epoch: p.epoch,
                    },
                );
            }
        }
        self.routes = Some(routes);
        let mut notes = notes;
        notes.clear();
        self.api.notes = notes;
    }

    /// Until `until`, every watch event to process `proc` arrives an extra delay drawn from
    /// `by` later (still in order): its caches fall behind by several writes.
    pub fn lag_watches(&mut self, proc: u16, until: SimTime, by: (SimDuration, SimDuration)) {
        self.procs[proc as usize].lag = Some((until, by));
    }

    /// Kills a process: cache, queues, backoff state and in-flight work are lost; it comes
    /// back after a chosen restart delay.
    pub fn kill(&mut self, proc: u16, sim: &mut Sim<Ev>, trace: &mut Trace) {
        let p = &mut self.procs[proc as usize];
        if !p.up {
            return;
        }
        p.stop();
        let (lo, hi) = p.timing.restart;
        let d = sim.pick_duration(ChoiceKind::Restart, p.actor as u32, lo, hi);
        let name = p.name.clone();
        trace.emit(sim.steps(), sim.now(), &name, TraceCat::Fault, || {
            format!("process killed; cache and work queues lost; restarts in {d}")
        });
        sim.schedule_in(
            d,
            Ev::Start {
                proc,
                epoch: p.epoch,
            },
        );
    }

    /// Stops a running process and starts it again at this instant, with nothing of its old
    /// state: a browser page reload (the page's store and components are rebuilt and list
    /// again). Returns false if the process was not running.
    pub fn reload(&mut self, proc: u16, sim: &mut Sim<Ev>) -> bool {
        let p = &mut self.procs[proc as usize];
        if !p.up {
            return false;
        }
        p.stop();
        sim.schedule_in(
            SimDuration::ZERO,
            Ev::Start {
                proc,
                epoch: p.epoch,
            },
        );
        true
    }

    /// Handles a control-plane event. Returns false for `External` events.
    pub fn handle(&mut self, sim: &mut Sim<Ev>, ev: Ev, trace: &mut Trace) -> bool {
        self.api.set_now(sim.now());
        match ev {
            Ev::Start { proc, epoch } => self.on_start(sim, proc, epoch, trace),
            Ev::Deliver { proc, kind, epoch } => self.on_deliver(sim, proc, kind, epoch, trace),
            Ev::Work { proc, ctrl, epoch } => self.on_work(sim, proc, ctrl, epoch, trace),
            Ev::Requeue {
                proc,
                ctrl,
                key,
                epoch,
            } => {
                let p = &mut self.procs[proc as usize];
                let slot = &mut p.slots[ctrl as usize];
                if p.epoch == epoch && p.up && slot.waiting.get(&key) == Some(&sim.now()) {
                    slot.waiting.remove(&key);
                    slot.queue.add(key);
                    self.kick(sim, proc, ctrl);
                }
            }
            Ev::External(_) => return false,
        }
        self.flush(sim);
        true
    }

    fn on_start(&mut self, sim: &mut Sim<Ev>, proc: u16, epoch: u32, trace: &mut Trace) {
        let p = &mut self.procs[proc as usize];
        if p.epoch != epoch || p.up {
            return;
        }
        p.up = true;
        if let Some(slots) = p.next_slots.take() {
            p.slots = slots;
        }
        let indexers = p
            .slots
            .iter()
            .fold(Indexers::NONE, |a, s| a | s.rec.indexers());
        p.refresh_selectors();
        let sparse = !p.watches.is_empty() && p.watches.iter().all(|w| w.sel.is_some());
        p.cache.reset(indexers, sparse);
        self.routes = None;
        if sim.steps() > 1 && sim.now() > SimTime::ZERO {
            p.restarts += 1;
        }
        let now = sim.now();
        // The initial LIST fills the cache at this instant; then every object fires OnChange.
        let mut listed = 0usize;
        for w in p.watches.iter_mut() {
            w.stream.last = now;
            let sels = w.sel.as_deref();
            w.members.clear();
            for id in listed_ids(&self.api.store, w.kind, sels) {
                if let Some(o) = self.api.store.get(id) {
                    if sels.is_some() {
                        w.members.push(id);
                    }
                    p.cache.set(id, Some(o.clone()));
                    listed += 1;
                }
            }
            w.members.sort_unstable();
        }
        let name = p.name.clone();
        trace.emit(sim.steps(), now, &name, TraceCat::Start, || {
            format!("started; informers listed {listed} objects; every object fires OnChange")
        });
        // The watches are in `Kind` order.
        for at in 0..self.procs[proc as usize].watches.len() {
            let p = &self.procs[proc as usize];
            let w = &p.watches[at];
            // In namespace and name order, as the LIST returned them.
            let ids: Vec<ObjId> = if w.sel.is_some() {
                let read = Reader {
                    cache: &p.cache,
                    store: &self.api.store,
                };
                read.in_name_order(&w.members)
                    .into_iter()
                    .map(|(id, _)| id)
                    .collect()
            } else {
                self.api.store.ids_of(w.kind).collect()
            };
            for id in ids {
                self.enqueue_for(proc, id, true, None);
            }
        }
        for c in 0..self.procs[proc as usize].slots.len() {
            self.kick(sim, proc, c as u8);
        }
    }

    /// Maps one changed object to keys for every controller of a process and enqueues them;
    /// `added`: it has just entered the cache (`Reconciler::keys_for_added`).
    fn enqueue_for(&mut self, proc: u16, id: ObjId, added: bool, cause: Option<u64>) {
        let p = &mut self.procs[proc as usize];
        let Some(obj) = p.cache.get(id).cloned() else {
            return;
        };
        let read = Reader {
            cache: &p.cache,
            store: &self.api.store,
        };
        for slot in p.slots.iter_mut() {
            self.keys.clear();
            if added {
                slot.rec.keys_for_added(id, &obj, read, &mut self.keys);
            } else {
                slot.rec.keys_for(id, &obj, read, &mut self.keys);
            }
            for &k in &self.keys {
                slot.queue.add(k);
                if let Some(c) = cause {
                    slot.cause.insert(k, c);
                }
            }
        }
    }

    fn on_deliver(
        &mut self,
        sim: &mut Sim<Ev>,
        proc: u16,
        kind: u8,
        epoch: u32,
        trace: &mut Trace,
    ) {
        let p = &mut self.procs[proc as usize];
        if p.epoch != epoch || !p.up {
            return;
        }
        let at = p.watch_at[kind as usize];
        let Some((_, d)) = p
            .watches
            .get_mut(at as usize)
            .and_then(|w| w.stream.pending.pop_front())
        else {
            return;
        };
        let mut cause = None;
        if trace.wants(TraceCat::Deliver) {
            self.next_flow += 1;
            cause = Some(self.next_flow);
            let text = format!(
                "watch {} {} rv={}",
                if d.deleted { "DELETED" } else { "MODIFIED" },
                d.obj,
                d.obj.meta.resource_version
            );
            let mut rec = TraceRec::new(sim.steps(), sim.now(), &p.name, TraceCat::Deliver, text);
            rec.object = Some(super::describe::trace_obj(&d.obj));
            rec.verb = if d.deleted { "DELETED" } else { "MODIFIED" };
            rec.resource_version = d.obj.meta.resource_version;
            rec.flow_from = Some(d.obj.meta.resource_version);
            rec.flow_id = cause;
            trace.push(rec);
        }
        if d.deleted {
            // OnChange is called for deletions too (with the last state), then the cache drops it.
            p.cache.set(d.id, Some(d.obj.clone()));
            self.enqueue_for(proc, d.id, false, cause);
            self.procs[proc as usize].cache.set(d.id, None);
        } else {
            let added = p.cache.get(d.id).is_none();
            p.cache.set(d.id, Some(d.obj));
            self.enqueue_for(proc, d.id, added, cause);
        }
        for c in 0..self.procs[proc as usize].slots.len() {
            self.kick(sim, proc, c as u8);
        }
    }

    /// If the controller's worker is idle and work is queued, take the next key; the
    /// reconcile runs after a chosen duration.
    fn kick(&mut self, sim: &mut Sim<Ev>, proc: u16, ctrl: u8) {
        let p = &mut self.procs[proc as usize];
        let slot = &mut p.slots[ctrl as usize];
        if slot.busy.is_some() {
            return;
        }
        let Some(key) = slot.queue.get() else { return };
        slot.busy = Some(key);
        slot.taken = Some((sim.now(), slot.cause.remove(&key)));
        let (lo, hi) = p.timing.reconcile;
        let d = sim.pick_duration(ChoiceKind::Reconcile, p.actor as u32, lo, hi);
        sim.schedule_in(
            d,
            Ev::Work {
                proc,
                ctrl,
                epoch: p.epoch,
            },
        );
    }

    fn on_work(&mut self, sim: &mut Sim<Ev>, proc: u16, ctrl: u8, epoch: u32, trace: &mut Trace) {
        let step = sim.steps();
        let now = sim.now();
        let p = &mut self.procs[proc as usize];
        if p.epoch != epoch || !p.up {
            return;
        }
        let slot = &mut p.slots[ctrl as usize];
        let Some(key) = slot.busy.take() else { return };
        let actor_name = self.actors[p.actor as usize].as_str();
        let span = if trace.wants(TraceCat::Slice) {
            self.next_flow += 1;
            Some(self.next_flow)
        } else {
            None
        };
        let gate = self.faults.begin(proc, slot.rec.name());
        let mut ctx = Ctx {
            gate,
            flow: span,
            api: &mut self.api,
            cache: &p.cache,
            now,
            actor: p.actor,
            actor_name,
            step,
            choices: sim.choices_mut(),
            trace,
        };
        let result = slot.rec.reconcile(key, &mut ctx);
        let gate = ctx.gate;
        let ctrl_name = slot.rec.name();
        self.faults.end(proc, &p.name, ctrl_name, &gate);
        if let Some(c) = gate.crashed {
            // The crash came right after write `c.write`, which is committed (its watch
            // events go out with this step's flush); the process dies as a kill does, so the
            // rest of the reconcile's result is lost with it.
            let key_name = p
                .cache
                .get(key)
                .or_else(|| self.api.store.get(key))
                .map(|o| o.meta.key())
                .unwrap_or_else(|| format!("#{}", key.0));
            let name = p.name.clone();
            trace.emit(step, now, &name, TraceCat::Fault, || {
                format!(
                    "crash {name} after write {} of {ctrl_name} {key_name} ({})",
                    c.write,
                    c.request()
                )
            });
            self.kill(proc, sim, trace);
            return;
        }
        // Formatted only for a trace record or an error line.
        let key_name = || {
            p.cache.get(key).map(|o| o.meta.key()).unwrap_or_else(|| {
                self.api
                    .store
                    .get(key)
                    .map(|o| o.meta.key())
                    .unwrap_or_else(|| format!("#{}", key.0))
            })
        };
        // How trace records name the key's object (only built for a record).
        let key_obj = || {
            p.cache
                .get(key)
                .or_else(|| self.api.store.get(key))
                .map(|o| super::describe::trace_obj(o))
                .unwrap_or_else(|| TraceObj {
                    name: format!("#{}", key.0),
                    ..TraceObj::default()
                })
        };
        if let Some(id) = span {
            let (start, cause) = slot.taken.take().unwrap_or((now, None));
            let outcome = match &result {
                Ok(Outcome::Done) => "done".to_string(),
                Ok(Outcome::RequeueAfter(d)) => format!("requeue after {d}"),
                Err(e) => format!("error: {e}"),
            };
            let key_name = key_name();
            let mut rec = TraceRec::new(
                step,
                now,
                actor_name,
                TraceCat::Slice,
                format!("{ctrl_name} {key_name}: {outcome}"),
            );
            rec.start = Some(start);
            rec.flow_from = cause;
            rec.flow_id = Some(id);
            rec.object = Some(key_obj());
            rec.controller = ctrl_name;
            trace.push(rec);
        }
        if result.is_ok() {
            slot.last_error.remove(&key);
        }
        match result {
            Ok(Outcome::Done) => slot.limiter.forget(key),
            Ok(Outcome::RequeueAfter(d)) => {
                slot.limiter.forget(key);
                slot.add_after(sim, key, d, (proc, ctrl, epoch));
            }
            Err(e) => {
                let delay = slot.limiter.when(key);
                let failures = slot.limiter.failures(key);
                if trace.wants(TraceCat::Reconcile) {
                    let key_name = key_name();
                    let mut rec = TraceRec::new(
                        step,
                        now,
                        actor_name,
                        TraceCat::Reconcile,
                        format!(
                            "error syncing '{key_name}': handler {ctrl_name}: {e}, requeuing (failure {failures}, retry in {delay})"
                        ),
                    );
                    rec.object = Some(key_obj());
                    rec.controller = ctrl_name;
                    trace.push(rec);
                }
                slot.last_error.insert(key, e);
                slot.add_after(sim, key, delay, (proc, ctrl, epoch));
            }
        }
        slot.queue.done(key);
        self.kick(sim, proc, ctrl);
    }

    /// Hashes everything that decides what happens next: every stored object, and per
    /// process its liveness, what its cache holds, what its watch streams will deliver and
    /// what its work queues hold. With `versions` false, resourceVersions are left out so
    /// states that differ only in write counts hash alike (exhaustive pruning).
    pub fn hash_state<H: Hasher>(&self, h: &mut H, versions: bool) {
        let obj = |h: &mut H, o: &Snap| {
            if versions {
                o.meta.resource_version.hash(h);
            }
            o.meta.name.hash(h);
            o.meta.namespace.hash(h);
            o.meta.labels.hash(h);
            o.meta.annotations.hash(h);
            o.meta.deletion_timestamp.hash(h);
            o.body.hash(h);
        };
        for i in 0..self.api.store.len_ids() {
            match self.api.store.get(ObjId(i as u32)) {
                Some(o) => obj(h, o),
                None => 0u8.hash(h),
            }
        }
        for p in &self.procs {
            (p.up, p.epoch, p.lag).hash(h);
            for i in 0..self.api.store.len_ids() {
                match p.cache.get(ObjId(i as u32)) {
                    Some(o) if versions => o.meta.resource_version.hash(h),
                    Some(o) => obj(h, o),
                    None => 0u8.hash(h),
                }
            }
            for w in &p.watches {
                for (t, d) in &w.stream.pending {
                    (t, d.id, d.deleted).hash(h);
                    obj(h, &d.obj);
                }
            }
            for s in &p.slots {
                s.busy.hash(h);
                s.queue.hash_into(h);
                // Which pending `Requeue` events are live (the stale ones are ignored).
                s.waiting.hash(h);
            }
        }
        // Only when a crash point is armed, so runs without one hash as they always did.
        if self.faults.armed() > 0 {
            self.faults.hash_into(h);
        }
    }

    /// The keys of live processes whose last reconcile failed, in process and controller
    /// order.
    pub fn failing_keys(&self) -> Vec<FailingKey> {
        let mut out = Vec::new();
        for p in self.procs.iter().filter(|p| p.up) {
            for s in &p.slots {
                for (id, error) in &s.last_error {
                    let object = self
                        .api
                        .store
                        .get(*id)
                        .map(|o| format!("{} {}", o.kind().name(), o.meta.key()))
                        .unwrap_or_else(|| format!("#{} (deleted)", id.0));
                    out.push(FailingKey {
                        process: p.name.clone(),
                        controller: s.rec.name(),
                        object,
                        failures: s.limiter.failures(*id),
                        error: error.to_string(),
                    });
                }
            }
        }
        out
    }

    pub(crate) fn actor_name(&self, id: ActorId) -> &str {
        &self.actors[id as usize]
    }
}
