//! The charts of the report, as inline SVG written here: histogram bars
//! (sparklines, and two datasets overlaid), line charts on the unit square
//! (ROC, precision-recall, calibration) and interval charts (a metric per
//! slice with its confidence interval). Plain SVG keeps the page free of any
//! script library and renders with scripting off.
//!
//! Every text that reaches a chart (feature names, values, slice names) goes
//! through [`escape`]: the charts are inserted into the page as they are, so
//! escaping here is what keeps an untrusted name from becoming markup.
//! Coordinates are numbers formatted here, never text from the input.

use std::fmt::Write;

/// `text` safe inside SVG/HTML text and double- or single-quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A number for a chart label or tooltip: up to 4 significant digits.
pub fn short(x: f64) -> String {
    significant(x, 4)
}

/// `x` with up to `digits` significant digits (trailing zeros dropped),
/// scientific notation outside 1e-4..1e9.
pub fn significant(x: f64, digits: u32) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "∞".into()
        } else {
            "−∞".into()
        };
    }
    if x == x.trunc() && x.abs() < 1e9 {
        return format!("{x:.0}");
    }
    let magnitude = x.abs().log10().floor();
    if !(-4.0..9.0).contains(&magnitude) {
        let decimals = digits.saturating_sub(1) as usize;
        return format!("{x:.decimals$e}");
    }
    let decimals = (f64::from(digits) - 1.0 - magnitude).max(0.0) as usize;
    let text = format!("{x:.decimals$}");
    if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
}

/// One bar of a histogram: `[low, high)` holding `count` values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bar {
    pub low: f64,
    pub high: f64,
    pub count: f64,
}

/// The bars of one dataset, drawn with a CSS class (`a`: the data, `b`: the baseline).
#[derive(Debug, Clone)]
pub struct Series<'a> {
    pub bars: &'a [Bar],
    pub class: &'static str,
    /// Named in tooltips (`train`, `eval`).
    pub label: &'a str,
}

