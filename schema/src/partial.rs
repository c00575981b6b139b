//! The statistics state of one shard ([`PartialStats`]), written by `tabx
//! stats --shard I/N --partial` and merged by `tabx merge`, in the `*.partial`
//! file of [`tabx_core::PartialFile`] (kind `"stats"`).

use std::path::Path;

use arrow::array::RecordBatch;
use tabx_core::{PartialFile, PartialHeader, PartialState, Result, TabxError, in_shard_order};

use crate::StatsAccumulator;
use crate::statistics::DatasetFeatureStatisticsList;

/// Bumped whenever the encoded state changes shape.
pub const PARTIAL_FORMAT_VERSION: u32 = 1;

const KIND: &str = "stats";

/// One shard's statistics state with its header.
#[derive(Debug, Clone)]
pub struct PartialStats {
    pub header: PartialHeader,
    pub state: StatsAccumulator,
}

impl PartialStats {
    /// Wraps a shard's accumulator.
    pub fn new(state: StatsAccumulator, shard_index: usize, shard_count: usize, inputs: Vec<String>) -> Self {
        let header = PartialHeader {
            kind: KIND.into(),
            format_version: PARTIAL_FORMAT_VERSION,
            tabx_version: env!("CARGO_PKG_VERSION").into(),
            options_fingerprint: state.options().fingerprint(),
            shard_index,
            shard_count,
            inputs,
        };
        Self { header, state }
    }

    /// Writes the file atomically: a temporary file beside `path`, then a rename.
    pub fn write(&self, path: &Path) -> Result<()> {
        PartialFile { header: self.header.clone(), state: self.state.to_bytes()? }.write(path)
    }

    /// Reads a file written by [`write`](Self::write).
    pub fn read(path: &Path) -> Result<Self> {
        Self::from_file(&PartialFile::read(path)?, &path.display().to_string())
    }

    /// Decodes the bytes of a partial file; `what` names it in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        Self::from_file(&PartialFile::from_bytes(bytes, what)?, what)
    }

    /// The statistics state of a partial file read elsewhere (e.g. by `tabx merge`).
    pub fn from_file(file: &PartialFile, what: &str) -> Result<Self> {
        let state = StatsAccumulator::from_bytes(file.state_of(KIND, PARTIAL_FORMAT_VERSION, what)?, what)?;
        Ok(Self { header: file.header.clone(), state })
    }

    /// Merges the partials of shards 0..N, refusing missing, duplicate or
    /// mismatched shards; merging in shard order keeps the result reproducible.
    pub fn merge_all(mut parts: Vec<(String, PartialStats)>) -> Result<StatsAccumulator> {
        in_shard_order(&mut parts, |p| &p.header)?;
        let mut parts = parts.into_iter();
        let (_, first) = parts.next().expect("checked non-empty");
        let mut merged = first.state;
        for (_, part) in parts {
            merged.merge(&part.state)?;
        }
        // A column numeric in some shards and STRING in others cannot be re-read
        // here (the data is with the pods): INT with FLOAT merges as FLOAT, any
        // other clash is an error.
        let clashing = merged.columns_to_rescan();
        if !clashing.is_empty() {
            return Err(TabxError::schema(format!(
                "columns inferred as numbers in some shards and as STRING in others: {}",
                clashing.join(", ")
            ))
            .with_hint("give every shard the same types with --schema SCHEMA (e.g. a TFDV schema.pbtxt)"));
        }
        Ok(merged)
    }
}

impl PartialState for StatsAccumulator {
    const KIND: &'static str = KIND;
    const FORMAT_VERSION: u32 = PARTIAL_FORMAT_VERSION;
    type Artifact = DatasetFeatureStatisticsList;

    fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        StatsAccumulator::update(self, batch)
    }

    fn merge(&mut self, other: Self) -> Result<()> {
        StatsAccumulator::merge(self, &other)
    }

    fn finish(self) -> Result<DatasetFeatureStatisticsList> {
        Ok(StatsAccumulator::finish(&self))
    }

    fn size_bytes(&self) -> usize {
        // Per-column state is bounded (sketches, capped exact counts); the
        // encoded size measures it without a second bookkeeping of every field.
        self.to_bytes().map_or(0, |b| b.len())
    }

    fn fingerprint(&self) -> u64 {
        self.options().fingerprint()
    }

    fn encode(&self) -> Result<Vec<u8>> {
        self.to_bytes()
    }

    fn decode(bytes: &[u8], what: &str) -> Result<Self> {
        StatsAccumulator::from_bytes(bytes, what)
    }
}
