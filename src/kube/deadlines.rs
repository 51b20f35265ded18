//! Per-object deadlines drawn once through the choice stream: a controller that models a
//! process taking time (a guest shutting down, a pod's containers stopping) waits until a
//! start time plus a duration it draws the first time it looks, and forgets the deadline once
//! it has passed or the process dies (`Reconciler::reset`).

use super::controller::Ctx;
use super::object::ObjId;
use crate::engine::{ChoiceKind, SimDuration, SimTime};
use std::collections::BTreeMap;

/// Deadlines by object id.
#[derive(Default)]
pub struct Deadlines(BTreeMap<ObjId, SimTime>);

impl Deadlines {
    /// How long is left until `key`'s deadline: `start` plus a duration drawn from `range`
    /// (as a `kind` choice) the first time. `None` once it has passed, and then forgotten.
    pub fn left(
        &mut self,
        key: ObjId,
        start: SimTime,
        ctx: &mut Ctx<'_>,
        kind: ChoiceKind,
        range: (SimDuration, SimDuration),
    ) -> Option<SimDuration> {
        let due = *self
            .0
            .entry(key)
            .or_insert_with(|| start + ctx.pick_duration(kind, range));
        if ctx.now < due {
            return Some(due - ctx.now);
        }
        self.0.remove(&key);
        None
    }

    /// Forgets `key`'s deadline (the object is gone).
    pub fn forget(&mut self, key: ObjId) {
        self.0.remove(&key);
    }

    /// Forgets every deadline (the process died).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}
