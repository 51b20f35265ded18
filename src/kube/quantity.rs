//! Kubernetes resource quantities (`"5000m"`, `"6000Mi"`, `"2"`, `"4Gi"`, `"1G"`, `"1.3E+6"`),
//! held as integer milli-units.
//!
//! Models k8s.io/apimachinery v0.31.0 (Kubernetes v1.31) `pkg/api/resource`: `ParseQuantity`
//! and its scanner `parseQuantityString` (quantity.go), the suffix table (suffix.go), the
//! rounding of `Value()` / `MilliValue()` (amount.go, math.go, scale_int.go) and the canonical
//! `String()` form (`CanonicalizeBytes`). What parses, what fails and with which of the real
//! errors (`ErrFormatWrong`, `ErrNumeric`, `ErrSuffix`) follows the real scanner byte for byte,
//! including its quirks: a bare sign, a bare dot or a bare suffix (`"-"`, `"."`, `"Mi"`) is
//! zero; `"1."` and `".5"` parse; an `e` exponent is read as int64 and then truncated to int32
//! (`"1e4294967296"` is 1) and the scale arithmetic wraps as the real int32 scale does.
//! `ParseQuantity` trims nothing (`" 1"` fails); the JSON decoder trims around it
//! (`UnmarshalJSON`), which [`Quantity::parse_json_string`] models.
//!
//! Representation, and where it departs from the real type:
//! - The value is `MilliValue()`: exact milli-units, sub-milli precision rounded away from
//!   zero (the real parse rounds to nano away from zero, then `MilliValue` rounds the
//!   remainder up; for positive values both are a ceiling, so `"0.1m"` and `"1n"` are 1m).
//!   For negative values hvsim rounds away from zero, as the real int64 path does
//!   (`negativeScaleInt64`); the real inf.Dec path (`scaledValue`) truncates and adds one,
//!   which gives `+1m` for `"-1n"` — a real-code quirk hvsim does not reproduce.
//! - The real type holds any magnitude (inf.Dec; only binary-suffixed values saturate at
//!   2^63-1 units at parse). hvsim holds int64 milli-units, so a value whose magnitude is
//!   above `i64::MAX` milli-units (9223372036854775807m, just over 8Pi) is rejected with
//!   [`QuantityError::TooLarge`] rather than saturated: saturating would silently change a
//!   figure, and `MilliValue()` of such a value wraps in the real code.
//! - The suffix format the value was written with is returned by
//!   [`Quantity::parse_with_format`] but not stored: the print forms used by the model are
//!   chosen by resource (cpu [`Quantity::fmt_decimal`], memory [`Quantity::fmt_binary`]);
//!   [`Quantity::canonical`] gives the real `String()` for a given format.
//! - Arithmetic: the real `Add`/`Sub`/`Mul` fall back to exact inf.Dec on int64 overflow and
//!   never saturate. hvsim offers `checked_add`, `checked_sub`, `checked_mul_int` (`None`
//!   beyond the representable range) for values from input; the `+`/`-` operators saturate
//!   and are for sums inside the model of values already checked at load.

use std::fmt;

/// A Kubernetes `resource.Quantity`, held as int64 milli-units (see the module documentation).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Debug)]
pub struct Quantity(pub i64);

/// The real `resource.Format`: how the value was written, and so how `String()` prints it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Format {
    /// `12e6`
    DecimalExponent,
    /// `12Mi` (12 * 2^20)
    BinarySI,
    /// `12M` (12 * 10^6)
    DecimalSI,
}

/// Why a string is not a quantity: the three real `ParseQuantity` errors, plus the one limit
/// of hvsim's representation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum QuantityError {
    /// apimachinery `ErrFormatWrong`.
    FormatWrong,
    /// apimachinery `ErrNumeric`.
    Numeric,
    /// apimachinery `ErrSuffix`.
    Suffix,
    /// A valid quantity whose magnitude is beyond int64 milli-units (see the file header).
    TooLarge,
}

