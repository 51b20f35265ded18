//! `hvsim merge`: the results files of a sharded sweep joined into the summary one whole
//! sweep gives.

use super::input_error as usage;
use crate::explore::results::{merge as merge_files, render_summary, summarize};
use crate::report::sweep_text;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    files: Vec<String>,
    /// Exit 0 when the merge succeeded, even if the sweep found violations (for a merge
    /// Job or CI step whose log is the result). A missing or duplicated shard still exits 2.
    #[arg(long)]
    no_fail: bool,
}

pub fn run(a: Args) -> ExitCode {
    if a.files.is_empty() {
        return usage("merge needs at least one results file");
    }
    let m = match merge_files(&a.files) {
        Ok(m) => m,
        Err(e) => return usage(e),
    };
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
        out!(
            "{}",
            sweep_text::reproduce(inv, &h.reproduce(st.first_seed))
        );
    }
    if summary.violating > 0 && !a.no_fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
