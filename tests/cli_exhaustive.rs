//! `--strategy exhaustive` on the command line: its findings name a run that `hvsim run`
//! reproduces, and `--shrink` writes a repro that `hvsim replay` reproduces.

mod common;
use common::*;

use std::path::PathBuf;

fn fresh_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-cli-ex-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

const EXPLORE: &[&str] = &[
    "explore",
    "quota-race-agent-restart",
    "--version",
    "v1.4.1",
    "--strategy",
    "exhaustive",
    "--budget",
    "300",
];

#[test]
fn an_exhaustive_finding_names_a_run_that_gives_the_same_violation() {
    let dir = fresh_dir("finding");
    let (code, out, err) = hvsim_in(&dir, EXPLORE);
    assert_eq!(code, 1, "{err}");
    let first = out.lines().find(|l| l.starts_with("  first: ")).unwrap();
    assert!(
        first.starts_with("  first: run 11 after 173 steps: quota-converges: "),
        "{out}"
    );
    let cmd = out
        .lines()
        .find_map(|l| l.strip_prefix("reproduce (quota-converges): "))
        .unwrap_or_else(|| panic!("{out}"));
    assert_eq!(
        cmd,
        "hvsim run quota-race-agent-restart --seed 11 --version v1.4.1 --strategy exhaustive --bound 12"
    );
    let args: Vec<&str> = cmd.split(' ').skip(1).collect();
    let (code, run_out, err) = hvsim_in(&dir, &args);
    assert_eq!(code, 1, "{err}");
    let message = first.split_once("quota-converges: ").unwrap().1;
    let verdict = run_out
        .lines()
        .find(|l| l.starts_with("verdict: "))
        .unwrap();
    assert_eq!(
        verdict,
        format!(
            "verdict: VIOLATED quota-converges (after calm) at step 173 (06:10.000000): {message}"
        )
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exhaustive_shrink_writes_a_repro_that_replay_reproduces() {
    let dir = fresh_dir("shrink");
    let mut args = EXPLORE.to_vec();
    args.push("--shrink");
    let (code, out, err) = hvsim_in(&dir, &args);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("shrunk quota-converges (run 11): 173 steps -> 95 steps, 2 -> 1 VMs, 3 -> 1 nodes, 2 -> 2 actions; wrote quota-race-agent-restart.quota-converges.repro.ron"),
        "{out}"
    );
    let (code, out, err) = hvsim_in(
        &dir,
        &[
            "replay",
            "quota-race-agent-restart.quota-converges.repro.ron",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.ends_with("replayed: quota-converges at step 95, as recorded\n"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_with_exhaustive_refuses_run_0_as_runs_are_numbered_from_1() {
    let dir = fresh_dir("zero");
    let (code, out, err) = hvsim_in(
        &dir,
        &[
            "run",
            "quota-race-agent-restart",
            "--strategy",
            "exhaustive",
        ],
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert_eq!(
        err,
        "error: --seed: exhaustive runs are numbered from 1, not 0\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn run_with_exhaustive_names_the_size_of_the_space_for_a_run_past_its_end() {
    let dir = fresh_dir("past");
    let (code, _, err) = hvsim_in(
        &dir,
        &[
            "run",
            "quota-race-agent-restart",
            "--version",
            "v1.4.1",
            "--strategy",
            "exhaustive",
            "--run",
            "999",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: --seed: run 999: the exhaustive enumeration with bound 12 has 56 runs\n"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
