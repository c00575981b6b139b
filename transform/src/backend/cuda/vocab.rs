//! The vocabulary lookup's table for the `vocab_lookup` kernel: built on the
//! host from a [`VocabularyLookup`], copied to the device once per lookup and
//! kept (keyed by [`VocabularyLookup::key`]) for every later batch.
//!
//! Open addressing with linear probing over the tokens' FarmHash
//! fingerprints, at most half full so that every probe ends at an empty slot;
//! a hit is confirmed against the token's bytes, so two tokens (or a token
//! and an unknown string) with one fingerprint still get their own ids.

use std::sync::Arc;

use cudarc::driver::{CudaSlice, CudaStream, DriverError};

use crate::kernels::{VocabularyLookup, fingerprint64};

/// The table as the kernel reads it, on the host.
#[derive(Debug, Default)]
pub(super) struct HostTable {
    /// Fingerprint of the token in each slot.
    pub keys: Vec<u64>,
    /// Id of the token in each slot; -1 for an empty slot.
    pub ids: Vec<i64>,
    /// Slots - 1 (a power of two minus one).
    pub mask: u64,
    /// Token `id`'s bytes are `tok_bytes[tok_offsets[id]..tok_offsets[id + 1]]`.
    pub tok_offsets: Vec<u64>,
    pub tok_bytes: Vec<u8>,
}

impl HostTable {
    pub fn build(lookup: &VocabularyLookup) -> Self {
        let tokens = lookup.tokens();
        let slots = (2 * tokens.len()).next_power_of_two().max(2);
        let mut table =
            HostTable { keys: vec![0; slots], ids: vec![-1; slots], mask: slots as u64 - 1, ..Self::default() };
        table.tok_offsets.push(0);
        for (id, token) in tokens.iter().enumerate() {
            table.tok_bytes.extend_from_slice(token.as_bytes());
            table.tok_offsets.push(table.tok_bytes.len() as u64);
            let fp = fingerprint64(token.as_bytes());
            let mut slot = fp & table.mask;
            while table.ids[slot as usize] >= 0 {
                slot = (slot + 1) & table.mask;
            }
            table.keys[slot as usize] = fp;
            table.ids[slot as usize] = id as i64;
        }
        table
    }
}

/// The table on the device.
#[derive(Debug)]
pub(super) struct DeviceTable {
    pub keys: CudaSlice<u64>,
    pub ids: CudaSlice<i64>,
    pub mask: u64,
    pub tok_offsets: CudaSlice<u64>,
    pub tok_bytes: CudaSlice<u8>,
    pub vocab_size: u64,
}

impl DeviceTable {
    pub fn upload(stream: &Arc<CudaStream>, lookup: &VocabularyLookup) -> Result<Self, DriverError> {
        let host = HostTable::build(lookup);
        Ok(Self {
            keys: stream.clone_htod(&host.keys)?,
            ids: stream.clone_htod(&host.ids)?,
            mask: host.mask,
            tok_offsets: stream.clone_htod(&host.tok_offsets)?,
            // At least one byte: a vocabulary of empty tokens still needs a buffer.
            tok_bytes: if host.tok_bytes.is_empty() {
                stream.alloc_zeros(1)?
            } else {
                stream.clone_htod(&host.tok_bytes)?
            },
            vocab_size: lookup.vocab_size() as u64,
        })
    }
}
