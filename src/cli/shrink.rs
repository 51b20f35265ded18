//! `hvsim shrink`: a violating seed shrunk to a small repro, written as NAME.repro.ron.

use super::{input_error as usage, load_with_version, scenario_inputs};
use crate::check::run as run_once;
use crate::engine::Trace;
use crate::explore::repro;
use crate::explore::shrink::{shrink, ShrinkError};
use crate::explore::strategy::{Strategy, DEFAULT_BOUND};
use crate::report::output::Outputs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (or the name of a bundled scenario).
    file: String,
    #[arg(long)]
    seed: u64,
    #[arg(long)]
    version: Option<String>,
    /// The strategy whose run of the seed to shrink: random, pct, swarm or exhaustive
    /// (its seed is the run's number, as explore reports it).
    #[arg(long, default_value = "random")]
    strategy: String,
    /// PCT: number of priority change points + 1.
    #[arg(long, default_value_t = 3)]
    depth: u32,
    /// Exhaustive: the most branching decisions per run, as given to explore.
    #[arg(long, default_value_t = DEFAULT_BOUND)]
    bound: usize,
    /// Where to write the repro (default: ./NAME.repro.ron).
    #[arg(long)]
    out: Option<String>,
}

pub fn run(a: Args) -> ExitCode {
    let (scn, version) = match load_with_version(&a.file, a.version.as_deref()) {
        Ok(x) => x,
        Err(e) => return usage(e),
    };
    let strategy = match Strategy::parse_with(&a.strategy, a.depth, a.bound) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let seed = a.seed;
    let path = a
        .out
        .map(PathBuf::from)
        .unwrap_or_else(|| repro::default_path(Path::new("."), &scn.name));
    let mut outputs = Outputs::new();
    scenario_inputs(&mut outputs, &a.file, &scn);
    if let Err(e) = outputs.plan_file("--out", &path) {
        return usage(e);
    }
    let choices = match strategy.run_choices(&scn, version, seed, true) {
        Ok(c) => c,
        Err(e) => return usage(format!("--seed: {e}")),
    };
    // The run as the strategy draws it (a seed explore found), shrunk whatever it violates.
    let first = run_once(&scn, version, choices, Trace::off());
    let shrunk = match first.violation {
        None => Err(ShrinkError::Held),
        Some(v) => shrink(&scn, version, first.answers, &v.invariant),
    };
    let r = match shrunk {
        Ok(r) => r,
        Err(e) => return usage(format!("seed {seed} on {version}: {e}")),
    };
    let text = repro::to_text(&repro::Repro::from_shrink(&r));
    if let Err(e) = outputs
        .stage("--out", &path, text.as_bytes())
        .and_then(|_| outputs.commit())
    {
        return usage(e);
    }
    out!("{}", crate::report::repro::shrink_report(&r, &path));
    ExitCode::from(1)
}
