//! Row checks, rows left out, slice suppression and the memory budget of `EvalState`.

mod eval_common;

use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch};
use eval_common::*;
use tabx_analyze::{EvalConfig, EvalState, Task};
use tabx_core::SliceSpec;

fn update_err(config: &EvalConfig, batch: &RecordBatch) -> String {
    let mut state = EvalState::try_new(config).unwrap();
    state.update(batch).unwrap_err().to_string()
}

fn binary_batch(labels: ArrayRef, predictions: Vec<f64>) -> RecordBatch {
    RecordBatch::try_from_iter([("y", labels), ("p", Arc::new(Float64Array::from(predictions)) as _)]).unwrap()
}

#[test]
fn missing_and_non_numeric_columns_are_named() {
    let err = update_err(&EvalConfig::new("fare", "p"), &batch());
    assert!(err.contains("label column `fare` is not in the data") && err.contains("y, p, b, w, pay"), "{err}");
    let err = update_err(&EvalConfig::new("y", "pay"), &with_source(&batch(), "eval.csv"));
    assert!(err.starts_with("eval.csv:2: column pay: prediction \"Cash\" is not a number"), "{err}");
    let list = arrow::array::ListArray::from_iter_primitive::<arrow::datatypes::Int64Type, _, _>([Some(vec![Some(1)])]);
    let b =
        RecordBatch::try_from_iter([("y", Arc::new(list) as ArrayRef), ("p", Arc::new(Float64Array::from(vec![0.5])))])
            .unwrap();
    let err = update_err(&EvalConfig::new("y", "p"), &b);
    assert!(err.contains("label column `y` is List(Int64)"), "{err}");
    let mut config = EvalConfig::new("y", "p");
    config.slices.push(SliceSpec::parse("company").unwrap());
    let err = update_err(&config, &batch());
    assert!(err.contains("slice column `company` is not in the data"), "{err}");
}

#[test]
fn prediction_outside_unit_interval_names_file_and_line() {
    let mut config = EvalConfig::new("y", "p");
    config.task = Task::Binary;
    let b = binary_batch(Arc::new(Float64Array::from(vec![0.0, 1.0, 1.0])), vec![0.2, 1.7, 0.9]);
    let err = update_err(&config, &with_source(&b, "preds.csv"));
    // Row 1 is the file's line 3 (with_source numbers lines from 2, after a header).
    assert!(err.starts_with("preds.csv:3: column p: 1.7 is outside [0, 1]"), "{err}");
    assert!(err.contains("hint:") && err.contains("--task regression"), "{err}");
    // Without provenance: the row of the batch.
    let err = update_err(&config, &b);
    assert!(err.starts_with("row 2 of the batch: column p: 1.7"), "{err}");
}

/// Labels and predictions a CSV or Parquet file holds as text: a column the
/// engine read as text because one value is not a number (`yes`), or a
/// file whose writer stored numbers as strings (pandas writes a bool label
/// as `True`/`False`). Numbers in text are numbers; a binary label may be
/// `true`/`false` in any case; the first other value is an error naming its
/// line. Expected mean_label by hand: (1 + 0 + 1) / 3 (row 4 has no
/// prediction, an empty cell; row 5 no label).
#[test]
fn text_labels_and_predictions_are_read_as_numbers_or_named() {
    use arrow::array::StringArray;
    let mut config = EvalConfig::new("y", "p");
    config.task = Task::Binary;
    let text = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
    let b = RecordBatch::try_from_iter([
        ("y", text(vec![Some("True"), Some("false"), Some(" 1"), Some("0"), None])),
        ("p", text(vec![Some("0.9"), Some("0.2"), Some("1e-1"), Some(""), Some("0.5")])),
    ])
    .unwrap();
    let r = evaluate(&config, &[b]);
    let overall = r.overall().unwrap();
    assert_eq!(overall.metrics["mean_label"].value.unwrap(), 2.0 / 3.0);
    let b = binary_batch(text(vec![Some("1"), Some("yes")]), vec![0.2, 0.5]);
    let err = update_err(&config, &with_source(&b, "eval.csv"));
    assert!(err.starts_with("eval.csv:3: column y: label \"yes\" is not a number"), "{err}");
    assert!(err.contains("hint:") && err.contains("0/1"), "{err}");
    // A regression label is a number, never true/false.
    config.task = Task::Regression;
    let b = binary_batch(text(vec![Some("2.5"), Some("true")]), vec![0.2, 0.5]);
    let err = update_err(&config, &with_source(&b, "eval.csv"));
    assert!(err.starts_with("eval.csv:3: column y: label \"true\" is not a number"), "{err}");
}

