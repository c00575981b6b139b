//! `auc` and `auc_precision_recall`: TFMA's `AUC` and `AUCPrecisionRecall`
//! (`metrics/confusion_matrix_metrics.py`), the thresholded areas under the
//! ROC and precision-recall curves with `num_thresholds` thresholds.
//!
//! TFMA builds the confusion matrices at the thresholds
//! ([`thresholded_matrices`]) and hands them to `tf.keras.metrics.AUC(curve,
//! summation_method='interpolation')`, whose `result()` we reproduce:
//! - ROC: the trapezoid rule over (false positive rate, recall);
//! - PR: Keras's `interpolate_pr_auc`, the "careful interpolation" of Davis &
//!   Goadrich (2006): between two thresholds true and false positives are
//!   interpolated linearly and precision integrated exactly along the way.
//!
//! Keras works in float32; we work in f64, so values agree with TFMA to
//! about 1e-6.

use super::binary_confusion_matrices::{Matrices, check_classes, thresholded_matrices};
use super::{Metric, MetricValue, scalar};
use crate::{MetricOptions, MetricState};

/// `tf.math.divide_no_nan`.
fn divide_no_nan(a: f64, b: f64) -> f64 {
    if b == 0.0 { 0.0 } else { a / b }
}

/// Keras `AUC.result()` for curve='ROC', summation 'interpolation'.
pub(crate) fn roc_auc(m: &Matrices) -> f64 {
    let recall: Vec<f64> = m.tp.iter().zip(&m.fn_).map(|(&tp, &fn_)| divide_no_nan(tp, tp + fn_)).collect();
    let fpr: Vec<f64> = m.fp.iter().zip(&m.tn).map(|(&fp, &tn)| divide_no_nan(fp, fp + tn)).collect();
    (0..recall.len().saturating_sub(1)).map(|i| (fpr[i] - fpr[i + 1]) * (recall[i] + recall[i + 1]) / 2.0).sum()
}

/// Keras `AUC.interpolate_pr_auc()`.
pub(crate) fn pr_auc(m: &Matrices) -> f64 {
    let mut total = 0.0;
    for i in 0..m.tp.len().saturating_sub(1) {
        let dtp = m.tp[i] - m.tp[i + 1];
        let (p_a, p_b) = (m.tp[i] + m.fp[i], m.tp[i + 1] + m.fp[i + 1]);
        let slope = divide_no_nan(dtp, (p_a - p_b).max(0.0));
        let intercept = m.tp[i + 1] - slope * p_b;
        let ratio = if p_a > 0.0 && p_b > 0.0 { divide_no_nan(p_a, p_b.max(0.0)) } else { 1.0 };
        total += divide_no_nan(slope * (dtp + intercept * ratio.ln()), (m.tp[i + 1] + m.fn_[i + 1]).max(0.0));
    }
    total
}

#[derive(Debug)]
pub(crate) struct Auc;

impl Metric for Auc {
    fn name(&self) -> &'static str {
        "auc"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(true)
    }

    fn compute(&self, state: &MetricState, options: &MetricOptions) -> MetricValue {
        if let Some(undefined) = check_classes(state, true) {
            return undefined;
        }
        scalar(roc_auc(&thresholded_matrices(state, options.num_thresholds)))
    }
}

/// TFMA's alias of `AUC(curve='PR')`.
#[derive(Debug)]
pub(crate) struct AucPrecisionRecall;

impl Metric for AucPrecisionRecall {
    fn name(&self) -> &'static str {
        "auc_precision_recall"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(true)
    }

    fn compute(&self, state: &MetricState, options: &MetricOptions) -> MetricValue {
        if let Some(undefined) = check_classes(state, false) {
            return undefined;
        }
        scalar(pr_auc(&thresholded_matrices(state, options.num_thresholds)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(metric: &dyn Metric, labels: &[f64], predictions: &[f64], weights: &[f64]) -> f64 {
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(labels, predictions, weights, &options);
        match metric.compute(&s, &options) {
            MetricValue::Scalar(x) => x,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn tfma_confusion_matrix_metrics_test_cases() {
        // tensorflow_model_analysis/metrics/confusion_matrix_metrics_test.py,
        // testConfusionMatrixMetrics: auc 0.26, auc_precision_recall 0.36205 (5 places).
        let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let predictions = [0.6, 0.3, 0.2, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4];
        assert!((value(&Auc, &labels, &predictions, &[1.0; 10]) - 0.26).abs() < 1e-5);
        assert!((value(&AucPrecisionRecall, &labels, &predictions, &[1.0; 10]) - 0.36205).abs() < 1e-5);
        // testConfusionMatrixMetricsWithWeights: auc 0.64286, auc_precision_recall 0.37467.
        let (labels, predictions, weights) = ([0.0, 1.0, 0.0], [1.0, 0.7, 0.5], [0.5, 0.7, 0.9]);
        assert!((value(&Auc, &labels, &predictions, &weights) - 0.64286).abs() < 1e-5);
        assert!((value(&AucPrecisionRecall, &labels, &predictions, &weights) - 0.37467).abs() < 1e-5);
    }

    #[test]
    fn one_class_is_undefined() {
        let options = MetricOptions::default();
        let mut positives = MetricState::default();
        positives.add(&[1.0, 1.0], &[0.2, 0.9], &[1.0, 1.0], &options);
        assert_eq!(
            Auc.compute(&positives, &options),
            MetricValue::Undefined("no negative labels in this slice".into())
        );
        // With only positives, precision is 1 everywhere: AUC-PR is 1.
        assert!(
            matches!(AucPrecisionRecall.compute(&positives, &options), MetricValue::Scalar(x) if (x - 1.0).abs() < 1e-12)
        );
        let mut negatives = MetricState::default();
        negatives.add(&[0.0], &[0.2], &[1.0], &options);
        for m in [&Auc as &dyn Metric, &AucPrecisionRecall] {
            assert_eq!(
                m.compute(&negatives, &options),
                MetricValue::Undefined("no positive labels in this slice".into())
            );
            assert_eq!(
                m.compute(&MetricState::default(), &options),
                MetricValue::Undefined(super::super::ZERO_WEIGHT.into())
            );
        }
    }
}
