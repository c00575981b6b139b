//! `mean_absolute_percentage_error`: TFMA's `MeanAbsolutePercentageError`
//! (`metrics/mean_regression_error.py`): 100·Σw·|(y−p)/y| / Σw over the
//! examples whose label is not 0. TFMA's per-example error is NaN for a zero
//! label and its combiner skips NaN errors, weight included; Keras's
//! `MeanAbsolutePercentageError` instead divides by max(|y|, 1e-7), which
//! turns one zero label into an error of ~10⁹ %.

use super::{Metric, MetricValue, ZERO_WEIGHT, ratio};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct MeanAbsolutePercentageError;

impl Metric for MeanAbsolutePercentageError {
    fn name(&self) -> &'static str {
        "mean_absolute_percentage_error"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(false)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        let sums = state.sums();
        if sums.weight.value() == 0.0 {
            return MetricValue::Undefined(ZERO_WEIGHT.into());
        }
        let why = "every label in this slice is zero (or has zero weight)";
        ratio(100.0 * sums.absolute_percentage_error.value(), sums.nonzero_label_weight.value(), why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_labels_are_left_out() {
        // By hand: |(2−1)/2| = 0.5 (w 1), |(4−5)/4| = 0.25 (w 3), y = 0 skipped
        // → 100·(0.5 + 0.75) / 4 = 31.25.
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(&[2.0, 4.0, 0.0], &[1.0, 5.0, 9.0], &[1.0, 3.0, 5.0], &options);
        assert_eq!(MeanAbsolutePercentageError.compute(&s, &options), MetricValue::Scalar(31.25));
        let mut zeros = MetricState::default();
        zeros.add(&[0.0], &[1.0], &[1.0], &options);
        assert!(
            matches!(MeanAbsolutePercentageError.compute(&zeros, &options), MetricValue::Undefined(r) if r.contains("zero"))
        );
    }
}
