//! Engine events/s on a hold-model workload, against a bare `BinaryHeap` loop doing the
//! same work. Target (issue 18): the engine's time per event within 1.2x of the bare loop's.
//! The hold model keeps N events pending; each step pops the earliest and schedules one
//! more at now + a pseudo-random increment. Both loops fill the same N times, pop the same
//! times in the same order and push the same times, with the same 4-byte payload and the
//! same (time, sequence) key; the engine alone also draws a `Tie` choice when several
//! events are due at once (that is part of the engine's work, so it counts against it).
//! The two alternate, five runs each, and each figure is the best of its five (the
//! machine is shared; the best run is the one least disturbed).
//! Pending sizes 1,000, 10,000 and 100,000 by default; others with
//! `HVSIM_ENGINE_PENDING=1000,10000`.

// The allocator the hvsim binary uses, so the figures are the binary's.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use hvsim::engine::{SeededChoices, Sim, SimDuration, SimTime};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::hint::black_box;
use std::time::Instant;

const STEPS: u64 = 2_000_000;

struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

fn bare(pending: u64) -> f64 {
    let mut rng = Lcg(1);
    let mut heap = BinaryHeap::new();
    let mut seq = 0u64;
    for _ in 0..pending {
        seq += 1;
        heap.push(Reverse((rng.next() % 100_000, seq, seq as u32)));
    }
    let start = Instant::now();
    let mut acc = 0u64;
    for _ in 0..STEPS {
        let Reverse((t, _, ev)) = heap.pop().unwrap();
        acc = acc.wrapping_add(ev as u64);
        seq += 1;
        heap.push(Reverse((t + 1 + rng.next() % 100_000, seq, seq as u32)));
    }
    black_box(acc);
    start.elapsed().as_nanos() as f64 / STEPS as f64
}

fn engine(pending: u64) -> f64 {
    let mut rng = Lcg(1);
    let mut sim: Sim<u32> = Sim::new(
        Box::new(SeededChoices::new(1).unrecorded()),
        SimTime::MAX,
        u64::MAX,
    );
    for i in 0..pending {
        sim.schedule_at(SimTime(rng.next() % 100_000), i as u32);
    }
    let start = Instant::now();
    let mut acc = 0u64;
    for i in 0..STEPS {
        let ev = sim.next_event().unwrap();
        acc = acc.wrapping_add(ev as u64);
        sim.schedule_in(SimDuration(1 + rng.next() % 100_000), i as u32);
    }
    black_box(acc);
    start.elapsed().as_nanos() as f64 / STEPS as f64
}

fn main() {
    hvsim::allocator::keep_freed_memory();
    let sizes: Vec<u64> = match std::env::var("HVSIM_ENGINE_PENDING") {
        Ok(v) => v.split(',').filter_map(|n| n.trim().parse().ok()).collect(),
        Err(_) => vec![1_000, 10_000, 100_000],
    };
    for pending in sizes {
        let (mut b, mut e) = (f64::MAX, f64::MAX);
        for _ in 0..5 {
            b = b.min(bare(pending));
            e = e.min(engine(pending));
        }
        println!("hold model, {pending} pending, {STEPS} steps");
        println!(
            "bare BinaryHeap loop: {b:8.1} ns/event  {:>12.0} events/s",
            1e9 / b
        );
        println!(
            "hvsim engine:         {e:8.1} ns/event  {:>12.0} events/s",
            1e9 / e
        );
        let ratio = e / b;
        let verdict = if ratio <= 1.20 { "meets" } else { "misses" };
        println!("engine / bare: {ratio:.2}x ({verdict} the target of <= 1.20x)");
    }
}
