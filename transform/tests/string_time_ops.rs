//! The string, time and label ops end to end: fit (sharded, through
//! `*.partial` files) → `transform.json` text → apply, with every row served
//! by `transform_row` equal to the batch output. Expected values come from
//! TFT's, TF's and TFX's own tests and code, named at each test.

mod common;

use common::{apply_and_serve, taxi};

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{Float32Type, Int64Type};
use serde_json::json;
use tabx_transform::{FitState, InvalidRows, TransformSpec, Transformer};

/// Fits `spec` on `batches`, one shard each, merged through partial files; loads
/// the artifact from its JSON text, as serving does.
fn fit(spec: &str, batches: &[RecordBatch]) -> Transformer {
    let spec = TransformSpec::from_yaml(spec).unwrap();
    let mut merged = FitState::try_new(&spec, InvalidRows::Fail).unwrap();
    for batch in batches {
        let mut shard = merged.empty_like();
        shard.update(batch).unwrap();
        merged.merge(&FitState::from_partial(&shard.to_partial(0, 1, vec![]).unwrap(), "shard").unwrap()).unwrap();
    }
    let mut whole = merged.empty_like();
    batches.iter().for_each(|b| whole.update(b).unwrap());
    let (a, b) = (merged.finish().unwrap(), whole.finish().unwrap());
    assert_eq!(serde_json::to_value(&a).unwrap(), serde_json::to_value(&b).unwrap(), "sharded fit = one pass");
    Transformer::from_json(&a.to_json().unwrap()).unwrap()
}

fn ints(out: &RecordBatch, name: &str) -> Vec<Option<i64>> {
    out.column_by_name(name).unwrap().as_primitive::<Int64Type>().iter().collect()
}

fn strings(name: &str, values: &[Option<&str>]) -> RecordBatch {
    RecordBatch::try_from_iter([(name, Arc::new(StringArray::from(values.to_vec())) as ArrayRef)]).unwrap()
}

#[test]
fn vocabulary_of_integers_matches_tft() {
    // tensorflow/transform beam/vocabulary_integration_test.py, testComputeAndApplyVocabulary
    // '_positive_and_negative_integers': [13, 14, 13, 13, 12, 14, 11, 10, 10, -10, -10, -20]
    // -> [0, 1, 0, 0, 4, 1, 5, 2, 2, 3, 3, 6] (vocabulary 13, 14, 10, -10, 12, 11, -20).
    let x = [13, 14, 13, 13, 12, 14, 11, 10, 10, -10, -10, -20];
    let batch =
        |v: &[i64]| RecordBatch::try_from_iter([("x", Arc::new(Int64Array::from(v.to_vec())) as ArrayRef)]).unwrap();
    let t = fit(
        "outputs:\n  - {name: id, op: compute_and_apply_vocabulary, inputs: [x]}\n",
        &[batch(&x[..5]), batch(&x[5..])],
    );
    assert_eq!(t.artifact().outputs[0].fitted["vocabulary"], json!(["13", "14", "10", "-10", "12", "11", "-20"]));
    let out = apply_and_serve(&t, &batch(&x));
    assert_eq!(ints(&out, "id"), [0, 1, 0, 0, 4, 1, 5, 2, 2, 3, 3, 6].map(Some));
    // Not seen at fit: default_value -1.
    assert_eq!(ints(&apply_and_serve(&t, &batch(&[99])), "id"), [Some(-1)]);
}

