//! The node-by-node upgrade at scale: a cluster of N nodes with 20 VMs each upgrades end to
//! end on v1.4.2, one seed, no trace, no answers recorded (as `hvsim run` runs it). Sizes 10, 100 and 400 nodes by default; others with
//! `HVSIM_SCALE_NODES=10,100,400,1000`. Per size: events, wall time, events/s, the process's
//! peak resident memory (VmHWM, sizes run in increasing order) and events per node; then the
//! growth exponents of events and wall time fitted over the sizes (least squares on logs).
//! Wall time is split, at every size alike, into building the world (`World::build`: the
//! scenario's objects and processes, before the first event) and the run of events; the
//! `events/s` figure is the whole wall (build and run) as before, and `run events/s` the
//! events over the run alone, the engine's throughput with the one-time setup left out.
//! A run of a few hundredths of a second is at the mercy of whatever else the machine
//! does, so every size runs again until its runs add up to `HVSIM_SCALE_MIN_SECS` of wall
//! (default 1; at least once: 1,000 nodes runs once) and the figures are the median run's
//! (by wall); every repetition must give the same events.

// The allocator the hvsim binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use hvsim::check::{run_with, RunOptions};
use hvsim::engine::{SeededChoices, Trace};
use hvsim::scenario::{self, Version};
use std::cell::Cell;
use std::fmt::Write;
use std::time::Instant;

const VMS_PER_NODE: usize = 20;

fn cluster(nodes: usize) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "Scenario(name: \"upgrade-{nodes}-nodes\", harvester: \"v1.4.2\", nodes: ["
    );
    for n in 0..nodes {
        let _ = write!(s, "(name: \"node{n}\", cpu_model: \"Icelake-Server\"),");
    }
    s += "], namespaces: [";
    for t in 0..20 {
        let _ = write!(s, "(name: \"tenant-{t}\"),");
    }
    s += "], vms: [";
    for n in 0..nodes {
        for i in 0..VMS_PER_NODE {
            let _ = write!(
                s,
                "(name: \"vm-{n}-{i}\", namespace: \"tenant-{}\", node: \"node{n}\", cpu: \"1\", memory: \"2Gi\"),",
                (n * VMS_PER_NODE + i) % 20
            );
        }
    }
    s += "], upgrade: (name: \"hvst-upgrade-scale\", repo_node: \"node0\"), ";
    // Nodes upgrade one at a time, about 8 virtual minutes each: allow 12 per node.
    let hours = (nodes / 5).max(72);
    let _ = write!(
        s,
        "invariants: [UpgradeCompletes(within: \"{hours}h\"), CpuCompatible, VmsRestored], "
    );
    let _ = write!(s, "calm: \"{}h\", budget: 10000000)", hours + 1);
    s
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    hvsim::allocator::keep_freed_memory();
    let version = Version::parse("v1.4.2").unwrap();
    let sizes: Vec<usize> = match std::env::var("HVSIM_SCALE_NODES") {
        Ok(v) => v.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
        Err(_) => vec![10, 100, 400],
    };
    let min_secs: f64 = std::env::var("HVSIM_SCALE_MIN_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    let mut points: Vec<(f64, f64, f64)> = Vec::new();
    // (events/s, run events/s) per size, for the ratio of the largest to the smallest.
    let mut rates: Vec<(f64, f64)> = Vec::new();
    for nodes in sizes {
        let scn = scenario::load_str("scale.ron", &cluster(nodes)).expect("a valid scenario");
        // (wall, build, run) per repetition.
        let mut times: Vec<(f64, f64, f64)> = Vec::new();
        let mut out = None;
        while out.is_none() || times.iter().map(|t| t.0).sum::<f64>() < min_secs {
            let start = Instant::now();
            let choices = Box::new(SeededChoices::new(0).unrecorded());
            // Called once the world is built, before its first event: the end of the setup.
            let built: Cell<Option<Instant>> = Cell::new(None);
            let mark = |_: &mut hvsim::sim::World| built.set(Some(Instant::now()));
            let opts = RunOptions {
                customize: Some(&mark),
                ..RunOptions::default()
            };
            let o = run_with(&scn, version, choices, Trace::off(), opts);
            let end = Instant::now();
            let built = built.get().expect("the world was built");
            times.push((
                (end - start).as_secs_f64(),
                (built - start).as_secs_f64(),
                (end - built).as_secs_f64(),
            ));
            if let Some(prev) = &out {
                let prev: &hvsim::check::RunOutcome = prev;
                assert_eq!(prev.steps, o.steps, "a repetition gave other events");
            }
            out = Some(o);
        }
        let out = out.expect("one run at least");
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let reps = times.len();
        let (secs, setup, run_secs) = times[reps / 2];
        let duration = out
            .metrics
            .iter()
            .find(|(n, _)| n == "upgrade duration")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let migrations = out
            .metrics
            .iter()
            .find(|(n, _)| n == "migrations started")
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        println!(
            "upgrade {nodes} nodes, {} VMs: {} in {secs:.3} s wall (median of {reps}; build {setup:.3} s, run {run_secs:.3} s), {} events = {:.0} events/s ({:.0} run events/s), {:.0} events/node; upgrade took {duration} virtual, {migrations} migrations; peak RSS {:.0} MiB",
            nodes * VMS_PER_NODE,
            match &out.violation {
                None => "completed, every invariant held".to_string(),
                Some(v) => format!("VIOLATED {}: {}", v.invariant, v.message),
            },
            out.steps,
            out.steps as f64 / secs,
            out.steps as f64 / run_secs,
            out.steps as f64 / nodes as f64,
            peak_rss_mib()
        );
        points.push((nodes as f64, out.steps as f64, secs));
        rates.push((out.steps as f64 / secs, out.steps as f64 / run_secs));
    }
    if points.len() >= 2 {
        let events: Vec<(f64, f64)> = points.iter().map(|&(n, e, _)| (n, e)).collect();
        let wall: Vec<(f64, f64)> = points.iter().map(|&(n, _, w)| (n, w)).collect();
        println!(
            "growth: events ~ nodes^{:.2}, wall ~ nodes^{:.2}",
            exponent(&events),
            exponent(&wall)
        );
        let (first, last) = (rates[0], rates[rates.len() - 1]);
        println!(
            "events/s at the largest size / at the smallest: {:.2} (run events/s: {:.2})",
            last.0 / first.0,
            last.1 / first.1
        );
    }
}

/// The slope of log y against log x, by least squares.
fn exponent(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    sxy / sxx
}