#[test]
fn binary_labels_must_be_zero_or_one_unless_thresholded() {
    let mut config = EvalConfig::new("y", "p");
    config.task = Task::Binary;
    let b = binary_batch(Arc::new(Int64Array::from(vec![0, 2, 1])), vec![0.2, 0.5, 0.9]);
    let err = update_err(&config, &with_source(&b, "eval.csv"));
    assert!(err.starts_with("eval.csv:3: column y: label 2 is neither 0 nor 1"), "{err}");
    assert!(err.contains("--label-threshold"), "{err}");
    // label > 1.5 is positive: 2 → 1, 0 and 1 → 0 (mean_label = 1/3).
    config.label_threshold = Some(1.5);
    let r = evaluate(&config, &[b]);
    let mean_label = r.overall().unwrap().metrics["mean_label"].value.unwrap();
    assert!(close(mean_label, 1.0 / 3.0), "{mean_label}");
    // Boolean labels are 0/1.
    config.label_threshold = None;
    let b = binary_batch(Arc::new(BooleanArray::from(vec![true, false, true, true])), vec![0.2, 0.5, 0.9, 0.1]);
    let mean_label = evaluate(&config, &[b]).overall().unwrap().metrics["mean_label"].value.unwrap();
    assert_eq!(mean_label, 0.75);
}

#[test]
fn missing_values_are_counted_by_reason() {
    let mut config = EvalConfig::new("y", "p");
    config.weight = Some("w".into());
    config.baseline = Some(tabx_analyze::BaselineConfig { prediction: Some("b".into()), eval: None });
    let b = RecordBatch::try_from_iter([
        (
            "y",
            Arc::new(Float64Array::from(vec![Some(1.0), None, Some(f64::NAN), Some(2.0), Some(3.0), Some(4.0)]))
                as ArrayRef,
        ),
        ("p", Arc::new(Float64Array::from(vec![Some(1.0), Some(1.0), Some(1.0), None, Some(3.0), Some(4.0)])) as _),
        (
            "b",
            Arc::new(Float64Array::from(vec![Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(f64::NAN), Some(4.0)]))
                as _,
        ),
        ("w", Arc::new(Float64Array::from(vec![Some(2.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0), None])) as _),
    ])
    .unwrap();
    let r = evaluate(&config, &[b]);
    let all = r.overall().unwrap();
    // Rows 0 and 5 are evaluated; row 5's null weight is 0.
    assert_eq!(all.example_count, 2);
    assert_eq!(all.weighted_example_count, 2.0);
    assert_eq!(all.rows_missing_weight, 1);
    let left = all.rows_left_out;
    assert_eq!((left.missing_label, left.missing_prediction, left.missing_baseline_prediction), (2, 1, 1));
    assert_eq!(left.total(), 4);
    let err = update_err(
        &config,
        &RecordBatch::try_from_iter([
            ("y", Arc::new(Float64Array::from(vec![1.0])) as ArrayRef),
            ("p", Arc::new(Float64Array::from(vec![1.0])) as _),
            ("b", Arc::new(Float64Array::from(vec![1.0])) as _),
            ("w", Arc::new(Float64Array::from(vec![-1.0])) as _),
        ])
        .unwrap(),
    );
    assert!(err.contains("column w: weight -1 is not a finite number ≥ 0"), "{err}");
}

