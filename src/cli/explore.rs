//! `hvsim explore`: argument checks and printing around the library's sweeps (the library
//! does the work; `report` renders the text).

use super::{input_error as usage, load_with_version, scenario_inputs, Format};
use crate::explore::exhaustive;
use crate::explore::repro;
use crate::explore::results::{
    render_summary, ResultsWriter, Shard, Summary, SweepHeader, RESULTS_FORMAT,
};
use crate::explore::shrink::{shrink, shrink_strategy_seed};
use crate::explore::strategy::{Strategy, DEFAULT_BOUND};
use crate::explore::sweep::{
    default_jobs, shard_from_env, shard_seeds, sweep_iter, SweepSpec, COMPLETIONS_ENV, INDEX_ENV,
    NONDETERMINISM, PANIC,
};
use crate::report::json::{self, ExploreId};
use crate::report::output::Outputs;
use crate::report::progress::Progress;
use crate::report::{self, sweep_text};
use crate::scenario::{Scenario, SeedRange, Version};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
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
    /// Run the K-th of N disjoint slices of the seeds (1-based), e.g. 2/4; `auto` takes K
    /// from JOB_COMPLETION_INDEX (0-based, set by a Kubernetes Indexed Job) and N from
    /// JOB_COMPLETIONS.
    #[arg(long)]
    shard: Option<String>,
    /// Exit 0 when the sweep ran, even if it found violations (they are results, not
    /// failures: for Job pods and CI shards). Bad input still exits 2.
    #[arg(long)]
    no_fail: bool,
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
    #[arg(long, default_value_t = DEFAULT_BOUND)]
    bound: usize,
    /// Output format: text or json (schema hvsim.explore/1).
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Shrink the first violating seed (exhaustive: run) of each invariant and write
    /// ./NAME.INVARIANT.repro.ron for each.
    #[arg(long)]
    shrink: bool,
}

/// `--shard K/N`, or `auto`: from the Indexed Job's environment.
fn parse_shard(s: &str) -> Result<Shard, String> {
    if s != "auto" {
        return Shard::parse(s);
    }
    let var = |name| std::env::var(name).ok();
    let (k, n) = shard_from_env(var(INDEX_ENV).as_deref(), var(COMPLETIONS_ENV).as_deref())?;
    Ok(Shard { k, n })
}

fn sometimes_names(scn: &Scenario) -> Vec<&'static str> {
    scn.sometimes.iter().map(|s| s.name()).collect()
}

pub fn run(a: Args) -> ExitCode {
    if a.format == Format::Markdown {
        return usage("--format markdown is for verify; explore takes text or json");
    }
    let (scn, version) = match load_with_version(&a.file, a.version.as_deref()) {
        Ok(x) => x,
        Err(e) => return usage(e),
    };
    let strategy = match Strategy::parse_with(&a.strategy, a.depth, a.bound) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    match strategy {
        Strategy::Exhaustive { bound } => enumerate(&scn, version, bound, &a),
        seeded => sweep(&scn, version, seeded, a),
    }
}

