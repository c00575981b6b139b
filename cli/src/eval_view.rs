//! The readable summary printed after `tabx evaluate`: one table per slice
//! spec, slices sorted worst first by one metric, failing thresholds marked,
//! suppressed slices counted, then the verdict.

use std::cmp::Ordering;
use std::collections::HashSet;
use std::fmt::Write;

use crate::summary::count;
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use tabx_analyze::{EvalResult, MetricResult, SliceResult, SpecResult, Task, metrics_for};

/// The metrics shown per task, the first one sorting the slices by default.
fn shown_metrics(task: Task) -> &'static [&'static str] {
    match task {
        Task::Regression => &["root_mean_squared_error", "mean_absolute_error", "r_squared", "calibration"],
        Task::Binary => &["auc", "auc_precision_recall", "binary_accuracy", "calibration"],
    }
}

/// Every table of `result` and its verdict, as text.
pub fn eval_tables(result: &EvalResult, sort_by: Option<&str>, top: usize) -> String {
    let task = result.config.task;
    let mut metrics: Vec<&str> = shown_metrics(task).to_vec();
    let sort_by = sort_by.unwrap_or(metrics[0]);
    if !metrics.contains(&sort_by) {
        metrics.insert(0, sort_by);
    }
    // Which way is worse, from the metric's own definition.
    let registry = metrics_for(task, &result.config.metrics);
    let higher_is_better = registry.iter().find(|m| m.name() == sort_by).and_then(|m| m.higher_is_better());
    let failing: HashSet<(&str, &str)> =
        result.validation.failures.iter().map(|f| (f.slice.as_str(), f.metric.as_str())).collect();

    let mut out = String::new();
    for spec in &result.slice_specs {
        let _ = writeln!(out, "{}", spec_title(spec, sort_by, higher_is_better));
        let mut slices: Vec<&SliceResult> = spec.slices.iter().collect();
        slices.sort_by(|a, b| worst_first(a, b, sort_by, higher_is_better));
        let mut table = Table::new();
        table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
        let mut header = vec!["slice".to_string(), "examples".to_string()];
        header.extend(metrics.iter().map(|m| m.to_string()));
        table.set_header(header);
        for slice in slices.iter().take(top) {
            let mut row = vec![Cell::new(&slice.name), Cell::new(slice.example_count)];
            for metric in &metrics {
                let mut text = slice.metrics.get(*metric).map_or_else(|| "-".to_string(), metric_cell);
                if failing.contains(&(slice.name.as_str(), *metric)) {
                    text.push_str(" ✗");
                }
                row.push(Cell::new(text));
            }
            table.add_row(row);
        }
        for column in 1..metrics.len() + 2 {
            if let Some(c) = table.column_mut(column) {
                c.set_cell_alignment(CellAlignment::Right);
            }
        }
        let _ = writeln!(out, "{table}");
        // Why a shown metric is undefined, once per reason.
        let mut reasons: Vec<(&str, &str)> = Vec::new();
        for slice in slices.iter().take(top) {
            for metric in &metrics {
                if let Some(why) = slice.metrics.get(*metric).and_then(|m| m.undefined.as_deref())
                    && !reasons.iter().any(|(_, w)| *w == why)
                {
                    reasons.push((metric, why));
                }
            }
        }
        for (metric, why) in reasons {
            let _ = writeln!(out, "  undefined {metric} (and others): {why}");
        }
        let left_out: u64 = spec.slices.iter().map(|s| s.rows_left_out.total()).sum();
        if spec.spec == "overall" && left_out > 0 {
            let r = &spec.slices[0].rows_left_out;
            let _ = writeln!(
                out,
                "  {} left out, not scored: {} without a label, {} without a prediction, {} without a \
                 baseline prediction (counted per slice in eval.json)",
                count(left_out, "row", "rows"),
                r.missing_label,
                r.missing_prediction,
                r.missing_baseline_prediction
            );
        }
        if slices.len() > top {
            let _ = writeln!(out, "  ... and {} more slices in eval.json (--top N shows more)", slices.len() - top);
        }
        if !spec.suppressed.is_empty() {
            let rows: u64 = spec.suppressed.iter().map(|s| s.example_count).sum();
            let small = spec.suppressed.iter().filter(|s| s.reason.contains("min_slice_size")).count();
            let _ = writeln!(
                out,
                "  {} suppressed ({} examples; {} below min_slice_size {}, {} past max_slices {}): listed in eval.json",
                count(spec.suppressed.len() as u64, "slice", "slices"),
                rows,
                small,
                result.config.min_slice_size,
                spec.suppressed.len() - small,
                result.config.max_slices,
            );
        }
        out.push('\n');
    }
    out.push_str(&verdict(result));
    out
}

fn spec_title(spec: &SpecResult, sort_by: &str, higher_is_better: Option<bool>) -> String {
    if spec.spec == "overall" {
        return "overall".to_string();
    }
    let order = match higher_is_better {
        Some(true) => format!("lowest {sort_by} first"),
        Some(false) => format!("highest {sort_by} first"),
        None => format!("by {sort_by}"),
    };
    format!("sliced by {} ({}, {order})", spec.spec, count(spec.slices.len() as u64, "slice", "slices"))
}

/// `value [lower, upper]`, or why the metric is undefined.
fn metric_cell(m: &MetricResult) -> String {
    match (m.value, &m.undefined) {
        (Some(v), _) => match (m.lower_bound, m.upper_bound) {
            (Some(lo), Some(hi)) => format!("{} [{}, {}]", short(v), short(lo), short(hi)),
            _ => short(v),
        },
        (None, Some(_)) => "undefined".to_string(),
        (None, None) => "-".to_string(),
    }
}

/// Undefined values last; ties by name.
fn worst_first(a: &SliceResult, b: &SliceResult, metric: &str, higher_is_better: Option<bool>) -> Ordering {
    let value = |s: &SliceResult| s.metrics.get(metric).and_then(|m| m.value);
    match (value(a), value(b)) {
        (Some(x), Some(y)) => {
            let o = x.total_cmp(&y);
            let o = if higher_is_better == Some(false) { o.reverse() } else { o };
            o.then_with(|| a.name.cmp(&b.name))
        }
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => a.name.cmp(&b.name),
    }
}

fn verdict(result: &EvalResult) -> String {
    let v = &result.validation;
    if result.config.thresholds.is_empty() {
        return "no thresholds configured: nothing to bless (add thresholds: to the config)\n".to_string();
    }
    let mut out = if result.blessed {
        format!("BLESSED: {} passed\n", count(v.checks, "threshold check", "threshold checks"))
    } else {
        let checks = count(v.checks, "threshold check", "threshold checks");
        format!("NOT BLESSED: {} of {checks} failed\n", v.failures.len())
    };
    for f in &v.failures {
        let value = f.value.map_or_else(|| "undefined".to_string(), short);
        let _ = writeln!(out, "  ✗ {} / {}: {} = {} ({}): {}", f.spec, f.slice, f.metric, value, f.threshold, f.reason);
    }
    if v.suppressed_slices_not_checked > 0 {
        let _ = writeln!(out, "  ({} suppressed slices have no metrics to check)", v.suppressed_slices_not_checked);
    }
    out
}

/// Four significant digits, plain or scientific.
fn short(x: f64) -> String {
    if x != 0.0 && (x.abs() >= 1e6 || x.abs() < 1e-3) { format!("{x:.3e}") } else { format!("{:.4}", x) }
        .trim_end_matches('0')
        .trim_end_matches('.')
        .to_string()
}
