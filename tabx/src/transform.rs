//! TFT's two jobs over the engine's parallel scan: [`fit`] a transform spec
//! (the analyzers' states, merged in task order) and [`apply`] a fitted
//! transform to rows, writing them out.
//!
//! ```text
//!  fit:   tasks ─FitState::update─▶ states in task order ─merge─▶ FitState (finish → transform.json, or a partial)
//!  apply: tasks ─Transformer::apply_with─▶ encoded rows in task order ─▶ OUT.parquet | OUT.csv
//!                  └─StatsAccumulator::update (with_stats)─▶ merge in task order ─▶ statistics
//! ```
//!
//! `source.on_error` covers both rows the reader rejects (the engine's policy)
//! and rows whose values do not fit an op: `fail` stops at the first with its
//! `file:line`; `skip` and `quarantine=PATH` leave them out, counted by
//! reason; `quarantine=PATH` writes both kinds to PATH, the reader's rows
//! first, each with `_tabx_source` (file:line) and `_tabx_reasons`.

use std::path::Path;

use tabx_core::Result;
use tabx_engine::{OnError, ScanPlan, ScanReport, SourceOptions, scan_merged, scan_ordered};
use tabx_schema::{DatasetFeatureStatisticsList, StatsAccumulator, StatsOptions};
use tabx_transform::{Device, FitState, InvalidCounts, InvalidRows, TransformSpec, Transformer};

use crate::blocking;
use crate::rejects::Rejects;
use crate::typed_sink::{TaskEncoder, TypedSink};

/// The merged fit of `spec` over some inputs, and what the scan met.
#[derive(Debug)]
pub struct FitRun {
    /// `state.finish()` is the fitted transform; `state.to_partial(..)` a shard's partial.
    pub state: FitState,
    pub report: ScanReport,
}

/// The fit pass of `spec` over `inputs`: one [`FitState`] per task, merged in task order.
///
/// ```
/// use tabx::{SourceOptions, TransformSpec};
/// let taxi = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");
/// let spec = TransformSpec::from_yaml("outputs:\n  - {name: fare_z, op: scale_to_z_score, inputs: [fare], fill: 0}\n")?;
/// let fitted = tabx::fit(&spec, &[taxi.to_string()], SourceOptions::default())?.state.finish()?;
/// assert_eq!(fitted.outputs.len(), 1);
/// # Ok::<(), tabx::TabxError>(())
/// ```
pub fn fit(spec: &TransformSpec, inputs: &[String], source: SourceOptions) -> Result<FitRun> {
    fit_on(spec, inputs, source, Device::Cpu)
}

/// [`fit`] with the numeric analyzers (moments, min/max) on `device`: the
/// same fitted values on every device (exact sums), so a GPU fit writes the
/// CPU's `transform.json`.
pub fn fit_on(spec: &TransformSpec, inputs: &[String], mut source: SourceOptions, device: Device) -> Result<FitRun> {
    source.row_source = true;
    read_only(spec.input_columns(), &mut source);
    let on_error = source.on_error.clone();
    // Invalid rows come back here, to be located and handled per on_error.
    let empty = FitState::try_new(spec, InvalidRows::Skip)?.with_device(device)?;
    let shard = source.shard.map_or(0, |s| s.index);
    let plan = ScanPlan::try_new(inputs, source)?;
    let (merged, report) = scan_merged(
        &plan,
        |task| (empty.empty_like().for_partition(shard, task), Rejects::default()),
        |(state, rejects), batch| rejects.record(batch, &state.update_rows(batch)?, &on_error),
        |(merged, all), (state, rejects)| {
            all.merge(rejects);
            merged.merge(&state)
        },
    )?;
    let (state, rejects) = merged.unwrap_or((empty, Rejects::default()));
    rejects.finish(&on_error)?;
    Ok(FitRun { state, report })
}

