//! String statistics of one feature: unique, top_values, avg_length,
//! rank_histogram, weighted top values, and invalid UTF-8 counts.
//!
//! Values are counted exactly up to `distinct_cap` distinct values, then with
//! Misra–Gries counters and HyperLogLog ([`FrequentItems`]); the artifact says when.
//! As in TFDV, values over 1024 bytes count as `__LARGE_BYTES__` and invalid UTF-8
//! as `__BYTES_VALUE__` in the top values and rank histogram.

use serde::{Deserialize, Serialize};

use tabx_core::{FrequentItems, Mergeable};

use crate::statistics::{FreqAndValue, RankBucket, RankHistogram, StringStatistics, WeightedStringStatistics};

/// TFDV's placeholder for values longer than [`LARGE_BYTES_THRESHOLD`].
pub const LARGE_BYTES_VALUE: &str = "__LARGE_BYTES__";
/// TFDV's placeholder for values that are not valid UTF-8.
pub const INVALID_UTF8_VALUE: &str = "__BYTES_VALUE__";
/// Values longer than this many bytes are replaced in top values (TFDV: 1024).
pub const LARGE_BYTES_THRESHOLD: usize = 1024;

/// Mergeable state of a string feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StringState {
    items: FrequentItems,
    count: u64,
    total_len: u64,
    invalid_utf8: u64,
    weighted: bool,
}

impl Default for StringState {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl StringState {
    /// An empty state that counts up to `distinct_cap` distinct values exactly.
    pub fn new(distinct_cap: usize) -> Self {
        Self { items: FrequentItems::new(distinct_cap), count: 0, total_len: 0, invalid_utf8: 0, weighted: false }
    }

    /// Adds one value with its example's weight (1.0 when unweighted).
    #[inline]
    pub fn add(&mut self, value: &[u8], valid_utf8: bool, weight: Option<f64>) {
        self.weighted |= weight.is_some();
        self.add_n(value, valid_utf8, 1, weight.unwrap_or(1.0));
    }

    /// Whether `distinct` more values may come through [`add_many`](Self::add_many):
    /// unweighted counts added at once equal the values added one by one
    /// while the counts stay exact, that is below the distinct cap.
    pub fn takes_counts(&self, distinct: usize) -> bool {
        !self.weighted && self.items.is_exact() && self.items.distinct() as usize + distinct <= self.items.cap()
    }

    /// Adds a valid UTF-8 value `n` times, unweighted: what `n` calls of
    /// [`add`](Self::add) do, when [`takes_counts`](Self::takes_counts) said so.
    pub fn add_many(&mut self, value: &[u8], n: u64) {
        self.add_n(value, true, n, n as f64);
    }

    /// Adds `value` `n` times, of weight `weight` in all, under its TFDV
    /// placeholder when it has one.
    #[inline]
    fn add_n(&mut self, value: &[u8], valid_utf8: bool, n: u64, weight: f64) {
        self.count += n;
        self.total_len += value.len() as u64 * n;
        let key: &[u8] = if !valid_utf8 {
            self.invalid_utf8 += n;
            INVALID_UTF8_VALUE.as_bytes()
        } else if value.len() > LARGE_BYTES_THRESHOLD {
            LARGE_BYTES_VALUE.as_bytes()
        } else {
            value
        };
        self.items.add_count(key, n, weight);
    }

    /// Number of values that were not valid UTF-8.
    pub fn invalid_utf8_count(&self) -> u64 {
        self.invalid_utf8
    }

    /// Whether counts are still exact; otherwise the bound on over-counting.
    pub fn approximation(&self) -> Option<(u64, f64)> {
        (!self.items.is_exact()).then(|| (self.items.max_count_error(), self.items.distinct_relative_error()))
    }

