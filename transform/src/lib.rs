//! # tabx-transform
//!
//! TensorFlow Transform's job without TensorFlow: a spec of named outputs,
//! each an op on input columns; a full pass fits what the ops need (means,
//! variances, quantile boundaries, vocabularies); the fitted artifact
//! (`transform.json`) transforms batches for training and single rows at
//! serving with the same values.
//!
//! - [`kernels`]: the Arrow kernels and exact analyzer states of the string
//!   and time ops (hashing, vocabularies, timestamp parts, one-hot, crosses).

pub mod kernels;
