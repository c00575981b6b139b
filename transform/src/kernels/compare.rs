//! Comparisons that make labels: `a > fraction × b` as Int64 1/0
//! ([`greater_than_fraction`]), TFX's taxi `big_tipper`.

use arrow::array::{Array, Float64Array, Int64Array};
use arrow::buffer::ScalarBuffer;

/// `a > fraction × b` as 1/0 per row, with TFX's missing-value rules
/// (`tfx/examples/chicago_taxi_pipeline/taxi_utils.py`): a null `a` or `b`
/// reads as 0 (`_fill_in_missing`), a NaN `b` gives 0 (`tf.where(is_nan(fare), 0, …)`),
/// and a NaN `a` compares false. The output has no nulls.
pub fn greater_than_fraction(a: &Float64Array, b: &Float64Array, fraction: f64) -> Int64Array {
    let value = |x: &Float64Array, i: usize| if x.is_null(i) { 0.0 } else { x.value(i) };
    let out: Vec<i64> = (0..a.len())
        .map(|i| {
            let (a, b) = (value(a, i), value(b, i));
            if b.is_nan() { 0 } else { i64::from(a > b * fraction) }
        })
        .collect();
    Int64Array::new(ScalarBuffer::from(out), None)
}
