//! Writing row outputs (CSV or Parquet by extension) from batches that arrive
//! one by one ([`Sink`]): `validate --rows` writes its good and bad rows with
//! it (`transform apply`, whose columns are fixed, uses `typed_sink`).
//!
//! Output format by name (`tabx_core::row_format`): `.parquet` (or `.pq`) is
//! Parquet; `.csv`, `.csv.gz`, `.csv.zst` or no extension CSV (nulls as empty
//! cells, numbers as Arrow prints them: `12.50` comes back as `12.5`;
//! compressed by `text_out`). Both are written to a temporary file beside the target and
//! renamed into place once complete; a target that is a device or a FIFO
//! (`/dev/stdout`) is written directly.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use arrow::array::{Array, ArrayRef, BinaryArray, RecordBatch, StructArray};
use arrow::datatypes::{DataType, Field, Schema as ArrowSchema, SchemaRef};
use arrow::ipc::reader::StreamReader;
use arrow::ipc::writer::StreamWriter;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use parquet::arrow::ArrowWriter;
use tabx_core::{OutputFile, Result, RowFormat, TabxError};
use tabx_engine::SourceOptions;

use crate::in_place::InPlaceRecords;
use crate::text_out::TextOut;

/// An output file being written: CSV rows go straight to it; Parquet and
/// JSON lines batches wait in a spill until the end, where each column gets
/// one type (see [`SpillSink`]). Rows whose columns are known up front go
/// through [`crate::typed_sink::TypedSink`] instead.
pub(crate) enum Sink {
    Csv(Box<CsvSink>),
    Typed(Box<SpillSink>),
}

impl Sink {
    /// Opens a temporary file beside `path` (Parquet for `.parquet`/`.pq`, else CSV).
    pub(crate) fn create(path: &Path) -> Result<Self> {
        let (temp, format) = open_output(path)?;
        Ok(if let RowFormat::Csv(compression) = format {
            let out = TextOut::new(temp.file().map_err(|e| io(path, e))?, compression).map_err(|e| io(path, e))?;
            Sink::Csv(Box::new(CsvSink { target: path.to_path_buf(), temp, out, header: None, in_place: None }))
        } else {
            let spill = tempfile::Builder::new()
                .prefix(".tabx-spill-")
                .tempdir_in(temp.scratch_dir())
                .map_err(|e| cannot("create a spill folder beside", path, &e))?;
            Sink::Typed(Box::new(SpillSink {
                target: path.to_path_buf(),
                format,
                temp,
                spill,
                segments: Vec::new(),
                open: None,
            }))
        })
    }

    /// Appends a batch; every batch must have the columns of the first.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        match self {
            Sink::Csv(s) => s.write(batch),
            Sink::Typed(s) => s.write(batch),
        }
    }

    /// Appends CSV records as the input holds them (`raw`, one per row) whose
    /// columns are `schema`'s; CSV outputs only (`validate --rows` asks for raw
    /// records only then).
    pub(crate) fn write_raw(&mut self, schema: &ArrowSchema, raw: RawRecords<'_>) -> Result<()> {
        match self {
            Sink::Csv(s) => s.write_raw(schema, raw),
            Sink::Typed(s) => Err(TabxError::Internal(format!("raw CSV records for {}", s.target.display()))),
        }
    }

    /// Completes the file and renames it into place.
    pub(crate) fn finish(self) -> Result<()> {
        match self {
            Sink::Csv(s) => s.finish(),
            Sink::Typed(s) => s.finish(),
        }
    }
}

/// Bytes per write call of an output file, and per read when a sink copies
/// an input's bytes: the default 8 KiB made `validate --rows` a write call
/// per 65 taxi rows (31,549 for the 2M-row CSV; 1.23× faster at 1 MiB).
pub(crate) const IO_BUFFER: usize = 1 << 20;

/// `file` written [`IO_BUFFER`] bytes at a time.
pub(crate) fn wide_writer(file: File) -> BufWriter<File> {
    BufWriter::with_capacity(IO_BUFFER, file)
}

/// Whether `path` names a Parquet file (`.parquet`, `.pq`).
pub(crate) fn is_parquet(path: &Path) -> bool {
    matches!(tabx_core::row_format(path), Ok(RowFormat::Parquet))
}

