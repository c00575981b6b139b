//! Distances between two statistics of one feature, as TFDV's skew and drift
//! comparators compute them.
//!
//! - [`l_infinity`]: the largest difference between the two features' value
//!   shares (categorical features), and the value where it is attained
//!   (`FeatureComparator.infinity_norm`).
//! - [`normalized_abs_difference`]: the same with both features' counts divided
//!   by their combined total (`FeatureComparator.normalized_abs_difference`).
//! - [`jensen_shannon`]: the Jensen-Shannon divergence (Lin 1991), log base 2,
//!   of two numeric features' histograms or two categorical features' value
//!   counts (`FeatureComparator.jensen_shannon_divergence`).
//!
//! Each is a port of tensorflow/data-validation
//! `tensorflow_data_validation/anomalies/metrics.cc` (with `map_util.cc` for the
//! normalisation and `statistics_view.cc` for where the inputs come from), down
//! to the order of the floating-point operations, so the numbers agree with
//! TFDV's to the last bit where TFDV's tests pin them. Where TFDV would abort on
//! malformed input (a `CHECK`), these functions return `None`.
//!
//! Value counts come from the unweighted `rank_histogram` as in TFDV
//! (`FeatureStatsView::GetStringValuesWithCounts`); tabx falls back to
//! `top_values` when a feature has no rank histogram, which TFDV never does.
//! Numeric histograms come from `num_stats.histograms` (unweighted).

use std::collections::BTreeMap;

use tabx_schema::{FeatureNameStatistics, Histogram, HistogramType};

/// The L-infinity norm of a difference of two distributions over values, and
/// the value where it is attained.
///
/// `Default` is what TFDV reports when neither feature has any value: a
/// distance of 0 at the empty value.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LInfinity {
    pub distance: f64,
    pub value: String,
}

/// Which numeric histogram [`jensen_shannon`] compares: tensorflow_metadata's
/// `HistogramSelection` (whose `DEFAULT` is `STANDARD`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HistogramSource {
    #[default]
    Standard,
    Quantiles,
}

impl HistogramSource {
    fn histogram_type(self) -> HistogramType {
        match self {
            HistogramSource::Standard => HistogramType::Standard,
            HistogramSource::Quantiles => HistogramType::Quantiles,
        }
    }
}

/// A feature's values with their counts, in byte-wise order of the value.
///
/// From the rank histogram as TFDV reads it (`GetStringValuesWithCounts`: the
/// first bucket of a repeated label wins); from `top_values` when there is no
/// rank histogram (a tabx fallback). Empty for features without string
/// statistics.
pub fn value_counts(feature: &FeatureNameStatistics) -> BTreeMap<String, f64> {
    let mut counts = BTreeMap::new();
    for (value, count) in feature.string_values_with_counts() {
        counts.entry(value.to_string()).or_insert(count);
    }
    counts
}

/// L-infinity distance between two categorical features: the largest
/// |p_a(v) − p_b(v)| over all values v, where p are the value counts divided by
/// each feature's own total (TFDV's `LInftyDistance`, `kSeparateTotal`).
///
/// Among equal maxima the value reported is the last one in byte-wise order, as
/// in TFDV (`GetLInftyNorm` keeps a later key on `>=`); so identical
/// distributions give 0 at their last value. A feature whose counts sum to 0 is
/// left unnormalised, as in TFDV. If only one feature has values the distance is
/// the other's largest share. `None` when neither has any value (TFDV then
/// reports [`LInfinity::default`]).
pub fn l_infinity(a: &FeatureNameStatistics, b: &FeatureNameStatistics) -> Option<LInfinity> {
    let (a, b) = (value_counts(a), value_counts(b));
    if a.is_empty() && b.is_empty() {
        return None;
    }
    Some(linf_norm(&difference(&normalize(&a), &normalize(&b))))
}

/// Normalized absolute difference between two categorical features: the
/// largest |c_a(v) − c_b(v)| / (total_a + total_b) over all values v (TFDV's
/// `NormalizedAbsoluteDifference`, `kCombinedTotal`), with the value where it is
/// attained, ties resolved as in [`l_infinity`]. TFDV defines it on value
/// counts only; there is no numeric version. `None` when neither feature has any
/// value.
pub fn normalized_abs_difference(a: &FeatureNameStatistics, b: &FeatureNameStatistics) -> Option<LInfinity> {
    let (a, b) = (value_counts(a), value_counts(b));
    if a.is_empty() && b.is_empty() {
        return None;
    }
    let scale = sum(&a) + sum(&b);
    Some(linf_norm(&difference(&scale_by(&a, scale), &scale_by(&b, scale))))
}

