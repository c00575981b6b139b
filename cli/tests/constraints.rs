//! `tabx validate --constraints`: custom SQL checks on the taxi data, reported
//! as CUSTOM_VALIDATION dataset anomalies (needs the `sql` feature, which the
//! workspace's test suite turns on).
#![cfg(feature = "sql")]

mod common;

use common::{read_json, tabx, taxi};
use predicates::str::contains;

#[test]
fn failed_constraints_become_anomalies_with_counts_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("schema.pbtxt"), "").unwrap();
    // Expected counts from pandas on datasets/data/data.csv (15,002 rows):
    // (df.fare >= 100).sum() == 4; (df.trip_seconds >= 3600).sum() == 137.
    std::fs::write(
        d.join("checks.yaml"),
        r#"constraints:
  - name: fare_under_100
    row: "fare < 100"
  - name: trips_under_an_hour
    row: "trip_seconds < 3600"
  - name: enough_rows
    dataset: "count(*) > 1000"
  - name: too_many_rows
    dataset: "count(*) > 20000"
"#,
    )
    .unwrap();
    tabx(d, &["validate", &taxi("data.csv"), "--schema", "schema.pbtxt", "--constraints", "checks.yaml"])
        .code(1)
        .stdout(contains("fare_under_100"))
        .stdout(contains("FAIL"));
    tabx(
        d,
        &[
            "validate",
            &taxi("data.csv"),
            "--schema",
            "schema.pbtxt",
            "--constraints",
            "checks.yaml",
            "--sample-violations",
            "2",
            "-q",
            "-o",
            "a.json",
        ],
    )
    .code(1);
    let info = &read_json(&d.join("a.json"))["dataset_anomaly_info"];
    let reasons = info["reason"].as_array().unwrap();
    assert_eq!(reasons.len(), 3, "{info:#}");
    assert!(reasons.iter().all(|r| r["type"] == "CUSTOM_VALIDATION"));
    let fare = reasons[0]["description"].as_str().unwrap();
    assert!(fare.starts_with("`fare < 100` failed for 4 of 15002 rows. Examples: {\"fare\":"), "{fare}");
    // Samples hold only the columns the constraint names, at most 2 rows.
    assert_eq!(fare.matches("{\"fare\":").count(), 2, "{fare}");
    assert!(!fare.contains("company"));
    assert!(reasons[1]["description"].as_str().unwrap().contains("failed for 137 of 15002 rows"));
    assert!(
        reasons[2]["description"].as_str().unwrap().starts_with("`count(*) > 20000` is not true (count(*) = 15002)")
    );
}

#[test]
fn statements_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("schema.pbtxt"), "").unwrap();
    std::fs::write(d.join("evil.yaml"), "constraints:\n  - name: evil\n    row: \"fare > 0; DROP TABLE t\"\n").unwrap();
    tabx(d, &["validate", &taxi("data.csv"), "--schema", "schema.pbtxt", "--constraints", "evil.yaml"])
        .code(2)
        .stderr(contains("evil"));
}
