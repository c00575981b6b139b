//! The taxi data (15,002 rows, 18 columns) read every way the engine can:
//! CSV vs Parquet, partitioned, sharded, sampled, compressed, by glob and dir.

mod common;

use std::collections::HashMap;

use arrow::datatypes::DataType;
use common::{data_dir, rows, scan, taxi_csv, taxi_parquet};
use tabx_engine::{ColumnType, ScanPlan, Shard, SourceOptions};

const TAXI_ROWS: u64 = 15_002;

fn types_of(batches: &[arrow::array::RecordBatch]) -> HashMap<String, Vec<DataType>> {
    let mut out: HashMap<String, Vec<DataType>> = HashMap::new();
    for b in batches {
        for f in b.schema().fields() {
            let e = out.entry(f.name().clone()).or_default();
            if !e.contains(f.data_type()) {
                e.push(f.data_type().clone());
            }
        }
    }
    out
}

#[test]
fn csv_and_parquet_agree() {
    let (csv, csv_report, _) = scan(&[taxi_csv()], SourceOptions::default()).unwrap();
    let (pq, pq_report, _) = scan(&[taxi_parquet()], SourceOptions::default()).unwrap();
    assert_eq!((csv_report.rows_read, pq_report.rows_read), (TAXI_ROWS, TAXI_ROWS));
    assert_eq!(csv_report.rows_bad, 0);
    assert_eq!(csv[0].num_columns(), 18);
    // Types over every row: the census tract has one value (an 11-digit integer) mid-file.
    let t = &csv_report.column_types;
    assert_eq!(t["pickup_census_tract"], ColumnType::Int);
    assert_eq!(t["fare"], ColumnType::Float);
    assert_eq!(t["company"], ColumnType::String);
    assert_eq!(t["trip_start_hour"], ColumnType::Int);
    let pq_types = types_of(&pq);
    eprintln!("parquet types: {pq_types:?}");
    assert_eq!(pq_types["company"], vec![DataType::Utf8]);
    assert_eq!(pq_types["fare"], vec![DataType::Float64]);
    // The same values, row for row.
    let (mut a, mut b) = (rows(&csv), rows(&pq));
    assert_eq!(a.len(), b.len());
    assert_eq!(a[..3], b[..3]);
    a.sort();
    b.sort();
    assert!(a == b, "CSV and Parquet rows differ");
}

#[test]
fn partitioning_does_not_change_rows() {
    let mut baseline = None;
    for (threads, batch_size) in [(1, 8192), (2, 1000), (7, 333)] {
        let opts = SourceOptions { threads, batch_size, min_split_bytes: 1, ..Default::default() };
        let (batches, report, tasks) = scan(&[taxi_csv()], opts).unwrap();
        assert_eq!(tasks, threads, "one task per thread");
        assert_eq!(report.rows_read, TAXI_ROWS);
        assert_eq!(report.column_types["pickup_census_tract"], ColumnType::Int);
        let r = rows(&batches);
        match &baseline {
            None => baseline = Some(r),
            Some(b) => assert!(*b == r, "rows differ with {threads} tasks"),
        }
    }
}

/// Ranges never exceed `max_split_bytes`, whatever the thread count: one
/// thread reads the 1.9 MB file as 30 ranges of ≤ 64 KiB, with the same rows.
/// (A big file was once cut into at most `threads` ranges, each task holding
/// its share of the file's output until its turn.)
#[test]
fn ranges_are_bounded_in_size() {
    let (whole, _, _) = scan(&[taxi_csv()], SourceOptions { threads: 1, ..Default::default() }).unwrap();
    let opts = SourceOptions { threads: 1, max_split_bytes: 64 << 10, ..Default::default() };
    let plan = tabx_engine::ScanPlan::try_new(&[taxi_csv()], opts.clone()).unwrap();
    let size = std::fs::metadata(taxi_csv()).unwrap().len();
    assert_eq!(plan.tasks() as u64, size.div_ceil(64 << 10));
    let (batches, report, _) = scan(&[taxi_csv()], opts).unwrap();
    assert_eq!(report.rows_read, TAXI_ROWS);
    assert!(rows(&batches) == rows(&whole), "rows differ when cut in 64 KiB ranges");
}

