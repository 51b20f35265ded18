//! The subcommands, one file each: its flags (a clap `Args` struct) and a `run` that loads
//! the input, calls the library, prints what `report` renders and returns the exit code.
//! What several subcommands share (loading a scenario with `--version`, recording inputs so
//! no output overwrites them, the error line) is here.

mod completions;
mod explore;
mod hunt;
mod list;
mod merge;
mod new;
mod plot;
mod replay;
mod run;
mod shrink;
mod suggest;
mod verify;

use crate::report::output::Outputs;
use crate::scenario::{self, Scenario, ScenarioError, Version};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
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
        if let crate::scenario::bootstrap::ManifestSource::File(p) = m {
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
    print_field_warnings(&scn);
    let version = parse_version(file, version, &scn)?;
    scenario::run_version_checks(&scn, file, &text, version)?;
    for w in scenario::deadline_warnings(&scn, file, &text) {
        errln!("{w}");
    }
    Ok((scn, version))
}

/// `warning: FILE:LINE:COLUMN: unknown field "spec.foo"`, once per unknown manifest field.
pub fn print_field_warnings(scn: &Scenario) {
    for w in scenario::field_warnings(scn) {
        errln!("warning: {w}");
    }
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

pub(crate) fn load_options() -> scenario::LoadOptions {
    LOAD_OPTIONS.get().copied().unwrap_or_default()
}

#[derive(Parser)]
#[command(
    name = "hvsim",
    version,
    about = "Deterministic simulator of a Harvester cluster's control plane"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Let a scenario's manifest files lie outside its folder (absolute paths, `..`,
    /// symlinks out); by default they must be inside it.
    #[arg(long, global = true)]
    allow_outside_manifests: bool,
    /// A manifest field the API server does not know (for Namespace, PersistentVolumeClaim
    /// and VirtualMachine) is an error (exit 2) instead of a warning: `unknown field
    /// "spec.foo"`, as with the API server's `fieldValidation=Strict`.
    #[arg(long, global = true)]
    strict: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one seed of a scenario and print the numbered timeline and the verdict.
    Run(run::Args),
    /// Explore interleavings: sweep seeds with a strategy and summarize what broke.
    Explore(explore::Args),
    /// Shrink a violating seed to a small repro and write NAME.repro.ron.
    Shrink(shrink::Args),
    /// Replay a repro file: the timeline, and whether the same violation happens at the same step.
    ///
    /// Exit 1: reproduced (the violation happens: the same invariant at the same step, or
    /// with --version the same invariant at any step); 3: not reproduced (every invariant
    /// held, or another broke; nothing is written); 2: bad input or usage.
    Replay(replay::Args),
    /// Hunt for bugs nobody named: sweep seeds with the generic oracles (leftovers,
    /// workload-safety, progress, views-converge, flapping) beside the scenario's own
    /// invariants, group what broke and shrink one run per group to a repro.
    /// Exit 0: nothing broke; 1: something did; 2: bad input.
    Hunt(hunt::Args),
    /// Join result files of a sharded sweep into one summary.
    Merge(merge::Args),
    /// Draw a sweep's summary as SVG from a results file (`explore --out`).
    Plot(plot::Args),
    /// Sweep each scenario's `expect` block and print expected vs observed.
    Verify(verify::Args),
    /// List the bundled scenarios (description, versions their `expect` block names) and
    /// the Harvester versions hvsim knows.
    List(list::Args),
    /// Write NAME.ron, a commented scenario skeleton that `hvsim run NAME.ron` runs.
    /// Refuses to overwrite an existing file (exit 2).
    New(new::Args),
    /// Print a shell completion script: `hvsim completions bash > ~/.local/share/bash-completion/completions/hvsim`.
    Completions(completions::Args),
}

/// Parses the command line and runs the subcommand; the process exit code is its result.
pub fn main() -> ExitCode {
    let args = Cli::parse();
    set_load_options(crate::scenario::LoadOptions {
        allow_outside_manifests: args.allow_outside_manifests,
        strict_fields: args.strict,
    });
    let code = match args.cmd {
        Cmd::Run(a) => run::run(a),
        Cmd::Explore(a) => explore::run(a),
        Cmd::Shrink(a) => shrink::run(a),
        Cmd::Replay(a) => replay::run(a),
        Cmd::Hunt(a) => hunt::run(a),
        Cmd::Merge(a) => merge::run(a),
        Cmd::Plot(a) => plot::run(a),
        Cmd::Verify(a) => verify::run(a),
        Cmd::List(a) => list::run(a),
        Cmd::New(a) => new::run(a),
        Cmd::Completions(a) => completions::run(a, Cli::command()),
    };
    // A closed pipe is no error (the code stays the command's); any other failure to print is.
    if let Some(e) = crate::report::output::stdout_error() {
        errln!("error: cannot write to stdout: {e}");
        return ExitCode::from(2);
    }
    code
}
