//! Outputs never destroy data: closed pipes end quietly, no output flag overwrites an input,
//! temporary files cannot be redirected, a failed command leaves no output, and results
//! files of different sweeps never mix. Each test runs the real binary in a fresh directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const SCENARIO: &str = "scenarios/quota-race-agent-restart.ron";

/// A fresh directory holding `x.ron`, a copy of the quota-race scenario.
fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hvsim-outputs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    std::fs::copy(src, dir.join("x.ron")).unwrap();
    dir
}

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

/// The names in `dir`, sorted (hidden temporary files included).
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    v.sort();
    v
}

fn scenario_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(SCENARIO)).unwrap()
}

/// Runs hvsim with its stdout a pipe whose reader has already gone.
fn hvsim_into_closed_pipe(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let o = child.wait_with_output().unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn run_into_a_closed_pipe_ends_quietly_with_the_verdicts_exit_code() {
    let dir = workdir("pipe-run");
    let (code, err) = hvsim_into_closed_pipe(
        &dir,
        &["run", "x.ron", "--seed", "1", "--version", "v1.4.1"],
    );
    assert_eq!((code, err.as_str()), (1, ""));
}

#[test]
fn explore_into_a_closed_pipe_ends_quietly_and_still_writes_its_results_file() {
    let dir = workdir("pipe-explore");
    let (code, err) = hvsim_into_closed_pipe(
        &dir,
        &[
            "explore",
            "x.ron",
            "--version",
            "v1.4.2",
            "--budget",
            "5",
            "--out",
            "r.jsonl",
        ],
    );
    assert_eq!((code, err.as_str()), (0, ""));
    let text = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    assert_eq!(text.lines().count(), 6, "a header and five runs: {text}");
}

#[test]
fn perfetto_onto_the_scenario_file_is_refused_and_the_scenario_kept() {
    let dir = workdir("perfetto-input");
    let (code, out, err) = hvsim_in(&dir, &["run", "x.ron", "--perfetto", "x.ron"]);
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: x.ron: --perfetto: would overwrite the input x.ron\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("x.ron")).unwrap(),
        scenario_text()
    );
}

#[test]
fn trace_out_onto_the_scenario_through_dot_slash_is_refused() {
    let dir = workdir("trace-dot");
    let (code, _, err) = hvsim_in(&dir, &["run", "x.ron", "--trace-out", "./x.ron"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: ./x.ron: --trace-out: would overwrite the input x.ron\n"
    );
}

#[test]
fn an_output_through_a_symlink_to_the_scenario_is_refused() {
    let dir = workdir("symlink-out");
    std::os::unix::fs::symlink("x.ron", dir.join("trace.json")).unwrap();
    let (code, _, err) = hvsim_in(&dir, &["run", "x.ron", "--perfetto", "trace.json"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: trace.json: --perfetto: would overwrite the input x.ron\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("x.ron")).unwrap(),
        scenario_text()
    );
}

#[test]
fn an_output_that_is_a_hard_link_of_the_scenario_is_refused() {
    let dir = workdir("hardlink-out");
    std::fs::hard_link(dir.join("x.ron"), dir.join("trace.jsonl")).unwrap();
    let (code, _, err) = hvsim_in(&dir, &["run", "x.ron", "--trace-out", "trace.jsonl"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: trace.jsonl: --trace-out: would overwrite the input x.ron\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("x.ron")).unwrap(),
        scenario_text()
    );
}

#[test]
fn a_plot_directory_whose_plot_file_is_the_input_is_refused() {
    let dir = workdir("plot-input");
    std::fs::rename(dir.join("x.ron"), dir.join("quota-timeline.svg")).unwrap();
    let (code, _, err) = hvsim_in(
        &dir,
        &[
            "run",
            "quota-timeline.svg",
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--plot",
            ".",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: .: --plot: would overwrite the input quota-timeline.svg with ./quota-timeline.svg\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("quota-timeline.svg")).unwrap(),
        scenario_text()
    );
}

#[test]
fn two_output_flags_naming_one_file_are_refused() {
    let dir = workdir("same-output");
    let (code, _, err) = hvsim_in(
        &dir,
        &[
            "run",
            "x.ron",
            "--perfetto",
            "t.json",
            "--trace-out",
            "t.json",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: t.json: --trace-out names the same file as --perfetto\n"
    );
    assert_eq!(names(&dir), ["x.ron"]);
}

#[test]
fn explore_out_onto_the_scenario_is_refused() {
    let dir = workdir("explore-input");
    let (code, _, err) = hvsim_in(
        &dir,
        &["explore", "x.ron", "--budget", "2", "--out", "x.ron"],
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: x.ron: --out: would overwrite the input x.ron\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("x.ron")).unwrap(),
        scenario_text()
    );
}

#[test]
fn shrink_out_onto_the_scenario_is_refused_before_shrinking() {
    let dir = workdir("shrink-input");
    let (code, out, err) = hvsim_in(
        &dir,
        &[
            "shrink",
            "x.ron",
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--out",
            "x.ron",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: x.ron: --out: would overwrite the input x.ron\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("x.ron")).unwrap(),
        scenario_text()
    );
}

#[test]
fn replay_perfetto_onto_the_repro_file_is_refused() {
    let dir = workdir("replay-input");
    let (code, _, err) = hvsim_in(
        &dir,
        &[
            "shrink",
            "x.ron",
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--out",
            "r.repro.ron",
        ],
    );
    assert_eq!(code, 1, "{err}");
    let before = std::fs::read_to_string(dir.join("r.repro.ron")).unwrap();
    let (code, _, err) = hvsim_in(
        &dir,
        &["replay", "r.repro.ron", "--perfetto", "r.repro.ron"],
    );
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: r.repro.ron: --perfetto: would overwrite the input r.repro.ron\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("r.repro.ron")).unwrap(),
        before
    );
}

