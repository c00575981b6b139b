//! [`ThresholdCounts`]: exact weighted confusion counts at each decision
//! threshold of `metrics.thresholds` (binary_accuracy, precision, recall,
//! f1_score, confusion_matrix_at_thresholds).
//!
//! TFMA computes these without the histogram when thresholds are given
//! (`binary_confusion_matrices._BinaryConfusionMatrixCombiner`): a prediction
//! is positive when `prediction > threshold` (Keras's rule), and a label y in
//! [0, 1] counts w·y as a positive and w·(1−y) as a negative
//! (`fractional_labels`; for 0/1 labels, the plain counts).

use serde::{Deserialize, Serialize};

use super::fixed::Fixed;

/// One threshold's weighted counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Counts {
    pub(crate) true_positives: Fixed,
    pub(crate) false_positives: Fixed,
    pub(crate) true_negatives: Fixed,
    pub(crate) false_negatives: Fixed,
}

impl Counts {
    fn add(&mut self, other: &Self) {
        self.true_positives.add(other.true_positives);
        self.false_positives.add(other.false_positives);
        self.true_negatives.add(other.true_negatives);
        self.false_negatives.add(other.false_negatives);
    }
}

/// Counts at each decision threshold, in the order of `metrics.thresholds`
/// (empty until the first example: a default state knows no thresholds).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ThresholdCounts(Vec<Counts>);

impl ThresholdCounts {
    /// Adds examples: predictions, and their weights and weighted labels in
    /// fixed point (slices of equal length).
    pub(crate) fn add(&mut self, predictions: &[f64], w: &[Fixed], wy: &[Fixed], thresholds: &[f64]) {
        if self.0.len() < thresholds.len() {
            self.0.resize(thresholds.len(), Counts::default());
        }
        let (mut total, mut total_positive) = (Fixed::default(), Fixed::default());
        for (&w, &wy) in w.iter().zip(wy) {
            total.add(w);
            total_positive.add(wy);
        }
        for (counts, &t) in self.0.iter_mut().zip(thresholds) {
            let (mut above, mut above_positive) = (Fixed::default(), Fixed::default());
            for ((&p, &w), &wy) in predictions.iter().zip(w).zip(wy) {
                if p > t {
                    above.add(w);
                    above_positive.add(wy);
                }
            }
            let below_positive = total_positive.sub(above_positive);
            counts.add(&Counts {
                true_positives: above_positive,
                false_positives: above.sub(above_positive),
                false_negatives: below_positive,
                true_negatives: total.sub(above).sub(below_positive),
            });
        }
    }

    /// The counts at threshold `i` of `metrics.thresholds` (zeros if no example was added).
    pub(crate) fn at(&self, i: usize) -> Counts {
        self.0.get(i).copied().unwrap_or_default()
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), Counts::default());
        }
        for (mine, theirs) in self.0.iter_mut().zip(&other.0) {
            mine.add(theirs);
        }
    }

    pub(crate) fn heap_bytes(&self) -> usize {
        self.0.capacity() * size_of::<Counts>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_prediction_above_threshold() {
        // tensorflow_model_analysis/metrics/confusion_matrix_metrics_test.py,
        // testConfusionMatrixMetrics: at 0.5, tp = 1, tn = 2, fp = 3, fn = 4.
        let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let predictions = [0.6, 0.3, 0.2, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4];
        let mut c = ThresholdCounts::default();
        let w = [Fixed::from_f64(1.0); 10];
        c.add(&predictions, &w, &labels.map(Fixed::from_f64), &[0.5, 0.6]);
        let at = c.at(0);
        let got = [at.true_positives, at.true_negatives, at.false_positives, at.false_negatives].map(Fixed::value);
        assert_eq!(got, [1.0, 2.0, 3.0, 4.0]);
        // p > t, not ≥: the two 0.6 predictions are negatives at 0.6.
        let at = c.at(1);
        assert_eq!((at.true_positives.value(), at.false_positives.value()), (0.0, 2.0));
        assert_eq!(c.at(7), Counts::default());
    }
}
