//! The quota timeline of one run (`run --plot`), as SVG: for every default ResourceQuota (one
//! chart each, stacked), the values of `spec.hard`, `status.hard` and `status.used` of
//! limits.cpu (cores) and limits.memory (GiB), one panel per resource, as step lines over
//! virtual time (seconds), with a thin dashed line at the Rancher base (what the namespace's
//! annotation gives, so what `spec.hard` should come back to); vertical markers show process
//! kills and restarts, migration phase changes and the violation, numbered at the top and
//! listed under the charts.
//!
//! The sampler (`QuotaSampler`, called from `RunOptions::observe`) records a point only when
//! a value changes. The checker runs before the observer, so a change made by the violating
//! step itself is not sampled; the violation marker shows when that step happened.

use super::plot::{
    draw_marker_list, err, fmt_tick, marker_list_height, marker_number_labels, tick_decimals, TAB10,
};
use crate::check::RunOutcome;
use crate::engine::TraceCat;
use crate::kube::object::ResourceQuotaBody;
use crate::kube::store::Store;
use crate::kube::{Kind, Resource};
use crate::models::rancher::namespace_quota::LABEL_DEFAULT_RESOURCE_QUOTA;
use crate::models::rancher::resource_quota_sync::base_of as rancher_base_of;
use crate::sim::World;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

/// The resources drawn, one panel each, in this order.
pub const RESOURCES: [Resource; 2] = [Resource::LimitsCpu, Resource::LimitsMemory];
/// The fields drawn, one step line each, in this order.
pub const FIELDS: [&str; 3] = ["spec.hard", "status.hard", "status.used"];

/// Values in milli-units, `[resource][field]` in the order of `RESOURCES` and `FIELDS`;
/// `None` where unset, or when the quota is gone.
pub type QuotaValues = [[Option<i64>; 3]; 2];

/// The Rancher base in milli-units, per resource in the order of `RESOURCES`; `None` where
/// Rancher gives the resource no value.
pub type BaseValues = [Option<i64>; 2];

/// One sample of a quota: its values and the Rancher base at a virtual time.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct QuotaPoint {
    /// Virtual time, in microseconds.
    pub at_us: u64,
    /// The quota's values then.
    pub values: QuotaValues,
    /// The Rancher base then.
    pub base: BaseValues,
}

/// One quota's values over time: a point at its first sight and at every change after.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct QuotaSeries {
    /// `namespace/name`.
    pub key: String,
    /// A point at the first sight and at every change after, in time order.
    pub points: Vec<QuotaPoint>,
}

fn values_of(b: &ResourceQuotaBody) -> QuotaValues {
    let mut v = [[None; 3]; 2];
    for (i, r) in RESOURCES.into_iter().enumerate() {
        v[i] = [
            b.spec_hard.get(r).map(|q| q.milli()),
            b.status_hard.get(r).map(|q| q.milli()),
            b.status_used.get(r).map(|q| q.milli()),
        ];
    }
    v
}

/// The Rancher base of namespace `ns` now (`resource_quota_sync::base_of`, which the
/// checker judges `quota-converges` by too, so the plot follows a `SetQuota`).
fn base_of(store: &Store, ns: &str) -> BaseValues {
    let spec = store
        .id_of(Kind::Namespace, "", ns)
        .and_then(|id| store.get(id))
        .and_then(|obj| rancher_base_of(obj));
    RESOURCES.map(|r| spec.and_then(|s| s.get(r)).map(|q| q.milli()))
}

/// Records the default ResourceQuotas (label `resourcequota.management.cattle.io/default-resource-quota`)
/// of a world after every step, keeping a point only when a value changed.
#[derive(Default)]
pub struct QuotaSampler {
    by_id: BTreeMap<u32, QuotaSeries>,
}

