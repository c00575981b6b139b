//! The statistics artifact: tensorflow_metadata's `DatasetFeatureStatisticsList`
//! (statistics.proto, package `tensorflow.metadata.v0`) as serde structs.
//!
//! Serialised with serde_json these give the protobuf-JSON form that TFDV and
//! Facets read: snake_case field names, enums as strings, non-finite doubles as
//! `"NaN"`, `"Infinity"`, `"-Infinity"`. 64-bit counts are written as JSON
//! numbers, which every protobuf-JSON parser accepts. Only fields that tabx fills
//! are modelled; anything beyond the proto goes in `custom_stats`.

use serde::{Deserialize, Serialize};

/// `DatasetFeatureStatisticsList`: one entry per dataset or slice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetFeatureStatisticsList {
    #[serde(default)]
    pub datasets: Vec<DatasetFeatureStatistics>,
}

/// `DatasetFeatureStatistics`: statistics of one dataset (or one slice of it).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetFeatureStatistics {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub num_examples: u64,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub weighted_num_examples: Option<f64>,
    #[serde(default)]
    pub features: Vec<FeatureNameStatistics>,
}

/// `FeatureNameStatistics.Type`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FeatureType {
    #[default]
    #[serde(rename = "INT")]
    Int,
    #[serde(rename = "FLOAT")]
    Float,
    #[serde(rename = "STRING")]
    String,
    #[serde(rename = "BYTES")]
    Bytes,
    #[serde(rename = "STRUCT")]
    Struct,
}

/// `FeatureNameStatistics`: one feature's statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureNameStatistics {
    /// The feature's name. TFDV names nested features by `path` instead;
    /// [`DatasetFeatureStatisticsList::read`] joins its steps with `.` here.
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<StatsPath>,
    #[serde(rename = "type", default)]
    pub feature_type: FeatureType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_stats: Option<NumericStatistics>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub string_stats: Option<StringStatistics>,
    /// A STRUCT feature's statistics: presence only (its fields are not
    /// described as features of their own yet).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub struct_stats: Option<StructStatistics>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub custom_stats: Vec<CustomStatistic>,
}

impl FeatureNameStatistics {
    /// The common statistics, whichever kind of statistics the feature has.
    pub fn common(&self) -> Option<&CommonStatistics> {
        (self.num_stats.as_ref().map(|n| &n.common_stats))
            .or(self.string_stats.as_ref().map(|s| &s.common_stats))
            .or(self.struct_stats.as_ref().map(|s| &s.common_stats))
    }

    /// The custom statistic called `name`, if present.
    pub fn custom(&self, name: &str) -> Option<&CustomStatistic> {
        self.custom_stats.iter().find(|c| c.name == name)
    }

    /// Examples in which the feature has a value (TFDV's `GetNumPresent`).
    pub fn num_present(&self) -> u64 {
        self.common().map_or(0, |c| c.num_non_missing)
    }

    /// Examples in which the feature is missing.
    pub fn num_missing(&self) -> u64 {
        self.common().map_or(0, |c| c.num_missing)
    }

    /// Values over all examples (TFDV's `GetTotalValueCountInExamples`).
    pub fn total_value_count(&self) -> u64 {
        self.common().map_or(0, |c| c.tot_num_values)
    }

    /// Each distinct string value with its count, sorted by value: the rank
    /// histogram if there is one, else the top values (TFDV's
    /// `GetStringValuesWithCounts`). Complete only while the feature has no
    /// more distinct values than rank-histogram buckets; see
    /// [`Self::string_values_complete`].
    pub fn string_values_with_counts(&self) -> Vec<(&str, f64)> {
        let Some(strings) = &self.string_stats else { return Vec::new() };
        let mut values: Vec<(&str, f64)> = match &strings.rank_histogram {
            Some(h) if !h.buckets.is_empty() => h.buckets.iter().map(|b| (b.label.as_str(), b.sample_count)).collect(),
            _ => strings.top_values.iter().map(|t| (t.value.as_str(), t.frequency)).collect(),
        };
        // Stable: a label repeated in the rank histogram keeps its first count first.
        values.sort_by(|a, b| a.0.cmp(b.0));
        values
    }

    /// A STRING feature whose values occur `counts` times each, in that rank
    /// order: common statistics (one value per example), `unique` and the
    /// rank histogram. For tests and examples of what reads statistics.
    pub fn from_value_counts(name: &str, counts: &[(&str, f64)]) -> Self {
        let total: f64 = counts.iter().map(|(_, c)| c).sum();
        let buckets = counts
            .iter()
            .enumerate()
            .map(|(rank, (label, count))| RankBucket {
                low_rank: rank as u64,
                high_rank: rank as u64,
                label: label.to_string(),
                sample_count: *count,
            })
            .collect();
        let common_stats = CommonStatistics {
            num_non_missing: total as u64,
            min_num_values: 1,
            max_num_values: 1,
            avg_num_values: 1.0,
            tot_num_values: total as u64,
            ..CommonStatistics::default()
        };
        Self {
            name: name.to_string(),
            feature_type: FeatureType::String,
            string_stats: Some(StringStatistics {
                common_stats,
                unique: counts.len() as u64,
                rank_histogram: Some(RankHistogram { buckets }),
                ..StringStatistics::default()
            }),
            ..Self::default()
        }
    }

