//! `hvsim hunt`: exit codes, the triage summary, and repros that replay.

use std::path::{Path, PathBuf};
use std::process::Command;

fn hvsim_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

/// A fresh directory under the target dir, for commands that write files.
fn fresh_dir(name: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn hunt_exits_0_when_no_oracle_breaks_on_the_fixed_version() {
    let d = fresh_dir("hunt-fixed");
    let (code, out, err) = hvsim_in(
        &d,
        &[
            "hunt",
            "quota-race-agent-restart",
            "--version",
            "v1.4.2",
            "--budget",
            "30",
            "--oracles-only",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "hunted quota-race-agent-restart on v1.4.2: 30 runs, 30 held, nothing broke\n"
    );
}

#[test]
fn hunt_exits_1_groups_what_broke_and_writes_a_repro_that_replays() {
    let d = fresh_dir("hunt-buggy");
    let (code, out, err) = hvsim_in(
        &d,
        &[
            "hunt",
            "quota-race-agent-restart",
            "--version",
            "v1.4.1",
            "--budget",
            "30",
            "--oracles-only",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.starts_with("hunted quota-race-agent-restart on v1.4.1: 30 runs, "),
        "{out}"
    );
    assert!(out.contains("\n1. leftovers: "), "{out}");
    let repro = "./quota-race-agent-restart.leftovers.1.repro.ron";
    assert!(
        out.contains(&format!(
            "   repro: {repro}; replay with: hvsim replay {repro}\n"
        )),
        "{out}"
    );
    let (code, out, err) = hvsim_in(&d, &["replay", repro]);
    assert!(out.contains("replayed: leftovers at step "), "{out}{err}");
    assert!(out.contains(", as recorded"), "{out}");
    assert_eq!(code, 1, "{err}");
}

#[test]
fn hunt_refuses_an_unknown_oracle_with_exit_2_and_the_names_it_knows() {
    let d = fresh_dir("hunt-bad-oracle");
    let (code, out, err) = hvsim_in(
        &d,
        &[
            "hunt",
            "quota-race-agent-restart",
            "--no-oracle",
            "leftover",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: --no-oracle: expected one of leftovers, workload-safety, progress, views-converge, flapping, differential, not \"leftover\"\n"
    );
}

#[test]
fn hunt_with_an_oracle_switched_off_does_not_report_it() {
    let d = fresh_dir("hunt-off");
    let (code, out, err) = hvsim_in(
        &d,
        &[
            "hunt",
            "quota-race-agent-restart",
            "--version",
            "v1.4.1",
            "--budget",
            "30",
            "--oracles-only",
            "--no-oracle",
            "leftovers",
            "--no-oracle",
            "differential",
            "--no-shrink",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.ends_with("nothing broke\n"), "{out}");
}

/// A chaos seed cannot be rerun from the scenario file alone, so `--chaos --no-shrink` writes
/// each group's whole perturbed run as a repro, and it replays. (Seed 33, the first that
/// breaks quota-converges since a deleted VMI's guest and a deleted running pod take time to
/// stop; seeds 231 and 206 were used before.)
#[test]
fn hunt_chaos_without_shrinking_writes_the_whole_perturbed_run_as_a_repro_that_replays() {
    let dir = fresh_dir("chaos-no-shrink");
    let (code, out, err) = hvsim_in(
        &dir,
        &[
            "hunt",
            "quota-race-agent-restart",
            "--version",
            "v1.4.2",
            "--chaos",
            "--seeds",
            "33..34",
            "--no-shrink",
            "--jobs",
            "1",
        ],
    );
    assert_eq!(code, 1, "{out}{err}");
    let file = "quota-race-agent-restart.quota-converges.1.repro.ron";
    assert!(out.contains("repro (not shrunk): "), "{out}");
    assert!(dir.join(file).exists(), "{out}");
    let (code, out, err) = hvsim_in(&dir, &["replay", file]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("replayed: quota-converges at step"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}
