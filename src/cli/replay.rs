//! `hvsim replay`: a repro file's run, its timeline, and whether the same invariant breaks
//! at the same step.

use super::input_error as usage;
use hvsim::engine::{ReplayChoices, Trace, TraceCat};
use hvsim::explore::repro;
use hvsim::report::output::{OutputError, Outputs};
use hvsim::report::{perfetto, run_plots, timeline};
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
    /// Also draw the replay's plots into this directory (as `run --plot`).
    #[arg(long, value_name = "DIR")]
    plot: Option<String>,
}

pub fn run(a: Args) -> ExitCode {
    let file = &a.file;
    let r = match repro::load(file) {
        Ok(r) => r,
        Err(e) => return usage(e.to_string()),
    };
    let mut outputs = Outputs::new();
    outputs.input(file);
    let planned = (|| {
        if let Some(p) = &a.perfetto {
            outputs.plan_file("--perfetto", Path::new(p))?;
        }
        if let Some(d) = &a.plot {
            outputs.plan_dir("--plot", Path::new(d), &run_plots::PLOT_FILES)?;
        }
        Ok::<_, OutputError>(())
    })();
    if let Err(e) = planned {
        return usage(e);
    }
    let trace = if a.perfetto.is_some() {
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
        if !a.verbose {
            out.trace.retain(|t| t.cat != TraceCat::Deliver);
        }
    }
    // A replay that does not reproduce is a failed command: it leaves no output.
    let checked = repro::check_replay(&r, &out).map(|v| (v.invariant.clone(), v.step));
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
        Ok((inv, step)) => {
            out!("{}", hvsim::report::repro::replayed(&inv, step));
            ExitCode::from(1)
        }
        Err(m) => usage(format!("{file}: {m}")),
    }
}
