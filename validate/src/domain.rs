//! Domain checks: a feature's values against its string, bool, int or float
//! domain, and the share of values a string domain must cover
//! (`distribution_constraints.min_domain_mass`).
//!
//! Ports of TFDV's `string_domain_util.cc`, `bool_domain_util.cc`,
//! `int_domain_util.cc` and `float_domain_util.cc`; each check reports and
//! relaxes the domain, as TFDV's do.

use std::collections::HashSet;

use tabx_schema::{Feature, FeatureNameStatistics, FeatureType, Schema};

use crate::anomalies::{AnomalyType, Finding, six_digits};

/// Runs the check for whichever domain the feature has. The named string
/// domains live in `schema`, so it is passed separately from the feature.
pub(crate) fn check_domain(schema: &mut Schema, stats: &FeatureNameStatistics, feature: &mut Feature) -> Vec<Finding> {
    let max_off_domain =
        feature.distribution_constraints.as_ref().and_then(|c| c.min_domain_mass).map_or(0.0, |mass| 1.0 - mass);
    if let Some(name) = feature.domain.clone() {
        return match schema.string_domain_mut(&name) {
            Some(domain) => check_strings(stats, max_off_domain, &mut domain.value),
            None => Vec::new(),
        };
    }
    if let Some(domain) = feature.string_domain.as_mut() {
        return check_strings(stats, max_off_domain, &mut domain.value);
    }
    if feature.bool_domain.is_some() {
        return check_bool(stats, feature);
    }
    if feature.int_domain.is_some() {
        return check_int(stats, feature);
    }
    if feature.float_domain.is_some() {
        return check_float(stats, feature);
    }
    Vec::new()
}

/// Values outside a string domain (TFDV's `UpdateStringDomain`): an anomaly
/// when their share of all values exceeds `1 - min_domain_mass`, or when
/// there is any and no mass may be off the domain.
fn check_strings(stats: &FeatureNameStatistics, max_off_domain: f64, domain: &mut Vec<String>) -> Vec<Finding> {
    let allowed: HashSet<&str> = domain.iter().map(String::as_str).collect();
    let missing: Vec<(&str, f64)> =
        stats.string_values_with_counts().into_iter().filter(|(v, _)| !allowed.contains(v)).collect();
    if missing.is_empty() {
        return Vec::new();
    }
    let missing_count: f64 = missing.iter().map(|(_, c)| c).sum();
    let total = stats.total_value_count() as f64;
    if missing_count / total <= max_off_domain && max_off_domain != 0.0 {
        return Vec::new();
    }
    let listed: Vec<String> = missing
        .iter()
        .map(|(value, count)| format!("{} ({})", value.escape_default(), percent(*count, total)))
        .collect();
    let finding = Finding::new(
        AnomalyType::EnumTypeUnexpectedStringValues,
        "Unexpected string values",
        format!("Examples contain values missing from the schema: {}. ", listed.join(", ")),
    );
    domain.extend(missing.iter().map(|(v, _)| v.to_string()));
    vec![finding]
}

/// TFDV's `PercentageAsString`: `<1%` or `~x%` with x the floor.
fn percent(count: f64, total: f64) -> String {
    if total == 0.0 {
        return "?".into();
    }
    let p = 100.0 * count / total;
    if p < 1.0 { "<1%".into() } else { format!("~{}%", p.floor() as i64) }
}

