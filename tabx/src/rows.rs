//! Row-level validation of files: every input row goes to exactly one of two
//! outputs, the good rows unchanged and the bad rows with where they came from
//! and why ([`validate_rows`], [`RowsReport`]).
//!
//! ```text
//!  task 0 ─batches (+ _tabx_file, _tabx_line)─▶ RowChecker ─▶ (good, bad) ─┐
//!  task N ─────────────────────────────────────▶ RowChecker ─▶ (good, bad) ─┴─▶ in task order ─▶ good.csv / bad.csv
//! ```
//!
//! [`validate_rows_with_stats`] also folds every batch into a statistics state
//! per task (the same state and merge as [`crate::compute_stats`]), so that
//! `tabx validate --rows` parses its input once.
//!
//! The engine tags each row with its file and line ([`SourceOptions::row_source`]);
//! [`tabx_validate::RowChecker`] finds the bad rows; the consumer writes each
//! task's rows in task order, so the outputs keep the input's row order.
//! Rows the reader itself rejects (`--on-error skip|quarantine=PATH`) are
//! counted as unreadable: rows read = good + bad + unreadable.
//!
//! The outputs are CSV, or Parquet for `.parquet`/`.pq`, each renamed into
//! place once complete. The good rows go the cheapest way the input allows:
//! CSV to CSV copies each record's bytes ([`SourceOptions::raw_records`]):
//! read again where they are in a local file ([`crate::in_place`]), or as
//! the scan copied them from a stream;
//! Parquet to Parquet is encoded by the workers
//! ([`crate::typed_sink::TypedSink`], the columns being known from the
//! footers), and a row group whose rows are all good is copied from the
//! input as it is encoded there; anything else through [`crate::sink::Sink`], which formats CSV
//! or spills and casts to Parquet.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use arrow::array::{ArrayRef, AsArray, BinaryArray, BooleanArray, RecordBatch, StringArray, StructArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef, UInt64Type};
use tabx_core::{Result, TabxError};
use tabx_engine::{
    ColumnType, RowOrigins, ScanPlan, SourceOptions, is_source_column, retype_where_all_parse, scan_ordered,
};
use tabx_schema::{Schema, SchemaType, StatsAccumulator, StatsOptions};
use tabx_validate::RowChecker;

use crate::in_place::InPlaceRecords;
use crate::sink::{RawRecords, Sink, is_csv, is_parquet};
use crate::stats::{StatsPass, StatsRun};
use crate::typed_sink::{Encoders, TaskEncoder, TypedSink};

/// The column of a bad row saying where it came from: `file:line`.
pub const SOURCE_COLUMN: &str = "_tabx_source";
/// The column of a bad row listing its violations: `column: check (value); …`.
pub const REASONS_COLUMN: &str = "_tabx_reasons";

/// What [`validate_rows`] read and where the rows went.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowsReport {
    /// Every data row of the input (sampled-out rows aside): `good + bad + unreadable`.
    pub rows_read: u64,
    /// Rows that passed every check, written to the good output.
    pub good: u64,
    /// Rows that broke a check, written to the bad output.
    pub bad: u64,
    /// Rows the reader rejected (`--on-error skip|quarantine`), in neither output.
    pub unreadable: u64,
    /// Bad rows per violation, keyed `column: check` (a row can count under several).
    pub bad_by_check: BTreeMap<String, u64>,
    /// Unreadable rows per reason, as the engine reports them.
    pub unreadable_by_reason: BTreeMap<String, u64>,
    /// Things worth telling the user (absent required columns, header-only files, ...).
    pub warnings: Vec<String>,
}

/// One task's rows, split, waiting for their turn to be written, and the
/// task's statistics when they are asked for.
#[derive(Debug, Default)]
struct TaskRows {
    stats: Option<StatsAccumulator>,
    good: Vec<GoodRows>,
    /// The good rows encoded on the worker, when the output's columns are
    /// known before the scan (Parquet input to a Parquet output).
    encoded: Option<TaskEncoder>,
    bad: Vec<RecordBatch>,
    good_rows: u64,
    bad_rows: u64,
    bad_by_check: BTreeMap<String, u64>,
    absent: BTreeSet<String>,
    /// The local file the task reads in place, whose records
    /// [`GoodRows::InPlace`] point into.
    in_place: Option<PathBuf>,
}

/// Good rows of one batch, as the sink will write them.
#[derive(Debug)]
enum GoodRows {
    /// Arrow values, formatted by the sink.
    Batch(RecordBatch),
    /// The CSV records as the input holds them ([`SourceOptions::raw_records`]),
    /// with the columns they hold: written back byte for byte.
    Raw(SchemaRef, BinaryArray),
    /// Where those records are in the task's local file
    /// ([`SourceOptions::RAW_SPAN_COLUMN`]), read there again when written.
    InPlace(SchemaRef, StructArray),
}

