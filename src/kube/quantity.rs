//! Kubernetes resource quantities (`"5000m"`, `"6000Mi"`, `"2"`, `"4Gi"`, `"1G"`), held as
//! integer milli-units. Simplification: the canonical print form is chosen by resource
//! (cpu decimal, memory binary), not by the suffix the value was written with.

use std::fmt;

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct Quantity(pub i64);

impl Quantity {
    pub const ZERO: Quantity = Quantity(0);

    pub fn from_units(v: i64) -> Self {
        Quantity(v * 1000)
    }
    pub fn milli(self) -> i64 {
        self.0
    }
    /// The value rounded up to whole units, as `Quantity.Value()` does.
    pub fn value(self) -> i64 {
        (self.0 + 999).div_euclid(1000)
    }
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses Kubernetes quantity notation.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        let t = s.trim();
        let expected = "a Kubernetes quantity such as \"500m\", \"2\", \"6000Mi\" or \"4Gi\"";
        if t.is_empty() {
            return Err(format!("{expected}, not an empty string"));
        }
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, suffix) = t.split_at(split);
        if num.is_empty()
            || num.starts_with('.')
            || num.ends_with('.')
            || num.matches('.').count() > 1
        {
            return Err(format!("{expected}, not \"{s}\""));
        }
        // (numerator, denominator) of the multiplier to milli-units.
        let (mul, div): (i128, i128) = match suffix {
            "m" => (1, 1),
            "" => (1000, 1),
            "k" => (1000 * 1000, 1),
            "M" => (1000 * 1_000_000, 1),
            "G" => (1000 * 1_000_000_000, 1),
            "T" => (1000 * 1_000_000_000_000, 1),
            "Ki" => (1000 << 10, 1),
            "Mi" => (1000 << 20, 1),
            "Gi" => (1000 << 30, 1),
            "Ti" => (1000i128 << 40, 1),
            _ => {
                return Err(format!(
                    "{expected}, not \"{s}\" (unknown suffix \"{suffix}\")"
                ))
            }
        };
        let (int_part, frac_part) = num.split_once('.').unwrap_or((num, ""));
        let mut scale: i128 = 1;
        let mut digits: i128 = 0;
        for c in int_part.chars().chain(frac_part.chars()) {
            digits = digits * 10 + (c as u8 - b'0') as i128;
            if digits > i64::MAX as i128 {
                return Err(format!("{expected} small enough to fit, not \"{s}\""));
            }
        }
        for _ in 0..frac_part.len() {
            scale *= 10;
        }
        let milli = digits * mul / (scale * div);
        if milli * scale * div != digits * mul {
            // Kubernetes rounds sub-milli precision up.
            return Ok(Quantity((milli + 1) as i64));
        }
        if milli > i64::MAX as i128 {
            return Err(format!("{expected} small enough to fit, not \"{s}\""));
        }
        Ok(Quantity(milli as i64))
    }

    /// Decimal canonical form: `"4015m"`, `"2"`, `"5k"` stays `"5000"` for readability.
    pub fn fmt_decimal(self) -> String {
        if self.0 % 1000 != 0 {
            format!("{}m", self.0)
        } else {
            format!("{}", self.0 / 1000)
        }
    }

    /// Binary canonical form: `"6000Mi"`, `"4Gi"`, or plain bytes when no suffix is exact.
    pub fn fmt_binary(self) -> String {
        if self.0 % 1000 != 0 {
            return format!("{}m", self.0);
        }
        let v = self.0 / 1000;
        if v == 0 {
            return "0".into();
        }
        for (shift, suf) in [(40, "Ti"), (30, "Gi"), (20, "Mi"), (10, "Ki")] {
            if v % (1i64 << shift) == 0 {
                return format!("{}{}", v >> shift, suf);
            }
        }
        format!("{v}")
    }
}

impl std::ops::Add for Quantity {
    type Output = Quantity;
    fn add(self, o: Quantity) -> Quantity {
        Quantity(self.0.saturating_add(o.0))
    }
}
impl std::ops::Sub for Quantity {
    type Output = Quantity;
    fn sub(self, o: Quantity) -> Quantity {
        Quantity(self.0.saturating_sub(o.0))
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.fmt_decimal())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cpu_and_memory_notation() {
        assert_eq!(
            Quantity::parse("5000m"),
            Ok(Quantity(5_000_000 / 1000 * 1000 / 1000 * 1000 / 1000))
        );
        assert_eq!(Quantity::parse("2"), Ok(Quantity(2000)));
        assert_eq!(
            Quantity::parse("6000Mi"),
            Ok(Quantity(6000 * (1 << 20) * 1000))
        );
        assert_eq!(Quantity::parse("1G"), Ok(Quantity(1_000_000_000_000)));
        assert_eq!(Quantity::parse("0.5"), Ok(Quantity(500)));
    }

    #[test]
    fn rejects_unknown_suffix_with_the_expected_form() {
        assert_eq!(
            Quantity::parse("5 cores"),
            Err("a Kubernetes quantity such as \"500m\", \"2\", \"6000Mi\" or \"4Gi\", not \"5 cores\" (unknown suffix \" cores\")".into())
        );
        assert!(Quantity::parse("Mi").is_err());
        assert!(Quantity::parse("1.2.3").is_err());
    }

    #[test]
    fn prints_canonical_forms() {
        assert_eq!(Quantity::parse("4015m").unwrap().fmt_decimal(), "4015m");
        assert_eq!(Quantity::parse("5000m").unwrap().fmt_decimal(), "5");
        assert_eq!(Quantity::parse("6000Mi").unwrap().fmt_binary(), "6000Mi");
        assert_eq!(
            Quantity::from_units(4_531_245_057).fmt_binary(),
            "4531245057"
        );
    }
}
