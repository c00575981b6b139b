//! [`ScanPlan`]: the resolved inputs cut into tasks, and the shard rule.
//!
//! Tasks:
//! - a local uncompressed CSV: newline-aligned byte ranges (cut where a record
//!   starts, see `csv::split`), at most one per thread, each at least
//!   `min_split_bytes`; every range knows its first line number;
//! - a Parquet file: one task per row group;
//! - anything else (compressed, NDJSON, a URL's CSV, stdin): the whole file.
//!
//! Shards (`I/N`): the files, in plan order, are laid end to end in one virtual
//! byte space, cut into N equal ranges. Shard I reads the CSV records that start
//! in its range (local uncompressed CSV), the Parquet row groups whose middle
//! byte is in it, and the other files whose middle byte is in it. Every row is
//! in exactly one shard, and which one depends only on the inputs' sizes. (The
//! middle, not the first byte: N files of one row group each, as a sharded
//! step writes them, then go one to each of N shards; by first bytes, the
//! last file's start fell just short of the last shard's range.) A shard left
//! without data still reads the first file's columns (no rows), so its row
//! output has the schema the other shards' outputs have.

use std::io::Read;
use std::path::Path;

use arrow::array::RecordBatch;
use parquet::arrow::arrow_reader::ArrowReaderMetadata;
use tabx_core::{Result, TabxError};

use crate::csv::{self, CsvSpec, Header};
use crate::driver::{Counted, TaskContext, TaskReport};
use crate::options::{Compression, Format, SourceOptions};
use crate::parquet_part::ParquetPart;
use crate::resolve::{Location, SourceFile, resolve};
use crate::store::StoreReader;

/// One unit of parallel work.
#[derive(Debug, Clone)]
enum Task {
    Csv(CsvSpec, Option<u64>),
    Parquet { file: usize, row_groups: Vec<usize> },
    Ndjson { file: usize, parsers: usize },
}

/// The resolved inputs and the tasks that read them. Build with
/// [`ScanPlan::try_new`], run with [`crate::scan_fold`].
#[derive(Debug)]
pub struct ScanPlan {
    files: Vec<SourceFile>,
    names: Vec<String>,
    parquet: Vec<Option<ArrowReaderMetadata>>,
    tasks: Vec<Task>,
    bytes: Option<u64>,
    warnings: Vec<String>,
    options: SourceOptions,
}

