//! `hvsim hunt`: argument checks, progress and files around the library's hunt
//! (`explore::hunt`); the summary's text is `report::hunt`.

use super::{input_error as usage, load_with_version, scenario_inputs};
use crate::explore::hunt::{self, HuntSpec};
use crate::explore::repro;
use crate::explore::sweep::default_jobs;
use crate::report::output::Outputs;
use crate::report::progress::Progress;
use crate::scenario::SeedRange;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (or the name of a bundled scenario). Its `expect` block is ignored.
    file: String,
    #[arg(long)]
    version: Option<String>,
    /// Runs to make (seeds 0..N; default 2000).
    #[arg(long, conflicts_with = "seeds")]
    budget: Option<u64>,
    /// Seed range A..B.
    #[arg(long)]
    seeds: Option<String>,
    /// Parallel runs (default: the number of cores). Results do not depend on it.
    #[arg(long)]
    jobs: Option<usize>,
    /// Switch a generic oracle off (repeatable).
    #[arg(long, value_name = "ORACLE")]
    no_oracle: Vec<String>,
    /// Check the generic oracles only, not the scenario's own invariants.
    #[arg(long)]
    oracles_only: bool,
    /// Do not shrink: print each group's first seed instead.
    #[arg(long)]
    no_shrink: bool,
    /// Where to write the repros (NAME.ORACLE.K.repro.ron).
    #[arg(long, value_name = "DIR", default_value = ".")]
    repro_dir: String,
    /// Add the chaos adversary: per seed, extra user operations (migrate, stop, start or
    /// restart a VM, cancel a migration, raise a quota, cordon, drain or uncordon a node,
    /// upgrade Harvester) and faults (process and agent restarts, a crash after a write,
    /// lagging watches) at times the run draws.
    #[arg(long)]
    chaos: bool,
    /// Crash each controller right after each API write of its reconciles: a record run
    /// (the first seed) finds every (process, controller, write i) that occurs, and the
    /// seeds are spread over those crash points.
    #[arg(long)]
    crash_points: bool,
    /// With --crash-points: crash each of the first K reconciles that reach write i.
    #[arg(long, value_name = "K", default_value_t = 3, requires = "crash_points")]
    crash_reconciles: u32,
}

pub fn run(a: Args) -> ExitCode {
    let (scn, version) = match load_with_version(&a.file, a.version.as_deref()) {
        Ok(x) => x,
        Err(e) => return usage(e),
    };
    for o in &a.no_oracle {
        if !hunt::is_oracle(o) {
            let names: Vec<&str> = hunt::ORACLES.iter().map(|(n, _)| *n).collect();
            return usage(format!(
                "--no-oracle: expected one of {}, not \"{o}\"",
                names.join(", ")
            ));
        }
    }
    let seeds = match (&a.seeds, a.budget) {
        (Some(s), _) => match SeedRange::parse(s) {
            Ok(r) => r,
            Err(e) => return usage(format!("--seeds: {e}")),
        },
        (None, Some(0)) => return usage("--budget: expected at least 1 run"),
        (None, Some(n)) => SeedRange { start: 0, end: n },
        (None, None) => SeedRange {
            start: 0,
            end: 2000,
        },
    };
    if a.crash_reconciles == 0 {
        return usage("--crash-reconciles: expected at least 1 reconcile");
    }
    let h = hunt::hunt_scenario(&scn, &a.no_oracle, !a.oracles_only);
    let spec = HuntSpec {
        version,
        seeds,
        jobs: a.jobs.unwrap_or_else(default_jobs),
        off: a.no_oracle.clone(),
        own: !a.oracles_only,
        shrink: !a.no_shrink,
        chaos: a.chaos,
        crash_points: a.crash_points.then_some(a.crash_reconciles),
    };
    let mut progress = Progress::new(seeds.end - seeds.start);
    let report = hunt::hunt(&h, &spec, &mut |r| progress.tick(r.invariant.is_some()));
    progress.finish();
    let mut outputs = Outputs::new();
    scenario_inputs(&mut outputs, &a.file, &scn);
    let dir = PathBuf::from(&a.repro_dir);
    let mut paths = Vec::new();
    for (i, g) in report.groups.iter().enumerate() {
        let r = match &g.shrunk {
            Some(Ok(sr)) => repro::Repro::from_shrink(sr),
            // A chaos seed's run cannot be rerun from the scenario file alone: its repro is
            // the seed's perturbed scenario and answers, whole.
            None if a.chaos => match hunt::chaos_repro(&h, version, g.first_seed) {
                Some(r) => r,
                None => {
                    paths.push(None);
                    continue;
                }
            },
            _ => {
                paths.push(None);
                continue;
            }
        };
        let path = dir.join(format!("{}.{}.{}.repro.ron", scn.name, g.invariant, i + 1));
        let text = repro::to_text(&r);
        if let Err(e) = outputs.stage("--repro-dir", &path, text.as_bytes()) {
            return usage(e);
        }
        paths.push(Some(path.display().to_string()));
    }
    if let Err(e) = outputs.commit() {
        return usage(e);
    }
    out!(
        "{}",
        crate::report::hunt::render(&scn.name, version, &report, &paths)
    );
    if report.groups.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
