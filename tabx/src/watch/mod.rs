//! Watching a stream (`tabx watch`): statistics, anomalies, drift and skew
//! per window of an unbounded input, in bounded memory ([`watch`],
//! [`StreamValidator`] for services that push their own batches).
//!
//! ```text
//!  reader thread: engine scan of stdin / files ─batches, rejects─▶ channel (4 deep)
//!  caller thread: StreamValidator ─▶ panes ─▶ window = merge of panes ─▶ validate ─▶ on_window
//! ```
//!
//! The reader parses while the caller's thread computes statistics, so the
//! two overlap on two cores; the bounded channel holds a few batches, so a
//! slow consumer slows the reader instead of filling memory. Files are read
//! one after another (windows follow arrival order).
//!
//! - `window`: [`WindowSpec`] (rows or event time, tumbling or sliding) and durations.
//! - `validator`: [`StreamValidator`], [`WindowResult`], the counting rules.

mod validator;
mod window;

use std::sync::Arc;
use std::sync::mpsc::{Receiver, sync_channel};

use arrow::array::RecordBatch;
use tabx_core::{Result, TabxError};
use tabx_engine::{OnError, ScanPlan, SourceOptions, scan_ordered};
use tabx_schema::{DatasetFeatureStatistics, Schema, StatsOptions};

pub use validator::{Bounds, StreamValidator, WindowResult};
pub use window::{WindowSpec, parse_duration};

/// What [`watch`] watches for.
#[derive(Debug, Clone)]
pub struct WatchOptions {
    pub window: WindowSpec,
    pub stats: StatsOptions,
    /// The environment of the data (e.g. `SERVING`).
    pub environment: Option<String>,
    /// Stop after this many windows (`None`: at the end of the input).
    pub max_windows: Option<u64>,
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
    /// `max_windows` ended the run before the input did.
    pub stopped_early: bool,
}

enum Message {
    Batch(RecordBatch),
    Reject(String),
}

/// Reads `inputs` (`-` for stdin, files in order) through a
/// [`StreamValidator`] and hands each window to `on_window` as it closes.
/// A row the reader cannot parse never stops the watch: it is counted in the
/// next window (`OnError::Fail` becomes `Skip`; `Quarantine` also writes it).
pub fn watch(
    inputs: &[String],
    mut source: SourceOptions,
    schema: Schema,
    baseline: Option<DatasetFeatureStatistics>,
    options: WatchOptions,
    mut on_window: impl FnMut(&WindowResult) -> Result<()>,
) -> Result<WatchReport> {
    let mut validator =
        StreamValidator::try_new(schema, baseline, options.window.clone(), options.stats, options.environment)?;
    let (tx, rx) = sync_channel::<Message>(4);
    if source.on_error == OnError::Fail {
        source.on_error = OnError::Skip;
    }
    let rejects = tx.clone();
    source.on_reject = Some(Arc::new(move |_, reason| {
        // A closed channel means the watch has stopped; the scan ends on its next batch.
        let _ = rejects.send(Message::Reject(reason.to_string()));
    }));
    // One reader: files in order, so windows follow arrival order.
    source.threads = 1;
    let plan = ScanPlan::try_new(inputs, source)?;
    std::thread::scope(|scope| {
        let reader = scope.spawn(move || {
            scan_ordered(
                &plan,
                |_| (),
                |(), batch| tx.send(Message::Batch(batch.clone())).map_err(|_| TabxError::Internal(STOPPED.into())),
                |()| Ok(()),
            )
        });
        let mut report = WatchReport::default();
        let watched = consume(rx, &mut validator, &mut report, options.max_windows, &mut on_window);
        // The receiver is gone now: a reader blocked on a full channel wakes up and stops.
        let scanned = reader.join().map_err(|_| TabxError::Internal("the stream reader panicked".into()))?;
        watched?;
        match scanned {
            Err(TabxError::Internal(m)) if m == STOPPED && report.stopped_early => {}
            Err(e) => return Err(e),
            // The input ended after the last window wanted (windows may be waiting).
            Ok(_) if report.stopped_early => {}
            Ok(_) => {
                for window in validator.finish()? {
                    if reached(&report, options.max_windows) {
                        report.stopped_early = true;
                        break;
                    }
                    count(&mut report, &window);
                    on_window(&window)?;
                }
            }
        }
        Ok(report)
    })
}

const STOPPED: &str = "the watch stopped reading";

/// Feeds the validator until the input ends or `max_windows` windows were
/// handed on; drops the receiver on return.
fn consume(
    rx: Receiver<Message>,
    validator: &mut StreamValidator,
    report: &mut WatchReport,
    max_windows: Option<u64>,
    on_window: &mut impl FnMut(&WindowResult) -> Result<()>,
) -> Result<()> {
    for message in rx {
        match message {
            Message::Batch(batch) => validator.push(&batch)?,
            Message::Reject(reason) => validator.reject(&reason),
        }
        while let Some(window) = validator.poll() {
            count(report, &window);
            on_window(&window)?;
            if reached(report, max_windows) {
                report.stopped_early = true;
                return Ok(());
            }
        }
    }
    Ok(())
}

fn reached(report: &WatchReport, max_windows: Option<u64>) -> bool {
    max_windows.is_some_and(|m| report.windows >= m)
}

fn count(report: &mut WatchReport, window: &WindowResult) {
    report.windows += 1;
    report.rows += window.rows;
    report.rejected += window.rejected;
    if !window.anomalies.is_empty() {
        report.windows_with_anomalies += 1;
    }
}
