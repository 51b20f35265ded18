//! The `hvsim` command line: parse, call the library, map outcomes to exit codes
//! (0 held / expectations met, 1 violated / unmet, 2 bad input or usage).

use clap::{Parser, Subcommand, ValueEnum};
use hvsim::engine::Trace;
use hvsim::explore::strategy::Strategy;
use hvsim::explore::sweep::default_jobs;
use hvsim::explore::verify::verify_scenario;
use hvsim::report::output::Outputs;
use hvsim::report::{json, markdown, run_plots, timeline, verify_table};
use hvsim::scenario::{self, Scenario, ScenarioError, Version};
use std::path::Path;
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

mod explore_cmd;
mod hunt_cmd;

/// What `run`, `verify` and `explore` print.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub enum Format {
    /// The human text (default).
    Text,
    /// One JSON document with a versioned schema (see the README).
    Json,
    /// `verify` only: the matrix as a Markdown table.
    Markdown,
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
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one seed of a scenario and print the numbered timeline and the verdict.
    Run {
        /// Scenario file (or the name of a bundled scenario).
        file: String,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Harvester version (default: the scenario's `harvester`).
        #[arg(long)]
        version: Option<String>,
        /// Also show every watch delivery.
        #[arg(long)]
        verbose: bool,
        /// The strategy whose seed this is (random, pct, swarm), to reproduce an explore finding.
        #[arg(long, default_value = "random")]
        strategy: String,
        /// PCT depth, with --strategy pct.
        #[arg(long, default_value_t = 3)]
        depth: u32,
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
    },
    /// Explore interleavings: sweep seeds with a strategy and summarize what broke.
    Explore {
        /// Scenario file (or the name of a bundled scenario).
        file: String,
        #[arg(long)]
        version: Option<String>,
        /// random, pct, swarm or exhaustive.
        #[arg(long, default_value = "random")]
        strategy: String,
        /// PCT: number of priority change points + 1.
        #[arg(long, default_value_t = 3)]
        depth: u32,
        /// Runs to make (seeds 0..N); exhaustive: the most runs to enumerate.
        #[arg(long, conflicts_with = "seeds")]
        budget: Option<u64>,
        /// Seed range A..B.
        #[arg(long)]
        seeds: Option<String>,
        /// Parallel runs (default: the number of cores). Results do not depend on it.
        #[arg(long)]
        jobs: Option<usize>,
        /// Run the K-th of N disjoint slices of the seeds (1-based), e.g. 2/4.
        #[arg(long)]
        shard: Option<String>,
        /// Write one JSON line per run to this file (refused if it holds another sweep's
        /// results, unless --force).
        #[arg(long)]
        out: Option<String>,
        /// Replace an --out file that holds another sweep's results (or other data).
        #[arg(long, requires = "out", conflicts_with = "resume")]
        force: bool,
        /// Continue the sweep in --out: skip the seeds already there.
        #[arg(long, requires = "out")]
        resume: bool,
        /// Run each seed twice and compare a hash of every step.
        #[arg(long)]
        check_determinism: bool,
        /// Exhaustive: the most branching decisions per run.
        #[arg(long, default_value_t = 12)]
        bound: usize,
        /// Output format: text or json (schema hvsim.explore/1).
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
        /// Shrink the first violating seed of each invariant and write
        /// ./NAME.INVARIANT.repro.ron for each.
        #[arg(long)]
        shrink: bool,
    },
    /// Shrink a violating seed to a small repro and write NAME.repro.ron.
    Shrink {
        /// Scenario file (or the name of a bundled scenario).
        file: String,
        #[arg(long)]
        seed: u64,
        #[arg(long)]
        version: Option<String>,
        /// The strategy whose run of the seed to shrink: random, pct or swarm.
        #[arg(long, default_value = "random")]
        strategy: String,
        /// PCT: number of priority change points + 1.
        #[arg(long, default_value_t = 3)]
        depth: u32,
        /// Where to write the repro (default: ./NAME.repro.ron).
        #[arg(long)]
        out: Option<String>,
    },
    /// Replay a repro file: the timeline, and whether the same violation happens at the same step.
    Replay {
        file: String,
        #[arg(long)]
        verbose: bool,
        /// Also write a Perfetto / Chrome trace of the replay.
        #[arg(long, value_name = "FILE.json")]
        perfetto: Option<String>,
        /// Also draw the replay's plots into this directory (as `run --plot`).
        #[arg(long, value_name = "DIR")]
        plot: Option<String>,
    },
    /// Hunt for bugs nobody named: sweep seeds with the generic oracles (leftovers,
    /// workload-safety, progress, views-converge, flapping) beside the scenario's own
    /// invariants, group what broke and shrink one run per group to a repro.
    /// Exit 0: nothing broke; 1: something did; 2: bad input.
    Hunt {
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
        /// Add the chaos adversary: per seed, extra migrations, process and agent restarts
        /// and quota raises at times the run draws.
        #[arg(long)]
        chaos: bool,
    },
    /// Join result files of a sharded sweep into one summary.
    Merge { files: Vec<String> },
    /// Draw a sweep's summary as SVG from a results file (`explore --out`).
    Plot {
        /// The results file (JSON Lines).
        file: String,
        /// Directory to write NAME-sweep.svg into.
        #[arg(long, value_name = "DIR", default_value = ".")]
        out: String,
    },
    /// Sweep each scenario's `expect` block and print expected vs observed.
    Verify {
        /// Scenario files; none means every bundled scenario.
        files: Vec<String>,
        /// Parallel runs (default: the number of cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// Output format: text, json (schema hvsim.verify/1) or markdown.
        #[arg(long, value_enum, default_value = "text")]
        format: Format,
    },
}

