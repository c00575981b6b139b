//! Newline-delimited JSON through arrow-json's push decoder, fed line by line
//! so that errors name their line and sampling sees each row's byte offset.
//!
//! Types: a file's schema is inferred from all of its good lines (one extra
//! read: files are whole tasks, so every batch of a file has one schema; files
//! may differ); stdin's from its first `infer_rows` lines, in strict mode (a
//! later field the schema does not know is an error with a `--schema` hint).
//! A field whose values disagree (`1` and `"x"`) is STRING, numbers kept as
//! written. The user's types (`--schema`) replace the inferred ones, with
//! CSV's rules (`retype.rs`). A field typed INT without every line seen (the
//! user's type, or stdin's first lines) is decoded as text and then parsed:
//! arrow-json would turn `2.5` into 2 without a word.
//!
//! Bad lines follow `on_error` as CSV rows do (`quarantine.rs`), their text in
//! the quarantine file's `_tabx_raw`: a line that is not one JSON object, a
//! value that does not fit its field (`lines.rs` finds it), a value that does
//! not parse as the user's type. A value that contradicts a type stdin took
//! from its first lines is an error whatever `on_error` says, with a
//! `--schema` hint, as for CSV.

mod chunks;
mod lines;
mod shape;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Cursor, Read};
use std::sync::Arc;

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use arrow::json::reader::infer_json_schema_from_iterator;
use tabx_core::{Result, TabxError};

use crate::csv::io_error;
use crate::driver::{TaskContext, TaskReport};
use crate::options::{ColumnType, OnError, SourceOptions};
use crate::retype::wanted_type;
use lines::Lines;
use shape::Shape;

/// How the decoded fields become the wanted types.
#[derive(Debug)]
pub(super) struct Typing {
    /// What the decoder gets: the inferred schema with text for the fields
    /// in `wanted`.
    decode: SchemaRef,
    /// Fields to parse after decoding, and their types.
    wanted: HashMap<String, ColumnType>,
    /// Those of `wanted` whose type stdin's first lines gave, not the user.
    guessed: HashSet<String>,
}

impl Typing {
    fn new(inferred: &Schema, options: &SourceOptions, from_first_lines: bool) -> Self {
        let (mut wanted, mut guessed_types) = (HashMap::new(), HashSet::new());
        let fields: Vec<Field> = inferred
            .fields()
            .iter()
            .map(|f| {
                let name = f.name();
                let user = wanted_type(options, name);
                let guessed = (from_first_lines && f.data_type() == &DataType::Int64).then_some(ColumnType::Int);
                match user.or(guessed) {
                    Some(t) if !f.data_type().is_nested() => {
                        wanted.insert(name.clone(), t);
                        if user.is_none() {
                            guessed_types.insert(name.clone());
                        }
                        Field::new(name, DataType::Utf8, true)
                    }
                    _ => f.as_ref().clone(),
                }
            })
            .collect();
        Typing { decode: Arc::new(Schema::new(fields)), wanted, guessed: guessed_types }
    }
}

/// The stream `open` gives, and how to read it: `rereadable` files are
/// opened twice (inference, then decoding); with `parsers` ≥ 2 the lines
/// are cut into chunks decoded on that many threads (`chunks.rs`).
pub(crate) struct Source<'o, 'a> {
    pub open: &'o (dyn Fn() -> Result<Box<dyn Read + 'a>> + Sync),
    pub rereadable: bool,
    pub parsers: usize,
}

