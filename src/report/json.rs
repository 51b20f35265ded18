//! Machine-readable output: the versioned JSON documents that `run`, `verify` and `explore`
//! print with `--format json`, and the JSON Lines trace that `run --trace-out` writes.
//!
//! Every document carries a `schema` field, `hvsim.run/1`, `hvsim.verify/1` or
//! `hvsim.explore/1`. A change that removes or renames a field bumps the number; new
//! optional fields do not. Times are virtual microseconds (`*_us`). Nothing depends on the
//! wall clock, so a document is identical on every machine.

use crate::check::RunOutcome;
use crate::engine::{TraceCat, TraceRec};
use crate::explore::results::Summary;
use crate::explore::verify::VerifyRow;
use crate::scenario::SeedRange;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write;

pub const RUN_SCHEMA: &str = "hvsim.run/1";
pub const VERIFY_SCHEMA: &str = "hvsim.verify/1";
pub const EXPLORE_SCHEMA: &str = "hvsim.explore/1";

/// One recorded step: a line of the timeline, or of `--trace-out`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceLine {
    pub step: u64,
    pub time_us: u64,
    pub actor: String,
    /// action, fault, start, reconcile, write, deliver, log or slice.
    pub category: String,
    pub text: String,
    /// The object concerned (`Kind ns/name`, the full kind name), or null.
    pub object: Option<String>,
    /// The HTTP code of an API request, or null.
    pub code: Option<u16>,
    /// For a `slice` (a reconcile from taking the key to its end): when it began.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_us: Option<u64>,
    /// An API request's audit verb (`create`, `update`, `delete`) or a watch event's type
    /// (`MODIFIED`, `DELETED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verb: Option<String>,
    /// `status` for a request to the status subresource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subresource: Option<String>,
    /// The object's full kind name (`VirtualMachineInstanceMigration`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The object's API resource (`virtualmachineinstancemigrations.kubevirt.io`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The object's namespace (absent for a cluster-scoped object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The object's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The resourceVersion a write produced or a watch event carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_version: Option<u64>,
    /// The controller of a reconcile slice or a reconcile error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller: Option<String>,
}

pub fn category(c: TraceCat) -> &'static str {
    match c {
        TraceCat::Action => "action",
        TraceCat::Fault => "fault",
        TraceCat::Start => "start",
        TraceCat::Reconcile => "reconcile",
        TraceCat::Write => "write",
        TraceCat::Deliver => "deliver",
        TraceCat::Log => "log",
        TraceCat::Slice => "slice",
    }
}

