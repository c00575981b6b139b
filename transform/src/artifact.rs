//! `transform.json`: the fitted transform, everything serving needs and nothing
//! else ([`TransformArtifact`]).
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "tabx_version": "0.1.0",
//!   "spec": { "outputs": [{"name": "trip_miles_z", "op": "scale_to_z_score", "inputs": ["trip_miles"]}],
//!             "passthrough": ["company"] },
//!   "input_schema": { "company": "Utf8", "trip_miles": "Float64" },
//!   "output_schema": [{"name": "trip_miles_z", "type": "Float64"}, {"name": "company", "type": "Utf8"}],
//!   "outputs": [{"name": "trip_miles_z", "op": "scale_to_z_score",
//!                "fitted": {"mean": 1.54, "std_dev": 3.1, "count": 15002}}],
//!   "rows": 15002, "invalid_rows": 0, "invalid_by_reason": {}
//! }
//! ```
//!
//! Types are Arrow type names (`Int64`, `Float64`, `Utf8`, `Null` for a column
//! that never held a value). Floats are written with serde_json's
//! `float_roundtrip`, so a loaded artifact has the fitted values bit for bit.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::{Result, TabxError};

use crate::spec::TransformSpec;

/// The `format_version` this tabx writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The fitted transform (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransformArtifact {
    pub format_version: u32,
    /// The tabx that fitted it.
    pub tabx_version: String,
    pub spec: TransformSpec,
    /// Each input column the spec reads → the Arrow type (family) it was fitted on.
    pub input_schema: BTreeMap<String, String>,
    /// The output columns in order: op outputs, then passthrough columns.
    pub output_schema: Vec<OutputColumn>,
    /// The fitted values of each output, in spec order.
    pub outputs: Vec<FittedOutput>,
    /// Rows the fit read.
    pub rows: u64,
    /// Rows left out of the fit because a value did not fit its op.
    pub invalid_rows: u64,
    /// Those rows by reason.
    #[serde(default)]
    pub invalid_by_reason: BTreeMap<String, u64>,
}

/// One output column of the artifact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
}

/// The fitted values of one output (the op's own JSON object).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FittedOutput {
    pub name: String,
    pub op: String,
    pub fitted: Value,
}

impl TransformArtifact {
    /// Reads `transform.json`; errors name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        tabx_core::read_artifact(path.as_ref(), Self::from_json)
    }

    /// Parses the JSON text of a `transform.json`, checking its version.
    pub fn from_json(text: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|e| {
            let error = TabxError::config(format!("not a transform artifact: {e}"));
            // The spec where its fitted artifact belongs: the fit is missing.
            if text.lines().any(|line| line.starts_with("outputs:")) {
                error.with_hint(
                    "this is a transform spec: fit it first (`tabx transform fit DATA --spec SPEC -o transform.json`) \
                     and pass the transform.json it writes",
                )
            } else {
                error
            }
        })?;
        if let Some(kind) =
            tabx_core::ArtifactKind::of_json(&value).filter(|k| *k != tabx_core::ArtifactKind::Transform)
        {
            return Err(TabxError::config(kind.misplaced("a transform")));
        }
        let version = value.get("format_version").and_then(Value::as_u64);
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(TabxError::config(format!(
                "transform format_version {} (this tabx reads {FORMAT_VERSION})",
                version.map_or("missing".to_string(), |v| v.to_string())
            ))
            .with_hint("fit the transform again with this tabx: `tabx transform fit`"));
        }
        serde_json::from_value(value).map_err(|e| {
            TabxError::config(format!("not a transform artifact: {e}"))
                .with_hint("fit the transform again with `tabx transform fit`")
        })
    }

    /// The artifact as pretty JSON text (what `transform.json` holds).
    pub fn to_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| TabxError::Internal(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_given_as_the_artifact_says_to_fit_it() {
        let spec = "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [x]}\n";
        let e = TransformArtifact::from_json(spec).unwrap_err().to_string();
        assert!(e.contains("not a transform artifact") && e.contains("this is a transform spec: fit it first"), "{e}");
    }

    #[test]
    fn version_is_checked() {
        let e = TransformArtifact::from_json(r#"{"format_version": 99}"#).unwrap_err().to_string();
        assert!(e.contains("format_version 99 (this tabx reads 1)"), "{e}");
        let e = TransformArtifact::from_json("[]").unwrap_err().to_string();
        assert!(e.contains("format_version missing"), "{e}");
    }
}