#[test]
fn small_and_surplus_slices_are_reported_as_suppressed() {
    // pay: Cash 6, Card 5, Other 1 (eval_common::PAY).
    let mut config = EvalConfig::new("y", "p");
    config.slices.push(SliceSpec::parse("pay").unwrap());
    config.min_slice_size = 2;
    config.max_slices = 1;
    let r = evaluate(&config, &[batch()]);
    let pay = r.spec("pay").unwrap();
    let names: Vec<&str> = pay.slices.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["pay_Cash"]);
    let suppressed: Vec<(&str, u64)> = pay.suppressed.iter().map(|s| (s.name.as_str(), s.example_count)).collect();
    assert_eq!(suppressed, [("pay_Card", 5), ("pay_Other", 1)]);
    assert!(pay.suppressed[0].reason.contains("max_slices"), "{:?}", pay.suppressed[0]);
    assert!(pay.suppressed[1].reason.contains("fewer than min_slice_size 2"), "{:?}", pay.suppressed[1]);
    // The overall slice is always reported, whatever min_slice_size says.
    config.min_slice_size = 100;
    let r = evaluate(&config, &[batch()]);
    assert_eq!(r.overall().unwrap().example_count, 12);
    assert_eq!(r.spec("pay").unwrap().suppressed.len(), 3);
    // Ties in size are broken by key: Card and Cash both with 1 row, max 1 → Card.
    config.min_slice_size = 1;
    let two = batch().slice(0, 2);
    let r = evaluate(&config, &[two]);
    assert_eq!(r.spec("pay").unwrap().slices[0].name, "pay_Card");
}

#[test]
fn no_rows_still_report_the_overall_slice() {
    let r = evaluate(&EvalConfig::new("y", "p"), &[]);
    let all = r.overall().unwrap();
    assert_eq!(all.example_count, 0);
    assert!(all.metrics["mean_squared_error"].undefined.is_some(), "{:?}", all.metrics);
}

#[test]
fn memory_budget_names_the_spec_and_the_knobs() {
    let mut config = EvalConfig::new("y", "p");
    config.slices.push(SliceSpec::parse("pay").unwrap());
    config.memory_budget_mb = 0;
    let err = update_err(&config, &batch());
    assert!(err.contains("past memory_budget_mb = 0") && err.contains("slice spec `"), "{err}");
    assert!(err.contains("metrics.num_thresholds") && err.contains("confidence_intervals.num_buckets"), "{err}");
    // The exact AUC has its own cap.
    let mut config = EvalConfig::new("y", "p");
    config.task = Task::Binary;
    config.metrics.exact_auc = true;
    config.metrics.exact_auc_max_examples = 3;
    let b = binary_batch(Arc::new(Float64Array::from(vec![0.0, 1.0, 1.0, 0.0])), vec![0.2, 0.7, 0.9, 0.4]);
    let err = update_err(&config, &b);
    assert!(err.contains("exact AUC keeps every prediction") && err.contains("exact_auc_max_examples = 3"), "{err}");
}

#[test]
fn states_of_other_configs_do_not_merge() {
    let mut a = EvalState::try_new(&EvalConfig::new("y", "p")).unwrap();
    let b = EvalState::try_new(&EvalConfig::new("y", "b")).unwrap();
    let err = a.merge(b).unwrap_err().to_string();
    assert!(err.contains("different configs"), "{err}");
    // A threshold on a slice spec that is not evaluated is a config error up front.
    let config = EvalConfig::from_yaml(
        "label: y\nprediction: p\nthresholds: [{metric: mean_squared_error, upper: 1, slices: [pay]}]\n",
        "eval.yaml",
    )
    .unwrap();
    let err = EvalState::try_new(&config).unwrap_err().to_string();
    assert!(err.contains("names slice `pay`, which is not evaluated") && err.contains("--slice pay"), "{err}");
}