    /// Whether [`Self::string_values_with_counts`] lists every distinct value.
    pub fn string_values_complete(&self) -> bool {
        self.string_stats.as_ref().is_some_and(|s| s.unique as usize <= self.string_values_with_counts().len())
    }
}

impl DatasetFeatureStatisticsList {
    /// Reads `stats.json`, `stats.pbtxt` or `stats.pb` (by extension).
    pub fn read(path: &std::path::Path) -> tabx_core::Result<Self> {
        let json = crate::proto::read_file(crate::proto::ProtoMessage::Statistics, path)?;
        let mut list: Self = serde_json::from_value(json).map_err(|e| tabx_core::TabxError::Artifact {
            path: path.display().to_string(),
            message: format!("not TFDV statistics: {e}"),
        })?;
        // TFDV writes `path { step: "fare" }` rather than `name: "fare"`.
        for feature in list.datasets.iter_mut().flat_map(|d| d.features.iter_mut()) {
            if let Some(p) = feature.path.take() {
                feature.name = p.step.join(".");
            }
        }
        Ok(list)
    }

    /// The statistics of the whole dataset: the one named `All Examples`
    /// when the list also holds slices, else the first.
    pub fn whole(&self) -> Option<&DatasetFeatureStatistics> {
        self.datasets.iter().find(|d| d.name == crate::ALL_EXAMPLES).or(self.datasets.first())
    }
}

impl DatasetFeatureStatistics {
    /// The statistics of the feature called `name`.
    pub fn feature(&self, name: &str) -> Option<&FeatureNameStatistics> {
        self.features.iter().find(|f| f.name == name)
    }
}

/// `Path`: the steps to a (possibly nested) feature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StatsPath {
    #[serde(default)]
    pub step: Vec<String>,
}

/// `CustomStatistic`: a named number, string or histogram beyond the proto.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CustomStatistic {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "proto_f64::option")]
    pub num: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub str: Option<String>,
}

impl CustomStatistic {
    pub fn number(name: &str, value: f64) -> Self {
        Self { name: name.to_string(), num: Some(value), str: None }
    }

    pub fn text(name: &str, value: impl Into<String>) -> Self {
        Self { name: name.to_string(), num: None, str: Some(value.into()) }
    }
}

/// `CommonStatistics`: presence and value counts, shared by all feature kinds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CommonStatistics {
    #[serde(default)]
    pub num_non_missing: u64,
    #[serde(default)]
    pub num_missing: u64,
    #[serde(default)]
    pub min_num_values: u64,
    #[serde(default)]
    pub max_num_values: u64,
    #[serde(default, with = "proto_f64")]
    pub avg_num_values: f64,
    #[serde(default)]
    pub tot_num_values: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub num_values_histogram: Option<Histogram>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_common_stats: Option<WeightedCommonStatistics>,
}

/// `WeightedCommonStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightedCommonStatistics {
    #[serde(default, with = "proto_f64")]
    pub num_non_missing: f64,
    #[serde(default, with = "proto_f64")]
    pub num_missing: f64,
    #[serde(default, with = "proto_f64")]
    pub avg_num_values: f64,
    #[serde(default, with = "proto_f64")]
    pub tot_num_values: f64,
}

/// `NumericStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NumericStatistics {
    #[serde(default)]
    pub common_stats: CommonStatistics,
    #[serde(default, with = "proto_f64")]
    pub mean: f64,
    #[serde(default, with = "proto_f64")]
    pub std_dev: f64,
    #[serde(default)]
    pub num_zeros: u64,
    #[serde(default, with = "proto_f64")]
    pub min: f64,
    #[serde(default, with = "proto_f64")]
    pub median: f64,
    #[serde(default, with = "proto_f64")]
    pub max: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histograms: Vec<Histogram>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_numeric_stats: Option<WeightedNumericStatistics>,
}

impl NumericStatistics {
    /// The histogram of the given type, if present.
    pub fn histogram(&self, kind: HistogramType) -> Option<&Histogram> {
        self.histograms.iter().find(|h| h.histogram_type == kind)
    }
}

/// `WeightedNumericStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightedNumericStatistics {
    #[serde(default, with = "proto_f64")]
    pub mean: f64,
    #[serde(default, with = "proto_f64")]
    pub std_dev: f64,
    #[serde(default, with = "proto_f64")]
    pub median: f64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub histograms: Vec<Histogram>,
}

/// `StructStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StructStatistics {
    #[serde(default)]
    pub common_stats: CommonStatistics,
}

/// `StringStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StringStatistics {
    #[serde(default)]
    pub common_stats: CommonStatistics,
    #[serde(default)]
    pub unique: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_values: Vec<FreqAndValue>,
    #[serde(default, with = "proto_f64")]
    pub avg_length: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_histogram: Option<RankHistogram>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weighted_string_stats: Option<WeightedStringStatistics>,
}

