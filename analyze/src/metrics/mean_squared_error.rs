//! `mean_squared_error`: TFMA's `MeanSquaredError`
//! (`metrics/mean_regression_error.py`) and Keras's, Σw·(y−p)² / Σw.

use super::{Metric, MetricValue, weighted_mean};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct MeanSquaredError;

impl Metric for MeanSquaredError {
    fn name(&self) -> &'static str {
        "mean_squared_error"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(false)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        weighted_mean(state.sums().squared_error.value(), state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_mean_of_squares() {
        // By hand: errors 1, -2, 0.5 with weights 1, 2, 4 → (1 + 8 + 1) / 7.
        let mut s = MetricState::default();
        s.add(&[3.0, 1.0, 2.5], &[2.0, 3.0, 2.0], &[1.0, 2.0, 4.0], &MetricOptions::default());
        assert_eq!(MeanSquaredError.compute(&s, &MetricOptions::default()), MetricValue::Scalar(10.0 / 7.0));
        let empty = MetricState::default();
        assert!(matches!(MeanSquaredError.compute(&empty, &MetricOptions::default()), MetricValue::Undefined(_)));
    }
}
