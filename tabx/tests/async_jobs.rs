//! The `_async` entry points inside a caller's tokio runtime, single- and
//! multi-threaded: each gives what its blocking twin gives (the blocking
//! twins' numbers are pinned by the CLI tests), and none blocks or panics.

use std::path::Path;

use tabx::{
    EvalConfig, ModelKind, PredictColumns, SourceOptions, SplitConfig, StatsOptions, TrainOptions, TransformSpec,
    Transformer,
};

fn taxi() -> String {
    concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv").to_string()
}

const SPEC: &str = "outputs:
  - {name: fare, op: fill_missing, inputs: [fare], value: 0}
  - {name: trip_miles_xf, op: scale_to_z_score, inputs: [trip_miles], fill: 0}
  - {name: payment_type_xf, op: compute_and_apply_vocabulary, inputs: [payment_type], fill: '', num_oov_buckets: 1}
";

/// Every job, async, on the taxi data: split → stats → fit → apply → train → predict → evaluate.
async fn every_job(dir: &Path) -> tabx::Result<()> {
    let split = SplitConfig::from_ratio("train=2,eval=1")?;
    let paths = tabx::split_paths(&split, dir, "parquet", None);
    let run = tabx::split_async(split, vec![taxi()], SourceOptions::default(), paths.clone()).await?;
    // engine/tests/reference/rows.py (TFX's hash split): 10058 train, 4944 eval.
    assert_eq!(run.rows, [10058, 4944]);
    let (train, eval) = (vec![paths[0].display().to_string()], vec![paths[1].display().to_string()]);

    let stats = tabx::compute_stats_async(train.clone(), SourceOptions::default(), StatsOptions::default()).await?;
    let blocking = tabx::compute_stats(&train, SourceOptions::default(), &StatsOptions::default())?;
    assert_eq!(stats.state.finish(), blocking.state.finish());

    let spec = TransformSpec::from_yaml(SPEC)?;
    let fitted = tabx::fit_async(spec.clone(), train.clone(), SourceOptions::default()).await?.state.finish()?;
    assert_eq!(fitted, tabx::fit(&spec, &train, SourceOptions::default())?.state.finish()?);
    let transformer = Transformer::try_new(fitted.clone())?;

    let applied = dir.join("applied.parquet");
    let run =
        tabx::apply_async(Transformer::try_new(fitted.clone())?, eval.clone(), SourceOptions::default(), applied, true)
            .await?;
    assert_eq!(run.written, 4944);
    assert_eq!(run.statistics.expect("asked for").datasets[0].num_examples, 4944);

    let options = TrainOptions { kind: ModelKind::Linear, label: "fare".into(), features: None, l2: 1.0 };
    let trained = tabx::train_async(
        Transformer::try_new(fitted.clone())?,
        options.clone(),
        train.clone(),
        SourceOptions::default(),
    )
    .await?;
    let blocking = tabx::train(&transformer, &options, &train, SourceOptions::default())?;
    assert_eq!(trained.model.to_json()?, blocking.model.to_json()?);

    let predictions = dir.join("predictions.parquet");
    let run = tabx::predict_async(
        Transformer::try_new(fitted)?,
        trained.model,
        eval.clone(),
        SourceOptions::default(),
        predictions.clone(),
        PredictColumns::new("prediction"),
    )
    .await?;
    assert_eq!(run.rows, 4944);

    let mut config = EvalConfig::new("fare", "prediction");
    config.slices.push(tabx::SliceSpec::parse("payment_type")?);
    let inputs = vec![predictions.display().to_string()];
    let result = tabx::evaluate_async(config.clone(), inputs.clone(), SourceOptions::default()).await?;
    assert_eq!(result.to_json()?, tabx::evaluate(&config, &inputs, SourceOptions::default())?.to_json()?);
    Ok(())
}

#[tokio::test(flavor = "current_thread")]
async fn every_job_runs_on_a_single_threaded_runtime() {
    let dir = tempfile::tempdir().unwrap();
    every_job(dir.path()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_job_runs_on_a_multi_threaded_runtime() {
    let dir = tempfile::tempdir().unwrap();
    every_job(dir.path()).await.unwrap();
}

/// A bad input is the same error, async or not.
#[tokio::test(flavor = "current_thread")]
async fn errors_come_back_as_errors() {
    let missing = vec!["/nonexistent/trips.csv".to_string()];
    let err = tabx::compute_stats_async(missing, SourceOptions::default(), StatsOptions::default()).await.unwrap_err();
    assert!(err.to_string().contains("/nonexistent/trips.csv"), "{err}");
}
