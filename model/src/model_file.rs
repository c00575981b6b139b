//! `model.json`: a trained model, everything prediction needs and what
//! training saw ([`Model`]).
//!
//! ```json
//! {
//!   "format_version": 1,
//!   "tabx_version": "0.1.0",
//!   "kind": "linear",
//!   "label": "fare",
//!   "l2": 1.0,
//!   "encoder": {
//!     "features": [{"name": "trip_miles_xf", "encoding": "numeric", "offset": 0.0012},
//!                  {"name": "company_xf", "encoding": "one_hot_ids", "count": 98, "op": "compute_and_apply_vocabulary"},
//!                  {"name": "trip_start_hour_xf", "encoding": "one_hot_values", "values": [0, 1, 2]}],
//!     "columns": [{"name": "trip_miles_xf", "kind": "numeric"}, {"name": "company_xf=0", "kind": "one_hot"}]
//!   },
//!   "intercept": 11.2,
//!   "coefficients": {"company_xf=0": -0.4, "trip_miles_xf": 3.9},
//!   "training": {"rows": 15002, "skipped_rows": 0, "skipped_by_reason": {},
//!                "loss": "rmse", "loss_value": 3.1, "iterations": null, "converged": true}
//! }
//! ```
//!
//! Prediction = `intercept` + Σ coefficient × design value, where a numeric
//! column's value is the transformed value itself (its `offset` only served
//! training) and a one-hot column is 1 for its category; a logistic model
//! gives σ of that, the probability of label 1. A row with a null or
//! non-finite feature gets a null prediction, counted by reason
//! ([`Model::score`]).

use std::collections::BTreeMap;
use std::path::Path;

use arrow::array::{Float64Array, RecordBatch};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::{Result, TabxError};

use crate::encoder::{Encoder, Encoding};
use crate::logistic::{LogisticFit, sigmoid};
use crate::plan::ModelKind;
use crate::ridge::LinearFit;

/// The `format_version` this tabx writes and reads.
pub const MODEL_FORMAT_VERSION: u32 = 1;

/// A trained model (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub format_version: u32,
    pub tabx_version: String,
    pub kind: ModelKind,
    pub label: String,
    pub l2: f64,
    pub encoder: Encoder,
    /// The intercept, for the transformed values themselves.
    pub intercept: f64,
    /// Coefficient of each design column, by name.
    pub coefficients: BTreeMap<String, f64>,
    pub training: TrainingSummary,
}

/// What training read and reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Rows the model was fitted on.
    pub rows: u64,
    /// Rows left out (null or non-finite label or feature).
    pub skipped_rows: u64,
    pub skipped_by_reason: BTreeMap<String, u64>,
    /// `rmse` (linear) or `log_loss` (logistic, mean), on the training rows.
    pub loss: String,
    pub loss_value: f64,
    /// Passes of IRLS (logistic).
    pub iterations: Option<usize>,
    /// Whether IRLS converged (always true for linear).
    pub converged: bool,
}

/// Predictions of a batch, and the rows that got none.
#[derive(Debug, Clone, PartialEq)]
pub struct Scored {
    /// One per row; null where a feature was null or not finite.
    pub values: Float64Array,
    /// Rows without a prediction, by reason.
    pub unscored: BTreeMap<String, u64>,
}

impl Model {
    /// The model of a linear fit on the normal equations' rows.
    pub fn linear(encoder: Encoder, l2: f64, fit: &LinearFit, rows: u64, skipped: &BTreeMap<String, u64>) -> Self {
        let training = summary(rows, skipped, "rmse", fit.rmse, None, true);
        Self::from_parts(ModelKind::Linear, encoder, l2, fit.intercept, &fit.coefficients, training)
    }

    /// The model of a logistic fit.
    pub fn logistic(encoder: Encoder, l2: f64, fit: &LogisticFit, rows: u64, skipped: &BTreeMap<String, u64>) -> Self {
        let training = summary(rows, skipped, "log_loss", fit.log_loss, Some(fit.iterations), fit.converged);
        Self::from_parts(ModelKind::Logistic, encoder, l2, fit.intercept, &fit.coefficients, training)
    }

