//! The decoder of one NDJSON task and the lines of the batch it holds: a line
//! that is not one JSON object is rejected as it comes; a batch that does not
//! decode (a value that does not fit its field's type) is decoded again line
//! by line to find the lines at fault, which costs nothing while the input is
//! good. Values that do not parse as a wanted type (`retype.rs`) reject their
//! lines too; each rejected line goes to [`BadRows`] with its text.

use std::collections::HashSet;
use std::sync::Arc;

use arrow::array::{BooleanArray, RecordBatch, UInt64Array};
use arrow::datatypes::SchemaRef;
use arrow::json::reader::{Decoder, ReaderBuilder};
use tabx_core::{Result, TabxError};

use super::Typing;
use crate::driver::{TaskContext, TaskReport, append_row_source};
use crate::quarantine::BadRows;
use crate::retype::{BadValue, retype};

const NOT_ONE_OBJECT: &str = "not one JSON object";
const DOES_NOT_FIT: &str = "value does not fit the field's type";

/// The text and line numbers of the rows buffered in the decoder.
#[derive(Default)]
struct Batch {
    text: Vec<u8>,
    ends: Vec<usize>,
    lines: Vec<u64>,
}

impl Batch {
    fn push(&mut self, text: &[u8], line: u64) {
        self.text.extend_from_slice(text);
        self.ends.push(self.text.len());
        self.lines.push(line);
    }

    fn iter(&self) -> impl Iterator<Item = (&[u8], u64)> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(&self.ends).map(|(s, &e)| &self.text[s..e]).zip(self.lines.iter().copied())
    }

    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
        self.lines.clear();
    }
}

pub(super) struct Lines<'a> {
    name: &'a str,
    schema: SchemaRef,
    /// Stdin: a field the schema does not know is an error (files infer every field).
    strict: bool,
    batch_size: usize,
    decoder: Decoder,
    batch: Batch,
    hint: &'static str,
    bad: BadRows,
    pub(super) report: TaskReport,
}

impl<'a> Lines<'a> {
    pub(super) fn new(name: &'a str, schema: SchemaRef, strict: bool, ctx: &TaskContext<'_>) -> Result<Self> {
        let batch_size = ctx.options.batch_size.max(1);
        let hint = if strict {
            "pass --schema: input that cannot be read twice is typed from its first rows"
        } else {
            "fix the line, or pass --on-error skip or --on-error quarantine=PATH"
        };
        let decoder = build(&schema, strict, batch_size)?;
        let bad = BadRows::new(ctx.options, None);
        Ok(Lines {
            name,
            schema,
            strict,
            batch_size,
            decoder,
            batch: Batch::default(),
            hint,
            bad,
            report: TaskReport::default(),
        })
    }

    /// Holds rejects back for `on_reject` ([`Self::take_deferred`]), for a
    /// chunk decoded off the task's thread (`chunks.rs`).
    pub(super) fn defer_rejects(&mut self) {
        self.bad.defer_rejects();
    }

    /// The rejects held back, `(location, reasons)` in line order.
    pub(super) fn take_deferred(&mut self) -> Vec<(String, String)> {
        self.bad.take_deferred()
    }

    /// Rows buffered.
    pub(super) fn len(&self) -> usize {
        self.batch.lines.len()
    }

    /// Decodes line `line` (non-blank); a bad one is rejected.
    pub(super) fn push(&mut self, text: &[u8], line: u64) -> Result<()> {
        match feed(&mut self.decoder, text) {
            Ok(()) => {
                self.batch.push(text, line);
                Ok(())
            }
            Err(message) => {
                // The decoder may hold part of the line: start again from the good ones.
                self.decoder = self.decoder_of(self.batch.iter())?;
                self.reject(line, text, NOT_ONE_OBJECT, message)
            }
        }
    }

    /// Emits the buffered rows that decode and parse as `typing` wants.
    pub(super) fn flush(
        &mut self,
        projection: Option<&[usize]>,
        typing: &Typing,
        ctx: &TaskContext<'_>,
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        if self.batch.lines.is_empty() {
            return Ok(());
        }
        let batch = match self.decoder.flush() {
            Ok(batch) => batch,
            Err(_) => self.decode_good_lines()?,
        };
        let Some(batch) = batch else {
            self.batch.clear();
            return Ok(());
        };
        let batch = match projection {
            Some(idx) => batch.project(idx)?,
            None => batch,
        };
        let (batch, bad) = retype(batch, &typing.wanted)?;
        let batch = self.drop_bad_values(batch, &bad, &typing.guessed)?;
        let batch = if ctx.options.row_source {
            append_row_source(&batch, self.name, UInt64Array::from(std::mem::take(&mut self.batch.lines)))?
        } else {
            batch
        };
        self.batch.clear();
        self.report.rows_read += batch.num_rows() as u64;
        if ctx.cancelled() {
            return Err(TaskContext::cancelled_error());
        }
        emit(batch)
    }

    /// The task's report, its quarantine part closed.
    pub(super) fn finish(mut self) -> Result<TaskReport> {
        self.bad.finish(&mut self.report)?;
        Ok(self.report)
    }

