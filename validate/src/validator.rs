//! `validate`: statistics against a schema, giving TFDV's `Anomalies` and the
//! schema relaxed to accept the data (TFDV's `validate_statistics` and
//! `update_schema` are the two halves of one pass, as in its C++
//! `FeatureStatisticsValidator`).
//!
//! Order per feature follows TFDV's `UpdateFeatureInternal`: the schema's own
//! consistency, presence in the data, environment, value counts, presence
//! bounds, type, domain, unique values, then the skew and drift comparators.
//! A new check goes in the module of its kind (`feature`, `domain`,
//! `comparator`, `dataset`) and is called from [`check_feature`] below.

use tabx_schema::{DatasetFeatureStatistics, Feature, InferOptions, Schema, infer_feature};

use crate::anomalies::{Anomalies, AnomalyInfo, AnomalyType, DriftSkewInfo, FeaturePath, Finding};
use crate::comparator::{Comparison, compare};
use crate::dataset::check_dataset;
use crate::domain::check_domain;
use crate::feature::{
    FeatureContext, check_environment, check_presence, check_self, check_type, check_unique, check_value_count,
    existence_required,
};

/// What to validate against besides the schema.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValidationOptions<'a> {
    /// The environment (e.g. `SERVING`) whose `in_environment` /
    /// `not_in_environment` rules apply; `None` expects every feature.
    pub environment: Option<&'a str>,
    /// Statistics of the previous span, for drift comparators.
    pub previous: Option<&'a DatasetFeatureStatistics>,
    /// Serving statistics, for skew comparators.
    pub serving: Option<&'a DatasetFeatureStatistics>,
}

/// The result of [`validate`].
#[derive(Debug, Clone)]
pub struct Validation {
    pub anomalies: Anomalies,
    /// The schema relaxed so that these statistics raise no anomaly.
    pub updated_schema: Schema,
}

/// Validates `stats` against `schema`. Findings are data, never errors.
pub fn validate(stats: &DatasetFeatureStatistics, schema: &Schema, options: &ValidationOptions) -> Validation {
    let mut updated = schema.clone();
    let mut anomalies = Anomalies { baseline: Some(schema.clone()), ..Anomalies::default() };
    // An empty dataset is its own finding; TFDV checks nothing else then.
    if stats.num_examples == 0 {
        anomalies.data_missing = Some(true);
        return Validation { anomalies, updated_schema: updated };
    }

    if let Some(constraints) = updated.dataset_constraints.as_mut() {
        let findings = check_dataset(stats, options.previous, constraints);
        if !findings.is_empty() {
            anomalies.dataset_anomaly_info = Some(AnomalyInfo::from_findings(None, &findings));
        }
    }

    for feature_stats in &stats.features {
        let (findings, drift_skew) = match updated.feature.iter().position(|f| f.name == feature_stats.name) {
            Some(index) => {
                let mut feature = updated.feature[index].clone();
                let ctx = FeatureContext {
                    stats: feature_stats,
                    num_examples: stats.num_examples,
                    environment: options.environment,
                };
                let out = check_feature(&mut updated, &ctx, options, &mut feature);
                updated.feature[index] = feature;
                out
            }
            None => {
                let feature = infer_feature(&mut updated, feature_stats, &InferOptions::default());
                updated.feature.push(feature);
                let new_column = Finding::new(
                    AnomalyType::SchemaNewColumn,
                    "New column",
                    "New column (column in data but not in schema)",
                );
                (vec![new_column], None)
            }
        };
        record(&mut anomalies, &feature_stats.name, &findings);
        anomalies.drift_skew_info.extend(drift_skew);
    }

    for feature in &mut updated.feature {
        let present = stats.feature(&feature.name).is_some();
        if !present && existence_required(schema, feature, options.environment) {
            feature.deprecate();
            let name = feature.name.clone();
            let finding =
                Finding::new(AnomalyType::SchemaMissingColumn, "Column dropped", "Column is completely missing");
            record(&mut anomalies, &name, &[finding]);
        }
    }
    Validation { anomalies, updated_schema: updated }
}

fn record(anomalies: &mut Anomalies, name: &str, findings: &[Finding]) {
    if !findings.is_empty() {
        anomalies.anomaly_info.insert(name.to_string(), AnomalyInfo::from_findings(Some(name), findings));
    }
}

/// All checks of one feature present in the statistics.
fn check_feature(
    schema: &mut Schema,
    ctx: &FeatureContext,
    options: &ValidationOptions,
    feature: &mut Feature,
) -> (Vec<Finding>, Option<DriftSkewInfo>) {
    let mut findings = check_self(schema, feature);
    if feature.is_deprecated() {
        return (findings, None);
    }
    if ctx.stats.num_present() == 0 {
        if existence_required(schema, feature, ctx.environment) {
            findings.push(Finding::new(
                AnomalyType::FeatureTypeNotPresent,
                "Column dropped",
                "The feature was not present in any examples.",
            ));
            feature.deprecate();
        }
        return (findings, None);
    }
    findings.extend(check_environment(schema, ctx, feature));
    findings.extend(check_value_count(ctx, feature));
    findings.extend(check_presence(ctx, feature));
    findings.extend(check_type(ctx, feature));
    findings.extend(check_domain(schema, ctx.stats, feature));
    findings.extend(check_unique(ctx, feature));

    let mut info = DriftSkewInfo { path: FeaturePath { step: vec![feature.name.clone()] }, ..Default::default() };
    if let Some(comparator) = feature.drift_comparator.as_mut() {
        let out = compare(Comparison::Drift, ctx.stats, options.previous, comparator);
        findings.extend(out.findings);
        info.drift_measurements = out.measurements;
    }
    if let Some(comparator) = feature.skew_comparator.as_mut() {
        let out = compare(Comparison::Skew, ctx.stats, options.serving, comparator);
        findings.extend(out.findings);
        info.skew_measurements = out.measurements;
    }
    let measured = !(info.drift_measurements.is_empty() && info.skew_measurements.is_empty());
    (findings, measured.then_some(info))
}

/// TFDV's `update_schema`: `schema` relaxed to accept `stats`. With
/// `only`, just the features (and dataset constraints) flagged in those
/// anomalies are relaxed, e.g. after a person reviewed them; the rest of the
/// schema stays as it was.
pub fn update_schema(
    stats: &DatasetFeatureStatistics,
    schema: &Schema,
    options: &ValidationOptions,
    only: Option<&Anomalies>,
) -> Schema {
    let relaxed = validate(stats, schema, options).updated_schema;
    let Some(flagged) = only else { return relaxed };
    let mut out = schema.clone();
    if flagged.dataset_anomaly_info.is_some() {
        out.dataset_constraints = relaxed.dataset_constraints.clone();
    }
    for name in flagged.anomaly_info.keys() {
        let Some(feature) = relaxed.feature(name) else { continue };
        match out.feature_mut(name) {
            Some(slot) => *slot = feature.clone(),
            None => out.feature.push(feature.clone()),
        }
        if let Some(domain_name) = &feature.domain
            && let Some(domain) = relaxed.string_domain(domain_name)
        {
            match out.string_domain_mut(domain_name) {
                Some(slot) => *slot = domain.clone(),
                None => out.string_domain.push(domain.clone()),
            }
        }
    }
    out
}
