//! `example_count`: TFMA's `ExampleCount` (`metrics/example_count.py`), the
//! number of examples in the slice, whatever their weights.

use super::{Metric, MetricValue};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct ExampleCount;

impl Metric for ExampleCount {
    fn name(&self) -> &'static str {
        "example_count"
    }

    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        MetricValue::Scalar(state.example_count() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_examples_not_weights() {
        // tensorflow_model_analysis/metrics/example_count_test.py,
        // testExampleCount 'unweighted': weights 0.0, 0.5, 1.0, 0.7 → 4.
        let mut state = MetricState::default();
        state.add(&[0.0; 4], &[0.0; 4], &[0.0, 0.5, 1.0, 0.7], &MetricOptions::default());
        assert_eq!(ExampleCount.compute(&state, &MetricOptions::default()), MetricValue::Scalar(4.0));
        assert_eq!(ExampleCount.compute(&MetricState::default(), &MetricOptions::default()), MetricValue::Scalar(0.0));
    }
}
