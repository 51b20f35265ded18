//! The verify matrix as a text table.

use crate::explore::verify::VerifyRow;
use std::fmt::Write;

/// The verify rows as an aligned text table.
pub fn render(rows: &[VerifyRow]) -> String {
    render_with_repros(rows, &|_| None)
}

/// The table with, under each row for which `repro` gives one (a mismatch), the line
/// `  repro: COMMAND`.
pub fn render_with_repros(
    rows: &[VerifyRow],
    repro: &dyn Fn(&VerifyRow) -> Option<String>,
) -> String {
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
    for (c, r) in cells.iter().zip(rows) {
        line(&mut s, [&c[0], &c[1], &c[2], &c[3], &c[4], &c[5]]);
        if let Some(cmd) = repro(r) {
            let _ = writeln!(s, "  repro: {cmd}");
        }
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

/// The command that reproduces a mismatched row's first violating seed (or, when nothing
/// violated, the range's first seed): `hvsim run FILE --version V --seed S`. A row keyed
/// with a repo VM policy (`v1.4.2+Policy`) names the policy to set in the scenario, which
/// `run` has no flag for.
pub fn repro_command(file: &str, r: &VerifyRow) -> String {
    let seed = r.first.as_ref().map(|(s, _)| *s).unwrap_or(r.seeds.start);
    match r.version.split_once('+') {
        None => format!("hvsim run {file} --version {} --seed {seed}", r.version),
        Some((v, policy)) => format!(
            "hvsim run {file} --version {v} --seed {seed} (with upgrade repo_vm_policy: {policy})"
        ),
    }
}
