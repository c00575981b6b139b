//! `tabx validate --rows`: every input row to exactly one of `--good` and
//! `--bad` (see [`tabx::validate_rows`]), and the accounting printed.

use anyhow::Result;
use tabx_schema::Schema;

use crate::args::ValidateArgs;
use crate::settings::source_options;
use tabx::validate_rows;

/// Splits the inputs' rows; returns the number of bad rows.
pub fn split_rows(args: &ValidateArgs, schema: &Schema, quiet: bool) -> Result<u64> {
    let (Some(good), Some(bad)) = (&args.good, &args.bad) else { anyhow::bail!("--rows needs --good and --bad") };
    let mut source = source_options(&args.read)?;
    // Cells are checked against the schema's types, not forced into them.
    source.column_types.clear();
    let (good_local, bad_local) = (crate::remote::output(good)?, crate::remote::output(bad)?);
    let report = validate_rows(&args.inputs, source, schema, args.environment.as_deref(), &good_local, &bad_local)?;
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
    Ok(report.bad)
}
