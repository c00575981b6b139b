//! # tabx-transform
//!
//! TensorFlow Transform's job without TensorFlow: a spec of named outputs,
//! each an op on input columns; a full pass fits what the ops need (means,
//! variances, quantile boundaries, vocabularies); the fitted artifact
//! (`transform.json`) transforms batches for training and single rows at
//! serving with the same values.
//!
//! - [`TransformSpec`]: the spec (YAML or JSON): `outputs` of `{name, op,
//!   inputs, params}` and `passthrough` columns; ops with TFT's names:
//!   numeric (`scale_to_z_score`, `scale_to_0_1`, `scale_by_min_max`,
//!   `bucketize`, `apply_buckets`, `fill_missing`, `log1p`, `clip`), string
//!   (`compute_and_apply_vocabulary`, `hash_strings`, `hash_cross`), time
//!   (`timestamp_hour`, `timestamp_day_of_week`, `timestamp_month`), `one_hot`
//!   and the label op `greater_than_fraction`; each op's file in `src/ops/`
//!   documents its parameters and nulls.
//! - [`FitState`]: the fit pass, mergeable across tasks and shards (`*.partial`
//!   files); [`FitState::finish`] gives the [`TransformArtifact`] (`transform.json`).
//! - [`Transformer`]: the fitted transform: [`Transformer::apply`] for batches,
//!   [`Transformer::transform_row`] for one row at serving, on a [`Backend`]
//!   picked by [`Device`] (the CPU, or a CUDA GPU with the `cuda` feature:
//!   `src/backend/`).
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{ArrayRef, Float64Array, RecordBatch};
//! use tabx_transform::{FitState, InvalidRows, TransformSpec, Transformer};
//!
//! let spec = TransformSpec::from_yaml("
//! outputs:
//!   - {name: x_z, op: scale_to_z_score, inputs: [x]}
//!   - {name: x_bucket, op: bucketize, inputs: [x], num_buckets: 2}
//! ")?;
//! let batch = RecordBatch::try_from_iter([("x", Arc::new(Float64Array::from(vec![1.0, 2.0, 3.0, 4.0])) as ArrayRef)])?;
//! let mut fit = FitState::try_new(&spec, InvalidRows::Fail)?;
//! fit.update(&batch)?;
//! let transformer = Transformer::from_json(&fit.finish()?.to_json()?)?;
//! let out = transformer.apply(&batch)?;
//! let row = transformer.transform_row(&serde_json::from_str(r#"{"x": 4.0}"#)?)?;
//! assert_eq!(row["x_bucket"], 1);
//! assert_eq!(out.num_rows(), 4);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! - [`kernels`]: the Arrow kernels and exact analyzer states of the string
//!   and time ops (hashing, vocabularies, timestamp parts, one-hot, crosses).

mod analyzer;
mod apply;
mod artifact;
mod backend;
mod columns;
mod fit;
mod invalid;
pub mod kernels;
mod ops;
mod serve;
mod spec;

pub use analyzer::{AnalyzerState, FrequentState, FrequentValue, MinMaxState, MomentsState, QuantilesState};
pub use apply::{Applied, Transformer};
pub use artifact::{FORMAT_VERSION, FittedOutput, OutputColumn, TransformArtifact};
pub use backend::{AUTO_MIN_ROWS, Backend, CpuBackend, Device, Placement, Unavailable};
#[cfg(feature = "cuda")]
pub use backend::{CudaBackend, KernelTiming};
pub use fit::{FitState, PARTIAL_KIND};
pub use invalid::{InvalidCounts, InvalidRow, InvalidRows, reasons_by_row};
pub use ops::{BatchTransform, InputKind, Preprocessor, op_names};
pub use serve::json_cell;
pub use spec::{OutputSpec, TransformSpec};