/// Reads one NDJSON file (or stdin).
pub(crate) fn run_task<'a>(
    name: &str,
    file_index: usize,
    source: &Source<'_, 'a>,
    ctx: &TaskContext<'_>,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<TaskReport> {
    let (open, rereadable) = (source.open, source.rereadable);
    let skip_bad = ctx.options.on_error != OnError::Fail;
    let (inferred, head, rest): (SchemaRef, Vec<u8>, Box<dyn Read + 'a>) = if rereadable {
        (infer(name, &|| Ok(Box::new(BufReader::new(open()?))), skip_bad)?, Vec::new(), open()?)
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
        (infer(name, &|| Ok(Box::new(Cursor::new(&head))), skip_bad)?, head, Box::new(src))
    };
    if inferred.fields().is_empty() {
        let mut report = TaskReport::default();
        report.warnings.push(format!("{name}: no rows"));
        return Ok(report);
    }
    let fields: Vec<&str> = inferred.fields().iter().map(|f| f.name().as_str()).collect();
    let projection = ctx.options.projected(name, &fields)?;
    let typing = Typing::new(&inferred, ctx.options, !rereadable);
    let input = Cursor::new(head).chain(rest);
    let decode =
        Decode { name, file_index, projection: projection.as_deref(), typing: &typing, strict: !rereadable, ctx };
    if source.parsers >= 2 {
        return chunks::read(&decode, input, source.parsers, emit);
    }
    let mut lines = decode.lines()?;
    let mut input = BufReader::with_capacity(256 << 10, input);
    let mut buf = Vec::new();
    let (mut offset, mut line) = (0u64, 1u64);
    loop {
        buf.clear();
        let n = input.read_until(b'\n', &mut buf).map_err(|e| io_error(name, e))?;
        if n == 0 {
            break;
        }
        decode.line(&mut lines, &buf, (offset, line), emit)?;
        offset += n as u64;
        line += 1;
    }
    lines.flush(decode.projection, decode.typing, ctx, emit)?;
    lines.finish()
}

/// How the lines of one file (or stdin) become batches, whichever thread
/// decodes them.
pub(super) struct Decode<'d> {
    name: &'d str,
    file_index: usize,
    projection: Option<&'d [usize]>,
    typing: &'d Typing,
    /// Stdin: a field the schema does not know is an error.
    strict: bool,
    ctx: &'d TaskContext<'d>,
}

impl Decode<'_> {
    fn lines(&self) -> Result<Lines<'_>> {
        Lines::new(self.name, Arc::clone(&self.typing.decode), self.strict, self.ctx)
    }

    /// Takes one line (with its `\n`) that starts at byte `at.0`, line `at.1`:
    /// blank lines and lines sampling leaves out are passed over.
    fn line(
        &self,
        lines: &mut Lines<'_>,
        text: &[u8],
        (offset, line): (u64, u64),
        emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
    ) -> Result<()> {
        if text.trim_ascii().is_empty() {
            return Ok(());
        }
        if !self.ctx.keep(self.file_index, offset) {
            lines.report.rows_sampled_out += 1;
            return Ok(());
        }
        if lines.len() >= self.ctx.options.batch_size {
            lines.flush(self.projection, self.typing, self.ctx, emit)?;
        }
        lines.push(text, line)
    }
}

