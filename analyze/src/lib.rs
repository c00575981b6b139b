//! # tabx-analyze
//!
//! TensorFlow Model Analysis's job for tabular predictions: sliced metrics
//! with confidence intervals, thresholds and a blessing. Model agnostic: it
//! scores a label column against a prediction column, whatever produced them
//! (TFMA's "model-agnostic" evaluation).
//!
//! - [`EvalConfig`]: what to evaluate (`eval.yaml`; the CLI flags fill it).
//! - `state`: [`MetricState`], the one mergeable state every metric reads
//!   (exact weighted sums, a compact prediction histogram, decision-threshold
//!   confusion counts): it updates per batch and merges, like statistics and
//!   transform fits.
//! - `metrics`: one file per metric with TFMA's name and definition, and the
//!   registry ([`metrics_for`]). A new metric is one file and one registry line.
//! - `evaluator` / `ci`: [`EvalState`] slices each batch, routes every row to
//!   its confidence-interval sample by a hash of its values (never its
//!   position, file or shard), merges and finishes into an [`EvalResult`]
//!   (`eval.json`), with jackknife or Poisson-bootstrap intervals.
//! - `thresholds`: value and change thresholds, and the blessing.
//! - `tfrecord`: the per-slice metrics as TFMA's `MetricsForSlice` protos in a TFRecord file.
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
//! use tabx_analyze::{EvalConfig, EvalState};
//! use tabx_core::SliceSpec;
//!
//! let batch = RecordBatch::try_from_iter([
//!     ("fare", Arc::new(Float64Array::from(vec![10.0, 20.0, 30.0, 40.0])) as ArrayRef),
//!     ("prediction", Arc::new(Float64Array::from(vec![12.0, 18.0, 33.0, 40.0])) as ArrayRef),
//!     ("payment_type", Arc::new(StringArray::from(vec!["Cash", "Card", "Cash", "Card"])) as ArrayRef),
//! ])?;
//! let mut config = EvalConfig::new("fare", "prediction");
//! config.slices.push(SliceSpec::parse("payment_type")?);
//! let mut state = EvalState::try_new(&config)?;
//! state.update(&batch)?; // one per batch, per thread or per shard; `merge` joins them
//! let result = state.finish_against(None)?; // eval.json
//! let overall = &result.overall().unwrap().metrics["mean_squared_error"];
//! assert_eq!(overall.value, Some((4.0 + 4.0 + 9.0 + 0.0) / 4.0)); // sklearn mean_squared_error
//! let cash = result.spec("payment_type").unwrap().slice("payment_type_Cash").unwrap();
//! assert_eq!(cash.metrics["mean_absolute_error"].value, Some(2.5));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ci;
mod config;
mod evaluator;
mod finish;
mod metrics;
mod result;
mod rows;
mod state;
mod tfrecord;
mod thresholds;

pub use ci::CONFIDENCE_LEVEL;
pub use config::{
    BaselineConfig, ChangeThreshold, CiMethod, CiOptions, Direction, EvalConfig, MetricOptions, MetricThreshold, Task,
};
pub use evaluator::EvalState;
pub use metrics::{CalibrationBucket, ConfusionAtThreshold, Metric, MetricValue, metrics_for};
pub use result::{
    EVAL_FORMAT_VERSION, EvalResult, MetricResult, RowsLeftOut, SliceResult, SpecResult, SuppressedSlice,
    ThresholdFailure, Validation,
};
pub use state::MetricState;
pub use tfrecord::{metrics_for_slice_records, read_tfrecords, write_metrics_tfrecord};
pub use thresholds::{BLESSED_FILE, NOT_BLESSED_FILE, write_blessing};