/// Where the good rows go: a [`Sink`] that formats or copies them as they
/// come, or, when their columns are known before the scan, a [`TypedSink`]
/// that appends what each task's worker encoded (Parquet encoding, most of
/// the cost of writing, then runs on every core).
enum GoodSink {
    Rows(Sink),
    Typed(TypedSink),
}

impl GoodSink {
    fn create(path: &Path, plan: &ScanPlan) -> Result<Self> {
        Ok(match plan.fixed_schema().filter(|_| is_parquet(path)) {
            Some(schema) => GoodSink::Typed(TypedSink::create_for_copies(path, schema)?),
            None => GoodSink::Rows(Sink::create(path)?),
        })
    }

    fn encoders(&self) -> Option<Encoders> {
        match self {
            GoodSink::Typed(sink) => Some(sink.encoders()),
            GoodSink::Rows(_) => None,
        }
    }

    /// Writes one task's good rows, in task order; `file` is the local file
    /// the task read in place ([`ScanPlan::in_place_file`]) and its
    /// modification time when the scan was planned.
    fn write(
        &mut self,
        rows: &[GoodRows],
        encoded: Option<TaskEncoder>,
        file: Option<(&Path, Option<SystemTime>)>,
    ) -> Result<()> {
        match (self, encoded) {
            (GoodSink::Typed(sink), Some(encoded)) => {
                sink.append(encoded)?;
            }
            (GoodSink::Rows(sink), None) => {
                for rows in rows {
                    match rows {
                        GoodRows::Batch(b) => sink.write(b)?,
                        GoodRows::Raw(schema, raw) => sink.write_raw(schema, RawRecords::Bytes(raw))?,
                        GoodRows::InPlace(schema, spans) => {
                            let (file, modified) =
                                file.ok_or_else(|| TabxError::Internal("records in place of no file".into()))?;
                            sink.write_raw(schema, RawRecords::InPlace { file, modified, spans })?;
                        }
                    }
                }
            }
            _ => return Err(TabxError::Internal("good rows for another sink".into())),
        }
        Ok(())
    }

    fn finish(self) -> Result<()> {
        match self {
            GoodSink::Rows(sink) => sink.finish(),
            GoodSink::Typed(sink) => sink.finish(),
        }
    }
}

/// Streams `inputs` through the checks of `schema` (in `environment`), writing
/// the good rows to `good` and the bad ones, with [`SOURCE_COLUMN`] and
/// [`REASONS_COLUMN`], to `bad`. `source.row_source` is turned on here.
pub fn validate_rows(
    inputs: &[String],
    source: SourceOptions,
    schema: &Schema,
    environment: Option<&str>,
    good: &Path,
    bad: &Path,
) -> Result<RowsReport> {
    Ok(split_and_count(inputs, source, schema, environment, (good, bad), None)?.0)
}

/// [`validate_rows`] that also computes the statistics of every row read, as
/// [`crate::compute_stats`] would, in the same pass over the input
/// (`tabx validate --rows` without `--stats`): the input is parsed once.
pub fn validate_rows_with_stats(
    inputs: &[String],
    source: SourceOptions,
    schema: &Schema,
    environment: Option<&str>,
    good: &Path,
    bad: &Path,
    options: &StatsOptions,
) -> Result<(RowsReport, StatsRun)> {
    let (report, stats) = split_and_count(inputs, source, schema, environment, (good, bad), Some(options))?;
    let stats = stats.ok_or_else(|| TabxError::Internal("statistics asked for but not computed".into()))?;
    Ok((report, stats))
}

