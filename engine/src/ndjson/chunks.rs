//! The lines of one NDJSON file or stream decoded on several threads: the
//! task's thread cuts the bytes into chunks of `batch_size` lines (or past
//! `MAX_CHUNK_BYTES`, at a line's end), parser threads decode them as the
//! serial read would (`Decode::line`, each chunk with its own decoder and
//! quarantine part), and `crate::in_order` hands their batches, rejects and
//! reports on in stream order.
//!
//! A JSON string cannot hold a raw line break, so every `\n` ends a record:
//! cuts need no state beyond a line count, and depend on the bytes alone,
//! not on how reads return them (the same batches on every run).

use std::io::Read;

use arrow::array::RecordBatch;
use bytes::{Bytes, BytesMut};
use tabx_core::Result;

use super::Decode;
use crate::driver::TaskReport;
use crate::in_order::{Chunk, Next, Parsed, Start, parse_in_order, read_more};

/// A chunk ends at the first line end past this many bytes, however few lines it holds.
const MAX_CHUNK_BYTES: usize = 8 << 20;

/// Reads `input` (the whole stream, from its first byte and line) on `parsers` threads.
pub(super) fn read(
    decode: &Decode<'_>,
    input: impl Read,
    parsers: usize,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<TaskReport> {
    let mut report = TaskReport::default();
    let mut cutter = LineCutter {
        src: input,
        buf: BytesMut::new(),
        scratch: Vec::new(),
        eof: false,
        ended: false,
        start: (0, 1),
        lines: 0,
        scanned: 0,
        batch_lines: decode.ctx.options.batch_size.max(1),
        name: decode.name,
    };
    let parse = |chunk: &Chunk| parse_chunk(decode, chunk);
    parse_in_order::<()>(parsers, decode.ctx, &parse, &mut |chunks| cutter.next_chunks(chunks), &mut report, emit)?;
    Ok(report)
}

/// Decodes one chunk's lines as the serial read does, its rejects held back.
fn parse_chunk(decode: &Decode<'_>, chunk: &Chunk) -> Result<Parsed> {
    let mut lines = decode.lines()?;
    lines.defer_rejects();
    let mut batches = Vec::new();
    let mut keep = |batch| {
        batches.push(batch);
        Ok(())
    };
    let (mut offset, mut line) = chunk.start;
    for text in chunk.bytes.split_inclusive(|&b| b == b'\n') {
        decode.line(&mut lines, text, (offset, line), &mut keep)?;
        offset += text.len() as u64;
        line += 1;
    }
    lines.flush(decode.projection, decode.typing, decode.ctx, &mut keep)?;
    let rejects = lines.take_deferred();
    let report = lines.finish()?;
    Ok(Parsed { batches, report, rejects })
}

/// Cuts a stream at line ends (see the module docs).
struct LineCutter<'n, R> {
    src: R,
    /// Bytes read and not yet cut off; `buf[0]` is at `start`.
    buf: BytesMut,
    /// What `read_more` reads into.
    scratch: Vec<u8>,
    eof: bool,
    /// The last chunk was cut.
    ended: bool,
    start: Start,
    /// Lines ended in `buf[..scanned]`, all of the chunk being cut.
    lines: usize,
    scanned: usize,
    batch_lines: usize,
    name: &'n str,
}

impl<R: Read> LineCutter<'_, R> {
    /// Adds to `chunks` those the bytes read so far hold, then reads more; at
    /// the end of the input, the last chunk (a last line without `\n`).
    fn next_chunks(&mut self, chunks: &mut Vec<(Bytes, Start)>) -> Result<Next<()>> {
        if self.ended {
            return Ok(Next::End);
        }
        let mut at = self.scanned;
        while let Some(i) = memchr::memchr(b'\n', &self.buf[at..]) {
            at += i + 1;
            self.lines += 1;
            if self.lines >= self.batch_lines || at >= MAX_CHUNK_BYTES {
                let bytes = self.buf.split_to(at).freeze();
                let start = self.start;
                self.start = (start.0 + at as u64, start.1 + self.lines as u64);
                chunks.push((bytes, start));
                (at, self.lines) = (0, 0);
            }
        }
        self.scanned = at;
        if self.eof {
            self.ended = true;
            if !self.buf.is_empty() {
                chunks.push((std::mem::take(&mut self.buf).freeze(), self.start));
            }
            return Ok(Next::End);
        }
        self.eof = read_more(&mut self.src, &mut self.buf, &mut self.scratch, self.name)?;
        Ok(Next::More)
    }
}
