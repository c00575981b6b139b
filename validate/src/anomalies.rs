//! The anomalies artifact: tensorflow_metadata's `Anomalies` (anomalies.proto)
//! as serde structs, and [`Finding`], one reason a check raises.
//!
//! Serialised with serde_json this is the protobuf-JSON form TFDV writes and
//! `tfdv.load_anomalies_text` reads (via [`tabx_schema::json_to_format`] for
//! `.pbtxt` / `.pb`). Anomaly type names are those of `AnomalyInfo.Type`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};
use tabx_schema::{ProtoFormat, ProtoMessage, Schema};

/// `Anomalies`: everything validation found, keyed by feature name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Anomalies {
    /// The schema the statistics were checked against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Schema>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub anomaly_info: BTreeMap<String, AnomalyInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_anomaly_info: Option<AnomalyInfo>,
    /// Set when the statistics hold no examples: then nothing else is checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_missing: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift_skew_info: Vec<DriftSkewInfo>,
}

/// `AnomalyInfo`: the anomalies of one feature (or of the dataset).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AnomalyInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<FeaturePath>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    #[serde(default)]
    pub reason: Vec<Reason>,
}

/// `Path`: the steps to a feature (one step for a top-level column).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeaturePath {
    #[serde(default)]
    pub step: Vec<String>,
}

/// `AnomalyInfo.Severity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Severity {
    Unknown,
    Warning,
    Error,
}

/// `AnomalyInfo.Reason`: one anomaly type with its descriptions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    #[serde(rename = "type", default)]
    pub kind: AnomalyType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `AnomalyInfo.Type`: the anomaly types tabx raises (TFDV's names). Any
/// other type read from a file becomes `UnknownType`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AnomalyType {
    BoolTypeBigInt,
    BoolTypeSmallInt,
    BoolTypeUnexpectedString,
    BoolTypeUnexpectedFloat,
    EnumTypeUnexpectedStringValues,
    FeatureTypeHighNumberValues,
    FeatureTypeLowFractionPresent,
    FeatureTypeLowNumberPresent,
    FeatureTypeLowNumberValues,
    FeatureTypeNotPresent,
    FeatureTypeHighUnique,
    FeatureTypeLowUnique,
    FeatureTypeNoUnique,
    FloatTypeBigFloat,
    FloatTypeSmallFloat,
    FloatTypeStringNotFloat,
    FloatTypeHasNan,
    FloatTypeHasInf,
    IntTypeBigInt,
    IntTypeNotIntString,
    IntTypeSmallInt,
    SchemaMissingColumn,
    SchemaNewColumn,
    ComparatorControlDataMissing,
    ComparatorLInftyHigh,
    ComparatorJensenShannonDivergenceHigh,
    ComparatorNormalizedAbsoluteDifferenceHigh,
    ComparatorLowNumExamples,
    ComparatorHighNumExamples,
    DatasetLowNumExamples,
    DatasetHighNumExamples,
    DomainInvalidForType,
    FeatureMissingName,
    FeatureMissingType,
    InvalidSchemaSpecification,
    InvalidDomainSpecification,
    UnexpectedDataType,
    CustomValidation,
    #[default]
    #[serde(other)]
    UnknownType,
}

impl AnomalyType {
    /// The proto enum name, e.g. `SCHEMA_NEW_COLUMN`.
    pub fn name(self) -> String {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::String(s)) => s,
            _ => "UNKNOWN_TYPE".into(),
        }
    }
}

/// `DriftSkewInfo`: the distances measured for one feature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DriftSkewInfo {
    pub path: FeaturePath,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub drift_measurements: Vec<Measurement>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skew_measurements: Vec<Measurement>,
}

/// `DriftSkewInfo.Measurement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    /// `L_INFTY`, `JENSEN_SHANNON_DIVERGENCE` or `NORMALIZED_ABSOLUTE_DIFFERENCE`.
    #[serde(rename = "type")]
    pub kind: String,
    pub value: f64,
    pub threshold: f64,
}

/// One reason a check raised, before it is grouped per feature.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: AnomalyType,
    pub short: String,
    pub long: String,
}

impl Finding {
    pub fn new(kind: AnomalyType, short: impl Into<String>, long: impl Into<String>) -> Self {
        Self { kind, short: short.into(), long: long.into() }
    }
}

impl AnomalyInfo {
    /// The info for `findings` on one path, worded as TFDV words it: one
    /// reason keeps its own descriptions, several read "Multiple errors".
    pub fn from_findings(path: Option<&str>, findings: &[Finding]) -> Self {
        let (short, long) = match findings {
            [one] => (one.short.clone(), one.long.clone()),
            many => ("Multiple errors".to_string(), many.iter().map(|f| f.long.as_str()).collect::<Vec<_>>().join(" ")),
        };
        Self {
            path: path.map(|p| FeaturePath { step: vec![p.to_string()] }),
            severity: Some(Severity::Error),
            description: Some(long),
            short_description: Some(short),
            reason: findings
                .iter()
                .map(|f| Reason {
                    kind: f.kind,
                    short_description: Some(f.short.clone()),
                    description: Some(f.long.clone()),
                })
                .collect(),
        }
    }
}

impl Anomalies {
    /// Whether anything was found (a `data_missing` dataset counts).
    pub fn is_empty(&self) -> bool {
        self.anomaly_info.is_empty() && self.dataset_anomaly_info.is_none() && self.data_missing != Some(true)
    }

