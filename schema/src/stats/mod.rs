//! Statistics generation: TFDV's `generate_statistics_*` over Arrow batches.
//!
//! Where things go:
//! - a new numeric statistic: a field in [`numeric::NumericState`], its update, merge and evaluate
//!   (a per-value count of a whole batch: [`batch_counts::BatchCounts`], the one-pass kernel);
//! - a new string statistic: [`string::StringState`] likewise;
//! - a new Arrow type: the table in [`types`];
//! - dataset-level statistics and slicing: [`accumulator`].

mod accumulator;
mod batch_counts;
mod dataset;
mod feature;
mod histogram;
mod numeric;
mod options;
mod string;
mod text;
mod types;

pub use accumulator::{ALL_EXAMPLES, StatsAccumulator};
pub use options::StatsOptions;
pub use string::{INVALID_UTF8_VALUE, LARGE_BYTES_THRESHOLD, LARGE_BYTES_VALUE};
pub use types::{ValueKind, stored_integer, value_kind};
