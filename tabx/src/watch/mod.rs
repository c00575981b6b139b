//! Watching a stream (`tabx watch`): statistics, anomalies, drift and skew
//! per window of an unbounded input, in bounded memory ([`watch`],
//! [`StreamValidator`] for services that push their own batches).
//!
//! ```text
//!  reader thread: engine scan of stdin / files ─batches, rejects─▶ channel (4 deep)
//!     (a stream's chunks parsed on every core, handed on in order: engine `csv::stream`)
//!  caller thread: StreamValidator ─▶ panes ─▶ window = merge of panes ─▶ validate ─▶ on_event
//! ```
//!
//! The reader parses while the caller's thread computes statistics, so the
//! two overlap; the bounded channel holds a few batches, so a
//! slow consumer slows the reader instead of filling memory. Files are read
//! one after another (windows follow arrival order).
//!
//! - `window`: [`WindowSpec`] (rows or event time, tumbling or sliding) and durations.
//! - `validator`: [`StreamValidator`], [`WindowResult`], the counting rules.
//! - `checkpoint`: `--checkpoint DIR`, resuming after a kill.
//! - `reader`: the engine scan of the inputs, a followed file one file at a
//!   time through its rotations, or a followed folder's new files.

mod checkpoint;
mod reader;
mod validator;
mod window;

use std::fs::File;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, sync_channel};

use arrow::array::RecordBatch;
use tabx_core::{Result, TabxError};
use tabx_engine::{FollowOptions, OnError, SourceOptions};
use tabx_schema::{DatasetFeatureStatistics, Schema, StatsOptions};

use checkpoint::Checkpoint;
use reader::{Found, Reader, Replay};
use validator::ValidatorState;

pub use checkpoint::windows_done;
pub use validator::{Bounds, StreamValidator, WindowResult};
pub use window::{WindowSpec, parse_duration};

/// What [`watch`] watches for.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub window: WindowSpec,
    pub stats: StatsOptions,
    /// The environment of the data (e.g. `SERVING`).
    pub environment: Option<String>,
    /// Stop after this many windows, counting those of the run a checkpoint
    /// resumes (`None`: at the end of the input).
    pub max_windows: Option<u64>,
    /// Save the state and the input position here after each batch's
    /// windows, and resume from it when it is there.
    pub checkpoint: Option<PathBuf>,
    /// Read local files as they grow, surviving rotation (`tail -F`), or a
    /// folder's new files as they arrive; the watch then ends only at
    /// `max_windows`. Both resume from a `checkpoint`: a folder's files are
    /// read again in the order first read; a file is found again by its
    /// first bytes wherever rotation moved it (`Resumed` says where).
    pub follow: bool,
}

/// How a [`watch`] ended.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchReport {
    pub windows: u64,
    /// Windows with at least one anomaly.
    pub windows_with_anomalies: u64,
    /// Rows read into windows (rejected rows aside).
    pub rows: u64,
    /// Rows the reader rejected.
    pub rejected: u64,
    /// Time windows: rows that came after all their windows, and rows without an event time.
    pub late: u64,
    pub no_time: u64,
    /// `max_windows` ended the run before the input did.
    pub stopped_early: bool,
    /// The run went on from a checkpoint.
    pub resumed: Option<Resumed>,
}

/// Where a resumed watch went on from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Resumed {
    /// Windows handed on before the checkpoint (numbering goes on from here).
    pub windows: u64,
    /// Rows and rejected rows of the input skipped, counted before.
    pub rows_skipped: u64,
    pub rejects_skipped: u64,
    /// The input is stdin, which cannot be read again: rows the killed watch
    /// read after its last checkpoint are lost.
    pub from_stdin: bool,
    /// The checkpoint's watch had finished: nothing was read.
    pub finished: bool,
    /// A followed file: the file the checkpoint stopped in was rotated to
    /// this path while the watch was down; its rest was read first.
    pub rotated_to: Option<String>,
    /// A followed file: rotated copies written after that one, not read
    /// (their rows are lost to the watch).
    pub not_read: Vec<String>,
    /// A followed file: the file the checkpoint stopped in is gone (deleted,
    /// compressed, or rewritten in place): its rows after the checkpoint are
    /// lost, and the file at the path is read from its start.
    pub file_lost: bool,
}

