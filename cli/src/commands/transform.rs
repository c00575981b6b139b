//! `tabx transform fit | merge | apply`: flags in, [`tabx::fit`] /
//! [`tabx::apply`] (which document `--on-error`), artifacts and a summary out.
//! `merge` folds shards' partial fits (`FitState::from_partial`) in shard order.

use std::path::Path;

use anyhow::{Context, Result};
use tabx_core::{PartialFile, merge_partials};
use tabx_engine::ScanReport;
use tabx_transform::{FitState, InvalidCounts, TransformSpec};

use super::Outcome;
use crate::args::{TransformApplyArgs, TransformCommand, TransformFitArgs, TransformMergeArgs};
use crate::output::{write_atomically, write_partial, write_statistics};
use crate::remote;
use crate::settings::{load_transformer, output_format, row_output, shard_option, source_options};
use crate::summary::count;

pub fn transform(command: &TransformCommand, quiet: bool) -> Result<Outcome> {
    match command {
        TransformCommand::Fit(args) => fit(args, quiet),
        TransformCommand::Merge(args) => merge(args, quiet),
        TransformCommand::Apply(args) => apply(args, quiet),
    }
}

fn fit(args: &TransformFitArgs, quiet: bool) -> Result<Outcome> {
    let spec = TransformSpec::from_path(&remote::fetch(&args.spec)?).context("cannot use the spec")?;
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), args.partial)?;
    let shard = source.shard;
    let tabx::FitRun { state, report } = tabx::fit_on(&spec, &args.input.inputs, source, args.device.into())?;
    if args.partial {
        let shard = shard.expect("--partial sets a shard");
        write_partial(&state.to_partial(shard.index, shard.count, args.input.inputs.clone())?, &args.output)?;
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
            "fitted {} on {}; wrote {}",
            count(artifact.outputs.len() as u64, "output", "outputs"),
            count(artifact.rows - artifact.invalid_rows, "row", "rows"),
            args.output.display()
        );
    }
    Ok(Outcome::Ok)
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
            "merged {} shards: fitted {} on {}; wrote {}",
            shards,
            count(artifact.outputs.len() as u64, "output", "outputs"),
            count(artifact.rows - artifact.invalid_rows, "row", "rows"),
            output.display()
        );
    }
    Ok(Outcome::Ok)
}

fn apply(args: &TransformApplyArgs, quiet: bool) -> Result<Outcome> {
    let transformer = load_transformer(&args.transform)?.with_device(args.device.into())?;
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), false)?;
    let output = row_output(&args.output, source.shard);
    let run = tabx::apply(&transformer, &args.input.inputs, source, &remote::output(&output)?, args.stats.is_some())
        .with_context(|| format!("cannot apply {}", args.transform.display()))?;
    if let (Some(path), Some(statistics)) = (&args.stats, &run.statistics) {
        write_statistics(statistics, path, output_format(None, path))?;
    }
    if !quiet {
        report_scan(&run.report, &run.invalid);
        eprintln!("wrote {} transformed rows to {}", run.written, output.display());
        if let Some(path) = &args.stats {
            eprintln!("wrote the statistics of the transformed rows to {}", path.display());
        }
    }
    Ok(Outcome::Ok)
}

/// What the scan and the transform left out, and the warnings.
pub(crate) fn report_scan(report: &ScanReport, invalid: &InvalidCounts) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if report.rows_bad > 0 {
        let reasons: Vec<String> = report.bad_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        let (rows, were) = (count(report.rows_bad, "row", "rows"), if report.rows_bad == 1 { "was" } else { "were" });
        eprintln!("{rows} could not be read and {were} left out ({})", reasons.join(", "));
    }
    if invalid.rows > 0 {
        let reasons: Vec<String> = invalid.by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        let (rows, were) = (count(invalid.rows, "row", "rows"), if invalid.rows == 1 { "was" } else { "were" });
        let their = if invalid.rows == 1 { "its" } else { "their" };
        eprintln!("{rows} had values {their} op cannot take and {were} left out ({})", reasons.join(", "));
    }
    if let Some(path) = report.quarantine.as_ref().filter(|_| report.rows_bad + invalid.rows > 0) {
        eprintln!("the rows left out are in {}", path.display());
    }
}
