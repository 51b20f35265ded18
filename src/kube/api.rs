//! The API server: create/update/update-status/delete with resourceVersion checks,
//! validation (422), quota admission (403), validating webhooks, and watch notifications.
//! Simplifications: no field managers or server-side apply, finalizers only as a hold on
//! deletion (a DELETE marks the object; it goes when an update removes the last), no graceful
//! deletion, webhooks read the server's state rather than their own informer caches.

use super::errors::{ApiError, QuotaDenial};
use super::object::{Body, Kind, Obj, ObjId, PodPhase, Snap};
use super::resources::ResourceList;
use super::store::Store;
use super::validation;
use crate::engine::SimTime;
use smol_str::SmolStr;
use std::collections::{BTreeMap, BTreeSet};
use std::rc::Rc;
use std::sync::Arc;

/// Who made a request: an index into the cluster's actors (processes, users).
pub type ActorId = u16;

/// The kind of a write request.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verb {
    /// `POST`: a new object.
    Create,
    /// `PUT`: the whole object, validated and past the webhooks.
    Update,
    /// `PUT .../status`: the status subresource (metadata ignored).
    UpdateStatus,
    /// `DELETE`.
    Delete,
}

impl Verb {
    pub(crate) fn http(self) -> &'static str {
        match self {
            Verb::Create => "POST",
            Verb::Update => "PUT",
            Verb::UpdateStatus => "PUT status",
            Verb::Delete => "DELETE",
        }
    }
}

/// One change for the watch streams.
#[derive(Clone)]
pub struct Notification {
    pub id: ObjId,
    pub obj: Snap,
    pub deleted: bool,
    /// The stored state before this change (`None` on create): a selecting watch compares
    /// both to tell ADDED, MODIFIED and DELETED apart.
    pub prev: Option<Snap>,
}

/// One request and its outcome, kept for the current step (checks and traces read these).
#[derive(Clone)]
pub struct ApiRecord {
    /// Who made the request.
    pub actor: ActorId,
    /// What the request was.
    pub verb: Verb,
    /// The object's kind.
    pub kind: Kind,
    /// The object's name (as given, or generated on create).
    pub name: SmolStr,
    /// The object's namespace (empty for cluster-scoped kinds).
    pub namespace: SmolStr,
    /// The stored object before the request (`None` on create, or when absent).
    pub before: Option<Snap>,
    /// The stored object after it (`None` when refused, or on delete).
    pub after: Option<Snap>,
    /// `Ok`, or the error returned to the client.
    pub result: Result<(), ApiError>,
}

/// A validating admission webhook.
pub trait AdmissionHook {
    /// The webhook's name (`validator.harvesterhci.io`), as its denials quote it.
    fn name(&self) -> &'static str;
    /// The kind this hook admits, if only one. One webhook server (`validator.harvesterhci.io`)
    /// has a hook per resource; `replace_hook` tells them apart by this.
    fn kind(&self) -> Option<Kind> {
        None
    }
    /// `old` is `None` on create. Returns the denial message.
    fn validate(&self, old: Option<&Obj>, new: &Obj, store: &Store) -> Result<(), String>;
}

/// The API server: the store of objects, admission, and the changes its watches send.
pub struct ApiServer {
    /// Every stored object, by id, with the name index.
    pub store: Store,
    rv: u64,
    serial: u64,
    now: SimTime,
    hooks: Vec<Box<dyn AdmissionHook>>,
    /// Changes not yet fanned out to watch streams.
    pub notes: Vec<Notification>,
    /// Requests of the current step.
    pub records: Vec<ApiRecord>,
    record: bool,
    /// One copy of each distinct `spec.nodeSelector` of the pods written: a pod's is
    /// replaced by the equal one here, so the thousands of virt-launcher pods of a CPU
    /// model hold one map between them (storage only; no reader can tell).
    node_selectors: BTreeSet<Arc<BTreeMap<String, String>>>,
}

impl Default for ApiServer {
    fn default() -> Self {
        Self::new()
    }
}

/// The alphabet of the random suffix the API server gives a `generateName` (apimachinery
/// `util/rand.String`: no vowels, no 0, 1, 3).
pub const GENERATED_ALPHABET: &str = "bcdfghjklmnpqrstvwxz2456789";

