//! The scan floor: DataFusion reading every column of a CSV or Parquet file and
//! computing nothing, in as many partitions as there are cores.
//!
//! `scan_floor FILE` prints `rows=N seconds=S partitions=P`. `tabx stats` reads
//! through the same engine, so this is the time no statistics can beat: the
//! targets in issue 2 are stated as multiples of it.
//!
//! Every column is decoded: the plan is a plain `SELECT *` whose batches are
//! streamed per partition and dropped. (An aggregate such as `COUNT(col)` would
//! not do: DataFusion can answer it from Parquet metadata without reading pages.)

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};
use datafusion::arrow::datatypes::Schema;
use datafusion::prelude::{CsvReadOptions, ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use tabx_datasets::TaxiGenerator;

fn main() -> anyhow::Result<()> {
    let path = match std::env::args().nth(1) {
        Some(p) if p != "-h" && p != "--help" => p,
        _ => {
            println!("usage: scan_floor FILE.csv|FILE.parquet");
            return Ok(());
        }
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(cores).enable_all().build()?;
    let (rows, partitions, seconds) = runtime.block_on(scan(&path, cores))?;
    println!("rows={rows} seconds={seconds:.3} partitions={partitions}");
    Ok(())
}

async fn scan(path: &str, cores: usize) -> anyhow::Result<(usize, usize, f64)> {
    let ctx = SessionContext::new_with_config(SessionConfig::new().with_target_partitions(cores));
    let start = Instant::now();
    let df = if path.ends_with(".parquet") {
        ctx.read_parquet(path, ParquetReadOptions::default()).await?
    } else if path.ends_with(".csv") {
        // A taxi file gets the taxi schema: DataFusion infers types from the first
        // 1000 rows, where pickup_census_tract is empty, and inference is not
        // part of reading. Other files are inferred.
        let taxi = TaxiGenerator::schema();
        let options = CsvReadOptions::new().has_header(true);
        let options = if first_line(path)? == TaxiGenerator::csv_header() {
            options.schema(taxi.as_ref() as &Schema)
        } else {
            options
        };
        ctx.read_csv(path, options).await?
    } else {
        bail!("{path}: expected a .csv or .parquet file");
    };
    let streams = df.execute_stream_partitioned().await?;
    let partitions = streams.len();
    let tasks: Vec<_> = streams
        .into_iter()
        .map(|mut stream| {
            tokio::spawn(async move {
                let mut rows = 0;
                while let Some(batch) = stream.next().await {
                    rows += batch?.num_rows();
                }
                Ok::<_, datafusion::error::DataFusionError>(rows)
            })
        })
        .collect();
    let mut rows = 0;
    for task in tasks {
        rows += task.await??;
    }
    Ok((rows, partitions, start.elapsed().as_secs_f64()))
}

fn first_line(path: &str) -> anyhow::Result<String> {
    use std::io::BufRead;
    let file = std::fs::File::open(Path::new(path)).with_context(|| format!("{path}: cannot open"))?;
    let mut line = String::new();
    std::io::BufReader::new(file).read_line(&mut line)?;
    Ok(line.trim_end_matches(['\n', '\r']).to_string())
}
