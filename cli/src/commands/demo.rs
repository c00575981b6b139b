//! `tabx demo`: the main job on the embedded Chicago taxi data, artifacts in a folder.

use anyhow::{Context, Result};
use tabx_engine::SourceOptions;
use tabx_schema::{InferOptions, ProtoMessage, Schema, StatsOptions, infer_schema};
use tabx_transform::{TransformSpec, Transformer};
use tabx_validate::{ValidationOptions, validate};

use super::Outcome;
use super::transform::{apply_inputs, fit_inputs};
use crate::args::{DemoArgs, OutputFormat};
use crate::driver::compute_stats;
use crate::output::{print_out, write_atomically, write_message, write_statistics};
use crate::schema_view::anomalies_table;
use crate::summary::feature_table;

pub fn demo(args: &DemoArgs, quiet: bool) -> Result<Outcome> {
    let dir = &args.output;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let data = dir.join("data.csv");
    write_atomically(&data, tabx_datasets::TAXI_CSV)?;

    let inputs = vec![data.display().to_string()];
    let run = compute_stats(&inputs, SourceOptions::default(), &StatsOptions::default())?;
    let statistics = run.state.finish();
    let stats_path = dir.join("stats.json");
    write_statistics(&statistics, &stats_path, OutputFormat::Json)?;

    // The schema TFDV would infer, and the data checked against the schema
    // TFX's taxi pipeline ships (inferred by TFDV from the full data set).
    let dataset = &statistics.datasets[0];
    let inferred = infer_schema(dataset, &InferOptions::default());
    write_message(ProtoMessage::Schema, &inferred.to_json(), &dir.join("schema.json"), OutputFormat::Json)?;
    let reference_path = dir.join("tfdv_schema.pbtxt");
    write_atomically(&reference_path, tabx_datasets::TAXI_SCHEMA_PBTXT.as_bytes())?;
    let reference = Schema::read(&reference_path)?;
    let anomalies = validate(dataset, &reference, &ValidationOptions::default()).anomalies;
    write_message(ProtoMessage::Anomalies, &anomalies.to_json(), &dir.join("anomalies.json"), OutputFormat::Json)?;

    // The TFX taxi example's preprocessing, fitted on the data and applied to it.
    let spec_path = dir.join("taxi_transform.yaml");
    write_atomically(&spec_path, tabx_datasets::TAXI_TRANSFORM_YAML.as_bytes())?;
    let spec = TransformSpec::from_yaml(tabx_datasets::TAXI_TRANSFORM_YAML)?;
    let (fit, _) = fit_inputs(&spec, &inputs, SourceOptions::default())?;
    let artifact = fit.finish()?;
    let transform_path = dir.join("transform.json");
    write_atomically(&transform_path, artifact.to_json()?.as_bytes())?;
    let transformer = Transformer::try_new(artifact)?;
    let transformed_path = dir.join("transformed.parquet");
    let applied = apply_inputs(&transformer, &inputs, SourceOptions::default(), &transformed_path, None)?;

    if !quiet {
        print_out(format!(
            "Chicago taxi trips: {} examples, {} features\n",
            statistics.datasets[0].num_examples,
            statistics.datasets[0].features.len()
        ))?;
        print_out(feature_table(&statistics.datasets[0]))?;
        print_out(format!(
            "\nagainst the TFX taxi pipeline's schema (TFDV inferred it from the full data set), this {}-row \
             sample has {} anomalies: a few missing pickup values and taxi companies the schema has not seen",
            dataset.num_examples,
            anomalies.reasons().len()
        ))?;
        print_out(anomalies_table(&anomalies))?;
        print_out(format!(
            "\nthe TFX taxi preprocessing (z-scores, vocabularies, quantile buckets, categorical ints, labels) fitted \
             and applied: {} rows x {} columns",
            applied.written,
            transformer.output_schema().fields().len()
        ))?;
        print_out(format!("\nartifacts in {}:", dir.display()))?;
        print_out("  data.csv             the embedded taxi data")?;
        print_out("  stats.json           TFDV statistics (DatasetFeatureStatisticsList, protobuf JSON)")?;
        print_out("  schema.json          the schema inferred from them with TFDV's rules")?;
        print_out("  tfdv_schema.pbtxt    the schema of TFX's taxi pipeline")?;
        print_out("  anomalies.json       the data checked against it (TFDV Anomalies)")?;
        print_out("  taxi_transform.yaml  the transform spec (the TFX taxi preprocessing, for the fare task)")?;
        print_out("  transform.json       the spec fitted on the data (means, vocabularies, boundaries)")?;
        print_out("  transformed.parquet  the data transformed with it")?;
        print_out(format!(
            "\nnext: tabx stats {} --slice payment_type -o {}",
            data.display(),
            dir.join("sliced.json").display()
        ))?;
        print_out(format!(
            "      tabx validate {} --schema {} --rows --good {} --bad {}",
            data.display(),
            reference_path.display(),
            dir.join("good.csv").display(),
            dir.join("bad.csv").display()
        ))?;
        print_out(format!(
            "      tabx transform apply {} --transform {} -o {} --stats {}",
            data.display(),
            transform_path.display(),
            dir.join("transformed.csv").display(),
            dir.join("transformed_stats.json").display()
        ))?;
    }
    Ok(Outcome::Ok)
}
