//! [`StreamValidator`]: record batches in, one [`WindowResult`] per window
//! out (statistics, anomalies against the schema, drift against the previous
//! window, skew against a baseline), in bounded memory.
//!
//! Rows go to panes ([`super::window`]); a pane is a [`StatsAccumulator`];
//! a window's statistics are the merge of its panes, so a sliding window costs
//! one merge per pane, not a re-read. Memory holds the panes of one window.
//!
//! Counting rules (nothing is dropped silently): rows the reader rejected
//! ([`StreamValidator::reject`]), late rows and rows without an event time are
//! counted in the next window emitted and are in no window's statistics.

use std::collections::{BTreeMap, VecDeque};

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use serde::{Deserialize, Serialize};
use tabx_core::{Result, TabxError};
use tabx_schema::{DatasetFeatureStatistics, DatasetFeatureStatisticsList, Schema, StatsAccumulator, StatsOptions};
use tabx_validate::{Anomalies, ValidationOptions};

use super::window::{WindowSpec, pane_of};

/// One window's verdict.
#[derive(Debug, Clone, Serialize)]
pub struct WindowResult {
    /// 0-based, in the order windows are emitted.
    pub index: u64,
    pub bounds: Bounds,
    /// Rows in the window's statistics.
    pub rows: u64,
    /// Rows the reader rejected since the previous window (in no statistics).
    pub rejected: u64,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rejected_by_reason: BTreeMap<String, u64>,
    /// Time windows: rows that arrived after every window holding them was emitted.
    pub late: u64,
    /// Time windows: rows whose event time is null.
    pub no_time: u64,
    /// The input ended before the window filled (a short last window).
    pub end_of_input: bool,
    #[serde(skip)]
    pub statistics: DatasetFeatureStatisticsList,
    #[serde(skip)]
    pub anomalies: Anomalies,
}

/// Where a window starts and ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Bounds {
    /// Rows `first..=last` of the stream, 0-based, in arrival order.
    Rows { first: u64, last: u64 },
    /// Event times `[start, end)`, seconds since the epoch.
    Time { start: i64, end: i64 },
}

/// Pushes batches through windows; see the module docs.
///
/// ```
/// use arrow::array::{Int64Array, RecordBatch};
/// use std::sync::Arc;
/// use tabx::{Schema, StatsOptions, StreamValidator, WindowSpec};
/// use tabx_schema::{Feature, SchemaType};
///
/// let mut schema = Schema::default();
/// schema.feature.push(Feature::new("hour", SchemaType::Int));
/// let spec = WindowSpec::Rows { size: 3, slide: 3 };
/// let mut watch = StreamValidator::try_new(schema, None, spec, StatsOptions::default(), None)?;
/// let batch = RecordBatch::try_from_iter([("hour", Arc::new(Int64Array::from(vec![1, 2, 3, 4])) as _)])?;
/// watch.push(&batch)?;
/// let first = watch.poll().expect("rows 0..=2 fill a window");
/// assert_eq!(first.rows, 3);
/// assert!(watch.poll().is_none(), "row 3 waits for two more");
/// let last = watch.finish()?;
/// assert_eq!((last.len(), last[0].rows, last[0].end_of_input), (1, 1, true));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct StreamValidator {
    schema: Schema,
    baseline: Option<DatasetFeatureStatistics>,
    environment: Option<String>,
    spec: WindowSpec,
    empty: StatsAccumulator,
    /// Open panes by pane number, with the rows in each.
    panes: BTreeMap<i64, (StatsAccumulator, u64)>,
    /// Rows pushed so far (row windows: the next row's number).
    rows_seen: u64,
    /// Time windows: the largest event time seen, and the end of the last window emitted.
    max_time: Option<i64>,
    emitted_until: Option<i64>,
    previous: Option<DatasetFeatureStatistics>,
    counts: Counts,
    ready: VecDeque<WindowResult>,
    next_index: u64,
}

/// What is counted apart from the statistics until the next window.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
struct Counts {
    rejected: u64,
    rejected_by_reason: BTreeMap<String, u64>,
    late: u64,
    no_time: u64,
}

