//! Criterion bench of the CSV reader in `tabx-engine`: one thread scanning
//! a generated taxi file (plain lines: split 16 bytes a step, borrowed) and
//! the same rows with every field quoted (csv-core's byte-at-a-time path),
//! throughput in bytes. The rows are typed and built into Arrow batches, as
//! every command reads them.
//!
//! Run: `cargo bench -p tabx-benches --bench csv`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use tabx_datasets::TaxiGenerator;
use tabx_engine::{ScanPlan, SourceOptions, scan_merged};

const ROWS: u64 = 1 << 16;

/// Rows read by one thread scanning `path`.
fn scan(path: &Path) -> usize {
    let options = SourceOptions { threads: 1, ..Default::default() };
    let plan = ScanPlan::try_new(&[path.display().to_string()], options).expect("a plan");
    let (rows, _) = scan_merged(
        &plan,
        |_| 0usize,
        |n, batch| {
            *n += batch.num_rows();
            Ok(())
        },
        |a, b| {
            *a += b;
            Ok(())
        },
    )
    .expect("a scan");
    rows.unwrap_or(0)
}

fn bench_csv(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut text = Vec::new();
    TaxiGenerator::new(1).write_csv(ROWS, &mut text).expect("taxi rows");
    let quoted: String = String::from_utf8(text.clone())
        .expect("UTF-8")
        .lines()
        .map(|line| format!("\"{}\"\n", line.replace(',', "\",\"")))
        .collect();
    let mut g = c.benchmark_group("csv_scan");
    for (name, bytes) in [("plain", text), ("quoted", quoted.into_bytes())] {
        let path = dir.path().join(format!("{name}.csv"));
        std::fs::write(&path, &bytes).expect("write the file");
        assert_eq!(scan(&path), ROWS as usize, "{name}");
        g.throughput(Throughput::Bytes(bytes.len() as u64));
        g.bench_function(name, |b| b.iter(|| scan(black_box(&path))));
    }
    g.finish();
}

criterion_group!(benches, bench_csv);
criterion_main!(benches);