impl ScanPlan {
    /// Resolves `inputs` (files, directories, globs, `-` for stdin, URLs) and
    /// plans the tasks (reading CSV headers and Parquet footers).
    pub fn try_new(inputs: &[String], options: SourceOptions) -> Result<Self> {
        options.validate()?;
        let (files, duplicates) = crate::resolve::dedup(resolve(inputs, &options)?);
        let sizes: Vec<u64> = files.iter().map(|f| f.size.unwrap_or(0)).collect();
        let total: u64 = sizes.iter().sum();
        if options.follow.is_some()
            && let Some(f) =
                files.iter().find(|f| !matches!(f.location, Location::Local(_)) || f.format == Format::Parquet)
        {
            let hint = match f.location {
                // A pipe ends when its writer closes it: until then a read waits.
                Location::Pipe(_) => "a pipe is read as its writer sends, to its end: drop --follow",
                _ => "follow a local log file, or pipe the stream into `-`",
            };
            return Err(TabxError::config(format!("{}: only local CSV and NDJSON files can be followed", f.name))
                .with_hint(hint));
        }
        if options.follow.as_ref().is_some_and(|f| f.only.is_some()) && files.len() != 1 {
            return Err(TabxError::Internal("a followed file given as open must be the only input".into()));
        }
        let shard = options.shard.filter(|s| s.count > 1);
        if shard.is_some()
            && let Some(f) = files.iter().find(|f| f.location.is_stream())
        {
            return Err(TabxError::config(format!("{}: a stream (stdin, a pipe) cannot be sharded", f.name))
                .with_hint("write the input to a file or drop --shard"));
        }
        // The shard's part of the virtual byte space.
        let (lo, hi) = match shard {
            Some(s) => (split_point(total, s.index, s.count), split_point(total, s.index + 1, s.count)),
            None => (0, total),
        };
        let owns = |virtual_offset: u64| match shard {
            None => true,
            Some(s) => owner(total, s.count, virtual_offset) == s.index,
        };
        let threads = options.thread_count();
        let mut plan = ScanPlan {
            names: files.iter().map(|f| f.name.clone()).collect(),
            parquet: vec![None; files.len()],
            tasks: Vec::new(),
            bytes: Some(0),
            warnings: duplicates,
            files: Vec::new(),
            options,
        };
        let mut file_start = 0u64;
        // The first file's columns without its rows, for a shard without data.
        let mut schema_only: Option<Task> = None;
        for (index, file) in files.iter().enumerate() {
            let size = sizes[index];
            // A followed file has no end to cut at: one task, read as stdin is.
            let local_csv =
                file.format == Format::Csv && file.compression == Compression::None && plan.options.follow.is_none();
            match (&file.location, file.format) {
                (Location::Local(path), Format::Csv) if local_csv => {
                    let header = csv::read_local_header(
                        path,
                        &file.name,
                        file.delimiter,
                        plan.options.quote,
                        plan.options.has_header,
                    )?;
                    plan.warnings.extend(header.delimiter_warning(&file.name, file.delimiter));
                    let a = lo.saturating_sub(file_start).min(size);
                    let b = hi.saturating_sub(file_start).min(size);
                    if index == 0 && shard.is_some() {
                        let data_start = header.data_start;
                        schema_only =
                            Some(Task::Csv(csv_spec(file, index, &header, data_start, true), Some(data_start.0)));
                    }
                    plan.plan_csv_ranges(file, index, &header, (a, b), threads, owns(file_start))?;
                }
                (_, Format::Parquet) => {
                    let meta = crate::parquet::load_metadata(file)?;
                    let rgs = meta.metadata().row_groups();
                    let middle = |i: usize| {
                        crate::parquet::row_group_offset(&meta, i) + rgs[i].compressed_size().max(0) as u64 / 2
                    };
                    let mine: Vec<usize> = (0..rgs.len()).filter(|&i| owns(file_start + middle(i))).collect();
                    if index == 0 && shard.is_some() {
                        schema_only = Some(Task::Parquet { file: index, row_groups: Vec::new() });
                    }
                    if rgs.is_empty() && owns(file_start) {
                        plan.tasks.push(Task::Parquet { file: index, row_groups: Vec::new() });
                    }
                    for i in mine {
                        plan.add_bytes(Some(rgs[i].compressed_size().max(0) as u64));
                        plan.tasks.push(Task::Parquet { file: index, row_groups: vec![i] });
                    }
                    plan.parquet[index] = Some(meta);
                }
                (_, format) if owns(file_start + size / 2) => {
                    plan.add_bytes(file.size);
                    plan.tasks.push(match format {
                        Format::Ndjson => Task::Ndjson { file: index, parsers: 1 },
                        _ => Task::Csv(
                            CsvSpec {
                                name: file.name.clone(),
                                file_index: index,
                                delimiter: file.delimiter,
                                start: (0, 1),
                                line_base: Default::default(),
                                header: None,
                                whole_file: true,
                                freeze_after: (file.location.is_stream() || plan.options.follow.is_some())
                                    .then_some(plan.options.infer_rows.max(1)),
                                parsers: 1,
                                in_place: false,
                            },
                            None,
                        ),
                    });
                }
                _ => {}
            }
            file_start += size;
        }
        plan.give_streams_parsers(threads);
        if let Some(s) = shard.filter(|_| plan.tasks.is_empty()) {
            plan.warnings.push(format!(
                "shard {}/{} has no data (fewer files, row groups or records than shards)",
                s.index, s.count
            ));
            plan.tasks.extend(schema_only);
        }
        plan.files = files;
        tracing::debug!(files = plan.files.len(), tasks = plan.tasks.len(), "scan planned");
        Ok(plan)
    }

