//! Bug 5 (Harvester #7082): the UI's Host -> Virtual Machines tab after a live migration. Up
//! to v1.4.1 the tab computes its rows once at page load, so a migrated VM stays under its
//! source host and never shows under its target until the page is reloaded; from v1.4.2 the
//! rows follow the store. Each page is a browser session watching the cluster with its own
//! latency.

mod common;
use common::*;
use hvsim::check::RunOutcome;
use hvsim::engine::{SimDuration, SimTime, TraceRec};
use hvsim::scenario::{load_str, Scenario};

const HOST_VIEW: &str = "scenarios/host-view-after-migration.ron";
const HOST_VIEW_NO_RELOAD: &str = "scenarios/host-view-after-migration-no-reload.ron";

/// The bundled scenarios' bound for the source page: `within: "1s"` plus its session's
/// maximum watch latency of 2s.
const SOURCE_BOUND: &str = "the bound is 3s (1s + the session's maximum watch latency 2s)";

/// A small cluster with tight timings, so a test's page loads fall at known points of the
/// migration: created at 10s, the target pod Ready after 15s, the source virt-handler's ACK
/// (`status.nodeName` to node-2) well before 25s, the source pod Completed 20s or more after
/// it. Both pages open at OPEN_AT; the source page is reloaded at 90s.
const TIGHT: &str = r#"
Scenario(
    name: "host-view-tight",
    harvester: "v1.4.1",
    nodes: [(name: "node-1"), (name: "node-2"), (name: "node-3")],
    namespaces: [(name: "default")],
    vms: [
        (name: "vm1", namespace: "default", node: "node-1", cpu: "2", memory: "2Gi"),
        (name: "vm2", namespace: "default", node: "node-1", cpu: "1", memory: "1Gi"),
        (name: "vm3", namespace: "default", node: "node-2", cpu: "1", memory: "1Gi"),
    ],
    timing: (
        watch_latency: ("1ms", "80ms"),
        pod_start: ("5s", "6s"),
        migration_transfer: ("3s", "4s"),
    ),
    timeline: [
        (at: "OPEN_AT", action: OpenHostPage(node: "node-1", session: "ui-host-node-1", watch_latency: ("20ms", "2s"))),
        (at: "OPEN_AT", action: OpenHostPage(node: "node-2", session: "ui-host-node-2", watch_latency: ("5ms", "300ms"))),
        (at: "10s", action: Migrate(vm: "vm1", target: "node-2")),
        (at: "90s", action: ReloadPage(session: "ui-host-node-1")),
    ],
    invariants: [HostViewFresh(within: "1s"), MigrationCompletes(within: "5m")],
    calm: "1m",
)
"#;

fn tight(open_at: &str) -> Scenario {
    parse(&TIGHT.replace("OPEN_AT", open_at))
}

/// The source virt-handler's ACK, which moves `status.nodeName` to node-2.
fn handoff(out: &RunOutcome) -> &TraceRec {
    out.trace
        .iter()
        .find(|r| {
            r.actor == "virt-handler-node-1" && r.text.contains("status.nodeName node-1→node-2")
        })
        .expect("the migration completes")
}

/// When `actor` first logged exactly `text` at or after `from`.
fn first(out: &RunOutcome, actor: &str, text: &str, from: SimTime) -> Option<SimTime> {
    out.trace
        .iter()
        .find(|r| r.time >= from && r.actor == actor && r.text == text)
        .map(|r| r.time)
}

/// What the pages listed, in timeline order, as `[session] rows: ...`. Pages loaded at the
/// same instant render in an order chosen per seed, so the first `loads` lines are sorted.
fn rows_lines(out: &RunOutcome, loads: usize) -> Vec<String> {
    let mut lines: Vec<String> = out
        .trace
        .iter()
        .filter(|r| r.text.starts_with("rows: "))
        .map(|r| format!("[{}] {}", r.actor, r.text))
        .collect();
    lines[..loads].sort();
    lines
}

/// `lines` with `r` sorted (renders of different pages whose order depends on their
/// latencies).
fn sorted_in(mut lines: Vec<String>, r: std::ops::Range<usize>) -> Vec<String> {
    lines[r].sort();
    lines
}

fn at(s: &str) -> SimTime {
    SimTime::ZERO + SimDuration::parse(s).unwrap()
}

