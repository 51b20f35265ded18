//! `hvsim replay`: `--version` replays a repro on another version, and "not reproduced"
//! has its own exit code (3), apart from bad input (2) and a reproduced violation (1).

mod common;
use common::*;

use std::path::{Path, PathBuf};

/// A directory holding `q.repro.ron`: quota-race-agent-restart's seed 1 on v1.4.1, shrunk.
fn with_repro(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-cli-replay-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    let (code, out, err) = hvsim_in(
        &d,
        &[
            "shrink",
            "quota-race-agent-restart",
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--out",
            "q.repro.ron",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    d
}

#[test]
fn a_repro_replayed_on_the_fixed_version_is_not_reproduced_with_exit_3() {
    let d = with_repro("fixed");
    let (code, out, err) = hvsim_in(&d, &["replay", "q.repro.ron", "--version", "v1.4.2"]);
    assert_eq!(code, 3, "{err}");
    assert!(out.contains("verdict: HELD every invariant"), "{out}");
    assert!(
        err.starts_with(
            "error: q.repro.ron: on v1.4.2, the repro did not reproduce: every invariant held ("
        ),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_repro_replayed_on_another_version_with_the_same_bug_reproduces() {
    let d = with_repro("same-bug");
    let (code, out, err) = hvsim_in(&d, &["replay", "q.repro.ron", "--version", "v1.4.0"]);
    assert_eq!(code, 1, "{err}");
    let last = out.lines().last().unwrap();
    assert!(
        last.starts_with("replayed on v1.4.0: quota-converges at step "),
        "{last}"
    );
    assert!(last.contains("(recorded on v1.4.1 at step "), "{last}");
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_unknown_replay_version_is_bad_input_with_exit_2() {
    let d = with_repro("unknown");
    let (code, out, err) = hvsim_in(&d, &["replay", "q.repro.ron", "--version", "v1.4.9"]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(
        err.starts_with("error: q.repro.ron: --version: unknown Harvester version \"v1.4.9\""),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn replay_help_documents_its_exit_codes() {
    let (code, out, _) = hvsim_in(Path::new("."), &["replay", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("Exit 1: reproduced"), "{out}");
    assert!(out.contains("3: not reproduced"), "{out}");
    assert!(out.contains("2: bad input or usage"), "{out}");
}

/// `replay --trace-out` writes the replay's every record as JSON lines, deliveries included,
/// as `run --trace-out` does; the text timeline still leaves the deliveries out.
#[test]
fn replay_trace_out_writes_every_record_as_json_lines() {
    let d = with_repro("trace-out");
    let (code, out, err) = hvsim_in(&d, &["replay", "q.repro.ron", "--trace-out", "t.jsonl"]);
    assert_eq!(code, 1, "{err}");
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(d.join("t.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.iter().any(|l| l["category"] == "deliver"));
    assert!(lines
        .iter()
        .any(|l| l["category"] == "write" && l["kind"] == "ResourceQuota"));
    assert!(
        !out.contains("watch MODIFIED"),
        "the timeline has no deliveries"
    );
    let _ = std::fs::remove_dir_all(&d);
}
