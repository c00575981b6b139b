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

/// The contract of every mergeable job state that travels between threads,
/// shards and pods: statistics (`StatsAccumulator`), transform fits
/// (`FitState`) and evaluations (`EvalState`).
///
/// ```text
///  batches ─▶ update ─▶ state (one per task) ─┐
///  batches ─▶ update ─▶ state ────────────────┼─▶ merge ─▶ finish ─▶ artifact
///  part-3.partial (another pod) ─▶ decode ────┘
/// ```
///
/// One implementation gives a job the parallel scan (`tabx_engine::scan_state`),
/// the `*.partial` file ([`crate::PartialFile::of_state`] /
/// [`crate::PartialFile::decode_state`]), `tabx merge` ([`crate::merge_partials`]) and a
/// memory budget ([`size_bytes`](Self::size_bytes)).
pub trait PartialState: Sized + Send {
    /// What the state is of, as written in partial headers: `"stats"`, `"transform"`, `"eval"`.
    const KIND: &'static str;
    /// The version of the encoded state; bumped whenever its shape changes.
    const FORMAT_VERSION: u32;
    /// The artifact the state finishes into.
    type Artifact;

    /// Folds one batch of examples.
    fn update(&mut self, batch: &arrow::array::RecordBatch) -> Result<()>;
    /// Folds another state of the same run; an error when its options differ.
    fn merge(&mut self, other: Self) -> Result<()>;
    /// The artifact (`stats.json`, `transform.json`, `eval.json`).
    fn finish(self) -> Result<Self::Artifact>;
    /// Bytes held, for memory budgets.
    fn size_bytes(&self) -> usize;
    /// A hash of the options the state depends on: shards of one run agree.
    fn fingerprint(&self) -> u64;
    /// The state's binary form (inside `*.partial` files).
    fn encode(&self) -> Result<Vec<u8>>;
    /// Reads [`encode`](Self::encode) output; `what` names the source in errors.
    fn decode(bytes: &[u8], what: &str) -> Result<Self>;
}
