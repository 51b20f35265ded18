//! Plots as SVG (plotters' SVG backend: text is written as `<text>` elements, so no system
//! fonts are needed to draw or to view them): the sweep summary, and the helpers the run
//! plots share (`quota_plot`, `gantt`): numbered marker labels that never overlap and the
//! list of markers under a chart.

use crate::explore::sweep::SeedResult;
use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;
use std::collections::BTreeMap;

const PALETTE: [RGBColor; 6] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
];

pub(crate) fn err(e: impl std::fmt::Display) -> String {
    format!("cannot draw the plot: {e}")
}

/// The sweep summary: violating runs per invariant (bars), and the distribution of the steps
/// and of the virtual time (seconds) each violating run took to fail (histograms of 10 bins).
pub fn sweep_summary_svg(title: &str, results: &[SeedResult]) -> Result<String, String> {
    let mut by_inv: BTreeMap<&str, u64> = BTreeMap::new();
    let mut steps = Vec::new();
    let mut secs = Vec::new();
    for r in results {
        if let Some(inv) = &r.invariant {
            *by_inv.entry(inv.as_str()).or_insert(0) += 1;
            steps.push(r.steps as f64);
            secs.push(r.end_us as f64 / 1e6);
        }
    }
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1500, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let root = root
            .titled(
                &format!("{title}: {} runs, {} violating", results.len(), steps.len()),
                ("sans-serif", 20),
            )
            .map_err(err)?;
        let panels = root.split_evenly((1, 3));
        bars(&panels[0], &by_inv)?;
        histogram(
            &panels[1],
            "steps to violation",
            "steps (events) until the violation",
            &steps,
        )?;
        histogram(
            &panels[2],
            "virtual time to violation",
            "virtual time until the violation (s)",
            &secs,
        )?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    by_inv: &BTreeMap<&str, u64>,
) -> Result<(), String> {
    let names: Vec<&str> = by_inv.keys().copied().collect();
    let n = names.len().max(1) as i32;
    let ymax = by_inv.values().copied().max().unwrap_or(0) + 1;
    let mut c = ChartBuilder::on(area)
        .caption("violations per invariant", ("sans-serif", 16))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d((0..n).into_segmented(), 0u64..ymax + ymax / 2 + 1)
        .map_err(err)?;
    let label = |v: &SegmentValue<i32>| match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => names
            .get(*i as usize)
            .map(|s| s.to_string())
            .unwrap_or_default(),
        SegmentValue::Last => String::new(),
    };
    c.configure_mesh()
        .disable_x_mesh()
        .x_desc("invariant")
        .y_desc("violating runs")
        .x_label_formatter(&label)
        .draw()
        .map_err(err)?;
    for (i, (name, k)) in by_inv.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let mut bar = Rectangle::new(
            [
                (SegmentValue::Exact(i as i32), 0),
                (SegmentValue::Exact(i as i32 + 1), *k),
            ],
            color.filled(),
        );
        bar.set_margin(0, 0, 12, 12);
        c.draw_series(std::iter::once(bar))
            .map_err(err)?
            .label(format!("{name}: {k} runs"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    if by_inv.is_empty() {
        area.draw(&Text::new(
            "no violations",
            (
                area.dim_in_pixel().0 as i32 / 2 - 40,
                area.dim_in_pixel().1 as i32 / 2,
            ),
            ("sans-serif", 16),
        ))
        .map_err(err)?;
    } else {
        // Above the bars: the y range leaves the top third free for it.
        c.configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .border_style(BLACK)
            .background_style(WHITE.mix(0.9))
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

fn histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
    x_desc: &str,
    values: &[f64],
) -> Result<(), String> {
    const BINS: usize = 10;
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if values.is_empty() {
        (0.0, 1.0)
    } else if hi - lo < 1e-9 {
        (lo - 0.5, hi + 0.5)
    } else {
        (lo, hi)
    };
    let w = (hi - lo) / BINS as f64;
    let mut counts = [0u64; BINS];
    for v in values {
        counts[(((v - lo) / w) as usize).min(BINS - 1)] += 1;
    }
    let top = counts.iter().copied().max().unwrap_or(0) + 1;
    // The top third is left free for the legend.
    let ymax = (top + top / 2 + 1) as f64;
    let mut c = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(lo..hi, 0.0..ymax)
        .map_err(err)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc)
        .y_desc("violating runs")
        // Whole runs only: one label per integer when few, else plotters' choice.
        .y_labels((ymax as usize + 1).min(11))
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() < 1e-9 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .max_light_lines(0)
        .draw()
        .map_err(err)?;
    let color = PALETTE[0];
    c.draw_series(
        counts
            .iter()
            .enumerate()
            .filter(|(_, k)| **k > 0)
            .map(|(i, k)| {
                let x0 = lo + w * i as f64;
                let mut bar = Rectangle::new([(x0, 0.0), (x0 + w, *k as f64)], color.filled());
                bar.set_margin(0, 0, 1, 1);
                bar
            }),
    )
    .map_err(err)?
    .label(format!("violating runs ({}), bins of {w:.1}", values.len()))
    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Ten distinguishable colours (matplotlib's tab10), for states and series.
pub(crate) const TAB10: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// A generous estimate of the width in pixels of `s` in sans-serif at plotters font size
/// `size` (the SVG backend writes `font-size` as `size / 1.24`).
pub(crate) fn text_px(s: &str, size: u32) -> i32 {
    (s.chars().count() as f64 * size as f64 / 1.24 * 0.62).ceil() as i32
}

/// `s` cut to at most `max` characters, with an ellipsis when cut.
pub(crate) fn ellipsize(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Decimals for tick labels over a range `span` wide (about ten ticks).
pub(crate) fn tick_decimals(span: f64) -> usize {
    if span >= 20.0 {
        0
    } else if span >= 2.0 {
        1
    } else {
        2
    }
}

/// Seconds of virtual time as the marker lists print them.
pub(crate) fn fmt_secs(s: f64) -> String {
    format!("{s:.3} s")
}

/// The labels of numbered vertical markers, given as (pixel column, number) in order:
/// markers closer than their label's width share one label (`3–5`), so no two labels
/// overlap. Returns (left pixel, text) per label.
pub(crate) fn marker_number_labels(xs: &[(i32, usize)], size: u32) -> Vec<(i32, String)> {
    let mut groups: Vec<(i32, usize, usize)> = Vec::new(); // (left px, first, last)
    let text = |a: usize, b: usize| {
        if a == b {
            format!("{a}")
        } else {
            format!("{a}–{b}")
        }
    };
    for &(x, n) in xs {
        if let Some(g) = groups.last_mut() {
            let right = g.0 + text_px(&text(g.1, g.2), size) + 4;
            if x - 2 < right {
                g.2 = n;
                continue;
            }
        }
        groups.push((x - 2, n, n));
    }
    groups
        .into_iter()
        .map(|(x, a, b)| (x, text(a, b)))
        .collect()
}

/// Font size of the marker lists.
pub(crate) const LIST_FONT: u32 = 15;
const LIST_ROW: u32 = 19;

/// The height the list of `n` markers takes in `columns` columns (with its heading).
pub(crate) fn marker_list_height(n: usize, columns: usize) -> u32 {
    if n == 0 {
        return 0;
    }
    let rows = n.div_ceil(columns.max(1)) as u32;
    30 + rows * LIST_ROW + 8
}

/// The numbered list of markers (`3   21.319 s   kill cattle-cluster-agent`), each in its
/// marker's colour, column after column.
pub(crate) fn draw_marker_list<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    entries: &[(RGBColor, f64, String)],
    columns: usize,
) -> Result<(), String> {
    if entries.is_empty() {
        return Ok(());
    }
    let columns = columns.max(1);
    let rows = entries.len().div_ceil(columns);
    let (w, _) = area.dim_in_pixel();
    let col_w = (w as i32 - 20) / columns as i32;
    area.draw(&Text::new(
        "markers (numbers at the top of the vertical lines)",
        (10, 6),
        ("sans-serif", LIST_FONT + 1)
            .into_font()
            .style(FontStyle::Bold),
    ))
    .map_err(err)?;
    let num_w = text_px(&format!("{}", entries.len()), LIST_FONT) + 10;
    let time_w = text_px("0000.000 s", LIST_FONT) + 12;
    let max_chars =
        ((col_w - num_w - time_w - 12) as f64 / (LIST_FONT as f64 / 1.24 * 0.62)).max(8.0) as usize;
    for (i, (color, at, label)) in entries.iter().enumerate() {
        let (col, row) = (i / rows, i % rows);
        let x = 10 + col as i32 * col_w;
        let y = 30 + row as i32 * LIST_ROW as i32;
        let style = ("sans-serif", LIST_FONT).into_font().color(color);
        area.draw(&Text::new(format!("{}", i + 1), (x, y), style.clone()))
            .map_err(err)?;
        area.draw(&Text::new(fmt_secs(*at), (x + num_w, y), style.clone()))
            .map_err(err)?;
        area.draw(&Text::new(
            ellipsize(label, max_chars),
            (x + num_w + time_w, y),
            style,
        ))
        .map_err(err)?;
    }
    Ok(())
}

/// Writes `svg` to `path` through a temporary file in the same directory (synced, then
/// renamed), so a failure at any point leaves no partial file under either name.
pub fn write(path: &str, svg: &str) -> std::io::Result<()> {
    use std::io::Write;
    let p = std::path::Path::new(path);
    let name = p
        .file_name()
        .ok_or_else(|| std::io::Error::other("a file name, not a directory"))?;
    let tmp = p.with_file_name(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let written = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(svg.as_bytes())?;
        f.sync_all()?;
        std::fs::rename(&tmp, p)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}
