//! Writes a generated taxi file: `gen_taxi --rows N --seed S -o FILE.csv|.csv.gz|.parquet`.
//!
//! The same as `tabx datasets taxi`, without building the CLI: the comparison
//! script uses it when the CLI has no such subcommand.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};

fn main() -> anyhow::Result<()> {
    let mut rows: u64 = 2_000_000;
    let mut seed: u64 = 1;
    let mut out: Option<PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().with_context(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--rows" => rows = value()?.replace('_', "").parse().context("--rows")?,
            "--seed" => seed = value()?.parse().context("--seed")?,
            "-o" | "--output" => out = Some(value()?.into()),
            "-h" | "--help" => {
                println!("usage: gen_taxi [--rows N (2000000)] [--seed S (1)] -o FILE.csv|.csv.gz|.parquet");
                return Ok(());
            }
            other => bail!("unknown argument {other}\nhint: gen_taxi --help"),
        }
    }
    let out = out.context("missing -o FILE\nhint: gen_taxi --help")?;
    let start = Instant::now();
    tabx_datasets::write_file(rows, seed, &out)?;
    eprintln!("wrote {rows} rows to {} in {:.1} s", out.display(), start.elapsed().as_secs_f64());
    Ok(())
}
