//! [`EvalResult`]: the `eval.json` artifact of one evaluation. Per slice spec
//! its slices (sorted by key) with their metrics, confidence intervals and
//! baseline comparisons, the slices suppressed and why, and the verdict of the
//! thresholds (`blessed`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tabx_core::{Result, SliceKey, TabxError};

use crate::{EvalConfig, MetricValue};

/// The version of `eval.json`; bumped whenever its shape changes.
pub const EVAL_FORMAT_VERSION: u32 = 1;

/// A finished evaluation (`eval.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalResult {
    pub format_version: u32,
    pub tabx_version: String,
    /// The config it ran with.
    pub config: EvalConfig,
    /// One per slice spec, the overall slice first.
    pub slice_specs: Vec<SpecResult>,
    pub validation: Validation,
    /// True when no threshold failed (TFX Evaluator's blessing).
    pub blessed: bool,
}

/// The slices of one slice spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpecResult {
    /// The spec as `--slice` writes it (`overall`, `payment_type`, ...).
    pub spec: String,
    /// The reported slices, sorted by key.
    pub slices: Vec<SliceResult>,
    /// Slices without metrics (below `min_slice_size`, or past `max_slices`), sorted by key.
    pub suppressed: Vec<SuppressedSlice>,
}

/// A slice left out of the report, with its size and the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuppressedSlice {
    pub name: String,
    pub example_count: u64,
    pub reason: String,
}

/// The metrics of one slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceResult {
    /// TFDV's slice name (`payment_type_Cash`, `All Examples`).
    pub name: String,
    /// `(column, value)` per term of the spec.
    pub key: SliceKey,
    /// Rows evaluated (rows left out are not counted).
    pub example_count: u64,
    /// Sum of the weights of the rows evaluated (their count without a weight column).
    pub weighted_example_count: f64,
    pub rows_left_out: RowsLeftOut,
    /// Rows evaluated whose weight was missing (null or NaN): weight 0, as TFMA.
    pub rows_missing_weight: u64,
    /// Numeric metrics by TFMA name.
    pub metrics: BTreeMap<String, MetricResult>,
    /// Plots (confusion matrices, calibration plot): no confidence intervals.
    pub plots: BTreeMap<String, MetricValue>,
}

/// Rows of a slice that were not evaluated, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowsLeftOut {
    /// A null or NaN label.
    pub missing_label: u64,
    /// A null or NaN prediction.
    pub missing_prediction: u64,
    /// A null or NaN baseline prediction (left out of both models, so they see the same rows).
    pub missing_baseline_prediction: u64,
}

impl RowsLeftOut {
    /// All rows left out.
    pub fn total(&self) -> u64 {
        self.missing_label + self.missing_prediction + self.missing_baseline_prediction
    }

    pub(crate) fn add(&mut self, other: &Self) {
        self.missing_label += other.missing_label;
        self.missing_prediction += other.missing_prediction;
        self.missing_baseline_prediction += other.missing_baseline_prediction;
    }
}

/// One metric on one slice. Exactly one of `value` and `undefined` is set.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MetricResult {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Why the metric does not exist on this slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undefined: Option<String>,
    /// 95% confidence interval (TFMA's `ConfidenceInterval`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lower_bound: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub upper_bound: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub standard_error: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub degrees_of_freedom: Option<u32>,
    /// Why there is no interval though the metric is defined (a CI sample where it is not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_undefined: Option<String>,
    /// The baseline's value on the same slice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// Why there is no baseline value though a baseline was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_undefined: Option<String>,
    /// value − baseline.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diff: Option<f64>,
}

/// The verdict of the thresholds.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Validation {
    /// Threshold × slice checks made.
    pub checks: u64,
    /// Suppressed slices of the thresholds' specs, which have no metrics to check.
    pub suppressed_slices_not_checked: u64,
    pub failures: Vec<ThresholdFailure>,
}

