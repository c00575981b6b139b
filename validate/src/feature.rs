//! Checks of one feature's statistics against its schema entry: presence,
//! value counts, type, unique values and environments.
//!
//! A port of TFDV's `Schema::UpdateFeatureInternal` (`anomalies/schema.cc`)
//! and `feature_util.cc`. As in TFDV, each check both reports a [`Finding`]
//! and relaxes the feature so that it would accept these statistics: the
//! relaxed schema is what `tabx schema update` writes.

use tabx_schema::{Feature, FeatureNameStatistics, Schema, SchemaType, UniqueConstraints, schema_type_of};

use crate::anomalies::{AnomalyType, Finding};

/// What a feature check needs besides the feature itself.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FeatureContext<'a> {
    pub stats: &'a FeatureNameStatistics,
    pub num_examples: u64,
    pub environment: Option<&'a str>,
}

/// Whether the schema requires `feature` in `environment` (TFDV's
/// `IsExistenceRequired`): not deprecated, a positive presence bound, and
/// expected in the environment.
pub(crate) fn existence_required(schema: &Schema, feature: &Feature, environment: Option<&str>) -> bool {
    if feature.is_deprecated() {
        return false;
    }
    let presence = feature.presence.clone().unwrap_or_default();
    if presence.min_count.unwrap_or(0) <= 0 && presence.min_fraction.unwrap_or(0.0) <= 0.0 {
        return false;
    }
    schema.in_environment(feature, environment)
}

/// The schema's own consistency (TFDV's `UpdateFeatureSelf`), checked before the data.
pub(crate) fn check_self(schema: &Schema, feature: &mut Feature) -> Vec<Finding> {
    let mut findings = Vec::new();
    if feature.feature_type.is_none() {
        if feature.domain.is_some() || feature.string_domain.is_some() {
            findings.push(Finding::new(
                AnomalyType::FeatureMissingType,
                "Missing type",
                "unspecified type: inferring the type to be BYTES, given the domain specified.",
            ));
            feature.feature_type = Some(SchemaType::Bytes);
        } else {
            findings.push(Finding::new(
                AnomalyType::FeatureMissingType,
                "Missing type",
                "unspecified type: determine the type and set it, rather than deprecating.",
            ));
            feature.deprecate();
            return findings;
        }
    }
    if let Some(presence) = feature.presence.as_mut() {
        match presence.min_fraction {
            Some(f) if f < 0.0 => {
                presence.min_fraction = None;
                findings.push(invalid_spec("min_fraction should not be negative: clear is equal to zero"));
            }
            Some(f) if f > 1.0 => {
                presence.min_fraction = Some(1.0);
                findings.push(invalid_spec("min_fraction should not greater than 1"));
            }
            _ => {}
        }
    }
    if let Some(kind) = feature.domain_kind()
        && !domain_allows(kind, feature.schema_type())
    {
        findings.push(Finding::new(
            AnomalyType::DomainInvalidForType,
            "The domain does not match the type",
            format!("The domain \"{kind}\" does not match the type: {}", feature.schema_type().name()),
        ));
        feature.clear_domain();
    }
    if let Some(name) = feature.domain.clone()
        && schema.string_domain(&name).is_none()
    {
        feature.domain = None;
        findings.push(invalid_spec(format!("missing domain: {name}")));
    }
    findings
}

/// TFDV's `AllowedFeatureTypes`: which types each domain may annotate.
fn domain_allows(kind: &str, t: SchemaType) -> bool {
    use SchemaType::*;
    match kind {
        "domain" | "string_domain" | "natural_language_domain" | "image_domain" | "mid_domain" | "url_domain" => {
            t == Bytes
        }
        "bool_domain" => matches!(t, Int | Bytes | Float),
        "int_domain" | "time_domain" => matches!(t, Int | Bytes),
        "float_domain" => matches!(t, Float | Bytes),
        "struct_domain" => t == Struct,
        _ => true,
    }
}

fn invalid_spec(text: impl Into<String>) -> Finding {
    let text = text.into();
    Finding::new(AnomalyType::InvalidSchemaSpecification, text.clone(), text)
}

