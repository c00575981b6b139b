//! A Kubeflow Pipelines step as KFP runs it: artifact paths without
//! extensions (KFP names them after the output), folders that do not exist
//! yet (the image has no shell to create them), the step's figures in the
//! executor output, and findings that must not fail the step.

mod common;

use common::{read_json, tabx, taxi};

#[test]
fn a_step_with_kfp_paths_writes_its_figures_and_findings_do_not_fail_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let executor_input = r#"{"outputs": {"artifacts": {"metrics": {"artifacts": [{"name": "a/1", "uri": "gs://b/m",
        "type": {"schemaTitle": "system.Metrics"}}]}}, "outputFile": "gcs/out/executor_output.json"}}"#;
    tabx(
        d,
        &[
            "stats",
            &taxi("data.csv"),
            "-o",
            "stats/statistics",
            "--kfp-metrics",
            "metrics/metrics",
            "--kfp-executor-input",
            executor_input,
            "-q",
        ],
    )
    .success();
    // 15,002 rows and 18 columns in the taxi sample (datasets/data/README.md).
    let figures = read_json(&d.join("metrics/metrics"));
    assert_eq!((figures["examples"].as_f64(), figures["features"].as_f64()), (Some(15002.0), Some(18.0)));
    let output = read_json(&d.join("gcs/out/executor_output.json"));
    assert_eq!(output["artifacts"]["metrics"]["artifacts"][0]["metadata"], figures);
    // Extension-less artifacts are read by their content (JSON here).
    tabx(d, &["schema", "infer", "stats/statistics", "-o", "schema/schema", "-q"]).success();
    // A company the schema's domain lacks, and 16 required columns missing: anomalies.
    std::fs::write(d.join("few.csv"), "company,fare\nNew Co,1.5\n").unwrap();
    let validate = ["validate", "few.csv", "--schema", "schema/schema", "-o", "anomalies/anomalies", "-q"];
    tabx(d, &validate).code(1);
    let mut tolerant = validate.to_vec();
    tolerant.push("--findings-exit-zero");
    tabx(d, &tolerant).success();
    let anomalies = read_json(&d.join("anomalies/anomalies"));
    assert!(anomalies["anomaly_info"].as_object().is_some_and(|a| !a.is_empty()), "{anomalies}");
}