/// TFDV's `UpdateBoolDomain`.
fn check_bool(stats: &FeatureNameStatistics, feature: &mut Feature) -> Vec<Finding> {
    let short = "Non-boolean values";
    match (stats.feature_type, &stats.num_stats, &stats.string_stats) {
        (FeatureType::Int, Some(num), None) => {
            let (kind, culprit) = if num.min < 0.0 {
                (AnomalyType::BoolTypeSmallInt, num.min)
            } else if num.max > 1.0 {
                (AnomalyType::BoolTypeBigInt, num.max)
            } else {
                return Vec::new();
            };
            feature.clear_domain();
            feature.int_domain = Some(tabx_schema::IntDomain {
                min: Some(num.min as i64),
                max: Some(num.max as i64),
                ..Default::default()
            });
            let long = format!("Integers (such as {}) not in {{0, 1}}: converting to an integer.", six_digits(culprit));
            vec![Finding::new(kind, short, long)]
        }
        (FeatureType::Float, Some(num), _) => {
            let reason = if num.min != 0.0 && num.min != 1.0 {
                Some(format!("Floats (such as {}) not in {{0, 1}}: converting to float_domain.", six_digits(num.min)))
            } else if num.max != 0.0 && num.max != 1.0 {
                Some(format!("Floats (such as {}) not in {{0, 1}}: converting to float_domain.", six_digits(num.max)))
            } else if num.histograms.iter().any(|h| h.num_nan > 0) {
                Some("Floats (such as NaN) not in {0, 1}: converting to float_domain.".to_string())
            } else {
                None
            };
            let Some(long) = reason else { return Vec::new() };
            feature.clear_domain();
            feature.float_domain =
                Some(tabx_schema::FloatDomain { min: Some(num.min), max: Some(num.max), ..Default::default() });
            vec![Finding::new(AnomalyType::BoolTypeUnexpectedFloat, short, long)]
        }
        _ => {
            let domain = feature.bool_domain.clone().unwrap_or_default();
            let valid: Vec<&str> =
                [domain.true_value.as_deref(), domain.false_value.as_deref()].into_iter().flatten().collect();
            let Some((bad, _)) = stats.string_values_with_counts().into_iter().find(|(v, _)| !valid.contains(v)) else {
                return Vec::new();
            };
            let mut sorted = valid.clone();
            sorted.sort_unstable();
            let described =
                if sorted.is_empty() { "{}".to_string() } else { format!("{{\"{}\"}}", sorted.join("\", \"")) };
            let long = format!("Saw unexpected value \"{bad}\" instead of {described}.");
            feature.clear_domain();
            vec![Finding::new(AnomalyType::BoolTypeUnexpectedString, short, long)]
        }
    }
}

