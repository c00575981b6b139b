//! `log1p`: `ln(1 + x)`, as `tf.math.log1p` (a mapper, nothing to fit).
//!
//! Nulls stay null; NaN and x < −1 give NaN, x = −1 gives −inf (IEEE, as TF).
//! Output: Float64.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use serde_json::{Value, json};
use tabx_core::Result;

use super::{BatchTransform, InputKind, Params, Preprocessor};
use crate::analyzer::AnalyzerState;
use crate::backend::Backend;

#[derive(Debug)]
struct Log1p;

pub(super) fn build(_: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    Ok(Box::new(Log1p))
}

impl Preprocessor for Log1p {
    fn op(&self) -> &'static str {
        "log1p"
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Numeric
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        Vec::new()
    }

    fn fit(&self, _: &DataType, _: &[AnalyzerState]) -> Result<Value> {
        Ok(json!({}))
    }

    fn transform(&self, _: &DataType, _: &Value) -> Result<Box<dyn BatchTransform>> {
        Ok(Box::new(Log1pTransform))
    }
}

#[derive(Debug)]
struct Log1pTransform;

impl BatchTransform for Log1pTransform {
    fn output_type(&self) -> DataType {
        DataType::Float64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        Ok(Arc::new(backend.log1p(inputs[0].as_primitive::<Float64Type>())?))
    }
}
