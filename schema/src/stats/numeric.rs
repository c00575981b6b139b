//! Numeric statistics of one feature: mean, std_dev, zeros, min, median, max,
//! NaN count, STANDARD and QUANTILES histograms, and their weighted forms.
//!
//! Counts, min, max and zeros are exact. Mean and std_dev come from exact sums of
//! x and x² ([`ExactSum`]), so they are bit-identical however the rows were split
//! across threads or pods; a Welford merge would depend on the merge order.
//! Median and histograms are exact while the column has at most
//! `ExactValues::MAX_DISTINCT` distinct values (counted per value), else they
//! come from a seeded KLL sketch (Karnin, Lang, Liberty 2016) whose rank error
//! is written into the artifact. Which one is a function of the data, not of
//! how it was split.
//!
//! The sketch is built only when a column leaves the cap, from the counts it
//! had then (every value, as often as counted), and is fed from there on:
//! while the counts answer every quantile, updating a sketch nobody reads
//! cost a fifth of a Parquet statistics pass (benches/RESULTS.md, 2026-12-05
//! profile). A state is *lazy* (counts, empty sketch) or *sketched* (a sketch
//! of every value, no counts).
//!
//! A lazy state does not sum its values either: Σx and Σx² are the sums of
//! its counts (each distinct value times its count, [`ExactSum::add_multiple`]),
//! taken when asked or when the state leaves the cap. The same exact sums for
//! a few thousand products instead of three superaccumulator adds per value.

use arrow::array::{Array, Float64Array};
use serde::{Deserialize, Serialize};

use tabx_core::{ExactSum, ExactValues, KllSketch, Mergeable, Quantiles, SumBuffers, add_squares, add_sums};

use super::batch_counts::BatchCounts;
use super::histogram::{quantiles_histogram, standard_histogram, tfdv_quantiles};
use crate::statistics::{NumericStatistics, WeightedNumericStatistics};

/// Values per slice handed to the sketch when it is built from the counts.
const SKETCH_CHUNK: usize = 8192;

/// Buffers reused across batches by [`NumericState::update`], so the hot loop
/// allocates little: the batch's non-null, non-NaN values and the squares of
/// the sums.
#[derive(Debug, Default)]
pub struct NumericBuffers {
    values: Vec<f64>,
    sums: SumBuffers,
}

/// Weighted sums for `weighted_numeric_stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WeightedMoments {
    sum_w: ExactSum,
    sum_wx: ExactSum,
    sum_wx2: ExactSum,
}

/// Mergeable state of a numeric feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericState {
    /// Values that are not NaN (±inf included).
    count: u64,
    num_nan: u64,
    num_zeros: u64,
    num_pos_inf: u64,
    num_neg_inf: u64,
    /// `None` until a non-NaN value arrives.
    min: Option<f64>,
    max: Option<f64>,
    /// Σx and Σx² of the values the counts do not hold (none while lazy).
    sum: ExactSum,
    sum_sq: ExactSum,
    /// Every value, once past the cap; empty (with its parameters) before.
    sketch: KllSketch,
    /// Counts per distinct value; `None` once past `ExactValues::MAX_DISTINCT`.
    exact: Option<ExactValues>,
    weighted: Option<WeightedMoments>,
}

impl Default for NumericState {
    fn default() -> Self {
        Self::new(0.01, 0)
    }
}

impl NumericState {
    /// An empty state whose sketch has rank error `epsilon` and seed `seed`.
    pub fn new(epsilon: f64, seed: u64) -> Self {
        Self {
            count: 0,
            num_nan: 0,
            num_zeros: 0,
            num_pos_inf: 0,
            num_neg_inf: 0,
            min: None,
            max: None,
            sum: ExactSum::default(),
            sum_sq: ExactSum::default(),
            sketch: KllSketch::with_epsilon(epsilon, seed),
            exact: Some(ExactValues::default()),
            weighted: None,
        }
    }

