//! [`Histogram`]: TFMA's calibration histogram of predictions, from which the
//! thresholded AUC / AUC-PR and the calibration plot are derived
//! (`tensorflow_model_analysis/metrics/calibration_histogram.py`).
//!
//! TFMA buckets every prediction into `DEFAULT_NUM_BUCKETS` = 10,000 equal
//! buckets on [0, 1] plus one below and one above (ids 0 and 10,001), keeping
//! per bucket the weighted labels, weighted predictions and weighted
//! examples; the AUC's thresholds (`num_thresholds`) and the plot's buckets
//! (`calibration_buckets`) are then *rebinned* from it ([`rebin`]). We do the
//! same, with the sums in [`Fixed`] point so that merges are exact.
//!
//! Memory: the evaluator keeps one state per slice and confidence-interval
//! sample, so a small slice must stay small, and a state costs what it hits:
//! 52 bytes a bucket (its id and three sums). While fewer than `INDEX_AT`
//! buckets are hit they are kept sorted by id (an insert shifts the tail);
//! past that, a 10,002-slot `u16` index (20 KB) says where each bucket lives
//! and new buckets are appended, so adding stays O(1) per example however
//! many buckets fill. Equality and the serialised form go by bucket id, so
//! equal contents compare and encode equal however they were added and merged.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::fixed::Fixed;

/// TFMA's `calibration_histogram.DEFAULT_NUM_BUCKETS`.
pub(crate) const NUM_BUCKETS: u32 = 10_000;
/// Bucket ids 0..=NUM_BUCKETS+1: below 0, the 10,000 buckets, 1 and above.
const ID_COUNT: usize = NUM_BUCKETS as usize + 2;
/// Buckets hit from which the histogram keeps an index instead of sorting.
const INDEX_AT: usize = 256;
/// An index slot of a bucket not hit.
const NONE: u16 = u16::MAX;

/// One bucket: TFMA's `Bucket` (weighted_labels, weighted_predictions, weighted_examples).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Bucket {
    /// Σw·y (the weighted positives, labels being 0/1).
    pub(crate) labels: Fixed,
    /// Σw·p
    pub(crate) predictions: Fixed,
    /// Σw
    pub(crate) examples: Fixed,
}

impl Bucket {
    #[inline]
    fn add(&mut self, other: &Self) {
        self.labels.add(other.labels);
        self.predictions.add(other.predictions);
        self.examples.add(other.examples);
    }

    /// Σw·(1−y): the weighted negatives.
    pub(crate) fn negatives(&self) -> Fixed {
        self.examples.sub(self.labels)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.labels.is_zero() && self.predictions.is_zero() && self.examples.is_zero()
    }
}

/// The prediction histogram of one state (see the module docs).
#[derive(Debug, Clone, Default)]
pub(crate) struct Histogram {
    /// The ids of the buckets hit: sorted while unindexed, in arrival order after.
    ids: Vec<u32>,
    /// Their sums, parallel to `ids`.
    buckets: Vec<Bucket>,
    /// Empty, or `ID_COUNT` slots: the position of each id in `ids`, or `NONE`.
    index: Vec<u16>,
}

/// TFMA's `_CalibrationHistogramCombiner._bucket_index` on [0, 1]: the same
/// f64 arithmetic, so every prediction lands in TFMA's bucket.
#[inline]
pub(crate) fn bucket_index(prediction: f64) -> u32 {
    let index = prediction * f64::from(NUM_BUCKETS) + 1.0;
    if index.is_nan() || index < 0.0 {
        0 // also NaN, which the evaluator never passes
    } else if index >= f64::from(NUM_BUCKETS + 1) {
        NUM_BUCKETS + 1
    } else {
        index as u32
    }
}

/// The prediction a bucket stands for in TFMA's `rebin`: its lower edge.
fn bucket_prediction(id: u32) -> f64 {
    if id == 0 {
        f64::NEG_INFINITY
    } else if id > NUM_BUCKETS {
        f64::INFINITY
    } else {
        f64::from(id - 1) / f64::from(NUM_BUCKETS)
    }
}

