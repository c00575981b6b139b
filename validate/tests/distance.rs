//! TFDV's own tests of its skew and drift distances, reproduced on
//! `tabx_validate::distance`, plus a numpy cross-check.
//!
//! Each test names the tensorflow/data-validation file and test it reproduces
//! (files under `tensorflow_data_validation/anomalies/`). The statistics are
//! TFDV's text protos written as protobuf-JSON. TFDV compares with
//! `EXPECT_NEAR(.., 1e-5)`; where the number is exact here it is compared exactly.

use serde_json::{Value, json};
use tabx_schema::FeatureNameStatistics;
use tabx_validate::distance::{
    HistogramSource, LInfinity, jensen_shannon, jensen_shannon_histograms, l_infinity, normalized_abs_difference,
};

const STANDARD: HistogramSource = HistogramSource::Standard;

fn feature(value: Value) -> FeatureNameStatistics {
    serde_json::from_value(value).expect("statistics JSON")
}

/// A STRING feature whose rank histogram holds `counts`
/// (`metrics_test.cc::GetFeatureNameStatisticsWithTokens`).
fn tokens(counts: &[(&str, f64)]) -> FeatureNameStatistics {
    let buckets: Vec<Value> =
        counts.iter().map(|(label, count)| json!({"label": label, "sample_count": count})).collect();
    feature(json!({
        "name": "bar",
        "type": "STRING",
        "string_stats": {"common_stats": {"max_num_values": 1}, "rank_histogram": {"buckets": buckets}}
    }))
}

/// A FLOAT feature with one histogram of `kind` made of (low, high, count) buckets.
fn numeric(kind: &str, buckets: &[(f64, f64, f64)], num_nan: u64) -> FeatureNameStatistics {
    let buckets: Vec<Value> = buckets
        .iter()
        .map(|(low, high, count)| json!({"low_value": low, "high_value": high, "sample_count": count}))
        .collect();
    feature(json!({
        "name": "float",
        "type": "FLOAT",
        "num_stats": {"common_stats": {}, "histograms": [{"num_nan": num_nan, "buckets": buckets, "type": kind}]}
    }))
}

fn standard(buckets: &[(f64, f64, f64)]) -> FeatureNameStatistics {
    numeric("STANDARD", buckets, 0)
}

fn linf(distance: f64, value: &str) -> Option<LInfinity> {
    Some(LInfinity { distance, value: value.to_string() })
}

fn assert_near(got: Option<f64>, want: f64) {
    let got = got.expect("a divergence");
    assert!((got - want).abs() < 1e-5, "got {got}, want {want}");
}

// metrics_test.cc, TEST(LInftyDistanceTest, All).
#[test]
fn tfdv_linfty_distance_test_all() {
    // "Two empty maps": TFDV reports 0; tabx says None, whose default is TFDV's answer.
    assert_eq!(l_infinity(&tokens(&[]), &tokens(&[])), None);
    assert_eq!(l_infinity(&tokens(&[]), &tokens(&[])).unwrap_or_default().distance, 0.0);
    // "Normal distribution.": hello .1 − .3, world .9 − .7 = 0.20000000000000007.
    assert_eq!(
        l_infinity(&tokens(&[("hello", 0.1), ("world", 0.9)]), &tokens(&[("hello", 0.3), ("world", 0.7)])),
        linf(0.9 - 0.7, "world")
    );
    // "Missing value in both." and flipped: a differs by .3.
    assert_eq!(l_infinity(&tokens(&[("b", 0.9), ("c", 0.1)]), &tokens(&[("a", 0.3), ("b", 0.7)])), linf(0.3, "a"));
    assert_eq!(l_infinity(&tokens(&[("a", 0.3), ("b", 0.7)]), &tokens(&[("b", 0.9), ("c", 0.1)])), linf(0.3, "a"));
}

// schema_anomalies_test.cc, TEST(SchemaAnomalies, FindSkew): TFDV's drift_skew_info
// holds 0.19999999999999998 (= 0.1 − 0.3 in doubles) and names "a".
#[test]
fn tfdv_schema_anomalies_find_skew() {
    let training = tokens(&[("a", 1.0), ("b", 2.0), ("c", 7.0)]);
    let serving = tokens(&[("a", 3.0), ("b", 1.0), ("c", 6.0)]);
    assert_eq!(l_infinity(&training, &serving), linf(0.199_999_999_999_999_98, "a"));
}

// feature_statistics_validator_test.cc,
// TEST(FeatureStatisticsValidatorTest, UpdateDriftComparatorInSchemaStringFeature):
// a .5 − .75 and b .5 − .25 tie at .25; TFDV names the later value, "b".
#[test]
fn tfdv_update_drift_comparator_string_feature() {
    let current = tokens(&[("a", 1.0), ("b", 1.0)]);
    let previous = tokens(&[("a", 3.0), ("b", 1.0)]);
    assert_eq!(l_infinity(&current, &previous), linf(0.25, "b"));
}

