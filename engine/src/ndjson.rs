//! Newline-delimited JSON through arrow-json's push decoder, fed line by line
//! so that errors name their line and sampling sees each row's byte offset.
//!
//! The schema is inferred per file from all of its rows (one extra read of the
//! file: files are whole tasks, so every batch of a file has one schema; files
//! may differ). Stdin is typed from its first `infer_rows` rows, in strict mode:
//! a later field the schema does not know is an error with a `--schema` hint.
//! Bad rows always fail the scan (`on_error` applies to CSV); a line is one
//! object, as NDJSON defines it.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::Arc;

use arrow::array::{RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Schema, SchemaRef};
use arrow::json::reader::{Decoder, ReaderBuilder, infer_json_schema};
use tabx_core::{Result, TabxError};

use crate::csv::io_error;
use crate::driver::{TaskContext, TaskReport, append_row_source};

/// Casts the columns named in `force_string` to Utf8 (shared with Parquet).
pub(crate) fn force_strings(batch: RecordBatch, ctx: &TaskContext<'_>) -> Result<RecordBatch> {
    let wanted = &ctx.options.force_string;
    if wanted.is_empty() {
        return Ok(batch);
    }
    let schema = batch.schema();
    if !schema
        .fields()
        .iter()
        .any(|f| wanted.contains(f.name()) && !matches!(f.data_type(), DataType::Utf8 | DataType::Binary))
    {
        return Ok(batch);
    }
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (f, c) in schema.fields().iter().zip(batch.columns()) {
        if wanted.contains(f.name()) && !matches!(f.data_type(), DataType::Utf8 | DataType::Binary) {
            columns.push(arrow::compute::cast(c, &DataType::Utf8)?);
            fields.push(f.as_ref().clone().with_data_type(DataType::Utf8));
        } else {
            columns.push(Arc::clone(c));
            fields.push(f.as_ref().clone());
        }
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?)
}

/// Reads one NDJSON file (or stdin). `open` gives a fresh stream of the file;
/// it is called twice for files (inference, then decoding).
pub(crate) fn run_task<'a>(
    name: &str,
    file_index: usize,
    open: &dyn Fn() -> Result<Box<dyn Read + 'a>>,
    rereadable: bool,
    ctx: &TaskContext<'_>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<TaskReport> {
    let mut report = TaskReport::default();
    let (schema, head, rest): (SchemaRef, Vec<u8>, Box<dyn Read + 'a>) = if rereadable {
        let schema = match infer(name, BufReader::new(open()?), None) {
            Ok(s) => s,
            // arrow-json does not say where: find the first line that fails alone.
            Err(e) => return Err(locate_bad_line(name, BufReader::new(open()?)).unwrap_or(e)),
        };
        (schema, Vec::new(), open()?)
    } else {
        // Types from the first rows; those rows are then decoded from memory.
        let mut src = BufReader::new(open()?);
        let mut head = Vec::new();
        let mut rows = 0;
        while rows < ctx.options.infer_rows.max(1) {
            let before = head.len();
            if src.read_until(b'\n', &mut head).map_err(|e| io_error(name, e))? == 0 {
                break;
            }
            rows += usize::from(!head[before..].trim_ascii().is_empty());
        }
        let schema = infer(name, Cursor::new(&head), None)?;
        (schema, head, Box::new(src))
    };
    if schema.fields().is_empty() {
        report.warnings.push(format!("{name}: no rows"));
        return Ok(report);
    }
    let projection = match &ctx.options.projection {
        None => None,
        Some(cols) => {
            let mut idx = Vec::with_capacity(cols.len());
            for c in cols {
                idx.push(schema.index_of(c).map_err(|_| TabxError::config(format!("{name}: no field named `{c}`")))?);
            }
            idx.sort_unstable();
            Some(idx)
        }
    };
    let mut decoder = ReaderBuilder::new(Arc::clone(&schema))
        .with_batch_size(ctx.options.batch_size)
        .with_strict_mode(!rereadable)
        .build_decoder()?;
    let hint = (!rereadable).then_some("pass --schema: input that cannot be read twice is typed from its first rows");
    let mut state = Lines { name, decoder: &mut decoder, first_line: 1, line: 0, hint, row_lines: Vec::new() };
    let mut input = BufReader::with_capacity(256 << 10, Cursor::new(head).chain(rest));
    let mut buf = Vec::new();
    let mut offset = 0u64;
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).map_err(|e| io_error(name, e))?;
        if n == 0 {
            break;
        }
        let start = offset;
        offset += n as u64;
        state.line += 1;
        if buf.trim_ascii().is_empty() {
            continue;
        }
        if !ctx.keep(file_index, start) {
            report.rows_sampled_out += 1;
            continue;
        }
        if state.decoder.len() >= ctx.options.batch_size {
            state.flush(projection.as_deref(), ctx, &mut report, emit)?;
        }
        state.decode(&buf, ctx.options.row_source)?;
    }
    state.flush(projection.as_deref(), ctx, &mut report, emit)?;
    Ok(report)
}

