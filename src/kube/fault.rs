//! A write-level fault point: crash a controller process right after the i-th API write of
//! one of its reconciles (Sieve's "intermediate states", Sun et al., OSDI '22). A real
//! controller that dies between two writes of one reconcile leaves the cluster in a state no
//! complete reconcile produces; after its restart it must finish or repair that state from
//! what it lists.
//!
//! The runtime asks `Faults` before each reconcile which write (if any) to crash after
//! (`begin`), counts the accepted writes through the reconcile's `WriteGate`, and tells
//! `Faults` how many there were (`end`). The gate is the only way a handler writes
//! (`Ctx::create` and the rest go through it), and once it has crashed it refuses every
//! further write with `ApiError::ProcessDown` before the request is made, so nothing of the
//! rest of that reconcile reaches the API server whatever the handler does with the error.
//!
//! Record mode counts, per process and controller, how many reconciles made at least i
//! writes, so a sweep can enumerate every crash point a run has (`hvsim hunt --crash-points`).

use super::api::{ApiRecord, Verb};
use super::object::Kind;
use std::collections::BTreeMap;

/// Crash `process` right after write `write` (from 1) of the `reconcile`-th (from 1)
/// reconcile, counted from when the point is armed, of `controller` (any controller of the
/// process if `None`) that makes at least `write` accepted writes. It fires once.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CrashPoint {
    /// The process's index in the cluster.
    pub process: u16,
    /// The controller whose reconcile crashes it, or any of the process's.
    pub controller: Option<String>,
    /// After which accepted write of the reconcile (from 1).
    pub write: u32,
    /// Which reconcile reaching `write`, counted from when the point is armed (from 1).
    pub reconcile: u32,
}

#[derive(Hash)]
struct Armed {
    point: CrashPoint,
    /// Reconciles of its controller that reached `write` writes since it was armed.
    reached: u32,
}

/// Per controller of a process, how many reconciles made at least i writes (index i-1):
/// its length is the most writes any one reconcile made.
pub type WriteTally = BTreeMap<(String, &'static str), Vec<u32>>;

/// The crash points armed on a cluster, and the record-mode tally.
#[derive(Default)]
pub struct Faults {
    armed: Vec<Armed>,
    record: Option<WriteTally>,
}

impl Faults {
    pub fn arm(&mut self, point: CrashPoint) {
        debug_assert!(point.write >= 1 && point.reconcile >= 1);
        self.armed.push(Armed { point, reached: 0 });
    }

    /// Crash points armed and not fired yet.
    pub fn armed(&self) -> usize {
        self.armed.len()
    }

    /// Hashes the armed points and their counts (what decides which reconcile crashes).
    pub fn hash_into<H: std::hash::Hasher>(&self, h: &mut H) {
        std::hash::Hash::hash(&self.armed, h);
    }

    /// Starts counting writes per reconcile (record mode).
    pub fn record(&mut self) {
        self.record.get_or_insert_with(BTreeMap::new);
    }

    /// The record-mode tally (empty unless `record` was called).
    pub fn tally(&self) -> WriteTally {
        self.record.clone().unwrap_or_default()
    }

    fn matches(a: &Armed, proc: u16, ctrl: &str) -> bool {
        a.point.process == proc && a.point.controller.as_deref().is_none_or(|c| c == ctrl)
    }

    /// The gate for a reconcile of `ctrl` in `proc` about to run: it crashes after the
    /// earliest write of an armed point whose turn this reconcile is.
    pub fn begin(&self, proc: u16, ctrl: &str) -> WriteGate {
        let due = self
            .armed
            .iter()
            .enumerate()
            .filter(|(_, a)| Self::matches(a, proc, ctrl) && a.reached + 1 == a.point.reconcile)
            .min_by_key(|(_, a)| a.point.write)
            .map(|(i, a)| (i, a.point.write));
        WriteGate {
            due,
            writes: 0,
            crashed: None,
        }
    }

    /// A reconcile ended (or crashed) after `gate.writes` accepted writes: counts it for
    /// every armed point it reached and disarms the one that fired.
    pub fn end(&mut self, proc: u16, proc_name: &str, ctrl: &'static str, gate: &WriteGate) {
        if let Some(t) = &mut self.record {
            let v = t.entry((proc_name.to_string(), ctrl)).or_default();
            if v.len() < gate.writes as usize {
                v.resize(gate.writes as usize, 0);
            }
            for n in v.iter_mut().take(gate.writes as usize) {
                *n += 1;
            }
        }
        let fired = gate.crashed.as_ref().and(gate.due).map(|(i, _)| i);
        for a in self.armed.iter_mut() {
            if Self::matches(a, proc, ctrl) && gate.writes >= a.point.write {
                a.reached += 1;
            }
        }
        if let Some(i) = fired {
            self.armed.remove(i);
        }
    }
}

/// The write that a crash came right after, for the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Crash {
    pub write: u32,
    pub verb: Verb,
    pub kind: Kind,
    /// `namespace/name`, or the name of a cluster-scoped object.
    pub object: String,
}

