//! Writing rows whose columns are known before the first row (a fitted
//! transform's output) with the encoding done by the scan's workers
//! ([`TypedSink`], [`TaskEncoder`]).
//!
//! ```text
//!  worker: batches ─TaskEncoder::write─▶ Parquet column chunks | text bytes ┐
//!  writer thread (task order):  TypedSink::append ─▶ file ◀────────────────┘
//! ```
//!
//! Encoding is most of the cost of writing Parquet (dictionary interning, RLE,
//! compression): done on the writer's thread it serialises the whole apply
//! behind one core. Each task's encoder instead builds finished row groups
//! (parquet's `ArrowColumnWriter`, the crate's documented way to encode in
//! parallel) or CSV / JSON lines text, and the writer thread only copies bytes (through the
//! compressor of a `.gz` / `.zst` name), in task
//! order, so the file is the same however the tasks were scheduled. A task's
//! pending output is held encoded (a few MiB per million rows), not as batches.
//!
//! In a sink made for copies ([`TypedSink::create_for_copies`]), a task that
//! reads whole row groups of a Parquet file whose columns are
//! encoded as the sink's ([`Encoders::encoder_for`]) and keeps every row
//! ([`TaskEncoder::write_kept`]) is not encoded at all: its row groups are
//! copied from the input, column chunk by column chunk (parquet's
//! `append_column`, made for concatenating files). Decoding and encoding
//! are then skipped for the output; see [`ParquetPart`] for a task that
//! turns out not to keep a row. Such a sink writes no page index (column
//! and offset indexes; the chunk statistics stay): the scan does not read
//! the input's, and parquet 59's writer panics on a file where some column
//! chunks have an offset index and others not (`finalize_offset_indexes`).