/// One threshold that failed on one slice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdFailure {
    pub spec: String,
    pub slice: String,
    pub metric: String,
    /// The metric's value, when it has one.
    pub value: Option<f64>,
    /// The threshold, as `lower 0.7`, `upper 5`, `change higher_is_better absolute 0.01`.
    pub threshold: String,
    pub reason: String,
}

impl EvalResult {
    /// The slices of a spec, by its `--slice` text (`overall` for the overall slice).
    pub fn spec(&self, spec: &str) -> Option<&SpecResult> {
        self.slice_specs.iter().find(|s| s.spec == spec)
    }

    /// The overall slice.
    pub fn overall(&self) -> Option<&SliceResult> {
        self.slice_specs.first().and_then(|s| s.slices.first())
    }

    /// `eval.json`'s text (pretty, floats exact).
    pub fn to_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| TabxError::Internal(format!("cannot write eval.json: {e}")))?;
        text.push('\n');
        Ok(text)
    }

    /// Parses `eval.json`; `origin` names it in errors. Another format version is refused.
    pub fn from_json(text: &str, origin: &str) -> Result<Self> {
        let bad = |message: String| TabxError::Artifact { path: origin.to_string(), message };
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| bad(format!("not JSON: {e}")))?;
        match value.get("format_version").and_then(serde_json::Value::as_u64) {
            Some(v) if v == u64::from(EVAL_FORMAT_VERSION) => {}
            Some(v) => {
                return Err(bad(format!(
                    "eval.json format version {v}, but this tabx reads version {EVAL_FORMAT_VERSION}: \
                     evaluate again with this tabx"
                )));
            }
            None => return Err(bad("not an eval.json: no format_version".into())),
        }
        serde_json::from_value(value).map_err(|e| bad(format!("not an eval.json: {e}")))
    }

    /// Reads `eval.json` from a file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TabxError::io(path, e))?;
        Self::from_json(&text, &path.display().to_string())
    }
}

impl SpecResult {
    /// A reported slice by name.
    pub fn slice(&self, name: &str) -> Option<&SliceResult> {
        self.slices.iter().find(|s| s.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result() -> EvalResult {
        let mut metrics = BTreeMap::new();
        // A value whose shortest decimal form needs 17 digits survives the round trip.
        metrics.insert(
            "mean_squared_error".to_string(),
            MetricResult { value: Some(0.1 + 0.2), lower_bound: Some(1e-300), ..Default::default() },
        );
        metrics
            .insert("auc".to_string(), MetricResult { undefined: Some("no positives".into()), ..Default::default() });
        EvalResult {
            format_version: EVAL_FORMAT_VERSION,
            tabx_version: "test".into(),
            config: EvalConfig::new("y", "p"),
            slice_specs: vec![SpecResult {
                spec: "overall".into(),
                slices: vec![SliceResult {
                    name: tabx_core::OVERALL.into(),
                    key: SliceKey::default(),
                    example_count: 3,
                    weighted_example_count: 2.5,
                    rows_left_out: RowsLeftOut { missing_label: 1, ..Default::default() },
                    rows_missing_weight: 0,
                    metrics,
                    plots: BTreeMap::new(),
                }],
                suppressed: vec![],
            }],
            validation: Validation::default(),
            blessed: true,
        }
    }

    #[test]
    fn json_round_trip_is_exact() {
        let r = result();
        let text = r.to_json().unwrap();
        assert_eq!(EvalResult::from_json(&text, "eval.json").unwrap(), r);
        assert_eq!(r.overall().unwrap().metrics["mean_squared_error"].value, Some(0.30000000000000004));
        assert!(!text.contains("\"diff\""), "unset fields are left out");
    }

    #[test]
    fn another_format_version_is_refused() {
        let text = result().to_json().unwrap().replace("\"format_version\": 1", "\"format_version\": 2");
        let err = EvalResult::from_json(&text, "old/eval.json").unwrap_err().to_string();
        assert!(err.contains("old/eval.json") && err.contains("version 2") && err.contains("version 1"), "{err}");
        let err = EvalResult::from_json("{}", "x.json").unwrap_err().to_string();
        assert!(err.contains("no format_version"), "{err}");
    }
}