fn infer(name: &str, reader: impl BufRead, max: Option<usize>) -> Result<SchemaRef> {
    match infer_json_schema(reader, max) {
        Ok((schema, _)) => Ok(Arc::new(schema)),
        Err(e) => Err(TabxError::invalid_input(name, format!("cannot infer a schema: {e}"))),
    }
}

/// The first line that is not a JSON object on its own, as an error.
fn locate_bad_line(name: &str, mut reader: impl BufRead) -> Option<TabxError> {
    let mut buf = Vec::new();
    let mut line = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).ok()? == 0 {
            return None;
        }
        line += 1;
        if buf.trim_ascii().is_empty() {
            continue;
        }
        if let Err(e) = infer_json_schema(Cursor::new(&buf), None) {
            return Some(TabxError::invalid_input(format!("{name}:{line}"), format!("not a JSON object: {e}")));
        }
    }
}

/// The decoder and where in the file its buffered rows came from.
struct Lines<'a> {
    name: &'a str,
    decoder: &'a mut Decoder,
    /// First line of the rows buffered in the decoder.
    first_line: u64,
    line: u64,
    hint: Option<&'static str>,
    /// With `row_source`: the line of each row buffered in the decoder.
    row_lines: Vec<u64>,
}

impl Lines<'_> {
    fn error(&self, location: String, e: impl std::fmt::Display) -> TabxError {
        let err = TabxError::invalid_input(location, e.to_string());
        match self.hint {
            Some(h) => err.with_hint(h),
            None => err,
        }
    }

    fn decode(&mut self, line: &[u8], row_source: bool) -> Result<()> {
        if self.decoder.is_empty() {
            self.first_line = self.line;
        }
        let rows_before = self.decoder.len();
        let mut rest = line;
        while !rest.is_empty() {
            let n = self.decoder.decode(rest).map_err(|e| self.error(format!("{}:{}", self.name, self.line), e))?;
            if n == 0 {
                break;
            }
            rest = &rest[n..];
        }
        // A line must hold a whole object: otherwise the next line would be
        // read as its continuation and the error would point elsewhere.
        if self.decoder.has_partial_record() {
            return Err(self.error(format!("{}:{}", self.name, self.line), "incomplete JSON object on this line"));
        }
        // And one only, as NDJSON says (files fail schema inference on such a
        // line already): the decoder stops at a full batch, and the objects
        // after it on the line were once dropped without a word.
        let added = self.decoder.len() - rows_before;
        if added > 1 || !rest.trim_ascii().is_empty() {
            return Err(self.error(format!("{}:{}", self.name, self.line), "more than one JSON object on this line"));
        }
        if row_source {
            self.row_lines.extend(std::iter::repeat_n(self.line, added));
        }
        Ok(())
    }

    fn flush(
        &mut self,
        projection: Option<&[usize]>,
        ctx: &TaskContext<'_>,
        report: &mut TaskReport,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        let location = format!("{}:{}-{}", self.name, self.first_line, self.line);
        let Some(batch) = self.decoder.flush().map_err(|e| self.error(location, e))? else { return Ok(()) };
        let batch = match projection {
            Some(idx) => batch.project(idx)?,
            None => batch,
        };
        let batch = force_strings(batch, ctx)?;
        let batch = if ctx.options.row_source {
            let lines = UInt64Array::from(std::mem::take(&mut self.row_lines));
            append_row_source(&batch, self.name, lines)?
        } else {
            batch
        };
        report.rows_read += batch.num_rows() as u64;
        if ctx.cancelled() {
            return Err(TaskContext::cancelled_error());
        }
        emit(batch)
    }
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::Field;

    use super::*;

    /// Stdin past its inference rows reaches the decoder with whatever a line
    /// holds: two objects on a line are an error naming it, not a batch that
    /// silently keeps the first ones (a full decoder once stopped mid-line).
    #[test]
    fn a_line_of_several_objects_is_an_error() {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)]));
        let mut decoder = ReaderBuilder::new(schema).with_batch_size(2).build_decoder().unwrap();
        let mut lines =
            Lines { name: "<stdin>", decoder: &mut decoder, first_line: 1, line: 7, hint: None, row_lines: Vec::new() };
        lines.decode(b"{\"x\": 1}\n", true).unwrap();
        let err = lines.decode(b"{\"x\": 2} {\"x\": 3} {\"x\": 4}\n", true).unwrap_err().to_string();
        assert!(err.contains("<stdin>:7: more than one JSON object on this line"), "{err}");
    }
}
