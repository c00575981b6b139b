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
//!
//! The counts live in a hash table ([`KeyCounts`]) and are put in value order only when asked
//! (quantiles, a sketch built from them, serialisation): counting a batch
//! costs a hash probe per value instead of sorting the batch first, which
//! was a sixth of a Parquet statistics pass (benches/RESULTS.md).

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::KllSketch;
use super::key_counts::{EMPTY, KeyCounts};
use super::sort::{from_total_order_key, total_order_key};

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

/// Integer batches spanning fewer values than this are counted in an array
/// (32 KiB of counts at most) before the hash map sees them.
const DENSE_SPAN: usize = 4096;

/// Counts per distinct value (see the module docs). `-0.0` counts as `0.0`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactValues {
    /// Keyed by the value's total-order key; written as a map in key order
    /// (the format of the B-tree that held them before).
    #[serde(serialize_with = "in_key_order", deserialize_with = "from_map")]
    counts: KeyCounts,
    /// Values counted.
    n: u64,
    /// Keys of the values of the batch that took the state past the cap,
    /// after the one that did: kept as they came, not hashed (see
    /// [`add`](Self::add)); counted once each wherever counts are read.
    /// Always empty in a state within the cap, so never written.
    #[serde(skip)]
    past_cap: Vec<u64>,
}

fn in_key_order<S: Serializer>(counts: &KeyCounts, s: S) -> std::result::Result<S::Ok, S::Error> {
    counts.iter().collect::<BTreeMap<u64, u64>>().serialize(s)
}

fn from_map<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<KeyCounts, D::Error> {
    let mut counts = KeyCounts::default();
    for (k, c) in BTreeMap::<u64, u64>::deserialize(d)? {
        if k == EMPTY {
            return Err(serde::de::Error::custom("exact values: a NaN counted as a value"));
        }
        counts.add(k, c);
    }
    Ok(counts)
}

impl ExactValues {
    /// The most distinct values counted; past it the counts are dropped and
    /// the caller falls back to its sketch. At about 40 bytes an entry, a
    /// full state holds ~800 KiB per column.
    pub const MAX_DISTINCT: usize = 20_000;

    /// Counts the non-NaN values of `xs`, in any order, all of them. `false`
    /// when that takes the state past the cap: the caller then moves the
    /// counts into its sketch ([`values`](Self::values)) and sums
    /// ([`counts`](Self::counts)), and drops the state.
    pub fn add(&mut self, xs: &[f64]) -> bool {
        if !self.add_small_integers(xs) {
            self.add_each(xs);
        }
        self.within_cap()
    }

    /// Values are kept past the cap only once the table holds one more
    /// than it, so the table's size alone says.
    fn within_cap(&self) -> bool {
        self.counts.len() <= Self::MAX_DISTINCT
    }

    /// Counts `xs` in an array indexed by value when they are integers
    /// spanning fewer than [`DENSE_SPAN`] values (hours, codes, areas): an
    /// increment per value and a probe per distinct value. `false` (nothing
    /// counted) otherwise.
    fn add_small_integers(&mut self, xs: &[f64]) -> bool {
        let Some(&first) = xs.first() else { return true };
        // Blocks without a branch per value, and a check after each: a
        // column of fractions or of wide integers (census tracts) leaves
        // after the first block instead of scanning the batch for nothing.
        // NaN and ±inf fail the round trip through i64, as do values past
        // its range; -0.0 becomes 0, as `key` counts it.
        let (mut lo, mut hi) = (first, first);
        for block in xs.chunks(64) {
            let integral;
            (lo, hi, integral) = block
                .iter()
                .fold((lo, hi, true), |(lo, hi, all), &x| (lo.min(x), hi.max(x), all & ((x as i64) as f64 == x)));
            if !integral || hi - lo >= DENSE_SPAN as f64 {
                return false;
            }
        }
        let base = lo as i64;
        let mut dense = vec![0u64; (hi - lo) as usize + 1];
        for &x in xs {
            dense[(x as i64 - base) as usize] += 1;
        }
        for (i, &c) in dense.iter().enumerate().filter(|(_, c)| **c > 0) {
            self.counts.add(key((base + i as i64) as f64), c);
        }
        self.n += xs.len() as u64;
        true
    }

