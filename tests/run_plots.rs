//! The plots of one run: the quota timeline (sampled during the run, drawn as SVG), the
//! `--plot DIR` option of `run` and `replay`, and determinism.

mod common;
use common::*;
use hvsim::engine::{SeededChoices, Trace};
use hvsim::explore::repro::{self, Repro};
use hvsim::report::quota_plot::{
    quota_timeline_svg, run_end_s, run_markers, MarkerKind, QuotaPoint, QuotaSeries, RunMarker,
};
use hvsim::report::run_plots::{run_sampled, write_plots, RunSamples, GANTT, QUOTA_TIMELINE};
use std::path::PathBuf;
use std::process::Command;

/// A fresh directory of its own under the system temp dir.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("hvsim-plots-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

/// Seed 1 of the quota race on v1.4.1, sampled, and its quota timeline.
fn quota_race_timeline() -> (hvsim::check::RunOutcome, RunSamples, String) {
    let scn = load(QUOTA_RACE);
    let mut samples = RunSamples::default();
    let out = run_sampled(
        &scn,
        v("v1.4.1"),
        Box::new(SeededChoices::new(1)),
        Trace::new(true, false),
        Some(&mut samples),
    );
    let svg = quota_timeline_svg(
        "quota-race-agent-restart on v1.4.1, seed 1",
        &samples.quotas.series(),
        run_end_s(&out),
        &run_markers(&out),
    )
    .unwrap();
    (out, samples, svg)
}

#[test]
fn quota_timeline_of_the_quota_race_shows_the_values_and_the_violation() {
    let (out, samples, svg) = quota_race_timeline();
    let v = out.violation.as_ref().expect("seed 1 violates on v1.4.1");
    let series = samples.quotas.series();
    assert_eq!(series.len(), 1, "{series:?}");
    let s = &series[0];
    assert!(s.key.starts_with("ns1/default-"), "{}", s.key);
    // Only changes are kept: a handful of points, not one per step.
    assert!(s.points.len() >= 2 && (s.points.len() as u64) < out.steps / 2);
    assert!(s
        .points
        .windows(2)
        .all(|w| (w[0].values, w[0].base) != (w[1].values, w[1].base)));
    // Harvester scales spec.hard limits.cpu up from the base (5) for the migration, and the
    // race leaves it below: the Rancher base stays 5 cores (6000Mi) all along.
    assert_eq!(s.points[0].values[0][0], Some(5000));
    assert!(s.points.iter().any(|p| p.values[0][0] > Some(5000)));
    assert!(s
        .points
        .iter()
        .all(|p| p.base == [Some(5000), Some(6000 * 1024 * 1024 * 1000)]));
    assert!(s.points.last().unwrap().values[0][0] < Some(5000));
    let t = svg_texts(&svg);
    for want in [
        format!("ResourceQuota {}", s.key),
        "limits.cpu (cores)".into(),
        "limits.memory (GiB)".into(),
        "virtual time (s)".into(),
        "spec.hard".into(),
        "status.hard".into(),
        "status.used".into(),
        "Rancher base".into(),
        "process killed".into(),
        "violation".into(),
        format!("VIOLATED {} (step {})", v.invariant, v.step),
        format!("{:.3} s", v.time.micros() as f64 / 1e6),
    ] {
        assert!(t.contains(&want), "missing {want:?} in {t:?}");
    }
    let markers = run_markers(&out);
    assert_eq!(markers.last().unwrap().kind, MarkerKind::Violation);
    assert!(markers
        .iter()
        .any(|m| m.kind == MarkerKind::Kill && m.label.starts_with("cattle-cluster-agent")));
    assert!(markers.iter().any(|m| m.kind == MarkerKind::MigrationPhase));
}

#[test]
fn quota_timeline_is_deterministic() {
    let (_, _, a) = quota_race_timeline();
    let (_, _, b) = quota_race_timeline();
    assert!(a == b, "two runs of seed 1 drew different SVGs");
}

/// A point: cores and GiB of spec.hard, status.hard and status.used, then of the Rancher
/// base.
fn pt(at_s: u64, cpu: [i64; 3], mem_gi: [i64; 3], base: [i64; 2]) -> QuotaPoint {
    let gi = 1024 * 1024 * 1024 * 1000;
    QuotaPoint {
        at_us: at_s * 1_000_000,
        values: [cpu.map(|c| Some(c * 1000)), mem_gi.map(|m| Some(m * gi))],
        base: [Some(base[0] * 1000), Some(base[1] * gi)],
    }
}