    /// Adds every non-null value of `values`; `weights[i]` weighs value `i`.
    pub fn update(&mut self, values: &Float64Array, weights: Option<&[f64]>, buffers: &mut NumericBuffers) {
        let NumericBuffers { values: scratch, sums } = buffers;
        scratch.clear();
        match (weights, values.nulls().filter(|n| n.null_count() > 0)) {
            (None, None) => {
                scratch.extend_from_slice(values.values());
                self.count_plain(scratch);
            }
            // The non-null values gathered first (most taxi columns have
            // nulls): the counts are then the vectorised pass, not a branch per value.
            (None, Some(nulls)) => {
                scratch.extend(nulls.valid_indices().map(|i| values.value(i)));
                self.count_plain(scratch);
            }
            (Some(_), _) => self.count_each(values, weights, scratch),
        }
        self.count += scratch.len() as u64;
        if self.is_lazy() {
            // Counting needs no order, and the sums come from the counts.
            if !self.exact.as_mut().expect("lazy").add(scratch) {
                self.leave_the_cap();
            }
            return;
        }
        // The sums do not depend on the order; the sketch sorts the batch
        // and compacts it whole (`KllSketch::update_batch`).
        add_sums(&mut self.sum, &mut self.sum_sq, scratch, sums);
        self.sketch.update_batch(scratch);
    }

    /// Counts the values of a batch without nulls or weights, in one pass
    /// the compiler vectorises ([`BatchCounts`]), and drops its NaNs from
    /// `xs`: the same counts, min and max as [`count_each`](Self::count_each).
    fn count_plain(&mut self, xs: &mut Vec<f64>) {
        let counts = BatchCounts::of(xs);
        self.num_nan += counts.nan;
        self.num_zeros += counts.zero;
        self.num_pos_inf += counts.pos_inf;
        self.num_neg_inf += counts.neg_inf;
        if let Some((lo, hi)) = counts.min_max(xs) {
            if self.min.is_none_or(|m| lo.total_cmp(&m).is_lt()) {
                self.min = Some(lo);
            }
            if self.max.is_none_or(|m| hi.total_cmp(&m).is_gt()) {
                self.max = Some(hi);
            }
        }
        if counts.nan > 0 {
            xs.retain(|x| !x.is_nan());
        }
    }

    /// Counts a batch value by value (nulls skipped, weights summed), leaving
    /// its non-NaN values in `scratch`.
    fn count_each(&mut self, values: &Float64Array, weights: Option<&[f64]>, scratch: &mut Vec<f64>) {
        let (mut min, mut max) = (self.min, self.max);
        for (i, x) in values.iter().enumerate() {
            let Some(x) = x else { continue };
            if x.is_nan() {
                self.num_nan += 1;
                continue;
            }
            if x == 0.0 {
                self.num_zeros += 1;
            } else if x == f64::INFINITY {
                self.num_pos_inf += 1;
            } else if x == f64::NEG_INFINITY {
                self.num_neg_inf += 1;
            }
            // total_cmp orders -0.0 below 0.0, so min/max do not depend on the order of arrival.
            if min.is_none_or(|m| x.total_cmp(&m).is_lt()) {
                min = Some(x);
            }
            if max.is_none_or(|m| x.total_cmp(&m).is_gt()) {
                max = Some(x);
            }
            scratch.push(x);
            if let Some(w) = weights {
                let moments = self.weighted.get_or_insert_with(WeightedMoments::default);
                let w = w[i];
                moments.sum_w.add(w);
                moments.sum_wx.add(w * x);
                moments.sum_wx2.add(w * x * x);
            }
        }
        self.min = min;
        self.max = max;
    }

    /// Whether the sketch is still to be built (the counts hold every value).
    fn is_lazy(&self) -> bool {
        self.exact.is_some() && self.sketch.is_empty()
    }

