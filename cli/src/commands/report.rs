//! `tabx report`: reads the artifacts given, renders the page
//! (`tabx_report::render`) and writes it atomically.

use std::path::Path;

use anyhow::{Context, Result, bail};
use tabx_analyze::EvalResult;
use tabx_report::ReportInputs;
use tabx_schema::DatasetFeatureStatisticsList;
use tabx_transform::TransformArtifact;
use tabx_validate::Anomalies;

use super::Outcome;
use crate::args::ReportArgs;
use crate::output::write_atomically;
use crate::remote::fetch;
use crate::settings::read_schema;

pub fn report(args: &ReportArgs, quiet: bool) -> Result<Outcome> {
    let bytes = write_report(args)?;
    if !quiet {
        eprintln!("wrote {} ({} KiB): open it in a browser", args.output.display(), bytes.div_ceil(1024));
    }
    Ok(Outcome::Ok)
}

/// Reads the artifacts `args` names and writes the page; returns its size in bytes.
pub(crate) fn write_report(args: &ReportArgs) -> Result<usize> {
    let inputs = read_inputs(args)?;
    if inputs.stats.is_empty()
        && inputs.schema.is_none()
        && inputs.anomalies.is_none()
        && inputs.transform.is_none()
        && inputs.evals.is_empty()
    {
        bail!("nothing to report: give at least one of --stats, --schema, --anomalies, --transform, --eval");
    }
    let page = tabx_report::render(&inputs)?;
    write_atomically(&args.output, page.as_bytes())?;
    Ok(page.len())
}

fn read_inputs(args: &ReportArgs) -> Result<ReportInputs> {
    let named = |p: &Path| p.display().to_string();
    let stats = |p: &Path| -> Result<(String, DatasetFeatureStatisticsList)> {
        Ok((
            named(p),
            DatasetFeatureStatisticsList::read(&fetch(p)?)
                .with_context(|| format!("cannot read statistics {}", p.display()))?,
        ))
    };
    Ok(ReportInputs {
        title: args.title.clone(),
        stats: args.stats.iter().map(|p| stats(p)).collect::<Result<_>>()?,
        baseline: args.baseline.as_deref().map(stats).transpose()?,
        schema: args.schema.as_deref().map(|p| Ok::<_, anyhow::Error>((named(p), read_schema(p)?))).transpose()?,
        anomalies: args
            .anomalies
            .as_deref()
            .map(|p| {
                Ok::<_, anyhow::Error>((
                    named(p),
                    Anomalies::read(&fetch(p)?).with_context(|| format!("cannot read anomalies {}", p.display()))?,
                ))
            })
            .transpose()?,
        transform: args
            .transform
            .as_deref()
            .map(|p| Ok::<_, anyhow::Error>((named(p), TransformArtifact::load(fetch(p)?)?)))
            .transpose()?,
        evals: args.evals.iter().map(|p| Ok((named(p), EvalResult::load(fetch(p)?)?))).collect::<Result<_>>()?,
    })
}