fn split_and_count(
    inputs: &[String],
    source: SourceOptions,
    schema: &Schema,
    environment: Option<&str>,
    (good, bad): (&Path, &Path),
    stats: Option<&StatsOptions>,
) -> Result<(RowsReport, Option<StatsRun>)> {
    if good == bad {
        return Err(TabxError::config(format!("--good and --bad are the same file: {}", good.display())));
    }
    let checker = RowChecker::try_new(schema, environment)?;
    let numbers = schema_numbers(schema);
    // Good rows of CSV input go to a CSV output as the input's bytes: no
    // value formatted again (the largest cost of the split), and `12.50`
    // stays `12.50`. Only from files in the output's dialect (the engine
    // gives no raw records for the others, a `.tsv` file, `--delimiter ';'`).
    let raw_records = is_csv(good);
    // Parquet strings arrive as the file's dictionary, as for `tabx stats`:
    // the statistics count keys, the checks read values through them, rows
    // copied from the input are never decoded, and rows written out get
    // plain strings back (`plain_strings`).
    let plan = ScanPlan::try_new(
        inputs,
        SourceOptions { row_source: true, raw_records, dictionary_strings: true, ..source.clone() },
    )?;
    // The in-place files' modification times now: the good rows are read
    // there again later, and a file modified meanwhile is an error.
    let modified: BTreeMap<PathBuf, Option<SystemTime>> = (0..plan.tasks())
        .filter_map(|task| plan.in_place_file(task))
        .map(|path| (path.to_path_buf(), InPlaceRecords::modified(path)))
        .collect();
    let pass = stats.map(|options| StatsPass::try_new(&plan, options)).transpose()?;
    let mut good_sink = GoodSink::create(good, &plan)?;
    let encoders = good_sink.encoders();
    let mut bad_sink = Sink::create(bad)?;
    let mut report = RowsReport::default();
    let mut absent = BTreeSet::new();
    let mut merged: Option<StatsAccumulator> = None;
    let scan = scan_ordered(
        &plan,
        |task| TaskRows {
            stats: pass.as_ref().map(|p| p.init(task)),
            in_place: plan.in_place_file(task).map(Path::to_path_buf),
            encoded: encoders.as_ref().map(|e| e.encoder_for(plan.parquet_part(task))),
            ..TaskRows::default()
        },
        |task, batch| {
            let data = split_batch(&checker, &numbers, task, batch)?;
            match (&pass, &mut task.stats) {
                (Some(pass), Some(state)) => pass.fold(state, &data),
                _ => Ok(()),
            }
        },
        |task: TaskRows| {
            let in_place = task.in_place.as_deref().map(|p| (p, modified.get(p).copied().flatten()));
            good_sink.write(&task.good, task.encoded, in_place)?;
            for b in &task.bad {
                bad_sink.write(b)?;
            }
            report.good += task.good_rows;
            report.bad += task.bad_rows;
            for (k, v) in task.bad_by_check {
                *report.bad_by_check.entry(k).or_default() += v;
            }
            absent.extend(task.absent);
            match (&mut merged, task.stats) {
                (Some(m), Some(state)) => m.merge(&state)?,
                (None, state) => merged = state,
                (Some(_), None) => {}
            }
            Ok(())
        },
    )?;
    good_sink.finish()?;
    bad_sink.finish()?;
    report.unreadable = scan.rows_bad;
    report.unreadable_by_reason = scan.bad_by_reason.clone();
    report.rows_read = scan.rows_read + scan.rows_bad;
    if report.good + report.bad != scan.rows_read {
        return Err(TabxError::Internal(format!(
            "{} good + {} bad rows of {} read",
            report.good, report.bad, scan.rows_read
        )));
    }
    report.warnings = scan.warnings.clone();
    for column in absent {
        report.warnings.push(format!("required column `{column}` is not in the data: every row is bad"));
    }
    let stats = match pass {
        Some(pass) => Some(pass.finish(inputs, source, merged, scan)?),
        None => None,
    };
    Ok((report, stats))
}

/// [`validate_rows`] from async code (on the caller's runtime's blocking pool).
pub async fn validate_rows_async(
    inputs: Vec<String>,
    source: SourceOptions,
    schema: Schema,
    environment: Option<String>,
    good: std::path::PathBuf,
    bad: std::path::PathBuf,
) -> Result<RowsReport> {
    crate::blocking(move || validate_rows(&inputs, source, &schema, environment.as_deref(), &good, &bad)).await
}

/// The schema's INT and FLOAT features, as the types good rows are written in.
fn schema_numbers(schema: &Schema) -> HashMap<String, ColumnType> {
    let numeric = |f: &tabx_schema::Feature| match f.feature_type {
        Some(SchemaType::Int) => Some((f.name.clone(), ColumnType::Int)),
        Some(SchemaType::Float) => Some((f.name.clone(), ColumnType::Float)),
        _ => None,
    };
    schema.feature.iter().filter_map(numeric).collect()
}

