//! The schema artifact: tensorflow_metadata's `Schema` (schema.proto) as serde
//! structs, read and written losslessly in JSON, `.pbtxt` and `.pb`.
//!
//! The fields that tabx infers and validates are typed; every other field of
//! a message (sparse features, annotations, semantic domains, tensor
//! representations...) is kept verbatim in that struct's `other` map, so a
//! user's TFDV `schema.pbtxt` read and written back is the same message. The
//! wire formats go through [`crate::proto`], which parses strictly: a field
//! that schema.proto does not have is an error, never dropped.
//!
//! proto2 presence matters here: `presence { min_count: 0 }` differs from no
//! `min_count`, so optional scalars are `Option`s and are written only when set.

use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tabx_core::{Result, TabxError};

use crate::proto::{self, ProtoFormat, ProtoMessage};
use crate::statistics::proto_f64;

/// `Schema`: what a dataset is expected to look like.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature: Vec<Feature>,
    /// Domains shared by name (`Feature.domain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub string_domain: Vec<StringDomain>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub default_environment: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_constraints: Option<DatasetConstraints>,
    /// Every other `Schema` field, verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `FeatureType`: the physical type of a feature's values.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SchemaType {
    #[default]
    #[serde(rename = "TYPE_UNKNOWN")]
    Unknown,
    #[serde(rename = "BYTES")]
    Bytes,
    #[serde(rename = "INT")]
    Int,
    #[serde(rename = "FLOAT")]
    Float,
    #[serde(rename = "STRUCT")]
    Struct,
}

impl SchemaType {
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "TYPE_UNKNOWN",
            Self::Bytes => "BYTES",
            Self::Int => "INT",
            Self::Float => "FLOAT",
            Self::Struct => "STRUCT",
        }
    }
}

/// `LifecycleStage`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LifecycleStage {
    UnknownStage,
    Planned,
    Alpha,
    Beta,
    Production,
    Deprecated,
    DebugOnly,
    Disabled,
    ValidationDerived,
}

/// `Feature`: one feature and what is expected of it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    #[serde(default)]
    pub name: String,
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub feature_type: Option<SchemaType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<FeaturePresence>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_count: Option<ValueCount>,
    /// The name of a top-level `Schema.string_domain`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub int_domain: Option<IntDomain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub float_domain: Option<FloatDomain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_domain: Option<StringDomain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bool_domain: Option<BoolDomain>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distribution_constraints: Option<DistributionConstraints>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skew_comparator: Option<FeatureComparator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drift_comparator: Option<FeatureComparator>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub in_environment: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_in_environment: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_stage: Option<LifecycleStage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique_constraints: Option<UniqueConstraints>,
    /// Superseded by `lifecycle_stage`, still honoured as TFDV does.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<bool>,
    /// Every other `Feature` field (other domains, shapes, annotations), verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// The fields of `Feature`'s `domain_info` oneof that tabx does not model.
const OTHER_DOMAINS: [&str; 10] = [
    "struct_domain",
    "natural_language_domain",
    "image_domain",
    "audio_domain",
    "video_domain",
    "content_chunk_domain",
    "mid_domain",
    "url_domain",
    "time_domain",
    "time_of_day_domain",
];

impl Feature {
    /// A feature of `feature_type` with no constraints yet.
    pub fn new(name: impl Into<String>, feature_type: SchemaType) -> Self {
        Self { name: name.into(), feature_type: Some(feature_type), ..Self::default() }
    }

    /// The declared type, `TYPE_UNKNOWN` when unset.
    pub fn schema_type(&self) -> SchemaType {
        self.feature_type.unwrap_or_default()
    }

    /// Deprecated features are not validated (TFDV's `FeatureIsDeprecated`:
    /// the old `deprecated` flag, or a PLANNED/ALPHA/DEPRECATED/DEBUG_ONLY stage).
    pub fn is_deprecated(&self) -> bool {
        self.deprecated == Some(true)
            || matches!(
                self.lifecycle_stage,
                Some(
                    LifecycleStage::Planned
                        | LifecycleStage::Alpha
                        | LifecycleStage::Deprecated
                        | LifecycleStage::DebugOnly
                )
            )
    }

    /// Marks the feature deprecated, TFDV's fix for a feature it can no longer check.
    pub fn deprecate(&mut self) {
        self.lifecycle_stage = Some(LifecycleStage::Deprecated);
    }

    /// Clears the `domain_info` oneof, whichever member is set.
    pub fn clear_domain(&mut self) {
        self.domain = None;
        self.int_domain = None;
        self.float_domain = None;
        self.string_domain = None;
        self.bool_domain = None;
        for name in OTHER_DOMAINS {
            self.other.remove(name);
        }
    }

