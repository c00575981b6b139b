//! One stream parsed on several threads, its output handed on in stream
//! order ([`parse_in_order`]): what a CSV stream (`csv/stream.rs`) and an
//! NDJSON file or stream (`ndjson/`) share once their bytes are cut into
//! chunks at record starts.
//!
//! ```text
//!  task thread:    cut ─▶ chunk queue (bounded)
//!  parser threads: chunk ─▶ parse ─▶ batches, report, held-back rejects
//!  task thread:    results in stream order ─▶ rejects told ─▶ batches emitted
//! ```
//!
//! At most two chunks per parser are in flight, so memory holds a bounded
//! number of chunks whatever the stream's length. The earliest failing
//! chunk's error is the task's, as a serial read would have met it first.

use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};

use arrow::array::RecordBatch;
use bytes::Bytes;
use tabx_core::{Result, TabxError};

use crate::driver::{TaskContext, TaskReport, catch_panic};

/// Where a chunk starts in its file: byte offset and 1-based line.
pub(crate) type Start = (u64, u64);

/// Records of the stream from `start` (a record start).
pub(crate) struct Chunk {
    seq: usize,
    pub bytes: Bytes,
    pub start: Start,
}

/// What a parser thread made of a chunk.
pub(crate) struct Parsed {
    pub batches: Vec<RecordBatch>,
    pub report: TaskReport,
    /// `(location, reasons)` of its rejects, for `on_reject` in stream order.
    pub rejects: Vec<(String, String)>,
}

/// Adds the chunks cut so far (bytes and start, in order) to its vector.
pub(crate) type Cutter<'c, S> = dyn FnMut(&mut Vec<(Bytes, Start)>) -> Result<Next<S>> + 'c;

/// What follows the chunks a cutter added.
pub(crate) enum Next<S> {
    /// More bytes were read: call again.
    More,
    /// The stream has ended (its last chunk was cut).
    End,
    /// The rest is not for chunks (CSV: a record too long to find its end):
    /// once the chunks cut so far are handed on, [`parse_in_order`] returns it.
    Stop(S),
}

/// Parses the chunks `cut` adds (in order, with their starts) with `parse`
/// on `parsers` threads, handing their batches to `emit` and absorbing their
/// reports into `report`, in stream order. `Some(s)` when `cut` stopped with
/// [`Next::Stop`], after every chunk before it was handed on.
pub(crate) fn parse_in_order<S>(
    parsers: usize,
    ctx: &TaskContext<'_>,
    parse: &(dyn Fn(&Chunk) -> Result<Parsed> + Sync),
    cut: &mut Cutter<'_, S>,
    report: &mut TaskReport,
    emit: &mut dyn FnMut(RecordBatch) -> Result<()>,
) -> Result<Option<S>> {
    let mut order = InOrder { next: 0, waiting: BTreeMap::new(), report, emit };
    std::thread::scope(|scope| {
        let (jobs, queue) = sync_channel::<Chunk>(parsers);
        let queue = Arc::new(Mutex::new(queue));
        let (results, done) = channel::<Done>();
        for i in 0..parsers {
            let (queue, results) = (Arc::clone(&queue), results.clone());
            std::thread::Builder::new()
                .name(format!("tabx-parse-{i}"))
                .spawn_scoped(scope, move || parser_thread(&queue, &results, parse))
                .map_err(|e| TabxError::Internal(format!("cannot start a parser thread: {e}")))?;
        }
        drop(results);
        let in_flight = 2 * parsers;
        let (mut seq, mut chunks) = (0, Vec::new());
        let stopped = loop {
            let next = cut(&mut chunks)?;
            for (bytes, start) in chunks.drain(..) {
                while seq >= order.next + in_flight {
                    order.wait(&done, ctx)?;
                }
                jobs.send(Chunk { seq, bytes, start }).map_err(|_| parsers_gone())?;
                seq += 1;
                order.poll(&done, ctx)?;
            }
            match next {
                Next::More => {}
                Next::End => break None,
                Next::Stop(s) => break Some(s),
            }
        };
        drop(jobs);
        while order.next < seq {
            order.wait(&done, ctx)?;
        }
        Ok(stopped)
    })
}