#[test]
fn shards_cover_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    let csv = std::fs::read(taxi_csv()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let cut = csv[..200_000].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    std::io::Write::write_all(&mut gz, &csv[..cut]).unwrap();
    let gz_path = common::write(dir.path(), "head.csv.gz", gz.finish().unwrap());
    let inputs = vec![taxi_csv(), gz_path, taxi_parquet()];
    let opts = |shard| SourceOptions { shard, threads: 2, min_split_bytes: 100_000, ..Default::default() };
    let (all, report, _) = scan(&inputs, opts(None)).unwrap();
    let mut all = rows(&all);
    all.sort();
    assert!(report.rows_read > 2 * TAXI_ROWS);
    for n in [1, 2, 3, 8] {
        let mut union = Vec::new();
        for i in 0..n {
            let (b, r, _) = scan(&inputs, opts(Some(Shard::try_new(i, n).unwrap()))).unwrap();
            assert_eq!(r.rows_read as usize, b.iter().map(|b| b.num_rows()).sum::<usize>());
            union.extend(rows(&b));
        }
        union.sort();
        assert_eq!(union.len(), all.len(), "{n} shards");
        assert!(union == all, "{n} shards: rows differ");
    }
}

#[test]
fn sample_does_not_depend_on_partitioning() {
    let sample = |threads| {
        let opts =
            SourceOptions { threads, min_split_bytes: 1, sample_rate: Some(0.25), seed: 7, ..Default::default() };
        let (b, r, _) = scan(&[taxi_csv()], opts).unwrap();
        assert_eq!(r.rows_read + r.rows_sampled_out, TAXI_ROWS);
        rows(&b)
    };
    let one = sample(1);
    assert!(one == sample(5));
    let n = one.len() as f64 / TAXI_ROWS as f64;
    assert!((0.22..0.28).contains(&n), "kept {n}");
    let opts = SourceOptions { sample_rate: Some(0.25), seed: 7, ..Default::default() };
    let (b, _, _) = scan(&[taxi_parquet()], opts).unwrap();
    let n = b.iter().map(|b| b.num_rows()).sum::<usize>() as f64 / TAXI_ROWS as f64;
    assert!((0.22..0.28).contains(&n), "parquet kept {n}");
}

#[test]
fn gzip_zstd_glob_and_directory() {
    let dir = tempfile::tempdir().unwrap();
    let csv = std::fs::read(taxi_csv()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &csv).unwrap();
    common::write(dir.path(), "a.csv.gz", gz.finish().unwrap());
    common::write(dir.path(), "b.csv.zst", zstd::encode_all(&csv[..], 1).unwrap());
    let (baseline, _, _) = scan(&[taxi_csv()], SourceOptions::default()).unwrap();
    let baseline = rows(&baseline);
    for input in [format!("{}/*.csv.*", dir.path().display()), dir.path().display().to_string()] {
        let (b, report, tasks) = scan(&[input], SourceOptions::default()).unwrap();
        assert_eq!((report.files, tasks), (2, 2));
        assert_eq!(report.rows_read, 2 * TAXI_ROWS);
        let r = rows(&b);
        assert!(r[..TAXI_ROWS as usize] == baseline[..] && r[TAXI_ROWS as usize..] == baseline[..]);
    }
}

#[test]
fn projection_force_string_and_progress() {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let seen = std::sync::Arc::clone(&done);
    let opts = SourceOptions {
        projection: Some(vec!["tips".into(), "fare".into()]),
        force_string: ["fare".to_string()].into(),
        progress: Some(std::sync::Arc::new(move |n| {
            seen.fetch_max(n, std::sync::atomic::Ordering::Relaxed);
        })),
        ..Default::default()
    };
    for input in [taxi_csv(), taxi_parquet()] {
        let plan = ScanPlan::try_new(std::slice::from_ref(&input), opts.clone()).unwrap();
        let total = plan.total_bytes().unwrap();
        let (b, _, _) = scan(&[input], opts.clone()).unwrap();
        let schema = b[0].schema();
        let names: Vec<_> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(names, ["fare", "tips"]);
        assert_eq!(schema.field(0).data_type(), &DataType::Utf8);
        assert!(
            done.load(std::sync::atomic::Ordering::Relaxed)
                <= total + std::fs::metadata(data_dir().join("data.csv")).unwrap().len()
        );
    }
    assert!(done.load(std::sync::atomic::Ordering::Relaxed) > 0);
}
