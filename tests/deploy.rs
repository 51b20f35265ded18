//! The Kubernetes manifests under deploy/kubernetes/ and the flags they use: `explore
//! --shard auto` (the shard from an Indexed Job's environment), `--no-fail`, and the Job's
//! exact container command run for every index here, merged, against one whole sweep.

use saphyr::{LoadableYamlNode, Scalar, Yaml};
use std::path::{Path, PathBuf};
use std::process::Command;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn workdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("hvsim-deploy-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs hvsim in `dir` with `env` added and the Indexed Job's variables otherwise unset.
fn hvsim_env(dir: &Path, env: &[(&str, &str)], args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(args)
        .current_dir(dir)
        .env_remove("JOB_COMPLETION_INDEX")
        .env_remove("JOB_COMPLETIONS")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

const SWEEP: [&str; 6] = [
    "explore",
    "quota-race-agent-restart",
    "--version",
    "v1.4.1",
    "--seeds",
    "0..30",
];

fn sweep_with(extra: &[&str]) -> Vec<String> {
    SWEEP.iter().chain(extra).map(|s| s.to_string()).collect()
}

fn run_sweep(env: &[(&str, &str)], extra: &[&str]) -> (i32, String, String) {
    let args = sweep_with(extra);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    hvsim_env(repo(), env, &args)
}

#[test]
fn shard_auto_without_job_completion_index_exits_2_naming_the_variable() {
    let (code, out, err) = run_sweep(&[("JOB_COMPLETIONS", "3")], &["--shard", "auto"]);
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        err,
        "error: --shard auto needs the environment variable JOB_COMPLETION_INDEX (set by an Indexed Job; see docs/sharded-sweeps.md)\n"
    );
}

#[test]
fn shard_auto_without_job_completions_exits_2_naming_the_variable() {
    let (code, _, err) = run_sweep(&[("JOB_COMPLETION_INDEX", "0")], &["--shard", "auto"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: --shard auto needs the environment variable JOB_COMPLETIONS (set by an Indexed Job; see docs/sharded-sweeps.md)\n"
    );
}

#[test]
fn shard_auto_refuses_an_index_not_below_the_completions() {
    let env = [("JOB_COMPLETION_INDEX", "3"), ("JOB_COMPLETIONS", "3")];
    let (code, _, err) = run_sweep(&env, &["--shard", "auto"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: --shard auto: JOB_COMPLETION_INDEX=3 is not below JOB_COMPLETIONS=3 (the index is 0-based)\n"
    );
}

#[test]
fn shard_auto_refuses_a_completions_count_that_is_not_a_number() {
    let env = [("JOB_COMPLETION_INDEX", "0"), ("JOB_COMPLETIONS", "four")];
    let (code, _, err) = run_sweep(&env, &["--shard", "auto"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: --shard auto: JOB_COMPLETIONS must be a whole number, not \"four\"\n"
    );
}

#[test]
fn shard_auto_runs_shard_index_plus_one_of_completions() {
    let env = [("JOB_COMPLETION_INDEX", "1"), ("JOB_COMPLETIONS", "3")];
    let (_, auto, _) = run_sweep(&env, &["--shard", "auto", "--format", "json"]);
    let (_, given, _) = run_sweep(&[], &["--shard", "2/3", "--format", "json"]);
    assert!(auto.contains("\"shard\": \"2/3\""), "{auto}");
    assert_eq!(auto, given);
}

#[test]
fn no_fail_exits_0_when_the_sweep_found_violations() {
    let (code, out, err) = run_sweep(&[], &["--no-fail"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("violations: "), "{out}");
    assert!(!out.contains("violations: 0 of"), "{out}");
}

#[test]
fn no_fail_still_exits_2_on_bad_input() {
    let (code, _, err) = run_sweep(&[], &["--no-fail", "--shard", "0/4"]);
    assert_eq!(code, 2);
    assert!(err.starts_with("error: --shard takes K/N"), "{err}");
}

// The manifests.

fn manifest(name: &str) -> Yaml<'static> {
    let text = std::fs::read_to_string(repo().join("deploy/kubernetes").join(name)).unwrap();
    let text: &'static str = Box::leak(text.into_boxed_str());
    let mut docs = Yaml::load_from_str(text).unwrap();
    assert_eq!(docs.len(), 1, "{name}: one object");
    docs.remove(0)
}

fn get<'y>(y: &'y Yaml<'static>, path: &str) -> &'y Yaml<'static> {
    path.split('.')
        .fold(y, |node, key| match key.parse::<usize>() {
            Ok(i) => node
                .as_sequence_get(i)
                .unwrap_or_else(|| panic!("{path}: no item {i}")),
            Err(_) => node
                .as_mapping_get(key)
                .unwrap_or_else(|| panic!("{path}: no key {key}")),
        })
}

fn text(y: &Yaml<'static>) -> String {
    match y {
        Yaml::Value(Scalar::String(s)) => s.to_string(),
        Yaml::Value(Scalar::Integer(i)) => i.to_string(),
        Yaml::Representation(s, _, _) => s.to_string(),
        other => panic!("not a scalar: {other:?}"),
    }
}

fn strings(y: &Yaml<'static>) -> Vec<String> {
    match y {
        Yaml::Sequence(items) => items.iter().map(text).collect(),
        other => panic!("not a sequence: {other:?}"),
    }
}

const CONTAINER: &str = "spec.template.spec.containers.0";

#[test]
fn sweep_job_is_indexed_with_completions_equal_to_parallelism_and_job_completions() {
    let job = manifest("sweep-job.yaml");
    assert_eq!(text(get(&job, "apiVersion")), "batch/v1");
    assert_eq!(text(get(&job, "kind")), "Job");
    assert_eq!(text(get(&job, "spec.completionMode")), "Indexed");
    let completions = text(get(&job, "spec.completions"));
    assert_eq!(text(get(&job, "spec.parallelism")), completions);
    let env = get(&job, &format!("{CONTAINER}.env.0"));
    assert_eq!(text(get(env, "name")), "JOB_COMPLETIONS");
    assert_eq!(text(get(env, "value")), completions);
    let index = get(&job, &format!("{CONTAINER}.env.1"));
    assert_eq!(text(get(index, "name")), "JOB_COMPLETION_INDEX");
    assert_eq!(
        text(get(index, "valueFrom.fieldRef.fieldPath")),
        "metadata.annotations['batch.kubernetes.io/job-completion-index']"
    );
    assert_eq!(text(get(&job, "spec.template.spec.restartPolicy")), "Never");
}

#[test]
fn sweep_job_writes_one_file_per_index_to_a_read_write_many_claim() {
    let job = manifest("sweep-job.yaml");
    let command = strings(get(&job, &format!("{CONTAINER}.command")));
    let at = command.iter().position(|a| a == "--out").unwrap();
    assert_eq!(
        command[at + 1],
        "/results/shard-$(JOB_COMPLETION_INDEX).jsonl"
    );
    assert!(command.contains(&"--no-fail".to_string()), "{command:?}");
    let mount = get(&job, &format!("{CONTAINER}.volumeMounts.0"));
    assert_eq!(text(get(mount, "mountPath")), "/results");
    let volume = get(&job, "spec.template.spec.volumes.0");
    assert_eq!(text(get(volume, "name")), text(get(mount, "name")));
    let claim = text(get(volume, "persistentVolumeClaim.claimName"));
    let pvc = manifest("pvc.yaml");
    assert_eq!(text(get(&pvc, "metadata.name")), claim);
    assert_eq!(strings(get(&pvc, "spec.accessModes")), ["ReadWriteMany"]);
}

#[test]
fn merge_job_merges_every_shard_file_of_the_same_claim() {
    let job = manifest("merge-job.yaml");
    let command = strings(get(&job, &format!("{CONTAINER}.command")));
    assert_eq!(
        command,
        [
            "/bin/sh",
            "-c",
            "hvsim merge --no-fail /results/shard-*.jsonl"
        ]
    );
    let sweep = manifest("sweep-job.yaml");
    let claim = "spec.template.spec.volumes.0.persistentVolumeClaim.claimName";
    assert_eq!(text(get(&job, claim)), text(get(&sweep, claim)));
}

/// The Job's container command as Kubernetes runs it in pod `index`: `$(JOB_COMPLETION_INDEX)`
/// expanded, the results volume at `results`, `hvsim` this build.
fn pod_command(command: &[String], index: u64, results: &Path) -> Vec<String> {
    command[1..]
        .iter()
        .map(|a| {
            a.replace("$(JOB_COMPLETION_INDEX)", &index.to_string())
                .replace("/results", results.to_str().unwrap())
        })
        .collect()
}

fn summary_counts(out: &str) -> Vec<String> {
    // The lines after the title: violations per invariant and sometimes-assertions.
    out.lines()
        .skip(1)
        .filter(|l| !l.starts_with("reproduce"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_sweep_jobs_command_for_every_index_merged_equals_one_whole_sweep() {
    let dir = workdir("indexed");
    let job = manifest("sweep-job.yaml");
    let command = strings(get(&job, &format!("{CONTAINER}.command")));
    assert_eq!(command[0], "hvsim");
    let n: u64 = text(get(&job, "spec.completions")).parse().unwrap();
    let completions = n.to_string();
    let mut files = Vec::new();
    for index in 0..n {
        let args = pod_command(&command, index, &dir);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let index = index.to_string();
        let env = [
            ("JOB_COMPLETION_INDEX", index.as_str()),
            ("JOB_COMPLETIONS", completions.as_str()),
        ];
        let (code, out, err) = hvsim_env(&dir, &env, &args);
        assert_eq!(code, 0, "pod {index}: {out}{err}");
        files.push(dir.join(format!("shard-{index}.jsonl")));
    }
    let mut merge = vec!["merge".to_string()];
    merge.extend(files.iter().map(|f| f.to_str().unwrap().to_string()));
    let merge: Vec<&str> = merge.iter().map(String::as_str).collect();
    let (_, merged, err) = hvsim_env(&dir, &[], &merge);
    assert!(merged.starts_with("merged "), "{err}");

    // One whole sweep: the same command without --shard and --out.
    let mut whole: Vec<String> = command[1..].to_vec();
    for flag in ["--shard", "--out"] {
        let at = whole.iter().position(|a| a == flag).unwrap();
        whole.drain(at..at + 2);
    }
    let whole: Vec<&str> = whole.iter().map(String::as_str).collect();
    let (_, whole_out, err) = hvsim_env(&dir, &[], &whole);
    assert!(whole_out.starts_with("explored "), "{err}");
    let whole_counts = summary_counts(&whole_out);
    // The whole sweep's first line after the title names runs and events/s; the merge's names
    // runs only. Compare from the violations line on.
    let from = |v: &[String]| -> Vec<String> {
        v.iter()
            .skip_while(|l| !l.starts_with("violations:"))
            .cloned()
            .collect()
    };
    assert!(!from(&whole_counts).is_empty(), "{whole_out}");
    assert_eq!(from(&summary_counts(&merged)), from(&whole_counts));
}

#[test]
fn merge_refuses_when_a_shard_file_is_missing() {
    let dir = workdir("missing");
    for index in ["0", "2"] {
        let out = format!("shard-{index}.jsonl");
        let env = [("JOB_COMPLETION_INDEX", index), ("JOB_COMPLETIONS", "3")];
        let args = sweep_with(&["--shard", "auto", "--no-fail", "--out", &out]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(hvsim_env(&dir, &env, &args).0, 0);
    }
    let (code, _, err) = hvsim_env(&dir, &[], &["merge", "shard-0.jsonl", "shard-2.jsonl"]);
    assert_eq!(code, 2);
    assert_eq!(
        err,
        "error: shards missing from quota-race-agent-restart v1.4.1 random, seeds 0..30: 2/3; merge needs all 3\n"
    );
}
