//! [`FrequentItems`]: per-value counts of a string/bytes feature, exact up to a
//! cap of distinct values, then a Misra–Gries summary plus a HyperLogLog.
//!
//! Below the cap every distinct value has its exact count and weight, so
//! `unique`, `top_values` and `rank_histogram` are exact and partition-invariant.
//! Past it the state switches, once and for good, to:
//! - Misra & Gries 1982 ("Finding repeated elements") counters, mergeable as in
//!   Agarwal et al. 2012 ("Mergeable summaries"): add the counters, subtract the
//!   (cap+1)-th largest count from all, drop those ≤ 0, and add the subtracted
//!   amount to the error bound. A reported count then underestimates the truth
//!   by at most [`FrequentItems::max_count_error`] ≤ total / (cap + 1), so every
//!   value more frequent than that is kept.
//! - a [`HyperLogLog`] of [`hash64`] for the distinct count.
//!
//! Updates use the same reduction in batches: the map may grow to 2·cap
//! entries before it is cut back to cap, keeping an update O(1) amortised.

use std::fmt;

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize, Serializer};

use super::{HyperLogLog, hash64};
use crate::Mergeable;

const DEFAULT_CAP: usize = 100_000;

/// Occurrence count and summed weight of one value.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct Counter {
    count: u64,
    weight: f64,
}

/// What only the approximate mode has.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Approx {
    /// Sum of the counts subtracted by reductions: the Misra–Gries error bound.
    max_error: u64,
    hll: HyperLogLog,
}

/// Counts and weights per distinct byte string (see the module docs).
///
/// Weights are f64 sums, so unlike counts they can differ in the last bits
/// between partitionings. In approximate mode a counter's weight is the weight
/// seen while it was kept (like its count, an underestimate).
#[derive(Clone, PartialEq, Deserialize)]
#[serde(try_from = "Repr")]
pub struct FrequentItems {
    cap: usize,
    counters: FxHashMap<Box<[u8]>, Counter>,
    total_count: u64,
    approx: Option<Approx>,
}

impl Default for FrequentItems {
    /// Exact up to 100 000 distinct values.
    fn default() -> Self {
        Self::new(DEFAULT_CAP)
    }
}

impl FrequentItems {
    /// An empty state, exact up to `cap` (at least 1) distinct values.
    pub fn new(cap: usize) -> Self {
        Self { cap: cap.max(1), counters: FxHashMap::default(), total_count: 0, approx: None }
    }

    /// Counts one occurrence of `value` with `weight`.
    #[inline]
    pub fn add(&mut self, value: &[u8], weight: f64) {
        self.add_count(value, 1, weight);
    }

    /// Counts `count` occurrences of `value` with total weight `weight`.
    pub fn add_count(&mut self, value: &[u8], count: u64, weight: f64) {
        self.total_count += count;
        if let Some(a) = &mut self.approx {
            a.hll.insert_hash(hash64(value));
        }
        if let Some(c) = self.counters.get_mut(value) {
            c.count += count;
            c.weight += weight;
            return;
        }
        self.counters.insert(value.into(), Counter { count, weight });
        if self.approx.is_none() {
            if self.counters.len() > self.cap {
                self.become_approximate();
            }
        } else if self.counters.len() > 2 * self.cap {
            self.reduce();
        }
    }

    /// True while every count and the distinct count are exact.
    pub fn is_exact(&self) -> bool {
        self.approx.is_none()
    }

    /// The most any reported count falls short of the true count (0 when exact).
    pub fn max_count_error(&self) -> u64 {
        self.approx.as_ref().map_or(0, |a| a.max_error)
    }

    /// Number of distinct values: exact, or the HyperLogLog estimate rounded
    /// (never below the number of values still counted).
    pub fn distinct(&self) -> u64 {
        match &self.approx {
            None => self.counters.len() as u64,
            Some(a) => (a.hll.estimate().round() as u64).max(self.counters.len() as u64),
        }
    }

    /// Relative standard error of [`Self::distinct`] (0 when exact).
    pub fn distinct_relative_error(&self) -> f64 {
        self.approx.as_ref().map_or(0.0, |a| a.hll.relative_error())
    }

    /// Number of occurrences added (always exact).
    pub fn total_count(&self) -> u64 {
        self.total_count
    }