/// Histogram bars of one or more series on one x axis. Bar heights are
/// densities (share of the series per unit of x), so series of different
/// sizes and bucket edges (two datasets' histograms) compare by shape.
/// Buckets with an infinite edge are drawn one neighbour's width wide.
pub fn histogram(series: &[Series<'_>], width: u32, height: u32, title: &str) -> String {
    let finite: Vec<f64> =
        series.iter().flat_map(|s| s.bars.iter().flat_map(|b| [b.low, b.high])).filter(|x| x.is_finite()).collect();
    let mut svg = open(width, height, title, "hist");
    let (Some(lo), Some(hi)) = (finite.iter().copied().reduce(f64::min), finite.iter().copied().reduce(f64::max))
    else {
        svg.push_str("</svg>");
        return svg;
    };
    let span = if hi > lo { hi - lo } else { 1.0 };
    let edge = |x: f64| {
        if x.is_finite() {
            x
        } else if x > 0.0 {
            hi
        } else {
            lo
        }
    };
    let drawn: Vec<Vec<(f64, f64, f64, &Bar)>> = series
        .iter()
        .map(|s| {
            let total: f64 = s.bars.iter().map(|b| b.count).sum::<f64>().max(f64::MIN_POSITIVE);
            s.bars
                .iter()
                .map(|b| {
                    let (x0, x1) = (edge(b.low), edge(b.high));
                    // A point mass (low == high) gets a sliver, not a zero-width bar.
                    let w = ((x1 - x0) / span).max(0.01);
                    (x0, w, b.count / total / w, b)
                })
                .collect()
        })
        .collect();
    let top = drawn.iter().flatten().map(|d| d.2).fold(0.0, f64::max).max(f64::MIN_POSITIVE);
    let (w, h) = (f64::from(width), f64::from(height) - 1.0);
    for (s, bars) in series.iter().zip(&drawn) {
        for &(x0, frac, density, bar) in bars {
            let bh = density / top * h;
            let _ = write!(
                svg,
                r#"<rect class="{}" x="{:.1}" y="{:.1}" width="{:.1}" height="{:.1}"><title>{}: [{}, {}) {}</title></rect>"#,
                s.class,
                (x0 - lo) / span * w,
                h - bh,
                (frac * w).max(0.5),
                bh,
                escape(s.label),
                short(bar.low),
                short(bar.high),
                short(bar.count),
            );
        }
    }
    let _ = write!(svg, r#"<line class="axis" x1="0" y1="{h:.1}" x2="{w:.1}" y2="{h:.1}"/></svg>"#);
    svg
}

/// A polyline on the unit square, with a CSS class.
#[derive(Debug, Clone)]
pub struct Line {
    pub points: Vec<(f64, f64)>,
    pub class: &'static str,
    pub label: String,
}

/// Lines on [0, 1]², axes labelled, optionally the diagonal (a random
/// classifier's ROC, a calibrated model's calibration).
pub fn unit_chart(lines: &[Line], x_label: &str, y_label: &str, diagonal: bool, title: &str) -> String {
    const SIZE: f64 = 220.0;
    const PAD: f64 = 34.0;
    let mut svg = open((SIZE + PAD + 8.0) as u32, (SIZE + PAD + 8.0) as u32, title, "chart");
    let x = |v: f64| PAD + v.clamp(0.0, 1.0) * SIZE;
    let y = |v: f64| 8.0 + (1.0 - v.clamp(0.0, 1.0)) * SIZE;
    let _ = write!(
        svg,
        r#"<rect class="frame" x="{PAD}" y="8" width="{SIZE}" height="{SIZE}"/><text class="label" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text><text class="label" x="10" y="{:.1}" text-anchor="middle" transform="rotate(-90 10 {:.1})">{}</text>"#,
        PAD + SIZE / 2.0,
        SIZE + PAD + 4.0,
        escape(x_label),
        8.0 + SIZE / 2.0,
        8.0 + SIZE / 2.0,
        escape(y_label),
    );
    for t in [0.0, 0.5, 1.0] {
        let _ = write!(
            svg,
            r#"<text class="tick" x="{:.1}" y="{:.1}" text-anchor="middle">{t}</text><text class="tick" x="{:.1}" y="{:.1}" text-anchor="end">{t}</text>"#,
            x(t),
            SIZE + 20.0,
            PAD - 3.0,
            y(t) + 3.0,
        );
    }
    if diagonal {
        let _ =
            write!(svg, r#"<line class="diagonal" x1="{}" y1="{}" x2="{}" y2="{}"/>"#, x(0.0), y(0.0), x(1.0), y(1.0));
    }
    for line in lines {
        let points: Vec<String> = line
            .points
            .iter()
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .map(|&(a, b)| format!("{:.1},{:.1}", x(a), y(b)))
            .collect();
        let _ = write!(
            svg,
            r#"<polyline class="{}" points="{}"><title>{}</title></polyline>"#,
            line.class,
            points.join(" "),
            escape(&line.label)
        );
        // Few points (a threshold or two): mark each, a lone one shows no line.
        if points.len() <= 50 {
            for p in &points {
                let (cx, cy) = p.split_once(',').unwrap_or_default();
                let _ = write!(svg, r#"<circle class="{}" cx="{cx}" cy="{cy}" r="3"/>"#, line.class);
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One row of an interval chart: a label, a value and its interval.
#[derive(Debug, Clone)]
pub struct Interval {
    pub label: String,
    pub value: f64,
    pub lower: Option<f64>,
    pub upper: Option<f64>,
    /// Drawn in the failure colour (a threshold failed on this slice).
    pub failed: bool,
}

/// A value per row with its confidence interval as an error bar, rows
/// labelled on the left, on one shared x axis.
pub fn intervals(rows: &[Interval], title: &str) -> String {
    const ROW: f64 = 18.0;
    const LABEL: f64 = 190.0;
    const PLOT: f64 = 300.0;
    let height = (rows.len() as f64 * ROW + 24.0) as u32;
    let mut svg = open((LABEL + PLOT + 16.0) as u32, height, title, "chart");
    let values = rows.iter().flat_map(|r| [Some(r.value), r.lower, r.upper]).flatten().filter(|v| v.is_finite());
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(v), b.max(v)));
    if !lo.is_finite() {
        svg.push_str("</svg>");
        return svg;
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let x = |v: f64| LABEL + 8.0 + (v - lo) / span * (PLOT - 16.0);
    for (i, r) in rows.iter().enumerate() {
        let cy = 12.0 + i as f64 * ROW;
        let class = if r.failed { "failed" } else { "ok" };
        let label: String = r.label.chars().take(32).collect();
        let _ = write!(
            svg,
            r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            LABEL,
            cy + 4.0,
            escape(&label)
        );
        if let (Some(l), Some(u)) = (r.lower, r.upper)
            && l.is_finite()
            && u.is_finite()
        {
            let _ =
                write!(svg, r#"<line class="{class}" x1="{:.1}" y1="{cy:.1}" x2="{:.1}" y2="{cy:.1}"/>"#, x(l), x(u));
        }
        if r.value.is_finite() {
            let interval = match (r.lower, r.upper) {
                (Some(l), Some(u)) => format!(" [{}, {}]", short(l), short(u)),
                _ => String::new(),
            };
            let _ = write!(
                svg,
                r#"<circle class="{class}" cx="{:.1}" cy="{cy:.1}" r="3.5"><title>{}: {}{}</title></circle>"#,
                x(r.value),
                escape(&r.label),
                short(r.value),
                interval
            );
        }
    }
    let axis = f64::from(height) - 8.0;
    let _ = write!(
        svg,
        r#"<text class="tick" x="{:.1}" y="{axis:.1}" text-anchor="start">{}</text><text class="tick" x="{:.1}" y="{axis:.1}" text-anchor="end">{}</text></svg>"#,
        x(lo),
        short(lo),
        x(hi),
        short(hi)
    );
    svg
}

fn open(width: u32, height: u32, title: &str, class: &str) -> String {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="{class}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{}">"#,
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_everywhere() {
        let evil = "<script>alert('x')</script>&\"";
        let bars = [Bar { low: 0.0, high: 1.0, count: 3.0 }];
        let svg = histogram(&[Series { bars: &bars, class: "a", label: evil }], 100, 20, evil);
        let rows = [Interval { label: evil.into(), value: 1.0, lower: Some(0.5), upper: Some(2.0), failed: false }];
        let lines = [Line { points: vec![(0.0, 0.0), (1.0, 1.0)], class: "a", label: evil.into() }];
        for svg in [svg, intervals(&rows, evil), unit_chart(&lines, evil, evil, true, evil)] {
            assert!(!svg.contains("<script") && !svg.contains("'x'") && !svg.contains("&\""), "{svg}");
            assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"), "{svg}");
        }
    }

    #[test]
    fn bar_heights_are_densities() {
        // Two buckets of equal count, the second twice as wide: half the height.
        let bars = [Bar { low: 0.0, high: 1.0, count: 10.0 }, Bar { low: 1.0, high: 3.0, count: 10.0 }];
        let svg = histogram(&[Series { bars: &bars, class: "a", label: "x" }], 300, 51, "t");
        assert!(svg.contains(r#"x="0.0" y="0.0" width="100.0" height="50.0""#), "{svg}");
        assert!(svg.contains(r#"x="100.0" y="25.0" width="200.0" height="25.0""#), "{svg}");
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(15002.0), "15002");
        assert_eq!(short(0.123456), "0.1235");
        assert_eq!(short(38.88772), "38.89");
        assert_eq!(short(1.5e-7), "1.500e-7");
        assert_eq!(short(f64::NEG_INFINITY), "−∞");
    }
}