fn input_error(e: impl std::fmt::Display) -> ExitCode {
    errln!("error: {e}");
    ExitCode::from(2)
}

/// Records a scenario's files as inputs: the file itself (a bundled name is none) and the
/// manifest files it reads, so no output flag can overwrite them.
pub(crate) fn scenario_inputs(outputs: &mut Outputs, file: &str, scn: &Scenario) {
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
fn load_with_version(
    file: &str,
    version: Option<&str>,
) -> Result<(Scenario, Version), ScenarioError> {
    let text = scenario::read(file)?;
    let scn = scenario::load_str_with(file, &text, load_options())?;
    let version = parse_version(file, version, &scn)?;
    scenario::run_version_checks(&scn, file, &text, version)?;
    for w in scenario::deadline_warnings(&scn, file, &text) {
        errln!("{w}");
    }
    Ok((scn, version))
}

fn parse_version(file: &str, v: Option<&str>, scn: &Scenario) -> Result<Version, ScenarioError> {
    match v {
        None => Ok(scn.harvester),
        Some(v) => {
            let v = Version::parse(v)
                .map_err(|m| ScenarioError::new(file, None, format!("--version: {m}")))?;
            match v.upgrade_unmodelled().filter(|_| scn.upgrade.is_some()) {
                Some(m) => Err(ScenarioError::new(file, None, format!("--version: {m}"))),
                None => Ok(v),
            }
        }
    }
}

/// The loader's options from the command line, set once in `main`.
static LOAD_OPTIONS: std::sync::OnceLock<scenario::LoadOptions> = std::sync::OnceLock::new();

fn load_options() -> scenario::LoadOptions {
    LOAD_OPTIONS.get().copied().unwrap_or_default()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let _ = LOAD_OPTIONS.set(scenario::LoadOptions {
        allow_outside_manifests: cli.allow_outside_manifests,
    });
    let code = command(cli);
    // A closed pipe is no error (the code stays the command's); any other failure to print is.
    if let Some(e) = hvsim::report::output::stdout_error() {
        errln!("error: cannot write to stdout: {e}");
        return ExitCode::from(2);
    }
    code
}

fn command(cli: Cli) -> ExitCode {
    match cli.cmd {
        Cmd::Run {
            file,
            seed,
            version,
            verbose,
            strategy,
            depth,
            perfetto,
            format,
            trace_out,
            plot,
        } => {
            if format == Format::Markdown {
                return input_error("--format markdown is for verify; run takes text or json");
            }
            let strategy = match Strategy::parse(&strategy, depth) {
                Ok(s) => s,
                Err(e) => return input_error(e),
            };
            let (scn, version) = match load_with_version(&file, version.as_deref()) {
                Ok(x) => x,
                Err(e) => return input_error(e),
            };
            let mut outputs = Outputs::new();
            scenario_inputs(&mut outputs, &file, &scn);
            let planned = (|| {
                if let Some(p) = &perfetto {
                    outputs.plan_file("--perfetto", Path::new(p))?;
                }
                if let Some(p) = &trace_out {
                    outputs.plan_file("--trace-out", Path::new(p))?;
                }
                if let Some(d) = &plot {
                    outputs.plan_dir("--plot", Path::new(d), &run_plots::PLOT_FILES)?;
                }
                Ok::<_, hvsim::report::output::OutputError>(())
            })();
            if let Err(e) = planned {
                return input_error(e);
            }
            let full = perfetto.is_some() || trace_out.is_some();
            let trace = if full {
                Trace::full()
            } else {
                Trace::new(true, verbose)
            };
            let title = format!(
                "{} on {version}, seed {seed}{}",
                scn.name,
                strategy.run_args()
            );
            let (mut out, plotted) = run_plots::run_with_plots(
                &scn,
                version,
                strategy.choices(seed),
                trace,
                plot.as_deref().map(Path::new),
                &title,
                &mut outputs,
            );
            if let Err(e) = plotted {
                return input_error(e);
            }
            if let Some(path) = &perfetto {
                let doc = hvsim::report::perfetto::export(&out.trace);
                let text = serde_json::to_string(&doc).expect("serializable");
                if let Err(e) = outputs.stage("--perfetto", Path::new(path), text.as_bytes()) {
                    return input_error(e);
                }
            }
            if let Some(path) = &trace_out {
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
            if full && !verbose {
                out.trace
                    .retain(|r| r.cat != hvsim::engine::TraceCat::Deliver);
            }
            let h = timeline::Header {
                scenario: &scn.name,
                version: version.to_string(),
                seed: Some(seed),
                file: &file,
                how: strategy.run_args(),
            };
            if format == Format::Json {
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
        Cmd::Explore {
            file,
            version,
            strategy,
            depth,
            budget,
            seeds,
            jobs,
            shard,
            out,
            force,
            resume,
            check_determinism,
            bound,
            format,
            shrink,
        } => {
            if format == Format::Markdown {
                return input_error("--format markdown is for verify; explore takes text or json");
            }
            let (scn, version) = match load_with_version(&file, version.as_deref()) {
                Ok(x) => x,
                Err(e) => return input_error(e),
            };
            let args = explore_cmd::Args {
                file,
                strategy,
                depth,
                budget,
                seeds,
                jobs: jobs.unwrap_or_else(default_jobs),
                shard,
                out,
                force,
                resume,
                check_determinism,
                bound,
                json: format == Format::Json,
                shrink,
            };
            explore_cmd::explore(&scn, version, args)
        }
        Cmd::Hunt {
            file,
            version,
            budget,
            seeds,
            jobs,
            no_oracle,
            oracles_only,
            no_shrink,
            repro_dir,
            chaos,
        } => {
            let (scn, version) = match load_with_version(&file, version.as_deref()) {
                Ok(x) => x,
                Err(e) => return input_error(e),
            };
            let args = hunt_cmd::Args {
                file,
                budget,
                seeds,
                jobs: jobs.unwrap_or_else(default_jobs),
                no_oracle,
                oracles_only,
                no_shrink,
                repro_dir,
                chaos,
            };
            hunt_cmd::hunt(&scn, version, args)
        }
        Cmd::Merge { files } => explore_cmd::merge(&files),
        Cmd::Plot { file, out } => explore_cmd::plot(&file, &out),
        Cmd::Shrink {
            file,
            seed,
            version,
            strategy,
            depth,
            out,
        } => {
            let (scn, version) = match load_with_version(&file, version.as_deref()) {
                Ok(x) => x,
                Err(e) => return input_error(e),
            };
            let strategy = match hvsim::explore::strategy::Strategy::parse(&strategy, depth) {
                Ok(s) => s,
                Err(e) => return input_error(e),
            };
            explore_cmd::shrink(&file, &scn, version, strategy, seed, out)
        }
        Cmd::Replay {
            file,
            verbose,
            perfetto,
            plot,
        } => explore_cmd::replay(&file, verbose, perfetto, plot),
        Cmd::Verify {
            files,
            jobs,
            format,
        } => {
            let jobs = jobs.unwrap_or_else(default_jobs);
            let mut scns = Vec::new();
            if files.is_empty() {
                for (path, text) in scenario::bundled() {
                    let loaded = scenario::load_str(path, text)
                        .and_then(|s| scenario::verify_checks(&s, path, text).map(|()| s));
                    match loaded {
                        Ok(s) => scns.push(s),
                        Err(e) => return input_error(e),
                    }
                }
            } else {
                for f in &files {
                    let loaded = scenario::read(f).and_then(|text| {
                        let s = scenario::load_str_with(f, &text, load_options())?;
                        scenario::verify_checks(&s, f, &text)?;
                        for w in scenario::deadline_warnings(&s, f, &text) {
                            errln!("{w}");
                        }
                        Ok(s)
                    });
                    match loaded {
                        Ok(s) => scns.push(s),
                        Err(e) => return input_error(e),
                    }
                }
            }
            let mut rows = Vec::new();
            for s in &scns {
                rows.extend(verify_scenario(s, jobs));
            }
            match format {
                Format::Text => out!("{}", verify_table::render(&rows)),
                Format::Json => out!("{}", json::to_text(&json::verify_doc(&rows))),
                Format::Markdown => out!("{}", markdown::render_verify(&rows)),
            }
            if rows.iter().all(|r| r.ok) {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
    }
}
