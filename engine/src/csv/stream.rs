//! One CSV stream parsed on several threads: stdin, a compressed or a remote
//! file, read as one task because there are no byte ranges to hand out at
//! planning (`split` cuts only local, uncompressed files).
//!
//! ```text
//!  task thread:    read ─▶ QuoteState: cut every `batch_size` records ─▶ chunk queue
//!  parser threads: chunk ─▶ CsvTask (typed as the first batch was) ─▶ batches, report, held-back rejects
//!  task thread:    results in stream order ─▶ rejects told ─▶ batches emitted
//! ```
//!
//! The threads and the order are `crate::in_order`'s; this module cuts the
//! chunks and parses one.
//!
//! The first batch is read on the task thread before any of this (stdin's
//! types are fixed by it). Cuts are placed by the bytes alone (every
//! `batch_size`-th record start, or the first after `MAX_CHUNK_BYTES`), never
//! by how reads happen to return them, so a stream gives the same batches on
//! every run, and the statistics that depend on batch order (KLL sketches
//! past the exact cap) the same bits. Rejects are told (`on_reject`) and
//! quarantined in stream order, as when one thread parses.
//!
//! A record that runs past `SERIAL_AFTER_BYTES` without a cut (an unclosed
//! quote, a file whose lines end in `\r` alone) sends the rest of the stream
//! to the task thread's own reader, which reports it as a serial read does.

use std::io::{Cursor, Read};
use std::sync::Arc;

use arrow::array::RecordBatch;
use bytes::{Bytes, BytesMut};
use tabx_core::Result;

use super::reader::RecordReader;
use super::split::{Cut, QuoteState};
use super::{CsvSpec, CsvTask, Header, read_records};
use crate::driver::{TaskContext, TaskReport};
use crate::in_order::{Chunk, Next, Parsed, parse_in_order, read_more};
use crate::options::ColumnType;

/// A chunk ends at the first record start past this many bytes, however few records it holds.
const MAX_CHUNK_BYTES: u64 = 8 << 20;
/// A record longer than this without a cut: the rest is read on the task
/// thread. (Small in unit tests, so that they reach it.)
const SERIAL_AFTER_BYTES: usize = if cfg!(test) { 4 << 10 } else { 64 << 20 };

/// How chunk tasks start: the stream's columns and the types its first batch gave.
struct Continuation<'a> {
    spec: CsvSpec,
    header: Header,
    ctx: &'a TaskContext<'a>,
    types: Vec<Option<ColumnType>>,
    frozen: bool,
}