#[test]
fn quota_timeline_of_a_small_case() {
    let series = vec![
        QuotaSeries {
            key: "ns1/default-abcde".into(),
            points: vec![
                pt(0, [5, 5, 4], [6, 6, 5], [5, 6]),
                pt(10, [7, 5, 4], [8, 6, 5], [5, 6]),
                pt(11, [7, 7, 6], [8, 8, 7], [5, 6]),
                // spec.hard reset to the base under a running migration, then dropped below.
                pt(30, [5, 5, 6], [6, 6, 7], [5, 6]),
                pt(45, [3, 3, 6], [4, 4, 7], [5, 6]),
                pt(60, [3, 3, 4], [4, 4, 5], [5, 6]),
            ],
        },
        QuotaSeries {
            key: "ns2/default-fghij".into(),
            points: vec![
                pt(0, [2, 2, 1], [4, 4, 2], [2, 4]),
                QuotaPoint {
                    at_us: 40_000_000,
                    values: [[None; 3]; 2],
                    base: [None; 2],
                },
            ],
        },
    ];
    let m = |at_s: f64, kind, label: &str| RunMarker {
        at_s,
        kind,
        label: label.into(),
    };
    let markers = vec![
        m(
            10.0,
            MarkerKind::MigrationPhase,
            "migration ns1/vm1-x \"\"→Pending",
        ),
        m(
            20.0,
            MarkerKind::Kill,
            "cattle-cluster-agent: process killed",
        ),
        m(
            20.2,
            MarkerKind::Restart,
            "cattle-cluster-agent started again",
        ),
        m(
            90.0,
            MarkerKind::Violation,
            "VIOLATED quota-converges (step 99)",
        ),
    ];
    let svg = quota_timeline_svg("small", &series, 90.0, &markers).unwrap();
    let t = svg_texts(&svg);
    assert!(t.contains(&"ResourceQuota ns2/default-fghij".to_string()));
    // Close markers share one number label.
    assert!(t.contains(&"2–3".to_string()), "{t:?}");
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("quota_timeline_small", svg);
    });
}

#[test]
fn write_plots_writes_atomically_and_only_what_there_is() {
    let (out, samples, _) = quota_race_timeline();
    let dir = temp_dir("write").join("nested");
    let written = write_plots(&dir, "t", &out, &samples, None).unwrap();
    assert_eq!(written, vec![dir.join(QUOTA_TIMELINE)]);
    let rows = vec![hvsim::report::gantt::GanttRow {
        label: "node1".into(),
        spans: vec![hvsim::report::gantt::GanttSpan {
            start_s: 0.0,
            end_s: 10.0,
            state: "Running".into(),
        }],
    }];
    let written = write_plots(&dir, "t", &out, &samples, Some(rows)).unwrap();
    assert_eq!(written.len(), 2);
    let gantt = std::fs::read_to_string(dir.join(GANTT)).unwrap();
    assert!(svg_texts(&gantt).contains(&"node1".to_string()));
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, [GANTT, QUOTA_TIMELINE], "no temporary file left");
    // Nothing to draw: nothing written, no directory made.
    let none = temp_dir("none");
    let empty = RunSamples::default();
    assert!(write_plots(&none, "t", &out, &empty, None)
        .unwrap()
        .is_empty());
    assert!(!none.exists());
    // A directory that cannot be made is an error.
    let file = temp_dir("file");
    std::fs::write(&file, "x").unwrap();
    assert!(write_plots(&file.join("d"), "t", &out, &samples, None).is_err());
    let _ = std::fs::remove_dir_all(dir.parent().unwrap());
    let _ = std::fs::remove_file(&file);
}

