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
//! On a machine whose speed drifts over seconds (a shared host), `HVSIM_SCALE_ROUNDS=K` runs
//! the whole list of sizes K times in turn, so that every size meets the same drift, and
//! prints beside the median the fastest run of each size and the ratio of the fastest runs:
//! interference only ever adds time, so the fastest run is the closest to the code's own cost.
//! The fastest of the many runs of a small size is a minimum over more draws than the
//! fastest of a large size's few, so that ratio leans against the large size; the bench
//! also prints, per round, the ratio of each size's events/s over all its runs of that
//! round (at least `HVSIM_SCALE_MIN_SECS` of wall each, taken minutes apart at most), and
//! the median and range of those ratios.
//! Peak memory is read in the first round, where the sizes still grow.

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

/// One run of a scenario: (wall, build, run) seconds and the outcome.
fn run_once(
    scn: &hvsim::scenario::Scenario,
    version: Version,
) -> ((f64, f64, f64), hvsim::check::RunOutcome) {
    let start = Instant::now();
    let choices = Box::new(SeededChoices::new(0).unrecorded());
    // Called once the world is built, before its first event: the end of the setup.
    let built: Cell<Option<Instant>> = Cell::new(None);
    let mark = |_: &mut hvsim::sim::World| built.set(Some(Instant::now()));
    let opts = RunOptions {
        customize: Some(&mark),
        ..RunOptions::default()
    };
    let o = run_with(scn, version, choices, Trace::off(), opts);
    let end = Instant::now();
    let built = built.get().expect("the world was built");
    (
        (
            (end - start).as_secs_f64(),
            (built - start).as_secs_f64(),
            (end - built).as_secs_f64(),
        ),
        o,
    )
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
    let rounds: usize = std::env::var("HVSIM_SCALE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1)
        .max(1);
    // Per size: (wall, build, run) per repetition, the outcome, and the peak RSS of round 1.
    let mut times: Vec<Vec<(f64, f64, f64)>> = vec![Vec::new(); sizes.len()];
    let mut outs: Vec<Option<hvsim::check::RunOutcome>> = sizes.iter().map(|_| None).collect();
    let mut rss: Vec<f64> = vec![f64::NAN; sizes.len()];
    // Per size, per round: events and wall seconds summed over the round's runs.
    let mut per_round: Vec<Vec<(f64, f64)>> = vec![Vec::new(); sizes.len()];
    for round in 0..rounds {
        for (k, &nodes) in sizes.iter().enumerate() {
            // Loaded afresh for each size and round, so a size's peak memory holds no
            // larger size's scenario.
            let scn = scenario::load_str("scale.ron", &cluster(nodes)).expect("a valid scenario");
            let scn = &scn;
            let mut spent = 0.0;
            let mut events = 0.0;
            let mut first = true;
            while first || spent < min_secs {
                first = false;
                let (t, o) = run_once(scn, version);
                spent += t.0;
                events += o.steps as f64;
                times[k].push(t);
                if let Some(prev) = &outs[k] {
                    assert_eq!(prev.steps, o.steps, "a repetition gave other events");
                }
                outs[k] = Some(o);
            }
            per_round[k].push((events, spent));
            if round == 0 {
                rss[k] = peak_rss_mib();
            }
        }
    }
    let mut points: Vec<(f64, f64, f64)> = Vec::new();
    // (events/s, run events/s, fastest events/s) per size, for the ratios.
    let mut rates: Vec<(f64, f64, f64)> = Vec::new();
    for (k, &nodes) in sizes.iter().enumerate() {
        let out = outs[k].take().expect("one run at least");
        let times = &mut times[k];
        times.sort_by(|a, b| a.0.total_cmp(&b.0));
        let reps = times.len();
        let (secs, setup, run_secs) = times[reps / 2];
        let fastest = times[0].0;
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
        let over_rounds = if rounds > 1 {
            format!(
                " over {rounds} rounds; fastest {fastest:.3} s = {:.0} events/s",
                out.steps as f64 / fastest
            )
        } else {
            String::new()
        };
        println!(
            "upgrade {nodes} nodes, {} VMs: {} in {secs:.3} s wall (median of {reps}{over_rounds}; build {setup:.3} s, run {run_secs:.3} s), {} events = {:.0} events/s ({:.0} run events/s), {:.0} events/node; upgrade took {duration} virtual, {migrations} migrations; peak RSS {:.0} MiB",
            nodes * VMS_PER_NODE,
            match &out.violation {
                None => "completed, every invariant held".to_string(),
                Some(v) => format!("VIOLATED {}: {}", v.invariant, v.message),
            },
            out.steps,
            out.steps as f64 / secs,
            out.steps as f64 / run_secs,
            out.steps as f64 / nodes as f64,
            rss[k]
        );
        points.push((nodes as f64, out.steps as f64, secs));
        rates.push((
            out.steps as f64 / secs,
            out.steps as f64 / run_secs,
            out.steps as f64 / fastest,
        ));
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
        if rounds > 1 {
            println!(
                "fastest runs' events/s at the largest size / at the smallest: {:.2}",
                last.2 / first.2
            );
            let (small, large) = (&per_round[0], &per_round[sizes.len() - 1]);
            let mut ratios: Vec<f64> = small
                .iter()
                .zip(large)
                .map(|(&(es, ss), &(el, sl))| (el / sl) / (es / ss))
                .collect();
            let shown: Vec<String> = ratios.iter().map(|r| format!("{r:.2}")).collect();
            ratios.sort_by(f64::total_cmp);
            println!(
                "per round, events/s over the round's runs at the largest size / at the smallest: {} (median {:.2}, range {:.2} to {:.2})",
                shown.join(", "),
                ratios[ratios.len() / 2],
                ratios[0],
                ratios[ratios.len() - 1]
            );
        }
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
