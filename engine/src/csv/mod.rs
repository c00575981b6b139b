//! The CSV reader: our own, on csv-core, because arrow-csv (and DataFusion on
//! top of it) cannot say which line a bad row is on, cannot skip or quarantine
//! one row, and silently reads the rest of the file into one field after an
//! unclosed quote.
//!
//! - `reader`: bytes → records with offsets, lines and unclosed-quote detection.
//! - `lines`: plain lines (no quote) split 16 bytes at a time, for `reader`
//!   (csv-core reads the others).
//! - `typing`: TFDV's INT/FLOAT/STRING inference and building Arrow columns.
//! - `split`: where a local file can be cut into independent byte ranges.
//! - `stream`: a stream read as one task (stdin, `.gz`), cut into chunks as it
//!   is read and parsed on several threads after its first batch.
//!
//! This module drives one task: records → bad-row handling → typed batches.

mod lines;
mod reader;
mod split;
mod stream;
mod typing;

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, UInt64Array};
use arrow::datatypes::{Field, Schema};
use tabx_core::{Result, TabxError};

pub(crate) use reader::io_error;
pub(crate) use split::{Cut, LineBase, line_starts, record_starts};
pub(crate) use typing::{parse_f64, parse_i64};

use crate::driver::{TaskContext, TaskReport, append_raw_records, append_row_source};
use crate::options::ColumnType;
use crate::quarantine::{BadRows, shorten};
use crate::retype::wanted_type;
use reader::{Record, RecordReader};
use typing::{RawRecords, Rows};

/// Column names of a file and where its data starts.
#[derive(Debug, Clone)]
pub(crate) struct Header {
    pub names: Arc<Vec<String>>,
    /// First byte and line after the header (the file's start without a header).
    pub data_start: Cut,
}

/// Reads the header of a local file (planning needs it to cut byte ranges).
pub(crate) fn read_local_header(path: &Path, name: &str, delimiter: u8, quote: u8, has_header: bool) -> Result<Header> {
    let file = std::fs::File::open(path).map_err(|e| TabxError::io(path, e))?;
    let mut reader = RecordReader::new(file, name, delimiter, quote, 0, 1);
    header_from(&mut reader, name, has_header)
}

impl Header {
    /// A warning for a header of one column whose name holds another usual
    /// delimiter (`a;b;c` read with `,`): the rows were almost surely cut at
    /// the wrong byte. Not an error: a one-column file may have such a name.
    pub(crate) fn delimiter_warning(&self, file: &str, delimiter: u8) -> Option<String> {
        let [column] = self.names.as_slice() else { return None };
        let other =
            [b';', b'\t', b'|', b','].into_iter().find(|&d| d != delimiter && column.as_bytes().contains(&d))?;
        let shown = if other == b'\t' { "\\t".to_string() } else { char::from(other).to_string() };
        Some(format!(
            "{file}: one column, named `{column}`: if `{shown}` separates the fields, pass --delimiter '{shown}'"
        ))
    }
}

fn header_from<R: Read>(reader: &mut RecordReader<R>, name: &str, has_header: bool) -> Result<Header> {
    let Some(rec) = reader.next_record()? else {
        return Err(TabxError::invalid_input(name, "file is empty: no header row")
            .with_hint("a CSV file needs a header row naming its columns"));
    };
    if rec.unclosed_quote {
        return Err(TabxError::invalid_input(format!("{name}:{}", rec.line), "unclosed quote starting here"));
    }
    if !has_header {
        let names = (1..=rec.len()).map(|i| format!("column_{i}")).collect();
        return Ok(Header { names: Arc::new(names), data_start: (rec.start, rec.line) });
    }
    let mut names: Vec<String> = Vec::with_capacity(rec.len());
    for i in 0..rec.len() {
        let n = String::from_utf8_lossy(rec.field(i)).into_owned();
        let location = format!("{name}:{}", rec.line);
        if n.is_empty() {
            return Err(TabxError::invalid_input(
                location,
                format!("column {} has an empty name in the header", i + 1),
            )
            .with_hint(
                "name every column in the header (pandas' to_csv writes its unnamed index first: pass index=False), \
                 or pass --no-header",
            ));
        }
        if let Some(j) = names.iter().position(|m| *m == n) {
            return Err(TabxError::invalid_input(
                location,
                format!("duplicate column name `{n}` (columns {} and {})", j + 1, i + 1),
            )
            .with_hint("rename one of them in the header: a feature is known by its name"));
        }
        names.push(n);
    }
    // Where the reader stands now, not "header line + 1": a quoted header
    // name may span lines, and a `\r\n` may be half consumed.
    Ok(Header { names: Arc::new(names), data_start: (reader.offset(), reader.line()) })
}

