//! Skew and drift checks: a feature's distance to the same feature in a
//! control dataset (serving statistics for skew, the previous span for drift)
//! against the thresholds of its `skew_comparator` / `drift_comparator`.
//!
//! A port of TFDV's `UpdateFeatureComparatorDirect` (`feature_util.cc`). The
//! distances themselves are in [`crate::distance`]. TFDV relaxes a breached
//! threshold to the measured value, and clears the thresholds when the control
//! dataset lacks the feature.

use tabx_schema::{DatasetFeatureStatistics, FeatureComparator, FeatureNameStatistics};

use crate::anomalies::{AnomalyType, Finding, Measurement, six_digits};
use crate::distance::{self, HistogramSource};

/// Which comparison, and so which words and which control dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparison {
    /// Training statistics against serving statistics.
    Skew,
    /// This span against the previous span.
    Drift,
}

impl Comparison {
    /// TFDV's `ComparatorContext`: (treatment, control).
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Self::Skew => ("training", "serving"),
            Self::Drift => ("current", "previous"),
        }
    }
}

/// The outcome of one comparator: findings plus the measurements for
/// `drift_skew_info`, whether or not they breached.
#[derive(Debug, Default)]
pub(crate) struct Compared {
    pub findings: Vec<Finding>,
    pub measurements: Vec<Measurement>,
}

/// Compares `stats` with its namesake in `control` under `comparator`,
/// relaxing the comparator as TFDV does. Nothing happens without thresholds
/// or without a control dataset.
pub(crate) fn compare(
    comparison: Comparison,
    stats: &FeatureNameStatistics,
    control: Option<&DatasetFeatureStatistics>,
    comparator: &mut FeatureComparator,
) -> Compared {
    let mut out = Compared::default();
    let linf = comparator.infinity_norm.as_ref().and_then(|t| t.threshold);
    let jsd = comparator.jensen_shannon_divergence.as_ref().and_then(|t| t.threshold);
    let nad = comparator.normalized_abs_difference.as_ref().and_then(|t| t.threshold);
    if linf.is_none() && jsd.is_none() && nad.is_none() {
        return out;
    }
    let Some(control) = control else { return out };
    let (treatment_name, control_name) = comparison.names();
    let Some(control_stats) = control.feature(&stats.name) else {
        for threshold in [
            comparator.infinity_norm.as_mut().map(|t| &mut t.threshold),
            comparator.jensen_shannon_divergence.as_mut().map(|t| &mut t.threshold),
            comparator.normalized_abs_difference.as_mut().map(|t| &mut t.threshold),
        ]
        .into_iter()
        .flatten()
        {
            *threshold = None;
        }
        out.findings.push(Finding::new(
            AnomalyType::ComparatorControlDataMissing,
            format!("{control_name} data missing"),
            format!("{control_name} data is missing."),
        ));
        return out;
    };
    let between = format!("{treatment_name} and {control_name}");

    if let (Some(threshold), Some(d)) = (linf, distance::l_infinity(stats, control_stats)) {
        out.measurements.push(measurement("L_INFTY", d.distance, threshold));
        if d.distance > threshold {
            comparator.infinity_norm.get_or_insert_default().threshold = Some(d.distance);
            out.findings.push(Finding::new(
                AnomalyType::ComparatorLInftyHigh,
                format!("High Linfty distance between {between}"),
                format!(
                    "The Linfty distance between {between} is {} (up to six significant digits), above the threshold \
                     {}. The feature value with maximum difference is: {}",
                    six_digits(d.distance),
                    six_digits(threshold),
                    d.value
                ),
            ));
        }
    }
    if let Some(threshold) = jsd {
        let source = match comparator.jensen_shannon_divergence.as_ref().and_then(|j| j.source.as_ref()) {
            Some(s) if s.kind.as_deref() == Some("QUANTILES") => HistogramSource::Quantiles,
            _ => HistogramSource::Standard,
        };
        match distance::jensen_shannon(stats, control_stats, source) {
            Some(value) => {
                out.measurements.push(measurement("JENSEN_SHANNON_DIVERGENCE", value, threshold));
                if value > threshold {
                    out.findings.push(Finding::new(
                        AnomalyType::ComparatorJensenShannonDivergenceHigh,
                        format!("High approximate Jensen-Shannon divergence between {between}"),
                        format!(
                            "The approximate Jensen-Shannon divergence between {between} is {} (up to six significant \
                             digits), above the threshold {}.",
                            six_digits(value),
                            six_digits(threshold)
                        ),
                    ));
                    comparator.jensen_shannon_divergence.get_or_insert_default().threshold = Some(value);
                }
            }
            None => tracing::warn!(
                feature = %stats.name,
                "a jensen_shannon_divergence threshold is set but the statistics have no comparable histogram or values"
            ),
        }
    }
    if let (Some(threshold), Some(d)) = (nad, distance::normalized_abs_difference(stats, control_stats)) {
        out.measurements.push(measurement("NORMALIZED_ABSOLUTE_DIFFERENCE", d.distance, threshold));
        if d.distance > threshold {
            comparator.normalized_abs_difference.get_or_insert_default().threshold = Some(d.distance);
            out.findings.push(Finding::new(
                AnomalyType::ComparatorNormalizedAbsoluteDifferenceHigh,
                format!("High normalized absolute difference between {between}"),
                format!(
                    "The normalized absolute difference between {between} is {} (up to six significant digits), \
                     above the threshold {}. The feature value with maximum difference is: {}",
                    six_digits(d.distance),
                    six_digits(threshold),
                    d.value
                ),
            ));
        }
    }
    out
}

