//! Cases from TFDV's own unit tests, with TFDV's expected values:
//! tensorflow/data-validation,
//! `tensorflow_data_validation/statistics/generators/basic_stats_generator_test.py`
//! (`test_single_feature`, `test_infinity`). TFDV stores f32; its expectations
//! are compared to 1e-7. Its STANDARD histogram counts are interpolated from
//! quantiles, tabx's are read off the sketch, so those counts are not compared.

use std::sync::Arc;

use arrow::array::{ListArray, RecordBatch};
use arrow::datatypes::Float64Type;
use tabx_schema::{FeatureType, HistogramType, StatsAccumulator, StatsOptions};

fn list_batch(rows: Vec<Option<Vec<Option<f64>>>>) -> RecordBatch {
    let array = ListArray::from_iter_primitive::<Float64Type, _, _>(rows);
    RecordBatch::try_from_iter([("a", Arc::new(array) as _)]).unwrap()
}

fn options() -> StatsOptions {
    // As the TFDV tests: BasicStatsGenerator(num_values_histogram_buckets=4,
    // num_histogram_buckets=3, num_quantiles_histogram_buckets=4).
    StatsOptions {
        num_values_histogram_buckets: 4,
        num_histogram_buckets: 3,
        num_quantiles_histogram_buckets: 4,
        ..StatsOptions::default()
    }
}

#[test]
fn tfdv_test_single_feature() {
    let v = |xs: &[f64]| Some(xs.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    let mut stats = StatsAccumulator::try_new(options()).unwrap();
    stats.update(&list_batch(vec![v(&[1.0, 2.0]), v(&[3.0, 4.0, 5.0])])).unwrap();
    stats.update(&list_batch(vec![v(&[1.0])])).unwrap();
    let out = stats.finish();
    let a = &out.datasets[0].features[0];
    assert_eq!(a.feature_type, FeatureType::Float);
    let n = a.num_stats.as_ref().unwrap();
    let c = &n.common_stats;
    assert_eq!((c.num_non_missing, c.min_num_values, c.max_num_values, c.tot_num_values), (3, 1, 3, 6));
    assert_eq!(c.avg_num_values, 2.0);
    assert!((n.mean - 2.66666666).abs() < 1e-7);
    assert!((n.std_dev - 1.49071198).abs() < 1e-7);
    assert_eq!((n.num_zeros, n.min, n.max, n.median), (0, 1.0, 5.0, 3.0));
    // TFDV's QUANTILES histogram: edges 1, 1, 3, 4, 5 with 1.5 values per bucket
    // (it lists sample_count 2, 2, 1, 1 after merging equal edges).
    let q = n.histogram(HistogramType::Quantiles).unwrap();
    let edges: Vec<(f64, f64)> = q.buckets.iter().map(|b| (b.low_value, b.high_value)).collect();
    assert_eq!(edges, vec![(1.0, 1.0), (1.0, 3.0), (3.0, 4.0), (4.0, 5.0)]);
    // The difference, on purpose: TFDV re-counts its buckets after merging
    // equal edges (2, 2, 1, 1); tabx keeps n / buckets in each (1.5), as the
    // QUANTILES histogram means ("equal-count buckets") and as TFDV's own
    // quantiles generator computes before that merge.
    let counts: Vec<f64> = q.buckets.iter().map(|b| b.sample_count).collect();
    assert_eq!(counts, vec![1.5; 4]);
    let standard = n.histogram(HistogramType::Standard).unwrap();
    assert_eq!(standard.buckets.len(), 3);
    assert_eq!(standard.buckets.iter().map(|b| b.sample_count).sum::<f64>(), 6.0);
}

#[test]
fn tfdv_test_infinity() {
    let v = |xs: &[f64]| Some(xs.iter().map(|x| Some(*x)).collect::<Vec<_>>());
    let inf = f64::INFINITY;
    let mut stats = StatsAccumulator::try_new(options()).unwrap();
    stats.update(&list_batch(vec![v(&[1.0, 2.0, inf, inf, -inf]), v(&[3.0, 4.0, 5.0, -inf])])).unwrap();
    stats.update(&list_batch(vec![v(&[1.0, inf, -inf])])).unwrap();
    let out = stats.finish();
    let n = out.datasets[0].features[0].num_stats.as_ref().unwrap();
    let c = &n.common_stats;
    assert_eq!((c.num_non_missing, c.min_num_values, c.max_num_values, c.tot_num_values), (3, 3, 5, 12));
    assert_eq!(c.avg_num_values, 4.0);
    assert!(n.mean.is_nan(), "TFDV: mean: nan");
    assert_eq!((n.num_zeros, n.min, n.max, n.median), (0, f64::NEG_INFINITY, inf, 3.0));
    // TFDV gives infinities buckets of their own with exact counts: 3 and 3.
    let standard = n.histogram(HistogramType::Standard).unwrap();
    let first = standard.buckets.first().unwrap();
    let last = standard.buckets.last().unwrap();
    assert_eq!((first.low_value, first.high_value, first.sample_count), (-inf, -inf, 3.0));
    assert_eq!((last.low_value, last.high_value, last.sample_count), (inf, inf, 3.0));
    // Finite buckets span TFDV's [1, 5] and hold the 6 finite values.
    let finite: f64 = standard.buckets[1..standard.buckets.len() - 1].iter().map(|b| b.sample_count).sum();
    assert_eq!(finite, 6.0);
    assert_eq!((standard.buckets[1].low_value, standard.buckets[standard.buckets.len() - 2].high_value), (1.0, 5.0));
}
