//! `tabx transform fit | merge | apply`: TFT-style transforms over the
//! engine's parallel scan.
//!
//! ```text
//!  fit:   tasks ─FitState::update─▶ states in task order ─merge─▶ transform.json (or a *.partial)
//!  merge: *.partial (shards 0..N) ─FitState::from_partial─▶ merge in shard order ─▶ transform.json
//!  apply: tasks ─Transformer::apply_with─▶ batches in task order ─▶ OUT.parquet | OUT.csv
//!                  └─StatsAccumulator::update (--stats)─▶ merge in task order ─▶ stats.json
//! ```
//!
//! `--on-error` covers both rows the reader rejects (the engine's policy) and
//! rows whose values do not fit an op (text in a numeric input): `fail` stops
//! at the first with its `file:line`; `skip` and `quarantine=PATH` leave them
//! out, counted by reason; `quarantine=PATH` writes both kinds to PATH, the
//! reader's rows first, each with `_tabx_source` (file:line) and `_tabx_reasons`.

use std::path::Path;

use anyhow::{Context, Result};
use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::UInt64Type;
use tabx_core::{PartialFile, TabxError, merge_partials};
use tabx_engine::{
    OnError, RejectedRows, ScanPlan, ScanReport, SourceOptions, append_to_quarantine, scan_merged, scan_ordered,
};
use tabx_schema::{StatsAccumulator, StatsOptions};
use tabx_transform::{
    Device, FitState, InvalidCounts, InvalidRow, InvalidRows, TransformSpec, Transformer, reasons_by_row,
};

use super::Outcome;
use crate::args::{DeviceArg, TransformApplyArgs, TransformCommand, TransformFitArgs, TransformMergeArgs};
use crate::output::{write_atomically, write_statistics};
use crate::settings::{output_format, shard_option, source_options};
use crate::typed_sink::{TaskEncoder, TypedSink};

pub fn transform(command: &TransformCommand, quiet: bool) -> Result<Outcome> {
    match command {
        TransformCommand::Fit(args) => fit(args, quiet),
        TransformCommand::Merge(args) => merge(args, quiet),
        TransformCommand::Apply(args) => apply(args, quiet),
    }
}

fn fit(args: &TransformFitArgs, quiet: bool) -> Result<Outcome> {
    let spec = TransformSpec::from_path(&args.spec).context("cannot use the spec")?;
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), args.partial)?;
    let shard = source.shard;
    let (state, report) = fit_inputs(&spec, &args.input.inputs, source)?;
    if args.partial {
        let shard = shard.expect("--partial sets a shard");
        state.to_partial(shard.index, shard.count, args.input.inputs.clone())?.write(&args.output)?;
        if !quiet {
            report_scan(&report, state.invalid());
            eprintln!(
                "wrote the partial fit of shard {}/{} ({} rows) to {}",
                shard.index,
                shard.count,
                state.rows(),
                args.output.display()
            );
        }
        return Ok(Outcome::Ok);
    }
    let artifact = state.finish()?;
    write_atomically(&args.output, artifact.to_json()?.as_bytes())?;
    if !quiet {
        report_scan(&report, state.invalid());
        eprintln!(
            "fitted {} outputs on {} rows; wrote {}",
            artifact.outputs.len(),
            artifact.rows - artifact.invalid_rows,
            args.output.display()
        );
    }
    Ok(Outcome::Ok)
}

/// The fit pass of `spec` over `inputs`: one [`FitState`] per task, merged in task order.
pub(crate) fn fit_inputs(
    spec: &TransformSpec,
    inputs: &[String],
    mut source: SourceOptions,
) -> Result<(FitState, ScanReport)> {
    source.row_source = true;
    let on_error = source.on_error.clone();
    // Invalid rows come back here, to be located and handled per --on-error.
    let empty = FitState::try_new(spec, InvalidRows::Skip)?;
    let plan = ScanPlan::try_new(inputs, source)?;
    let (merged, report) = scan_merged(
        &plan,
        |_| (empty.empty_like(), Rejects::default()),
        |(state, rejects), batch| rejects.record(batch, &state.update_rows(batch)?, &on_error),
        |(merged, all), (state, rejects)| {
            all.merge(rejects);
            merged.merge(&state)
        },
    )?;
    let (state, rejects) = merged.unwrap_or((empty, Rejects::default()));
    rejects.finish(&on_error)?;
    Ok((state, report))
}