// feature_util_test.cc, TEST(FeatureUtilTest, UpdateComparatorProposeNewThreshold):
// L_INFTY 1 for tok1 against tok2, JENSEN_SHANNON_DIVERGENCE 1 for disjoint ranges.
#[test]
fn tfdv_update_comparator_propose_new_threshold() {
    assert_eq!(l_infinity(&tokens(&[("tok1", 10.0)]), &tokens(&[("tok2", 10.0)])), linf(1.0, "tok2"));
    let current = standard(&[(0.0, 1.0, 2.0), (1.0, 2.0, 2.0)]);
    let previous = standard(&[(3.0, 4.0, 2.0), (4.0, 6.0, 2.0)]);
    assert_eq!(jensen_shannon(&current, &previous, STANDARD), Some(1.0));
}

// metrics_test.cc, TEST(JensenShannonDivergence, SameStatistics). The test's
// histogram has num_nan: 1, and the test (in the TFDV version that matched NaNs
// with `AddNanBucket`) expects 0. Current metrics.cc puts each histogram's NaNs in
// a bucket of its own, so the same statistics differ by their NaN share:
// 1 / (2.9866667 + 1.0066667 + 2.0066667 + 1) = 1 / 7.0000001. Without NaNs: 0.
#[test]
fn tfdv_jsd_same_statistics() {
    let buckets = [(1.0, 2.3333333, 2.9866667), (2.3333333, 3.6666667, 1.0066667), (3.6666667, 5.0, 2.0066667)];
    let with_nan = numeric("STANDARD", &buckets, 1);
    assert_near(jensen_shannon(&with_nan, &with_nan, STANDARD), 1.0 / 7.0);
    let without_nan = numeric("STANDARD", &buckets, 0);
    assert_eq!(jensen_shannon(&without_nan, &without_nan, STANDARD), Some(0.0));
}

// metrics_test.cc, TEST(JensenShannonDivergence, DifferentBucketBoundaries):
// 0.65563906222 (numpy, piecewise-linear CDFs on the union of edges: 0.6556390622295665).
#[test]
fn tfdv_jsd_different_bucket_boundaries() {
    let a = standard(&[(1.0, 2.0, 2.0), (2.0, 3.0, 2.0)]);
    let b = standard(&[(2.0, 4.0, 2.0), (4.0, 6.0, 2.0)]);
    assert_near(jensen_shannon(&a, &b, STANDARD), 0.65563906222);
    let got = jensen_shannon(&a, &b, STANDARD).unwrap();
    assert!((got - 0.655_639_062_229_566_5).abs() < 1e-15);
}

// metrics_test.cc, TEST(JensenShannonDivergence, NoOverlap) → 1.
#[test]
fn tfdv_jsd_no_overlap() {
    let a = standard(&[(0.0, 1.0, 2.0), (1.0, 2.0, 2.0)]);
    let b = standard(&[(3.0, 4.0, 2.0), (4.0, 6.0, 2.0)]);
    assert_eq!(jensen_shannon(&a, &b, STANDARD), Some(1.0));
}

// metrics_test.cc, TEST(JensenShannonDivergence, OneHasAllValuesInOneBucket),
// BothHaveAllValuesInOneBucket and OneHasOneBucketTheOtherHasMany → 1 each: a point
// bucket never shares mass with a range bucket, even one that contains the point.
#[test]
fn tfdv_jsd_point_buckets() {
    let point_1 = standard(&[(1.0, 1.0, 4.0)]);
    assert_eq!(jensen_shannon(&point_1, &standard(&[(2.0, 4.0, 2.0), (4.0, 6.0, 2.0)]), STANDARD), Some(1.0));
    assert_eq!(jensen_shannon(&point_1, &standard(&[(2.0, 2.0, 4.0)]), STANDARD), Some(1.0));
    let point_10 = standard(&[(10.0, 10.0, 21.0)]);
    let many = standard(&[(0.0, 4.0, 150.0), (4.0, 12.0, 200.0), (12.0, 20.0, 20.0)]);
    assert_eq!(jensen_shannon(&point_10, &many, STANDARD), Some(1.0));
}

// metrics_test.cc, TEST(JensenShannonDivergence, EmptyHistogram): InvalidArgument
// for a histogram without buckets and for one whose buckets are all empty.
#[test]
fn tfdv_jsd_empty_histogram() {
    let no_buckets = feature(json!({
        "name": "float", "type": "FLOAT", "num_stats": {"common_stats": {}, "histograms": [{}]}
    }));
    let zero_count = standard(&[(0.0, 4.0, 0.0)]);
    let non_empty = standard(&[(0.0, 4.0, 10.0)]);
    assert_eq!(jensen_shannon(&no_buckets, &non_empty, STANDARD), None);
    assert_eq!(jensen_shannon(&non_empty, &zero_count, STANDARD), None);
}

