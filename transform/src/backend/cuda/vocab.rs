//! The vocabulary on the GPU: the lookup's table for the `vocab_lookup`
//! kernel, built on the host from a [`VocabularyLookup`], copied to the device
//! once per lookup and kept (keyed by [`VocabularyLookup::key`]) for every
//! later batch; and the fit's counts of a batch's tokens (`vocab_count` for
//! strings, `vocab_count_ints` for Int64 columns: a table built on the
//! device, [`CudaBackend::gpu_update_vocabulary`]).
//!
//! Open addressing with linear probing over the tokens' FarmHash
//! fingerprints, at most half full so that every probe ends at an empty slot;
//! a hit is confirmed against the token's bytes, so two tokens (or a token
//! and an unknown string) with one fingerprint still get their own ids.

use std::sync::Arc;

use std::fmt::Write;

use arrow::array::{Array, AsArray, Int64Array};
use arrow::buffer::ScalarBuffer;
use arrow::datatypes::Int64Type;
use cudarc::driver::{CudaSlice, CudaStream, DriverError, PushKernelArg};
use tabx_core::Result;

use super::{CudaBackend, DeviceStrings, download, uploaded_once};
use crate::kernels::{VocabularyLookup, VocabularyState, fingerprint64};

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

/// The lookup's table for an Int64 column (`vocab_lookup_ints`): the tokens
/// that are an integer's canonical decimal string (`13`, `-10`; not `013` or
/// `+5`, which no integer formats to), keyed by that integer, probed from
/// SplitMix64's finaliser (`tabx_core::mix64`, as in kernels.cu).
#[derive(Debug, Default)]
pub(super) struct HostIntTable {
    pub keys: Vec<i64>,
    /// Id of the token in each slot; -1 for an empty slot.
    pub ids: Vec<i64>,
    /// Slots - 1 (a power of two minus one).
    pub mask: u64,
}

impl HostIntTable {
    pub fn build(lookup: &VocabularyLookup) -> Self {
        let integers: Vec<(i64, i64)> = lookup
            .tokens()
            .iter()
            .enumerate()
            .filter_map(|(id, token)| {
                token.parse::<i64>().ok().filter(|v| v.to_string() == *token).map(|v| (v, id as i64))
            })
            .collect();
        // At most half full: every probe ends at an empty slot.
        let slots = (2 * integers.len()).next_power_of_two().max(2);
        let mut table = HostIntTable { keys: vec![0; slots], ids: vec![-1; slots], mask: slots as u64 - 1 };
        for (value, id) in integers {
            let mut slot = tabx_core::mix64(value as u64) & table.mask;
            while table.ids[slot as usize] >= 0 {
                slot = (slot + 1) & table.mask;
            }
            table.keys[slot as usize] = value;
            table.ids[slot as usize] = id;
        }
        table
    }
}

/// An integer table on the device.
#[derive(Debug)]
pub(super) struct DeviceIntTable {
    pub keys: CudaSlice<i64>,
    pub ids: CudaSlice<i64>,
    pub mask: u64,
}

