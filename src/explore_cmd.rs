//! `hvsim explore` and `hvsim merge`: argument checks and printing around the library's
//! sweeps (part of the CLI; the library does the work).

use hvsim::explore::exhaustive;
use hvsim::explore::repro;
use hvsim::explore::results::Summary;
use hvsim::explore::results::{
    merge as merge_files, render_summary, summarize, ResultsWriter, Shard, SweepHeader,
    RESULTS_FORMAT,
};
use hvsim::explore::shrink::shrink_strategy_seed;
use hvsim::explore::strategy::Strategy;
use hvsim::explore::sweep::{shard_seeds, sweep_iter, SweepSpec, NONDETERMINISM, PANIC};
use hvsim::report::json::{self, ExploreId};
use hvsim::report::output::Outputs;
use hvsim::report::progress::Progress;
use hvsim::scenario::{Scenario, SeedRange, Version};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

pub struct Args {
    pub file: String,
    pub strategy: String,
    pub depth: u32,
    pub budget: Option<u64>,
    pub seeds: Option<String>,
    pub jobs: usize,
    pub shard: Option<String>,
    pub out: Option<String>,
    pub force: bool,
    pub resume: bool,
    pub check_determinism: bool,
    pub bound: usize,
    /// `--format json`: print the hvsim.explore/1 document instead of the text summary.
    pub json: bool,
    /// `--shrink`: shrink the first violating seed of each invariant to a repro file.
    pub shrink: bool,
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    errln!("error: {msg}");
    ExitCode::from(2)
}

fn sometimes_names(scn: &Scenario) -> Vec<&'static str> {
    scn.sometimes.iter().map(|s| s.name()).collect()
}