    /// A CSV stream read as one task (stdin, a compressed or remote file)
    /// parses on the threads the other tasks leave idle (`csv::stream`), as
    /// does an NDJSON file or stream (`ndjson::chunks`). A followed file
    /// does not: its reader waits for lines, and a chunk of them would wait
    /// for the last.
    fn give_streams_parsers(&mut self, threads: usize) {
        let parsers = match self.options.stream_parsers {
            0 => threads / self.tasks.len().max(1),
            n => n,
        };
        if self.options.follow.is_some() || parsers < 2 {
            return;
        }
        for task in &mut self.tasks {
            match task {
                Task::Csv(spec, None) if spec.header.is_none() => spec.parsers = parsers,
                Task::Ndjson { parsers: p, .. } => *p = parsers,
                _ => {}
            }
        }
    }

    fn add_bytes(&mut self, n: Option<u64>) {
        self.bytes = match (self.bytes, n) {
            (Some(a), Some(b)) => Some(a + b),
            _ => None,
        };
    }

    /// Cuts the part `[a, b)` of a local CSV file into record-aligned ranges.
    fn plan_csv_ranges(
        &mut self,
        file: &SourceFile,
        index: usize,
        header: &Header,
        (a, b): (u64, u64),
        threads: usize,
        owns_start: bool,
    ) -> Result<()> {
        let size = file.size.unwrap_or(0);
        let data_start = header.data_start;
        let spec = |start: csv::Cut, whole_file: bool| csv_spec(file, index, header, start, whole_file);
        if data_start.0 >= size {
            // Header only: one (empty) task, in the shard that owns the file's start.
            if owns_start {
                self.tasks.push(Task::Csv(spec(data_start, true), Some(size)));
            }
            return Ok(());
        }
        if b <= a || b <= data_start.0 {
            return Ok(());
        }
        let len = b - a.max(data_start.0);
        // One range per thread while ranges stay ≥ min_split_bytes, and never
        // a range over max_split_bytes (a bounded state per task).
        let per_thread = (len / self.options.min_split_bytes.max(1)).clamp(1, threads as u64);
        let pieces = per_thread.max(len.div_ceil(self.options.max_split_bytes.max(1)));
        let cuts = if pieces == 1 && a <= data_start.0 && b >= size {
            vec![data_start, (size, 0)]
        } else {
            let mut targets: Vec<u64> = (0..=pieces).map(|j| a + (b - a) * j / pieces).collect();
            let Location::Local(path) = &file.location else {
                return Err(TabxError::Internal("byte ranges of a non-local file".into()));
            };
            // The file's end is a cut already: finding it would read the whole
            // file; stop the quote-tracking pass at the last inner cut.
            let to_end = b >= size;
            if to_end {
                targets.pop();
            }
            let mut cuts = if self.options.newlines_in_values || self.options.row_source {
                csv::record_starts(path, (file.delimiter, self.options.quote), data_start, &targets, threads)?
            } else {
                let starts = csv::line_starts(path, data_start.0, &targets)?;
                starts.into_iter().map(|s| if s == data_start.0 { data_start } else { (s, 0) }).collect()
            };
            if to_end {
                cuts.push((size, 0));
            }
            cuts
        };
        for w in cuts.windows(2) {
            let (start, end) = (w[0], w[1].0);
            if start.0 < end {
                self.add_bytes(Some(end - start.0));
                let whole = start.0 == data_start.0 && end == size;
                self.tasks.push(Task::Csv(spec(start, whole), Some(end)));
            }
        }
        Ok(())
    }

    /// Number of tasks (the length of the state vector `scan_fold` returns).
    pub fn tasks(&self) -> usize {
        self.tasks.len()
    }

    /// Input bytes this plan reads (compressed size for compressed files);
    /// `None` when unknown (stdin).
    pub fn total_bytes(&self) -> Option<u64> {
        self.bytes
    }

    /// The first input that can be read only once (stdin, a pipe), by name:
    /// a caller that reads its inputs more than once must refuse it (a second
    /// read of stdin finds it empty; of a pipe, waits for a writer).
    pub fn read_once_input(&self) -> Option<&str> {
        self.files.iter().find(|f| f.location.is_stream()).map(|f| f.name.as_str())
    }

    /// Every resolved input (paths or URLs), in plan order, whether or not this
    /// shard reads it.
    pub fn files(&self) -> &[String] {
        &self.names
    }

