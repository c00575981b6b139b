//! Outputs that read outputs above them (`spec::Source`): TFT's
//! `scale_to_z_score(tf.math.log1p(x))` and friends, fitted in one pass and
//! applied row by row as in batch. Expected values from pandas/numpy on the
//! repository's taxi CSV (named at each assertion).

mod common;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type};
use common::{apply_and_serve, taxi};
use tabx_transform::{FitState, InvalidRows, TransformSpec, Transformer};

const SPEC: &str = "
outputs:
  - {name: fare_log, op: log1p, inputs: [fare], fill: 0}
  - {name: fare_log_z, op: scale_to_z_score, inputs: [fare_log]}
  - {name: fare_log_b, op: bucketize, inputs: [fare_log], num_buckets: 4}
  - {name: trip_miles, op: clip, inputs: [trip_miles], fill: 0, max: 20}
  - {name: trip_miles_z, op: scale_to_z_score, inputs: [trip_miles]}
passthrough: [fare]
";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

#[test]
fn z_score_of_log1p_in_one_pass_matches_numpy_and_serving() {
    let batches = taxi();
    let spec = TransformSpec::from_yaml(SPEC).unwrap();
    let mut state = FitState::try_new(&spec, InvalidRows::Fail).unwrap();
    batches.iter().for_each(|b| state.update(b).unwrap());
    let artifact = state.finish().unwrap();
    // Outputs read by outputs are not input columns; `trip_miles` below its
    // output is the clipped output, above it the column.
    assert_eq!(artifact.input_schema.keys().collect::<Vec<_>>(), ["fare", "trip_miles"]);

    // pandas: f = np.log1p(df.fare.fillna(0)); f.mean(), f.std(ddof=0).
    let z = &artifact.outputs[1].fitted;
    assert!(close(z["mean"].as_f64().unwrap(), 2.336998205234572), "{z}");
    assert!(close(z["std_dev"].as_f64().unwrap(), 0.5958043539065246), "{z}");
    // pandas: m = df.trip_miles.fillna(0).clip(upper=20); m.mean(), m.std(ddof=0).
    let z = &artifact.outputs[4].fitted;
    assert!(close(z["mean"].as_f64().unwrap(), 2.5976023196907074), "{z}");
    assert!(close(z["std_dev"].as_f64().unwrap(), 4.4698381935553035), "{z}");
    // numpy: np.sort(f)[[n//4, n//2, 3*n//4]] = [1.92424865, 2.18041746, 2.59897911];
    // the sketch (ε = 0.01) lands within a hundredth of the ranks, so within 0.05 here.
    let boundaries = artifact.outputs[2].fitted["bucket_boundaries"].as_array().unwrap().clone();
    for (b, exact) in boundaries.iter().zip([1.92424865, 2.18041746, 2.59897911]) {
        assert!((b.as_f64().unwrap() - exact).abs() < 0.05, "{boundaries:?}");
    }

    // Row by row as in batch, through transform.json's text.
    let t = Transformer::from_json(&artifact.to_json().unwrap()).unwrap();
    let first = apply_and_serve(&t, &batches[0]);
    for batch in &batches[1..3] {
        apply_and_serve(&t, batch);
    }
    // pandas: ((f - f.mean()) / f.std(ddof=0)) of the first two rows (fares 12.45 and 0.0).
    let z = first.column_by_name("fare_log_z").unwrap().as_primitive::<Float64Type>();
    assert!(close(z.value(0), 0.4397096112096863) && close(z.value(1), -3.9224255242707105));
    let b = first.column_by_name("fare_log_b").unwrap().as_primitive::<Int64Type>();
    // log1p(0) = 0 is below every boundary; log1p(12.45) = 2.598979106047848
    // is the exact third quartile, which the sketch's third boundary is near.
    assert_eq!(b.value(1), 0);
    assert!([2, 3].contains(&b.value(0)));
    // The boundaries are data values, and a value equal to one moves up a
    // bucket (TFT's bucketize): each such row of the batch is in bucket j + 1.
    let logs = first.column_by_name("fare_log").unwrap().as_primitive::<Float64Type>();
    let mut ties = 0;
    for (j, boundary) in boundaries.iter().enumerate() {
        for i in (0..logs.len()).filter(|&i| Some(logs.value(i)) == boundary.as_f64()) {
            assert_eq!(b.value(i), j as i64 + 1, "row {i} on boundary {j}");
            ties += 1;
        }
    }
    assert!(ties > 0, "no value of the batch on a boundary: {boundaries:?}");
    assert_eq!(first.column_by_name("fare").unwrap().null_count(), 0);
}

#[test]
fn a_fitted_op_on_a_fitted_output_is_refused_with_the_way_out() {
    let e = TransformSpec::from_yaml(
        "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [fare]}\n  - {name: b, op: bucketize, inputs: [z], num_buckets: 4}\n",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("output `b` fits `bucketize` on output `z`, which is `scale_to_z_score`"), "{e}");
    assert!(e.contains("hint: fit `b` on an input column"), "{e}");
    // A stateless op after a fitted one is fine: apply computes outputs in order.
    TransformSpec::from_yaml(
        "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [fare]}\n  - {name: c, op: clip, inputs: [z], min: -3, max: 3}\n",
    )
    .unwrap();
}
