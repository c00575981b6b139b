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
//! sample, so a small slice must stay small. The histogram is sparse (sorted
//! bucket ids and their sums, 52 bytes a bucket hit) until `DENSE_AT`
//! buckets are hit, then dense (10,002 × 48 bytes): inserting into a sorted
//! vector costs a shift, which past a thousand entries would dominate. Which
//! form a state is in depends only on the set of buckets hit, so equal
//! contents compare equal however they were added and merged.

use serde::{Deserialize, Serialize};

use super::fixed::Fixed;

/// TFMA's `calibration_histogram.DEFAULT_NUM_BUCKETS`.
pub(crate) const NUM_BUCKETS: u32 = 10_000;
/// Bucket ids 0..=NUM_BUCKETS+1: below 0, the 10,000 buckets, 1 and above.
const ID_COUNT: usize = NUM_BUCKETS as usize + 2;
/// Buckets hit past which the histogram turns dense.
const DENSE_AT: usize = 1024;

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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Histogram {
    /// Sorted ids of the buckets hit; empty when dense.
    ids: Vec<u32>,
    /// The sums, parallel to `ids`; `ID_COUNT` of them when dense.
    buckets: Vec<Bucket>,
    dense: bool,
}

/// TFMA's `_CalibrationHistogramCombiner._bucket_index` on [0, 1]: the same
/// f64 arithmetic, so every prediction lands in TFMA's bucket.
#[inline]
pub(crate) fn bucket_index(prediction: f64) -> u32 {
    let index = prediction * f64::from(NUM_BUCKETS) + 1.0;
    if !(index >= 0.0) {
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

    /// Where bucket `id` lives in `buckets`, inserting it (or turning dense) if new.
    #[inline]
    fn slot(&mut self, id: u32) -> usize {
        if self.dense {
            return id as usize;
        }
        match self.ids.binary_search(&id) {
            Ok(i) => i,
            Err(i) if self.ids.len() + 1 < DENSE_AT => {
                self.ids.insert(i, id);
                self.buckets.insert(i, Bucket::default());
                i
            }
            Err(_) => {
                self.densify();
                id as usize
            }
        }
    }

    fn densify(&mut self) {
        let mut dense = vec![Bucket::default(); ID_COUNT];
        for (&id, b) in self.ids.iter().zip(&self.buckets) {
            dense[id as usize] = *b;
        }
        self.ids = Vec::new();
        self.buckets = dense;
        self.dense = true;
    }

    /// The buckets in id order (every id when dense, empty ones included).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (u32, &Bucket)> {
        let dense = self.dense;
        let ids = &self.ids;
        self.buckets.iter().enumerate().map(move |(i, b)| (if dense { i as u32 } else { ids[i] }, b))
    }

    pub(crate) fn merge(&mut self, other: &Self) {
        if other.buckets.is_empty() {
            return;
        }
        if self.dense {
            for (id, b) in other.iter() {
                self.buckets[id as usize].add(b);
            }
            return;
        }
        if other.dense {
            let mut merged = other.clone();
            merged.merge(self);
            *self = merged;
            return;
        }
        // Both sparse: one linear merge of the sorted ids.
        let (n, m) = (self.ids.len(), other.ids.len());
        let mut ids = Vec::with_capacity(n + m);
        let mut buckets = Vec::with_capacity(n + m);
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            let take_self = j == m || (i < n && self.ids[i] <= other.ids[j]);
            let take_other = i == n || (j < m && other.ids[j] <= self.ids[i]);
            let mut b = Bucket::default();
            let id = if take_self { self.ids[i] } else { other.ids[j] };
            if take_self {
                b.add(&self.buckets[i]);
                i += 1;
            }
            if take_other {
                b.add(&other.buckets[j]);
                j += 1;
            }
            ids.push(id);
            buckets.push(b);
        }
        self.ids = ids;
        self.buckets = buckets;
        if self.ids.len() >= DENSE_AT {
            self.densify();
        }
    }

    /// Heap bytes held.
    pub(crate) fn heap_bytes(&self) -> usize {
        self.ids.capacity() * size_of::<u32>() + self.buckets.capacity() * size_of::<Bucket>()
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
    fn sparse_and_dense_forms_agree() {
        let few: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let many: Vec<f64> = (0..5000).map(|i| f64::from(i) / 5000.0).collect();
        let (h_few, h_many) = (histogram(&few), histogram(&many));
        assert!(!h_few.dense && h_many.dense);
        assert!(h_few.heap_bytes() < 10_000 && h_many.heap_bytes() >= ID_COUNT * 48);
        // Sparse + dense in either order gives the same state.
        let mut a = h_few.clone();
        a.merge(&h_many);
        let mut b = h_many.clone();
        b.merge(&h_few);
        assert_eq!(a, b);
        let both: Vec<f64> = few.iter().chain(&many).copied().collect();
        assert_eq!(a, histogram(&both));
        // Two sparse halves that together pass DENSE_AT turn dense on merge.
        let (left, right) = many.split_at(2500);
        let mut c = histogram(&left[..700]);
        c.merge(&histogram(&right[..700]));
        assert!(c.dense);
        assert_eq!(c, histogram(&[&left[..700], &right[..700]].concat()));
    }

    #[test]
    fn rebin_groups_by_lower_edge() {
        let h = histogram(&[0.05, 0.25, 0.5, 0.75, 1.0]);
        let out = rebin(&h, &[f64::NEG_INFINITY, 0.0, 0.5, 1.0]);
        let counts: Vec<f64> = out.iter().map(|b| b.examples.value()).collect();
        assert_eq!(counts, [0.0, 2.0, 2.0, 1.0]);
    }
}