/// The length of a `generateName` suffix.
pub const GENERATED_LEN: usize = 5;

/// `name` without a generated suffix (`default-6sfgb` -> `default-`), if it ends in one.
pub fn generated_prefix(name: &str) -> Option<&str> {
    let cut = name.len().checked_sub(GENERATED_LEN)?;
    let (prefix, suffix) = (name.get(..cut)?, name.get(cut..)?);
    (prefix.ends_with('-') && suffix.chars().all(|c| GENERATED_ALPHABET.contains(c)))
        .then_some(prefix)
}

/// splitmix64: a fixed bijection, so generated names and uids depend only on how many
/// were generated before (not on the choice stream).
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A version-4 UUID's text (`xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`, lower-case hex) from
/// one mixed serial, written digit by digit: `format!` cost several times as much, and
/// every created object takes one.
fn uid_text(a: u64) -> SmolStr {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let b = mix(a);
    let fields: [(u64, u32); 5] = [
        (a >> 32, 8),
        ((a >> 16) & 0xffff, 4),
        (0x4000 | (a & 0xfff), 4),
        (0x8000 | ((b >> 48) & 0x3fff), 4),
        (b & 0xffff_ffff_ffff, 12),
    ];
    let mut out = [b'-'; 36];
    let mut at = 0;
    for (v, digits) in fields {
        for i in (0..digits).rev() {
            out[at] = HEX[((v >> (4 * i)) & 0xf) as usize];
            at += 1;
        }
        at += 1;
    }
    SmolStr::new(std::str::from_utf8(&out).expect("hex digits and dashes"))
}

impl ApiServer {
    /// An empty server: no objects, no hooks; resourceVersions start at 1000.
    pub fn new() -> Self {
        ApiServer {
            store: Store::new(),
            rv: 1000,
            serial: 0,
            now: SimTime::ZERO,
            hooks: Vec::new(),
            notes: Vec::new(),
            records: Vec::new(),
            record: true,
            node_selectors: BTreeSet::new(),
        }
    }

    pub(crate) fn set_now(&mut self, t: SimTime) {
        self.now = t;
    }

    /// The virtual time the server stamps writes with.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Adds a validating webhook; hooks run in the order added.
    pub fn add_hook(&mut self, hook: Box<dyn AdmissionHook>) {
        self.hooks.push(hook);
    }

    /// Puts `hook` in place of the hook of the same name and kind (its server was upgraded),
    /// keeping the order hooks run in; adds it if there was none.
    pub fn replace_hook(&mut self, hook: Box<dyn AdmissionHook>) {
        let (name, kind) = (hook.name(), hook.kind());
        match self
            .hooks
            .iter()
            .position(|h| h.name() == name && h.kind() == kind)
        {
            Some(i) => self.hooks[i] = hook,
            None => self.hooks.push(hook),
        }
    }

    /// The last resourceVersion given out: every change to the store gives out one, so
    /// while this stays the store is unchanged (a probe may keep what it read).
    pub fn revision(&self) -> u64 {
        self.rv
    }

    /// The stored object of this kind, namespace and name.
    pub fn get(&self, kind: Kind, ns: &str, name: &str) -> Option<&Snap> {
        self.store
            .id_of(kind, ns, name)
            .and_then(|id| self.store.get(id))
    }

    fn next_uid(&mut self) -> SmolStr {
        self.serial += 1;
        uid_text(mix(self.serial))
    }

    /// `utilrand.String(5)` over Kubernetes' alphabet.
    fn name_suffix(&mut self) -> String {
        const ALPHA: &[u8] = GENERATED_ALPHABET.as_bytes();
        self.serial += 1;
        let mut x = mix(self.serial ^ 0x5eed);
        (0..5)
            .map(|_| {
                let c = ALPHA[(x % ALPHA.len() as u64) as usize] as char;
                x /= ALPHA.len() as u64;
                c
            })
            .collect()
    }

    fn next_rv(&mut self) -> u64 {
        self.rv += 1;
        self.rv
    }

    fn log(&mut self, rec: ApiRecord) {
        if self.record {
            self.records.push(rec);
        }
    }

