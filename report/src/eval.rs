//! The evaluation section, as TFMA's slicing browser shows it: the blessing
//! and the thresholds that failed; per slice spec a table of slices × metrics
//! (value and 95% interval) and, where there are several slices, each
//! metric's values with their intervals as error bars; for the overall slice
//! the ROC and precision-recall curves (from the confusion matrices at
//! thresholds: FPR = FP / (FP + TN), TPR = recall = TP / (TP + FN)) and the
//! calibration plot (mean prediction against mean label per bucket).

use std::collections::BTreeSet;

use serde::Serialize;
use tabx_analyze::{CalibrationBucket, ConfusionAtThreshold, EvalResult, MetricValue, SliceResult};

use crate::MAX_SLICES;
use crate::stats::Chart;
use crate::svg::{self, Interval, Line, short};

/// Metrics every slice has that the table shows as its own column.
const COUNTS: [&str; 2] = ["example_count", "weighted_example_count"];

#[derive(Debug, Serialize)]
pub struct EvalView {
    pub id: String,
    pub source: String,
    /// What was evaluated: label against prediction, and the task.
    pub model: String,
    pub blessed: bool,
    pub checks: u64,
    pub failures: Vec<FailureRow>,
    pub specs: Vec<SpecView>,
    pub plots: Vec<Chart>,
}