/// `StringStatistics.FreqAndValue`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FreqAndValue {
    // Defaults: protobuf JSON leaves out "" and 0 (an empty string is a
    // value like any other; a weighted frequency can be 0).
    #[serde(default)]
    pub value: String,
    #[serde(default, with = "proto_f64")]
    pub frequency: f64,
}

/// `WeightedStringStatistics`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightedStringStatistics {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub top_values: Vec<FreqAndValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank_histogram: Option<RankHistogram>,
}

/// `Histogram.HistogramType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum HistogramType {
    #[default]
    #[serde(rename = "STANDARD")]
    Standard,
    #[serde(rename = "QUANTILES")]
    Quantiles,
}

/// `Histogram`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    #[serde(default)]
    pub num_nan: u64,
    #[serde(default)]
    pub buckets: Vec<Bucket>,
    #[serde(rename = "type", default)]
    pub histogram_type: HistogramType,
}

/// `Histogram.Bucket`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    #[serde(default, with = "proto_f64")]
    pub low_value: f64,
    #[serde(default, with = "proto_f64")]
    pub high_value: f64,
    #[serde(default, with = "proto_f64")]
    pub sample_count: f64,
}

/// `RankHistogram`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RankHistogram {
    #[serde(default)]
    pub buckets: Vec<RankBucket>,
}

/// `RankHistogram.Bucket`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RankBucket {
    #[serde(default)]
    pub low_rank: u64,
    #[serde(default)]
    pub high_rank: u64,
    #[serde(default)]
    pub label: String,
    #[serde(default, with = "proto_f64")]
    pub sample_count: f64,
}

/// Doubles in protobuf-JSON: numbers, except `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub(crate) mod proto_f64 {
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_nan() {
            s.serialize_str("NaN")
        } else if x.is_infinite() {
            s.serialize_str(if *x > 0.0 { "Infinity" } else { "-Infinity" })
        } else {
            s.serialize_f64(*x)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum NumOrText {
            Num(f64),
            Text(String),
        }
        match NumOrText::deserialize(d)? {
            NumOrText::Num(x) => Ok(x),
            NumOrText::Text(t) => match t.as_str() {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                other => other.parse().map_err(D::Error::custom),
            },
        }
    }

    pub mod option {
        use serde::{Deserializer, Serializer};

        pub fn serialize<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            match x {
                Some(x) => super::serialize(x, s),
                None => s.serialize_none(),
            }
        }

        pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
            super::deserialize(d).map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::{ProtoFormat, ProtoMessage, json_to_format};

    #[test]
    fn non_finite_doubles_use_proto_json_spelling() {
        let b = Bucket { low_value: f64::NEG_INFINITY, high_value: f64::INFINITY, sample_count: f64::NAN };
        let text = serde_json::to_string(&b).unwrap();
        assert_eq!(text, r#"{"low_value":"-Infinity","high_value":"Infinity","sample_count":"NaN"}"#);
        let back: Bucket = serde_json::from_str(&text).unwrap();
        assert!(back.sample_count.is_nan() && back.high_value == f64::INFINITY);
    }

    /// Protobuf JSON leaves out a field at its default, so a top value that is
    /// the empty string (common in Parquet) or a zero weighted frequency comes
    /// back without `value` / `frequency`; each format must still read back.
    #[test]
    fn default_valued_fields_read_back_in_every_format() {
        let top = |value: &str, frequency: f64| FreqAndValue { value: value.into(), frequency };
        let feature = FeatureNameStatistics {
            name: "s".into(),
            feature_type: FeatureType::String,
            string_stats: Some(StringStatistics {
                unique: 2,
                top_values: vec![top("a", 2.0), top("", 1.0)],
                weighted_string_stats: Some(WeightedStringStatistics {
                    top_values: vec![top("a", 0.5), top("", 0.0)],
                    rank_histogram: None,
                }),
                ..Default::default()
            }),
            ..Default::default()
        };
        let list = DatasetFeatureStatisticsList {
            datasets: vec![DatasetFeatureStatistics {
                name: "d".into(),
                num_examples: 3,
                features: vec![feature],
                ..Default::default()
            }],
        };
        let json = serde_json::to_value(&list).unwrap();
        let dir = tempfile::tempdir().unwrap();
        for format in [ProtoFormat::Json, ProtoFormat::Pbtxt, ProtoFormat::Pb] {
            let path = dir.path().join(format!("stats.{}", format.extension()));
            std::fs::write(&path, json_to_format(ProtoMessage::Statistics, &json, format).unwrap()).unwrap();
            let back = DatasetFeatureStatisticsList::read(&path).unwrap_or_else(|e| panic!("{format}: {e}"));
            assert_eq!(back, list, "{format}");
        }
    }

    #[test]
    fn enums_are_strings_and_names_snake_case() {
        let f = FeatureNameStatistics { name: "fare".into(), feature_type: FeatureType::Float, ..Default::default() };
        assert_eq!(serde_json::to_string(&f).unwrap(), r#"{"name":"fare","type":"FLOAT"}"#);
    }
}
