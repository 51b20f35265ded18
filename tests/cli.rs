//! The command line: output and exit codes.

use std::process::Command;

fn hvsim(args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
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
        err.starts_with("error: no/such/file.ron: cannot read the scenario file:"),
        "{err}"
    );
}
