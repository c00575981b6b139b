//! `tabx schema infer | show | update | diff`.

use anyhow::{Context, Result, bail};
use tabx_schema::{DatasetFeatureStatistics, DatasetFeatureStatisticsList, InferOptions, ProtoMessage, infer_schema};
use tabx_validate::{Anomalies, ValidationOptions, update_schema};

use super::Outcome;
use crate::args::{SchemaCommand, SchemaDiffArgs, SchemaInferArgs, SchemaShowArgs, SchemaUpdateArgs};
use crate::output::{print_out, write_message};
use crate::schema_view::{schema_diff_table, schema_table};
use crate::settings::{output_format, read_schema};

pub fn schema(command: &SchemaCommand, quiet: bool) -> Result<Outcome> {
    match command {
        SchemaCommand::Infer(args) => infer(args, quiet),
        SchemaCommand::Show(args) => show(args),
        SchemaCommand::Update(args) => update(args, quiet),
        SchemaCommand::Diff(args) => diff(args),
    }
}

/// Reads statistics given on the command line; the dataset to use is the
/// whole one ("All Examples") when the file also holds slices.
pub fn read_stats(path: &std::path::Path) -> Result<DatasetFeatureStatistics> {
    let list = DatasetFeatureStatisticsList::read(&crate::remote::fetch(path)?)
        .with_context(|| format!("cannot read statistics {}", path.display()))?;
    match list.whole() {
        Some(dataset) => Ok(dataset.clone()),
        None => bail!(
            "{} holds no dataset statistics\nhint: compute them with `tabx stats DATA -o {}`",
            path.display(),
            path.display()
        ),
    }
}

fn infer(args: &SchemaInferArgs, quiet: bool) -> Result<Outcome> {
    let stats = read_stats(&args.stats)?;
    let options = InferOptions {
        max_string_domain_size: args.max_string_domain_size,
        infer_ranges: args.infer_ranges,
        infer_shape: args.infer_shape,
    };
    let schema = infer_schema(&stats, &options);
    write_message(ProtoMessage::Schema, &schema.to_json(), &args.output, output_format(args.format, &args.output))?;
    if !quiet {
        print_out(schema_table(&schema))?;
        eprintln!(
            "wrote a schema of {} ({}) inferred from {} to {}",
            crate::summary::count(schema.feature.len() as u64, "feature", "features"),
            crate::summary::count(schema.string_domain.len() as u64, "string domain", "string domains"),
            crate::summary::count(stats.num_examples, "example", "examples"),
            args.output.display()
        );
        eprintln!("review it: inference is best effort (TFDV's rules); `tabx schema show` prints it again");
    }
    Ok(Outcome::Ok)
}

fn show(args: &SchemaShowArgs) -> Result<Outcome> {
    let schema = read_schema(&args.schema)?;
    print_out(schema_table(&schema))?;
    for domain in &schema.string_domain {
        let name = domain.name.as_deref().unwrap_or("");
        print_out(format!("string domain '{name}': {}", domain.value.join(", ")))?;
    }
    Ok(Outcome::Ok)
}

fn update(args: &SchemaUpdateArgs, quiet: bool) -> Result<Outcome> {
    let schema = read_schema(&args.schema)?;
    let stats = read_stats(&args.stats)?;
    let flagged = match &args.anomalies {
        Some(path) => Some(
            Anomalies::read(&crate::remote::fetch(path)?)
                .with_context(|| format!("cannot read anomalies {}", path.display()))?,
        ),
        None => None,
    };
    let options = ValidationOptions { environment: args.environment.as_deref(), ..ValidationOptions::default() };
    let relaxed = update_schema(&stats, &schema, &options, flagged.as_ref());
    write_message(ProtoMessage::Schema, &relaxed.to_json(), &args.output, output_format(args.format, &args.output))?;
    if !quiet {
        match schema_diff_table(&schema, &relaxed) {
            Some(table) => print_out(table)?,
            None => eprintln!("the schema already accepts these statistics: nothing to relax"),
        }
        eprintln!("wrote the relaxed schema to {}", args.output.display());
    }
    Ok(Outcome::Ok)
}

fn diff(args: &SchemaDiffArgs) -> Result<Outcome> {
    let (left, right) = (read_schema(&args.left)?, read_schema(&args.right)?);
    match schema_diff_table(&left, &right) {
        Some(table) => {
            print_out(table)?;
            Ok(Outcome::Findings)
        }
        None => {
            print_out("the schemas agree on every feature")?;
            Ok(Outcome::Ok)
        }
    }
}
