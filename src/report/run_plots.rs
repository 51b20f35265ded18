//! The plots of one run (`run --plot DIR`, `replay --plot DIR`): runs with the samplers the
//! plots need, then writes `DIR/quota-timeline.svg` (when the run has a default
//! ResourceQuota), `DIR/gantt.svg` (when upgrade rows are given), `DIR/bootstrap.svg` (an
//! install) and `DIR/host-pages.svg` (host pages opened), staged and committed together with
//! the command's other outputs (`report::output`).

use super::bootstrap_plot::{bootstrap_groups, bootstrap_markers, BootstrapSampler};
use super::gantt::{gantt_svg, secs, GanttMarker, GanttRow, StateGroup};
use super::host_view_plot::{host_page_groups, host_view_markers, HostViewSampler};
use super::output::Outputs;
use super::quota_plot::{quota_timeline_svg, run_end_s, run_markers, QuotaSampler};
use super::upgrade_plot::{upgrade_groups, UpgradeSampler};
use crate::check::{run_with, RunOptions, RunOutcome};
use crate::engine::{Choices, Trace};
use crate::scenario::{Scenario, Version};
use crate::sim::World;
use std::path::{Path, PathBuf};

/// The quota plot's file name in `--plots DIR`.
pub const QUOTA_TIMELINE: &str = "quota-timeline.svg";
/// The upgrade Gantt chart's file name in `--plots DIR`.
pub const GANTT: &str = "gantt.svg";
/// The install Gantt chart's file name in `--plots DIR`.
pub const BOOTSTRAP: &str = "bootstrap.svg";
/// The host pages' Gantt chart's file name in `--plots DIR`.
pub const HOST_PAGES: &str = "host-pages.svg";

/// What the plots sample while a run steps.
#[derive(Default)]
pub struct RunSamples {
    /// The default ResourceQuotas' values over time.
    pub quotas: QuotaSampler,
    /// The upgrade's node, repo and migration states over time.
    pub upgrade: UpgradeSampler,
    /// The install's rows (scenarios with a `bootstrap:` section).
    pub bootstrap: BootstrapSampler,
    /// The host pages' rows against where each VM runs.
    pub host_view: HostViewSampler,
}

impl RunSamples {
    /// Samples the world after a step.
    pub fn observe(&mut self, w: &World) {
        self.quotas.observe(w);
        self.upgrade.observe(w);
        self.bootstrap.observe(w);
        self.host_view.observe(w);
    }

    /// Whether no plot has anything to draw.
    fn nothing(&self, gantt: &Option<Vec<GanttRow>>) -> bool {
        self.quotas.is_empty()
            && gantt.is_none()
            && self.bootstrap.is_empty()
            && self.host_view.is_empty()
    }
}

/// A run as `check::run`, sampling for the plots when `samples` is given.
pub fn run_sampled(
    scn: &Scenario,
    version: Version,
    choices: Box<dyn Choices>,
    trace: Trace,
    samples: Option<&mut RunSamples>,
) -> RunOutcome {
    let Some(samples) = samples else {
        return run_with(scn, version, choices, trace, RunOptions::default());
    };
    let mut observe = |w: &World| {
        samples.observe(w);
        false
    };
    let opts = RunOptions {
        observe: Some(&mut observe),
        ..RunOptions::default()
    };
    run_with(scn, version, choices, trace, opts)
}

/// The rows of the upgrade Gantt of this run, for upgrade scenarios (`upgrade_plot`).
fn upgrade_gantt(_scn: &Scenario, out: &RunOutcome, samples: &RunSamples) -> Option<Vec<GanttRow>> {
    if samples.upgrade.is_empty() {
        return None;
    }
    let end = samples.upgrade.end_s(violated_s(out), run_end_s(out));
    Some(samples.upgrade.rows(end))
}

/// When the run broke its invariant, in virtual seconds (0 when it held): a chart reaches it.
fn violated_s(out: &RunOutcome) -> f64 {
    out.violation.as_ref().map_or(0.0, |v| secs(v.time))
}

/// Draws every plot the run has and writes them into `dir` (created if needed). Returns the
/// paths written. Everything is drawn before anything is written, and each file is written
/// to a temporary name in `dir` and renamed, so an error leaves no partial file.
pub fn write_run_plots(
    dir: &Path,
    title: &str,
    scn: &Scenario,
    out: &RunOutcome,
    samples: &RunSamples,
) -> Result<Vec<PathBuf>, String> {
    let gantt = upgrade_gantt(scn, out, samples);
    write_plots(dir, title, out, samples, gantt)
}