/// What [`watch`] hands its caller as it goes.
#[derive(Debug)]
pub enum WatchEvent<'a> {
    /// The watch goes on from a checkpoint (first, before any window).
    Resumed(&'a Resumed),
    /// A window closed.
    Window(&'a WindowResult),
}

enum Message {
    Batch(RecordBatch),
    Reject(String),
    /// A followed folder's reader starts this file (its batches follow).
    File(String),
    /// A followed file's reader starts this file, opened (its records
    /// follow; a checkpoint fingerprints it).
    Followed(Arc<File>),
}

/// Reads `inputs` (`-` for stdin, files in order) through a
/// [`StreamValidator`] and hands each window to `on_event` as it closes
/// (after, on a restart, where the watch resumes: a follower may run for
/// days before its first window).
/// A row the reader cannot parse never stops the watch: it is counted in the
/// next window (`OnError::Fail` becomes `Skip`; `Quarantine` also writes it).
pub fn watch(
    inputs: &[String],
    mut source: SourceOptions,
    schema: Schema,
    baseline: Option<DatasetFeatureStatistics>,
    options: WatchOptions,
    mut on_event: impl FnMut(WatchEvent<'_>) -> Result<()>,
) -> Result<WatchReport> {
    let mut validator =
        StreamValidator::try_new(schema, baseline, options.window.clone(), options.stats, options.environment)?;
    let mut report = WatchReport::default();
    let (mut position, mut replay) = (Position::default(), Replay::default());
    if let Some(dir) = &options.checkpoint
        && let Some(checkpoint) = Checkpoint::load(dir, inputs, &options.window)?
    {
        let finished = checkpoint.finished;
        let (resumed, state);
        (resumed, position, replay, state) = resume_point(checkpoint, inputs);
        validator.restore(state)?;
        on_event(WatchEvent::Resumed(&resumed))?;
        report.resumed = Some(resumed);
        if finished {
            return Ok(report);
        }
    }
    let mut on_window = |window: &WindowResult| on_event(WatchEvent::Window(window));
    let stop = Arc::new(AtomicBool::new(false));
    if options.follow {
        source.follow = Some(FollowOptions::new(Arc::clone(&stop)));
    }
    let saver = options.checkpoint.as_ref().map(|dir| Saver { dir: dir.clone(), inputs: inputs.to_vec() });
    let (tx, rx) = sync_channel::<Message>(4);
    if source.on_error == OnError::Fail {
        source.on_error = OnError::Skip;
    }
    let rejects = tx.clone();
    source.on_reject = Some(Arc::new(move |_, reason| {
        // A closed channel means the watch has stopped; the scan ends on its next batch.
        let _ = rejects.send(Message::Reject(reason.to_string()));
    }));
    // One reader: files in order, so windows follow arrival order. A stream
    // (stdin) still parses on every core, its batches handed on in order.
    if source.stream_parsers == 0 {
        source.stream_parsers = source.thread_count();
    }
    source.threads = 1;
    // Batches no longer than a slide: a window closes (and is checkpointed)
    // as soon as its last row is read, not up to 8192 rows later.
    // The first batch of a stream is its type-inference rows: no longer than that either.
    if let WindowSpec::Rows { slide, .. } = options.window {
        source.batch_size = source.batch_size.min(usize::try_from(slide).unwrap_or(usize::MAX)).max(1);
        source.infer_rows = source.infer_rows.min(source.batch_size);
    }
    // A followed folder first reads again, in order, the files read before
    // the checkpoint; a followed file, the rest of a rotated one.
    let reader = Reader::try_new(inputs, source, replay)?;
    let windows_before = report.resumed.as_ref().map_or(0, |r| r.windows);
    let window = options.window.clone();
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || reader.run(&tx));
        let mut watch =
            Watching { validator: &mut validator, report: &mut report, position: &mut position, windows_before };
        let watched = watch.consume(rx, options.max_windows, saver.as_ref(), &window, &mut on_window);
        // A followed file is read until told to stop.
        stop.store(true, Ordering::Relaxed);
        // The receiver is gone now: a reader blocked on a full channel wakes up and stops.
        let scanned = reader.join().map_err(|_| TabxError::Internal("the stream reader panicked".into()))?;
        watched?;
        match scanned {
            Err(TabxError::Internal(m)) if m == STOPPED && report.stopped_early => {}
            Err(e) => return Err(e),
            // The input ended after the last window wanted (windows may be waiting).
            Ok(_) if report.stopped_early => {}
            Ok(_) => {
                for window in validator.close()? {
                    if reached(&report, windows_before, options.max_windows) {
                        report.stopped_early = true;
                        break;
                    }
                    count(&mut report, &window);
                    on_window(&window)?;
                }
                if let Some(saver) = &saver
                    && !report.stopped_early
                {
                    saver.save(&window, &position, true, validator.state()?)?;
                }
            }
        }
        Ok(report)
    })
}

/// Where a watch goes on from `checkpoint`: what it says, its position in
/// the input, what it reads again first, and the validator's state.
fn resume_point(checkpoint: Checkpoint, inputs: &[String]) -> (Resumed, Position, Replay, ValidatorState) {
    let from_stdin = inputs.iter().any(|i| i == "-");
    let saved = checkpoint.position;
    let mut resumed = Resumed {
        windows: checkpoint.validator.next_index,
        rows_skipped: if from_stdin { 0 } else { saved.rows_done },
        rejects_skipped: if from_stdin { 0 } else { saved.rejects_done },
        from_stdin,
        finished: checkpoint.finished,
        ..Resumed::default()
    };
    let mut replay = Replay { files: saved.files.clone(), rest_of: None };
    // A followed file's counts are of the file it stopped in, wherever that is now.
    if let (Some(fingerprint), [path]) = (&saved.followed, inputs) {
        match Found::find(path, fingerprint) {
            Found::AtPath => {}
            Found::Rotated { copy, newer } => {
                resumed.rotated_to = Some(copy.display().to_string());
                resumed.not_read = newer;
                replay.rest_of = Some(copy);
            }
            Found::Lost => {
                resumed.file_lost = true;
                (resumed.rows_skipped, resumed.rejects_skipped) = (0, 0);
            }
        }
    }
    let lost = resumed.file_lost;
    let position = Position {
        skip_rows: resumed.rows_skipped,
        skip_rejects: resumed.rejects_skipped,
        rows_done: if lost { 0 } else { saved.rows_done },
        rejects_done: if lost { 0 } else { saved.rejects_done },
        files: saved.files,
        followed: None,
    };
    (resumed, position, replay, checkpoint.validator)
}