/// Checks one batch and adds its good and bad rows to the task's; returns the
/// batch without the columns the scan added (row source, raw records). Good
/// rows written as values get the types of `numbers` (the schema's INT and
/// FLOAT features) where a bad row's text made their column text.
fn split_batch(
    checker: &RowChecker,
    numbers: &HashMap<String, ColumnType>,
    task: &mut TaskRows,
    batch: &RecordBatch,
) -> Result<RecordBatch> {
    let schema = batch.schema();
    for name in [SOURCE_COLUMN, REASONS_COLUMN] {
        if schema.column_with_name(name).is_some() {
            return Err(TabxError::config(format!("the input has a column `{name}`, a name tabx reserves"))
                .with_hint("rename the column to validate rows"));
        }
    }
    task.absent.extend(checker.absent_columns(&schema).into_iter().map(String::from));
    let violations = checker.check(batch)?;
    let line_col = index_of(&schema, SourceOptions::LINE_COLUMN)?;
    let data: Vec<usize> = (0..batch.num_columns()).filter(|&c| !is_source_column(schema.field(c).name())).collect();
    let data_batch = batch.project(&data)?;
    let raw = batch.column_by_name(SourceOptions::RAW_COLUMN);
    let spans = batch.column_by_name(SourceOptions::RAW_SPAN_COLUMN);

    let mut is_good = vec![true; batch.num_rows()];
    let mut sources = Vec::with_capacity(violations.len());
    let mut reasons = Vec::with_capacity(violations.len());
    let lines = batch.column(line_col).as_primitive::<UInt64Type>();
    let origins =
        RowOrigins::of(batch).ok_or_else(|| TabxError::Internal("the scan did not add rows' origin".into()))?;
    for (row, found) in &violations {
        is_good[*row] = false;
        sources.push(origins.at(*row));
        reasons.push(found.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "));
        // A row counts once per column and check, however often it names them.
        let keys: BTreeSet<String> = found.iter().map(|v| format!("{}: {}", v.column, v.check)).collect();
        for key in keys {
            *task.bad_by_check.entry(key).or_default() += 1;
        }
    }
    let bad_rows = violations.len();
    let good_rows = batch.num_rows() - bad_rows;
    // An empty batch is kept while the task has none: it carries the columns,
    // so an output with no rows still gets its header.
    let keep = BooleanArray::from(is_good);
    if let Some(encoder) = &mut task.encoded {
        if bad_rows == 0 {
            encoder.write_kept(|| plain_strings(&data_batch), lines)?;
        } else if good_rows > 0 {
            encoder.write(&plain_strings(&arrow::compute::filter_record_batch(&data_batch, &keep)?)?)?;
        }
    } else if good_rows > 0 || task.good.is_empty() {
        // The good rows of a column the scan added (raw records, spans).
        let kept = |column: &ArrayRef| -> Result<ArrayRef> {
            Ok(if bad_rows == 0 { Arc::clone(column) } else { arrow::compute::filter(column, &keep)? })
        };
        task.good.push(match (raw, spans) {
            (Some(raw), _) => GoodRows::Raw(data_batch.schema(), kept(raw)?.as_binary().clone()),
            (_, Some(spans)) => GoodRows::InPlace(data_batch.schema(), kept(spans)?.as_struct().clone()),
            (None, None) => {
                let good = if bad_rows == 0 {
                    data_batch.clone()
                } else {
                    arrow::compute::filter_record_batch(&data_batch, &keep)?
                };
                GoodRows::Batch(retype_where_all_parse(plain_strings(&good)?, numbers)?)
            }
        });
    }
    if bad_rows > 0 || task.bad.is_empty() {
        let indices = UInt32Array::from_iter_values(violations.iter().map(|(r, _)| *r as u32));
        let rows = plain_strings(&arrow::compute::take_record_batch(&data_batch, &indices)?)?;
        let mut fields: Vec<Field> = rows.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(Field::new(SOURCE_COLUMN, DataType::Utf8, false));
        fields.push(Field::new(REASONS_COLUMN, DataType::Utf8, false));
        let mut columns = rows.columns().to_vec();
        columns.push(Arc::new(StringArray::from(sources)));
        columns.push(Arc::new(StringArray::from(reasons)));
        task.bad.push(RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), columns)?);
    }
    task.good_rows += good_rows as u64;
    task.bad_rows += bad_rows as u64;
    Ok(data_batch)
}

/// `batch` with its dictionary columns (Parquet strings read as the file's
/// dictionary) as plain arrays of their values: the types the outputs have.
fn plain_strings(batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    if !schema.fields().iter().any(|f| matches!(f.data_type(), DataType::Dictionary(..))) {
        return Ok(batch.clone());
    }
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        match field.data_type() {
            DataType::Dictionary(_, value) => {
                columns.push(arrow::compute::cast(column, value)?);
                fields.push(field.as_ref().clone().with_data_type(value.as_ref().clone()));
            }
            _ => {
                columns.push(Arc::clone(column));
                fields.push(field.as_ref().clone());
            }
        }
    }
    let schema = ArrowSchema::new_with_metadata(fields, schema.metadata().clone());
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

fn index_of(schema: &ArrowSchema, name: &str) -> Result<usize> {
    schema.index_of(name).map_err(|_| TabxError::Internal(format!("the scan did not add `{name}`")))
}