impl QuotaSampler {
    /// A sampler that has seen nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Samples the world (for `RunOptions::observe`; never ends the run).
    pub fn observe(&mut self, w: &World) {
        let store = &w.cluster.api.store;
        let at_us = w.sim.now().micros();
        for id in store.ids_of(Kind::ResourceQuota) {
            let obj = store
                .get(id)
                .filter(|o| o.label(LABEL_DEFAULT_RESOURCE_QUOTA) == Some("true"));
            let values = obj.map(|o| values_of(o.rq()));
            let base = obj.map(|o| base_of(store, &o.meta.namespace));
            match self.by_id.get_mut(&id.0) {
                Some(s) => {
                    let values = values.unwrap_or([[None; 3]; 2]);
                    let base = base.unwrap_or([None; 2]);
                    let n = s.points.len();
                    let last = s.points.last_mut().expect("a series starts with a point");
                    if (last.values, last.base) == (values, base) {
                        continue;
                    }
                    // Several changes at one instant: keep the last.
                    if last.at_us == at_us && n > 1 {
                        (last.values, last.base) = (values, base);
                    } else {
                        s.points.push(QuotaPoint {
                            at_us,
                            values,
                            base,
                        });
                    }
                }
                None => {
                    if let (Some(o), Some(values), Some(base)) = (obj, values, base) {
                        self.by_id.insert(
                            id.0,
                            QuotaSeries {
                                key: o.meta.key(),
                                points: vec![QuotaPoint {
                                    at_us,
                                    values,
                                    base,
                                }],
                            },
                        );
                    }
                }
            }
        }
    }

    /// Whether no default quota has been seen.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The series, by `namespace/name`.
    pub fn series(&self) -> Vec<QuotaSeries> {
        let mut v: Vec<QuotaSeries> = self.by_id.values().cloned().collect();
        v.sort_by(|a, b| a.key.cmp(&b.key));
        v
    }
}

/// What a vertical marker shows.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum MarkerKind {
    /// A process killed (a `Fault` record).
    Kill,
    /// A process back after a kill, or an action that restarts one (an upgrade).
    Restart,
    /// A VirtualMachineInstanceMigration's `status.phase` written.
    MigrationPhase,
    /// The run's violation.
    Violation,
}

impl MarkerKind {
    /// Every marker kind, in legend order.
    pub const ALL: [MarkerKind; 4] = [
        MarkerKind::Kill,
        MarkerKind::Restart,
        MarkerKind::MigrationPhase,
        MarkerKind::Violation,
    ];

    pub(crate) fn legend(self) -> &'static str {
        match self {
            MarkerKind::Kill => "process killed",
            MarkerKind::Restart => "process restart",
            MarkerKind::MigrationPhase => "migration phase",
            MarkerKind::Violation => "violation",
        }
    }

    pub(crate) fn color(self) -> RGBColor {
        match self {
            MarkerKind::Kill => TAB10[3],
            MarkerKind::Restart => TAB10[6],
            MarkerKind::MigrationPhase => TAB10[4],
            MarkerKind::Violation => BLACK,
        }
    }

    fn style(self) -> ShapeStyle {
        match self {
            MarkerKind::Violation => self.color().stroke_width(2),
            _ => self.color().mix(0.85).stroke_width(2),
        }
    }
}

/// A vertical line on the quota plot: an event of the run.
#[derive(Clone, PartialEq, Debug)]
pub struct RunMarker {
    /// Virtual time, in seconds.
    pub at_s: f64,
    /// What happened.
    pub kind: MarkerKind,
    /// The line's label (`virt-controller started again`, `migration vm1-abcde phase A→B`).
    pub label: String,
}

/// `phase A→B` out of a VMIM write's text (`PUT status … ns/name: phase A→B; … → 200 rv=…`).
fn phase_change(text: &str) -> Option<&str> {
    let (_, body) = text.split_once(": ")?;
    let body = body.rsplit_once(" → ").map_or(body, |(b, _)| b);
    body.split("; ")
        .find_map(|p| p.strip_prefix("phase "))
        .filter(|p| p.contains('→'))
}

/// A record's text without its middle clauses (`process killed; restarts in 6.3s`).
fn short(text: &str) -> String {
    let parts: Vec<&str> = text.split("; ").collect();
    match parts.as_slice() {
        [first, .., last] if parts.len() > 2 => format!("{first}; {last}"),
        _ => text.to_string(),
    }
}

