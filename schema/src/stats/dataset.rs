//! The state of one dataset (or one slice of it): the example count and one
//! [`FeatureState`] per column, in the order the columns first appeared.

use arrow::array::{ArrayRef, RecordBatch};
use serde::{Deserialize, Serialize};

use tabx_core::{ExactSum, Mergeable, Result, hash64};

use super::StatsOptions;
use super::feature::{FeatureState, Scratch};
use crate::statistics::DatasetFeatureStatistics;

/// Mergeable state of one dataset or slice.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetState {
    num_examples: u64,
    weighted_num_examples: Option<ExactSum>,
    features: Vec<(String, FeatureState)>,
}

impl DatasetState {
    /// Adds a batch; `weights` holds one weight per row when weighted.
    pub fn update(
        &mut self,
        batch: &RecordBatch,
        weights: Option<&[f64]>,
        options: &StatsOptions,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let rows = batch.num_rows() as u64;
        let weight_sum = weights.map(|w| {
            let mut s = ExactSum::default();
            s.add_slice(w);
            s
        });
        let schema = batch.schema();
        let mut seen = vec![false; self.features.len()];
        for (i, field) in schema.fields().iter().enumerate() {
            let index = self.feature_index(field.name(), i);
            if index == seen.len() {
                seen.push(false);
            }
            seen[index] = true;
            let column: &ArrayRef = batch.column(i);
            let feature_seed = options.seed ^ seed ^ hash64(field.name().as_bytes());
            let feature = &mut self.features[index].1;
            if options.categorical_columns.iter().any(|c| c == field.name()) {
                feature.update_categorical(column, weights, options, feature_seed, scratch)?;
            } else {
                feature.update(column, weights, options, feature_seed, scratch)?;
            }
        }
        for (index, was_seen) in seen.iter().enumerate() {
            if !was_seen {
                self.features[index].1.add_missing(rows, weight_sum.as_ref().map(ExactSum::value));
            }
        }
        self.num_examples += rows;
        if let Some(sum) = weight_sum {
            self.weighted_num_examples.get_or_insert_with(ExactSum::default).merge(&sum);
        }
        Ok(())
    }

    /// The index of feature `name`, created (missing in every earlier example) if new.
    fn feature_index(&mut self, name: &str, hint: usize) -> usize {
        // Batches nearly always carry the columns in the same order: try that first.
        if self.features.get(hint).is_some_and(|(n, _)| n == name) {
            return hint;
        }
        if let Some(i) = self.features.iter().position(|(n, _)| n == name) {
            return i;
        }
        let mut state = FeatureState::default();
        state.add_missing(self.num_examples, self.weighted_num_examples.as_ref().map(ExactSum::value));
        self.features.push((name.to_string(), state));
        self.features.len() - 1
    }

    /// Names of columns that must be re-read as strings.
    pub fn columns_to_rescan(&self) -> impl Iterator<Item = &str> {
        self.features.iter().filter(|(_, f)| f.needs_string_rescan()).map(|(n, _)| n.as_str())
    }

    /// Replaces the states of `columns` by those in `other`.
    pub fn replace_columns(&mut self, other: &DatasetState, columns: &[String]) {
        for (name, state) in self.features.iter_mut().filter(|(n, _)| columns.contains(n)) {
            if let Some((_, replacement)) = other.features.iter().find(|(n, _)| n == name) {
                *state = replacement.clone();
            }
        }
    }

    /// Number of examples seen.
    pub fn num_examples(&self) -> u64 {
        self.num_examples
    }

    /// Builds the dataset's statistics.
    pub fn evaluate(&self, name: &str, options: &StatsOptions) -> DatasetFeatureStatistics {
        DatasetFeatureStatistics {
            name: name.to_string(),
            num_examples: self.num_examples,
            weighted_num_examples: self.weighted_num_examples.as_ref().map(ExactSum::value),
            features: self.features.iter().map(|(n, f)| f.evaluate(n, options)).collect(),
        }
    }
}

impl Mergeable for DatasetState {
    fn merge(&mut self, other: &Self) {
        let mut seen = vec![false; self.features.len()];
        for (name, state) in &other.features {
            match self.features.iter().position(|(n, _)| n == name) {
                Some(i) => {
                    self.features[i].1.merge(state);
                    seen[i] = true;
                }
                None => {
                    let mut merged = FeatureState::default();
                    merged.add_missing(self.num_examples, self.weighted_num_examples.as_ref().map(ExactSum::value));
                    merged.merge(state);
                    self.features.push((name.clone(), merged));
                }
            }
        }
        let other_weight = other.weighted_num_examples.as_ref().map(ExactSum::value);
        for (i, was_seen) in seen.into_iter().enumerate() {
            if !was_seen {
                self.features[i].1.add_missing(other.num_examples, other_weight);
            }
        }
        self.num_examples += other.num_examples;
        match (&mut self.weighted_num_examples, &other.weighted_num_examples) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.weighted_num_examples = Some(b.clone()),
            _ => {}
        }
    }
}
