//! # tabx-engine
//!
//! Reading data as streams of Arrow [`RecordBatch`](arrow::array::RecordBatch)es,
//! in parallel, in bounded memory:
//!
//! - [`SourceOptions`]: format, CSV dialect, typing, bad-row policy
//!   ([`OnError`]), projection, sampling, [`Shard`], threads.
//! - [`ScanPlan`]: inputs resolved (files, directories, globs, `-` for stdin,
//!   `s3://`, `gs://`, `az://`, `http(s)://`, `file://` URLs) and cut into tasks:
//!   byte ranges of a CSV file, Parquet row groups, whole files.
//! - [`scan_ordered`]: runs the tasks on one worker per core, folds every batch
//!   into a per-task state and hands the states over in task order as they
//!   finish (merge them in that order and the result does not depend on
//!   scheduling; memory holds a few states), with a [`ScanReport`].
//!   [`scan_merged`] merges them into one as they come; [`scan_fold`] returns
//!   every state at once, for small plans.
//!
//! CSV columns are typed as TFDV types them (INT < FLOAT < STRING, from every
//! value): batches carry `Int64`, `Float64`, `Utf8` (`Binary` where a value is
//! not valid UTF-8) or `Null` (no value yet) columns. The type is sticky per task
//! and only widens, so batches of one column can differ in type: a consumer
//! that sees a column turn STRING late rescans it with
//! [`SourceOptions::force_string`]; [`ScanReport::column_types`] has each
//! column's final type.
//!
//! ```
//! use tabx_engine::{ScanPlan, SourceOptions, scan_fold};
//!
//! let dir = tempfile::tempdir()?;
//! let path = dir.path().join("trips.csv");
//! std::fs::write(&path, "fare,company\n12.5,Flash Cab\n,Taxi Affiliation\n7,Flash Cab\n")?;
//!
//! let plan = ScanPlan::try_new(&[path.display().to_string()], SourceOptions::default())?;
//! // One state per task: here, rows seen.
//! let (counts, report) = scan_fold(&plan, |_task| 0usize, |rows, batch| {
//!     *rows += batch.num_rows();
//!     Ok(())
//! })?;
//! assert_eq!(counts.iter().sum::<usize>(), 3);
//! assert_eq!(report.rows_read, 3);
//! assert_eq!(report.column_types["fare"].to_string(), "FLOAT");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Why not DataFusion here
//!
//! DataFusion's (and arrow-csv's) CSV reader cannot tell which line a bad row
//! is on, cannot skip or quarantine single rows, and silently reads the rest of
//! a file into one field after an unclosed quote; nor does it type columns the
//! TFDV way. Our reader (on csv-core) does all of that and still splits one file
//! into byte ranges for all cores. For Parquet the parquet crate's reader gives
//! row groups as tasks, which is also the unit of sharding. So this crate uses
//! arrow, parquet and object_store directly and does not depend on DataFusion.

pub mod artifacts;
mod csv;
mod driver;
mod follow;
mod in_order;
mod memory;
mod ndjson;
mod options;
mod parquet;
mod parquet_part;
mod plan;
mod quarantine;
mod resolve;
mod retype;
mod split;
mod store;

pub use driver::{
    ORDER_WINDOW_PER_THREAD, RowOrigins, ScanReport, is_source_column, row_origin, scan_fold, scan_merged,
    scan_ordered, scan_state, without_row_source,
};
pub use follow::{Fingerprint, FollowOptions, rotated_copies};
pub use memory::peak_rss_bytes;
pub use options::{ColumnType, Format, OnError, ProgressFn, RejectFn, Shard, SourceOptions};
pub use parquet_part::ParquetPart;
pub use plan::ScanPlan;
pub use quarantine::{RejectedRows, append_to_quarantine};
pub use resolve::list_files;
pub use retype::retype_where_all_parse;
pub use split::{SplitConfig, SplitSpec, hash_bucket, partition_keys};
pub use store::outside_runtime;