    /// Counts `xs` one hash probe per value, until a value goes past the
    /// cap: the rest of the batch is kept as keys, unhashed. The state is
    /// emptied next, and hashing them grew the table past what the cap needs
    /// (the doubling to 64 Ki slots, a 1 MiB table, where the cap fits in 32
    /// Ki): `tabx watch` leaves the cap afresh in every pane of its wide
    /// columns. What the counts give (`values`, `counts`) is the same.
    fn add_each(&mut self, xs: &[f64]) {
        let mut rest = xs.iter();
        while self.counts.len() <= Self::MAX_DISTINCT {
            let Some(&x) = rest.next() else { return };
            if !x.is_nan() {
                self.counts.add(key(x), 1);
                self.n += 1;
            }
        }
        let before = self.past_cap.len();
        self.past_cap.extend(rest.filter(|x| !x.is_nan()).map(|&x| key(x)));
        self.n += (self.past_cap.len() - before) as u64;
    }

    /// (key, count) of every value counted, in no particular order (a key
    /// may come more than once: the values past the cap come one by one).
    fn pairs(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.counts.iter().chain(self.past_cap.iter().map(|&k| (k, 1)))
    }

    /// (key, count) in value order: radix-sorted by key (any sort gives the
    /// same values in the same order, a key coming twice only past the cap;
    /// `radsort` was 1.4-1.5× `sort_unstable` of the pairs, which `tabx
    /// watch` does per window and column past the cap).
    fn in_order(&self) -> Vec<(u64, u64)> {
        let mut counts: Vec<(u64, u64)> = self.pairs().collect();
        radsort::sort_by_key(&mut counts, |&(key, _)| key);
        counts
    }

    /// Every value counted, as many times as counted, ascending, in runs of
    /// at most `chunk` values: what a sketch built from these counts takes
    /// (`KllSketch::update_sorted`, which may change the run: it is cleared
    /// after each call).
    pub fn values(&self, chunk: usize, mut each: impl FnMut(&mut Vec<f64>)) {
        let chunk = chunk.max(1);
        let mut buffer = Vec::with_capacity(chunk);
        for (k, c) in self.in_order() {
            let x = from_total_order_key(k);
            let mut left = c;
            while left > 0 {
                let take = left.min((chunk - buffer.len()) as u64);
                buffer.extend(std::iter::repeat_n(x, take as usize));
                left -= take;
                if buffer.len() == chunk {
                    each(&mut buffer);
                    buffer.clear();
                }
            }
        }
        if !buffer.is_empty() {
            each(&mut buffer);
        }
    }

