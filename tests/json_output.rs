//! Machine-readable output: the JSON documents of `run`, `verify` and `explore` round-trip
//! through serde, `run --trace-out` writes one JSON line per record, and `verify --format
//! markdown` prints a Markdown table.

mod common;
use common::*;
use hvsim::check::run;
use hvsim::engine::{SeededChoices, Trace};
use hvsim::explore::results::summarize;
use hvsim::explore::sweep::sweep;
use hvsim::explore::verify::verify_scenario;
use hvsim::report::json::{
    self, explore_doc, run_doc, verify_doc, ExploreDoc, ExploreId, RunDoc, TraceLine, Verdict,
    VerifyDoc,
};
use hvsim::report::markdown::{self, VERIFY_HEADER};
use hvsim::scenario::SeedRange;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(doc: &T) {
    let text = json::to_text(doc);
    let back: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(&back, doc);
    // And the compact form.
    let back: T = serde_json::from_str(&serde_json::to_string(doc).unwrap()).unwrap();
    assert_eq!(&back, doc);
}

fn tmp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-json-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// The quota race with seed ranges of 20, written to `dir`.
fn small_scenario(dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(QUOTA_RACE)
        .unwrap()
        .replace("\"0..10000\"", "\"0..20\"")
        .replace("\"0..1000\"", "\"0..20\"");
    let path = dir.join("small-quota-race.ron");
    std::fs::write(&path, text).unwrap();
    path
}

fn hvsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hvsim"))
        .args(args)
        .output()
        .expect("runs hvsim")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn run_doc_round_trips() {
    let scn = load(QUOTA_RACE);
    let out = run(
        &scn,
        v("v1.4.1"),
        Box::new(SeededChoices::new(1)),
        Trace::new(true, false),
    );
    let doc = run_doc(&scn.name, "v1.4.1", 1, "random", &out);
    assert_eq!(doc.schema, "hvsim.run/1");
    assert_eq!(doc.verdict, Verdict::Violated);
    assert_eq!(doc.violation.as_ref().unwrap().invariant, "quota-converges");
    assert!(!doc.trace.is_empty());
    round_trip(&doc);
}

#[test]
fn run_doc_of_an_upgrade_carries_its_metrics_and_round_trips() {
    let scn = load("scenarios/upgrade-homogeneous.ron");
    let out = run(
        &scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::off(),
    );
    let doc = run_doc(&scn.name, "v1.4.2", 0, "random", &out);
    assert_eq!(
        doc.metrics.get("repo downtime").map(String::as_str),
        Some("0s")
    );
    assert_eq!(doc.metrics.len(), 5);
    round_trip(&doc);
    // A run without metrics leaves the field out.
    let quota = run_doc("q", "v1.4.1", 1, "random", &traced_quota());
    assert!(!serde_json::to_string(&quota).unwrap().contains("metrics"));
}

fn traced_quota() -> hvsim::check::RunOutcome {
    run(
        &load(QUOTA_RACE),
        v("v1.4.1"),
        Box::new(SeededChoices::new(1)),
        Trace::off(),
    )
}

