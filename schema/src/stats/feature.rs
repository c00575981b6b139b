//! The state of one feature: presence and value counts (common statistics) plus
//! the numeric or string state its values call for.

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, UInt64Array};
use arrow::compute::{cast, take};
use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};

use tabx_core::{ExactSum, KllSketch, Mergeable, Result};

use super::StatsOptions;
use super::histogram::{constant_quantiles_histogram, quantiles_histogram};
use super::numeric::{NumericBuffers, NumericState};
use super::string::StringState;
use super::types::{ValueKind, is_list, numbers_as_f64, value_kind};
use crate::statistics::{
    CommonStatistics, CustomStatistic, FeatureNameStatistics, FeatureType, WeightedCommonStatistics,
};

/// The values-dependent part of a feature's state.
#[expect(clippy::large_enum_variant, reason = "one per feature, built once and updated in place")]
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub enum ValuesState {
    /// No value has arrived yet (or the type carries none, e.g. structs).
    #[default]
    Empty,
    Numeric(NumericState),
    Text(StringState),
}

/// Mergeable state of one feature.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FeatureState {
    feature_type: Option<FeatureType>,
    num_non_missing: u64,
    num_missing: u64,
    min_num_values: Option<u64>,
    max_num_values: u64,
    tot_num_values: u64,
    /// Value counts per example; only list columns need a sketch of them.
    num_values_sketch: Option<KllSketch>,
    weighted: Option<WeightedPresence>,
    values: ValuesState,
    /// Numeric values arrived, then strings: the numeric part of the stream must be
    /// read again as strings (CSV columns whose type widens late).
    needs_string_rescan: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct WeightedPresence {
    non_missing: ExactSum,
    missing: ExactSum,
    tot_num_values: ExactSum,
}

/// Per-thread buffers reused across batches.
#[derive(Debug, Default)]
pub struct Scratch {
    numeric: NumericBuffers,
}

