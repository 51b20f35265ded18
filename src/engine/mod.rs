//! The discrete-event engine: virtual time, the event queue, and the one choice stream.
//! It knows nothing of Kubernetes; the world it drives is generic.

mod choices;
mod queue;
mod sim;
mod time;
mod trace;

pub use choices::{Answer, Choice, ChoiceKind, Choices, Recorded, ReplayChoices, SeededChoices};
pub use queue::EventQueue;
pub use sim::{Sim, StopReason, MAX_BUDGET};
pub use time::{SimDuration, SimTime};
pub use trace::{Trace, TraceCat, TraceObj, TraceRec, TRACE_HEAD, TRACE_OMITTED_ACTOR, TRACE_TAIL};
