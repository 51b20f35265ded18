//! Seeds/s on the quota-race scenario on one core (target: at least 2,000 seeds/s), and
//! simulated events/s, each seed run as a sweep runs it (no answers recorded); then the
//! same sweep on two threads.

// The allocator the hvsim binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use hvsim::check::run;
use hvsim::engine::{SeededChoices, Trace};
use hvsim::explore::sweep::sweep;
use hvsim::scenario::{self, SeedRange, Version};
use std::time::Instant;

fn main() {
    hvsim::allocator::keep_freed_memory();
    let scn = scenario::load("scenarios/quota-race-agent-restart.ron").expect("bundled scenario");
    const SEEDS: u64 = 4_000;
    const TRIALS: usize = 7;
    for v in ["v1.4.1", "v1.4.2"] {
        let version = Version::parse(v).unwrap();
        let start = Instant::now();
        let mut events = 0u64;
        for seed in 0..SEEDS {
            let choices = Box::new(SeededChoices::new(seed).unrecorded());
            events += run(&scn, version, choices, Trace::off()).steps;
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "quota-race {v}: {SEEDS} seeds on 1 core in {secs:.3} s = {:.0} seeds/s, {:.0} simulated events/s ({:.0} events/run)",
            SEEDS as f64 / secs,
            events as f64 / secs,
            events as f64 / SEEDS as f64
        );
    }
    // The sweep on 1 and 2 threads. This machine's neighbours make one timing vary by up to
    // 1.5x, so the trials alternate and the best of each is compared.
    let version = Version::parse("v1.4.2").unwrap();
    let range = SeedRange {
        start: 0,
        end: SEEDS,
    };
    let reference = sweep(&scn, version, range, 1);
    let mut best = [f64::MAX; 2];
    for _ in 0..TRIALS {
        for (i, jobs) in [1usize, 2].into_iter().enumerate() {
            let start = Instant::now();
            let r = sweep(&scn, version, range, jobs);
            best[i] = best[i].min(start.elapsed().as_secs_f64());
            assert_eq!(r, reference, "results depend on --jobs");
        }
    }
    let rate = |secs: f64| SEEDS as f64 / secs;
    println!(
        "sweep of {SEEDS} seeds, best of {TRIALS}: --jobs 1 {:.0} seeds/s, --jobs 2 {:.0} seeds/s: {:.2}x, identical results",
        rate(best[0]),
        rate(best[1]),
        best[0] / best[1]
    );
    // What the machine itself gives two threads that share nothing: the ceiling for any
    // sweep here.
    let spin = |n: u64| {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for i in 0..n {
            x = x.rotate_left(7) ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d);
        }
        std::hint::black_box(x)
    };
    const SPIN: u64 = 400_000_000;
    let mut best = [f64::MAX; 2];
    for _ in 0..TRIALS {
        let start = Instant::now();
        spin(SPIN);
        best[0] = best[0].min(start.elapsed().as_secs_f64());
        let start = Instant::now();
        std::thread::scope(|s| {
            s.spawn(|| spin(SPIN));
            s.spawn(|| spin(SPIN));
        });
        best[1] = best[1].min(start.elapsed().as_secs_f64());
    }
    println!(
        "machine ceiling, best of {TRIALS}: two threads of a register-only loop do {:.2}x the work of one",
        2.0 * best[0] / best[1]
    );
}
