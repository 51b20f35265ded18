//! Repro files (`NAME.repro.ron`): a shrunk scenario, the version, the violated invariant and
//! its step, and the answer list. Replaying the answers with [`ReplayChoices`] reproduces the
//! run exactly, so the file is a failing schedule one can paste into a bug report or a test.
//!
//! ```text
//! Repro(
//!     scenario: Scenario(name: "quota-race-agent-restart", ...),
//!     version: "v1.4.1",
//!     invariant: "quota-converges",
//!     step: 41,
//!     answers: [0, 0, 17, ...],
//! )
//! ```

use super::shrink::ShrinkResult;
use crate::check::{run, RunOutcome, Violation};
use crate::engine::{ReplayChoices, Trace};
use crate::scenario::{self, Scenario, ScenarioError, Version};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::{Path, PathBuf};

/// The invariant the checker adds to every scenario (`within-budget`).
const BUILT_IN_INVARIANTS: &[&str] = &["within-budget"];

/// A repro file: a shrunk run, whole, replayable without the original scenario or seed.
#[derive(Serialize, Deserialize, Debug, Clone)]
#[serde(deny_unknown_fields)]
pub struct Repro {
    /// The reduced scenario, whole, so the file replays without the original.
    pub scenario: Scenario,
    /// The version the run uses.
    pub version: Version,
    /// The invariant the run violates, and the step at which it does.
    pub invariant: String,
    /// The step at which the run violates it.
    pub step: u64,
    /// The run's answers, in order (see [`crate::engine::Choices`]).
    pub answers: Vec<u64>,
}

impl Repro {
    /// The repro of a shrink's result.
    pub fn from_shrink(r: &ShrinkResult) -> Repro {
        Repro {
            scenario: r.scenario.clone(),
            version: r.version,
            invariant: r.violation.invariant.clone(),
            step: r.violation.step,
            answers: r.answers.clone(),
        }
    }
}

/// `DIR/NAME.repro.ron`, NAME being the scenario's name.
pub fn default_path(dir: &Path, scenario_name: &str) -> PathBuf {
    dir.join(format!("{scenario_name}.repro.ron"))
}

/// The file's text: a comment saying what it is, then the RON.
pub fn to_text(repro: &Repro) -> String {
    // One answer per line would make the file hundreds of lines long; lists stay on one
    // line, structs are spread out.
    let cfg = ron::ser::PrettyConfig::new()
        .struct_names(true)
        .compact_arrays(true);
    let body = ron::ser::to_string_pretty(repro, cfg).expect("a repro always serializes");
    format!(
        "// hvsim repro: {} violates {} at step {} on {}. Replay it with `hvsim replay` on this file.\n{body}\n",
        repro.scenario.name, repro.invariant, repro.step, repro.version
    )
}

/// Writes the repro atomically (see `crate::atomic_write`), so a crash or a full disk
/// never leaves a half-written repro behind.
pub fn write(path: &Path, repro: &Repro) -> Result<(), ScenarioError> {
    crate::atomic_write::write_atomic(path, to_text(repro).as_bytes()).map_err(|e| {
        ScenarioError::new(
            &path.display().to_string(),
            None,
            format!("cannot write the repro file: {e}"),
        )
    })
}

/// Reads a repro file. Errors name the file, and the line and column when there is one.
pub fn load(path: &str) -> Result<Repro, ScenarioError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(path, None, format!("cannot read the repro file: {e}")))?;
    load_str(path, &text)
}

