//! A progress line on stderr while a sweep runs (only when stderr is a terminal): runs done,
//! runs/s, violations so far. Wall-clock time here never reaches a run.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

pub struct Progress {
    enabled: bool,
    total: u64,
    done: u64,
    violations: u64,
    start: Instant,
    last: Instant,
}

impl Progress {
    pub fn new(total: u64) -> Self {
        let now = Instant::now();
        Progress {
            enabled: std::io::stderr().is_terminal(),
            total,
            done: 0,
            violations: 0,
            start: now,
            last: now,
        }
    }

    pub fn tick(&mut self, violated: bool) {
        self.done += 1;
        self.violations += u64::from(violated);
        if !self.enabled || self.last.elapsed() < Duration::from_millis(100) {
            return;
        }
        self.last = Instant::now();
        let rate = self.done as f64 / self.start.elapsed().as_secs_f64().max(1e-9);
        let width = 30usize;
        let filled = (self.done * width as u64 / self.total.max(1)) as usize;
        super::output::err(&format!(
            "\r[{}{}] {}/{} runs, {:.0} runs/s, {} violations ",
            "#".repeat(filled),
            " ".repeat(width - filled.min(width)),
            self.done,
            self.total,
            rate,
            self.violations
        ));
    }

    pub fn finish(&self) {
        if self.enabled {
            super::output::err(&format!("\r{}\r", " ".repeat(90)));
        }
    }

    pub fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }
}
