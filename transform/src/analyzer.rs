//! The analyzers of the fit pass: plain mergeable states, one per need of an op
//! (TFT's `tft.mean`/`tft.var`, `tft.min`/`tft.max`, `tft.quantiles`, and a
//! most-frequent count for `fill_missing`, and exact token counts for
//! `tft.vocabulary`).
//!
//! ```text
//!  shard 0: batches ─update─▶ AnalyzerState ─┐
//!  shard N: batches ─update─▶ AnalyzerState ─┴─merge─▶ finished state ─▶ op.fit ─▶ fitted values
//! ```
//!
//! Exact where cheap: counts, min and max, and the mean and variance, which
//! come from exact sums of x and x² ([`ExactSum`]; the square's rounding error
//! is added too, Dekker's two-product) combined in double-double arithmetic, as
//! `tabx_schema`'s numeric statistics do: the same bits however the rows were
//! split. Quantiles come from a seeded KLL sketch (rank error ε), and the most
//! frequent value from [`FrequentItems`] (exact up to 100 000 distinct values).
//! Every state ignores nulls; NaN is left out of moments, extremes and
//! quantiles (TFT's `_SCALE_TO_Z_SCORE_NAN_TEST_CASES`: NaNs do not move the
//! mean or variance).

use arrow::array::{Array, ArrayRef, AsArray, Float64Array};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use serde::{Deserialize, Serialize};
use tabx_core::{ExactSum, FrequentItems, KllSketch, Mergeable, Result, SumBuffers, TabxError};

use crate::backend::{Backend, CpuBackend};
use crate::kernels::VocabularyState;

/// Count, Σx and Σx² (exactly) of the non-NaN values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MomentsState {
    count: u64,
    sum: ExactSum,
    sum_sq: ExactSum,
}

impl MomentsState {
    /// Adds the non-NaN values of `values` (non-null ones: see
    /// [`Self::update_array`]), batch-wise ([`tabx_core::add_sums`]).
    pub fn update(&mut self, values: &[f64], buffers: &mut SumBuffers) {
        if values.iter().any(|x| x.is_nan()) {
            let numbers: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
            return self.update(&numbers, buffers);
        }
        self.count += values.len() as u64;
        tabx_core::add_sums(&mut self.sum, &mut self.sum_sq, values, buffers);
    }

    /// Adds the non-null, non-NaN values of `x`.
    pub fn update_array(&mut self, x: &Float64Array) {
        let mut buffers = SumBuffers::default();
        match x.nulls().filter(|n| n.null_count() > 0) {
            None => self.update(x.values(), &mut buffers),
            Some(nulls) => {
                let values: Vec<f64> = nulls.valid_indices().map(|i| x.value(i)).collect();
                self.update(&values, &mut buffers);
            }
        }
    }

    /// A state from its parts (a GPU backend's batch, `backend/cuda`).
    #[cfg(feature = "cuda")]
    pub(crate) fn from_parts(count: u64, sum: ExactSum, sum_sq: ExactSum) -> Self {
        Self { count, sum, sum_sq }
    }

    /// Values counted.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Mean and population (biased, ddof 0) variance, as TFT's `tft.var`;
    /// `(0, 0)` for no values.
    pub fn mean_var(&self) -> (f64, f64) {
        tabx_core::mean_variance(self.count as f64, &self.sum, &self.sum_sq)
    }
}

impl Mergeable for MomentsState {
    fn merge(&mut self, other: &Self) {
        self.count += other.count;
        self.sum.merge(&other.sum);
        self.sum_sq.merge(&other.sum_sq);
    }
}

/// Exact minimum and maximum of the non-NaN values (TFT's `tft.min`/`tft.max`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MinMaxState {
    min: Option<f64>,
    max: Option<f64>,
}

impl MinMaxState {
    /// Adds the non-NaN values.
    pub fn update(&mut self, values: impl IntoIterator<Item = f64>) {
        for x in values.into_iter().filter(|x| !x.is_nan()) {
            self.min = Some(self.min.map_or(x, |m| m.min(x)));
            self.max = Some(self.max.map_or(x, |m| m.max(x)));
        }
    }