    /// The name of the `domain_info` member that is set, if any.
    pub fn domain_kind(&self) -> Option<&'static str> {
        if self.domain.is_some() {
            Some("domain")
        } else if self.int_domain.is_some() {
            Some("int_domain")
        } else if self.float_domain.is_some() {
            Some("float_domain")
        } else if self.string_domain.is_some() {
            Some("string_domain")
        } else if self.bool_domain.is_some() {
            Some("bool_domain")
        } else {
            OTHER_DOMAINS.into_iter().find(|name| self.other.contains_key(*name))
        }
    }

    /// Whether the feature's INT values are category ids (`int_domain.is_categorical`).
    pub fn is_categorical_int(&self) -> bool {
        self.schema_type() == SchemaType::Int && self.int_domain.as_ref().and_then(|d| d.is_categorical) == Some(true)
    }
}

/// `FeaturePresence`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeaturePresence {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub min_fraction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<i64>,
}

/// `ValueCount`: bounds on the number of values per example.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ValueCount {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// `IntDomain`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct IntDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_categorical: Option<bool>,
}

/// `FloatDomain`. The proto's bounds are 32-bit floats; they are held as f64
/// and rounded to f32 on the wire.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FloatDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub min: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub max: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disallow_nan: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disallow_inf: Option<bool>,
    /// `is_embedding`, `embedding_dim`, ..., verbatim.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `StringDomain`: the allowed values of a categorical feature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StringDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub value: Vec<String>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `BoolDomain`: which strings mean true and false (none for 0/1 integers).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BoolDomain {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub true_value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_value: Option<String>,
}

/// `DistributionConstraints`: at least `min_domain_mass` of the values must be
/// in the domain (default 1.0, as in schema.proto).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DistributionConstraints {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub min_domain_mass: Option<f64>,
}

/// `FeatureComparator`: thresholds for skew (serving vs training) or drift
/// (this span vs the previous one).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureComparator {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub infinity_norm: Option<Threshold>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jensen_shannon_divergence: Option<JensenShannonComparator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub normalized_abs_difference: Option<Threshold>,
}

/// `InfinityNorm` / `NormalizedAbsoluteDifference`: one threshold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Threshold {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub threshold: Option<f64>,
}

/// `JensenShannonDivergence`: a threshold and the histogram it is computed on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JensenShannonComparator {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<HistogramSelection>,
}

/// `HistogramSelection`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct HistogramSelection {
    /// `DEFAULT`, `QUANTILES` or `STANDARD`.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// `UniqueConstraints`: bounds on the number of distinct values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UniqueConstraints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
}

/// `DatasetConstraints`: bounds on the dataset as a whole.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetConstraints {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_examples_drift_comparator: Option<NumericValueComparator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_examples_version_comparator: Option<NumericValueComparator>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_examples_count: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_examples_count: Option<i64>,
}

/// `NumericValueComparator`: allowed ratio of this dataset's count to another's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NumericValueComparator {
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub min_fraction_threshold: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub max_fraction_threshold: Option<f64>,
}

impl Schema {
    /// Parses the protobuf-JSON value of a `Schema` (as [`proto::read_message`] returns it).
    pub fn from_json(json: Value) -> Result<Self> {
        serde_json::from_value(json).map_err(|e| TabxError::Artifact {
            path: "tensorflow.metadata.v0.Schema".into(),
            message: format!("not a schema: {e}"),
        })
    }

