//! `auc_exact` and `auc_precision_recall_exact`: the areas under the ROC and
//! precision-recall curves from every example (`metrics.exact_auc`), as
//! scikit-learn defines them: `roc_auc_score` (trapezoids between the curve's
//! points, one point per distinct prediction, so tied predictions count half)
//! and `average_precision_score` (Σ (Rₙ − Rₙ₋₁)·Pₙ, no interpolation), both
//! with `sample_weight`.
//!
//! The examples are walked in a canonical order (prediction descending, ties
//! in a fixed order), so the value is the same under any sharding.

use super::{Metric, MetricValue, ZERO_WEIGHT, scalar};
use crate::state::Example;
use crate::{MetricOptions, MetricState};

/// Cumulative (weighted positives, weighted negatives) after each distinct
/// prediction, highest first: sklearn's `_binary_clf_curve`.
fn curve(examples: &[Example]) -> Vec<(f64, f64)> {
    let mut points = Vec::new();
    let (mut tp, mut fp) = (0.0, 0.0);
    for (i, &[p, y, w]) in examples.iter().enumerate() {
        tp += w * y;
        fp += w * (1.0 - y);
        if examples.get(i + 1).is_none_or(|next| next[0] != p) {
            points.push((tp, fp));
        }
    }
    points
}

/// The kept examples, or why the metric is undefined.
fn examples(state: &MetricState, need_negatives: bool) -> Result<Vec<(f64, f64)>, MetricValue> {
    let undefined = |why: &str| Err(MetricValue::Undefined(why.to_string()));
    if state.example_count() > 0 && state.exact_examples() == 0 {
        return undefined("the exact AUC keeps examples only with metrics.exact_auc");
    }
    let points = curve(&state.exact().sorted_descending());
    let &(positives, negatives) = points.last().unwrap_or(&(0.0, 0.0));
    if positives + negatives == 0.0 {
        undefined(ZERO_WEIGHT)
    } else if positives == 0.0 {
        undefined("no positive labels in this slice")
    } else if need_negatives && negatives == 0.0 {
        undefined("no negative labels in this slice")
    } else {
        Ok(points)
    }
}

#[derive(Debug)]
pub(crate) struct AucExact;

impl Metric for AucExact {
    fn name(&self) -> &'static str {
        "auc_exact"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(true)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        let points = match examples(state, true) {
            Ok(points) => points,
            Err(undefined) => return undefined,
        };
        let (positives, negatives) = points[points.len() - 1];
        let mut area = 0.0;
        let (mut tp0, mut fp0) = (0.0, 0.0);
        for &(tp, fp) in &points {
            area += (fp - fp0) / negatives * (tp + tp0) / positives / 2.0;
            (tp0, fp0) = (tp, fp);
        }
        scalar(area)
    }
}

#[derive(Debug)]
pub(crate) struct AucPrecisionRecallExact;

impl Metric for AucPrecisionRecallExact {
    fn name(&self) -> &'static str {
        "auc_precision_recall_exact"
    }

    fn higher_is_better(&self) -> Option<bool> {
        Some(true)
    }

    fn compute(&self, state: &MetricState, _: &MetricOptions) -> MetricValue {
        let points = match examples(state, false) {
            Ok(points) => points,
            Err(undefined) => return undefined,
        };
        let positives = points[points.len() - 1].0;
        let mut ap = 0.0;
        let mut tp0 = 0.0;
        for &(tp, fp) in &points {
            if tp > tp0 {
                ap += (tp - tp0) / positives * (tp / (tp + fp));
            }
            tp0 = tp;
        }
        scalar(ap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(metric: &dyn Metric, labels: &[f64], predictions: &[f64]) -> MetricValue {
        let options = MetricOptions { exact_auc: true, ..MetricOptions::default() };
        let mut s = MetricState::default();
        s.add(labels, predictions, &vec![1.0; labels.len()], &options);
        metric.compute(&s, &options)
    }

    #[test]
    fn ties_count_half() {
        // By hand: one positive and one negative at the same score → 0.5;
        // sklearn.metrics.roc_auc_score([0, 1], [0.5, 0.5]) = 0.5.
        assert_eq!(value(&AucExact, &[0.0, 1.0], &[0.5, 0.5]), MetricValue::Scalar(0.5));
        // sklearn.metrics.average_precision_score([0, 1], [0.5, 0.5]) = 0.5.
        assert_eq!(value(&AucPrecisionRecallExact, &[0.0, 1.0], &[0.5, 0.5]), MetricValue::Scalar(0.5));
    }

    #[test]
    fn needs_kept_examples_and_both_classes() {
        let options = MetricOptions::default();
        let mut s = MetricState::default();
        s.add(&[0.0, 1.0], &[0.2, 0.8], &[1.0, 1.0], &options);
        assert!(matches!(AucExact.compute(&s, &options), MetricValue::Undefined(r) if r.contains("exact_auc")));
        assert_eq!(value(&AucExact, &[1.0], &[0.3]), MetricValue::Undefined("no negative labels in this slice".into()));
        assert_eq!(
            value(&AucPrecisionRecallExact, &[0.0], &[0.3]),
            MetricValue::Undefined("no positive labels in this slice".into())
        );
        assert_eq!(value(&AucExact, &[], &[]), MetricValue::Undefined(ZERO_WEIGHT.into()));
    }
}
