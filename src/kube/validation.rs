//! Name, label and annotation validation with apimachinery's messages
//! (`k8s.io/apimachinery/pkg/util/validation/validation.go`, `pkg/api/validation/objectmeta.go`).
//! The regular expressions are matched by hand; each function returns every message, in
//! apimachinery's order, and an empty list when the value is valid.

use super::labels::StrMap;

pub const QUALIFIED_NAME_MAX_LENGTH: usize = 63;
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// `TotalAnnotationSizeLimitB = 256 * (1 << 10)`.
pub const TOTAL_ANNOTATION_SIZE_LIMIT_B: usize = 256 * (1 << 10);

const QUALIFIED_NAME_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const QUALIFIED_NAME_ERR: &str =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

pub fn max_len_error(n: usize) -> String {
    format!("must be no more than {n} characters")
}

fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    let mut s = format!("{msg} (e.g. ");
    for (i, e) in examples.iter().enumerate() {
        if i > 0 {
            s.push_str(" or ");
        }
        s.push_str(&format!("'{e}', "));
    }
    s.push_str(&format!("regex used for validation is '{fmt}')"));
    s
}

fn is_alnum(c: u8) -> bool {
    c.is_ascii_alphanumeric()
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn matches_qualified_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && is_alnum(b[0])
        && is_alnum(b[b.len() - 1])
        && b.iter()
            .all(|&c| is_alnum(c) || c == b'-' || c == b'_' || c == b'.')
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1123_label(s: &str) -> bool {
    let b = s.as_bytes();
    let ok = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty() && ok(b[0]) && ok(b[b.len() - 1]) && b.iter().all(|&c| ok(c) || c == b'-')
}

fn matches_dns1123_subdomain(s: &str) -> bool {
    !s.is_empty() && s.split('.').all(matches_dns1123_label)
}

pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_ERR,
            DNS1123_SUBDOMAIN_FMT,
            &["example.com"],
        ));
    }
    errs
}

pub fn is_dns1123_label(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(value) {
        errs.push(regex_error(
            DNS1123_LABEL_ERR,
            DNS1123_LABEL_FMT,
            &["my-name", "123-abc"],
        ));
    }
    errs
}

