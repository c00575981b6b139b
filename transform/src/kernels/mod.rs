//! Arrow kernels and analyzer states shared by the ops.

mod hash;

pub use hash::{fingerprint_cat64, fingerprint64, hash_bucket, hash_strings};
