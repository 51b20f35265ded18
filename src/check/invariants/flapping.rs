//! `flapping` (during calm, generic): no object is rewritten back and forth. In the calm
//! phase nothing asks for change, so a controller that writes an object into a state, then
//! out of it, then back (A, B, A, B ...) is fighting another or itself (Kivi's oscillation
//! check). An object whose state returns to the one before its last change more than
//! `MAX_RETURNS` times during calm breaks it; the message names the writers and what
//! alternates.
//!
//! Only writes of desired state count (`update`, not `update status`): observed state moves
//! with the world (a quota's `status.used` goes up and down as pods come and go, and the
//! quota controller's recount from a lagging cache briefly undercounts a pod the admission
//! plugin has just charged), which is not a fight.

use crate::check::{Invariant, InvariantKind};
use crate::kube::{Obj, ObjId, Verb};
use crate::sim::World;
use std::collections::hash_map::DefaultHasher;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// Returns to the previous state allowed during calm before an object counts as flapping.
pub const MAX_RETURNS: u32 = 3;

#[derive(Default)]
pub struct Flapping {
    /// Per object: the state before its last change, its state now, returns counted, and
    /// the writers of the changes.
    seen: BTreeMap<ObjId, Track>,
}

struct Track {
    prev: u64,
    cur: u64,
    returns: u32,
    writers: Vec<String>,
}

/// An object's state as far as flapping goes: labels, annotations and body (not its
/// resourceVersion, which every write moves).
fn state(o: &Obj) -> u64 {
    let mut h = DefaultHasher::new();
    o.meta.labels.hash(&mut h);
    o.meta.annotations.hash(&mut h);
    o.meta.deletion_timestamp.hash(&mut h);
    o.body.hash(&mut h);
    h.finish()
}

/// The part of `b`'s debug text that differs from `a`'s, shortened.
fn what_differs(a: &Obj, b: &Obj) -> String {
    let (a, b): (Vec<char>, Vec<char>) = (
        format!("{:?}", a.body).chars().collect(),
        format!("{:?}", b.body).chars().collect(),
    );
    let pre = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..]
        .iter()
        .rev()
        .zip(b[pre..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let cut = |s: &[char]| -> String {
        let mid: String = s[pre..s.len() - suf].iter().take(60).collect();
        if mid.is_empty() {
            "(labels or annotations)".to_string()
        } else {
            mid
        }
    };
    format!("{} and {}", cut(&a), cut(&b))
}

impl Invariant for Flapping {
    fn name(&self) -> &'static str {
        "flapping"
    }
    fn kind(&self) -> InvariantKind {
        InvariantKind::Always
    }

    fn after_step(&mut self, w: &mut World) -> Option<String> {
        if w.sim.now() < w.calm_at {
            return None;
        }
        for r in &w.cluster.api.records {
            let (Verb::Update, Ok(()), Some(before), Some(after)) =
                (r.verb, &r.result, &r.before, &r.after)
            else {
                continue;
            };
            let Some(id) = w.cluster.api.store.id_of(r.kind, &r.namespace, &r.name) else {
                continue;
            };
            let (old, new) = (state(before), state(after));
            if old == new {
                continue;
            }
            let t = self.seen.entry(id).or_insert(Track {
                prev: old,
                cur: old,
                returns: 0,
                writers: Vec::new(),
            });
            if new == t.prev && old == t.cur {
                t.returns += 1;
            }
            (t.prev, t.cur) = (old, new);
            let who = w.cluster.actor_name(r.actor).to_string();
            if !t.writers.contains(&who) {
                t.writers.push(who);
            }
            if t.returns > MAX_RETURNS {
                return Some(format!(
                    "{} {} went back to its previous state {} times during calm (since {}), alternating {}; written by {}",
                    r.kind.name(),
                    after.meta.key(),
                    t.returns,
                    w.calm_at,
                    what_differs(before, after),
                    t.writers.join(", ")
                ));
            }
        }
        None
    }
}
