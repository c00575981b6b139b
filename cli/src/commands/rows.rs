//! `tabx validate --rows`: every input row to exactly one of `--good` and
//! `--bad` (see [`tabx::validate_rows`]), and the accounting printed.

use anyhow::Result;
use tabx::{StatsOptions, StatsRun, validate_rows, validate_rows_with_stats};
use tabx_schema::Schema;

use crate::args::ValidateArgs;

/// Splits the inputs' rows, computing their statistics on the way when
/// `stats` asks for them (one pass); returns the number of bad rows and the
/// statistics.
pub fn split_rows(
    args: &ValidateArgs,
    schema: &Schema,
    stats: Option<&StatsOptions>,
    quiet: bool,
) -> Result<(u64, Option<StatsRun>)> {
    let (Some(good), Some(bad)) = (&args.good, &args.bad) else { anyhow::bail!("--rows needs --good and --bad") };
    let source = super::validate::unforced_source(args)?;
    let (good_local, bad_local) = (crate::remote::output(good)?, crate::remote::output(bad)?);
    let environment = args.environment.as_deref();
    let (report, run) = match stats {
        Some(options) => {
            let (report, run) =
                validate_rows_with_stats(&args.inputs, source, schema, environment, &good_local, &bad_local, options)?;
            (report, Some(run))
        }
        None => (validate_rows(&args.inputs, source, schema, environment, &good_local, &bad_local)?, None),
    };
    if !quiet {
        for warning in &report.warnings {
            eprintln!("warning: {warning}");
        }
        eprintln!(
            "rows: {} read = {} good + {} bad{}",
            report.rows_read,
            report.good,
            report.bad,
            if report.unreadable > 0 {
                format!(" + {} unreadable (--on-error)", report.unreadable)
            } else {
                String::new()
            }
        );
        let checks: Vec<String> = report.bad_by_check.iter().map(|(check, n)| format!("{n} {check}")).collect();
        if !checks.is_empty() {
            eprintln!("violations by check: {}", checks.join(", "));
        }
        eprintln!("good rows: {}; bad rows with _tabx_source and _tabx_reasons: {}", good.display(), bad.display());
    }
    Ok((report.bad, run))
}
