//! The parallel driver: runs a plan's tasks on a rayon pool, folds each task's
//! batches into its own state, and returns the states in task order with one
//! report for the whole scan.
//!
//! ```text
//!  task 0 ──batches──▶ fold(state 0) ─┐
//!  task 1 ──batches──▶ fold(state 1) ─┼─▶ [state 0, state 1, …] (task order) + ScanReport
//!  task N ──batches──▶ fold(state N) ─┘
//! ```
//!
//! Task order does not depend on scheduling, so merging the states in order
//! gives the same result on every run. The first failing task cancels the rest
//! (they stop at their next batch): a bad file is reported once, not N times.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use arrow::array::RecordBatch;
use rayon::prelude::*;
use tabx_core::{Result, TabxError};

use crate::csv::{QuarantinePart, merge_parts};
use crate::options::{ColumnType, OnError, SourceOptions};
use crate::plan::ScanPlan;

/// What a scan read, skipped and noticed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScanReport {
    /// Rows emitted in batches.
    pub rows_read: u64,
    /// Rows that could not be read (only with `OnError::Skip`/`Quarantine`).
    pub rows_bad: u64,
    /// Rows left out by `sample_rate`.
    pub rows_sampled_out: u64,
    /// Bad-row reasons and how often each occurred (a row can have several).
    pub bad_by_reason: BTreeMap<String, u64>,
    /// Things worth telling the user that are not errors (e.g. a header-only file).
    pub warnings: Vec<String>,
    /// Files in the plan.
    pub files: usize,
    /// Input bytes read (compressed size for compressed input).
    pub bytes: u64,
    /// Where bad rows were written (`OnError::Quarantine`).
    pub quarantine: Option<PathBuf>,
    /// For CSV: each column's type, widened over all tasks (columns without any
    /// value are absent). A column whose batches were numeric in one task and
    /// STRING in another shows as STRING here: rescan it with `force_string`.
    pub column_types: BTreeMap<String, ColumnType>,
}

/// One task's share of the report.
#[derive(Debug, Default)]
pub(crate) struct TaskReport {
    pub rows_read: u64,
    pub rows_bad: u64,
    pub rows_sampled_out: u64,
    pub bad_by_reason: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    pub column_types: Vec<(String, ColumnType)>,
    pub quarantine: Option<QuarantinePart>,
}

const CANCELLED: &str = "scan cancelled because another task failed";

/// What every task sees: options, the cancel flag, progress and sampling.
pub(crate) struct TaskContext<'a> {
    pub options: &'a SourceOptions,
    cancel: &'a AtomicBool,
    done: &'a AtomicU64,
    /// Keep a row iff its hash is below this (`None`: keep every row).
    sample_below: Option<u64>,
}

impl std::fmt::Debug for TaskContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext").field("sample_below", &self.sample_below).finish_non_exhaustive()
    }
}

impl<'a> TaskContext<'a> {
    pub(crate) fn new(options: &'a SourceOptions, cancel: &'a AtomicBool, done: &'a AtomicU64) -> Self {
        let sample_below = options.sample_rate.filter(|&r| r < 1.0).map(|r| (r * 18_446_744_073_709_551_616.0) as u64);
        TaskContext { options, cancel, done, sample_below }
    }

    pub(crate) fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// An error that ends this task because another failed.
    pub(crate) fn cancelled_error() -> TabxError {
        TabxError::Internal(CANCELLED.into())
    }

    pub(crate) fn progress(&self, bytes: u64) {
        let total = self.done.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if let Some(p) = &self.options.progress {
            p(total);
        }
    }

    /// Whether the row at `position` (a byte offset for text, a row index for
    /// Parquet) of file `file_index` is in the sample. Depends on nothing
    /// else, so the sample is the same however the input is partitioned.
    pub(crate) fn keep(&self, file_index: usize, position: u64) -> bool {
        let Some(below) = self.sample_below else { return true };
        let mut key = [0u8; 24];
        key[..8].copy_from_slice(&self.options.seed.to_le_bytes());
        key[8..16].copy_from_slice(&(file_index as u64).to_le_bytes());
        key[16..].copy_from_slice(&position.to_le_bytes());
        tabx_core::hash64(&key) < below
    }
}

/// A reader that reports the bytes it passes on as progress.
pub(crate) struct Counted<'a, R> {
    pub inner: R,
    pub ctx: &'a TaskContext<'a>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.ctx.progress(n as u64);
        Ok(n)
    }
}

/// Runs every task of `plan` in parallel (`options.threads` workers) and folds
/// each batch into that task's state (`init(task_index)`). Returns the states
/// in task order plus the report. Stops at the first error (with
/// `OnError::Fail`, the first bad row).
pub fn scan_fold<S: Send>(
    plan: &ScanPlan,
    init: impl Fn(usize) -> S + Sync,
    fold: impl Fn(&mut S, &RecordBatch) -> Result<()> + Sync,
) -> Result<(Vec<S>, ScanReport)> {
    let options = plan.options();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.thread_count())
        .thread_name(|i| format!("tabx-scan-{i}"))
        .build()
        .map_err(|e| TabxError::Internal(format!("cannot start worker threads: {e}")))?;
    let cancel = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let ctx = TaskContext::new(options, &cancel, &done);
    let results: Vec<Result<(S, TaskReport)>> = pool.install(|| {
        (0..plan.tasks())
            .into_par_iter()
            .map(|i| {
                if ctx.cancelled() {
                    return Err(TaskContext::cancelled_error());
                }
                let mut state = init(i);
                let report = plan.run_task(i, &ctx, &mut |batch| fold(&mut state, &batch));
                match report {
                    Ok(r) => Ok((state, r)),
                    Err(e) => {
                        cancel.store(true, Ordering::Relaxed);
                        Err(e)
                    }
                }
            })
            .collect()
    });

    let mut states = Vec::with_capacity(results.len());
    let mut reports = Vec::with_capacity(results.len());
    let mut first_error = None;
    for r in results {
        match r {
            Ok((s, rep)) => {
                states.push(s);
                reports.push(rep);
            }
            Err(TabxError::Internal(m)) if m == CANCELLED => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return Err(e);
    }
    let mut report =
        ScanReport { files: plan.files().len(), bytes: done.load(Ordering::Relaxed), ..Default::default() };
    let mut parts = Vec::new();
    for r in reports {
        report.rows_read += r.rows_read;
        report.rows_bad += r.rows_bad;
        report.rows_sampled_out += r.rows_sampled_out;
        for (k, v) in r.bad_by_reason {
            *report.bad_by_reason.entry(k).or_default() += v;
        }
        report.warnings.extend(r.warnings);
        for (name, t) in r.column_types {
            let e = report.column_types.entry(name).or_insert(t);
            *e = (*e).max(t);
        }
        parts.extend(r.quarantine);
    }
    report.warnings.extend(plan.warnings().iter().cloned());
    if let OnError::Quarantine(path) = &options.on_error {
        merge_parts(path, parts)?;
        report.quarantine = Some(path.clone());
    }
    Ok((states, report))
}
