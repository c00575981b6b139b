//! `tabx datasets`: write the real taxi data or generated taxi-shaped data.

use anyhow::{Result, bail};

use super::Outcome;
use crate::args::{DatasetsCommand, TaxiArgs};
use crate::output::write_atomically;

pub fn datasets(command: &DatasetsCommand, quiet: bool) -> Result<Outcome> {
    match command {
        DatasetsCommand::Taxi(args) => taxi(args, quiet),
    }
}

fn taxi(args: &TaxiArgs, quiet: bool) -> Result<Outcome> {
    match args.rows {
        None => {
            if args.output.extension().and_then(|e| e.to_str()) != Some("csv") {
                bail!(
                    "the real taxi data is embedded as CSV: use an output ending in .csv, or pass --rows to generate"
                );
            }
            write_atomically(&args.output, tabx_datasets::TAXI_CSV)?;
        }
        Some(rows) => tabx_datasets::write_file(rows, args.seed, &args.output)?,
    }
    if !quiet {
        eprintln!("wrote {}", args.output.display());
    }
    Ok(Outcome::Ok)
}
