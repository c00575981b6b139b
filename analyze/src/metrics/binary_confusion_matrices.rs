//! TFMA's thresholded confusion matrices (`metrics/binary_confusion_matrices.py`
//! with `num_thresholds`), which `auc` and `auc_precision_recall` read.
//!
//! TFMA does not count examples at each AUC threshold: it rebins the
//! 10,000-bucket calibration histogram to the thresholds
//! (`_interpolated_thresholds(num_thresholds)`: −ε, 1/(n−1), ..., (n−2)/(n−1),
//! 1+ε, each shifted by +ε so that "≥ bucket edge" means "> threshold") and
//! sums buckets above and below each threshold
//! (`_histogram_to_binary_confusion_matrices`). We reproduce those steps, in
//! exact fixed point until the final division.

use super::MetricValue;
use crate::MetricState;
use crate::state::{Fixed, rebin};

/// `binary_confusion_matrices._EPSILON`.
const EPSILON: f64 = 1e-7;

/// TFMA's `_interpolated_thresholds` (Keras's AUC thresholds), same f64 arithmetic.
pub(crate) fn interpolated_thresholds(num_thresholds: usize) -> Vec<f64> {
    let n = num_thresholds.max(2);
    let mut thresholds = Vec::with_capacity(n);
    thresholds.push(-EPSILON);
    thresholds.extend((0..n - 2).map(|i| (i + 1) as f64 / (n - 1) as f64));
    thresholds.push(1.0 + EPSILON);
    thresholds
}

/// Weighted confusion counts at each threshold (TFMA's `Matrices`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Matrices {
    pub(crate) tp: Vec<f64>,
    pub(crate) fp: Vec<f64>,
    pub(crate) tn: Vec<f64>,
    pub(crate) fn_: Vec<f64>,
}

/// The matrices at `_interpolated_thresholds(num_thresholds)`.
pub(crate) fn thresholded_matrices(state: &MetricState, num_thresholds: usize) -> Matrices {
    let thresholds = interpolated_thresholds(num_thresholds);
    // The first threshold is < 0 and the last ≥ 1, so TFMA adds no fence posts.
    let rebin_thresholds: Vec<f64> = thresholds.iter().map(|&t| if t == 0.0 { t } else { t + EPSILON }).collect();
    let buckets = rebin(state.histogram(), &rebin_thresholds);
    let n = buckets.len();
    let mut m = Matrices { tp: vec![0.0; n], fp: vec![0.0; n], tn: vec![0.0; n], fn_: vec![0.0; n] };
    // tp(i), fp(i): positives / negatives in buckets ≥ i; fn(i), tn(i): below i.
    let (mut above_pos, mut above_neg) = (Fixed::default(), Fixed::default());
    for (i, b) in buckets.iter().enumerate().rev() {
        above_pos.add(b.labels);
        above_neg.add(b.negatives());
        m.tp[i] = above_pos.value();
        m.fp[i] = above_neg.value();
    }
    let (mut below_pos, mut below_neg) = (Fixed::default(), Fixed::default());
    for (i, b) in buckets.iter().enumerate() {
        m.fn_[i] = below_pos.value();
        m.tn[i] = below_neg.value();
        below_pos.add(b.labels);
        below_neg.add(b.negatives());
    }
    // "TP/FP values greater than 1.0 + EPSILON should be 0.0."
    for (i, &t) in thresholds.iter().enumerate() {
        if t >= 1.0 + EPSILON {
            (m.fn_[i], m.tn[i]) = (m.tp[0], m.fp[0]);
            (m.tp[i], m.fp[i]) = (0.0, 0.0);
        }
    }
    m
}

/// Undefined when the slice lacks a class the curve needs: every AUC needs
/// positives, and the ROC curve negatives too.
pub(crate) fn check_classes(state: &MetricState, need_negatives: bool) -> Option<MetricValue> {
    let (mut positives, mut examples) = (Fixed::default(), Fixed::default());
    for (_, b) in state.histogram().iter() {
        positives.add(b.labels);
        examples.add(b.examples);
    }
    let why = if examples.is_zero() {
        super::ZERO_WEIGHT
    } else if positives.is_zero() {
        "no positive labels in this slice"
    } else if need_negatives && examples.sub(positives).is_zero() {
        "no negative labels in this slice"
    } else {
        return None;
    };
    Some(MetricValue::Undefined(why.into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MetricOptions;

    #[test]
    fn thresholds_are_keras_interpolated() {
        assert_eq!(interpolated_thresholds(2), [-1e-7, 1.0 + 1e-7]);
        assert_eq!(interpolated_thresholds(5), [-1e-7, 0.25, 0.5, 0.75, 1.0 + 1e-7]);
    }

    #[test]
    fn tfma_matrices_at_thresholds() {
        // confusion_matrix_metrics_test.py, testConfusionMatrixMetrics data.
        let labels = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0];
        let predictions = [0.6, 0.3, 0.2, 0.6, 0.7, 0.8, 0.1, 0.2, 0.3, 0.4];
        let mut s = MetricState::default();
        s.add(&labels, &predictions, &[1.0; 10], &MetricOptions::default());
        let m = thresholded_matrices(&s, 3);
        // Thresholds −ε, 0.5, 1+ε: everything above −ε; at 0.5, tp 1 fp 3 fn 4 tn 2; none above 1+ε.
        assert_eq!(m.tp, [5.0, 1.0, 0.0]);
        assert_eq!(m.fp, [5.0, 3.0, 0.0]);
        assert_eq!(m.fn_, [0.0, 4.0, 5.0]);
        assert_eq!(m.tn, [0.0, 2.0, 5.0]);
    }
}
