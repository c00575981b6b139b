//! `clip`: `min(max(x, min), max)`, as `tf.clip_by_value` (a mapper, nothing
//! to fit). Either bound may be left out; at least one is required.
//!
//! Nulls stay null and NaN stays NaN. Output: Float64.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use serde::{Deserialize, Serialize};
use tabx_core::Result;

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;

/// The bounds (they are the op's parameters, and its fitted values).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Clip {
    min: Option<f64>,
    max: Option<f64>,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let (min, max) = (params.get::<f64>("min")?, params.get::<f64>("max")?);
    match (min, max) {
        (None, None) => Err(params.error("needs `min`, `max` or both").with_hint("add e.g. `min: 0`")),
        (Some(lo), Some(hi)) if lo > hi => {
            Err(params.error(format!("has min {lo} above max {hi}")).with_hint("swap `min` and `max`"))
        }
        _ => Ok(Box::new(Clip { min, max })),
    }
}

impl StatelessOp for Clip {
    fn name(&self) -> &'static str {
        "clip"
    }

    fn kind(&self) -> InputKind {
        InputKind::Numeric
    }
}

impl BatchTransform for Clip {
    fn output_type(&self) -> DataType {
        DataType::Float64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        Ok(Arc::new(backend.clip(inputs[0].as_primitive::<Float64Type>(), self.min, self.max)?))
    }
}
