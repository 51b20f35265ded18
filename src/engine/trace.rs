//! The trace sink. Off in sweeps (recording costs one branch); on for `run`/`replay`.

use super::time::SimTime;

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

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TraceRec {
    pub step: u64,
    pub time: SimTime,
    pub actor: String,
    pub cat: TraceCat,
    pub text: String,
    /// For spans (`Slice`): when the span began; `time` is its end.
    pub start: Option<SimTime>,
    /// Causality: this record was caused by the record whose `flow_id` this is (a watch
    /// delivery by the write that produced it, a reconcile by the delivery that enqueued its
    /// key, a write by the reconcile that made it).
    pub flow_from: Option<u64>,
    pub flow_id: Option<u64>,
    /// The object concerned (`kind ns/name`), when there is one.
    pub object: String,
    /// HTTP code of an API request (0 when not a request).
    pub code: u16,
}

impl TraceRec {
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
            object: String::new(),
            code: 0,
        }
    }
}

#[derive(Default)]
pub struct Trace {
    enabled: bool,
    verbose: bool,
    full: bool,
    pub recs: Vec<TraceRec>,
}

impl Trace {
    pub fn new(enabled: bool, verbose: bool) -> Self {
        Trace {
            enabled,
            verbose,
            full: false,
            recs: Vec::new(),
        }
    }

    /// Records everything: also every watch delivery and every reconcile as a span, with
    /// causality links (what a Perfetto trace shows).
    pub fn full() -> Self {
        Trace {
            enabled: true,
            verbose: false,
            full: true,
            recs: Vec::new(),
        }
    }

    pub fn off() -> Self {
        Trace::default()
    }

    #[inline]
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    #[inline]
    pub fn is_full(&self) -> bool {
        self.full
    }

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
            self.recs
                .push(TraceRec::new(step, time, actor, cat, text()));
        }
    }

    /// Records a structured record (the caller checked `wants`).
    pub fn push(&mut self, rec: TraceRec) {
        if self.wants(rec.cat) {
            self.recs.push(rec);
        }
    }
}