    /// The cap on exactly counted distinct values.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// The `k` most frequent values, by count descending, ties by value
    /// descending (bytes compared lexicographically: TFDV's rule).
    pub fn top_k(&self, k: usize) -> Vec<(&[u8], u64)> {
        let items = self.counters.iter().map(|(v, c)| (&**v, c.count)).collect();
        top(items, k, |a, b| b.1.cmp(&a.1).then_with(|| b.0.cmp(a.0)))
    }

    /// The `k` values of largest weight, ties by value descending.
    pub fn top_k_weighted(&self, k: usize) -> Vec<(&[u8], f64)> {
        let items = self.counters.iter().map(|(v, c)| (&**v, c.weight)).collect();
        top(items, k, |a, b| b.1.total_cmp(&a.1).then_with(|| b.0.cmp(a.0)))
    }

    /// Every counted value with its count and weight, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], u64, f64)> {
        self.counters.iter().map(|(v, c)| (&**v, c.count, c.weight))
    }

    /// Approximate bytes held (keys, table slots, HyperLogLog).
    pub fn size_bytes(&self) -> usize {
        let slot = std::mem::size_of::<(Box<[u8]>, Counter)>() + 1;
        std::mem::size_of::<Self>()
            + self.counters.capacity() * slot
            + self.counters.keys().map(|k| k.len()).sum::<usize>()
            + self.approx.as_ref().map_or(0, |a| a.hll.size_bytes())
    }

    /// Switches to approximate mode: the HyperLogLog starts from every value
    /// seen so far (all are still in the map), then the map is reduced.
    fn become_approximate(&mut self) {
        let mut hll = HyperLogLog::default();
        self.counters.keys().for_each(|k| hll.insert_hash(hash64(k)));
        self.approx = Some(Approx { max_error: 0, hll });
        self.reduce();
    }

    /// Misra–Gries reduction to at most `cap` counters (Agarwal et al. 2012).
    fn reduce(&mut self) {
        let Some(a) = &mut self.approx else { return };
        if self.counters.len() <= self.cap {
            return;
        }
        let mut counts: Vec<u64> = self.counters.values().map(|c| c.count).collect();
        let (_, &mut cut, _) = counts.select_nth_unstable_by(self.cap, |x, y| y.cmp(x));
        self.counters.retain(|_, c| {
            c.count = c.count.saturating_sub(cut);
            c.count > 0
        });
        a.max_error += cut;
    }
}

/// The first `k` of `items` in `cmp` order: select, then sort only those.
fn top<W>(
    mut items: Vec<(&[u8], W)>,
    k: usize,
    cmp: impl Fn(&(&[u8], W), &(&[u8], W)) -> std::cmp::Ordering,
) -> Vec<(&[u8], W)> {
    if k < items.len() {
        items.select_nth_unstable_by(k, &cmp);
        items.truncate(k);
    }
    items.sort_unstable_by(cmp);
    items
}

impl Mergeable for FrequentItems {
    /// Adds counters; the result keeps the smaller cap and is approximate if
    /// either side was or the union passes the cap.
    fn merge(&mut self, other: &Self) {
        if other.total_count == 0 && other.counters.is_empty() && other.approx.is_none() {
            return;
        }
        if self.total_count == 0 && self.counters.is_empty() && self.approx.is_none() {
            *self = other.clone();
            return;
        }
        self.cap = self.cap.min(other.cap);
        self.total_count += other.total_count;
        match (&mut self.approx, &other.approx) {
            (None, Some(_)) => {
                // Hash our keys now; the other side's keys are in its sketch.
                let mut hll = HyperLogLog::default();
                self.counters.keys().for_each(|k| hll.insert_hash(hash64(k)));
                self.approx = Some(Approx { max_error: 0, hll });
            }
            (Some(a), None) => other.counters.keys().for_each(|k| a.hll.insert_hash(hash64(k))),
            _ => {}
        }
        if let (Some(a), Some(o)) = (&mut self.approx, &other.approx) {
            a.hll.merge(&o.hll);
            a.max_error += o.max_error;
        }
        for (v, c) in &other.counters {
            let mine = self.counters.entry(v.clone()).or_default();
            mine.count += c.count;
            mine.weight += c.weight;
        }
        if self.approx.is_none() && self.counters.len() > self.cap {
            self.become_approximate();
        } else {
            self.reduce();
        }
    }
}

