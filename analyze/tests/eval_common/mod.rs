//! A fixed data set for the evaluation tests, and helpers to run it.
#![allow(dead_code)]

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray, UInt64Array};
use tabx_analyze::{EvalConfig, EvalResult, EvalState};

pub const Y: [f64; 12] = [3.0, -0.5, 2.0, 7.0, 4.2, 1.1, 0.0, 5.5, 2.2, 3.3, 6.1, 1.9];
pub const P: [f64; 12] = [2.5, 0.0, 2.0, 8.0, 4.0, 1.5, 0.3, 5.0, 2.0, 3.9, 5.8, 2.4];
/// A baseline model's predictions of the same rows.
pub const B: [f64; 12] = [2.0, 0.5, 2.5, 6.0, 4.0, 1.0, 0.0, 5.0, 3.0, 3.0, 6.0, 1.0];
pub const W: [f64; 12] = [1.0, 2.0, 1.0, 1.0, 0.5, 1.0, 3.0, 1.0, 1.0, 2.0, 1.0, 1.0];
pub const PAY: [&str; 12] =
    ["Cash", "Card", "Cash", "Card", "Cash", "Cash", "Card", "Cash", "Other", "Card", "Cash", "Card"];

/// The data set as one batch: y, p, b, w, pay.
pub fn batch() -> RecordBatch {
    RecordBatch::try_from_iter([
        ("y", Arc::new(Float64Array::from(Y.to_vec())) as ArrayRef),
        ("p", Arc::new(Float64Array::from(P.to_vec())) as _),
        ("b", Arc::new(Float64Array::from(B.to_vec())) as _),
        ("w", Arc::new(Float64Array::from(W.to_vec())) as _),
        ("pay", Arc::new(StringArray::from(PAY.to_vec())) as _),
    ])
    .unwrap()
}

/// `batch` with the engine's provenance columns (`_tabx_file`, `_tabx_line`).
pub fn with_source(batch: &RecordBatch, file: &str) -> RecordBatch {
    let n = batch.num_rows();
    let mut columns: Vec<(String, ArrayRef)> =
        batch.schema().fields().iter().map(|f| f.name().clone()).zip(batch.columns().iter().cloned()).collect();
    columns.push(("_tabx_file".into(), Arc::new(StringArray::from(vec![file; n]))));
    columns.push(("_tabx_line".into(), Arc::new(UInt64Array::from((2..n as u64 + 2).collect::<Vec<_>>()))));
    RecordBatch::try_from_iter(columns).unwrap()
}

/// Runs a config over batches (each its own state when `split`, merged in order).
pub fn evaluate(config: &EvalConfig, batches: &[RecordBatch]) -> EvalResult {
    let mut state = EvalState::try_new(config).unwrap();
    for b in batches {
        state.update(b).unwrap();
    }
    state.finish_against(None).unwrap()
}

/// The batch cut into pieces of `size` rows.
pub fn pieces(batch: &RecordBatch, size: usize) -> Vec<RecordBatch> {
    (0..batch.num_rows()).step_by(size).map(|i| batch.slice(i, size.min(batch.num_rows() - i))).collect()
}

/// Relative closeness for values from another implementation (sklearn sums in another order).
pub fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}
