//! `confusion_matrix_at_thresholds`: TFMA's `ConfusionMatrixAtThresholds`
//! (`metrics/confusion_matrix_at_thresholds.py`): the weighted confusion
//! matrix at every decision threshold of `metrics.thresholds`
//! (`prediction > threshold` is positive), with precision and recall filled
//! as TFMA's `Matrices.to_proto` does (1.0 and 0.0 when undefined).

use super::{ConfusionAtThreshold, Metric, MetricValue};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct ConfusionMatrixAtThresholds;

impl Metric for ConfusionMatrixAtThresholds {
    fn name(&self) -> &'static str {
        "confusion_matrix_at_thresholds"
    }

    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, options: &MetricOptions) -> MetricValue {
        let matrices = options.thresholds.iter().enumerate().map(|(i, &threshold)| {
            let c = state.thresholds().at(i);
            let [tp, fp, tn, fn_] =
                [c.true_positives, c.false_positives, c.true_negatives, c.false_negatives].map(|x| x.value());
            ConfusionAtThreshold {
                threshold,
                true_positives: tp,
                false_positives: fp,
                true_negatives: tn,
                false_negatives: fn_,
                precision: if tp + fp > 0.0 { tp / (tp + fp) } else { 1.0 },
                recall: if tp + fn_ > 0.0 { tp / (tp + fn_) } else { 0.0 },
            }
        });
        MetricValue::ConfusionMatrices(matrices.collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_matrix_per_threshold() {
        // confusion_matrix_metrics_test.py, testConfusionMatrixMetrics data:
        // at 0.5, tp 1, fp 3, tn 2, fn 4 (by hand at 0.0 and 0.75).
        let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let predictions = [0.6, 0.3, 0.2, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4];
        let options = MetricOptions { thresholds: vec![0.0, 0.5, 0.75], ..MetricOptions::default() };
        let mut s = MetricState::default();
        s.add(&labels, &predictions, &[1.0; 10], &options);
        let MetricValue::ConfusionMatrices(m) = ConfusionMatrixAtThresholds.compute(&s, &options) else { panic!() };
        let counts: Vec<_> = m
            .iter()
            .map(|c| (c.threshold, c.true_positives, c.false_positives, c.true_negatives, c.false_negatives))
            .collect();
        assert_eq!(counts, [(0.0, 5.0, 5.0, 0.0, 0.0), (0.5, 1.0, 3.0, 2.0, 4.0), (0.75, 0.0, 1.0, 4.0, 5.0)]);
        assert_eq!((m[1].precision, m[1].recall), (0.25, 0.2));
        assert_eq!((m[2].precision, m[2].recall), (0.0, 0.0));
        // Nothing predicted positive: TFMA's to_proto precision 1.0.
        let MetricValue::ConfusionMatrices(e) = ConfusionMatrixAtThresholds.compute(&MetricState::default(), &options)
        else {
            panic!()
        };
        assert_eq!((e[0].precision, e[0].recall), (1.0, 0.0));
    }
}