impl FeatureState {
    /// Adds one column of a batch. `weights` holds one weight per row when the
    /// statistics are weighted; `seed` seeds the sketches this call creates.
    pub fn update(
        &mut self,
        column: &ArrayRef,
        weights: Option<&[f64]>,
        options: &StatsOptions,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Result<()> {
        let column = match column.data_type() {
            // String dictionaries (Parquet's) stay as they are: text.rs counts their keys.
            DataType::Dictionary(_, value) if !matches!(**value, DataType::Utf8 | DataType::LargeUtf8) => {
                cast(column, value)?
            }
            _ => column.clone(),
        };
        if is_list(column.data_type()) {
            self.update_list(&column, weights, options, seed, scratch)
        } else {
            self.update_presence(&column, weights, None);
            self.update_values(&column, weights, options, seed, scratch)
        }
    }

    fn update_list(
        &mut self,
        column: &ArrayRef,
        weights: Option<&[f64]>,
        options: &StatsOptions,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Result<()> {
        // Each row's child range (start, length), for every list layout.
        let (ranges, values): (Vec<(usize, usize)>, ArrayRef) = match column.data_type() {
            DataType::List(_) => {
                let l = column.as_list::<i32>();
                (l.offsets().windows(2).map(|w| (w[0] as usize, (w[1] - w[0]) as usize)).collect(), l.values().clone())
            }
            DataType::LargeList(_) => {
                let l = column.as_list::<i64>();
                (l.offsets().windows(2).map(|w| (w[0] as usize, (w[1] - w[0]) as usize)).collect(), l.values().clone())
            }
            DataType::ListView(_) => {
                let l = column.as_list_view::<i32>();
                let ranges = l.offsets().iter().zip(l.sizes().iter()).map(|(o, n)| (*o as usize, *n as usize));
                (ranges.collect(), l.values().clone())
            }
            DataType::LargeListView(_) => {
                let l = column.as_list_view::<i64>();
                let ranges = l.offsets().iter().zip(l.sizes().iter()).map(|(o, n)| (*o as usize, *n as usize));
                (ranges.collect(), l.values().clone())
            }
            _ => {
                let l = column.as_fixed_size_list();
                let n = l.value_length() as usize;
                ((0..l.len()).map(|i| ((l.offset() + i) * n, n)).collect(), l.values().clone())
            }
        };
        // A null row holds no values, whatever child range its offsets span.
        let valid = |row: usize| column.is_valid(row);
        let counts: Vec<u64> = (0..column.len()).map(|r| if valid(r) { ranges[r].1 as u64 } else { 0 }).collect();
        self.update_presence(column, weights, Some(&counts));
        let sketch =
            self.num_values_sketch.get_or_insert_with(|| KllSketch::with_epsilon(options.epsilon, seed ^ 0x5eed));
        let present: Vec<f64> = (0..column.len()).filter(|r| valid(*r)).map(|r| counts[r] as f64).collect();
        sketch.update_slice(&present);
        // The values of the present rows, in row order: one slice of the child
        // when they lie end to end (the common case), else gathered.
        let contiguous = (0..column.len())
            .filter(|&r| counts[r] > 0)
            .map(|r| ranges[r])
            .collect::<Vec<_>>()
            .windows(2)
            .all(|w| w[0].0 + w[0].1 == w[1].0);
        let values = match (0..column.len()).find(|&r| counts[r] > 0) {
            None => values.slice(0, 0),
            Some(first) if contiguous => values.slice(ranges[first].0, counts.iter().sum::<u64>() as usize),
            Some(_) => {
                let idx: UInt64Array = (0..column.len())
                    .filter(|&r| counts[r] > 0)
                    .flat_map(|r| (ranges[r].0..ranges[r].0 + ranges[r].1).map(|i| i as u64))
                    .collect();
                take(values.as_ref(), &idx, None)?
            }
        };
        // Every element of a list row carries the row's weight.
        let value_weights: Option<Vec<f64>> = weights
            .map(|w| (0..column.len()).flat_map(|row| std::iter::repeat_n(w[row], counts[row] as usize)).collect());
        self.update_values(&values, value_weights.as_deref(), options, seed, scratch)
    }

    /// [`Self::update`] for an INT column of category ids: the integers are
    /// counted as strings while the feature keeps type INT (TFDV's
    /// `is_categorical`). Real strings in the column still make it STRING.
    pub fn update_categorical(
        &mut self,
        column: &ArrayRef,
        weights: Option<&[f64]>,
        options: &StatsOptions,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Result<()> {
        if value_kind(column.data_type()) != ValueKind::Numeric(FeatureType::Int) {
            return self.update(column, weights, options, seed, scratch);
        }
        let before = self.feature_type;
        let text = cast(column, &DataType::Utf8)?;
        self.update(&text, weights, options, seed, scratch)?;
        if matches!(before, None | Some(FeatureType::Int)) {
            self.feature_type = Some(FeatureType::Int);
        }
        Ok(())
    }

    /// Presence and value counts; `counts` holds each row's value count (list
    /// columns), `None` one value per row.
    fn update_presence(&mut self, column: &ArrayRef, weights: Option<&[f64]>, counts: Option<&[u64]>) {
        // Logical nulls: a NullArray (an all-empty CSV batch) has no validity buffer.
        let nulls = column.logical_nulls();
        let null_count = nulls.as_ref().map_or(0, |n| n.null_count());
        let present = (column.len() - null_count) as u64;
        self.num_missing += null_count as u64;
        self.num_non_missing += present;
        if counts.is_none() && weights.is_none() {
            // One value per present row: what the loop below adds up, without a pass per row.
            if present > 0 {
                self.min_num_values = Some(self.min_num_values.map_or(1, |m| m.min(1)));
                self.max_num_values = self.max_num_values.max(1);
                self.tot_num_values += present;
            }
            return;
        }
        let count_of = |row: usize| counts.map_or(1, |c| c[row]);
        let mut weighted = weights.map(|_| self.weighted.take().unwrap_or_default());
        for row in 0..column.len() {
            let present = nulls.as_ref().is_none_or(|n| n.is_valid(row));
            if present {
                let n = count_of(row);
                self.min_num_values = Some(self.min_num_values.map_or(n, |m| m.min(n)));
                self.max_num_values = self.max_num_values.max(n);
                self.tot_num_values += n;
            }
            if let (Some(w), Some(state)) = (weights, weighted.as_mut()) {
                if present {
                    state.non_missing.add(w[row]);
                    state.tot_num_values.add(w[row] * count_of(row) as f64);
                } else {
                    state.missing.add(w[row]);
                }
            }
        }
        if weighted.is_some() {
            self.weighted = weighted;
        }
    }

    fn update_values(
        &mut self,
        values: &ArrayRef,
        weights: Option<&[f64]>,
        options: &StatsOptions,
        seed: u64,
        scratch: &mut Scratch,
    ) -> Result<()> {
        match value_kind(values.data_type()) {
            ValueKind::Numeric(t) => {
                self.widen(t);
                if let ValuesState::Text(_) = self.values {
                    // A string state exists: this partition typed the column as a
                    // string already; the numbers are re-read as strings in the rescan.
                    self.needs_string_rescan = true;
                    return Ok(());
                }
                let floats = numbers_as_f64(values)?;
                let floats: &Float64Array = floats.as_primitive();
                let state = match &mut self.values {
                    ValuesState::Numeric(s) => s,
                    other => {
                        *other = ValuesState::Numeric(NumericState::new(options.epsilon, seed));
                        let ValuesState::Numeric(s) = other else { unreachable!() };
                        s
                    }
                };
                state.update(floats, weights, &mut scratch.numeric);
            }
            ValueKind::Text => {
                if matches!(self.values, ValuesState::Numeric(_)) {
                    self.needs_string_rescan = true;
                    self.values = ValuesState::Empty;
                }
                self.feature_type = Some(FeatureType::String);
                if let ValuesState::Empty = self.values {
                    self.values = ValuesState::Text(StringState::new(options.distinct_cap));
                }
                let ValuesState::Text(state) = &mut self.values else { unreachable!() };
                super::text::add_text_values(state, values, weights)?;
            }
            ValueKind::Opaque(t) => {
                self.feature_type.get_or_insert(t);
            }
            ValueKind::Untyped => {}
        }
        Ok(())
    }

    fn widen(&mut self, t: FeatureType) {
        self.feature_type = Some(match (self.feature_type, t) {
            (Some(FeatureType::String), _) | (_, FeatureType::String) => FeatureType::String,
            (Some(FeatureType::Float), _) | (_, FeatureType::Float) => FeatureType::Float,
            _ => t,
        });
    }

    /// True when this column's numeric part must be re-read as strings.
    pub fn needs_string_rescan(&self) -> bool {
        self.needs_string_rescan
    }

    /// Builds the feature's `FeatureNameStatistics`.
    pub fn evaluate(&self, name: &str, options: &StatsOptions) -> FeatureNameStatistics {
        let common = self.common_stats(options);
        let mut out = FeatureNameStatistics {
            name: name.to_string(),
            feature_type: self.feature_type.unwrap_or(FeatureType::String),
            ..Default::default()
        };
        match &self.values {
            ValuesState::Numeric(s) => {
                let mut stats = s.evaluate(options.num_histogram_buckets, options.num_quantiles_histogram_buckets);
                stats.common_stats = common;
                out.num_stats = Some(stats);
                out.custom_stats.push(CustomStatistic::number("tabx_quantiles_rank_error", s.rank_error()));
                let how = match s.exact_distinct() {
                    Some(n) => format!("exact: {n} distinct values counted"),
                    None => format!(
                        "KLL sketch: more than {} distinct values, rank error {}",
                        tabx_core::ExactValues::MAX_DISTINCT,
                        s.rank_error()
                    ),
                };
                out.custom_stats.push(CustomStatistic::text("tabx_quantiles", &how));
                if stats_weighted(&out) {
                    out.custom_stats.push(CustomStatistic::text(
                        "tabx_weighted_median",
                        "not computed: weighted_numeric_stats.median holds the unweighted median",
                    ));
                }
            }
            ValuesState::Text(s) => {
                let mut stats = s.evaluate(options.num_top_values, options.num_rank_histogram_buckets);
                stats.common_stats = common;
                out.string_stats = Some(stats);
                if s.invalid_utf8_count() > 0 {
                    out.custom_stats.push(CustomStatistic::number("invalid_utf8_count", s.invalid_utf8_count() as f64));
                }
                if let Some((count_error, distinct_error)) = s.approximation() {
                    out.custom_stats
                        .push(CustomStatistic::number("tabx_top_values_max_count_error", count_error as f64));
                    out.custom_stats.push(CustomStatistic::number("tabx_unique_relative_error", distinct_error));
                }
            }
            ValuesState::Empty => {
                // No value at all (all missing, or a struct): presence only.
                match out.feature_type {
                    FeatureType::Int | FeatureType::Float => {
                        out.num_stats =
                            Some(crate::statistics::NumericStatistics { common_stats: common, ..Default::default() })
                    }
                    FeatureType::Struct => {
                        out.struct_stats = Some(crate::statistics::StructStatistics { common_stats: common })
                    }
                    _ => {
                        out.string_stats =
                            Some(crate::statistics::StringStatistics { common_stats: common, ..Default::default() })
                    }
                }
            }
        }
        out
    }

    fn common_stats(&self, options: &StatsOptions) -> CommonStatistics {
        let present = self.num_non_missing;
        let num_values_histogram = match &self.num_values_sketch {
            Some(sketch) if present > 0 => {
                Some(quantiles_histogram(sketch, present as f64, 0, options.num_values_histogram_buckets))
            }
            None if present > 0 => {
                Some(constant_quantiles_histogram(1.0, present as f64, options.num_values_histogram_buckets))
            }
            _ => None,
        };
        CommonStatistics {
            num_non_missing: present,
            num_missing: self.num_missing,
            min_num_values: self.min_num_values.unwrap_or(0),
            max_num_values: self.max_num_values,
            avg_num_values: if present == 0 { 0.0 } else { self.tot_num_values as f64 / present as f64 },
            tot_num_values: self.tot_num_values,
            num_values_histogram,
            weighted_common_stats: self.weighted.as_ref().map(|w| {
                let non_missing = w.non_missing.value();
                let tot = w.tot_num_values.value();
                WeightedCommonStatistics {
                    num_non_missing: non_missing,
                    num_missing: w.missing.value(),
                    avg_num_values: if non_missing == 0.0 { 0.0 } else { tot / non_missing },
                    tot_num_values: tot,
                }
            }),
        }
    }
}

fn stats_weighted(f: &FeatureNameStatistics) -> bool {
    f.num_stats.as_ref().is_some_and(|n| n.weighted_numeric_stats.is_some())
}

impl Mergeable for FeatureState {
    fn merge(&mut self, other: &Self) {
        if let Some(t) = other.feature_type {
            self.widen(t);
        }
        self.num_non_missing += other.num_non_missing;
        self.num_missing += other.num_missing;
        self.min_num_values = match (self.min_num_values, other.min_num_values) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.max_num_values = self.max_num_values.max(other.max_num_values);
        self.tot_num_values += other.tot_num_values;
        merge_option(&mut self.num_values_sketch, &other.num_values_sketch, |a, b| a.merge(b));
        merge_option(&mut self.weighted, &other.weighted, |a, b| {
            a.non_missing.merge(&b.non_missing);
            a.missing.merge(&b.missing);
            a.tot_num_values.merge(&b.tot_num_values);
        });
        self.needs_string_rescan |= other.needs_string_rescan;
        self.values = match (std::mem::take(&mut self.values), &other.values) {
            (ValuesState::Numeric(mut a), ValuesState::Numeric(b)) => {
                a.merge(b);
                ValuesState::Numeric(a)
            }
            (ValuesState::Text(mut a), ValuesState::Text(b)) => {
                a.merge(b);
                ValuesState::Text(a)
            }
            (ValuesState::Empty, b) => b.clone(),
            (a, ValuesState::Empty) => a,
            // One partition saw strings, another only numbers: the column is a
            // string column whose numeric part must be read again.
            (ValuesState::Text(a), ValuesState::Numeric(_)) => {
                self.needs_string_rescan = true;
                ValuesState::Text(a)
            }
            (ValuesState::Numeric(_), ValuesState::Text(b)) => {
                self.needs_string_rescan = true;
                ValuesState::Text(b.clone())
            }
        };
    }
}

fn merge_option<T: Clone>(a: &mut Option<T>, b: &Option<T>, merge: impl Fn(&mut T, &T)) {
    match (a.as_mut(), b) {
        (Some(x), Some(y)) => merge(x, y),
        (None, Some(y)) => *a = Some(y.clone()),
        _ => {}
    }
}

impl FeatureState {
    /// Counts `rows` examples in which this feature is absent altogether (a batch
    /// or shard without the column), with their total weight when weighted.
    pub fn add_missing(&mut self, rows: u64, weight: Option<f64>) {
        self.num_missing += rows;
        if let Some(w) = weight {
            self.weighted.get_or_insert_with(WeightedPresence::default).missing.add(w);
        }
    }
}
