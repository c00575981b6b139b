//! [`StatsAccumulator`]: statistics of a stream of record batches, with weights
//! and slices, mergeable across threads, shards and pods.
//!
//! ```text
//!  batches ─▶ update ─▶ StatsAccumulator (one per partition) ─┐
//!  batches ─▶ update ─▶ StatsAccumulator ─────────────────────┼─▶ merge ─▶ finish ─▶ stats.json
//!  part-3.partial (another pod) ─▶ from_bytes ────────────────┘
//! ```

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch, UInt32Array};
use arrow::compute::{cast, take_record_batch};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

use tabx_core::{Mergeable, Result, SliceKey, TabxError, decode_state, encode_state};

use super::StatsOptions;
use super::dataset::DatasetState;
use super::feature::Scratch;
use crate::statistics::DatasetFeatureStatisticsList;

/// TFDV's name of the unsliced dataset.
pub const ALL_EXAMPLES: &str = tabx_core::OVERALL;

/// Statistics of a stream of record batches: update per batch, merge partial
/// accumulators, then [`finish`](Self::finish).
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{Float64Array, RecordBatch, StringArray};
/// use tabx_schema::{StatsAccumulator, StatsOptions};
///
/// let batch = RecordBatch::try_from_iter([
///     ("fare", Arc::new(Float64Array::from(vec![Some(5.0), None, Some(7.0)])) as _),
///     ("payment_type", Arc::new(StringArray::from(vec!["Cash", "Cash", "Card"])) as _),
/// ])?;
/// let mut stats = StatsAccumulator::try_new(StatsOptions::default())?;
/// stats.update(&batch)?;
/// let list = stats.finish();
/// let fare = &list.datasets[0].features[0];
/// assert_eq!(fare.num_stats.as_ref().unwrap().mean, 6.0);
/// assert_eq!(fare.num_stats.as_ref().unwrap().common_stats.num_missing, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StatsAccumulator {
    options: StatsOptions,
    /// Distinguishes the sketches of parallel partitions (their coins differ).
    partition_seed: u64,
    all: DatasetState,
    slices: BTreeMap<String, DatasetState>,
    /// Examples whose slice value came after `max_slices` slices were already open.
    rows_beyond_max_slices: u64,
    #[serde(skip)]
    scratch: ScratchCell,
}

#[derive(Debug, Default)]
struct ScratchCell(Scratch);

impl Clone for ScratchCell {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl StatsAccumulator {
    /// An empty accumulator; fails on unusable options.
    pub fn try_new(options: StatsOptions) -> Result<Self> {
        options.validate()?;
        Ok(Self {
            options,
            partition_seed: 0,
            all: DatasetState::default(),
            slices: BTreeMap::new(),
            rows_beyond_max_slices: 0,
            scratch: ScratchCell::default(),
        })
    }

    /// The same accumulator whose sketches draw from the seed of partition
    /// `task` of shard `shard` ([`tabx_core::partition_seed`]; shard 0 when unsharded).
    pub fn for_partition(mut self, shard: usize, task: usize) -> Self {
        self.partition_seed = tabx_core::partition_seed(shard, task);
        self
    }

    /// The options in use.
    pub fn options(&self) -> &StatsOptions {
        &self.options
    }

    /// Adds one batch of examples.
    pub fn update(&mut self, batch: &RecordBatch) -> Result<()> {
        let weights = self.weights_of(batch)?;
        let (options, seed) = (&self.options, self.partition_seed);
        // SQL slices arrive as boolean columns (tabx_core::predicate_column): slice keys, not features.
        let features = tabx_core::without_predicate_columns(batch)?;
        self.all.update(&features, weights.as_deref(), options, seed, &mut self.scratch.0)?;
        for spec in options.slices.clone() {
            let groups = spec.groups(batch)?;
            self.update_slices(&features, groups, weights.as_deref())?;
        }
        Ok(())
    }

    fn weights_of(&self, batch: &RecordBatch) -> Result<Option<Vec<f64>>> {
        let Some(name) = &self.options.weight_column else { return Ok(None) };
        let column = batch.column_by_name(name).ok_or_else(|| missing_column("weight", name, batch))?;
        let weights = cast(column, &DataType::Float64)
            .map_err(|_| TabxError::config(format!("weight column `{name}` is {}, not numeric", column.data_type())))?;
        // A missing weight counts as zero, as TFDV's `weighted_num_examples` says.
        Ok(Some(weights.as_primitive::<arrow::datatypes::Float64Type>().iter().map(|w| w.unwrap_or(0.0)).collect()))
    }

