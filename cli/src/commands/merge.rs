//! `tabx merge`: one artifact from the partial states of all shards. The
//! files say what they hold: statistics partials give `stats.json`, transform
//! partials a fitted `transform.json` (as `tabx transform merge` does).

use std::path::Path;

use anyhow::{Context, Result, bail};
use tabx_core::PartialFile;
use tabx_schema::PartialStats;

use super::Outcome;
use crate::args::MergeArgs;
use crate::output::{print_out, write_statistics};
use crate::settings::output_format;
use crate::summary::feature_table;

pub fn merge(args: &MergeArgs, quiet: bool) -> Result<Outcome> {
    let parts = read_partials(&args.partials)?;
    if parts.first().is_some_and(|(_, p)| p.header.kind == tabx_transform::PARTIAL_KIND) {
        if args.format.is_some() {
            bail!("--format is for statistics; a merged transform is always transform.json");
        }
        let output = args.output.as_deref().unwrap_or(Path::new("transform.json"));
        return super::transform::merge_fits(parts, output, quiet);
    }
    let output = args.output.as_deref().unwrap_or(Path::new("stats.json"));
    let parts = parts
        .into_iter()
        .map(|(name, file)| Ok((name.clone(), PartialStats::from_file(&file, &name)?)))
        .collect::<Result<Vec<_>>>()?;
    let shards = parts.len();
    let merged = PartialStats::merge_all(parts)?;
    let statistics = merged.finish();
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
    paths
        .iter()
        .map(|path| {
            let file = PartialFile::read(path).with_context(|| format!("cannot read partial {}", path.display()))?;
            Ok((path.display().to_string(), file))
        })
        .collect()
}