    /// Records one DELETE of `ns/name`: what it saw, what it left, how it ended.
    #[allow(clippy::too_many_arguments)]
    fn log_delete(
        &mut self,
        actor: ActorId,
        kind: Kind,
        ns: &str,
        name: &str,
        before: Option<Snap>,
        after: Option<Snap>,
        result: Result<(), ApiError>,
    ) {
        self.log(ApiRecord {
            actor,
            verb: Verb::Delete,
            kind,
            name: name.into(),
            namespace: ns.into(),
            before,
            after,
            result,
        });
    }

    fn fail(
        &mut self,
        actor: ActorId,
        verb: Verb,
        obj: &Obj,
        before: Option<Snap>,
        e: ApiError,
    ) -> ApiError {
        self.log(ApiRecord {
            actor,
            verb,
            kind: obj.kind(),
            name: obj.meta.name.clone(),
            namespace: obj.meta.namespace.clone(),
            before,
            after: None,
            result: Err(e.clone()),
        });
        e
    }

    fn validate_meta(obj: &Obj) -> Vec<String> {
        let mut errs = validation::validate_annotations(&obj.meta.annotations);
        errs.extend(validation::validate_labels(&obj.meta.labels));
        errs
    }

    fn run_hooks(&self, old: Option<&Obj>, new: &Obj) -> Result<(), ApiError> {
        for h in &self.hooks {
            if let Err(message) = h.validate(old, new, &self.store) {
                return Err(ApiError::WebhookDenied {
                    webhook: h.name(),
                    message,
                });
            }
        }
        Ok(())
    }

    fn commit(&mut self, id: ObjId, obj: Snap, deleted: bool) {
        let prev = self.store.get(id).cloned();
        self.store
            .set(id, if deleted { None } else { Some(obj.clone()) });
        self.notes.push(Notification {
            id,
            obj,
            deleted,
            prev,
        });
    }

    /// POST. Assigns name (from generateName), uid, resourceVersion; runs validation,
    /// quota admission (pods) and webhooks.
    pub fn create(&mut self, actor: ActorId, mut obj: Obj) -> Result<Snap, ApiError> {
        if obj.meta.name.is_empty() && !obj.meta.generate_name.is_empty() {
            obj.meta.name = format!("{}{}", obj.meta.generate_name, self.name_suffix()).into();
        }
        let kind = obj.kind();
        // `ValidateNamespaceName` is a DNS-1123 label; the other kinds here use subdomains.
        let name_errs = if kind == Kind::Namespace {
            validation::is_dns1123_label(&obj.meta.name)
        } else {
            validation::is_dns1123_subdomain(&obj.meta.name)
        };
        let mut errs: Vec<String> = name_errs
            .iter()
            .map(|m| validation::field_invalid("metadata.name", &obj.meta.name, m))
            .collect();
        errs.extend(Self::validate_meta(&obj));
        if !errs.is_empty() {
            let e = ApiError::Invalid {
                kind,
                name: obj.meta.name.to_string(),
                errors: errs,
            };
            return Err(self.fail(actor, Verb::Create, &obj, None, e));
        }
        if self
            .get(kind, &obj.meta.namespace, &obj.meta.name)
            .is_some()
        {
            let e = ApiError::AlreadyExists {
                kind,
                name: obj.meta.name.to_string(),
            };
            return Err(self.fail(actor, Verb::Create, &obj, None, e));
        }
        if let Err(e) = self.run_hooks(None, &obj) {
            return Err(self.fail(actor, Verb::Create, &obj, None, e));
        }
        if kind == Kind::Pod {
            if let Err(e) = self.admit_pod_quota(&obj) {
                return Err(self.fail(actor, Verb::Create, &obj, None, e));
            }
        }
        obj.meta.uid = self.next_uid();
        obj.meta.resource_version = self.next_rv();
        obj.meta.generation = 1;
        obj.meta.creation_timestamp = self.now;
        obj.meta.generate_name = SmolStr::default();
        self.share_node_selector(&mut obj);
        let id = self.store.intern(kind, &obj.meta.namespace, &obj.meta.name);
        let snap = Rc::new(obj);
        self.commit(id, snap.clone(), false);
        self.log(ApiRecord {
            actor,
            verb: Verb::Create,
            kind,
            name: snap.meta.name.clone(),
            namespace: snap.meta.namespace.clone(),
            before: None,
            after: Some(snap.clone()),
            result: Ok(()),
        });
        Ok(snap)
    }

