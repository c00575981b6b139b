//! `hash_cross`: the hashed feature cross of two or more columns,
//! `tf.sparse.cross_hashed(inputs, num_buckets=hash_buckets)` with TF's
//! default hash key (TFX's taxi examples cross e.g. pickup and dropoff areas).
//!
//! Parameter: `hash_buckets` (required, ≥ 1). Output Int64 in
//! `0..hash_buckets`. Order matters: `[a, b]` and `[b, a]` cross differently.
//! Each string value enters as its `Fingerprint64`, each integer as its own
//! 64 bits, as TF does (`kernels::cross`); a column is read as its fitted
//! type, so an integer column that was fitted as text crosses as text. Float
//! columns are an error. Nulls: a row with a null in any input has no cross
//! (TF crosses only the values present) and gets a null id.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Int64Array};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use tabx_core::Result;

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;

/// The op and its fitted values alike: only the bucket count.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HashCross {
    hash_buckets: u64,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let hash_buckets = params.require::<u64>("hash_buckets", "1000")?;
    if hash_buckets == 0 || hash_buckets > i64::MAX as u64 {
        return Err(params
            .error(format!("needs `hash_buckets` between 1 and 2^63-1, got {hash_buckets}"))
            .with_hint("e.g. `hash_buckets: 1000`"));
    }
    Ok(Box::new(HashCross { hash_buckets }))
}

impl StatelessOp for HashCross {
    fn name(&self) -> &'static str {
        "hash_cross"
    }

    fn kind(&self) -> InputKind {
        InputKind::Any
    }
}

impl BatchTransform for HashCross {
    fn output_type(&self) -> DataType {
        DataType::Int64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        // An all-null column (typed Null) has no values: no row has a cross.
        if inputs.iter().any(|c| c.data_type() == &DataType::Null) {
            return Ok(Arc::new(Int64Array::new_null(inputs[0].len())));
        }
        let columns: Vec<&dyn Array> = inputs.iter().map(|c| c.as_ref()).collect();
        Ok(Arc::new(backend.cross_hashed(&columns, self.hash_buckets)?))
    }
}