// metrics_test.cc, TEST(JensenShannonDivergence, WithNaNs): 0.13792538096
// (numpy on P = (3, 0, 1)/4, Q = (4, 0, 0)/4: 0.1379253809700299).
#[test]
fn tfdv_jsd_with_nans() {
    let a = numeric("STANDARD", &[(1.0, 2.0, 3.0)], 1);
    let b = numeric("STANDARD", &[(1.0, 2.0, 4.0)], 0);
    assert_near(jensen_shannon(&a, &b, STANDARD), 0.13792538096);
    assert!((jensen_shannon(&a, &b, STANDARD).unwrap() - 0.137_925_380_970_029_9).abs() < 1e-15);
}

// metrics_test.cc, TEST(JensenShannonDivergence, QuantileTypeHistograms): statistics
// with only a QUANTILES histogram have no STANDARD one to compare (InvalidArgument);
// asked for QUANTILES (schema `source { type: QUANTILES }`) they compare to 0.
#[test]
fn tfdv_jsd_quantile_type_histograms() {
    let buckets = [(1.0, 2.3333333, 2.9866667), (2.3333333, 3.6666667, 1.0066667), (3.6666667, 5.0, 2.0066667)];
    let quantiles = numeric("QUANTILES", &buckets, 0);
    assert_eq!(jensen_shannon(&quantiles, &quantiles, STANDARD), None);
    assert_eq!(jensen_shannon(&quantiles, &quantiles, HistogramSource::Quantiles), Some(0.0));
}

// feature_statistics_validator_test.cc, UpdateDriftComparatorInSchemaNumericFeature (1)
// and UpdateDriftComparatorDistributionChangeWithinThreshold (0); the same numbers in
// schema_anomalies_test.cc, FindSkewNumericFeature and
// FindSkewDistributionChangeWithinThresholdDoesNotRaiseAnomaly.
#[test]
fn tfdv_numeric_drift_and_skew() {
    let current = standard(&[(1.0, 2.0, 1.0), (2.0, 3.0, 1.0)]);
    assert_eq!(jensen_shannon(&current, &standard(&[(5.0, 6.0, 2.0), (6.0, 7.0, 2.0)]), STANDARD), Some(1.0));
    assert_eq!(jensen_shannon(&current, &standard(&[(5.0, 6.0, 1.0), (6.0, 7.0, 1.0)]), STANDARD), Some(1.0));
    assert_eq!(jensen_shannon(&current, &current.clone(), STANDARD), Some(0.0));
}

// numpy cross-check (python3.11, numpy): histograms with interleaved edges, masses on
// the union of edges from each histogram's piecewise-linear CDF (np.interp), then
// JSD in bits: 0.36894473014918305.
#[test]
fn numpy_cross_check_interleaved_edges() {
    let a = standard(&[(0.0, 1.0, 5.0), (1.0, 2.0, 10.0), (2.0, 3.0, 3.0), (3.0, 4.0, 2.0)]);
    let b = standard(&[(0.5, 1.5, 1.0), (1.5, 2.5, 4.0), (2.5, 3.5, 9.0), (3.5, 5.0, 6.0)]);
    let got = jensen_shannon(&a, &b, STANDARD).unwrap();
    assert!((got - 0.368_944_730_149_183_05).abs() < 1e-12, "{got}");
    // Symmetric, and the histogram-level entry point agrees.
    let h = |f: &FeatureNameStatistics| f.num_stats.as_ref().unwrap().histograms[0].clone();
    assert_eq!(jensen_shannon_histograms(&h(&b), &h(&a)), Some(got));
}

// numpy cross-check of categorical JSD: {apple 10, banana 5, cherry 1} against
// {banana 7, cherry 2, date 3} → 0.48521929163233.
#[test]
fn numpy_cross_check_categorical() {
    let a = tokens(&[("apple", 10.0), ("banana", 5.0), ("cherry", 1.0)]);
    let b = tokens(&[("banana", 7.0), ("cherry", 2.0), ("date", 3.0)]);
    let got = jensen_shannon(&a, &b, STANDARD).unwrap();
    assert!((got - 0.485_219_291_632_33).abs() < 1e-12, "{got}");
    assert_eq!(jensen_shannon(&a, &tokens(&[("zebra", 1.0)]), STANDARD), Some(1.0));
}

// Normalized absolute difference on the FindSkew statistics, by hand: combined total
// 20; a 1/20 − 3/20 = −.1, b .1 − .05 = .05, c .35 − .3 = .05 → .1 at "a"
// (0.09999999999999999 in doubles, as Python's 1/20 - 3/20 gives).
#[test]
fn normalized_abs_difference_on_find_skew_statistics() {
    let training = tokens(&[("a", 1.0), ("b", 2.0), ("c", 7.0)]);
    let serving = tokens(&[("a", 3.0), ("b", 1.0), ("c", 6.0)]);
    assert_eq!(normalized_abs_difference(&training, &serving), linf(0.09999999999999999, "a"));
}
