//! `hvsim new NAME`: writes NAME.ron, a commented scenario skeleton that `hvsim run NAME.ron`
//! runs. An existing file is never overwritten.

use super::input_error;
use crate::report::output::create_exclusive;
use crate::report::skeleton;
use crate::scenario;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The scenario's name; the file is NAME.ron (NAME may include a directory).
    name: String,
}

pub fn run(a: Args) -> ExitCode {
    let given = a.name.strip_suffix(".ron").unwrap_or(&a.name);
    let path = PathBuf::from(format!("{given}.ron"));
    let shown = path.display().to_string();
    let name = Path::new(given)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let text = skeleton::scenario(&name);
    // The name is checked as a scenario file's would be, before anything is written.
    if let Err(e) = scenario::load_str(&shown, &text) {
        return input_error(format!("{shown}: NAME: {}", e.message));
    }
    if path.symlink_metadata().is_ok() {
        return input_error(format!(
            "{shown}: already exists; hvsim new never overwrites a file"
        ));
    }
    // create_new: a file that appeared since the check is refused too, never truncated.
    let written = create_exclusive(&path).and_then(|mut f| {
        f.write_all(text.as_bytes())
            .and_then(|_| f.sync_all())
            .inspect_err(|_| {
                let _ = std::fs::remove_file(&path);
            })
    });
    match written {
        Ok(()) => {
            outln!("wrote {shown}; run it with: hvsim run {shown}");
            ExitCode::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => input_error(format!(
            "{shown}: already exists; hvsim new never overwrites a file"
        )),
        Err(e) => input_error(format!("{shown}: cannot write: {e}")),
    }
}