/// Whether `path` names a CSV file (`.csv`, compressed or not, or no extension).
pub(crate) fn is_csv(path: &Path) -> bool {
    matches!(tabx_core::row_format(path), Ok(RowFormat::Csv(_)))
}

/// The output `path` opened ([`OutputFile`]) and the format its name asks for: a temporary file beside it
/// (same filesystem, so the final rename is atomic), or `path` itself when
/// it is a device, a FIFO or stdout (`--good /dev/stdout`).
pub(crate) fn open_output(path: &Path) -> Result<(OutputFile, RowFormat)> {
    // The format its name asks for; a name tabx does not write (`.jsonl`,
    // `.parquet.gz`) is refused before anything is written.
    let format = tabx_core::row_format(path)?;
    Ok((OutputFile::create(path, ".tabx-rows-").map_err(|e| cannot("write", path, &e))?, format))
}

/// Puts a complete row output in place (the one rename of every row sink;
/// the fault tests stop a shard just before it).
pub(crate) fn persist(temp: OutputFile, target: &Path) -> Result<()> {
    tabx_core::failpoint::hit(tabx_core::failpoint::ROWS_BEFORE_RENAME);
    temp.persist().map_err(|e| io(target, e))
}

/// `cannot VERB PATH: why`, for the folders an output needs.
fn cannot(verb: &str, path: &Path, e: &std::io::Error) -> TabxError {
    TabxError::config(format!("cannot {verb} {}: {e}", path.display()))
}

#[expect(clippy::needless_pass_by_value, reason = "used as map_err(|e| parquet_error(path, e))")]
pub(crate) fn parquet_error(path: &Path, e: parquet::errors::ParquetError) -> TabxError {
    TabxError::Parquet { path: path.display().to_string(), message: e.to_string() }
}

pub(crate) fn io(path: &Path, e: std::io::Error) -> TabxError {
    TabxError::io(path, e)
}

/// The columns of a later batch in the order of the first one. Every batch
/// must have the same columns: one output file has one header.
fn align(names: &[String], batch: &RecordBatch) -> Result<Vec<ArrayRef>> {
    let schema = batch.schema();
    let same_set = schema.fields().len() == names.len() && names.iter().all(|n| schema.column_with_name(n).is_some());
    if !same_set {
        let got: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        return Err(different_columns(names, &got));
    }
    Ok(names.iter().map(|n| Arc::clone(batch.column(schema.index_of(n).expect("checked above")))).collect())
}

fn different_columns(first: &[String], other: &[String]) -> TabxError {
    TabxError::config(format!(
        "the inputs have different columns ({} and {}): one output file needs one set",
        first.join(","),
        other.join(",")
    ))
    .with_hint("process inputs with different columns separately")
}

/// CSV records as the input holds them, one per row ([`Sink::write_raw`]).
#[derive(Clone, Copy)]
pub(crate) enum RawRecords<'a> {
    /// Their bytes ([`tabx_engine::SourceOptions::RAW_COLUMN`]).
    Bytes(&'a BinaryArray),
    /// Where they are in a local file
    /// ([`tabx_engine::SourceOptions::RAW_SPAN_COLUMN`]) whose modification
    /// time was `modified` when the scan was planned.
    InPlace { file: &'a Path, modified: Option<SystemTime>, spans: &'a StructArray },
}

pub(crate) struct CsvSink {
    target: PathBuf,
    temp: OutputFile,
    out: TextOut,
    header: Option<Vec<String>>,
    /// The last input file records were copied from in place.
    in_place: Option<InPlaceRecords>,
}

