//! TFMA's `metrics/calibration.py`: `mean_label` (Σw·y / Σw),
//! `mean_prediction` (Σw·p / Σw) and `calibration` (Σw·p / Σw·y), all from
//! the exact weighted sums.

use super::{Metric, MetricValue, ratio, weighted_mean};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct MeanLabel;

impl Metric for MeanLabel {
    fn name(&self) -> &'static str {
        "mean_label"
    }

    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        weighted_mean(state.sums().label.value(), state)
    }
}

#[derive(Debug)]
pub(crate) struct MeanPrediction;

impl Metric for MeanPrediction {
    fn name(&self) -> &'static str {
        "mean_prediction"
    }

    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        weighted_mean(state.sums().prediction.value(), state)
    }
}

#[derive(Debug)]
pub(crate) struct Calibration;

impl Metric for Calibration {
    fn name(&self) -> &'static str {
        "calibration"
    }

    /// 1.0 is best: neither direction is better.
    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        let sums = state.sums();
        if sums.weight.value() == 0.0 {
            return MetricValue::Undefined(super::ZERO_WEIGHT.into());
        }
        ratio(sums.prediction.value(), sums.label.value(), "the slice's weighted label sum is zero")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::metrics::scalar_of as value;

    #[test]
    fn tfma_calibration_test_cases() {
        // tensorflow_model_analysis/metrics/calibration_test.py,
        // testCalibrationMetricsWithoutWeights: labels 0, 1, 1; predictions 0, 0.3, 0.9.
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(&[0.0, 1.0, 1.0], &[0.0, 0.3, 0.9], &[1.0; 3], &options);
        assert!((value(&MeanLabel, &s) - 2.0 / 3.0).abs() < 1e-15);
        assert!((value(&MeanPrediction, &s) - (0.3 + 0.9) / 3.0).abs() < 1e-15);
        assert!((value(&Calibration, &s) - (0.3 + 0.9) / 2.0).abs() < 1e-15);
        // testCalibrationMetricsWithWeights: labels 0, 1, 0; predictions 1.0,
        // 0.7, 0.5; weights 0.5, 0.7, 0.9.
        let mut w = MetricState::default();
        w.add(&[0.0, 1.0, 0.0], &[1.0, 0.7, 0.5], &[0.5, 0.7, 0.9], &options);
        let wp = 1.0 * 0.5 + 0.7 * 0.7 + 0.5 * 0.9;
        assert!((value(&MeanLabel, &w) - 0.7 / 2.1).abs() < 1e-15);
        assert!((value(&MeanPrediction, &w) - wp / 2.1).abs() < 1e-15);
        assert!((value(&Calibration, &w) - wp / 0.7).abs() < 1e-15);
    }

    #[test]
    fn undefined_cases_say_why() {
        let options = MetricOptions::default();
        let empty = MetricState::default();
        for m in [&MeanLabel as &dyn Metric, &MeanPrediction, &Calibration] {
            assert_eq!(m.compute(&empty, &options), MetricValue::Undefined(super::super::ZERO_WEIGHT.into()));
        }
        let mut negatives = MetricState::default();
        negatives.add(&[0.0, 0.0], &[0.2, 0.4], &[1.0, 1.0], &options);
        assert_eq!(
            Calibration.compute(&negatives, &options),
            MetricValue::Undefined("the slice's weighted label sum is zero".into())
        );
        assert_eq!(MeanLabel.compute(&negatives, &options), MetricValue::Scalar(0.0));
    }
}
