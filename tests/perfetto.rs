//! The Perfetto / Chrome trace of a run is valid Trace Event Format JSON.

mod common;
use common::*;
use hvsim::check::run;
use hvsim::engine::{SeededChoices, Trace};
use hvsim::report::perfetto::export;
use serde_json::Value;
use std::collections::BTreeMap;

fn check_valid(doc: &Value, what: &str) {
    let events = doc["traceEvents"]
        .as_array()
        .unwrap_or_else(|| panic!("{what}: no traceEvents"));
    let mut flows: BTreeMap<u64, (u32, u32)> = BTreeMap::new();
    let mut last_ts: BTreeMap<(u64, u64), u64> = BTreeMap::new();
    let mut slices = 0;
    for e in events {
        let ph = e["ph"]
            .as_str()
            .unwrap_or_else(|| panic!("{what}: event without ph: {e}"));
        if ph == "M" {
            continue;
        }
        let ts = e["ts"]
            .as_u64()
            .unwrap_or_else(|| panic!("{what}: event without integer ts: {e}"));
        let track = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        match ph {
            "X" => {
                slices += 1;
                assert!(
                    e["dur"].as_u64().is_some(),
                    "{what}: slice without duration (not closed): {e}"
                );
                let prev = last_ts.insert(track, ts).unwrap_or(0);
                assert!(
                    ts >= prev,
                    "{what}: timestamps go back on track {track:?}: {prev} then {ts}"
                );
            }
            "s" => flows.entry(e["id"].as_u64().unwrap()).or_default().0 += 1,
            "f" => flows.entry(e["id"].as_u64().unwrap()).or_default().1 += 1,
            "i" => {}
            other => panic!("{what}: unexpected phase {other}"),
        }
    }
    assert!(slices > 0, "{what}: no slices");
    for (id, (s, f)) in flows {
        assert_eq!(
            (s, f),
            (1, 1),
            "{what}: flow {id} must have exactly one start and one end"
        );
    }
}

#[test]
fn every_bundled_scenario_exports_valid_trace_event_json_for_seed_0() {
    for (path, text) in hvsim::scenario::bundled() {
        let scn = hvsim::scenario::load_str(path, text).unwrap();
        let out = run(
            &scn,
            scn.harvester,
            Box::new(SeededChoices::new(0)),
            Trace::full(),
        );
        let doc = export(&out.trace);
        // Round-trips through text as a viewer would load it.
        let reparsed: Value = serde_json::from_str(&serde_json::to_string(&doc).unwrap()).unwrap();
        check_valid(&reparsed, path);
    }
}

#[test]
fn flows_link_a_write_to_the_reconcile_it_caused_and_on_to_its_writes() {
    let scn = load(QUOTA_RACE);
    let out = run(
        &scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(1)),
        Trace::full(),
    );
    let doc = export(&out.trace);
    let events = doc["traceEvents"].as_array().unwrap();
    let starts: Vec<&Value> = events.iter().filter(|e| e["ph"] == "s").collect();
    let cats = |tid_of: &Value| -> String {
        events
            .iter()
            .find(|e| e["ph"] == "X" && e["pid"] == tid_of["pid"] && e["tid"] == tid_of["tid"])
            .map(|e| e["cat"].as_str().unwrap().to_string())
            .unwrap_or_default()
    };
    let kinds: std::collections::BTreeSet<String> = starts.iter().map(|s| cats(s)).collect();
    // Arrows leave API writes (to deliveries), deliveries (to reconciles) and reconciles (to writes).
    assert!(
        kinds.contains("api") && kinds.contains("watch") && kinds.contains("reconcile"),
        "{kinds:?}"
    );
}

const TINY: &str = r#"
Scenario(
    name: "tiny",
    harvester: "v1.4.2",
    nodes: [(name: "node-1"), (name: "node-2")],
    namespaces: [(name: "ns1", quota: (cpu: "4", memory: "8Gi"))],
    vms: [(name: "vm1", namespace: "ns1", node: "node-1", cpu: "1", memory: "1Gi")],
    timing: (pod_start: ("2s", "2s"), migration_transfer: ("1s", "1s"), source_pod_cleanup: ("5s", "5s")),
    timeline: [(at: "1s", action: Migrate(vm: "vm1"))],
    invariants: [QuotaConverges],
    calm: "30s",
)
"#;

#[test]
fn a_small_trace_is_pinned() {
    let scn = parse(TINY);
    let out = run(
        &scn,
        v("v1.4.2"),
        Box::new(SeededChoices::new(0)),
        Trace::full(),
    );
    let doc = export(&out.trace);
    check_valid(&doc, "tiny");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        let lines: Vec<String> = doc["traceEvents"].as_array().unwrap().iter().map(|e| e.to_string()).collect();
        insta::assert_snapshot!("perfetto_tiny", lines.join("\n"));
    });
}
