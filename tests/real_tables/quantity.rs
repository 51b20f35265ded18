//! apimachinery quantity tables, from k8s.io/apimachinery v0.31.0 (Kubernetes v1.31)
//! `pkg/api/resource/quantity_test.go`: TestQuantityParse (its table, run as written, negated
//! and with an explicit `+` as the upstream test does, and its invalid list),
//! TestQuantityParseZero, TestParseQuantityString, TestQuantityString, TestQuantityParseEmit,
//! TestScaledValue (to milli and to units) and TestJSONWhitespace.
//!
//! hvsim holds `MilliValue()`, so each row is compared at milli precision: the upstream
//! expectation (an exact decimal) rounded away from zero to milli-units, which is what
//! `MilliValue()` returns for it. Canonical strings are compared where the value is whole
//! milli-units; a sub-milli row (`"1n"`, `"1080u"`) says so and compares its value only.
//! A row beyond int64 milli-units (`"1E"`, `"3Ei"`) must be rejected with hvsim's documented
//! reason, and says so. Upstream's invalid list only asserts an error; the reasons below are
//! the error the real scanner returns, read from quantity.go at the same tag.

use hvsim::kube::quantity::{Format, Quantity, QuantityError};

use Format::{BinarySI as Bin, DecimalExponent as Exp, DecimalSI as Dec};

/// Upstream `decQuantity(mantissa, exponent, format)`: the value mantissa * 10^exponent.
#[derive(Clone, Copy)]
struct Dq(i128, i32, Format);

/// Upstream `maxAllowed` (2^63-1 units, where binary values saturate).
const MAX_ALLOWED: Dq = Dq(i64::MAX as i128, 0, Bin);

/// The expectation at milli precision: rounded away from zero, or `None` beyond int64.
fn expected_milli(d: Dq) -> Option<i64> {
    let Dq(m, e, _) = d;
    let k = e + 3;
    let v = if k >= 0 {
        m.checked_mul(10i128.checked_pow(k as u32)?)?
    } else {
        let div = 10i128.pow((-k) as u32);
        let (q, r) = (m / div, m % div);
        q + r.signum()
    };
    i64::try_from(v).ok()
}

/// What one row must give: the value and format, or hvsim's too-large rejection.
fn check(input: &str, want: Dq, agreed: &mut usize, too_large: &mut Vec<String>) {
    let got = Quantity::parse_with_format(input);
    match expected_milli(want) {
        Some(m) => {
            assert_eq!(got, Ok((Quantity(m), want.2)), "{input}");
            *agreed += 1;
        }
        None => {
            assert_eq!(got, Err(QuantityError::TooLarge), "{input}");
            too_large.push(input.to_string());
        }
    }
}

fn neg(d: Dq) -> Dq {
    Dq(-d.0, d.1, d.2)
}

