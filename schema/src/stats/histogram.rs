//! Histograms of numeric features, read off the column's quantiles: exact
//! value counts while the column has few distinct values
//! (`tabx_core::ExactValues`), else the quantile sketch.
//!
//! TFDV does the same: its STANDARD histogram is interpolated from quantiles,
//! not counted per bin, and its QUANTILES histogram re-bins the quantile sketch.
//! From a sketch, bucket counts are estimates within its rank error (times the
//! count); the artifact states that error in `custom_stats` (0 when exact).

use tabx_core::Quantiles;

use crate::statistics::{Bucket, Histogram, HistogramType};

/// Equal-width buckets between the finite min and max. Infinite values get
/// buckets of their own at either end (`[-inf, -inf]`, `[inf, inf]`) with exact counts.
pub fn standard_histogram(
    sketch: &dyn Quantiles,
    count: f64,
    (neg_inf, pos_inf): (u64, u64),
    num_nan: u64,
    num_buckets: usize,
) -> Histogram {
    let mut buckets = Vec::with_capacity(num_buckets + 2);
    if neg_inf > 0 {
        buckets.push(bucket(f64::NEG_INFINITY, f64::NEG_INFINITY, neg_inf as f64));
    }
    let finite = count - (neg_inf + pos_inf) as f64;
    if finite > 0.0 {
        // The finite range: the quantiles just inside the infinite masses.
        // Quantile q is the value of rank ceil(q·n): aim half a rank inside.
        let lo = sketch.quantile((neg_inf as f64 + 0.5) / count).unwrap_or(0.0);
        let hi = sketch.quantile((count - pos_inf as f64 - 0.5) / count).unwrap_or(0.0);
        let (lo, hi) = (finite_or(lo, hi), finite_or(hi, lo));
        if lo >= hi {
            buckets.push(bucket(lo, hi, finite));
        } else {
            let n = num_buckets as f64;
            // The i-th of n equal-width edges. hi − lo overflows past ±8.9e307
            // (e.g. −1.7e308..1.7e308): there, the convex combination of lo and
            // hi, whose terms stay inside [lo, hi].
            let width = (hi - lo) / n;
            let edge = |i: usize| {
                let i = i as f64;
                if width.is_finite() { lo + width * i } else { lo / n * (n - i) + hi / n * i }
            };
            // Buckets are [low, high) as statistics.proto says: count values < edge,
            // i.e. ≤ the float just below it.
            let edges: Vec<f64> = (1..num_buckets).map(|i| edge(i).next_down()).collect();
            // Values up to each bucket's high edge; the last bucket ends at the finite max.
            let mut upto: Vec<f64> = sketch.cdf(&edges).iter().map(|c| c * count - neg_inf as f64).collect();
            upto.push(finite);
            let mut previous = 0.0;
            for (i, upto) in upto.into_iter().enumerate() {
                let upto = upto.clamp(previous, finite);
                let low = edge(i);
                let high = if i + 1 == num_buckets { hi } else { edge(i + 1) };
                buckets.push(bucket(low, high, upto - previous));
                previous = upto;
            }
        }
    }
    if pos_inf > 0 {
        buckets.push(bucket(f64::INFINITY, f64::INFINITY, pos_inf as f64));
    }
    Histogram { num_nan, buckets, histogram_type: HistogramType::Standard }
}

/// Quantiles as TFDV defines them: the q-quantile of n sorted values is the one at
/// 0-based position floor(q·n) (so the median of 1, 1, 2, 3, 4, 5 is 3, as in
/// TFDV's `test_single_feature`). The sketch answers rank ceil(q·n), 1-based.
pub fn tfdv_quantiles(sketch: &dyn Quantiles, qs: &[f64]) -> Vec<f64> {
    let n = sketch.count() as f64;
    if n == 0.0 {
        return vec![0.0; qs.len()];
    }
    let ranks: Vec<f64> = qs.iter().map(|q| (((q * n).floor() + 1.0).min(n)) / n).collect();
    sketch.quantiles(&ranks)
}

