//! `scale_to_z_score`: `(x − mean) / std_dev`, TFT's `tft.scale_to_z_score`.
//!
//! The variance is the population (biased, ddof 0) variance, as TFT's
//! `tft.var` computes it; with zero variance (one distinct value, or no data)
//! the output is `x − mean`, unscaled, as TFT returns it. NaN inputs are left
//! out of the mean and variance and come out as NaN; nulls stay null.
//! Output: Float64 (TFT gives float32 for integer and float32 inputs).

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, from_json, state, to_json};
use crate::analyzer::AnalyzerState;
use crate::backend::Backend;

#[derive(Debug)]
struct ZScore;

/// What fit found: the mean and the population standard deviation.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Fitted {
    mean: f64,
    std_dev: f64,
    count: u64,
}

pub(super) fn build(_: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    Ok(Box::new(ZScore))
}

impl Preprocessor for ZScore {
    fn op(&self) -> &'static str {
        "scale_to_z_score"
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Numeric
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        vec![AnalyzerState::Moments(Box::default())]
    }

    fn fit(&self, _: &DataType, states: &[AnalyzerState]) -> Result<Value> {
        let moments = state(states, 0, |s| match s {
            AnalyzerState::Moments(m) => Some(m.as_ref()),
            _ => None,
        })?;
        let (mean, var) = moments.mean_var();
        if var.is_nan() {
            // The exact sum of squares overflowed (|x| beyond ~1.3e154): no
            // variance to divide by, and dividing by 1 would pass the values through.
            return Err(TabxError::config(
                "scale_to_z_score: the sum of the squared values overflows f64 (values beyond about ±1.3e154)",
            )
            .with_hint("rescale the input first, or use scale_to_0_1"));
        }
        to_json(&Fitted { mean, std_dev: var.sqrt(), count: moments.count() })
    }

    fn transform(&self, _: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        Ok(Box::new(from_json::<Fitted>(self.op(), fitted)?))
    }
}

impl BatchTransform for Fitted {
    fn output_type(&self) -> DataType {
        DataType::Float64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let x = inputs[0].as_primitive::<Float64Type>();
        // TFT: tf.where(std_dev != 0, (x − mean) / std_dev, x − mean).
        let divisor = if self.std_dev != 0.0 { self.std_dev } else { 1.0 };
        Ok(std::sync::Arc::new(backend.sub_div(x, self.mean, divisor)?))
    }
}
