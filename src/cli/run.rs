//! `hvsim run`: one seed of a scenario, its numbered timeline and verdict (or its JSON
//! document), and the files asked for (Perfetto trace, JSON Lines trace, plots).

use super::{input_error, load_with_version, scenario_inputs, Format};
use crate::engine::{Trace, TraceCat};
use crate::explore::strategy::{Strategy, DEFAULT_BOUND};
use crate::report::output::{OutputError, Outputs};
use crate::report::{json, perfetto, run_plots, timeline};
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario file (or the name of a bundled scenario).
    file: String,
    /// The seed; with --strategy exhaustive, the run's number in the enumeration (from 1,
    /// as explore reports it; also --run).
    #[arg(long, alias = "run", default_value_t = 0)]
    seed: u64,
    /// Harvester version (default: the scenario's `harvester`).
    #[arg(long)]
    version: Option<String>,
    /// Also show every watch delivery.
    #[arg(long)]
    verbose: bool,
    /// The strategy whose seed this is (random, pct, swarm, exhaustive), to reproduce an
    /// explore finding.
    #[arg(long, default_value = "random")]
    strategy: String,
    /// PCT depth, with --strategy pct.
    #[arg(long, default_value_t = 3)]
    depth: u32,
    /// Exhaustive: the most branching decisions per run, as given to explore.
    #[arg(long, default_value_t = DEFAULT_BOUND)]
    bound: usize,
    /// Also write a Perfetto / Chrome trace (Trace Event Format JSON) of the run.
    #[arg(long, value_name = "FILE.json")]
    perfetto: Option<String>,
    /// Output format: text or json (schema hvsim.run/1).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Also write every trace record as one JSON line to this file.
    #[arg(long, value_name = "FILE.jsonl")]
    trace_out: Option<String>,
    /// Also draw the run's plots into this directory (created if needed):
    /// quota-timeline.svg when the run has a default ResourceQuota.
    #[arg(long, value_name = "DIR")]
    plot: Option<String>,
}

pub fn run(a: Args) -> ExitCode {
    if a.format == Format::Markdown {
        return input_error("--format markdown is for verify; run takes text or json");
    }
    let strategy = match Strategy::parse_with(&a.strategy, a.depth, a.bound) {
        Ok(s) => s,
        Err(e) => return input_error(e),
    };
    let (scn, version) = match load_with_version(&a.file, a.version.as_deref()) {
        Ok(x) => x,
        Err(e) => return input_error(e),
    };
    let choices = match strategy.run_choices(&scn, version, a.seed, false) {
        Ok(c) => c,
        Err(e) => return input_error(format!("--seed: {e}")),
    };
    let mut outputs = Outputs::new();
    scenario_inputs(&mut outputs, &a.file, &scn);
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
        return input_error(e);
    }
    let full = a.perfetto.is_some() || a.trace_out.is_some();
    let trace = if full {
        Trace::full()
    } else {
        Trace::new(true, a.verbose)
    };
    let seed = a.seed;
    let title = format!(
        "{} on {version}, seed {seed}{}",
        scn.name,
        strategy.run_args()
    );
    let (mut out, plotted) = run_plots::run_with_plots(
        &scn,
        version,
        choices,
        trace,
        a.plot.as_deref().map(Path::new),
        &title,
        &mut outputs,
    );
    if let Err(e) = plotted {
        return input_error(e);
    }
    if let Some(path) = &a.perfetto {
        let doc = perfetto::export(&out.trace);
        let text = serde_json::to_string(&doc).expect("serializable");
        if let Err(e) = outputs.stage("--perfetto", Path::new(path), text.as_bytes()) {
            return input_error(e);
        }
    }
    if let Some(path) = &a.trace_out {
        if let Err(e) = outputs.stage_with("--trace-out", Path::new(path), false, |w| {
            json::write_jsonl_to(w, &out.trace)
        }) {
            return input_error(e);
        }
    }
    match outputs.commit() {
        Ok(paths) => paths.iter().for_each(|p| errln!("wrote {}", p.display())),
        Err(e) => return input_error(e),
    }
    if full && !a.verbose {
        out.trace.retain(|r| r.cat != TraceCat::Deliver);
    }
    let h = timeline::Header {
        scenario: &scn.name,
        version: version.to_string(),
        seed: Some(seed),
        file: &a.file,
        how: strategy.run_args(),
    };
    if a.format == Format::Json {
        let doc = json::run_doc(
            &scn.name,
            &version.to_string(),
            seed,
            &strategy.to_string(),
            &out,
        );
        out!("{}", json::to_text(&doc));
    } else {
        out!("{}", timeline::render(&h, &out));
    }
    if out.violation.is_some() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
