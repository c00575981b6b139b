//! Row-level validation of files: every input row goes to exactly one of two
//! outputs, the good rows unchanged and the bad rows with where they came from
//! and why ([`validate_rows`], [`RowsReport`]).
//!
//! ```text
//!  task 0 ─batches (+ _tabx_file, _tabx_line)─▶ RowChecker ─▶ (good, bad) ─┐
//!  task N ─────────────────────────────────────▶ RowChecker ─▶ (good, bad) ─┴─▶ in task order ─▶ good.csv / bad.csv
//! ```
//!
//! The engine tags each row with its file and line ([`SourceOptions::row_source`]);
//! [`tabx_validate::RowChecker`] finds the bad rows; the consumer writes each
//! task's rows in task order, so the outputs keep the input's row order.
//! Rows the reader itself rejects (`--on-error skip|quarantine=PATH`) are
//! counted as unreadable: rows read = good + bad + unreadable.
//!
//! Output format by extension: `.parquet` (or `.pq`) is Parquet, anything else
//! CSV (nulls as empty cells, numbers as Arrow prints them: `12.50` comes back
//! as `12.5`). Both are written to a temporary file beside the target and
//! renamed into place once complete.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, bail};
use arrow::array::{Array, ArrayRef, AsArray, BooleanArray, RecordBatch, StringArray, UInt32Array};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef, UInt64Type};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use tabx_core::{Result, TabxError};
use tabx_engine::{ScanPlan, SourceOptions, scan_ordered};
use tabx_schema::Schema;
use tabx_validate::RowChecker;

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

/// One task's rows, split, waiting for their turn to be written.
#[derive(Debug, Default)]
struct TaskRows {
    good: Vec<RecordBatch>,
    bad: Vec<RecordBatch>,
    good_rows: u64,
    bad_rows: u64,
    bad_by_check: BTreeMap<String, u64>,
    absent: BTreeSet<String>,
}

/// Streams `inputs` through the checks of `schema` (in `environment`), writing
/// the good rows to `good` and the bad ones, with [`SOURCE_COLUMN`] and
/// [`REASONS_COLUMN`], to `bad`. `source.row_source` is turned on here.
pub fn validate_rows(
    inputs: &[String],
    mut source: SourceOptions,
    schema: &Schema,
    environment: Option<&str>,
    good: &Path,
    bad: &Path,
) -> anyhow::Result<RowsReport> {
    if good == bad {
        bail!("--good and --bad are the same file: {}", good.display());
    }
    let checker = RowChecker::try_new(schema, environment).context("cannot check rows against this schema")?;
    source.row_source = true;
    let plan = ScanPlan::try_new(inputs, source)?;
    let mut good_sink = Sink::create(good)?;
    let mut bad_sink = Sink::create(bad)?;
    let mut report = RowsReport::default();
    let mut absent = BTreeSet::new();
    let scan = scan_ordered(
        &plan,
        |_| TaskRows::default(),
        |task, batch| split_batch(&checker, task, batch),
        |task: TaskRows| {
            for b in &task.good {
                good_sink.write(b)?;
            }
            for b in &task.bad {
                bad_sink.write(b)?;
            }
            report.good += task.good_rows;
            report.bad += task.bad_rows;
            for (k, v) in task.bad_by_check {
                *report.bad_by_check.entry(k).or_default() += v;
            }
            absent.extend(task.absent);
            Ok(())
        },
    )?;
    good_sink.finish().with_context(|| format!("cannot write {}", good.display()))?;
    bad_sink.finish().with_context(|| format!("cannot write {}", bad.display()))?;
    report.unreadable = scan.rows_bad;
    report.unreadable_by_reason = scan.bad_by_reason;
    report.rows_read = scan.rows_read + scan.rows_bad;
    if report.good + report.bad != scan.rows_read {
        bail!("internal error: {} good + {} bad rows of {} read", report.good, report.bad, scan.rows_read);
    }
    report.warnings = scan.warnings;
    for column in absent {
        report.warnings.push(format!("required column `{column}` is not in the data: every row is bad"));
    }
    Ok(report)
}

