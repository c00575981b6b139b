//! Where the kernels run: the [`Backend`] trait, the CPU backend
//! ([`CpuBackend`], the reference), the CUDA backend (`cuda/`, behind the
//! `cuda` cargo feature) and the [`Device`] a user picks.
//!
//! Ops and analyzers call the backend's primitives and never ask which device
//! they run on, so the CUDA backend slots in behind [`Device`] without a
//! `#[cfg]` in any caller (candle's `dummy_cuda_backend.rs` pattern: a build
//! without the feature has a stub whose `open` says why there is no GPU).
//! Every primitive keeps nulls as nulls. Primitives with a default body run
//! on the CPU in every backend that does not override them.
//!
//! A new GPU kernel: a primitive here (its default body the CPU code), the
//! kernel in `cuda/kernels.cu`, the override in `cuda/mod.rs` (delegating to
//! `cuda/derived.rs` or `cuda/vocab.rs` when it is more than a map over one
//! column), an emulator case in `cuda/emulate.rs` (runs in CI), a parity
//! test in `tests/cuda_parity.rs` (runs on a GPU).

mod cpu;
#[cfg(feature = "cuda")]
mod cuda;
#[cfg(not(feature = "cuda"))]
#[path = "cuda_stub.rs"]
mod cuda;

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, FixedSizeListArray, Float64Array, Int64Array};
use tabx_core::{Result, TabxError};

use crate::analyzer::{MinMaxState, MomentsState};
use crate::kernels::{TimestampParts, VocabularyLookup, VocabularyState};
pub use cpu::CpuBackend;
#[cfg(feature = "cuda")]
pub use cuda::{CudaBackend, KernelTiming};

/// The primitives of the apply path and of the fit's numeric analyzers.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// A name for logs (`cpu`, `cuda:0 (NVIDIA H200)`).
    fn name(&self) -> String;
    /// `(x − shift) / divisor`, in that order of operations (as TFT computes
    /// z-scores and min-max scaling).
    fn sub_div(&self, x: &Float64Array, shift: f64, divisor: f64) -> Result<Float64Array>;
    /// `x · scale + offset` (a multiply, then an add: no fused multiply-add).
    fn mul_add(&self, x: &Float64Array, scale: f64, offset: f64) -> Result<Float64Array>;
    /// `1 / (1 + e^−x)`.
    fn sigmoid(&self, x: &Float64Array) -> Result<Float64Array>;
    /// `ln(1 + x)`.
    fn log1p(&self, x: &Float64Array) -> Result<Float64Array>;
    /// `min(max(x, lo), hi)`; NaN stays NaN; an absent bound does not clip.
    fn clip(&self, x: &Float64Array, lo: Option<f64>, hi: Option<f64>) -> Result<Float64Array>;
    /// The number of `boundaries` (sorted ascending) that are ≤ x; NaN gets
    /// `boundaries.len()` (TFT's `apply_buckets`).
    fn buckets(&self, x: &Float64Array, boundaries: &[f64]) -> Result<Int64Array>;
    /// `x` with its nulls replaced by `value` (a one-row array of `x`'s type).
    fn fill_nulls(&self, x: &ArrayRef, value: &ArrayRef) -> Result<ArrayRef>;

    /// `Fingerprint64(s) % buckets` of each string of a Utf8 column (TF's
    /// `to_hash_bucket_fast`, see `kernels/hash.rs`).
    fn hash_strings(&self, x: &dyn Array, buckets: u64) -> Result<Int64Array> {
        crate::kernels::hash_strings(x, buckets)
    }

    /// The vocabulary ids of a string or integer column (`kernels/vocab.rs`).
    fn vocabulary(&self, x: &dyn Array, lookup: &VocabularyLookup) -> Result<Int64Array> {
        lookup.apply(x)
    }

    /// `tf.sparse.cross_hashed` of the columns, bucketed (`kernels/cross.rs`).
    fn cross_hashed(&self, columns: &[&dyn Array], hash_buckets: u64) -> Result<Int64Array> {
        crate::kernels::cross_hashed(columns, hash_buckets)
    }

    /// `a > fraction × b` as 1/0, TFX's missing-value rules (`kernels/compare.rs`).
    fn greater_than_fraction(&self, a: &Float64Array, b: &Float64Array, fraction: f64) -> Result<Int64Array> {
        Ok(crate::kernels::greater_than_fraction(a, b, fraction))
    }

    /// Hour, day of week and month of each timestamp in zone `tz` (`kernels/time.rs`).
    fn timestamp_parts(&self, x: &dyn Array, tz: &str) -> Result<TimestampParts> {
        crate::kernels::timestamp_parts(x, tz)
    }

    /// `tf.one_hot(ids, depth)`: float32 vectors, all 0 for nulls and ids
    /// outside `0..depth` (`kernels/one_hot.rs`).
    fn one_hot(&self, ids: &Int64Array, depth: usize) -> Result<FixedSizeListArray> {
        crate::kernels::one_hot(ids, depth)
    }

    /// Counts the non-null tokens of `x` into a vocabulary analyzer.
    fn update_vocabulary(&self, state: &mut VocabularyState, x: &dyn Array) -> Result<()> {
        state.update(x)
    }

    /// Folds the non-null values of `x` into a moments analyzer (exact sums).
    fn update_moments(&self, state: &mut MomentsState, x: &Float64Array) -> Result<()> {
        state.update_array(x);
        Ok(())
    }

    /// Folds the non-null values of `x` into a min/max analyzer.
    fn update_min_max(&self, state: &mut MinMaxState, x: &Float64Array) -> Result<()> {
        state.update(x.iter().flatten());
        Ok(())
    }
}

