//! `one_hot`: `tf.one_hot(ids, depth)` of an integer id column: a
//! FixedSizeList<Float32> of `depth` values, 1 at the id and 0 elsewhere.
//!
//! Parameter: `depth` (required, ≥ 1). The input is an integer column or
//! output: small category codes such as `trip_start_hour`, or the ids of a
//! `compute_and_apply_vocabulary` or `bucketize` output above it (TFT's
//! `tf.one_hot(tft.compute_and_apply_vocabulary(x), depth)`); string or
//! float inputs are an error. Ids outside
//! `0..depth` and nulls give all-zero vectors, as `tf.one_hot` does (the
//! output row is never null).
//!
//! Writers: Parquet stores the column as a fixed-size list; CSV writes each
//! vector as one cell of text (`[0.0, 1.0, 0.0]`), and serving
//! (`transform_row`) returns that text too.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Int64Type};
use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;
use crate::kernels::one_hot_type;

/// The op and its fitted values alike: only the depth.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct OneHot {
    depth: usize,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let depth = params.require::<usize>("depth", "24")?;
    if depth == 0 || i32::try_from(depth).is_err() {
        return Err(params
            .error(format!("needs a `depth` between 1 and 2^31-1, got {depth}"))
            .with_hint("set `depth` to the number of ids, e.g. `depth: 24` for hours"));
    }
    Ok(Box::new(OneHot { depth }))
}

impl StatelessOp for OneHot {
    fn name(&self) -> &'static str {
        "one_hot"
    }

    fn kind(&self) -> InputKind {
        InputKind::Any
    }

    fn check_input(&self, input_type: &DataType) -> Result<()> {
        check_type(input_type)
    }
}

fn check_type(input_type: &DataType) -> Result<()> {
    if matches!(input_type, DataType::Int64 | DataType::Null) {
        return Ok(());
    }
    Err(TabxError::config(format!("one_hot needs an integer id column, got {input_type}"))
        .with_hint("one-hot integer codes; for strings use compute_and_apply_vocabulary or hash_strings"))
}

impl BatchTransform for OneHot {
    fn output_type(&self) -> DataType {
        one_hot_type(self.depth)
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let ids = arrow::compute::cast(&inputs[0], &DataType::Int64)?;
        Ok(Arc::new(backend.one_hot(ids.as_primitive::<Int64Type>(), self.depth)?))
    }
}
