//! The `hvsim` command line: parse and dispatch. Each subcommand is a file under `cli/`
//! (its flags and what it does); exit codes are 0 held / expectations met, 1 violated /
//! unmet, 2 bad input or usage.

use clap::{CommandFactory, Parser, Subcommand};
use std::process::ExitCode;

// Runs allocate many small strings and maps; mimalloc's per-thread pages make them about
// a third cheaper than glibc's malloc and keep parallel sweeps from contending (README).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Output goes through `report::output`, so a closed pipe ends it quietly (README: Output files).
macro_rules! out {
    ($($t:tt)*) => { hvsim::report::output::out(&format!($($t)*)) };
}
macro_rules! outln {
    ($($t:tt)*) => { hvsim::report::output::out(&format!("{}\n", format_args!($($t)*))) };
}
macro_rules! errln {
    ($($t:tt)*) => { hvsim::report::output::err(&format!("{}\n", format_args!($($t)*))) };
}

mod cli;

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
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one seed of a scenario and print the numbered timeline and the verdict.
    Run(cli::run::Args),
    /// Explore interleavings: sweep seeds with a strategy and summarize what broke.
    Explore(cli::explore::Args),
    /// Shrink a violating seed to a small repro and write NAME.repro.ron.
    Shrink(cli::shrink::Args),
    /// Replay a repro file: the timeline, and whether the same violation happens at the same step.
    ///
    /// Exit 1: reproduced (the violation happens: the same invariant at the same step, or
    /// with --version the same invariant at any step); 3: not reproduced (every invariant
    /// held, or another broke; nothing is written); 2: bad input or usage.
    Replay(cli::replay::Args),
    /// Hunt for bugs nobody named: sweep seeds with the generic oracles (leftovers,
    /// workload-safety, progress, views-converge, flapping) beside the scenario's own
    /// invariants, group what broke and shrink one run per group to a repro.
    /// Exit 0: nothing broke; 1: something did; 2: bad input.
    Hunt(cli::hunt::Args),
    /// Join result files of a sharded sweep into one summary.
    Merge(cli::merge::Args),
    /// Draw a sweep's summary as SVG from a results file (`explore --out`).
    Plot(cli::plot::Args),
    /// Sweep each scenario's `expect` block and print expected vs observed.
    Verify(cli::verify::Args),
    /// List the bundled scenarios (description, versions their `expect` block names) and
    /// the Harvester versions hvsim knows.
    List(cli::list::Args),
    /// Write NAME.ron, a commented scenario skeleton that `hvsim run NAME.ron` runs.
    /// Refuses to overwrite an existing file (exit 2).
    New(cli::new::Args),
    /// Print a shell completion script: `hvsim completions bash > ~/.local/share/bash-completion/completions/hvsim`.
    Completions(cli::completions::Args),
}

fn main() -> ExitCode {
    let args = Cli::parse();
    cli::set_load_options(hvsim::scenario::LoadOptions {
        allow_outside_manifests: args.allow_outside_manifests,
    });
    let code = match args.cmd {
        Cmd::Run(a) => cli::run::run(a),
        Cmd::Explore(a) => cli::explore::run(a),
        Cmd::Shrink(a) => cli::shrink::run(a),
        Cmd::Replay(a) => cli::replay::run(a),
        Cmd::Hunt(a) => cli::hunt::run(a),
        Cmd::Merge(a) => cli::merge::run(a),
        Cmd::Plot(a) => cli::plot::run(a),
        Cmd::Verify(a) => cli::verify::run(a),
        Cmd::List(a) => cli::list::run(a),
        Cmd::New(a) => cli::new::run(a),
        Cmd::Completions(a) => cli::completions::run(a, Cli::command()),
    };
    // A closed pipe is no error (the code stays the command's); any other failure to print is.
    if let Some(e) = hvsim::report::output::stdout_error() {
        errln!("error: cannot write to stdout: {e}");
        return ExitCode::from(2);
    }
    code
}
