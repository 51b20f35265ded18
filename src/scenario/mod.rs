//! Scenario files: the RON schema, loading with `file:line:column` errors, validation of
//! cross-references, and the version map.

pub mod bootstrap;
mod bundled;
mod checkable;
mod locate;
pub mod manifest;
pub mod schema;
mod validate;
pub mod version;

pub use bundled::{bundled, bundled_by_name};
pub use checkable::{deadline_warnings, verify_checks};
pub use schema::*;
pub use version::parse_expect_key;
pub use version::{
    Behaviours, MigrationKey, MigrationQuota, RepoVmCpu, RepoVmPolicy, StorageNetworkCheck, Version,
};

use std::fmt;
use std::path::Path;

/// A bad input: where it is and what was expected. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl ScenarioError {
    pub fn new(file: &str, position: Option<(usize, usize)>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            position,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScenarioError {
    /// One line whatever the message quotes: a value from the file may hold a newline (a RON
    /// string can span lines), shown escaped as `\n` (found by fuzzing, helper F).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let message = one_line(&self.message);
        match self.position {
            Some((l, c)) => write!(f, "{}:{}:{}: {message}", self.file, l, c),
            None => write!(f, "{}: {message}", self.file),
        }
    }
}

/// `text` with line breaks and other control characters escaped.
fn one_line(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return text.into();
    }
    let mut s = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if c.is_control() => s.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => s.push(c),
        }
    }
    s.into()
}

impl std::error::Error for ScenarioError {}

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_str(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    // IMPLICIT_SOME: optional fields are written bare (`at: "10s"`); `Some(..)` still works.
    let opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let scn: Scenario = opts.from_str(text).map_err(|e| {
        ScenarioError::new(
            file,
            Some((e.position.line, e.position.col)),
            e.code.to_string(),
        )
    })?;
    validate::validate(&scn, file, text)?;
    let mut scn = scn;
    bootstrap::load(&mut scn, file, text)?;
    Ok(scn)
}

/// The text of a scenario file on disk, or of a bundled scenario by name
/// (`quota-race-agent-restart`).
pub fn read(path: &str) -> Result<String, ScenarioError> {
    if !Path::new(path).exists() {
        if let Some(text) = bundled_by_name(path) {
            return Ok(text.to_string());
        }
    }
    std::fs::read_to_string(path)
        .map_err(|e| ScenarioError::new(path, None, format!("cannot read the scenario file: {e}")))
}

/// Reads and loads a scenario file from disk, or a bundled scenario by name.
pub fn load(path: &str) -> Result<Scenario, ScenarioError> {
    load_str(path, &read(path)?)
}