/// `s`, or none when empty.
fn text(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl TraceLine {
    pub fn from_rec(r: &TraceRec) -> TraceLine {
        TraceLine {
            step: r.step,
            time_us: r.time.micros(),
            actor: r.actor.clone(),
            category: category(r.cat).to_string(),
            text: r.text.clone(),
            object: r.object.as_ref().map(|o| o.to_string()),
            code: (r.code != 0).then_some(r.code),
            start_us: r.start.map(|s| s.micros()),
            verb: text(r.verb),
            subresource: text(r.subresource),
            kind: r.object.as_ref().and_then(|o| text(&o.kind)),
            resource: r.object.as_ref().and_then(|o| text(&o.resource)),
            namespace: r.object.as_ref().and_then(|o| text(&o.namespace)),
            name: r.object.as_ref().map(|o| o.name.clone()),
            resource_version: (r.resource_version != 0).then_some(r.resource_version),
            controller: text(r.controller),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Held,
    Violated,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationDoc {
    pub invariant: String,
    /// always, eventually or after calm.
    pub kind: String,
    pub step: u64,
    pub time_us: u64,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SometimesDoc {
    pub name: String,
    pub reached: bool,
}

/// `hvsim run --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDoc {
    pub schema: String,
    pub scenario: String,
    pub version: String,
    pub seed: u64,
    pub strategy: String,
    pub verdict: Verdict,
    pub violation: Option<ViolationDoc>,
    pub steps: u64,
    pub end_us: u64,
    pub sometimes: Vec<SometimesDoc>,
    /// Figures of the run's flows (upgrade scenarios: `upgrade duration`, `repo downtime`,
    /// `migrations started`, `migrations failed`, `VMs stopped`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub metrics: BTreeMap<String, String>,
    /// The timeline's lines (watch deliveries only with `--verbose`).
    pub trace: Vec<TraceLine>,
}

/// The run document. `trace` holds the records the text timeline shows (no slices).
pub fn run_doc(
    scenario: &str,
    version: &str,
    seed: u64,
    strategy: &str,
    out: &RunOutcome,
) -> RunDoc {
    RunDoc {
        schema: RUN_SCHEMA.to_string(),
        scenario: scenario.to_string(),
        version: version.to_string(),
        seed,
        strategy: strategy.to_string(),
        verdict: if out.violation.is_some() {
            Verdict::Violated
        } else {
            Verdict::Held
        },
        violation: out.violation.as_ref().map(|v| ViolationDoc {
            invariant: v.invariant.clone(),
            kind: v.kind.to_string(),
            step: v.step,
            time_us: v.time.micros(),
            message: v.message.clone(),
        }),
        steps: out.steps,
        end_us: out.end.micros(),
        sometimes: out
            .sometimes
            .iter()
            .map(|(n, r)| SometimesDoc {
                name: n.to_string(),
                reached: *r,
            })
            .collect(),
        metrics: out.metrics.iter().cloned().collect(),
        trace: out
            .trace
            .iter()
            .filter(|r| r.cat != TraceCat::Slice)
            .map(TraceLine::from_rec)
            .collect(),
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeedsDoc {
    /// First seed (inclusive).
    pub start: u64,
    /// End (exclusive).
    pub end: u64,
}

impl From<SeedRange> for SeedsDoc {
    fn from(r: SeedRange) -> Self {
        SeedsDoc {
            start: r.start,
            end: r.end,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstViolation {
    pub seed: u64,
    pub invariant: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageDoc {
    pub name: String,
    /// How many seeds reached it.
    pub reached: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRowDoc {
    pub scenario: String,
    pub version: String,
    pub seeds: SeedsDoc,
    pub expected: String,
    pub observed: String,
    pub ok: bool,
    pub violating: u64,
    pub first: Option<FirstViolation>,
    pub sometimes: Vec<CoverageDoc>,
}

/// `hvsim verify --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyDoc {
    pub schema: String,
    pub rows: Vec<VerifyRowDoc>,
    pub passed: u64,
    pub failed: u64,
}

pub fn verify_doc(rows: &[VerifyRow]) -> VerifyDoc {
    let failed = rows.iter().filter(|r| !r.ok).count() as u64;
    VerifyDoc {
        schema: VERIFY_SCHEMA.to_string(),
        rows: rows
            .iter()
            .map(|r| VerifyRowDoc {
                scenario: r.scenario.clone(),
                version: r.version.clone(),
                seeds: r.seeds.into(),
                expected: r.expected.clone(),
                observed: r.observed.clone(),
                ok: r.ok,
                violating: r.violating,
                first: r.first.as_ref().map(|(s, i)| FirstViolation {
                    seed: *s,
                    invariant: i.clone(),
                }),
                sometimes: r
                    .sometimes
                    .iter()
                    .map(|(n, c)| CoverageDoc {
                        name: n.clone(),
                        reached: *c,
                    })
                    .collect(),
            })
            .collect(),
        passed: rows.len() as u64 - failed,
        failed,
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantDoc {
    pub runs: u64,
    pub first_seed: u64,
    pub first_message: String,
    /// The seed that failed in the fewest steps (ties: the lower seed).
    pub fastest_seed: u64,
    pub fastest_steps: u64,
}

/// `hvsim explore --format json`: the sweep's summary (no wall-clock figures).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExploreDoc {
    pub schema: String,
    pub scenario: String,
    pub version: String,
    pub strategy: String,
    pub seeds: SeedsDoc,
    /// `K/N` with `--shard`, else null.
    pub shard: Option<String>,
    pub runs: u64,
    /// Simulated events over all runs.
    pub events: u64,
    pub violating: u64,
    pub by_invariant: BTreeMap<String, InvariantDoc>,
    /// Per sometimes-assertion: in how many runs it was reached.
    pub sometimes: BTreeMap<String, u64>,
    /// The command that reproduces the first violation, or null.
    pub reproduce: Option<String>,
}

pub struct ExploreId<'a> {
    pub scenario: &'a str,
    pub version: &'a str,
    pub strategy: &'a str,
    pub seeds: SeedRange,
    pub shard: Option<String>,
    pub reproduce: Option<String>,
}

pub fn explore_doc(id: ExploreId<'_>, s: &Summary) -> ExploreDoc {
    ExploreDoc {
        schema: EXPLORE_SCHEMA.to_string(),
        scenario: id.scenario.to_string(),
        version: id.version.to_string(),
        strategy: id.strategy.to_string(),
        seeds: id.seeds.into(),
        shard: id.shard,
        runs: s.runs,
        events: s.events,
        violating: s.violating,
        by_invariant: s
            .by_invariant
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    InvariantDoc {
                        runs: v.runs,
                        first_seed: v.first_seed,
                        first_message: v.first_message.clone(),
                        fastest_seed: v.fastest_seed,
                        fastest_steps: v.fastest_steps,
                    },
                )
            })
            .collect(),
        sometimes: s.sometimes.clone(),
        reproduce: id.reproduce,
    }
}

/// A document as printed: pretty JSON and a final newline.
pub fn to_text<T: Serialize>(doc: &T) -> String {
    let mut s = serde_json::to_string_pretty(doc).expect("serializable");
    s.push('\n');
    s
}

/// Writes every record as one JSON line to `w`.
pub fn write_jsonl_to(w: &mut impl Write, recs: &[TraceRec]) -> std::io::Result<()> {
    for r in recs {
        serde_json::to_writer(&mut *w, &TraceLine::from_rec(r))?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes every record as one JSON line to `path`, atomically (see [`super::output`]).
pub fn write_jsonl(path: &str, recs: &[TraceRec]) -> std::io::Result<()> {
    super::output::write_atomic_with(std::path::Path::new(path), |w| write_jsonl_to(w, recs))
}