#[test]
fn v1_4_1_source_page_lists_the_migrated_vm_until_it_is_reloaded() {
    let scn = load(HOST_VIEW);
    let reload = at("90s");
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.1", seed);
        let moved = handoff(&out).time;
        let v = out.violation.as_ref().expect("violated");
        assert_eq!(
            (v.invariant.as_str(), v.kind.to_string(), v.time),
            ("host-view-fresh", "eventually".to_string(), reload),
            "seed {seed}"
        );
        assert_eq!(
            v.message,
            format!(
                "page ui-host-node-1 (host node-1) listed VM default/vm1, which runs on node-2, for {} from {moved} until the page was reloaded at {reload}; {SOURCE_BOUND}",
                reload - moved
            ),
            "seed {seed}"
        );
        // Membership is fixed at page load; only the reload changes it.
        assert_eq!(
            rows_lines(&out, 2),
            [
                "[ui-host-node-1] rows: vm1, vm2",
                "[ui-host-node-2] rows: vm3",
                "[ui-host-node-1] rows: vm2",
            ],
            "seed {seed}"
        );
        assert_eq!(
            first(&out, "ui-host-node-1", "rows: vm2", SimTime::ZERO),
            Some(reload),
            "seed {seed}"
        );
    }
}

#[test]
fn v1_4_2_pages_follow_the_migration_within_each_sessions_latency() {
    let scn = load(HOST_VIEW);
    for seed in 0..50 {
        let out = traced(&scn, "v1.4.2", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        let moved = handoff(&out).time;
        let source = first(&out, "ui-host-node-1", "rows: vm2", moved).expect("source follows");
        let target =
            first(&out, "ui-host-node-2", "rows: vm1, vm3", moved).expect("target follows");
        let (ms, s) = (SimDuration::from_millis, SimDuration::from_secs);
        assert!(
            source - moved >= ms(20) && source - moved <= s(2),
            "seed {seed}: source page after {}",
            source - moved
        );
        assert!(
            target - moved >= ms(5) && target - moved <= ms(300),
            "seed {seed}: target page after {}",
            target - moved
        );
        assert_eq!(
            sorted_in(rows_lines(&out, 2), 2..4),
            [
                "[ui-host-node-1] rows: vm1, vm2",
                "[ui-host-node-2] rows: vm3",
                "[ui-host-node-1] rows: vm2",
                "[ui-host-node-2] rows: vm1, vm3",
                "[ui-host-node-1] rows: vm2",
            ],
            "seed {seed}"
        );
    }
}

/// Pages loaded at 12s, while the target pod is still starting: the list shows vm1 on
/// node-1 only, whatever the version.
#[test]
fn page_loaded_during_a_migration_before_the_handoff_lists_the_vm_on_its_source() {
    let scn = tight("12s");
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..20 {
            let out = traced(&scn, version, seed);
            assert!(handoff(&out).time > at("12s"), "{version} seed {seed}");
            assert_eq!(
                rows_lines(&out, 2)[..2],
                [
                    "[ui-host-node-1] rows: vm1, vm2",
                    "[ui-host-node-2] rows: vm3"
                ],
                "{version} seed {seed}"
            );
        }
    }
}

#[test]
fn page_loaded_before_the_handoff_goes_stale_on_v1_4_1() {
    let scn = tight("12s");
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.1", seed);
        let moved = handoff(&out).time;
        let v = out.violation.as_ref().expect("violated");
        assert_eq!(
            v.message,
            format!(
                "page ui-host-node-1 (host node-1) listed VM default/vm1, which runs on node-2, for {} from {moved} until the page was reloaded at 01:30.000000; {SOURCE_BOUND}",
                at("90s") - moved
            ),
            "seed {seed}"
        );
    }
}

#[test]
fn page_loaded_before_the_handoff_follows_it_on_v1_4_2() {
    let scn = tight("12s");
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.2", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        assert_eq!(
            sorted_in(rows_lines(&out, 2), 2..4),
            [
                "[ui-host-node-1] rows: vm1, vm2",
                "[ui-host-node-2] rows: vm3",
                "[ui-host-node-1] rows: vm2",
                "[ui-host-node-2] rows: vm1, vm3",
                "[ui-host-node-1] rows: vm2",
            ],
            "seed {seed}"
        );
    }
}

/// Pages loaded at 25s: the ACK has moved vm1 to node-2, and the migration is not over (the
/// source virt-launcher pod has not completed yet). Both versions list vm1 on node-2 from
/// the start.
#[test]
fn page_loaded_after_the_handoff_lists_the_vm_on_its_target_in_both_versions() {
    let scn = tight("25s");
    for version in ["v1.4.1", "v1.4.2"] {
        for seed in 0..20 {
            let out = traced(&scn, version, seed);
            assert_eq!(out.violation, None, "{version} seed {seed}");
            assert!(handoff(&out).time < at("25s"), "{version} seed {seed}");
            let source_pod_done = out
                .trace
                .iter()
                .find(|r| {
                    r.text
                        .ends_with("Completed (source of a finished migration)")
                })
                .expect("source pod completes");
            assert!(source_pod_done.time > at("25s"), "{version} seed {seed}");
            assert_eq!(
                rows_lines(&out, 2),
                [
                    "[ui-host-node-1] rows: vm2",
                    "[ui-host-node-2] rows: vm1, vm3",
                    "[ui-host-node-1] rows: vm2",
                ],
                "{version} seed {seed}"
            );
        }
    }
}