#[test]
fn a_run_whose_trace_cannot_be_written_leaves_no_plot_behind() {
    let dir = workdir("no-partial");
    let (code, out, err) = hvsim_in(
        &dir,
        &[
            "run",
            "x.ron",
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--plot",
            "plots",
            "--perfetto",
            "nodir/p.json",
        ],
    );
    assert_eq!(code, 2);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "error: nodir/p.json: --perfetto: the directory nodir does not exist\n"
    );
    assert_eq!(
        names(&dir),
        ["x.ron"],
        "no plots directory, no temporary file"
    );
}

#[test]
fn a_violating_run_still_writes_all_its_outputs_and_no_temporary_file() {
    let dir = workdir("violation-writes");
    let (code, _, err) = hvsim_in(
        &dir,
        &[
            "run",
            "x.ron",
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--plot",
            "plots",
            "--perfetto",
            "p.json",
            "--trace-out",
            "t.jsonl",
        ],
    );
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "wrote plots/quota-timeline.svg\n");
    assert_eq!(names(&dir), ["p.json", "plots", "t.jsonl", "x.ron"]);
    assert_eq!(names(&dir.join("plots")), ["quota-timeline.svg"]);
}

#[test]
fn a_planted_temporary_name_symlink_does_not_redirect_a_write() {
    // Before, `perfetto::write` wrote through `PATH.tmp-PID`: a symlink planted under that
    // name sent the trace into its target.
    let dir = workdir("planted");
    let victim = dir.join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let pid = std::process::id();
    for planted in [format!("t.json.tmp-{pid}"), format!(".t.json.tmp-{pid}")] {
        std::os::unix::fs::symlink(&victim, dir.join(planted)).unwrap();
    }
    let t = dir.join("t.json");
    hvsim::report::perfetto::write(&t.to_string_lossy(), &serde_json::json!({"a": 1})).unwrap();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    assert_eq!(std::fs::read_to_string(&t).unwrap(), "{\"a\":1}");
}

