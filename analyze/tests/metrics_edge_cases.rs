//! Slices where metrics do not exist say why (never NaN), and tiny slices
//! (one example, an empty state) give defined values where they exist.

use tabx_analyze::{MetricOptions, MetricState, MetricValue, Task, metrics_for};

fn all(task: Task, state: &MetricState, options: &MetricOptions) -> Vec<(&'static str, MetricValue)> {
    metrics_for(task, options).into_iter().map(|m| (m.name(), m.compute(state, options))).collect()
}

fn get<'a>(values: &'a [(&str, MetricValue)], name: &str) -> &'a MetricValue {
    &values.iter().find(|(n, _)| *n == name).expect(name).1
}

fn no_nan(values: &[(&str, MetricValue)]) {
    for (name, v) in values {
        if let MetricValue::Scalar(x) = v {
            assert!(x.is_finite(), "{name} = {x}");
        }
    }
}

fn undefined_because(v: &MetricValue, why: &str) {
    assert!(matches!(v, MetricValue::Undefined(r) if r.contains(why)), "{v:?} should say {why:?}");
}

#[test]
fn empty_state() {
    let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
    for task in [Task::Regression, Task::Binary] {
        let values = all(task, &MetricState::default(), &options);
        no_nan(&values);
        assert_eq!(get(&values, "example_count"), &MetricValue::Scalar(0.0));
        assert_eq!(get(&values, "weighted_example_count"), &MetricValue::Scalar(0.0));
        undefined_because(get(&values, "mean_label"), "total weight is zero");
    }
    let values = all(Task::Binary, &MetricState::default(), &options);
    for name in ["auc", "auc_precision_recall", "auc_exact", "binary_accuracy", "binary_crossentropy"] {
        undefined_because(get(&values, name), "total weight is zero");
    }
    assert_eq!(get(&values, "calibration_plot"), &MetricValue::CalibrationPlot(vec![]));
}

#[test]
fn one_example_slices() {
    let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
    let mut s = MetricState::default();
    s.add(&[4.0], &[5.0], &[2.0], &options);
    let values = all(Task::Regression, &s, &options);
    no_nan(&values);
    // By hand: error 1, |error|/|y| = 0.25.
    assert_eq!(get(&values, "mean_squared_error"), &MetricValue::Scalar(1.0));
    assert_eq!(get(&values, "mean_absolute_percentage_error"), &MetricValue::Scalar(25.0));
    assert_eq!(get(&values, "calibration"), &MetricValue::Scalar(1.25));
    undefined_because(get(&values, "r_squared"), "constant");

    let mut b = MetricState::default();
    b.add(&[1.0], &[0.75], &[1.0], &options);
    let values = all(Task::Binary, &b, &options);
    no_nan(&values);
    undefined_because(get(&values, "auc"), "no negative labels in this slice");
    undefined_because(get(&values, "auc_exact"), "no negative labels in this slice");
    assert_eq!(get(&values, "precision"), &MetricValue::Scalar(1.0));
    assert_eq!(get(&values, "recall"), &MetricValue::Scalar(1.0));
    assert_eq!(get(&values, "binary_accuracy"), &MetricValue::Scalar(1.0));
}

#[test]
fn all_positive_and_all_negative_labels() {
    let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
    let p = [0.1, 0.4, 0.6, 0.9];
    let mut positives = MetricState::default();
    positives.add(&[1.0; 4], &p, &[1.0; 4], &options);
    let values = all(Task::Binary, &positives, &options);
    no_nan(&values);
    undefined_because(get(&values, "auc"), "no negative labels in this slice");
    undefined_because(get(&values, "auc_exact"), "no negative labels in this slice");

    let mut negatives = MetricState::default();
    negatives.add(&[0.0; 4], &p, &[1.0; 4], &options);
    let values = all(Task::Binary, &negatives, &options);
    no_nan(&values);
    for name in ["auc", "auc_precision_recall", "auc_exact", "auc_precision_recall_exact", "recall"] {
        undefined_because(get(&values, name), "no positive labels in this slice");
    }
    undefined_because(get(&values, "calibration"), "weighted label sum is zero");
    // Two of four predicted positive, both wrong.
    assert_eq!(get(&values, "precision"), &MetricValue::Scalar(0.0));
    assert_eq!(get(&values, "f1_score"), &MetricValue::Scalar(0.0));
}

#[test]
fn zero_weights_count_examples_but_not_weight() {
    let options = MetricOptions::default();
    let mut s = MetricState::default();
    s.add(&[1.0, 0.0], &[0.9, 0.1], &[0.0, 0.0], &options);
    let values = all(Task::Binary, &s, &options);
    no_nan(&values);
    assert_eq!(get(&values, "example_count"), &MetricValue::Scalar(2.0));
    for name in ["mean_label", "auc", "precision", "binary_crossentropy"] {
        undefined_because(get(&values, name), "total weight is zero");
    }
}