/// apimachinery quantity.go `splitREString`, quoted by `ErrFormatWrong`.
const SPLIT_RE: &str = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuantityError::FormatWrong => {
                write!(
                    f,
                    "quantities must match the regular expression '{SPLIT_RE}'"
                )
            }
            QuantityError::Numeric => f.write_str("unable to parse numeric part of quantity"),
            QuantityError::Suffix => f.write_str("unable to parse quantity's suffix"),
            QuantityError::TooLarge => write!(
                f,
                "too large for hvsim: at most {}m (int64 milli-units, just over 8Pi)",
                i64::MAX
            ),
        }
    }
}

impl std::error::Error for QuantityError {}

const EXPECTED: &str = "a Kubernetes quantity such as \"500m\", \"2\", \"6000Mi\" or \"4Gi\"";

impl Quantity {
    /// Zero.
    pub const ZERO: Quantity = Quantity(0);
    /// The largest value hvsim holds.
    pub const MAX: Quantity = Quantity(i64::MAX);

    /// Whole units, for model constants. Saturates beyond the representable range; values
    /// from input go through [`Quantity::try_from_units`].
    pub fn from_units(v: i64) -> Self {
        Quantity(v.saturating_mul(1000))
    }
    /// Whole units, `None` when `v` is beyond the representable range.
    pub fn try_from_units(v: i64) -> Option<Self> {
        v.checked_mul(1000).map(Quantity)
    }
    /// The value in milli-units (`MilliValue()`).
    pub fn milli(self) -> i64 {
        self.0
    }
    /// The value rounded to whole units away from zero, as `Quantity.Value()` does on the
    /// int64 path (`negativeScaleInt64`): 1500m is 2, -1500m is -2.
    pub fn value(self) -> i64 {
        let (q, r) = (self.0 / 1000, self.0 % 1000);
        q + r.signum()
    }
    /// Whether the value is zero.
    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// `self + o`; `None` beyond the representable range.
    pub fn checked_add(self, o: Quantity) -> Option<Quantity> {
        self.0.checked_add(o.0).map(Quantity)
    }
    /// `self - o`; `None` beyond the representable range.
    pub fn checked_sub(self, o: Quantity) -> Option<Quantity> {
        self.0.checked_sub(o.0).map(Quantity)
    }
    /// `self * k`, as the real `Quantity.Mul(int64)`; `None` beyond the representable range.
    pub fn checked_mul_int(self, k: i64) -> Option<Quantity> {
        self.0.checked_mul(k).map(Quantity)
    }

    /// Parses Kubernetes quantity notation as `resource.ParseQuantity` does; the error is one
    /// phrase for the loaders: what was expected, the input, and the real reason.
    pub fn parse(s: &str) -> Result<Quantity, String> {
        Quantity::parse_with_format(s)
            .map(|(q, _)| q)
            .map_err(|e| describe_error(s, e))
    }

    /// As the JSON (and so YAML) decoder reads a quantity string: `UnmarshalJSON` trims
    /// surrounding whitespace (Go `strings.TrimSpace`) before `ParseQuantity`.
    pub fn parse_json_string(s: &str) -> Result<Quantity, String> {
        Quantity::parse(s.trim())
    }