/// Reads only `columns`, those the spec uses (unless the caller chose a
/// projection): a CSV's other cells are split but never typed or built, a
/// Parquet file's other column chunks never read (TFT decodes them all).
/// Leniently: a column a file lacks is reported by the fit or the apply,
/// which name the op that reads it. Not with `quarantine=PATH`, whose rows
/// keep every column of the input.
fn read_only(columns: Vec<String>, source: &mut SourceOptions) {
    if source.projection.is_none() && !matches!(source.on_error, OnError::Quarantine(_)) {
        source.projection = Some(columns);
        source.projection_lenient = true;
    }
}

/// [`fit`] from async code (on the caller's runtime's blocking pool).
pub async fn fit_async(spec: TransformSpec, inputs: Vec<String>, source: SourceOptions) -> Result<FitRun> {
    blocking(move || fit(&spec, &inputs, source)).await
}

/// What [`apply`] wrote and left out.
#[derive(Debug)]
pub struct ApplyRun {
    pub report: ScanReport,
    /// Rows written.
    pub written: u64,
    /// Rows an op could not take, by reason (left out of the output).
    pub invalid: InvalidCounts,
    /// The statistics of the rows written, when asked for.
    pub statistics: Option<DatasetFeatureStatisticsList>,
}

/// One task's transformed rows, encoded for the output file and waiting for
/// their turn to be written, and their statistics when asked for (computed in
/// the worker, merged in task order so the sketches are the same on every run).
#[derive(Debug)]
struct TaskRows {
    encoded: TaskEncoder,
    invalid: InvalidCounts,
    rejects: Rejects,
    stats: Option<StatsAccumulator>,
}

/// Transforms `inputs` into `output` (Parquet for `.parquet`/`.pq`, else
/// CSV), in input order, with the statistics of the output rows when
/// `with_stats` (TFT's `post_transform_statistics`).
pub fn apply(
    transformer: &Transformer,
    inputs: &[String],
    mut source: SourceOptions,
    output: &Path,
    with_stats: bool,
) -> Result<ApplyRun> {
    source.row_source = true;
    read_only(transformer.artifact().spec.input_columns(), &mut source);
    let on_error = source.on_error.clone();
    let shard = source.shard.map_or(0, |s| s.index);
    let plan = ScanPlan::try_new(inputs, source)?;
    // The fitted transform fixes every output type: workers encode, the file streams out.
    let mut sink = TypedSink::create(output, transformer.output_schema())?;
    let encoders = sink.encoders();
    let mut written = 0u64;
    let (mut invalid, mut rejects) = (InvalidCounts::default(), Rejects::default());
    let empty_stats = if with_stats { Some(StatsAccumulator::try_new(StatsOptions::default())?) } else { None };
    let mut stats: Option<StatsAccumulator> = None;
    let report = scan_ordered(
        &plan,
        |index| TaskRows {
            encoded: encoders.encoder(),
            invalid: InvalidCounts::default(),
            rejects: Rejects::default(),
            stats: empty_stats.clone().map(|s| s.for_partition(shard, index)),
        },
        |task, batch| {
            let applied = task.rejects.transform(transformer, batch, &on_error, &mut task.invalid)?;
            if let Some(s) = &mut task.stats {
                s.update(&applied.batch)?;
            }
            task.encoded.write(&applied.batch)?;
            Ok(())
        },
        |task| {
            written += sink.append(task.encoded)?;
            invalid.merge(&task.invalid);
            rejects.merge(task.rejects);
            match (&mut stats, task.stats) {
                (Some(merged), Some(s)) => merged.merge(&s)?,
                (None, s) => stats = s,
                (Some(_), None) => {}
            }
            Ok(())
        },
    )?;
    sink.finish()?;
    rejects.finish(&on_error)?;
    let statistics = empty_stats.map(|empty| stats.unwrap_or(empty).finish());
    Ok(ApplyRun { report, written, invalid, statistics })
}

/// [`apply`] from async code (on the caller's runtime's blocking pool).
pub async fn apply_async(
    transformer: Transformer,
    inputs: Vec<String>,
    source: SourceOptions,
    output: std::path::PathBuf,
    with_stats: bool,
) -> Result<ApplyRun> {
    blocking(move || apply(&transformer, &inputs, source, &output, with_stats)).await
}
