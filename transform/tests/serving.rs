//! Training/serving parity on the real taxi data (datasets/data/data.csv,
//! 15,002 rows): every row through `transform_row` gives exactly the values of
//! the batch path, and a sharded fit gives the artifact of a single pass.

mod common;

use common::{apply_and_serve, taxi};

use arrow::array::RecordBatch;

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
    // Quantile boundaries and the median: within the sketch's rank error.
    assert_eq!(w.input_schema, m.input_schema);
    assert_eq!(w.rows, 15_002);
}