#[derive(Debug, Serialize)]
pub struct FailureRow {
    pub spec: String,
    pub slice: String,
    pub metric: String,
    pub value: String,
    pub threshold: String,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct SpecView {
    pub spec: String,
    pub metrics: Vec<String>,
    pub rows: Vec<SliceRow>,
    pub charts: Vec<Chart>,
    /// Slices past [`MAX_SLICES`], not shown.
    pub hidden: usize,
    pub suppressed: usize,
}

#[derive(Debug, Serialize)]
pub struct SliceRow {
    pub name: String,
    pub example_count: u64,
    pub cells: Vec<Cell>,
}

#[derive(Debug, Serialize)]
pub struct Cell {
    pub value: String,
    pub interval: String,
    /// Why there is no value.
    pub undefined: String,
    pub failed: bool,
}

pub fn view(index: usize, source: &str, eval: &EvalResult) -> EvalView {
    let failed = |spec: &str, slice: &str, metric: &str| {
        eval.validation.failures.iter().any(|f| f.spec == spec && f.slice == slice && f.metric == metric)
    };
    let specs = eval
        .slice_specs
        .iter()
        .map(|spec| {
            let metrics: Vec<String> = spec
                .slices
                .iter()
                .flat_map(|s| s.metrics.keys())
                .filter(|m| !COUNTS.contains(&m.as_str()))
                .cloned()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect();
            let shown = &spec.slices[..spec.slices.len().min(MAX_SLICES)];
            let rows = shown
                .iter()
                .map(|s| SliceRow {
                    name: s.name.clone(),
                    example_count: s.example_count,
                    cells: metrics.iter().map(|m| cell(s, m, failed(&spec.spec, &s.name, m))).collect(),
                })
                .collect();
            let charts = if shown.len() > 1 {
                metrics
                    .iter()
                    .map(|m| {
                        let rows: Vec<Interval> = shown
                            .iter()
                            .filter_map(|s| {
                                let r = s.metrics.get(m)?;
                                Some(Interval {
                                    label: s.name.clone(),
                                    value: r.value?,
                                    lower: r.lower_bound,
                                    upper: r.upper_bound,
                                    failed: failed(&spec.spec, &s.name, m),
                                })
                            })
                            .collect();
                        Chart {
                            caption: m.clone(),
                            svg: svg::intervals(&rows, &format!("{m} by slice of {}", spec.spec)),
                        }
                    })
                    .collect()
            } else {
                Vec::new()
            };
            SpecView {
                spec: spec.spec.clone(),
                metrics,
                rows,
                charts,
                hidden: spec.slices.len().saturating_sub(MAX_SLICES),
                suppressed: spec.suppressed.len(),
            }
        })
        .collect();
    let failures = eval
        .validation
        .failures
        .iter()
        .map(|f| FailureRow {
            spec: f.spec.clone(),
            slice: f.slice.clone(),
            metric: f.metric.clone(),
            value: f.value.map(short).unwrap_or_default(),
            threshold: f.threshold.clone(),
            reason: f.reason.clone(),
        })
        .collect();
    EvalView {
        id: format!("e-{index}"),
        source: source.to_string(),
        model: format!("{} against {} ({:?})", eval.config.prediction, eval.config.label, eval.config.task),
        blessed: eval.blessed,
        checks: eval.validation.checks,
        failures,
        specs,
        plots: eval.overall().map(plots).unwrap_or_default(),
    }
}

fn cell(slice: &SliceResult, metric: &str, failed: bool) -> Cell {
    let Some(r) = slice.metrics.get(metric) else {
        return Cell { value: String::new(), interval: String::new(), undefined: "not computed".into(), failed };
    };
    let interval = match (r.lower_bound, r.upper_bound) {
        (Some(l), Some(u)) => format!("[{}, {}]", short(l), short(u)),
        _ => String::new(),
    };
    Cell {
        value: r.value.map(short).unwrap_or_default(),
        interval,
        undefined: r.undefined.clone().unwrap_or_default(),
        failed,
    }
}

/// ROC, precision-recall and calibration charts of a slice's plots.
fn plots(slice: &SliceResult) -> Vec<Chart> {
    let mut charts = Vec::new();
    for value in slice.plots.values() {
        match value {
            MetricValue::ConfusionMatrices(m) => charts.extend(curves(m)),
            MetricValue::CalibrationPlot(b) => charts.push(calibration(b)),
            _ => {}
        }
    }
    charts
}

fn curves(matrices: &[ConfusionAtThreshold]) -> [Chart; 2] {
    // A ROC curve runs from (0, 0) (threshold above every score) to (1, 1)
    // (below every score) whatever thresholds the config asked for.
    let mut roc: Vec<(f64, f64)> = matrices
        .iter()
        .map(|m| (ratio(m.false_positives, m.false_positives + m.true_negatives), m.recall))
        .chain([(0.0, 0.0), (1.0, 1.0)])
        .collect();
    roc.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut pr: Vec<(f64, f64)> = matrices.iter().map(|m| (m.recall, m.precision)).collect();
    pr.sort_by(|a, b| a.0.total_cmp(&b.0));
    let line = |points, label: &str| Line { points, class: "a", label: label.into() };
    [
        Chart {
            caption: "ROC curve".into(),
            svg: svg::unit_chart(&[line(roc, "ROC")], "false positive rate", "true positive rate", true, "ROC curve"),
        },
        Chart {
            caption: "precision-recall curve".into(),
            svg: svg::unit_chart(
                &[line(pr, "precision-recall")],
                "recall",
                "precision",
                false,
                "precision-recall curve",
            ),
        },
    ]
}

/// Bins of the calibration plot: TFMA's fine buckets (1,000 by default) merged
/// into tenths of the prediction range, so each point stands on enough rows.
const CALIBRATION_BINS: usize = 10;

fn calibration(buckets: &[CalibrationBucket]) -> Chart {
    let mut bins = [(0.0, 0.0, 0.0); CALIBRATION_BINS];
    for b in buckets {
        let at = (b.lower_threshold_inclusive.clamp(0.0, 1.0) * CALIBRATION_BINS as f64) as usize;
        let bin = &mut bins[at.min(CALIBRATION_BINS - 1)];
        bin.0 += b.num_weighted_examples;
        bin.1 += b.total_weighted_refined_prediction;
        bin.2 += b.total_weighted_label;
    }
    let points = bins.iter().filter(|b| b.0 > 0.0).map(|&(n, prediction, label)| (prediction / n, label / n)).collect();
    let line = Line { points, class: "a", label: "calibration".into() };
    Chart {
        caption: "calibration".into(),
        svg: svg::unit_chart(&[line], "mean prediction", "mean label", true, "calibration plot"),
    }
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}
