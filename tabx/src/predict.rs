//! TFX's serving path in batch ([`predict`]): RAW rows in; the fitted
//! transform and the model applied; the raw columns and the prediction out,
//! so that evaluation can slice by raw columns (`payment_type`, `company`).
//!
//! ```text
//!  tasks ─Transformer::apply_with─▶ Model::score ─▶ raw rows + prediction ─(task order)─▶ OUT.parquet | OUT.csv
//! ```
//!
//! The output is written by [`crate::sink::Sink`], not `TypedSink`: the raw
//! columns' types are only known once every task has typed its CSV range,
//! and `Sink` widens them at the end. A row the transform cannot take follows
//! `source.on_error` (it is not written with `skip`); a row with a null or
//! non-finite feature is written with a null prediction, counted by reason.
//! A sharded run (`source.shard`) writes one file per shard, named by the
//! caller (the CLI: `OUT/part-I.parquet`; row outputs are not merged).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema};
use tabx_core::{Result, TabxError};
use tabx_engine::{
    ColumnType, ScanPlan, ScanReport, SourceOptions, retype_where_all_parse, scan_ordered, without_row_source,
};
use tabx_model::Model;
use tabx_transform::{InvalidCounts, Transformer};

use crate::blocking;
use crate::rejects::Rejects;
use crate::sink::Sink;

/// The columns [`predict`] adds to the raw ones.
#[derive(Debug, Clone)]
pub struct PredictColumns {
    /// The prediction's name.
    pub prediction: String,
    /// Transform outputs written too (e.g. a derived label).
    pub with_outputs: Vec<String>,
}

impl PredictColumns {
    /// Just the prediction, named `prediction`.
    pub fn new(prediction: impl Into<String>) -> Self {
        Self { prediction: prediction.into(), with_outputs: Vec::new() }
    }
}

/// What a prediction run read and wrote.
#[derive(Debug)]
pub struct PredictRun {
    pub report: ScanReport,
    /// Rows written.
    pub rows: u64,
    /// Rows the transform could not take, by reason (not written).
    pub invalid: InvalidCounts,
    /// Rows written with a null prediction, by reason.
    pub unscored: BTreeMap<String, u64>,
}

/// One task's rows, waiting for their turn to be written.
#[derive(Debug, Default)]
struct TaskRows {
    batches: Vec<RecordBatch>,
    rows: u64,
    invalid: InvalidCounts,
    rejects: Rejects,
    unscored: BTreeMap<String, u64>,
}

/// Checks that every feature `model` reads is an output of `transformer`
/// (the transform it was trained on), before any row is read or pushed.
pub fn check_model_reads(transformer: &Transformer, model: &Model) -> Result<()> {
    let outputs = transformer.output_schema();
    match model.encoder.feature_names().into_iter().find(|f| outputs.column_with_name(f).is_none()) {
        Some(missing) => {
            Err(TabxError::config(format!("the model reads `{missing}`, which the transform does not produce"))
                .with_hint("use the transform.json the model was trained on"))
        }
        None => Ok(()),
    }
}

/// Predicts every row of `inputs` (raw) and writes the raw columns, the
/// outputs asked for and the prediction to `output` (Parquet, CSV or JSON
/// lines by its name, `tabx_core::row_format`), in input order.
pub fn predict(
    transformer: &Transformer,
    model: &Model,
    inputs: &[String],
    mut source: SourceOptions,
    output: &Path,
    columns: &PredictColumns,
) -> Result<PredictRun> {
    check_model_reads(transformer, model)?;
    let outputs = transformer.output_schema();
    if let Some(missing) = columns.with_outputs.iter().find(|o| outputs.column_with_name(o).is_none()) {
        let names: Vec<&str> = outputs.fields().iter().map(|f| f.name().as_str()).collect();
        return Err(TabxError::config(format!("--with-output {missing}: the transform has no such output"))
            .with_hint(format!("its outputs are {}", names.join(", "))));
    }
    source.row_source = true;
    let on_error = source.on_error.clone();
    // The raw columns are written with the types the transform was fitted
    // on where a skipped row's text made them text in its byte range.
    let fitted: HashMap<String, ColumnType> = (transformer.input_types().iter())
        .filter_map(|(name, t)| match t {
            DataType::Int64 => Some((name.clone(), ColumnType::Int)),
            DataType::Float64 => Some((name.clone(), ColumnType::Float)),
            _ => None,
        })
        .collect();
    let plan = ScanPlan::try_new(inputs, source)?;
    let mut sink = Sink::create(output)?;
    let mut all = TaskRows::default();
    let report = scan_ordered(
        &plan,
        |_| TaskRows::default(),
        |task, batch| {
            let applied = task.rejects.transform(transformer, batch, &on_error, &mut task.invalid)?;
            let scored = model.score(&applied.batch)?;
            add_counts(&mut task.unscored, &scored.unscored);
            let raw = retype_where_all_parse(raw_rows(batch, &applied.invalid)?, &fitted)?;
            task.rows += raw.num_rows() as u64;
            let mut extra: Vec<(&str, ArrayRef)> = Vec::with_capacity(columns.with_outputs.len() + 1);
            for name in &columns.with_outputs {
                extra.push((name, Arc::clone(applied.batch.column_by_name(name).expect("checked above"))));
            }
            extra.push((&columns.prediction, Arc::new(scored.values)));
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
    sink.finish()?;
    all.rejects.finish(&on_error)?;
    Ok(PredictRun { report, rows: all.rows, invalid: all.invalid, unscored: all.unscored })
}

/// [`predict`] from async code (on the caller's runtime's blocking pool).
pub async fn predict_async(
    transformer: Transformer,
    model: Model,
    inputs: Vec<String>,
    source: SourceOptions,
    output: PathBuf,
    columns: PredictColumns,
) -> Result<PredictRun> {
    blocking(move || predict(&transformer, &model, &inputs, source, &output, &columns)).await
}

/// The input rows the transform kept, without the row-source columns.
fn raw_rows(batch: &RecordBatch, invalid: &[tabx_transform::InvalidRow]) -> Result<RecordBatch> {
    let raw = without_row_source(batch)?;
    if invalid.is_empty() {
        return Ok(raw);
    }
    let mut kept = vec![true; batch.num_rows()];
    invalid.iter().for_each(|r| kept[r.row] = false);
    Ok(arrow::compute::filter_record_batch(&raw, &BooleanArray::from(kept))?)
}

/// `raw` with the transform outputs asked for and the prediction column appended.
fn with_columns(raw: &RecordBatch, extra: Vec<(&str, ArrayRef)>) -> Result<RecordBatch> {
    let mut fields: Vec<Field> = raw.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
    let mut columns = raw.columns().to_vec();
    for (name, values) in extra {
        if fields.iter().any(|f| f.name() == name) {
            return Err(TabxError::config(format!("the input already has a column `{name}`"))
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