    /// Quota admission: for each quota of the namespace, `status.used + requested` (masked
    /// to the quota's resources) must fit `status.hard`; on success `status.used` is
    /// charged, as the admission plugin does.
    fn admit_pod_quota(&mut self, pod: &Obj) -> Result<(), ApiError> {
        let requested = pod.pod().limits;
        let ids: Vec<ObjId> = self
            .store
            .ids_in(Kind::ResourceQuota, &pod.meta.namespace)
            .collect();
        let mut charges = Vec::new();
        for id in ids {
            let Some(rq) = self.store.get(id) else {
                continue;
            };
            let b = rq.rq();
            let masked = requested.masked(&b.status_hard);
            if masked.is_empty() {
                continue;
            }
            let new_used = b.status_used.masked(&b.status_hard).add(&masked);
            if !new_used.fits_within(&b.status_hard) {
                let mut exceeded = ResourceList::new();
                for (r, q) in new_used.iter() {
                    if b.status_hard.get(r).is_some_and(|h| q > h) {
                        exceeded.set(r, q);
                    }
                }
                return Err(ApiError::QuotaExceeded(Box::new(QuotaDenial {
                    pod: pod.meta.name.to_string(),
                    quota: rq.meta.name.to_string(),
                    requested: masked.masked(&exceeded),
                    used: b.status_used.masked(&exceeded),
                    limited: b.status_hard.masked(&exceeded),
                })));
            }
            charges.push((id, b.status_used.add(&masked)));
        }
        for (id, used) in charges {
            let cur = self.store.get(id).expect("listed").clone();
            let mut next = (*cur).clone();
            next.rq_mut().status_used = used;
            next.meta.resource_version = self.next_rv();
            self.commit(id, Rc::new(next), false);
        }
        Ok(())
    }

    fn update_inner(&mut self, actor: ActorId, obj: Obj, verb: Verb) -> Result<Snap, ApiError> {
        let kind = obj.kind();
        let Some(id) = self.store.id_of(kind, &obj.meta.namespace, &obj.meta.name) else {
            let e = ApiError::NotFound {
                kind,
                name: obj.meta.name.to_string(),
            };
            return Err(self.fail(actor, verb, &obj, None, e));
        };
        let Some(cur) = self.store.get(id).cloned() else {
            let e = ApiError::NotFound {
                kind,
                name: obj.meta.name.to_string(),
            };
            return Err(self.fail(actor, verb, &obj, None, e));
        };
        if obj.meta.resource_version != cur.meta.resource_version {
            let e = ApiError::Conflict {
                kind,
                name: obj.meta.name.to_string(),
            };
            return Err(self.fail(actor, verb, &obj, Some(cur), e));
        }
        let mut next = obj;
        if verb == Verb::UpdateStatus {
            // The status subresource ignores metadata changes. Most writers send the
            // metadata they read, so it is copied only where it differs (equal values:
            // the same result without building and freeing a copy).
            if next.meta != cur.meta {
                next.meta = cur.meta.clone();
            }
        } else {
            let errs = Self::validate_meta(&next);
            if !errs.is_empty() {
                let e = ApiError::Invalid {
                    kind,
                    name: next.meta.name.to_string(),
                    errors: errs,
                };
                return Err(self.fail(actor, verb, &next, Some(cur), e));
            }
            if let Err(e) = self.run_hooks(Some(&cur), &next) {
                return Err(self.fail(actor, verb, &next, Some(cur), e));
            }
            next.meta.uid = cur.meta.uid.clone();
            next.meta.creation_timestamp = cur.meta.creation_timestamp;
            // Only a DELETE sets it; no client can clear it.
            next.meta.deletion_timestamp = cur.meta.deletion_timestamp;
            next.meta.generation = cur.meta.generation + u64::from(next.body != cur.body);
        }
        if next.meta == cur.meta && next.body == cur.body {
            // A no-op write: the real server returns the object unchanged, no new
            // resourceVersion, no watch event.
            self.log(ApiRecord {
                actor,
                verb,
                kind,
                name: cur.meta.name.clone(),
                namespace: cur.meta.namespace.clone(),
                before: Some(cur.clone()),
                after: Some(cur.clone()),
                result: Ok(()),
            });
            return Ok(cur);
        }
        next.meta.resource_version = self.next_rv();
        // A deleted object whose last finalizer this write removes is gone.
        let gone = next.meta.deletion_timestamp.is_some() && next.meta.finalizers.is_empty();
        if let (Body::Pod(n), Body::Pod(c)) = (&next.body, &cur.body) {
            if !Arc::ptr_eq(&n.node_selector, &c.node_selector) {
                self.share_node_selector(&mut next);
            }
        }
        let snap = Rc::new(next);
        self.commit(id, snap.clone(), gone);
        self.log(ApiRecord {
            actor,
            verb,
            kind,
            name: snap.meta.name.clone(),
            namespace: snap.meta.namespace.clone(),
            before: Some(cur),
            after: Some(snap.clone()),
            result: Ok(()),
        });
        Ok(snap)
    }

