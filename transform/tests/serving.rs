//! Training/serving parity on the real taxi data (datasets/data/data.csv,
//! 15,002 rows): every row through `transform_row` gives exactly the values of
//! the batch path, and a sharded fit gives the artifact of a single pass.

mod common;

use common::{apply_and_serve, taxi};

use arrow::array::{AsArray, RecordBatch};

use tabx_transform::{FitState, InvalidRows, TransformSpec, Transformer};

const SPEC: &str = "
outputs:
  - {name: trip_miles_z, op: scale_to_z_score, inputs: [trip_miles]}
  - {name: trip_seconds_z, op: scale_to_z_score, inputs: [trip_seconds]}
  - {name: fare_01, op: scale_to_0_1, inputs: [fare]}
  - {name: tips_scaled, op: scale_by_min_max, inputs: [tips], output_min: -1, output_max: 1}
  - {name: pickup_latitude_b, op: bucketize, inputs: [pickup_latitude], num_buckets: 10}
  - {name: pickup_longitude_b, op: bucketize, inputs: [pickup_longitude], num_buckets: 10}
  - {name: dropoff_latitude_b, op: apply_buckets, inputs: [dropoff_latitude], bucket_boundaries: [41.85, 41.9, 41.95]}
  - {name: fare_log, op: log1p, inputs: [fare]}
  - {name: trip_miles_clipped, op: clip, inputs: [trip_miles], min: 0, max: 50}
  - {name: company, op: fill_missing, inputs: [company], value: ''}
  - {name: pickup_community_area, op: fill_missing, inputs: [pickup_community_area], value: 0}
  - {name: dropoff_census_tract, op: fill_missing, inputs: [dropoff_census_tract], strategy: most_frequent}
  - {name: pickup_census_tract_median, op: fill_missing, inputs: [pickup_census_tract], strategy: median}
  - {name: tips_mean, op: fill_missing, inputs: [tips], strategy: mean}
passthrough: [trip_start_hour, payment_type]
";

#[test]
fn row_by_row_equals_batch_on_the_taxi_data() {
    let batches = taxi();
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 15_002);
    let spec = TransformSpec::from_yaml(SPEC).unwrap();
    let mut fit = FitState::try_new(&spec, InvalidRows::Fail).unwrap();
    batches.iter().for_each(|b| fit.update(b).unwrap());
    let artifact = fit.finish().unwrap();
    let transformer = Transformer::from_json(&artifact.to_json().unwrap()).unwrap();

    let mut compared = 0;
    for batch in &batches {
        compared += apply_and_serve(&transformer, batch).num_rows();
    }
    assert_eq!(compared, 15_002);
}

#[test]
fn sharded_fit_equals_one_pass() {
    let batches = taxi();
    let spec = TransformSpec::from_yaml(SPEC).unwrap();
    let mut whole = FitState::try_new(&spec, InvalidRows::Fail).unwrap();
    batches.iter().for_each(|b| whole.update(b).unwrap());
    let mut merged = whole.empty_like();
    for shard in batches.chunks(4).rev() {
        let mut part = whole.empty_like();
        shard.iter().for_each(|b| part.update(b).unwrap());
        merged.merge(&FitState::from_partial(&part.to_partial(0, 1, vec![]).unwrap(), "shard").unwrap()).unwrap();
    }
    let (w, m) = (whole.finish().unwrap(), merged.finish().unwrap());
    // Exact analyzers: the same bits.
    for i in [0, 1, 2, 3, 9, 10, 11, 13] {
        assert_eq!(w.outputs[i].fitted, m.outputs[i].fitted, "{}", w.outputs[i].name);
    }
    // Quantile boundaries and the median: each at a rank of the data within
    // the sketch's rank error (0.01) of its target, in the whole and the merged fit.
    let eps = 0.01;
    for (i, column) in [(4, "pickup_latitude"), (5, "pickup_longitude")] {
        let values = sorted_values(&batches, column);
        for fitted in [&w.outputs[i].fitted, &m.outputs[i].fitted] {
            let boundaries: Vec<f64> = serde_json::from_value(fitted["bucket_boundaries"].clone()).unwrap();
            assert_eq!(boundaries.len(), 9, "{column}");
            for (j, b) in boundaries.iter().enumerate() {
                assert_rank_within(&values, *b, (j + 1) as f64 / 10.0, eps, column);
            }
        }
    }
    let tracts = sorted_values(&batches, "pickup_census_tract");
    for fitted in [&w.outputs[12].fitted, &m.outputs[12].fitted] {
        assert_rank_within(&tracts, fitted["value"].as_f64().unwrap(), 0.5, eps, "pickup_census_tract");
    }
    assert_eq!(w.input_schema, m.input_schema);
    assert_eq!(w.rows, 15_002);
}

/// The non-null values of a numeric column, sorted.
fn sorted_values(batches: &[RecordBatch], column: &str) -> Vec<f64> {
    let mut values: Vec<f64> = batches
        .iter()
        .flat_map(|b| {
            let c = arrow::compute::cast(b.column_by_name(column).unwrap(), &arrow::datatypes::DataType::Float64);
            c.unwrap().as_primitive::<arrow::datatypes::Float64Type>().iter().flatten().collect::<Vec<_>>()
        })
        .collect();
    values.sort_by(f64::total_cmp);
    values
}

/// `value` sits at a rank of `sorted` within `eps` of `q`: some rank between
/// the fraction of values below it and the fraction at or below it.
fn assert_rank_within(sorted: &[f64], value: f64, q: f64, eps: f64, what: &str) {
    let n = sorted.len() as f64;
    let below = sorted.partition_point(|x| *x < value) as f64 / n;
    let upto = sorted.partition_point(|x| *x <= value) as f64 / n;
    assert!(below - eps <= q && q <= upto + eps, "{what}: {value} has ranks {below}..{upto}, target {q}");
}