/// Bytes a cutter asks of its source per read.
const READ_SIZE: usize = 1 << 20;

/// Reads up to [`READ_SIZE`] more bytes of `src` onto the end of `buf`,
/// through `scratch` (kept by the caller, [`READ_SIZE`] long once grown);
/// `true` at the end of the input. (What both cutters do between cuts.)
///
/// Reading straight into `buf` meant zeroing [`READ_SIZE`] bytes of it per
/// read (safe `Read` takes initialised memory), and a pipe's read returns
/// what the writer has put there (`cat` writes 128 KiB at a time): 5% of
/// `tabx watch` on a pipe went to that memset. The scratch is zeroed once;
/// each read then costs a copy of the bytes that came.
pub(crate) fn read_more(
    src: &mut impl std::io::Read,
    buf: &mut bytes::BytesMut,
    scratch: &mut Vec<u8>,
    name: &str,
) -> Result<bool> {
    scratch.resize(READ_SIZE, 0);
    let n = loop {
        match src.read(scratch) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(crate::csv::io_error(name, e)),
        }
    };
    buf.extend_from_slice(&scratch[..n]);
    Ok(n == 0)
}

/// A chunk's sequence number and what came of it.
type Done = (usize, Result<Parsed>);

fn parsers_gone() -> TabxError {
    TabxError::Internal("the parser threads stopped".into())
}

/// Parses the queue's chunks until it closes or nobody waits for results.
fn parser_thread(
    queue: &Mutex<Receiver<Chunk>>,
    results: &Sender<Done>,
    parse: &(dyn Fn(&Chunk) -> Result<Parsed> + Sync),
) {
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(chunk) = next else { break };
        // A panic must come back as that chunk's error: the task thread waits for every chunk.
        let parsed = catch_panic(|| parse(&chunk))
            .unwrap_or_else(|what| Err(TabxError::Internal(format!("a parser thread panicked: {what}"))));
        if results.send((chunk.seq, parsed)).is_err() {
            break;
        }
    }
}

/// Parsed chunks waiting for those before them, and where they go.
struct InOrder<'r, 'e> {
    next: usize,
    waiting: BTreeMap<usize, Result<Parsed>>,
    report: &'r mut TaskReport,
    emit: &'e mut dyn FnMut(RecordBatch) -> Result<()>,
}

impl InOrder<'_, '_> {
    /// Waits for one result, then hands on those that are due.
    fn wait(&mut self, done: &Receiver<Done>, ctx: &TaskContext<'_>) -> Result<()> {
        let (seq, parsed) = done.recv().map_err(|_| parsers_gone())?;
        self.waiting.insert(seq, parsed);
        self.hand_on(ctx)
    }

    /// Takes the results that are there, then hands on those that are due.
    fn poll(&mut self, done: &Receiver<Done>, ctx: &TaskContext<'_>) -> Result<()> {
        while let Ok((seq, parsed)) = done.try_recv() {
            self.waiting.insert(seq, parsed);
        }
        self.hand_on(ctx)
    }

    fn hand_on(&mut self, ctx: &TaskContext<'_>) -> Result<()> {
        while let Some(parsed) = self.waiting.remove(&self.next) {
            // The earliest failing chunk's error, as a serial read would have met it first.
            let Parsed { batches, report, rejects } = parsed?;
            if let Some(tell) = &ctx.options.on_reject {
                for (location, reasons) in &rejects {
                    tell(location, reasons);
                }
            }
            for batch in batches {
                (self.emit)(batch)?;
            }
            self.report.absorb(report);
            self.next += 1;
            if ctx.cancelled() {
                return Err(TaskContext::cancelled_error());
            }
        }
        Ok(())
    }
}