    /// The sketch of every value: this state's, or built from its counts.
    fn full_sketch(&self) -> std::borrow::Cow<'_, KllSketch> {
        match &self.exact {
            Some(exact) if self.sketch.is_empty() => {
                let mut sketch = self.sketch.clone();
                exact.values(SKETCH_CHUNK, |run| sketch.update_sorted(run));
                std::borrow::Cow::Owned(sketch)
            }
            _ => std::borrow::Cow::Borrowed(&self.sketch),
        }
    }

    /// Σx and Σx² of every value: the state's sums, plus those of its counts
    /// while lazy, each value's square taken as [`update`](Self::update)
    /// takes it ([`add_squares`]: fl(x²) and, when finite, its rounding error).
    fn sums(&self) -> (ExactSum, ExactSum) {
        let (mut sum, mut sum_sq) = (self.sum.clone(), self.sum_sq.clone());
        if let Some(exact) = self.exact.as_ref().filter(|_| self.is_lazy()) {
            for (x, n) in exact.counts() {
                sum.add_multiple(x, n);
                add_squares(&mut sum_sq, x, n);
            }
        }
        (sum, sum_sq)
    }

    /// The column has more distinct values than the counts may hold, or
    /// merges with one that had: the sums and the sketch take every value
    /// counted so far, and the counts go.
    fn leave_the_cap(&mut self) {
        (self.sum, self.sum_sq) = self.sums();
        self.sketch = self.full_sketch().into_owned();
        self.exact = None;
    }

    /// What the median and histograms are read from: the exact counts while
    /// they last, else the sketch.
    fn quantiles(&self) -> &dyn Quantiles {
        // Counts beside a sketch (no state of this format holds both) would be
        // stale: the sketch answers.
        match &self.exact {
            Some(exact) if self.is_lazy() => exact,
            _ => &self.sketch,
        }
    }

    /// The normalised rank error of the median and histograms (0 when exact).
    pub fn rank_error(&self) -> f64 {
        self.quantiles().rank_error()
    }

    /// Distinct values, when the median and histograms are exact.
    pub fn exact_distinct(&self) -> Option<usize> {
        self.exact.as_ref().filter(|_| self.is_lazy()).map(ExactValues::distinct)
    }

    /// Builds `NumericStatistics` (without `common_stats`, which the caller fills).
    pub fn evaluate(&self, num_buckets: usize, num_quantile_buckets: usize) -> NumericStatistics {
        let n = self.count as f64;
        let (sum, sum_sq) = self.sums();
        let (mean, std_dev) = moments(self.count as f64, &sum, &sum_sq);
        let mut stats = NumericStatistics {
            mean,
            std_dev,
            num_zeros: self.num_zeros,
            min: self.min.unwrap_or(0.0),
            max: self.max.unwrap_or(0.0),
            median: tfdv_quantiles(self.quantiles(), &[0.5])[0],
            ..Default::default()
        };
        if self.count > 0 || self.num_nan > 0 {
            let infinities = (self.num_neg_inf, self.num_pos_inf);
            stats.histograms = vec![
                standard_histogram(self.quantiles(), n, infinities, self.num_nan, num_buckets),
                quantiles_histogram(self.quantiles(), n, self.num_nan, num_quantile_buckets),
            ];
        }
        if let Some(w) = &self.weighted {
            let (mean, std_dev) = moments(w.sum_w.value(), &w.sum_wx, &w.sum_wx2);
            stats.weighted_numeric_stats = Some(WeightedNumericStatistics {
                mean,
                std_dev,
                // A weighted quantile sketch is not implemented yet: TFDV readers see
                // the unweighted median here, and the artifact says so in custom_stats.
                median: stats.median,
                histograms: Vec::new(),
            });
        }
        stats
    }
}

/// Population mean and standard deviation (TFDV: ddof 0) from exact sums.
///
/// The variance is (n·Σx² − (Σx)²) / n², evaluated in double-double arithmetic
/// (Dekker 1971) from the exact sums: E[x²] − E[x]² in plain f64 loses up to half
/// the digits when the mean dwarfs the spread (census tracts: mean 1.7e10, std 3e5).
/// Being a function of exact sums, the result has the same bits however the data
/// was partitioned.
fn moments(n: f64, sum: &ExactSum, sum_sq: &ExactSum) -> (f64, f64) {
    let (mean, variance) = tabx_core::mean_variance(n, sum, sum_sq);
    (mean, variance.sqrt())
}

