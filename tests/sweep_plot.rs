//! The sweep-summary plot: an SVG with the bars per invariant and the two histograms.

mod common;
use common::*;
use hvsim::explore::sweep::sweep;
use hvsim::report::plot::sweep_summary_svg;
use hvsim::scenario::SeedRange;
use std::process::Command;

#[test]
fn sweep_summary_svg_has_bars_histograms_and_legends() {
    let scn = load(QUOTA_RACE);
    let results = sweep(&scn, v("v1.4.1"), SeedRange { start: 0, end: 20 }, 2);
    let bad = results.iter().filter(|r| r.invariant.is_some()).count();
    assert!(bad > 0);
    let svg = sweep_summary_svg("quota-race-agent-restart on v1.4.1", &results).unwrap();
    assert!(svg.starts_with("<svg"), "{}", &svg[..100]);
    assert!(svg.trim_end().ends_with("</svg>"));
    let t = svg_texts(&svg);
    for want in [
        format!("quota-race-agent-restart on v1.4.1: 20 runs, {bad} violating"),
        "violations per invariant".to_string(),
        "steps to violation".to_string(),
        "virtual time to violation".to_string(),
        "virtual time until the violation (s)".to_string(),
        format!("quota-converges: {bad} runs"),
    ] {
        assert!(t.contains(&want), "missing {want:?} in {t:?}");
    }
    assert!(svg.contains("<rect"));
    // Deterministic.
    assert_eq!(
        sweep_summary_svg("quota-race-agent-restart on v1.4.1", &results).unwrap(),
        svg
    );
    // No violations still draws.
    let held = sweep(&scn, v("v1.4.2"), SeedRange { start: 0, end: 5 }, 2);
    let svg = sweep_summary_svg("held", &held).unwrap();
    assert!(svg_texts(&svg).contains(&"held: all 5 runs held".to_string()));
}

#[test]
fn cli_plot_writes_the_svg() {
    let dir = std::env::temp_dir().join(format!("hvsim-plot-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let results = dir.join("r.jsonl");
    let bin = env!("CARGO_BIN_EXE_hvsim");
    let o = Command::new(bin)
        .args([
            "explore",
            "quota-race-agent-restart",
            "--budget",
            "30",
            "--jobs",
            "2",
        ])
        .arg("--out")
        .arg(&results)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // The plot directory need not exist yet.
    let plots = dir.join("plots");
    let o = Command::new(bin)
        .arg("plot")
        .arg(&results)
        .arg("--out")
        .arg(&plots)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // The file name keeps the version, so a sweep of another version writes beside it.
    let svg =
        std::fs::read_to_string(plots.join("quota-race-agent-restart-v1.4.1-sweep.svg")).unwrap();
    assert!(svg.starts_with("<svg"));
    assert!(svg_texts(&svg).contains(&"violations per invariant".to_string()));
    let o = Command::new(bin)
        .args(["plot", "/nonexistent/r.jsonl"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sweep_summary_of_a_small_hand_made_sweep_is_pinned() {
    use hvsim::explore::sweep::SeedResult;
    let r = |seed: u64, inv: Option<&str>, steps: u64, end_s: u64| SeedResult {
        seed,
        invariant: inv.map(str::to_string),
        message: String::new(),
        steps,
        end_us: end_s * 1_000_000,
        reached: Vec::new(),
    };
    let results = vec![
        r(0, Some("quota-converges"), 180, 310),
        r(1, None, 190, 310),
        r(2, Some("quota-converges"), 200, 315),
        r(3, Some("migration-completes"), 120, 305),
        r(4, None, 185, 310),
        r(5, Some("quota-converges"), 240, 330),
    ];
    let svg = sweep_summary_svg("small sweep", &results).unwrap();
    let t = svg_texts(&svg);
    // Steps 120..240 in whole bins of 20; seconds 305..330 in bins of 2.5 s.
    // Each histogram bar is stacked by invariant, in the bar chart's colours.
    for want in [
        "bins of 20 steps",
        "bins of 2.5 s",
        "migration-completes (1)",
        "quota-converges (3)",
        "migration-completes",
        "quota-converges",
    ] {
        assert!(t.iter().any(|x| x == want), "missing {want:?} in {t:?}");
    }
    assert!(
        !t.iter().any(|x| x.ends_with(".0")),
        "no tick label ends in .0: {t:?}"
    );
    insta::with_settings!({snapshot_path => "../snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("sweep_summary_small", svg);
    });
}

/// A sweep where every run held says so, and its histograms show how long the runs were.
#[test]
fn sweep_summary_of_a_sweep_that_held_says_so_and_shows_run_lengths() {
    use hvsim::explore::sweep::SeedResult;
    let results: Vec<SeedResult> = (0..5)
        .map(|seed| SeedResult {
            seed,
            invariant: None,
            message: String::new(),
            steps: 100 + seed * 10,
            end_us: 300_000_000,
            reached: Vec::new(),
        })
        .collect();
    let t = svg_texts(&sweep_summary_svg("calm sweep", &results).unwrap());
    for want in [
        "calm sweep: all 5 runs held",
        "no invariant violated in 5 runs",
        "steps per run",
        "runs that held (5)",
    ] {
        assert!(t.iter().any(|x| x == want), "missing {want:?} in {t:?}");
    }
    assert!(!t.iter().any(|x| x.contains("violating runs")), "{t:?}");
}
