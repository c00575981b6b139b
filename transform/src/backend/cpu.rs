//! The CPU backend: Arrow's compute kernels and the crate's own kernels, one
//! batch at a time. It is the reference the CUDA backend is tested against.

use arrow::array::{Array, ArrayRef, Float64Array, Int64Array};
use arrow::compute::kernels::numeric;
use tabx_core::{Result, TabxError};

use super::Backend;

/// The CPU backend: Arrow's compute kernels, one batch at a time.
#[derive(Debug, Default, Clone, Copy)]
pub struct CpuBackend;

impl Backend for CpuBackend {
    fn name(&self) -> String {
        "cpu".into()
    }

    fn sub_div(&self, x: &Float64Array, shift: f64, divisor: f64) -> Result<Float64Array> {
        let shifted = numeric::sub(x, &Float64Array::new_scalar(shift))?;
        let out = numeric::div(&shifted, &Float64Array::new_scalar(divisor))?;
        floats(&out)
    }

    fn mul_add(&self, x: &Float64Array, scale: f64, offset: f64) -> Result<Float64Array> {
        let scaled = numeric::mul(x, &Float64Array::new_scalar(scale))?;
        floats(&numeric::add(&scaled, &Float64Array::new_scalar(offset))?)
    }

    fn sigmoid(&self, x: &Float64Array) -> Result<Float64Array> {
        Ok(x.unary(|v| 1.0 / (1.0 + (-v).exp())))
    }

    fn log1p(&self, x: &Float64Array) -> Result<Float64Array> {
        Ok(x.unary(f64::ln_1p))
    }

    fn clip(&self, x: &Float64Array, lo: Option<f64>, hi: Option<f64>) -> Result<Float64Array> {
        let (lo, hi) = (lo.unwrap_or(f64::NEG_INFINITY), hi.unwrap_or(f64::INFINITY));
        // f64::clamp keeps NaN; bounds were checked lo ≤ hi when the op was built.
        Ok(x.unary(|v| if v.is_nan() { v } else { v.clamp(lo, hi) }))
    }

    fn buckets(&self, x: &Float64Array, boundaries: &[f64]) -> Result<Int64Array> {
        let n = boundaries.len() as i64;
        Ok(x.unary(|v| if v.is_nan() { n } else { boundaries.partition_point(|b| *b <= v) as i64 }))
    }

    fn fill_nulls(&self, x: &ArrayRef, value: &ArrayRef) -> Result<ArrayRef> {
        crate::kernels::fill_nulls(x, value)
    }
}

fn floats(a: &ArrayRef) -> Result<Float64Array> {
    a.as_any()
        .downcast_ref::<Float64Array>()
        .cloned()
        .ok_or_else(|| TabxError::Internal(format!("a float kernel returned {}", a.data_type())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn apply_buckets_matches_tft_docstring() {
        // TFT `tft.apply_buckets` docstring (tensorflow_transform/mappers.py):
        // x = [[4.0, nan, 1.0], [-inf, 7.5, 10.0]], boundaries [[2.0, 5.0, 10.0]]
        // → [[1, 3, 0], [0, 2, 3]].
        let x = Float64Array::from(vec![4.0, f64::NAN, 1.0, f64::NEG_INFINITY, 7.5, 10.0]);
        let got = CpuBackend.buckets(&x, &[2.0, 5.0, 10.0]).unwrap();
        assert_eq!(got.values().to_vec(), [1, 3, 0, 0, 2, 3]);
    }

    #[test]
    fn nulls_stay_null_and_fill_replaces_them() {
        let x = Float64Array::from(vec![Some(1.0), None, Some(f64::NAN)]);
        let out = CpuBackend.sub_div(&x, 1.0, 2.0).unwrap();
        assert!(out.is_null(1) && out.value(0) == 0.0 && out.value(2).is_nan());
        let buckets = CpuBackend.buckets(&x, &[0.5]).unwrap();
        assert!(buckets.is_null(1));
        let filled = CpuBackend
            .fill_nulls(&(Arc::new(x) as ArrayRef), &(Arc::new(Float64Array::from(vec![9.0])) as ArrayRef))
            .unwrap();
        assert_eq!(filled.null_count(), 0);
        let filled = filled.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(filled.value(1), 9.0);
        assert!(filled.value(2).is_nan(), "NaN is a value, not a null");
    }

    #[test]
    fn clip_keeps_nan_and_open_bounds() {
        let x = Float64Array::from(vec![-5.0, 0.5, 5.0, f64::NAN]);
        let got = CpuBackend.clip(&x, Some(0.0), None).unwrap();
        assert_eq!(&got.values()[..3], &[0.0, 0.5, 5.0]);
        assert!(got.value(3).is_nan());
    }
}