    fn update_slices(
        &mut self,
        batch: &RecordBatch,
        groups: Vec<(SliceKey, Vec<u32>)>,
        weights: Option<&[f64]>,
    ) -> Result<()> {
        // Examples without a slice value belong to "All Examples" only, as in TFDV.
        for (key, rows) in groups {
            let name = key.name();
            if !self.slices.contains_key(&name) && self.slices.len() >= self.options.max_slices {
                self.rows_beyond_max_slices += rows.len() as u64;
                continue;
            }
            let indices = UInt32Array::from(rows);
            let part = take_record_batch(batch, &indices)?;
            let part_weights: Option<Vec<f64>> =
                weights.map(|w| indices.values().iter().map(|&i| w[i as usize]).collect());
            let state = self.slices.entry(name).or_default();
            state.update(&part, part_weights.as_deref(), &self.options, self.partition_seed, &mut self.scratch.0)?;
        }
        Ok(())
    }

    /// Folds another partition's accumulator into this one.
    pub fn merge(&mut self, other: &StatsAccumulator) -> Result<()> {
        if self.options != other.options {
            return Err(TabxError::config("cannot merge statistics computed with different options")
                .with_hint("compute every shard with the same flags"));
        }
        self.all.merge(&other.all);
        for (name, state) in &other.slices {
            if let Some(mine) = self.slices.get_mut(name) {
                mine.merge(state);
            } else if self.slices.len() < self.options.max_slices {
                self.slices.insert(name.clone(), state.clone());
            } else {
                self.rows_beyond_max_slices += state.num_examples();
            }
        }
        self.rows_beyond_max_slices += other.rows_beyond_max_slices;
        Ok(())
    }

    /// Columns whose numeric part must be read again as strings: numbers came
    /// first and strings later (CSV typing from every row, one pass, see the engine).
    pub fn columns_to_rescan(&self) -> Vec<String> {
        let mut columns: Vec<String> = self.all.columns_to_rescan().map(str::to_string).collect();
        columns.sort();
        columns
    }

    /// Replaces the statistics of `columns` by those of `rescan`, an accumulator
    /// over the same rows with those columns read as strings.
    pub fn replace_columns(&mut self, rescan: &StatsAccumulator, columns: &[String]) {
        self.all.replace_columns(&rescan.all, columns);
        for (name, state) in &mut self.slices {
            if let Some(other) = rescan.slices.get(name) {
                state.replace_columns(other, columns);
            }
        }
    }

    /// Examples dropped from slicing because `max_slices` slices were open.
    pub fn rows_beyond_max_slices(&self) -> u64 {
        self.rows_beyond_max_slices
    }

    /// Number of examples seen.
    pub fn num_examples(&self) -> u64 {
        self.all.num_examples()
    }

    /// The statistics artifact: "All Examples" first, then slices by name.
    pub fn finish(&self) -> DatasetFeatureStatisticsList {
        let mut datasets = vec![self.all.evaluate(ALL_EXAMPLES, &self.options)];
        datasets.extend(self.slices.iter().map(|(name, s)| s.evaluate(name, &self.options)));
        DatasetFeatureStatisticsList { datasets }
    }

    /// The binary form stored in `*.partial` files.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        encode_state(self)
    }

    /// Reads [`to_bytes`](Self::to_bytes) output; `what` names the source in errors.
    pub fn from_bytes(bytes: &[u8], what: &str) -> Result<Self> {
        decode_state(bytes, what)
    }
}

fn missing_column(role: &str, name: &str, batch: &RecordBatch) -> TabxError {
    let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
    TabxError::config(format!("{role} column `{name}` is not in the data"))
        .with_hint(format!("columns are: {}", names.join(", ")))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::Float64Array;

    use super::*;

    /// Task 0 of shard 0 and task 0 of shard 1 draw different coins (they
    /// once drew the same, whatever the shard); the same partition draws the
    /// same coins on every run.
    #[test]
    fn partitions_of_different_shards_draw_different_coins() {
        let batch = RecordBatch::try_from_iter([(
            "x",
            Arc::new(Float64Array::from_iter_values((0..50_000).map(|i| f64::from(i % 997)))) as _,
        )])
        .unwrap();
        let bytes = |shard, task| {
            let mut acc = StatsAccumulator::try_new(StatsOptions::default()).unwrap().for_partition(shard, task);
            acc.update(&batch).unwrap();
            acc.to_bytes().unwrap()
        };
        assert_eq!(bytes(1, 0), bytes(1, 0));
        assert_ne!(bytes(0, 0), bytes(1, 0));
        assert_ne!(bytes(0, 1), bytes(1, 0));
    }
}
