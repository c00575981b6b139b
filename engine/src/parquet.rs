//! Parquet sources through the parquet crate's sync Arrow reader: tasks are row
//! groups, read with a projection. Local files are read directly; for an object
//! store, a task first fetches its row group's projected column chunks with one
//! batch of ranged GETs (so memory per task is one row group's projected,
//! compressed bytes) and decodes from memory (`Prefetched`). The footer is
//! fetched the same way at planning. (parquet 59 deprecates its
//! `ParquetObjectReader`; this path needs no async reader at all.) With
//! `SourceOptions::dictionary_strings`, string columns keep the file's
//! dictionary encoding (`with_dictionary_strings`): the statistics count keys.
//!
//! Robustness: parquet decoders can panic or allocate wildly on corrupt files
//! (arrow-rs #10734: page sizes trusted before validation). Every decoder
//! step (footer, reader, each batch) runs under `catch_unwind`, so a panic
//! becomes that file's `Parquet` error (the caller's code does not: a panic
//! there is a bug, which the driver reports as one), and
//! planning checks that every column chunk lies inside the file before any
//! page is read. The reader API (parquet 59) has no page-size limit to set;
//! the chunk check bounds what a lying footer can ask for by the file size.

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{BooleanArray, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema};
use bytes::Bytes;
use object_store::ObjectStoreExt;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::file::reader::{ChunkReader, Length};
use tabx_core::{Result, TabxError};

use crate::driver::{TaskContext, TaskReport, append_row_source, catch_panic};
use crate::options::ColumnType;
use crate::quarantine::BadRows;
use crate::resolve::{Location, SourceFile};
use crate::retype::{BadValue, retype, wanted_type};
use crate::store::{StoreObject, block_on, store_error};

pub(crate) fn parquet_error(file: &SourceFile, e: impl std::fmt::Display) -> TabxError {
    TabxError::Parquet { path: file.name.clone(), message: e.to_string() }
}

/// Runs `f`, turning a panic into a `Parquet` error for `file`.
fn contained<T>(file: &SourceFile, f: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_panic(f).unwrap_or_else(|what| {
        Err(parquet_error(file, format!("the decoder failed on this file ({what}); it is probably corrupt")))
    })
}

/// Reads and checks the footer of `file`.
pub(crate) fn load_metadata(file: &SourceFile) -> Result<ArrowReaderMetadata> {
    let meta = contained(file, || match &file.location {
        Location::Local(path) => {
            let f = std::fs::File::open(path).map_err(|e| TabxError::io(path, e))?;
            ArrowReaderMetadata::load(&f, ArrowReaderOptions::new()).map_err(|e| parquet_error(file, e))
        }
        Location::Store(obj) => {
            let footer = fetch_footer(obj, file.size.unwrap_or(0))?;
            ArrowReaderMetadata::load(&footer, ArrowReaderOptions::new()).map_err(|e| parquet_error(file, e))
        }
        Location::Stdin | Location::Pipe(_) => Err(TabxError::config(format!(
            "{}: Parquet cannot be read from a stream (stdin, a pipe): its footer is at the end",
            file.name
        ))
        .with_hint("write it to a file first")),
    })?;
    let size = file.size.unwrap_or(u64::MAX);
    for (i, rg) in meta.metadata().row_groups().iter().enumerate() {
        for col in rg.columns() {
            let (start, len) = col.byte_range();
            if start.checked_add(len).is_none_or(|end| end > size) {
                return Err(parquet_error(
                    file,
                    format!("corrupt footer: a column chunk of row group {i} lies beyond the end of the file"),
                ));
            }
        }
        if rg.num_rows() < 0 {
            return Err(parquet_error(file, format!("corrupt footer: row group {i} has a negative row count")));
        }
    }
    Ok(meta)
}

/// Where row group `i` starts in the file (for shard assignment).
pub(crate) fn row_group_offset(meta: &ArrowReaderMetadata, i: usize) -> u64 {
    let rg = meta.metadata().row_group(i);
    let offset = rg.file_offset().or_else(|| rg.columns().first().map(|c| c.byte_range().0 as i64)).unwrap_or(0);
    offset.max(0) as u64
}

/// The projection mask and the projected top-level columns (in file order).
fn projection(
    file: &SourceFile,
    meta: &ArrowReaderMetadata,
    ctx: &TaskContext<'_>,
) -> Result<(ProjectionMask, Option<Vec<usize>>)> {
    let names: Vec<&str> = meta.schema().fields().iter().map(|f| f.name().as_str()).collect();
    let Some(idx) = ctx.options.projected(&file.name, &names)? else { return Ok((ProjectionMask::all(), None)) };
    Ok((ProjectionMask::roots(meta.parquet_schema(), idx.iter().copied()), Some(idx)))
}