    /// `(min, max)`, `None` before any value.
    pub fn min_max(&self) -> Option<(f64, f64)> {
        Some((self.min?, self.max?))
    }
}

impl Mergeable for MinMaxState {
    fn merge(&mut self, other: &Self) {
        let mut both = [self.min, other.min, self.max, other.max].into_iter().flatten();
        let (Some(first), rest) = (both.next(), both) else { return };
        let (lo, hi) = rest.fold((first, first), |(lo, hi), x| (lo.min(x), hi.max(x)));
        (self.min, self.max) = (Some(lo), Some(hi));
    }
}

/// A KLL quantile sketch (Karnin, Lang, Liberty 2016) of the non-NaN values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantilesState {
    sketch: KllSketch,
}

impl QuantilesState {
    /// An empty state of rank error `epsilon` (seeded: reproducible).
    pub fn with_epsilon(epsilon: f64) -> Self {
        Self { sketch: KllSketch::with_epsilon(epsilon, 0) }
    }

    /// Adds the values (the sketch skips NaN), sorted and compacted as one
    /// run (`KllSketch::update_batch`, as the statistics' numeric state does).
    pub fn update(&mut self, mut values: Vec<f64>) {
        self.sketch.update_batch(&mut values);
    }

    /// The sketch.
    pub fn sketch(&self) -> &KllSketch {
        &self.sketch
    }

    /// Draws the sketch's coins from `seed` (one per partition and output).
    pub fn reseed(&mut self, seed: u64) {
        self.sketch.reseed(seed);
    }
}

impl Mergeable for QuantilesState {
    fn merge(&mut self, other: &Self) {
        self.sketch.merge(&other.sketch);
    }
}

/// Counts per distinct value (numbers keyed by their f64 bits, strings by their bytes).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FrequentState {
    items: FrequentItems,
}

const NUMBER: u8 = b'n';
const STRING: u8 = b's';

impl FrequentState {
    /// Counts the non-null values of an Int64, Float64 or Utf8 column (NaN is not counted).
    pub fn update(&mut self, column: &ArrayRef) -> Result<()> {
        let mut key = Vec::new();
        let mut number = |items: &mut FrequentItems, x: f64| {
            if !x.is_nan() {
                key.clear();
                key.push(NUMBER);
                // -0.0 and 0.0 are one value.
                key.extend_from_slice(&(x + 0.0).to_bits().to_be_bytes());
                items.add(&key, 1.0);
            }
        };
        match column.data_type() {
            DataType::Null => {}
            DataType::Int64 => column.as_primitive::<Int64Type>().iter().flatten().for_each(|x| {
                number(&mut self.items, x as f64);
            }),
            DataType::Float64 => {
                column.as_primitive::<Float64Type>().iter().flatten().for_each(|x| number(&mut self.items, x))
            }
            DataType::Utf8 => {
                let mut key = Vec::new();
                for s in column.as_string::<i32>().iter().flatten() {
                    key.clear();
                    key.push(STRING);
                    key.extend_from_slice(s.as_bytes());
                    self.items.add(&key, 1.0);
                }
            }
            other => return Err(TabxError::Internal(format!("most-frequent count of a {other} column"))),
        }
        Ok(())
    }

    /// The most frequent value and its count; ties go to the smallest value
    /// (scikit-learn's `SimpleImputer(strategy="most_frequent")`).
    pub fn most_frequent(&self) -> Option<(FrequentValue, u64)> {
        let decode = |key: &[u8]| match key.split_first() {
            Some((&NUMBER, bits)) => {
                Some(FrequentValue::Number(f64::from_bits(u64::from_be_bytes(bits.try_into().ok()?))))
            }
            Some((&STRING, bytes)) => Some(FrequentValue::Text(String::from_utf8_lossy(bytes).into_owned())),
            _ => None,
        };
        let mut best: Option<(FrequentValue, u64)> = None;
        for (key, count, _) in self.items.iter() {
            let Some(value) = decode(key) else { continue };
            let better = match &best {
                None => true,
                Some((b, c)) => count > *c || (count == *c && value.less_than(b)),
            };
            if better {
                best = Some((value, count));
            }
        }
        best
    }
}

