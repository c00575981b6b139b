//! # tabx-validate
//!
//! TFDV's validation half: statistics checked against a schema.
//!
//! - [`distance`]: the skew and drift distances (L-infinity, Jensen-Shannon)
//!   between two features' statistics.

pub mod distance;
