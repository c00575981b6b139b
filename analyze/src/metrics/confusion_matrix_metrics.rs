//! `binary_accuracy`, `precision`, `recall` and `f1_score` at the first
//! decision threshold of `metrics.thresholds` (default 0.5): TFMA's
//! `BinaryAccuracy`, `Precision`, `Recall` and `F1Score`
//! (`metrics/confusion_matrix_metrics.py`, default threshold 0.5), from
//! exact weighted counts where `prediction > threshold` is positive.

use super::{Metric, MetricValue, ZERO_WEIGHT, ratio};
use crate::{MetricOptions, MetricState};

/// (tp, fp, tn, fn, threshold) at the first decision threshold, or why not.
fn counts(state: &MetricState, options: &MetricOptions) -> Result<[f64; 5], MetricValue> {
    let Some(&threshold) = options.thresholds.first() else {
        return Err(MetricValue::Undefined("no decision threshold (metrics.thresholds is empty)".into()));
    };
    let c = state.thresholds().at(0);
    let [tp, fp, tn, fn_] =
        [c.true_positives, c.false_positives, c.true_negatives, c.false_negatives].map(|x| x.value());
    if tp + fp + tn + fn_ == 0.0 {
        return Err(MetricValue::Undefined(ZERO_WEIGHT.into()));
    }
    Ok([tp, fp, tn, fn_, threshold])
}

/// A metric of the four counts and the threshold.
macro_rules! confusion_metric {
    ($ty:ident, $name:literal, |$tp:ident, $fp:ident, $tn:ident, $fn_:ident, $t:ident| $body:expr) => {
        #[derive(Debug)]
        pub(crate) struct $ty;

        impl Metric for $ty {
            fn name(&self) -> &'static str {
                $name
            }

            fn higher_is_better(&self) -> Option<bool> {
                Some(true)
            }

            fn compute(&self, state: &MetricState, options: &MetricOptions) -> MetricValue {
                match counts(state, options) {
                    #[allow(unused_variables)]
                    Ok([$tp, $fp, $tn, $fn_, $t]) => $body,
                    Err(undefined) => undefined,
                }
            }
        }
    };
}

// (tp + tn) / (tp + fp + tn + fn)
confusion_metric!(BinaryAccuracy, "binary_accuracy", |tp, fp, tn, fn_, t| ratio(
    tp + tn,
    tp + fp + tn + fn_,
    ZERO_WEIGHT
));
// tp / (tp + fp)
confusion_metric!(Precision, "precision", |tp, fp, tn, fn_, t| ratio(
    tp,
    tp + fp,
    &format!("no predicted positives (prediction > {t}) in this slice")
));
// tp / (tp + fn)
confusion_metric!(Recall, "recall", |tp, fp, tn, fn_, t| ratio(tp, tp + fn_, "no positive labels in this slice"));
// 2·tp / (2·tp + fp + fn), TFMA's F1Score.result: defined (0) when tp = 0 but not fp + fn.
confusion_metric!(F1Score, "f1_score", |tp, fp, tn, fn_, t| ratio(
    2.0 * tp,
    2.0 * tp + fp + fn_,
    &format!("no positive labels and no predicted positives (prediction > {t}) in this slice")
));

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::scalar_of as value;

    #[test]
    fn tfma_confusion_matrix_metrics_test_cases() {
        // tensorflow_model_analysis/metrics/confusion_matrix_metrics_test.py,
        // testConfusionMatrixMetrics (tp 1, tn 2, fp 3, fn 4).
        let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let predictions = [0.6, 0.3, 0.2, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4];
        let mut s = MetricState::default();
        s.add(&labels, &predictions, &[1.0; 10], &MetricOptions::default());
        assert_eq!(value(&BinaryAccuracy, &s), (1.0 + 2.0) / (1.0 + 2.0 + 3.0 + 4.0));
        assert_eq!(value(&Precision, &s), 1.0 / (1.0 + 3.0));
        assert_eq!(value(&Recall, &s), 1.0 / (1.0 + 4.0));
        assert_eq!(value(&F1Score, &s), 2.0 * 1.0 / (2.0 * 1.0 + 3.0 + 4.0));
        // testConfusionMatrixMetricsWithWeights (tp 0.7, tn 0.9, fp 0.5, fn 0).
        let mut w = MetricState::default();
        w.add(&[0.0, 1.0, 0.0], &[1.0, 0.7, 0.5], &[0.5, 0.7, 0.9], &MetricOptions::default());
        assert!((value(&BinaryAccuracy, &w) - (0.7 + 0.9) / (0.7 + 0.9 + 0.5)).abs() < 1e-15);
        assert!((value(&Precision, &w) - 0.7 / (0.7 + 0.5)).abs() < 1e-15);
        assert_eq!(value(&Recall, &w), 1.0);
        assert!((value(&F1Score, &w) - 2.0 * 0.7 / (2.0 * 0.7 + 0.5)).abs() < 1e-15);
    }

    #[test]
    fn divide_by_zero_cases_are_undefined() {
        // testConfusionMatrixMetrics_DivideByZero_: one true negative (p 0, y 0)
        // gives NaN precision, recall and f1 in TFMA.
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(&[0.0], &[0.0], &[1.0], &options);
        for m in [&Precision as &dyn Metric, &Recall, &F1Score] {
            assert!(matches!(m.compute(&s, &options), MetricValue::Undefined(_)), "{}", m.name());
        }
        assert_eq!(BinaryAccuracy.compute(&s, &options), MetricValue::Scalar(1.0));
        let none = MetricOptions { thresholds: vec![], ..MetricOptions::default() };
        assert!(matches!(Precision.compute(&s, &none), MetricValue::Undefined(r) if r.contains("metrics.thresholds")));
        assert_eq!(Recall.compute(&MetricState::default(), &options), MetricValue::Undefined(ZERO_WEIGHT.into()));
    }
}
