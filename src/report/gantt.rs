//! A Gantt chart as SVG, from plain data (the upgrade of a cluster: one row per node, per VM
//! and per migration): each row's spans coloured by state, a legend mapping state → colour
//! (colours given in order of first appearance, so the same data always gets the same
//! colours), the x axis in virtual time (s), and markers as numbered vertical lines listed
//! under the chart.

use super::plot::{
    draw_marker_list, ellipsize, err, marker_list_height, marker_number_labels, text_px,
    tick_decimals, TAB10,
};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// One row of the chart: a node, a VM, a migration.
#[derive(Clone, PartialEq, Debug)]
pub struct GanttRow {
    pub label: String,
    pub spans: Vec<GanttSpan>,
}

/// The row is in `state` from `start_s` to `end_s` (virtual seconds).
#[derive(Clone, PartialEq, Debug)]
pub struct GanttSpan {
    pub start_s: f64,
    pub end_s: f64,
    pub state: String,
}

/// A vertical line at `at_s` (an upgrade step, a kill, the violation).
#[derive(Clone, PartialEq, Debug)]
pub struct GanttMarker {
    pub at_s: f64,
    pub label: String,
}

const WIDTH: u32 = 1400;
const ROW_H: u32 = 38;
const LEGEND_H: u32 = 34;
const NUM_FONT: u32 = 14;
const LABEL_FONT: u32 = 15;
const MARKER: RGBColor = RGBColor(0x30, 0x30, 0x30);

/// Relative luminance (0 dark .. 1 light), to choose black or white text on a colour.
fn luminance(c: RGBColor) -> f64 {
    (0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64) / 255.0
}

/// The states in order of first appearance (rows in order, spans in order), with their
/// colours.
pub fn state_colors(rows: &[GanttRow]) -> Vec<(String, RGBColor)> {
    let mut v: Vec<(String, RGBColor)> = Vec::new();
    for s in rows.iter().flat_map(|r| &r.spans) {
        if !v.iter().any(|(n, _)| n == &s.state) {
            let c = TAB10[v.len() % TAB10.len()];
            v.push((s.state.clone(), c));
        }
    }
    v
}

/// Draws the chart: rows top to bottom in the given order.
pub fn gantt_svg(
    title: &str,
    rows: &[GanttRow],
    markers: &[GanttMarker],
) -> Result<String, String> {
    let colors = state_colors(rows);
    let color_of = |state: &str| {
        colors
            .iter()
            .find(|(n, _)| n == state)
            .map(|(_, c)| *c)
            .unwrap_or(BLACK)
    };
    let mut markers: Vec<&GanttMarker> = markers.iter().collect();
    markers.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
    let n = rows.len().max(1) as i32;
    let chart_h = n as u32 * ROW_H + 26 + 48 + 10;
    let list_h = marker_list_height(markers.len(), 2);
    let height = 50 + LEGEND_H + chart_h + list_h;
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
        let (legend, rest) = rest.split_vertically(LEGEND_H);
        draw_state_legend(&legend, &colors, label_w as i32 + 10)?;
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
            .x_label_formatter(&|x| format!("{x:.xd$}"))
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

/// One line of `■ state` entries, wrapping onto nothing: states past the width are cut
/// with a `+N more` note.
fn draw_state_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    colors: &[(String, RGBColor)],
    x0: i32,
) -> Result<(), String> {
    let (w, _) = area.dim_in_pixel();
    let mut x = x0;
    for (i, (state, color)) in colors.iter().enumerate() {
        let need = 22 + text_px(state, LABEL_FONT) + 24;
        if x + need > w as i32 - 120 && i + 1 < colors.len() {
            area.draw(&Text::new(
                format!("+{} more", colors.len() - i),
                (x, 8),
                ("sans-serif", LABEL_FONT),
            ))
            .map_err(err)?;
            break;
        }
        area.draw(&Rectangle::new([(x, 8), (x + 16, 24)], color.filled()))
            .map_err(err)?;
        area.draw(&Text::new(
            state.clone(),
            (x + 22, 8),
            ("sans-serif", LABEL_FONT),
        ))
        .map_err(err)?;
        x += need;
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

    #[test]
    fn colours_follow_first_appearance() {
        let c = state_colors(&rows());
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["Running", "Upgrading", "Migrating", "Stopped"]);
        assert_eq!(c[0].1, TAB10[0]);
        assert_eq!(c[3].1, TAB10[3]);
    }

    #[test]
    fn gantt_has_rows_legend_markers_and_is_deterministic() {
        let svg = gantt_svg("upgrade v1.4.1 → v1.4.2", &rows(), &markers()).unwrap();
        let texts: Vec<String> = svg
            .split("<text")
            .skip(1)
            .map(|t| {
                let body = &t[t.find('>').unwrap() + 1..];
                body[..body.find("</text>").unwrap()].trim().to_string()
            })
            .collect();
        for want in [
            "upgrade v1.4.1 → v1.4.2",
            "node1",
            "repo VM",
            "migration ns1/repo-vm-x7k2p",
            "Upgrading",
            "Stopped",
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
            gantt_svg("upgrade v1.4.1 → v1.4.2", &rows(), &markers()).unwrap()
        );
        insta::with_settings!({snapshot_path => "../../snapshots", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!("gantt_small", svg);
        });
    }

    #[test]
    fn gantt_without_rows_or_markers_still_draws() {
        let svg = gantt_svg("empty", &[], &[]).unwrap();
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
    }
}