    /// After a batch failed to decode: each line decoded alone, the bad ones
    /// rejected, the good ones decoded together.
    fn decode_good_lines(&mut self) -> Result<Option<RecordBatch>> {
        let mut good = Batch::default();
        let mut rejected = Vec::new();
        for (text, line) in self.batch.iter() {
            let mut alone = build(&self.schema, self.strict, 1)?;
            match feed(&mut alone, text).map_err(TabxError::Internal).and_then(|()| Ok(alone.flush()?)) {
                Ok(_) => good.push(text, line),
                Err(e) => rejected.push((line, text.to_vec(), e.to_string())),
            }
        }
        for (line, text, message) in rejected {
            self.reject(line, &text, DOES_NOT_FIT, message)?;
        }
        self.decoder = self.decoder_of(good.iter())?;
        self.batch = good;
        self.decoder.flush().map_err(|e| {
            TabxError::Internal(format!("{}: lines that decode alone do not decode together: {e}", self.name))
        })
    }

    /// `batch` without the rows of `bad` values, rejected; a value that
    /// contradicts a type guessed from stdin's first lines is an error.
    fn drop_bad_values(
        &mut self,
        batch: RecordBatch,
        bad: &[BadValue],
        guessed: &HashSet<String>,
    ) -> Result<RecordBatch> {
        if bad.is_empty() {
            return Ok(batch);
        }
        let mut keep = vec![true; batch.num_rows()];
        let lines = std::mem::take(&mut self.batch);
        let texts: Vec<(&[u8], u64)> = lines.iter().collect();
        for values in bad.chunk_by(|a, b| a.row == b.row) {
            let (text, line) = texts[values[0].row];
            if let Some(v) = values.iter().find(|v| guessed.contains(&v.column)) {
                return Err(TabxError::invalid_input(
                    format!("{}:{line}", self.name),
                    format!("{}, the type inferred from the first rows", v.reason().1),
                )
                .with_hint(format!(
                    "pass --schema giving `{}` its type (input that cannot be read twice is typed from its first rows)",
                    v.column
                )));
            }
            keep[values[0].row] = false;
            let reasons: Vec<_> = values.iter().map(BadValue::reason).collect();
            let location = format!("{}:{line}", self.name);
            self.bad.reject(&mut self.report, location, &reasons, without_newline(text), None, self.hint)?;
        }
        for ((text, line), _) in texts.iter().zip(&keep).filter(|(_, k)| **k) {
            self.batch.push(text, *line);
        }
        let keep = BooleanArray::from(keep);
        Ok(arrow::compute::filter_record_batch(&batch, &keep)?)
    }

    fn reject(&mut self, line: u64, text: &[u8], key: &str, message: String) -> Result<()> {
        let location = format!("{}:{line}", self.name);
        let message = if key == NOT_ONE_OBJECT { format!("not a JSON object: {message}") } else { message };
        let reasons = [(key.to_string(), message)];
        self.bad.reject(&mut self.report, location, &reasons, without_newline(text), None, self.hint)
    }

    /// A new decoder holding `lines` (which decoded before).
    fn decoder_of<'t>(&self, lines: impl Iterator<Item = (&'t [u8], u64)>) -> Result<Decoder> {
        let mut decoder = build(&self.schema, self.strict, self.batch_size)?;
        for (text, line) in lines {
            feed(&mut decoder, text)
                .map_err(|e| TabxError::Internal(format!("{}:{line} decoded once, not twice: {e}", self.name)))?;
        }
        Ok(decoder)
    }
}

/// The line's text as the quarantine file shows it.
fn without_newline(text: &[u8]) -> &[u8] {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    text.strip_suffix(b"\r").unwrap_or(text)
}

/// A decoder for `schema`; numbers and booleans read into text fields as
/// written (a field inferred STRING because its values disagree holds both).
fn build(schema: &SchemaRef, strict: bool, batch_size: usize) -> Result<Decoder> {
    Ok(ReaderBuilder::new(Arc::clone(schema))
        .with_batch_size(batch_size)
        .with_strict_mode(strict)
        .with_coerce_primitive(true)
        .build_decoder()?)
}

/// Feeds one line, which must hold exactly one whole object: otherwise the
/// next line would be read as its continuation, or (several objects) the
/// decoder stops at a full batch and the objects after it are lost.
fn feed(decoder: &mut Decoder, text: &[u8]) -> std::result::Result<(), String> {
    // The decoder takes `[1]` or `7` as a row and fails only at the flush.
    if text.trim_ascii_start().first() != Some(&b'{') {
        return Err("expected an object".into());
    }
    let before = decoder.len();
    let mut rest = text;
    while !rest.is_empty() {
        let n = decoder.decode(rest).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        rest = &rest[n..];
    }
    if decoder.has_partial_record() {
        return Err("incomplete JSON object on this line".into());
    }
    if decoder.len() - before > 1 || !rest.trim_ascii().is_empty() {
        return Err("more than one JSON object on this line".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    /// Two objects on a line are an error, not a batch that silently keeps the
    /// first ones (a full decoder once stopped mid-line).
    #[test]
    fn a_line_of_several_objects_is_refused() {
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)]));
        let mut decoder = build(&schema, false, 2).unwrap();
        feed(&mut decoder, b"{\"x\": 1}\n").unwrap();
        let err = feed(&mut decoder, b"{\"x\": 2} {\"x\": 3} {\"x\": 4}\n").unwrap_err();
        assert_eq!(err, "more than one JSON object on this line");
    }
}
