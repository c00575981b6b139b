//! [`ExactValues`]: every distinct value with its count, while there are at
//! most [`ExactValues::MAX_DISTINCT`] of them; [`Quantiles`]: what
//! histograms and medians ask of it and of a [`KllSketch`] alike.
//!
//! Low-cardinality numeric columns (hours, community areas, codes) are
//! common, and a sketch's rank error shows on them as a wrong median: on the
//! taxi sample, `dropoff_community_area`'s true median 12 sits at rank
//! 0.5001, and a 0.01-error sketch may answer 13. Counting each distinct
//! value answers exactly at a cost bounded by the cap. The state is exact or
//! not as a function of the whole data (its distinct count), never of how the
//! data was split: every part of data with at most `MAX_DISTINCT` distinct
//! values has at most that many, and merged counts past the cap are dropped.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::KllSketch;

/// Quantile and rank queries, answered by a sketch or by exact counts.
pub trait Quantiles {
    /// Values counted (NaN never is).
    fn count(&self) -> u64;
    /// The value of 1-based rank ⌈q·n⌉ (rank 1 for q = 0) per q: numpy's
    /// `quantile(method="inverted_cdf")`; NaN for q ∉ [0, 1] or no values.
    fn quantiles(&self, qs: &[f64]) -> Vec<f64>;
    /// The fraction of values ≤ each split; NaN when empty or the split is NaN.
    fn cdf(&self, splits: &[f64]) -> Vec<f64>;
    /// One quantile; `None` when empty or q ∉ [0, 1].
    fn quantile(&self, q: f64) -> Option<f64> {
        self.quantiles(&[q]).pop().filter(|v| !v.is_nan())
    }
    /// The normalised rank error of the answers (0 when exact).
    fn rank_error(&self) -> f64;
}

impl Quantiles for KllSketch {
    fn count(&self) -> u64 {
        KllSketch::count(self)
    }
    fn quantiles(&self, qs: &[f64]) -> Vec<f64> {
        KllSketch::quantiles(self, qs)
    }
    fn cdf(&self, splits: &[f64]) -> Vec<f64> {
        KllSketch::cdf(self, splits)
    }
    fn rank_error(&self) -> f64 {
        self.normalized_rank_error()
    }
}

/// Counts per distinct value (see the module docs). `-0.0` counts as `0.0`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactValues {
    /// Keyed by the value's total-order key, so the map iterates in value order.
    counts: BTreeMap<u64, u64>,
    /// Values counted.
    n: u64,
}

impl ExactValues {
    /// The most distinct values counted; past it the counts are dropped and
    /// the caller falls back to its sketch. At about 40 bytes an entry, a
    /// full state holds ~800 KiB per column.
    pub const MAX_DISTINCT: usize = 20_000;

    /// Counts the non-NaN values of `sorted` (ascending, as `sort_f64`
    /// leaves them: equal values are adjacent), all of them. `false` when
    /// that takes the state past the cap: the caller then moves the counts
    /// into its sketch ([`values`](Self::values)) and drops the state.
    pub fn add_sorted(&mut self, sorted: &[f64]) -> bool {
        for run in sorted.chunk_by(|a, b| a == b) {
            if run[0].is_nan() {
                continue;
            }
            *self.counts.entry(key(run[0])).or_default() += run.len() as u64;
            self.n += run.len() as u64;
        }
        self.counts.len() <= Self::MAX_DISTINCT
    }

    /// Every value counted, as many times as counted, ascending, in slices
    /// of at most `chunk` values: what a sketch built from these counts takes.
    pub fn values(&self, chunk: usize, mut each: impl FnMut(&[f64])) {
        let mut buffer = Vec::with_capacity(chunk.max(1));
        for (k, c) in &self.counts {
            let x = value(*k);
            let mut left = *c;
            while left > 0 {
                let take = left.min((buffer.capacity() - buffer.len()) as u64);
                buffer.extend(std::iter::repeat_n(x, take as usize));
                left -= take;
                if buffer.len() == buffer.capacity() {
                    each(&buffer);
                    buffer.clear();
                }
            }
        }
        if !buffer.is_empty() {
            each(&buffer);
        }
    }

    /// Adds `other`'s counts; `false` once past the cap.
    pub fn merge(&mut self, other: &Self) -> bool {
        for (k, c) in &other.counts {
            *self.counts.entry(*k).or_default() += c;
        }
        self.n += other.n;
        self.counts.len() <= Self::MAX_DISTINCT
    }

