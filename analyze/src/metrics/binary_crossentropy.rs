//! `binary_crossentropy`: TFMA's `BinaryCrossEntropy`
//! (`metrics/cross_entropy_metrics.py`) with Keras's clipping
//! (`tf.keras.metrics.BinaryCrossentropy`): Σw·BCE / Σw with
//! BCE = −(y·log(p+ε) + (1−y)·log(1−p+ε)), p clipped to [ε, 1−ε], ε = 1e-7.
//! TFMA's own combiner does not clip, and so gives +∞ for a confident
//! wrong prediction of exactly 0 or 1; Keras's clip keeps it finite.

use super::{Metric, MetricValue, weighted_mean};
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct BinaryCrossentropy;

impl Metric for BinaryCrossentropy {
    fn name(&self) -> &'static str {
        "binary_crossentropy"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(false)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        weighted_mean(state.sums().cross_entropy.value(), state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::KERAS_EPSILON;

    #[test]
    fn keras_clipped_mean() {
        // By hand (Keras formula): y 1 at p 0.8, y 0 at p 0.4, weights 1 and 3.
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(&[1.0, 0.0], &[0.8, 0.4], &[1.0, 3.0], &options);
        let want = (-(0.8f64 + KERAS_EPSILON).ln() - 3.0 * (0.6f64 + KERAS_EPSILON).ln()) / 4.0;
        let MetricValue::Scalar(got) = BinaryCrossentropy.compute(&s, &options) else { panic!() };
        assert!((got - want).abs() < 1e-15);
        // A confident miss stays finite: −log(2e-7) ≈ 15.42.
        let mut miss = MetricState::default();
        miss.add(&[1.0], &[0.0], &[1.0], &options);
        let MetricValue::Scalar(x) = BinaryCrossentropy.compute(&miss, &options) else { panic!() };
        assert!((x - 15.424948470398375).abs() < 1e-12);
    }
}