/// Equal-count buckets whose edges are the TFDV quantiles at i / num_buckets.
pub fn quantiles_histogram(sketch: &dyn Quantiles, count: f64, num_nan: u64, num_buckets: usize) -> Histogram {
    let mut buckets = Vec::new();
    if count > 0.0 {
        let ranks: Vec<f64> = (0..=num_buckets).map(|i| i as f64 / num_buckets as f64).collect();
        let edges = tfdv_quantiles(sketch, &ranks);
        let per_bucket = count / num_buckets as f64;
        buckets = edges.windows(2).map(|w| bucket(w[0], w[1], per_bucket)).collect();
    }
    Histogram { num_nan, buckets, histogram_type: HistogramType::Quantiles }
}

/// A QUANTILES histogram of `num_buckets` equal buckets for a feature with exactly
/// one value per present example (TFDV's `num_values_histogram` of scalar columns).
pub fn constant_quantiles_histogram(value: f64, count: f64, num_buckets: usize) -> Histogram {
    let per_bucket = count / num_buckets as f64;
    Histogram {
        num_nan: 0,
        buckets: (0..num_buckets).map(|_| bucket(value, value, per_bucket)).collect(),
        histogram_type: HistogramType::Quantiles,
    }
}

fn finite_or(x: f64, fallback: f64) -> f64 {
    if x.is_finite() {
        x
    } else if fallback.is_finite() {
        fallback
    } else {
        0.0
    }
}

fn bucket(low_value: f64, high_value: f64, sample_count: f64) -> Bucket {
    Bucket { low_value, high_value, sample_count }
}

#[cfg(test)]
mod tests {
    use tabx_core::KllSketch;

    use super::*;

    fn sketch_of(xs: &[f64]) -> KllSketch {
        let mut s = KllSketch::default();
        s.update_slice(xs);
        s
    }

    #[test]
    fn standard_buckets_count_exactly_on_small_inputs() {
        // Hand count: 0..=9 and 100 in 10 buckets of width 10 over [0, 100]:
        // the first bucket [0, 10) holds 0..=9, the last [90, 100] holds 100.
        let mut xs: Vec<f64> = (0..10).map(f64::from).collect();
        xs.push(100.0);
        let h = standard_histogram(&sketch_of(&xs), 11.0, (0, 0), 0, 10);
        let counts: Vec<f64> = h.buckets.iter().map(|b| b.sample_count).collect();
        assert_eq!(counts, vec![10.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0]);
        assert_eq!((h.buckets[0].low_value, h.buckets[9].high_value), (0.0, 100.0));
    }

    #[test]
    fn infinities_get_their_own_buckets() {
        let xs = [f64::NEG_INFINITY, 1.0, 2.0, 3.0, f64::INFINITY, f64::INFINITY];
        let h = standard_histogram(&sketch_of(&xs), 6.0, (1, 2), 0, 2);
        let shape: Vec<(f64, f64, f64)> =
            h.buckets.iter().map(|b| (b.low_value, b.high_value, b.sample_count)).collect();
        assert_eq!(
            shape,
            vec![
                (f64::NEG_INFINITY, f64::NEG_INFINITY, 1.0),
                (1.0, 2.0, 1.0),
                (2.0, 3.0, 2.0),
                (f64::INFINITY, f64::INFINITY, 2.0)
            ]
        );
    }

    #[test]
    fn single_value_gives_one_bucket() {
        let h = standard_histogram(&sketch_of(&[5.0; 4]), 4.0, (0, 0), 0, 10);
        assert_eq!(h.buckets.len(), 1);
        assert_eq!(h.buckets[0].sample_count, 4.0);
    }

    #[test]
    fn quantile_buckets_hold_equal_counts() {
        let xs: Vec<f64> = (1..=100).map(f64::from).collect();
        let h = quantiles_histogram(&sketch_of(&xs), 100.0, 0, 4);
        assert_eq!(h.buckets.len(), 4);
        assert!(h.buckets.iter().all(|b| b.sample_count == 25.0));
        assert_eq!((h.buckets[0].low_value, h.buckets[3].high_value), (1.0, 100.0));
    }
}
