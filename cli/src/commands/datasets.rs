//! `tabx datasets`: write the real taxi data or generated taxi-shaped data.

use anyhow::{Result, bail};
use tabx_datasets::{TaxiFaults, TaxiGenerator};

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
            if !args.inject.is_empty() {
                bail!("--inject needs --rows: faults go into generated rows, not the real data");
            }
            if args.output.extension().and_then(|e| e.to_str()) != Some("csv") {
                bail!(
                    "the real taxi data is embedded as CSV: use an output ending in .csv, or pass --rows to generate"
                );
            }
            write_atomically(&args.output, tabx_datasets::TAXI_CSV)?;
        }
        Some(rows) => {
            let faults: TaxiFaults = args.inject.iter().cloned().collect();
            let output = crate::remote::output(&args.output)?;
            TaxiGenerator::new(args.seed).with_faults(faults)?.write_file(rows, &output)?;
        }
    }
    if !quiet {
        match args.inject.iter().map(ToString::to_string).collect::<Vec<_>>() {
            faults if faults.is_empty() => eprintln!("wrote {}", args.output.display()),
            faults => eprintln!("wrote {} with faults {}", args.output.display(), faults.join(", ")),
        }
    }
    Ok(Outcome::Ok)
}