#[test]
fn vocabulary_of_strings_with_oov_buckets_top_k_and_threshold_matches_tft() {
    // testComputeAndApplyVocabulary '_whitespace_newlines_empty_oov_buckets_text':
    // "", "\n" and "\r" are dropped from the text vocabulary and land in the OOV bucket.
    let x = ["hello", "world", "hello", "hello", "goodbye", "world", "aaaaa", " ", "", "\n", "hi \n ho \n", "\r"];
    let values: Vec<Option<&str>> = x.iter().map(|s| Some(*s)).collect();
    let spec = "outputs:\n  - {name: id, op: compute_and_apply_vocabulary, inputs: [s], num_oov_buckets: 1}\n";
    let t = fit(spec, &[strings("s", &values[..6]), strings("s", &values[6..])]);
    let out = apply_and_serve(&t, &strings("s", &values));
    assert_eq!(ints(&out, "id"), [0, 1, 0, 0, 2, 1, 3, 4, 5, 5, 5, 5].map(Some));

    // '_top_k_and_oov': top_k=1, num_oov_buckets=3 over three rows; TFT expects
    // [[0, 0, 2, 2], [0, 3, 1], [0, 2, 1]] (OOV ids hash with Fingerprint64).
    let rows =
        [vec!["hello", "hello", "world", "world"], vec!["hello", "tarkus", "toccata"], vec!["hello", "goodbye", "foo"]];
    let batches: Vec<RecordBatch> =
        rows.iter().map(|r| strings("s", &r.iter().map(|s| Some(*s)).collect::<Vec<_>>())).collect();
    let spec =
        "outputs:\n  - {name: id, op: compute_and_apply_vocabulary, inputs: [s], top_k: 1, num_oov_buckets: 3}\n";
    let t = fit(spec, &batches);
    let got: Vec<Vec<Option<i64>>> = batches.iter().map(|b| ints(&apply_and_serve(&t, b), "id")).collect();
    assert_eq!(
        got,
        [vec![0, 0, 2, 2], vec![0, 3, 1], vec![0, 2, 1]].map(|r| r.into_iter().map(Some).collect::<Vec<_>>())
    );

    // '_frequency_threshold' with default_value -99: foo (once) is out of vocabulary.
    let x = ["hello", "hello", "world", "hello", "goodbye", "world", "hello", "goodbye", "foo"];
    let values: Vec<Option<&str>> = x.iter().map(|s| Some(*s)).collect();
    let spec = "outputs:\n  - {name: id, op: compute_and_apply_vocabulary, inputs: [s], frequency_threshold: 2, default_value: -99}\n";
    let t = fit(spec, &[strings("s", &values)]);
    assert_eq!(ints(&apply_and_serve(&t, &strings("s", &values)), "id"), [0, 0, 1, 0, 2, 1, 0, 2, -99].map(Some));

    // Nulls are not counted and get no id.
    let t = fit(
        "outputs:\n  - {name: id, op: compute_and_apply_vocabulary, inputs: [s]}\n",
        &[strings("s", &[Some("a"), None, None])],
    );
    assert_eq!(t.artifact().outputs[0].fitted["vocabulary"], json!(["a"]));
    assert_eq!(ints(&apply_and_serve(&t, &strings("s", &[None, Some("a")])), "id"), [None, Some(0)]);
}

#[test]
fn empty_vocabulary_holds_tfts_placeholder() {
    // '_empty_vocabulary_from_high_frequency_threshold': nothing passes; TFT writes its
    // placeholder token, so the OOV bucket ids start at 1.
    let values = [Some("hello"), Some("world")];
    let spec = "outputs:\n  - {name: id, op: compute_and_apply_vocabulary, inputs: [s], frequency_threshold: 77, num_oov_buckets: 1}\n";
    let t = fit(spec, &[strings("s", &values)]);
    assert_eq!(t.artifact().outputs[0].fitted["vocabulary"], json!(["49d0cd50-04bb-48c0-bc6f-5b575dce351a"]));
    assert_eq!(ints(&apply_and_serve(&t, &strings("s", &values)), "id"), [Some(1), Some(1)]);
}

#[test]
fn hash_strings_matches_tf() {
    // tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) -> [0, 2, 2]
    // (tensorflow.org/api_docs/python/tf/strings/to_hash_bucket_fast).
    let batch = strings("s", &[Some("Hello"), Some("TensorFlow"), Some("2.x"), None]);
    let t =
        fit("outputs:\n  - {name: h, op: hash_strings, inputs: [s], hash_buckets: 3}\n", std::slice::from_ref(&batch));
    assert_eq!(ints(&apply_and_serve(&t, &batch), "h"), [Some(0), Some(2), Some(2), None]);
    // Integers hash as their decimal strings.
    let t = fit(
        "outputs:\n  - {name: h, op: hash_strings, inputs: [n], hash_buckets: 1000}\n",
        &[RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![17031])) as ArrayRef)]).unwrap()],
    );
    let as_text = fit(
        "outputs:\n  - {name: h, op: hash_strings, inputs: [n], hash_buckets: 1000}\n",
        &[strings("n", &[Some("17031")])],
    );
    let n = RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![17031])) as ArrayRef)]).unwrap();
    assert_eq!(
        ints(&apply_and_serve(&t, &n), "h"),
        ints(&apply_and_serve(&as_text, &strings("n", &[Some("17031")])), "h")
    );
}

