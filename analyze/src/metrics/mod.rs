//! The metrics, one file each (or one file per TFMA module for the tiny
//! ones), with TFMA's names and definitions, and their registry
//! ([`metrics_for`]). Every metric reads a merged [`MetricState`]; a new
//! metric is one file and one line in [`metrics_for`].
//!
//! A metric that does not exist on a slice (no positive labels for AUC, zero
//! total weight, ...) is [`MetricValue::Undefined`] with the reason, never a
//! NaN: TFMA returns NaN in those cases.

mod auc;
mod auc_exact;
mod binary_confusion_matrices;
mod binary_crossentropy;
mod calibration;
mod calibration_plot;
mod confusion_matrix_at_thresholds;
mod confusion_matrix_metrics;
mod example_count;
mod mean_absolute_error;
mod mean_absolute_percentage_error;
mod mean_squared_error;
mod r_squared;
mod root_mean_squared_error;
mod weighted_example_count;

use serde::{Deserialize, Serialize};

use crate::{MetricOptions, MetricState, Task};

/// What a metric gives for one slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MetricValue {
    /// A number (confidence intervals apply).
    Scalar(f64),
    /// The metric does not exist on this slice (no positives for AUC, zero
    /// weight...), and why. Never a silent NaN.
    Undefined(String),
    /// confusion_matrix_at_thresholds.
    ConfusionMatrices(Vec<ConfusionAtThreshold>),
    /// calibration_plot.
    CalibrationPlot(Vec<CalibrationBucket>),
}

/// TFMA's `ConfusionMatrixAtThresholds.Matrix` (weighted counts and the ratios).
/// As in TFMA's `Matrices.to_proto`, precision is 1.0 when nothing is
/// predicted positive and recall 0.0 when there are no positives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionAtThreshold {
    pub threshold: f64,
    pub true_positives: f64,
    pub false_positives: f64,
    pub true_negatives: f64,
    pub false_negatives: f64,
    pub precision: f64,
    pub recall: f64,
}

/// One bucket of TFMA's `CalibrationHistogramBuckets`. The first bucket's
/// lower bound is −∞ and the last's upper bound +∞, as in TFMA; JSON holds
/// those two as the strings `"-inf"` and `"inf"` (JSON has no infinity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBucket {
    #[serde(with = "bound")]
    pub lower_threshold_inclusive: f64,
    #[serde(with = "bound")]
    pub upper_threshold_exclusive: f64,
    pub num_weighted_examples: f64,
    pub total_weighted_label: f64,
    pub total_weighted_refined_prediction: f64,
}

/// One metric: its TFMA name and how it reads a [`MetricState`].
pub trait Metric: Send + Sync + std::fmt::Debug {
    /// TFMA's name (`mean_squared_error`, `auc`, ...).
    fn name(&self) -> &'static str;
    /// Whether a higher value is better (slices are listed worst first); None
    /// for metrics that are not a score (example_count, calibration, plots).
    fn higher_is_better(&self) -> Option<bool>;
    /// The value on one slice (one CI sample).
    fn compute(&self, state: &MetricState, options: &MetricOptions) -> MetricValue;
}

