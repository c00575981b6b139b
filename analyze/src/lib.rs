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