impl CsvSink {
    /// Writes the header (the first batch's column names) once.
    fn write_header(&mut self, schema: &ArrowSchema) -> Result<()> {
        if self.header.is_none() {
            let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
            let mut csv = csv::Writer::from_writer(&mut self.out);
            csv.write_record(&names).and_then(|()| Ok(csv.flush()?)).map_err(|e| csv_error(&self.target, e))?;
            self.header = Some(names);
        }
        Ok(())
    }

    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.write_header(&batch.schema())?;
        let columns = align(self.header.as_deref().unwrap_or_default(), batch)?;
        let mut csv = csv::Writer::from_writer(&mut self.out);
        write_csv_rows(&mut csv, &columns, batch.num_rows(), &self.target)?;
        csv.flush().map_err(|e| io(&self.target, e))
    }

    fn write_raw(&mut self, schema: &ArrowSchema, raw: RawRecords<'_>) -> Result<()> {
        self.write_header(schema)?;
        let header = self.header.as_deref().unwrap_or_default();
        if header.iter().eq(schema.fields().iter().map(|f| f.name())) {
            return copy_records(&mut self.in_place, raw, &mut self.out, &self.target);
        }
        // Another file with the same columns in another order: each record's
        // fields put in the header's order (rare; parsed again, not formatted).
        let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
        let order: Vec<usize> = header
            .iter()
            .map(|h| names.iter().position(|n| n == h))
            .collect::<Option<_>>()
            .filter(|order: &Vec<usize>| order.len() == names.len())
            .ok_or_else(|| different_columns(header, &names))?;
        // One reader over the batch's records, a line break after each (a
        // quoted line break inside a record stays inside its field).
        let mut text = Vec::new();
        copy_records(&mut self.in_place, raw, &mut text, &self.target)?;
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(text.as_slice());
        let mut csv = csv::Writer::from_writer(&mut self.out);
        for fields in reader.byte_records() {
            let fields = fields.map_err(|e| csv_error(&self.target, e))?;
            csv.write_record(order.iter().map(|&i| &fields[i])).map_err(|e| csv_error(&self.target, e))?;
        }
        csv.flush().map_err(|e| io(&self.target, e))
    }

    fn finish(self) -> Result<()> {
        self.out.finish().map_err(|e| io(&self.target, e))?;
        persist(self.temp, &self.target)?;
        Ok(())
    }
}

/// Writes each of `raw`'s records and a line break to `out` (the sink
/// writing to `target`), reading records in place through `reader`, which
/// is opened, or opened again, on the file they are in.
fn copy_records(
    reader: &mut Option<InPlaceRecords>,
    raw: RawRecords<'_>,
    out: &mut impl Write,
    target: &Path,
) -> Result<()> {
    match raw {
        RawRecords::Bytes(records) => {
            for record in records.iter().flatten() {
                out.write_all(record).and_then(|()| out.write_all(b"\n")).map_err(|e| io(target, e))?;
            }
            Ok(())
        }
        RawRecords::InPlace { file, modified, spans } => {
            if reader.as_ref().is_none_or(|r| r.path() != file) {
                *reader = Some(InPlaceRecords::open(file, modified)?);
            }
            let (starts, lens) = SourceOptions::raw_spans(spans)
                .ok_or_else(|| TabxError::Internal(format!("raw spans of another layout: {}", spans.data_type())))?;
            reader.as_mut().expect("opened above").write_each(starts, lens, out)
        }
    }
}

/// Writes `rows` rows of `columns` as CSV records: cell text as Arrow prints
/// it, nulls as empty cells (as the engine reads them back).
pub(crate) fn write_csv_rows<W: Write>(
    writer: &mut csv::Writer<W>,
    columns: &[ArrayRef],
    rows: usize,
    target: &Path,
) -> Result<()> {
    let options = FormatOptions::default().with_null("");
    let formatters =
        columns.iter().map(|c| ArrayFormatter::try_new(c.as_ref(), &options)).collect::<Result<Vec<_>, _>>()?;
    let mut cell = String::new();
    for row in 0..rows {
        for f in &formatters {
            cell.clear();
            use std::fmt::Write;
            write!(cell, "{}", f.value(row)).map_err(|e| TabxError::Internal(e.to_string()))?;
            writer.write_field(&cell).map_err(|e| csv_error(target, e))?;
        }
        writer.write_record(None::<&[u8]>).map_err(|e| csv_error(target, e))?;
    }
    Ok(())
}

pub(crate) fn csv_error(path: &Path, e: csv::Error) -> TabxError {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => io(path, e),
        other => TabxError::Internal(format!("{}: {other:?}", path.display())),
    }
}