/// The schema of the good lines of the input `read` opens; with `skip_bad` a
/// line that is not one JSON object, or whose field types clash with earlier
/// lines (`{"x": 1}` then `{"x": {}}`), is left out (the decoder rejects it
/// again, and counts it, when it comes), else it is the error, naming its line.
fn infer<'r>(name: &str, read: &dyn Fn() -> Result<Box<dyn BufRead + 'r>>, skip_bad: bool) -> Result<SchemaRef> {
    let bad_line = |line: u64, message: String| {
        // A first line that ends inside its object: one JSON document over
        // many lines (an artifact such as stats.json given as data), not JSON
        // lines.
        let hint = if line == 1 && message.starts_with("EOF while parsing") {
            format!(
                "{name} is one JSON document over many lines, not JSON lines (one object per line): \
                 an artifact (statistics, a schema) goes to its flag, e.g. --stats {name}; \
                 data as one JSON array becomes JSON lines with `jq -c '.[]'`"
            )
        } else {
            "fix the line, or pass --on-error skip or --on-error quarantine=PATH".to_string()
        };
        TabxError::invalid_input(format!("{name}:{line}"), format!("not a JSON object: {message}")).with_hint(hint)
    };
    let mut objects = Objects::new(read()?, skip_bad);
    // One representative per line shape (`shape.rs`): the same schema.
    let all = infer_json_schema_from_iterator((&mut objects).map(|o| o.map(|(_, shape)| shape.representative())));
    if let Some((line, message)) = objects.first_bad {
        return Err(bad_line(line, message));
    }
    if let Ok(schema) = all {
        return Ok(Arc::new(schema));
    }
    // Types clash between lines: find the lines. Inference is a join of each
    // line's types, so one line per distinct single-line schema says as much.
    let mut witnesses: Vec<serde_json::Value> = Vec::new();
    let mut seen: HashSet<Schema> = HashSet::new();
    for object in Objects::new(read()?, true) {
        let (line, shape) = object.map_err(|e| TabxError::invalid_input(name, e.to_string()))?;
        let value = shape.representative();
        let alone = infer_json_schema_from_iterator(std::iter::once(Ok(&value)));
        let Ok(alone) = alone else {
            // Clashes within the line (an array of numbers and objects).
            match skip_bad {
                true => continue,
                false => return Err(bad_line(line, alone.unwrap_err().to_string())),
            }
        };
        if seen.contains(&alone) {
            continue;
        }
        let with = witnesses.iter().chain(std::iter::once(&value)).map(Ok);
        match infer_json_schema_from_iterator(with) {
            Ok(_) => {
                witnesses.push(value);
                seen.insert(alone);
            }
            Err(_) if skip_bad => {}
            Err(e) => return Err(bad_line(line, format!("a field's type clashes with earlier lines: {e}"))),
        }
    }
    let schema = infer_json_schema_from_iterator(witnesses.iter().map(Ok))
        .map_err(|e| TabxError::invalid_input(name, format!("cannot infer a schema: {e}")))?;
    Ok(Arc::new(schema))
}

/// The shapes of the JSON objects of an input, with their line numbers,
/// each the first time it comes (`shape::signature`): inference learns
/// nothing from a shape again. A line that is not one object ends the input
/// as `first_bad`, or with `skip_bad` is passed over.
struct Objects<R> {
    lines: std::io::Split<R>,
    line: u64,
    skip_bad: bool,
    first_bad: Option<(u64, String)>,
    /// Signatures of the shapes given so far, and the current line's.
    seen: HashSet<Vec<u8>, foldhash::fast::FixedState>,
    signature: Vec<u8>,
}

impl<R: BufRead> Objects<R> {
    fn new(reader: R, skip_bad: bool) -> Self {
        Objects {
            lines: reader.split(b'\n'),
            line: 0,
            skip_bad,
            first_bad: None,
            seen: HashSet::default(),
            signature: Vec::new(),
        }
    }
}

impl<R: BufRead> Iterator for Objects<R> {
    type Item = std::result::Result<(u64, Shape), arrow::error::ArrowError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let text = match self.lines.next()? {
                Ok(t) => t,
                Err(e) => return Some(Err(arrow::error::ArrowError::ExternalError(Box::new(e)))),
            };
            self.line += 1;
            if text.trim_ascii().is_empty() {
                continue;
            }
            let message = match shape::signature(&text, &mut self.signature) {
                Ok(true) if self.seen.contains(&self.signature) => continue,
                Ok(true) => {
                    self.seen.insert(self.signature.clone());
                    return Some(Ok((self.line, Shape::of_signature(&self.signature))));
                }
                Ok(false) => format!("expected an object, found {}", Shape::of_signature(&self.signature).kind()),
                Err(e) => e.to_string(),
            };
            if !self.skip_bad {
                self.first_bad = Some((self.line, message));
                return None;
            }
        }
    }
}