fn merge(args: &TransformMergeArgs, quiet: bool) -> Result<Outcome> {
    merge_fits(super::merge::read_partials(&args.partials)?, &args.output, quiet)
}

/// The fitted transform of shards 0..N's partial fits (checked complete and
/// of one spec), merged in shard order, written to `output`.
pub(crate) fn merge_fits(parts: Vec<(String, PartialFile)>, output: &Path, quiet: bool) -> Result<Outcome> {
    let shards = parts.len();
    let state: FitState = merge_partials(parts)?;
    let artifact = state.finish()?;
    write_atomically(output, artifact.to_json()?.as_bytes())?;
    if !quiet {
        eprintln!(
            "merged {} shards: fitted {} outputs on {} rows; wrote {}",
            shards,
            artifact.outputs.len(),
            artifact.rows - artifact.invalid_rows,
            output.display()
        );
    }
    Ok(Outcome::Ok)
}

/// One task's transformed rows, encoded for the output file and waiting for
/// their turn to be written, and their statistics with `--stats` (computed in
/// the worker, merged in task order so the sketches are the same on every run).
#[derive(Debug)]
struct TaskRows {
    encoded: TaskEncoder,
    invalid: InvalidCounts,
    rejects: Rejects,
    stats: Option<StatsAccumulator>,
}

fn apply(args: &TransformApplyArgs, quiet: bool) -> Result<Outcome> {
    let device = match args.device {
        DeviceArg::Cpu => Device::Cpu,
        DeviceArg::Auto => Device::Auto,
    };
    let transformer = Transformer::load(&args.transform)
        .with_context(|| format!("cannot load the transform {}", args.transform.display()))?
        .with_device(device);
    let source = source_options(&args.input.read)?;
    let run = apply_inputs(&transformer, &args.input.inputs, source, &args.output, args.stats.as_deref())
        .with_context(|| format!("cannot apply {}", args.transform.display()))?;
    if !quiet {
        report_scan(&run.report, &run.invalid);
        eprintln!("wrote {} transformed rows to {}", run.written, args.output.display());
        if let Some(path) = &args.stats {
            eprintln!("wrote the statistics of the transformed rows to {}", path.display());
        }
    }
    Ok(Outcome::Ok)
}

/// What [`apply_inputs`] wrote and left out.
#[derive(Debug)]
pub(crate) struct ApplyRun {
    pub report: ScanReport,
    pub written: u64,
    pub invalid: InvalidCounts,
}

