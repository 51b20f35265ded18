//! The command line: output and exit codes.

use std::process::Command;

fn hvsim(args: &[&str]) -> (i32, String, String) {
    hvsim_in(std::path::Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// Runs hvsim in `dir` (a fresh directory for commands that write files there).
fn hvsim_in(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
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

#[test]
fn run_exits_1_and_names_the_invariant_when_violated() {
    let (code, out, err) = hvsim(&[
        "run",
        "scenarios/quota-race-agent-restart.ron",
        "--seed",
        "1",
        "--version",
        "v1.4.1",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("verdict: VIOLATED quota-converges (after calm)"),
        "{out}"
    );
    assert!(out.contains(
        "reproduce: hvsim run scenarios/quota-race-agent-restart.ron --seed 1 --version v1.4.1"
    ));
}

#[test]
fn run_exits_0_when_every_invariant_holds() {
    let (code, out, _) = hvsim(&[
        "run",
        "scenarios/quota-race-agent-restart.ron",
        "--seed",
        "1",
        "--version",
        "v1.4.2",
    ]);
    assert_eq!(code, 0);
    assert!(out.contains("verdict: HELD every invariant"), "{out}");
}

#[test]
fn run_accepts_a_bundled_scenario_by_name() {
    let (code, out, _) = hvsim(&[
        "run",
        "quota-race-agent-restart",
        "--seed",
        "2",
        "--version",
        "v1.4.2",
    ]);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn unknown_version_flag_is_an_input_error() {
    let (code, out, err) = hvsim(&[
        "run",
        "scenarios/quota-race-agent-restart.ron",
        "--version",
        "v9.9.9",
    ]);
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(err.starts_with("error: scenarios/quota-race-agent-restart.ron: --version: unknown Harvester version \"v9.9.9\", expected one of v1.2.0"), "{err}");
}

#[test]
fn missing_file_is_an_input_error() {
    let (code, _, err) = hvsim(&["run", "no/such/file.ron"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: no/such/file.ron:1:1: cannot read the scenario file:"),
        "{err}"
    );
}

#[test]
fn explore_shrink_writes_one_replayable_repro_per_violated_invariant() {
    let dir = std::env::temp_dir().join(format!("hvsim-explore-shrink-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let (code, out, err) = hvsim_in(
        &dir,
        &[
            "explore",
            "quota-race-node-drain",
            "--version",
            "v1.4.1",
            "--budget",
            "90",
            "--jobs",
            "1",
            "--shrink",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "quota-race-node-drain.migration-completes.repro.ron",
            "quota-race-node-drain.quota-converges.repro.ron"
        ]
    );
    assert!(
        out.contains("shrunk quota-converges (seed 82): 822 steps -> 94 steps, 4 -> 1 VMs"),
        "{out}"
    );
    let (code, out, err) = hvsim_in(
        &dir,
        &["replay", "quota-race-node-drain.quota-converges.repro.ron"],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        out.contains("replayed: quota-converges at step 94, as recorded"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
