//! The trace sink. Off in sweeps (recording costs one branch); on for `run`/`replay`.
//!
//! A trace holds at most [`TRACE_HEAD`] + [`TRACE_TAIL`] records whatever the run's length:
//! the first records as they come, then a ring of the latest ones, so a livelocked run
//! (a stuck upgrade polling for days of virtual time) shows how it started and how it is
//! looping, in bounded memory and output, and [`Trace::take_recs`] puts one line between
//! the two saying how many records were left out.

use super::time::SimTime;
use std::collections::VecDeque;

/// Records a trace keeps from the start of a run. The longest bundled run traces about
/// 3,000 records with every watch delivery (`upgrade-heterogeneous-cpu`).
pub const TRACE_HEAD: usize = 50_000;
/// Records a trace keeps from the end of a run, once the head is full.
pub const TRACE_TAIL: usize = 2_000;
/// The actor of the line that stands for the records left out.
pub const TRACE_OMITTED_ACTOR: &str = "hvsim";

/// What a trace record is about: which line of the timeline, or which track of a trace file.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum TraceCat {
    /// A timeline action from the scenario (a user or operator doing something).
    Action,
    /// An injected fault: a process killed, a pod deleted.
    Fault,
    /// A process (re)started and listed its informers.
    Start,
    /// A reconcile finished (and what it concluded).
    Reconcile,
    /// An API write and its result.
    Write,
    /// A watch event delivered into an informer cache (verbose only).
    Deliver,
    /// Something a component logged or emitted as an Event.
    Log,
    /// A reconcile as a span from taking the key to finishing (full traces only; not shown
    /// in the text timeline).
    Slice,
}

/// The object a record is about, named alike on writes, watch deliveries and reconciles.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct TraceObj {
    /// The full kind name (`VirtualMachineInstanceMigration`; an unmodelled object's own).
    pub kind: String,
    /// The API resource (`virtualmachineinstancemigrations.kubevirt.io`, `resourcequotas`).
    pub resource: String,
    /// Empty for a cluster-scoped object.
    pub namespace: String,
    /// `metadata.name`, or `#id` for a key whose object is gone from cache and store.
    pub name: String,
}

impl std::fmt::Display for TraceObj {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One line of the timeline (or one span or event of a full trace).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TraceRec {
    /// The engine step that recorded it.
    pub step: u64,
    /// The virtual time it happened (a span's end).
    pub time: SimTime,
    /// Who acted: a process, a node's agent, the user, or `hvsim`.
    pub actor: String,
    /// What kind of record it is.
    pub cat: TraceCat,
    /// The line's text.
    pub text: String,
    /// For spans (`Slice`): when the span began; `time` is its end.
    pub start: Option<SimTime>,
    /// Causality: this record was caused by the record whose `flow_id` this is (a watch
    /// delivery by the write that produced it, a reconcile by the delivery that enqueued its
    /// key, a write by the reconcile that made it).
    pub flow_from: Option<u64>,
    /// This record's id, for `flow_from` links to it (full traces only).
    pub flow_id: Option<u64>,
    /// The object concerned, when there is one.
    pub object: Option<TraceObj>,
    /// HTTP code of an API request (0 when not a request).
    pub code: u16,
    /// An API request's verb as the audit log names it (`create`, `update`, `delete`), a
    /// watch event's type (`MODIFIED`, `DELETED`), or empty.
    pub verb: &'static str,
    /// `status` for a request to the status subresource, else empty.
    pub subresource: &'static str,
    /// The resourceVersion a write produced or a delivery carried (0 when none).
    pub resource_version: u64,
    /// The controller of a reconcile slice or reconcile error line, else empty.
    pub controller: &'static str,
}

impl TraceRec {
    /// A record with no span, links, object or code.
    pub fn new(step: u64, time: SimTime, actor: &str, cat: TraceCat, text: String) -> Self {
        TraceRec {
            step,
            time,
            actor: actor.to_string(),
            cat,
            text,
            start: None,
            flow_from: None,
            flow_id: None,
            object: None,
            code: 0,
            verb: "",
            subresource: "",
            resource_version: 0,
            controller: "",
        }
    }
}

/// A run's timeline: the first records and the last ones, with a count of those left out between.
#[derive(Default)]
pub struct Trace {
    enabled: bool,
    verbose: bool,
    full: bool,
    /// The first records of the run (at most `TRACE_HEAD`).
    pub recs: Vec<TraceRec>,
    /// The latest records once `recs` is full (at most `TRACE_TAIL`).
    tail: VecDeque<TraceRec>,
    /// Records dropped from the front of `tail`: neither head nor tail holds them.
    omitted: u64,
    /// The first record left out, to place the omission line.
    first_omitted: Option<(u64, SimTime)>,
}

impl Trace {
    /// A trace that records (`enabled`) the timeline, with watch deliveries too when `verbose`.
    pub fn new(enabled: bool, verbose: bool) -> Self {
        Trace {
            enabled,
            verbose,
            full: false,
            ..Trace::default()
        }
    }

