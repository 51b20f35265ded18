//! A Gantt chart as SVG, from plain data (the upgrade of a cluster: one row per node, per VM
//! and per migration): each row's spans coloured by state, a legend mapping state → colour
//! (one line per family of states, wrapped so every state shows), the x axis in virtual time
//! (s), and markers as numbered vertical lines listed under the chart.
//!
//! Colours are fixed by the caller (`StateGroup`s: the upgrade's are in `upgrade_plot`), so a
//! state has the same colour in every chart whatever order the states appear in. A state in
//! no group gets one of `OTHER` in order of first appearance and is listed under "other".

use super::plot::{
    draw_marker_list, ellipsize, err, fmt_tick, marker_list_height, marker_number_labels, text_px,
    tick_decimals,
};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One row of the chart: a node, a VM, a migration.
#[derive(Clone, PartialEq, Debug)]
pub struct GanttRow {
    /// The row's label, left of the chart (`node1`, `vm repo`).
    pub label: String,
    /// The row's states over time, in time order.
    pub spans: Vec<GanttSpan>,
}

/// The row is in `state` from `start_s` to `end_s` (virtual seconds).
#[derive(Clone, PartialEq, Debug)]
pub struct GanttSpan {
    /// When the state began, in virtual seconds.
    pub start_s: f64,
    /// When it ended, in virtual seconds.
    pub end_s: f64,
    /// The state's name (its legend entry and colour).
    pub state: String,
}

/// A vertical line at `at_s` (an upgrade step, a kill, the violation).
#[derive(Clone, PartialEq, Debug)]
pub struct GanttMarker {
    /// When, in virtual seconds.
    pub at_s: f64,
    /// The line's label.
    pub label: String,
}

/// A family of states (a node's upgrade states, the repo's, a migration's phases) and the
/// fixed colour of each, in legend order.
#[derive(Clone, PartialEq, Debug)]
pub struct StateGroup {
    /// The family's name, as the legend titles it.
    pub name: &'static str,
    /// Each state's name and colour.
    pub states: Vec<(&'static str, RGBColor)>,
}

/// Colours for states in no group: greys and muted tones, away from the upgrade's families.
pub const OTHER: [RGBColor; 6] = [
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x63, 0x79, 0x39),
    RGBColor(0xbd, 0xbd, 0xbd),
];

/// A virtual time in seconds, as the charts' x axes count.
pub(crate) fn secs(t: crate::engine::SimTime) -> f64 {
    t.micros() as f64 / 1e6
}

/// Where a sampled chart ends: a little after its last change or at `at_least` (the
/// violation), and no later than the run.
pub(crate) fn chart_end(last_change: f64, at_least: f64, run_end: f64) -> f64 {
    (last_change * 1.05 + 10.0).max(at_least).min(run_end)
}

/// One row being sampled: its closed spans and the state it is in since when.
#[derive(Clone)]
pub(crate) struct Track {
    pub(crate) label: String,
    spans: Vec<GanttSpan>,
    pub(crate) open: Option<(String, f64)>,
}

impl Track {
    pub(crate) fn new(label: String) -> Self {
        Track {
            label,
            spans: Vec::new(),
            open: None,
        }
    }

    /// True when the state changed.
    pub(crate) fn set(&mut self, state: Option<&str>, at: f64) -> bool {
        if self.open.as_ref().map(|(s, _)| s.as_str()) == state {
            return false;
        }
        if let Some((s, start)) = self.open.take() {
            if at > start {
                self.spans.push(GanttSpan {
                    start_s: start,
                    end_s: at,
                    state: s,
                });
            }
        }
        self.open = state.map(|s| (s.to_string(), at));
        true
    }

    /// The row, its open span closed at `end`.
    pub(crate) fn row(mut self, end: f64) -> GanttRow {
        self.set(None, end);
        GanttRow {
            label: self.label,
            spans: self.spans,
        }
    }
}

