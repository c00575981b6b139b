//! Schema inference from statistics, with TFDV's rules (`tfdv.infer_schema`,
//! C++ `Schema::Updater::CreateColumn` in
//! `tensorflow_data_validation/anomalies/schema.cc` and `feature_util.cc`):
//!
//! - type: INT → INT, FLOAT → FLOAT, STRING/BYTES → BYTES, STRUCT → STRUCT;
//! - presence: `min_count` 1 (0 if the feature never occurs), plus
//!   `min_fraction` 1.0 only when it is never missing;
//! - value count: `min == max` when every example holds the same number of
//!   values, else `min: 1`;
//! - domain, first match: INT with min ≥ 0 and max = 1 → `bool_domain`; strings
//!   that are one true and/or one false token → `bool_domain` with them;
//!   strings that all parse as integers → `int_domain {}`; at most
//!   `max_string_domain_size` distinct strings → a top-level `string_domain`
//!   named after the feature; BYTES-typed statistics get no domain.
//!
//! TFDV never infers numeric ranges; `infer_ranges` (off by default) adds the
//! observed min/max as `int_domain` / `float_domain` bounds, which users
//! otherwise write by hand.

use crate::schema::{
    BoolDomain, Feature, FeaturePresence, FloatDomain, IntDomain, Schema, SchemaType, StringDomain, ValueCount,
};
use crate::statistics::{DatasetFeatureStatistics, FeatureNameStatistics, FeatureType};

/// Knobs of [`infer_schema`]; the defaults are TFDV's.
#[derive(Debug, Clone)]
pub struct InferOptions {
    /// Largest number of distinct strings that still gets a string domain
    /// (`max_string_domain_size`, TFDV default 100).
    pub max_string_domain_size: usize,
    /// Add observed numeric min/max as domain bounds (not in TFDV).
    pub infer_ranges: bool,
    /// TFDV's `infer_feature_shape`: required features with exactly one value
    /// get `shape { dim { size: 1 } }` instead of a `value_count`. Off by
    /// default, as the TFX taxi pipeline's SchemaGen runs it.
    pub infer_shape: bool,
}

impl Default for InferOptions {
    fn default() -> Self {
        Self { max_string_domain_size: 100, infer_ranges: false, infer_shape: false }
    }
}

/// TFDV's strings for true and false (`bool_domain_util.cc`).
pub(crate) const TRUE_VALUES: [&str; 6] = ["TRUE", "true", "SET", "set", "1", ""];
pub(crate) const FALSE_VALUES: [&str; 5] = ["FALSE", "false", "CLEAR", "clear", "0"];

/// Infers a schema from the statistics of one dataset.
pub fn infer_schema(stats: &DatasetFeatureStatistics, options: &InferOptions) -> Schema {
    let mut schema = Schema::default();
    for feature_stats in &stats.features {
        let feature = infer_feature(&mut schema, feature_stats, options);
        schema.feature.push(feature);
    }
    schema
}

/// One feature of the schema as TFDV would create it for a new column; string
/// domains go into `schema.string_domain`. Also used by validation to
/// describe a column that the schema lacks.
pub fn infer_feature(schema: &mut Schema, stats: &FeatureNameStatistics, options: &InferOptions) -> Feature {
    let mut feature = Feature::new(&stats.name, schema_type_of(stats.feature_type));
    init_presence_and_value_count(stats, &mut feature, options.infer_shape);
    if stats.num_present() == 0 {
        return feature;
    }
    match stats.feature_type {
        FeatureType::Bytes | FeatureType::Struct => {}
        FeatureType::Int if is_bool_int(stats) => feature.bool_domain = Some(BoolDomain::default()),
        FeatureType::Int | FeatureType::Float => {
            if options.infer_ranges {
                infer_range(stats, &mut feature);
            }
        }
        FeatureType::String => {
            let values = stats.string_values_with_counts();
            if let Some(domain) = bool_domain_of_strings(&values) {
                feature.bool_domain = Some(domain);
            } else if !values.is_empty() && values.iter().all(|(v, _)| v.parse::<i64>().is_ok()) {
                feature.int_domain = Some(IntDomain::default());
            } else if !values.is_empty()
                && values.len() <= options.max_string_domain_size
                && stats.string_values_complete()
            {
                let name = unused_domain_name(schema, &stats.name);
                let value = values.iter().map(|(v, _)| v.to_string()).collect();
                schema.string_domain.push(StringDomain { name: Some(name.clone()), value, ..StringDomain::default() });
                feature.domain = Some(name);
            }
        }
    }
    feature
}

