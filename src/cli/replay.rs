//! `hvsim replay`: a repro file's run, its timeline, and whether the same invariant breaks
//! at the same step; with `--version`, whether it breaks on another version at all.

use super::{input_error as usage, parse_version_flag};
use crate::engine::{ReplayChoices, Trace, TraceCat};
use crate::explore::repro::{self, Mismatch};
use crate::report::output::{OutputError, Outputs};
use crate::report::{json, perfetto, run_plots, timeline};
use crate::scenario::{self, ScenarioError, Version};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    file: String,
    #[arg(long)]
    verbose: bool,
    /// Also write a Perfetto / Chrome trace of the replay.
    #[arg(long, value_name = "FILE.json")]
    perfetto: Option<String>,
    /// Also write every trace record of the replay as one JSON line to this file (as
    /// `run --trace-out`).
    #[arg(long, value_name = "FILE.jsonl")]
    trace_out: Option<String>,
    /// Also draw the replay's plots into this directory (as `run --plot`).
    #[arg(long, value_name = "DIR")]
    plot: Option<String>,
    /// Replay the answers against this Harvester version instead of the repro's: reproduced
    /// when the same invariant breaks, at whatever step.
    #[arg(long, value_name = "V")]
    version: Option<String>,
}

/// `replay`'s exit code when the run does not break the repro's invariant as recorded (held,
/// or broke another), distinct from bad input (2) and a reproduced violation (1).
pub const NOT_REPRODUCED: u8 = 3;

pub fn run(a: Args) -> ExitCode {
    let file = &a.file;
    let mut r = match repro::load(file) {
        Ok(r) => r,
        Err(e) => return usage(e.to_string()),
    };
    let recorded = r.version;
    if let Some(v) = &a.version {
        match other_version(file, v, &r) {
            Ok(v) => r.version = v,
            Err(e) => return usage(e),
        }
    }
    let other = r.version != recorded;
    let mut outputs = Outputs::new();
    outputs.input(file);
    let planned = (|| {
        if let Some(p) = &a.perfetto {
            outputs.plan_file("--perfetto", Path::new(p))?;
        }
        if let Some(p) = &a.trace_out {
            outputs.plan_file("--trace-out", Path::new(p))?;
        }
        if let Some(d) = &a.plot {
            outputs.plan_dir("--plot", Path::new(d), &run_plots::PLOT_FILES)?;
        }
        Ok::<_, OutputError>(())
    })();
    if let Err(e) = planned {
        return usage(e);
    }
    let full = a.perfetto.is_some() || a.trace_out.is_some();
    let trace = if full {
        Trace::full()
    } else {
        Trace::new(true, a.verbose)
    };
    let mut out = match &a.plot {
        None => repro::replay_with(&r, trace),
        Some(dir) => {
            let title = format!("{} on {}, replay of {file}", r.scenario.name, r.version);
            let choices = Box::new(ReplayChoices::new(r.answers.clone()));
            let (out, plotted) = run_plots::run_with_plots(
                &r.scenario,
                r.version,
                choices,
                trace,
                Some(Path::new(dir)),
                &title,
                &mut outputs,
            );
            if let Err(e) = plotted {
                return usage(e);
            }
            out
        }
    };
    if let Some(path) = &a.perfetto {
        let doc = perfetto::export(&out.trace);
        let text = serde_json::to_string(&doc).expect("serializable");
        if let Err(e) = outputs.stage("--perfetto", Path::new(path), text.as_bytes()) {
            return usage(e);
        }
    }
    if let Some(path) = &a.trace_out {
        if let Err(e) = outputs.stage_with("--trace-out", Path::new(path), false, |w| {
            json::write_jsonl_to(w, &out.trace)
        }) {
            return usage(e);
        }
    }
    if full && !a.verbose {
        out.trace.retain(|t| t.cat != TraceCat::Deliver);
    }
    // A replay that does not reproduce is a failed command: it leaves no output.
    let checked = match repro::check_replay(&r, &out) {
        Ok(v) => Ok((v.invariant.clone(), v.step)),
        // On another version the same invariant breaking is the question; its step may move.
        Err(Mismatch::OtherStep { invariant, got, .. }) if other => Ok((invariant, got)),
        Err(m) => Err(m),
    };
    if checked.is_ok() {
        match outputs.commit() {
            Ok(paths) => paths.iter().for_each(|p| errln!("wrote {}", p.display())),
            Err(e) => return usage(e),
        }
    }
    let h = timeline::Header {
        scenario: &r.scenario.name,
        version: r.version.to_string(),
        seed: None,
        file,
        how: String::new(),
    };
    out!("{}", timeline::render(&h, &out));
    match checked {
        Ok((inv, step)) if other => {
            out!(
                "{}",
                crate::report::repro::replayed_on(&inv, step, r.version, recorded, r.step)
            );
            ExitCode::from(1)
        }
        Ok((inv, step)) => {
            out!("{}", crate::report::repro::replayed(&inv, step));
            ExitCode::from(1)
        }
        Err(m) => {
            let on = if other {
                format!("on {}, ", r.version)
            } else {
                String::new()
            };
            errln!("error: {file}: {on}{m}");
            ExitCode::from(NOT_REPRODUCED)
        }
    }
}

/// `--version V` for the repro: a known version, and one the repro's scenario can run (an
/// upgrade scenario needs a modelled upgrade, and no downgrade).
fn other_version(file: &str, v: &str, r: &repro::Repro) -> Result<Version, ScenarioError> {
    let version = parse_version_flag(file, v)?;
    if let Some(m) = version
        .upgrade_unmodelled()
        .filter(|_| r.scenario.upgrade.is_some())
    {
        return Err(ScenarioError::new(file, None, format!("--version: {m}")));
    }
    let text = std::fs::read_to_string(file).unwrap_or_default();
    scenario::run_version_checks(&r.scenario, file, &text, version)?;
    Ok(version)
}