    /// `resource.ParseQuantity`: the value at milli precision and the format it keeps.
    pub fn parse_with_format(s: &str) -> Result<(Quantity, Format), QuantityError> {
        if s.is_empty() {
            return Err(QuantityError::FormatWrong);
        }
        if s == "0" {
            return Ok((Quantity::ZERO, Format::DecimalSI));
        }
        let sc = scan(s.as_bytes())?;
        let (base, exponent, mut format) = interpret(sc.suffix).ok_or(QuantityError::Suffix)?;

        // Which of the real code's two paths runs: the int64 fast path is exact; the inf.Dec
        // path rounds to nano and caps binary values. Lengths and scales are int32 there.
        let (num_len, denom_len) = (sc.num.len() as i32, sc.denom.len() as i32);
        let mut precision: i32 = match format {
            Format::DecimalExponent | Format::DecimalSI => {
                18i32.wrapping_sub(num_len.wrapping_add(denom_len))
            }
            Format::BinarySI if denom_len == 0 => 14i32.wrapping_sub(num_len) - exponent * 3 / 10,
            Format::BinarySI => -1,
        };
        let scale = if base == 10 {
            exponent.wrapping_sub(denom_len)
        } else {
            0
        };
        if base == 2 && precision >= 0 {
            // int64Multiply(value, 1<<exponent) must not overflow for the fast path.
            let fits = format!("{}{}", sc.num, sc.denom)
                .parse::<i64>()
                .ok()
                .and_then(|v| v.checked_mul(1i64 << exponent))
                .is_some();
            if !fits {
                precision = -1;
            }
        }
        let fast = precision >= 0 && scale >= -9;
        let exp10: i64 = if fast {
            scale as i64
        } else if base == 10 {
            // inf.Dec: scale len(denom), then SetScale(scale + (-exponent)), all int32.
            -(denom_len.wrapping_add(exponent.wrapping_neg()) as i64)
        } else {
            -(denom_len as i64)
        };
        if !fast && !sc.value_has_digits {
            return Err(QuantityError::Numeric);
        }
        let bin = if base == 2 { exponent as u32 } else { 0 };
        let digits = [sc.num.as_bytes(), sc.denom.as_bytes()].concat();
        if !fast && format == Format::BinarySI {
            // Values between 0 and 1 (after rounding up to nano) switch to DecimalSI.
            let nano = ceil_scaled(&digits, exp10.saturating_add(9), bin);
            if matches!(nano, Some(n) if n > 0 && n < 1_000_000_000) {
                format = Format::DecimalSI;
            }
        }
        let milli =
            ceil_scaled(&digits, exp10.saturating_add(3), bin).ok_or(QuantityError::TooLarge)?;
        Ok((Quantity(if sc.positive { milli } else { -milli }), format))
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

    /// The real `Quantity.String()` of this value in `format` (`CanonicalizeBytes`): the
    /// largest suffix that loses no precision and leaves no fraction (`"1536Mi"`, `"5k"`,
    /// `"80e-3"`). BinarySI prints in decimal below 1024 or when not a whole number.
    pub fn canonical(self, format: Format) -> String {
        if self.0 == 0 {
            return "0".into();
        }
        let whole = self.0 % 1000 == 0;
        if format == Format::BinarySI && whole && self.0.unsigned_abs() >= 1024 * 1000 {
            let (mut v, mut e) = (self.0 / 1000, 0);
            while v.unsigned_abs() >= 1024 && v % 1024 == 0 {
                v /= 1024;
                e += 1;
            }
            return format!("{v}{}", ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"][e]);
        }
        // Mantissa and base-10 exponent with the exponent a multiple of 3 (amount.go
        // AsCanonicalBytes); from milli-units the exponent is at least -3.
        let (mut m, mut e) = (self.0 as i128, -3i32);
        while m.unsigned_abs() >= 10 && m % 10 == 0 {
            m /= 10;
            e += 1;
        }
        while e % 3 != 0 {
            m *= 10;
            e -= 1;
        }
        match format {
            Format::DecimalExponent if e == 0 => format!("{m}"),
            Format::DecimalExponent => format!("{m}e{e}"),
            _ => {
                let suffix = match e {
                    -3 => "m",
                    0 => "",
                    3 => "k",
                    6 => "M",
                    9 => "G",
                    12 => "T",
                    _ => "P", // 15: at most ~9.2P fits in int64 milli-units
                };
                format!("{m}{suffix}")
            }
        }
    }
}

/// The loaders' phrase: expected form, the input (shortened if long), the real reason.
fn describe_error(s: &str, e: QuantityError) -> String {
    if s.is_empty() {
        return format!("{EXPECTED}, not an empty string ({e})");
    }
    const SHOWN: usize = 60;
    if s.len() <= SHOWN {
        return format!("{EXPECTED}, not {s:?} ({e})");
    }
    let mut cut = SHOWN;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!(
        "{EXPECTED}, not {:?}... ({} bytes) ({e})",
        &s[..cut],
        s.len()
    )
}

/// What `parseQuantityString` returns: sign, numerator with leading zeros stripped (`"0"`
/// when none remain), fraction digits, suffix, and whether its `value` (the text before the
/// suffix) holds a digit, which the inf.Dec path needs.
struct Scanned<'a> {
    positive: bool,
    num: &'a str,
    denom: &'a str,
    suffix: &'a str,
    value_has_digits: bool,
}

fn scan(b: &[u8]) -> Result<Scanned<'_>, QuantityError> {
    // Every cut below is at an ASCII byte, so the slices are valid UTF-8.
    let text = |from: usize, to: usize| std::str::from_utf8(&b[from..to]).unwrap_or("");
    let end = b.len();
    let mut pos = 0;
    let mut positive = true;
    match b.first() {
        Some(b'-') => {
            positive = false;
            pos += 1;
        }
        Some(b'+') => pos += 1,
        _ => {}
    }
    while pos < end && b[pos] == b'0' {
        pos += 1;
    }
    if pos >= end {
        return Ok(Scanned {
            positive,
            num: "0",
            denom: "",
            suffix: "",
            value_has_digits: true,
        });
    }
    let num_start = pos;
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    let num = match text(num_start, pos) {
        "" => "0",
        n => n,
    };
    let mut denom = "";
    if pos < end && b[pos] == b'.' {
        pos += 1;
        let start = pos;
        while pos < end && b[pos].is_ascii_digit() {
            pos += 1;
        }
        denom = text(start, pos);
    }
    let value_has_digits = b[..pos].iter().any(u8::is_ascii_digit);
    let suffix_start = pos;
    while pos < end && b"eEinumkKMGTP".contains(&b[pos]) {
        pos += 1;
    }
    if pos < end && (b[pos] == b'-' || b[pos] == b'+') {
        pos += 1;
    }
    while pos < end && b[pos].is_ascii_digit() {
        pos += 1;
    }
    if pos < end {
        return Err(QuantityError::FormatWrong);
    }
    Ok(Scanned {
        positive,
        num,
        denom,
        suffix: text(suffix_start, end),
        value_has_digits,
    })
}

