//! `scale_to_0_1` and `scale_by_min_max`: TFT's `_scale_by_min_max_internal`.
//!
//! With the fitted min < max: `(x − min) / (max − min) · (output_max −
//! output_min) + output_min`. When min ≥ max (no data, or one distinct value)
//! TFT scales by a sigmoid instead, "continuous, increasing and maps (−inf,
//! inf) → (0, 1)": `sigmoid(x) · (output_max − output_min) + output_min`; so do
//! we. Values outside the fitted range are not clipped (TFT's
//! `testTransformWithExcludedOutputs`: fitted on [5, 1], 6 scales to 1.25).
//! NaN is left out of min and max and comes out NaN; nulls stay null.
//! Output: Float64 (TFT: float32).

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::Result;

use super::{BatchTransform, InputKind, Params, Preprocessor, from_json, state, to_json};
use crate::analyzer::{AnalyzerState, MinMaxState};
use crate::backend::Backend;

#[derive(Debug)]
struct ScaleByMinMax {
    op: &'static str,
    output_min: f64,
    output_max: f64,
}

/// What fit found, with the output range.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Fitted {
    min: Option<f64>,
    max: Option<f64>,
    output_min: f64,
    output_max: f64,
}

pub(super) fn build_0_1(_: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    Ok(Box::new(ScaleByMinMax { op: "scale_to_0_1", output_min: 0.0, output_max: 1.0 }))
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    // TFT's defaults: output_min=0.0, output_max=1.0.
    let output_min = params.get::<f64>("output_min")?.unwrap_or(0.0);
    let output_max = params.get::<f64>("output_max")?.unwrap_or(1.0);
    if output_min >= output_max {
        // TFT raises ValueError('output_min must be less than output_max').
        return Err(params
            .error(format!("needs output_min < output_max, got {output_min} and {output_max}"))
            .with_hint("output_min must be less than output_max"));
    }
    Ok(Box::new(ScaleByMinMax { op: "scale_by_min_max", output_min, output_max }))
}

impl Preprocessor for ScaleByMinMax {
    fn op(&self) -> &'static str {
        self.op
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Numeric
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        vec![AnalyzerState::MinMax(MinMaxState::default())]
    }

    fn fit(&self, _: &DataType, states: &[AnalyzerState]) -> Result<Value> {
        let extremes = state(states, 0, |s| match s {
            AnalyzerState::MinMax(m) => Some(m),
            _ => None,
        })?;
        let (min, max) = extremes.min_max().unzip();
        to_json(&Fitted { min, max, output_min: self.output_min, output_max: self.output_max })
    }

    fn transform(&self, _: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        Ok(Box::new(from_json::<Fitted>(self.op, fitted)?))
    }
}

impl BatchTransform for Fitted {
    fn output_type(&self) -> DataType {
        DataType::Float64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let x = inputs[0].as_primitive::<Float64Type>();
        let unit = match (self.min, self.max) {
            (Some(lo), Some(hi)) if lo < hi => backend.sub_div(x, lo, hi - lo)?,
            _ => backend.sigmoid(x)?,
        };
        Ok(Arc::new(backend.mul_add(&unit, self.output_max - self.output_min, self.output_min)?))
    }
}
