//! `hvsim verify`: each scenario's `expect` block swept, expected vs observed.

use super::{input_error, load_options, read_scenario, Format};
use hvsim::explore::sweep::default_jobs;
use hvsim::explore::verify::verify_scenario;
use hvsim::report::{json, markdown, verify_table};
use hvsim::scenario;
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
}

pub fn run(a: Args) -> ExitCode {
    let jobs = a.jobs.unwrap_or_else(default_jobs);
    let mut scns = Vec::new();
    if a.files.is_empty() {
        for (path, text) in scenario::bundled() {
            let loaded = scenario::load_str(path, text)
                .and_then(|s| scenario::verify_checks(&s, path, text).map(|()| s));
            match loaded {
                Ok(s) => scns.push(s),
                Err(e) => return input_error(e),
            }
        }
    } else {
        for f in &a.files {
            let loaded = read_scenario(f).and_then(|text| {
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
    match a.format {
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
