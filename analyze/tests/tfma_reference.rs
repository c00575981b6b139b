//! tabx against TensorFlow Model Analysis itself, on a fixed 40-row data set
//! (labels, predictions, weights and a `segment` slice column; the same
//! literals as `tests/tfma/reference_values.py`).
//!
//! - `tabx_matches_tfma_point_values`: every metric TFMA and tabx share,
//!   regression and binary, weighted and not, on every slice, against numbers
//!   printed by `tfma.analyze_raw_data` (tensorflow-model-analysis 0.47.1).
//!   Needs no Python.
//! - `tfma_reads_our_metrics_tfrecord`: writes the `MetricsForSlice` TFRecord
//!   and reads it back with TFMA's own loader (`tests/tfma/load_metrics.py`),
//!   checking every value and bound. It needs a Python with TFMA in
//!   `TABX_TFMA_PYTHON` and is skipped (with a note on stderr) without it:
//!   CI does not install TFMA, so this test runs on a developer's machine.

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use serde_json::Value;
use tabx_analyze::{
    CiMethod, EvalConfig, EvalResult, EvalState, MetricResult, MetricValue, SliceResult, Task, write_metrics_tfrecord,
};
use tabx_core::SliceSpec;

// Generated once with numpy RandomState(7); copied verbatim into reference_values.py.
const SEG: [&str; 40] = [
    "b", "c", "c", "b", "c", "a", "b", "a", "a", "c", "b", "b", "a", "b", "a", "b", "b", "b", "a", "a", "a", "c", "b",
    "c", "a", "a", "c", "b", "a", "c", "c", "a", "c", "a", "b", "b", "b", "a", "b", "a",
];
const LABEL: [f64; 40] = [
    0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0,
    0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0,
];
/// Probabilities, with 0.5 (the decision threshold) three times and 0.0 / 1.0 once each.
const PROB: [f64; 40] = [
    0.68, 0.66, 0.59, 0.5, 0.89, 0.09, 0.52, 0.32, 0.82, 0.34, 0.1, 0.54, 0.23, 0.51, 0.12, 0.59, 0.31, 0.5, 0.56,
    0.37, 0.62, 0.54, 0.92, 0.47, 0.86, 0.0, 0.03, 0.61, 0.49, 0.63, 1.0, 0.5, 0.1, 0.46, 0.05, 0.25, 0.87, 0.6, 0.42,
    0.81,
];
const Y: [f64; 40] = [
    4.1, 4.4, 3.0, 2.8, 1.7, 2.9, 7.5, 4.7, 2.3, 2.1, 1.3, 3.7, 3.8, 0.1, 4.0, 1.9, 5.9, 3.3, 6.4, 2.1, 2.4, 3.6, 5.1,
    4.1, 0.5, 3.4, 3.0, 2.1, 1.7, 6.5, 2.2, 1.3, 4.3, 3.3, 2.8, 4.6, 4.0, 3.7, 4.9, 3.6,
];
const YHAT: [f64; 40] = [
    3.5, 4.0, 2.5, 3.0, 0.6, 1.1, 7.6, 3.4, 0.3, 2.5, 0.6, 4.2, 3.3, -1.0, 2.8, 1.4, 5.6, 2.5, 6.1, 0.6, 2.4, 1.8, 4.9,
    4.8, 1.6, 5.1, 1.4, 2.9, 2.9, 7.5, 1.3, 1.7, 6.2, 1.8, 3.3, 5.7, 3.3, 4.3, 3.8, 2.8,
];
const W: [f64; 40] = [
    1.0, 0.5, 0.5, 0.5, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 0.5, 0.5, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0,
    1.0, 1.0, 2.0, 1.0, 1.0, 1.0, 0.5, 0.5, 2.0, 1.0, 1.0, 2.0, 2.0, 1.0, 1.0, 2.0, 0.5,
];

fn batch() -> RecordBatch {
    let f = |x: &[f64]| Arc::new(Float64Array::from(x.to_vec())) as ArrayRef;
    RecordBatch::try_from_iter([
        ("segment", Arc::new(StringArray::from(SEG.to_vec())) as ArrayRef),
        ("label", f(&LABEL)),
        ("prob", f(&PROB)),
        ("y", f(&Y)),
        ("yhat", f(&YHAT)),
        ("w", f(&W)),
    ])
    .unwrap()
}

