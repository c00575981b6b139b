//! `root_mean_squared_error`: Keras's `RootMeanSquaredError` (which TFMA
//! evaluates under that name), √(Σw·(y−p)² / Σw).

use super::{Metric, MetricValue, weighted_mean};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct RootMeanSquaredError;

impl Metric for RootMeanSquaredError {
    fn name(&self) -> &'static str {
        "root_mean_squared_error"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(false)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        match weighted_mean(state.sums().squared_error.value(), state) {
            MetricValue::Scalar(mse) => MetricValue::Scalar(mse.sqrt()),
            undefined => undefined,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn square_root_of_mse() {
        // By hand: errors 3 and 4, unweighted → √((9 + 16) / 2).
        let mut s = MetricState::default();
        s.add(&[3.0, 0.0], &[0.0, 4.0], &[1.0, 1.0], &MetricOptions::default());
        assert_eq!(RootMeanSquaredError.compute(&s, &MetricOptions::default()), MetricValue::Scalar(12.5f64.sqrt()));
    }
}
