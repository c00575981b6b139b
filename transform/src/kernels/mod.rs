//! Arrow kernels and analyzer states shared by the ops.

mod compare;
mod cross;
mod fill;
mod hash;
mod one_hot;
mod time;
mod values;
mod vocab;

pub use compare::greater_than_fraction;
pub use cross::{DEFAULT_HASH_KEY, cross_hashed, cross_hashed_with_key};
pub use fill::fill_nulls;
#[cfg(feature = "cuda")]
pub(crate) use hash::check_buckets;
pub use hash::{fingerprint_cat64, fingerprint64, hash_bucket, hash_strings};
pub use one_hot::{one_hot, one_hot_type, one_hot_values};
pub use time::{TimestampParts, parse_time_zone, timestamp_parts, wall_clock_seconds};
pub use vocab::{EMPTY_VOCABULARY_TOKEN, VocabularyLookup, VocabularyState, apply_vocabulary};
