//! `hvsim verify`: each scenario's `expect` block swept, expected vs observed.

use super::{input_error, load_options, parse_version_flag, read_scenario, Format};
use crate::explore::sweep::default_jobs;
use crate::explore::verify::{plan, verify_planned, Narrow};
use crate::report::progress::Progress;
use crate::report::{json, markdown, verify_table};
use crate::scenario::{self, SeedRange};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario files; none means every bundled scenario.
    files: Vec<String>,
    /// Parallel runs (default: the number of cores).
    #[arg(long)]
    jobs: Option<usize>,
    /// Output format: text, json (schema hvsim.verify/1) or markdown.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Only the seeds of each expect row's range that are also in A..B.
    #[arg(long, value_name = "A..B")]
    seeds: Option<String>,
    /// Only the expect rows of this version.
    #[arg(long, value_name = "V")]
    version: Option<String>,
}

pub fn run(a: Args) -> ExitCode {
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    let mut narrow = Narrow::default();
    if let Some(s) = &a.seeds {
        match SeedRange::parse(s) {
            Ok(r) => narrow.seeds = Some(r),
            Err(e) => return input_error(format!("--seeds: expected {e}")),
        }
    }
    if let Some(v) = &a.version {
        match parse_version_flag("verify", v) {
            Ok(v) => narrow.version = Some(v),
            Err(e) => return input_error(e.message),
        }
    }
    // (FILE as `hvsim run` is to be given it to reproduce a row, the scenario)
    let mut scns = Vec::new();
    if a.files.is_empty() {
        for (path, text) in scenario::bundled() {
            let loaded = scenario::load_str(path, text)
                .and_then(|s| scenario::verify_checks(&s, path, text).map(|()| s));
            match loaded {
                Ok(s) => scns.push((s.name.clone(), s)),
                Err(e) => return input_error(e),
            }
        }
    } else {
        for f in &a.files {
            let loaded = read_scenario(f).and_then(|text| {
                let s = scenario::load_str_with(f, &text, load_options())?;
                super::print_field_warnings(&s);
                scenario::verify_checks(&s, f, &text)?;
                for w in scenario::deadline_warnings(&s, f, &text) {
                    errln!("{w}");
                }
                Ok(s)
            });
            match loaded {
                Ok(s) => scns.push((f.clone(), s)),
                Err(e) => return input_error(e),
            }
        }
    }
    let plans: Vec<_> = scns.iter().map(|(_, s)| plan(s, &narrow)).collect();
    if plans.iter().all(Vec::is_empty) {
        return input_error(nothing_to_run(&a));
    }
    let total = plans.iter().flatten().map(|p| p.seeds().len()).sum();
    // On stderr, and only when it is a terminal (Progress checks): stdout stays the table.
    let mut progress = Progress::new(total);
    let mut rows = Vec::new();
    let mut file_of = Vec::new();
    for ((file, s), planned) in scns.iter().zip(&plans) {
        let got = verify_planned(s, planned, jobs, &mut |r| {
            progress.tick(r.invariant.is_some())
        });
        file_of.extend(got.iter().map(|_| file.as_str()));
        rows.extend(got);
    }
    progress.finish();
    let repro = |r: &crate::explore::verify::VerifyRow| {
        let i = rows.iter().position(|x| std::ptr::eq(x, r))?;
        (!r.ok).then(|| verify_table::repro_command(file_of[i], r))
    };
    match a.format {
        Format::Text => out!("{}", verify_table::render_with_repros(&rows, &repro)),
        Format::Json => out!("{}", json::to_text(&json::verify_doc(&rows))),
        Format::Markdown => out!("{}", markdown::render_verify(&rows)),
    }
    if rows.iter().all(|r| r.ok) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Why `--version` / `--seeds` left no row.
fn nothing_to_run(a: &Args) -> String {
    let mut flags = Vec::new();
    if let Some(v) = &a.version {
        flags.push(format!("--version {v}"));
    }
    if let Some(s) = &a.seeds {
        flags.push(format!("--seeds {s}"));
    }
    format!(
        "{}: no expect row of the scenarios is left to run",
        flags.join(" ")
    )
}