    /// Records everything: also every watch delivery and every reconcile as a span, with
    /// causality links (what a Perfetto trace shows).
    pub fn full() -> Self {
        Trace {
            enabled: true,
            verbose: false,
            full: true,
            ..Trace::default()
        }
    }

    /// A trace that records nothing.
    pub fn off() -> Self {
        Trace::default()
    }

    /// Whether a record of `cat` would be kept: callers skip building its text when not.
    #[inline]
    pub fn wants(&self, cat: TraceCat) -> bool {
        self.enabled
            && match cat {
                TraceCat::Deliver => self.verbose || self.full,
                TraceCat::Slice => self.full,
                _ => true,
            }
    }

    /// Records a line; `text` is only built when the category is wanted.
    #[inline]
    pub fn emit(
        &mut self,
        step: u64,
        time: SimTime,
        actor: &str,
        cat: TraceCat,
        text: impl FnOnce() -> String,
    ) {
        if self.wants(cat) {
            self.keep(TraceRec::new(step, time, actor, cat, text()));
        }
    }

    /// Records a structured record (the caller checked `wants`).
    pub fn push(&mut self, rec: TraceRec) {
        if self.wants(rec.cat) {
            self.keep(rec);
        }
    }

    fn keep(&mut self, rec: TraceRec) {
        if self.recs.len() < TRACE_HEAD {
            self.recs.push(rec);
            return;
        }
        if self.tail.len() == TRACE_TAIL {
            let gone = self.tail.pop_front().expect("a full tail");
            self.first_omitted.get_or_insert((gone.step, gone.time));
            self.omitted += 1;
        }
        self.tail.push_back(rec);
    }

    /// Records left out between the head and the tail.
    pub fn omitted(&self) -> u64 {
        self.omitted
    }

    /// The kept records in order; where records were left out, one `Log` record of actor
    /// [`TRACE_OMITTED_ACTOR`] stands in their place and says how many.
    pub fn take_recs(&mut self) -> Vec<TraceRec> {
        let mut out = std::mem::take(&mut self.recs);
        if let Some((step, time)) = self.first_omitted.take() {
            out.push(TraceRec::new(
                step,
                time,
                TRACE_OMITTED_ACTOR,
                TraceCat::Log,
                format!(
                    "... {} trace records left out: a trace keeps the first {TRACE_HEAD} and the last {TRACE_TAIL} ...",
                    self.omitted
                ),
            ));
        }
        out.extend(std::mem::take(&mut self.tail));
        self.omitted = 0;
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(n: usize) -> Trace {
        let mut t = Trace::new(true, false);
        for i in 0..n as u64 {
            t.emit(i, SimTime(i), "a", TraceCat::Log, || format!("line {i}"));
        }
        t
    }

    #[test]
    fn a_trace_within_its_head_keeps_every_record_and_adds_no_omission_line() {
        let mut t = fill(TRACE_HEAD);
        let recs = t.take_recs();
        assert_eq!(recs.len(), TRACE_HEAD);
        assert_eq!(
            recs.last().unwrap().text,
            format!("line {}", TRACE_HEAD - 1)
        );
    }

    #[test]
    fn a_long_trace_keeps_its_head_and_tail_and_counts_what_it_left_out() {
        let n = TRACE_HEAD + TRACE_TAIL + 12_345;
        let mut t = fill(n);
        assert_eq!(t.omitted(), 12_345);
        let recs = t.take_recs();
        assert_eq!(recs.len(), TRACE_HEAD + 1 + TRACE_TAIL);
        let gap = &recs[TRACE_HEAD];
        assert_eq!(gap.actor, TRACE_OMITTED_ACTOR);
        assert_eq!(
            gap.step, TRACE_HEAD as u64,
            "placed at the first record left out"
        );
        assert_eq!(
            gap.text,
            "... 12345 trace records left out: a trace keeps the first 50000 and the last 2000 ..."
        );
        assert_eq!(
            recs[TRACE_HEAD + 1].text,
            format!("line {}", TRACE_HEAD + 12_345)
        );
        assert_eq!(recs.last().unwrap().text, format!("line {}", n - 1));
    }
}
