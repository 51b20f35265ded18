//! A stable-Rust mutation fuzzer for the scenario loader and a bounded one-seed run (the
//! same `hvsim::fuzz::one_input` as the cargo-fuzz target in `fuzz/`), for machines with no
//! nightly toolchain, and a replayer to triage files a fuzzer saved.
//!
//! ```sh
//! cargo run --release --example fuzz_scenarios -- mutate 900 [SEED]   # seconds of mutation
//! cargo run --release --example fuzz_scenarios -- replay FILES...      # triage saved inputs
//! ```
//!
//! `mutate` starts from the bundled scenarios and applies seeded byte and token mutations
//! (ChaCha8, so a run is reproducible from its seed): flip, insert or delete bytes, splice a
//! slice of another scenario, replace a number by a boundary value, a string by a long or
//! odd one. Each input runs under `catch_unwind`; a panic or a multi-line error is a
//! finding, minimised by dropping lines and bytes while it still fails, and written to
//! `fuzz-findings/`. It prints inputs tried, findings, and the slowest input (a hang shows
//! there).

use hvsim::fuzz::{one_input, Outcome};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::{Duration, Instant};

const SCENARIOS: &[&str] = &[
    include_str!("../scenarios/quota-race-agent-restart.ron"),
    include_str!("../scenarios/quota-race-node-drain.ron"),
    include_str!("../scenarios/long-name-migration.ron"),
    include_str!("../scenarios/upgrade-mid-migration.ron"),
    include_str!("../scenarios/host-view-after-migration.ron"),
    include_str!("../scenarios/host-view-after-migration-no-reload.ron"),
    include_str!("../scenarios/bootstrap-rerun-on-failure.ron"),
    include_str!("../scenarios/bootstrap-manual.ron"),
    include_str!("../scenarios/bootstrap-slow-image.ron"),
    include_str!("../scenarios/upgrade-heterogeneous-cpu.ron"),
    include_str!("../scenarios/upgrade-homogeneous.ron"),
    include_str!("../scenarios/upgrade-single-compatible-node.ron"),
];

const NUMBERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "65535",
    "65536",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "1e308",
];

const STRINGS: &[&str] = &[
    "\"\"",
    "\"0\"",
    "\"0s\"",
    "\"1us\"",
    "\"10000h\"",
    "\"99999999999h\"",
    "\"9223372036854775807\"",
    "\"1Ei\"",
    "\"-1\"",
    "\"0..18446744073709551615\"",
    "\"a\nb\"",
    "\"ü\"",
    "\"v9.9.9\"",
];

/// What one input did: `None` when it behaved (a verdict or a one-line error).
fn finding(text: &str) -> Option<String> {
    match catch_unwind(AssertUnwindSafe(|| one_input(text))) {
        Err(p) => Some(
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                .map(|m| format!("panic: {m}"))
                .unwrap_or_else(|| "panic".into()),
        ),
        Ok(Outcome::BadError(e)) => Some(format!("not a one-line error: {e:?}")),
        Ok(_) => None,
    }
}

