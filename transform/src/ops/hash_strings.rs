//! `hash_strings`: TFT's `tft.hash_strings(x, hash_buckets)` without a key,
//! i.e. `tf.strings.to_hash_bucket_fast`: `Fingerprint64(bytes) % hash_buckets`.
//!
//! Parameter: `hash_buckets` (required, ≥ 1). Output Int64 in `0..hash_buckets`.
//! Integer columns are hashed as their decimal strings (what
//! `tf.strings.as_string` followed by the hash gives), so a column that
//! arrives as digits in one file and as text in another hashes alike. Float
//! columns are an error. Nulls stay null (no value, no bucket).

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};

use super::{BatchTransform, InputKind, Params, Preprocessor, StatelessOp};
use crate::backend::Backend;

/// The op and its fitted values alike: only the bucket count.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct HashStrings {
    hash_buckets: u64,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let hash_buckets = params.require::<u64>("hash_buckets", "100")?;
    if hash_buckets == 0 || hash_buckets > i64::MAX as u64 {
        return Err(params
            .error(format!("needs `hash_buckets` between 1 and 2^63-1, got {hash_buckets}"))
            .with_hint("e.g. `hash_buckets: 100`"));
    }
    Ok(Box::new(HashStrings { hash_buckets }))
}

impl StatelessOp for HashStrings {
    fn name(&self) -> &'static str {
        "hash_strings"
    }

    fn kind(&self) -> InputKind {
        InputKind::Any
    }

    fn check_input(&self, input_type: &DataType) -> Result<()> {
        check_type(input_type)
    }
}

fn check_type(input_type: &DataType) -> Result<()> {
    if matches!(input_type, DataType::Utf8 | DataType::Int64 | DataType::Null) {
        return Ok(());
    }
    Err(TabxError::config(format!("hash_strings needs a string or integer column, got {input_type}"))
        .with_hint("hash strings or integer ids; use bucketize for floats"))
}

impl BatchTransform for HashStrings {
    fn output_type(&self) -> DataType {
        DataType::Int64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        let x = &inputs[0];
        Ok(Arc::new(match x.data_type() {
            DataType::Null => Int64Array::new_null(x.len()),
            DataType::Utf8 => backend.hash_strings(x.as_ref(), self.hash_buckets)?,
            // Decimal strings, as tf.strings.as_string writes int64.
            _ => backend.hash_strings(arrow::compute::cast(x, &DataType::Utf8)?.as_ref(), self.hash_buckets)?,
        }))
    }
}
