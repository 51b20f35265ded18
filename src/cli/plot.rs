//! `hvsim plot RESULTS.jsonl`: a sweep's summary drawn as `DIR/NAME-VERSION-sweep.svg`
//! (`NAME-VERSION-STRATEGY-sweep.svg` for a strategy other than random).

use super::input_error as usage;
use crate::explore::results::read_results;
use crate::report::output::Outputs;
use crate::report::plot::sweep_summary_svg;
use std::path::Path;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The results file (JSON Lines).
    file: String,
    /// Directory to write NAME-VERSION-sweep.svg into.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: String,
}

pub fn run(a: Args) -> ExitCode {
    let file = &a.file;
    let (id, results) = match read_results(file) {
        Ok((Some(id), r)) => (id, r),
        Ok((None, _)) => return usage(format!("{file}: no results in the file")),
        Err(e) => return usage(e),
    };
    let title = format!("{} on {} with {}", id.scenario, id.version, id.strategy);
    let svg = match sweep_summary_svg(&title, &results) {
        Ok(s) => s,
        Err(e) => return usage(e),
    };
    // The version (and a strategy other than random) in the name: two sweeps of one
    // scenario on two versions do not overwrite each other's summary.
    let strategy = match id.strategy.as_str() {
        "random" => String::new(),
        s => format!("-{s}"),
    };
    let name = format!("{}-{}{strategy}-sweep.svg", id.scenario, id.version);
    let dir = Path::new(&a.out);
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
