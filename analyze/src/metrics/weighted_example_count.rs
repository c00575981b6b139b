//! `weighted_example_count`: TFMA's `WeightedExampleCount`
//! (`metrics/weighted_example_count.py`), Σw over the slice (the example
//! count when no weight column is given).

use super::{Metric, MetricValue, scalar};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct WeightedExampleCount;

impl Metric for WeightedExampleCount {
    fn name(&self) -> &'static str {
        "weighted_example_count"
    }

    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        scalar(state.sums().weight.value())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_weights() {
        // tensorflow_model_analysis/metrics/example_count_test.py,
        // testExampleCount 'basic' (example_weighted): 0.0 + 0.5 + 1.0 + 0.7;
        // Python's math.fsum of the four doubles is 2.2.
        let mut state = MetricState::default();
        state.add(&[0.0; 4], &[0.0; 4], &[0.0, 0.5, 1.0, 0.7], &MetricOptions::default());
        assert_eq!(WeightedExampleCount.compute(&state, &MetricOptions::default()), MetricValue::Scalar(2.2));
    }
}