const WIDTH: u32 = 1400;
const ROW_H: u32 = 38;
const LEGEND_LINE: u32 = 24;
const NUM_FONT: u32 = 14;
const LABEL_FONT: u32 = 15;
const MARKER: RGBColor = RGBColor(0x30, 0x30, 0x30);

/// Relative luminance (0 dark .. 1 light), to choose black or white text on a colour.
fn luminance(c: RGBColor) -> f64 {
    (0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64) / 255.0
}

/// The legend of these rows: per group, the states the rows have (in the group's order,
/// with the group's colours), then `other` for states in no group (in order of first
/// appearance, coloured from `OTHER` skipping the groups' colours). Groups with no state
/// in the rows are left out.
pub fn state_colors(
    rows: &[GanttRow],
    groups: &[StateGroup],
) -> Vec<(&'static str, Vec<(String, RGBColor)>)> {
    let present = |state: &str| rows.iter().flat_map(|r| &r.spans).any(|s| s.state == state);
    let mut legend: Vec<(&'static str, Vec<(String, RGBColor)>)> = groups
        .iter()
        .map(|g| {
            let states = g
                .states
                .iter()
                .filter(|(s, _)| present(s))
                .map(|(s, c)| (s.to_string(), *c))
                .collect();
            (g.name, states)
        })
        .filter(|(_, states): &(_, Vec<_>)| !states.is_empty())
        .collect();
    let used: Vec<RGBColor> = groups
        .iter()
        .flat_map(|g| g.states.iter().map(|(_, c)| *c))
        .collect();
    let spare: Vec<RGBColor> = OTHER.into_iter().filter(|c| !used.contains(c)).collect();
    let mut other: Vec<(String, RGBColor)> = Vec::new();
    for s in rows.iter().flat_map(|r| &r.spans) {
        let known = groups
            .iter()
            .any(|g| g.states.iter().any(|(n, _)| *n == s.state));
        if !known && !other.iter().any(|(n, _)| *n == s.state) {
            let c = spare
                .get(other.len() % spare.len().max(1))
                .copied()
                .unwrap_or(BLACK);
            other.push((s.state.clone(), c));
        }
    }
    if !other.is_empty() {
        legend.push(("other", other));
    }
    legend
}

/// Where each legend entry goes: one line per group, wrapped onto further lines when the
/// entries do not fit in `width` from `x0`. Returns, per line, the group name (on its first
/// line only) and the entries as (x, state, colour).
type LegendLine = (Option<&'static str>, Vec<(i32, String, RGBColor)>);

fn legend_layout(
    legend: &[(&'static str, Vec<(String, RGBColor)>)],
    x0: i32,
    width: i32,
) -> Vec<LegendLine> {
    let mut lines: Vec<LegendLine> = Vec::new();
    for (group, states) in legend {
        let mut line: LegendLine = (Some(group), Vec::new());
        let mut x = x0;
        for (state, color) in states {
            let need = 22 + text_px(state, LABEL_FONT) + 24;
            if x + need > width && !line.1.is_empty() {
                lines.push(std::mem::take(&mut line));
                x = x0;
            }
            line.1.push((x, state.clone(), *color));
            x += need;
        }
        lines.push(line);
    }
    lines
}

/// Draws the chart: rows top to bottom in the given order, states coloured by `groups`.
pub fn gantt_svg(
    title: &str,
    rows: &[GanttRow],
    markers: &[GanttMarker],
    groups: &[StateGroup],
) -> Result<String, String> {
    let legend = state_colors(rows, groups);
    let color_of = |state: &str| {
        legend
            .iter()
            .flat_map(|(_, states)| states)
            .find(|(n, _)| n == state)
            .map(|(_, c)| *c)
            .unwrap_or(BLACK)
    };
    let mut markers: Vec<&GanttMarker> = markers.iter().collect();
    markers.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    let n = rows.len().max(1) as i32;
    let chart_h = n as u32 * ROW_H + 26 + 48 + 10;
    let list_h = marker_list_height(markers.len(), 2);
    let x_end = rows
        .iter()
        .flat_map(|r| &r.spans)
        .map(|s| s.end_s.max(s.start_s))
        .chain(markers.iter().map(|m| m.at_s))
        .fold(0.0, f64::max);
    let x_max = if x_end <= 0.0 { 1.0 } else { x_end * 1.02 };
    let labels: Vec<String> = rows.iter().map(|r| ellipsize(&r.label, 32)).collect();
    let label_w = labels
        .iter()
        .map(|l| text_px(l, LABEL_FONT))
        .max()
        .unwrap_or(40)
        .clamp(40, 320) as u32
        + 20;
    let legend_x0 = label_w as i32 + 10;
    let legend_lines = legend_layout(&legend, legend_x0, WIDTH as i32 - 30);
    let legend_h = legend_lines.len() as u32 * LEGEND_LINE + 10;
    let height = 50 + legend_h + chart_h + list_h;
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
        let (legend_area, rest) = rest.split_vertically(legend_h);
        draw_state_legend(&legend_area, &legend_lines, legend_x0)?;
        let (chart_area, list) = rest.split_vertically(chart_h);
        let nf = n as f64;
        let xd = tick_decimals(x_max);
        let mut c = ChartBuilder::on(&chart_area)
            .margin_top(26)
            .margin_bottom(10)
            .margin_left(10)
            .margin_right(30)
            .x_label_area_size(48)
            .y_label_area_size(label_w)
            .build_cartesian_2d(0.0..x_max, 0.0..nf)
            .map_err(err)?;
        c.configure_mesh()
            .disable_y_mesh()
            .y_labels(0)
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.08))
            .x_desc("virtual time (s)")
            .label_style(("sans-serif", LABEL_FONT))
            .axis_desc_style(("sans-serif", 16))
            .x_label_formatter(&|x| fmt_tick(*x, xd))
            .draw()
            .map_err(err)?;
        let screen = root.use_screen_coord();
        // States written inside their spans, drawn over the marker lines.
        let mut inside: Vec<(String, (i32, i32), RGBColor)> = Vec::new();
        // Row i spans y from n-1-i to n-i: row 0 at the top.
        for (i, row) in rows.iter().enumerate() {
            let y0 = nf - 1.0 - i as f64;
            let (left, mid) = c.backend_coord(&(0.0, y0 + 0.5));
            screen
                .draw(&Text::new(
                    labels[i].clone(),
                    (left - 10, mid),
                    TextStyle::from(("sans-serif", LABEL_FONT))
                        .pos(Pos::new(HPos::Right, VPos::Center)),
                ))
                .map_err(err)?;
            for s in &row.spans {
                let color = color_of(&s.state);
                let end = s.end_s.max(s.start_s);
                let mut bar = Rectangle::new([(s.start_s, y0), (end, y0 + 1.0)], color.filled());
                bar.set_margin(6, 6, 0, 0);
                c.draw_series(std::iter::once(bar)).map_err(err)?;
                // The state's name inside the span when it fits.
                let x0 = c.backend_coord(&(s.start_s, y0)).0;
                let x1 = c.backend_coord(&(end, y0)).0;
                if x1 - x0 > text_px(&s.state, 13) + 8 {
                    let ink = if luminance(color) > 0.5 { BLACK } else { WHITE };
                    inside.push((s.state.clone(), ((x0 + x1) / 2, mid), ink));
                }
            }
        }
        for m in &markers {
            c.draw_series(DashedLineSeries::new(
                vec![(m.at_s, 0.0), (m.at_s, nf)],
                6,
                4,
                MARKER.stroke_width(2),
            ))
            .map_err(err)?;
        }
        for (text, at, ink) in inside {
            screen
                .draw(&Text::new(
                    text,
                    at,
                    ("sans-serif", 13)
                        .into_font()
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                ))
                .map_err(err)?;
        }
        if !markers.is_empty() {
            let xs: Vec<(i32, usize)> = markers
                .iter()
                .enumerate()
                .map(|(i, m)| (c.backend_coord(&(m.at_s, nf)).0, i + 1))
                .collect();
            let top = c.backend_coord(&(0.0, nf)).1;
            for (x, text) in marker_number_labels(&xs, NUM_FONT) {
                screen
                    .draw(&Text::new(
                        text,
                        (x, top - 20),
                        ("sans-serif", NUM_FONT).into_font().color(&MARKER),
                    ))
                    .map_err(err)?;
            }
        }
        let entries: Vec<(RGBColor, f64, String)> = markers
            .iter()
            .map(|m| (MARKER, m.at_s, m.label.clone()))
            .collect();
        draw_marker_list(&list, &entries, 2)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The legend lines: the group's name right-aligned before its first line (under the row
/// labels' column), then `■ state` entries.
fn draw_state_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    lines: &[LegendLine],
    x0: i32,
) -> Result<(), String> {
    for (i, (group, entries)) in lines.iter().enumerate() {
        let y = 4 + i as i32 * LEGEND_LINE as i32;
        if let Some(g) = group {
            area.draw(&Text::new(
                g.to_string(),
                (x0 - 10, y + 8),
                ("sans-serif", LABEL_FONT)
                    .into_font()
                    .style(FontStyle::Italic)
                    .color(&RGBColor(0x50, 0x50, 0x50))
                    .pos(Pos::new(HPos::Right, VPos::Center)),
            ))
            .map_err(err)?;
        }
        for (x, state, color) in entries {
            area.draw(&Rectangle::new([(*x, y), (x + 16, y + 16)], color.filled()))
                .map_err(err)?;
            area.draw(&Text::new(
                state.clone(),
                (x + 22, y),
                ("sans-serif", LABEL_FONT),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(a: f64, b: f64, s: &str) -> GanttSpan {
        GanttSpan {
            start_s: a,
            end_s: b,
            state: s.into(),
        }
    }

    fn rows() -> Vec<GanttRow> {
        vec![
            GanttRow {
                label: "node1".into(),
                spans: vec![
                    span(0.0, 40.0, "Running"),
                    span(40.0, 95.0, "Upgrading"),
                    span(95.0, 200.0, "Running"),
                ],
            },
            GanttRow {
                label: "node2".into(),
                spans: vec![
                    span(0.0, 110.0, "Running"),
                    span(110.0, 170.0, "Upgrading"),
                    span(170.0, 200.0, "Running"),
                ],
            },
            GanttRow {
                label: "repo VM".into(),
                spans: vec![
                    span(0.0, 30.0, "Running"),
                    span(30.0, 42.0, "Migrating"),
                    span(42.0, 120.0, "Running"),
                    span(120.0, 126.0, "Stopped"),
                    span(126.0, 200.0, "Running"),
                ],
            },
            GanttRow {
                label: "migration ns1/repo-vm-x7k2p".into(),
                spans: vec![span(30.0, 42.0, "Migrating")],
            },
        ]
    }

    fn markers() -> Vec<GanttMarker> {
        vec![
            GanttMarker {
                at_s: 30.0,
                label: "node1 drained".into(),
            },
            GanttMarker {
                at_s: 31.0,
                label: "harvester killed".into(),
            },
            GanttMarker {
                at_s: 150.0,
                label: "VIOLATED migration-completes".into(),
            },
        ]
    }

    const UP: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);
    const BUSY: RGBColor = RGBColor(0x08, 0x51, 0x9c);
    const MOVING: RGBColor = RGBColor(0xfd, 0x8d, 0x3c);

    fn groups() -> Vec<StateGroup> {
        vec![
            StateGroup {
                name: "node",
                states: vec![("Upgrading", BUSY), ("Running", UP)],
            },
            StateGroup {
                name: "vm",
                states: vec![("Migrating", MOVING), ("Paused", RGBColor(1, 2, 3))],
            },
        ]
    }

    #[test]
    fn colours_are_fixed_by_state_whatever_order_the_states_appear_in() {
        let c = state_colors(&rows(), &groups());
        let mut reversed = rows();
        reversed.reverse();
        for r in &mut reversed {
            r.spans.reverse();
        }
        assert_eq!(state_colors(&reversed, &groups()), c);
        assert_eq!(
            c,
            vec![
                (
                    "node",
                    vec![("Upgrading".to_string(), BUSY), ("Running".to_string(), UP)]
                ),
                ("vm", vec![("Migrating".to_string(), MOVING)]),
                ("other", vec![("Stopped".to_string(), OTHER[0])]),
            ],
            "groups in order, absent states (Paused) left out, unknown ones under other"
        );
    }

    #[test]
    fn states_in_no_group_take_colours_no_group_uses() {
        let g = vec![StateGroup {
            name: "g",
            states: vec![("a", OTHER[0])],
        }];
        let rows = vec![GanttRow {
            label: "r".into(),
            spans: vec![
                span(0.0, 1.0, "b"),
                span(1.0, 2.0, "a"),
                span(2.0, 3.0, "c"),
            ],
        }];
        let c = state_colors(&rows, &g);
        assert_eq!(c[1].0, "other");
        assert_eq!(
            c[1].1,
            vec![("b".to_string(), OTHER[1]), ("c".to_string(), OTHER[2])]
        );
    }

    #[test]
    fn the_legend_wraps_and_never_drops_a_state() {
        let states: Vec<String> = (0..24)
            .map(|i| format!("a rather long state {i}"))
            .collect();
        let rows = vec![GanttRow {
            label: "r".into(),
            spans: states
                .iter()
                .enumerate()
                .map(|(i, s)| span(i as f64, i as f64 + 1.0, s))
                .collect(),
        }];
        let svg = gantt_svg("many", &rows, &[], &[]).unwrap();
        let texts = svg_texts(&svg);
        for s in &states {
            assert!(texts.contains(s), "missing {s}");
        }
        assert!(!texts.iter().any(|t| t.contains("more")), "{texts:?}");
        let lines = legend_layout(&state_colors(&rows, &[]), 100, 1370);
        assert!(lines.len() > 2, "{} lines", lines.len());
        assert!(lines
            .iter()
            .all(|(_, e)| e.iter().all(|(x, _, _)| *x < 1370)));
    }

    fn svg_texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .map(|t| {
                let body = &t[t.find('>').unwrap() + 1..];
                body[..body.find("</text>").unwrap()].trim().to_string()
            })
            .collect()
    }

    #[test]
    fn gantt_has_rows_legend_markers_and_is_deterministic() {
        let svg = gantt_svg("upgrade v1.4.1 → v1.4.2", &rows(), &markers(), &groups()).unwrap();
        let texts = svg_texts(&svg);
        for want in [
            "upgrade v1.4.1 → v1.4.2",
            "node1",
            "repo VM",
            "migration ns1/repo-vm-x7k2p",
            "Upgrading",
            "Stopped",
            "node",
            "other",
            "virtual time (s)",
            "VIOLATED migration-completes",
            "1–2",
            "3",
        ] {
            assert!(
                texts.iter().any(|t| t == want),
                "missing {want} in {texts:?}"
            );
        }
        assert_eq!(
            svg,
            gantt_svg("upgrade v1.4.1 → v1.4.2", &rows(), &markers(), &groups()).unwrap()
        );
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("gantt_small", svg);
        });
    }

    #[test]
    fn gantt_without_rows_or_markers_still_draws() {
        let svg = gantt_svg("empty", &[], &[], &[]).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}
