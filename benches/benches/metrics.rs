//! Criterion benches of the evaluation states in `tabx-analyze`: a
//! `MetricState` update (regression and binary) and a 16-way merge measured
//! apart, throughput in examples, inputs from the seeded taxi generator.
//!
//! Run: `cargo bench -p tabx-benches --bench metrics` (add `-- binary` to filter).
//! Labels are the generated `fare` (regression) and `tips > 0.2 · fare`
//! (binary); predictions are a fixed, seeded distortion of the label, so the
//! binary histogram fills many of its 10,000 buckets as real scores do.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::Float64Type;
use tabx_analyze::{MetricOptions, MetricState};
use tabx_core::{Mergeable, hash64};
use tabx_datasets::TaxiGenerator;

const SEED: u64 = 1;
const ROWS: u64 = 1 << 18;
/// Partials per merge bench: a 16-way shard merge.
const PARTS: usize = 16;

struct Examples {
    labels: Vec<f64>,
    predictions: Vec<f64>,
    weights: Vec<f64>,
}

/// A deterministic value in [0, 1) from a row index.
fn unit(row: usize) -> f64 {
    (hash64(&(row as u64).to_le_bytes()) >> 11) as f64 / (1u64 << 53) as f64
}

fn inputs() -> (Examples, Examples) {
    let batch: RecordBatch = TaxiGenerator::new(SEED).batches(ROWS, ROWS as usize).next().expect("ROWS > 0");
    let column = |name: &str| batch.column(batch.schema().index_of(name).expect("taxi column")).clone();
    let fare_col = column("fare");
    let tips_col = column("tips");
    let (fare, tips) = (fare_col.as_primitive::<Float64Type>(), tips_col.as_primitive::<Float64Type>());
    let (mut regression, mut binary) = (Vec::new(), Vec::new());
    for row in 0..batch.num_rows() {
        if fare.is_null(row) || tips.is_null(row) {
            continue;
        }
        let (f, t, u) = (fare.value(row), tips.value(row), unit(row));
        regression.push((f, f * (0.8 + 0.4 * u)));
        let label = if t > 0.2 * f { 1.0 } else { 0.0 };
        binary.push((label, (0.7 * label + 0.3 * u).clamp(0.0, 1.0)));
    }
    let split = |pairs: Vec<(f64, f64)>| Examples {
        weights: vec![1.0; pairs.len()],
        labels: pairs.iter().map(|p| p.0).collect(),
        predictions: pairs.iter().map(|p| p.1).collect(),
    };
    (split(regression), split(binary))
}

fn state_of(e: &Examples, range: std::ops::Range<usize>, options: &MetricOptions) -> MetricState {
    let mut s = MetricState::default();
    s.add(&e.labels[range.clone()], &e.predictions[range.clone()], &e.weights[range], options);
    s
}

fn bench_task(c: &mut Criterion, name: &str, e: &Examples) {
    let options = MetricOptions::default();
    let n = e.labels.len();
    let mut g = c.benchmark_group(format!("metric_state/{name}"));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("update", |b| b.iter(|| state_of(black_box(e), 0..n, &options)));
    let step = n.div_ceil(PARTS);
    let parts: Vec<MetricState> = (0..n).step_by(step).map(|s| state_of(e, s..(s + step).min(n), &options)).collect();
    g.bench_function("merge16", |b| {
        b.iter(|| {
            let mut merged = MetricState::default();
            for p in black_box(&parts) {
                merged.merge(p);
            }
            merged
        })
    });
    g.finish();
}

fn benches(c: &mut Criterion) {
    let (regression, binary) = inputs();
    bench_task(c, "regression", &regression);
    bench_task(c, "binary", &binary);
}

criterion_group!(metric_benches, benches);
criterion_main!(metric_benches);
