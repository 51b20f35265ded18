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

pub(crate) const RUN_SCHEMA: &str = "hvsim.run/1";
pub(crate) const VERIFY_SCHEMA: &str = "hvsim.verify/1";
pub(crate) const EXPLORE_SCHEMA: &str = "hvsim.explore/1";

/// One recorded step: a line of the timeline, or of `--trace-out`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceLine {
    /// The engine step (event number) the line was recorded at.
    pub step: u64,
    /// The virtual time of the step, in microseconds since the run began.
    pub time_us: u64,
    /// Who acted: a process (`virt-controller`), a node's agent, or the scenario's driver.
    pub actor: String,
    /// action, fault, start, reconcile, write, deliver, log or slice.
    pub category: String,
    /// The line as the text timeline shows it.
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

pub(crate) fn category(c: TraceCat) -> &'static str {
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
    pub(crate) fn from_rec(r: &TraceRec) -> TraceLine {
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

/// Whether the run's invariants all held.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every invariant held to the end of the run.
    Held,
    /// An invariant was violated; `violation` says which.
    Violated,
}

/// The first violation of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViolationDoc {
    /// The invariant's name.
    pub invariant: String,
    /// always, eventually or after calm.
    pub kind: String,
    /// The step at which it was found.
    pub step: u64,
    /// The virtual time at which it was found, in microseconds.
    pub time_us: u64,
    /// What was wrong, as the invariant words it.
    pub message: String,
}

/// A sometimes-assertion of a run and whether the run reached it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SometimesDoc {
    /// The assertion's name.
    pub name: String,
    /// The run reached it at least once.
    pub reached: bool,
}

/// `hvsim run --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunDoc {
    /// `hvsim.run/1`.
    pub schema: String,
    /// The scenario's name.
    pub scenario: String,
    /// The modelled version the run used (`v1.4.1`).
    pub version: String,
    /// The run's seed.
    pub seed: u64,
    /// The schedule strategy (`random`, `pct`, ...).
    pub strategy: String,
    /// `held` or `violated`.
    pub verdict: Verdict,
    /// The first violation, or null when held.
    pub violation: Option<ViolationDoc>,
    /// Steps (events) the run took.
    pub steps: u64,
    /// The virtual time the run ended, in microseconds.
    pub end_us: u64,
    /// Every sometimes-assertion of the scenario, in order.
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

/// A range of seeds, `start..end`.
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

/// The first violating seed of a verify row and what it violated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FirstViolation {
    /// The lowest seed that violated.
    pub seed: u64,
    /// The invariant it violated first.
    pub invariant: String,
}

/// A sometimes-assertion of a verify row and how often it was reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageDoc {
    /// The assertion's name.
    pub name: String,
    /// How many seeds reached it.
    pub reached: u64,
}

/// One row of `hvsim verify`: a scenario on one version, swept over seeds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyRowDoc {
    /// The scenario's name.
    pub scenario: String,
    /// The modelled version.
    pub version: String,
    /// The seeds swept.
    pub seeds: SeedsDoc,
    /// The verdict the scenario expects on this version (its `expect:` entry).
    pub expected: String,
    /// The verdict the sweep found.
    pub observed: String,
    /// `observed` matches `expected`.
    pub ok: bool,
    /// How many seeds violated an invariant.
    pub violating: u64,
    /// The first violating seed, or null.
    pub first: Option<FirstViolation>,
    /// Every sometimes-assertion, with how many seeds reached it.
    pub sometimes: Vec<CoverageDoc>,
}

/// `hvsim verify --format json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifyDoc {
    /// `hvsim.verify/1`.
    pub schema: String,
    /// One row per scenario and version, in the order verified.
    pub rows: Vec<VerifyRowDoc>,
    /// Rows whose observed verdict matches the expected one.
    pub passed: u64,
    /// Rows whose observed verdict does not.
    pub failed: u64,
}

/// The verify document for these rows.
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

/// What a sweep found for one invariant.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvariantDoc {
    /// How many runs violated it.
    pub runs: u64,
    /// The lowest seed that violated it.
    pub first_seed: u64,
    /// The violation's message on that seed.
    pub first_message: String,
    /// The seed that failed in the fewest steps (ties: the lower seed).
    pub fastest_seed: u64,
    /// Steps that run took to fail.
    pub fastest_steps: u64,
}

/// `hvsim explore --format json`: the sweep's summary (no wall-clock figures).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExploreDoc {
    /// `hvsim.explore/1`.
    pub schema: String,
    /// The scenario's name.
    pub scenario: String,
    /// The modelled version.
    pub version: String,
    /// The schedule strategy.
    pub strategy: String,
    /// The seeds swept (this shard's, with `--shard`).
    pub seeds: SeedsDoc,
    /// `K/N` with `--shard`, else null.
    pub shard: Option<String>,
    /// Runs done.
    pub runs: u64,
    /// Simulated events over all runs.
    pub events: u64,
    /// Runs that violated some invariant.
    pub violating: u64,
    /// Per invariant violated: what the sweep found for it.
    pub by_invariant: BTreeMap<String, InvariantDoc>,
    /// Per sometimes-assertion: in how many runs it was reached.
    pub sometimes: BTreeMap<String, u64>,
    /// The command that reproduces the first violation, or null.
    pub reproduce: Option<String>,
}

/// What the explore document is about: the inputs of the sweep, beside its `Summary`.
pub struct ExploreId<'a> {
    /// The scenario's name.
    pub scenario: &'a str,
    /// The modelled version.
    pub version: &'a str,
    /// The schedule strategy.
    pub strategy: &'a str,
    /// The seeds swept.
    pub seeds: SeedRange,
    /// `K/N` with `--shard`, else `None`.
    pub shard: Option<String>,
    /// The command that reproduces the first violation, if any.
    pub reproduce: Option<String>,
}

/// The explore document for a sweep's summary.
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

/// Writes every record as one JSON line to `path`, atomically (see `report::output`).
pub fn write_jsonl(path: &str, recs: &[TraceRec]) -> std::io::Result<()> {
    super::output::write_atomic_with(std::path::Path::new(path), |w| write_jsonl_to(w, recs))
}