pub fn explore(scn: &Scenario, version: Version, a: Args) -> ExitCode {
    if a.strategy == "exhaustive" {
        if a.json {
            return usage("--format json is not available with --strategy exhaustive");
        }
        let max_runs = a.budget.unwrap_or(100_000);
        let started = std::time::Instant::now();
        let r = exhaustive::explore(scn, version, a.bound, max_runs, false);
        outln!(
            "explored {} on {version} exhaustively (bound {}): {} runs, {} states visited, {} runs pruned at a state seen before, {} in {:.2} s",
            scn.name,
            a.bound,
            r.runs,
            r.states,
            r.pruned,
            if r.exhausted { "space exhausted" } else { "space NOT exhausted (budget reached)" },
            started.elapsed().as_secs_f64()
        );
        if r.violations.is_empty() {
            outln!("violations: none");
            return ExitCode::SUCCESS;
        }
        let mut invs: Vec<&str> = r.violations.iter().map(|f| f.invariant.as_str()).collect();
        invs.sort();
        invs.dedup();
        outln!(
            "violations: {} of {} runs ({})",
            r.violations.len(),
            r.runs,
            invs.join(", ")
        );
        let f = &r.violations[0];
        outln!(
            "  first: run {} after {} steps: {}: {}",
            f.run,
            f.steps,
            f.invariant,
            f.message
        );
        return ExitCode::from(1);
    }
    let strategy = match Strategy::parse(&a.strategy, a.depth) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
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
    let shard = match a.shard.as_deref().map(Shard::parse).transpose() {
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
    crate::scenario_inputs(&mut outputs, &a.file, scn);
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
    let mut spec = SweepSpec::new(strategy, a.jobs);
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
    let shard_text = a
        .shard
        .as_ref()
        .map(|s| format!(", shard {s}"))
        .unwrap_or_default();
    let title = format!(
        "explored {} on {version} with {strategy}, seeds {range}{shard_text}",
        scn.name
    );
    let reproduce = summary
        .by_invariant
        .iter()
        .next()
        .map(|(inv, st)| (inv.clone(), header.reproduce(st.first_seed)));
    if a.json {
        let id = ExploreId {
            scenario: &scn.name,
            version: &version.to_string(),
            strategy: &strategy.to_string(),
            seeds: range,
            shard: a.shard.clone(),
            reproduce: reproduce.map(|(_, cmd)| cmd),
        };
        out!("{}", json::to_text(&json::explore_doc(id, &summary)));
    } else {
        out!("{}", render_summary(&title, &summary, Some(wall)));
        if let Some((inv, cmd)) = &reproduce {
            outln!("reproduce ({inv}): {cmd}");
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
        if a.json {
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
        if !a.json {
            outln!(
                "determinism: {} seeds run twice, {diverged} diverged",
                summary.runs
            );
        }
        return if diverged > 0 {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        };
    }
    if summary.violating > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

pub fn merge(files: &[String]) -> ExitCode {
    if files.is_empty() {
        return usage("merge needs at least one results file");
    }
    match merge_files(files) {
        Err(e) => usage(e),
        Ok(m) => {
            let h = &m.header;
            let summary = summarize(
                &m.results,
                &h.sometimes.iter().map(String::as_str).collect::<Vec<_>>(),
            );
            let title = format!(
                "merged {} on {} with {}, seeds {}",
                h.scenario, h.version, h.strategy, h.seeds
            );
            out!("{}", render_summary(&title, &summary, None));
            if let Some((inv, st)) = summary.by_invariant.iter().next() {
                outln!("reproduce ({inv}): {}", h.reproduce(st.first_seed));
            }
            if summary.violating > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}

/// `hvsim plot RESULTS.jsonl`: the sweep summary as `DIR/NAME-sweep.svg`.
pub fn plot(file: &str, dir: &str) -> ExitCode {
    let (id, results) = match hvsim::explore::results::read_results(file) {
        Ok((Some(id), r)) => (id, r),
        Ok((None, _)) => return usage(format!("{file}: no results in the file")),
        Err(e) => return usage(e),
    };
    let title = format!("{} on {} with {}", id.scenario, id.version, id.strategy);
    let svg = match hvsim::report::plot::sweep_summary_svg(&title, &results) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    let name = format!("{}-sweep.svg", id.scenario);
    let dir = Path::new(dir);
    let path = dir.join(&name);
    let mut outputs = Outputs::new();
    outputs.input(file);
    let staged = (|| {
        outputs.plan_dir("--out", dir, &[&name])?;
        outputs.make_dir(dir)?;
        outputs.stage("--out", &path, svg.as_bytes())?;
        outputs.commit()
    })();
    if let Err(e) = staged {
        return usage(e);
    }
    outln!("wrote {}", path.display());
    ExitCode::SUCCESS
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
        let r = match shrink_strategy_seed(scn, version, strategy, seed) {
            Ok(r) if r.violation.invariant == *inv => r,
            Ok(r) => {
                say(format!(
                    "shrink {inv} (seed {seed}): skipped, the seed now violates {}",
                    r.violation.invariant
                ));
                continue;
            }
            Err(e) => {
                say(format!("shrink {inv} (seed {seed}): {e}"));
                continue;
            }
        };
        let path = std::path::PathBuf::from(format!("{}.{inv}.repro.ron", scn.name));
        let text = repro::to_text(&repro::Repro::from_shrink(&r));
        outputs
            .stage("--shrink", &path, text.as_bytes())
            .map_err(|e| e.to_string())?;
        say(format!(
            "shrunk {inv} (seed {seed}): {} steps -> {} steps, {} -> {} VMs, {} -> {} nodes, {} -> {} actions; wrote {}; replay with: hvsim replay {}",
            r.original.steps,
            r.shrunk.steps,
            r.original.vms,
            r.shrunk.vms,
            r.original.nodes,
            r.shrunk.nodes,
            r.original.actions,
            r.shrunk.actions,
            path.display(),
            path.display()
        ));
    }
    Ok(())
}

pub fn shrink(
    file: &str,
    scn: &Scenario,
    version: Version,
    strategy: Strategy,
    seed: u64,
    out: Option<String>,
) -> ExitCode {
    let path = out
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| repro::default_path(Path::new("."), &scn.name));
    let mut outputs = Outputs::new();
    crate::scenario_inputs(&mut outputs, file, scn);
    if let Err(e) = outputs.plan_file("--out", &path) {
        return usage(e);
    }
    let r = match shrink_strategy_seed(scn, version, strategy, seed) {
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
    outln!(
        "{}: {} at step {}",
        r.violation.invariant,
        r.violation.message,
        r.violation.step
    );
    outln!("original: {}", r.original);
    outln!("shrunk:   {}", r.shrunk);
    outln!(
        "attempts: {}{}",
        r.attempts,
        if r.budget_exhausted {
            " (budget exhausted)"
        } else {
            ""
        }
    );
    outln!(
        "wrote {}; replay with: hvsim replay {}",
        path.display(),
        path.display()
    );
    ExitCode::from(1)
}

pub fn replay(
    file: &str,
    verbose: bool,
    perfetto: Option<String>,
    plot: Option<String>,
) -> ExitCode {
    use hvsim::engine::{Trace, TraceCat};
    use hvsim::explore::repro;
    let r = match repro::load(file) {
        Ok(r) => r,
        Err(e) => return usage(e.to_string()),
    };
    let mut outputs = Outputs::new();
    outputs.input(file);
    let planned = (|| {
        if let Some(p) = &perfetto {
            outputs.plan_file("--perfetto", Path::new(p))?;
        }
        if let Some(d) = &plot {
            let names = hvsim::report::run_plots::PLOT_FILES;
            outputs.plan_dir("--plot", Path::new(d), &names)?;
        }
        Ok::<_, hvsim::report::output::OutputError>(())
    })();
    if let Err(e) = planned {
        return usage(e);
    }
    let trace = if perfetto.is_some() {
        Trace::full()
    } else {
        Trace::new(true, verbose)
    };
    let mut out = match &plot {
        None => repro::replay_with(&r, trace),
        Some(dir) => {
            let title = format!("{} on {}, replay of {file}", r.scenario.name, r.version);
            let choices = Box::new(hvsim::engine::ReplayChoices::new(r.answers.clone()));
            let (out, plotted) = hvsim::report::run_plots::run_with_plots(
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
    if let Some(path) = &perfetto {
        let doc = hvsim::report::perfetto::export(&out.trace);
        let text = serde_json::to_string(&doc).expect("serializable");
        if let Err(e) = outputs.stage("--perfetto", Path::new(path), text.as_bytes()) {
            return usage(e);
        }
        if !verbose {
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
    let h = hvsim::report::timeline::Header {
        scenario: &r.scenario.name,
        version: r.version.to_string(),
        seed: None,
        file,
        how: String::new(),
    };
    out!("{}", hvsim::report::timeline::render(&h, &out));
    match checked {
        Ok((inv, step)) => {
            outln!("replayed: {inv} at step {step}, as recorded");
            ExitCode::from(1)
        }
        Err(m) => usage(format!("{file}: {m}")),
    }
}
