//! Mergeable sketches with a stated error, seeded so that the same input with the
//! same partitioning always gives the same bits.
//!
//! | type | answers | error |
//! | --- | --- | --- |
//! | [`ExactSum`] | sum of f64 | none: correctly rounded, order-independent |
//! | [`KllSketch`] | quantiles, ranks, CDF | normalised rank error, [`KllSketch::normalized_rank_error`] |
//! | [`ExactValues`] | quantiles, ranks, CDF ([`Quantiles`], as the sketch) | none, up to [`ExactValues::MAX_DISTINCT`] distinct values |
//! | [`HyperLogLog`] | distinct count | relative standard error 1.04/√m |
//! | [`FrequentItems`] | counts, top-k, distinct | exact up to a cap, then Misra–Gries bound |

mod exact_sum;
mod exact_values;
mod frequent;
mod hash;
mod hll;
mod key_counts;
mod kll;
mod moments;
mod rng;
mod sort;

pub use exact_sum::ExactSum;
pub use exact_values::{ExactValues, Quantiles};
pub use frequent::FrequentItems;
pub use hash::{hash64, partition_seed};
pub use hll::HyperLogLog;
pub use kll::KllSketch;
pub use moments::{SumBuffers, add_square, add_squares, add_sums, mean_variance};
pub use rng::{SplitMix64, mix64};
pub use sort::{from_total_order_key, sort_f64, total_order_key};