/// Parquet needs one schema before the first row, and a JSON lines file one
/// type per key for its readers, but a column's type is known only at the
/// end of the scan: the engine types each CSV task on its own and only
/// widens (`fare` can be Int64 in one task, Float64 in another, Utf8 in a
/// third). So batches are spilled as they come (Arrow IPC, a new segment each
/// time the batch schema changes) and, at the end, read back, cast to each
/// column's widest type and written as one file. Casting to the widest type
/// (rather than writing every column as text) keeps numbers numbers in the
/// common case, where a column has one type throughout; the price is reading
/// the rows twice, from local disk.
pub(crate) struct SpillSink {
    target: PathBuf,
    /// Parquet or JSON lines.
    format: RowFormat,
    temp: OutputFile,
    spill: tempfile::TempDir,
    segments: Vec<PathBuf>,
    open: Option<(SchemaRef, StreamWriter<BufWriter<File>>)>,
}

impl SpillSink {
    fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        if self.open.as_ref().is_none_or(|(schema, _)| *schema != batch.schema()) {
            if let Some((_, mut w)) = self.open.take() {
                w.finish()?;
            }
            let path = self.spill.path().join(format!("{:06}.arrows", self.segments.len()));
            let file = File::create(&path).map_err(|e| io(&path, e))?;
            self.open = Some((batch.schema(), StreamWriter::try_new(wide_writer(file), &batch.schema())?));
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
        let file = self.temp.file().map_err(|e| io(&self.target, e))?;
        let mut writer = FinalWriter::new(file, self.format, &schema, &self.target)?;
        // Pass 2: every batch cast to the final types, in order.
        for path in &self.segments {
            for batch in StreamReader::try_new(open(path)?, None)? {
                let batch = batch?;
                let columns = align(&names, &batch)?
                    .iter()
                    .zip(&fields)
                    .map(|(c, (_, t))| if c.data_type() == t { Ok(Arc::clone(c)) } else { arrow::compute::cast(c, t) })
                    .collect::<Result<Vec<_>, _>>()?;
                writer.write(&RecordBatch::try_new(Arc::clone(&schema), columns)?, &self.target)?;
            }
        }
        writer.close(&self.target)?;
        persist(self.temp, &self.target)?;
        Ok(())
    }
}

/// The file a [`SpillSink`] writes at the end.
enum FinalWriter {
    Parquet(Box<ArrowWriter<BufWriter<File>>>),
    Ndjson(TextOut),
}

impl FinalWriter {
    fn new(file: File, format: RowFormat, schema: &SchemaRef, target: &Path) -> Result<Self> {
        Ok(match format {
            RowFormat::Ndjson(compression) => {
                FinalWriter::Ndjson(TextOut::new(file, compression).map_err(|e| io(target, e))?)
            }
            _ => FinalWriter::Parquet(Box::new(
                ArrowWriter::try_new(wide_writer(file), Arc::clone(schema), None)
                    .map_err(|e| parquet_error(target, e))?,
            )),
        })
    }

    fn write(&mut self, batch: &RecordBatch, target: &Path) -> Result<()> {
        match self {
            FinalWriter::Parquet(w) => w.write(batch).map_err(|e| parquet_error(target, e)),
            FinalWriter::Ndjson(out) => write_json_lines(out, batch),
        }
    }

    fn close(self, target: &Path) -> Result<()> {
        match self {
            FinalWriter::Parquet(w) => w.close().map(drop).map_err(|e| parquet_error(target, e)),
            FinalWriter::Ndjson(out) => out.finish().map_err(|e| io(target, e)),
        }
    }
}

/// Writes each row of `batch` as one JSON object and a line break, nulls as
/// `null` (a key for every column on every line). JSON has no NaN or
/// infinity: arrow's writer gives them `null`, as pandas' `to_json` does.
pub(crate) fn write_json_lines(out: &mut impl Write, batch: &RecordBatch) -> Result<()> {
    let mut writer =
        arrow::json::WriterBuilder::new().with_explicit_nulls(true).build::<_, arrow::json::writer::LineDelimited>(out);
    writer.write(batch)?;
    writer.finish()?;
    Ok(())
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
