//! The CUDA backend of a build without the `cuda` feature: a type with no
//! values whose [`CudaBackend::open`] says why (`Unavailable::NotBuilt`), so
//! callers need no `#[cfg]`.

use arrow::array::{Array, ArrayRef, Float64Array, Int64Array};
use tabx_core::Result;

use super::{Backend, Placement, Unavailable};
use crate::kernels::VocabularyLookup;

/// Stands for the CUDA backend; it cannot be opened.
#[derive(Debug)]
pub enum CudaBackend {}

impl CudaBackend {
    /// Always [`Unavailable::NotBuilt`].
    pub fn open(_ordinal: usize, _placement: Placement) -> std::result::Result<Self, Unavailable> {
        Err(Unavailable::NotBuilt)
    }
}

impl Backend for CudaBackend {
    fn name(&self) -> String {
        match *self {}
    }
    fn sub_div(&self, _: &Float64Array, _: f64, _: f64) -> Result<Float64Array> {
        match *self {}
    }
    fn mul_add(&self, _: &Float64Array, _: f64, _: f64) -> Result<Float64Array> {
        match *self {}
    }
    fn sigmoid(&self, _: &Float64Array) -> Result<Float64Array> {
        match *self {}
    }
    fn log1p(&self, _: &Float64Array) -> Result<Float64Array> {
        match *self {}
    }
    fn clip(&self, _: &Float64Array, _: Option<f64>, _: Option<f64>) -> Result<Float64Array> {
        match *self {}
    }
    fn buckets(&self, _: &Float64Array, _: &[f64]) -> Result<Int64Array> {
        match *self {}
    }
    fn fill_nulls(&self, _: &ArrayRef, _: &ArrayRef) -> Result<ArrayRef> {
        match *self {}
    }
    fn hash_strings(&self, _: &dyn Array, _: u64) -> Result<Int64Array> {
        match *self {}
    }
    fn vocabulary(&self, _: &dyn Array, _: &VocabularyLookup) -> Result<Int64Array> {
        match *self {}
    }
}
