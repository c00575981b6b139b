//! One-hot encoding of integer ids, as `tf.one_hot` does it.
//!
//! `tf.one_hot(indices, depth)` (tensorflow.org/api_docs/python/tf/one_hot)
//! returns float32 vectors of length `depth` with `on_value` (1) at the id and
//! `off_value` (0) elsewhere; an id outside `0..depth` (a negative OOV id such
//! as TFT's `default_value` -1, or one past the end) gives a vector of
//! `off_value` only. Here the vectors are a `FixedSizeList<Float32>` of size
//! `depth`, non-null.
//!
//! Nulls: a null id is treated like an out-of-range id (all `off_value`), so
//! the output has no nulls; TF has no nulls, and a model input cannot take one.

use std::sync::Arc;

use arrow::array::{Array, ArrayData, FixedSizeListArray, Float32Array, Int64Array};
use arrow::datatypes::{DataType, Field};
use tabx_core::{Result, TabxError};

/// The Arrow type of [`one_hot`]'s output for `depth` (size checked by the kernel).
pub fn one_hot_type(depth: usize) -> DataType {
    DataType::FixedSizeList(
        Arc::new(Field::new_list_field(DataType::Float32, false)),
        i32::try_from(depth).unwrap_or(i32::MAX),
    )
}

/// `tf.one_hot(ids, depth)`: float32 one-hot vectors; out-of-range ids and
/// nulls give all-zero vectors.
pub fn one_hot(ids: &Int64Array, depth: usize) -> Result<FixedSizeListArray> {
    one_hot_values(ids, depth, 1.0, 0.0)
}

/// `tf.one_hot(ids, depth, on_value, off_value)`.
pub fn one_hot_values(ids: &Int64Array, depth: usize, on_value: f32, off_value: f32) -> Result<FixedSizeListArray> {
    let size = i32::try_from(depth).map_err(|_| {
        TabxError::config(format!("one_hot: depth {depth} is too large (at most {})", i32::MAX))
            .with_hint("one-hot suits small vocabularies; hash or embed large ones")
    })?;
    let total = ids.len().checked_mul(depth).ok_or_else(|| {
        TabxError::config(format!("one_hot: {} rows x depth {depth} does not fit in memory", ids.len()))
    })?;
    let mut values = vec![off_value; total];
    for (row, id) in ids.iter().enumerate() {
        if let Some(id) = id.and_then(|id| usize::try_from(id).ok()).filter(|&id| id < depth) {
            values[row * depth + id] = on_value;
        }
    }
    let values = Float32Array::from(values);
    if depth == 0 {
        // `try_new` derives the length from the values, which depth 0 cannot.
        let data = ArrayData::builder(one_hot_type(0)).len(ids.len()).add_child_data(values.into_data()).build()?;
        return Ok(FixedSizeListArray::from(data));
    }
    let field = Arc::new(Field::new_list_field(DataType::Float32, false));
    Ok(FixedSizeListArray::try_new(field, size, Arc::new(values), None)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(a: &FixedSizeListArray) -> Vec<Vec<f32>> {
        let values = a.values().as_any().downcast_ref::<Float32Array>().unwrap().values().to_vec();
        let depth = a.value_length() as usize;
        (0..a.len()).map(|r| values[r * depth..(r + 1) * depth].to_vec()).collect()
    }

    #[test]
    fn tf_one_hot_doc_examples() {
        // tf.one_hot docs: indices [0, 1, 2], depth 3 -> the identity matrix.
        let got = one_hot(&Int64Array::from(vec![0, 1, 2]), 3).unwrap();
        assert_eq!(got.data_type(), &one_hot_type(3));
        assert_eq!(rows(&got), vec![vec![1.0, 0.0, 0.0], vec![0.0, 1.0, 0.0], vec![0.0, 0.0, 1.0]]);
        // indices [0, 2, -1, 1], depth 3, on_value 5.0, off_value 0.0
        // -> [[5, 0, 0], [0, 0, 5], [0, 0, 0], [0, 5, 0]].
        let got = one_hot_values(&Int64Array::from(vec![0, 2, -1, 1]), 3, 5.0, 0.0).unwrap();
        assert_eq!(rows(&got), vec![vec![5.0, 0.0, 0.0], vec![0.0, 0.0, 5.0], vec![0.0; 3], vec![0.0, 5.0, 0.0]]);
    }

    #[test]
    fn out_of_range_and_nulls_are_all_off() {
        let got = one_hot(&Int64Array::from(vec![Some(3), None, Some(i64::MIN), Some(1)]), 2).unwrap();
        assert_eq!(got.null_count(), 0);
        assert_eq!(rows(&got), vec![vec![0.0, 0.0], vec![0.0, 0.0], vec![0.0, 0.0], vec![0.0, 1.0]]);
        let empty = one_hot(&Int64Array::from(vec![0, 1]), 0).unwrap();
        assert_eq!((empty.len(), empty.value_length()), (2, 0));
    }

    #[test]
    fn huge_depth_is_an_error() {
        assert!(one_hot(&Int64Array::from(vec![0]), usize::MAX).is_err());
    }
}
