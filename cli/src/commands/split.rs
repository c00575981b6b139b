//! `tabx split`: flags in, [`tabx::split`] (TFX ExampleGen's hash split), a
//! summary of the rows per split out.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use tabx::{SplitRun, split_paths};
use tabx_engine::{ScanReport, SplitConfig};

use super::Outcome;
use crate::args::SplitArgs;
use crate::output::print_out;
use crate::settings::{shard_option, source_options};
use crate::summary::count;

pub fn split(args: &SplitArgs, quiet: bool) -> Result<Outcome> {
    let mut config = SplitConfig::from_ratio(&args.ratio).context("invalid --ratio")?;
    if let Some(key) = &args.key {
        config = config.with_partition_feature(key);
    }
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), false)?;
    // The format's name is the files' extension (`tabx_core::row_format` reads it back).
    let ext = args.format.to_possible_value().map(|v| v.get_name().to_string()).unwrap_or_default();
    let paths = split_paths(&config, &args.output, &ext, source.shard);
    let local: Vec<PathBuf> = paths.iter().map(|p| crate::remote::output(p)).collect::<Result<_>>()?;
    let run = tabx::split(&config, &args.input.inputs, source, &local)?;
    if !quiet {
        print_out(summary(&config, &run, &paths))?;
        report_scan(&run.report);
    }
    Ok(Outcome::Ok)
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
        let (rows, are) = (count(report.rows_bad, "row", "rows"), if report.rows_bad == 1 { "is" } else { "are" });
        eprintln!("{rows} could not be read and {are} in no split ({})", reasons.join(", "));
        if let Some(path) = &report.quarantine {
            eprintln!("the rows left out are in {}", path.display());
        }
    }
}