/// The markers of a run, in time order: kills (`Fault` records), restarts (a process that
/// starts again, or an action whose text names a restart), migration phase changes (VMIM
/// writes that changed `status.phase`) and the violation.
pub fn run_markers(out: &RunOutcome) -> Vec<RunMarker> {
    let mut started: Vec<&str> = Vec::new();
    let mut v = Vec::new();
    let secs = |t: crate::engine::SimTime| t.micros() as f64 / 1e6;
    for r in &out.trace {
        let (kind, label) = match r.cat {
            TraceCat::Fault => (MarkerKind::Kill, format!("{}: {}", r.actor, short(&r.text))),
            TraceCat::Start => {
                if started.contains(&r.actor.as_str()) {
                    (MarkerKind::Restart, format!("{} started again", r.actor))
                } else {
                    started.push(&r.actor);
                    continue;
                }
            }
            TraceCat::Action if r.text.to_lowercase().contains("restart") => {
                (MarkerKind::Restart, format!("{}: {}", r.actor, r.text))
            }
            TraceCat::Write
                if r.object
                    .as_ref()
                    .is_some_and(|o| o.kind == Kind::VirtualMachineInstanceMigration.name())
                    && (200..300).contains(&r.code) =>
            {
                let Some(p) = phase_change(&r.text) else {
                    continue;
                };
                let o = r.object.as_ref().expect("matched above");
                let name = format!("{}/{}", o.namespace, o.name);
                (MarkerKind::MigrationPhase, format!("migration {name} {p}"))
            }
            _ => continue,
        };
        v.push(RunMarker {
            at_s: secs(r.time),
            kind,
            label,
        });
    }
    if let Some(x) = &out.violation {
        v.push(RunMarker {
            at_s: secs(x.time),
            kind: MarkerKind::Violation,
            label: format!("VIOLATED {} (step {})", x.invariant, x.step),
        });
    }
    // Stable: records at one instant keep their trace order.
    v.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    v
}

/// The end of the time axis for a run: its end, or its violation if later.
pub fn run_end_s(out: &RunOutcome) -> f64 {
    let end = out
        .end
        .micros()
        .max(out.violation.as_ref().map_or(0, |v| v.time.micros()));
    end as f64 / 1e6
}

const WIDTH: u32 = 1400;
const LEGEND_W: u32 = 250;
const PANEL_H: u32 = 260;
const BLOCK_HEAD: u32 = 34;
const NUM_FONT: u32 = 14;

/// The Rancher base line: thin, grey, dashed, drawn over the fields so it shows where
/// `spec.hard` lies on it.
const BASE_COLOR: RGBColor = RGBColor(0x55, 0x55, 0x55);
const BASE_LEGEND: &str = "Rancher base";

fn base_style() -> ShapeStyle {
    BASE_COLOR.mix(0.9).stroke_width(1)
}

fn field_style(f: usize) -> (RGBColor, ShapeStyle, bool) {
    match f {
        0 => (TAB10[0], TAB10[0].mix(0.55).stroke_width(5), false),
        1 => (TAB10[1], TAB10[1].stroke_width(2), true),
        _ => (TAB10[2], TAB10[2].stroke_width(2), false),
    }
}

fn unit(r: Resource) -> (&'static str, f64) {
    if r.is_memory() {
        ("GiB", 1000.0 * 1024.0 * 1024.0 * 1024.0)
    } else {
        ("cores", 1000.0)
    }
}

