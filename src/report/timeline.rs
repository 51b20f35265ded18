//! The human timeline: one numbered line per recorded step, tagged by actor, then the verdict.
//!
//! ```text
//!  #412  00:31.204518  [cattle-cluster-agent]  PUT resourcequotas ns1/default-x: spec.hard ...
//! ```

use crate::check::RunOutcome;
use crate::engine::TraceCat;
use std::fmt::Write;

pub struct Header<'a> {
    pub scenario: &'a str,
    pub version: String,
    pub seed: Option<u64>,
    pub file: &'a str,
    /// Extra `run` arguments that reproduce the seed (`--strategy pct --depth 3`), or empty.
    pub how: String,
}

pub fn render(h: &Header<'_>, out: &RunOutcome) -> String {
    let mut s = String::new();
    let seed = h.seed.map(|x| format!(", seed {x}")).unwrap_or_default();
    let _ = writeln!(s, "scenario {}, harvester {}{seed}", h.scenario, h.version);
    let width = out.trace.iter().map(|r| r.actor.len()).max().unwrap_or(4);
    for r in out.trace.iter().filter(|r| r.cat != TraceCat::Slice) {
        let tag = match r.cat {
            TraceCat::Fault => "FAULT ",
            TraceCat::Action => "ACTION ",
            _ => "",
        };
        let _ = writeln!(
            s,
            "#{:<6} {}  [{:<width$}]  {tag}{}",
            r.step, r.time, r.actor, r.text
        );
    }
    let _ = writeln!(s, "{}", verdict(h, out));
    s
}

pub fn verdict(h: &Header<'_>, out: &RunOutcome) -> String {
    let mut s = String::new();
    match &out.violation {
        None => {
            let _ = write!(
                s,
                "verdict: HELD every invariant ({} steps, ended at {})",
                out.steps, out.end
            );
        }
        Some(v) => {
            let _ = write!(
                s,
                "verdict: VIOLATED {} ({}) at step {} ({}): {}",
                v.invariant, v.kind, v.step, v.time, v.message
            );
            if let Some(seed) = h.seed {
                let _ = write!(
                    s,
                    "\nreproduce: hvsim run {} --seed {seed} --version {}{}",
                    h.file, h.version, h.how
                );
            }
        }
    }
    for (name, hit) in &out.sometimes {
        let _ = write!(
            s,
            "\nsometimes {name}: {}",
            if *hit { "reached" } else { "not reached" }
        );
    }
    for (name, value) in &out.metrics {
        let _ = write!(s, "\nmetric {name}: {value}");
    }
    s
}