/// Jensen-Shannon divergence between two features, log base 2, capped at 1.0
/// (TFDV's `JensenShannonDivergence(FeatureStatsView, ..., HistogramSelection)`).
///
/// If both features have value counts it is the divergence of the two value
/// distributions; otherwise, if both have a numeric histogram of `source`'s
/// type, the divergence of the two histograms ([`jensen_shannon_histograms`]).
/// `None` where TFDV returns an error: a feature without either, a numeric
/// feature against a categorical one, a value count that is not positive, or an
/// empty histogram.
pub fn jensen_shannon(a: &FeatureNameStatistics, b: &FeatureNameStatistics, source: HistogramSource) -> Option<f64> {
    let (counts_a, counts_b) = (value_counts(a), value_counts(b));
    if !counts_a.is_empty() && !counts_b.is_empty() {
        return jensen_shannon_counts(&counts_a, &counts_b);
    }
    let kind = source.histogram_type();
    let histogram_a = a.num_stats.as_ref()?.histogram(kind)?;
    let histogram_b = b.num_stats.as_ref()?.histogram(kind)?;
    jensen_shannon_histograms(histogram_a, histogram_b)
}

/// Jensen-Shannon divergence of two histograms, log base 2, capped at 1.0 (for
/// rounding, as TFDV does).
///
/// The histograms are first aligned as in TFDV's `AlignHistograms`:
/// - buckets with a non-finite bound hold "infinite" mass, and point buckets
///   (low == high) hold point masses; both are set aside;
/// - the remaining buckets of both histograms are re-cut on the union of their
///   edges, assuming values spread uniformly within a bucket;
/// - each distinct point becomes one bucket, shared by both histograms;
/// - infinite mass and NaNs (`num_nan`) become extra buckets that do *not*
///   match between the histograms: the first histogram's infinite mass and the
///   second's are in different buckets, and so are their NaNs. Two identical
///   histograms with NaNs or infinities therefore have a positive divergence
///   (the share of those values), as in current TFDV.
///
/// Then JSD(P‖Q) = (D(P‖M) + D(Q‖M)) / 2 with M = (P + Q) / 2 and D the
/// Kullback-Leibler divergence in bits (Lin 1991, eq. 4.1 with equal weights).
/// `None` if the histograms differ in type, either holds no mass, or they are
/// too malformed to align (where TFDV would abort).
pub fn jensen_shannon_histograms(a: &Histogram, b: &Histogram) -> Option<f64> {
    if a.histogram_type != b.histogram_type {
        return None;
    }
    let (p, q) = align_histograms(a, b)?;
    let p = normalize_histogram(&p)?;
    let q = normalize_histogram(&q)?;
    let m: Vec<f64> = p.iter().zip(&q).map(|(p, q)| (p + q) / 2.0).collect();
    let result = (kullback_leibler(&p, &m) + kullback_leibler(&q, &m)) / 2.0;
    result.is_finite().then(|| result.min(1.0))
}

/// JSD of two value distributions (TFDV's `JensenShannonDivergence` on maps):
/// one pass over the union of values in byte-wise order, capped at 1.0. `None`
/// if either map is empty or holds a count that is not positive (TFDV's
/// `InvalidArgument`); tabx also refuses NaN counts, which TFDV lets through.
fn jensen_shannon_counts(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> Option<f64> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut joint: BTreeMap<&str, (f64, f64)> = BTreeMap::new();
    let (mut a_sum, mut b_sum) = (0.0, 0.0);
    for (value, &count) in a {
        if count.is_nan() || count <= 0.0 {
            return None;
        }
        joint.entry(value).or_default().0 += count;
        a_sum += count;
    }
    for (value, &count) in b {
        if count.is_nan() || count <= 0.0 {
            return None;
        }
        joint.entry(value).or_default().1 += count;
        b_sum += count;
    }
    let mut kl_sum = 0.0;
    for &(count_a, count_b) in joint.values() {
        let (p, q) = (count_a / a_sum, count_b / b_sum);
        let m = (p + q) / 2.0;
        if count_a != 0.0 {
            kl_sum += p * (p / m).log2();
        }
        if count_b != 0.0 {
            kl_sum += q * (q / m).log2();
        }
    }
    let result = kl_sum / 2.0;
    result.is_finite().then(|| result.min(1.0))
}