/// Parses repro text; `file` names it in errors. The embedded scenario is validated as a
/// scenario file would be, and the invariant must be one the scenario checks.
pub fn load_str(file: &str, text: &str) -> Result<Repro, ScenarioError> {
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let repro: Repro = opts.from_str(text).map_err(|e| {
        ScenarioError::new(
            file,
            Some((e.position.line, e.position.col)),
            format!(
                "{} (a repro file reads Repro(scenario: Scenario(..), version: \"vX.Y.Z\", invariant: \"..\", step: N, answers: [..]))",
                e.code
            ),
        )
    })?;
    // The scenario's own checks (references, names, limits) run on its text alone; a
    // problem is reported at the `scenario:` field of this file.
    let scn_text = ron::to_string(&repro.scenario).expect("a scenario always serializes");
    if let Err(e) = scenario::load_str(file, &scn_text) {
        return Err(ScenarioError::new(
            file,
            field_position(text, "scenario"),
            format!("the repro's scenario is invalid: {}", e.message),
        ));
    }
    let declared: Vec<&str> = repro
        .scenario
        .invariants
        .iter()
        .map(|i| i.name())
        .chain(BUILT_IN_INVARIANTS.iter().copied())
        .collect();
    if !declared.contains(&repro.invariant.as_str()) {
        return Err(ScenarioError::new(
            file,
            field_position(text, "invariant"),
            format!(
                "invariant \"{}\" is not checked by the repro's scenario, expected one of {}",
                repro.invariant,
                declared
                    .iter()
                    .map(|d| format!("\"{d}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if repro.step == 0 {
        return Err(ScenarioError::new(
            file,
            field_position(text, "step"),
            "step 0, expected the step of the violation (1 or more)",
        ));
    }
    Ok(repro)
}

/// Line and column of a top-level `name:` field as `to_text` writes it (one field a line).
fn field_position(text: &str, name: &str) -> Option<(usize, usize)> {
    let key = format!("{name}:");
    text.lines().enumerate().find_map(|(i, line)| {
        let trimmed = line.trim_start();
        trimmed
            .starts_with(&key)
            .then(|| (i + 1, line.len() - trimmed.len() + 1))
    })
}

/// Replays the repro with tracing on (watch deliveries too when `verbose`).
pub fn replay(repro: &Repro) -> RunOutcome {
    replay_with(repro, Trace::new(true, false))
}

pub(crate) fn replay_with(repro: &Repro, trace: Trace) -> RunOutcome {
    run(
        &repro.scenario,
        repro.version,
        Box::new(ReplayChoices::new(repro.answers.clone())),
        trace,
    )
}

/// How a replay failed to reproduce its repro.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mismatch {
    /// Every invariant held.
    Held {
        /// Events the replay took.
        steps: u64,
    },
    /// Another invariant was violated.
    OtherInvariant {
        /// The invariant the repro names.
        expected: String,
        /// The invariant the replay violated.
        got: String,
        /// The step at which it did.
        step: u64,
    },
    /// The invariant was violated, at another step.
    OtherStep {
        /// The invariant violated.
        invariant: String,
        /// The step the repro names.
        expected: u64,
        /// The step the replay violated it at.
        got: u64,
    },
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Mismatch::Held { steps } => write!(
                f,
                "the repro did not reproduce: every invariant held ({steps} steps)"
            ),
            Mismatch::OtherInvariant {
                expected,
                got,
                step,
            } => write!(
                f,
                "the repro did not reproduce: {got} was violated at step {step}, expected {expected}"
            ),
            Mismatch::OtherStep {
                invariant,
                expected,
                got,
            } => write!(
                f,
                "the repro did not reproduce exactly: {invariant} was violated at step {got}, expected step {expected}"
            ),
        }
    }
}

impl std::error::Error for Mismatch {}

/// The replay's violation if it is the repro's invariant at the repro's step.
pub fn check_replay<'a>(repro: &Repro, out: &'a RunOutcome) -> Result<&'a Violation, Mismatch> {
    let Some(v) = &out.violation else {
        return Err(Mismatch::Held { steps: out.steps });
    };
    if v.invariant != repro.invariant {
        return Err(Mismatch::OtherInvariant {
            expected: repro.invariant.clone(),
            got: v.invariant.clone(),
            step: v.step,
        });
    }
    if v.step != repro.step {
        return Err(Mismatch::OtherStep {
            invariant: v.invariant.clone(),
            expected: repro.step,
            got: v.step,
        });
    }
    Ok(v)
}
