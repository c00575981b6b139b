//! `tabx split`: TFX ExampleGen's deterministic hash split of the inputs into
//! one file per split (`tabx_engine::SplitConfig` holds the rule).
//!
//! ```text
//!  tasks ─SplitConfig::partition─▶ per split: rows in input order ─(task order)─▶ DIR/NAME.parquet | DIR/NAME.csv
//! ```
//!
//! A row's split depends on its values only, so every run, thread count and
//! shard puts it in the same split; the files keep the input's row order
//! (tasks are written in task order). Rows the reader rejects follow
//! `--on-error` and are counted; the split itself rejects no row.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use arrow::array::RecordBatch;
use tabx_engine::{ScanPlan, ScanReport, Shard, SourceOptions, SplitConfig, scan_ordered};

use super::Outcome;
use crate::args::{SplitArgs, SplitFormat};
use crate::output::print_out;
use crate::settings::{shard_option, source_options};
use crate::sink::Sink;

pub fn split(args: &SplitArgs, quiet: bool) -> Result<Outcome> {
    let mut config = SplitConfig::from_ratio(&args.ratio).context("invalid --ratio")?;
    if let Some(key) = &args.key {
        config = config.with_partition_feature(key);
    }
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), false)?;
    let paths = split_paths(&config, &args.output, args.format, source.shard);
    let run = split_inputs(&config, &args.input.inputs, source, &paths)?;
    if !quiet {
        print_out(summary(&config, &run, &paths))?;
        report_scan(&run.report);
    }
    Ok(Outcome::Ok)
}

/// Where each split goes: `DIR/NAME.EXT`, or `DIR/NAME/part-I.EXT` for shard I.
pub(crate) fn split_paths(config: &SplitConfig, dir: &Path, format: SplitFormat, shard: Option<Shard>) -> Vec<PathBuf> {
    let ext = match format {
        SplitFormat::Parquet => "parquet",
        SplitFormat::Csv => "csv",
    };
    config
        .splits()
        .iter()
        .map(|s| match shard {
            Some(shard) => dir.join(&s.name).join(format!("part-{}.{ext}", shard.index)),
            None => dir.join(format!("{}.{ext}", s.name)),
        })
        .collect()
}

/// What [`split_inputs`] read and wrote.
#[derive(Debug)]
pub(crate) struct SplitRun {
    pub report: ScanReport,
    /// Rows written to each split, in the config's order.
    pub rows: Vec<u64>,
}

/// Splits `inputs` by `config` into `paths` (one per split; Parquet for
/// `.parquet`, else CSV), each in input order.
pub(crate) fn split_inputs(
    config: &SplitConfig,
    inputs: &[String],
    mut source: SourceOptions,
    paths: &[PathBuf],
) -> Result<SplitRun> {
    // Opened first: an unwritable folder fails before any reading.
    let mut sinks = config
        .splits()
        .iter()
        .zip(paths)
        .map(|(s, path)| {
            Sink::create(path).with_context(|| format!("cannot write the split `{}` to {}", s.name, path.display()))
        })
        .collect::<Result<Vec<_>>>()?;
    // Row sources give a bad key value its file:line; they are not written.
    source.row_source = true;
    let plan = ScanPlan::try_new(inputs, source)?;
    let mut rows = vec![0u64; sinks.len()];
    let report = scan_ordered(
        &plan,
        |_| vec![Vec::<RecordBatch>::new(); config.splits().len()],
        |parts, batch| {
            for (part, piece) in parts.iter_mut().zip(config.partition(batch)?) {
                part.push(without_row_source(&piece)?);
            }
            Ok(())
        },
        |parts| {
            for ((sink, part), count) in sinks.iter_mut().zip(parts).zip(rows.iter_mut()) {
                for batch in part {
                    // Empty batches too: a split without rows still gets the columns.
                    sink.write(&batch)?;
                    *count += batch.num_rows() as u64;
                }
            }
            Ok(())
        },
    )?;
    for (sink, path) in sinks.into_iter().zip(paths) {
        sink.finish().with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(SplitRun { report, rows })
}

fn without_row_source(batch: &RecordBatch) -> tabx_core::Result<RecordBatch> {
    let schema = batch.schema();
    let keep: Vec<usize> = (0..schema.fields().len())
        .filter(|&i| {
            !matches!(schema.field(i).name().as_str(), SourceOptions::FILE_COLUMN | SourceOptions::LINE_COLUMN)
        })
        .collect();
    Ok(batch.project(&keep)?)
}

/// Rows and share of each split, and where it went.
fn summary(config: &SplitConfig, run: &SplitRun, paths: &[PathBuf]) -> String {
    let total: u64 = run.rows.iter().sum();
    let by = config.partition_feature_name().map_or("all its values".to_string(), |c| format!("`{c}`"));
    let mut out = format!(
        "split {total} rows by a hash of {by} into {} buckets ({})",
        config.total_buckets(),
        config.splits().iter().map(|s| format!("{}={}", s.name, s.hash_buckets)).collect::<Vec<_>>().join(",")
    );
    let width = config.splits().iter().map(|s| s.name.len()).max().unwrap_or(0);
    for ((s, rows), path) in config.splits().iter().zip(&run.rows).zip(paths) {
        let share = if total == 0 { 0.0 } else { *rows as f64 / total as f64 };
        let expected = s.hash_buckets as f64 / config.total_buckets() as f64;
        out.push_str(&format!(
            "\n  {:width$}  {rows:>10} rows  {:>6.2}% (buckets: {:.2}%)  {}",
            s.name,
            100.0 * share,
            100.0 * expected,
            path.display()
        ));
    }
    out
}

/// Warnings and the rows the reader left out.
fn report_scan(report: &ScanReport) {
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if report.rows_bad > 0 {
        let reasons: Vec<String> = report.bad_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!("{} rows could not be read and are in no split ({})", report.rows_bad, reasons.join(", "));
        if let Some(path) = &report.quarantine {
            eprintln!("the rows left out are in {}", path.display());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxi_csv() -> String {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv").to_string()
    }

    /// data.csv read as one task, and cut into 4 byte ranges (one per thread
    /// once ranges may be as small as 64 KiB): the same files, byte for byte.
    #[test]
    fn many_ranges_and_threads_give_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = SplitConfig::from_ratio("train=2,eval=1").unwrap();
        let mut files = Vec::new();
        for (threads, min_split_bytes) in [(1, 64 << 10), (4, 64 << 10), (3, 8 << 20)] {
            for format in [SplitFormat::Parquet, SplitFormat::Csv] {
                let out = dir.path().join(format!("{threads}-{min_split_bytes}"));
                let paths = split_paths(&config, &out, format, None);
                let source = SourceOptions { threads, min_split_bytes, ..SourceOptions::default() };
                let run = split_inputs(&config, &[taxi_csv()], source, &paths).unwrap();
                // engine/tests/reference/rows.py: 10058 train, 4944 eval.
                assert_eq!(run.rows, [10058, 4944]);
                files.push((format, paths.iter().map(|p| std::fs::read(p).unwrap()).collect::<Vec<_>>()));
            }
        }
        for (format, bytes) in &files[2..] {
            let first = &files.iter().find(|(f, _)| f == format).unwrap().1;
            assert!(bytes == first, "{format:?} output depends on the task layout");
        }
    }
}