#[test]
fn cli_run_and_replay_write_the_quota_timeline() {
    let bin = env!("CARGO_BIN_EXE_hvsim");
    let dir = temp_dir("cli");
    let out_dir = dir.join("run");
    let o = Command::new(bin)
        .args([
            "run",
            QUOTA_RACE,
            "--seed",
            "1",
            "--version",
            "v1.4.1",
            "--plot",
        ])
        .arg(&out_dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let run_svg = std::fs::read_to_string(out_dir.join(QUOTA_TIMELINE)).unwrap();
    assert!(svg_texts(&run_svg)
        .iter()
        .any(|t| t.starts_with("VIOLATED ")));
    // The same run as a repro file, replayed with --plot: the same picture but the title.
    let scn = load(QUOTA_RACE);
    let run = traced(&scn, "v1.4.1", 1);
    let viol = run.violation.unwrap();
    let r = Repro {
        scenario: scn,
        version: v("v1.4.1"),
        invariant: viol.invariant,
        step: viol.step,
        answers: run.answers,
    };
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("q.repro.ron");
    repro::write(&file, &r).unwrap();
    let replay_dir = dir.join("replay");
    let o = Command::new(bin)
        .arg("replay")
        .arg(&file)
        .arg("--plot")
        .arg(&replay_dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let replay_svg = std::fs::read_to_string(replay_dir.join(QUOTA_TIMELINE)).unwrap();
    let strip_title = |s: &str| svg_texts(s).into_iter().skip(1).collect::<Vec<_>>();
    assert_eq!(strip_title(&run_svg), strip_title(&replay_svg));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The upgrade Gantt's rows as text: `label: state start–end, ...`.
fn gantt_rows_text(path: &str, version: &str, seed: u64) -> String {
    let (out, samples) = sampled(path, version, seed);
    let violated = out
        .violation
        .as_ref()
        .map_or(0.0, |x| x.time.micros() as f64 / 1e6);
    let rows = samples
        .upgrade
        .rows(samples.upgrade.end_s(violated, run_end_s(&out)));
    rows_text(&rows)
}

/// One run of `path`, sampled for the plots.
fn sampled(path: &str, version: &str, seed: u64) -> (hvsim::check::RunOutcome, RunSamples) {
    let scn = load(path);
    let mut samples = RunSamples::default();
    let out = run_sampled(
        &scn,
        v(version),
        Box::new(SeededChoices::new(seed)),
        Trace::new(true, false),
        Some(&mut samples),
    );
    (out, samples)
}

/// Gantt rows as text: `label: state start–end, ...`, a line each.
fn rows_text(rows: &[hvsim::report::gantt::GanttRow]) -> String {
    rows.iter()
        .map(|r| {
            let spans: Vec<String> = r
                .spans
                .iter()
                .map(|s| format!("{} {:.1}–{:.1}", s.state, s.start_s, s.end_s))
                .collect();
            format!("{}: {}", r.label, spans.join(", "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_upgrade_gantt_shows_nodes_the_repo_and_each_migration() {
    let text = gantt_rows_text("scenarios/upgrade-heterogeneous-cpu.ron", "v1.4.2", 0);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].ends_with("Pre-draining 0.0–3600.0"), "{text}");
    assert!(
        lines[1].starts_with("node2: Images preloaded 0.0–3600.0"),
        "{text}"
    );
    assert!(
        lines[3].starts_with("repo (upgrade-repo-hvst-upgrade-s2mk7): up "),
        "{text}"
    );
    assert!(
        !lines[3].contains("down"),
        "v1.4.2 keeps the repo up: {text}"
    );
    let failed = lines
        .iter()
        .filter(|l| l.starts_with("FAILED evac-"))
        .count();
    // Every retry of the stuck repo VM in the hour: KubeVirt's evacuation backoff doubles per
    // earlier failed evacuation it still lists, and it lists only the five newest finished
    // migrations (the rest are garbage-collected), so the retries do not back off for ever.
    assert_eq!(failed, 13, "{text}");
}

#[test]
fn the_upgrade_gantt_of_v1_4_1_shows_the_repo_down_while_its_node_drains() {
    let text = gantt_rows_text("scenarios/upgrade-homogeneous.ron", "v1.4.1", 0);
    let repo = text.lines().find(|l| l.starts_with("repo ")).unwrap();
    assert!(
        repo.starts_with("repo (upgrade-repo-hvst-upgrade-s2mk7): up 0.0–0.2, down 0.2–"),
        "{repo}"
    );
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("upgrade_gantt_rows_homogeneous_v1_4_1_seed_0", text);
    });
}

#[test]
fn cli_run_writes_the_upgrade_gantt() {
    let bin = env!("CARGO_BIN_EXE_hvsim");
    let dir = temp_dir("gantt");
    let o = Command::new(bin)
        .args([
            "run",
            "scenarios/upgrade-homogeneous.ron",
            "--seed",
            "0",
            "--version",
            "v1.4.2",
            "--plot",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let svg = std::fs::read_to_string(dir.join(GANTT)).unwrap();
    let t = svg_texts(&svg);
    for want in ["node1", "node3", "Succeeded", "virtual time (s)"] {
        assert!(t.iter().any(|x| x == want), "{want} in {t:?}");
    }
    assert!(
        !dir.join(QUOTA_TIMELINE).exists(),
        "no quota in this scenario"
    );
}

/// The install Gantt of the storage-network bug (v1.4.0): KubeVirt's API is served after
/// RKE2's first failed passes, the manifest applies on the next pass, the VM runs, and the
/// harvester pod never leaves CrashLoopBackOff; each container exit is a marker that says
/// which request the validator refused and the back-off that followed.
#[test]
fn the_install_gantt_shows_the_crash_loop_and_what_each_exit_refused() {
    use hvsim::report::bootstrap_plot::{bootstrap_markers, POD_BACKOFF, POD_READY};
    let (out, samples) = sampled("scenarios/bootstrap-rerun-on-failure.ron", "v1.4.0", 1);
    let rows = samples.bootstrap.rows(run_end_s(&out));
    let text = rows_text(&rows);
    let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(
        labels[..4],
        [
            "KubeVirt API",
            "manifest vm1.yaml",
            "claim default/vm1-disk-0",
            "vm default/vm1"
        ],
        "{text}"
    );
    let api = text.lines().next().unwrap();
    assert!(api.starts_with("KubeVirt API: not served 0.0–"), "{api}");
    let pod = rows.last().unwrap();
    assert!(
        pod.label.starts_with("pod harvester-system/harvester-"),
        "{text}"
    );
    assert!(pod.spans.iter().all(|s| s.state == POD_BACKOFF), "{text}");
    assert!(!text.contains(POD_READY), "{text}");
    let markers = bootstrap_markers(&out);
    assert!(
        markers[0]
            .label
            .starts_with("harvester exited, back-off 10s: Please stop all VMs before configuring"),
        "{:?}",
        markers[0]
    );
    assert_eq!(
        markers[1].label.split(':').next(),
        Some("harvester exited, back-off 20s")
    );
    assert_eq!(markers.last().unwrap().label, "violated: install-completes");
}

/// On the fixed version the same install ends with the harvester pod Ready.
#[test]
fn the_install_gantt_of_a_fixed_version_ends_ready() {
    use hvsim::report::bootstrap_plot::POD_READY;
    let (out, samples) = sampled("scenarios/bootstrap-rerun-on-failure.ron", "v1.5.1", 1);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    let rows = samples.bootstrap.rows(run_end_s(&out));
    let pod = rows.last().unwrap();
    assert_eq!(
        pod.spans.last().map(|s| s.state.as_str()),
        Some(POD_READY),
        "{}",
        rows_text(&rows)
    );
}

/// The host-page Gantt of the host-view bug (v1.4.1): after vm1 moves to node-2, node-1's
/// page keeps its row until the reload, and node-2's page leaves it out.
#[test]
fn the_host_pages_gantt_shows_each_page_against_where_the_vm_runs() {
    use hvsim::report::host_view_plot::{PAGE_LISTED, PAGE_MISSING, PAGE_STALE_ROW};
    let (out, samples) = sampled("scenarios/host-view-after-migration.ron", "v1.4.1", 0);
    let rows = samples.host_view.rows(run_end_s(&out));
    let text = rows_text(&rows);
    let row = |label: &str| {
        rows.iter()
            .find(|r| r.label == label)
            .unwrap_or_else(|| panic!("no row {label}: {text}"))
    };
    let truth: Vec<&str> = row("vm1 runs on")
        .spans
        .iter()
        .map(|s| s.state.as_str())
        .collect();
    assert_eq!(truth, ["node-1", "node-2"], "{text}");
    let old: Vec<&str> = row("ui-host-node-1: vm1")
        .spans
        .iter()
        .map(|s| s.state.as_str())
        .collect();
    assert_eq!(old, [PAGE_LISTED, PAGE_STALE_ROW], "{text}");
    let new = row("ui-host-node-2: vm1");
    assert_eq!(new.spans.last().unwrap().state, PAGE_MISSING, "{text}");
    // The moment vm1 lands on node-2 is the moment node-1's row turns stale.
    assert_eq!(
        row("vm1 runs on").spans[1].start_s,
        row("ui-host-node-1: vm1").spans[1].start_s,
        "{text}"
    );
    // A page that is right not to list a VM draws no row for it.
    assert!(!text.contains("ui-host-node-1: vm3"), "{text}");
}

#[test]
fn cli_run_writes_the_install_and_host_page_gantts() {
    use hvsim::report::run_plots::{BOOTSTRAP, HOST_PAGES};
    let bin = env!("CARGO_BIN_EXE_hvsim");
    for (scn, version, file, want) in [
        (
            "scenarios/bootstrap-rerun-on-failure.ron",
            "v1.4.0",
            BOOTSTRAP,
            "CrashLoopBackOff",
        ),
        (
            "scenarios/host-view-after-migration.ron",
            "v1.4.1",
            HOST_PAGES,
            "listed, runs elsewhere",
        ),
    ] {
        let dir = temp_dir(file);
        let o = Command::new(bin)
            .args(["run", scn, "--seed", "0", "--version", version, "--plot"])
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        let svg = std::fs::read_to_string(dir.join(file)).unwrap();
        let t = svg_texts(&svg);
        assert!(t.iter().any(|x| x == want), "{want} in {t:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
