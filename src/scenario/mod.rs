//! Scenario files: the RON schema, loading with `file:line:column` errors, validation of
//! cross-references, and the version map.

mod action;
pub(crate) mod bootstrap;
mod bootstrap_load;
mod bundled;
mod checkable;
pub(crate) mod echo;
mod field_validation;
pub(crate) mod limits;
mod locate;
pub(crate) mod manifest;
mod range;
pub(crate) mod schema;
mod source;
mod validate;
pub mod version;

pub use action::Refs;
pub use bundled::{bundled, bundled_by_name};
pub use checkable::{deadline_warnings, run_version_checks, verify_checks};
pub use schema::*;
pub use validate::{controllers_of, crashable_processes, known_processes};
pub use version::parse_expect_key;
pub use version::{
    Behaviours, MigrationKey, MigrationQuota, RepoVmCpu, RepoVmPolicy, StorageNetworkCheck, Version,
};

use std::fmt;
use std::path::Path;

/// A bad input: where it is and what was expected. Exit code 2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file the input came from (as the command named it).
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    /// What is wrong and what was expected.
    pub message: String,
}

impl ScenarioError {
    /// An error in `file`, at `position` if it has one.
    pub fn new(file: &str, position: Option<(usize, usize)>, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            position,
            message: message.into(),
        }
    }
}

/// One line whatever the file name or message hold (see `echo`).
impl fmt::Display for ScenarioError {
    /// One line whatever the message quotes: a value from the file may hold a newline (a RON
    /// string can span lines), shown escaped as `\n` (found by fuzzing, helper F).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let file = echo::line(&self.file);
        let message = echo::line(&self.message);
        match self.position {
            Some((l, c)) => write!(f, "{file}:{l}:{c}: {message}"),
            None => write!(f, "{file}: {message}"),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// How a scenario is loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadOptions {
    /// Manifest files may be anywhere: an absolute path, `..`, or a symlink out of the
    /// scenario's folder. Off by default, so a scenario from elsewhere cannot read files
    /// outside its folder (CLI `--allow-outside-manifests`).
    pub allow_outside_manifests: bool,
    /// A manifest field the API server does not know is an input error rather than a
    /// warning (CLI `--strict`, as `kubectl apply --validate=strict`).
    pub strict_fields: bool,
}

/// `FILE:LINE:COLUMN: unknown field "spec.foo"`, one per unknown field in the scenario's
/// manifests, in manifest and document order (the CLI prints each after `warning: `).
pub fn field_warnings(scn: &Scenario) -> Vec<String> {
    scn.bootstrap
        .iter()
        .flat_map(|b| &b.loaded)
        .flat_map(|m| &m.warnings)
        .map(|w| w.to_string())
        .collect()
}

/// Parses and validates scenario text; `file` names it in errors.
pub fn load_str(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
    load_str_with(file, text, LoadOptions::default())
}

/// `load_str` with options.
pub fn load_str_with(file: &str, text: &str, opts: LoadOptions) -> Result<Scenario, ScenarioError> {
    if text.len() as u64 > limits::MAX_FILE_BYTES {
        return Err(source::too_big(file, (1, 1), text.len() as u64));
    }
    // IMPLICIT_SOME: optional fields are written bare (`at: "10s"`); `Some(..)` still works.
    let ron_opts =
        ron::Options::default().with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME);
    let scn: Scenario = ron_opts.from_str(text).map_err(|e| {
        let at = (e.position.line.max(1), e.position.col.max(1));
        ScenarioError::new(file, Some(at), e.code.to_string())
    })?;
    let doc = locate::Doc::parse(text);
    if let Some((at, key, first)) = doc.first_duplicate() {
        return Err(ScenarioError::new(
            file,
            Some(at),
            format!(
                "duplicate key {} (first at line {}, column {}), expected each key once",
                echo::quoted(&key),
                first.0,
                first.1
            ),
        ));
    }
    validate::validate(&scn, file, &doc)?;
    let mut scn = scn;
    bootstrap_load::load(&mut scn, file, text, &doc, opts)?;
    Ok(scn)
}

/// The text of a scenario file on disk (a bounded read of a regular file), or of a bundled
/// scenario by name (`quota-race-agent-restart`).
pub fn read(path: &str) -> Result<String, ScenarioError> {
    if !Path::new(path).exists() {
        if let Some(text) = bundled_by_name(path) {
            return Ok(text.to_string());
        }
    }
    source::read(Path::new(path), path, "the scenario file", (path, (1, 1)))
}

/// Reads a scenario file from disk, or a bundled scenario by name (`quota-race-agent-restart`).
pub fn load(path: &str) -> Result<Scenario, ScenarioError> {
    load_with(path, LoadOptions::default())
}

/// `load` with options.
pub fn load_with(path: &str, opts: LoadOptions) -> Result<Scenario, ScenarioError> {
    load_str_with(path, &read(path)?, opts)
}