/// The evaluation of one task, weighted or not, sliced by `segment`, with a
/// jackknife over 20 buckets (TFMA's default).
fn config(task: Task, weighted: bool) -> EvalConfig {
    let mut config = match task {
        Task::Regression => EvalConfig::new("y", "yhat"),
        Task::Binary => EvalConfig::new("label", "prob"),
    };
    config.task = task;
    config.weight = weighted.then(|| "w".to_string());
    config.slices.push(SliceSpec::parse("segment").unwrap());
    config.confidence_intervals.method = CiMethod::Jackknife;
    config.confidence_intervals.num_buckets = 20;
    config
}

fn evaluate(task: Task, weighted: bool) -> EvalResult {
    let mut state = EvalState::try_new(&config(task, weighted)).unwrap();
    state.update(&batch()).unwrap();
    state.finish_against(None).unwrap()
}

const R: Task = Task::Regression;
const B: Task = Task::Binary;

/// `(task, weighted, slice, metric, TFMA's value)`: tfma.analyze_raw_data 0.47.1 on this data,
/// script analyze/tests/tfma/reference_values.py (its run without confidence intervals; see there
/// why). Left out: TFMA's weighted `example_count`, which is Σw (tabx's `weighted_example_count`;
/// tabx's `example_count` counts rows, as TFMA's unweighted one), and `binary_crossentropy`
/// (see `binary_crossentropy_differs_by_keras_epsilon`). TFMA has no r_squared or
/// root_mean_squared_error of its own (only through Keras).
#[rustfmt::skip]
const TFMA: &[(Task, bool, &str, &str, f64)] = &[
    (R, false, "All Examples", "calibration", 0.918578830495929),
    (R, false, "All Examples", "example_count", 40.0),
    (R, false, "All Examples", "mean_absolute_error", 0.8850000000000001),
    (R, false, "All Examples", "mean_absolute_percentage_error", 61.28639370451962),
    (R, false, "All Examples", "mean_label", 3.377499999999999),
    (R, false, "All Examples", "mean_prediction", 3.1024999999999996),
    (R, false, "All Examples", "mean_squared_error", 1.0645000000000002),
    (R, false, "All Examples", "weighted_example_count", 40.0),
    (R, false, "segment_a", "calibration", 0.8720173535791755),
    (R, false, "segment_a", "example_count", 15.0),
    (R, false, "segment_a", "mean_absolute_error", 1.06),
    (R, false, "segment_a", "mean_absolute_percentage_error", 50.080631856413525),
    (R, false, "segment_a", "mean_label", 3.0733333333333333),
    (R, false, "segment_a", "mean_prediction", 2.6799999999999997),
    (R, false, "segment_a", "mean_squared_error", 1.460666666666667),
    (R, false, "segment_a", "weighted_example_count", 15.0),
    (R, false, "segment_b", "calibration", 0.9482439926062846),
    (R, false, "segment_b", "example_count", 15.0),
    (R, false, "segment_b", "mean_absolute_error", 0.6133333333333333),
    (R, false, "segment_b", "mean_absolute_percentage_error", 91.32326242040475),
    (R, false, "segment_b", "mean_label", 3.6066666666666665),
    (R, false, "segment_b", "mean_prediction", 3.4199999999999995),
    (R, false, "segment_b", "mean_squared_error", 0.47866666666666674),
    (R, false, "segment_b", "weighted_example_count", 15.0),
    (R, false, "segment_c", "calibration", 0.9340974212034385),
    (R, false, "segment_c", "example_count", 10.0),
    (R, false, "segment_c", "mean_absolute_error", 1.03),
    (R, false, "segment_c", "mean_absolute_percentage_error", 33.03973340285109),
    (R, false, "segment_c", "mean_label", 3.4899999999999998),
    (R, false, "segment_c", "mean_prediction", 3.2600000000000002),
    (R, false, "segment_c", "mean_squared_error", 1.3490000000000002),
    (R, false, "segment_c", "weighted_example_count", 10.0),
    (R, true, "All Examples", "calibration", 0.90740157480315),
    (R, true, "All Examples", "mean_absolute_error", 0.9306122448979595),
    (R, true, "All Examples", "mean_absolute_percentage_error", 78.39342978490174),
    (R, true, "All Examples", "mean_label", 3.239795918367346),
    (R, true, "All Examples", "mean_prediction", 2.9397959183673477),
    (R, true, "All Examples", "mean_squared_error", 1.1769387755102043),
    (R, true, "All Examples", "weighted_example_count", 49.0),
    (R, true, "segment_a", "calibration", 0.8852739726027397),
    (R, true, "segment_a", "mean_absolute_error", 1.0717948717948718),
    (R, true, "segment_a", "mean_absolute_percentage_error", 47.97352275443785),
    (R, true, "segment_a", "mean_label", 2.994871794871795),
    (R, true, "segment_a", "mean_prediction", 2.651282051282051),
    (R, true, "segment_a", "mean_squared_error", 1.5553846153846154),
    (R, true, "segment_a", "weighted_example_count", 19.5),
    (R, true, "segment_b", "calibration", 0.9306784660766961),
    (R, true, "segment_b", "mean_absolute_error", 0.6974358974358976),
    (R, true, "segment_b", "mean_absolute_percentage_error", 130.63461813836707),
    (R, true, "segment_b", "mean_label", 3.4769230769230766),
    (R, true, "segment_b", "mean_prediction", 3.2358974358974355),
    (R, true, "segment_b", "mean_squared_error", 0.592820512820513),
    (R, true, "segment_b", "weighted_example_count", 19.5),
    (R, true, "segment_c", "calibration", 0.8986175115207373),
    (R, true, "segment_c", "mean_absolute_error", 1.1099999999999999),
    (R, true, "segment_c", "mean_absolute_percentage_error", 35.84193120504889),
    (R, true, "segment_c", "mean_label", 3.255),
    (R, true, "segment_c", "mean_prediction", 2.925),
    (R, true, "segment_c", "mean_squared_error", 1.578),
    (R, true, "segment_c", "weighted_example_count", 10.0),
    (B, false, "All Examples", "auc", 0.8312020460358056),
    (B, false, "All Examples", "auc_precision_recall", 0.8179797388171709),
    (B, false, "All Examples", "binary_accuracy", 0.775),
    (B, false, "All Examples", "calibration", 1.145294117647059),
    (B, false, "All Examples", "example_count", 40.0),
    (B, false, "All Examples", "f1_score", 0.7567567567567568),
    (B, false, "All Examples", "mean_label", 0.425),
    (B, false, "All Examples", "mean_prediction", 0.48675000000000007),
    (B, false, "All Examples", "precision", 0.7),
    (B, false, "All Examples", "recall", 0.8235294117647058),
    (B, false, "All Examples", "weighted_example_count", 40.0),
    (B, false, "segment_a", "auc", 0.8214285714285714),
    (B, false, "segment_a", "auc_precision_recall", 0.8829991775507633),
    (B, false, "segment_a", "binary_accuracy", 0.8),
    (B, false, "segment_a", "calibration", 0.9785714285714285),
    (B, false, "segment_a", "example_count", 15.0),
    (B, false, "segment_a", "f1_score", 0.7692307692307693),
    (B, false, "segment_a", "mean_label", 0.4666666666666667),
    (B, false, "segment_a", "mean_prediction", 0.45666666666666667),
    (B, false, "segment_a", "precision", 0.8333333333333334),
    (B, false, "segment_a", "recall", 0.7142857142857143),
    (B, false, "segment_a", "weighted_example_count", 15.0),
    (B, false, "segment_b", "auc", 0.8125),
    (B, false, "segment_b", "auc_precision_recall", 0.7624070271706169),
    (B, false, "segment_b", "binary_accuracy", 0.8),
    (B, false, "segment_b", "calibration", 1.052857142857143),
    (B, false, "segment_b", "example_count", 15.0),
    (B, false, "segment_b", "f1_score", 0.8),
    (B, false, "segment_b", "mean_label", 0.4666666666666667),
    (B, false, "segment_b", "mean_prediction", 0.49133333333333334),
    (B, false, "segment_b", "precision", 0.75),
    (B, false, "segment_b", "recall", 0.8571428571428571),
    (B, false, "segment_b", "weighted_example_count", 15.0),
    (B, false, "segment_c", "auc", 0.9523809523809523),
    (B, false, "segment_c", "auc_precision_recall", 0.9041059758494063),
    (B, false, "segment_c", "binary_accuracy", 0.7),
    (B, false, "segment_c", "calibration", 1.75),
    (B, false, "segment_c", "example_count", 10.0),
    (B, false, "segment_c", "f1_score", 0.6666666666666666),
    (B, false, "segment_c", "mean_label", 0.3),
    (B, false, "segment_c", "mean_prediction", 0.525),
    (B, false, "segment_c", "precision", 0.5),
    (B, false, "segment_c", "recall", 1.0),
    (B, false, "segment_c", "weighted_example_count", 10.0),
    (B, true, "All Examples", "auc", 0.8107993197278912),
    (B, true, "All Examples", "auc_precision_recall", 0.8061447806652376),
    (B, true, "All Examples", "binary_accuracy", 0.7755102040816326),
    (B, true, "All Examples", "calibration", 1.0721428571428575),
    (B, true, "All Examples", "f1_score", 0.7441860465116279),
    (B, true, "All Examples", "mean_label", 0.42857142857142855),
    (B, true, "All Examples", "mean_prediction", 0.4594897959183675),
    (B, true, "All Examples", "precision", 0.7272727272727273),
    (B, true, "All Examples", "recall", 0.7619047619047619),
    (B, true, "All Examples", "weighted_example_count", 49.0),
    (B, true, "segment_a", "auc", 0.7578947368421053),
    (B, true, "segment_a", "auc_precision_recall", 0.854485660834392),
    (B, true, "segment_a", "binary_accuracy", 0.7948717948717948),
    (B, true, "segment_a", "calibration", 0.9163157894736842),
    (B, true, "segment_a", "f1_score", 0.7647058823529411),
    (B, true, "segment_a", "mean_label", 0.48717948717948717),
    (B, true, "segment_a", "mean_prediction", 0.4464102564102564),
    (B, true, "segment_a", "precision", 0.8666666666666667),
    (B, true, "segment_a", "recall", 0.6842105263157895),
    (B, true, "segment_a", "weighted_example_count", 19.5),
    (B, true, "segment_b", "auc", 0.8368421052631579),
    (B, true, "segment_b", "auc_precision_recall", 0.7738227302033969),
    (B, true, "segment_b", "binary_accuracy", 0.7948717948717948),
    (B, true, "segment_b", "calibration", 0.96),
    (B, true, "segment_b", "f1_score", 0.7894736842105263),
    (B, true, "segment_b", "mean_label", 0.48717948717948717),
    (B, true, "segment_b", "mean_prediction", 0.46769230769230763),
    (B, true, "segment_b", "precision", 0.7894736842105263),
    (B, true, "segment_b", "recall", 0.7894736842105263),
    (B, true, "segment_b", "weighted_example_count", 19.5),
    (B, true, "segment_c", "auc", 0.984375),
    (B, true, "segment_c", "auc_precision_recall", 0.9442141121714476),
    (B, true, "segment_c", "binary_accuracy", 0.7),
    (B, true, "segment_c", "calibration", 2.3449999999999998),
    (B, true, "segment_c", "f1_score", 0.5714285714285714),
    (B, true, "segment_c", "mean_label", 0.2),
    (B, true, "segment_c", "mean_prediction", 0.469),
    (B, true, "segment_c", "precision", 0.4),
    (B, true, "segment_c", "recall", 1.0),
    (B, true, "segment_c", "weighted_example_count", 10.0),
];

