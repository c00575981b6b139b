//! `mean_absolute_error`: TFMA's `MeanAbsoluteError`
//! (`metrics/mean_regression_error.py`), Σw·|y−p| / Σw.

use super::{Metric, MetricValue, weighted_mean};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct MeanAbsoluteError;

impl Metric for MeanAbsoluteError {
    fn name(&self) -> &'static str {
        "mean_absolute_error"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(false)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        weighted_mean(state.sums().absolute_error.value(), state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_mean_of_absolute_errors() {
        // By hand: |errors| 1, 2, 0.5 with weights 1, 2, 4 → (1 + 4 + 2) / 7.
        let mut s = MetricState::default();
        s.add(&[3.0, 1.0, 2.5], &[2.0, 3.0, 2.0], &[1.0, 2.0, 4.0], &MetricOptions::default());
        assert_eq!(MeanAbsoluteError.compute(&s, &MetricOptions::default()), MetricValue::Scalar(1.0));
    }
}
