//! Kubeflow Pipelines outputs: the scalar figures a step shows in the KFP UI
//! as a `system.Metrics` artifact.
//!
//! Commands [`record`] their headline figures (examples, anomalies, the
//! overall evaluation metrics, the blessing). After the command succeeds,
//! `--kfp-metrics PATH` writes them as one JSON object to PATH (the Metrics
//! artifact's file), and `--kfp-executor-input '{{$}}'` writes KFP v2's
//! executor output, which is how a container component sets an artifact's
//! metadata: every output artifact of type `system.Metrics` gets the figures
//! as its metadata, the way `kfp.dsl.Metrics.log_metric` sets them
//! (kfp/dsl/executor.py, `write_executor_output`). The image has no shell,
//! so tabx creates every folder it writes to.

use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde_json::{Map, Value, json};

static METRICS: Mutex<Vec<(String, f64)>> = Mutex::new(Vec::new());

/// Records a figure for KFP; a later value of the same name replaces it.
pub fn record(name: impl Into<String>, value: f64) {
    let name = name.into();
    let mut metrics = METRICS.lock().unwrap_or_else(|p| p.into_inner());
    metrics.retain(|(n, _)| *n != name);
    metrics.push((name, value));
}

/// The figures of a statistics artifact: examples and features of the whole data set.
pub fn record_statistics(statistics: &tabx_schema::DatasetFeatureStatisticsList) {
    if let Some(whole) = statistics.whole() {
        record("examples", whole.num_examples as f64);
        record("features", whole.features.len() as f64);
    }
}

/// The figures recorded so far, as a JSON object (NaN and ±inf, which JSON
/// cannot hold, as strings).
pub fn recorded() -> Map<String, Value> {
    let metrics = METRICS.lock().unwrap_or_else(|p| p.into_inner());
    metrics
        .iter()
        .map(|(name, value)| {
            let v =
                serde_json::Number::from_f64(*value).map_or_else(|| Value::String(value.to_string()), Value::Number);
            (name.clone(), v)
        })
        .collect()
}

/// Writes the recorded figures where the flags ask.
pub fn write(metrics_path: Option<&Path>, executor_input: Option<&str>) -> Result<()> {
    let metrics = recorded();
    if let Some(path) = metrics_path {
        let text = serde_json::to_string_pretty(&Value::Object(metrics.clone()))? + "\n";
        crate::output::write_atomically(path, text.as_bytes())?;
    }
    if let Some(input) = executor_input {
        let (path, output) = executor_output(input, &metrics)?;
        crate::output::write_atomically(Path::new(&path), output.to_string().as_bytes())?;
    }
    Ok(())
}

/// KFP v2's executor output for `executor_input` (the `{{$}}` placeholder):
/// its file path and the JSON listing every output artifact, as KFP's own
/// Python executor writes it (kfp/dsl/executor.py), the `system.Metrics` ones
/// with the figures as metadata. (kfp.local knows a container step's outputs
/// only from this file: without it a step "has no outputs".)
pub fn executor_output(executor_input: &str, metrics: &Map<String, Value>) -> Result<(String, Value)> {
    let hint = "hint: pass KFP's executor input, the placeholder '{{$}}', as the flag's value";
    let input: Value =
        serde_json::from_str(executor_input).with_context(|| format!("--kfp-executor-input is not JSON\n{hint}"))?;
    let outputs = &input["outputs"];
    let path = outputs["outputFile"]
        .as_str()
        .with_context(|| format!("--kfp-executor-input has no outputs.outputFile\n{hint}"))?
        .to_string();
    let mut artifacts = Map::new();
    for (name, list) in outputs["artifacts"].as_object().into_iter().flatten() {
        let Some(artifact) = list["artifacts"].get(0) else { continue };
        let mut metadata = artifact["metadata"].as_object().cloned().unwrap_or_default();
        if artifact["type"]["schemaTitle"].as_str() == Some("system.Metrics") {
            metadata.extend(metrics.clone());
        }
        artifacts.insert(
            name.clone(),
            json!({"artifacts": [{"name": artifact["name"], "uri": artifact["uri"], "metadata": metadata}]}),
        );
    }
    Ok((path, json!({ "artifacts": artifacts })))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An executor input as KFP 2.9's launcher passes it (shape from
    /// kfp/dsl/executor.py and pipeline_spec's ExecutorInput).
    const INPUT: &str = r#"{"inputs": {}, "outputs": {
        "artifacts": {
          "metrics": {"artifacts": [{"name": "projects/p/artifacts/7", "uri": "s3://b/run/metrics",
                       "type": {"schemaTitle": "system.Metrics"}, "metadata": {}}]},
          "eval": {"artifacts": [{"name": "projects/p/artifacts/8", "uri": "s3://b/run/eval",
                    "type": {"schemaTitle": "system.Artifact"}}]}},
        "outputFile": "/tmp/kfp_outputs/output_metadata.json"}}"#;

    #[test]
    fn every_output_is_listed_and_metrics_carry_the_figures() {
        let metrics: Map<String, Value> =
            serde_json::from_str(r#"{"root_mean_squared_error": 3.5, "blessed": 1.0}"#).unwrap();
        let (path, output) = executor_output(INPUT, &metrics).unwrap();
        assert_eq!(path, "/tmp/kfp_outputs/output_metadata.json");
        assert_eq!(
            output,
            json!({"artifacts": {
                "metrics": {"artifacts": [{"name": "projects/p/artifacts/7",
                    "uri": "s3://b/run/metrics", "metadata": {"root_mean_squared_error": 3.5, "blessed": 1.0}}]},
                "eval": {"artifacts": [{"name": "projects/p/artifacts/8", "uri": "s3://b/run/eval", "metadata": {}}]}}})
        );
    }

    #[test]
    fn bad_executor_input_is_named() {
        let err = executor_output("{{$}}", &Map::new()).unwrap_err();
        assert!(format!("{err:#}").contains("not JSON"), "{err:#}");
        let err = executor_output(r#"{"outputs": {}}"#, &Map::new()).unwrap_err();
        assert!(format!("{err:#}").contains("outputs.outputFile"), "{err:#}");
    }
}