fn sum(counts: &BTreeMap<String, f64>) -> f64 {
    counts.values().sum()
}

/// `map_util.cc::ScaleBy`: a zero scale leaves the counts as they are.
fn scale_by(counts: &BTreeMap<String, f64>, scale: f64) -> BTreeMap<String, f64> {
    if scale == 0.0 {
        return counts.clone();
    }
    counts.iter().map(|(k, v)| (k.clone(), v / scale)).collect()
}

/// `map_util.cc::Normalize`.
fn normalize(counts: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    scale_by(counts, sum(counts))
}

/// `map_util.cc::GetDifference`: a − b over the union of keys.
fn difference(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> BTreeMap<String, f64> {
    let mut result = a.clone();
    for (key, value) in b {
        *result.entry(key.clone()).or_insert(0.0) -= value;
    }
    result
}

/// `metrics.cc::GetLInftyNorm`: the largest |x|, the later key winning ties.
fn linf_norm(vector: &BTreeMap<String, f64>) -> LInfinity {
    let mut best = LInfinity::default();
    for (key, value) in vector {
        let magnitude = value.abs();
        if magnitude >= best.distance {
            best = LInfinity { distance: magnitude, value: key.clone() };
        }
    }
    best
}

/// A histogram split as `StripPointAndInfiniteBuckets` splits it.
struct Stripped {
    /// Buckets with finite bounds and low != high: (low, high, count).
    ranges: Vec<(f64, f64, f64)>,
    /// Mass of point buckets, by point.
    points: Vec<(f64, f64)>,
    /// Mass of buckets with a non-finite (infinite or NaN) bound.
    infinite: f64,
}

fn strip(histogram: &Histogram) -> Stripped {
    let mut stripped = Stripped { ranges: Vec::new(), points: Vec::new(), infinite: 0.0 };
    for bucket in &histogram.buckets {
        let (low, high, count) = (bucket.low_value, bucket.high_value, bucket.sample_count);
        if !low.is_finite() || !high.is_finite() {
            stripped.infinite += count;
        } else if low == high {
            // A std::map<double, double> in TFDV: +0.0 and -0.0 are one key.
            let point = low + 0.0;
            match stripped.points.iter_mut().find(|(p, _)| *p == point) {
                Some((_, mass)) => *mass += count,
                None => stripped.points.push((point, count)),
            }
        } else {
            stripped.ranges.push((low, high, count));
        }
    }
    stripped.points.sort_by(|x, y| x.0.total_cmp(&y.0));
    stripped
}

/// The distinct bucket edges, ascending (`GetHistogramBoundaries`; all finite).
fn boundaries(ranges: &[(f64, f64, f64)]) -> Vec<f64> {
    let mut edges: Vec<f64> = ranges.iter().flat_map(|&(low, high, _)| [low, high]).collect();
    sort_dedup(&mut edges);
    edges
}

/// Sorts finite values and keeps one of each (`-0.0 == 0.0`, as in a std::set).
fn sort_dedup(values: &mut Vec<f64>) {
    values.sort_by(f64::total_cmp);
    values.dedup_by(|x, y| x == y);
}

/// `AlignHistograms`: the two histograms' counts on common buckets.
fn align_histograms(a: &Histogram, b: &Histogram) -> Option<(Vec<f64>, Vec<f64>)> {
    let (sa, sb) = (strip(a), strip(b));
    let (edges_a, edges_b) = (boundaries(&sa.ranges), boundaries(&sb.ranges));
    let (mut p, mut q): (Vec<f64>, Vec<f64>) = if edges_a == edges_b {
        (sa.ranges.iter().map(|r| r.2).collect(), sb.ranges.iter().map(|r| r.2).collect())
    } else {
        let mut edges = edges_a;
        edges.extend(edges_b);
        sort_dedup(&mut edges);
        (rebucket(&edges, &sa.ranges), rebucket(&edges, &sb.ranges))
    };
    // TFDV CHECKs this; only malformed (overlapping or unsorted) buckets break it.
    if p.len() != q.len() {
        return None;
    }

    let mut points: Vec<f64> = sa.points.iter().chain(&sb.points).map(|&(point, _)| point).collect();
    sort_dedup(&mut points);
    let mass_at = |masses: &[(f64, f64)], point: f64| masses.iter().find(|(p, _)| *p == point).map_or(0.0, |m| m.1);
    for point in points {
        p.push(mass_at(&sa.points, point));
        q.push(mass_at(&sb.points, point));
    }

    if sa.infinite != 0.0 {
        p.push(sa.infinite);
        q.push(0.0);
    }
    if sb.infinite != 0.0 {
        p.push(0.0);
        q.push(sb.infinite);
    }
    if a.num_nan > 0 || b.num_nan > 0 {
        p.extend([0.0, a.num_nan as f64]);
        q.extend([b.num_nan as f64, 0.0]);
    }
    Some((p, q))
}

/// `RebucketHistogram`: the counts of `ranges` (ascending, non-overlapping, every
/// edge among `edges`) re-cut on the buckets between consecutive `edges`, a
/// bucket's count shared among the new buckets it covers in proportion to their
/// width. Index checks replace TFDV's CHECKs so malformed input cannot panic.
fn rebucket(edges: &[f64], ranges: &[(f64, f64, f64)]) -> Vec<f64> {
    let last = edges.len().saturating_sub(1);
    let mut counts = Vec::with_capacity(last);
    let mut index = 0;
    for &(low, high, count) in ranges {
        // Empty buckets up to the start of this one.
        while index < last && low > edges[index] {
            counts.push(0.0);
            index += 1;
        }
        // (TFDV's branch for point buckets here is unreachable: they were stripped.)
        let mut covered = Vec::new();
        while index < edges.len() && high > edges[index] {
            covered.push(edges[index]);
            index += 1;
        }
        if let Some(&end) = edges.get(index) {
            covered.push(end);
        }
        let width = high - low;
        for pair in covered.windows(2) {
            counts.push(((pair[1] - pair[0]) / width) * count);
        }
    }
    counts.extend((index..last).map(|_| 0.0));
    counts
}

/// `NormalizeHistogram`: counts divided by their sum; `None` when it is 0.
fn normalize_histogram(counts: &[f64]) -> Option<Vec<f64>> {
    let total: f64 = counts.iter().sum();
    if total == 0.0 {
        return None;
    }
    Some(counts.iter().map(|c| c / total).collect())
}

/// `KullbackLeiblerDivergence` in bits, over buckets where both are positive.
fn kullback_leibler(p: &[f64], q: &[f64]) -> f64 {
    let mut result = 0.0;
    for (&p, &q) in p.iter().zip(q) {
        if p > 0.0 && q > 0.0 {
            result += p * (p / q).log2();
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use tabx_schema::{Bucket, FreqAndValue, NumericStatistics, StringStatistics};

    fn histogram(buckets: &[(f64, f64, f64)], num_nan: u64) -> Histogram {
        Histogram {
            num_nan,
            buckets: buckets
                .iter()
                .map(|&(low_value, high_value, sample_count)| Bucket { low_value, high_value, sample_count })
                .collect(),
            histogram_type: HistogramType::Standard,
        }
    }

    fn jsd(a: &[(f64, f64, f64)], b: &[(f64, f64, f64)]) -> Option<f64> {
        jensen_shannon_histograms(&histogram(a, 0), &histogram(b, 0))
    }

    fn categorical(counts: &[(&str, f64)]) -> FeatureNameStatistics {
        FeatureNameStatistics::from_value_counts("f", counts)
    }

    fn assert_near(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-12, "got {got}, want {want}");
    }

    #[test]
    fn rebucket_shares_counts_by_width() {
        // [0, 4] holding 8 cut at 1 and 2: widths 1, 1, 2 of 4 → 2, 2, 4; the edge
        // 6 beyond the bucket gets an empty bucket.
        assert_eq!(rebucket(&[0.0, 1.0, 2.0, 4.0, 6.0], &[(0.0, 4.0, 8.0)]), vec![2.0, 2.0, 4.0, 0.0]);
        // Leading empty buckets, and a histogram with no ranges at all.
        assert_eq!(rebucket(&[0.0, 1.0, 2.0], &[(1.0, 2.0, 3.0)]), vec![0.0, 3.0]);
        assert_eq!(rebucket(&[0.0, 1.0, 2.0], &[]), vec![0.0, 0.0]);
    }

    #[test]
    fn point_masses_match_across_histograms() {
        // Hand computation. a: point 1 × 4. b: point 1 × 2, [2, 4] × 2.
        // Aligned: ranges [2, 4] → a 0, b 2; point 1 → a 4, b 2.
        // P = (0, 1), Q = (.5, .5), M = (.25, .75).
        // D(P‖M) = log2(1/.75) = 0.41503749927884376
        // D(Q‖M) = .5·log2(2) + .5·log2(.5/.75) = 0.5 − 0.29248125036057804
        // JSD = (0.41503749927884376 + 0.20751874963942196) / 2 = 0.31127812445913283
        let got = jsd(&[(1.0, 1.0, 4.0)], &[(1.0, 1.0, 2.0), (2.0, 4.0, 2.0)]).unwrap();
        assert_near(got, 0.311_278_124_459_132_83);
    }

    #[test]
    fn infinite_buckets_never_match() {
        // Hand computation. Both: [0, 1] × 2, [1, inf] × 2. The infinite masses go
        // into separate buckets: P = (.5, .5, 0), Q = (.5, 0, .5), M = (.5, .25, .25);
        // D(P‖M) = D(Q‖M) = .5·log2(2) = .5, so JSD = .5.
        let h = [(0.0, 1.0, 2.0), (1.0, f64::INFINITY, 2.0)];
        assert_eq!(jsd(&h, &h), Some(0.5));
        // A NaN bound counts as infinite too.
        let h = [(0.0, 1.0, 2.0), (f64::NAN, 1.0, 2.0)];
        assert_eq!(jsd(&h, &h), Some(0.5));
    }

    #[test]
    fn nan_counts_never_match() {
        // Hand computation. Both: [1, 2] × 3 and 1 NaN. P = (.75, 0, .25),
        // Q = (.75, .25, 0), M = (.75, .125, .125): JSD = .25·log2(2) = .25.
        let h = histogram(&[(1.0, 2.0, 3.0)], 1);
        assert_eq!(jensen_shannon_histograms(&h, &h), Some(0.25));
        // NaNs only, on both sides: still disjoint.
        let h = histogram(&[], 5);
        assert_eq!(jensen_shannon_histograms(&h, &h), Some(1.0));
    }

    #[test]
    fn odd_histograms_give_none_not_panics() {
        let empty = histogram(&[], 0);
        assert_eq!(jensen_shannon_histograms(&empty, &empty), None);
        assert_eq!(jsd(&[(0.0, 1.0, 0.0)], &[(0.0, 1.0, 0.0)]), None);
        // Overlapping, unsorted and inverted buckets: no panic, whatever comes out.
        let messy = [(0.0, 4.0, 1.0), (1.0, 2.0, 1.0), (3.0, 1.0, 1.0), (-5.0, -4.0, 1.0)];
        for other in [&[(0.0, 1.0, 1.0)][..], &[(10.0, 20.0, 1.0)], &messy] {
            if let Some(d) = jsd(&messy, other) {
                assert!((0.0..=1.0).contains(&d));
            }
        }
        // Different histogram types are not comparable.
        let mut quantiles = histogram(&[(0.0, 1.0, 1.0)], 0);
        quantiles.histogram_type = HistogramType::Quantiles;
        assert_eq!(jensen_shannon_histograms(&quantiles, &histogram(&[(0.0, 1.0, 1.0)], 0)), None);
    }

    #[test]
    fn signed_zero_is_one_edge_and_one_point() {
        let got = jsd(&[(-0.0, 1.0, 2.0), (0.0, 0.0, 1.0)], &[(0.0, 1.0, 2.0), (-0.0, -0.0, 1.0)]);
        assert_eq!(got, Some(0.0));
    }

    #[test]
    fn categorical_jsd_by_hand() {
        // a: x 1, y 1; b: x 1. P = (.5, .5), Q = (1, 0), M = (.75, .25).
        // kl = .5·log2(.5/.75) + 1·log2(1/.75) + .5·log2(.5/.25)
        //    = −0.29248125036057804 + 0.41503749927884376 + 0.5 → JSD = 0.31127812445913283
        let a = categorical(&[("x", 1.0), ("y", 1.0)]);
        let b = categorical(&[("x", 1.0)]);
        assert_near(jensen_shannon(&a, &b, HistogramSource::Standard).unwrap(), 0.311_278_124_459_132_83);
        assert_eq!(jensen_shannon(&a, &a, HistogramSource::Standard), Some(0.0));
        assert_eq!(jensen_shannon(&a, &categorical(&[("z", 7.0)]), HistogramSource::Standard), Some(1.0));
        // A count that is not positive is refused (TFDV: InvalidArgument).
        assert_eq!(jensen_shannon(&a, &categorical(&[("x", 0.0)]), HistogramSource::Standard), None);
        assert_eq!(jensen_shannon(&a, &categorical(&[("x", f64::NAN)]), HistogramSource::Standard), None);
    }

    #[test]
    fn top_values_stand_in_for_a_missing_rank_histogram() {
        let from_top = FeatureNameStatistics {
            string_stats: Some(StringStatistics {
                top_values: vec![
                    FreqAndValue { value: "b".into(), frequency: 3.0 },
                    FreqAndValue { value: "a".into(), frequency: 1.0 },
                ],
                ..Default::default()
            }),
            ..Default::default()
        };
        let want: BTreeMap<String, f64> = [("a".to_string(), 1.0), ("b".to_string(), 3.0)].into();
        assert_eq!(value_counts(&from_top), want);
        // A repeated label: the first bucket wins, as std::map::insert does.
        let repeated = categorical(&[("a", 1.0), ("a", 5.0)]);
        assert_eq!(value_counts(&repeated), [("a".to_string(), 1.0)].into());
    }

    #[test]
    fn l_infinity_edge_cases() {
        let a = categorical(&[("a", 1.0), ("b", 3.0)]);
        // Identical: distance 0 at the last value, as TFDV's `>=` gives.
        assert_eq!(l_infinity(&a, &a), Some(LInfinity { distance: 0.0, value: "b".into() }));
        // Disjoint: the largest share on either side, last value on ties.
        let c = categorical(&[("c", 2.0)]);
        assert_eq!(l_infinity(&a, &c), Some(LInfinity { distance: 1.0, value: "c".into() }));
        // One side without values: the other side's largest share.
        let none = FeatureNameStatistics::default();
        assert_eq!(l_infinity(&a, &none), Some(LInfinity { distance: 0.75, value: "b".into() }));
        assert_eq!(l_infinity(&none, &none), None);
        assert_eq!(normalized_abs_difference(&none, &none), None);
        // Counts that sum to 0 are left as they are (map_util Normalize).
        let zero = categorical(&[("a", 0.0)]);
        assert_eq!(l_infinity(&zero, &zero), Some(LInfinity { distance: 0.0, value: "a".into() }));
    }

    #[test]
    fn normalized_abs_difference_by_hand() {
        // a: x 1, y 3 (total 4); b: x 2, y 2 (total 4); combined total 8.
        // x: (1 − 2)/8 = −.125, y: (3 − 2)/8 = .125 → .125 at y (the later tie).
        let a = categorical(&[("x", 1.0), ("y", 3.0)]);
        let b = categorical(&[("x", 2.0), ("y", 2.0)]);
        assert_eq!(normalized_abs_difference(&a, &b), Some(LInfinity { distance: 0.125, value: "y".into() }));
        // For comparison L-infinity: x .25 − .5, y .75 − .5 → .25 at y.
        assert_eq!(l_infinity(&a, &b), Some(LInfinity { distance: 0.25, value: "y".into() }));
    }

    #[test]
    fn numeric_against_categorical_is_none() {
        let numeric = FeatureNameStatistics {
            num_stats: Some(NumericStatistics {
                histograms: vec![histogram(&[(0.0, 1.0, 1.0)], 0)],
                ..Default::default()
            }),
            ..Default::default()
        };
        let strings = categorical(&[("a", 1.0)]);
        assert_eq!(jensen_shannon(&numeric, &strings, HistogramSource::Standard), None);
        assert_eq!(jensen_shannon(&numeric, &numeric, HistogramSource::Quantiles), None);
        assert_eq!(jensen_shannon(&numeric, &numeric, HistogramSource::Standard), Some(0.0));
        assert_eq!(l_infinity(&numeric, &numeric), None);
    }
}
