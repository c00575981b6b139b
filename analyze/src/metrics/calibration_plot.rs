//! `calibration_plot`: TFMA's `CalibrationPlot` (`metrics/calibration_plot.py`):
//! the 10,000-bucket histogram rebinned to `calibration_buckets` equal
//! buckets on [0, 1], plus one below 0 and one from 1 up, each with its
//! weighted examples, labels and predictions.
//!
//! TFMA lists every bucket; we list the non-empty ones (the plot is the same,
//! and a thousand empty buckets per slice would bloat `eval.json`).

use super::{CalibrationBucket, Metric, MetricValue};
use crate::state::rebin;
use crate::{MetricOptions, MetricState};

#[derive(Debug)]
pub(crate) struct CalibrationPlot;

impl Metric for CalibrationPlot {
    fn name(&self) -> &'static str {
        "calibration_plot"
    }

    fn higher_is_better(&self) -> Option<bool> {
        None
    }

    fn compute(&self, state: &MetricState, options: &MetricOptions) -> MetricValue {
        // TFMA: [-inf] + [left + i * (right - left) / num_buckets for i in range(num_buckets + 1)].
        let n = options.calibration_buckets.max(1);
        let mut thresholds = vec![f64::NEG_INFINITY];
        thresholds.extend((0..=n).map(|i| i as f64 / n as f64));
        let buckets = rebin(state.histogram(), &thresholds);
        let plot = buckets.iter().enumerate().filter(|(_, b)| !b.is_empty()).map(|(i, b)| CalibrationBucket {
            lower_threshold_inclusive: thresholds[i],
            upper_threshold_exclusive: thresholds.get(i + 1).copied().unwrap_or(f64::INFINITY),
            num_weighted_examples: b.examples.value(),
            total_weighted_label: b.labels.value(),
            total_weighted_refined_prediction: b.predictions.value(),
        });
        MetricValue::CalibrationPlot(plot.collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_weighted_sums() {
        // By hand, 4 buckets: 0.1 (y 1, w 2) and 0.2 (y 0, w 1) in [0, 0.25);
        // 0.9 in [0.75, 1); 1.0 in [1, inf).
        let options = MetricOptions { calibration_buckets: 4, ..MetricOptions::default() };
        let mut s = MetricState::default();
        s.add(&[1.0, 0.0, 1.0, 1.0], &[0.1, 0.2, 0.9, 1.0], &[2.0, 1.0, 1.0, 1.0], &options);
        let MetricValue::CalibrationPlot(plot) = CalibrationPlot.compute(&s, &options) else { panic!() };
        let rows: Vec<_> = plot
            .iter()
            .map(|b| {
                let sums = (b.num_weighted_examples, b.total_weighted_label, b.total_weighted_refined_prediction);
                (b.lower_threshold_inclusive, b.upper_threshold_exclusive, sums)
            })
            .collect();
        assert_eq!(
            rows,
            [(0.0, 0.25, (3.0, 2.0, 0.4)), (0.75, 1.0, (1.0, 1.0, 0.9)), (1.0, f64::INFINITY, (1.0, 1.0, 1.0))]
        );
        assert_eq!(CalibrationPlot.compute(&MetricState::default(), &options), MetricValue::CalibrationPlot(vec![]));
    }
}
