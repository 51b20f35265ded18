//! The human timeline: one numbered line per recorded step, tagged by actor, then the verdict.
//!
//! ```text
//!  #412  00:31.204518  [cattle-cluster-agent]  PUT resourcequotas ns1/default-x: spec.hard ...
//! ```

use crate::check::RunOutcome;
use crate::engine::TraceCat;
use std::fmt::Write;

/// What the timeline's first line and its `reproduce:` line name.
pub struct Header<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The version the run used.
    pub version: String,
    /// The run's seed (`None` for a replayed repro, which has none).
    pub seed: Option<u64>,
    /// The scenario as the command named it (for `reproduce:`).
    pub file: &'a str,
    /// Extra `run` arguments that reproduce the seed (`--strategy pct --depth 3`), or empty.
    pub how: String,
}

/// The widest the actor column pads to: a Kubernetes name is at most 63 characters (a DNS
/// label, the longest process name the cluster has); longer user-given names stick out.
pub const MAX_ACTOR_COLUMN: usize = 63;

/// The run's timeline: a header line, one line per record, and the verdict.
pub fn render(h: &Header<'_>, out: &RunOutcome) -> String {
    let mut s = String::new();
    let seed = h.seed.map(|x| format!(", seed {x}")).unwrap_or_default();
    let _ = writeln!(s, "scenario {}, harvester {}{seed}", h.scenario, h.version);
    // The actor column is as wide as the longest name up to `MAX_ACTOR_COLUMN`; a longer name
    // overflows its own lines only. Padding is written by hand: a `{:<width$}` width past
    // u16::MAX panics in `core::fmt`, and a session name is user input of any length.
    let width = out
        .trace
        .iter()
        .map(|r| r.actor.chars().count())
        .max()
        .unwrap_or(4)
        .min(MAX_ACTOR_COLUMN);
    for r in out.trace.iter().filter(|r| r.cat != TraceCat::Slice) {
        let tag = match r.cat {
            TraceCat::Fault => "FAULT ",
            TraceCat::Action => "ACTION ",
            _ => "",
        };
        let pad = width.saturating_sub(r.actor.chars().count());
        let _ = write!(s, "#{:<6} {}  [{}", r.step, r.time, r.actor);
        s.extend(std::iter::repeat_n(' ', pad));
        let _ = writeln!(s, "]  {tag}{}", r.text);
    }
    let _ = writeln!(s, "{}", verdict(h, out));
    s
}

/// The verdict line, with a `reproduce:` line after a violation.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{SimTime, TraceRec};

    fn outcome(actors: &[&str]) -> RunOutcome {
        RunOutcome {
            violation: None,
            steps: 1,
            end: SimTime(1),
            stop: None,
            answers: Vec::new(),
            trace: actors
                .iter()
                .map(|a| TraceRec::new(1, SimTime(1), a, TraceCat::Log, "x".into()))
                .collect(),
            sometimes: Vec::new(),
            step_hashes: Vec::new(),
            metrics: Vec::new(),
            writes: Default::default(),
        }
    }

    fn header() -> Header<'static> {
        Header {
            scenario: "s",
            version: "v1.4.1".into(),
            seed: Some(1),
            file: "s.ron",
            how: String::new(),
        }
    }

    #[test]
    fn an_actor_name_past_u16_max_characters_renders_instead_of_panicking() {
        let long = "u".repeat(70_000);
        let text = render(&header(), &outcome(&[&long, "user"]));
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[1], format!("#1      00:00.000001  [{long}]  x"));
        // The short name pads to the column's cap, not to the long name.
        let user = format!("[user{}]", " ".repeat(MAX_ACTOR_COLUMN - 4));
        assert!(lines[2].contains(&user), "{}", lines[2]);
    }

    #[test]
    fn actor_names_pad_to_the_longest_one() {
        let text = render(&header(), &outcome(&["harvester", "user"]));
        assert!(text.contains("[user     ]  x"), "{text}");
        assert!(text.contains("[harvester]  x"), "{text}");
    }
}