fn measurement(kind: &str, value: f64, threshold: f64) -> Measurement {
    Measurement { kind: kind.into(), value, threshold }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_schema::Threshold;

    fn categorical(name: &str, values: &[(&str, f64)]) -> FeatureNameStatistics {
        FeatureNameStatistics::from_value_counts(name, values)
    }

    fn linf(threshold: f64) -> FeatureComparator {
        FeatureComparator { infinity_norm: Some(Threshold { threshold: Some(threshold) }), ..Default::default() }
    }

    #[test]
    fn skew_above_threshold_is_reported_and_relaxed() {
        // TFDV's schema_anomalies_test.cc `FindSkew`: training {a:1, b:2, c:7}
        // vs serving {a:3, b:1, c:6}: |0.1 - 0.3| = 0.2 at "a", threshold 0.1.
        let training = categorical("foo", &[("a", 1.0), ("b", 2.0), ("c", 7.0)]);
        let serving = DatasetFeatureStatistics {
            features: vec![categorical("foo", &[("a", 3.0), ("b", 1.0), ("c", 6.0)])],
            ..Default::default()
        };
        let mut comparator = linf(0.1);
        let out = compare(Comparison::Skew, &training, Some(&serving), &mut comparator);
        assert_eq!(out.findings[0].short, "High Linfty distance between training and serving");
        assert_eq!(
            out.findings[0].long,
            "The Linfty distance between training and serving is 0.2 (up to six significant digits), above the \
             threshold 0.1. The feature value with maximum difference is: a"
        );
        assert!((comparator.infinity_norm.unwrap().threshold.unwrap() - 0.2).abs() < 1e-15);
        assert_eq!(out.measurements[0].kind, "L_INFTY");
    }

    #[test]
    fn missing_control_feature_clears_thresholds() {
        let current = categorical("foo", &[("a", 1.0)]);
        let previous = DatasetFeatureStatistics::default();
        let mut comparator = linf(0.1);
        let out = compare(Comparison::Drift, &current, Some(&previous), &mut comparator);
        assert_eq!(out.findings[0].kind, AnomalyType::ComparatorControlDataMissing);
        assert_eq!(out.findings[0].long, "previous data is missing.");
        assert_eq!(comparator.infinity_norm.unwrap().threshold, None);
        let mut untouched = linf(0.1);
        assert!(compare(Comparison::Drift, &current, None, &mut untouched).findings.is_empty());
    }
}