impl Histogram {
    /// Adds examples: predictions, weights, and the weights and weighted
    /// labels already in fixed point (slices of equal length).
    pub(crate) fn add(&mut self, predictions: &[f64], weights: &[f64], w: &[Fixed], wy: &[Fixed]) {
        for (((&p, &weight), &w), &wy) in predictions.iter().zip(weights).zip(w).zip(wy) {
            let bucket = Bucket { labels: wy, predictions: Fixed::from_f64(weight * p), examples: w };
            let slot = self.slot(bucket_index(p));
            self.buckets[slot].add(&bucket);
        }
    }

    /// Where bucket `id` lives in `buckets`, adding it if new.
    #[inline]
    fn slot(&mut self, id: u32) -> usize {
        if !self.index.is_empty() {
            let slot = self.index[id as usize];
            if slot != NONE {
                return usize::from(slot);
            }
            self.index[id as usize] = self.ids.len() as u16;
            self.reserve_one();
            self.ids.push(id);
            self.buckets.push(Bucket::default());
            return self.ids.len() - 1;
        }
        match self.ids.binary_search(&id) {
            Ok(i) => i,
            Err(i) => {
                self.reserve_one();
                self.ids.insert(i, id);
                self.buckets.insert(i, Bucket::default());
                if self.ids.len() >= INDEX_AT {
                    self.build_index();
                }
                i
            }
        }
    }

    /// Room for one more bucket, growing by a quarter rather than doubling:
    /// a state's size is what the memory budget counts.
    fn reserve_one(&mut self) {
        if self.ids.len() == self.ids.capacity() {
            let more = (self.ids.len() / 4).max(4);
            self.ids.reserve_exact(more);
            self.buckets.reserve_exact(more);
        }
    }

    fn build_index(&mut self) {
        self.index = vec![NONE; ID_COUNT];
        for (slot, &id) in self.ids.iter().enumerate() {
            self.index[id as usize] = slot as u16;
        }
    }

    /// The buckets hit, in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Bucket)> {
        let sorted = self.index.is_empty().then(|| self.ids.iter().copied().zip(&self.buckets));
        let indexed = (!self.index.is_empty()).then(|| {
            let slots = self.index.iter().enumerate().filter(|(_, s)| **s != NONE);
            slots.map(|(id, &s)| (id as u32, &self.buckets[usize::from(s)]))
        });
        sorted.into_iter().flatten().chain(indexed.into_iter().flatten())
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        if self.index.is_empty() && other.index.is_empty() && !self.ids.is_empty() {
            // Both small and sorted: one linear merge.
            self.merge_sorted(other);
            return;
        }
        if self.index.is_empty() && !other.index.is_empty() {
            // Merge the small into (a copy of) the large: fewer inserts.
            let small = std::mem::replace(self, other.clone());
            self.merge(&small);
            return;
        }
        for (&id, b) in other.ids.iter().zip(&other.buckets) {
            let slot = self.slot(id);
            self.buckets[slot].add(b);
        }
    }

    fn merge_sorted(&mut self, other: &Self) {
        let (n, m) = (self.ids.len(), other.ids.len());
        let mut ids = Vec::with_capacity(n + m);
        let mut buckets = Vec::with_capacity(n + m);
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            let take_self = j == m || (i < n && self.ids[i] <= other.ids[j]);
            let take_other = i == n || (j < m && other.ids[j] <= self.ids[i]);
            let mut b = Bucket::default();
            ids.push(if take_self { self.ids[i] } else { other.ids[j] });
            if take_self {
                b.add(&self.buckets[i]);
                i += 1;
            }
            if take_other {
                b.add(&other.buckets[j]);
                j += 1;
            }
            buckets.push(b);
        }
        self.ids = ids;
        self.buckets = buckets;
        if self.ids.len() >= INDEX_AT {
            self.build_index();
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.ids.capacity() * size_of::<u32>()
            + self.buckets.capacity() * size_of::<Bucket>()
            + self.index.capacity() * size_of::<u16>()
    }
}

impl PartialEq for Histogram {
    fn eq(&self, other: &Self) -> bool {
        self.ids.len() == other.ids.len() && self.iter().eq(other.iter())
    }
}

/// The serialised form: (id, bucket) pairs in id order.
impl Serialize for Histogram {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.ids.len()))?;
        for pair in self.iter() {
            seq.serialize_element(&pair)?;
        }
        seq.end()
    }
}

