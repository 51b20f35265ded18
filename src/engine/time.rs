//! Virtual time in integer microseconds. No floating point, no wall clock.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant of virtual time, in microseconds since the start of the run.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct SimTime(pub u64);

/// A span of virtual time, in microseconds.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of the run.
    pub const ZERO: SimTime = SimTime(0);
    /// Never: later than any instant a run reaches.
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Microseconds since the start of the run.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// The span from `earlier` to this instant (zero if `earlier` is later).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A span of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimDuration(ms * 1_000)
    }
    /// A span of `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimDuration(s * 1_000_000)
    }
    /// The span in microseconds.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// Parses a Kubernetes/Go-style duration: `"150ms"`, `"5m"`, `"1m30s"`, `"250us"`, `"2h"`, `"0"`.
    pub fn parse(s: &str) -> Result<SimDuration, String> {
        let t = s.trim();
        if t.is_empty() {
            return Err("an empty duration".into());
        }
        if t == "0" {
            return Ok(SimDuration::ZERO);
        }
        let bytes = t.as_bytes();
        let mut i = 0;
        let mut total: u64 = 0;
        while i < bytes.len() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            if start == i {
                return Err(format!("a number before the unit in \"{s}\""));
            }
            let n: u64 = t[start..i]
                .parse()
                .map_err(|_| format!("a number that fits in \"{s}\""))?;
            let ustart = i;
            while i < bytes.len() && bytes[i].is_ascii_alphabetic() {
                i += 1;
            }
            let unit = &t[ustart..i];
            let mult: u64 = match unit {
                "us" | "µs" => 1,
                "ms" => 1_000,
                "s" => 1_000_000,
                "m" => 60_000_000,
                "h" => 3_600_000_000,
                "" => return Err(format!("a unit (us, ms, s, m, h) after {n} in \"{s}\"")),
                other => {
                    return Err(format!(
                        "a unit among us, ms, s, m, h, not \"{other}\" in \"{s}\""
                    ))
                }
            };
            total = n
                .checked_mul(mult)
                .and_then(|v| total.checked_add(v))
                .ok_or_else(|| {
                    format!("a duration that fits in 64-bit microseconds, not \"{s}\"")
                })?;
        }
        Ok(SimDuration(total))
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl AddAssign<SimDuration> for SimTime {
    fn add_assign(&mut self, d: SimDuration) {
        self.0 = self.0.saturating_add(d.0);
    }
}

impl Add for SimDuration {
    type Output = SimDuration;
    fn add(self, d: SimDuration) -> SimDuration {
        SimDuration(self.0.saturating_add(d.0))
    }
}

impl Sub for SimTime {
    type Output = SimDuration;
    fn sub(self, o: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(o.0))
    }
}

/// `mm:ss.uuuuuu` (minutes may exceed 59).
impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        write!(
            f,
            "{:02}:{:02}.{:06}",
            us / 60_000_000,
            (us / 1_000_000) % 60,
            us % 1_000_000
        )
    }
}

/// The shortest exact Go-style spelling: `1m30s`, `150ms`, `2500us`.
impl fmt::Display for SimDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = self.0;
        if us == 0 {
            return write!(f, "0s");
        }
        if !us.is_multiple_of(1_000_000) {
            if us < 1_000_000 && us.is_multiple_of(1_000) {
                return write!(f, "{}ms", us / 1_000);
            }
            if us < 1_000 {
                return write!(f, "{us}us");
            }
            // Seconds with the fraction, trailing zeros dropped: 6.330139s, 1.5s.
            let frac = format!("{:06}", us % 1_000_000);
            return write!(f, "{}.{}s", us / 1_000_000, frac.trim_end_matches('0'));
        }
        let s = us / 1_000_000;
        let (h, m, s) = (s / 3600, (s / 60) % 60, s % 60);
        if h > 0 {
            write!(f, "{h}h")?;
        }
        if m > 0 {
            write!(f, "{m}m")?;
        }
        if s > 0 {
            write!(f, "{s}s")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_style_durations() {
        assert_eq!(
            SimDuration::parse("150ms"),
            Ok(SimDuration::from_millis(150))
        );
        assert_eq!(SimDuration::parse("1m30s"), Ok(SimDuration::from_secs(90)));
        assert_eq!(SimDuration::parse("250us"), Ok(SimDuration(250)));
        assert_eq!(SimDuration::parse("0"), Ok(SimDuration::ZERO));
    }

    #[test]
    fn rejects_a_duration_without_unit() {
        assert_eq!(
            SimDuration::parse("15"),
            Err("a unit (us, ms, s, m, h) after 15 in \"15\"".to_string())
        );
    }

    #[test]
    fn displays_the_shortest_exact_spelling() {
        assert_eq!(SimDuration::from_secs(90).to_string(), "1m30s");
        assert_eq!(SimDuration::from_millis(1500).to_string(), "1.5s");
        assert_eq!(SimDuration(6_330_139).to_string(), "6.330139s");
        assert_eq!(SimDuration(250).to_string(), "250us");
        assert_eq!(SimTime(61_000_123).to_string(), "01:01.000123");
    }
}