/// Checks one batch and adds its good and bad rows to the task's.
fn split_batch(checker: &RowChecker, task: &mut TaskRows, batch: &RecordBatch) -> Result<()> {
    let schema = batch.schema();
    for name in [SOURCE_COLUMN, REASONS_COLUMN] {
        if schema.column_with_name(name).is_some() {
            return Err(TabxError::config(format!("the input has a column `{name}`, a name tabx reserves"))
                .with_hint("rename the column to validate rows"));
        }
    }
    task.absent.extend(checker.absent_columns(&schema).into_iter().map(String::from));
    let violations = checker.check(batch)?;
    let file_col = index_of(&schema, SourceOptions::FILE_COLUMN)?;
    let line_col = index_of(&schema, SourceOptions::LINE_COLUMN)?;
    let data: Vec<usize> = (0..batch.num_columns()).filter(|&c| c != file_col && c != line_col).collect();
    let data_batch = batch.project(&data)?;

    let mut is_good = vec![true; batch.num_rows()];
    let mut sources = Vec::with_capacity(violations.len());
    let mut reasons = Vec::with_capacity(violations.len());
    let files = batch.column(file_col).as_string::<i32>();
    let lines = batch.column(line_col).as_primitive::<UInt64Type>();
    for (row, found) in &violations {
        is_good[*row] = false;
        sources.push(format!("{}:{}", files.value(*row), lines.value(*row)));
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
    if good_rows > 0 || task.good.is_empty() {
        let good = if bad_rows == 0 {
            data_batch.clone()
        } else {
            arrow::compute::filter_record_batch(&data_batch, &BooleanArray::from(is_good))?
        };
        task.good.push(good);
    }
    if bad_rows > 0 || task.bad.is_empty() {
        let indices = UInt32Array::from_iter_values(violations.iter().map(|(r, _)| *r as u32));
        let rows = arrow::compute::take_record_batch(&data_batch, &indices)?;
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
    Ok(())
}

fn index_of(schema: &ArrowSchema, name: &str) -> Result<usize> {
    schema.index_of(name).map_err(|_| TabxError::Internal(format!("the scan did not add `{name}`")))
}

/// An output file being written: CSV rows go straight to it; Parquet batches
/// wait in a spill until the end (see [`ParquetSink`]).
enum Sink {
    Csv(CsvSink),
    Parquet(ParquetSink),
}

impl Sink {
    fn create(path: &Path) -> anyhow::Result<Self> {
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let parent = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
        let temp = tempfile::Builder::new()
            .prefix(".tabx-rows-")
            .tempfile_in(&parent)
            .with_context(|| format!("cannot create a temporary file in {}", parent.display()))?;
        Ok(match ext.as_deref() {
            Some("parquet" | "pq") => {
                let spill = tempfile::Builder::new()
                    .prefix(".tabx-spill-")
                    .tempdir_in(&parent)
                    .with_context(|| format!("cannot create a spill folder in {}", parent.display()))?;
                Sink::Parquet(ParquetSink { target: path.to_path_buf(), temp, spill, segments: Vec::new(), open: None })
            }
            _ => {
                let writer = csv::Writer::from_writer(BufWriter::new(temp.reopen().map_err(|e| io(path, e))?));
                Sink::Csv(CsvSink { target: path.to_path_buf(), temp, writer, header: None })
            }
        })
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Sink::Csv(s) => s.write(batch),
            Sink::Parquet(s) => s.write(batch),
        }
    }

    fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(s) => s.finish(),
            Sink::Parquet(s) => s.finish(),
        }
    }
}

fn io(path: &Path, e: std::io::Error) -> TabxError {
    TabxError::io(path, e)
}

/// The columns of a later batch in the order of the first one. Every batch
/// must have the same columns: one output file has one header.
fn align(names: &[String], batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    let schema = batch.schema();
    let same_set = schema.fields().len() == names.len() && names.iter().all(|n| schema.column_with_name(n).is_some());
    if !same_set {
        let got: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        return Err(TabxError::config(format!(
            "the inputs have different columns ({} and {}): one output file needs one set",
            names.join(","),
            got.join(",")
        ))
        .with_hint("validate inputs with different columns separately"));
    }
    Ok(names.iter().map(|n| Arc::clone(batch.column(schema.index_of(n).expect("checked above")))).collect())
}

struct CsvSink {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
    writer: csv::Writer<BufWriter<File>>,
    header: Option<Vec<String>>,
}

impl CsvSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        let header = match &self.header {
            Some(h) => h,
            None => {
                let names: Vec<String> = batch.schema().fields().iter().map(|f| f.name().clone()).collect();
                self.writer.write_record(&names).map_err(|e| csv_error(&self.target, e))?;
                self.header.insert(names)
            }
        };
        let columns = align(header, batch)?;
        // Cell text as Arrow prints it; nulls as empty cells, as the engine reads them.
        let options = FormatOptions::default().with_null("");
        let formatters =
            columns.iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect::<Result<Vec<_>, _>>()?;
        let mut cell = String::new();
        for row in 0..batch.num_rows() {
            for f in &formatters {
                cell.clear();
                use std::fmt::Write;
                write!(cell, "{}", f.value(row)).map_err(|e| TabxError::Internal(e.to_string()))?;
                self.writer.write_field(&cell).map_err(|e| csv_error(&self.target, e))?;
            }
            self.writer.write_record(None::<&[u8]>).map_err(|e| csv_error(&self.target, e))?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.writer.flush().map_err(|e| io(&self.target, e))?;
        drop(self.writer);
        self.temp.persist(&self.target).map_err(|e| io(&self.target, e.error))?;
        Ok(())
    }
}

