//! # tabx-core
//!
//! The pieces every tabx crate shares, with no engine attached (Arrow only):
//!
//! - [`TabxError`] / [`Result`]: the one error type, categorised.
//! - [`Mergeable`]: the law of partial states (update per partition, merge, evaluate),
//!   and [`PartialFile`], the `*.partial` file a shard's state travels in.
//! - Sketches with stated error, all mergeable and seeded so runs are reproducible:
//!   [`ExactSum`] (order-independent f64 sum), [`KllSketch`] (quantiles),
//!   [`HyperLogLog`] (distinct counts), [`FrequentItems`] (exact counts up to a
//!   cap, then space-saving top-k).
//!
//! ```
//! use tabx_core::{ExactSum, Mergeable};
//! let (mut a, mut b) = (ExactSum::default(), ExactSum::default());
//! a.add(1e16); a.add(1.0);
//! b.add(-1e16);
//! a.merge(&b);
//! assert_eq!(a.value(), 1.0); // a naive f64 sum in this order gives 0.0
//! ```

mod artifact_kind;
mod atomic;
mod error;
pub mod failpoint;
mod mergeable;
mod partial;
mod row_format;
mod sketch;
mod slicing;
#[doc(hidden)]
pub mod testing;

pub use artifact_kind::ArtifactKind;
pub use atomic::{OutputFile, output_temp_file, replace_atomically, scratch_dir, stdout_is_an_output};
pub use error::{Result, TabxError, read_artifact};
pub use mergeable::{Mergeable, PARTIAL_MAGIC, PartialState, decode_state, encode_state};
pub use partial::{PartialFile, PartialHeader, in_shard_order, merge_partials};
pub use row_format::{Compression, RowFormat, row_format};
pub use sketch::{
    ExactSum, ExactValues, FrequentItems, HyperLogLog, KllSketch, Quantiles, SplitMix64, SumBuffers, add_square,
    add_squares, add_sums, from_total_order_key, hash64, mean_variance, mix64, partition_seed, sort_f64,
    total_order_key,
};
pub use slicing::{
    OVERALL, PREDICATE_PREFIX, SliceKey, SliceSpec, SliceTerm, predicate_column, without_predicate_columns,
};