/// Reads `row_groups` of `file` (an empty list: the file has none; emit its
/// schema as an empty batch).
pub(crate) fn run_task(
    file: &SourceFile,
    file_index: usize,
    meta: &ArrowReaderMetadata,
    row_groups: &[usize],
    ctx: &TaskContext<'_>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<TaskReport> {
    let (mask, roots) = projection(file, meta, ctx)?;
    let mut report = TaskReport::default();
    let schema = match roots {
        Some(idx) => meta.schema().project(&idx)?,
        None => meta.schema().as_ref().clone(),
    };
    let wanted: HashMap<String, ColumnType> =
        schema.fields().iter().filter_map(|f| Some((f.name().clone(), wanted_type(ctx.options, f.name())?))).collect();
    if row_groups.is_empty() {
        report.warnings.push(format!("{}: no rows", file.name));
        let (empty, _) = retype(RecordBatch::new_empty(Arc::new(schema)), &wanted)?;
        let empty = if ctx.options.row_source {
            append_row_source(&empty, &file.name, UInt64Array::from(Vec::<u64>::new()))?
        } else {
            empty
        };
        emit(empty)?;
        return Ok(report);
    }
    let names: Vec<String> = schema.fields().iter().map(|f| f.name().clone()).collect();
    let mut bad_rows = BadRows::new(ctx.options, Some(&names));
    let dictionaries;
    let meta = if ctx.options.dictionary_strings {
        dictionaries = with_dictionary_strings(file, meta, &wanted)?;
        &dictionaries
    } else {
        meta
    };
    let rgs = meta.metadata().row_groups();
    for &rg in row_groups {
        // Row position for sampling: the row's index in the file.
        let mut row: u64 = rgs[..rg].iter().map(|g| g.num_rows() as u64).sum();
        let mut on_batch = |batch: RecordBatch| -> Result<()> {
            let n = batch.num_rows() as u64;
            let (typed, bad) = retype(batch.clone(), &wanted)?;
            // Allocated only for a batch with bad values (none in the common case).
            let mut is_bad = if bad.is_empty() { Vec::new() } else { vec![false; batch.num_rows()] };
            for values in bad.chunk_by(|a, b| a.row == b.row) {
                let at = values[0].row;
                is_bad[at] = true;
                let reasons: Vec<_> = values.iter().map(BadValue::reason).collect();
                let location = format!("{}:{}", file.name, row + at as u64 + 1);
                let hint = "fix the value, or the column's type in the schema";
                bad_rows.reject_row(&mut report, location, &reasons, &batch, at, hint)?;
            }
            // Before filtering, so that the filter keeps each row's number with it.
            let batch = if ctx.options.row_source {
                append_row_source(&typed, &file.name, UInt64Array::from_iter_values(row + 1..=row + n))?
            } else {
                typed
            };
            let batch = keep_rows(batch, file_index, row, &is_bad, ctx, &mut report)?;
            row += n;
            report.rows_read += batch.num_rows() as u64;
            if ctx.cancelled() {
                return Err(TaskContext::cancelled_error());
            }
            emit(batch)
        };
        read_row_group(file, meta, rg, mask.clone(), ctx, &mut on_batch)?;
        ctx.progress(rgs[rg].compressed_size().max(0) as u64);
    }
    bad_rows.finish(&mut report)?;
    Ok(report)
}

/// `meta` whose string columns, but those `wanted` as another type, read as
/// `Dictionary(Int32, Utf8)` ([`SourceOptions::dictionary_strings`](crate::SourceOptions)).
fn with_dictionary_strings(
    file: &SourceFile,
    meta: &ArrowReaderMetadata,
    wanted: &HashMap<String, ColumnType>,
) -> Result<ArrowReaderMetadata> {
    let fields: Vec<Field> = meta
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 if !wanted.contains_key(f.name()) => {
                let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(f.data_type().clone()));
                f.as_ref().clone().with_data_type(dictionary)
            }
            _ => f.as_ref().clone(),
        })
        .collect();
    let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(fields)));
    contained(file, || {
        ArrowReaderMetadata::try_new(meta.metadata().clone(), options).map_err(|e| parquet_error(file, e))
    })
}

fn read_row_group(
    file: &SourceFile,
    meta: &ArrowReaderMetadata,
    rg: usize,
    mask: ProjectionMask,
    ctx: &TaskContext<'_>,
    on_batch: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    let batch_size = ctx.options.batch_size;
    match &file.location {
        Location::Local(path) => {
            let f = std::fs::File::open(path).map_err(|e| TabxError::io(path, e))?;
            decode(file, f, meta, rg, mask, batch_size, on_batch)
        }
        Location::Store(obj) => {
            let chunks = meta.metadata().row_group(rg).columns();
            let ranges: Vec<std::ops::Range<u64>> = (0..chunks.len())
                .filter(|&leaf| mask.leaf_included(leaf))
                .map(|leaf| {
                    let (start, len) = chunks[leaf].byte_range();
                    start..start + len
                })
                .collect();
            let data = block_on(obj.store.get_ranges(&obj.path, &ranges))?.map_err(|e| store_error(&obj.url, e))?;
            let parts = ranges.iter().map(|r| r.start).zip(data).collect();
            let reader = Prefetched { len: file.size.unwrap_or(0), parts };
            decode(file, reader, meta, rg, mask, batch_size, on_batch)
        }
        Location::Stdin | Location::Pipe(_) => Err(TabxError::Internal("a Parquet task on a stream".into())),
    }
}

