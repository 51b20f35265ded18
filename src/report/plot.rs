//! Plots as SVG (plotters' SVG backend: text is written as `<text>` elements, so no system
//! fonts are needed to draw or to view them): the sweep summary, and the helpers the run
//! plots share (`quota_plot`, `gantt`): numbered marker labels that never overlap and the
//! list of markers under a chart.

use crate::explore::sweep::SeedResult;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
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
/// and of the virtual time (seconds) each violating run took to fail (histograms with bins of
/// a round width, whole steps for the steps), each bar stacked by invariant in the bar
/// chart's colours. When every run held, the histograms show how long the runs were instead
/// (in green), and the bar panel says that nothing was violated.
pub fn sweep_summary_svg(title: &str, results: &[SeedResult]) -> Result<String, String> {
    let mut by_inv: BTreeMap<&str, u64> = BTreeMap::new();
    for r in results {
        if let Some(inv) = &r.invariant {
            *by_inv.entry(inv.as_str()).or_insert(0) += 1;
        }
    }
    let names: Vec<&str> = by_inv.keys().copied().collect();
    let held = by_inv.is_empty();
    // (series, value): the series is the invariant's index, or 0 for a run that held.
    let mut steps = Vec::new();
    let mut secs = Vec::new();
    for r in results {
        let series = match &r.invariant {
            Some(inv) => names.iter().position(|n| *n == inv.as_str()),
            None if held => Some(0),
            None => None,
        };
        if let Some(i) = series {
            steps.push((i, r.steps as f64));
            secs.push((i, r.end_us as f64 / 1e6));
        }
    }
    let series: Vec<(String, RGBColor)> = if held {
        vec![("runs that held".to_string(), HELD)]
    } else {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), PALETTE[i % PALETTE.len()]))
            .collect()
    };
    let violating: u64 = by_inv.values().sum();
    let mut buf = String::new();
    {
        let root = SVGBackend::with_string(&mut buf, (1500, 450)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let headline = if held {
            format!("{title}: all {} runs held", results.len())
        } else {
            format!("{title}: {} runs, {violating} violating", results.len())
        };
        let root = root.titled(&headline, ("sans-serif", 20)).map_err(err)?;
        let panels = root.split_evenly((1, 3));
        bars(&panels[0], &by_inv, results.len())?;
        let (caps, until) = if held {
            (
                ["steps per run", "virtual time per run"],
                "the end of the run",
            )
        } else {
            (
                ["steps to violation", "virtual time to violation"],
                "the violation",
            )
        };
        histogram(
            &panels[1],
            caps[0],
            &format!("steps (events) until {until}"),
            &steps,
            &series,
            Unit::Steps,
        )?;
        histogram(
            &panels[2],
            caps[1],
            &format!("virtual time until {until} (s)"),
            &secs,
            &series,
            Unit::Seconds,
        )?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

/// The colour of runs that held.
const HELD: RGBColor = RGBColor(0x2c, 0xa0, 0x2c);

/// The y axis of a summary panel: whole runs, labelled at about ten round values, with a
/// light grid at those values only.
fn runs_mesh<DB: DrawingBackend>(
    c: &mut ChartContext<'_, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    x_desc: &str,
    y_desc: &str,
    x_label: &dyn Fn(&f64) -> String,
    x_labels: usize,
) -> Result<(), String> {
    let ymax = c.y_range().end;
    c.configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_labels(x_labels)
        .x_label_formatter(x_label)
        .y_labels((ymax as usize + 1).min(11))
        .y_label_formatter(&|y| {
            if (y - y.round()).abs() < 1e-9 {
                format!("{y:.0}")
            } else {
                String::new()
            }
        })
        .max_light_lines(0)
        .bold_line_style(BLACK.mix(0.1))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Room above the highest bar for the legend: the top third of the y range.
fn runs_y_max(top: u64) -> f64 {
    let top = top + 1;
    (top + top / 2 + 1) as f64
}

fn bars<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    by_inv: &BTreeMap<&str, u64>,
    runs: usize,
) -> Result<(), String> {
    if by_inv.is_empty() {
        // No axes to read: the panel says what the sweep found.
        let (w, h) = area.dim_in_pixel();
        let style = TextStyle::from(("sans-serif", 18))
            .color(&HELD)
            .pos(Pos::new(HPos::Center, VPos::Center));
        area.draw(&Text::new(
            format!("no invariant violated in {runs} runs"),
            (w as i32 / 2, h as i32 / 2),
            style,
        ))
        .map_err(err)?;
        return Ok(());
    }
    let n = by_inv.len().max(1) as f64;
    let ymax = runs_y_max(by_inv.values().copied().max().unwrap_or(0));
    // One slot per invariant, x from 0 to n: invariant i's bar over [i, i + 1], labelled at
    // its centre (plotters' segmented axes add a slot after the last value).
    let mut c = ChartBuilder::on(area)
        .caption("violations per invariant", ("sans-serif", 16))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(0.0..n, 0.0..ymax)
        .map_err(err)?;
    runs_mesh(&mut c, "invariant", "violating runs", &|_| String::new(), 0)?;
    let slot_px = c.backend_coord(&(1.0, 0.0)).0 - c.backend_coord(&(0.0, 0.0)).0;
    let gap = (slot_px / 5).clamp(6, 60) as u32;
    for (i, (name, k)) in by_inv.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let x = i as f64;
        let mut bar = Rectangle::new([(x, 0.0), (x + 1.0, *k as f64)], color.filled());
        bar.set_margin(0, 0, gap, gap);
        c.draw_series(std::iter::once(bar))
            .map_err(err)?
            .label(format!("{name}: {k} run{}", if *k == 1 { "" } else { "s" }))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
        // The invariant's name under its bar, where a tick label would be.
        c.plotting_area()
            .draw(
                &(EmptyElement::at((x + 0.5, 0.0))
                    + Text::new(
                        name.to_string(),
                        (0, 8),
                        TextStyle::from(("sans-serif", 12)).pos(Pos::new(HPos::Center, VPos::Top)),
                    )),
            )
            .map_err(err)?;
    }
    // Above the bars: the y range leaves the top third free for it.
    c.configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// What a histogram counts: whole steps, or seconds of virtual time.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Unit {
    Steps,
    Seconds,
}

/// Histogram bins: `count` bins of width `width` from `start`.
#[derive(Clone, Copy, PartialEq, Debug)]
struct Bins {
    start: f64,
    width: f64,
    count: usize,
}

/// At most this many bins (a round width gives between about 5 and 12).
const MAX_BINS: usize = 12;

/// Bins of the smallest round width (1, 2, 2.5 or 5 times a power of ten) that covers the
/// values in at most `MAX_BINS` bins, starting at a multiple of the width. `whole` values
/// (steps) get a whole width, so each bin is a range of whole numbers and every edge a whole
/// number; other values get bins at least 1 wide when they all happen to be whole.
fn round_bins(values: &[f64], whole: bool) -> Bins {
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let (lo, hi) = if values.is_empty() {
        (0.0, 0.0)
    } else {
        (lo, hi)
    };
    let min_width: f64 = if whole || values.iter().all(|v| v.fract() == 0.0) {
        1.0
    } else {
        1e-3
    };
    let bins_of = |w: f64| {
        let start = (lo / w).floor() * w;
        let count = ((hi - start) / w).floor() as usize + 1;
        Bins {
            start,
            width: w,
            count,
        }
    };
    let mut exp = min_width.log10().floor() as i32;
    loop {
        for m in [1.0, 2.0, 2.5, 5.0] {
            let w = m * 10f64.powi(exp);
            if w < min_width - 1e-12 || (whole && w.fract() != 0.0) {
                continue;
            }
            let b = bins_of(w);
            if b.count <= MAX_BINS {
                return b;
            }
        }
        exp += 1;
    }
}

/// A number as a tick or a bin width shows it: no decimals when whole, else as few as it
/// needs (at most three).
fn fmt_num(x: f64) -> String {
    fmt_tick(x, 3)
}

fn histogram<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
    x_desc: &str,
    values: &[(usize, f64)],
    series: &[(String, RGBColor)],
    unit: Unit,
) -> Result<(), String> {
    let plain: Vec<f64> = values.iter().map(|(_, v)| *v).collect();
    let bins = round_bins(&plain, unit == Unit::Steps);
    // counts[bin][series]
    let mut counts = vec![vec![0u64; series.len().max(1)]; bins.count];
    for (s, v) in values {
        let i = ((v - bins.start) / bins.width).floor().max(0.0) as usize;
        counts[i.min(bins.count - 1)][*s] += 1;
    }
    // One bin alone fills the panel: a free bin's width either side shows its edges.
    let pad = if bins.count < 3 { bins.width } else { 0.0 };
    let x_lo = bins.start - pad;
    let x_hi = bins.start + bins.width * bins.count as f64 + pad;
    let top = counts
        .iter()
        .map(|c| c.iter().sum::<u64>())
        .max()
        .unwrap_or(0);
    let ymax = runs_y_max(top);
    let mut c = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(x_lo..x_hi, 0.0..ymax)
        .map_err(err)?;
    // Steps are whole: a tick between two whole numbers gets no label.
    let x_label = |x: &f64| {
        if unit == Unit::Steps && (x - x.round()).abs() > 1e-9 {
            String::new()
        } else {
            fmt_num(*x)
        }
    };
    let y_desc = if series.len() == 1 && series[0].1 == HELD {
        "runs"
    } else {
        "violating runs"
    };
    runs_mesh(&mut c, x_desc, y_desc, &x_label, 8)?;
    let unit_name = match unit {
        Unit::Steps => "steps",
        Unit::Seconds => "s",
    };
    for (si, (name, color)) in series.iter().enumerate() {
        let color = *color;
        // Stacked: series si sits on the counts of the series before it.
        let bars: Vec<Rectangle<(f64, f64)>> = counts
            .iter()
            .enumerate()
            .filter(|(_, k)| k[si] > 0)
            .map(|(i, k)| {
                let below: u64 = k[..si].iter().sum();
                let x0 = bins.start + bins.width * i as f64;
                let mut bar = Rectangle::new(
                    [
                        (x0, below as f64),
                        (x0 + bins.width, (below + k[si]) as f64),
                    ],
                    color.filled(),
                );
                bar.set_margin(0, 0, 1, 1);
                bar
            })
            .collect();
        let n: u64 = counts.iter().map(|k| k[si]).sum();
        c.draw_series(bars)
            .map_err(err)?
            .label(format!("{name} ({n})"))
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
    }
    // The bin width, once, as the last legend line.
    c.draw_series(std::iter::empty::<Rectangle<(f64, f64)>>())
        .map_err(err)?
        .label(format!("bins of {} {unit_name}", fmt_num(bins.width)))
        .legend(|(x, y)| EmptyElement::at((x, y)));
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

/// A tick label with at most `decimals` decimals and no trailing zeros (`350`, not
/// `350.0`; `27.5`).
pub(crate) fn fmt_tick(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.')
    } else {
        &s
    };
    if s == "-0" {
        "0".to_string()
    } else {
        s.to_string()
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

/// Writes `svg` to `path` atomically (see `report::output`): a failure at any point
/// leaves no partial file under either name.
pub fn write(path: &str, svg: &str) -> std::io::Result<()> {
    super::output::write_atomic(std::path::Path::new(path), svg.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bins_of_whole_values_are_whole_and_round() {
        let steps: Vec<f64> = [412.0, 450.0, 470.0, 601.0, 780.0].to_vec();
        let b = round_bins(&steps, true);
        assert_eq!(
            b,
            Bins {
                start: 400.0,
                width: 50.0,
                count: 8
            }
        );
        // A small spread still gets bins one step wide, never fractional.
        let b = round_bins(&[7.0, 8.0, 9.0], true);
        assert_eq!((b.start, b.width, b.count), (7.0, 1.0, 3));
        let b = round_bins(&[187.0, 187.0], true);
        assert_eq!((b.start, b.width, b.count), (187.0, 1.0, 1));
        assert_eq!(round_bins(&[], true).count, 1);
        // Where seconds would take 2.5, steps skip to 5.
        let b = round_bins(&[305.0, 330.0], true);
        assert_eq!((b.start, b.width, b.count), (305.0, 5.0, 6));
        let b = round_bins(&[305.0, 330.0], false);
        assert_eq!((b.start, b.width, b.count), (305.0, 2.5, 11));
    }

    #[test]
    fn bins_of_fractional_values_take_a_round_width() {
        let b = round_bins(&[1.25, 1.5, 2.75], false);
        assert!(
            (b.start - 1.2).abs() < 1e-9 && (b.width - 0.2).abs() < 1e-9,
            "{b:?}"
        );
        assert_eq!(b.count, 8);
        for v in [1.25, 1.5, 2.75] {
            assert!(v >= b.start && v < b.start + b.width * b.count as f64);
        }
    }

    #[test]
    fn ticks_print_no_pointless_decimals() {
        assert_eq!(fmt_tick(350.0, 1), "350");
        assert_eq!(fmt_tick(27.5, 1), "27.5");
        assert_eq!(fmt_tick(0.25, 3), "0.25");
        assert_eq!(fmt_tick(-0.0001, 2), "0");
        assert_eq!(fmt_tick(450.0, 0), "450");
        assert_eq!(fmt_num(2.5), "2.5");
    }
}
