//! The parallel driver: runs a plan's tasks on worker threads, folds each task's
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
//! gives the same result on every run. Workers run at most a bounded window
//! of tasks ahead of the first unconsumed one ([`ORDER_WINDOW_PER_THREAD`]),
//! so memory holds a bounded number of states. A failing task stops the
//! tasks after it (none of them starts; none is waited for): a bad file is
//! reported once, not N times; a panic anywhere in a task is one error too.
//! The tasks before it run on, and the error reported is that of the first
//! failing task in input order, so the same bad input gives the same error
//! however the threads were scheduled (the first bad row of the file).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, DictionaryArray, Int32Array, RecordBatch, StringArray, UInt64Array};
use arrow::datatypes::{DataType, Field, Int32Type, Schema, UInt64Type};
use tabx_core::{Result, TabxError};

use crate::options::{ColumnType, OnError, SourceOptions};
use crate::plan::ScanPlan;
use crate::quarantine::{QuarantinePart, merge_parts};

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
    pub column_types: BTreeMap<String, ColumnType>,
    /// The task's bad rows, in input order (a stream parsed in chunks has one part per chunk).
    pub quarantine: Vec<QuarantinePart>,
}

impl TaskReport {
    /// Adds the report of the task (or chunk) that follows this one in input order.
    pub(crate) fn absorb(&mut self, next: TaskReport) {
        self.rows_read += next.rows_read;
        self.rows_bad += next.rows_bad;
        self.rows_sampled_out += next.rows_sampled_out;
        for (k, v) in next.bad_by_reason {
            *self.bad_by_reason.entry(k).or_default() += v;
        }
        self.warnings.extend(next.warnings);
        // Types widen (INT < FLOAT < STRING) across tasks as within one.
        for (name, t) in next.column_types {
            let u = self.column_types.entry(name).or_insert(t);
            *u = (*u).max(t);
        }
        self.quarantine.extend(next.quarantine);
    }
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

/// Appends the row-origin columns of [`SourceOptions::row_source`] to `batch`:
/// `file` on every row and `lines` (one per row). A column of the input that
/// already has one of the names is an error: the origin would be ambiguous.
///
/// The file column is a dictionary of the one name (a 4-byte key per row):
/// the name copied onto every row cost 35 MiB for 1M rows of a 35-byte
/// path, 4% of a `transform fit` (24% with a 200-byte path).
pub(crate) fn append_row_source(batch: &RecordBatch, file: &str, lines: UInt64Array) -> Result<RecordBatch> {
    let schema = batch.schema();
    for name in [SourceOptions::FILE_COLUMN, SourceOptions::LINE_COLUMN] {
        if schema.column_with_name(name).is_some() {
            return Err(TabxError::invalid_input(
                file,
                format!("the input has a column `{name}`, a name tabx reserves"),
            )
            .with_hint("rename the column to validate rows"));
        }
    }
    let n = batch.num_rows();
    if lines.len() != n {
        return Err(TabxError::Internal(format!("{} row lines for {n} rows", lines.len())));
    }
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    let files = DictionaryArray::new(Int32Array::from(vec![0; n]), Arc::new(StringArray::from(vec![file])));
    fields.push(Field::new(SourceOptions::FILE_COLUMN, files.data_type().clone(), false));
    fields.push(Field::new(SourceOptions::LINE_COLUMN, DataType::UInt64, false));
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(Arc::new(files));
    columns.push(Arc::new(lines));
    Ok(RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())), columns)?)
}

/// The origins of a batch's rows, from the columns of
/// [`SourceOptions::row_source`], looked up once for all its rows.
#[derive(Debug)]
pub struct RowOrigins<'a> {
    keys: &'a Int32Array,
    names: &'a StringArray,
    lines: &'a UInt64Array,
}

impl<'a> RowOrigins<'a> {
    /// `None` when `batch` does not carry the origin columns.
    pub fn of(batch: &'a RecordBatch) -> Option<Self> {
        let files = batch.column_by_name(SourceOptions::FILE_COLUMN)?.as_dictionary_opt::<Int32Type>()?;
        let lines = batch.column_by_name(SourceOptions::LINE_COLUMN)?.as_primitive_opt::<UInt64Type>()?;
        Some(RowOrigins { keys: files.keys(), names: files.values().as_string_opt::<i32>()?, lines })
    }