/// `value_count` bounds against the statistics' min/max values per example.
pub(crate) fn check_value_count(ctx: &FeatureContext, feature: &mut Feature) -> Vec<Finding> {
    let (Some(bounds), Some(common)) = (feature.value_count.as_mut(), ctx.stats.common()) else { return Vec::new() };
    let mut findings = Vec::new();
    let (min_values, max_values) = (common.min_num_values as i64, common.max_num_values as i64);
    if bounds.min.is_some_and(|min| min_values < min) {
        findings.push(Finding::new(
            AnomalyType::FeatureTypeLowNumberValues,
            "Missing values",
            "Some examples have fewer values than expected.",
        ));
        bounds.min = (min_values != 0).then_some(min_values);
    }
    if bounds.max.is_some_and(|max| max_values > max) {
        findings.push(Finding::new(
            AnomalyType::FeatureTypeHighNumberValues,
            "Superfluous values",
            "Some examples have more values than expected.",
        ));
        bounds.max = Some(max_values);
    }
    findings
}

/// `presence` bounds (TFDV's `UpdatePresence`).
pub(crate) fn check_presence(ctx: &FeatureContext, feature: &mut Feature) -> Vec<Finding> {
    let Some(presence) = feature.presence.as_mut() else { return Vec::new() };
    let mut findings = Vec::new();
    let present = ctx.stats.num_present();
    if presence.min_count.is_some_and(|min| (present as i64) < min) {
        presence.min_count = Some(present as i64);
        findings.push(Finding::new(
            AnomalyType::FeatureTypeLowNumberPresent,
            "Column dropped",
            "The feature was present in fewer examples than expected.",
        ));
    }
    if let Some(min_fraction) = presence.min_fraction
        && ctx.num_examples > 0
    {
        let fraction = present as f64 / ctx.num_examples as f64;
        if fraction < min_fraction {
            presence.min_fraction = Some(fraction);
            findings.push(Finding::new(
                AnomalyType::FeatureTypeLowFractionPresent,
                "Column dropped",
                "The feature was present in fewer examples than expected.",
            ));
        }
        // A handful of missing rows can hide in the rounding of the fraction;
        // TFDV flags any missing value of a feature required everywhere.
        if presence.min_fraction == Some(1.0) && ctx.stats.num_missing() != 0 {
            presence.min_fraction = Some(0.9999);
            findings.push(Finding::new(
                AnomalyType::FeatureTypeLowFractionPresent,
                "Column dropped",
                format!(
                    "The feature was expected everywhere, but was missing in {} examples.",
                    ctx.stats.num_missing()
                ),
            ));
        }
    }
    findings
}

/// The statistics' type against the schema's (TFDV deprecates the feature).
pub(crate) fn check_type(ctx: &FeatureContext, feature: &mut Feature) -> Vec<Finding> {
    let seen = schema_type_of(ctx.stats.feature_type);
    if seen == feature.schema_type() {
        return Vec::new();
    }
    let expected = feature.schema_type().name();
    feature.deprecate();
    let got = serde_json::to_value(ctx.stats.feature_type).ok();
    let got = got.as_ref().and_then(|v| v.as_str()).unwrap_or("UNKNOWN");
    vec![Finding::new(
        AnomalyType::UnexpectedDataType,
        "Unexpected data type",
        format!("Expected data of type: {expected} but got {got}"),
    )]
}

/// `unique_constraints` against the distinct count of string statistics.
pub(crate) fn check_unique(ctx: &FeatureContext, feature: &mut Feature) -> Vec<Finding> {
    let Some(bounds) = feature.unique_constraints.as_mut() else { return Vec::new() };
    let Some(unique) = ctx.stats.string_stats.as_ref().map(|s| s.unique as i64) else {
        feature.unique_constraints = None;
        return vec![Finding::new(
            AnomalyType::FeatureTypeNoUnique,
            "No unique values",
            "UniqueConstraints specified for the feature, but unique values were not counted (i.e., feature is not \
             string or categorical).",
        )];
    };
    let mut findings = Vec::new();
    let UniqueConstraints { min, max } = bounds.clone();
    if unique < min.unwrap_or(0) {
        findings.push(Finding::new(
            AnomalyType::FeatureTypeLowUnique,
            "Low number of unique values",
            format!("Expected at least {} unique values but found only {unique}.", min.unwrap_or(0)),
        ));
        bounds.min = Some(unique);
    }
    if let Some(max) = max
        && unique > max
    {
        findings.push(Finding::new(
            AnomalyType::FeatureTypeHighUnique,
            "High number of unique values",
            format!("Expected no more than {max} unique values but found {unique}."),
        ));
        bounds.max = Some(unique);
    }
    findings
}