impl<'a> Continuation<'a> {
    /// A task for records after the first batch, typed as `first` left them.
    fn task(&'a self) -> Result<CsvTask<'a>> {
        let mut task = CsvTask::try_new(&self.spec, &self.header, self.ctx)?;
        task.types.clone_from(&self.types);
        task.frozen = self.frozen;
        task.batch_rows = self.ctx.options.batch_size.max(1);
        Ok(task)
    }

    /// Parses one chunk, holding its rejects back.
    fn parse(&self, chunk: &Chunk) -> Result<Parsed> {
        let mut task = self.task()?;
        task.rows.reserve(chunk.bytes.len(), task.batch_rows);
        task.bad_rows.defer_rejects();
        let quote = self.ctx.options.quote;
        let (offset, line) = chunk.start;
        let mut reader = RecordReader::new(&chunk.bytes[..], &self.spec.name, self.spec.delimiter, quote, offset, line);
        let mut batches = Vec::new();
        read_records(
            &mut reader,
            &mut task,
            &mut |b| {
                batches.push(b);
                Ok(())
            },
            false,
        )?;
        let rejects = task.bad_rows.take_deferred();
        let report = task.finish(&mut |_| Ok(()))?;
        Ok(Parsed { batches, report, rejects })
    }
}

/// Reads the rest of `reader`'s stream (after `first`'s first batch, which
/// is emitted) on `parsers` threads, emitting batches in stream order.
pub(super) fn parse_rest<R: Read>(
    first: CsvTask<'_>,
    reader: RecordReader<R>,
    parsers: usize,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<TaskReport> {
    let (rest, src, eof, start) = reader.into_rest();
    let ctx = first.ctx;
    let rest_of_stream = Continuation {
        spec: CsvSpec { whole_file: false, parsers: 1, ..first.spec.clone() },
        header: Header { names: Arc::clone(&first.names), data_start: start },
        ctx,
        types: first.types.clone(),
        frozen: first.frozen,
    };
    let mut report = first.finish(emit)?;
    let input =
        Input { buf: BytesMut::from(&rest[..]), src, scratch: Vec::new(), eof, name: rest_of_stream.spec.name.clone() };
    let mut cutter = Cutter::new(&rest_of_stream, start, input);
    let parse = |chunk: &Chunk| rest_of_stream.parse(chunk);
    let serial =
        parse_in_order(parsers, ctx, &parse, &mut |chunks| cutter.next_chunks(chunks), &mut report, &mut *emit)?;
    if let Some((src, (offset, line))) = serial {
        // What the parsers held is handed on: the rest follows it, read here.
        let mut task = rest_of_stream.task()?;
        let name = &rest_of_stream.spec.name;
        let mut reader = RecordReader::new(src, name, rest_of_stream.spec.delimiter, ctx.options.quote, offset, line);
        read_records(&mut reader, &mut task, &mut *emit, false)?;
        report.absorb(task.finish(&mut *emit)?);
    }
    Ok(report)
}

/// The stream's bytes not yet cut off, and its source.
struct Input<R> {
    buf: BytesMut,
    src: R,
    /// What `read_more` reads into.
    scratch: Vec<u8>,
    eof: bool,
    name: String,
}

/// A record past `SERIAL_AFTER_BYTES`: its bytes on, from this start, are for one reader.
type Serial<R> = (std::io::Chain<Cursor<Bytes>, R>, Cut);

/// Cuts the stream into chunks at record starts (see the module docs).
struct Cutter<R> {
    input: Option<Input<R>>,
    quotes: QuoteState,
    /// The start of the bytes in `input.buf`.
    chunk_start: Cut,
    /// Records in the chunk being cut.
    records: usize,
    batch_rows: usize,
}

impl<R: Read> Cutter<R> {
    fn new(cont: &Continuation<'_>, start: Cut, input: Input<R>) -> Self {
        Cutter {
            input: Some(input),
            quotes: QuoteState::new(cont.spec.delimiter, cont.ctx.options.quote, start),
            chunk_start: start,
            records: 0,
            batch_rows: cont.ctx.options.batch_size.max(1),
        }
    }

    /// Adds to `chunks` those the bytes read so far hold (in order, with
    /// their starts), then reads more; at the end of the input, the last chunk.
    fn next_chunks(&mut self, chunks: &mut Vec<(Bytes, Cut)>) -> Result<Next<Serial<R>>> {
        let Some(input) = self.input.as_mut() else { return Ok(Next::End) };
        let fed_to = (self.quotes.position().0 - self.chunk_start.0) as usize;
        let (mut cuts, mut from, mut records) = (Vec::new(), self.chunk_start.0, self.records);
        let batch_rows = self.batch_rows;
        self.quotes.feed(&input.buf[fed_to..], |cut| {
            records += 1;
            if records >= batch_rows || cut.0 - from >= MAX_CHUNK_BYTES {
                cuts.push(cut);
                (from, records) = (cut.0, 0);
            }
            true
        });
        self.records = records;
        for cut in cuts {
            let bytes = input.buf.split_to((cut.0 - self.chunk_start.0) as usize).freeze();
            chunks.push((bytes, std::mem::replace(&mut self.chunk_start, cut)));
        }
        if input.eof {
            let input = self.input.take().expect("checked above");
            if !input.buf.is_empty() {
                chunks.push((input.buf.freeze(), self.chunk_start));
            }
            return Ok(Next::End);
        }
        if input.buf.len() > SERIAL_AFTER_BYTES {
            let input = self.input.take().expect("checked above");
            let rest = Cursor::new(input.buf.freeze()).chain(input.src);
            return Ok(Next::Stop((rest, self.chunk_start)));
        }
        input.eof = read_more(&mut input.src, &mut input.buf, &mut input.scratch, &input.name)?;
        Ok(Next::More)
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;
    use std::sync::{Arc, Mutex};

    use arrow::array::RecordBatch;
    use arrow::util::display::array_value_to_string;

    use super::super::tests::read_stream_with;
    use crate::driver::TaskReport;
    use crate::options::{OnError, SourceOptions};

    /// A source that returns at most `step` bytes a read, as a pipe may.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    /// Every row as `a|b|c`, in order, whatever the batches.
    fn rows(batches: &[RecordBatch]) -> Vec<String> {
        let mut out = Vec::new();
        for b in batches {
            for r in 0..b.num_rows() {
                let cells: Vec<String> = b.columns().iter().map(|c| array_value_to_string(c, r).unwrap()).collect();
                out.push(cells.join("|"));
            }
        }
        out
    }

    /// What a read gave: rows, batch sizes, the report and the rejects told, in order.
    struct Read_ {
        rows: Vec<String>,
        sizes: Vec<usize>,
        report: TaskReport,
        told: Vec<String>,
    }

    fn read(text: &str, step: usize, parsers: usize, options: &SourceOptions) -> Read_ {
        let told = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&told);
        let options = SourceOptions {
            on_reject: Some(Arc::new(move |at, why| sink.lock().unwrap().push(format!("{at}: {why}")))),
            ..options.clone()
        };
        let src = Trickle { bytes: text.as_bytes(), step };
        let (batches, report) = read_stream_with(src, 5, &options, parsers).unwrap();
        let told = told.lock().unwrap().clone();
        Read_ { rows: rows(&batches), sizes: batches.iter().map(RecordBatch::num_rows).collect(), report, told }
    }

    /// Rows with what a stream may hold: quoted line breaks and quotes,
    /// blank lines, `\r\n`, and a ragged row every 37th.
    fn awkward(n: usize) -> String {
        let mut text = String::from("id,x,note\n");
        for i in 0..n {
            match i % 37 {
                0 => text.push_str(&format!("{i},{}.5\n", i)),
                7 => text.push_str(&format!("{i},{},\"two\nlines, \"\"quoted\"\"\"\r\n", i * 3)),
                11 => text.push_str(&format!("\n{i},{},plain\n", i % 5)),
                _ => text.push_str(&format!("{i},{},n{}\n", i % 9, i % 4)),
            }
        }
        text
    }

    #[test]
    fn parallel_parsing_reads_what_one_thread_reads() {
        let options = SourceOptions { batch_size: 7, on_error: OnError::Skip, ..Default::default() };
        let text = awkward(500);
        let one = read(&text, 4096, 1, &options);
        // Hand-counted from `awkward`: 500 rows, of which 14 ragged (i % 37 == 0).
        assert_eq!((one.report.rows_read, one.report.rows_bad), (486, 14));
        assert_eq!(one.told.len(), 14);
        assert!(one.told[0].starts_with("<stdin>:2: wrong field count"), "{:?}", one.told);
        for (step, parsers) in [(4096, 3), (1, 2), (13, 4)] {
            let many = read(&text, step, parsers, &options);
            assert_eq!(many.rows, one.rows, "step {step}, {parsers} parsers");
            assert_eq!(many.told, one.told, "rejects told in stream order");
            assert_eq!(many.report.rows_read, one.report.rows_read);
            assert_eq!(many.report.bad_by_reason, one.report.bad_by_reason);
            assert_eq!(many.report.column_types, one.report.column_types);
            // More than one chunk, each cut by the bytes, not by the reads.
            assert!(many.sizes.len() > 50, "{:?}", many.sizes);
            assert_eq!(many.sizes, read(&text, 4096, 2, &options).sizes);
        }
    }

    #[test]
    fn the_first_bad_row_in_the_stream_is_the_error() {
        let mut text = awkward(300).replace("0,0.5\n", "0,0,a\n");
        text.push_str("bad\n");
        let options = SourceOptions { batch_size: 4, ..Default::default() };
        let err = |parsers| read_stream_with(text.as_bytes(), 5, &options, parsers).unwrap_err().to_string();
        let one = err(1);
        // i = 37 is the first ragged row: line 2 (header) + 37 rows + 2 quoted
        // line breaks (i = 7) + a blank line (i = 11) = line 41.
        assert!(one.starts_with("<stdin>:41: expected 3 fields, found 2"), "{one}");
        assert_eq!(err(3), one);
    }

    #[test]
    fn an_unclosed_quote_costs_one_row_as_in_one_thread() {
        // Rows after the quote hold none: it swallows the rest of the stream,
        // read in one chunk (100 rows) or, past SERIAL_AFTER_BYTES, on the task thread (1000).
        for after in [100, 1000] {
            let mut text = awkward(200);
            text.push_str("900,1,\"never closed\n");
            text.extend((0..after).map(|i| format!("{i},1,n\n")));
            let options = SourceOptions { batch_size: 6, on_error: OnError::Skip, ..Default::default() };
            let one = read(&text, 4096, 1, &options);
            let many = read(&text, 100, 3, &options);
            assert!(one.told.iter().any(|t| t.contains("unclosed quote")), "{:?}", one.told);
            assert_eq!(one.rows.len(), 200 - 6 + after, "the quoted row lost, the rest read");
            assert_eq!((many.rows, many.told), (one.rows, one.told));
        }
    }

    #[test]
    fn lines_ending_in_cr_alone_are_read_on_the_task_thread() {
        // No line feed: no cut, and past SERIAL_AFTER_BYTES (4 KiB in tests) the rest is read serially.
        let text = awkward(2000).replace("\r\n", "\n").replace('\n', "\r");
        let options = SourceOptions { batch_size: 9, on_error: OnError::Skip, ..Default::default() };
        let one = read(&text, 4096, 1, &options);
        let many = read(&text, 512, 2, &options);
        assert!(one.rows.len() > 1900);
        assert_eq!((many.rows, many.told), (one.rows, one.told));
    }

    #[test]
    fn quarantine_parts_come_in_stream_order() {
        let dir = tempfile::tempdir().unwrap();
        let text = awkward(400);
        let file = |parsers: usize| {
            let path = dir.path().join(format!("q{parsers}.csv"));
            let options =
                SourceOptions { batch_size: 5, on_error: OnError::Quarantine(path.clone()), ..Default::default() };
            let (_, report) =
                read_stream_with(Trickle { bytes: text.as_bytes(), step: 777 }, 5, &options, parsers).unwrap();
            crate::quarantine::merge_parts(&path, report.quarantine).unwrap();
            std::fs::read_to_string(path).unwrap()
        };
        let one = file(1);
        assert_eq!(one.lines().count(), 1 + 11, "a header and the 11 ragged rows of 400");
        assert_eq!(file(3), one);
    }
}