use std::fs::File;
use std::io::{BufReader, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::SchemaRef;
use parquet::arrow::ArrowSchemaConverter;
use parquet::arrow::arrow_writer::{ArrowColumnChunk, ArrowColumnWriter, ArrowRowGroupWriterFactory, compute_leaves};
use parquet::column::writer::ColumnCloseResult;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::SchemaDescriptor;
use tabx_core::{Result, TabxError};
use tabx_engine::ParquetPart;

use crate::sink::{
    IO_BUFFER, csv_error, io, open_output, parquet_error, wide_writer, write_csv_rows, write_json_lines,
};
use crate::text_out::TextOut;

/// An output file of fixed columns, filled in task order by [`Self::append`].
pub(crate) struct TypedSink {
    target: PathBuf,
    schema: SchemaRef,
    temp: tabx_core::OutputFile,
    format: Format,
    copies: bool,
}

enum Format {
    Parquet {
        writer: Box<SerializedFileWriter<BufWriter<File>>>,
        factory: Arc<ArrowRowGroupWriterFactory>,
        columns: Arc<SchemaDescriptor>,
    },
    /// CSV or JSON lines.
    Text { file: TextOut, json: bool },
}

/// Makes [`TaskEncoder`]s for a [`TypedSink`].
#[derive(Debug, Clone)]
pub(crate) struct Encoders {
    target: PathBuf,
    schema: SchemaRef,
    /// The row group writer factory, the most rows in a group and the file's
    /// columns as Parquet encodes them (Parquet).
    parquet: Option<(Arc<ArrowRowGroupWriterFactory>, usize, Arc<SchemaDescriptor>)>,
    /// Rows as JSON lines (not Parquet): else CSV.
    json: bool,
    /// Whether the sink takes copied row groups ([`TypedSink::create_for_copies`]).
    copies: bool,
}

impl Encoders {
    /// An encoder for one task's rows.
    pub(crate) fn encoder(&self) -> TaskEncoder {
        let format = match &self.parquet {
            Some((factory, max_group_rows, _)) => Encoding::Parquet {
                factory: Arc::clone(factory),
                max_group_rows: *max_group_rows,
                open: None,
                groups: Vec::new(),
            },
            None if self.json => Encoding::Json { bytes: Vec::new() },
            None => Encoding::Csv { writer: Box::new(csv::Writer::from_writer(Vec::new())) },
        };
        TaskEncoder { target: self.target.clone(), schema: Arc::clone(&self.schema), rows: 0, format, unencoded: None }
    }

    /// An encoder for the rows of a task reading `part`, which copies the
    /// part's row groups if the task keeps all their rows and the file
    /// encodes each column as this sink does (same Parquet types, names and
    /// levels; a file written by another tool may differ, and is encoded).
    pub(crate) fn encoder_for(&self, part: Option<ParquetPart>) -> TaskEncoder {
        let mut encoder = self.encoder();
        if let (Some(part), Some((_, _, columns)), true) = (part, &self.parquet, self.copies) {
            let input = part.metadata().file_metadata().schema_descr();
            let same = input.num_columns() == columns.num_columns()
                && input.columns().iter().zip(columns.columns()).all(|(a, b)| a == b);
            if same {
                encoder.unencoded = Some(Unencoded { part, rows: 0 });
            }
        }
        encoder
    }
}

/// One task's rows, encoded for the file on the worker's thread.
pub(crate) struct TaskEncoder {
    target: PathBuf,
    schema: SchemaRef,
    rows: u64,
    format: Encoding,
    /// While every row of the task was kept: the rows not encoded yet.
    unencoded: Option<Unencoded>,
}

/// The first `rows` rows of a [`ParquetPart`], all kept, none encoded.
struct Unencoded {
    part: ParquetPart,
    rows: u64,
}

enum Encoding {
    Parquet {
        factory: Arc<ArrowRowGroupWriterFactory>,
        max_group_rows: usize,
        /// The row group being encoded, and its rows so far.
        open: Option<(Vec<ArrowColumnWriter>, usize)>,
        groups: Vec<Vec<ArrowColumnChunk>>,
    },
    Csv {
        writer: Box<csv::Writer<Vec<u8>>>,
    },
    Json {
        bytes: Vec<u8>,
    },
}

impl TypedSink {
    /// A temporary file beside `path` (Parquet for `.parquet`/`.pq`, else CSV
    /// with its header written), renamed into place by [`Self::finish`].
    pub(crate) fn create(path: &Path, schema: SchemaRef) -> Result<Self> {
        Self::with_properties(path, schema, WriterProperties::default(), false)
    }

    /// [`Self::create`] whose tasks may append row groups copied from their
    /// Parquet input ([`Encoders::encoder_for`]); the file has no page index
    /// (see the module docs).
    pub(crate) fn create_for_copies(path: &Path, schema: SchemaRef) -> Result<Self> {
        let props = WriterProperties::builder()
            .set_statistics_enabled(parquet::file::properties::EnabledStatistics::Chunk)
            .set_offset_index_disabled(true)
            .build();
        Self::with_properties(path, schema, props, true)
    }

    fn with_properties(path: &Path, schema: SchemaRef, mut props: WriterProperties, copies: bool) -> Result<Self> {
        let (temp, row_format) = open_output(path)?;
        let file = temp.file().map_err(|e| io(path, e))?;
        let format = if let tabx_core::RowFormat::Csv(compression) = row_format {
            let mut writer = csv::Writer::from_writer(TextOut::new(file, compression).map_err(|e| io(path, e))?);
            writer.write_record(schema.fields().iter().map(|f| f.name())).map_err(|e| csv_error(path, e))?;
            let file = writer.into_inner().map_err(|e| io(path, e.into_error()))?;
            Format::Text { file, json: false }
        } else if let tabx_core::RowFormat::Ndjson(compression) = row_format {
            Format::Text { file: TextOut::new(file, compression).map_err(|e| io(path, e))?, json: true }
        } else {
            let file = wide_writer(file);
            // As ArrowWriter does: the Arrow schema in the footer keeps the
            // exact column types (and survives a file with no rows).
            parquet::arrow::add_encoded_arrow_schema_to_metadata(&schema, &mut props);
            let props = Arc::new(props);
            let parquet_schema = ArrowSchemaConverter::new()
                .with_coerce_types(props.coerce_types())
                .convert(&schema)
                .map_err(|e| parquet_error(path, e))?;
            let writer = SerializedFileWriter::new(file, parquet_schema.root_schema_ptr(), props)
                .map_err(|e| parquet_error(path, e))?;
            let factory = Arc::new(ArrowRowGroupWriterFactory::new(&writer, Arc::clone(&schema)));
            Format::Parquet { writer: Box::new(writer), factory, columns: Arc::new(parquet_schema) }
        };
        Ok(TypedSink { target: path.to_path_buf(), schema, temp, format, copies })
    }

    /// What makes each task's encoder (shared by the workers while this sink
    /// waits for their output).
    pub(crate) fn encoders(&self) -> Encoders {
        let parquet = match &self.format {
            Format::Parquet { writer, factory, columns } => Some((
                Arc::clone(factory),
                writer.properties().max_row_group_row_count().unwrap_or(usize::MAX),
                Arc::clone(columns),
            )),
            Format::Text { .. } => None,
        };
        let json = matches!(self.format, Format::Text { json: true, .. });
        Encoders { target: self.target.clone(), schema: Arc::clone(&self.schema), parquet, json, copies: self.copies }
    }

    /// Appends a task's encoded rows (in task order); returns how many.
    pub(crate) fn append(&mut self, encoder: TaskEncoder) -> Result<u64> {
        let rows = encoder.rows;
        match (&mut self.format, encoder.finish()?) {
            (Format::Parquet { writer, .. }, Encoded::Parquet(groups)) => {
                for group in groups {
                    let mut row_group = writer.next_row_group().map_err(|e| parquet_error(&self.target, e))?;
                    for chunk in group {
                        chunk.append_to_row_group(&mut row_group).map_err(|e| parquet_error(&self.target, e))?;
                    }
                    row_group.close().map_err(|e| parquet_error(&self.target, e))?;
                }
            }
            (Format::Parquet { writer, .. }, Encoded::Copy(part)) => copy_row_groups(writer, &part, &self.target)?,
            (Format::Text { file, .. }, Encoded::Text(bytes)) => {
                file.write_all(&bytes).map_err(|e| io(&self.target, e))?;
            }
            _ => return Err(TabxError::Internal("an encoder of another sink".into())),
        }
        Ok(rows)
    }

    /// Completes the file and renames it into place.
    pub(crate) fn finish(self) -> Result<()> {
        match self.format {
            Format::Parquet { writer, .. } => {
                writer.close().map_err(|e| parquet_error(&self.target, e))?;
            }
            Format::Text { file, .. } => file.finish().map_err(|e| io(&self.target, e))?,
        }
        crate::sink::persist(self.temp, &self.target)
    }
}

/// Appends the row groups of `part` to `writer` as the input encodes them.
fn copy_row_groups(
    writer: &mut SerializedFileWriter<BufWriter<File>>,
    part: &ParquetPart,
    target: &Path,
) -> Result<()> {
    let error = |e| parquet_error(target, e);
    let input = WideReads(File::open(part.path()).map_err(|e| io(part.path(), e))?);
    for &rg in part.row_groups() {
        let meta = part.metadata().row_group(rg);
        let mut row_group = writer.next_row_group().map_err(error)?;
        for chunk in meta.columns() {
            let close = ColumnCloseResult {
                bytes_written: chunk.compressed_size().max(0) as u64,
                rows_written: meta.num_rows().max(0) as u64,
                metadata: chunk.clone(),
                bloom_filter: None,
                // The input's page index is not read by the scan; the copied
                // row groups go without one (readers then read every page).
                column_index: None,
                offset_index: None,
            };
            row_group.append_column(&input, close).map_err(error)?;
        }
        row_group.close().map_err(error)?;
    }
    Ok(())
}

/// A Parquet input whose column chunks are read [`IO_BUFFER`] bytes at a time when
/// copied (`File`'s own `ChunkReader` reads 8 KiB at a time: 15,748 read
/// calls to copy the 2M-row taxi file).
struct WideReads(File);

impl parquet::file::reader::Length for WideReads {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

impl parquet::file::reader::ChunkReader for WideReads {
    type T = BufReader<File>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        let mut file = self.0.try_clone()?;
        file.seek(SeekFrom::Start(start))?;
        Ok(BufReader::with_capacity(IO_BUFFER, file))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<bytes::Bytes> {
        self.0.get_bytes(start, length)
    }
}

enum Encoded {
    Parquet(Vec<Vec<ArrowColumnChunk>>),
    /// Every row of the part, to be copied.
    Copy(ParquetPart),
    /// CSV or JSON lines.
    Text(Vec<u8>),
}

impl TaskEncoder {
    /// Takes `batch`, every row of which the task keeps, with the rows' file
    /// lines (the scan's [`tabx_engine::SourceOptions::LINE_COLUMN`]): not
    /// encoded while the task's rows so far are its part's rows in order.
    pub(crate) fn write_kept(
        &mut self,
        batch: impl FnOnce() -> Result<RecordBatch>,
        lines: &arrow::array::UInt64Array,
    ) -> Result<()> {
        if let Some(u) = &mut self.unencoded
            && u.part.continues(u.rows, lines)
        {
            u.rows += lines.len() as u64;
            self.rows += lines.len() as u64;
            return Ok(());
        }
        self.write(&batch()?)
    }

    /// Encodes `batch`, which has the sink's columns.
    pub(crate) fn write(&mut self, batch: &RecordBatch) -> Result<()> {
        self.encode_unencoded()?;
        self.rows += batch.num_rows() as u64;
        self.encode(batch)
    }

    /// Encodes the rows kept without encoding, read again from the input:
    /// the task is found not to keep all its part's rows.
    fn encode_unencoded(&mut self) -> Result<()> {
        let Some(Unencoded { part, rows }) = self.unencoded.take() else { return Ok(()) };
        part.read_first(rows, REREAD_BATCH_ROWS, &mut |batch| self.encode(batch))
    }

    fn encode(&mut self, batch: &RecordBatch) -> Result<()> {
        match &mut self.format {
            Encoding::Parquet { factory, max_group_rows, open, groups } => {
                let parquet_error = |e| parquet_error(&self.target, e);
                let (writers, rows) = match open {
                    Some(o) => o,
                    None => open.insert((factory.create_column_writers(0).map_err(parquet_error)?, 0)),
                };
                let mut leaves = writers.iter_mut();
                for (field, column) in self.schema.fields().iter().zip(batch.columns()) {
                    for leaf in compute_leaves(field, column).map_err(parquet_error)? {
                        let writer =
                            leaves.next().ok_or_else(|| TabxError::Internal("too few column writers".into()))?;
                        writer.write(&leaf).map_err(parquet_error)?;
                    }
                }
                *rows += batch.num_rows();
                if *rows >= *max_group_rows {
                    let (writers, _) = open.take().expect("opened above");
                    groups.push(close(writers).map_err(parquet_error)?);
                }
            }
            Encoding::Csv { writer } => write_csv_rows(writer, batch.columns(), batch.num_rows(), &self.target)?,
            Encoding::Json { bytes } => write_json_lines(bytes, batch)?,
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Encoded> {
        if let Some(u) = &self.unencoded
            && u.rows == u.part.rows()
        {
            return Ok(Encoded::Copy(self.unencoded.take().expect("checked above").part));
        }
        self.encode_unencoded()?;
        Ok(match self.format {
            Encoding::Parquet { open, mut groups, .. } => {
                if let Some((writers, _)) = open {
                    groups.push(close(writers).map_err(|e| parquet_error(&self.target, e))?);
                }
                Encoded::Parquet(groups)
            }
            Encoding::Csv { writer } => {
                Encoded::Text(writer.into_inner().map_err(|e| io(&self.target, e.into_error()))?)
            }
            Encoding::Json { bytes } => Encoded::Text(bytes),
        })
    }
}

/// Rows per batch when a task's kept rows are read again to be encoded.
const REREAD_BATCH_ROWS: usize = 8192;

fn close(writers: Vec<ArrowColumnWriter>) -> parquet::errors::Result<Vec<ArrowColumnChunk>> {
    writers.into_iter().map(ArrowColumnWriter::close).collect()
}

impl std::fmt::Debug for TaskEncoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskEncoder").field("target", &self.target).field("rows", &self.rows).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Float64Array, Int64Array};
    use arrow::datatypes::{DataType, Field, Schema};

    fn batch(schema: &SchemaRef, from: i64, n: i64) -> RecordBatch {
        let ids: ArrayRef = Arc::new(Int64Array::from_iter((from..from + n).map(|i| (i % 3 != 0).then_some(i))));
        let xs: ArrayRef = Arc::new(Float64Array::from_iter_values((from..from + n).map(|i| i as f64 / 2.0)));
        RecordBatch::try_new(Arc::clone(schema), vec![ids, xs]).unwrap()
    }

    /// Two tasks encoded on two threads, appended in task order: the file
    /// reads back as the batches in that order, with the declared types.
    #[test]
    fn parquet_in_task_order_from_worker_threads() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.parquet");
        let schema = Arc::new(Schema::new(vec![
            Field::new("id", DataType::Int64, true),
            Field::new("x", DataType::Float64, true),
        ]));
        let mut sink = TypedSink::create(&path, Arc::clone(&schema)).unwrap();
        let encoders = sink.encoders();
        let (a, b) = std::thread::scope(|s| {
            let encode = |from| {
                let mut e = encoders.encoder();
                let schema = Arc::clone(&schema);
                s.spawn(move || {
                    e.write(&batch(&schema, from, 5)).unwrap();
                    e.write(&batch(&schema, from + 5, 2)).unwrap();
                    e
                })
            };
            let (a, b) = (encode(0), encode(100));
            (a.join().unwrap(), b.join().unwrap())
        });
        assert_eq!(sink.append(a).unwrap(), 7);
        assert_eq!(sink.append(b).unwrap(), 7);
        sink.finish().unwrap();
        let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        let all = arrow::compute::concat_batches(&schema, &batches).unwrap();
        let expected = arrow::compute::concat_batches(
            &schema,
            &[batch(&schema, 0, 5), batch(&schema, 5, 2), batch(&schema, 100, 5), batch(&schema, 105, 2)],
        )
        .unwrap();
        assert_eq!(all, expected);
    }

    #[test]
    fn csv_has_the_header_without_rows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let schema = Arc::new(Schema::new(vec![Field::new("id", DataType::Int64, true)]));
        let mut sink = TypedSink::create(&path, Arc::clone(&schema)).unwrap();
        let mut e = sink.encoders().encoder();
        e.write(
            &RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(Int64Array::from(vec![Some(1), None]))]).unwrap(),
        )
        .unwrap();
        sink.append(e).unwrap();
        sink.finish().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "id\n1\n\"\"\n");
    }
}
