//! Perfetto / Chrome Trace Event Format export of a full trace (`Trace::full()`).
//!
//! One process per component (the API server, each controller process, each node's
//! virt-handler, each UI session...), with one thread per controller for its reconcile
//! slices, a `watch` thread for deliveries into the process's informers, and a `log` thread
//! for what the component logged. API requests are short slices on the API server, one
//! thread per client, carrying the object, the change and the result. Faults and timeline
//! actions are global instants. Flow arrows follow causality: a write → the watch
//! deliveries of that change → the reconcile each delivery triggered → the writes it made.
//! Virtual microseconds are trace microseconds.

use crate::engine::{TraceCat, TraceRec};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const API_SERVER: &str = "kube-apiserver";

#[derive(Default)]
struct Tracks {
    pids: BTreeMap<String, u64>,
    tids: BTreeMap<(u64, String), u64>,
}

impl Tracks {
    fn pid(&mut self, name: &str) -> u64 {
        let n = self.pids.len() as u64 + 1;
        *self.pids.entry(name.to_string()).or_insert(n)
    }
    fn tid(&mut self, pid: u64, name: &str) -> u64 {
        let n = self.tids.keys().filter(|(p, _)| *p == pid).count() as u64 + 1;
        *self.tids.entry((pid, name.to_string())).or_insert(n)
    }
}

/// Where a record sits: (pid, tid, start µs, duration µs).
struct Placed {
    pid: u64,
    tid: u64,
    ts: u64,
    dur: u64,
}

/// How the record names its object ("" when none).
fn object(r: &TraceRec) -> String {
    r.object.as_ref().map(|o| o.to_string()).unwrap_or_default()
}

/// The Trace Event Format document for a run's records.
pub fn export(recs: &[TraceRec]) -> Value {
    let mut tracks = Tracks::default();
    tracks.pid(API_SERVER);
    let mut events: Vec<Value> = Vec::new();
    // Flow ends: id -> (placement of the record that has this flow id).
    let mut sources: BTreeMap<u64, (u64, u64, u64, u64)> = BTreeMap::new();
    let mut placed: Vec<Option<Placed>> = Vec::with_capacity(recs.len());
    for r in recs {
        let ts = r.time.micros();
        let p = match r.cat {
            TraceCat::Write => {
                let pid = tracks.pid(API_SERVER);
                let tid = tracks.tid(pid, &r.actor);
                events.push(json!({
                    "name": r.text.split(':').next().unwrap_or(&r.text),
                    "cat": "api", "ph": "X", "ts": ts, "dur": 1, "pid": pid, "tid": tid,
                    "args": {"client": r.actor, "object": object(r), "code": r.code, "request": r.text, "step": r.step},
                }));
                Some(Placed {
                    pid,
                    tid,
                    ts,
                    dur: 1,
                })
            }
            TraceCat::Deliver => {
                let pid = tracks.pid(&r.actor);
                let tid = tracks.tid(pid, "watch");
                events.push(json!({
                    "name": r.text, "cat": "watch", "ph": "X", "ts": ts, "dur": 1, "pid": pid, "tid": tid,
                    "args": {"object": object(r), "step": r.step},
                }));
                Some(Placed {
                    pid,
                    tid,
                    ts,
                    dur: 1,
                })
            }
            TraceCat::Slice => {
                let pid = tracks.pid(&r.actor);
                let controller = r.text.split(' ').next().unwrap_or("reconcile");
                let tid = tracks.tid(pid, controller);
                let start = r.start.map(|s| s.micros()).unwrap_or(ts);
                let dur = ts.saturating_sub(start).max(1);
                events.push(json!({
                    "name": r.text.split(':').next().unwrap_or(&r.text),
                    "cat": "reconcile", "ph": "X", "ts": start, "dur": dur, "pid": pid, "tid": tid,
                    "args": {"key": object(r), "outcome": r.text, "step": r.step},
                }));
                Some(Placed {
                    pid,
                    tid,
                    ts: start,
                    dur,
                })
            }
            TraceCat::Fault | TraceCat::Action => {
                events.push(json!({
                    "name": r.text, "cat": if r.cat == TraceCat::Fault { "fault" } else { "action" },
                    "ph": "i", "s": "g", "ts": ts, "pid": tracks.pid(&r.actor), "tid": 0,
                    "args": {"actor": r.actor, "step": r.step},
                }));
                None
            }
            TraceCat::Start | TraceCat::Log | TraceCat::Reconcile => {
                let pid = tracks.pid(&r.actor);
                let tid = tracks.tid(pid, "log");
                events.push(json!({
                    "name": r.text, "cat": "log", "ph": "i", "s": "t", "ts": ts, "pid": pid, "tid": tid,
                    "args": {"step": r.step},
                }));
                None
            }
        };
        if let (Some(p), Some(id)) = (&p, r.flow_id) {
            sources.insert(id, (p.pid, p.tid, p.ts, p.dur));
        }
        placed.push(p);
    }
    // Flow arrows where both ends are in the trace.
    let mut flow = 0u64;
    for (r, p) in recs.iter().zip(&placed) {
        let (Some(p), Some(from)) = (p, r.flow_from) else {
            continue;
        };
        let Some(&(spid, stid, sts, sdur)) = sources.get(&from) else {
            continue;
        };
        flow += 1;
        // The start sits inside its slice; the end binds to the enclosing slice ("bp": "e").
        let start_ts = sts + sdur.saturating_sub(1).min(sdur / 2);
        events.push(json!({"name": "causes", "cat": "flow", "ph": "s", "id": flow, "ts": start_ts, "pid": spid, "tid": stid}));
        events.push(json!({"name": "causes", "cat": "flow", "ph": "f", "bp": "e", "id": flow, "ts": p.ts, "pid": p.pid, "tid": p.tid}));
    }
    let mut meta = Vec::new();
    for (name, pid) in &tracks.pids {
        meta.push(json!({"name": "process_name", "ph": "M", "pid": pid, "tid": 0, "args": {"name": name}}));
    }
    for ((pid, name), tid) in &tracks.tids {
        meta.push(json!({"name": "thread_name", "ph": "M", "pid": pid, "tid": tid, "args": {"name": name}}));
    }
    // Order each track by time (slices recorded at their end are placed at their start).
    events.sort_by_key(|e| {
        (
            e["pid"].as_u64().unwrap_or(0),
            e["tid"].as_u64().unwrap_or(0),
            e["ts"].as_u64().unwrap_or(0),
            std::cmp::Reverse(e["dur"].as_u64().unwrap_or(0)),
        )
    });
    meta.extend(events);
    json!({"displayTimeUnit": "ms", "traceEvents": meta})
}

/// Writes the document to `path` atomically (see `report::output`).
pub fn write(path: &str, doc: &Value) -> std::io::Result<()> {
    super::output::write_atomic(
        std::path::Path::new(path),
        serde_json::to_string(doc).expect("serializable").as_bytes(),
    )
}
