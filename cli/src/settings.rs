//! Resolved settings: clap arguments turned into the library crates' options.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tabx_engine::{ColumnType, Format, OnError, Shard, SourceOptions};
use tabx_schema::{ProtoFormat, Schema, SchemaType, StatsOptions};
use tabx_transform::Transformer;

use crate::args::{InputFormat, OutputFormat, ReadArgs, StatsArgs};

/// Source options from the input flags.
pub fn source_options(args: &ReadArgs) -> Result<SourceOptions> {
    let delimiter = match args.delimiter.as_str() {
        "\\t" | "tab" => b'\t',
        d if d.len() == 1 => d.as_bytes()[0],
        d => bail!("--delimiter must be one byte, got {d:?}"),
    };
    let on_error: OnError = args.on_error.parse().map_err(anyhow::Error::msg)?;
    let column_types = match &args.schema {
        Some(path) => schema_column_types(path)?,
        None => HashMap::new(),
    };
    Ok(SourceOptions {
        format: args.input_format.map(|f| match f {
            InputFormat::Csv => Format::Csv,
            InputFormat::Parquet => Format::Parquet,
            InputFormat::Ndjson => Format::Ndjson,
        }),
        delimiter,
        has_header: !args.no_header,
        on_error,
        column_types,
        infer_rows: args.infer_rows,
        threads: args.threads,
        min_split_bytes: args.split_bytes.map_or(SourceOptions::default().min_split_bytes, |b| b.clamp(1, 8 << 20)),
        max_split_bytes: args.split_bytes.unwrap_or(SourceOptions::default().max_split_bytes).max(1),
        newlines_in_values: !args.no_newlines_in_values,
        max_decompressed_bytes: args.max_decompressed_bytes,
        ..SourceOptions::default()
    })
}

/// Statistics options from the `stats` flags.
pub fn stats_options(args: &StatsArgs) -> Result<StatsOptions> {
    let categorical_columns = match &args.input.read.schema {
        Some(path) => read_schema(path)?.categorical_int_features(),
        None => Vec::new(),
    };
    Ok(StatsOptions {
        num_top_values: args.top_k,
        num_rank_histogram_buckets: args.rank_histogram_buckets,
        num_histogram_buckets: args.histogram_buckets,
        num_quantiles_histogram_buckets: args.quantiles_buckets,
        weight_column: args.weight.clone(),
        slices: args.slice.iter().map(|s| tabx_core::SliceSpec::parse(s)).collect::<tabx_core::Result<_>>()?,
        max_slices: args.max_slices,
        distinct_cap: args.distinct_cap,
        seed: args.seed,
        categorical_columns,
        ..StatsOptions::default()
    })
}

/// The shard `--shard I/N` names; with `--partial` and no `--shard`, the one shard 0/1.
pub fn shard_option(shard: Option<&str>, partial: bool) -> Result<Option<Shard>> {
    Ok(match shard {
        Some(text) => Some(parse_shard(text, std::env::var(COMPLETION_INDEX).ok().as_deref())?),
        None if partial => Some(Shard { index: 0, count: 1 }),
        None => None,
    })
}

/// The variable a Kubernetes Indexed Job sets to each pod's index.
pub const COMPLETION_INDEX: &str = "JOB_COMPLETION_INDEX";

/// `I/N`, or `auto/N` with I from `$JOB_COMPLETION_INDEX` (`index`): the one
/// container argument every pod of an Indexed Job (or `run-local.sh`) shares,
/// with no shell in the image to expand a variable.
fn parse_shard(text: &str, index: Option<&str>) -> Result<Shard> {
    let text = match text.strip_prefix("auto/") {
        Some(count) => {
            let index = index.with_context(|| {
                format!(
                    "--shard {text}: {COMPLETION_INDEX} is not set\nhint: auto/N takes the shard from the Indexed Job's \
                     {COMPLETION_INDEX}; outside Kubernetes write I/N, e.g. 0/{count}"
                )
            })?;
            format!("{index}/{count}")
        }
        None => text.to_string(),
    };
    text.parse::<Shard>().map_err(anyhow::Error::msg)
}

/// Where a row-writing command writes: OUT itself, or with `--shard I/N`
/// the file `OUT/part-I.parquet` under the folder (or URL prefix) OUT.
pub fn row_output(output: &Path, shard: Option<Shard>) -> PathBuf {
    match shard {
        Some(shard) => output.join(format!("part-{}.parquet", shard.index)),
        None => output.to_path_buf(),
    }
}

/// Loads the fitted transform (a file or a URL), naming it in errors.
pub fn load_transformer(path: &Path) -> Result<Transformer> {
    Transformer::load(crate::remote::fetch(path)?)
        .with_context(|| format!("cannot load the transform {}", path.display()))
}

/// Shard and sampling flags of `stats`, applied to the source options.
pub fn apply_sharding(args: &StatsArgs, source: &mut SourceOptions) -> Result<()> {
    source.shard = shard_option(args.shard.as_deref(), args.partial)?;
    if let Some(rate) = args.sample_rate {
        if !(rate > 0.0 && rate <= 1.0) {
            bail!("--sample-rate must be in (0, 1], got {rate}");
        }
        source.sample_rate = Some(rate);
    }
    source.seed = args.seed;
    Ok(())
}

/// The artifact format: the flag, else the output's extension, else JSON.
pub fn output_format(flag: Option<OutputFormat>, output: &Path) -> OutputFormat {
    flag.unwrap_or_else(|| match output.extension().and_then(|e| e.to_str()) {
        Some("pbtxt") | Some("txt") => OutputFormat::Pbtxt,
        Some("pb") | Some("binpb") => OutputFormat::Pb,
        _ => OutputFormat::Json,
    })
}

impl From<OutputFormat> for ProtoFormat {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Json => ProtoFormat::Json,
            OutputFormat::Pbtxt => ProtoFormat::Pbtxt,
            OutputFormat::Pb => ProtoFormat::Pb,
        }
    }
}

/// Reads a schema given on the command line, naming the file in errors.
pub fn read_schema(path: &Path) -> Result<Schema> {
    let local = crate::remote::fetch(path)?;
    Schema::read(&local).with_context(|| format!("cannot read schema {}", path.display()))
}

/// Column types from a TFDV schema: INT → Int, FLOAT → Float, BYTES → String.
fn schema_column_types(path: &Path) -> Result<HashMap<String, ColumnType>> {
    let schema = read_schema(path)?;
    let types = schema
        .feature
        .iter()
        .filter_map(|f| {
            let column_type = match f.feature_type? {
                SchemaType::Int => ColumnType::Int,
                SchemaType::Float => ColumnType::Float,
                SchemaType::Bytes => ColumnType::String,
                SchemaType::Struct | SchemaType::Unknown => return None,
            };
            Some((f.name.clone(), column_type))
        })
        .collect();
    Ok(types)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_shard_takes_the_completion_index() {
        assert_eq!(parse_shard("auto/4", Some("3")).unwrap(), Shard { index: 3, count: 4 });
        assert_eq!(parse_shard("1/2", None).unwrap(), Shard { index: 1, count: 2 });
        let e = format!("{:#}", parse_shard("auto/4", None).unwrap_err());
        assert!(e.contains("JOB_COMPLETION_INDEX is not set") && e.contains("0/4"), "{e}");
        // An index the Job gives beyond N is refused as any bad shard is.
        assert!(parse_shard("auto/4", Some("4")).is_err());
    }
}
