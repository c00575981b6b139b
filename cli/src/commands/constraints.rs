//! `tabx validate --constraints`: custom SQL checks (DataFusion, feature
//! `sql`), reported as `CUSTOM_VALIDATION` dataset anomalies.

use std::path::Path;

use anyhow::Result;
use tabx_validate::Finding;

use crate::args::ValidateArgs;

/// Runs the constraints in `path` over the inputs; one finding per failed constraint.
#[cfg(feature = "sql")]
pub fn check(path: &Path, args: &ValidateArgs, quiet: bool) -> Result<Vec<Finding>> {
    use anyhow::Context;
    use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
    use tabx_validate::{AnomalyType, ConstraintSet, check_constraints};

    let set = ConstraintSet::from_yaml_file(&crate::remote::fetch(path)?)
        .with_context(|| format!("cannot read constraints {}", path.display()))?;
    let mut source = crate::settings::source_options(&args.read)?;
    source.column_types.clear();
    let outcomes = check_constraints(&set, &args.inputs, &source, args.sample_violations)?;
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["constraint", "kind", "check", "rows", "violations", "value", "result"]);
    let mut findings = Vec::new();
    for o in &outcomes {
        let kind = serde_json::to_value(o.kind)?.as_str().unwrap_or_default().to_string();
        table.add_row([
            o.name.clone(),
            kind.clone(),
            o.expression.clone(),
            o.rows_checked.to_string(),
            o.violations.to_string(),
            o.value.clone().unwrap_or_default(),
            if o.passed { "pass".into() } else { "FAIL".into() },
        ]);
        if o.passed {
            continue;
        }
        let mut long = match o.kind {
            tabx_validate::ConstraintKind::Dataset => {
                format!("`{}` is not true ({}).", o.expression, o.value.as_deref().unwrap_or("no value"))
            }
            _ => format!("`{}` failed for {} of {} rows.", o.expression, o.violations, o.rows_checked),
        };
        if !o.samples.is_empty() {
            let samples: Vec<String> =
                o.samples.iter().map(|s| serde_json::Value::Object(s.clone()).to_string()).collect();
            long.push_str(&format!(" Examples: {}", samples.join(", ")));
        }
        findings.push(Finding::new(
            AnomalyType::CustomValidation,
            format!("Custom constraint {} ({kind}) failed", o.name),
            long,
        ));
    }
    if !quiet {
        crate::output::print_out(table)?;
    }
    Ok(findings)
}

/// Without the `sql` feature there is no DataFusion to run the constraints.
#[cfg(not(feature = "sql"))]
pub fn check(path: &Path, _args: &ValidateArgs, _quiet: bool) -> Result<Vec<Finding>> {
    Err(tabx_core::TabxError::NotCompiled {
        feature: "sql",
        message: format!("custom constraints ({}) need DataFusion", path.display()),
    }
    .with_hint("build tabx with `cargo build --release --features sql`")
    .into())
}