/// TestQuantityParse's table.
const PARSE: &[(&str, Dq)] = &[
    ("0", Dq(0, 0, Dec)),
    ("0n", Dq(0, 0, Dec)),
    ("0u", Dq(0, 0, Dec)),
    ("0m", Dq(0, 0, Dec)),
    ("0Ki", Dq(0, 0, Bin)),
    ("0k", Dq(0, 0, Dec)),
    ("0Mi", Dq(0, 0, Bin)),
    ("0M", Dq(0, 0, Dec)),
    ("0Gi", Dq(0, 0, Bin)),
    ("0G", Dq(0, 0, Dec)),
    ("0Ti", Dq(0, 0, Bin)),
    ("0T", Dq(0, 0, Dec)),
    ("1", Dq(1, 0, Dec)),
    ("1Ki", Dq(1024, 0, Bin)),
    ("8Ki", Dq(8 * 1024, 0, Bin)),
    ("7Mi", Dq(7 << 20, 0, Bin)),
    ("6Gi", Dq(6 << 30, 0, Bin)),
    ("5Ti", Dq(5 << 40, 0, Bin)),
    ("4Pi", Dq(4 << 50, 0, Bin)),
    ("3Ei", Dq(3 << 60, 0, Bin)),
    ("10Ti", Dq(10 << 40, 0, Bin)),
    ("100Ti", Dq(100 << 40, 0, Bin)),
    ("5n", Dq(5, -9, Dec)),
    ("4u", Dq(4, -6, Dec)),
    ("3m", Dq(3, -3, Dec)),
    ("9", Dq(9, 0, Dec)),
    ("8k", Dq(8, 3, Dec)),
    ("50k", Dq(5, 4, Dec)),
    ("7M", Dq(7, 6, Dec)),
    ("6G", Dq(6, 9, Dec)),
    ("5T", Dq(5, 12, Dec)),
    ("40T", Dq(4, 13, Dec)),
    ("300T", Dq(3, 14, Dec)),
    ("2P", Dq(2, 15, Dec)),
    ("1E", Dq(1, 18, Dec)),
    ("1E-3", Dq(1, -3, Exp)),
    ("1e3", Dq(1, 3, Exp)),
    ("1E6", Dq(1, 6, Exp)),
    ("1e9", Dq(1, 9, Exp)),
    ("1E12", Dq(1, 12, Exp)),
    ("1e15", Dq(1, 15, Exp)),
    ("1E18", Dq(1, 18, Exp)),
    ("1e14", Dq(1, 14, Exp)),
    ("1e13", Dq(1, 13, Exp)),
    ("1e3", Dq(1, 3, Exp)),
    ("100.035k", Dq(100035, 0, Dec)),
    ("0.001", Dq(1, -3, Dec)),
    ("0.0005k", Dq(5, -1, Dec)),
    ("0.005", Dq(5, -3, Dec)),
    ("0.05", Dq(5, -2, Dec)),
    ("0.5", Dq(5, -1, Dec)),
    ("0.00050k", Dq(5, -1, Dec)),
    ("0.00500", Dq(5, -3, Dec)),
    ("0.05000", Dq(5, -2, Dec)),
    ("0.50000", Dq(5, -1, Dec)),
    ("0.5e0", Dq(5, -1, Exp)),
    ("0.5e-1", Dq(5, -2, Exp)),
    ("0.5e-2", Dq(5, -3, Exp)),
    ("0.5e0", Dq(5, -1, Exp)),
    ("10.035M", Dq(10035, 3, Dec)),
    ("1.2e3", Dq(12, 2, Exp)),
    ("1.3E+6", Dq(13, 5, Exp)),
    ("1.40e9", Dq(14, 8, Exp)),
    ("1.53E12", Dq(153, 10, Exp)),
    ("1.6e15", Dq(16, 14, Exp)),
    ("1.7E18", Dq(17, 17, Exp)),
    ("9.01", Dq(901, -2, Dec)),
    ("8.1k", Dq(81, 2, Dec)),
    ("7.123456M", Dq(7123456, 0, Dec)),
    ("6.987654321G", Dq(6987654321, 0, Dec)),
    ("5.444T", Dq(5444, 9, Dec)),
    ("40.1T", Dq(401, 11, Dec)),
    ("300.2T", Dq(3002, 11, Dec)),
    ("2.5P", Dq(25, 14, Dec)),
    ("1.01E", Dq(101, 16, Dec)),
    ("3.001n", Dq(4, -9, Dec)),
    ("1.1E-9", Dq(2, -9, Exp)),
    ("0.0000000001", Dq(1, -9, Dec)),
    ("0.0000000005", Dq(1, -9, Dec)),
    ("0.00000000050", Dq(1, -9, Dec)),
    ("0.5e-9", Dq(1, -9, Exp)),
    ("0.9n", Dq(1, -9, Dec)),
    ("0.00000012345", Dq(124, -9, Dec)),
    ("0.00000012354", Dq(124, -9, Dec)),
    ("9Ei", MAX_ALLOWED),
    ("9223372036854775807Ki", MAX_ALLOWED),
    ("12E", Dq(12, 18, Dec)),
    ("100.035Ki", Dq(10243584, -2, Bin)),
    ("0.5Mi", Dq(512 * 1024, 0, Bin)),
    ("0.05Gi", Dq(536870912, -1, Bin)),
    ("0.025Ti", Dq(274877906944, -1, Bin)),
    ("0.000000000001Ki", Dq(2, -9, Dec)),
    (".001", Dq(1, -3, Dec)),
    (".0001k", Dq(100, -3, Dec)),
    ("1.", Dq(1, 0, Dec)),
    ("1.G", Dq(1, 9, Dec)),
];

/// TestQuantityParse's invalid list, with the error the real scanner gives each.
const INVALID: &[(&str, QuantityError)] = &[
    ("", QuantityError::FormatWrong),
    ("1.1.M", QuantityError::FormatWrong),
    ("1+1.0M", QuantityError::FormatWrong),
    ("0.1mi", QuantityError::Suffix),
    ("0.1am", QuantityError::FormatWrong),
    ("aoeu", QuantityError::FormatWrong),
    (".5i", QuantityError::Suffix),
    ("1i", QuantityError::Suffix),
    ("-3.01i", QuantityError::Suffix),
    ("-3.01e-", QuantityError::Suffix),
    (" 1", QuantityError::FormatWrong),
    ("1 ", QuantityError::FormatWrong),
    // TestQuantityParseNonNumericPanic: MustParse panics, so ParseQuantity fails.
    ("Non-Numeric", QuantityError::FormatWrong),
];

