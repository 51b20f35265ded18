//! "Did you mean": the nearest of a few known names to what was typed, for a misspelled
//! bundled scenario or version (clap suggests subcommands and flags itself).

use crate::scenario::{self, version::KNOWN};
use std::path::Path;

/// Edit distance (insertions, deletions, substitutions), over chars.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev + usize::from(ca != *cb);
            prev = row[j + 1];
            row[j + 1] = sub.min(prev + 1).min(row[j] + 1);
        }
    }
    row[b.len()]
}

/// The candidate nearest to `typed`, if near enough to be a typo (at most a third of its
/// length away, and at least one edit allowed); on a tie the later candidate (for versions,
/// the newer release).
pub fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let most = (typed.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = distance(typed, c);
        if d <= most && best.is_none_or(|(bd, _)| d <= bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `; did you mean NAME?` for a scenario argument that is neither a file nor a bundled
/// scenario but is near one's name.
pub fn bundled_hint(file: &str) -> Option<String> {
    if Path::new(file).exists() {
        return None;
    }
    let names = scenario::bundled()
        .iter()
        .map(|(p, _)| p.trim_start_matches("scenarios/").trim_end_matches(".ron"));
    let typed = file
        .trim_start_matches("scenarios/")
        .trim_end_matches(".ron");
    nearest(typed, names).map(|n| format!("; did you mean {n}?"))
}

/// `; did you mean vX.Y.Z?` for an unknown version near a known one.
pub fn version_hint(typed: &str) -> Option<String> {
    nearest(typed, KNOWN.iter().copied()).map(|v| format!("; did you mean {v}?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_one_digit_off_suggests_the_newest_release_that_near() {
        assert_eq!(nearest("v1.4.9", KNOWN.iter().copied()), Some("v1.4.3"));
    }

    #[test]
    fn a_name_far_from_every_candidate_suggests_nothing() {
        assert_eq!(nearest("banana", ["quota-race-agent-restart"]), None);
    }

    #[test]
    fn a_dropped_letter_is_found() {
        assert_eq!(
            nearest(
                "quota-race-agent-restrt",
                ["quota-race-agent-restart", "quota-race-node-drain"]
            ),
            Some("quota-race-agent-restart")
        );
    }
}