/// The range of integer values (TFDV's `GetIntInterval`), or the first string
/// that is not an integer.
fn int_interval(stats: &FeatureNameStatistics) -> Option<Result<(i64, i64), String>> {
    if stats.feature_type == FeatureType::Float || stats.feature_type == FeatureType::Struct {
        return None;
    }
    if let (Some(num), None) = (&stats.num_stats, &stats.string_stats) {
        return Some(Ok((num.min as i64, num.max as i64)));
    }
    let mut interval: Option<(i64, i64)> = None;
    for (text, _) in stats.string_values_with_counts() {
        let Ok(v) = text.parse::<i64>() else { return Some(Err(text.to_string())) };
        interval = Some(interval.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
    }
    interval.map(Ok)
}

/// TFDV's `UpdateIntDomain`.
fn check_int(stats: &FeatureNameStatistics, feature: &mut Feature) -> Vec<Finding> {
    let Some(interval) = int_interval(stats) else { return Vec::new() };
    let Some(domain) = feature.int_domain.as_mut() else { return Vec::new() };
    let (lo, hi) = match interval {
        Ok(range) => range,
        Err(example) => {
            feature.clear_domain();
            return vec![Finding::new(
                AnomalyType::IntTypeNotIntString,
                "Invalid values",
                format!("String values that were not ints were found, such as \"{example}\"."),
            )];
        }
    };
    let mut findings = Vec::new();
    if domain.min.is_some_and(|min| min > lo) {
        findings.push(Finding::new(
            AnomalyType::IntTypeSmallInt,
            "Out-of-range values",
            format!("Unexpectedly small value: {lo}."),
        ));
        domain.min = Some(lo);
    }
    if domain.max.is_some_and(|max| max < hi) {
        findings.push(Finding::new(
            AnomalyType::IntTypeBigInt,
            "Out-of-range values",
            format!("Unexpectedly large value: {hi}."),
        ));
        domain.max = Some(hi);
    }
    findings
}

/// TFDV's `UpdateFloatDomain`, plus `disallow_nan` / `disallow_inf`.
fn check_float(stats: &FeatureNameStatistics, feature: &mut Feature) -> Vec<Finding> {
    let interval: Option<Result<(f64, f64), String>> = match (stats.feature_type, &stats.num_stats) {
        // The schema's bounds are f32, so the data's are compared as f32 too.
        (FeatureType::Float, Some(num)) => Some(Ok((f64::from(num.min as f32), f64::from(num.max as f32)))),
        (FeatureType::String | FeatureType::Bytes, _) => {
            let mut range: Option<(f64, f64)> = None;
            let mut bad = None;
            for (text, _) in stats.string_values_with_counts() {
                match text.parse::<f32>() {
                    Ok(v) => {
                        let v = f64::from(v);
                        range = Some(range.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
                    }
                    Err(_) => {
                        bad = Some(text.to_string());
                        break;
                    }
                }
            }
            bad.map(Err).or(range.map(Ok))
        }
        _ => None,
    };
    let Some(domain) = feature.float_domain.as_mut() else { return Vec::new() };
    let mut findings = Vec::new();
    match interval {
        Some(Err(example)) => {
            feature.clear_domain();
            return vec![Finding::new(
                AnomalyType::FloatTypeStringNotFloat,
                "Invalid values",
                format!("String values that were not floats were found, such as \"{example}\"."),
            )];
        }
        Some(Ok((lo, hi))) => {
            if domain.min.is_some_and(|min| lo < min) {
                findings.push(Finding::new(
                    AnomalyType::FloatTypeSmallFloat,
                    "Out-of-range values",
                    format!(
                        "Unexpectedly low values: {}<{}(upto six significant digits)",
                        six_digits(lo),
                        six_digits(domain.min.unwrap_or(lo))
                    ),
                ));
                domain.min = Some(lo);
            }
            if domain.max.is_some_and(|max| hi > max) {
                findings.push(Finding::new(
                    AnomalyType::FloatTypeBigFloat,
                    "Out-of-range values",
                    format!(
                        "Unexpectedly high value: {}>{}(upto six significant digits)",
                        six_digits(hi),
                        six_digits(domain.max.unwrap_or(hi))
                    ),
                ));
                domain.max = Some(hi);
            }
        }
        None => {}
    }
    let num = stats.num_stats.as_ref();
    if domain.disallow_nan == Some(true) && num.is_some_and(|n| n.histograms.iter().any(|h| h.num_nan > 0)) {
        findings.push(Finding::new(AnomalyType::FloatTypeHasNan, "Invalid values", "Float feature has NaN values."));
        domain.disallow_nan = None;
    }
    if domain.disallow_inf == Some(true) && num.is_some_and(|n| n.min.is_infinite() || n.max.is_infinite()) {
        findings.push(Finding::new(AnomalyType::FloatTypeHasInf, "Invalid values", "Float feature has Inf values."));
        domain.disallow_inf = None;
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_schema::{
        BoolDomain, DistributionConstraints, FloatDomain, Histogram, IntDomain, NumericStatistics, SchemaType,
        StringDomain,
    };

    fn strings(values: &[(&str, f64)]) -> FeatureNameStatistics {
        FeatureNameStatistics::from_value_counts("s", values)
    }

    fn numbers(t: FeatureType, min: f64, max: f64, num_nan: u64) -> FeatureNameStatistics {
        FeatureNameStatistics {
            name: "n".into(),
            feature_type: t,
            num_stats: Some(NumericStatistics {
                min,
                max,
                histograms: vec![Histogram { num_nan, ..Histogram::default() }],
                ..NumericStatistics::default()
            }),
            ..FeatureNameStatistics::default()
        }
    }

    fn with_domain(values: &[&str]) -> (Schema, Feature) {
        let mut schema = Schema::default();
        schema.string_domain.push(StringDomain {
            name: Some("d".into()),
            value: values.iter().map(|v| v.to_string()).collect(),
            ..StringDomain::default()
        });
        (schema, Feature { domain: Some("d".into()), ..Feature::new("s", SchemaType::Bytes) })
    }

    #[test]
    fn unexpected_string_values_are_listed_with_their_share_and_added() {
        // 5 of 100 values are "Bitcoin": 5% → "~5%"; 0.5 of 100 → "<1%".
        let stats = strings(&[("Cash", 60.0), ("Credit Card", 35.0), ("Bitcoin", 5.0)]);
        let (mut schema, mut feature) = with_domain(&["Cash", "Credit Card"]);
        let findings = check_domain(&mut schema, &stats, &mut feature);
        assert_eq!(findings[0].kind, AnomalyType::EnumTypeUnexpectedStringValues);
        assert_eq!(findings[0].long, "Examples contain values missing from the schema: Bitcoin (~5%). ");
        assert_eq!(schema.string_domain("d").unwrap().value, ["Cash", "Credit Card", "Bitcoin"]);
        assert!(check_domain(&mut schema, &stats, &mut feature).is_empty(), "relaxed schema accepts the data");
        assert_eq!(percent(0.5, 100.0), "<1%");
    }

    #[test]
    fn min_domain_mass_tolerates_a_small_share_off_the_domain() {
        let stats = strings(&[("Cash", 96.0), ("Bitcoin", 4.0)]);
        let (mut schema, mut feature) = with_domain(&["Cash"]);
        // 4% off the domain is within 1 - 0.95 = 5%...
        feature.distribution_constraints = Some(DistributionConstraints { min_domain_mass: Some(0.95) });
        assert!(check_domain(&mut schema, &stats, &mut feature).is_empty());
        // ...and not within 1 - 0.97 = 3%.
        feature.distribution_constraints = Some(DistributionConstraints { min_domain_mass: Some(0.97) });
        assert_eq!(check_domain(&mut schema, &stats, &mut feature).len(), 1);
    }

    #[test]
    fn int_domain_bounds_and_int_strings() {
        let mut feature = Feature {
            int_domain: Some(IntDomain { min: Some(0), max: Some(10), ..IntDomain::default() }),
            ..Feature::new("n", SchemaType::Int)
        };
        let mut schema = Schema::default();
        let findings = check_domain(&mut schema, &numbers(FeatureType::Int, -2.0, 12.0, 0), &mut feature);
        let kinds: Vec<_> = findings.iter().map(|f| (f.kind, f.long.as_str())).collect();
        assert_eq!(
            kinds,
            [
                (AnomalyType::IntTypeSmallInt, "Unexpectedly small value: -2."),
                (AnomalyType::IntTypeBigInt, "Unexpectedly large value: 12.")
            ]
        );
        let mut as_strings = Feature { int_domain: Some(IntDomain::default()), ..Feature::new("s", SchemaType::Bytes) };
        let findings = check_domain(&mut schema, &strings(&[("12", 1.0), ("1 mi", 1.0)]), &mut as_strings);
        assert_eq!(findings[0].long, "String values that were not ints were found, such as \"1 mi\".");
        assert!(as_strings.int_domain.is_none());
    }

    #[test]
    fn float_domain_bounds_nan_and_inf() {
        let mut feature = Feature {
            float_domain: Some(FloatDomain {
                min: Some(0.0),
                max: Some(100.0),
                disallow_nan: Some(true),
                disallow_inf: Some(true),
                ..FloatDomain::default()
            }),
            ..Feature::new("n", SchemaType::Float)
        };
        let mut schema = Schema::default();
        let stats = numbers(FeatureType::Float, -1.5, f64::INFINITY, 3);
        let kinds: Vec<_> = check_domain(&mut schema, &stats, &mut feature).iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                AnomalyType::FloatTypeSmallFloat,
                AnomalyType::FloatTypeBigFloat,
                AnomalyType::FloatTypeHasNan,
                AnomalyType::FloatTypeHasInf
            ]
        );
        assert!(check_domain(&mut schema, &stats, &mut feature).is_empty(), "relaxed schema accepts the data");
    }

    #[test]
    fn bool_domain_rejects_other_values() {
        let mut schema = Schema::default();
        let mut ints = Feature { bool_domain: Some(BoolDomain::default()), ..Feature::new("n", SchemaType::Int) };
        let findings = check_domain(&mut schema, &numbers(FeatureType::Int, 0.0, 2.0, 0), &mut ints);
        assert_eq!(findings[0].long, "Integers (such as 2) not in {0, 1}: converting to an integer.");
        assert_eq!(ints.int_domain.as_ref().map(|d| (d.min, d.max)), Some((Some(0), Some(2))));
        let domain =
            BoolDomain { true_value: Some("yes".into()), false_value: Some("no".into()), ..BoolDomain::default() };
        let mut text = Feature { bool_domain: Some(domain), ..Feature::new("s", SchemaType::Bytes) };
        let findings = check_domain(&mut schema, &strings(&[("yes", 1.0), ("maybe", 1.0)]), &mut text);
        assert_eq!(findings[0].long, "Saw unexpected value \"maybe\" instead of {\"no\", \"yes\"}.");
    }
}