#[test]
fn apimachinery_test_quantity_parse_table_agrees() {
    let (mut agreed, mut too_large) = (0, Vec::new());
    for &(input, want) in PARSE {
        check(input, want, &mut agreed, &mut too_large);
        check(&format!("-{input}"), neg(want), &mut agreed, &mut too_large);
        check(&format!("+{input}"), want, &mut agreed, &mut too_large);
    }
    for &(input, reason) in INVALID {
        assert_eq!(Quantity::parse_with_format(input), Err(reason), "{input:?}");
        agreed += 1;
    }
    for input in &too_large {
        println!("{input}: beyond int64 milli-units, rejected as too large for hvsim");
    }
    println!(
        "TestQuantityParse: {agreed} rows agree, {} rejected as too large for hvsim, of {}",
        too_large.len(),
        PARSE.len() * 3 + INVALID.len()
    );
    assert_eq!(agreed + too_large.len(), PARSE.len() * 3 + INVALID.len());
    // The rows above 9223372036854775807m (1E, 3Ei, 1E18, 1.7E18, 1.01E, 9Ei,
    // 9223372036854775807Ki, 12E), each as written, negated and with '+'.
    assert_eq!(too_large.len(), 8 * 3);
}

#[test]
fn apimachinery_test_quantity_parse_zero_prints_zero() {
    let (q, f) = Quantity::parse_with_format("0").unwrap();
    assert_eq!(q.canonical(f), "0");
    println!("TestQuantityParseZero: 1 row agrees");
}

#[test]
fn apimachinery_test_parse_quantity_string_values_agree() {
    // TestParseQuantityString's inputs, checked by the value they parse to (the scanner's
    // pieces are not public): 0.025Ti, 1.025Ti, -1.025Ti, ".", "-.", 1E-3.
    let rows: &[(&str, i64)] = &[
        ("0.025Ti", 27_487_790_694_400),
        ("1.025Ti", 1_126_999_418_470_400),
        ("-1.025Ti", -1_126_999_418_470_400),
        (".", 0),
        ("-.", 0),
        ("1E-3", 1),
    ];
    for &(input, milli) in rows {
        assert_eq!(Quantity::parse(input), Ok(Quantity(milli)), "{input}");
    }
    println!("TestParseQuantityString: {} rows agree", rows.len());
}

/// TestQuantityString: (value, format) -> String(), and an alternate spelling that parses
/// to the same canonical string.
const STRING: &[(Dq, &str, &str)] = &[
    (Dq(1 << 30, 0, Bin), "1Gi", "1024Mi"),
    (Dq(300 << 20, 0, Bin), "300Mi", "307200Ki"),
    (Dq(6 * 1024, 0, Bin), "6Ki", ""),
    (Dq(1001 << 30, 0, Bin), "1001Gi", "1025024Mi"),
    (Dq(1 << 40, 0, Bin), "1Ti", "1024Gi"),
    (Dq(5, 0, Bin), "5", "5000m"),
    (Dq(500, -3, Bin), "500m", "0.5"),
    (Dq(1, 9, Dec), "1G", "1000M"),
    (Dq(1000, 6, Dec), "1G", "0.001T"),
    (Dq(1000000, 3, Dec), "1G", ""),
    (Dq(1000000000, 0, Dec), "1G", ""),
    (Dq(1, -3, Dec), "1m", "1000u"),
    (Dq(80, -3, Dec), "80m", ""),
    (Dq(1080, -3, Dec), "1080m", "1.08"),
    (Dq(108, -2, Dec), "1080m", "1080000000n"),
    (Dq(10800, -4, Dec), "1080m", ""),
    (Dq(300, 6, Dec), "300M", ""),
    (Dq(1, 12, Dec), "1T", ""),
    (Dq(1234567, 6, Dec), "1234567M", ""),
    (Dq(1234567, -3, Bin), "1234567m", ""),
    (Dq(3, 3, Dec), "3k", ""),
    (Dq(1025, 0, Bin), "1025", ""),
    (Dq(0, 0, Dec), "0", ""),
    (Dq(0, 0, Bin), "0", ""),
    (Dq(1, 9, Exp), "1e9", ".001e12"),
    (Dq(1, -3, Exp), "1e-3", "0.001e0"),
    (Dq(1, -9, Exp), "1e-9", "1000e-12"),
    (Dq(80, -3, Exp), "80e-3", ""),
    (Dq(300, 6, Exp), "300e6", ""),
    (Dq(1, 12, Exp), "1e12", ""),
    (Dq(1, 3, Exp), "1e3", ""),
    (Dq(3, 3, Exp), "3e3", ""),
    (Dq(3, 3, Dec), "3k", ""),
    (Dq(0, 0, Exp), "0", "00"),
    (Dq(1, -9, Dec), "1n", ""),
    (Dq(80, -9, Dec), "80n", ""),
    (Dq(1080, -9, Dec), "1080n", ""),
    (Dq(108, -8, Dec), "1080n", ""),
    (Dq(10800, -10, Dec), "1080n", ""),
    (Dq(1, -6, Dec), "1u", ""),
    (Dq(80, -6, Dec), "80u", ""),
    (Dq(1080, -6, Dec), "1080u", ""),
];

