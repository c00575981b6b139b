//! `bucketize` (quantile boundaries fitted from the data) and `apply_buckets`
//! (boundaries given), TFT's `tft.bucketize` / `tft.apply_buckets`.
//!
//! Bucket of x = the number of boundaries ≤ x (right-closed: x equal to a
//! boundary moves up a bucket), so buckets run 0..=len(boundaries); NaN goes
//! to the last bucket, len(boundaries), as TFT maps it; nulls stay null.
//! Output: Int64.
//!
//! `bucketize` boundaries: `num_buckets − 1` quantiles at i / num_buckets,
//! each the value at 0-based position ⌊i·n / num_buckets⌋ of the sorted
//! non-NaN values. This reproduces the boundaries of TFT's
//! `bucketize_integration_test.py` (`_construct_test_bucketization_tight_sequence_parameters`:
//! [1, 2, 3, 4] with 6 buckets → [1, 2, 3, 3, 4]). They come from a KLL sketch
//! with TFT's default epsilon, min(1 / num_buckets, 0.01): exact below ~k
//! values, within that rank error beyond. Duplicates are kept, as in TFT.

use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray};
use arrow::datatypes::{DataType, Float64Type};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::Result;

use super::{BatchTransform, InputKind, Params, Preprocessor, from_json, state, to_json};
use crate::analyzer::{AnalyzerState, QuantilesState};
use crate::backend::Backend;

#[derive(Debug)]
struct Bucketize {
    num_buckets: usize,
    epsilon: f64,
}

#[derive(Debug)]
struct ApplyBuckets {
    bucket_boundaries: Vec<f64>,
}

/// The fitted (or given) boundaries, ascending.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Buckets {
    bucket_boundaries: Vec<f64>,
}

pub(super) fn build(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let num_buckets: usize = params.require("num_buckets", "10")?;
    if num_buckets < 1 {
        return Err(params.error("needs num_buckets ≥ 1").with_hint("TFT raises `Invalid num_buckets 0`"));
    }
    let epsilon = match params.get::<f64>("epsilon")? {
        Some(e) if e > 0.0 && e < 1.0 => e,
        Some(e) => return Err(params.error(format!("has epsilon {e} outside (0, 1)")).with_hint("leave it out")),
        None => (1.0 / num_buckets as f64).min(0.01),
    };
    Ok(Box::new(Bucketize { num_buckets, epsilon }))
}

pub(super) fn build_apply(params: &mut Params<'_>) -> Result<Box<dyn Preprocessor>> {
    let bucket_boundaries: Vec<f64> = params.require("bucket_boundaries", "[2.0, 5.0, 10.0]")?;
    if bucket_boundaries.iter().any(|b| b.is_nan()) || bucket_boundaries.windows(2).any(|w| w[0] > w[1]) {
        return Err(params
            .error("needs bucket_boundaries sorted ascending, without NaN")
            .with_hint("sort the boundaries"));
    }
    Ok(Box::new(ApplyBuckets { bucket_boundaries }))
}

/// TFT's boundaries from a sketch (see the module docs).
fn boundaries(quantiles: &QuantilesState, num_buckets: usize) -> Vec<f64> {
    let sketch = quantiles.sketch();
    let n = sketch.count();
    if n == 0 {
        return Vec::new();
    }
    // Position ⌊i·n / b⌋ (0-based, integer arithmetic: no float noise) is rank
    // position + 1, which the sketch answers for q = rank / n.
    let ranks: Vec<f64> = (1..num_buckets as u64)
        .map(|i| ((i as u128 * n as u128 / num_buckets as u128) as u64 + 1) as f64 / n as f64)
        .collect();
    sketch.quantiles(&ranks)
}

impl Preprocessor for Bucketize {
    fn op(&self) -> &'static str {
        "bucketize"
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Numeric
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        vec![AnalyzerState::Quantiles(QuantilesState::with_epsilon(self.epsilon))]
    }

    fn fit(&self, _: &DataType, states: &[AnalyzerState]) -> Result<Value> {
        let quantiles = state(states, 0, |s| match s {
            AnalyzerState::Quantiles(q) => Some(q),
            _ => None,
        })?;
        to_json(&Buckets { bucket_boundaries: boundaries(quantiles, self.num_buckets) })
    }

    fn transform(&self, _: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        Ok(Box::new(from_json::<Buckets>(self.op(), fitted)?))
    }
}

