//! # tabx
//!
//! tabx as a library: TFDV's, TFT's and TFMA's jobs on CSV and Parquet files
//! (paths, globs, folders, `-`, object-store URLs), one entry point per job.
//! Each takes its inputs, [`SourceOptions`] (threads, sharding, `on_error`,
//! progress) and the job's options, and returns the artifact; the `tabx`
//! binary only parses flags, shows progress and prints.
//!
//! | job | TFX analogue | entry point | returns |
//! | --- | --- | --- | --- |
//! | statistics | StatisticsGen (TFDV) | [`compute_stats`] | [`StatsRun`]: `state.finish()` is the statistics |
//! | row validation | — | [`validate_rows`] ([`validate_rows_with_stats`]: and statistics, one pass) | [`RowsReport`]; good and bad rows written |
//! | split | ExampleGen | [`split`] | [`SplitRun`]; one file per split |
//! | transform fit | Transform (TFT analyzers) | [`fit`] | [`FitRun`]: `state.finish()` is `transform.json` |
//! | transform apply | Transform (TFT mappers) | [`apply`] | [`ApplyRun`]; rows written |
//! | train | Trainer | [`train`] ([`train_encoder_state`], [`train_linear_state`] for shards) | [`TrainRun`]: the model |
//! | predict | serving, in batch | [`predict`] | [`PredictRun`]; rows written |
//! | evaluate | Evaluator (TFMA) | [`evaluate`] ([`evaluate_state`] + [`finish`] for shards) | [`EvalResult`] |
//! | watch a stream | — (TFDV, TFMA are batch tools) | [`watch`] ([`StreamValidator`]: push batches yourself) | a [`WindowResult`] per window; [`WatchReport`] |
//!
//! Schema inference and validation against a schema need no scan of their
//! own: they read statistics (`tabx_schema::infer_schema`,
//! `tabx_validate::Validator`). Sharded jobs return mergeable states
//! (`tabx_core::PartialState`): write them with `tabx_core::PartialFile` and
//! merge with `tabx_core::merge_partials`.
//!
//! **Async.** Every entry point has an `_async` twin taking owned arguments,
//! for callers inside a tokio runtime: the scan runs on the runtime's
//! blocking pool (and the engine's own threads), never on its workers.
//! The blocking entry points may also be called from async code: they then
//! block the caller's thread but do not panic (object-store reads and SQL
//! constraints run their runtimes through `tabx_engine::outside_runtime`).
//!
//! ```
//! use tabx::{SourceOptions, StatsOptions};
//! let taxi = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let run = tabx::compute_stats_async(vec![taxi.into()], SourceOptions::default(), StatsOptions::default()).await?;
//! assert_eq!(run.state.finish().datasets[0].num_examples, 15002);
//! # Ok::<(), tabx::TabxError>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! **Where things go.** A new job: a module here with its entry point and
//! `_async` twin, the math in its own crate (`tabx-schema`,
//! `tabx-transform`, `tabx-analyze`, `tabx-model`: none of them depends on
//! the engine), and a command in `tabx-cli` that only parses flags and prints.

mod evaluate;
mod in_place;
mod predict;
mod rejects;
mod rows;
mod sink;
mod slices;
mod split;
mod stats;
mod text_out;
mod train;
mod transform;
mod typed_sink;
mod watch;

pub use evaluate::{evaluate, evaluate_async, evaluate_state, finish};
pub use predict::{PredictColumns, PredictRun, check_model_reads, predict, predict_async};
pub use rows::{
    REASONS_COLUMN, RowsReport, SOURCE_COLUMN, validate_rows, validate_rows_async, validate_rows_with_stats,
};
pub use split::{SplitRun, split, split_async, split_paths};
pub use stats::{StatsRun, compute_stats, compute_stats_async, compute_stats_with};
pub use train::{TrainRun, train, train_async, train_encoder_state, train_linear_state, train_with_encoder};
pub use transform::{ApplyRun, FitRun, apply, apply_async, fit, fit_async, fit_on};
pub use watch::{
    Bounds, Resumed, StreamValidator, WatchEvent, WatchOptions, WatchReport, WindowResult, WindowSpec, parse_duration,
    watch, windows_done,
};

// The option and artifact types the entry points take and return, so that a
// caller needs only this crate for the common jobs.
pub use tabx_analyze::{EvalConfig, EvalResult, EvalState};
pub use tabx_core::{Result, SliceSpec, TabxError};
pub use tabx_engine::{OnError, ProgressFn, ScanPlan, ScanReport, Shard, SourceOptions, SplitConfig};
pub use tabx_model::{EncoderFile, EncoderPartial, LinearPartial, Model, ModelKind, TrainOptions};
pub use tabx_schema::{DatasetFeatureStatisticsList, Schema, StatsAccumulator, StatsOptions};
pub use tabx_transform::{FitState, TransformArtifact, TransformSpec, Transformer};

/// Runs a blocking job on the current tokio runtime's blocking pool: the
/// scans block (on the engine's threads, files, the object-store runtime),
/// which a runtime's worker threads must never do.
async fn blocking<T: Send + 'static>(job: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(job)
        .await
        .map_err(|e| TabxError::Internal(format!("a job's thread ended before its result: {e}")))?
}
