//! `tabx predict`: TFX's serving path in batch. RAW rows in; the fitted
//! transform and the model applied; the raw columns and the prediction out,
//! so that `tabx evaluate` can slice by raw columns (`payment_type`, `company`).
//!
//! ```text
//!  tasks ─Transformer::apply_with─▶ Model::score ─▶ raw rows + prediction ─(task order)─▶ OUT.parquet | OUT.csv
//! ```
//!
//! The output is written by [`crate::sink::Sink`], not `TypedSink`: the raw
//! columns' types are only known once every task has typed its CSV range,
//! and `Sink` widens them at the end. With `--shard I/N` only that shard is
//! read and OUT is a folder: `OUT/part-I.parquet` (row outputs are not merged).
//! A row the transform cannot take follows `--on-error` (it is not written
//! with `skip`); a row with a null or non-finite feature is written with a
//! null prediction, counted by reason.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use arrow::array::{ArrayRef, BooleanArray, RecordBatch};
use arrow::datatypes::{Field, Schema};
use tabx_engine::{ScanPlan, ScanReport, SourceOptions, scan_ordered};
use tabx_model::Model;
use tabx_transform::{InvalidCounts, InvalidRows, Transformer};

use super::Outcome;
use super::transform::{Rejects, report_scan};
use crate::args::PredictArgs;
use crate::settings::{shard_option, source_options};
use crate::sink::Sink;

pub fn predict(args: &PredictArgs, quiet: bool) -> Result<Outcome> {
    let transformer = Transformer::load(&args.transform)
        .with_context(|| format!("cannot load the transform {}", args.transform.display()))?;
    let model = Model::load(&args.model).with_context(|| format!("cannot load the model {}", args.model.display()))?;
    let outputs = transformer.output_schema();
    if let Some(missing) = model.encoder.feature_names().into_iter().find(|f| outputs.column_with_name(f).is_none()) {
        bail!(
            "the model reads `{missing}`, which {} does not produce\nhint: predict with the transform.json the model was trained on",
            args.transform.display()
        );
    }
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), false)?;
    let output = match source.shard {
        Some(shard) => args.output.join(format!("part-{}.parquet", shard.index)),
        None => args.output.clone(),
    };
    let columns = PredictColumns { prediction: &args.column, with_outputs: &args.with_output };
    let (report, all) = predict_inputs(&transformer, &model, &args.input.inputs, source, &output, &columns)?;
    if !quiet {
        report_scan(&report, &all.invalid);
        let unscored: u64 = all.unscored.values().sum();
        if unscored > 0 {
            let reasons: Vec<String> = all.unscored.iter().map(|(r, n)| format!("{n} {r}")).collect();
            eprintln!("{unscored} rows have no prediction ({})", reasons.join(", "));
        }
        eprintln!("wrote {} rows with `{}` to {}", all.rows, args.column, output.display());
    }
    Ok(Outcome::Ok)
}

/// The columns `predict` adds to the raw ones.
pub(crate) struct PredictColumns<'a> {
    /// The prediction's name.
    pub prediction: &'a str,
    /// Transform outputs written too (e.g. a derived label).
    pub with_outputs: &'a [String],
}

/// What a prediction run read and wrote.
#[derive(Debug, Default)]
pub(crate) struct TaskRows {
    batches: Vec<RecordBatch>,
    pub rows: u64,
    pub invalid: InvalidCounts,
    rejects: Rejects,
    pub unscored: BTreeMap<String, u64>,
}

/// Predicts every row of `inputs` (raw) and writes the raw columns, the
/// outputs asked for and the prediction to `output`, in input order.
pub(crate) fn predict_inputs(
    transformer: &Transformer,
    model: &Model,
    inputs: &[String],
    mut source: SourceOptions,
    output: &Path,
    columns: &PredictColumns<'_>,
) -> Result<(ScanReport, TaskRows)> {
    let outputs = transformer.output_schema();
    if let Some(missing) = columns.with_outputs.iter().find(|o| outputs.column_with_name(o).is_none()) {
        let names: Vec<&str> = outputs.fields().iter().map(|f| f.name().as_str()).collect();
        bail!("--with-output {missing}: the transform has no such output\nhint: its outputs are {}", names.join(", "));
    }
    source.row_source = true;
    let on_error = source.on_error.clone();
    let plan = ScanPlan::try_new(inputs, source)?;
    let mut sink = Sink::create(output)?;
    let mut all = TaskRows::default();
    let report = scan_ordered(
        &plan,
        |_| TaskRows::default(),
        |task, batch| {
            let applied = transformer.apply_with(batch, InvalidRows::Skip)?;
            task.rejects.record(batch, &applied.invalid, &on_error)?;
            task.invalid.add(&applied.invalid);
            let scored = model.score(&applied.batch)?;
            add_counts(&mut task.unscored, &scored.unscored);
            let raw = raw_rows(batch, &applied.invalid)?;
            task.rows += raw.num_rows() as u64;
            let mut extra: Vec<(&str, ArrayRef)> = Vec::with_capacity(columns.with_outputs.len() + 1);
            for name in columns.with_outputs {
                extra.push((name, Arc::clone(applied.batch.column_by_name(name).expect("checked above"))));
            }
            extra.push((columns.prediction, Arc::new(scored.values)));
            task.batches.push(with_columns(&raw, extra)?);
            Ok(())
        },
        |task| {
            for batch in &task.batches {
                sink.write(batch)?;
            }
            all.rows += task.rows;
            all.invalid.merge(&task.invalid);
            all.rejects.merge(task.rejects);
            add_counts(&mut all.unscored, &task.unscored);
            Ok(())
        },
    )?;
    sink.finish().with_context(|| format!("cannot write {}", output.display()))?;
    let rejects = std::mem::take(&mut all.rejects);
    rejects.finish(&on_error)?;
    Ok((report, all))
}

/// The input rows the transform kept, without the row-source columns.
fn raw_rows(batch: &RecordBatch, invalid: &[tabx_transform::InvalidRow]) -> tabx_core::Result<RecordBatch> {
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| {
            !matches!(schema.field(i).name().as_str(), SourceOptions::FILE_COLUMN | SourceOptions::LINE_COLUMN)
        })
        .collect();
    let raw = batch.project(&keep)?;
    if invalid.is_empty() {
        return Ok(raw);
    }
    let mut kept = vec![true; batch.num_rows()];
    invalid.iter().for_each(|r| kept[r.row] = false);
    Ok(arrow::compute::filter_record_batch(&raw, &BooleanArray::from(kept))?)
}

/// `raw` with the transform outputs asked for and the prediction column appended.
fn with_columns(raw: &RecordBatch, extra: Vec<(&str, ArrayRef)>) -> tabx_core::Result<RecordBatch> {
    let mut fields: Vec<Field> = raw.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = raw.columns().to_vec();
    for (name, values) in extra {
        if fields.iter().any(|f| f.name() == name) {
            return Err(tabx_core::TabxError::config(format!("the input already has a column `{name}`"))
                .with_hint("name the prediction column otherwise with --column; --with-output only adds new columns"));
        }
        fields.push(Field::new(name, values.data_type().clone(), true));
        columns.push(values);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (reason, n) in from {
        *into.entry(reason.clone()).or_default() += n;
    }
}
