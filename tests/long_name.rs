//! Bug 2 (Harvester #7464): up to v1.4.1 the quota annotation key is
//! `harvesterhci.io/migrating-<vmName>`, and its name part ("migrating-" + vmName) must be a
//! qualified name of at most 63 characters, so a VM name of 54 or more characters breaks it.
//! v1.4.2 keys by the VMI's UID (`migratingUID-<uid>`: 49 characters for any VM name).

mod common;
use common::*;
use hvsim::engine::SimDuration;
use hvsim::scenario::Scenario;

const LONG_NAME: &str = "scenarios/long-name-migration.ron";
/// The VM name in the bundled scenario: 54 characters.
const VM54: &str = "database-replica-with-a-fifty-four-character-long-name";

/// The bundled long-name scenario with its VM renamed.
fn with_vm_name(name: &str) -> Scenario {
    let text = std::fs::read_to_string(LONG_NAME).unwrap();
    parse(&text.replace(VM54, name))
}

/// A name of exactly `n` characters.
fn name_of(n: usize) -> String {
    let mut s = "vm-".to_string();
    while s.len() < n {
        s.push(char::from(b'a' + (s.len() % 26) as u8));
    }
    s
}

/// The generated name of the namespace's Rancher quota, as the timeline shows it.
fn quota_name(text: &str) -> String {
    let at = text.find("resourcequotas ns1/").expect("a quota write") + "resourcequotas ns1/".len();
    text[at..].split([' ', ':']).next().unwrap().to_string()
}

/// `ItemExponentialFailureRateLimiter(5ms, 30s)`, then `ItemFastSlowRateLimiter`'s 2 min
/// after 30 failures: the delay wrangler waits after failure `n`.
fn wrangler_delay(n: u32) -> String {
    let d = if n > 30 {
        SimDuration::from_secs(120)
    } else {
        SimDuration::from_millis((5u64 << (n - 1)).min(30_000))
    };
    d.to_string()
}

#[test]
fn the_bundled_vm_name_is_one_character_over_the_threshold() {
    assert_eq!(VM54.len(), 54);
    assert_eq!(format!("migrating-{VM54}").len(), 64);
}

#[test]
fn v1_4_1_timeline_shows_the_real_422_for_the_old_key() {
    let scn = load(LONG_NAME);
    let text = text_of(&traced(&scn, "v1.4.1", 0));
    let rq = quota_name(&text);
    let line = format!(
        "[harvester] PUT resourcequotas ns1/{rq} → 422 ResourceQuota \"{rq}\" is invalid: metadata.annotations: Invalid value: \"harvesterhci.io/migrating-{VM54}\": name part must be no more than 63 characters"
    );
    assert!(text.lines().any(|l| l == line), "{line}\nnot in\n{text}");
}

#[test]
fn v1_4_1_requeues_the_failed_scale_with_growing_backoff() {
    let scn = load(LONG_NAME);
    let out = traced(&scn, "v1.4.1", 0);
    let errors: Vec<&hvsim::engine::TraceRec> = out
        .trace
        .iter()
        .filter(|r| r.actor == "harvester" && r.text.starts_with("error syncing"))
        .collect();
    assert!(errors.len() > 20, "{}", text_of(&out));
    let rq = quota_name(&text_of(&out));
    for (i, r) in errors.iter().enumerate() {
        let n = i as u32 + 1;
        assert!(
            r.text.starts_with(
                "error syncing 'ns1/database-replica-with-a-fifty-four-character-long-name-"
            ),
            "{}",
            r.text
        );
        let tail = format!(
            "': handler migrationAnnotationController: ResourceQuota \"{rq}\" is invalid: metadata.annotations: Invalid value: \"harvesterhci.io/migrating-{VM54}\": name part must be no more than 63 characters, requeuing (failure {n}, retry in {})",
            wrangler_delay(n)
        );
        assert!(
            r.text.ends_with(&tail),
            "{}\nexpected to end with\n{tail}",
            r.text
        );
    }
    // Once no watch event wakes the key any more, each retry waits the delay printed
    // before it (client-go's delaying queue keeps one waiting entry per key).
    for w in errors
        .windows(2)
        .filter(|w| w[0].text.contains("retry in 30s"))
    {
        let gap = w[1].time - w[0].time;
        assert!(
            gap.0 >= 30_000_000 && gap.0 <= 30_100_000,
            "retry {gap} after \"{}\"",
            w[0].text
        );
    }
}

