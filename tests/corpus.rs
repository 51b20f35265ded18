//! Replays every input under `tests/corpus/` (crashes found by fuzzing or by hand, minimised,
//! and a few seeds) through `hvsim::fuzz::one_input`: the loader, and for an input that
//! loads, one bounded run rendered by every report. Each must end in a verdict or a
//! one-line error, never a panic. See "Fuzzing" in the README.

use hvsim::fuzz::{one_input, Outcome};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// `tests/corpus`, or the directory in `HVSIM_CORPUS` (to triage a fuzzer's saved inputs
/// with the test profile's overflow checks: `HVSIM_CORPUS=fuzz/artifacts/load`).
fn inputs() -> Vec<(String, String)> {
    let dir = std::env::var("HVSIM_CORPUS").unwrap_or_else(|_| "tests/corpus".into());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("the corpus directory")
        .map(|e| e.unwrap().path())
        // `tests/corpus/manifests/` holds the YAML fixtures of tests/manifest_fields.rs.
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (p.display().to_string(), text)
        })
        .collect()
}

#[test]
fn every_corpus_input_ends_in_a_verdict_or_a_one_line_error() {
    let inputs = inputs();
    assert!(!inputs.is_empty(), "the corpus is there");
    for (file, text) in inputs {
        match catch_unwind(AssertUnwindSafe(|| one_input(&text))) {
            Err(_) => panic!("{file}: panicked"),
            Ok(Outcome::BadError(e)) => panic!("{file}: not a one-line error: {e:?}"),
            Ok(Outcome::Rejected(e)) => assert!(e.starts_with("fuzz.ron:"), "{file}: {e}"),
            Ok(Outcome::Ran { verdict, .. }) => {
                assert!(verdict.starts_with("verdict: "), "{file}: {verdict:?}")
            }
        }
    }
}

#[test]
fn a_session_name_past_u16_max_characters_is_refused_in_one_cut_line() {
    // It crashed the timeline once; the loader now refuses names past 253 characters, and
    // the timeline's own padding is pinned by `report::timeline`'s unit test.
    let text = std::fs::read_to_string("tests/corpus/crash-timeline-session-name-past-u16-max.ron")
        .unwrap();
    let Outcome::Rejected(e) = one_input(&text) else {
        panic!("refused")
    };
    assert!(e.starts_with("fuzz.ron:") && e.len() < 1_000, "{e}");
}

#[test]
fn a_quantity_spanning_lines_is_refused_in_one_line() {
    let text = std::fs::read_to_string("tests/corpus/crash-error-newline-in-quantity.ron").unwrap();
    assert_eq!(
        one_input(&text),
        Outcome::Rejected(
            r#"fuzz.ron:9:3: a Kubernetes quantity such as "500m", "2", "6000Mi" or "4Gi", not "2x\ny" (quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$')"#
                .into()
        )
    );
}
