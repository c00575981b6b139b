//! `tabx validate`: statistics (given, or computed from the inputs) checked
//! against a schema, with optional drift, skew, custom SQL constraints and a
//! row-by-row split into good and bad rows.

use std::path::Path;

use anyhow::{Context, Result, bail};
use tabx_schema::{DatasetFeatureStatistics, ProtoMessage, Schema, StatsOptions};
use tabx_validate::{Anomalies, ValidationOptions};

use super::Outcome;
use super::schema::read_stats;
use super::stats::report_scan;
use crate::args::ValidateArgs;
use crate::output::{print_out, write_message, write_statistics};
use crate::schema_view::anomalies_table;
use crate::settings::{output_format, read_schema, source_options};
use tabx::{SourceOptions, StatsRun, compute_stats};

pub fn validate(args: &ValidateArgs, quiet: bool) -> Result<Outcome> {
    let Some(schema_path) = &args.read.schema else {
        bail!(
            "--schema is required\nhint: infer one with `tabx schema infer stats.json -o schema.pbtxt`, then review it"
        )
    };
    let schema = read_schema(schema_path)?;
    // With --rows and no --stats, one pass over the inputs gives both.
    let (stats, bad_rows) = match (&args.stats, args.rows) {
        (Some(path), rows) => {
            let bad_rows = if rows { super::rows::split_rows(args, &schema, None, quiet)?.0 } else { 0 };
            (read_stats(path)?, bad_rows)
        }
        (None, false) => (
            statistics_of(args, &compute_stats(&args.inputs, unforced_source(args)?, &stats_options(&schema))?, quiet)?,
            0,
        ),
        (None, true) => {
            let (bad_rows, run) = super::rows::split_rows(args, &schema, Some(&stats_options(&schema)), quiet)?;
            let run = run.context("the row split computed no statistics")?;
            (statistics_of(args, &run, quiet)?, bad_rows)
        }
    };
    let previous = args.previous.as_deref().map(read_stats).transpose()?;
    let serving = args.serving.as_deref().map(read_stats).transpose()?;
    let options = ValidationOptions {
        environment: args.environment.as_deref(),
        previous: previous.as_ref(),
        serving: serving.as_ref(),
    };
    let mut anomalies = tabx_validate::validate(&stats, &schema, &options).anomalies;
    if let Some(warning) = tabx_schema::unrelated_schema(&schema, &stats) {
        eprintln!("warning: {}: {warning}", schema_path.display());
    }

    if let Some(path) = &args.constraints {
        let findings = super::constraints::check(path, args, quiet)?;
        anomalies.add_dataset_findings(&findings);
    }

    crate::kfp::record("anomalies", anomalies.reasons().len() as f64);
    crate::kfp::record("bad_rows", bad_rows as f64);
    let format = output_format(args.format, &args.output);
    write_message(ProtoMessage::Anomalies, &anomalies.to_json(), &args.output, format)?;
    if !quiet {
        summarize(&anomalies, &stats, &args.output)?;
    }
    Ok(if anomalies.is_empty() && bad_rows == 0 { Outcome::Ok } else { Outcome::Findings })
}

/// How `validate` reads its inputs: as `tabx stats` would but without forcing
/// the schema's types, so that a column whose values are no longer numbers is
/// an `UNEXPECTED_DATA_TYPE` anomaly and its cells `type` violations, not read
/// errors.
pub(super) fn unforced_source(args: &ValidateArgs) -> Result<SourceOptions> {
    let mut source = source_options(&args.read)?;
    source.column_types.clear();
    Ok(source)
}

fn stats_options(schema: &Schema) -> StatsOptions {
    StatsOptions { categorical_columns: schema.categorical_int_features(), ..StatsOptions::default() }
}

/// The statistics of a scan of the inputs, reported and written to `--stats-output`.
fn statistics_of(args: &ValidateArgs, run: &StatsRun, quiet: bool) -> Result<DatasetFeatureStatistics> {
    if !quiet {
        report_scan(run);
    }
    let statistics = run.state.finish();
    if let Some(path) = &args.stats_output {
        write_statistics(&statistics, path, output_format(None, path))?;
    }
    statistics.whole().cloned().context("the inputs gave no statistics")
}

fn summarize(anomalies: &Anomalies, stats: &DatasetFeatureStatistics, output: &Path) -> Result<()> {
    if anomalies.data_missing == Some(true) {
        eprintln!("the data holds no examples: nothing else was checked (data_missing)");
    } else if anomalies.is_empty() {
        eprintln!("no anomalies in {}", crate::summary::count(stats.num_examples, "example", "examples"));
    } else {
        print_out(anomalies_table(anomalies))?;
        let features = crate::summary::count(anomalies.anomaly_info.len() as u64, "feature", "features");
        let dataset = if anomalies.dataset_anomaly_info.is_some() { " and the dataset" } else { "" };
        let examples = crate::summary::count(stats.num_examples, "example", "examples");
        eprintln!("anomalies in {features}{dataset} ({examples} checked)");
    }
    for info in &anomalies.drift_skew_info {
        let name = info.path.step.join(".");
        for (label, m) in info
            .drift_measurements
            .iter()
            .map(|m| ("drift", m))
            .chain(info.skew_measurements.iter().map(|m| ("skew", m)))
        {
            eprintln!("{label} of {name}: {} = {:.6} (threshold {})", m.kind, m.value, m.threshold);
        }
    }
    eprintln!("wrote anomalies to {}", output.display());
    Ok(())
}