/// suffix.go `interpret`: (base, exponent, format) of a suffix.
fn interpret(s: &str) -> Option<(u32, i32, Format)> {
    let dec = |e| Some((10, e, Format::DecimalSI));
    let bin = |e| Some((2, e, Format::BinarySI));
    match s {
        "n" => dec(-9),
        "u" => dec(-6),
        "m" => dec(-3),
        "" => dec(0),
        "k" => dec(3),
        "M" => dec(6),
        "G" => dec(9),
        "T" => dec(12),
        "P" => dec(15),
        "E" => dec(18),
        "Ki" => bin(10),
        "Mi" => bin(20),
        "Gi" => bin(30),
        "Ti" => bin(40),
        "Pi" => bin(50),
        "Ei" => bin(60),
        _ if s.len() > 1 && (s.starts_with('e') || s.starts_with('E')) => {
            // strconv.ParseInt(s[1:], 10, 64), then int32(parsed): truncation, as Go does.
            let parsed: i64 = s[1..].parse().ok()?;
            Some((10, parsed as i32, Format::DecimalExponent))
        }
        _ => None,
    }
}

/// `ceil(D * 10^k * 2^bin)` for the decimal digit string `D`, or `None` above `i64::MAX`.
/// Works on the digits directly, so any length and any exponent is safe (`bin` <= 60).
fn ceil_scaled(digits: &[u8], k: i64, bin: u32) -> Option<i64> {
    let lead = digits.iter().take_while(|&&c| c == b'0').count();
    let d = &digits[lead..];
    let trail = d.iter().rev().take_while(|&&c| c == b'0').count();
    let d = &d[..d.len() - trail];
    if d.is_empty() {
        return Some(0);
    }
    let k = k.saturating_add(trail as i64);
    let n = d.len() as i64;
    // Digits before the decimal point. 10^19 > i64::MAX; below 10^-19 the value times at
    // most 2^60 (< 10^19) is under 1, which rounds up to 1.
    let p = n.saturating_add(k);
    if p > 19 {
        return None;
    }
    if p < -19 {
        return Some(1);
    }
    let (int_digits, int_zeros, frac_zeros, frac_digits): (&[u8], i64, i64, &[u8]) = if p >= n {
        (d, p - n, 0, &[])
    } else if p > 0 {
        (&d[..p as usize], 0, 0, &d[p as usize..])
    } else {
        (&[], 0, -p, d)
    };
    let m: u128 = 1u128 << bin;
    let mut int: u128 = 0;
    for &c in int_digits {
        int = int * 10 + u128::from(c - b'0');
    }
    for _ in 0..int_zeros {
        int *= 10;
    }
    // < 10^19 * 2^60 < 2^127.
    int *= m;
    // The fraction 0.[zeros][digits] times m, right to left: the carry out is its whole part.
    let mut carry: u128 = 0;
    let mut exact = true;
    let fraction = frac_digits
        .iter()
        .rev()
        .map(|&c| u128::from(c - b'0'))
        .chain((0..frac_zeros).map(|_| 0));
    for digit in fraction {
        let x = digit * m + carry;
        exact &= x.is_multiple_of(10);
        carry = x / 10;
    }
    let total = int + carry + u128::from(!exact);
    i64::try_from(total).ok()
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

    fn reason(s: &str) -> QuantityError {
        Quantity::parse_with_format(s).unwrap_err()
    }

    #[test]
    fn parses_cpu_and_memory_notation() {
        assert_eq!(Quantity::parse("5000m"), Ok(Quantity(5_000)));
        assert_eq!(Quantity::parse("2"), Ok(Quantity(2000)));
        assert_eq!(
            Quantity::parse("6000Mi"),
            Ok(Quantity(6000 * (1 << 20) * 1000))
        );
        assert_eq!(Quantity::parse("1G"), Ok(Quantity(1_000_000_000_000)));
        assert_eq!(Quantity::parse("0.5"), Ok(Quantity(500)));
    }

    #[test]
    fn parses_exponents_signs_and_bare_dots() {
        assert_eq!(Quantity::parse("1e3"), Ok(Quantity(1_000_000)));
        assert_eq!(Quantity::parse("1.3E+6"), Ok(Quantity(1_300_000_000)));
        assert_eq!(Quantity::parse("1E-3"), Ok(Quantity(1)));
        assert_eq!(Quantity::parse(".5"), Ok(Quantity(500)));
        assert_eq!(Quantity::parse("1."), Ok(Quantity(1000)));
        assert_eq!(Quantity::parse("-1.5Ki"), Ok(Quantity(-1_536_000)));
        assert_eq!(Quantity::parse("+2"), Ok(Quantity(2000)));
        assert_eq!(Quantity::parse("-0"), Ok(Quantity::ZERO));
    }

    #[test]
    fn rounds_sub_milli_precision_away_from_zero() {
        assert_eq!(Quantity::parse("1n"), Ok(Quantity(1)));
        assert_eq!(Quantity::parse("1.0001"), Ok(Quantity(1001)));
        assert_eq!(Quantity::parse("-1.0001"), Ok(Quantity(-1001)));
        assert_eq!(Quantity::parse("1e-999999999"), Ok(Quantity(1)));
    }

    #[test]
    fn a_bare_sign_dot_or_suffix_is_zero_as_in_the_real_scanner() {
        for s in ["-", "+", ".", "-.", "Mi", "k", "m", "+.Ki"] {
            assert_eq!(Quantity::parse(s), Ok(Quantity::ZERO), "{s}");
        }
        // ... except where the inf.Dec path needs a digit (value "" or ".").
        assert_eq!(reason("Ei"), QuantityError::Numeric);
        assert_eq!(reason(".e-10"), QuantityError::Numeric);
    }

    #[test]
    fn rejects_unknown_suffix_with_the_real_reason() {
        assert_eq!(
            Quantity::parse("2GG"),
            Err("a Kubernetes quantity such as \"500m\", \"2\", \"6000Mi\" or \"4Gi\", not \"2GG\" (unable to parse quantity's suffix)".into())
        );
        assert_eq!(reason("0.1mi"), QuantityError::Suffix);
        assert_eq!(reason("1e"), QuantityError::Suffix);
        assert_eq!(reason("1e99999999999999999999"), QuantityError::Suffix);
    }

    #[test]
    fn rejects_text_outside_the_grammar_with_the_regular_expression() {
        assert_eq!(
            Quantity::parse("5 cores"),
            Err(format!("a Kubernetes quantity such as \"500m\", \"2\", \"6000Mi\" or \"4Gi\", not \"5 cores\" (quantities must match the regular expression '{SPLIT_RE}')"))
        );
        assert_eq!(reason("1.2.3"), QuantityError::FormatWrong);
        assert_eq!(reason(""), QuantityError::FormatWrong);
    }

    #[test]
    fn surrounding_spaces_fail_in_parse_but_not_in_the_json_decoder() {
        assert_eq!(reason(" 1"), QuantityError::FormatWrong);
        assert_eq!(reason("1 "), QuantityError::FormatWrong);
        assert_eq!(Quantity::parse_json_string(" 1 "), Ok(Quantity(1000)));
    }

    #[test]
    fn an_e_exponent_is_truncated_to_int32_as_go_does() {
        // 2^32 truncates to 0: "1e4294967296" is 1 in apimachinery.
        assert_eq!(Quantity::parse("1e4294967296"), Ok(Quantity(1000)));
    }

    #[test]
    fn values_beyond_int64_milli_units_are_too_large_for_hvsim() {
        assert_eq!(
            Quantity::parse("9223372036854775807m"),
            Ok(Quantity(i64::MAX))
        );
        assert_eq!(reason("9223372036854775808m"), QuantityError::TooLarge);
        assert_eq!(reason("9Ei"), QuantityError::TooLarge);
        assert_eq!(reason("10P"), QuantityError::TooLarge);
        assert_eq!(Quantity::parse("8Pi"), Ok(Quantity((1i64 << 53) * 1000)));
    }

    #[test]
    fn two_hundred_fractional_digits_do_not_panic() {
        let s = format!("1.{}", "3".repeat(200));
        assert_eq!(Quantity::parse(&s), Ok(Quantity(1334)));
        let s = format!("0.{}1Ki", "0".repeat(200));
        assert_eq!(Quantity::parse(&s), Ok(Quantity(1)));
    }

    #[test]
    fn hostile_strings_never_panic() {
        let long = "9".repeat(100_000);
        let hostile = [
            long.clone(),
            format!("0.{long}"),
            format!("{long}.{long}Ei"),
            format!("{long}e-99999"),
            format!(".{}1e999999999", "0".repeat(5000)),
            "1e999999999".into(),
            "1e-999999999".into(),
            "1e2147483647".into(),
            "1e-2147483648".into(),
            "1.5e-2147483648".into(),
            "1e9223372036854775807".into(),
            "-9223372036854775808".into(),
            "-0".into(),
            "-0.0e0".into(),
            "9223372036854775807Ki".into(),
            "0.9999999999999999999999Ki".into(),
            "-.e".into(),
            "e".into(),
            "\u{00e9}1".into(),
            "1\u{00e9}".into(),
            "1Ki\u{0}".into(),
            "++1".into(),
            "1e+".into(),
        ];
        for s in &hostile {
            let _ = Quantity::parse(s);
        }
        assert_eq!(reason(&long), QuantityError::TooLarge);
        assert!(Quantity::parse(&long)
            .unwrap_err()
            .contains("(100000 bytes)"));
    }

    #[test]
    fn checked_arithmetic_reports_overflow() {
        let max = Quantity::MAX;
        assert_eq!(max.checked_add(Quantity(1)), None);
        assert_eq!(Quantity(-2).checked_sub(max), None);
        assert_eq!(Quantity(1500).checked_mul_int(3), Some(Quantity(4500)));
        assert_eq!(max.checked_mul_int(2), None);
        assert_eq!(Quantity::try_from_units(i64::MAX / 1000 + 1), None);
        assert_eq!(Quantity::from_units(i64::MAX), max);
    }

    #[test]
    fn value_rounds_away_from_zero() {
        assert_eq!(Quantity(1500).value(), 2);
        assert_eq!(Quantity(-1500).value(), -2);
        assert_eq!(Quantity(2000).value(), 2);
        assert_eq!(Quantity::MAX.value(), i64::MAX / 1000 + 1);
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

    #[test]
    fn canonical_matches_the_real_string_form() {
        let c = |s: &str| {
            let (q, f) = Quantity::parse_with_format(s).unwrap();
            q.canonical(f)
        };
        assert_eq!(c("1.5Gi"), "1536Mi");
        assert_eq!(c("1.5"), "1500m");
        assert_eq!(c("5000"), "5k");
        assert_eq!(c("1000Ki"), "1000Ki");
        assert_eq!(c("0.08e0"), "80e-3");
        assert_eq!(c("-1024Mi"), "-1Gi");
    }
}