/// The schema type for a statistics type.
pub fn schema_type_of(t: FeatureType) -> SchemaType {
    match t {
        FeatureType::Int => SchemaType::Int,
        FeatureType::Float => SchemaType::Float,
        FeatureType::String | FeatureType::Bytes => SchemaType::Bytes,
        FeatureType::Struct => SchemaType::Struct,
    }
}

/// TFDV's `InitValueCountAndPresence`.
fn init_presence_and_value_count(stats: &FeatureNameStatistics, feature: &mut Feature, infer_shape: bool) {
    let present = stats.num_present();
    let mut presence = FeaturePresence { min_count: Some(if present >= 1 { 1 } else { 0 }), min_fraction: None };
    if present == 0 {
        feature.presence = Some(presence);
        return;
    }
    let required = stats.num_missing() == 0;
    if required {
        presence.min_fraction = Some(1.0);
    }
    feature.presence = Some(presence);
    let Some(common) = stats.common() else { return };
    let (min, max) = (common.min_num_values as i64, common.max_num_values as i64);
    if min == 0 {
        return;
    }
    if infer_shape && required && min == 1 && max == 1 {
        // tfdv.infer_schema's `_infer_shape`: a required single value is a scalar.
        feature.other.insert("shape".into(), serde_json::json!({ "dim": [{ "size": 1 }] }));
    } else if min == max {
        feature.value_count = Some(ValueCount { min: Some(min), max: Some(max) });
    } else {
        feature.value_count = Some(ValueCount { min: Some(1), max: None });
    }
}

/// TFDV's `IsBoolDomainCandidate` for INT statistics: values in {0, 1}.
fn is_bool_int(stats: &FeatureNameStatistics) -> bool {
    stats.num_stats.as_ref().is_some_and(|n| n.min >= 0.0 && n.max == 1.0)
}

/// TFDV's `IsBoolDomainCandidate` + `BoolDomainFromStringField` for strings:
/// one or two distinct values, at most one from each of the true and false sets.
fn bool_domain_of_strings(values: &[(&str, f64)]) -> Option<BoolDomain> {
    if values.is_empty() || values.len() > 2 {
        return None;
    }
    let mut domain = BoolDomain::default();
    for (value, _) in values {
        if domain.true_value.is_none() && TRUE_VALUES.contains(value) {
            domain.true_value = Some(value.to_string());
        } else if domain.false_value.is_none() && FALSE_VALUES.contains(value) {
            domain.false_value = Some(value.to_string());
        } else {
            return None;
        }
    }
    Some(domain)
}

/// Observed bounds as an int or float domain (`--infer-ranges`).
fn infer_range(stats: &FeatureNameStatistics, feature: &mut Feature) {
    let Some(num) = &stats.num_stats else { return };
    if !(num.min.is_finite() && num.max.is_finite()) {
        return;
    }
    match stats.feature_type {
        FeatureType::Int => {
            feature.int_domain =
                Some(IntDomain { min: Some(num.min as i64), max: Some(num.max as i64), ..IntDomain::default() });
        }
        _ => {
            // The proto's bounds are f32: round outwards so the observed
            // extremes stay inside the domain.
            let (min, max) = (f32_at_most(num.min), f32_at_least(num.max));
            feature.float_domain = Some(FloatDomain { min: Some(min), max: Some(max), ..FloatDomain::default() });
        }
    }
}

/// The largest f32 (as f64) not above `x`.
fn f32_at_most(x: f64) -> f64 {
    let f = x as f32;
    if f64::from(f) > x { f64::from(f.next_down()) } else { f64::from(f) }
}

/// The smallest f32 (as f64) not below `x`.
fn f32_at_least(x: f64) -> f64 {
    let f = x as f32;
    if f64::from(f) < x { f64::from(f.next_up()) } else { f64::from(f) }
}

