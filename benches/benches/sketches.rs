//! Criterion benches of the sketches in `tabx-core`: update and merge measured
//! apart, throughput in elements, inputs from the seeded taxi generator.
//!
//! Run: `cargo bench -p tabx-benches --bench sketches` (add `-- kll` to filter).
//! Inputs are the generated taxi file's `fare` (a skewed f64 column with zeros),
//! `pickup_latitude` (every value in one binade),
//! `company` (few distinct strings, a third missing) and `trip_start_timestamp`
//! as text (many distinct values: pushes frequent items past its cap).

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int64Type};
use tabx_core::{ExactSum, ExactValues, FrequentItems, HyperLogLog, KllSketch, Mergeable, hash64, sort_f64};
use tabx_datasets::TaxiGenerator;

const SEED: u64 = 1;
const ROWS: u64 = 1 << 18;
/// Partials per merge bench: a 16-way shard merge.
const PARTS: usize = 16;
/// The distinct-value cap frequent items runs with in `tabx stats`' default.
const FREQ_CAP: usize = 10_000;

struct Inputs {
    fare: Vec<f64>,
    /// Coordinates: every value in one binade (ExactSum's block path).
    latitude: Vec<f64>,
    company: Vec<Vec<u8>>,
    timestamp: Vec<Vec<u8>>,
}

fn inputs() -> Inputs {
    let batch: RecordBatch = TaxiGenerator::new(SEED).batches(ROWS, ROWS as usize).next().expect("ROWS > 0");
    let column = |name: &str| batch.column(batch.schema().index_of(name).expect("taxi column")).clone();
    let fare = column("fare").as_primitive::<Float64Type>().iter().flatten().collect();
    let latitude = column("pickup_latitude").as_primitive::<Float64Type>().iter().flatten().collect();
    let company_col = column("company");
    let company = company_col.as_string::<i32>().iter().flatten().map(|s| s.as_bytes().to_vec()).collect();
    let ts_col = column("trip_start_timestamp");
    let ts = ts_col.as_primitive::<Int64Type>();
    assert_eq!(ts.null_count(), 0);
    let timestamp = ts.values().iter().map(|v| v.to_string().into_bytes()).collect();
    Inputs { fare, latitude, company, timestamp }
}

fn chunks<T>(xs: &[T]) -> impl Iterator<Item = &[T]> {
    xs.chunks(xs.len().div_ceil(PARTS))
}

fn bench_exact_sum(c: &mut Criterion, inp: &Inputs) {
    let mut g = c.benchmark_group("exact_sum");
    g.throughput(Throughput::Elements(inp.fare.len() as u64));
    g.bench_function("update/fare", |b| {
        b.iter(|| {
            let mut s = ExactSum::default();
            s.add_slice(black_box(&inp.fare));
            s
        })
    });
    g.bench_function("update/latitude", |b| {
        b.iter(|| {
            let mut s = ExactSum::default();
            s.add_slice(black_box(&inp.latitude));
            s
        })
    });
    let parts: Vec<ExactSum> = chunks(&inp.fare)
        .map(|c| {
            let mut s = ExactSum::default();
            s.add_slice(c);
            s
        })
        .collect();
    merge_bench(&mut g, &parts);
    g.finish();
}

fn bench_kll(c: &mut Criterion, inp: &Inputs) {
    let mut g = c.benchmark_group("kll");
    g.throughput(Throughput::Elements(inp.fare.len() as u64));
    g.bench_function("update_slice/fare", |b| {
        b.iter(|| {
            let mut s = KllSketch::default();
            s.update_slice(black_box(&inp.fare));
            s
        })
    });
    // One value at a time, for comparison with the batched path above.
    g.bench_function("update_each/fare", |b| {
        b.iter(|| {
            let mut s = KllSketch::default();
            for &x in black_box(&inp.fare) {
                s.update(x);
            }
            s
        })
    });
    let parts: Vec<KllSketch> = chunks(&inp.fare)
        .map(|c| {
            let mut s = KllSketch::default();
            s.update_slice(c);
            s
        })
        .collect();
    merge_bench(&mut g, &parts);
    g.finish();
}