#[test]
fn v1_4_1_never_scales_the_quota_and_the_migration_stays_blocked_by_quota() {
    let scn = load(LONG_NAME);
    for seed in 0..50 {
        let out = traced(&scn, "v1.4.1", seed);
        let v = out.violation.as_ref().expect("violated");
        assert_eq!(v.invariant, "migration-completes", "seed {seed}");
        assert!(
            v.message.ends_with(&format!(
                " of VM {VM54} did not reach Succeeded or Failed within 6m (deadline 06:10.000000: created at 00:10.000000 + 6m): still Pending with condition migrationRejectedByResourceQuota"
            )),
            "seed {seed}: {}",
            v.message
        );
        let text = text_of(&out);
        for l in text.lines() {
            if l.starts_with("[harvester] PUT resourcequotas") {
                assert!(l.contains(" → 422 "), "seed {seed}: {l}");
            }
            assert!(!l.contains("status.hard"), "seed {seed}: {l}");
        }
    }
}

#[test]
fn v1_4_1_with_headroom_for_the_vm_completes_the_migration_unscaled() {
    let text = std::fs::read_to_string(LONG_NAME).unwrap().replace(
        r#"quota: (cpu: "5000m", memory: "6000Mi")"#,
        r#"quota: (cpu: "8", memory: "10Gi")"#,
    );
    let scn = parse(&text);
    let mut refused = 0;
    for seed in 0..50 {
        let out = traced(&scn, "v1.4.1", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        let t = text_of(&out);
        assert!(
            !t.contains("+annotation harvesterhci.io/migrating-"),
            "seed {seed}: no annotation is ever written"
        );
        assert!(t.contains("phase Running -> Succeeded"), "seed {seed}");
        // Pending is short when the target pod fits at once: Harvester may only ever see
        // the migration past Pending and not try to scale at all.
        refused += u32::from(t.contains(" → 422 ResourceQuota "));
    }
    assert!(refused > 0, "no seed tried the scale");
}

#[test]
fn v1_4_2_migrates_the_long_named_vm_with_the_uid_key() {
    let scn = load(LONG_NAME);
    for seed in 0..200 {
        let out = traced(&scn, "v1.4.2", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        let t = text_of(&out);
        assert!(!t.contains(" → 422 "), "seed {seed}");
        assert!(
            t.contains("+annotation harvesterhci.io/migratingUID-"),
            "seed {seed}"
        );
    }
}

#[test]
fn a_53_character_name_is_the_longest_the_old_key_takes_and_both_versions_hold() {
    let name = name_of(53);
    assert_eq!(format!("migrating-{name}").len(), 63);
    let scn = with_vm_name(&name);
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..50 {
            let out = traced(&scn, version, seed);
            assert_eq!(out.violation, None, "{version} seed {seed}");
        }
    }
    let t = text_of(&traced(&scn, "v1.4.1", 0));
    assert!(
        t.contains(&format!("+annotation harvesterhci.io/migrating-{name}=")),
        "{t}"
    );
}

#[test]
fn a_54_character_name_fails_on_v1_4_1_and_holds_on_v1_4_2() {
    let name = name_of(54);
    let scn = with_vm_name(&name);
    for seed in 0..50 {
        let old = traced(&scn, "v1.4.1", seed);
        assert_eq!(
            old.violation.map(|v| v.invariant).as_deref(),
            Some("migration-completes"),
            "seed {seed}"
        );
        assert_eq!(traced(&scn, "v1.4.2", seed).violation, None, "seed {seed}");
    }
}

#[test]
fn the_longest_valid_vm_name_of_63_characters_holds_on_v1_4_2() {
    let scn = with_vm_name(&name_of(63));
    for seed in 0..50 {
        assert_eq!(traced(&scn, "v1.4.2", seed).violation, None, "seed {seed}");
    }
}

#[test]
fn a_short_name_holds_on_both_versions() {
    let scn = with_vm_name("vm1");
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..200 {
            assert_eq!(
                traced(&scn, version, seed).violation,
                None,
                "{version} seed {seed}"
            );
        }
    }
}

fn snap(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}

#[test]
fn long_name_timeline_seed_0_on_v1_4_1() {
    let scn = load(LONG_NAME);
    let out = traced(&scn, "v1.4.1", 0);
    snap(
        "long_name_seed_0_v1_4_1",
        &render(&scn, LONG_NAME, "v1.4.1", Some(0), &out),
    );
}

#[test]
fn long_name_timeline_seed_0_on_v1_4_2() {
    let scn = load(LONG_NAME);
    let out = traced(&scn, "v1.4.2", 0);
    snap(
        "long_name_seed_0_v1_4_2",
        &render(&scn, LONG_NAME, "v1.4.2", Some(0), &out),
    );
}
