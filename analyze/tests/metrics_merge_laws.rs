//! The merge laws of `MetricState` (STYLE.md "Tests"): re-batched, sharded
//! and merged in any order, through `*.partial` bytes and with empty states,
//! the state is `==` to one pass over the whole input, and so is every
//! metric, bit for bit, weighted or not.

use tabx_analyze::{MetricOptions, MetricState, MetricValue, Task, metrics_for};
use tabx_core::testing::check_merge_laws;

/// (label, prediction, weight)
type Row = (f64, f64, f64);

fn options() -> MetricOptions {
    MetricOptions { exact_auc: true, thresholds: vec![0.3, 0.5], calibration_buckets: 100, ..MetricOptions::default() }
}

fn update(state: &mut MetricState, rows: &[Row]) {
    let labels: Vec<f64> = rows.iter().map(|r| r.0).collect();
    let predictions: Vec<f64> = rows.iter().map(|r| r.1).collect();
    let weights: Vec<f64> = rows.iter().map(|r| r.2).collect();
    state.add(&labels, &predictions, &weights, &options());
}

/// Equal states, and every metric of both tasks equal (NaN-free, so `==` is bitwise).
fn assert_same(got: &MetricState, want: &MetricState, how: &str) {
    assert_eq!(got, want, "state differs on path `{how}`");
    for task in [Task::Regression, Task::Binary] {
        for metric in metrics_for(task, &options()) {
            let (g, w) = (metric.compute(got, &options()), metric.compute(want, &options()));
            if let (MetricValue::Scalar(a), MetricValue::Scalar(b)) = (&g, &w) {
                assert_eq!(a.to_bits(), b.to_bits(), "{} on path `{how}`", metric.name());
            }
            assert_eq!(g, w, "{} on path `{how}`", metric.name());
        }
    }
}

/// A deterministic spread of values in [0, 1) (Weyl sequence).
fn weyl(i: usize, step: f64) -> f64 {
    (i as f64 * step).fract()
}

fn binary_rows(n: usize, weighted: bool) -> Vec<Row> {
    (0..n)
        .map(|i| {
            let p = weyl(i, 0.6180339887498949);
            let y = f64::from(u8::from(weyl(i, 0.7548776662466927) < p));
            // Weights like trip miles: not dyadic, so f64 sums would depend on order.
            let w = if weighted { 0.1 + 3.7 * weyl(i, 0.5698402909980532) } else { 1.0 };
            (y, p, w)
        })
        .collect()
}

#[test]
fn binary_unweighted() {
    check_merge_laws(&binary_rows(3000, false), update, assert_same);
}

#[test]
fn binary_weighted() {
    // 3,000 spread predictions: the histogram turns dense on some paths only.
    check_merge_laws(&binary_rows(3000, true), update, assert_same);
}

#[test]
fn binary_small_slices_stay_sparse() {
    check_merge_laws(&binary_rows(40, true), update, assert_same);
    check_merge_laws(&binary_rows(1, true), update, assert_same);
    check_merge_laws(&[] as &[Row], update, assert_same);
}

#[test]
fn regression_weighted_and_unweighted() {
    for weighted in [false, true] {
        let rows: Vec<Row> = (0..2000)
            .map(|i| {
                let y = 2.5 + 80.0 * weyl(i, 0.6180339887498949);
                let p = y + 7.0 * (weyl(i, 0.7548776662466927) - 0.5);
                let w = if weighted { 0.1 + 3.7 * weyl(i, 0.5698402909980532) } else { 1.0 };
                (if i % 97 == 0 { 0.0 } else { y }, p, w)
            })
            .collect();
        check_merge_laws(&rows, update, assert_same);
    }
}
