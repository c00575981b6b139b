//! # tabx-schema
//!
//! TFDV's artifact model and the statistics that fill it.
//!
//! - [`DatasetFeatureStatisticsList`] and friends: tensorflow_metadata's
//!   `statistics.proto` as serde structs; `serde_json` gives the protobuf-JSON
//!   form that TFDV and Facets read.
//! - [`StatsAccumulator`]: statistics of any stream of Arrow `RecordBatch`es, with
//!   TFDV's names and defaults ([`StatsOptions`]); mergeable across partitions.
//! - `StatsAccumulator` is a [`tabx_core::PartialState`]: the versioned `*.partial` file of one shard.
//! - [`Schema`]: tensorflow_metadata's `schema.proto`, read and written
//!   losslessly in JSON, `.pbtxt` and `.pb`; [`infer_schema`] derives one from
//!   statistics with TFDV's rules.
//!
//! ```
//! use std::sync::Arc;
//! use arrow::array::{Int64Array, RecordBatch};
//! use tabx_schema::{StatsAccumulator, StatsOptions};
//!
//! let batch = RecordBatch::try_from_iter([("trip_seconds", Arc::new(Int64Array::from(vec![60, 0, 300])) as _)])?;
//! let mut stats = StatsAccumulator::try_new(StatsOptions::default())?;
//! stats.update(&batch)?;
//! let json = serde_json::to_string(&stats.finish())?;
//! assert!(json.contains(r#""num_zeros":1"#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod infer;
mod partial;
#[cfg(feature = "polars")]
mod polars;
mod schema;
mod statistics;
mod stats;

#[cfg(feature = "polars")]
pub use self::polars::record_batches_from_polars;
pub use infer::{InferOptions, infer_feature, infer_schema, schema_type_of};
pub use partial::PARTIAL_FORMAT_VERSION;
pub use schema::*;
pub use statistics::*;
pub use stats::*;
pub use tabx_core::PartialHeader;

mod mix_up;
pub use mix_up::unrelated_schema;
mod proto;
mod text_format;
pub use proto::{ProtoFormat, ProtoMessage, json_to_format, read_file, read_message, validate_json};