    /// Distinct values counted.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// (value, cumulative count) in value order.
    fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut total = 0;
        self.counts
            .iter()
            .map(|(k, c)| {
                total += c;
                (value(*k), total)
            })
            .collect()
    }
}

impl Quantiles for ExactValues {
    fn count(&self) -> u64 {
        self.n
    }

    fn quantiles(&self, qs: &[f64]) -> Vec<f64> {
        let cumulative = self.cumulative();
        let n = self.n as f64;
        qs.iter()
            .map(|&q| {
                if self.n == 0 || !(0.0..=1.0).contains(&q) {
                    return f64::NAN;
                }
                let rank = ((q * n).ceil() as u64).max(1);
                let i = cumulative.partition_point(|(_, upto)| *upto < rank);
                cumulative[i.min(cumulative.len() - 1)].0
            })
            .collect()
    }

    fn cdf(&self, splits: &[f64]) -> Vec<f64> {
        let cumulative = self.cumulative();
        let n = self.n as f64;
        splits
            .iter()
            .map(|&x| {
                if self.n == 0 || x.is_nan() {
                    return f64::NAN;
                }
                let i = cumulative.partition_point(|(v, _)| v.total_cmp(&(x + 0.0)).is_le());
                if i == 0 { 0.0 } else { cumulative[i - 1].1 as f64 / n }
            })
            .collect()
    }

    fn rank_error(&self) -> f64 {
        0.0
    }
}

/// The total-order key of `x`, with −0 as +0 (numpy counts them equal).
fn key(x: f64) -> u64 {
    let bits = (x + 0.0).to_bits();
    if bits >> 63 == 1 { !bits } else { bits | (1 << 63) }
}

fn value(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(xs: &[f64]) -> ExactValues {
        let mut sorted = xs.to_vec();
        sorted.sort_by(f64::total_cmp);
        let mut e = ExactValues::default();
        assert!(e.add_sorted(&sorted));
        e
    }

    #[test]
    fn answers_as_the_sketch_does_below_k() {
        // numpy.quantile(range(10), [0.1, 0.3, 0.35, 0.9], method="inverted_cdf") = [0, 2, 3, 8],
        // the same cases as the KLL sketch's `exact_below_k`.
        let xs: Vec<f64> = (0..10).rev().map(f64::from).collect();
        let e = exact(&xs);
        assert_eq!(e.quantiles(&[0.1, 0.3, 0.35, 0.9]), vec![0.0, 2.0, 3.0, 8.0]);
        assert_eq!((e.quantile(0.0), e.quantile(1.0), e.quantile(1.5)), (Some(0.0), Some(9.0), None));
        assert_eq!(e.cdf(&[-1.0, 0.0, 4.5, 9.0]), vec![0.0, 0.1, 0.5, 1.0]);
        let mut kll = KllSketch::default();
        kll.update_slice(&xs);
        assert_eq!(e.quantiles(&[0.1, 0.3, 0.35, 0.9]), Quantiles::quantiles(&kll, &[0.1, 0.3, 0.35, 0.9]));
        // Repeated values, −0 with +0, NaN left out: [-0, 0, 0, 1, 1, 5] by hand.
        let e = exact(&[1.0, -0.0, f64::NAN, 0.0, 5.0, 1.0, 0.0]);
        assert_eq!((e.count(), e.distinct()), (6, 3));
        assert_eq!(e.quantiles(&[0.5, 0.51, 0.84]), vec![0.0, 1.0, 5.0]);
        assert_eq!(e.cdf(&[-0.0, 0.5, 5.0]), vec![0.5, 0.5, 1.0]);
        assert!(ExactValues::default().quantile(0.5).is_none());
    }

    #[test]
    fn merges_and_gives_up_past_the_cap() {
        let (a, b) = (exact(&[1.0, 2.0, 2.0]), exact(&[2.0, 3.0]));
        let mut m = a;
        assert!(m.merge(&b));
        assert_eq!(m, exact(&[1.0, 2.0, 2.0, 2.0, 3.0]));
        let many: Vec<f64> = (0..=ExactValues::MAX_DISTINCT).map(|i| i as f64).collect();
        assert!(!ExactValues::default().add_sorted(&many));
        let (lo, hi) = many.split_at(many.len() / 2);
        let mut m = exact(lo);
        assert!(!m.merge(&exact(hi)));
    }
}
