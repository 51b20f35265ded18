//! The verify matrix as a Markdown table, for pull requests (`verify --format markdown`).

use crate::explore::verify::VerifyRow;
use std::fmt::Write;

/// The table's header row.
pub const VERIFY_HEADER: &str = "| scenario | version | seeds | expected | observed | result |";

/// A cell: `|` escaped and line breaks flattened, so the table stays one row per line.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace(['\n', '\r'], " ")
}

/// The verify rows as a Markdown table, header first.
pub fn render_verify(rows: &[VerifyRow]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{VERIFY_HEADER}");
    let _ = writeln!(s, "|---|---|---|---|---|---|");
    for r in rows {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {} | {} | {} |",
            cell(&r.scenario),
            cell(&r.version),
            r.seeds,
            cell(&r.expected),
            cell(&r.observed),
            if r.ok { "ok" } else { "**MISMATCH**" }
        );
    }
    let cover: Vec<String> = rows
        .iter()
        .flat_map(|r| {
            r.sometimes.iter().map(move |(name, n)| {
                format!(
                    "- {} {}: sometimes `{name}` reached by {n}/{} seeds",
                    r.scenario,
                    r.version,
                    r.seeds.len()
                )
            })
        })
        .collect();
    if !cover.is_empty() {
        let _ = writeln!(s);
        for c in cover {
            let _ = writeln!(s, "{c}");
        }
    }
    let bad = rows.iter().filter(|r| !r.ok).count();
    let _ = writeln!(s, "\n{} passed, {} failed", rows.len() - bad, bad);
    s
}
