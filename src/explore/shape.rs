//! The shape of a violation's message: the message with every number and every generated
//! name suffix (`vm2-bkwh8`) blanked, so two runs that broke the same way, on the same kind
//! of object, at other times and with other figures, read alike. Hunt groups by a prefix of
//! it; the shrinker keeps all of it, so a repro breaks the way the original run did (a
//! migration left Pending by the quota does not shrink into one left Scheduling for want of
//! a node).

use crate::kube::api::GENERATED_ALPHABET as GENERATED;

/// `message` with each run of digits as `#` and each generated suffix as `-*`.
pub fn shape(message: &str) -> String {
    let chars: Vec<char> = message.chars().collect();
    let mut shape = String::with_capacity(message.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let suffix = c == '-'
            && chars.len() >= i + 6
            && chars[i + 1..i + 6].iter().all(|x| GENERATED.contains(*x))
            && chars.get(i + 6).is_none_or(|x| !x.is_ascii_alphanumeric());
        if suffix {
            shape.push_str("-*");
            i += 6;
            continue;
        }
        if c.is_ascii_digit() {
            if !shape.ends_with('#') {
                shape.push('#');
            }
        } else {
            shape.push(c);
        }
        i += 1;
    }
    shape
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn numbers_and_generated_suffixes_are_blanked_and_the_reason_is_kept() {
        assert_eq!(
            shape("migration ns1/vm1-9gl65 of VM vm1 did not reach Succeeded within 5m (deadline 05:22.813701): still Pending"),
            "migration ns#/vm#-* of VM vm# did not reach Succeeded within #m (deadline #:#.#): still Pending"
        );
        assert_ne!(
            shape("migration ns1/vm1-4dxpq ...: still Scheduling"),
            shape("migration ns1/vm1-9gl65 ...: still Pending with condition migrationRejectedByResourceQuota")
        );
    }
}
