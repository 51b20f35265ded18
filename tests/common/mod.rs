//! Shared helpers for the integration tests.
#![allow(dead_code)]

use hvsim::check::{run, run_seed, RunOutcome};
use hvsim::engine::{ReplayChoices, Trace};
use hvsim::report::timeline;
use hvsim::scenario::{self, Scenario, Version};
use std::path::Path;
use std::process::Command;

pub const QUOTA_RACE: &str = "scenarios/quota-race-agent-restart.ron";
/// The same race in a node drain: four VMs migrate and the agent is evicted.
pub const QUOTA_DRAIN: &str = "scenarios/quota-race-node-drain.ron";

pub fn load(path: &str) -> Scenario {
    scenario::load(path).unwrap_or_else(|e| panic!("{e}"))
}

pub fn parse(text: &str) -> Scenario {
    scenario::load_str("test.ron", text).unwrap_or_else(|e| panic!("{e}"))
}

pub fn v(s: &str) -> Version {
    Version::parse(s).unwrap()
}

pub fn traced(scn: &Scenario, version: &str, seed: u64) -> RunOutcome {
    run_seed(scn, v(version), seed, Trace::new(true, false))
}

pub fn replayed(scn: &Scenario, version: &str, answers: Vec<u64>) -> RunOutcome {
    run(
        scn,
        v(version),
        Box::new(ReplayChoices::new(answers)),
        Trace::new(true, false),
    )
}

pub fn render(
    scn: &Scenario,
    file: &str,
    version: &str,
    seed: Option<u64>,
    out: &RunOutcome,
) -> String {
    let h = timeline::Header {
        scenario: &scn.name,
        version: version.to_string(),
        seed,
        file,
        how: String::new(),
    };
    timeline::render(&h, out)
}

pub fn text_of(out: &RunOutcome) -> String {
    out.trace
        .iter()
        .map(|r| format!("[{}] {}", r.actor, r.text))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The text elements of an SVG, in document order.
pub fn svg_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .map(|t| {
            let body = &t[t.find('>').unwrap() + 1..];
            body[..body.find("</text>").unwrap()].trim().to_string()
        })
        .collect()
}

/// Runs the hvsim binary in `dir`: (exit code, stdout, stderr).
pub fn hvsim_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
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

/// Runs the hvsim binary in the crate's root.
pub fn hvsim(args: &[&str]) -> (i32, String, String) {
    hvsim_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

/// A checked run of `seed` on `version` to its end (the first violation ends it): the world
/// as it ended and the violation, if any.
pub fn run_to_end(
    scn: &Scenario,
    version: Version,
    seed: u64,
) -> (hvsim::sim::World, Option<hvsim::check::Violation>) {
    run_observed(scn, version, seed, Trace::new(true, false), |_| {})
}

/// `run_to_end` with `trace`, calling `each_step` on the world after every step, before
/// the checker looks at it (a test's probe, or its own intervention).
pub fn run_observed(
    scn: &Scenario,
    version: Version,
    seed: u64,
    trace: Trace,
    mut each_step: impl FnMut(&mut hvsim::sim::World),
) -> (hvsim::sim::World, Option<hvsim::check::Violation>) {
    use hvsim::check::{AtStop, Checker};
    let mut w = hvsim::sim::World::build(
        scn,
        version,
        Box::new(hvsim::engine::SeededChoices::new(seed)),
        trace,
    );
    let mut checker = Checker::new(scn);
    let violation = loop {
        match w.step() {
            Ok(()) => {
                each_step(&mut w);
                if let Some(v) = checker.after_step(&mut w) {
                    break Some(v);
                }
            }
            Err(stop) => match checker.at_stop(&mut w, stop) {
                AtStop::GoOn => continue,
                AtStop::End(v) => break v,
            },
        }
    };
    (w, violation)
}