fn csv_error(path: &Path, e: csv::Error) -> TabxError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io(path, e),
        other => TabxError::Internal(format!("{}: {other:?}", path.display())),
    }
}

/// Parquet needs one schema before the first row, but a column's type is known
/// only at the end of the scan: the engine types each CSV task on its own and
/// only widens (`fare` can be Int64 in one task, Float64 in another, Utf8 in a
/// third). So batches are spilled as they come (Arrow IPC, a new segment each
/// time the batch schema changes) and, at the end, read back, cast to each
/// column's widest type and written as one Parquet file. Casting to the widest
/// type (rather than writing every column as text) keeps numbers numbers in
/// the common case, where a column has one type throughout; the price is
/// reading the rows twice, from local disk.
struct ParquetSink {
    target: PathBuf,
    temp: tempfile::NamedTempFile,
    spill: tempfile::TempDir,
    segments: Vec<PathBuf>,
    open: Option<(SchemaRef, StreamWriter<BufWriter<File>>)>,
}

impl ParquetSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.open.as_ref().is_none_or(|(schema, _)| *schema != batch.schema()) {
            if let Some((_, mut w)) = self.open.take() {
                w.finish()?;
            }
            let path = self.spill.path().join(format!("{:06}.arrows", self.segments.len()));
            let file = File::create(&path).map_err(|e| io(&path, e))?;
            self.open = Some((batch.schema(), StreamWriter::try_new(BufWriter::new(file), &batch.schema())?));
            self.segments.push(path);
        }
        let (_, w) = self.open.as_mut().expect("opened above");
        w.write(batch)?;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        if let Some((_, mut w)) = self.open.take() {
            w.finish()?;
        }
        // Pass 1: column order from the first segment, the widest type of each.
        let mut fields: Vec<(String, DataType)> = Vec::new();
        for path in &self.segments {
            let schema = StreamReader::try_new(open(path)?, None)?.schema();
            if fields.is_empty() {
                fields = schema.fields().iter().map(|f| (f.name().clone(), f.data_type().clone())).collect();
            }
            for f in schema.fields() {
                if let Some((_, t)) = fields.iter_mut().find(|(n, _)| n == f.name()) {
                    *t = widest(t, f.data_type());
                }
            }
        }
        let names: Vec<String> = fields.iter().map(|(n, _)| n.clone()).collect();
        let schema =
            Arc::new(ArrowSchema::new(fields.iter().map(|(n, t)| Field::new(n, t.clone(), true)).collect::<Vec<_>>()));
        let file = self.temp.reopen().map_err(|e| io(&self.target, e))?;
        let parquet_error = |e: parquet::errors::ParquetError| TabxError::Parquet {
            path: self.target.display().to_string(),
            message: e.to_string(),
        };
        let mut writer =
            ArrowWriter::try_new(BufWriter::new(file), Arc::clone(&schema), None).map_err(parquet_error)?;
        // Pass 2: every batch cast to the final types, in order.
        for path in &self.segments {
            for batch in StreamReader::try_new(open(path)?, None)? {
                let batch = batch?;
                let columns = align(&names, &batch)?
                    .iter()
                    .zip(&fields)
                    .map(|(c, (_, t))| if c.data_type() == t { Ok(Arc::clone(c)) } else { arrow::compute::cast(c, t) })
                    .collect::<Result<Vec<_>, _>>()?;
                writer.write(&RecordBatch::try_new(Arc::clone(&schema), columns)?).map_err(parquet_error)?;
            }
        }
        writer.close().map_err(parquet_error)?;
        self.temp.persist(&self.target).map_err(|e| io(&self.target, e.error))?;
        Ok(())
    }
}

fn open(path: &Path) -> Result<BufReader<File>> {
    Ok(BufReader::new(File::open(path).map_err(|e| io(path, e))?))
}

/// The type both `a` and `b` cast to without losing values: Null gives way to
/// anything, integers widen to Int64, numbers to Float64, the rest to text
/// (Binary stays Binary when the other side is text or absent).
fn widest(a: &DataType, b: &DataType) -> DataType {
    use DataType::*;
    let int = |t: &DataType| t.is_integer();
    match (a, b) {
        _ if a == b => a.clone(),
        (Null, t) | (t, Null) => t.clone(),
        _ if int(a) && int(b) => Int64,
        _ if a.is_numeric() && b.is_numeric() => Float64,
        (Binary, Utf8) | (Utf8, Binary) => Binary,
        _ => Utf8,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening() {
        assert_eq!(widest(&DataType::Null, &DataType::Int64), DataType::Int64);
        assert_eq!(widest(&DataType::Int32, &DataType::Int64), DataType::Int64);
        assert_eq!(widest(&DataType::Int64, &DataType::Float64), DataType::Float64);
        assert_eq!(widest(&DataType::Float64, &DataType::Utf8), DataType::Utf8);
        assert_eq!(widest(&DataType::Utf8, &DataType::Binary), DataType::Binary);
    }
}
