//! `tabx stats`: statistics of the inputs, or one shard's partial state.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use tabx::{StatsRun, compute_stats_with};
use tabx_core::PartialFile;

use super::Outcome;
use crate::args::StatsArgs;
use crate::output::{print_out, write_partial, write_statistics};
use crate::settings::{apply_sharding, output_format, source_options, stats_options};
use crate::summary::feature_table;

pub fn stats(args: &StatsArgs, quiet: bool) -> Result<Outcome> {
    let mut source = source_options(&args.input.read)?;
    apply_sharding(args, &mut source)?;
    let options = stats_options(args)?;
    let bar = progress_bar(quiet);
    if let Some(bar) = &bar {
        let bar = bar.clone();
        source.progress = Some(Arc::new(move |bytes| bar.inc(bytes)));
    }
    let run = compute_stats_with(&args.input.inputs, source.clone(), &options, |plan| {
        if let (Some(bar), Some(total)) = (&bar, plan.total_bytes()) {
            bar.set_length(total);
        }
    })?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    if args.partial {
        let shard = source.shard.expect("--partial always sets a shard");
        let file = PartialFile::of_state(&run.state, shard.index, shard.count, args.input.inputs.clone())?;
        write_partial(&file, &args.output)?;
        if !quiet {
            report_scan(&run);
            eprintln!(
                "wrote partial state of shard {}/{} ({} examples) to {}",
                shard.index,
                shard.count,
                run.state.num_examples(),
                args.output.display()
            );
        }
        return Ok(Outcome::Ok);
    }
    let statistics = run.state.finish();
    crate::kfp::record_statistics(&statistics);
    write_statistics(&statistics, &args.output, output_format(args.format, &args.output))?;
    if !quiet {
        print_out(feature_table(&statistics.datasets[0]))?;
        report_scan(&run);
        if statistics.datasets.len() > 1 {
            eprintln!(
                "{} slices by `{}`",
                statistics.datasets.len() - 1,
                options.slices.iter().map(ToString::to_string).collect::<Vec<_>>().join("`, `")
            );
        }
        let examples = crate::summary::count(statistics.datasets[0].num_examples, "example", "examples");
        eprintln!("wrote statistics of {examples} to {}", args.output.display());
    }
    Ok(Outcome::Ok)
}

/// Warnings, bad-row counts and rescans: everything the user must know besides the numbers.
pub fn report_scan(run: &StatsRun) {
    let report = &run.report;
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    if report.rows_bad > 0 {
        let reasons: Vec<String> = report.bad_by_reason.iter().map(|(r, n)| format!("{n} {r}")).collect();
        eprintln!(
            "{} of {} rows could not be read and are not in the statistics ({})",
            report.rows_bad,
            report.rows_read + report.rows_bad,
            reasons.join(", ")
        );
        if let Some(path) = &report.quarantine {
            eprintln!("bad rows with their reasons: {}", path.display());
        }
    }
    if !run.rescanned.is_empty() {
        eprintln!("re-read as STRING (numbers first, text later): {}", run.rescanned.join(", "));
    }
    if run.state.rows_beyond_max_slices() > 0 {
        eprintln!(
            "warning: {} examples fell in slices beyond --max-slices {} and count only in \"All Examples\"",
            run.state.rows_beyond_max_slices(),
            run.state.options().max_slices
        );
    }
}

fn progress_bar(quiet: bool) -> Option<ProgressBar> {
    if quiet || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(0);
    bar.set_style(
        ProgressStyle::with_template("{spinner} {bytes}/{total_bytes} {bar:30} {bytes_per_sec} eta {eta}")
            .expect("valid template"),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}
