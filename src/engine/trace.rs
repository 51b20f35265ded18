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
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TraceRec {
    pub step: u64,
    pub time: SimTime,
    pub actor: String,
    pub cat: TraceCat,
    pub text: String,
}

#[derive(Default)]
pub struct Trace {
    enabled: bool,
    verbose: bool,
    pub recs: Vec<TraceRec>,
}

impl Trace {
    pub fn new(enabled: bool, verbose: bool) -> Self {
        Trace {
            enabled,
            verbose,
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
    pub fn wants(&self, cat: TraceCat) -> bool {
        self.enabled && (cat != TraceCat::Deliver || self.verbose)
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
            self.recs.push(TraceRec {
                step,
                time,
                actor: actor.to_string(),
                cat,
                text: text(),
            });
        }
    }
}
