//! `greater_than_fraction`: `a > fraction × b` as Int64 1/0, for labels such
//! as the TFX taxi example's `big_tipper` (`tips > 0.2 × fare`):
//! `{op: greater_than_fraction, inputs: [tips, fare], fraction: 0.2}`.
//!
//! The comparison is `kernels::greater_than_fraction` (on the GPU too).
//! Missing values follow TFX's `preprocessing_fn` exactly
//! (`tfx/examples/chicago_taxi_pipeline/taxi_utils.py`): both inputs go
//! through `_fill_in_missing`, which turns a missing value into 0, and then
//! `tf.where(tf.math.is_nan(fare), 0, tf.cast(tf.greater(tips, fare * 0.2), tf.int64))`.
//! So a null `a` or `b` counts as 0, a NaN `b` gives 0, and a NaN `a`
//! compares false (0): the output is never null. (TFX computes in float32;
//! this op in float64, which can differ only for `a` within a float32 ulp of
//! `fraction × b`.)
//!
//! Parameter: `fraction` (required, a finite number). Inputs: two numeric columns.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use serde::{Deserialize, Serialize};
use tabx_core::Result;

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;

/// The op and its fitted values alike: only the fraction.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct GreaterThanFraction {
    fraction: f64,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let fraction = params.require::<f64>("fraction", "0.2")?;
    if !fraction.is_finite() {
        return Err(params
            .error(format!("needs a finite `fraction`, got {fraction}"))
            .with_hint("e.g. `fraction: 0.2`"));
    }
    Ok(Box::new(GreaterThanFraction { fraction }))
}

impl StatelessOp for GreaterThanFraction {
    fn name(&self) -> &'static str {
        "greater_than_fraction"
    }

    fn kind(&self) -> InputKind {
        InputKind::Numeric
    }
}

impl BatchTransform for GreaterThanFraction {
    fn output_type(&self) -> DataType {
        DataType::Int64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let (a, b) = (inputs[0].as_primitive::<Float64Type>(), inputs[1].as_primitive::<Float64Type>());
        Ok(Arc::new(backend.greater_than_fraction(a, b, self.fraction)?))
    }
}