fn mutate(rng: &mut ChaCha8Rng, base: &str) -> String {
    let mut b = base.as_bytes().to_vec();
    for _ in 0..rng.random_range(1..=4) {
        let at = rng.random_range(0..=b.len());
        match rng.random_range(0..7) {
            0 if at < b.len() => b[at] ^= 1 << rng.random_range(0..8),
            1 => b.insert(at, rng.random()),
            2 if at < b.len() => {
                let n = rng.random_range(1..=16).min(b.len() - at);
                b.drain(at..at + n);
            }
            3 => {
                let other = SCENARIOS[rng.random_range(0..SCENARIOS.len())].as_bytes();
                let s = rng.random_range(0..other.len());
                let n = rng.random_range(1..=200).min(other.len() - s);
                b.splice(at..at, other[s..s + n].iter().copied());
            }
            4 | 5 => {
                // Replace the next number or string literal by a boundary value.
                let want_str = rng.random_bool(0.5);
                let pos = (at..b.len()).find(|&i| {
                    if want_str {
                        b[i] == b'"'
                    } else {
                        b[i].is_ascii_digit()
                    }
                });
                if let Some(p) = pos {
                    let end = if want_str {
                        (p + 1..b.len())
                            .find(|&i| b[i] == b'"')
                            .map(|i| i + 1)
                            .unwrap_or(b.len())
                    } else {
                        (p..b.len())
                            .find(|&i| !b[i].is_ascii_digit())
                            .unwrap_or(b.len())
                    };
                    let with = if want_str {
                        if rng.random_bool(0.1) {
                            format!("\"{}\"", "x".repeat(rng.random_range(60..70_000)))
                        } else {
                            STRINGS[rng.random_range(0..STRINGS.len())].to_string()
                        }
                    } else {
                        NUMBERS[rng.random_range(0..NUMBERS.len())].to_string()
                    };
                    b.splice(p..end, with.bytes());
                }
            }
            _ => {
                // Duplicate a line (a second node, VM, action, ...).
                let text = String::from_utf8_lossy(&b).into_owned();
                let lines: Vec<&str> = text.lines().collect();
                if !lines.is_empty() {
                    let i = rng.random_range(0..lines.len());
                    let mut out: Vec<&str> = lines.clone();
                    out.insert(i, lines[i]);
                    b = out.join("\n").into_bytes();
                }
            }
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

/// Drops lines, then bytes, while the input still gives a finding of the same kind.
fn minimise(text: &str, kind: &str) -> String {
    let same = |t: &str| finding(t).is_some_and(|f| f.split(':').next() == Some(kind));
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut i = 0;
    while i < lines.len() {
        let mut shorter = lines.clone();
        shorter.remove(i);
        if same(&shorter.join("\n")) {
            lines = shorter;
        } else {
            i += 1;
        }
    }
    lines.join("\n")
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Findings print their own report; the default hook's message would repeat each one.
    std::panic::set_hook(Box::new(|_| {}));
    match args.first().map(String::as_str) {
        Some("replay") => {
            let mut bad = 0;
            for f in &args[1..] {
                let text = String::from_utf8_lossy(&std::fs::read(f).unwrap()).into_owned();
                match finding(&text) {
                    Some(m) => {
                        bad += 1;
                        println!("{f}: {}", m.chars().take(300).collect::<String>());
                    }
                    None => println!("{f}: ok"),
                }
            }
            println!("{} inputs, {bad} findings", args.len() - 1);
            std::process::exit(i32::from(bad > 0));
        }
        Some("mutate") => {
            let secs: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(60);
            let seed: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(0);
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let deadline = Instant::now() + Duration::from_secs(secs);
            let (mut tried, mut loaded, mut found) = (0u64, 0u64, 0u64);
            let mut slowest = (Duration::ZERO, 0u64);
            std::fs::create_dir_all("fuzz-findings").unwrap();
            while Instant::now() < deadline {
                let base = SCENARIOS[rng.random_range(0..SCENARIOS.len())];
                let input = mutate(&mut rng, base);
                let t = Instant::now();
                let f = finding(&input);
                let took = t.elapsed();
                if took > slowest.0 {
                    slowest = (took, tried);
                }
                tried += 1;
                loaded += u64::from(matches!(
                    catch_unwind(|| hvsim::scenario::load_str("x", &input)),
                    Ok(Ok(_))
                ));
                if let Some(m) = f {
                    found += 1;
                    let kind = m.split(':').next().unwrap_or("").to_string();
                    let small = minimise(&input, &kind);
                    let path = format!("fuzz-findings/finding-{seed}-{tried}.ron");
                    std::fs::write(&path, &small).unwrap();
                    println!("{path}: {}", m.chars().take(300).collect::<String>());
                }
            }
            println!(
                "seed {seed}: {tried} inputs in {secs} s, {loaded} loaded and ran, {found} findings, slowest input {:.3} s (#{})",
                slowest.0.as_secs_f64(),
                slowest.1
            );
        }
        _ => {
            eprintln!("usage: fuzz_scenarios mutate SECONDS [SEED] | replay FILES...");
            std::process::exit(2);
        }
    }
}