    /// Where row `row` came from: `file:line`.
    pub fn at(&self, row: usize) -> String {
        let file = self.names.value(self.keys.value(row).max(0) as usize);
        format!("{file}:{}", self.lines.value(row))
    }
}

/// Where row `row` of `batch` came from, `file:line` ([`RowOrigins`] for
/// many rows of one batch); `None` when the batch does not carry its origin.
pub fn row_origin(batch: &RecordBatch, row: usize) -> Option<String> {
    Some(RowOrigins::of(batch)?.at(row))
}

/// Appends the raw records ([`SourceOptions::raw_records`]), as column
/// `name` ([`SourceOptions::RAW_COLUMN`] or [`SourceOptions::RAW_SPAN_COLUMN`]), to `batch`.
pub(crate) fn append_raw_records(batch: &RecordBatch, name: &str, raw: ArrayRef) -> Result<RecordBatch> {
    let schema = batch.schema();
    if schema.column_with_name(name).is_some() {
        return Err(TabxError::config(format!("the input has a column `{name}`, a name tabx reserves"))
            .with_hint("rename the column to validate rows"));
    }
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(name, raw.data_type().clone(), false));
    let mut columns: Vec<ArrayRef> = batch.columns().to_vec();
    columns.push(raw);
    Ok(RecordBatch::try_new(Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())), columns)?)
}

/// Whether `name` is a column the scan adds (row origin, raw record), not the input's.
pub fn is_source_column(name: &str) -> bool {
    matches!(
        name,
        SourceOptions::FILE_COLUMN
            | SourceOptions::LINE_COLUMN
            | SourceOptions::RAW_COLUMN
            | SourceOptions::RAW_SPAN_COLUMN
    )
}

/// `batch` without the columns [`append_row_source`] and [`append_raw_records`]
/// added: the input's own columns, for outputs that carry rows on (split,
/// predict, validate).
pub fn without_row_source(batch: &RecordBatch) -> Result<RecordBatch> {
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len()).filter(|&i| !is_source_column(schema.field(i).name())).collect();
    Ok(batch.project(&keep)?)
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

/// [`scan_ordered`] that merges each task's state into one as it arrives, in
/// task order: the shape of every mergeable pass (statistics, transform fit).
/// `None` when the plan has no task.
pub fn scan_merged<S: Send>(
    plan: &ScanPlan,
    init: impl Fn(usize) -> S + Sync,
    fold: impl Fn(&mut S, &RecordBatch) -> Result<()> + Sync,
    mut merge: impl FnMut(&mut S, S) -> Result<()> + Send,
) -> Result<(Option<S>, ScanReport)> {
    let mut merged: Option<S> = None;
    let report = scan_ordered(plan, init, fold, |state| match &mut merged {
        Some(m) => merge(m, state),
        None => {
            merged = Some(state);
            Ok(())
        }
    })?;
    Ok((merged, report))
}

/// [`scan_merged`] for a [`PartialState`](tabx_core::PartialState) (statistics,
/// transform fits, evaluations): one state per task from `init(task)`, every
/// batch folded with `update`, the states merged in task order.
pub fn scan_state<S: tabx_core::PartialState>(
    plan: &ScanPlan,
    init: impl Fn(usize) -> S + Sync,
) -> Result<(Option<S>, ScanReport)> {
    scan_merged(plan, init, |state, batch| state.update(batch), |merged, state| merged.merge(state))
}

/// Runs every task in parallel and folds each batch into a per-task state;
/// returns the states in task order (merging them in that order is
/// deterministic) with the scan's report. Holds every task's state until the
/// end: prefer [`scan_ordered`] when the states can be merged as they come.
pub fn scan_fold<S: Send>(
    plan: &ScanPlan,
    init: impl Fn(usize) -> S + Sync,
    fold: impl Fn(&mut S, &RecordBatch) -> Result<()> + Sync,
) -> Result<(Vec<S>, ScanReport)> {
    let mut states = Vec::with_capacity(plan.tasks());
    let report = scan_ordered(plan, init, fold, |state| {
        states.push(state);
        Ok(())
    })?;
    Ok((states, report))
}