/// Whether the exact value is whole milli-units (so hvsim can print its canonical form).
fn whole_milli(d: Dq) -> bool {
    let k = d.1 + 3;
    k >= 0 || d.0 % 10i128.pow((-k) as u32) == 0
}

#[test]
fn apimachinery_test_quantity_string_table_agrees() {
    let (mut strings, mut sub_milli) = (0, 0);
    for &(want, expect, alternate) in STRING {
        let milli = expected_milli(want).expect("every row fits int64 milli-units");
        let spellings = [expect, alternate];
        for s in spellings.iter().filter(|s| !s.is_empty()) {
            let (q, _) = Quantity::parse_with_format(s).unwrap();
            assert_eq!(q, Quantity(milli), "{s}");
        }
        if !whole_milli(want) {
            println!("{expect}: sub-milli, hvsim holds MilliValue {milli}m; value compared only");
            sub_milli += 1;
            continue;
        }
        let q = Quantity(milli);
        assert_eq!(q.canonical(want.2), expect, "{expect}");
        for s in spellings.iter().filter(|s| !s.is_empty()) {
            let (p, f) = Quantity::parse_with_format(s).unwrap();
            assert_eq!(p.canonical(f), expect, "{s}");
        }
        if milli != 0 {
            assert_eq!(Quantity(-milli).canonical(want.2), format!("-{expect}"));
        }
        strings += 1;
    }
    println!(
        "TestQuantityString: {strings} rows agree with String(), {sub_milli} sub-milli rows agree at milli precision, of {}",
        STRING.len()
    );
    assert_eq!(strings + sub_milli, STRING.len());
    assert_eq!(sub_milli, 9);
}

#[test]
fn apimachinery_test_quantity_parse_emit_table_agrees() {
    // (input, String(), MilliValue).
    let rows: &[(&str, &str, i64)] = &[
        ("1Ki", "1Ki", 1_024_000),
        ("1Mi", "1Mi", 1_048_576_000),
        ("1Gi", "1Gi", 1_073_741_824_000),
        ("1024Mi", "1Gi", 1_073_741_824_000),
        ("1000M", "1G", 1_000_000_000_000),
        (".001Ki", "1024m", 1024),
        (".000001Ki", "1024u", 2),
        (".000000001Ki", "1024n", 1),
        (".000000000001Ki", "2n", 1),
    ];
    let (mut strings, mut sub_milli) = (0, 0);
    for &(input, expect, milli) in rows {
        for (sign, m) in [("", milli), ("-", -milli)] {
            let (q, f) = Quantity::parse_with_format(&format!("{sign}{input}")).unwrap();
            assert_eq!(q, Quantity(m), "{sign}{input}");
            if !expect.ends_with(['u', 'n']) {
                assert_eq!(q.canonical(f), format!("{sign}{expect}"), "{sign}{input}");
            }
        }
        if expect.ends_with(['u', 'n']) {
            println!("{input} -> {expect}: sub-milli, hvsim holds MilliValue {milli}m");
            sub_milli += 1;
        } else {
            strings += 1;
        }
    }
    println!(
        "TestQuantityParseEmit: {strings} rows agree with String(), {sub_milli} sub-milli rows agree at milli precision"
    );
    assert_eq!((strings, sub_milli), (6, 3));
}

#[test]
fn apimachinery_test_scaled_value_to_milli_and_units_agrees() {
    // NewScaledQuantity(1, from).ScaledValue(Milli) and .ScaledValue(0) (= Value()).
    let rows: &[(&str, i64, i64)] = &[("1n", 1, 1), ("1u", 1, 1), ("1m", 1, 1), ("1", 1000, 1)];
    for &(input, milli, units) in rows {
        let q = Quantity::parse(input).unwrap();
        assert_eq!((q.milli(), q.value()), (milli, units), "{input}");
    }
    println!(
        "TestScaledValue: {} rows (to Milli and to 0) agree",
        rows.len() * 2
    );
}

#[test]
fn apimachinery_test_json_whitespace_agrees() {
    // UnmarshalJSON trims spaces that ParseQuantity refuses.
    let rows = [
        (" 1", "1"),
        ("1 ", "1"),
        ("1", "1"),
        ("10", "10"),
        ("-1", "-1"),
        (" -1", "-1"),
    ];
    for (input, expect) in rows {
        let q = Quantity::parse_json_string(input).unwrap();
        assert_eq!(q.canonical(Format::DecimalSI), expect, "{input:?}");
    }
    println!("TestJSONWhitespace: {} rows agree", rows.len());
}