/// What one CSV task reads.
#[derive(Debug, Clone)]
pub(crate) struct CsvSpec {
    pub name: String,
    pub file_index: usize,
    pub delimiter: u8,
    /// Offset and line where the given reader starts.
    pub start: Cut,
    /// How the reader's lines become the file's (the fast cut counts from 1 at `start`).
    pub line_base: LineBase,
    /// `None`: the stream starts with the file's beginning (header included).
    pub header: Option<Header>,
    /// The task covers all of its file's rows (header-only warning, empty batch).
    pub whole_file: bool,
    /// Input that cannot be read twice: types are fixed by the first this many rows.
    pub freeze_after: Option<usize>,
    /// Threads that parse a stream (one task for the whole file: stdin, a
    /// compressed or remote file) after its first batch; 1 parses it as it is read.
    pub parsers: usize,
    /// The task reads a byte range of a local uncompressed file, where a
    /// record's offsets name its bytes (raw records as spans, not copies).
    pub in_place: bool,
}

impl CsvSpec {
    /// Whether the file is in the dialect tabx writes: `,` between fields,
    /// `"` quotes ([`crate::SourceOptions::raw_records`]).
    fn is_plain_csv(&self, opts: &crate::SourceOptions) -> bool {
        self.delimiter == b',' && opts.quote == b'"'
    }
}

/// Reads one task's records from `src` and emits typed batches.
pub(crate) fn run_task(
    spec: &CsvSpec,
    src: impl Read,
    ctx: &TaskContext<'_>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<TaskReport> {
    let opts = ctx.options;
    let mut reader = RecordReader::new(src, &spec.name, spec.delimiter, opts.quote, spec.start.0, spec.start.1)
        .with_line_base(spec.line_base.clone());
    let mut restart = None;
    let mut task = match &spec.header {
        Some(h) => CsvTask::try_new(spec, h, ctx)?,
        None if opts.has_header => CsvTask::try_new(spec, &header_from(&mut reader, &spec.name, true)?, ctx)?,
        None => {
            // No header: the first record gives the column count and is data.
            let Some(rec) = reader.next_record()? else {
                return Err(TabxError::invalid_input(&spec.name, "file is empty: no rows"));
            };
            let names = (1..=rec.len()).map(|i| format!("column_{i}")).collect();
            let header = Header { names: Arc::new(names), data_start: (rec.start, rec.line) };
            let mut task = CsvTask::try_new(spec, &header, ctx)?;
            restart = task.handle(&rec)?;
            task
        }
    };
    if let Some((start, line)) = restart {
        reader.restart_after_first_line(start, line);
    }
    if spec.parsers > 1 {
        // A stream: its first batch here (stdin's types come from it), the rest in parallel.
        if !read_records(&mut reader, &mut task, emit, true)? {
            return task.finish(emit);
        }
        return stream::parse_rest(task, reader, spec.parsers, emit);
    }
    read_records(&mut reader, &mut task, emit, false)?;
    task.finish(emit)
}

/// Reads `reader`'s records into `task`, emitting a batch every `batch_rows`
/// rows and at the end. With `first_batch_only`, stops after the first
/// batch: `true` when the input goes on after it.
fn read_records<R: Read>(
    reader: &mut RecordReader<R>,
    task: &mut CsvTask<'_>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    first_batch_only: bool,
) -> Result<bool> {
    loop {
        let restart = match reader.next_record()? {
            None => break,
            Some(rec) => task.handle(&rec)?,
        };
        if let Some((start, line)) = restart {
            reader.restart_after_first_line(start, line);
        }
        if task.rows.len() >= task.batch_rows || task.rows.raw_is_full() {
            task.flush(emit)?;
            if task.ctx.cancelled() {
                return Err(TaskContext::cancelled_error());
            }
            if first_batch_only {
                return Ok(true);
            }
        }
    }
    task.flush(emit)?;
    Ok(false)
}

