//! `hvsim hunt`: argument checks, progress and files around the library's hunt
//! (`explore::hunt`); the summary's text is `report::hunt`.

use hvsim::explore::hunt::{self, HuntSpec};
use hvsim::explore::repro;
use hvsim::report::output::Outputs;
use hvsim::report::progress::Progress;
use hvsim::scenario::{Scenario, SeedRange, Version};
use std::path::PathBuf;
use std::process::ExitCode;

pub struct Args {
    pub file: String,
    pub budget: Option<u64>,
    pub seeds: Option<String>,
    pub jobs: usize,
    pub no_oracle: Vec<String>,
    pub oracles_only: bool,
    pub no_shrink: bool,
    pub repro_dir: String,
    pub chaos: bool,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    errln!("error: {msg}");
    ExitCode::from(2)
}

pub fn hunt(scn: &Scenario, version: Version, a: Args) -> ExitCode {
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
    let h = hunt::hunt_scenario(scn, &a.no_oracle, !a.oracles_only);
    let spec = HuntSpec {
        version,
        seeds,
        jobs: a.jobs,
        off: a.no_oracle.clone(),
        own: !a.oracles_only,
        shrink: !a.no_shrink,
        chaos: a.chaos,
    };
    let mut progress = Progress::new(seeds.end - seeds.start);
    let report = hunt::hunt(&h, &spec, &mut |r| progress.tick(r.invariant.is_some()));
    progress.finish();
    let mut outputs = Outputs::new();
    crate::scenario_inputs(&mut outputs, &a.file, scn);
    let dir = PathBuf::from(&a.repro_dir);
    let mut paths = Vec::new();
    for (i, g) in report.groups.iter().enumerate() {
        let Some(Ok(sr)) = &g.shrunk else {
            paths.push(None);
            continue;
        };
        let path = dir.join(format!("{}.{}.{}.repro.ron", scn.name, g.invariant, i + 1));
        let text = repro::to_text(&repro::Repro::from_shrink(sr));
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
        hvsim::report::hunt::render(&scn.name, version, &report, &paths)
    );
    if report.groups.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