#[test]
fn hash_cross_matches_tf() {
    // tensorflow/python/kernel_tests/sparse_ops/sparse_cross_op_test.py,
    // test_hashed_zero_bucket_no_hash_key crosses these three features; with 100 buckets
    // the id is the unreduced 64-bit cross modulo 100 = 83 (kernels/cross.rs's test).
    // A null in any input: no cross, a null id.
    let batch = RecordBatch::try_from_iter([
        ("a", Arc::new(StringArray::from(vec![Some("batch1-FC1-F1"), None])) as ArrayRef),
        ("b", Arc::new(StringArray::from(vec![Some("batch1-FC2-F1"), Some("x")])) as ArrayRef),
        ("c", Arc::new(StringArray::from(vec![Some("batch1-FC3-F1"), Some("y")])) as ArrayRef),
    ])
    .unwrap();
    let t = fit(
        "outputs:\n  - {name: x, op: hash_cross, inputs: [a, b, c], hash_buckets: 100}\n",
        std::slice::from_ref(&batch),
    );
    assert_eq!(ints(&apply_and_serve(&t, &batch), "x"), [Some(83), None]);
}

#[test]
fn one_hot_gives_float32_vectors() {
    // tf.one_hot([0, 2, -1, 5, null], depth=3): out-of-range ids and nulls are all zeros.
    let batch = RecordBatch::try_from_iter([(
        "id",
        Arc::new(Int64Array::from(vec![Some(0), Some(2), Some(-1), Some(5), None])) as ArrayRef,
    )])
    .unwrap();
    let t = fit("outputs:\n  - {name: v, op: one_hot, inputs: [id], depth: 3}\n", std::slice::from_ref(&batch));
    let out = apply_and_serve(&t, &batch);
    let v = out.column(0).as_fixed_size_list();
    assert_eq!(v.value_length(), 3);
    assert_eq!(v.null_count(), 0);
    let flat: Vec<f32> = v.values().as_primitive::<Float32Type>().values().to_vec();
    assert_eq!(flat, [1., 0., 0., 0., 0., 1., 0., 0., 0., 0., 0., 0., 0., 0., 0.]);
    // Serving gives the vector as a JSON array of numbers.
    let served = t.transform_row(&serde_json::from_str(r#"{"id": 2}"#).unwrap()).unwrap();
    assert_eq!(served["v"], json!([0.0, 0.0, 1.0]));
    let e = FitState::try_new(
        &TransformSpec::from_yaml("outputs:\n  - {name: v, op: one_hot, inputs: [s], depth: 3}\n").unwrap(),
        InvalidRows::Fail,
    )
    .and_then(|mut f| {
        f.update(&strings("s", &[Some("a")]))?;
        f.finish()
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("output `v`: one_hot needs an integer id column, got Utf8"), "{e}");
}

#[test]
fn greater_than_fraction_follows_tfx_big_tipper() {
    // TFX tfx/examples/chicago_taxi_pipeline/taxi_utils.py, preprocessing_fn: missing tips
    // and fare become 0 (_fill_in_missing); NaN fare -> 0; else tips > fare * 0.2.
    let tips = Float64Array::from(vec![Some(3.0), Some(2.0), Some(1.0), None, Some(1.0), Some(0.5), Some(f64::NAN)]);
    let fare = Float64Array::from(vec![Some(10.0), Some(10.0), Some(f64::NAN), Some(5.0), None, Some(0.0), Some(1.0)]);
    let batch =
        RecordBatch::try_from_iter([("tips", Arc::new(tips) as ArrayRef), ("fare", Arc::new(fare) as ArrayRef)])
            .unwrap();
    let spec = "outputs:\n  - {name: big_tipper, op: greater_than_fraction, inputs: [tips, fare], fraction: 0.2}\n";
    let t = fit(spec, std::slice::from_ref(&batch));
    // 3 > 2: 1; 2 > 2: 0; NaN fare: 0; null tips (0) > 1: 0; null fare (0): 1 > 0: 1; 0.5 > 0: 1; NaN tips: 0.
    assert_eq!(t.apply(&batch).unwrap().column(0).as_primitive::<Int64Type>().values().to_vec(), [1, 0, 0, 0, 1, 1, 0]);
}

#[test]
fn spec_errors_name_the_output_and_the_fix() {
    let err = |spec: &str| TransformSpec::from_yaml(spec).unwrap_err().to_string();
    let e = err("outputs:\n  - {name: x, op: hash_cross, inputs: [a], hash_buckets: 10}\n");
    assert!(
        e.contains(
            "output `x`: op `hash_cross` takes 2 or more input columns, got 1\nhint: write `inputs: [A, B, ...]`"
        ),
        "{e}"
    );
    let e = err("outputs:\n  - {name: y, op: greater_than_fraction, inputs: [tips], fraction: 0.2}\n");
    assert!(e.contains("output `y`: op `greater_than_fraction` takes 2 input columns, got 1"), "{e}");
    let e = err("outputs:\n  - {name: h, op: hash_strings, inputs: [s]}\n");
    assert!(
        e.contains("output `h`: op `hash_strings` needs the parameter `hash_buckets`\nhint: add `hash_buckets: 100`"),
        "{e}"
    );
    let e = err("outputs:\n  - {name: t, op: timestamp_hour, inputs: [ts], timezone: Mars/Olympus}\n");
    assert!(e.contains("output `t`: op `timestamp_hour` has an unknown `timezone` \"Mars/Olympus\""), "{e}");
    let e = err("outputs:\n  - {name: v, op: compute_and_apply_vocabulary, inputs: [s], top_k: 0}\n");
    assert!(e.contains("needs a positive `top_k`"), "{e}");
    let e = err("outputs:\n  - {name: v, op: compute_and_apply_vocabulary, inputs: [s], num_oov: 1}\n");
    assert!(
        e.contains(
            "has no parameter `num_oov`\nhint: it takes top_k, frequency_threshold, num_oov_buckets, default_value"
        ),
        "{e}"
    );
}

const TAXI_SPEC: &str = "
outputs:
  - {name: hour, op: timestamp_hour, inputs: [trip_start_timestamp]}
  - {name: day, op: timestamp_day_of_week, inputs: [trip_start_timestamp], timezone: UTC}
  - {name: month, op: timestamp_month, inputs: [trip_start_timestamp]}
  - {name: payment_type_id, op: compute_and_apply_vocabulary, inputs: [payment_type], top_k: 1000, num_oov_buckets: 10}
  - {name: company_id, op: compute_and_apply_vocabulary, inputs: [company], top_k: 1000, num_oov_buckets: 10}
  - {name: pickup_census_tract_id, op: compute_and_apply_vocabulary, inputs: [pickup_census_tract]}
  - {name: company_hash, op: hash_strings, inputs: [company], hash_buckets: 100}
  - {name: areas, op: hash_cross, inputs: [pickup_community_area, dropoff_community_area], hash_buckets: 1000}
  - {name: hour_one_hot, op: one_hot, inputs: [trip_start_hour], depth: 24}
  - {name: big_tipper, op: greater_than_fraction, inputs: [tips, fare], fraction: 0.2}
passthrough: [trip_start_hour, trip_start_day, trip_start_month]
";

#[test]
fn taxi_timestamp_parts_equal_the_dataset_columns_and_rows_equal_batches() {
    let batches = taxi();
    let t = fit(TAXI_SPEC, &batches);
    let mut rows = 0;
    let mut tippers = 0;
    for batch in &batches {
        let out = apply_and_serve(&t, batch);
        for (ours, theirs) in [("hour", "trip_start_hour"), ("day", "trip_start_day"), ("month", "trip_start_month")] {
            assert_eq!(ints(&out, ours), ints(&out, theirs), "{ours} vs {theirs}");
        }
        tippers += ints(&out, "big_tipper").iter().flatten().sum::<i64>();
        rows += out.num_rows();
    }
    assert_eq!(rows, 15_002);
    assert!(tippers > 0 && tippers < 15_002);
    let vocab = &t.artifact().outputs[3].fitted["vocabulary"];
    assert_eq!(vocab[0], "Cash", "the most frequent payment type first: {vocab}");
}
