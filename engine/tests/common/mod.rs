//! Helpers shared by the integration tests: scanning into a list of batches and
//! a canonical text form of rows, so that scans of the same data that differ
//! in partitioning or in numeric column types (INT in one task, FLOAT in
//! another) compare equal.
#![allow(dead_code)]

use std::path::PathBuf;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use tabx_engine::{ScanPlan, ScanReport, SourceOptions, scan_fold};

pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datasets/data")
}

pub fn taxi_csv() -> String {
    data_dir().join("data.csv").display().to_string()
}

pub fn taxi_parquet() -> String {
    data_dir().join("data.parquet").display().to_string()
}

/// All batches of a scan, in task order.
pub fn scan(inputs: &[String], options: SourceOptions) -> tabx_core::Result<(Vec<RecordBatch>, ScanReport, usize)> {
    let plan = ScanPlan::try_new(inputs, options)?;
    let tasks = plan.tasks();
    let (states, report) = scan_fold(
        &plan,
        |_| Vec::new(),
        |acc: &mut Vec<RecordBatch>, b| {
            acc.push(b.clone());
            Ok(())
        },
    )?;
    Ok((states.into_iter().flatten().collect(), report, tasks))
}

/// One value as text: numbers through f64 (so 5 and 5.0 agree), null as "".
fn cell(a: &dyn Array, i: usize) -> String {
    if a.data_type() == &DataType::Null || a.is_null(i) {
        return String::new();
    }
    match a.data_type() {
        DataType::Int64 => format!("{}", a.as_primitive::<Int64Type>().value(i) as f64),
        DataType::Float64 => format!("{}", a.as_primitive::<Float64Type>().value(i)),
        DataType::Utf8 => a.as_string::<i32>().value(i).to_string(),
        DataType::LargeUtf8 => a.as_string::<i64>().value(i).to_string(),
        DataType::Utf8View => a.as_string_view().value(i).to_string(),
        DataType::Binary => format!("{:?}", a.as_binary::<i32>().value(i)),
        other => panic!("unexpected type {other}"),
    }
}

/// Each row as `name=value|name=value…` with columns sorted by name.
pub fn rows(batches: &[RecordBatch]) -> Vec<String> {
    let mut out = Vec::new();
    for b in batches {
        let schema = b.schema();
        let mut cols: Vec<usize> = (0..b.num_columns()).collect();
        cols.sort_by_key(|&c| schema.field(c).name().clone());
        for r in 0..b.num_rows() {
            let parts: Vec<String> =
                cols.iter().map(|&c| format!("{}={}", schema.field(c).name(), cell(b.column(c).as_ref(), r))).collect();
            out.push(parts.join("|"));
        }
    }
    out
}

pub fn write(dir: &std::path::Path, name: &str, bytes: impl AsRef<[u8]>) -> String {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.display().to_string()
}