impl Mergeable for FrequentState {
    fn merge(&mut self, other: &Self) {
        self.items.merge(&other.items);
    }
}

/// A value counted by [`FrequentState`].
#[derive(Debug, Clone, PartialEq)]
pub enum FrequentValue {
    Number(f64),
    Text(String),
}

impl FrequentValue {
    /// Numbers before strings, numbers by value, strings by bytes.
    fn less_than(&self, other: &Self) -> bool {
        match (self, other) {
            (Self::Number(a), Self::Number(b)) => a < b,
            (Self::Number(_), Self::Text(_)) => true,
            (Self::Text(_), Self::Number(_)) => false,
            (Self::Text(a), Self::Text(b)) => a < b,
        }
    }
}

/// One analyzer's state, as a fit pass carries it (and writes it into `*.partial` files).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AnalyzerState {
    /// Boxed: the two exact sums make it ten times the size of the others.
    Moments(Box<MomentsState>),
    MinMax(MinMaxState),
    Quantiles(QuantilesState),
    Frequent(FrequentState),
    /// Exact token counts for `compute_and_apply_vocabulary`.
    Vocabulary(VocabularyState),
}

impl AnalyzerState {
    /// Folds one input column in: Float64 for the numeric states (the fit pass
    /// casts), the column's own type for [`FrequentState`].
    pub fn update(&mut self, column: &ArrayRef) -> Result<()> {
        self.update_on(column, &CpuBackend)
    }

    /// [`Self::update`] with the moments, min/max and vocabulary counts on `backend`.
    pub fn update_on(&mut self, column: &ArrayRef, backend: &dyn Backend) -> Result<()> {
        let array = || {
            column
                .as_primitive_opt::<Float64Type>()
                .ok_or_else(|| TabxError::Internal(format!("numeric analyzer given a {} column", column.data_type())))
        };
        match self {
            Self::Moments(s) => backend.update_moments(s, array()?)?,
            Self::MinMax(s) => backend.update_min_max(s, array()?)?,
            Self::Quantiles(s) => {
                let a = array()?;
                s.update(if a.null_count() == 0 { a.values().to_vec() } else { a.iter().flatten().collect() })
            }
            Self::Frequent(s) => s.update(column)?,
            // An all-null column (typed Null) has no tokens.
            Self::Vocabulary(_) if column.data_type() == &DataType::Null => {}
            Self::Vocabulary(s) => backend.update_vocabulary(s, column.as_ref())?,
        }
        Ok(())
    }

