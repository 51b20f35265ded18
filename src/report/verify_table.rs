//! The verify matrix as a text table.

use crate::explore::verify::VerifyRow;
use std::fmt::Write;

pub fn render(rows: &[VerifyRow]) -> String {
    let head = [
        "scenario", "version", "seeds", "expected", "observed", "result",
    ];
    let cells: Vec<[String; 6]> = rows
        .iter()
        .map(|r| {
            [
                r.scenario.clone(),
                r.version.clone(),
                r.seeds.to_string(),
                r.expected.clone(),
                r.observed.clone(),
                if r.ok { "ok".into() } else { "MISMATCH".into() },
            ]
        })
        .collect();
    let mut w = head.map(str::len);
    for c in &cells {
        for i in 0..6 {
            w[i] = w[i].max(c[i].chars().count());
        }
    }
    let mut s = String::new();
    let line = |s: &mut String, c: [&str; 6]| {
        let mut l = String::new();
        for i in 0..6 {
            let _ = write!(l, "{:<width$}  ", c[i], width = w[i]);
        }
        let _ = writeln!(s, "{}", l.trim_end());
    };
    line(&mut s, head);
    for c in &cells {
        line(&mut s, [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]);
    }
    for r in rows {
        for (name, n) in &r.sometimes {
            let _ = writeln!(
                s,
                "{} {}: sometimes {name} reached by {n}/{} seeds",
                r.scenario,
                r.version,
                r.seeds.len()
            );
        }
    }
    let bad = rows.iter().filter(|r| !r.ok).count();
    let _ = writeln!(s, "{} passed, {} failed", rows.len() - bad, bad);
    s
}