    /// The columns of every batch the scan emits, before the row-source
    /// columns, when they are known before reading a row: every input is
    /// Parquet with the same columns, read whole, with no type forced on them.
    /// `None` otherwise (CSV types come from the values, task by task). Lets
    /// a consumer set up an output (Parquet encoders) before the scan.
    pub fn fixed_schema(&self) -> Option<arrow::datatypes::SchemaRef> {
        if !self.reads_as_stored() {
            return None;
        }
        let mut schemas = self.parquet.iter().map(|m| m.as_ref().map(ArrowReaderMetadata::schema));
        let first = schemas.next()??;
        schemas.all(|s| s.is_some_and(|s| s.fields() == first.fields())).then(|| std::sync::Arc::clone(first))
    }

    /// The row groups task `i` reads whole from a local Parquet file, when its
    /// batches are the file's columns unchanged (no projection, no type
    /// forced): what a consumer keeping every row of the task may copy
    /// ([`ParquetPart`]). `None` for any other task.
    pub fn parquet_part(&self, i: usize) -> Option<ParquetPart> {
        if !self.reads_as_stored() {
            return None;
        }
        let Some(Task::Parquet { file, row_groups }) = self.tasks.get(i) else { return None };
        let Location::Local(path) = &self.files[*file].location else { return None };
        let meta = self.parquet[*file].as_ref()?;
        (!row_groups.is_empty()).then(|| ParquetPart::new(path, meta, row_groups))
    }

    /// The local uncompressed file task `i` reads a byte range of, where the
    /// offsets of [`SourceOptions::RAW_SPAN_COLUMN`] point; `None` for any
    /// other task.
    pub fn in_place_file(&self, i: usize) -> Option<&Path> {
        let Some(Task::Csv(spec, _)) = self.tasks.get(i) else { return None };
        match &self.files.get(spec.file_index)?.location {
            Location::Local(path) if spec.in_place => Some(path),
            _ => None,
        }
    }

    /// Whether batches hold a file's columns as stored: no projection, no
    /// type forced (what [`Self::fixed_schema`] and [`Self::parquet_part`] need).
    fn reads_as_stored(&self) -> bool {
        let options = &self.options;
        options.projection.is_none() && options.column_types.is_empty() && options.force_string.is_empty()
    }

    /// The options the plan was made with.
    pub fn options(&self) -> &SourceOptions {
        &self.options
    }

    pub(crate) fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Runs task `i`, passing each batch to `emit`.
    pub(crate) fn run_task(
        &self,
        i: usize,
        ctx: &TaskContext<'_>,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<TaskReport> {
        match &self.tasks[i] {
            Task::Csv(spec, end) => {
                let file = &self.files[spec.file_index];
                let src = open(file, spec.start.0, *end, &self.options)?;
                csv::run_task(spec, Counted { inner: src, ctx }, ctx, emit)
            }
            Task::Parquet { file, row_groups } => {
                let meta = self.parquet[*file]
                    .as_ref()
                    .ok_or_else(|| TabxError::Internal("parquet footer not loaded".into()))?;
                crate::parquet::run_task(&self.files[*file], *file, meta, row_groups, ctx, emit)
            }
            Task::Ndjson { file, parsers } => {
                let f = &self.files[*file];
                let open_fn = || -> Result<Box<dyn Read + '_>> {
                    Ok(Box::new(Counted { inner: open(f, 0, None, &self.options)?, ctx }))
                };
                let source = crate::ndjson::Source {
                    open: &open_fn,
                    rereadable: !f.location.is_stream() && self.options.follow.is_none(),
                    parsers: *parsers,
                };
                crate::ndjson::run_task(&f.name, *file, &source, ctx, emit)
            }
        }
    }
}

