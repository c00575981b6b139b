//! SQL slices (`NAME:=SQL`) through the library's evaluate and statistics
//! jobs. Expected values are computed by hand from the four rows below.
#![cfg(feature = "sql")]

use tabx::{EvalConfig, EvalResult, SliceSpec, SourceOptions, StatsOptions};

// trip_miles > 10 is true, false, NULL (no slice), true.
const ROWS: &str = "fare,prediction,trip_miles,payment_type\n\
                    10,12,12.5,Cash\n\
                    20,18,3,Cash\n\
                    30,33,,Card\n\
                    40,40,15,Card\n";

fn write_rows(dir: &tempfile::TempDir) -> Vec<String> {
    let path = dir.path().join("predictions.csv");
    std::fs::write(&path, ROWS).unwrap();
    vec![path.display().to_string()]
}

/// The evaluation of `fare` against `prediction` with these slice specs.
fn config_slicing_by(specs: &[&str]) -> EvalConfig {
    let mut config = EvalConfig::new("fare", "prediction");
    config.slices = specs.iter().map(|s| SliceSpec::parse(s).unwrap()).collect();
    config
}

/// (slice name, example_count, mean_absolute_error) of one slice spec.
fn maes(result: &EvalResult, spec: &str) -> Vec<(String, u64, f64)> {
    let spec = result.slice_specs.iter().find(|s| s.spec == spec).expect("spec evaluated");
    spec.slices
        .iter()
        .map(|s| (s.name.clone(), s.example_count, s.metrics["mean_absolute_error"].value.unwrap()))
        .collect()
}

#[test]
fn evaluate_slices_by_a_predicate_and_its_cross() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_rows(&dir);
    let config = config_slicing_by(&["long:=trip_miles > 10", "payment_type, long:=trip_miles > 10"]);
    let result = tabx::evaluate(&config, &inputs, SourceOptions::default()).unwrap();
    // |error| per row: 2, 2, 3, 0.
    assert_eq!(maes(&result, "overall"), vec![("All Examples".into(), 4, 1.75)]);
    assert_eq!(
        maes(&result, "long:=trip_miles > 10"),
        vec![("long_false".into(), 1, 2.0), ("long_true".into(), 2, 1.0)]
    );
    assert_eq!(
        maes(&result, "payment_type,long:=trip_miles > 10"),
        vec![
            ("payment_type_Card_long_true".into(), 1, 0.0),
            ("payment_type_Cash_long_false".into(), 1, 2.0),
            ("payment_type_Cash_long_true".into(), 1, 2.0),
        ]
    );
    // The config (with its SQL) round-trips through eval.json.
    let back: EvalResult = serde_json::from_str(&result.to_json().unwrap()).unwrap();
    assert_eq!(back.config, config);
}

#[test]
fn sharded_evaluation_with_a_predicate_merges_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_rows(&dir);
    let config = config_slicing_by(&["long:=trip_miles > 10"]);
    let whole = tabx::evaluate(&config, &inputs, SourceOptions::default()).unwrap();
    let mut merged: Option<tabx::EvalState> = None;
    for index in 0..2 {
        let source = SourceOptions { shard: Some(tabx::Shard { index, count: 2 }), ..SourceOptions::default() };
        let state = tabx::evaluate_state(&config, &inputs, source).unwrap();
        match merged.as_mut() {
            Some(m) => m.merge(state).unwrap(),
            None => merged = Some(state),
        }
    }
    let merged = tabx::finish(merged.unwrap()).unwrap();
    assert_eq!(merged.to_json().unwrap(), whole.to_json().unwrap());
}

#[test]
fn statistics_slice_by_a_predicate_without_counting_it_as_a_feature() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_rows(&dir);
    let options = StatsOptions {
        slices: vec![SliceSpec::parse("long:=trip_miles > 10 AND payment_type = 'Card'").unwrap()],
        ..StatsOptions::default()
    };
    let stats = tabx::compute_stats(&inputs, SourceOptions::default(), &options).unwrap().state.finish();
    let counts: Vec<(&str, u64, usize)> =
        stats.datasets.iter().map(|d| (d.name.as_str(), d.num_examples, d.features.len())).collect();
    // Row 3's NULL trip_miles AND 'Card' is NULL: in no slice.
    assert_eq!(counts, vec![("All Examples", 4, 4), ("long_false", 2, 4), ("long_true", 1, 4)]);
}

#[test]
fn a_bad_predicate_is_named_before_the_scan() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = write_rows(&dir);
    let cases = [("long:=trip_miles", "is Float64, not a boolean"), ("long:=sum(trip_miles) > 10", "aggregate `sum`")];
    for (slice, want) in cases {
        let config = config_slicing_by(&[slice]);
        let err = tabx::evaluate(&config, &inputs, SourceOptions::default()).unwrap_err().to_string();
        assert!(err.contains("slice predicate `long`") && err.contains(want), "{slice}: {err}");
    }
    // A column the data lacks is named as any missing column is, with the file's columns.
    let config = config_slicing_by(&["long:=miles > 10"]);
    let err = tabx::evaluate(&config, &inputs, SourceOptions::default()).unwrap_err().to_string();
    assert!(err.contains("no column named `miles`") && err.contains("trip_miles, payment_type"), "{err}");
    let config = config_slicing_by(&["long:=trip_miles > 10", "payment_type,long:=trip_miles > 20"]);
    let err = tabx::evaluate(&config, &inputs, SourceOptions::default()).unwrap_err().to_string();
    assert!(err.contains("slice predicate `long` is defined twice"), "{err}");
}