impl fmt::Debug for FrequentItems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrequentItems")
            .field("cap", &self.cap)
            .field("total_count", &self.total_count)
            .field("distinct", &self.distinct())
            .field("max_count_error", &self.max_count_error())
            .field("top_5", &self.top_k(5).iter().map(|(v, c)| (String::from_utf8_lossy(v), *c)).collect::<Vec<_>>())
            .finish()
    }
}

/// Serialised form: entries sorted by value, so equal states give equal bytes
/// whatever the hash map's insertion history.
#[derive(Deserialize)]
struct Repr {
    cap: u64,
    total_count: u64,
    approx: Option<Approx>,
    entries: Vec<(Vec<u8>, u64, f64)>,
}

#[derive(Serialize)]
struct ReprRef<'a> {
    cap: u64,
    total_count: u64,
    approx: Option<&'a Approx>,
    entries: Vec<(&'a [u8], u64, f64)>,
}

impl Serialize for FrequentItems {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut entries: Vec<_> = self.iter().collect();
        entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let repr =
            ReprRef { cap: self.cap as u64, total_count: self.total_count, approx: self.approx.as_ref(), entries };
        repr.serialize(serializer)
    }
}

impl TryFrom<Repr> for FrequentItems {
    type Error = String;

    fn try_from(r: Repr) -> Result<Self, String> {
        let cap = usize::try_from(r.cap).map_err(|e| e.to_string())?;
        let counted = r.entries.iter().try_fold(0u64, |acc, e| acc.checked_add(e.1));
        let ok = cap >= 1
            && r.entries.windows(2).all(|w| w[0].0 < w[1].0)
            && match &r.approx {
                None => r.entries.len() <= cap && counted == Some(r.total_count),
                Some(_) => r.entries.len() <= 2 * cap && counted.is_some_and(|c| c <= r.total_count),
            };
        if !ok {
            return Err("FrequentItems: inconsistent state".to_string());
        }
        let counters =
            r.entries.into_iter().map(|(v, count, weight)| (v.into_boxed_slice(), Counter { count, weight })).collect();
        Ok(Self { cap, counters, total_count: r.total_count, approx: r.approx })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{assert_eq_state, check_merge_laws};
    use crate::{decode_state, encode_state};

    fn counted(values: &[&str], cap: usize) -> FrequentItems {
        let mut f = FrequentItems::new(cap);
        values.iter().for_each(|v| f.add(v.as_bytes(), 0.5));
        f
    }

    /// A stream with 5 heavy hitters `h0..h4` (h_i occurs 1000 − 100·i times)
    /// among `n_rare` values that occur once each.
    fn zipfish(n_rare: usize) -> Vec<String> {
        let mut out: Vec<String> = (0..n_rare).map(|i| format!("rare{i}")).collect();
        for i in 0..5 {
            for j in 0..(1000 - 100 * i) {
                out.insert((j * 7 + i * 3) % out.len(), format!("h{i}"));
            }
        }
        out
    }

    #[test]
    fn exact_counts_and_tfdv_tie_order() {
        // Hand-counted: a×2, b×2, c×1, d×1; ties broken by larger value first.
        let f = counted(&["b", "a", "c", "a", "b", "d"], 10);
        let top: Vec<(&[u8], u64)> = vec![(b"b", 2), (b"a", 2), (b"d", 1), (b"c", 1)];
        assert_eq!(f.top_k(10), top);
        assert_eq!(f.top_k(3), top[..3].to_vec());
        assert!(f.top_k(0).is_empty());
        assert_eq!((f.distinct(), f.total_count(), f.max_count_error()), (4, 6, 0));
        assert!(f.is_exact() && f.distinct_relative_error() == 0.0);
        let mut w = FrequentItems::new(10);
        w.add(b"x", 1.5);
        w.add_count(b"y", 3, 1.5);
        w.add(b"", 4.0); // empty string is a value like any other
        assert_eq!(w.top_k_weighted(3), vec![(&b""[..], 4.0), (&b"y"[..], 1.5), (&b"x"[..], 1.5)]);
        let mut all: Vec<_> = w.iter().collect();
        all.sort_by(|a, b| a.0.cmp(b.0));
        assert_eq!(all, vec![(&b""[..], 1, 4.0), (&b"x"[..], 1, 1.5), (&b"y"[..], 3, 1.5)]);
        assert!(w.size_bytes() > 0);
    }

    #[test]
    fn serialisation_is_canonical() {
        let a = counted(&["x", "y", "z", "y"], 10);
        let b = counted(&["y", "z", "y", "x"], 10);
        let bytes = encode_state(&a).unwrap();
        assert_eq!(bytes, encode_state(&b).unwrap());
        assert_eq!(decode_state::<FrequentItems>(&bytes, "t").unwrap(), a);
        let dup =
            encode_state(&(10u64, 2u64, None::<Approx>, vec![(b"a".to_vec(), 1u64, 0.0), (b"a".to_vec(), 1, 0.0)]));
        assert!(decode_state::<FrequentItems>(&dup.unwrap(), "dup").is_err());
    }

    #[test]
    fn heavy_hitters_survive_the_cap() {
        let stream = zipfish(20_000);
        let f = counted(&stream.iter().map(String::as_str).collect::<Vec<_>>(), 50);
        assert!(!f.is_exact());
        assert_eq!(f.total_count(), stream.len() as u64);
        // Misra–Gries bound: error ≤ n / (cap + 1).
        assert!(f.max_count_error() <= f.total_count() / 51, "{}", f.max_count_error());
        let top = f.top_k(5);
        for (i, (v, c)) in top.iter().enumerate() {
            assert_eq!(*v, format!("h{i}").as_bytes());
            let truth = 1000 - 100 * i as u64;
            assert!(*c <= truth && truth - c <= f.max_count_error(), "h{i}: {c} vs {truth}");
        }
        let distinct = 20_005.0;
        assert!((f.distinct() as f64 - distinct).abs() <= 3.0 * f.distinct_relative_error() * distinct);
        assert!(f.counters.len() <= 2 * f.cap);
    }

    #[test]
    fn cap_crossed_in_one_partition_only() {
        let stream = zipfish(3000);
        let parts: Vec<FrequentItems> = stream
            .chunks(stream.len() / 4 + 1)
            .enumerate()
            .map(|(i, part)| {
                // Partition 0 is mostly rare values and crosses the cap of 1000;
                // the others hold fewer than 1000 distinct values.
                let mut f = FrequentItems::new(1000);
                part.iter().for_each(|v| f.add(v.as_bytes(), 1.0));
                assert_eq!(f.is_exact(), part.iter().collect::<std::collections::HashSet<_>>().len() <= 1000, "{i}");
                f
            })
            .collect();
        assert!(parts.iter().any(FrequentItems::is_exact) && !parts.iter().all(FrequentItems::is_exact));
        for order in [[0, 1, 2, 3], [3, 1, 0, 2]] {
            let mut m = FrequentItems::default();
            order.iter().for_each(|&i| m.merge(&parts[i]));
            assert!(!m.is_exact());
            assert_eq!(m.cap(), 1000);
            assert_eq!(m.total_count(), stream.len() as u64);
            for (i, (v, c)) in m.top_k(5).iter().enumerate() {
                assert_eq!(*v, format!("h{i}").as_bytes());
                let truth = 1000 - 100 * i as u64;
                assert!(*c <= truth && truth - c <= m.max_count_error());
            }
            assert!((m.distinct() as f64 - 3005.0).abs() <= 3.0 * m.distinct_relative_error() * 3005.0);
        }
    }

    #[test]
    fn merge_laws() {
        let values: Vec<String> = (0..5000).map(|i| format!("v{}", (i * i) % 97)).collect();
        let update = |f: &mut FrequentItems, b: &[String]| b.iter().for_each(|v| f.add(v.as_bytes(), 0.25));
        check_merge_laws(&values, update, assert_eq_state);
        // Approximate: the same heavy hitters within the summed error bounds.
        let stream = zipfish(300_000);
        let approx_update = |f: &mut FrequentItems, b: &[String]| b.iter().for_each(|v| f.add(v.as_bytes(), 1.0));
        let same = |got: &FrequentItems, want: &FrequentItems, how: &str| {
            assert_eq!(got.total_count(), want.total_count(), "{how}");
            let slack = got.max_count_error() + want.max_count_error();
            for ((gv, gc), (wv, wc)) in got.top_k(5).into_iter().zip(want.top_k(5)) {
                assert_eq!(gv, wv, "{how}");
                assert!(gc.abs_diff(wc) <= slack, "{how}: {gc} vs {wc}");
            }
        };
        check_merge_laws(&stream, approx_update, same);
    }
}