impl Crash {
    /// `update resourcequotas ns1/default-abcde`.
    pub fn request(&self) -> String {
        let verb = match self.verb {
            Verb::Create => "create",
            Verb::Update => "update",
            Verb::UpdateStatus => "update status of",
            Verb::Delete => "delete",
        };
        format!("{verb} {} {}", self.kind.plural(), self.object)
    }
}

/// One reconcile's count of accepted writes, and its crash once the due write is made.
pub struct WriteGate {
    /// The armed point (index) whose turn this reconcile is, and its write.
    due: Option<(usize, u32)>,
    pub writes: u32,
    pub crashed: Option<Crash>,
}

impl WriteGate {
    /// A gate that never crashes (a reconcile no point is armed for).
    pub fn open() -> WriteGate {
        WriteGate {
            due: None,
            writes: 0,
            crashed: None,
        }
    }

    /// Whether the process has crashed in this reconcile: no request may be made.
    pub fn down(&self) -> bool {
        self.crashed.is_some()
    }

    /// The API server accepted `rec`: counts it, and crashes right after it if it is the
    /// due write.
    pub fn accepted(&mut self, rec: &ApiRecord) {
        self.writes += 1;
        if self.due.map(|(_, w)| w) == Some(self.writes) {
            let object = if rec.namespace.is_empty() {
                rec.name.to_string()
            } else {
                format!("{}/{}", rec.namespace, rec.name)
            };
            self.crashed = Some(Crash {
                write: self.writes,
                verb: rec.verb,
                kind: rec.kind,
                object,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(controller: Option<&str>, write: u32, reconcile: u32) -> CrashPoint {
        CrashPoint {
            process: 1,
            controller: controller.map(String::from),
            write,
            reconcile,
        }
    }

    fn rec() -> ApiRecord {
        ApiRecord {
            actor: 0,
            verb: Verb::Update,
            kind: Kind::ResourceQuota,
            name: "default-abcde".into(),
            namespace: "ns1".into(),
            before: None,
            after: None,
            result: Ok(()),
        }
    }

    /// Runs one reconcile of `ctrl` that makes `writes` accepted writes (stopping at a
    /// crash); whether it crashed.
    fn reconcile(f: &mut Faults, ctrl: &'static str, writes: u32) -> Option<Crash> {
        let mut g = f.begin(1, ctrl);
        for _ in 0..writes {
            if g.down() {
                break;
            }
            g.accepted(&rec());
        }
        f.end(1, "p", ctrl, &g);
        g.crashed
    }

    #[test]
    fn a_point_fires_on_the_nth_reconcile_that_reaches_its_write_and_only_once() {
        let mut f = Faults::default();
        f.arm(point(Some("a"), 2, 2));
        assert!(
            reconcile(&mut f, "a", 1).is_none(),
            "one write: not reached"
        );
        assert!(reconcile(&mut f, "b", 5).is_none(), "another controller");
        assert!(
            reconcile(&mut f, "a", 3).is_none(),
            "first to reach write 2"
        );
        let c = reconcile(&mut f, "a", 3).expect("second to reach write 2");
        assert_eq!(c.write, 2);
        assert_eq!(c.request(), "update resourcequotas ns1/default-abcde");
        assert_eq!(f.armed(), 0);
        assert!(reconcile(&mut f, "a", 3).is_none());
    }

    #[test]
    fn record_mode_counts_reconciles_reaching_each_write() {
        let mut f = Faults::default();
        f.record();
        for w in [0, 2, 1, 3] {
            reconcile(&mut f, "a", w);
        }
        assert_eq!(f.tally().get(&("p".to_string(), "a")), Some(&vec![3, 2, 1]));
    }
}