impl DeviceIntTable {
    pub fn upload(stream: &Arc<CudaStream>, lookup: &VocabularyLookup) -> Result<Self, DriverError> {
        let host = HostIntTable::build(lookup);
        Ok(Self { keys: stream.clone_htod(&host.keys)?, ids: stream.clone_htod(&host.ids)?, mask: host.mask })
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

impl CudaBackend {
    /// [`VocabularyState::update`] on the GPU for Utf8 and Int64 columns:
    /// the batch's distinct values are counted in a table on the device, and
    /// each comes back once (its first row) with its count; an integer's
    /// token is its decimal string, written once per distinct value. Other
    /// types on the CPU.
    pub(super) fn gpu_update_vocabulary(&self, state: &mut VocabularyState, x: &dyn Array) -> Result<()> {
        let (n, n64) = (x.len(), x.len() as u64);
        if !self.on_gpu(n) {
            return state.update(x);
        }
        if let Some(strings) = x.as_string_opt::<i32>() {
            let (rows, counts) = self.count_distinct(n, |stream, rows, counts, mask| {
                let column = DeviceStrings::upload(stream, strings)?;
                let (valid, offset, has_valid) = Self::validity(stream, strings)?;
                let mut launch = stream.launch_builder(&self.kernels.vocab_count);
                launch.arg(&column.offsets).arg(&column.bytes).arg(&column.base).arg(&n64);
                launch.arg(&valid).arg(&offset).arg(&has_valid).arg(rows).arg(counts).arg(&mask);
                // Safety: matches vocab_count in kernels.cu.
                unsafe { launch.launch(self.grid(n)) }?;
                Ok((column, valid))
            })?;
            for (&row, &count) in rows.iter().zip(&counts) {
                state.add(strings.value(row as usize), count);
            }
            return Ok(());
        }
        let Some(ints) = x.as_primitive_opt::<Int64Type>() else {
            return state.update(x);
        };
        let (rows, counts) = self.count_distinct(n, |stream, rows, counts, mask| {
            let values = stream.clone_htod(ints.values().as_ref())?;
            let (valid, offset, has_valid) = Self::validity(stream, ints)?;
            let mut launch = stream.launch_builder(&self.kernels.vocab_count_ints);
            launch.arg(&values).arg(&n64).arg(&valid).arg(&offset).arg(&has_valid);
            launch.arg(rows).arg(counts).arg(&mask);
            // Safety: matches vocab_count_ints in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            Ok((values, valid))
        })?;
        let mut token = String::new();
        for (&row, &count) in rows.iter().zip(&counts) {
            token.clear();
            // Writing to a String cannot fail.
            let _ = write!(token, "{}", ints.value(row as usize));
            state.add(&token, count);
        }
        Ok(())
    }

    /// `VocabularyLookup::apply` of an Int64 column on the GPU, the table
    /// uploaded on first use of `lookup` and kept.
    pub(super) fn gpu_vocabulary_ints(&self, ints: &Int64Array, lookup: &VocabularyLookup) -> Result<Int64Array> {
        let n = ints.len();
        let ids = self.with_stream(|stream| {
            let table = uploaded_once(&self.int_vocabularies, lookup, || DeviceIntTable::upload(stream, lookup))?;
            let values = stream.clone_htod(ints.values().as_ref())?;
            let mut out: CudaSlice<i64> = stream.alloc_zeros(n)?;
            let (n64, vocab_size, oov, default) =
                (n as u64, lookup.vocab_size() as u64, lookup.num_oov_buckets(), lookup.default_value());
            let mut launch = stream.launch_builder(&self.kernels.vocab_lookup_ints);
            launch.arg(&values).arg(&n64).arg(&table.keys).arg(&table.ids).arg(&table.mask);
            launch.arg(&vocab_size).arg(&oov).arg(&default).arg(&mut out);
            // Safety: matches vocab_lookup_ints in kernels.cu.
            unsafe { launch.launch(self.grid(n)) }?;
            download(stream, &out)
        })?;
        Ok(Int64Array::new(ScalarBuffer::from(ids), ints.nulls().cloned()))
    }

    /// Runs `count` (a counting kernel over `n` rows into a table of
    /// `rows`/`counts`, given its mask; what it returns is kept until the
    /// results are back), then packs the occupied slots: each distinct
    /// value's first row and count.
    fn count_distinct<K>(
        &self,
        n: usize,
        count: impl FnOnce(
            &Arc<CudaStream>,
            &mut CudaSlice<u64>,
            &mut CudaSlice<u64>,
            u64,
        ) -> std::result::Result<K, DriverError>,
    ) -> Result<(Vec<u64>, Vec<u64>)> {
        // At most half full, so that probes stay short and always end.
        let slots = (2 * n).next_power_of_two();
        self.with_stream(|stream| {
            let mut rows: CudaSlice<u64> = stream.alloc_zeros(slots)?;
            let mut counts: CudaSlice<u64> = stream.alloc_zeros(slots)?;
            let _inputs = count(stream, &mut rows, &mut counts, slots as u64 - 1)?;
            let mut first_rows: CudaSlice<u64> = stream.alloc_zeros(slots)?;
            let mut first_counts: CudaSlice<u64> = stream.alloc_zeros(slots)?;
            let mut found: CudaSlice<u64> = stream.alloc_zeros(1)?;
            let slots64 = slots as u64;
            let mut launch = stream.launch_builder(&self.kernels.vocab_compact);
            launch.arg(&rows).arg(&counts).arg(&slots64).arg(&mut first_rows).arg(&mut first_counts).arg(&mut found);
            // Safety: matches vocab_compact in kernels.cu.
            unsafe { launch.launch(self.grid(slots)) }?;
            let found = download(stream, &found)?[0] as usize;
            if found == 0 {
                return Ok((Vec::new(), Vec::new()));
            }
            let rows = stream.clone_dtoh(&first_rows.slice(..found))?;
            let counts = stream.clone_dtoh(&first_counts.slice(..found))?;
            stream.synchronize()?;
            Ok((rows, counts))
        })
    }
}
