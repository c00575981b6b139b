//! `tabx predict`: flags in, [`tabx::predict`] (TFX's serving path in
//! batch), a summary out. With `--shard I/N` only that shard is read and OUT
//! is a folder: `OUT/part-I.parquet` (row outputs are not merged).

use anyhow::{Context, Result};
use tabx::PredictColumns;
use tabx_model::Model;

use super::Outcome;
use super::transform::report_scan;
use crate::args::PredictArgs;
use crate::remote;
use crate::settings::{load_transformer, row_output, shard_option, source_options};
use crate::summary::count;

pub fn predict(args: &PredictArgs, quiet: bool) -> Result<Outcome> {
    let transformer = load_transformer(&args.transform)?;
    let model = Model::load(remote::fetch(&args.model)?)
        .with_context(|| format!("cannot load the model {}", args.model.display()))?;
    let mut source = source_options(&args.input.read)?;
    source.shard = shard_option(args.shard.as_deref(), false)?;
    let output = row_output(&args.output, source.shard);
    let columns = PredictColumns { prediction: args.column.clone(), with_outputs: args.with_output.clone() };
    let all = tabx::predict(&transformer, &model, &args.input.inputs, source, &remote::output(&output)?, &columns)
        .with_context(|| format!("cannot predict with {}", args.transform.display()))?;
    if !quiet {
        report_scan(&all.report, &all.invalid);
        let unscored: u64 = all.unscored.values().sum();
        if unscored > 0 {
            let reasons: Vec<String> = all.unscored.iter().map(|(r, n)| format!("{n} {r}")).collect();
            let (rows, have) = (count(unscored, "row", "rows"), if unscored == 1 { "has" } else { "have" });
            eprintln!("{rows} {have} no prediction ({})", reasons.join(", "));
        }
        eprintln!("wrote {} with `{}` to {}", count(all.rows, "row", "rows"), args.column, output.display());
    }
    Ok(Outcome::Ok)
}