/// How many tasks per worker thread may run ahead of the first unfinished
/// one: finished states wait for their turn in this window, so memory holds
/// at most `ORDER_WINDOW_PER_THREAD × threads + 1` task states whatever the
/// task count (a slow `.gz` first in a glob of thousands of files included).
pub const ORDER_WINDOW_PER_THREAD: usize = 2;

/// Finished states waiting for their predecessors, and who hands them on.
struct Window<S> {
    waiting: BTreeMap<usize, S>,
    /// The index of the next state to hand to `consume`.
    due: usize,
    /// A worker is handing states to `consume` (outside the lock).
    consuming: bool,
    /// The first error `consume` returned.
    error: Option<TabxError>,
}

/// Runs every task in parallel, folds each batch into a per-task state, and
/// hands the finished states to `consume` in task order as they become ready.
///
/// Workers take tasks in index order from a shared counter, and task `i`
/// starts only once `i < due + ORDER_WINDOW_PER_THREAD × threads`, where `due`
/// is the first state not yet consumed: memory stays at a bounded number of
/// states however many tasks (row groups, byte ranges, files) the input has
/// and however slow one of them is. (This bound, with in-order hand-over, is
/// why the driver is not rayon's.) One worker at a time runs `consume`,
/// outside the window's lock, so a slow merge does not stall the others'
/// bookkeeping. A panic in a task or in `consume` becomes one error.
pub fn scan_ordered<S: Send>(
    plan: &ScanPlan,
    init: impl Fn(usize) -> S + Sync,
    fold: impl Fn(&mut S, &RecordBatch) -> Result<()> + Sync,
    mut consume: impl FnMut(S) -> Result<()> + Send,
) -> Result<ScanReport> {
    let options = plan.options();
    let cancel = AtomicBool::new(false);
    // Hand freed memory back after each task when tasks are big (`memory.rs`).
    let trim = crate::memory::trims_after_each_task(plan.total_bytes(), plan.tasks());
    let done = AtomicU64::new(0);
    let ctx = TaskContext::new(options, &cancel, &done);
    let next_task = AtomicUsize::new(0);
    let tasks = plan.tasks();
    let threads = options.thread_count().min(tasks.max(1));
    let limit = ORDER_WINDOW_PER_THREAD * threads;
    let window = Mutex::new(Window { waiting: BTreeMap::new(), due: 0, consuming: false, error: None });
    let moved = Condvar::new();
    let mut reports: Vec<Option<TaskReport>> = Vec::new();
    let report_slots: Mutex<Vec<Option<TaskReport>>> = Mutex::new((0..tasks).map(|_| None).collect());
    // The failing task earliest in input order, and its error.
    let first_error: Mutex<Option<(usize, TabxError)>> = Mutex::new(None);
    let stop_after = AtomicUsize::new(usize::MAX);
    let consume = Mutex::new(&mut consume);
    // Records task i's failure and stops the tasks after it; the earliest
    // failing task's error wins.
    let fail = |i: usize, e: TabxError| {
        if !matches!(&e, TabxError::Internal(m) if m == CANCELLED) {
            stop_after.fetch_min(i, Ordering::Relaxed);
            let mut first = locked(&first_error);
            if first.as_ref().is_none_or(|(j, _)| i < *j) {
                *first = Some((i, e));
            }
        }
        // Wake the workers waiting for the window: those past i stop.
        let _guard = locked(&window);
        moved.notify_all();
    };
    let stopped = |i: usize| i > stop_after.load(Ordering::Relaxed);
    std::thread::scope(|scope| {
        for worker in 0..threads {
            let (ctx, next_task, window, moved, report_slots, consume, fail, stopped) =
                (&ctx, &next_task, &window, &moved, &report_slots, &consume, &fail, &stopped);
            let (init, fold, cancel) = (&init, &fold, &cancel);
            std::thread::Builder::new()
                .name(format!("tabx-scan-{worker}"))
                .spawn_scoped(scope, move || {
                    loop {
                        let i = next_task.fetch_add(1, Ordering::Relaxed);
                        if i >= tasks || ctx.cancelled() || stopped(i) {
                            break;
                        }
                        {
                            let mut w = locked(window);
                            while i >= w.due + limit && !ctx.cancelled() && !stopped(i) {
                                w = moved.wait(w).unwrap_or_else(PoisonError::into_inner);
                            }
                        }
                        if ctx.cancelled() || stopped(i) {
                            break;
                        }
                        let task = || {
                            let mut state = init(i);
                            let report = plan.run_task(i, ctx, &mut |batch| fold(&mut state, &batch))?;
                            Ok((state, report))
                        };
                        let state = match contain_panic(task, || format!("task {i} of the scan")) {
                            Ok((state, report)) => {
                                locked(report_slots)[i] = Some(report);
                                state
                            }
                            Err(e) => {
                                fail(i, e);
                                break;
                            }
                        };
                        let mut w = locked(window);
                        w.waiting.insert(i, state);
                        if w.consuming {
                            continue; // the worker consuming will reach this state
                        }
                        w.consuming = true;
                        loop {
                            let due = w.due;
                            let Some(state) = w.waiting.remove(&due) else { break };
                            w.due += 1;
                            moved.notify_all();
                            let skip = w.error.is_some();
                            drop(w);
                            if !skip {
                                let mut consume = locked(consume);
                                let result = contain_panic(|| (*consume)(state), || "consuming a task's state".into());
                                if let Err(e) = result {
                                    locked(window).error.get_or_insert(e);
                                    cancel.store(true, Ordering::Relaxed);
                                    moved.notify_all();
                                }
                                drop(consume);
                                if trim {
                                    crate::memory::release_freed();
                                }
                            }
                            w = locked(window);
                        }
                        w.consuming = false;
                    }
                })
                .expect("spawn scan worker");
        }
    });
    if let Some((_, e)) = first_error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(e);
    }
    if let Some(e) = window.into_inner().unwrap_or_else(PoisonError::into_inner).error {
        return Err(e);
    }
    reports.extend(report_slots.into_inner().unwrap_or_else(PoisonError::into_inner));
    let reports: Vec<TaskReport> = reports.into_iter().flatten().collect();
    let mut report =
        ScanReport { files: plan.files().len(), bytes: done.load(Ordering::Relaxed), ..Default::default() };
    let mut all = TaskReport::default();
    for r in reports {
        all.absorb(r);
    }
    report.rows_read = all.rows_read;
    report.rows_bad = all.rows_bad;
    report.rows_sampled_out = all.rows_sampled_out;
    report.bad_by_reason = all.bad_by_reason;
    report.warnings = all.warnings;
    report.column_types = all.column_types;
    let parts = all.quarantine;
    report.warnings.extend(plan.warnings().iter().cloned());
    if let OnError::Quarantine(path) = &options.on_error {
        merge_parts(path, parts)?;
        report.quarantine = Some(path.clone());
    }
    Ok(report)
}

/// Locks `m`, whatever a panicking holder left: every panic is turned into
/// an error by [`contain_panic`], and the data under these locks stays whole.
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs `f`, turning a panic into one error that names `what` was running:
/// the one place where the driver contains the panics of the code it runs
/// (the caller's `init`, `fold` and `consume`, and the CSV parser). Parquet
/// decoders are contained closer, in `parquet.rs`, where a panic means a
/// corrupt file.
fn contain_panic<T>(f: impl FnOnce() -> Result<T>, what: impl FnOnce() -> String) -> Result<T> {
    catch_panic(f).unwrap_or_else(|message| {
        Err(TabxError::Internal(format!("{} panicked: {message} (a bug: please report it)", what())))
    })
}

/// Runs `f`; a panic comes back as its message (`Err`), for the caller to
/// turn into the error that fits where it ran.
pub(crate) fn catch_panic<T>(f: impl FnOnce() -> T) -> std::result::Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "no message".to_string())
    })
}