    /// `intercept` is for the offset design values; the model's is for the values themselves.
    fn from_parts(
        kind: ModelKind,
        encoder: Encoder,
        l2: f64,
        intercept: f64,
        beta: &[f64],
        training: TrainingSummary,
    ) -> Self {
        let shift: f64 = offsets(&encoder).iter().zip(beta).map(|(o, b)| o * b).sum();
        Model {
            format_version: MODEL_FORMAT_VERSION,
            tabx_version: env!("CARGO_PKG_VERSION").to_string(),
            kind,
            label: encoder.label.clone(),
            l2,
            intercept: intercept - shift,
            coefficients: encoder.columns.iter().map(|c| c.name.clone()).zip(beta.iter().copied()).collect(),
            encoder,
            training,
        }
    }

    /// Reads `model.json`; errors name the file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        tabx_core::read_artifact(path.as_ref(), Self::from_json)
    }

    /// Parses the text of a `model.json`, checking its version and that its
    /// coefficients match its encoder.
    pub fn from_json(text: &str) -> Result<Self> {
        let value: Value =
            serde_json::from_str(text).map_err(|e| TabxError::config(format!("not a model file: {e}")))?;
        if let Some(kind) = tabx_core::ArtifactKind::of_json(&value).filter(|k| *k != tabx_core::ArtifactKind::Model) {
            return Err(TabxError::config(kind.misplaced("a model")));
        }
        let version = value.get("format_version").and_then(Value::as_u64);
        if version != Some(u64::from(MODEL_FORMAT_VERSION)) {
            return Err(TabxError::config(format!(
                "model format_version {} (this tabx reads {MODEL_FORMAT_VERSION})",
                version.map_or("missing".to_string(), |v| v.to_string())
            ))
            .with_hint("train the model again with this tabx: `tabx train`"));
        }
        let retrain = "train the model again with `tabx train`";
        let mut model: Model = serde_json::from_value(value)
            .map_err(|e| TabxError::config(format!("not a model file: {e}")).with_hint(retrain))?;
        model.encoder.label = model.label.clone();
        let rebuilt = Encoder::from_features(model.label.clone(), model.encoder.features.clone())?;
        if rebuilt.columns != model.encoder.columns {
            return Err(TabxError::config("the encoder's columns do not follow from its features").with_hint(retrain));
        }
        if let Some(c) = model.encoder.columns.iter().find(|c| !model.coefficients.contains_key(&c.name)) {
            return Err(
                TabxError::config(format!("no coefficient for the design column `{}`", c.name)).with_hint(retrain)
            );
        }
        if model.coefficients.len() != model.encoder.columns.len() {
            return Err(TabxError::config("coefficients of columns the encoder does not have").with_hint(retrain));
        }
        Ok(model)
    }

    /// The model as pretty JSON text (what `model.json` holds).
    pub fn to_json(&self) -> Result<String> {
        let mut text = serde_json::to_string_pretty(self).map_err(|e| TabxError::Internal(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    /// The coefficients in design-column order.
    pub fn coefficient_vector(&self) -> Vec<f64> {
        self.encoder.columns.iter().map(|c| self.coefficients.get(&c.name).copied().unwrap_or(0.0)).collect()
    }

    /// The prediction of each row of a transformed batch (see the module docs).
    pub fn predict(&self, transformed: &RecordBatch) -> Result<Float64Array> {
        Ok(self.score(transformed)?.values)
    }

    /// [`Self::predict`], with the rows that got no prediction counted by reason.
    pub fn score(&self, transformed: &RecordBatch) -> Result<Scored> {
        let rows = self.encoder.encode(transformed, None)?;
        let beta = self.coefficient_vector();
        // The design rows hold offset values: shift the intercept to match.
        let intercept = self.intercept + offsets(&self.encoder).iter().zip(&beta).map(|(o, b)| o * b).sum::<f64>();
        let mut values = vec![None; transformed.num_rows()];
        for r in 0..rows.len() {
            let eta = intercept + rows.row(r).map(|(c, x)| beta[c] * x).sum::<f64>();
            values[rows.rows[r]] = Some(match self.kind {
                ModelKind::Linear => eta,
                ModelKind::Logistic => sigmoid(eta),
            });
        }
        Ok(Scored { values: Float64Array::from(values), unscored: rows.skipped })
    }
}

/// The offset of each design column (0 for one-hot columns).
fn offsets(encoder: &Encoder) -> Vec<f64> {
    let mut out = Vec::with_capacity(encoder.width());
    for f in &encoder.features {
        match &f.encoding {
            Encoding::Numeric { offset } => out.push(*offset),
            Encoding::OneHotIds { count, .. } => out.extend(std::iter::repeat_n(0.0, *count as usize)),
            Encoding::OneHotValues { values } => out.extend(std::iter::repeat_n(0.0, values.len())),
        }
    }
    out
}

fn summary(
    rows: u64,
    skipped: &BTreeMap<String, u64>,
    loss: &str,
    loss_value: f64,
    iterations: Option<usize>,
    converged: bool,
) -> TrainingSummary {
    TrainingSummary {
        rows,
        skipped_rows: skipped.values().sum(),
        skipped_by_reason: skipped.clone(),
        loss: loss.into(),
        loss_value,
        iterations,
        converged,
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Array, ArrayRef, Int64Array};

    use super::*;
    use crate::encoder::FeatureEncoding;

    fn model(kind: ModelKind) -> Model {
        let features = vec![
            FeatureEncoding { name: "x".into(), encoding: Encoding::Numeric { offset: 10.0 } },
            FeatureEncoding { name: "c".into(), encoding: Encoding::OneHotValues { values: vec![3, 5] } },
        ];
        let encoder = Encoder::from_features("y".into(), features).unwrap();
        let fit = LinearFit { intercept: 1.0, coefficients: vec![2.0, 0.5, -0.5], rmse: 0.0 };
        let mut m = Model::linear(encoder, 1.0, &fit, 3, &BTreeMap::from([("null label `y`".into(), 2)]));
        m.kind = kind;
        m
    }

    #[test]
    fn predicts_on_the_values_themselves() {
        let m = model(ModelKind::Linear);
        // Offset design: 1 + 2 (x − 10) ⇒ intercept 1 − 20 for x itself.
        assert_eq!(m.intercept, -19.0);
        let batch = RecordBatch::try_from_iter([
            ("x", Arc::new(Int64Array::from(vec![Some(10), Some(11), None, Some(12)])) as ArrayRef),
            ("c", Arc::new(Int64Array::from(vec![Some(3), Some(5), Some(3), Some(4)])) as ArrayRef),
        ])
        .unwrap();
        let scored = m.score(&batch).unwrap();
        // Rows: 1 + 0.5; 1 + 2 − 0.5; null; 1 + 4 + 0 (value 4 unseen: all-zero one-hot).
        assert_eq!(scored.values, Float64Array::from(vec![Some(1.5), Some(2.5), None, Some(5.0)]));
        assert_eq!(scored.unscored, BTreeMap::from([("null feature `x`".to_string(), 1)]));

        let p = model(ModelKind::Logistic).predict(&batch).unwrap();
        assert!((p.value(0) - 1.0 / (1.0 + (-1.5f64).exp())).abs() < 1e-15);
        assert!(p.is_null(2));
    }

    #[test]
    fn round_trips_and_checks_the_file() {
        let m = model(ModelKind::Linear);
        let text = m.to_json().unwrap();
        assert_eq!(Model::from_json(&text).unwrap(), m);
        assert!(text.contains("\"c=5\": -0.5") && text.contains("\"skipped_rows\": 2"), "{text}");

        let e = Model::from_json(&text.replace("\"format_version\": 1", "\"format_version\": 7")).unwrap_err();
        assert!(e.to_string().contains("model format_version 7 (this tabx reads 1)"), "{e}");
        let e = Model::from_json(&text.replace("\"c=5\": -0.5", "\"c=6\": -0.5")).unwrap_err();
        assert!(e.to_string().contains("no coefficient for the design column `c=5`"), "{e}");
        let e = Model::from_json(&text.replace("\"name\": \"c=5\"", "\"name\": \"c=6\"")).unwrap_err();
        assert!(e.to_string().contains("the encoder's columns do not follow from its features"), "{e}");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.json");
        std::fs::write(&path, "{}").unwrap();
        let e = Model::load(&path).unwrap_err().to_string();
        assert!(e.contains("model.json: model format_version missing (this tabx reads 1)"), "{e}");
    }
}
