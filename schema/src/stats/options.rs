//! Knobs of statistics generation, with TFDV's `StatsOptions` defaults.

use serde::{Deserialize, Serialize};

use tabx_core::{Result, ensure_config};

/// Options of [`crate::StatsAccumulator`]. Defaults are TFDV's `StatsOptions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsOptions {
    /// `num_top_values`: how many most frequent values a string feature lists.
    pub num_top_values: usize,
    /// `num_rank_histogram_buckets`.
    pub num_rank_histogram_buckets: usize,
    /// `num_histogram_buckets`: buckets of the STANDARD histogram.
    pub num_histogram_buckets: usize,
    /// `num_quantiles_histogram_buckets`: buckets of the QUANTILES histogram.
    pub num_quantiles_histogram_buckets: usize,
    /// `num_values_histogram_buckets`: buckets of `num_values_histogram`.
    pub num_values_histogram_buckets: usize,
    /// Normalised rank error of the quantile sketch (TFDV: `epsilon` 0.01).
    pub epsilon: f64,
    /// A numeric column whose value weights each example (`weight_feature`).
    pub weight_column: Option<String>,
    /// Slice specs (`tabx_core::SliceSpec`, the grammar `tabx evaluate` shares):
    /// each splits the examples into slices, besides "All Examples".
    #[serde(default)]
    pub slices: Vec<tabx_core::SliceSpec>,
    /// At most this many slices in all; rows of further slices count only in "All Examples".
    pub max_slices: usize,
    /// Distinct values counted exactly per string feature before switching to sketches.
    pub distinct_cap: usize,
    /// Seed of every sketch: same input, same partitioning, same seed → same bytes.
    pub seed: u64,
    /// INT columns whose values are category ids (a schema's
    /// `int_domain.is_categorical`): they get string statistics (top values,
    /// unique, rank histogram) and keep type INT, as in TFDV.
    #[serde(default)]
    pub categorical_columns: Vec<String>,
}

impl Default for StatsOptions {
    fn default() -> Self {
        Self {
            num_top_values: 20,
            num_rank_histogram_buckets: 1000,
            num_histogram_buckets: 10,
            num_quantiles_histogram_buckets: 10,
            num_values_histogram_buckets: 10,
            epsilon: 0.01,
            weight_column: None,
            slices: Vec::new(),
            max_slices: 100,
            distinct_cap: 100_000,
            seed: 0,
            categorical_columns: Vec::new(),
        }
    }
}

impl StatsOptions {
    /// Checks that the options can produce statistics.
    pub fn validate(&self) -> Result<()> {
        ensure_config!(self.num_histogram_buckets >= 1, "num_histogram_buckets must be at least 1");
        ensure_config!(self.num_quantiles_histogram_buckets >= 1, "num_quantiles_histogram_buckets must be at least 1");
        ensure_config!(self.num_values_histogram_buckets >= 1, "num_values_histogram_buckets must be at least 1");
        ensure_config!(self.epsilon > 0.0 && self.epsilon < 0.5, "epsilon must be in (0, 0.5), got {}", self.epsilon);
        ensure_config!(
            self.distinct_cap >= self.num_rank_histogram_buckets.max(self.num_top_values),
            "distinct_cap must be at least the number of top values and rank-histogram buckets"
        );
        Ok(())
    }

    /// A stable fingerprint of everything that changes the statistics, so that
    /// partial states computed with different options refuse to merge.
    pub fn fingerprint(&self) -> u64 {
        let text = serde_json::to_string(self).unwrap_or_default();
        tabx_core::hash64(text.as_bytes())
    }
}