    /// Each value with its count, in no particular order: each distinct
    /// value once, within the cap.
    pub fn counts(&self) -> impl Iterator<Item = (f64, u64)> + '_ {
        self.pairs().map(|(k, c)| (from_total_order_key(k), c))
    }

    /// Adds `other`'s counts; `false` once past the cap.
    pub fn merge(&mut self, other: &Self) -> bool {
        for (k, c) in other.pairs() {
            self.counts.add(k, c);
        }
        self.n += other.n;
        self.within_cap()
    }

    /// Distinct values counted.
    pub fn distinct(&self) -> usize {
        self.counts.len()
    }

    /// (value, cumulative count) in value order.
    fn cumulative(&self) -> Vec<(f64, u64)> {
        let mut total = 0;
        self.in_order()
            .into_iter()
            .map(|(k, c)| {
                total += c;
                (from_total_order_key(k), total)
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
    total_order_key(x + 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(xs: &[f64]) -> ExactValues {
        let mut e = ExactValues::default();
        assert!(e.add(xs));
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
        assert!(!ExactValues::default().add(&many));
        let (lo, hi) = many.split_at(many.len() / 2);
        let mut m = exact(lo);
        assert!(!m.merge(&exact(hi)));
    }

    #[test]
    fn a_batch_past_the_cap_keeps_every_value_in_a_table_the_cap_fits() {
        // 30,000 values, 25,000 distinct (every 6th repeats the one before),
        // a NaN among them, in batches of 7,000: the cap goes by in the 4th.
        let xs: Vec<f64> =
            (0..30_000).map(|i| if i == 12_345 { f64::NAN } else { f64::from(i - i / 6) * 0.5 - 3000.0 }).collect();
        let mut e = ExactValues::default();
        let crossed = xs.chunks(7000).position(|batch| !e.add(batch));
        assert_eq!(crossed, Some(3));
        // The hashed keys stop one past the cap: 32 Ki slots, not 64 Ki.
        assert_eq!((e.counts.len(), e.counts.slots_len()), (ExactValues::MAX_DISTINCT + 1, 1 << 15));
        // What the sketch and the sums read is still every value of the 4
        // batches: the sorted values, and the counts summing to them (the
        // numbers are halves, so the f64 sums below are exact).
        let mut want: Vec<f64> = xs[..28_000].iter().copied().filter(|x| !x.is_nan()).collect();
        want.sort_by(f64::total_cmp);
        let mut got = Vec::new();
        e.values(1000, |run| got.extend_from_slice(run));
        assert_eq!((got.len(), e.count()), (27_999, 27_999));
        assert_eq!(got, want);
        let (n, sum) = e.counts().fold((0, 0.0), |(n, s), (x, c)| (n + c, s + x * c as f64));
        assert_eq!((n, sum), (27_999, want.iter().sum::<f64>()));
    }

    #[test]
    fn small_integers_count_as_any_values_do() {
        // The array path (integers spanning < DENSE_SPAN) against the hash path, value by value.
        let mut ints: Vec<f64> = (0..5000).map(|i| f64::from((i * 7919) % 97) - 40.0).collect();
        ints.extend([-0.0, 0.0, 1e15, 1e15 + 2.0]);
        for xs in [&ints[..4000], &ints[4000..], &[3.0, f64::NAN, 3.0][..], &[2.0, 5000.0][..]] {
            let mut dense = ExactValues::default();
            assert!(dense.add(xs));
            let mut each = ExactValues::default();
            xs.iter().for_each(|x| each.add_each(std::slice::from_ref(x)));
            assert_eq!(dense, each, "{:?}", &xs[..xs.len().min(5)]);
        }
        let mut e = ExactValues::default();
        assert!(e.add_small_integers(&ints[..4000]));
        assert!(!e.add_small_integers(&[1.0, 1.0 + DENSE_SPAN as f64]));
        assert!(!e.add_small_integers(&[1.0, 2.5]));
        assert!(!e.add_small_integers(&[1.0, f64::NAN]));
        assert!(!e.add_small_integers(&[1.0, f64::INFINITY]));
        // Hand count: -0.0 and 0.0 are one value, counted twice.
        let mut z = ExactValues::default();
        assert!(z.add_small_integers(&[-0.0, 0.0, 1.0]));
        assert_eq!((z.distinct(), z.count()), (2, 3));
    }

    #[test]
    fn order_of_arrival_changes_nothing_and_the_format_is_in_value_order() {
        let xs = [3.0, -1.5, 3.0, 0.0, -0.0, 1e300, 3.0, f64::NEG_INFINITY];
        let mut reversed = xs;
        reversed.reverse();
        let (a, b) = (exact(&xs), exact(&reversed));
        assert_eq!(a, b);
        // Written as the B-tree that held the counts before wrote them: keys ascending.
        let json = serde_json::to_string(&a).unwrap();
        let tree: BTreeMap<u64, u64> =
            [(key(f64::NEG_INFINITY), 1), (key(-1.5), 1), (key(0.0), 2), (key(3.0), 3), (key(1e300), 1)].into();
        assert!(json.contains(&serde_json::to_string(&tree).unwrap()), "{json}");
        assert_eq!(serde_json::from_str::<ExactValues>(&json).unwrap(), a);
        let mut values = Vec::new();
        a.values(3, |chunk| values.extend_from_slice(chunk));
        assert_eq!(values, [f64::NEG_INFINITY, -1.5, 0.0, 0.0, 3.0, 3.0, 3.0, 1e300]);
    }
}