/// As `write_run_plots`, with the Gantt rows given (`gantt.svg` only when `Some`).
pub fn write_plots(
    dir: &Path,
    title: &str,
    out: &RunOutcome,
    samples: &RunSamples,
    gantt: Option<Vec<GanttRow>>,
) -> Result<Vec<PathBuf>, String> {
    let mut outputs = Outputs::new();
    stage_plots(&mut outputs, dir, title, out, samples, gantt)?;
    outputs.commit().map_err(|e| e.to_string())
}

/// The files every run's plots may be (`--plot DIR` checks them before the run).
pub const PLOT_FILES: [&str; 4] = [QUOTA_TIMELINE, GANTT, BOOTSTRAP, HOST_PAGES];

/// Draws the plots and stages them in `outputs` under `dir` (made if needed, and removed
/// again if the command fails): nothing is in place until `outputs` is committed.
pub fn stage_plots(
    outputs: &mut Outputs,
    dir: &Path,
    title: &str,
    out: &RunOutcome,
    samples: &RunSamples,
    gantt: Option<Vec<GanttRow>>,
) -> Result<(), String> {
    let markers = run_markers(out);
    let mut files: Vec<(&str, String)> = Vec::new();
    if !samples.quotas.is_empty() {
        let svg = quota_timeline_svg(
            &format!("{title}: default ResourceQuotas"),
            &samples.quotas.series(),
            run_end_s(out),
            &markers,
        )?;
        files.push((QUOTA_TIMELINE, svg));
    }
    if let Some(rows) = gantt {
        // The migration rows show the migrations' phases; markers are for the rest.
        let gm: Vec<GanttMarker> = markers
            .iter()
            .filter(|m| !m.label.starts_with("migration "))
            .map(|m| GanttMarker {
                at_s: m.at_s,
                label: m.label.clone(),
            })
            .collect();
        let svg = gantt_svg(&format!("{title}: upgrade"), &rows, &gm, &upgrade_groups())?;
        files.push((GANTT, svg));
    }
    let (violated, run_end) = (violated_s(out), run_end_s(out));
    let mut chart = |file,
                     what: &str,
                     rows: Vec<GanttRow>,
                     markers: Vec<GanttMarker>,
                     groups: Vec<StateGroup>| {
        let svg = gantt_svg(&format!("{title}: {what}"), &rows, &markers, &groups)?;
        files.push((file, svg));
        Ok::<(), String>(())
    };
    if !samples.bootstrap.is_empty() {
        let rows = samples
            .bootstrap
            .rows(samples.bootstrap.end_s(violated, run_end));
        chart(
            BOOTSTRAP,
            "install",
            rows,
            bootstrap_markers(out),
            bootstrap_groups(),
        )?;
    }
    if !samples.host_view.is_empty() {
        let rows = samples
            .host_view
            .rows(samples.host_view.end_s(violated, run_end));
        let what = "host pages against where each VM runs";
        chart(
            HOST_PAGES,
            what,
            rows,
            host_view_markers(out),
            host_page_groups(),
        )?;
    }
    if files.is_empty() {
        return Ok(());
    }
    outputs.make_dir(dir).map_err(|e| e.to_string())?;
    for (name, svg) in files {
        outputs
            .stage_announced("--plot", &dir.join(name), svg.as_bytes())
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// `run --plot DIR` in one call: the run (sampled when `dir` is given), then its plots
/// staged in `outputs` (see [`stage_plots`]); a note on stderr when the run has none. The
/// outcome, and the plots' error if any.
pub fn run_with_plots(
    scn: &Scenario,
    version: Version,
    choices: Box<dyn Choices>,
    trace: Trace,
    dir: Option<&Path>,
    title: &str,
    outputs: &mut Outputs,
) -> (RunOutcome, Result<(), String>) {
    let Some(dir) = dir else {
        return (run_sampled(scn, version, choices, trace, None), Ok(()));
    };
    let mut samples = RunSamples::default();
    let out = run_sampled(scn, version, choices, trace, Some(&mut samples));
    let gantt = upgrade_gantt(scn, &out, &samples);
    if samples.nothing(&gantt) {
        super::output::err(
            "no plot for this run (no default ResourceQuota, no upgrade, no install, no host page)\n",
        );
    }
    let staged = stage_plots(outputs, dir, title, &out, &samples, gantt);
    (out, staged)
}