/// TFDV's `GetNewStringDomain`: the feature's name, or name2, name3... if taken.
fn unused_domain_name(schema: &Schema, candidate: &str) -> String {
    let mut name = candidate.to_string();
    let mut index = 1;
    while schema.string_domain(&name).is_some() {
        index += 1;
        name = format!("{candidate}{index}");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statistics::{CommonStatistics, NumericStatistics};

    fn common(present: u64, missing: u64, min_values: u64, max_values: u64) -> CommonStatistics {
        CommonStatistics {
            num_non_missing: present,
            num_missing: missing,
            min_num_values: min_values,
            max_num_values: max_values,
            tot_num_values: present * max_values,
            ..CommonStatistics::default()
        }
    }

    fn strings(name: &str, values: &[(&str, f64)], missing: u64) -> FeatureNameStatistics {
        let mut f = FeatureNameStatistics::from_value_counts(name, values);
        if let Some(s) = f.string_stats.as_mut() {
            s.common_stats.num_missing = missing;
        }
        f
    }

    fn ints(name: &str, min: f64, max: f64, missing: u64) -> FeatureNameStatistics {
        FeatureNameStatistics {
            name: name.into(),
            feature_type: FeatureType::Int,
            num_stats: Some(NumericStatistics {
                common_stats: common(10, missing, 1, 1),
                min,
                max,
                ..NumericStatistics::default()
            }),
            ..FeatureNameStatistics::default()
        }
    }

    fn infer(features: Vec<FeatureNameStatistics>, options: &InferOptions) -> Schema {
        infer_schema(&DatasetFeatureStatistics { num_examples: 10, features, ..Default::default() }, options)
    }

    #[test]
    fn presence_and_value_count_follow_tfdv() {
        let schema =
            infer(vec![ints("required", 0.0, 7.0, 0), ints("optional", 0.0, 7.0, 3)], &InferOptions::default());
        let required = schema.feature("required").unwrap();
        assert_eq!(required.presence, Some(FeaturePresence { min_fraction: Some(1.0), min_count: Some(1) }));
        assert_eq!(required.value_count, Some(ValueCount { min: Some(1), max: Some(1) }));
        let optional = schema.feature("optional").unwrap();
        assert_eq!(optional.presence, Some(FeaturePresence { min_fraction: None, min_count: Some(1) }));
        assert_eq!(optional.int_domain, None, "TFDV infers no ranges by default");
    }

    #[test]
    fn domains_are_inferred_in_tfdv_order() {
        let features = vec![
            ints("flag", 0.0, 1.0, 0),
            strings("yes_no", &[("true", 3.0), ("false", 7.0)], 0),
            strings("zip", &[("60601", 4.0), ("60602", 6.0)], 0),
            strings("color", &[("red", 4.0), ("blue", 6.0)], 0),
        ];
        let schema = infer(features, &InferOptions::default());
        assert_eq!(schema.feature("flag").unwrap().bool_domain, Some(BoolDomain::default()));
        let yes_no = schema.feature("yes_no").unwrap().bool_domain.clone().unwrap();
        assert_eq!((yes_no.true_value.as_deref(), yes_no.false_value.as_deref()), (Some("true"), Some("false")));
        assert_eq!(schema.feature("zip").unwrap().int_domain, Some(IntDomain::default()));
        assert_eq!(schema.feature("color").unwrap().domain.as_deref(), Some("color"));
        assert_eq!(schema.string_domain("color").unwrap().value, ["blue", "red"]);
        assert_eq!(schema.feature("color").unwrap().feature_type, Some(SchemaType::Bytes));
    }

    #[test]
    fn large_string_domains_are_not_inferred() {
        let values: Vec<(String, f64)> = (0..101).map(|i| (format!("v{i}"), 1.0)).collect();
        let refs: Vec<(&str, f64)> = values.iter().map(|(v, c)| (v.as_str(), *c)).collect();
        let schema = infer(vec![strings("id", &refs, 0)], &InferOptions::default());
        assert_eq!(schema.feature("id").unwrap().domain, None);
        let schema = infer(vec![strings("id", &refs[..100], 0)], &InferOptions::default());
        assert_eq!(schema.feature("id").unwrap().domain.as_deref(), Some("id"));
    }

    #[test]
    fn ranges_only_on_request_and_rounded_outwards_to_f32() {
        let mut fare = ints("fare", 0.1, 0.7, 0);
        fare.feature_type = FeatureType::Float;
        let options = InferOptions { infer_ranges: true, ..InferOptions::default() };
        let schema = infer(vec![fare, ints("n", -3.0, 9.0, 0)], &options);
        let domain = schema.feature("fare").unwrap().float_domain.clone().unwrap();
        // 0.1 and 0.7 are not f32 values: the nearest f32 below 0.1 is
        // 0.099999994 and above 0.7 is 0.70000005 (numpy.float32 neighbours).
        assert!(domain.min.unwrap() <= 0.1 && domain.min.unwrap() as f32 == 0.099_999_994_f32);
        assert!(domain.max.unwrap() >= 0.7 && domain.max.unwrap() as f32 == 0.700_000_05_f32);
        let n = schema.feature("n").unwrap().int_domain.clone().unwrap();
        assert_eq!((n.min, n.max), (Some(-3), Some(9)));
    }

    #[test]
    fn domain_names_do_not_collide() {
        let mut schema = Schema::default();
        schema.string_domain.push(StringDomain { name: Some("color".into()), ..StringDomain::default() });
        assert_eq!(unused_domain_name(&schema, "color"), "color2");
    }
}