/// Where the watch is in its input (see `checkpoint`).
#[derive(Debug, Default)]
struct Position {
    /// Records still to skip (counted before a restart).
    skip_rows: u64,
    skip_rejects: u64,
    /// Records consumed since the input's start.
    rows_done: u64,
    rejects_done: u64,
    /// A followed folder's files, in the order they were started.
    files: Vec<String>,
    /// A followed file: the file being read (the counts above are of it).
    followed: Option<Arc<File>>,
}

/// Writes checkpoints into a folder.
struct Saver {
    dir: PathBuf,
    inputs: Vec<String>,
}

impl Saver {
    fn save(&self, window: &WindowSpec, at: &Position, finished: bool, state: ValidatorState) -> Result<()> {
        tabx_core::failpoint::hit(tabx_core::failpoint::WATCH_BEFORE_CHECKPOINT);
        let followed = match &at.followed {
            Some(file) => {
                Some(tabx_engine::Fingerprint::of(file).map_err(|e| TabxError::io(self.inputs.join(" "), e))?)
            }
            None => None,
        };
        let position = checkpoint::Position {
            rows_done: at.rows_done,
            rejects_done: at.rejects_done,
            files: at.files.clone(),
            followed,
        };
        Checkpoint::new(&self.inputs, window, position, finished, state).save(&self.dir)?;
        tabx_core::failpoint::hit(tabx_core::failpoint::WATCH_AFTER_CHECKPOINT);
        Ok(())
    }
}

/// The consumer's side of a watch.
struct Watching<'a> {
    validator: &'a mut StreamValidator,
    report: &'a mut WatchReport,
    position: &'a mut Position,
    /// Windows of the run a checkpoint resumes (they count towards `max_windows`).
    windows_before: u64,
}

impl Watching<'_> {
    /// Feeds the validator until the input ends or `max_windows` windows
    /// were handed on; checkpoints after each batch that closed windows;
    /// drops the receiver on return.
    fn consume(
        &mut self,
        rx: Receiver<Message>,
        max_windows: Option<u64>,
        saver: Option<&Saver>,
        window: &WindowSpec,
        on_window: &mut impl FnMut(&WindowResult) -> Result<()>,
    ) -> Result<()> {
        for message in rx {
            match message {
                Message::Batch(batch) => {
                    let skip = self.position.skip_rows.min(batch.num_rows() as u64) as usize;
                    self.position.skip_rows -= skip as u64;
                    if skip == batch.num_rows() {
                        continue;
                    }
                    self.validator.push(&batch.slice(skip, batch.num_rows() - skip))?;
                    self.position.rows_done += (batch.num_rows() - skip) as u64;
                }
                Message::Reject(reason) => {
                    if self.position.skip_rejects > 0 {
                        self.position.skip_rejects -= 1;
                        continue;
                    }
                    self.validator.reject(&reason);
                    self.position.rejects_done += 1;
                }
                Message::File(name) => {
                    // Files read again after a restart are listed already.
                    if !self.position.files.contains(&name) {
                        self.position.files.push(name);
                    }
                    continue;
                }
                Message::Followed(file) => {
                    // The first file is the one a checkpoint's counts are of
                    // (they are zero otherwise); each next one starts at zero.
                    if self.position.followed.is_some() {
                        let at = &mut *self.position;
                        (at.rows_done, at.rejects_done, at.skip_rows, at.skip_rejects) = (0, 0, 0, 0);
                    }
                    self.position.followed = Some(file);
                    continue;
                }
            }
            let mut handed_on = false;
            while let Some(window) = self.validator.poll() {
                count(self.report, &window);
                on_window(&window)?;
                handed_on = true;
                if reached(self.report, self.windows_before, max_windows) {
                    self.report.stopped_early = true;
                    return Ok(());
                }
            }
            if handed_on && let Some(saver) = saver {
                saver.save(window, self.position, false, self.validator.state()?)?;
            }
        }
        Ok(())
    }
}

const STOPPED: &str = "the watch stopped reading";

fn reached(report: &WatchReport, windows_before: u64, max_windows: Option<u64>) -> bool {
    max_windows.is_some_and(|m| windows_before + report.windows >= m)
}

fn count(report: &mut WatchReport, window: &WindowResult) {
    report.windows += 1;
    report.rows += window.rows;
    report.rejected += window.rejected;
    report.late += window.late;
    report.no_time += window.no_time;
    if !window.anomalies.is_empty() {
        report.windows_with_anomalies += 1;
    }
}
