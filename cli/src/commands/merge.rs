//! `tabx merge`: the statistics of all shards from their partial states.

use anyhow::{Context, Result};
use tabx_schema::PartialStats;

use super::Outcome;
use crate::args::MergeArgs;
use crate::output::{print_out, write_statistics};
use crate::settings::output_format;
use crate::summary::feature_table;

pub fn merge(args: &MergeArgs, quiet: bool) -> Result<Outcome> {
    let mut parts = Vec::with_capacity(args.partials.len());
    for path in &args.partials {
        let part = PartialStats::read(path).with_context(|| format!("cannot read partial {}", path.display()))?;
        parts.push((path.display().to_string(), part));
    }
    let shards = parts.len();
    let merged = PartialStats::merge_all(parts)?;
    let statistics = merged.finish();
    write_statistics(&statistics, &args.output, output_format(args.format, &args.output))?;
    if !quiet {
        print_out(feature_table(&statistics.datasets[0]))?;
        eprintln!(
            "merged {shards} shards: statistics of {} examples written to {}",
            statistics.datasets[0].num_examples,
            args.output.display()
        );
    }
    Ok(Outcome::Ok)
}
