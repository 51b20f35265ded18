//! What `explore --strategy exhaustive` prints: the size of the space it walked, whether it
//! exhausted it, and the violations it found.

use crate::explore::exhaustive::ExhaustiveReport;
use crate::scenario::Version;

/// The summary; `file` is what the command was given (for the reproduce line), `secs` the
/// wall time, which only this text shows.
pub fn render(
    file: &str,
    name: &str,
    version: Version,
    bound: usize,
    r: &ExhaustiveReport,
    secs: f64,
) -> String {
    let mut s = format!(
        "explored {name} on {version} exhaustively (bound {bound}): {} runs, {} states visited, {} runs pruned at a state seen before, {} in {secs:.2} s\n",
        r.runs,
        r.states,
        r.pruned,
        if r.exhausted { "space exhausted" } else { "space NOT exhausted (budget reached)" },
    );
    let Some(f) = r.violations.first() else {
        s.push_str("violations: none\n");
        return s;
    };
    let mut invs: Vec<&str> = r.violations.iter().map(|f| f.invariant.as_str()).collect();
    invs.sort();
    invs.dedup();
    s.push_str(&format!(
        "violations: {} of {} runs ({})\n",
        r.violations.len(),
        r.runs,
        invs.join(", ")
    ));
    s.push_str(&format!(
        "  first: run {} after {} steps: {}: {}\n",
        f.run, f.steps, f.invariant, f.message
    ));
    s.push_str(&format!(
        "reproduce ({}): hvsim run {file} --seed {} --version {version} --strategy exhaustive --bound {bound}\n",
        f.invariant, f.run
    ));
    s
}