/// `IsQualifiedName`: an optional DNS-1123-subdomain prefix and `/`, then a name part.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    // `strings.Split(value, "/")` into one part or two; more is the error below. Split
    // without collecting: every label and annotation key of every write comes here.
    let name = match value.split_once('/') {
        None => value,
        Some((prefix, name)) if !name.contains('/') => {
            if prefix.is_empty() {
                errs.push("prefix part must be non-empty".to_string());
            } else {
                for m in is_dns1123_subdomain(prefix) {
                    errs.push(format!("prefix part {m}"));
                }
            }
            name
        }
        Some(_) => {
            errs.push(format!(
                "a qualified name {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(QUALIFIED_NAME_ERR, QUALIFIED_NAME_FMT, &["MyName", "my.name", "123-abc"])
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push("name part must be non-empty".to_string());
    } else if name.len() > QUALIFIED_NAME_MAX_LENGTH {
        errs.push(format!(
            "name part {}",
            max_len_error(QUALIFIED_NAME_MAX_LENGTH)
        ));
    }
    if !matches_qualified_name(name) {
        errs.push(format!(
            "name part {}",
            regex_error(
                QUALIFIED_NAME_ERR,
                QUALIFIED_NAME_FMT,
                &["MyName", "my.name", "123-abc"]
            )
        ));
    }
    errs
}

pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_qualified_name(value) {
        errs.push(regex_error(
            LABEL_VALUE_ERR,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// One `field.Error` rendered as apimachinery prints it (a string value goes through Go's
/// `%q`).
pub fn field_invalid(path: &str, value: &str, detail: &str) -> String {
    format!("{path}: Invalid value: {}: {detail}", go_quote(value))
}

/// Go's `%q` for a string: double quotes, `"` and `\` escaped, control characters as
/// escapes; printable non-ASCII is kept as is.
fn go_quote(s: &str) -> String {
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            '\t' => q.push_str("\\t"),
            '\r' => q.push_str("\\r"),
            '\u{7}' => q.push_str("\\a"),
            '\u{8}' => q.push_str("\\b"),
            '\u{b}' => q.push_str("\\v"),
            '\u{c}' => q.push_str("\\f"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => q.push_str(&format!("\\x{:02x}", c as u32)),
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

/// `ValidateAnnotations`: every key a qualified name (compared in lower case), and the
/// total size within 256 KiB.
pub fn validate_annotations(annotations: &StrMap) -> Vec<String> {
    let mut errs = Vec::new();
    let mut total = 0usize;
    for (k, v) in annotations {
        // Lower-cased only where it changes anything (a copy per key of every write).
        let lower = if !k.is_ascii() || k.bytes().any(|b| b.is_ascii_uppercase()) {
            std::borrow::Cow::Owned(k.to_lowercase())
        } else {
            std::borrow::Cow::Borrowed(k.as_str())
        };
        for m in is_qualified_name(&lower) {
            errs.push(field_invalid("metadata.annotations", k, &m));
        }
        total += k.len() + v.len();
    }
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_B {
        errs.push(format!("metadata.annotations: Too long: must have at most {TOTAL_ANNOTATION_SIZE_LIMIT_B} bytes"));
    }
    errs
}

pub fn validate_labels(labels: &StrMap) -> Vec<String> {
    let mut errs = Vec::new();
    for (k, v) in labels {
        for m in is_qualified_name(k) {
            errs.push(field_invalid("metadata.labels", k, &m));
        }
        for m in is_valid_label_value(v) {
            errs.push(field_invalid("metadata.labels", v, &m));
        }
    }
    errs
}

/// Joins field errors the way `apierrors.NewInvalid` does: one as is, several in brackets.
pub fn aggregate(errs: &[String]) -> String {
    if errs.len() == 1 {
        errs[0].clone()
    } else {
        format!("[{}]", errs.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_part_of_63_characters_is_valid_and_64_is_not() {
        let ok = format!("harvesterhci.io/{}", "a".repeat(63));
        let bad = format!("harvesterhci.io/{}", "a".repeat(64));
        assert!(is_qualified_name(&ok).is_empty());
        assert_eq!(
            is_qualified_name(&bad),
            vec!["name part must be no more than 63 characters"]
        );
    }

    #[test]
    fn two_slashes_are_not_a_qualified_name() {
        let e = is_qualified_name("a/b/c");
        assert_eq!(e.len(), 1);
        assert!(
            e[0].starts_with("a qualified name must consist of alphanumeric characters"),
            "{e:?}"
        );
    }

    #[test]
    fn empty_prefix_and_empty_name_are_reported() {
        assert_eq!(
            is_qualified_name("/x"),
            vec!["prefix part must be non-empty"]
        );
        let e = is_qualified_name("example.com/");
        assert_eq!(e[0], "name part must be non-empty");
    }

    #[test]
    fn uppercase_prefix_is_invalid_but_uppercase_name_is_fine() {
        assert!(is_qualified_name("example.com/MyName").is_empty());
        assert!(!is_qualified_name("Example.com/x").is_empty());
    }

    #[test]
    fn an_annotation_key_is_judged_in_lower_case_so_an_upper_case_prefix_passes() {
        let ok: StrMap = [("Example.COM/MyName", "v"), ("ÀB.io/x", "v")].into();
        let errs = validate_annotations(&ok);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].contains("ÀB.io/x"), "{errs:?}");
        assert!(!validate_labels(&[("Example.COM/MyName", "v")].into()).is_empty());
    }

    #[test]
    fn leading_or_trailing_punctuation_in_name_part_is_invalid() {
        assert!(!is_qualified_name("-abc").is_empty());
        assert!(!is_qualified_name("abc.").is_empty());
        assert!(is_qualified_name("a_b.c-d").is_empty());
    }

    #[test]
    fn dns1123_subdomain_limits() {
        assert!(is_dns1123_subdomain("vm-1.example").is_empty());
        assert!(!is_dns1123_subdomain("VM").is_empty());
        assert_eq!(
            is_dns1123_subdomain(&"a".repeat(254))[0],
            "must be no more than 253 characters"
        );
    }

    #[test]
    fn label_values_up_to_63() {
        assert!(is_valid_label_value("").is_empty());
        assert!(is_valid_label_value(&"a".repeat(63)).is_empty());
        assert_eq!(
            is_valid_label_value(&"a".repeat(64)),
            vec!["must be no more than 63 characters"]
        );
    }
    // ---- The full texts apimachinery prints (`RegexError` keeps its double space before
    // "or": `"'" + example + "', "` then `" or "`). ----

    const NAME_PART_REGEX: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    const PREFIX_PART_REGEX: &str = "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const SUBDOMAIN_REGEX: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
    const LABEL_REGEX: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    const LABEL_VALUE_REGEX: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
    const TWO_SLASHES: &str = "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";

    fn annotations(keys: &[&str]) -> StrMap {
        keys.iter()
            .map(|k| (k.to_string(), "v".to_string()))
            .collect()
    }

    #[test]
    fn these_qualified_names_are_valid() {
        let prefix_253 = format!("{}.io", "a".repeat(250));
        let name_63 = "n".repeat(63);
        for ok in [
            "a",
            "Z",
            "0",
            "MyName",
            "my.name",
            "123-abc",
            "a_b.c-d",
            "A--__..9",
            "example.com/MyName",
            "harvesterhci.io/migrating-vm1",
            "harvesterhci.io/migratingUID-6f1c2a7e-0c2b-4f7e-9d3a-2b1f0e4d5c6a",
            "field.cattle.io/resourceQuota",
            "x/y",
            "a-1.b-2/c",
            name_63.as_str(),
            &format!("{prefix_253}/x"),
            &format!("example.com/{name_63}"),
        ] {
            assert_eq!(is_qualified_name(ok), Vec::<String>::new(), "{ok:?}");
        }
    }

    #[test]
    fn an_empty_qualified_name_is_empty_and_fails_the_regex() {
        assert_eq!(
            is_qualified_name(""),
            vec!["name part must be non-empty", NAME_PART_REGEX]
        );
    }

    #[test]
    fn a_lone_slash_has_an_empty_prefix_and_an_empty_name() {
        assert_eq!(
            is_qualified_name("/"),
            vec![
                "prefix part must be non-empty",
                "name part must be non-empty",
                NAME_PART_REGEX
            ]
        );
    }

    #[test]
    fn an_empty_name_after_a_prefix_is_reported_with_the_regex() {
        assert_eq!(
            is_qualified_name("example.com/"),
            vec!["name part must be non-empty", NAME_PART_REGEX]
        );
    }

    #[test]
    fn two_or_more_slashes_give_the_single_qualified_name_error() {
        for bad in ["a/b/c", "example.com/a/b", "//", "a//b"] {
            assert_eq!(is_qualified_name(bad), vec![TWO_SLASHES], "{bad:?}");
        }
    }

    #[test]
    fn leading_or_trailing_punctuation_fails_the_name_part_regex() {
        for bad in [
            "-abc", "abc-", ".abc", "abc.", "_abc", "abc_", "-", ".", "_", "x/-a", "x/a.",
        ] {
            assert_eq!(is_qualified_name(bad), vec![NAME_PART_REGEX], "{bad:?}");
        }
    }

    #[test]
    fn characters_outside_the_alphabet_fail_the_name_part_regex() {
        for bad in ["a b", "a@b", "a:b", "a+b", "é", "a\"b"] {
            assert_eq!(is_qualified_name(bad), vec![NAME_PART_REGEX], "{bad:?}");
        }
    }

    #[test]
    fn a_name_part_of_64_characters_that_also_ends_badly_gets_both_errors_in_order() {
        let bad = format!("{}-", "a".repeat(63));
        assert_eq!(
            is_qualified_name(&bad),
            vec![
                "name part must be no more than 63 characters",
                NAME_PART_REGEX
            ]
        );
    }

    #[test]
    fn an_upper_case_or_badly_punctuated_prefix_fails_the_subdomain_regex() {
        for bad in [
            "Example.com/x",
            "example.com./x",
            ".example.com/x",
            "example..com/x",
            "-example.com/x",
            "example-.com/x",
            "exa_mple.com/x",
        ] {
            assert_eq!(is_qualified_name(bad), vec![PREFIX_PART_REGEX], "{bad:?}");
        }
    }

    #[test]
    fn a_prefix_of_253_characters_is_valid_and_254_is_not() {
        let p253 = format!("{}.io", "a".repeat(250));
        let p254 = format!("{}.io", "a".repeat(251));
        assert!(is_qualified_name(&format!("{p253}/x")).is_empty());
        assert_eq!(
            is_qualified_name(&format!("{p254}/x")),
            vec!["prefix part must be no more than 253 characters"]
        );
    }

    #[test]
    fn prefix_and_name_errors_are_both_reported_prefix_first() {
        assert_eq!(
            is_qualified_name("Bad/-x"),
            vec![PREFIX_PART_REGEX, NAME_PART_REGEX]
        );
    }

    #[test]
    fn the_old_migration_key_holds_names_up_to_53_characters() {
        // "migrating-" (10) + vmName <= 63.
        let ok = format!("harvesterhci.io/migrating-{}", "v".repeat(53));
        let bad = format!("harvesterhci.io/migrating-{}", "v".repeat(54));
        assert!(validate_annotations(&annotations(&[&ok])).is_empty());
        assert_eq!(
            validate_annotations(&annotations(&[&bad])),
            vec![format!(
                "metadata.annotations: Invalid value: \"{bad}\": name part must be no more than 63 characters"
            )]
        );
    }

    #[test]
    fn annotation_keys_are_checked_in_lower_case_but_reported_as_written() {
        assert!(validate_annotations(&annotations(&["Harvesterhci.IO/Key"])).is_empty());
        assert_eq!(
            validate_annotations(&annotations(&["Example.com/-Key"])),
            vec![format!(
                "metadata.annotations: Invalid value: \"Example.com/-Key\": {NAME_PART_REGEX}"
            )]
        );
    }

    #[test]
    fn label_keys_are_not_lower_cased() {
        let mut labels = StrMap::new();
        labels.insert("Example.com/x".to_string(), "v".to_string());
        assert_eq!(
            validate_labels(&labels),
            vec![format!(
                "metadata.labels: Invalid value: \"Example.com/x\": {PREFIX_PART_REGEX}"
            )]
        );
    }

    #[test]
    fn annotations_of_exactly_256_kib_are_valid_and_one_byte_more_is_too_long() {
        let key = "k";
        let mut a = StrMap::new();
        a.insert(
            key.to_string(),
            "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - key.len()),
        );
        assert!(validate_annotations(&a).is_empty());
        a.insert("l".to_string(), String::new());
        assert_eq!(
            validate_annotations(&a),
            vec!["metadata.annotations: Too long: must have at most 262144 bytes"]
        );
    }

    #[test]
    fn the_annotation_size_counts_keys_and_values() {
        let mut a = StrMap::new();
        a.insert(
            "a".repeat(63),
            "x".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - 62),
        );
        assert_eq!(
            validate_annotations(&a),
            vec!["metadata.annotations: Too long: must have at most 262144 bytes"]
        );
    }

    #[test]
    fn dns1123_subdomains_valid_and_invalid() {
        for ok in ["a", "0", "vm-1", "vm-1.example", "a.b.c", &"a".repeat(253)] {
            assert!(is_dns1123_subdomain(ok).is_empty(), "{ok:?}");
        }
        for bad in [
            "", "A", "vm_1", "-vm", "vm-", ".vm", "vm.", "a..b", "a.-b", "a b",
        ] {
            assert_eq!(is_dns1123_subdomain(bad), vec![SUBDOMAIN_REGEX], "{bad:?}");
        }
        assert_eq!(
            is_dns1123_subdomain(&"a".repeat(254)),
            vec!["must be no more than 253 characters"]
        );
        assert_eq!(
            is_dns1123_subdomain(&format!("{}-", "a".repeat(253))),
            vec!["must be no more than 253 characters", SUBDOMAIN_REGEX]
        );
    }

    #[test]
    fn dns1123_labels_valid_and_invalid() {
        for ok in ["a", "0", "ns1", "my-name", "123-abc", &"a".repeat(63)] {
            assert!(is_dns1123_label(ok).is_empty(), "{ok:?}");
        }
        for bad in ["", "A", "ns.1", "ns_1", "-ns", "ns-", "n s"] {
            assert_eq!(is_dns1123_label(bad), vec![LABEL_REGEX], "{bad:?}");
        }
        assert_eq!(
            is_dns1123_label(&"a".repeat(64)),
            vec!["must be no more than 63 characters"]
        );
    }

    #[test]
    fn label_values_valid_and_invalid() {
        for ok in [
            "",
            "a",
            "MyValue",
            "my_value",
            "12345",
            "a.b-c_d",
            &"a".repeat(63),
        ] {
            assert!(is_valid_label_value(ok).is_empty(), "{ok:?}");
        }
        for bad in ["-a", "a-", "_a", "a.", "a b", "a/b"] {
            assert_eq!(
                is_valid_label_value(bad),
                vec![LABEL_VALUE_REGEX],
                "{bad:?}"
            );
        }
        assert_eq!(
            is_valid_label_value(&format!("{}.", "a".repeat(63))),
            vec!["must be no more than 63 characters", LABEL_VALUE_REGEX]
        );
    }

    #[test]
    fn several_field_errors_are_joined_in_brackets_one_stands_alone() {
        assert_eq!(aggregate(&["x".into()]), "x");
        assert_eq!(aggregate(&["x".into(), "y".into()]), "[x, y]");
    }

    #[test]
    fn an_invalid_value_is_quoted_as_go_quotes_it() {
        assert_eq!(
            field_invalid("metadata.annotations", "a\"b\\c\nd\u{1}", "detail"),
            "metadata.annotations: Invalid value: \"a\\\"b\\\\c\\nd\\x01\": detail"
        );
    }
}