/// Transforms `inputs` into `output` (Parquet or CSV by extension), and
/// writes the statistics of the output rows to `stats` when given.
pub(crate) fn apply_inputs(
    transformer: &Transformer,
    inputs: &[String],
    mut source: SourceOptions,
    output: &Path,
    stats_path: Option<&Path>,
) -> Result<ApplyRun> {
    source.row_source = true;
    let on_error = source.on_error.clone();
    let plan = ScanPlan::try_new(inputs, source)?;
    // The fitted transform fixes every output type: workers encode, the file streams out.
    let mut sink = TypedSink::create(output, transformer.output_schema())?;
    let encoders = sink.encoders();
    let mut written = 0u64;
    let (mut invalid, mut rejects) = (InvalidCounts::default(), Rejects::default());
    let empty_stats = match stats_path {
        Some(_) => Some(StatsAccumulator::try_new(StatsOptions::default())?),
        None => None,
    };
    let mut stats: Option<StatsAccumulator> = None;
    let report = scan_ordered(
        &plan,
        |index| TaskRows {
            encoded: encoders.encoder(),
            invalid: InvalidCounts::default(),
            rejects: Rejects::default(),
            stats: empty_stats.clone().map(|s| s.for_partition(index)),
        },
        |task, batch| {
            let applied = transformer.apply_with(batch, InvalidRows::Skip)?;
            task.rejects.record(batch, &applied.invalid, &on_error)?;
            task.invalid.add(&applied.invalid);
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
    sink.finish().with_context(|| format!("cannot write {}", output.display()))?;
    rejects.finish(&on_error)?;
    if let (Some(path), Some(empty)) = (stats_path, empty_stats) {
        let statistics = stats.unwrap_or(empty).finish();
        write_statistics(&statistics, path, output_format(None, path))?;
    }
    Ok(ApplyRun { report, written, invalid })
}

/// What `--on-error` does with the rows an op could not take (their counts
/// are kept by whoever left them out: `FitState` in fit, the task in apply):
/// per task, then merged in task order; with `quarantine=PATH` they are
/// written to the quarantine file after the rows the reader rejected.
#[derive(Debug, Default)]
pub(crate) struct Rejects {
    parts: Vec<RejectedRows>,
}

impl Rejects {
    /// Handles the `invalid` rows of `batch` per `on_error`: `fail` stops at
    /// the first with its `file:line`; `skip` does nothing more; `quarantine` writes them.
    pub(crate) fn record(
        &mut self,
        batch: &RecordBatch,
        invalid: &[InvalidRow],
        on_error: &OnError,
    ) -> tabx_core::Result<()> {
        let Some(first) = invalid.first() else { return Ok(()) };
        match on_error {
            OnError::Fail => return Err(located(batch, first)),
            OnError::Skip => {}
            OnError::Quarantine(path) => {
                if self.parts.is_empty() {
                    self.parts.push(RejectedRows::create(path)?);
                }
                let part = self.parts.last_mut().expect("created above");
                for (row, reasons) in reasons_by_row(invalid) {
                    part.write(batch, row, &reasons)?;
                }
            }
        }
        Ok(())
    }

    /// Adds the rows of the next task.
    pub(crate) fn merge(&mut self, next: Rejects) {
        self.parts.extend(next.parts);
    }

    /// Writes the quarantined rows (after the scan wrote the reader's).
    pub(crate) fn finish(self, on_error: &OnError) -> tabx_core::Result<()> {
        match on_error {
            OnError::Quarantine(path) if !self.parts.is_empty() => append_to_quarantine(path, self.parts),
            _ => Ok(()),
        }
    }
}

/// The error for an invalid row, at the `file:line` the engine tagged it with.
fn located(batch: &RecordBatch, row: &InvalidRow) -> TabxError {
    let file = batch.column_by_name(SourceOptions::FILE_COLUMN).map(|c| c.as_string::<i32>().value(row.row));
    let line = batch.column_by_name(SourceOptions::LINE_COLUMN).map(|c| c.as_primitive::<UInt64Type>().value(row.row));
    let location = match (file, line) {
        (Some(f), Some(l)) => format!("{f}:{l}"),
        _ => format!("row {}", row.row + 1),
    };
    TabxError::invalid_input(location, &row.reason)
        .with_hint("use --on-error skip to leave such rows out (they are counted), or quarantine=PATH to keep them")
}

/// What the scan and the transform left out, and the warnings.
pub(crate) fn report_scan(report: &ScanReport, invalid: &InvalidCounts) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if report.rows_bad > 0 {
        let reasons: Vec<String> = report.bad_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!("{} rows could not be read and were left out ({})", report.rows_bad, reasons.join(", "));
    }
    if invalid.rows > 0 {
        let reasons: Vec<String> = invalid.by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!("{} rows had values their op cannot take and were left out ({})", invalid.rows, reasons.join(", "));
    }
    if let Some(path) = report.quarantine.as_ref().filter(|_| report.rows_bad + invalid.rows > 0) {
        eprintln!("the rows left out are in {}", path.display());
    }
}