/// A feature present in data whose schema entry excludes this environment:
/// TFDV adds the environment to the feature and reports a new column.
pub(crate) fn check_environment(schema: &Schema, ctx: &FeatureContext, feature: &mut Feature) -> Vec<Finding> {
    let Some(env) = ctx.environment else { return Vec::new() };
    if schema.in_environment(feature, Some(env)) {
        return Vec::new();
    }
    feature.not_in_environment.retain(|e| e != env);
    if !schema.in_environment(feature, Some(env)) {
        feature.in_environment.push(env.to_string());
    }
    vec![Finding::new(
        AnomalyType::SchemaNewColumn,
        "Column missing in environment",
        format!("New column {} found in data but not in the environment {env} in the schema.", feature.name),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_schema::{CommonStatistics, FeaturePresence, FeatureType, NumericStatistics, ValueCount};

    fn int_stats(present: u64, missing: u64) -> FeatureNameStatistics {
        FeatureNameStatistics {
            name: "x".into(),
            feature_type: FeatureType::Int,
            num_stats: Some(NumericStatistics {
                common_stats: CommonStatistics {
                    num_non_missing: present,
                    num_missing: missing,
                    min_num_values: 1,
                    max_num_values: 1,
                    tot_num_values: present,
                    ..CommonStatistics::default()
                },
                ..NumericStatistics::default()
            }),
            ..FeatureNameStatistics::default()
        }
    }

    fn required(min_fraction: f64) -> Feature {
        Feature {
            presence: Some(FeaturePresence { min_fraction: Some(min_fraction), min_count: Some(1) }),
            value_count: Some(ValueCount { min: Some(1), max: Some(1) }),
            ..Feature::new("x", SchemaType::Int)
        }
    }

    #[test]
    fn one_missing_value_breaks_a_required_feature() {
        // 9,999 of 10,000 present: 0.9999 < 1.0, relaxed to the observed 0.9999.
        // (TFDV's second "expected everywhere" finding only fires when the
        // fraction still rounds to 1.0, past 2^53 examples.)
        let stats = int_stats(9_999, 1);
        let ctx = FeatureContext { stats: &stats, num_examples: 10_000, environment: None };
        let mut feature = required(1.0);
        let findings = check_presence(&ctx, &mut feature);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].kind, AnomalyType::FeatureTypeLowFractionPresent);
        assert_eq!(findings[0].long, "The feature was present in fewer examples than expected.");
        assert_eq!(feature.presence.unwrap().min_fraction, Some(0.9999));
    }

    #[test]
    fn low_fraction_is_relaxed_to_the_observed_fraction() {
        // 90 of 100 present against min_fraction 0.95: 0.9 < 0.95.
        let stats = int_stats(90, 10);
        let ctx = FeatureContext { stats: &stats, num_examples: 100, environment: None };
        let mut feature = required(0.95);
        let findings = check_presence(&ctx, &mut feature);
        assert_eq!(findings.len(), 1);
        assert_eq!(feature.presence.unwrap().min_fraction, Some(0.9));
        let mut ok = required(0.9);
        assert!(check_presence(&ctx, &mut ok).is_empty());
    }

    #[test]
    fn type_mismatch_deprecates_the_feature() {
        let mut stats = int_stats(10, 0);
        stats.feature_type = FeatureType::String;
        let ctx = FeatureContext { stats: &stats, num_examples: 10, environment: None };
        let mut feature = Feature::new("x", SchemaType::Float);
        let findings = check_type(&ctx, &mut feature);
        assert_eq!(findings[0].long, "Expected data of type: FLOAT but got STRING");
        assert!(feature.is_deprecated());
    }

    #[test]
    fn value_count_bounds() {
        let mut stats = int_stats(10, 0);
        if let Some(n) = stats.num_stats.as_mut() {
            n.common_stats.max_num_values = 3;
        }
        let ctx = FeatureContext { stats: &stats, num_examples: 10, environment: None };
        let mut feature = required(1.0);
        let findings = check_value_count(&ctx, &mut feature);
        assert_eq!(findings[0].kind, AnomalyType::FeatureTypeHighNumberValues);
        assert_eq!(feature.value_count.unwrap().max, Some(3));
    }

    #[test]
    fn schema_self_checks() {
        let schema = Schema::default();
        let mut untyped = Feature { feature_type: None, ..Feature::new("x", SchemaType::Int) };
        assert_eq!(check_self(&schema, &mut untyped)[0].kind, AnomalyType::FeatureMissingType);
        assert!(untyped.is_deprecated());
        let mut dangling = Feature { domain: Some("nope".into()), ..Feature::new("x", SchemaType::Bytes) };
        assert_eq!(check_self(&schema, &mut dangling)[0].long, "missing domain: nope");
        let mut mismatched = Feature { domain: Some("d".into()), ..Feature::new("x", SchemaType::Int) };
        assert_eq!(check_self(&schema, &mut mismatched)[0].kind, AnomalyType::DomainInvalidForType);
    }
}