impl Mergeable for NumericState {
    fn merge(&mut self, other: &Self) {
        self.count += other.count;
        self.num_nan += other.num_nan;
        self.num_zeros += other.num_zeros;
        self.num_pos_inf += other.num_pos_inf;
        self.num_neg_inf += other.num_neg_inf;
        self.min = match (self.min, other.min) {
            (Some(a), Some(b)) => Some(if b.total_cmp(&a).is_lt() { b } else { a }),
            (a, b) => a.or(b),
        };
        self.max = match (self.max, other.max) {
            (Some(a), Some(b)) => Some(if b.total_cmp(&a).is_gt() { b } else { a }),
            (a, b) => a.or(b),
        };
        if self.is_lazy() && other.is_lazy() {
            self.sum.merge(&other.sum);
            self.sum_sq.merge(&other.sum_sq);
            let exact = self.exact.as_mut().expect("lazy");
            if !exact.merge(other.exact.as_ref().expect("lazy")) {
                self.leave_the_cap();
            }
        } else {
            // A sketch on either side: both sides' sums and sketches of every value, merged.
            if self.is_lazy() {
                self.leave_the_cap();
            }
            let (sum, sum_sq) = other.sums();
            self.sum.merge(&sum);
            self.sum_sq.merge(&sum_sq);
            self.sketch.merge(&other.full_sketch());
            self.exact = None;
        }
        match (&mut self.weighted, &other.weighted) {
            (Some(a), Some(b)) => {
                a.sum_w.merge(&b.sum_w);
                a.sum_wx.merge(&b.sum_wx);
                a.sum_wx2.merge(&b.sum_wx2);
            }
            (None, Some(b)) => self.weighted = Some(b.clone()),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_core::testing::check_merge_laws;
    use tabx_core::{from_total_order_key, total_order_key};

    use crate::statistics::HistogramType;

    fn update(state: &mut NumericState, xs: &[Option<f64>]) {
        state.update(&Float64Array::from(xs.to_vec()), None, &mut NumericBuffers::default());
    }

    #[test]
    fn min_and_max_in_total_order() {
        // -0.0 sorts below 0.0 (total_cmp), ±inf are values, NaN is not.
        let mut s = NumericState::default();
        update(&mut s, &[Some(0.0), Some(-0.0), Some(f64::NAN), Some(2.5)]);
        assert_eq!((s.min.map(f64::to_bits), s.max), (Some((-0.0f64).to_bits()), Some(2.5)));
        update(&mut s, &[Some(f64::NEG_INFINITY), Some(f64::INFINITY), Some(-3.0)]);
        assert_eq!((s.min, s.max), (Some(f64::NEG_INFINITY), Some(f64::INFINITY)));
        let mut nan_only = NumericState::default();
        update(&mut nan_only, &[Some(f64::NAN)]);
        assert_eq!((nan_only.min, nan_only.max), (None, None));
        for x in [-1e300, -1.5, -0.0, 0.0, 5e-324, 7.0, f64::MAX] {
            assert_eq!(from_total_order_key(total_order_key(x)).to_bits(), x.to_bits());
        }
    }

    /// Integer batches take the i128 path, others the superaccumulator; both
    /// must hold the same exact Σx and Σx² (x² as Dekker's two doubles).
    #[test]
    fn integer_batches_sum_as_the_doubles_do() {
        let big = (1i64 << 53) as f64 - 1.0;
        let ints = [3.0, -7.0, 0.0, -0.0, big, -big, 1e15, 42.0];
        let mixed = [3.0, 0.5, -7.0];
        for xs in [&ints[..], &mixed[..]] {
            let mut s = NumericState::default();
            update(&mut s, &xs.iter().map(|&x| Some(x)).collect::<Vec<_>>());
            let (mut sum, mut sum_sq) = (ExactSum::default(), ExactSum::default());
            for &x in xs {
                sum.add(x);
                let p = x * x;
                sum_sq.add(p);
                sum_sq.add(x.mul_add(x, -p));
            }
            assert_eq!(s.sums(), (sum, sum_sq), "{xs:?}");
        }
    }

    #[test]
    fn matches_numpy_on_a_small_column() {
        // numpy 2: x = np.array([1, 2, 3, 4, 100, 0, 0.]); x.mean() = 15.714285714285714,
        // x.std() (ddof=0) = 34.43716549524567, np.median(x) = 2.0
        let mut s = NumericState::default();
        let xs = [1.0, 2.0, 3.0, 4.0, 100.0, 0.0, 0.0];
        update(&mut s, &xs.iter().map(|x| Some(*x)).collect::<Vec<_>>());
        let out = s.evaluate(10, 10);
        assert_eq!(out.mean, 15.714285714285714);
        assert!((out.std_dev - 34.43716549524567).abs() < 1e-12, "{}", out.std_dev);
        assert_eq!((out.min, out.max, out.num_zeros, out.median), (0.0, 100.0, 2, 2.0));
    }

    #[test]
    fn nan_is_counted_apart_and_inf_stays_in_min_max() {
        // REFERENCE.md: NaN excluded from mean/std/min/max, counted in histogram.num_nan.
        let mut s = NumericState::default();
        update(&mut s, &[Some(f64::NAN), Some(1.0), None, Some(f64::INFINITY), Some(3.0)]);
        let out = s.evaluate(10, 10);
        assert_eq!(out.min, 1.0);
        assert_eq!(out.max, f64::INFINITY);
        assert_eq!(out.mean, f64::INFINITY);
        assert!(out.std_dev.is_nan(), "numpy: np.std([1, inf, 3]) is nan");
        assert!(out.histograms.iter().all(|h| h.num_nan == 1));
    }

    #[test]
    fn variance_keeps_its_digits_when_the_mean_dwarfs_the_spread() {
        // numpy: x = 17031010100 + np.arange(1000) * 977.0; x.std() = 282035.4654812937
        let mut s = NumericState::default();
        let xs: Vec<Option<f64>> = (0..1000).map(|i| Some(17031010100.0 + i as f64 * 977.0)).collect();
        update(&mut s, &xs);
        let out = s.evaluate(10, 10);
        assert!((out.std_dev - 282035.4654812937).abs() / 282035.4654812937 < 1e-14, "{}", out.std_dev);
    }

    #[test]
    fn huge_values_keep_their_std_dev_and_histogram_edges() {
        // numpy: np.std([1.2e154, -1e153]) == 6.5e153 (n·Σx² overflows f64; it once gave 0).
        let mut s = NumericState::default();
        update(&mut s, &[Some(1.2e154), Some(-1e153)]);
        let out = s.evaluate(10, 10);
        assert!((out.std_dev - 6.5e153).abs() <= 1e-15 * 6.5e153, "{}", out.std_dev);
        // max − min = 3.4e308 overflows: the STANDARD buckets still cut the range in 10 finite pieces.
        let mut s = NumericState::default();
        update(&mut s, &[Some(-1.7e308), Some(0.0), Some(1.7e308)]);
        let standard = s.evaluate(10, 10).histograms.into_iter().find(|h| h.histogram_type == HistogramType::Standard);
        let buckets = standard.unwrap().buckets;
        assert_eq!(buckets.len(), 10);
        assert!(buckets.iter().all(|b| b.low_value.is_finite() && b.high_value.is_finite()), "{buckets:?}");
        assert_eq!((buckets[0].low_value, buckets[9].high_value), (-1.7e308, 1.7e308));
        assert!((buckets[5].low_value).abs() < 1e293, "{}", buckets[5].low_value);
        assert_eq!(buckets.iter().map(|b| b.sample_count).sum::<f64>(), 3.0);
    }

    #[test]
    fn constant_column_has_zero_std() {
        let mut s = NumericState::default();
        update(&mut s, &vec![Some(0.1); 1000]);
        let out = s.evaluate(10, 10);
        assert_eq!(out.std_dev, 0.0);
        assert_eq!(out.mean, 0.1);
    }

    /// The one-pass count of a batch without nulls or weights agrees with
    /// the value-by-value one on every special value.
    #[test]
    fn plain_and_per_value_counts_agree() {
        let xs = [3.5, -0.0, 0.0, f64::NAN, f64::INFINITY, -2.0, f64::NEG_INFINITY, 0.0, f64::NAN, 7.25];
        let (mut plain, mut each) = (NumericState::default(), NumericState::default());
        let (mut a, mut b) = (xs.to_vec(), Vec::new());
        plain.count_plain(&mut a);
        each.count_each(&Float64Array::from(xs.to_vec()), None, &mut b);
        assert_eq!(plain, each);
        assert_eq!(
            a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
        // NaN counted apart, -0.0 and 0.0 both zeros, the infinities as min and max.
        assert_eq!((plain.num_nan, plain.num_zeros, plain.num_pos_inf, plain.num_neg_inf), (2, 3, 1, 1));
        assert_eq!((plain.min, plain.max), (Some(f64::NEG_INFINITY), Some(f64::INFINITY)));
    }

    /// A batch with nulls (its non-null values gathered, then counted pass by
    /// pass) gives the state of the value-by-value count.
    #[test]
    fn a_batch_with_nulls_counts_as_value_by_value() {
        let xs: Vec<Option<f64>> =
            vec![Some(3.5), None, Some(-0.0), Some(f64::NAN), None, Some(f64::INFINITY), Some(-2.0), Some(0.5), None];
        let array = Float64Array::from(xs);
        let mut gathered = NumericState::default();
        gathered.update(&array, None, &mut NumericBuffers::default());
        let mut each = NumericState::default();
        let mut scratch = Vec::new();
        each.count_each(&array, None, &mut scratch);
        each.count += scratch.len() as u64;
        each.sum.add_slice(&scratch);
        assert_eq!((gathered.count, gathered.num_nan, gathered.num_zeros, gathered.num_pos_inf), (5, 1, 1, 1));
        assert_eq!((gathered.min, gathered.max), (each.min, each.max));
        assert_eq!((gathered.min, gathered.max), (Some(-2.0), Some(f64::INFINITY)));
        assert_eq!(gathered.sums().0, each.sum);
    }

    /// A column past the cap: the sketch, built when the counts overflowed
    /// (in a batch or in a merge), holds every value; the exact fields stay
    /// bit-identical however the values were split, the median within the
    /// sketch's rank error of the true one.
    #[test]
    fn a_column_past_the_cap_gets_a_sketch_of_every_value() {
        let n = 30_000usize;
        // 30,000 distinct values, a permutation of 0..30000 (7919 is prime to 30000).
        let values: Vec<Option<f64>> = (0..n).map(|i| Some(((i * 7919) % n) as f64)).collect();
        check_merge_laws(&values, update, |a: &NumericState, b: &NumericState, how: &str| {
            assert_eq!(a.exact_distinct(), None, "{how}");
            assert_eq!(a.sketch.count(), n as u64, "{how}: the sketch holds every value");
            let (x, y) = (a.evaluate(10, 10), b.evaluate(10, 10));
            assert_eq!((x.mean, x.std_dev, x.min, x.max), (y.mean, y.std_dev, y.min, y.max), "{how}");
            // The true median of 0..29999 is 14999.5; KLL's rank error here is ≤ 1.65%.
            let bound = a.rank_error() * n as f64 + 1.0;
            assert!((x.median - 14_999.5).abs() <= bound, "{how}: median {} (bound {bound})", x.median);
        });
    }

    /// Σx and Σx² taken from the counts equal the value-by-value sums (an
    /// independent superaccumulation, Dekker squares) whichever way a state
    /// gets there: lazy, past the cap in a batch, merged lazy into sketched
    /// and sketched into lazy; with values whose squares overflow or
    /// underflow, and ±inf.
    #[test]
    fn sums_from_counts_equal_the_sums_of_the_values() {
        let odd = [1e300, -1e-200, 5e-324, f64::INFINITY, -f64::INFINITY, -0.0, 0.1, 3.0];
        let xs = |from: usize, len: usize| -> Vec<Option<f64>> {
            (from..from + len).map(|i| Some(odd.get(i % 50).copied().unwrap_or(i as f64 / 7.0))).collect()
        };
        let reference = |parts: &[&[Option<f64>]]| {
            let (mut sum, mut sum_sq) = (ExactSum::default(), ExactSum::default());
            for &x in parts.iter().flat_map(|p| p.iter()).flatten() {
                sum.add(x);
                let p = x * x;
                sum_sq.add(p);
                if p.is_finite() {
                    sum_sq.add(x.mul_add(x, -p));
                }
            }
            (sum, sum_sq)
        };
        // 700 distinct values, then 25,000 values, all distinct: past the cap.
        let (few, many) = (xs(0, 700), xs(700, 25_000));
        let state = |values: &[Option<f64>]| {
            let mut s = NumericState::default();
            update(&mut s, values);
            s
        };
        let (lazy, sketched) = (state(&few), state(&many));
        assert!(lazy.is_lazy() && !sketched.is_lazy());
        assert_eq!(lazy.sums(), reference(&[&few]));
        assert_eq!(lazy.sum, ExactSum::default(), "a lazy state sums nothing value by value");
        assert_eq!(sketched.sums(), reference(&[&many]));
        for (mut a, b) in [(lazy.clone(), &sketched), (sketched.clone(), &lazy)] {
            a.merge(b);
            assert!(!a.is_lazy());
            assert_eq!(a.sums(), reference(&[&few, &many]));
            assert_eq!(a.sketch.count(), 25_700, "every value once in the sketch");
        }
        let mut past_in_a_batch = lazy;
        update(&mut past_in_a_batch, &many);
        assert_eq!(past_in_a_batch.sums(), reference(&[&few, &many]));
    }

    /// A state holding a sketch and counts beside it (format 2 wrote such
    /// states; format 3 refuses them, but a state is data) answers from the
    /// sketch, which keeps taking values, not from the stale counts.
    #[test]
    fn counts_beside_a_sketch_are_not_read() {
        let mut s = NumericState::default();
        update(&mut s, &(0..500).map(|i| Some(i as f64)).collect::<Vec<_>>());
        s.sketch = s.full_sketch().into_owned();
        assert!(!s.is_lazy() && s.exact.is_some());
        update(&mut s, &(0..3000).map(|i| Some(10_000.0 + i as f64)).collect::<Vec<_>>());
        // 3,500 values, 3,000 of them ≥ 10,000: the median is among those.
        assert!(s.evaluate(10, 10).median >= 10_000.0);
        assert_eq!(s.exact_distinct(), None);
    }

    #[test]
    fn merge_laws_hold_and_exact_fields_are_bit_identical() {
        let values: Vec<Option<f64>> = (0..3000)
            .map(|i| match i % 13 {
                0 => None,
                1 => Some(f64::NAN),
                _ => Some(((i * 7919) % 1000) as f64 / 7.0 - 50.0),
            })
            .collect();
        check_merge_laws(&values, update, |a: &NumericState, b: &NumericState, how: &str| {
            let (x, y) = (a.evaluate(10, 10), b.evaluate(10, 10));
            assert_eq!(
                (x.mean, x.std_dev, x.min, x.max, x.num_zeros),
                (y.mean, y.std_dev, y.min, y.max, y.num_zeros),
                "{how}"
            );
            assert_eq!(a.count, b.count, "{how}");
            assert!((x.median - y.median).abs() <= 1000.0 / 7.0 * 0.02, "{} vs {}", x.median, y.median);
        });
    }
}