    /// PUT: the object must carry the current resourceVersion, or 409.
    pub fn update(&mut self, actor: ActorId, obj: Obj) -> Result<Snap, ApiError> {
        self.update_inner(actor, obj, Verb::Update)
    }

    /// PUT to the status subresource: resourceVersion checked, metadata ignored.
    pub fn update_status(&mut self, actor: ActorId, obj: Obj) -> Result<Snap, ApiError> {
        self.update_inner(actor, obj, Verb::UpdateStatus)
    }

    /// Deletes an object at once, or only sets its `deletionTimestamp`: while finalizers
    /// hold it, and for a pod bound to a node whose containers have not ended (a graceful
    /// deletion: the kubelet removes it once they have stopped, `delete_now`); 404 if absent.
    /// kube-apiserver's pod strategy (`CheckGracefulDelete` in kubernetes
    /// `pkg/registry/core/pod/strategy.go`, unchanged in this respect across the releases
    /// read) deletes an unscheduled pod, or one Succeeded or Failed, at once.
    pub fn delete(
        &mut self,
        actor: ActorId,
        kind: Kind,
        ns: &str,
        name: &str,
    ) -> Result<Snap, ApiError> {
        self.delete_inner(actor, kind, ns, name, false)
    }

    /// DELETE with `gracePeriodSeconds: 0`, as the kubelet sends once a terminating pod's
    /// containers have stopped: the object goes unless finalizers hold it.
    pub fn delete_now(
        &mut self,
        actor: ActorId,
        kind: Kind,
        ns: &str,
        name: &str,
    ) -> Result<Snap, ApiError> {
        self.delete_inner(actor, kind, ns, name, true)
    }

    fn delete_inner(
        &mut self,
        actor: ActorId,
        kind: Kind,
        ns: &str,
        name: &str,
        now: bool,
    ) -> Result<Snap, ApiError> {
        let cur = self.get(kind, ns, name).cloned();
        let Some(cur) = cur else {
            let e = ApiError::NotFound {
                kind,
                name: name.to_string(),
            };
            self.log_delete(actor, kind, ns, name, None, None, Err(e.clone()));
            return Err(e);
        };
        let id = self.store.id_of(kind, ns, name).expect("found");
        let graceful = !now
            && kind == Kind::Pod
            && cur.pod().node.is_some()
            && !matches!(cur.pod().phase, PodPhase::Succeeded | PodPhase::Failed);
        if !cur.meta.finalizers.is_empty() || graceful {
            // Finalizers, or a grace period, hold it: the DELETE only marks it (once).
            let mut marked = (*cur).clone();
            if marked.meta.deletion_timestamp.is_none() {
                marked.meta.resource_version = self.next_rv();
                marked.meta.deletion_timestamp = Some(self.now);
            }
            let snap = Rc::new(marked);
            if snap.meta != cur.meta {
                self.commit(id, snap.clone(), false);
            }
            self.log_delete(
                actor,
                kind,
                ns,
                name,
                Some(cur.clone()),
                Some(snap.clone()),
                Ok(()),
            );
            return Ok(snap);
        }
        let mut gone = (*cur).clone();
        gone.meta.resource_version = self.next_rv();
        gone.meta.deletion_timestamp = Some(self.now);
        self.commit(id, Rc::new(gone), true);
        self.log_delete(actor, kind, ns, name, Some(cur.clone()), None, Ok(()));
        Ok(cur)
    }