/// Opens `file` at byte `start` (uncompressed local files only) up to `end`,
/// decompressing as it streams, at most [`SourceOptions::decompression_cap`] bytes.
fn open(file: &SourceFile, start: u64, end: Option<u64>, options: &SourceOptions) -> Result<Box<dyn Read + Send>> {
    let cap = options.decompression_cap(file.size);
    let raw: Box<dyn Read + Send> = match &file.location {
        Location::Local(path) => {
            // A followed file the caller opened is read through its handle (it may no longer be at the path).
            let mut f = match options.follow.as_ref().and_then(|f| f.only.as_ref()) {
                Some(only) => only.try_clone(),
                None => std::fs::File::open(path),
            }
            .map_err(|e| TabxError::io(path, e))?;
            if start > 0 {
                std::io::Seek::seek(&mut f, std::io::SeekFrom::Start(start)).map_err(|e| TabxError::io(path, e))?;
            }
            match end {
                Some(end) => Box::new(f.take(end.saturating_sub(start))),
                None => match &options.follow {
                    Some(follow) => {
                        let header = options.has_header && file.format == Format::Csv;
                        let follow = crate::follow::Follow::new(path, f, header, follow);
                        Box::new(follow.map_err(|e| TabxError::io(path, e))?)
                    }
                    None => Box::new(f),
                },
            }
        }
        Location::Store(obj) => Box::new(StoreReader::new(obj.clone())),
        Location::Stdin => {
            crate::memory::widen_stdin_pipe();
            Box::new(std::io::stdin())
        }
        Location::Pipe(path) => Box::new(std::fs::File::open(path).map_err(|e| TabxError::io(path, e))?),
    };
    Ok(match file.compression {
        Compression::None => raw,
        Compression::Gzip => Box::new(Capped::new(
            flate2::read::MultiGzDecoder::new(std::io::BufReader::with_capacity(256 << 10, raw)),
            cap,
        )),
        Compression::Zstd => {
            Box::new(Capped::new(zstd::Decoder::new(raw).map_err(|e| TabxError::io(&file.name, e))?, cap))
        }
    })
}

/// A decompressing reader that fails past `cap` bytes: a decompression bomb
/// (a few MB of gzip that inflate to terabytes) ends in an error, not in a
/// scan that never ends.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R> Capped<R> {
    fn new(inner: R, cap: u64) -> Self {
        Capped { inner, left: cap, cap }
    }
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::other(format!(
                "decompresses to more than {} bytes (a decompression bomb?); raise the cap with --max-decompressed-bytes",
                self.cap
            )));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// The task spec of the records of `file` from `start` (its header known).
fn csv_spec(file: &SourceFile, index: usize, header: &Header, start: csv::Cut, whole_file: bool) -> CsvSpec {
    // Line 0: a fast cut, whose lines count from 1 there (see `csv::LineBase`).
    let (start, line_base) = match (&file.location, start) {
        (Location::Local(path), (offset, 0)) => ((offset, 1), csv::LineBase::uncounted(path.clone(), offset)),
        _ => (start, csv::LineBase::default()),
    };
    CsvSpec {
        name: file.name.clone(),
        file_index: index,
        delimiter: file.delimiter,
        start,
        line_base,
        header: Some(header.clone()),
        whole_file,
        freeze_after: None,
        parsers: 1,
        in_place: matches!(file.location, Location::Local(_)) && file.compression == Compression::None,
    }
}

/// Start of shard `i` of `n` in a byte space of `total` bytes.
fn split_point(total: u64, i: usize, n: usize) -> u64 {
    (total as u128 * i as u128 / n as u128) as u64
}

/// The shard whose range holds `offset` (the last one for offsets at the end).
fn owner(total: u64, n: usize, offset: u64) -> usize {
    (0..n)
        .rev()
        .find(|&i| split_point(total, i, n) <= offset && (offset < split_point(total, i + 1, n) || i == n - 1))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offset_has_exactly_one_owner() {
        for (total, n) in [(10u64, 3usize), (0, 4), (7, 7), (5, 8), (1 << 40, 5)] {
            for off in [0, 1, total / 2, total.saturating_sub(1), total] {
                let o = owner(total, n, off);
                assert!(o < n);
                assert!(split_point(total, o, n) <= off.min(total));
            }
        }
        assert_eq!(owner(10, 3, 0), 0);
        assert_eq!(owner(10, 3, 2), 0);
        assert_eq!(owner(10, 3, 3), 1);
        assert_eq!(owner(10, 3, 6), 2);
        assert_eq!(owner(10, 3, 10), 2);
    }
}
