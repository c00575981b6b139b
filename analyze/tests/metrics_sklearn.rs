//! The metrics against scikit-learn 1.9.1 on fixed data, unweighted and with
//! `sample_weight`. Every expected number was printed by
//! `/work/venv-bench/bin/python` with the call named beside it; the script
//! is the data below, fed to `sklearn.metrics`.

use tabx_analyze::{MetricOptions, MetricState, MetricValue, Task, metrics_for};

fn value(task: Task, name: &str, state: &MetricState, options: &MetricOptions) -> f64 {
    let metric = metrics_for(task, options).into_iter().find(|m| m.name() == name).expect(name);
    match metric.compute(state, options) {
        MetricValue::Scalar(x) => x,
        other => panic!("{name}: {other:?}"),
    }
}

fn state(labels: &[f64], predictions: &[f64], weights: Option<&[f64]>, options: &MetricOptions) -> MetricState {
    let ones = vec![1.0; labels.len()];
    let mut s = MetricState::default();
    s.add(labels, predictions, weights.unwrap_or(&ones), options);
    s
}

fn close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!((got - want).abs() <= tolerance * want.abs().max(1.0), "{what}: got {got}, want {want}");
}

const Y: [f64; 12] = [3.0, -0.5, 2.0, 7.0, 4.2, 1.5, 10.0, 0.3, 5.5, 2.2, 8.1, 6.0];
const P: [f64; 12] = [2.5, 0.0, 2.0, 8.0, 3.9, 2.5, 9.0, 0.1, 6.0, 2.0, 7.0, 6.6];
const W: [f64; 12] = [1.0, 2.0, 0.5, 1.5, 3.0, 0.25, 1.0, 2.0, 0.75, 1.0, 4.0, 0.5];

#[test]
fn regression_metrics_match_sklearn() {
    let options = MetricOptions::default();
    // (tabx name, sklearn unweighted, sklearn with sample_weight=W)
    let cases = [
        // sklearn.metrics.mean_squared_error(y, p[, sample_weight=w])
        ("mean_squared_error", 0.45749999999999985, 0.5198571428571427),
        // np.sqrt(sklearn.metrics.mean_squared_error(...))
        ("root_mean_squared_error", 0.676387462923434, 0.7210111946822619),
        // sklearn.metrics.mean_absolute_error(...)
        ("mean_absolute_error", 0.575, 0.6185714285714285),
        // sklearn.metrics.mean_absolute_percentage_error(...) is a fraction;
        // TFMA's is in percent (×100). No label is 0 here, where the two differ.
        ("mean_absolute_percentage_error", 100.0 * 0.26932553043664154, 100.0 * 0.2827165074784122),
        // sklearn.metrics.r2_score(...)
        ("r_squared", 0.9528306615020012, 0.9525689800794558),
    ];
    let (plain, weighted) = (state(&Y, &P, None, &options), state(&Y, &P, Some(&W), &options));
    for (name, want, want_weighted) in cases {
        close(value(Task::Regression, name, &plain, &options), want, 1e-13, name);
        close(value(Task::Regression, name, &weighted, &options), want_weighted, 1e-13, name);
    }
    // By hand: mean_label = ΣY / 12 = 49.3 / 12; weighted ΣW·Y / ΣW.
    close(value(Task::Regression, "mean_label", &plain, &options), 49.3 / 12.0, 1e-15, "mean_label");
    let wy: f64 = Y.iter().zip(&W).map(|(y, w)| y * w).sum();
    close(value(Task::Regression, "mean_label", &weighted, &options), wy / W.iter().sum::<f64>(), 1e-14, "mean_label");
}

const YB: [f64; 16] = [0., 1., 1., 0., 1., 0., 0., 1., 1., 0., 1., 0., 1., 1., 0., 0.];
const PB: [f64; 16] = [0.1, 0.4, 0.35, 0.8, 0.9, 0.2, 0.5, 0.5, 0.65, 0.3, 0.7, 0.55, 0.45, 0.95, 0.05, 0.6];
const WB: [f64; 16] = [1.0, 2.0, 0.5, 1.0, 1.5, 3.0, 1.0, 0.25, 2.0, 1.0, 0.5, 1.0, 1.0, 2.0, 0.75, 1.5];

#[test]
fn binary_metrics_match_sklearn() {
    let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
    // sklearn's decisions are `(p > 0.5)`, Keras's rule: the two 0.5 predictions are negative.
    let cases = [
        // sklearn.metrics.roc_auc_score(y, p[, sample_weight=w]) (ties at 0.5 included)
        ("auc_exact", 0.7265625, 0.807379612257661, 1e-13),
        // sklearn.metrics.average_precision_score(...)
        ("auc_precision_recall_exact", 0.7510732323232323, 0.8270990396618667, 1e-13),
        // sklearn.metrics.accuracy_score(y, p > 0.5[, ...])
        ("binary_accuracy", 0.5625, 0.6375, 1e-14),
        // sklearn.metrics.precision_score(y, p > 0.5[, ...])
        ("precision", 0.5714285714285714, 0.631578947368421, 1e-14),
        // sklearn.metrics.recall_score(y, p > 0.5[, ...])
        ("recall", 0.5, 0.6153846153846154, 1e-14),
        // sklearn.metrics.f1_score(y, p > 0.5[, ...])
        ("f1_score", 0.5333333333333333, 0.6233766233766234, 1e-14),
        // sklearn.metrics.log_loss(y, p[, ...]) clips at machine epsilon; Keras
        // adds 1e-7 inside the logs, hence ~1e-6 relative difference.
        ("binary_crossentropy", 0.5722334518507128, 0.5137641327562212, 1e-6),
    ];
    let (plain, weighted) = (state(&YB, &PB, None, &options), state(&YB, &PB, Some(&WB), &options));
    for (name, want, want_weighted, tolerance) in cases {
        close(value(Task::Binary, name, &plain, &options), want, tolerance, name);
        close(value(Task::Binary, name, &weighted, &options), want_weighted, tolerance, name);
    }
    // TFMA's thresholded AUC buckets predictions to 1e-4; these are far apart, so it is exact here.
    close(value(Task::Binary, "auc", &plain, &options), 0.7265625, 1e-6, "auc");
    close(value(Task::Binary, "auc", &weighted, &options), 0.807379612257661, 1e-6, "auc");
}

#[test]
fn thresholded_auc_is_close_to_exact_on_smooth_data() {
    // 2,000 predictions frac(i·0.618...), label 1 when frac(i·0.754...) < p.
    // sklearn.metrics.roc_auc_score(y, p) = 0.832063252048131,
    // sklearn.metrics.average_precision_score(y, p) = 0.8239281969002106.
    let n = 2000;
    let p: Vec<f64> = (0..n).map(|i| (f64::from(i) * 0.6180339887498949).fract()).collect();
    let y: Vec<f64> =
        (0..n).map(|i| f64::from(u8::from((f64::from(i) * 0.7548776662466927).fract() < p[i as usize]))).collect();
    assert_eq!(y.iter().sum::<f64>(), 992.0); // ys.sum() in the script
    let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
    let s = state(&y, &p, None, &options);
    close(value(Task::Binary, "auc_exact", &s, &options), 0.832063252048131, 1e-13, "auc_exact");
    close(value(Task::Binary, "auc_precision_recall_exact", &s, &options), 0.8239281969002106, 1e-13, "ap");
    close(value(Task::Binary, "auc", &s, &options), 0.832063252048131, 1e-3, "auc");
    close(value(Task::Binary, "auc_precision_recall", &s, &options), 0.8239281969002106, 5e-3, "auc_pr");
}
