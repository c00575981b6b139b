//! `tabx merge`: one artifact from the partial states of all shards. The
//! files say what they hold (their header's kind, one per
//! [`PartialState`](tabx_core::PartialState) implementation): statistics
//! partials give `stats.json`, transform partials a fitted `transform.json`
//! (as `tabx transform merge` does), evaluation partials `eval.json`,
//! training partials `encoder.json` (round 1) or `model.json` (round 2).

use std::path::Path;

use anyhow::{Context, Result, bail};
use tabx_analyze::EvalState;
use tabx_core::{PartialFile, PartialState, merge_partials};
use tabx_model::{EncoderPartial, LinearPartial};
use tabx_schema::StatsAccumulator;
use tabx_transform::FitState;

use super::Outcome;
use crate::args::MergeArgs;
use crate::output::{print_out, write_statistics};
use crate::settings::output_format;
use crate::summary::feature_table;

pub fn merge(args: &MergeArgs, quiet: bool) -> Result<Outcome> {
    let parts = read_partials(&args.partials)?;
    let kind = parts.first().map(|(_, p)| p.header.kind.clone()).unwrap_or_default();
    if kind == EncoderPartial::KIND || kind == LinearPartial::KIND {
        if args.format.is_some() || args.blessing.is_some() {
            bail!("--format and --blessing are not for training partials: encoder.json and model.json are JSON");
        }
        return super::train::merge_training(parts, args.output.as_deref(), quiet);
    }
    if kind == FitState::KIND || kind == EvalState::KIND {
        if args.format.is_some() {
            bail!("--format is for statistics; a merged {kind} state is always written as JSON");
        }
        if kind == EvalState::KIND {
            return super::evaluate::merge_evaluations(parts, args.output.as_deref(), args.blessing.as_deref(), quiet);
        }
        let output = args.output.as_deref().unwrap_or(Path::new("transform.json"));
        return super::transform::merge_fits(parts, output, quiet);
    }
    if args.blessing.is_some() {
        bail!("--blessing is for evaluation partials (tabx evaluate --partial)");
    }
    let output = args.output.as_deref().unwrap_or(Path::new("stats.json"));
    let shards = parts.len();
    let merged: StatsAccumulator = merge_partials(parts)?;
    // A column numeric in some shards and STRING in others cannot be re-read
    // here (the data is with the pods): INT with FLOAT merges as FLOAT, any
    // other clash is an error.
    let clashing = merged.columns_to_rescan();
    if !clashing.is_empty() {
        bail!(
            "columns inferred as numbers in some shards and as STRING in others: {}\nhint: give every shard the same types with --schema SCHEMA (e.g. a TFDV schema.pbtxt)",
            clashing.join(", ")
        );
    }
    let statistics = StatsAccumulator::finish(&merged);
    crate::kfp::record_statistics(&statistics);
    write_statistics(&statistics, output, output_format(args.format, output))?;
    if !quiet {
        print_out(feature_table(&statistics.datasets[0]))?;
        eprintln!(
            "merged {shards} shards: statistics of {} examples written to {}",
            statistics.datasets[0].num_examples,
            output.display()
        );
    }
    Ok(Outcome::Ok)
}

/// Reads every partial file, named as given.
pub(crate) fn read_partials(paths: &[std::path::PathBuf]) -> Result<Vec<(String, PartialFile)>> {
    crate::remote::fetch_all(paths)?
        .into_iter()
        .map(|(name, local)| {
            let file = PartialFile::read(&local).with_context(|| format!("cannot read partial {name}"))?;
            Ok((name, file))
        })
        .collect()
}
