//! The subcommands, one file each: its flags (a clap `Args` struct) and a `run` that loads
//! the input, calls the library, prints what `report` renders and returns the exit code.
//! What several subcommands share (loading a scenario with `--version`, recording inputs so
//! no output overwrites them, the error line) is here.

pub mod completions;
pub mod explore;
pub mod hunt;
pub mod list;
pub mod merge;
pub mod new;
pub mod plot;
pub mod replay;
pub mod run;
pub mod shrink;
mod suggest;
pub mod verify;

use clap::ValueEnum;
use hvsim::report::output::Outputs;
use hvsim::scenario::{self, Scenario, ScenarioError, Version};
use std::path::Path;
use std::process::ExitCode;

/// What `run`, `verify` and `explore` print.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Format {
    /// The human text (default).
    Text,
    /// One JSON document with a versioned schema (see docs/outputs.md).
    Json,
    /// `verify` only: the matrix as a Markdown table.
    Markdown,
}

/// Prints `error: MSG` and gives exit code 2 (bad input or usage).
pub fn input_error(e: impl std::fmt::Display) -> ExitCode {
    errln!("error: {e}");
    ExitCode::from(2)
}

/// Records a scenario's files as inputs: the file itself (a bundled name is none) and the
/// manifest files it reads, so no output flag can overwrite them.
pub fn scenario_inputs(outputs: &mut Outputs, file: &str, scn: &Scenario) {
    outputs.input(file);
    let base = Path::new(file).parent().unwrap_or(Path::new(""));
    for m in scn.bootstrap.iter().flat_map(|b| &b.manifests) {
        if let hvsim::scenario::bootstrap::ManifestSource::File(p) = m {
            outputs.input(base.join(p));
        }
    }
}

/// Loads a scenario (a path or a bundled name) and the version to run: `--version`, or the
/// scenario's `harvester`.
pub fn load_with_version(
    file: &str,
    version: Option<&str>,
) -> Result<(Scenario, Version), ScenarioError> {
    let text = read_scenario(file)?;
    let scn = scenario::load_str_with(file, &text, load_options())?;
    let version = parse_version(file, version, &scn)?;
    scenario::run_version_checks(&scn, file, &text, version)?;
    for w in scenario::deadline_warnings(&scn, file, &text) {
        errln!("{w}");
    }
    Ok((scn, version))
}

/// A scenario's text (`scenario::read`); a name that is no file and no bundled scenario but
/// near one gets `; did you mean NAME?`.
pub fn read_scenario(file: &str) -> Result<String, ScenarioError> {
    scenario::read(file).map_err(|mut e| {
        if let Some(hint) = suggest::bundled_hint(file) {
            e.message.push_str(&hint);
        }
        e
    })
}

/// `--version V` for `file`: a known version (near misses get `; did you mean ..?`).
pub fn parse_version_flag(file: &str, v: &str) -> Result<Version, ScenarioError> {
    Version::parse(v).map_err(|m| {
        let hint = suggest::version_hint(v).unwrap_or_default();
        ScenarioError::new(file, None, format!("--version: {m}{hint}"))
    })
}

fn parse_version(file: &str, v: Option<&str>, scn: &Scenario) -> Result<Version, ScenarioError> {
    match v {
        None => Ok(scn.harvester),
        Some(v) => {
            let v = parse_version_flag(file, v)?;
            match v.upgrade_unmodelled().filter(|_| scn.upgrade.is_some()) {
                Some(m) => Err(ScenarioError::new(file, None, format!("--version: {m}"))),
                None => Ok(v),
            }
        }
    }
}

/// The loader's options from the command line, set once in `main`.
static LOAD_OPTIONS: std::sync::OnceLock<scenario::LoadOptions> = std::sync::OnceLock::new();

/// Sets the loader's options (`--allow-outside-manifests`); the first call wins.
pub fn set_load_options(o: scenario::LoadOptions) {
    let _ = LOAD_OPTIONS.set(o);
}

pub fn load_options() -> scenario::LoadOptions {
    LOAD_OPTIONS.get().copied().unwrap_or_default()
}