/// Where transforms are fitted and applied, as the user asks for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Device {
    /// The CPU backend.
    #[default]
    Cpu,
    /// The GPU when this build has the `cuda` feature and the machine a usable
    /// CUDA device, for batches large enough to pay for the copies; the CPU
    /// otherwise, with the reason logged.
    Auto,
    /// The GPU (device 0) for every batch; no usable device is an error
    /// naming the reason.
    Cuda,
}

impl Device {
    /// The backend for this device: [`Device::Cuda`] fails when there is no
    /// usable GPU, [`Device::Auto`] falls back to the CPU and logs why.
    pub fn backend(self) -> Result<Arc<dyn Backend>> {
        match self {
            Device::Cpu => Ok(Arc::new(CpuBackend)),
            Device::Auto => match cuda::CudaBackend::open(0, Placement::LargeBatches) {
                Ok(gpu) => {
                    tracing::info!(
                        "--device auto: running on {} for batches of {} rows or more",
                        gpu.name(),
                        AUTO_MIN_ROWS
                    );
                    Ok(Arc::new(gpu))
                }
                Err(reason) => {
                    tracing::warn!("--device auto: running on the CPU: {reason}");
                    Ok(Arc::new(CpuBackend))
                }
            },
            Device::Cuda => match cuda::CudaBackend::open(0, Placement::Always) {
                Ok(gpu) => Ok(Arc::new(gpu)),
                Err(reason) => Err(TabxError::config(format!("--device cuda: {reason}")).with_hint(reason.hint())),
            },
        }
    }
}

impl FromStr for Device {
    type Err = TabxError;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "cpu" => Ok(Device::Cpu),
            "auto" => Ok(Device::Auto),
            "cuda" => Ok(Device::Cuda),
            _ => Err(TabxError::config(format!("unknown device `{s}`")).with_hint("use cpu, cuda or auto")),
        }
    }
}

/// Batches below this many rows stay on the CPU under `--device auto`: a
/// round trip over PCIe costs tens of microseconds, about what the CPU needs
/// for this many values of the cheapest ops (an estimate, not yet measured on
/// the lent GPU machines: see benches/gpu/run.sh).
pub const AUTO_MIN_ROWS: usize = 1 << 16;

/// Which batches a CUDA backend sends to the GPU.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Every batch (`--device cuda`).
    Always,
    /// Batches of [`AUTO_MIN_ROWS`] rows or more (`--device auto`).
    LargeBatches,
}

/// Why there is no usable GPU, as `--device cuda` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unavailable {
    /// Built without the `cuda` feature.
    NotBuilt,
    /// No CUDA driver library (`libcuda.so`) could be loaded.
    NoDriver,
    /// The driver loaded but found no device, or failed to start.
    NoDevice(String),
    /// No NVRTC library (`libnvrtc.so.13`) to compile the kernels with.
    NoNvrtc,
    /// NVRTC refused the kernels (a driver/toolkit mismatch).
    Compile(String),
    /// The driver failed while setting the device up (out of memory, …).
    Driver(String),
}

impl Unavailable {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            Unavailable::NotBuilt => "build with `cargo build --release --features cuda`, or use --device cpu".into(),
            Unavailable::NoDriver => "install the NVIDIA driver (libcuda.so.1 must be on the library path), or use --device cpu".into(),
            Unavailable::NoDevice(_) => "check `nvidia-smi` and CUDA_VISIBLE_DEVICES, or use --device cpu".into(),
            Unavailable::NoNvrtc => "install CUDA 13's NVRTC (e.g. `pip install nvidia-cuda-nvrtc==13.0.*`) and put its lib/ folder on LD_LIBRARY_PATH, or use --device cpu".into(),
            Unavailable::Compile(_) => "the driver may be older than CUDA 13.0: update it, or build tabx for your CUDA version (transform/src/backend/cuda/mod.rs)".into(),
            Unavailable::Driver(_) => "free GPU memory or use --device cpu".into(),
        }
    }
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unavailable::NotBuilt => f.write_str("this build of tabx has no CUDA backend (the `cuda` feature is off)"),
            Unavailable::NoDriver => f.write_str("no CUDA driver: libcuda.so could not be loaded"),
            Unavailable::NoDevice(why) => write!(f, "no usable CUDA device ({why})"),
            Unavailable::NoNvrtc => f.write_str("NVRTC (libnvrtc.so.13) could not be loaded to compile the kernels"),
            Unavailable::Compile(log) => write!(f, "NVRTC could not compile the kernels: {log}"),
            Unavailable::Driver(why) => write!(f, "the CUDA driver failed: {why}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_auto_falls_back_to_the_cpu() {
        assert_eq!("auto".parse::<Device>().unwrap(), Device::Auto);
        assert_eq!("cuda".parse::<Device>().unwrap(), Device::Cuda);
        assert!("gpu".parse::<Device>().unwrap_err().to_string().contains("unknown device `gpu`"));
        // Without a usable GPU (every CI machine), auto is the CPU and cuda an error.
        if cuda::CudaBackend::open(0, Placement::Always).is_err() {
            assert_eq!(Device::Auto.backend().unwrap().name(), "cpu");
            let e = Device::Cuda.backend().unwrap_err().to_string();
            assert!(e.starts_with("--device cuda: "), "{e}");
        }
    }
}