/// Three sessions on v1.4.2: a slow one on the source host and a fast and a middling one on
/// the target host. Each follows the migration within its own latency range.
const THREE_SESSIONS: [(&str, &str); 3] = [
    (
        r#"OpenHostPage(node: "node-1", session: "ui-host-node-1", watch_latency: ("20ms", "2s"))"#,
        r#"OpenHostPage(node: "node-1", session: "slow", watch_latency: ("3s", "5s"))"#,
    ),
    (
        r#"OpenHostPage(node: "node-2", session: "ui-host-node-2", watch_latency: ("5ms", "300ms"))"#,
        r#"OpenHostPage(node: "node-2", session: "fast", watch_latency: ("1ms", "10ms"))),
        (at: "5s", action: OpenHostPage(node: "node-2", session: "middling", watch_latency: ("1s", "2s"))"#,
    ),
    (
        r#"ReloadPage(session: "ui-host-node-1")"#,
        r#"ReloadPage(session: "slow")"#,
    ),
];

fn three_sessions(within: &str) -> Scenario {
    let mut text = TIGHT.replace("OPEN_AT", "5s");
    for (from, to) in THREE_SESSIONS {
        text = text.replace(from, to);
    }
    parse(&text.replace(
        r#"HostViewFresh(within: "1s")"#,
        &format!(r#"HostViewFresh(within: "{within}")"#),
    ))
}

#[test]
fn several_sessions_each_follow_within_their_own_latency_on_v1_4_2() {
    let scn = three_sessions("1s");
    let (ms, s) = (SimDuration::from_millis, SimDuration::from_secs);
    for seed in 0..30 {
        let out = traced(&scn, "v1.4.2", seed);
        assert_eq!(out.violation, None, "seed {seed}");
        let moved = handoff(&out).time;
        let fast = first(&out, "fast", "rows: vm1, vm3", moved).expect("fast follows") - moved;
        let middling =
            first(&out, "middling", "rows: vm1, vm3", moved).expect("middling follows") - moved;
        let slow = first(&out, "slow", "rows: vm2", moved).expect("slow follows") - moved;
        assert!(
            fast >= ms(1) && fast <= ms(10),
            "seed {seed}: fast after {fast}"
        );
        assert!(
            middling >= s(1) && middling <= s(2),
            "seed {seed}: middling after {middling}"
        );
        assert!(
            slow >= s(3) && slow <= s(5),
            "seed {seed}: slow after {slow}"
        );
    }
}

/// The bound adds each session's own maximum latency to `within`: with `within: "1ms"` a
/// session whose events take up to 5s still holds on v1.4.2, and on v1.4.1 the message
/// states that session's bound.
#[test]
fn the_bound_adds_each_sessions_maximum_latency() {
    let scn = three_sessions("1ms");
    for seed in 0..30 {
        assert_eq!(traced(&scn, "v1.4.2", seed).violation, None, "seed {seed}");
        let out = traced(&scn, "v1.4.1", seed);
        let moved = handoff(&out).time;
        assert_eq!(
            out.violation.expect("violated").message,
            format!(
                "page slow (host node-1) listed VM default/vm1, which runs on node-2, for {} from {moved} until the page was reloaded at 01:30.000000; the bound is 5.001s (1ms + the session's maximum watch latency 5s)",
                at("90s") - moved
            ),
            "seed {seed}"
        );
    }
}

#[test]
fn without_a_reload_the_v1_4_1_view_stays_stale_until_the_end_of_the_run() {
    let scn = load(HOST_VIEW_NO_RELOAD);
    for seed in 0..20 {
        let out = traced(&scn, "v1.4.1", seed);
        let moved = handoff(&out).time;
        let end = at("2m10s");
        assert_eq!(out.end, end, "seed {seed}");
        let v = out.violation.as_ref().expect("violated");
        assert_eq!((v.time, v.step), (end, out.steps), "seed {seed}");
        assert_eq!(
            v.message,
            format!(
                "page ui-host-node-1 (host node-1) listed VM default/vm1, which runs on node-2, for {} from {moved} until the run ended at {end}, still wrong; {SOURCE_BOUND}",
                end - moved
            ),
            "seed {seed}"
        );
        assert_eq!(
            rows_lines(&out, 2),
            [
                "[ui-host-node-1] rows: vm1, vm2",
                "[ui-host-node-2] rows: vm3"
            ],
            "seed {seed}"
        );
    }
}

/// The tab is the UI of the version in force when the page loads: after an upgrade to
/// v1.4.2, a reloaded page follows later migrations while a page left open keeps the old tab.
#[test]
fn a_page_reloaded_after_an_upgrade_to_v1_4_2_follows_later_migrations() {
    let text = TIGHT
        .replace("OPEN_AT", "5s")
        .replace(
            r#"(at: "90s", action: ReloadPage(session: "ui-host-node-1")),"#,
            r#"(at: "60s", action: UpgradeHarvester(to: "v1.4.2")),
        (at: "90s", action: ReloadPage(session: "ui-host-node-1")),
        (at: "100s", action: Migrate(vm: "vm2", target: "node-3")),"#,
        )
        .replace(
            r#"invariants: [HostViewFresh(within: "1s"), MigrationCompletes(within: "5m")],"#,
            "",
        );
    let scn = parse(&text);
    for seed in 0..10 {
        let out = traced(&scn, "v1.4.1", seed);
        assert_eq!(
            rows_lines(&out, 2),
            [
                "[ui-host-node-1] rows: vm1, vm2",
                "[ui-host-node-2] rows: vm3",
                "[ui-host-node-1] rows: vm2",
                "[ui-host-node-1] rows: (none)",
            ],
            "seed {seed}"
        );
    }
}

// ---- scenario input ----

/// The load error for TIGHT (pages at 5s) with `from` replaced by `to`.
fn error(from: &str, to: &str) -> String {
    let text = TIGHT.replace("OPEN_AT", "5s");
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    match load_str("bad.ron", &text.replacen(from, to, 1)) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn open_host_page_of_an_unknown_node_is_refused_at_the_node() {
    assert_eq!(
        error(
            r#"OpenHostPage(node: "node-2""#,
            r#"OpenHostPage(node: "node-9""#
        ),
        r#"bad.ron:19:47: OpenHostPage of unknown node "node-9", expected one of "node-1", "node-2", "node-3""#
    );
}

#[test]
fn a_session_opened_twice_is_refused_at_the_second() {
    assert_eq!(
        error(
            r#"session: "ui-host-node-2""#,
            r#"session: "ui-host-node-1""#
        ),
        r#"bad.ron:19:66: duplicate session "ui-host-node-1", expected each session opened once (ReloadPage reloads it)"#
    );
}

#[test]
fn a_session_named_after_a_process_is_refused() {
    assert_eq!(
        error(
            r#"session: "ui-host-node-2""#,
            r#"session: "virt-handler-node-2""#
        ),
        r#"bad.ron:19:66: session "virt-handler-node-2" has the name of a process, expected a name no process or user has"#
    );
}

#[test]
fn reload_of_an_unknown_session_is_refused_and_names_the_sessions() {
    assert_eq!(
        error(
            r#"ReloadPage(session: "ui-host-node-1")"#,
            r#"ReloadPage(session: "ui-host-node-3")"#
        ),
        r#"bad.ron:21:49: ReloadPage of unknown session "ui-host-node-3", expected one of "ui-host-node-1", "ui-host-node-2""#
    );
}

#[test]
fn reload_before_its_page_opens_is_refused_at_its_time() {
    assert_eq!(
        error(
            r#"(at: "90s", action: ReloadPage"#,
            r#"(at: "5s", action: ReloadPage"#
        ),
        r#"bad.ron:21:14: ReloadPage of session "ui-host-node-1" at 5s, not after its OpenHostPage at 5s, expected a time after 5s"#
    );
}

#[test]
fn host_view_fresh_within_zero_is_refused() {
    assert_eq!(
        error(
            r#"HostViewFresh(within: "1s")"#,
            r#"HostViewFresh(within: "0s")"#
        ),
        r#"bad.ron:23:40: HostViewFresh within 0s, expected a bound above zero"#
    );
}

#[test]
fn host_view_fresh_without_a_host_page_is_refused() {
    let text = TIGHT
        .replace("OPEN_AT", "5s")
        .lines()
        .filter(|l| !l.contains("OpenHostPage") && !l.contains("ReloadPage"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        load_str("bad.ron", &text).unwrap_err().to_string(),
        r#"bad.ron:20:18: HostViewFresh with no OpenHostPage in the timeline, expected at least one host page to check"#
    );
}

// ---- timelines ----

fn snap(name: &str, value: &str) {
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!(name, value);
    });
}

#[test]
fn host_view_timeline_seed_0_on_v1_4_1() {
    let scn = load(HOST_VIEW);
    let out = traced(&scn, "v1.4.1", 0);
    snap(
        "host_view_seed_0_v1_4_1",
        &render(&scn, HOST_VIEW, "v1.4.1", Some(0), &out),
    );
}

#[test]
fn host_view_timeline_seed_0_on_v1_4_2() {
    let scn = load(HOST_VIEW);
    let out = traced(&scn, "v1.4.2", 0);
    snap(
        "host_view_seed_0_v1_4_2",
        &render(&scn, HOST_VIEW, "v1.4.2", Some(0), &out),
    );
}