impl<'de> Deserialize<'de> for Histogram {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let pairs: Vec<(u32, Bucket)> = Vec::deserialize(d)?;
        let mut h = Self::default();
        for (id, b) in pairs {
            if id as usize >= ID_COUNT {
                return Err(serde::de::Error::custom(format!("histogram bucket {id} out of range")));
            }
            let slot = h.slot(id);
            h.buckets[slot].add(&b);
        }
        Ok(h)
    }
}

/// TFMA's `calibration_histogram.rebin`: the histogram regrouped into
/// `thresholds.len()` buckets, bucket i holding [thresholds[i],
/// thresholds[i+1]) and the first and last taking everything below and
/// above. A source bucket goes where its lower edge falls.
pub(crate) fn rebin(histogram: &Histogram, thresholds: &[f64]) -> Vec<Bucket> {
    let mut out = vec![Bucket::default(); thresholds.len().max(1)];
    let mut offset = 0;
    for (id, bucket) in histogram.iter() {
        let prediction = bucket_prediction(id);
        while offset + 1 < thresholds.len() && prediction >= thresholds[offset + 1] {
            offset += 1;
        }
        out[offset].add(bucket);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn histogram(predictions: &[f64]) -> Histogram {
        let mut h = Histogram::default();
        let ones = vec![1.0; predictions.len()];
        let fixed = vec![Fixed::from_f64(1.0); predictions.len()];
        h.add(predictions, &ones, &fixed, &fixed);
        h
    }

    #[test]
    fn bucket_index_is_tfma_arithmetic() {
        // _bucket_index: int(p * 10000 + 1), clamped to [0, 10001].
        assert_eq!(bucket_index(-0.5), 0);
        assert_eq!(bucket_index(-0.00001), 0);
        assert_eq!(bucket_index(0.0), 1);
        assert_eq!(bucket_index(0.00015), 2);
        assert_eq!(bucket_index(0.5), 5001);
        assert_eq!(bucket_index(0.99999), 10000);
        assert_eq!(bucket_index(1.0), 10001);
        assert_eq!(bucket_index(7.5), 10001);
        // Python: int(0.3 / 1.0 * 10000 + 1) == 3001.
        assert_eq!(bucket_index(0.3), 3001);
    }

    #[test]
    fn sorted_and_indexed_forms_agree() {
        let few: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let many: Vec<f64> = (0..5000).map(|i| f64::from(i) / 5000.0).collect();
        let (h_few, h_many) = (histogram(&few), histogram(&many));
        assert!(h_few.index.is_empty() && !h_many.index.is_empty());
        assert!(h_few.heap_bytes() < 10_000, "{}", h_few.heap_bytes());
        // Sorted + indexed in either order gives the same state.
        let mut a = h_few.clone();
        a.merge(&h_many);
        let mut b = h_many.clone();
        b.merge(&h_few);
        assert_eq!(a, b);
        let both: Vec<f64> = few.iter().chain(&many).copied().collect();
        assert_eq!(a, histogram(&both));
        assert!(a.iter().map(|(id, _)| id).is_sorted());
        // Two sorted halves that together pass INDEX_AT get an index on merge.
        let (left, right) = many.split_at(2500);
        let mut c = histogram(&left[..200]);
        c.merge(&histogram(&right[..200]));
        assert!(!c.index.is_empty());
        assert_eq!(c, histogram(&[&left[..200], &right[..200]].concat()));
        // The serialised form is canonical.
        let (x, y) = (tabx_core::encode_state(&a).unwrap(), tabx_core::encode_state(&b).unwrap());
        assert_eq!(x, y);
        assert_eq!(tabx_core::decode_state::<Histogram>(&x, "h").unwrap(), a);
    }

    #[test]
    fn rebin_groups_by_lower_edge() {
        let h = histogram(&[0.05, 0.25, 0.5, 0.75, 1.0]);
        let out = rebin(&h, &[f64::NEG_INFINITY, 0.0, 0.5, 1.0]);
        let counts: Vec<f64> = out.iter().map(|b| b.examples.value()).collect();
        assert_eq!(counts, [0.0, 2.0, 2.0, 1.0]);
    }
}
