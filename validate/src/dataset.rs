//! Dataset-level checks: `dataset_constraints` bounds on the number of
//! examples and their drift against the previous span.
//!
//! A port of TFDV's `dataset_constraints_util.cc`; findings go in
//! `Anomalies.dataset_anomaly_info`. The `num_examples_version_comparator`
//! (against a previous version of the same span) is not checked: tabx's CLI
//! takes no previous-version statistics.

use tabx_schema::{DatasetConstraints, DatasetFeatureStatistics};

use crate::anomalies::{AnomalyType, Finding, six_digits};

/// Checks `stats` against `constraints`, relaxing them as TFDV does.
pub(crate) fn check_dataset(
    stats: &DatasetFeatureStatistics,
    previous: Option<&DatasetFeatureStatistics>,
    constraints: &mut DatasetConstraints,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let n = stats.num_examples;
    if constraints.min_examples_count.is_some_and(|min| (n as i64) < min) {
        constraints.min_examples_count = Some(n as i64);
        findings.push(Finding::new(
            AnomalyType::DatasetLowNumExamples,
            "Low num examples in dataset.",
            format!("The dataset has {n} examples, which is fewer than expected."),
        ));
    }
    if constraints.max_examples_count.is_some_and(|max| (n as i64) > max) {
        constraints.max_examples_count = Some(n as i64);
        findings.push(Finding::new(
            AnomalyType::DatasetHighNumExamples,
            "High num examples in dataset.",
            format!("The dataset has {n} examples, which is more than expected."),
        ));
    }
    if let (Some(comparator), Some(previous)) = (constraints.num_examples_drift_comparator.as_mut(), previous) {
        let control = "previous span";
        let before = previous.num_examples;
        let ratio = n as f64 / before as f64;
        if let Some(max) = comparator.max_fraction_threshold {
            if before == 0 {
                comparator.max_fraction_threshold = None;
                findings.push(Finding::new(
                    AnomalyType::ComparatorHighNumExamples,
                    format!("High num examples in current dataset versus the {control}, which has 0."),
                    format!(
                        "The {control} has 0 examples, so there is a high number of examples in the current dataset \
                         versus the {control}."
                    ),
                ));
            } else if ratio > max {
                comparator.max_fraction_threshold = Some(ratio);
                findings.push(Finding::new(
                    AnomalyType::ComparatorHighNumExamples,
                    format!("High num examples in current dataset versus the {control}."),
                    format!(
                        "The ratio of num examples in the current dataset versus the {control} is {} (up to six \
                         significant digits), which is above the threshold {}.",
                        six_digits(ratio),
                        six_digits(max)
                    ),
                ));
            }
        }
        if let Some(min) = comparator.min_fraction_threshold
            && before != 0
            && ratio < min
        {
            comparator.min_fraction_threshold = Some(ratio);
            findings.push(Finding::new(
                AnomalyType::ComparatorLowNumExamples,
                format!("Low num examples in current dataset versus the {control}."),
                format!(
                    "The ratio of num examples in the current dataset versus the {control} is {} (up to six \
                     significant digits), which is below the threshold {}.",
                    six_digits(ratio),
                    six_digits(min)
                ),
            ));
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_schema::NumericValueComparator;

    fn stats(n: u64) -> DatasetFeatureStatistics {
        DatasetFeatureStatistics { num_examples: n, ..Default::default() }
    }

    #[test]
    fn example_count_bounds() {
        let mut c =
            DatasetConstraints { min_examples_count: Some(1000), max_examples_count: Some(2000), ..Default::default() };
        let findings = check_dataset(&stats(10), None, &mut c);
        assert_eq!(findings[0].long, "The dataset has 10 examples, which is fewer than expected.");
        assert_eq!(c.min_examples_count, Some(10));
        assert!(check_dataset(&stats(1500), None, &mut c).is_empty());
        assert_eq!(check_dataset(&stats(2001), None, &mut c)[0].kind, AnomalyType::DatasetHighNumExamples);
    }

    #[test]
    fn example_count_drift_against_the_previous_span() {
        // 150 now vs 100 before: ratio 1.5 > max 1.2; 50 vs 100: 0.5 < min 0.8.
        let comparator =
            NumericValueComparator { min_fraction_threshold: Some(0.8), max_fraction_threshold: Some(1.2) };
        let mut c = DatasetConstraints { num_examples_drift_comparator: Some(comparator), ..Default::default() };
        let high = check_dataset(&stats(150), Some(&stats(100)), &mut c.clone());
        assert_eq!(
            high[0].long,
            "The ratio of num examples in the current dataset versus the previous span is 1.5 (up to six significant \
             digits), which is above the threshold 1.2."
        );
        let low = check_dataset(&stats(50), Some(&stats(100)), &mut c);
        assert_eq!(low[0].kind, AnomalyType::ComparatorLowNumExamples);
        assert_eq!(c.num_examples_drift_comparator.unwrap().min_fraction_threshold, Some(0.5));
    }
}