    /// The protobuf-JSON value of this schema.
    pub fn to_json(&self) -> Value {
        // Plain structs, string keys and finite-or-named floats: cannot fail.
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Reads `schema.json`, `schema.pbtxt` or `schema.pb` (by extension).
    pub fn read(path: &Path) -> Result<Self> {
        let json = proto::read_file(ProtoMessage::Schema, path)?;
        Self::from_json(json).map_err(|e| match e {
            TabxError::Artifact { message, .. } => TabxError::Artifact { path: path.display().to_string(), message },
            other => other,
        })
    }

    /// Parses a schema from bytes in `format`.
    pub fn parse(bytes: &[u8], format: ProtoFormat) -> Result<Self> {
        Self::from_json(proto::read_message(ProtoMessage::Schema, bytes, format)?)
    }

    /// Encodes the schema in `format` (strictly checked against schema.proto).
    pub fn encode(&self, format: ProtoFormat) -> Result<Vec<u8>> {
        proto::json_to_format(ProtoMessage::Schema, &self.to_json(), format)
    }

    /// The feature called `name`.
    pub fn feature(&self, name: &str) -> Option<&Feature> {
        self.feature.iter().find(|f| f.name == name)
    }

    pub fn feature_mut(&mut self, name: &str) -> Option<&mut Feature> {
        self.feature.iter_mut().find(|f| f.name == name)
    }

    /// The top-level string domain called `name`.
    pub fn string_domain(&self, name: &str) -> Option<&StringDomain> {
        self.string_domain.iter().find(|d| d.name.as_deref() == Some(name))
    }

    pub fn string_domain_mut(&mut self, name: &str) -> Option<&mut StringDomain> {
        self.string_domain.iter_mut().find(|d| d.name.as_deref() == Some(name))
    }

    /// The values a feature's string domain allows, inline or by name.
    pub fn domain_values<'a>(&'a self, feature: &'a Feature) -> Option<&'a [String]> {
        if let Some(domain) = &feature.string_domain {
            return Some(&domain.value);
        }
        feature.domain.as_deref().and_then(|name| self.string_domain(name)).map(|d| d.value.as_slice())
    }

    /// Whether `feature` is expected in `environment` (TFDV's
    /// `IsFeatureInEnvironment`): its own `in_environment` /
    /// `not_in_environment` first, then the schema's `default_environment`.
    /// With no environment every feature is expected.
    pub fn in_environment(&self, feature: &Feature, environment: Option<&str>) -> bool {
        let Some(env) = environment else { return true };
        if feature.in_environment.iter().any(|e| e == env) {
            return true;
        }
        if feature.not_in_environment.iter().any(|e| e == env) {
            return false;
        }
        self.default_environment.iter().any(|e| e == env)
    }

    /// Names of INT features whose values are categories, for which TFDV
    /// computes string statistics.
    pub fn categorical_int_features(&self) -> Vec<String> {
        self.feature.iter().filter(|f| f.is_categorical_int()).map(|f| f.name.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXOTIC: &str = r#"
feature {
  name: "text"
  type: BYTES
  natural_language_domain { vocabulary: "words" }
  annotation { tag: "pii" }
  presence { min_count: 0 }
}
feature {
  name: "label"
  type: INT
  bool_domain {}
  not_in_environment: "SERVING"
  lifecycle_stage: PRODUCTION
  skew_comparator { infinity_norm { threshold: 0.01 } }
  drift_comparator { jensen_shannon_divergence { threshold: 0.1 source { type: QUANTILES } } }
}
feature {
  name: "x"
  type: FLOAT
  float_domain { min: -1.5 max: 2.25 disallow_nan: true is_embedding: true }
  shape { dim { size: 1 } }
}
sparse_feature { name: "sp" index_feature { name: "i" } value_feature { name: "v" } }
default_environment: "TRAINING"
default_environment: "SERVING"
dataset_constraints { min_examples_count: 10 num_examples_drift_comparator { max_fraction_threshold: 1.5 } }
"#;

    #[test]
    fn exotic_schema_round_trips_losslessly_through_the_model() {
        let json = proto::read_message(ProtoMessage::Schema, EXOTIC.as_bytes(), ProtoFormat::Pbtxt).unwrap();
        let schema = Schema::from_json(json.clone()).unwrap();
        assert_eq!(schema.to_json(), json);
        // Modelled fields are typed; the others survive in `other`.
        let text = schema.feature("text").unwrap();
        assert_eq!(text.presence.as_ref().unwrap().min_count, Some(0));
        assert_eq!(text.domain_kind(), Some("natural_language_domain"));
        assert!(text.other.contains_key("annotation"));
        let label = schema.feature("label").unwrap();
        assert!(schema.in_environment(label, Some("TRAINING")));
        assert!(!schema.in_environment(label, Some("SERVING")));
        assert!(schema.in_environment(label, None));
        let x = schema.feature("x").unwrap();
        assert_eq!(x.float_domain.as_ref().unwrap().min, Some(-1.5));
        assert!(schema.other.contains_key("sparse_feature"));
        // And back through the text format to the same message.
        let again = Schema::parse(&schema.encode(ProtoFormat::Pbtxt).unwrap(), ProtoFormat::Pbtxt).unwrap();
        assert_eq!(again, schema);
    }

    #[test]
    fn the_taxi_tfdv_schema_round_trips_in_every_format() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/data/tfdv_schema.pbtxt");
        let json = proto::read_file(ProtoMessage::Schema, &path).unwrap();
        let schema = Schema::read(&path).unwrap();
        assert_eq!(schema.to_json(), json, "nothing lost on the way into the model");
        assert_eq!(schema.feature.len(), 18);
        assert_eq!(schema.string_domain("payment_type").unwrap().value.len(), 7);
        for format in [ProtoFormat::Json, ProtoFormat::Pbtxt, ProtoFormat::Pb] {
            assert_eq!(Schema::parse(&schema.encode(format).unwrap(), format).unwrap(), schema, "{format}");
        }
    }

    #[test]
    fn clear_domain_clears_every_member_of_the_oneof() {
        let json = proto::read_message(ProtoMessage::Schema, EXOTIC.as_bytes(), ProtoFormat::Pbtxt).unwrap();
        let mut schema = Schema::from_json(json).unwrap();
        let text = schema.feature_mut("text").unwrap();
        text.clear_domain();
        assert_eq!(text.domain_kind(), None);
        assert!(text.other.contains_key("annotation"));
    }

    #[test]
    fn deprecated_stages_follow_tfdv() {
        let mut f = Feature::new("a", SchemaType::Int);
        assert!(!f.is_deprecated());
        f.lifecycle_stage = Some(LifecycleStage::Alpha);
        assert!(f.is_deprecated());
        f.lifecycle_stage = Some(LifecycleStage::Beta);
        assert!(!f.is_deprecated());
        f.deprecated = Some(true);
        assert!(f.is_deprecated());
    }
}