/// One task's state between records.
struct CsvTask<'a> {
    spec: &'a CsvSpec,
    ctx: &'a TaskContext<'a>,
    names: Arc<Vec<String>>,
    /// Indices of the columns to emit, in file order.
    projected: Vec<usize>,
    /// Per file column: a forced type (user schema or force_string), else `None`.
    forced: Vec<Option<ColumnType>>,
    /// Per file column: the inferred type so far (`None` = no value yet).
    types: Vec<Option<ColumnType>>,
    /// The cells of the record being checked, one per `Rows::typed` column.
    cells: Vec<typing::Cell>,
    rows: Rows,
    batch_rows: usize,
    frozen: bool,
    records: u64,
    report: TaskReport,
    bad_rows: BadRows,
    line_base: LineBase,
}

impl<'a> CsvTask<'a> {
    fn try_new(spec: &'a CsvSpec, header: &Header, ctx: &'a TaskContext<'a>) -> Result<Self> {
        let opts = ctx.options;
        let names = Arc::clone(&header.names);
        let all: Vec<&str> = names.iter().map(String::as_str).collect();
        let projected = opts.projected(&spec.name, &all)?.unwrap_or_else(|| (0..names.len()).collect());
        let forced: Vec<Option<ColumnType>> = names.iter().map(|n| wanted_type(opts, n)).collect();
        let typed = projected.iter().filter_map(|&c| Some((c, forced[c]?)));
        let bad_rows = BadRows::new(opts, Some(&names));
        let batch_rows = spec.freeze_after.unwrap_or(opts.batch_size).max(1);
        Ok(CsvTask {
            spec,
            ctx,
            types: vec![None; names.len()],
            rows: Rows::new(
                names.len(),
                (opts.row_source && opts.raw_records && opts.projection.is_none() && spec.is_plain_csv(opts))
                    .then(|| RawRecords::new(spec.in_place)),
            )
            .keeping(&projected)
            .with_typed(typed),
            cells: Vec::new(),
            names,
            projected,
            forced,
            batch_rows,
            frozen: false,
            records: 0,
            report: TaskReport::default(),
            bad_rows,
            line_base: spec.line_base.clone(),
        })
    }

    /// Takes one record; returns where to restart after an unclosed quote.
    fn handle(&mut self, rec: &Record<'_>) -> Result<Option<Cut>> {
        self.records += 1;
        if rec.unclosed_quote {
            let first_line = rec.raw.split(|&b| b == b'\n').next().unwrap_or_default();
            let hint = if self.line_base.is_relative() {
                "values hold line breaks: drop --no-newlines-in-values, or close the quote"
            } else {
                "close the quote, or pass --on-error skip or --on-error quarantine=PATH"
            };
            self.bad(rec, first_line, None, &[("unclosed quote".into(), "unclosed quote starting here".into())], hint)?;
            return Ok(Some((rec.start, rec.line)));
        }
        let ncols = self.names.len();
        if rec.len() != ncols {
            let msg = format!("expected {ncols} fields, found {}", rec.len());
            let hint = "quote fields that contain the delimiter, or pass --on-error skip";
            self.bad(rec, rec.raw, None, &[("wrong field count".into(), msg)], hint)?;
            return Ok(None);
        }
        if !self.ctx.keep(self.spec.file_index, rec.start) {
            self.report.rows_sampled_out += 1;
            return Ok(None);
        }
        // The schema's INT/FLOAT columns are parsed here, once: a cell that
        // does not parse makes the row bad, and the values build the column.
        let mut reasons = Vec::new();
        self.cells.clear();
        for (c, typed) in &self.rows.typed {
            let (c, t, v) = (*c, typed.column_type(), rec.field(*c));
            match typing::parse_cell(v, t) {
                Some(cell) => self.cells.push(cell),
                None => {
                    let name = &self.names[c];
                    reasons.push((
                        format!("column {name}: does not parse as {t}"),
                        format!("column {name}: value {} does not parse as {t}", shorten(v)),
                    ));
                }
            }
        }
        if !reasons.is_empty() {
            let fields = (0..rec.len()).map(|i| rec.field(i)).collect();
            self.bad(rec, rec.raw, Some(fields), &reasons, "fix the value, or the column's type in the schema")?;
            return Ok(None);
        }
        self.rows.push(rec);
        self.rows.push_cells(&self.cells);
        Ok(None)
    }

