//! Plots as SVG (plotters' SVG backend: text is written as `<text>` elements, so no system
//! fonts are needed to draw or to view them). Only the sweep summary for now.

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

fn err(e: impl std::fmt::Display) -> String {
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
        .build_cartesian_2d((0..n).into_segmented(), 0u64..ymax + ymax / 10)
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
        c.configure_series_labels()
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
    let ymax = counts.iter().copied().max().unwrap_or(0) as f64 + 1.0;
    let mut c = ChartBuilder::on(area)
        .caption(caption, ("sans-serif", 16))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(55)
        .build_cartesian_2d(lo..hi, 0.0..ymax * 1.1)
        .map_err(err)?;
    c.configure_mesh()
        .disable_x_mesh()
        .x_desc(x_desc)
        .y_desc("violating runs")
        .y_label_formatter(&|y| format!("{y:.0}"))
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
        .border_style(BLACK)
        .background_style(WHITE.mix(0.9))
        .draw()
        .map_err(err)?;
    Ok(())
}

/// Writes `svg` to `path` through a temporary file, so a failure leaves no partial file.
pub fn write(path: &str, svg: &str) -> std::io::Result<()> {
    let tmp = format!("{path}.tmp-{}", std::process::id());
    std::fs::write(&tmp, svg)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
