//! The statistics state as a [`PartialState`]: `tabx stats --shard I/N
//! --partial` writes it in a [`tabx_core::PartialFile`] (kind `"stats"`) and
//! `tabx merge` merges it with the other shards (`tabx_core::merge_partials`).

use arrow::array::RecordBatch;
use tabx_core::{PartialState, Result};

use crate::StatsAccumulator;
use crate::statistics::DatasetFeatureStatisticsList;

/// Bumped whenever the encoded state changes shape or meaning (3: a numeric
/// state below the exact cap keeps its sums in its counts).
pub const PARTIAL_FORMAT_VERSION: u32 = 3;

impl PartialState for StatsAccumulator {
    const KIND: &'static str = "stats";
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