    /// A bad row: the error (fail), or counted and maybe quarantined.
    fn bad(
        &mut self,
        rec: &Record<'_>,
        raw: &[u8],
        fields: Option<Vec<&[u8]>>,
        reasons: &[(String, String)],
        hint: &str,
    ) -> Result<()> {
        let location = format!("{}:{}", self.spec.name, self.line_base.line(rec.line)?);
        self.bad_rows.reject(&mut self.report, location, reasons, raw, fields, hint)
    }

    /// Types and emits the buffered rows.
    fn flush(&mut self, emit: &mut dyn FnMut(RecordBatch) -> Result<()>) -> Result<()> {
        if self.rows.len() == 0 {
            return Ok(());
        }
        let mut fields = Vec::with_capacity(self.projected.len());
        let mut arrays: Vec<ArrayRef> = Vec::with_capacity(self.projected.len());
        for &c in &self.projected {
            let before = self.forced[c].or(self.types[c]);
            let (array, ty) = match self.rows.take_typed(c) {
                Some(parsed) => (parsed, before),
                None => typing::build_column(&self.rows, c, before),
            };
            if self.frozen && self.forced[c].is_none() {
                self.check_frozen(c, before, ty)?;
            }
            if self.forced[c].is_none() {
                self.types[c] = ty;
            }
            fields.push(Field::new(&self.names[c], array.data_type().clone(), true));
            arrays.push(array);
        }
        let n = self.rows.len();
        let batch = RecordBatch::try_new_with_options(
            Arc::new(Schema::new(fields)),
            arrays,
            &RecordBatchOptions::new().with_row_count(Some(n)),
        )?;
        let batch = if self.ctx.options.row_source {
            append_row_source(&batch, &self.spec.name, UInt64Array::from(self.rows.lines.clone()))?
        } else {
            batch
        };
        let batch = match self.rows.take_raw() {
            Some((name, raw)) => append_raw_records(&batch, name, raw)?,
            None => batch,
        };
        self.report.rows_read += n as u64;
        self.rows.clear();
        if self.spec.freeze_after.is_some() {
            self.frozen = true;
            self.batch_rows = self.ctx.options.batch_size.max(1);
        }
        emit(batch)
    }

    /// Once types are fixed (stdin), a column may still get its first type or
    /// widen INT → FLOAT (the stats layer merges those), but not turn STRING.
    fn check_frozen(&self, col: usize, before: Option<ColumnType>, after: Option<ColumnType>) -> Result<()> {
        let Some(was @ (ColumnType::Int | ColumnType::Float)) = before else { return Ok(()) };
        if after != Some(ColumnType::String) {
            return Ok(());
        }
        let row = (0..self.rows.len()).find(|&r| {
            let v = self.rows.field(r, col);
            !v.is_empty() && !typing::parses_as(v, ColumnType::Float)
        });
        let line = row.map_or(0, |r| self.rows.lines[r]);
        let v = row.map(|r| shorten(self.rows.field(r, col))).unwrap_or_default();
        let name = &self.names[col];
        Err(TabxError::invalid_input(
            format!("{}:{line}", self.spec.name),
            format!(
                "column {name}: value {v} does not parse as {was}, the type inferred from the first {} rows",
                self.spec.freeze_after.unwrap_or(0)
            ),
        )
        .with_hint(format!(
            "pass --schema giving `{name}` as STRING (input that cannot be read twice is typed from its first rows)"
        )))
    }