impl StreamValidator {
    /// Windows of `spec` checked against `schema` (in `environment`), with
    /// skew against `baseline` (the schema's skew comparators) when given.
    pub fn try_new(
        schema: Schema,
        baseline: Option<DatasetFeatureStatistics>,
        spec: WindowSpec,
        mut options: StatsOptions,
        environment: Option<String>,
    ) -> Result<Self> {
        if options.categorical_columns.is_empty() {
            options.categorical_columns = schema.categorical_int_features();
        }
        Ok(StreamValidator {
            schema,
            baseline,
            environment,
            spec,
            empty: StatsAccumulator::try_new(options)?,
            panes: BTreeMap::new(),
            rows_seen: 0,
            max_time: None,
            emitted_until: None,
            previous: None,
            counts: Counts::default(),
            ready: VecDeque::new(),
            next_index: 0,
        })
    }

    /// Everything a restarted watch needs to go on from here (`--checkpoint`);
    /// only between windows: none may be waiting for [`Self::poll`].
    pub(crate) fn state(&self) -> Result<ValidatorState> {
        if !self.ready.is_empty() {
            return Err(TabxError::Internal("a checkpoint with windows not yet handed on".into()));
        }
        let previous = self
            .previous
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| TabxError::Internal(format!("cannot encode the previous window's statistics: {e}")))?;
        Ok(ValidatorState {
            panes: self.panes.iter().map(|(&p, (state, rows))| (p, state.clone(), *rows)).collect(),
            rows_seen: self.rows_seen,
            max_time: self.max_time,
            emitted_until: self.emitted_until,
            previous,
            counts: self.counts.clone(),
            next_index: self.next_index,
        })
    }

    /// Goes on from a [`Self::state`] of a validator with the same spec.
    pub(crate) fn restore(&mut self, state: ValidatorState) -> Result<()> {
        self.panes = state.panes.into_iter().map(|(p, s, rows)| (p, (s, rows))).collect();
        self.rows_seen = state.rows_seen;
        self.max_time = state.max_time;
        self.emitted_until = state.emitted_until;
        self.previous = state
            .previous
            .map(|json| serde_json::from_str(&json))
            .transpose()
            .map_err(|e| TabxError::Internal(format!("a checkpoint's previous window: {e}")))?;
        self.counts = state.counts;
        self.next_index = state.next_index;
        Ok(())
    }

    /// Adds a batch; windows it completes become ready for [`Self::poll`].
    pub fn push(&mut self, batch: &RecordBatch) -> Result<()> {
        match self.spec.clone() {
            WindowSpec::Rows { size, slide } => self.push_rows(batch, size, slide),
            WindowSpec::Time { column, size, slide, lateness } => {
                self.push_times(batch, &column, size, slide)?;
                if let Some(max) = self.max_time {
                    self.close_windows_before(max.saturating_sub(lateness), size, slide)?;
                }
                Ok(())
            }
        }
    }

    /// Counts a row the reader rejected (`reason` as the engine names it).
    pub fn reject(&mut self, reason: &str) {
        self.counts.rejected += 1;
        *self.counts.rejected_by_reason.entry(reason.to_string()).or_default() += 1;
    }

    /// The next window ready, oldest first.
    pub fn poll(&mut self) -> Option<WindowResult> {
        self.ready.pop_front()
    }

    /// Ends the stream: the windows still open, as far as their data goes,
    /// marked `end_of_input`, after any not yet polled.
    pub fn finish(mut self) -> Result<Vec<WindowResult>> {
        self.close()
    }

    /// [`Self::finish`], keeping the validator (emptied) for a last checkpoint.
    pub(crate) fn close(&mut self) -> Result<Vec<WindowResult>> {
        match self.spec.clone() {
            WindowSpec::Rows { size, slide } => {
                // Rows since the last window (a short pane, or a stream shorter than one window).
                let unemitted = !self.rows_seen.is_multiple_of(slide) || self.rows_seen < size;
                if self.rows_seen > 0 && unemitted {
                    self.emit_rows_window(((self.rows_seen - 1) / slide) as i64, size, slide, true)?;
                }
                self.panes.clear();
            }
            WindowSpec::Time { size, slide, .. } => self.close_windows_before(i64::MAX, size, slide)?,
        }
        Ok(self.ready.drain(..).collect())
    }

    fn pane(&mut self, pane: i64) -> &mut (StatsAccumulator, u64) {
        let empty = &self.empty;
        self.panes.entry(pane).or_insert_with(|| (empty.clone(), 0))
    }

    fn push_rows(&mut self, batch: &RecordBatch, size: u64, slide: u64) -> Result<()> {
        let mut offset = 0;
        while offset < batch.num_rows() {
            let pane = (self.rows_seen / slide) as i64;
            let room = slide - self.rows_seen % slide;
            let n = room.min((batch.num_rows() - offset) as u64) as usize;
            let (state, rows) = self.pane(pane);
            state.update(&batch.slice(offset, n))?;
            *rows += n as u64;
            offset += n;
            self.rows_seen += n as u64;
            if self.rows_seen.is_multiple_of(slide) && self.rows_seen >= size {
                self.emit_rows_window(pane, size, slide, false)?;
            }
        }
        Ok(())
    }

    /// Emits the window ending with pane `last` and drops the pane that no
    /// later window needs.
    fn emit_rows_window(&mut self, last: i64, size: u64, slide: u64, end_of_input: bool) -> Result<()> {
        let first = last + 1 - (size / slide) as i64;
        let (state, rows) = self.merged(first..=last)?;
        let first_row = self.rows_seen - rows;
        let bounds = Bounds::Rows { first: first_row, last: self.rows_seen.saturating_sub(1) };
        self.emit(&state, rows, bounds, end_of_input);
        self.panes.retain(|&p, _| p > first);
        Ok(())
    }

    fn push_times(&mut self, batch: &RecordBatch, column: &str, size: i64, slide: i64) -> Result<()> {
        let times = event_seconds(batch, column)?;
        // Rows grouped by pane, in arrival order within each.
        let mut by_pane: BTreeMap<i64, Vec<u32>> = BTreeMap::new();
        for (row, t) in times.iter().enumerate() {
            let Some(t) = *t else {
                self.counts.no_time += 1;
                continue;
            };
            let pane = pane_of(t, slide);
            // Late: the last window holding this pane was emitted already.
            if self.emitted_until.is_some_and(|end| pane * slide + size <= end) {
                self.counts.late += 1;
                continue;
            }
            self.max_time = Some(self.max_time.map_or(t, |m| m.max(t)));
            by_pane.entry(pane).or_default().push(row as u32);
        }
        for (pane, rows) in by_pane {
            let part = if rows.len() == batch.num_rows() {
                batch.clone()
            } else {
                arrow::compute::take_record_batch(batch, &arrow::array::UInt32Array::from(rows.clone()))?
            };
            let (state, count) = self.pane(pane);
            state.update(&part)?;
            *count += rows.len() as u64;
        }
        Ok(())
    }

    /// Emits, oldest first, every window with data that ends at or before
    /// `watermark`, and drops the panes no later window needs.
    fn close_windows_before(&mut self, watermark: i64, size: i64, slide: i64) -> Result<()> {
        loop {
            let Some(&oldest) = self.panes.keys().next() else { return Ok(()) };
            // The first window not yet emitted that holds the oldest open pane.
            let earliest_end = oldest * slide + slide;
            let end = self.emitted_until.map_or(earliest_end, |e| (e + slide).max(earliest_end));
            if end > watermark {
                return Ok(());
            }
            let start = end - size;
            let (state, rows) = self.merged(pane_of(start, slide)..=pane_of(end - 1, slide))?;
            if rows > 0 {
                self.emit(&state, rows, Bounds::Time { start, end }, watermark == i64::MAX);
            }
            self.emitted_until = Some(end);
            // Panes that end before the next window's start are done.
            self.panes.retain(|&p, _| p * slide + slide > end + slide - size);
        }
    }

    /// The merged state and row count of the panes in `panes`. A window of
    /// one pane (tumbling) takes that pane's state out, as no later window
    /// holds it: merging it into an empty state re-inserted every exact
    /// count and copied every sketch (taking it out: `tabx watch` 1.04×
    /// faster on 100k-row windows, benches/RESULTS.md). Merging into the empty state is the
    /// identity (the merge laws), so the window's statistics are the same.
    fn merged(&mut self, panes: std::ops::RangeInclusive<i64>) -> Result<(StatsAccumulator, u64)> {
        if panes.start() == panes.end()
            && let Some(lone) = self.panes.remove(panes.start())
        {
            return Ok(lone);
        }
        let mut state = self.empty.clone();
        let mut rows = 0;
        for (_, (pane, n)) in self.panes.range(panes) {
            state.merge(pane)?;
            rows += n;
        }
        Ok((state, rows))
    }

    fn emit(&mut self, state: &StatsAccumulator, rows: u64, bounds: Bounds, end_of_input: bool) {
        let statistics = state.finish();
        let whole = statistics.whole().cloned().unwrap_or_default();
        let options = ValidationOptions {
            environment: self.environment.as_deref(),
            previous: self.previous.as_ref(),
            // Skew compares two sides with symmetric distances (L∞, JSD):
            // the window is checked against the schema, the baseline beside it.
            serving: self.baseline.as_ref(),
        };
        let anomalies = tabx_validate::validate(&whole, &self.schema, &options).anomalies;
        let counts = std::mem::take(&mut self.counts);
        self.ready.push_back(WindowResult {
            index: self.next_index,
            bounds,
            rows,
            rejected: counts.rejected,
            rejected_by_reason: counts.rejected_by_reason,
            late: counts.late,
            no_time: counts.no_time,
            end_of_input,
            statistics,
            anomalies,
        });
        self.next_index += 1;
        self.previous = Some(whole);
    }
}