fn decode<R: ChunkReader + 'static>(
    file: &SourceFile,
    reader: R,
    meta: &ArrowReaderMetadata,
    rg: usize,
    mask: ProjectionMask,
    batch_size: usize,
    on_batch: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<()> {
    // Only the decoder runs contained: a panic in `on_batch` (the caller's
    // code) is not a corrupt file, and the driver reports it as the bug it is.
    let mut batches = contained(file, || {
        ParquetRecordBatchReaderBuilder::new_with_metadata(reader, meta.clone())
            .with_row_groups(vec![rg])
            .with_projection(mask)
            .with_batch_size(batch_size)
            .build()
            .map_err(|e| parquet_error(file, e))
    })?;
    while let Some(batch) = contained(file, || Ok(batches.next()))? {
        on_batch(batch.map_err(|e| parquet_error(file, e))?)?;
    }
    Ok(())
}

/// Byte ranges of a remote file, fetched ahead, served as a `ChunkReader`.
struct Prefetched {
    len: u64,
    /// (start offset, bytes), any order.
    parts: Vec<(u64, Bytes)>,
}

impl Prefetched {
    fn slice(&self, start: u64, length: Option<usize>) -> parquet::errors::Result<Bytes> {
        for (at, bytes) in &self.parts {
            let end = at + bytes.len() as u64;
            // Parts touch end to end: a reader must start inside its part.
            let fits = match length {
                Some(n) => *at <= start && start + n as u64 <= end,
                None => *at <= start && start < end,
            };
            if fits {
                let from = (start - at) as usize;
                let to = length.map_or(bytes.len(), |n| from + n);
                return Ok(bytes.slice(from..to));
            }
        }
        Err(parquet::errors::ParquetError::General(format!(
            "bytes at offset {start} were not fetched (corrupt footer?)"
        )))
    }
}

impl Length for Prefetched {
    fn len(&self) -> u64 {
        self.len
    }
}

impl ChunkReader for Prefetched {
    type T = std::io::Cursor<Bytes>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(std::io::Cursor::new(self.slice(start, None)?))
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        self.slice(start, Some(length))
    }
}

/// The footer of a remote file: its last 64 KiB, and more if the metadata is longer.
fn fetch_footer(obj: &StoreObject, size: u64) -> Result<Prefetched> {
    let get = |range: std::ops::Range<u64>| {
        block_on(obj.store.get_range(&obj.path, range))?.map_err(|e| store_error(&obj.url, e))
    };
    let tail_start = size.saturating_sub(64 << 10);
    let tail = get(tail_start..size)?;
    let mut parts = vec![(tail_start, tail.clone())];
    if tail.len() >= 8 {
        let n = tail.len();
        let meta_len = u32::from_le_bytes([tail[n - 8], tail[n - 7], tail[n - 6], tail[n - 5]]) as u64;
        let meta_start = size.saturating_sub(8 + meta_len);
        if meta_start < tail_start {
            parts.push((meta_start, get(meta_start..size)?));
        }
    }
    Ok(Prefetched { len: size, parts })
}

/// Keeps the rows whose position (`first_row + i`) is in the sample.
/// `batch` without its bad rows (`is_bad`, empty when there are none) and the
/// rows that sampling leaves out (row `i` is row `first_row + i` of the file).
fn keep_rows(
    batch: RecordBatch,
    file_index: usize,
    first_row: u64,
    is_bad: &[bool],
    ctx: &TaskContext<'_>,
    report: &mut TaskReport,
) -> Result<RecordBatch> {
    let sampling = ctx.options.sample_rate.is_some_and(|r| r < 1.0);
    if !sampling && is_bad.is_empty() {
        return Ok(batch);
    }
    let mut sampled_out = 0;
    let keep: BooleanArray = (0..batch.num_rows())
        .map(|i| {
            let bad = is_bad.get(i).copied().unwrap_or(false);
            let keep = !bad && ctx.keep(file_index, first_row + i as u64);
            sampled_out += u64::from(!bad && !keep);
            Some(keep)
        })
        .collect();
    report.rows_sampled_out += sampled_out;
    Ok(arrow::compute::filter_record_batch(&batch, &keep)?)
}
