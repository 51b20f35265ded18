//! Time to the first violation, per bundled buggy scenario (a `Violates` expectation) and
//! strategy, on one core: the median over 20 starting seeds of the runs and the wall time
//! until a seed violates. Target: under 1 s for the default strategy (random).

// The allocator the hvsim binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use hvsim::check::run_with;
use hvsim::check::RunOptions;
use hvsim::engine::Trace;
use hvsim::explore::exhaustive;
use hvsim::explore::strategy::Strategy;
use hvsim::scenario::{self, Expectation};
use std::time::Instant;

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn main() {
    hvsim::allocator::keep_freed_memory();
    println!(
        "{:<32} {:<40} {:<14} {:>12} {:>14}",
        "scenario", "version", "strategy", "median runs", "median time"
    );
    for (path, text) in scenario::bundled() {
        let scn = scenario::load_str(path, text).expect("bundled");
        for (v, exp) in &scn.expect {
            if !matches!(exp, Expectation::Violates { .. }) {
                continue;
            }
            let (version, policy) = scenario::parse_expect_key(v).unwrap();
            let scn = match policy {
                Some(p) => hvsim::explore::verify::with_policy(&scn, p),
                None => scn.clone(),
            };
            for strategy in [
                Strategy::Random,
                Strategy::Pct { depth: 3 },
                Strategy::Swarm,
            ] {
                let mut runs = Vec::new();
                let mut secs = Vec::new();
                for start in 0..20u64 {
                    let t = Instant::now();
                    let mut n = 0u64;
                    let mut seed = start * 100_000;
                    loop {
                        n += 1;
                        let o = run_with(
                            &scn,
                            version,
                            strategy.unrecorded_choices(seed),
                            Trace::off(),
                            RunOptions::default(),
                        );
                        if o.violation.is_some() || n >= 100_000 {
                            break;
                        }
                        seed += 1;
                    }
                    runs.push(n as f64);
                    secs.push(t.elapsed().as_secs_f64());
                }
                println!(
                    "{:<32} {:<40} {:<14} {:>12.0} {:>12.4} s",
                    scn.name,
                    v,
                    strategy.to_string(),
                    median(runs),
                    median(secs)
                );
            }
            let t = Instant::now();
            let r = exhaustive::explore(&scn, version, 12, 100_000, true);
            println!(
                "{:<32} {:<40} {:<14} {:>12} {:>12.4} s{}",
                scn.name,
                v,
                "exhaustive",
                r.runs,
                t.elapsed().as_secs_f64(),
                if r.violations.is_empty() {
                    "  (none found)"
                } else {
                    ""
                }
            );
        }
    }
}
