//! Statistics of files, globs and URLs (TFDV's `generate_statistics_from_csv`):
//! the engine's parallel scan feeding one [`StatsAccumulator`] per task,
//! merged in task order.
//!
//! CSV types come from every row in one pass. A column that looks numeric at
//! first and turns out to hold strings is read a second time, that column only,
//! as strings (the only case in which tabx reads a file twice).
//!
//! SQL slices (`NAME:=SQL`, feature `sql`) are evaluated on each batch before
//! the accumulator sees it (`slices.rs`).

use arrow::array::RecordBatch;
use tabx_engine::{ScanPlan, ScanReport, SourceOptions, scan_merged};
use tabx_schema::{StatsAccumulator, StatsOptions};

use tabx_core::Result;

use crate::blocking;
use crate::slices::Predicates;

/// The merged statistics state of `inputs` and what the scan met on the way.
#[derive(Debug)]
pub struct StatsRun {
    pub state: StatsAccumulator,
    pub report: ScanReport,
    /// Columns that were re-read as strings.
    pub rescanned: Vec<String>,
}

/// Computes the statistics of `inputs` (paths, globs, directories, URLs, `-`).
///
/// ```
/// use tabx::{SourceOptions, StatsOptions, compute_stats};
/// let taxi = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");
/// let run = compute_stats(&[taxi.to_string()], SourceOptions::default(), &StatsOptions::default())?;
/// let statistics = run.state.finish();
/// assert_eq!(statistics.datasets[0].num_examples, 15002);
/// # Ok::<(), tabx::TabxError>(())
/// ```
pub fn compute_stats(inputs: &[String], source: SourceOptions, options: &StatsOptions) -> Result<StatsRun> {
    compute_stats_with(inputs, source, options, |_| {})
}

/// [`compute_stats`], calling `on_plan` once the inputs are resolved (e.g. to size a progress bar).
pub fn compute_stats_with(
    inputs: &[String],
    source: SourceOptions,
    options: &StatsOptions,
    on_plan: impl FnOnce(&ScanPlan),
) -> Result<StatsRun> {
    // Statistics count values: Parquet strings are counted by dictionary key.
    let source = SourceOptions { dictionary_strings: true, ..source };
    let plan = ScanPlan::try_new(inputs, source.clone())?;
    on_plan(&plan);
    let pass = StatsPass::try_new(&plan, options)?;
    // States arrive in task order and are merged at once: memory holds a few
    // task states, not one per row group or byte range.
    let (merged, report) = scan_merged(
        &plan,
        |task| pass.init(task),
        |state, batch| pass.fold(state, batch),
        |merged, state| merged.merge(&state),
    )?;
    pass.finish(inputs, source, merged, report)
}

/// The statistics side of a scan, for jobs that compute statistics on the way
/// (`validate --rows` checks rows and counts them in one pass): a state per
/// task from [`StatsPass::init`], each batch through [`StatsPass::fold`], the
/// merged state completed by [`StatsPass::finish`].
pub(crate) struct StatsPass {
    empty: StatsAccumulator,
    predicates: Predicates,
    shard: usize,
}

impl StatsPass {
    pub(crate) fn try_new(plan: &ScanPlan, options: &StatsOptions) -> Result<Self> {
        Ok(StatsPass {
            empty: StatsAccumulator::try_new(options.clone())?,
            predicates: Predicates::of(&options.slices)?,
            shard: plan.options().shard.map_or(0, |s| s.index),
        })
    }

    pub(crate) fn init(&self, task: usize) -> StatsAccumulator {
        self.empty.clone().for_partition(self.shard, task)
    }

    pub(crate) fn fold(&self, state: &mut StatsAccumulator, batch: &RecordBatch) -> Result<()> {
        state.update(&*self.predicates.annotate(batch)?)
    }

    /// The run of `merged` (`None`: the scan had no task), with the columns
    /// whose CSV type widened to STRING late read again as strings.
    pub(crate) fn finish(
        &self,
        inputs: &[String],
        source: SourceOptions,
        merged: Option<StatsAccumulator>,
        report: ScanReport,
    ) -> Result<StatsRun> {
        let mut state = merged.unwrap_or_else(|| self.empty.clone());
        let rescanned = state.columns_to_rescan();
        if !rescanned.is_empty() {
            tracing::info!(columns = ?rescanned, "re-reading columns whose type widened to STRING late");
            let options = self.empty.options();
            let mut rescan_source = source;
            rescan_source.force_string.extend(rescanned.iter().cloned());
            let mut columns = rescanned.clone();
            columns.extend(options.slices.iter().flat_map(|s| s.columns()).map(str::to_string));
            columns.extend(options.weight_column.iter().cloned());
            columns.extend(self.predicates.columns());
            // The other columns' `--schema` types reject rows; checking them again
            // rejects the same rows, so each row is accepted or rejected once.
            columns.extend(rescan_source.column_types.keys().filter(|c| report.column_types.contains_key(*c)).cloned());
            columns.sort_unstable();
            columns.dedup();
            rescan_source.projection = Some(columns);
            // Bad rows were reported by the first pass; the second pass must not write them again.
            rescan_source.on_error = tabx_engine::OnError::Skip;
            rescan_source.progress = None;
            rescan_source.row_source = false;
            let rescan_plan = ScanPlan::try_new(inputs, rescan_source)?;
            let (rescan_state, _) = scan_merged(
                &rescan_plan,
                |task| self.init(task),
                |state, batch| self.fold(state, batch),
                |merged, state| merged.merge(&state),
            )?;
            if let Some(rescan_state) = rescan_state {
                state.replace_columns(&rescan_state, &rescanned);
            }
        }
        Ok(StatsRun { state, report, rescanned })
    }
}

/// [`compute_stats`] from async code: the scan runs on the caller's tokio
/// runtime's blocking pool (and the engine's own threads), not on its workers.
pub async fn compute_stats_async(
    inputs: Vec<String>,
    source: SourceOptions,
    options: StatsOptions,
) -> Result<StatsRun> {
    blocking(move || compute_stats(&inputs, source, &options)).await
}