/// The metrics of a task, in report order: the common ones (counts, means,
/// calibration), then the task's; the exact AUCs only with `exact_auc`.
pub fn metrics_for(task: Task, options: &MetricOptions) -> Vec<&'static dyn Metric> {
    let mut metrics: Vec<&'static dyn Metric> = vec![
        &example_count::ExampleCount,
        &weighted_example_count::WeightedExampleCount,
        &calibration::MeanLabel,
        &calibration::MeanPrediction,
        &calibration::Calibration,
    ];
    match task {
        Task::Regression => metrics.extend([
            &mean_squared_error::MeanSquaredError as &'static dyn Metric,
            &root_mean_squared_error::RootMeanSquaredError,
            &mean_absolute_error::MeanAbsoluteError,
            &mean_absolute_percentage_error::MeanAbsolutePercentageError,
            &r_squared::RSquared,
        ]),
        Task::Binary => {
            metrics.extend([&auc::Auc as &'static dyn Metric, &auc::AucPrecisionRecall]);
            if options.exact_auc {
                metrics.extend([&auc_exact::AucExact as &'static dyn Metric, &auc_exact::AucPrecisionRecallExact]);
            }
            metrics.extend([
                &confusion_matrix_metrics::BinaryAccuracy as &'static dyn Metric,
                &confusion_matrix_metrics::Precision,
                &confusion_matrix_metrics::Recall,
                &confusion_matrix_metrics::F1Score,
                &binary_crossentropy::BinaryCrossentropy,
                &confusion_matrix_at_thresholds::ConfusionMatrixAtThresholds,
                &calibration_plot::CalibrationPlot,
            ]);
        }
    }
    metrics
}

/// Why a metric over weights is undefined on a slice without any.
/// A metric's value on `state` with the default options, in unit tests (panics when not a number).
#[cfg(test)]
pub(crate) fn scalar_of(metric: &dyn Metric, state: &MetricState) -> f64 {
    match metric.compute(state, &MetricOptions::default()) {
        MetricValue::Scalar(x) => x,
        other => panic!("{} is not a number: {other:?}", metric.name()),
    }
}

pub(crate) const ZERO_WEIGHT: &str = "the slice's total weight is zero";

/// A finite number, or Undefined (an exact sum past f64's range).
pub(crate) fn scalar(x: f64) -> MetricValue {
    if x.is_finite() {
        MetricValue::Scalar(x)
    } else {
        MetricValue::Undefined(format!("the value is not finite ({x}): a sum overflowed f64"))
    }
}

/// `numerator / denominator`, or Undefined with `why` when the denominator is 0.
pub(crate) fn ratio(numerator: f64, denominator: f64, why: &str) -> MetricValue {
    if denominator == 0.0 { MetricValue::Undefined(why.to_string()) } else { scalar(numerator / denominator) }
}

/// A weighted mean (Σ / Σw), Undefined on zero total weight.
pub(crate) fn weighted_mean(sum: f64, state: &MetricState) -> MetricValue {
    ratio(sum, state.sums().weight.value(), ZERO_WEIGHT)
}

/// A confusion-matrix bound: JSON numbers, with ±∞ as strings.
mod bound {
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() && !x.is_finite() {
            s.serialize_str(if x.is_nan() {
                "nan"
            } else if *x > 0.0 {
                "inf"
            } else {
                "-inf"
            })
        } else {
            s.serialize_f64(*x)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        struct Bound;
        impl Visitor<'_> for Bound {
            type Value = f64;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number, \"inf\" or \"-inf\"")
            }
            fn visit_f64<E: de::Error>(self, x: f64) -> Result<f64, E> {
                Ok(x)
            }
            fn visit_i64<E: de::Error>(self, x: i64) -> Result<f64, E> {
                Ok(x as f64)
            }
            fn visit_u64<E: de::Error>(self, x: u64) -> Result<f64, E> {
                Ok(x as f64)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<f64, E> {
                match s {
                    "inf" => Ok(f64::INFINITY),
                    "-inf" => Ok(f64::NEG_INFINITY),
                    "nan" => Ok(f64::NAN),
                    _ => Err(E::invalid_value(de::Unexpected::Str(s), &self)),
                }
            }
        }
        if d.is_human_readable() { d.deserialize_any(Bound) } else { d.deserialize_f64(Bound) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_task_specific() {
        let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
        for task in [Task::Regression, Task::Binary] {
            let names: Vec<&str> = metrics_for(task, &options).iter().map(|m| m.name()).collect();
            let mut unique = names.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), names.len(), "{names:?}");
            assert_eq!(
                names[..5],
                ["example_count", "weighted_example_count", "mean_label", "mean_prediction", "calibration"]
            );
        }
        let binary: Vec<&str> = metrics_for(Task::Binary, &options).iter().map(|m| m.name()).collect();
        assert!(binary.contains(&"auc_exact") && !binary.contains(&"mean_squared_error"));
        let plain: Vec<&str> = metrics_for(Task::Binary, &MetricOptions::default()).iter().map(|m| m.name()).collect();
        assert!(!plain.contains(&"auc_exact") && plain.contains(&"auc"));
        let regression: Vec<&str> = metrics_for(Task::Regression, &options).iter().map(|m| m.name()).collect();
        assert!(regression.contains(&"r_squared") && !regression.contains(&"auc"));
    }

    #[test]
    fn directions() {
        let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
        let all: Vec<_> = [Task::Regression, Task::Binary].iter().flat_map(|&t| metrics_for(t, &options)).collect();
        let direction = |name: &str| all.iter().find(|m| m.name() == name).unwrap().higher_is_better();
        for name in [
            "auc",
            "auc_precision_recall",
            "auc_exact",
            "binary_accuracy",
            "precision",
            "recall",
            "f1_score",
            "r_squared",
        ] {
            assert_eq!(direction(name), Some(true), "{name}");
        }
        for name in [
            "mean_squared_error",
            "root_mean_squared_error",
            "mean_absolute_error",
            "mean_absolute_percentage_error",
            "binary_crossentropy",
        ] {
            assert_eq!(direction(name), Some(false), "{name}");
        }
        for name in ["example_count", "weighted_example_count", "mean_label", "calibration", "calibration_plot"] {
            assert_eq!(direction(name), None, "{name}");
        }
    }

    #[test]
    fn infinite_bounds_survive_json() {
        let b = CalibrationBucket {
            lower_threshold_inclusive: 1.0,
            upper_threshold_exclusive: f64::INFINITY,
            num_weighted_examples: 2.0,
            total_weighted_label: 1.0,
            total_weighted_refined_prediction: 2.0,
        };
        let json = serde_json::to_string(&b).unwrap();
        assert!(json.contains("\"upper_threshold_exclusive\":\"inf\""), "{json}");
        assert_eq!(serde_json::from_str::<CalibrationBucket>(&json).unwrap(), b);
        let bytes = tabx_core::encode_state(&b).unwrap();
        assert_eq!(tabx_core::decode_state::<CalibrationBucket>(&bytes, "b").unwrap(), b);
    }
}