impl Preprocessor for ApplyBuckets {
    fn op(&self) -> &'static str {
        "apply_buckets"
    }

    fn input_kind(&self) -> InputKind {
        InputKind::Numeric
    }

    fn analyzers(&self) -> Vec<AnalyzerState> {
        Vec::new()
    }

    fn fit(&self, _: &DataType, _: &[AnalyzerState]) -> Result<Value> {
        to_json(&Buckets { bucket_boundaries: self.bucket_boundaries.clone() })
    }

    fn transform(&self, _: &DataType, fitted: &Value) -> Result<Box<dyn BatchTransform>> {
        Ok(Box::new(from_json::<Buckets>(self.op(), fitted)?))
    }
}

impl BatchTransform for Buckets {
    fn output_type(&self) -> DataType {
        DataType::Int64
    }

    fn transform(&self, inputs: &[ArrayRef], backend: &dyn Backend) -> Result<ArrayRef> {
        Ok(Arc::new(backend.buckets(inputs[0].as_primitive::<Float64Type>(), &self.bucket_boundaries)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(values: &[f64], num_buckets: usize) -> Vec<f64> {
        let mut q = QuantilesState::with_epsilon((1.0 / num_buckets as f64).min(0.01));
        q.update(values.to_vec());
        boundaries(&q, num_buckets)
    }

    #[test]
    fn tight_sequence_boundaries_match_tft() {
        // TFT bucketize_integration_test.py, _construct_test_bucketization_tight_sequence_parameters.
        let x = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(fitted(&x, 2), [3.0]);
        assert_eq!(fitted(&x, 3), [2.0, 3.0]);
        assert_eq!(fitted(&x, 4), [2.0, 3.0, 4.0]);
        assert_eq!(fitted(&x, 5), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(fitted(&x, 6), [1.0, 2.0, 3.0, 3.0, 4.0]);
        assert_eq!(fitted(&x, 10), [1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 3.0, 4.0, 4.0]);
    }

    #[test]
    fn bucketization_boundaries_match_tft() {
        // TFT bucketize_integration_test.py, _construct_test_bucketization_parameters
        // (the cases whose expected boundaries are data values).
        let range = |a: i32, b: i32, step: i32| -> Vec<f64> {
            let mut v = Vec::new();
            let mut x = a;
            while (step > 0 && x < b) || (step < 0 && x > b) {
                v.push(f64::from(x));
                x += step;
            }
            v
        };
        assert_eq!(fitted(&range(1, 10, 1), 3), [4.0, 7.0]);
        assert_eq!(fitted(&range(1, 100, 1), 4), [25.0, 50.0, 75.0]);
        assert_eq!(fitted(&range(9, 0, -1), 3), [4.0, 7.0]);
        assert_eq!(fitted(&range(19, 0, -1), 2), [10.0]);
        assert_eq!(fitted(&range(99, 0, -1), 2), [50.0]);
        assert_eq!(fitted(&range(99, 0, -1), 3), [34.0, 67.0]);
        assert_eq!(fitted(&range(99, 0, -1), 10), (1..10).map(|i| f64::from(i * 10)).collect::<Vec<_>>());
        // 2999 values: past the sketch's exact size, so within its rank error
        // (0.01 · 2999 ≈ 30 positions) of TFT's [1500] and [1000, 2000].
        let near = |got: Vec<f64>, want: &[f64]| {
            assert_eq!(got.len(), want.len());
            got.iter().zip(want).for_each(|(g, w)| assert!((g - w).abs() <= 30.0, "{got:?} vs {want:?}"));
        };
        near(fitted(&range(1, 3000, 1), 2), &[1500.0]);
        near(fitted(&range(1, 3000, 1), 3), &[1000.0, 2000.0]);
        // NaNs do not move the boundaries (the np.nan cases of the same test).
        let mut with_nan = range(1, 100, 1);
        with_nan.extend([f64::NAN; 10]);
        assert_eq!(fitted(&with_nan, 4), [25.0, 50.0, 75.0]);
        assert!(fitted(&[], 4).is_empty());
    }
}