/// Exact value counts, as `tabx stats` keeps them on a numeric column: per
/// 8,192-value batch, counted as it comes (`add/fare`) or sorted first, as
/// before the counts moved to a hash map (`sort_then_add/fare`). `fare` has a
/// few thousand distinct values (under the cap), so `tabx stats` builds no
/// KLL sketch for it; the sketch's update on sorted batches is the cost that saves.
fn bench_exact_values(c: &mut Criterion, inp: &Inputs) {
    let mut g = c.benchmark_group("exact_values");
    g.throughput(Throughput::Elements(inp.fare.len() as u64));
    let batches: Vec<Vec<f64>> = inp.fare.chunks(8192).map(<[f64]>::to_vec).collect();
    g.bench_function("add/fare", |b| {
        b.iter(|| {
            let mut s = ExactValues::default();
            for batch in black_box(&batches) {
                assert!(s.add(batch));
            }
            s
        })
    });
    g.bench_function("sort_then_add/fare", |b| {
        let mut batch = Vec::new();
        b.iter(|| {
            let mut s = ExactValues::default();
            for b in black_box(&batches) {
                batch.clone_from(b);
                sort_f64(&mut batch);
                assert!(s.add(&batch));
            }
            s
        })
    });
    let mut sorted = batches.clone();
    sorted.iter_mut().for_each(|batch| sort_f64(batch));
    g.bench_function("kll_update_slice/fare_sorted_batches", |b| {
        b.iter(|| {
            let mut s = KllSketch::default();
            for batch in black_box(&sorted) {
                s.update_slice(batch);
            }
            s
        })
    });
    // What `tabx stats` does with a column past the exact cap: each batch
    // compacted whole.
    g.bench_function("kll_update_sorted/fare_sorted_batches", |b| {
        let mut run = Vec::new();
        b.iter(|| {
            let mut s = KllSketch::default();
            for batch in black_box(&sorted) {
                run.clone_from(batch);
                s.update_sorted(&mut run);
            }
            s
        })
    });
    g.finish();
}

fn bench_hll(c: &mut Criterion, inp: &Inputs) {
    let mut g = c.benchmark_group("hll");
    g.throughput(Throughput::Elements(inp.timestamp.len() as u64));
    g.bench_function("hash64/timestamp_text", |b| {
        b.iter(|| black_box(&inp.timestamp).iter().fold(0u64, |acc, v| acc ^ hash64(v)))
    });
    let hashes: Vec<u64> = inp.timestamp.iter().map(|v| hash64(v)).collect();
    g.bench_function("insert_hash/timestamp_text", |b| {
        b.iter(|| {
            let mut s = HyperLogLog::default();
            for &h in black_box(&hashes) {
                s.insert_hash(h);
            }
            s
        })
    });
    let parts: Vec<HyperLogLog> = chunks(&hashes)
        .map(|c| {
            let mut s = HyperLogLog::default();
            c.iter().for_each(|&h| s.insert_hash(h));
            s
        })
        .collect();
    merge_bench(&mut g, &parts);
    g.finish();
}

fn bench_frequent(c: &mut Criterion, inp: &Inputs) {
    let mut g = c.benchmark_group("frequent_items");
    for (name, values) in [("company", &inp.company), ("timestamp_text", &inp.timestamp)] {
        g.throughput(Throughput::Elements(values.len() as u64));
        g.bench_function(format!("add/{name}"), |b| {
            b.iter(|| {
                let mut s = FrequentItems::new(FREQ_CAP);
                for v in black_box(values) {
                    s.add(v, 1.0);
                }
                s
            })
        });
    }
    // Merge the high-cardinality partials: the expensive case.
    let parts: Vec<FrequentItems> = chunks(&inp.timestamp)
        .map(|c| {
            let mut s = FrequentItems::new(FREQ_CAP);
            c.iter().for_each(|v| s.add(v, 1.0));
            s
        })
        .collect();
    merge_bench(&mut g, &parts);
    g.finish();
}

/// Folds `parts` into a clone of the first; the clone is set-up, not measured.
/// Throughput is in partials merged.
fn merge_bench<S: Mergeable + Clone>(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    parts: &[S],
) {
    g.throughput(Throughput::Elements(parts.len() as u64 - 1));
    g.bench_function(format!("merge/{}_partials", parts.len()), |b| {
        b.iter_batched(
            || parts[0].clone(),
            |mut acc| {
                for p in &parts[1..] {
                    acc.merge(black_box(p));
                }
                acc
            },
            BatchSize::SmallInput,
        )
    });
}

fn sketches(c: &mut Criterion) {
    let inp = inputs();
    bench_exact_sum(c, &inp);
    bench_kll(c, &inp);
    bench_exact_values(c, &inp);
    bench_hll(c, &inp);
    bench_frequent(c, &inp);
}

criterion_group!(benches, sketches);
criterion_main!(benches);