    /// Gives a pod the stored copy of its `spec.nodeSelector` (keeping it as that copy if
    /// it is the first of its value).
    fn share_node_selector(&mut self, obj: &mut Obj) {
        let Body::Pod(p) = &mut obj.body else {
            return;
        };
        match self.node_selectors.get(&*p.node_selector) {
            Some(s) => p.node_selector = s.clone(),
            None => {
                self.node_selectors.insert(p.node_selector.clone());
            }
        }
    }

    /// Seeds an object at t=0 without admission (the scenario's initial state).
    pub fn seed(&mut self, mut obj: Obj) -> Snap {
        if obj.meta.name.is_empty() && !obj.meta.generate_name.is_empty() {
            obj.meta.name = format!("{}{}", obj.meta.generate_name, self.name_suffix()).into();
            obj.meta.generate_name = SmolStr::default();
        }
        obj.meta.uid = self.next_uid();
        obj.meta.resource_version = self.next_rv();
        obj.meta.generation = 1;
        self.share_node_selector(&mut obj);
        let id = self
            .store
            .intern(obj.kind(), &obj.meta.namespace, &obj.meta.name);
        let snap = Rc::new(obj);
        self.store.set(id, Some(snap.clone()));
        snap
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kube::object::{Body, Meta, NamespaceBody, ResourceQuotaBody};

    fn rq() -> Obj {
        Obj::new(
            Meta::named("ns1", "default-abcde"),
            Body::ResourceQuota(ResourceQuotaBody::default()),
        )
    }

    #[test]
    fn a_uid_reads_as_the_formatted_version_4_uuid_of_its_serial() {
        for serial in [0u64, 1, 2, 0xfff, u64::MAX].into_iter().chain(3..2000) {
            let a = mix(serial);
            let b = mix(a);
            let want = format!(
                "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
                (a >> 32) as u32,
                (a >> 16) as u16,
                (a & 0xfff) as u16,
                0x8000 | ((b >> 48) as u16 & 0x3fff),
                b & 0xffff_ffff_ffff
            );
            assert_eq!(uid_text(a), want, "serial {serial}");
        }
    }

    const POD: &str = "virt-launcher-vm1-abcde";

    fn pod(node: Option<&str>, phase: PodPhase) -> Obj {
        let mut p = selector_pod(POD, &[]);
        p.pod_mut().node = node.map(Into::into);
        p.pod_mut().phase = phase;
        p
    }

    fn selector_pod(name: &str, selector: &[(&str, &str)]) -> Obj {
        use crate::kube::object::PodBody;
        let sel = selector
            .iter()
            .map(|&(k, v)| (k.to_string(), v.to_string()));
        Obj::new(
            Meta::named("ns1", name),
            Body::Pod(PodBody {
                node: None,
                phase: PodPhase::Pending,
                ready: false,
                limits: ResourceList::new(),
                vmi: "vm".into(),
                migration_uid: None,
                avoid_node: None,
                require_node: None,
                node_selector: Arc::new(sel.collect()),
                unschedulable: false,
                probe: false,
            }),
        )
    }

    #[test]
    fn a_running_bound_pod_is_only_marked_until_the_kubelet_deletes_it_with_no_grace() {
        let mut api = ApiServer::new();
        api.create(0, pod(Some("node-1"), PodPhase::Running))
            .unwrap();
        let marked = api.delete(0, Kind::Pod, "ns1", POD).unwrap();
        assert!(marked.meta.deletion_timestamp.is_some());
        assert!(api.get(Kind::Pod, "ns1", POD).is_some());
        api.delete_now(1, Kind::Pod, "ns1", POD).unwrap();
        assert!(api.get(Kind::Pod, "ns1", POD).is_none());
    }

    #[test]
    fn an_unscheduled_or_finished_pod_is_deleted_at_once() {
        for p in [
            pod(None, PodPhase::Pending),
            pod(Some("node-1"), PodPhase::Succeeded),
            pod(Some("node-1"), PodPhase::Failed),
        ] {
            let mut api = ApiServer::new();
            api.create(0, p).unwrap();
            api.delete(0, Kind::Pod, "ns1", POD).unwrap();
            assert!(api.get(Kind::Pod, "ns1", POD).is_none());
        }
    }

    #[test]
    fn pods_with_equal_node_selectors_are_stored_with_one_copy() {
        let mut api = ApiServer::new();
        let model = [("cpu-model.node.kubevirt.io/Icelake-Server", "true")];
        let a = api.create(0, selector_pod("a", &model)).unwrap();
        let b = api.create(0, selector_pod("b", &model)).unwrap();
        let c = api.create(0, selector_pod("c", &[])).unwrap();
        assert!(Arc::ptr_eq(&a.pod().node_selector, &b.pod().node_selector));
        assert_eq!(*a.pod().node_selector, *b.pod().node_selector);
        assert!(c.pod().node_selector.is_empty());
    }

    #[test]
    fn update_with_stale_resource_version_is_a_409() {
        let mut api = ApiServer::new();
        let v1 = api.create(0, rq()).unwrap();
        let mut a = (*v1).clone();
        a.meta.annotations.insert("x", "1");
        api.update(0, a).unwrap();
        let mut stale = (*v1).clone();
        stale.meta.annotations.insert("y", "1");
        let e = api.update(1, stale).unwrap_err();
        assert!(e.is_conflict());
        assert_eq!(api.records.last().unwrap().result, Err(e));
    }

    #[test]
    fn an_over_long_annotation_key_is_a_422_with_the_real_text() {
        let mut api = ApiServer::new();
        let v1 = api.create(0, rq()).unwrap();
        let mut a = (*v1).clone();
        let key = format!("harvesterhci.io/migrating-{}", "v".repeat(54));
        a.meta.annotations.insert(key.clone(), "{}");
        let e = api.update(0, a).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!("ResourceQuota \"default-abcde\" is invalid: metadata.annotations: Invalid value: \"{key}\": name part must be no more than 63 characters")
        );
    }

