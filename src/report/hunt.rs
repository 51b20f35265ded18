//! The text of `hvsim hunt`: what broke, how often, on what, and the shortest repro of each
//! group, so a person can triage the findings from the top.

use crate::explore::hunt::{group_key, HuntReport};
use crate::scenario::Version;

/// The summary; `repro` gives each group's repro path, if one was written.
pub fn render(name: &str, version: Version, r: &HuntReport, repro: &[Option<String>]) -> String {
    let mut s = String::new();
    let kinds = match r.groups.len() {
        0 => "nothing broke".to_string(),
        1 => "1 kind of violation".to_string(),
        n => format!("{n} kinds of violation"),
    };
    s += &format!(
        "hunted {name} on {version}: {} runs, {} held, {kinds}\n",
        r.runs, r.held
    );
    if let Some(c) = &r.crash {
        s += &format!(
            "crash points: {} of {} explored; the record run (seed {}) saw {}\n",
            c.explored,
            c.points,
            c.record_seed,
            if c.recorded.is_empty() {
                "no writes".to_string()
            } else {
                c.recorded.join(", ")
            }
        );
    }
    for (i, g) in r.groups.iter().enumerate() {
        s += &format!(
            "\n{}. {}: {}/{} runs, first seed {}\n   {}\n",
            i + 1,
            g.invariant,
            g.seeds,
            r.runs,
            g.first_seed,
            g.message
        );
        if let Some(p) = &g.point {
            s += &format!("   crash point: {}\n", p.describe());
        }
        match &g.shrunk {
            None => match repro.get(i) {
                Some(Some(p)) => {
                    s += &format!("   repro (not shrunk): {p}; replay with: hvsim replay {p}\n")
                }
                _ => {
                    s += &format!(
                        "   reproduce: hvsim run FILE --version {version} --seed {}\n",
                        g.first_seed
                    )
                }
            },
            Some(Err(e)) => s += &format!("   not shrunk: {e}\n"),
            Some(Ok(sr)) => {
                s += &format!(
                    "   shrunk: {} steps -> {} steps, {} -> {} VMs, {} -> {} nodes, {} -> {} actions",
                    sr.original.steps,
                    sr.shrunk.steps,
                    sr.original.vms,
                    sr.shrunk.vms,
                    sr.original.nodes,
                    sr.shrunk.nodes,
                    sr.original.actions,
                    sr.shrunk.actions
                );
                if sr.violation.invariant != g.invariant {
                    s += &format!(" (it now violates {})", sr.violation.invariant);
                } else if group_key(&sr.violation.invariant, &sr.violation.message).1 != g.shape {
                    // The shrinker keeps the invariant, not the way it broke.
                    s += &format!(
                        "\n   the shrunk run breaks {} another way: {}",
                        g.invariant, sr.violation.message
                    );
                }
                s += "\n";
                if let Some(Some(p)) = repro.get(i) {
                    s += &format!("   repro: {p}; replay with: hvsim replay {p}\n");
                }
            }
        }
    }
    s
}