/// A [`StreamValidator`] between windows, as a checkpoint stores it
/// (postcard, as partial files: the previous window's statistics as JSON,
/// whose serde form skips empty fields).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ValidatorState {
    panes: Vec<(i64, StatsAccumulator, u64)>,
    rows_seen: u64,
    max_time: Option<i64>,
    emitted_until: Option<i64>,
    previous: Option<String>,
    counts: Counts,
    pub(crate) next_index: u64,
}

/// Each row's event time in whole seconds (`None` for null): an integer
/// column is seconds already; a timestamp is truncated to seconds.
fn event_seconds(batch: &RecordBatch, column: &str) -> Result<Vec<Option<i64>>> {
    let array = batch.column_by_name(column).ok_or_else(|| {
        TabxError::config(format!("no event-time column `{column}` in the stream"))
            .with_hint("name a column of integer seconds or timestamps in --window time=COLUMN:DURATION")
    })?;
    let seconds = match array.data_type() {
        DataType::Timestamp(_, _) => arrow::compute::cast(
            &arrow::compute::cast(array, &DataType::Timestamp(TimeUnit::Second, None))?,
            &DataType::Int64,
        )?,
        t if t.is_integer() => arrow::compute::cast(array, &DataType::Int64)?,
        DataType::Null => return Ok(vec![None; array.len()]),
        other => {
            return Err(TabxError::config(format!(
                "event-time column `{column}` holds {other}, not integer seconds or timestamps"
            ))
            .with_hint("declare it INT in the schema, or pick another column"));
        }
    };
    Ok(seconds.as_primitive::<Int64Type>().iter().collect())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array};

    use super::*;

    fn schema() -> Schema {
        let mut schema = Schema::default();
        schema.feature.push(tabx_schema::Feature::new("ts", tabx_schema::SchemaType::Int));
        schema
    }

    /// Batches of 10 rows with times 0..300 in order, every 7th row 25 s early.
    fn batches() -> Vec<RecordBatch> {
        let times: Vec<i64> = (0..300).map(|i| if i % 7 == 0 { (i - 25).max(0) } else { i }).collect();
        times
            .chunks(10)
            .map(|c| RecordBatch::try_from_iter([("ts", Arc::new(Int64Array::from(c.to_vec())) as ArrayRef)]).unwrap())
            .collect()
    }

    fn new(spec: &WindowSpec) -> StreamValidator {
        StreamValidator::try_new(schema(), None, spec.clone(), StatsOptions::default(), None).unwrap()
    }

    /// What a window says, statistics included.
    fn text(w: &WindowResult) -> String {
        format!("{} {}", serde_json::to_string(w).unwrap(), serde_json::to_string(&w.statistics).unwrap())
    }

    /// A validator stopped after any batch, its state encoded as a checkpoint
    /// stores it and restored into a new one, goes on to the same windows as
    /// one never stopped (sliding event-time windows with late rows, and rows).
    #[test]
    fn a_restored_state_goes_on_as_if_never_stopped() {
        let specs = [
            WindowSpec::Time { column: "ts".into(), size: 40, slide: 20, lateness: 10 },
            WindowSpec::Rows { size: 40, slide: 20 },
        ];
        for spec in specs {
            let run = |stop_after: Option<usize>| {
                let mut v = new(&spec);
                let mut out = Vec::new();
                for (i, b) in batches().iter().enumerate() {
                    v.push(b).unwrap();
                    while let Some(w) = v.poll() {
                        out.push(text(&w));
                    }
                    if stop_after == Some(i) {
                        let bytes = tabx_core::encode_state(&v.state().unwrap()).unwrap();
                        v = new(&spec);
                        v.restore(tabx_core::decode_state(&bytes, "test").unwrap()).unwrap();
                    }
                }
                out.extend(v.finish().unwrap().iter().map(text));
                out
            };
            let whole = run(None);
            assert!(whole.len() > 10, "{spec:?}");
            for stop in [0, 3, 14, 29] {
                assert_eq!(run(Some(stop)), whole, "{spec:?}, stopped after batch {stop}");
            }
        }
    }
}