    struct Deny(Option<Kind>, &'static str);

    impl AdmissionHook for Deny {
        fn name(&self) -> &'static str {
            "validator.example.io"
        }
        fn kind(&self) -> Option<Kind> {
            self.0
        }
        fn validate(&self, _: Option<&Obj>, new: &Obj, _: &Store) -> Result<(), String> {
            match self.0 {
                Some(k) if k != new.kind() => Ok(()),
                _ => Err(self.1.to_string()),
            }
        }
    }

    #[test]
    fn replacing_a_hook_keeps_the_other_hooks_of_its_webhook_server() {
        let mut api = ApiServer::new();
        api.add_hook(Box::new(Deny(Some(Kind::Namespace), "old namespace rule")));
        api.add_hook(Box::new(Deny(Some(Kind::ResourceQuota), "quota rule")));
        api.replace_hook(Box::new(Deny(Some(Kind::Namespace), "new namespace rule")));
        let ns = Obj::new(
            Meta::named("", "ns1"),
            Body::Namespace(NamespaceBody::default()),
        );
        assert_eq!(
            api.create(0, ns).unwrap_err().to_string(),
            "admission webhook \"validator.example.io\" denied the request: new namespace rule"
        );
        assert_eq!(
            api.create(0, rq()).unwrap_err().to_string(),
            "admission webhook \"validator.example.io\" denied the request: quota rule"
        );
    }

    #[test]
    fn a_namespace_name_must_be_a_dns1123_label_on_create() {
        let mut api = ApiServer::new();
        let ns = |name: &str| {
            Obj::new(
                Meta::named("", name),
                Body::Namespace(NamespaceBody::default()),
            )
        };
        let e = api.create(0, ns("ns.1")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Namespace \"ns.1\" is invalid: metadata.name: Invalid value: \"ns.1\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
        );
        assert_eq!(e.code(), 422);
        api.create(0, ns(&"n".repeat(63))).unwrap();
    }

    #[test]
    fn a_no_op_update_keeps_the_resource_version_and_sends_no_event() {
        let mut api = ApiServer::new();
        let v1 = api
            .create(
                0,
                Obj::new(
                    Meta::named("", "ns1"),
                    Body::Namespace(NamespaceBody::default()),
                ),
            )
            .unwrap();
        api.notes.clear();
        let same = api.update(0, (*v1).clone()).unwrap();
        assert_eq!(same.meta.resource_version, v1.meta.resource_version);
        assert!(api.notes.is_empty());
    }
}
