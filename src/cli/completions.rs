//! `hvsim completions SHELL`: a completion script for the shell, from the clap definition.

use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish (also elvish, powershell).
    shell: clap_complete::Shell,
}

/// Prints the script for `cmd` (the whole command line's definition).
pub fn run(a: Args, mut cmd: clap::Command) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(a.shell, &mut cmd, "hvsim", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    ExitCode::SUCCESS
}