#[test]
fn verify_and_explore_docs_round_trip() {
    let dir = tmp_dir("lib");
    let scn = load(small_scenario(&dir).to_str().unwrap());
    let rows = verify_scenario(&scn, 2);
    let doc = verify_doc(&rows);
    assert_eq!(doc.schema, "hvsim.verify/1");
    assert_eq!(doc.rows.len(), 2);
    round_trip(&doc);

    let seeds = SeedRange { start: 0, end: 20 };
    let results = sweep(&scn, v("v1.4.1"), seeds, 2);
    let summary = summarize(&results, &["reset-during-migration"]);
    let doc = explore_doc(
        ExploreId {
            scenario: &scn.name,
            version: "v1.4.1",
            strategy: "random",
            seeds,
            shard: None,
            reproduce: None,
        },
        &summary,
    );
    assert_eq!(doc.schema, "hvsim.explore/1");
    assert_eq!(doc.runs, 20);
    round_trip(&doc);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_run_json_and_trace_out() {
    let dir = tmp_dir("run");
    let jsonl = dir.join("trace.jsonl");
    let o = hvsim(&[
        "run",
        "quota-race-agent-restart",
        "--seed",
        "1",
        "--format",
        "json",
        "--trace-out",
        jsonl.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = stdout(&o);
    let doc: RunDoc = serde_json::from_str(&text).unwrap();
    assert_eq!(doc.schema, "hvsim.run/1");
    assert_eq!(
        (doc.scenario.as_str(), doc.seed),
        ("quota-race-agent-restart", 1)
    );
    assert_eq!(doc.verdict, Verdict::Violated);
    assert_eq!(
        json::to_text(&doc),
        text,
        "the printed document is canonical"
    );
    round_trip(&doc);
    // The same run's text timeline has one line per trace entry plus the verdict lines.
    let plain = stdout(&hvsim(&["run", "quota-race-agent-restart", "--seed", "1"]));
    assert_eq!(
        plain.lines().filter(|l| l.starts_with('#')).count(),
        doc.trace.len()
    );

    let lines: Vec<TraceLine> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    // Every record: deliveries and reconcile slices as well as the timeline's lines.
    assert!(lines.len() > doc.trace.len());
    assert!(lines.iter().any(|l| l.category == "deliver"));
    assert!(lines
        .iter()
        .any(|l| l.category == "slice" && l.start_us.is_some()));
    assert!(lines
        .iter()
        .any(|l| l.category == "write" && l.code == Some(200)));
    assert!(lines.windows(2).all(|w| w[0].step <= w[1].step));
    for l in &lines {
        assert_eq!(
            &serde_json::from_str::<TraceLine>(&serde_json::to_string(l).unwrap()).unwrap(),
            l
        );
    }
    // No temporary file left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_verify_json_and_markdown() {
    let dir = tmp_dir("verify");
    let file = small_scenario(&dir);
    let file = file.to_str().unwrap();
    let o = hvsim(&["verify", file, "--jobs", "2", "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: VerifyDoc = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc.schema, "hvsim.verify/1");
    assert_eq!((doc.passed, doc.failed), (2, 0));
    assert_eq!(doc.rows[0].seeds.end, 20);
    round_trip(&doc);

    let o = hvsim(&["verify", file, "--jobs", "2", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(0));
    let md = stdout(&o);
    let mut lines = md.lines();
    assert_eq!(
        lines.next().unwrap(),
        "| scenario | version | seeds | expected | observed | result |"
    );
    assert_eq!(VERIFY_HEADER, md.lines().next().unwrap());
    assert_eq!(lines.next().unwrap(), "|---|---|---|---|---|---|");
    let row = lines.next().unwrap();
    assert!(
        row.starts_with("| quota-race-agent-restart | v1.4.1 | 0..20 | violates quota-converges or migration-completes | violated "),
        "{row}"
    );
    assert!(row.ends_with("| ok |"), "{row}");
    assert!(md.ends_with("\n2 passed, 0 failed\n"), "{md}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn markdown_escapes_pipes() {
    let dir = tmp_dir("md");
    let scn = load(small_scenario(&dir).to_str().unwrap());
    let mut rows = verify_scenario(&scn, 2);
    rows[0].observed = "a | b".into();
    rows[0].ok = false;
    let md = markdown::render_verify(&rows);
    let row = md.lines().nth(2).unwrap();
    assert!(row.contains("a \\| b"), "{row}");
    assert!(row.ends_with("| **MISMATCH** |"), "{row}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_explore_json() {
    let o = hvsim(&[
        "explore",
        "quota-race-agent-restart",
        "--budget",
        "50",
        "--jobs",
        "2",
        "--format",
        "json",
    ]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let doc: ExploreDoc = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(doc.schema, "hvsim.explore/1");
    assert_eq!((doc.runs, doc.seeds.start, doc.seeds.end), (50, 0, 50));
    assert!(doc.violating > 0);
    assert!(doc.by_invariant.contains_key("quota-converges"));
    assert!(doc
        .reproduce
        .as_deref()
        .unwrap()
        .starts_with("hvsim run quota-race-agent-restart --seed "));
    round_trip(&doc);
    // Independent of --jobs.
    let o1 = hvsim(&[
        "explore",
        "quota-race-agent-restart",
        "--budget",
        "50",
        "--jobs",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(stdout(&o1), stdout(&o));
}

#[test]
fn format_errors_exit_2() {
    let o = hvsim(&["run", "quota-race-agent-restart", "--format", "markdown"]);
    assert_eq!(o.status.code(), Some(2));
    let o = hvsim(&["run", "quota-race-agent-restart", "--format", "yaml"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `--trace-out` lines carry the request and its object as fields, so jq selects on them
/// without a regex: a write's audit verb, subresource, full kind, resource, namespace,
/// name, code and resourceVersion; a reconcile names its key's object exactly as the writes
/// and watch deliveries name it.
#[test]
fn trace_out_lines_carry_the_request_and_object_as_fields() {
    let dir = tmp_dir("fields");
    let jsonl = dir.join("trace.jsonl");
    let o = hvsim(&[
        "run",
        "quota-race-agent-restart",
        "--seed",
        "1",
        "--trace-out",
        jsonl.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let field = |l: &serde_json::Value, k: &str| l.get(k).cloned();
    // Harvester's first quota write of the migration: `jq 'select(.kind=="ResourceQuota")'`.
    let quota = lines
        .iter()
        .find(|l| l["category"] == "write" && l["kind"] == "ResourceQuota")
        .expect("a quota write");
    assert_eq!(
        (
            &quota["actor"],
            &quota["verb"],
            &quota["resource"],
            &quota["namespace"],
            &quota["name"],
            &quota["code"],
            &quota["resource_version"],
            &quota["object"],
        ),
        (
            &"harvester".into(),
            &"update".into(),
            &"resourcequotas".into(),
            &"ns1".into(),
            &"default-d26c8".into(),
            &200.into(),
            &1014.into(),
            &"ResourceQuota ns1/default-d26c8".into(),
        )
    );
    assert_eq!(field(quota, "subresource"), None);
    // A status write says so; a refused write has its code and no resourceVersion.
    let status = lines
        .iter()
        .find(|l| l["category"] == "write" && l["subresource"] == "status")
        .expect("a status write");
    assert_eq!(status["verb"], "update");
    let conflict = lines
        .iter()
        .find(|l| l["category"] == "write" && l["code"] == 409)
        .expect("a conflict");
    assert_eq!(field(conflict, "resource_version"), None);
    // One naming everywhere: reconciles name their key's object as writes and deliveries
    // name it (`Kind ns/name`, the full kind name).
    let named: std::collections::BTreeSet<&str> = lines
        .iter()
        .filter(|l| l["category"] == "write" || l["category"] == "deliver")
        .filter_map(|l| l["object"].as_str())
        .collect();
    let reconciles: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["category"] == "slice" || l["category"] == "reconcile")
        .collect();
    assert!(reconciles
        .iter()
        .any(|r| r["kind"] == "VirtualMachineInstanceMigration"
            && named.contains(r["object"].as_str().unwrap())));
    for r in reconciles {
        let obj = r["object"].as_str().expect("a reconcile names its key");
        assert!(r["controller"].is_string(), "{r}");
        assert!(
            r["kind"].as_str().unwrap().starts_with(char::is_uppercase),
            "{r}"
        );
        assert_eq!(
            obj,
            format!(
                "{} {}/{}",
                r["kind"].as_str().unwrap(),
                r["namespace"].as_str().unwrap_or_default(),
                r["name"].as_str().unwrap()
            )
            .replace(" /", " ")
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