#[test]
fn a_temporary_file_left_by_a_killed_write_is_removed_by_the_next_write() {
    let dir = workdir("stale");
    // A pid that is not running: the write that made it was killed.
    let stale = dir.join(".p.json.hvsim-tmp-4294967294-0123456789abcdef");
    std::fs::write(&stale, "half a trace").unwrap();
    let (code, _, err) = hvsim_in(&dir, &["run", "x.ron", "--perfetto", "p.json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(names(&dir), ["p.json", "x.ron"]);
}

fn explore(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![
        "explore",
        "x.ron",
        "--version",
        "v1.4.1",
        "--budget",
        "30",
        "--jobs",
        "1",
    ];
    args.extend_from_slice(extra);
    hvsim_in(dir, &args)
}

#[test]
fn explore_out_refuses_a_results_file_of_another_sweep_without_force() {
    let dir = workdir("other-sweep");
    let (code, _, err) = explore(&dir, &["--out", "r.jsonl"]);
    assert_eq!(code, 1, "{err}");
    let before = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    let (code, out, err) = explore(&dir, &["--strategy", "swarm", "--out", "r.jsonl"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "error: r.jsonl: holds the results of another sweep (quota-race-agent-restart v1.4.1 random, seeds 0..30), this sweep is quota-race-agent-restart v1.4.1 swarm, seeds 0..30; give another --out, or --force to replace it\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("r.jsonl")).unwrap(),
        before
    );
    let (code, _, err) = explore(
        &dir,
        &["--strategy", "swarm", "--out", "r.jsonl", "--force"],
    );
    assert_eq!(code, 1, "{err}");
    let after = std::fs::read_to_string(dir.join("r.jsonl")).unwrap();
    assert!(after.starts_with("{\"sweep\":{") && after.contains("\"strategy\":\"swarm\""));
}

#[test]
fn explore_out_refuses_a_file_that_is_not_a_results_file() {
    let dir = workdir("not-results");
    std::fs::write(dir.join("notes.txt"), "my notes\n").unwrap();
    let (code, _, err) = explore(&dir, &["--out", "notes.txt"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: notes.txt: exists and is not a results file; give another --out, or --force to replace it\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("notes.txt")).unwrap(),
        "my notes\n"
    );
}

#[test]
fn resume_refuses_the_file_of_another_shard() {
    let dir = workdir("resume-shard");
    let (code, _, err) = explore(&dir, &["--shard", "2/8", "--out", "s.jsonl"]);
    assert!(code == 0 || code == 1, "{err}");
    let before = std::fs::read_to_string(dir.join("s.jsonl")).unwrap();
    let (code, _, err) = explore(&dir, &["--shard", "3/8", "--out", "s.jsonl", "--resume"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: s.jsonl: --resume of another sweep: the file holds quota-race-agent-restart v1.4.1 random, seeds 0..30, shard 2/8, this command is quota-race-agent-restart v1.4.1 random, seeds 0..30, shard 3/8\n"
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("s.jsonl")).unwrap(),
        before
    );
}

#[test]
fn merge_reports_missing_shards_and_exits_2() {
    let dir = workdir("merge-missing");
    explore(&dir, &["--shard", "1/3", "--out", "1.jsonl"]);
    explore(&dir, &["--shard", "3/3", "--out", "3.jsonl"]);
    let (code, out, err) = hvsim_in(&dir, &["merge", "1.jsonl", "3.jsonl"]);
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "error: shards missing from quota-race-agent-restart v1.4.1 random, seeds 0..30: 2/3; merge needs all 3\n"
    );
}

#[test]
fn merge_reports_a_shard_given_twice_and_exits_2() {
    let dir = workdir("merge-overlap");
    explore(&dir, &["--shard", "1/2", "--out", "1.jsonl"]);
    std::fs::copy(dir.join("1.jsonl"), dir.join("copy.jsonl")).unwrap();
    let (code, _, err) = hvsim_in(&dir, &["merge", "1.jsonl", "copy.jsonl"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: copy.jsonl: shard 1/2 overlaps 1.jsonl, which holds the same shard\n"
    );
}

#[test]
fn merge_reports_an_incomplete_shard_and_exits_2() {
    let dir = workdir("merge-incomplete");
    explore(&dir, &["--shard", "1/2", "--out", "1.jsonl"]);
    explore(&dir, &["--shard", "2/2", "--out", "2.jsonl"]);
    // An interrupted shard: its last three runs never reported.
    let text = std::fs::read_to_string(dir.join("2.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(
        dir.join("2.jsonl"),
        lines[..lines.len() - 3].join("\n") + "\n",
    )
    .unwrap();
    let (code, _, err) = hvsim_in(&dir, &["merge", "1.jsonl", "2.jsonl"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: 2.jsonl: shard 2/2 is incomplete: 3 of its 15 seeds missing (first: seed 25); finish it with explore --resume\n"
    );
}

#[test]
fn three_merged_shards_print_the_whole_sweeps_summary_sometimes_lines_included() {
    let dir = workdir("merge-equal");
    let (code, whole, err) = explore(&dir, &[]);
    assert_eq!(code, 1, "{err}");
    for k in 1..=3 {
        let (_, _, err) = explore(
            &dir,
            &["--shard", &format!("{k}/3"), "--out", &format!("{k}.jsonl")],
        );
        assert!(!err.contains("error"), "{err}");
    }
    let (code, merged, err) = hvsim_in(&dir, &["merge", "1.jsonl", "2.jsonl", "3.jsonl"]);
    assert_eq!(code, 1, "{err}");
    // The whole sweep's first line adds the wall time and rates; the rest is identical.
    let (first, rest) = whole.split_once('\n').unwrap();
    let counts = &first[..first.find(" in ").unwrap()];
    let expected = format!("{}\n{rest}", counts.replacen("explored", "merged", 1));
    assert_eq!(merged, expected);
    assert!(
        merged.contains("\nsometimes reset-during-migration: reached in "),
        "{merged}"
    );
}