/// The step line of one value of the points (a field, the base): segments of (seconds,
/// value) where the value is set, each value held until the next change and the last one
/// until `end_s`.
fn steps(
    points: &[QuotaPoint],
    value: impl Fn(&QuotaPoint) -> Option<i64>,
    scale: f64,
    end_s: f64,
) -> Vec<Vec<(f64, f64)>> {
    let mut segs: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    for p in points {
        let t = p.at_us as f64 / 1e6;
        if let Some(&(_, y)) = cur.last() {
            cur.push((t, y));
        }
        match value(p) {
            Some(m) => cur.push((t, m as f64 / scale)),
            None => {
                if !cur.is_empty() {
                    segs.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if let Some(&(t, y)) = cur.last() {
        cur.push((end_s.max(t), y));
        segs.push(cur);
    }
    segs
}

/// A polyline cut to the x window `[lo, hi]` (one piece per stretch inside it).
fn clip(seg: &[(f64, f64)], lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let mut out: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut cur: Vec<(f64, f64)> = Vec::new();
    let at = |a: (f64, f64), b: (f64, f64), x: f64| {
        if b.0 == a.0 {
            (x, b.1)
        } else {
            (x, a.1 + (b.1 - a.1) * (x - a.0) / (b.0 - a.0))
        }
    };
    for w in seg.windows(2) {
        let (a, b) = (w[0], w[1]);
        if b.0 < lo || a.0 > hi {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        let a2 = if a.0 < lo { at(a, b, lo) } else { a };
        let b2 = if b.0 > hi { at(a, b, hi) } else { b };
        if cur.last() != Some(&a2) {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            cur.push(a2);
        }
        cur.push(b2);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The stretch of time where things happen (value changes and markers other than the
/// violation), padded, when it is under a third of the run: the charts then get a detail
/// view of it under the whole-run view.
fn busy_window(series: &[QuotaSeries], markers: &[RunMarker], x_max: f64) -> Option<(f64, f64)> {
    let times = series
        .iter()
        .flat_map(|s| s.points.iter().skip(1).map(|p| p.at_us as f64 / 1e6))
        .chain(
            markers
                .iter()
                .filter(|m| m.kind != MarkerKind::Violation)
                .map(|m| m.at_s),
        );
    let (lo, hi) = times.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), t| {
        (lo.min(t), hi.max(t))
    });
    if lo > hi {
        return None;
    }
    let pad = ((hi - lo) * 0.05).max(0.5);
    let (lo, hi) = ((lo - pad).max(0.0), hi + pad);
    (hi - lo < x_max / 3.0).then_some((lo, hi))
}

/// One panel's time axis.
#[derive(Clone, Copy)]
struct View {
    lo: f64,
    hi: f64,
    detail: bool,
}

/// Draws the quota timeline; `end_s` is where the time axis ends (the run's end).
pub fn quota_timeline_svg(
    title: &str,
    series: &[QuotaSeries],
    end_s: f64,
    markers: &[RunMarker],
) -> Result<String, String> {
    let x_max = markers
        .iter()
        .map(|m| m.at_s)
        .fold(end_s, f64::max)
        .max(1e-3)
        * 1.02;
    let mut views = vec![View {
        lo: 0.0,
        hi: x_max,
        detail: false,
    }];
    if let Some((lo, hi)) = busy_window(series, markers, x_max) {
        views.push(View {
            lo,
            hi,
            detail: true,
        });
    }
    let panels = (RESOURCES.len() * views.len()) as u32;
    let nq = series.len().max(1) as u32;
    let block_h = BLOCK_HEAD + panels * PANEL_H;
    let list_h = marker_list_height(markers.len(), 2);
    let height = 50 + nq * block_h + list_h;
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (head, rest) = root.split_vertically(50);
        head.draw(&Text::new(
            title.to_string(),
            (WIDTH as i32 / 2, 16),
            TextStyle::from(("sans-serif", 22)).pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
        let (charts, list) = rest.split_vertically(nq * block_h);
        if series.is_empty() {
            charts
                .draw(&Text::new(
                    "no default ResourceQuota in this run",
                    (40, 40),
                    ("sans-serif", 18),
                ))
                .map_err(err)?;
        }
        let blocks = charts.split_evenly((nq as usize, 1));
        for (s, block) in series.iter().zip(&blocks) {
            quota_block(&root, block, s, end_s, &views, markers)?;
        }
        let entries: Vec<(RGBColor, f64, String)> = markers
            .iter()
            .map(|m| (m.kind.color(), m.at_s, m.label.clone()))
            .collect();
        draw_marker_list(&list, &entries, 2)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn quota_block<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    block: &DrawingArea<DB, Shift>,
    s: &QuotaSeries,
    end_s: f64,
    views: &[View],
    markers: &[RunMarker],
) -> Result<(), String> {
    let (head, body) = block.split_vertically(BLOCK_HEAD);
    head.draw(&Text::new(
        format!("ResourceQuota {}", s.key),
        (20, 8),
        ("sans-serif", 19).into_font().style(FontStyle::Bold),
    ))
    .map_err(err)?;
    let (panels, legend) = body.split_horizontally(WIDTH - LEGEND_W);
    let areas = panels.split_evenly((RESOURCES.len() * views.len(), 1));
    let mut areas = areas.iter();
    for view in views {
        for res in 0..RESOURCES.len() {
            let area = areas.next().expect("one area per panel");
            panel(root, area, s, res, end_s, *view, markers)?;
        }
    }
    draw_legend(&legend, markers)
}

fn panel<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    area: &DrawingArea<DB, Shift>,
    s: &QuotaSeries,
    res: usize,
    end_s: f64,
    view: View,
    markers: &[RunMarker],
) -> Result<(), String> {
    let r = RESOURCES[res];
    let (unit_name, scale) = unit(r);
    let y_top = s
        .points
        .iter()
        .flat_map(|p| p.values[res].iter().chain(&p.base[res..=res]).flatten())
        .map(|m| *m as f64 / scale)
        .fold(0.0, f64::max);
    let y_max = if y_top <= 0.0 { 1.0 } else { y_top * 1.18 };
    let caption = if view.detail {
        format!("{}, detail {:.1} s – {:.1} s", r.name(), view.lo, view.hi)
    } else {
        format!("{}, whole run", r.name())
    };
    area.draw(&Text::new(
        caption,
        (96, 4),
        ("sans-serif", 15).into_font().style(FontStyle::Italic),
    ))
    .map_err(err)?;
    let mut c = ChartBuilder::on(area)
        .margin_top(44)
        .margin_bottom(6)
        .margin_left(10)
        .margin_right(20)
        .x_label_area_size(48)
        .y_label_area_size(80)
        .build_cartesian_2d(view.lo..view.hi, 0.0..y_max)
        .map_err(err)?;
    let decimals = if y_max < 20.0 { 1 } else { 0 };
    let xd = tick_decimals(view.hi - view.lo);
    c.configure_mesh()
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.08))
        .x_desc("virtual time (s)")
        .y_desc(format!("{} ({unit_name})", r.name()))
        .label_style(("sans-serif", 15))
        .axis_desc_style(("sans-serif", 16))
        .x_label_formatter(&|x| fmt_tick(*x, xd))
        .y_label_formatter(&|y| fmt_tick(*y, decimals))
        .draw()
        .map_err(err)?;
    // Markers (those in view) under the data, numbered as in the list.
    let shown: Vec<(usize, &RunMarker)> = markers
        .iter()
        .enumerate()
        .filter(|(_, m)| m.at_s >= view.lo && m.at_s <= view.hi)
        .map(|(i, m)| (i + 1, m))
        .collect();
    for (_, m) in &shown {
        let pts = vec![(m.at_s, 0.0), (m.at_s, y_max)];
        if m.kind == MarkerKind::Violation {
            c.draw_series(LineSeries::new(pts, m.kind.style()))
                .map_err(err)?;
        } else {
            c.draw_series(DashedLineSeries::new(pts, 6, 4, m.kind.style()))
                .map_err(err)?;
        }
    }
    for f in 0..FIELDS.len() {
        let (_, style, dashed) = field_style(f);
        for seg in steps(&s.points, |p| p.values[res][f], scale, end_s) {
            for piece in clip(&seg, view.lo, view.hi) {
                if dashed {
                    c.draw_series(DashedLineSeries::new(piece, 8, 5, style))
                        .map_err(err)?;
                } else {
                    c.draw_series(LineSeries::new(piece, style)).map_err(err)?;
                }
            }
        }
    }
    for seg in steps(&s.points, |p| p.base[res], scale, end_s) {
        for piece in clip(&seg, view.lo, view.hi) {
            c.draw_series(DashedLineSeries::new(piece, 5, 4, base_style()))
                .map_err(err)?;
        }
    }
    let xs: Vec<(i32, usize)> = shown
        .iter()
        .map(|(n, m)| (c.backend_coord(&(m.at_s, y_max)).0, *n))
        .collect();
    let top = c.backend_coord(&(view.lo, y_max)).1;
    let screen = root.use_screen_coord();
    for (x, text) in marker_number_labels(&xs, NUM_FONT) {
        screen
            .draw(&Text::new(
                text,
                (x, top - 20),
                ("sans-serif", NUM_FONT).into_font().color(&BLACK),
            ))
            .map_err(err)?;
    }
    Ok(())
}

/// The legend column: the three fields and the Rancher base, then the marker kinds the run
/// has.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    markers: &[RunMarker],
) -> Result<(), String> {
    let font = ("sans-serif", 16);
    let mut y = 60;
    for (f, name) in FIELDS.iter().enumerate() {
        let (color, style, dashed) = field_style(f);
        if dashed {
            for k in 0..3 {
                let x0 = 12 + k * 14;
                area.draw(&PathElement::new(vec![(x0, y), (x0 + 8, y)], style))
                    .map_err(err)?;
            }
        } else {
            area.draw(&PathElement::new(vec![(12, y), (50, y)], style))
                .map_err(err)?;
        }
        area.draw(&Text::new(
            name.to_string(),
            (60, y - 9),
            ("sans-serif", 16).into_font().color(&color),
        ))
        .map_err(err)?;
        y += 28;
    }
    for k in 0..4 {
        let x0 = 12 + k * 10;
        area.draw(&PathElement::new(vec![(x0, y), (x0 + 5, y)], base_style()))
            .map_err(err)?;
    }
    area.draw(&Text::new(
        BASE_LEGEND,
        (60, y - 9),
        ("sans-serif", 16).into_font().color(&BASE_COLOR),
    ))
    .map_err(err)?;
    y += 28;
    y += 8;
    for k in MarkerKind::ALL {
        if !markers.iter().any(|m| m.kind == k) {
            continue;
        }
        let sample = ShapeStyle {
            stroke_width: 3,
            ..k.style()
        };
        area.draw(&PathElement::new(vec![(30, y - 11), (30, y + 11)], sample))
            .map_err(err)?;
        area.draw(&Text::new(k.legend(), (60, y - 9), font))
            .map_err(err)?;
        y += 28;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_cuts_step_lines_to_the_window() {
        let seg = vec![
            (0.0, 5.0),
            (10.0, 5.0),
            (10.0, 7.0),
            (30.0, 7.0),
            (30.0, 3.0),
            (90.0, 3.0),
        ];
        assert_eq!(
            clip(&seg, 5.0, 20.0),
            vec![vec![(5.0, 5.0), (10.0, 5.0), (10.0, 7.0), (20.0, 7.0)]]
        );
        assert_eq!(clip(&seg, 100.0, 200.0), Vec::<Vec<(f64, f64)>>::new());
        assert_eq!(clip(&seg, 0.0, 90.0), vec![seg.clone()]);
    }

    #[test]
    fn phase_change_reads_vmim_writes() {
        assert_eq!(
            phase_change("PUT status virtualmachineinstancemigrations.kubevirt.io ns1/vm1-x: phase Pending→Scheduling → 200 rv=1019"),
            Some("Pending→Scheduling")
        );
        assert_eq!(
            phase_change("PUT status virtualmachineinstancemigrations.kubevirt.io ns1/vm1-x: +condition migrationRejectedByResourceQuota; phase \"\"→Pending → 200 rv=9"),
            Some("\"\"→Pending")
        );
        assert_eq!(phase_change("PUT status virtualmachineinstancemigrations.kubevirt.io ns1/vm1-x → 409 Operation cannot be fulfilled"), None);
    }
}