    /// Merges a state of the same kind; another kind means the partials came from different specs.
    pub fn merge(&mut self, other: &Self) -> Result<()> {
        match (self, other) {
            (Self::Moments(a), Self::Moments(b)) => a.merge(b),
            (Self::MinMax(a), Self::MinMax(b)) => a.merge(b),
            (Self::Quantiles(a), Self::Quantiles(b)) => a.merge(b),
            (Self::Frequent(a), Self::Frequent(b)) => a.merge(b),
            (Self::Vocabulary(a), Self::Vocabulary(b)) => a.merge(b),
            _ => return Err(TabxError::config("cannot merge analyzer states of different kinds")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Float64Array, StringArray};
    use tabx_core::testing::{assert_eq_state, check_merge_laws};

    use super::*;

    const VALUES: [f64; 9] = [1.0, -3.5, f64::NAN, 1e16, 1.0, -1e16, 0.25, f64::INFINITY, 7.0];

    fn finite_values() -> Vec<f64> {
        (0..3000).map(|i| ((i * 7919) % 1000) as f64 / 8.0 - 40.0).collect()
    }

    #[test]
    fn moments_match_numpy() {
        // numpy: x = [1, 2, 3, 4, 10]; x.mean() = 4.0, x.var() = 10.0 (ddof 0).
        let mut s = MomentsState::default();
        s.update(&[1.0, 2.0, 3.0, 4.0, 10.0, f64::NAN], &mut SumBuffers::default());
        assert_eq!(s.mean_var(), (4.0, 10.0));
        assert_eq!(s.count(), 5);
        assert_eq!(MomentsState::default().mean_var(), (0.0, 0.0));
    }

    #[test]
    fn variance_keeps_its_digits_when_the_mean_dwarfs_the_spread() {
        // Census tracts: mean ~1.7e10, spread of a few units. numpy (float128
        // not needed: exact): x = 17031081800 + [0, 1, 2, 3]; x.var() = 1.25.
        let mut s = MomentsState::default();
        s.update(&[0.0, 1.0, 2.0, 3.0].map(|d| 17_031_081_800.0 + d), &mut SumBuffers::default());
        assert_eq!(s.mean_var(), (17_031_081_801.5, 1.25));
    }

    #[test]
    fn merge_laws() {
        let finite = finite_values();
        check_merge_laws(
            &VALUES,
            |s: &mut MomentsState, b: &[f64]| s.update(b, &mut SumBuffers::default()),
            assert_eq_state,
        );
        check_merge_laws(
            &finite,
            |s: &mut MomentsState, b: &[f64]| s.update(b, &mut SumBuffers::default()),
            |g, w, how| assert_eq!(g.mean_var(), w.mean_var(), "{how}"),
        );
        check_merge_laws(&VALUES, |s: &mut MinMaxState, b: &[f64]| s.update(b.iter().copied()), assert_eq_state);
        check_merge_laws(&[f64::NAN], |s: &mut MinMaxState, b: &[f64]| s.update(b.iter().copied()), assert_eq_state);
        // The sketch is exact below k values; past it, within its rank error.
        check_merge_laws(
            &VALUES,
            |s: &mut QuantilesState, b: &[f64]| s.update(b.to_vec()),
            |g, w, how| {
                assert_eq!(g.sketch().quantiles(&[0.25, 0.5, 0.75]), w.sketch().quantiles(&[0.25, 0.5, 0.75]), "{how}")
            },
        );
        check_merge_laws(
            &finite,
            |s: &mut QuantilesState, b: &[f64]| s.update(b.to_vec()),
            |g, w, how| {
                let (g, w) = (g.sketch(), w.sketch());
                assert_eq!(g.count(), w.count(), "{how}");
                for q in [0.1, 0.5, 0.9] {
                    let rank = w.rank(g.quantile(q).unwrap());
                    assert!((rank - q).abs() <= 2.0 * w.normalized_rank_error(), "{how}: q={q} rank={rank}");
                }
            },
        );
        let strings: Vec<&str> = ["a", "b", "", "a", "c", "b", "a"].into();
        check_merge_laws(
            &strings,
            |s: &mut FrequentState, b: &[&str]| {
                s.update(&(Arc::new(StringArray::from(b.to_vec())) as ArrayRef)).unwrap()
            },
            |g, w, how| assert_eq!(g.most_frequent(), w.most_frequent(), "{how}"),
        );
        check_merge_laws(
            &VALUES,
            |s: &mut FrequentState, b: &[f64]| {
                s.update(&(Arc::new(Float64Array::from(b.to_vec())) as ArrayRef)).unwrap()
            },
            |g, w, how| assert_eq!(g.most_frequent(), w.most_frequent(), "{how}"),
        );
    }

    #[test]
    fn most_frequent_ties_go_to_the_smallest_value() {
        // scikit-learn: SimpleImputer(strategy="most_frequent") on [3, 1, 3, 1, 2] fills 1.
        let mut s = FrequentState::default();
        s.update(&(Arc::new(Float64Array::from(vec![3.0, 1.0, 3.0, 1.0, 2.0])) as ArrayRef)).unwrap();
        assert_eq!(s.most_frequent(), Some((FrequentValue::Number(1.0), 2)));
        let mut s = FrequentState::default();
        s.update(&(Arc::new(StringArray::from(vec![Some("b"), None, Some("a"), Some("b"), Some("a")])) as ArrayRef))
            .unwrap();
        assert_eq!(s.most_frequent(), Some((FrequentValue::Text("a".into()), 2)));
    }
}
