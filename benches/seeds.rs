//! Seeds/s on the quota-race scenario on one core (target: at least 2,000 seeds/s), and
//! simulated events/s; then the same sweep on two threads.

use hvsim::check::run_seed;
use hvsim::engine::Trace;
use hvsim::explore::sweep::sweep;
use hvsim::scenario::{self, SeedRange, Version};
use std::time::Instant;

fn main() {
    let scn = scenario::load("scenarios/quota-race-agent-restart.ron").expect("bundled scenario");
    const SEEDS: u64 = 4_000;
    for v in ["v1.4.1", "v1.4.2"] {
        let version = Version::parse(v).unwrap();
        let start = Instant::now();
        let mut events = 0u64;
        for seed in 0..SEEDS {
            events += run_seed(&scn, version, seed, Trace::off()).steps;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "quota-race {v}: {SEEDS} seeds on 1 core in {secs:.3} s = {:.0} seeds/s, {:.0} simulated events/s ({:.0} events/run)",
            SEEDS as f64 / secs,
            events as f64 / secs,
            events as f64 / SEEDS as f64
        );
    }
    let version = Version::parse("v1.4.2").unwrap();
    for jobs in [1, 2] {
        let start = Instant::now();
        let r = sweep(
            &scn,
            version,
            SeedRange {
                start: 0,
                end: SEEDS,
            },
            jobs,
        );
        let secs = start.elapsed().as_secs_f64();
        println!(
            "sweep --jobs {jobs}: {} seeds in {secs:.3} s = {:.0} seeds/s",
            r.len(),
            r.len() as f64 / secs
        );
    }
}