    /// Builds `StringStatistics` (without `common_stats`, which the caller fills).
    pub fn evaluate(&self, num_top_values: usize, num_rank_buckets: usize) -> StringStatistics {
        let label = |v: &[u8]| String::from_utf8_lossy(v).into_owned();
        let ranked = self.items.top_k(num_top_values.max(num_rank_buckets));
        let top_values = ranked
            .iter()
            .take(num_top_values)
            .map(|(v, c)| FreqAndValue { value: label(v), frequency: *c as f64 })
            .collect();
        let rank_histogram = ranked_histogram(ranked.iter().take(num_rank_buckets).map(|(v, c)| (label(v), *c as f64)));
        let weighted_string_stats = self.weighted.then(|| {
            let ranked = self.items.top_k_weighted(num_top_values.max(num_rank_buckets));
            WeightedStringStatistics {
                top_values: ranked
                    .iter()
                    .take(num_top_values)
                    .map(|(v, w)| FreqAndValue { value: label(v), frequency: *w })
                    .collect(),
                rank_histogram: ranked_histogram(ranked.iter().take(num_rank_buckets).map(|(v, w)| (label(v), *w))),
            }
        });
        StringStatistics {
            unique: self.items.distinct(),
            top_values,
            avg_length: if self.count == 0 { 0.0 } else { self.total_len as f64 / self.count as f64 },
            rank_histogram,
            weighted_string_stats,
            ..Default::default()
        }
    }
}

fn ranked_histogram(values: impl Iterator<Item = (String, f64)>) -> Option<RankHistogram> {
    let buckets: Vec<RankBucket> = values
        .enumerate()
        .map(|(rank, (label, sample_count))| RankBucket {
            low_rank: rank as u64,
            high_rank: rank as u64,
            label,
            sample_count,
        })
        .collect();
    (!buckets.is_empty()).then_some(RankHistogram { buckets })
}

impl Mergeable for StringState {
    fn merge(&mut self, other: &Self) {
        self.items.merge(&other.items);
        self.count += other.count;
        self.total_len += other.total_len;
        self.invalid_utf8 += other.invalid_utf8;
        self.weighted |= other.weighted;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_core::testing::check_merge_laws;

    fn add_all(state: &mut StringState, values: &[&str]) {
        for v in values {
            state.add(v.as_bytes(), true, None);
        }
    }

    #[test]
    fn top_values_follow_tfdv_order() {
        // Hand count: a×3, b×2, c×2, d×1. TFDV breaks ties by value descending: c before b.
        let mut s = StringState::default();
        add_all(&mut s, &["a", "b", "c", "a", "d", "c", "b", "a"]);
        let out = s.evaluate(3, 1000);
        let top: Vec<(&str, f64)> = out.top_values.iter().map(|f| (f.value.as_str(), f.frequency)).collect();
        assert_eq!(top, vec![("a", 3.0), ("c", 2.0), ("b", 2.0)]);
        assert_eq!(out.unique, 4);
        assert_eq!(out.avg_length, 1.0);
        let ranks: Vec<(u64, &str)> =
            out.rank_histogram.as_ref().unwrap().buckets.iter().map(|b| (b.low_rank, b.label.as_str())).collect();
        assert_eq!(ranks, vec![(0, "a"), (1, "c"), (2, "b"), (3, "d")]);
    }

    #[test]
    fn large_and_invalid_values_use_tfdv_placeholders() {
        let mut s = StringState::default();
        let big = vec![b'x'; 2000];
        s.add(&big, true, None);
        s.add(&[0xff, 0xfe], false, None);
        s.add(b"", true, None);
        let out = s.evaluate(20, 1000);
        let labels: Vec<&str> = out.top_values.iter().map(|f| f.value.as_str()).collect();
        assert_eq!(labels, vec![LARGE_BYTES_VALUE, INVALID_UTF8_VALUE, ""]);
        assert_eq!(s.invalid_utf8_count(), 1);
        // avg_length counts real bytes: (2000 + 2 + 0) / 3.
        assert_eq!(out.avg_length, 2002.0 / 3.0);
    }

    #[test]
    fn weighted_top_values_use_weights() {
        let mut s = StringState::default();
        s.add(b"x", true, Some(0.5));
        s.add(b"y", true, Some(2.0));
        s.add(b"x", true, Some(0.5));
        let w = s.evaluate(20, 1000).weighted_string_stats.unwrap();
        let top: Vec<(&str, f64)> = w.top_values.iter().map(|f| (f.value.as_str(), f.frequency)).collect();
        assert_eq!(top, vec![("y", 2.0), ("x", 1.0)]);
    }

    #[test]
    fn merge_laws_hold() {
        let values: Vec<String> = (0..2000).map(|i| format!("v{}", (i * 31) % 97)).collect();
        check_merge_laws(
            &values,
            |s: &mut StringState, vs: &[String]| vs.iter().for_each(|v| s.add(v.as_bytes(), true, None)),
            |a, b, how| assert_eq!(a.evaluate(20, 1000), b.evaluate(20, 1000), "{how}"),
        );
    }
}
