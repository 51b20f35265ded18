//! One fuzz input, end to end: the scenario loader, and for a scenario that loads, one
//! bounded seeded run with a full trace rendered by every text and JSON report. The
//! cargo-fuzz target (`fuzz/`), the stable mutation fuzzer (`examples/fuzz_scenarios.rs`)
//! and the corpus replay test (`tests/corpus.rs`) all drive this one function, so a crash
//! one finds replays in the others.
//!
//! What counts as a finding: a panic (the caller catches it), a loader error that is not
//! the one-line `FILE:LINE:COLUMN: message` form, or a run that stops for a reason other
//! than a verdict (it cannot: see `StopReason`).

use crate::check::run_seed;
use crate::engine::Trace;
use crate::report::{json, perfetto, timeline};
use crate::scenario::load_str;

/// Events a fuzzed run may take at most, whatever the scenario's `budget`: enough for every
/// bundled scenario's interesting part, small enough that an input runs in milliseconds.
pub const FUZZ_BUDGET: u64 = 20_000;

/// The name inputs are loaded under (errors start with it).
pub const FUZZ_FILE: &str = "fuzz.ron";

/// What became of one fuzz input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The loader refused the input with this one-line message.
    Rejected(String),
    /// The loader refused the input, but its message breaks the error format (it spans
    /// lines, or does not start with the file name).
    BadError(String),
    /// The scenario loaded and the run ended with this verdict line.
    Ran {
        /// The timeline's `verdict: ...` line.
        verdict: String,
        /// Events the run took.
        steps: u64,
    },
}

/// Loads `text`, and if it loads, runs seed 0 within [`FUZZ_BUDGET`] events with a full trace
/// and renders the timeline, the JSON run document and the Perfetto trace.
pub fn one_input(text: &str) -> Outcome {
    let mut scn = match load_str(FUZZ_FILE, text) {
        Ok(s) => s,
        Err(e) => {
            let line = e.to_string();
            let one_line = !line.contains('\n') && line.starts_with(FUZZ_FILE);
            return if one_line {
                Outcome::Rejected(line)
            } else {
                Outcome::BadError(line)
            };
        }
    };
    scn.budget = scn.budget.min(FUZZ_BUDGET);
    let version = scn.harvester;
    let out = run_seed(&scn, version, 0, Trace::full());
    let h = timeline::Header {
        scenario: &scn.name,
        version: version.to_string(),
        seed: Some(0),
        file: FUZZ_FILE,
        how: String::new(),
    };
    let text = timeline::render(&h, &out);
    let doc = json::to_text(&json::run_doc(
        &scn.name,
        &version.to_string(),
        0,
        "random",
        &out,
    ));
    let trace = perfetto::export(&out.trace);
    std::hint::black_box((&doc, &trace));
    let verdict = text
        .lines()
        .find(|l| l.starts_with("verdict: "))
        .unwrap_or_default()
        .to_string();
    Outcome::Ran {
        verdict,
        steps: out.steps,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundled_scenario_runs_to_a_verdict_within_the_fuzz_budget() {
        let text = crate::scenario::bundled_by_name("quota-race-agent-restart").unwrap();
        match one_input(text) {
            Outcome::Ran { verdict, steps } => {
                assert!(verdict.starts_with("verdict: "), "{verdict}");
                assert!(steps <= FUZZ_BUDGET);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn malformed_text_is_rejected_with_one_line_naming_the_place() {
        assert_eq!(
            one_input("Scenario("),
            Outcome::Rejected("fuzz.ron:1:10: Unexpected end of RON".into())
        );
    }
}
