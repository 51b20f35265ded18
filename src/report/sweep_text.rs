//! The lines `explore` and `merge` print after a sweep's summary.

/// The command that reproduces the first violation of `inv`.
pub fn reproduce(inv: &str, cmd: &str) -> String {
    format!("reproduce ({inv}): {cmd}\n")
}

/// `explore --check-determinism`'s verdict.
pub fn determinism(runs: u64, diverged: u64) -> String {
    format!("determinism: {runs} seeds run twice, {diverged} diverged\n")
}