    /// Adds dataset-level findings (e.g. failed custom constraints) to
    /// `dataset_anomaly_info`, rewording its descriptions for the new total.
    pub fn add_dataset_findings(&mut self, findings: &[Finding]) {
        if findings.is_empty() {
            return;
        }
        let mut all: Vec<Finding> = self
            .dataset_anomaly_info
            .iter()
            .flat_map(|info| &info.reason)
            .map(|r| {
                Finding::new(
                    r.kind,
                    r.short_description.clone().unwrap_or_default(),
                    r.description.clone().unwrap_or_default(),
                )
            })
            .collect();
        all.extend_from_slice(findings);
        self.dataset_anomaly_info = Some(AnomalyInfo::from_findings(None, &all));
    }

    /// Every (feature or [`DATASET`], reason) pair, in a stable order.
    pub fn reasons(&self) -> Vec<(&str, &Reason)> {
        let mut out: Vec<(&str, &Reason)> = Vec::new();
        if let Some(info) = &self.dataset_anomaly_info {
            out.extend(info.reason.iter().map(|r| (DATASET, r)));
        }
        for (name, info) in &self.anomaly_info {
            out.extend(info.reason.iter().map(|r| (name.as_str(), r)));
        }
        out
    }

    /// The protobuf-JSON value of these anomalies.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }

    /// Encodes the anomalies in `format` (strictly checked against anomalies.proto).
    pub fn encode(&self, format: ProtoFormat) -> Result<Vec<u8>> {
        tabx_schema::json_to_format(ProtoMessage::Anomalies, &self.to_json(), format)
    }

    /// Reads `anomalies.json`, `.pbtxt` or `.pb` (by extension).
    pub fn read(path: &Path) -> Result<Self> {
        let json = tabx_schema::read_file(ProtoMessage::Anomalies, path)?;
        serde_json::from_value(json).map_err(|e| TabxError::Artifact {
            path: path.display().to_string(),
            message: format!("not TFDV anomalies: {e}"),
        })
    }
}

/// The name the readable table gives dataset-level anomalies.
pub const DATASET: &str = "(dataset)";

/// A number as absl's `SixDigits` prints it (C's `%g`: six significant
/// digits, trailing zeros dropped), so descriptions read as TFDV's do.
pub fn six_digits(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "nan".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    if x == 0.0 {
        return "0".into();
    }
    let exponent = x.abs().log10().floor() as i32;
    if (-4..6).contains(&exponent) {
        let decimals = (5 - exponent).max(0) as usize;
        let text = format!("{x:.decimals$}");
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
    } else {
        let text = format!("{x:.5e}");
        let (mantissa, exp) = text.split_once('e').unwrap_or((&text, "0"));
        let mantissa =
            if mantissa.contains('.') { mantissa.trim_end_matches('0').trim_end_matches('.') } else { mantissa };
        let exp: i32 = exp.parse().unwrap_or(0);
        format!("{mantissa}e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.abs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn six_digits_matches_printf_g() {
        // Expected strings from Python's "%g" % x, which is C's printf %g.
        for (x, want) in [
            (0.05, "0.05"),
            (1.0, "1"),
            (1.5, "1.5"),
            (123456.0, "123456"),
            (1234567.0, "1.23457e+06"),
            (0.000123456789, "0.000123457"),
            (0.00001234, "1.234e-05"),
            (-2.5, "-2.5"),
            (0.123456789, "0.123457"),
            (1.0 / 3.0, "0.333333"),
        ] {
            assert_eq!(six_digits(x), want, "{x}");
        }
    }

    #[test]
    fn several_findings_read_multiple_errors() {
        let findings = [
            Finding::new(AnomalyType::SchemaNewColumn, "New column", "a."),
            Finding::new(AnomalyType::UnexpectedDataType, "Unexpected data type", "b."),
        ];
        let info = AnomalyInfo::from_findings(Some("x"), &findings);
        assert_eq!(info.short_description.as_deref(), Some("Multiple errors"));
        assert_eq!(info.description.as_deref(), Some("a. b."));
        assert_eq!(info.reason.len(), 2);
        let one = AnomalyInfo::from_findings(Some("x"), &findings[..1]);
        assert_eq!(one.short_description.as_deref(), Some("New column"));
    }

    #[test]
    fn anomalies_are_valid_tensorflow_metadata() {
        let mut anomalies = Anomalies::default();
        anomalies.anomaly_info.insert(
            "payment_type".into(),
            AnomalyInfo::from_findings(
                Some("payment_type"),
                &[Finding::new(AnomalyType::EnumTypeUnexpectedStringValues, "Unexpected string values", "x")],
            ),
        );
        anomalies.drift_skew_info.push(DriftSkewInfo {
            path: FeaturePath { step: vec!["payment_type".into()] },
            drift_measurements: vec![Measurement { kind: "L_INFTY".into(), value: 0.5, threshold: 0.1 }],
            skew_measurements: vec![],
        });
        let text = String::from_utf8(anomalies.encode(ProtoFormat::Pbtxt).unwrap()).unwrap();
        assert!(text.contains("ENUM_TYPE_UNEXPECTED_STRING_VALUES"), "{text}");
        let back: Anomalies = serde_json::from_value(
            tabx_schema::read_message(ProtoMessage::Anomalies, text.as_bytes(), ProtoFormat::Pbtxt).unwrap(),
        )
        .unwrap();
        assert_eq!(back, anomalies);
        assert_eq!(AnomalyType::SchemaNewColumn.name(), "SCHEMA_NEW_COLUMN");
    }
}