/// Relative closeness: TFMA sums in another order (its values differ from tabx's in the last bit or two).
fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// Every metric of one evaluation by (slice, metric).
fn metrics(r: &EvalResult) -> BTreeMap<(String, String), MetricResult> {
    r.slice_specs
        .iter()
        .flat_map(|s| &s.slices)
        .flat_map(|s| s.metrics.iter().map(|(k, m)| ((s.name.clone(), k.clone()), m.clone())))
        .collect()
}

#[test]
fn tabx_matches_tfma_point_values() {
    let mut failures = Vec::new();
    for task in [R, B] {
        for weighted in [false, true] {
            let got = metrics(&evaluate(task, weighted));
            let want = TFMA.iter().filter(|(t, w, ..)| (*t, *w) == (task, weighted));
            for &(_, _, slice, metric, want) in want {
                let value = got.get(&(slice.to_string(), metric.to_string())).and_then(|m| m.value);
                if !value.is_some_and(|v| close(v, want)) {
                    failures.push(format!("{task} weighted={weighted} {slice} {metric}: tabx {value:?}, TFMA {want}"));
                }
            }
        }
    }
    assert_eq!(TFMA.len(), 144);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn binary_crossentropy_differs_by_keras_epsilon() {
    // TFMA's BinaryCrossEntropy (metrics/cross_entropy_metrics.py) is −y·log p − (1−y)·log(1−p),
    // unclipped: on this data it is +inf on segment_a (label 1 at p 0.0) and NaN on segment_c and
    // overall (0·log 0 at p 1.0). tabx follows Keras (clip to [ε, 1−ε], log(p + ε)), so it stays
    // finite, and where no prediction is 0 or 1 it differs from TFMA by about ε/p relatively.
    // tfma.analyze_raw_data 0.47.1 (reference_values.py), segment_b: unweighted 0.5014131667963693,
    // weighted 0.4918809026826581.
    for (weighted, want) in [(false, 0.5014131667963693), (true, 0.4918809026826581)] {
        let got = metrics(&evaluate(B, weighted));
        let value = got[&("segment_b".to_string(), "binary_crossentropy".to_string())].value.unwrap();
        assert!((value - want).abs() < 1e-6 * want && value != want, "{value} vs {want}");
        for slice in ["All Examples", "segment_a", "segment_c"] {
            assert!(got[&(slice.to_string(), "binary_crossentropy".to_string())].value.unwrap().is_finite());
        }
    }
}

#[test]
fn tfma_reads_our_metrics_tfrecord() {
    let Some(python) = std::env::var_os("TABX_TFMA_PYTHON") else {
        eprintln!("skipped: set TABX_TFMA_PYTHON to a python with tensorflow-model-analysis to run this test");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tfma/load_metrics.py");
    let dir = tempfile::tempdir().unwrap();
    // Binary also sliced by the (float) label: the label_0.0 slice has no positives, so AUC and recall
    // are undefined there and travel as debug_message.
    let mut binary = config(B, true);
    binary.slices.push(SliceSpec::parse("label").unwrap());
    for (i, config) in [config(R, false), config(R, true), config(B, false), binary].into_iter().enumerate() {
        let mut state = EvalState::try_new(&config).unwrap();
        state.update(&batch()).unwrap();
        let result = state.finish_against(None).unwrap();
        let path = dir.path().join("metrics.tfrecord");
        write_metrics_tfrecord(&result, &path).unwrap();
        let out = Command::new(&python).arg(script).arg(&path).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let read: Value = serde_json::from_slice(&out.stdout).unwrap();
        check_round_trip(&result, &read);
        if i == 3 {
            let auc = &read["label_0.0"]["auc"];
            assert!(auc["debug_message"].is_string() && auc.get("value").is_none(), "{auc}");
        }
    }
}

/// Every slice, metric, bound and plot of `result` is in TFMA's reading, and nothing else.
fn check_round_trip(result: &EvalResult, read: &Value) {
    let slices: Vec<&SliceResult> = result.slice_specs.iter().flat_map(|s| &s.slices).collect();
    assert_eq!(read.as_object().unwrap().len(), slices.len(), "{read}");
    for slice in slices {
        let got = &read[&slice.name];
        let mut names: Vec<&String> = slice.metrics.keys().collect();
        names
            .extend(slice.plots.iter().filter(|(_, p)| matches!(p, MetricValue::ConfusionMatrices(_))).map(|(k, _)| k));
        assert_eq!(got.as_object().map(|o| o.len()), Some(names.len()), "{}: {got}", slice.name);
        for (name, m) in &slice.metrics {
            let g = &got[name];
            let at = format!("{} {name}: {g}", slice.name);
            assert_eq!(g["value"].as_f64(), m.value, "{at}");
            assert_eq!(g["debug_message"].as_str(), m.undefined.as_deref(), "{at}");
            assert_eq!(g["lower"].as_f64(), m.lower_bound, "{at}");
            assert_eq!(g["upper"].as_f64(), m.upper_bound, "{at}");
            assert_eq!(g["standard_error"].as_f64(), m.standard_error, "{at}");
            assert_eq!(g["dof"].as_u64(), m.degrees_of_freedom.map(u64::from), "{at}");
        }
        for (name, plot) in &slice.plots {
            if let MetricValue::ConfusionMatrices(ms) = plot {
                let g = got[name]["matrices"].as_array().unwrap();
                assert_eq!(g.len(), ms.len());
                for (g, m) in g.iter().zip(ms) {
                    // MessageToDict leaves out zero fields.
                    let field = |k: &str| g.get(k).and_then(Value::as_f64).unwrap_or(0.0);
                    assert_eq!(field("threshold"), m.threshold);
                    assert_eq!(field("truePositives"), m.true_positives);
                    assert_eq!(field("falsePositives"), m.false_positives);
                    assert_eq!(field("trueNegatives"), m.true_negatives);
                    assert_eq!(field("falseNegatives"), m.false_negatives);
                    assert_eq!(field("precision"), m.precision);
                    assert_eq!(field("recall"), m.recall);
                }
            }
        }
    }
}
