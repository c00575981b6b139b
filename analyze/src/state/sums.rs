//! [`Sums`]: the exact weighted sums behind the scalar metrics (means,
//! calibration, regression errors, cross-entropy).
//!
//! Each per-example term (w·y, w·(y−p)², ...) is computed in f64, the same
//! way whatever the shard, and added to a [`ExactSum`] (Neal's
//! superaccumulator), so a sum is the correctly rounded total of the same
//! terms in any order: sharded runs give bit-identical metrics.

use serde::{Deserialize, Serialize};
use tabx_core::{ExactSum, Mergeable};

/// Keras's `backend.epsilon()`, which `binary_crossentropy` clips with.
pub(crate) const KERAS_EPSILON: f64 = 1e-7;

/// Weighted sums over a slice's examples (y: label, p: prediction, w: weight).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Sums {
    /// Σw
    pub(crate) weight: ExactSum,
    /// Σw·y
    pub(crate) label: ExactSum,
    /// Σw·p
    pub(crate) prediction: ExactSum,
    /// Σw·y², with the rounding error of (w·y)·y added too: R²'s total sum
    /// of squares is a difference of nearly equal sums when the mean dwarfs
    /// the spread.
    pub(crate) label_squared: ExactSum,
    /// Σw·(y−p)²
    pub(crate) squared_error: ExactSum,
    /// Σw·|y−p|
    pub(crate) absolute_error: ExactSum,
    /// Σw·|y−p|/|y| over examples with y ≠ 0 (TFMA's
    /// `mean_absolute_percentage_error` leaves zero labels out).
    pub(crate) absolute_percentage_error: ExactSum,
    /// Σw over examples with y ≠ 0.
    pub(crate) nonzero_label_weight: ExactSum,
    /// Σw·BCE(y, p), Keras's clipped binary cross-entropy; only examples
    /// with p in [0, 1] (any other prediction is a regression's).
    pub(crate) cross_entropy: ExactSum,
}

impl Sums {
    /// Adds examples (slices of equal length).
    pub(crate) fn add(&mut self, labels: &[f64], predictions: &[f64], weights: &[f64]) {
        for ((&y, &p), &w) in labels.iter().zip(predictions).zip(weights) {
            let wy = w * y;
            let d = y - p;
            let wd = w * d;
            self.weight.add(w);
            self.label.add(wy);
            self.prediction.add(w * p);
            let yy = wy * y;
            self.label_squared.add(yy);
            self.label_squared.add(wy.mul_add(y, -yy));
            self.squared_error.add(wd * d);
            self.absolute_error.add(wd.abs());
            if y != 0.0 {
                self.absolute_percentage_error.add(wd.abs() / y.abs());
                self.nonzero_label_weight.add(w);
            }
            if (0.0..=1.0).contains(&p) {
                self.cross_entropy.add(w * binary_crossentropy(y, p));
            }
        }
    }
}

/// Keras's `binary_crossentropy` of one example (TF 2.x `backend.py`):
/// p clipped to [ε, 1−ε], then −(y·log(p+ε) + (1−y)·log(1−p+ε)), ε = 1e-7.
#[inline]
pub(crate) fn binary_crossentropy(y: f64, p: f64) -> f64 {
    let p = p.clamp(KERAS_EPSILON, 1.0 - KERAS_EPSILON);
    let mut bce = 0.0;
    if y != 0.0 {
        bce += y * (p + KERAS_EPSILON).ln();
    }
    if y != 1.0 {
        bce += (1.0 - y) * (1.0 - p + KERAS_EPSILON).ln();
    }
    -bce
}

impl Mergeable for Sums {
    fn merge(&mut self, other: &Self) {
        self.weight.merge(&other.weight);
        self.label.merge(&other.label);
        self.prediction.merge(&other.prediction);
        self.label_squared.merge(&other.label_squared);
        self.squared_error.merge(&other.squared_error);
        self.absolute_error.merge(&other.absolute_error);
        self.absolute_percentage_error.merge(&other.absolute_percentage_error);
        self.nonzero_label_weight.merge(&other.nonzero_label_weight);
        self.cross_entropy.merge(&other.cross_entropy);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_crossentropy_is_keras() {
        // Keras: y=1, p=0.5 → −log(0.5 + 1e-7); a clipped 0 gives −log(2e-7).
        assert_eq!(binary_crossentropy(1.0, 0.5), -(0.5f64 + 1e-7).ln());
        assert_eq!(binary_crossentropy(0.0, 0.25), -(0.75f64 + 1e-7).ln());
        assert_eq!(binary_crossentropy(1.0, 0.0), -(2e-7f64).ln());
        assert!(binary_crossentropy(0.0, 1.0).is_finite());
    }

    #[test]
    fn sums_are_the_weighted_terms() {
        let mut s = Sums::default();
        s.add(&[1.0, 0.0, 4.0], &[0.5, 0.25, 3.0], &[2.0, 1.0, 0.5]);
        assert_eq!(s.weight.value(), 3.5);
        assert_eq!(s.label.value(), 2.0 + 2.0);
        assert_eq!(s.prediction.value(), 1.0 + 0.25 + 1.5);
        assert_eq!(s.label_squared.value(), 2.0 + 8.0);
        assert_eq!(s.squared_error.value(), 0.5 + 0.0625 + 0.5);
        assert_eq!(s.absolute_error.value(), 1.0 + 0.25 + 0.5);
        assert_eq!(s.absolute_percentage_error.value(), 1.0 + 0.125);
        assert_eq!(s.nonzero_label_weight.value(), 2.5);
    }
}
