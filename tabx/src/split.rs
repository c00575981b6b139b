//! TFX ExampleGen's deterministic hash split of the inputs into one file per
//! split ([`split`]; `tabx_engine::SplitConfig` holds the rule).
//!
//! ```text
//!  tasks ─SplitConfig::partition─▶ per split: rows in input order ─(task order)─▶ DIR/NAME.parquet | DIR/NAME.csv
//! ```
//!
//! A row's split depends on its values only, so every run, thread count and
//! shard puts it in the same split; the files keep the input's row order
//! (tasks are written in task order). Rows the reader rejects follow
//! `source.on_error` and are counted; the split itself rejects no row.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use tabx_core::{Result, TabxError};
use tabx_engine::{ScanPlan, ScanReport, Shard, SourceOptions, SplitConfig, scan_ordered, without_row_source};

use crate::blocking;
use crate::sink::Sink;

/// Where each split goes: `DIR/NAME.EXT`, or `DIR/NAME/part-I.EXT` for shard
/// I (`ext`: a row output's extension, `parquet`, `csv`, `jsonl.gz`, ...).
pub fn split_paths(config: &SplitConfig, dir: &Path, ext: &str, shard: Option<Shard>) -> Vec<PathBuf> {
    config
        .splits()
        .iter()
        .map(|s| match shard {
            Some(shard) => dir.join(&s.name).join(format!("part-{}.{ext}", shard.index)),
            None => dir.join(format!("{}.{ext}", s.name)),
        })
        .collect()
}

/// What [`split`] read and wrote.
#[derive(Debug)]
pub struct SplitRun {
    pub report: ScanReport,
    /// Rows written to each split, in the config's order.
    pub rows: Vec<u64>,
}

/// Splits `inputs` by `config` into `paths` (one per split; Parquet for
/// `.parquet`, else CSV), each in input order.
///
/// ```
/// use tabx::{SourceOptions, SplitConfig, split_paths};
/// let taxi = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");
/// let dir = tempfile::tempdir()?;
/// let config = SplitConfig::from_ratio("train=2,eval=1")?;
/// let paths = split_paths(&config, dir.path(), "parquet", None);
/// let run = tabx::split(&config, &[taxi.to_string()], SourceOptions::default(), &paths)?;
/// // engine/tests/reference/rows.py: TFX's hash split puts 10058 rows in train, 4944 in eval.
/// assert_eq!(run.rows, [10058, 4944]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn split(
    config: &SplitConfig,
    inputs: &[String],
    mut source: SourceOptions,
    paths: &[PathBuf],
) -> Result<SplitRun> {
    // Opened first: an unwritable folder fails before any reading.
    let mut sinks = config
        .splits()
        .iter()
        .zip(paths)
        .map(|(s, path)| {
            Sink::create(path).map_err(|e| TabxError::config(format!("cannot write the split `{}`: {e}", s.name)))
        })
        .collect::<Result<Vec<_>>>()?;
    // Row sources give a bad key value its file:line; they are not written.
    source.row_source = true;
    let plan = ScanPlan::try_new(inputs, source)?;
    let mut rows = vec![0u64; sinks.len()];
    let report = scan_ordered(
        &plan,
        |_| vec![Vec::<RecordBatch>::new(); config.splits().len()],
        |parts, batch| {
            for (part, piece) in parts.iter_mut().zip(config.partition(batch)?) {
                part.push(without_row_source(&piece)?);
            }
            Ok(())
        },
        |parts| {
            for ((sink, part), count) in sinks.iter_mut().zip(parts).zip(rows.iter_mut()) {
                for batch in part {
                    // Empty batches too: a split without rows still gets the columns.
                    sink.write(&batch)?;
                    *count += batch.num_rows() as u64;
                }
            }
            Ok(())
        },
    )?;
    for sink in sinks {
        sink.finish()?;
    }
    Ok(SplitRun { report, rows })
}

/// [`split`] from async code (on the caller's runtime's blocking pool).
pub async fn split_async(
    config: SplitConfig,
    inputs: Vec<String>,
    source: SourceOptions,
    paths: Vec<PathBuf>,
) -> Result<SplitRun> {
    blocking(move || split(&config, &inputs, source, &paths)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn taxi_csv() -> String {
        concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv").to_string()
    }

    /// data.csv read as one task, and cut into 4 byte ranges (one per thread
    /// once ranges may be as small as 64 KiB): the same files, byte for byte.
    #[test]
    fn many_ranges_and_threads_give_the_same_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = SplitConfig::from_ratio("train=2,eval=1").unwrap();
        let mut files = Vec::new();
        for (threads, min_split_bytes) in [(1, 64 << 10), (4, 64 << 10), (3, 8 << 20)] {
            for format in ["parquet", "csv"] {
                let out = dir.path().join(format!("{threads}-{min_split_bytes}"));
                let paths = split_paths(&config, &out, format, None);
                let source = SourceOptions { threads, min_split_bytes, ..SourceOptions::default() };
                let run = split(&config, &[taxi_csv()], source, &paths).unwrap();
                // engine/tests/reference/rows.py: 10058 train, 4944 eval.
                assert_eq!(run.rows, [10058, 4944]);
                files.push((format, paths.iter().map(|p| std::fs::read(p).unwrap()).collect::<Vec<_>>()));
            }
        }
        for (format, bytes) in &files[2..] {
            let first = &files.iter().find(|(f, _)| f == format).unwrap().1;
            assert!(bytes == first, "{format} output depends on the task layout");
        }
    }
}
