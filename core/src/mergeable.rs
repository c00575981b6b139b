//! The law every partial state obeys, and the versioned file form of partial states.
//!
//! Every heavy step in tabx is `stream batches → update state → merge states →
//! evaluate` (DataFusion's `Accumulator::state`/`merge_batch` split): one state per
//! thread, per shard or per pod, merged at the end. [`Mergeable`] is that merge.

use serde::{Serialize, de::DeserializeOwned};

use crate::{Result, TabxError};

/// A partial aggregate that can absorb another one.
///
/// Laws (checked by each implementation's tests): `Default` is the identity,
/// and `merge` is associative and commutative. For exact states the merged value
/// is bit-identical whatever the order; sketches agree within their stated error.
pub trait Mergeable: Clone + Default + Send + Sync + 'static {
    /// Folds `other` into `self`.
    fn merge(&mut self, other: &Self);
}

/// Magic bytes that open every tabx partial-state file.
pub const PARTIAL_MAGIC: &[u8; 8] = b"TABXPART";

/// Serialises a state into the compact binary form used inside `*.partial` files.
pub fn encode_state<T: Serialize>(state: &T) -> Result<Vec<u8>> {
    postcard::to_stdvec(state).map_err(|e| TabxError::Internal(format!("cannot encode state: {e}")))
}

/// Reads a state written by [`encode_state`]; `what` names the source in errors.
pub fn decode_state<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T> {
    postcard::from_bytes(bytes).map_err(|e| TabxError::Artifact {
        path: what.to_string(),
        message: format!("cannot decode partial state ({e}); was it written by another tabx version?"),
    })
}