/// `--strategy exhaustive`: the bounded enumeration, not a seed sweep; runs are numbered.
fn enumerate(scn: &Scenario, version: Version, bound: usize, a: &Args) -> ExitCode {
    if a.format == Format::Json {
        return usage("--format json is not available with --strategy exhaustive");
    }
    let mut outputs = Outputs::new();
    scenario_inputs(&mut outputs, &a.file, scn);
    let max_runs = a.budget.unwrap_or(100_000);
    let started = std::time::Instant::now();
    let r = exhaustive::explore(scn, version, bound, max_runs, false);
    let secs = started.elapsed().as_secs_f64();
    out!(
        "{}",
        report::exhaustive::render(&a.file, &scn.name, version, bound, &r, secs)
    );
    if a.shrink {
        let mut lines = Vec::new();
        let mut seen = BTreeSet::new();
        // The first run of each invariant, as a sweep shrinks the first seed of each.
        for f in r
            .violations
            .iter()
            .filter(|f| seen.insert(f.invariant.clone()))
        {
            let which = format!("run {}", f.run);
            match shrink(scn, version, f.answers.clone(), &f.invariant) {
                Ok(sr) => {
                    let path =
                        std::path::PathBuf::from(format!("{}.{}.repro.ron", scn.name, f.invariant));
                    let text = repro::to_text(&repro::Repro::from_shrink(&sr));
                    if let Err(e) = outputs.stage("--shrink", &path, text.as_bytes()) {
                        return usage(e);
                    }
                    lines.push(report::repro::shrunk_line(&f.invariant, &which, &sr, &path));
                }
                Err(e) => lines.push(report::repro::shrink_failed(&f.invariant, &which, &e)),
            }
        }
        if let Err(e) = outputs.commit() {
            return usage(e);
        }
        lines.iter().for_each(|l| outln!("{l}"));
    }
    if r.violations.is_empty() || a.no_fail {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn sweep(scn: &Scenario, version: Version, strategy: Strategy, a: Args) -> ExitCode {
    let json = a.format == Format::Json;
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    let range = match (&a.seeds, a.budget) {
        (Some(s), _) => match SeedRange::parse(s) {
            Ok(r) => r,
            Err(e) => return usage(format!("--seeds: expected {e}")),
        },
        (None, b) => SeedRange {
            start: 0,
            end: b.unwrap_or(1000).max(1),
        },
    };
    let shard = match a.shard.as_deref().map(parse_shard).transpose() {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let header = SweepHeader {
        format: RESULTS_FORMAT.to_string(),
        scenario: scn.name.clone(),
        version: version.to_string(),
        strategy: strategy.to_string(),
        seeds: range,
        shard,
        sometimes: sometimes_names(scn).iter().map(|s| s.to_string()).collect(),
        file: a.file.clone(),
        run_args: strategy.run_args(),
    };
    let mut outputs = Outputs::new();
    scenario_inputs(&mut outputs, &a.file, scn);
    let (mut writer, done) = match &a.out {
        Some(path) => {
            if let Err(e) = outputs.plan_file("--out", Path::new(path)) {
                return usage(e);
            }
            match ResultsWriter::open(path, &header, a.resume, a.force) {
                Ok((w, d)) => (Some(w), d),
                Err(e) => return usage(e),
            }
        }
        None => (None, Vec::new()),
    };
    // Fails the command: the results file goes too, unless it was resumed.
    let fail = |writer: Option<ResultsWriter>, msg: String| {
        if let Some(w) = writer {
            w.discard();
        }
        usage(msg)
    };
    let skip: BTreeSet<u64> = done.iter().map(|r| r.seed).collect();
    // Seeds are computed as they are taken and results summed as they come: constant memory
    // for any range.
    let seeds = shard_seeds(range, shard.map(|s| (s.k, s.n)));
    let total = seeds.remaining().saturating_sub(skip.len() as u64);
    let seeds = seeds.filter(|s| !skip.contains(s));
    let mut spec = SweepSpec::new(strategy, jobs);
    spec.check_determinism = a.check_determinism;
    let mut progress = Progress::new(total);
    let mut write_error = None;
    let mut summary = Summary::new(&sometimes_names(scn));
    sweep_iter(scn, version, seeds, total, &spec, &mut |r| {
        progress.tick(r.invariant.is_some());
        summary.add(r);
        if let Some(w) = writer.as_mut() {
            if let Err(e) = w.write(r) {
                write_error.get_or_insert(e);
            }
        }
    });
    progress.finish();
    if let Some(e) = write_error {
        let msg = format!(
            "{}: cannot write the results file: {e}",
            a.out.clone().unwrap_or_default()
        );
        return fail(writer, msg);
    }
    let wall = progress.elapsed();
    let mut seen = BTreeSet::new();
    for r in done.iter().filter(|r| seen.insert(r.seed)) {
        summary.add(r);
    }
    let shard_text = shard.map(|s| format!(", shard {s}")).unwrap_or_default();
    let title = format!(
        "explored {} on {version} with {strategy}, seeds {range}{shard_text}",
        scn.name
    );
    let reproduce = summary
        .by_invariant
        .iter()
        .next()
        .map(|(inv, st)| (inv.clone(), header.reproduce(st.first_seed)));
    if json {
        let id = ExploreId {
            scenario: &scn.name,
            version: &version.to_string(),
            strategy: &strategy.to_string(),
            seeds: range,
            shard: shard.map(|s| s.to_string()),
            reproduce: reproduce.map(|(_, cmd)| cmd),
        };
        out!("{}", json::to_text(&json::explore_doc(id, &summary)));
    } else {
        out!("{}", render_summary(&title, &summary, Some(wall)));
        if let Some((inv, cmd)) = &reproduce {
            out!("{}", sweep_text::reproduce(inv, cmd));
        }
    }
    let mut shrunk_lines = Vec::new();
    if a.shrink {
        let mut say = |line: String| shrunk_lines.push(line);
        if let Err(e) = shrink_each(scn, version, strategy, &summary, &mut outputs, &mut say) {
            return fail(writer, e);
        }
    }
    if let Err(e) = outputs.commit() {
        return fail(writer, e.to_string());
    }
    // Printed once the repro files are in place. With --format json stdout holds only the
    // document; these lines go to stderr.
    for line in shrunk_lines {
        if json {
            errln!("{line}");
        } else {
            outln!("{line}");
        }
    }
    if a.check_determinism {
        // Here the question is determinism only: other violations are reported, not failed on.
        let diverged = summary
            .by_invariant
            .get(NONDETERMINISM)
            .map(|s| s.runs)
            .unwrap_or(0);
        if !json {
            out!("{}", sweep_text::determinism(summary.runs, diverged));
        }
        return if diverged > 0 && !a.no_fail {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    if summary.violating > 0 && !a.no_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `explore --shrink`: the first seed of each violated invariant (not panics or
/// divergences, which are not model behaviour), shrunk and written as
/// `./NAME.INVARIANT.repro.ron`.
fn shrink_each(
    scn: &Scenario,
    version: Version,
    strategy: Strategy,
    summary: &Summary,
    outputs: &mut Outputs,
    say: &mut dyn FnMut(String),
) -> Result<(), String> {
    for (inv, st) in &summary.by_invariant {
        if inv == PANIC || inv == NONDETERMINISM {
            continue;
        }
        let seed = st.first_seed;
        let which = format!("seed {seed}");
        let r = match shrink_strategy_seed(scn, version, strategy, seed) {
            Ok(r) if r.violation.invariant == *inv => r,
            Ok(r) => {
                say(report::repro::shrink_skipped(
                    inv,
                    &which,
                    &r.violation.invariant,
                ));
                continue;
            }
            Err(e) => {
                say(report::repro::shrink_failed(inv, &which, &e));
                continue;
            }
        };
        let path = std::path::PathBuf::from(format!("{}.{inv}.repro.ron", scn.name));
        let text = repro::to_text(&repro::Repro::from_shrink(&r));
        outputs
            .stage("--shrink", &path, text.as_bytes())
            .map_err(|e| e.to_string())?;
        say(report::repro::shrunk_line(
            inv,
            &format!("seed {seed}"),
            &r,
            &path,
        ));
    }
    Ok(())
}