    fn finish(mut self, emit: &mut dyn FnMut(RecordBatch) -> Result<()>) -> Result<TaskReport> {
        if self.spec.whole_file && self.records == 0 {
            self.report.warnings.push(format!("{}: header only, no data rows", self.spec.name));
            // An empty batch still tells the consumer which columns exist.
            let fields: Vec<Field> = self
                .projected
                .iter()
                .map(|&c| Field::new(&self.names[c], arrow::datatypes::DataType::Null, true))
                .collect();
            let empty = RecordBatch::new_empty(Arc::new(Schema::new(fields)));
            let empty = if self.ctx.options.row_source {
                append_row_source(&empty, &self.spec.name, UInt64Array::from(Vec::<u64>::new()))?
            } else {
                empty
            };
            emit(empty)?;
        }
        self.report.column_types = self
            .projected
            .iter()
            .filter_map(|&c| Some((self.names[c].clone(), self.forced[c].or(self.types[c])?)))
            .collect();
        self.bad_rows.finish(&mut self.report)?;
        Ok(self.report)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, AtomicU64};

    use super::*;
    use crate::options::SourceOptions;

    /// Reads `text` as stdin is read: one streaming task, types fixed by the first `freeze` rows.
    fn read_stream(text: &str, freeze: usize, options: &SourceOptions) -> Result<(Vec<RecordBatch>, TaskReport)> {
        read_stream_with(text.as_bytes(), freeze, options, 1)
    }

    /// [`read_stream`] from `src`, parsed after its first batch on `parsers` threads.
    pub(super) fn read_stream_with(
        src: impl Read,
        freeze: usize,
        options: &SourceOptions,
        parsers: usize,
    ) -> Result<(Vec<RecordBatch>, TaskReport)> {
        let (cancel, done) = (AtomicBool::new(false), AtomicU64::new(0));
        let ctx = TaskContext::new(options, &cancel, &done);
        let spec = CsvSpec {
            name: "<stdin>".into(),
            file_index: 0,
            delimiter: b',',
            start: (0, 1),
            line_base: LineBase::default(),
            header: None,
            whole_file: true,
            freeze_after: Some(freeze),
            parsers,
            in_place: false,
        };
        let mut batches = Vec::new();
        let report = run_task(&spec, src, &ctx, &mut |b| {
            batches.push(b);
            Ok(())
        })?;
        Ok((batches, report))
    }

    #[test]
    fn stdin_types_come_from_the_first_rows() {
        let text = "a,b,c\n1,x,\n2,y,\n3.5,z,7\n4,w,\n";
        let (batches, report) = read_stream(text, 2, &SourceOptions::default()).unwrap();
        assert_eq!(batches.iter().map(RecordBatch::num_rows).collect::<Vec<_>>(), [2, 2]);
        // INT → FLOAT and a first value after the frozen rows are allowed.
        assert_eq!(
            report.column_types.into_iter().collect::<Vec<_>>(),
            [("a".into(), ColumnType::Float), ("b".into(), ColumnType::String), ("c".into(), ColumnType::Int)]
        );

        let err = read_stream("a,b\n1,x\n2,y\n3,z\nfoo,w\n", 2, &SourceOptions::default()).unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("<stdin>:5: column a: value \"foo\" does not parse as INT"), "{text}");
        assert!(text.contains("hint: pass --schema"), "{text}");

        let options =
            SourceOptions { column_types: [("a".to_string(), ColumnType::String)].into(), ..Default::default() };
        let (_, report) = read_stream("a,b\n1,x\n2,y\n3,z\nfoo,w\n", 2, &options).unwrap();
        assert_eq!(report.rows_read, 4);
    }

    #[test]
    fn headerless_stream() {
        let options = SourceOptions { has_header: false, ..Default::default() };
        let (batches, _) = read_stream("1,x\n2,y\n", 10, &options).unwrap();
        assert_eq!(batches[0].num_rows(), 2);
        assert_eq!(batches[0].schema().field(1).name(), "column_2");
    }
}
