//! What `shrink`, `explore --shrink` and `replay` print about a shrunk run and its repro.

use crate::explore::shrink::ShrinkResult;
use std::path::Path;

/// `hvsim shrink`'s report: the violation, the sizes before and after, the attempts, and
/// where the repro went.
pub fn shrink_report(r: &ShrinkResult, path: &Path) -> String {
    let v = &r.violation;
    format!(
        "{}: {} at step {}\noriginal: {}\nshrunk:   {}\nattempts: {}{}\n{}\n",
        v.invariant,
        v.message,
        v.step,
        r.original,
        r.shrunk,
        r.attempts,
        if r.budget_exhausted {
            " (budget exhausted)"
        } else {
            ""
        },
        wrote(path)
    )
}

/// `explore --shrink`'s line for one invariant's first run (`which`: "seed 3", "run 7").
pub fn shrunk_line(inv: &str, which: &str, r: &ShrinkResult, path: &Path) -> String {
    format!(
        "shrunk {inv} ({which}): {} steps -> {} steps, {} -> {} VMs, {} -> {} nodes, {} -> {} actions; {}",
        r.original.steps,
        r.shrunk.steps,
        r.original.vms,
        r.shrunk.vms,
        r.original.nodes,
        r.shrunk.nodes,
        r.original.actions,
        r.shrunk.actions,
        wrote(path)
    )
}

/// `explore --shrink`'s line when the first run's shrink gave another invariant.
pub fn shrink_skipped(inv: &str, which: &str, got: &str) -> String {
    format!("shrink {inv} ({which}): skipped, the seed now violates {got}")
}

/// `explore --shrink`'s line when the first run could not be shrunk.
pub fn shrink_failed(inv: &str, which: &str, why: &dyn std::fmt::Display) -> String {
    format!("shrink {inv} ({which}): {why}")
}

fn wrote(path: &Path) -> String {
    format!(
        "wrote {}; replay with: hvsim replay {}",
        path.display(),
        path.display()
    )
}

/// `hvsim replay`'s last line when the repro reproduced.
pub fn replayed(inv: &str, step: u64) -> String {
    format!("replayed: {inv} at step {step}, as recorded\n")
}

/// `hvsim replay --version V`'s last line when the repro's invariant broke on V.
pub fn replayed_on(
    inv: &str,
    step: u64,
    on: crate::scenario::Version,
    recorded: crate::scenario::Version,
    recorded_step: u64,
) -> String {
    format!(
        "replayed on {on}: {inv} at step {step} (recorded on {recorded} at step {recorded_step})\n"
    )
}
