//! [`MetricState`]: the mergeable state of one slice (and one confidence-interval
//! sample) that every metric is computed from.
//!
//! ```text
//!  (label, prediction, weight) batches ─▶ add ─▶ MetricState ─┐
//!                                                             ├─▶ merge ─▶ metrics::*::compute
//!  another shard's / sample's MetricState ────────────────────┘
//! ```
//!
//! Its parts, each additive and exact so that any sharding and merge order
//! gives bit-identical metrics:
//! - `sums`: exact weighted sums (Σw, Σw·y, Σw·(y−p)², ...) for the scalar metrics;
//! - `histogram`: TFMA's 10,000-bucket prediction histogram (only the
//!   buckets hit) for the thresholded AUC / AUC-PR and the calibration plot;
//! - `thresholds`: confusion counts at each decision threshold;
//! - `exact`: every example, only with `metrics.exact_auc`.
//!
//! The state does not know the task: a regression's predictions land in the
//! histogram's top bucket and cost little; the registry decides which metrics
//! read what.

mod confusion;
mod exact;
mod fixed;
mod histogram;
mod sums;

use serde::{Deserialize, Serialize};
use tabx_core::Mergeable;

use crate::MetricOptions;

pub(crate) use confusion::ThresholdCounts;
pub(crate) use exact::{ExactExamples, Example};
pub(crate) use fixed::Fixed;
pub(crate) use histogram::{Histogram, rebin};
#[cfg(test)]
pub(crate) use sums::KERAS_EPSILON;
pub(crate) use sums::Sums;

/// Additive state of one slice and one CI sample.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricState {
    examples: u64,
    sums: Sums,
    histogram: Histogram,
    thresholds: ThresholdCounts,
    exact: ExactExamples,
}

impl MetricState {
    /// Adds examples. The three slices have the same length; every value is
    /// finite (the evaluator counts and leaves out missing/NaN labels and
    /// predictions, and checks that a classifier's predictions are in [0, 1]);
    /// for a binary task the labels are 0.0 or 1.0. A weight is ≥ 0 (the
    /// example weight times its Poisson-bootstrap multiplicity).
    ///
    /// Slices of different lengths are cut to the shortest (a caller's bug,
    /// caught by a debug assertion). `options.exact_auc` decides whether the
    /// examples themselves are kept.
    pub fn add(&mut self, labels: &[f64], predictions: &[f64], weights: &[f64], options: &MetricOptions) {
        debug_assert!(labels.len() == predictions.len() && labels.len() == weights.len());
        let n = labels.len().min(predictions.len()).min(weights.len());
        if n == 0 {
            return;
        }
        let (labels, predictions, weights) = (&labels[..n], &predictions[..n], &weights[..n]);
        self.examples += n as u64;
        self.sums.add(labels, predictions, weights);
        // Weights and weighted labels in fixed point once, for the histogram
        // and the threshold counts, a stack chunk at a time.
        const CHUNK: usize = 64;
        let (mut w, mut wy) = ([Fixed::default(); CHUNK], [Fixed::default(); CHUNK]);
        for start in (0..n).step_by(CHUNK) {
            let range = start..(start + CHUNK).min(n);
            let len = range.len();
            for (i, (&y, &weight)) in labels[range.clone()].iter().zip(&weights[range.clone()]).enumerate() {
                w[i] = Fixed::from_f64(weight);
                wy[i] = Fixed::from_f64(weight * y);
            }
            let (w, wy) = (&w[..len], &wy[..len]);
            self.histogram.add(&predictions[range.clone()], &weights[range.clone()], w, wy);
            self.thresholds.add(&predictions[range], w, wy, &options.thresholds);
        }
        if options.exact_auc {
            self.exact.add(labels, predictions, weights);
        }
    }

    /// Examples added (unweighted, whatever their weight).
    pub fn example_count(&self) -> u64 {
        self.examples
    }

    /// Examples kept for the exact AUC (0 unless `metrics.exact_auc`); the
    /// evaluator holds their total, over all states, to `exact_auc_max_examples`.
    pub fn exact_examples(&self) -> u64 {
        self.exact.len() as u64
    }

    /// Bytes held, for the evaluation's memory budget: the struct (mostly
    /// its exact sums, ~5 KiB) and what its histogram, threshold counts and
    /// kept examples hold on the heap.
    pub fn size_bytes(&self) -> usize {
        size_of::<Self>() + self.histogram.heap_bytes() + self.thresholds.heap_bytes() + self.exact.heap_bytes()
    }

    pub(crate) fn sums(&self) -> &Sums {
        &self.sums
    }

    pub(crate) fn histogram(&self) -> &Histogram {
        &self.histogram
    }

    pub(crate) fn thresholds(&self) -> &ThresholdCounts {
        &self.thresholds
    }

    pub(crate) fn exact(&self) -> &ExactExamples {
        &self.exact
    }
}

impl Mergeable for MetricState {
    fn merge(&mut self, other: &Self) {
        self.examples += other.examples;
        self.sums.merge(&other.sums);
        self.histogram.merge(&other.histogram);
        self.thresholds.merge(&other.thresholds);
        self.exact.merge(&other.exact);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_grows_with_what_is_kept() {
        let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
        let empty = MetricState::default();
        let mut one = MetricState::default();
        one.add(&[1.0], &[0.25], &[1.0], &options);
        assert!(one.size_bytes() > empty.size_bytes());
        assert!(one.size_bytes() < empty.size_bytes() + 1024, "one example stays small: {}", one.size_bytes());
        assert_eq!((one.example_count(), one.exact_examples()), (1, 1));
        let mut many = MetricState::default();
        let p: Vec<f64> = (0..20_000).map(|i| f64::from(i) / 20_000.0).collect();
        let ones = vec![1.0; p.len()];
        many.add(&ones, &p, &ones, &options);
        // 10,000 buckets hit (52 bytes each), the index, 20,000 kept examples of 24.
        assert!(many.size_bytes() > 10_000 * 52 + 20_000 + 20_000 * 24);
    }
}
