//! Determinism: the same rows give the same artifacts however they are read.
//! Seeded random configurations of batch size (50 to 20,000 rows), threads
//! (1 to 8), CSV byte ranges (4 KiB to 32 MiB) and shards (1 to 16, so some
//! are empty: the Parquet file is one row group), with each shard's partial
//! written, read back and merged in a shuffled order. Statistics come out
//! identical to the byte (every taxi column is exact, sketches included:
//! exact quantiles, exact top values, HyperLogLog registers); a transform
//! fit's exact analyzers are bit-identical and its quantile boundaries within
//! the sketch's rank bound; a transform's output rows are byte-identical.

use arrow::array::AsArray;
use tabx::{FitState, SourceOptions, StatsAccumulator, StatsOptions, TransformSpec, Transformer};
use tabx_core::{PartialFile, PartialState, SplitMix64, merge_partials};
use tabx_engine::Shard;

/// A uniform draw in `lo..=hi`.
fn range(rng: &mut SplitMix64, lo: u64, hi: u64) -> u64 {
    lo + rng.below((hi - lo + 1) as usize) as u64
}

fn taxi(name: &str) -> String {
    format!("{}/../datasets/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A random way to read the data, and its shard count.
fn random_source(rng: &mut SplitMix64) -> (SourceOptions, usize) {
    let source = SourceOptions {
        batch_size: range(rng, 50, 20_000) as usize,
        threads: range(rng, 1, 8) as usize,
        min_split_bytes: 1,
        max_split_bytes: 1 << range(rng, 12, 25),
        ..SourceOptions::default()
    };
    (source, range(rng, 1, 16) as usize)
}

/// Every shard's state through its partial file, merged in a shuffled order.
fn sharded<S: PartialState>(shards: usize, rng: &mut SplitMix64, run: impl Fn(Option<Shard>) -> S) -> S {
    let mut parts: Vec<(String, PartialFile)> = (0..shards)
        .map(|index| {
            let state = run((shards > 1).then_some(Shard { index, count: shards }));
            (format!("part-{index}"), PartialFile::of_state(&state, index, shards, vec![]).unwrap())
        })
        .collect();
    for i in (1..parts.len()).rev() {
        parts.swap(i, rng.below(i + 1));
    }
    merge_partials(parts).unwrap()
}

#[test]
fn statistics_are_identical_however_the_input_is_read() {
    let mut rng = SplitMix64::new(0xde7e_0001);
    for file in ["data.csv", "data.parquet"] {
        let input = [taxi(file)];
        let one = tabx::compute_stats(&input, SourceOptions::default(), &StatsOptions::default()).unwrap();
        let expected = serde_json::to_string(&StatsAccumulator::finish(&one.state)).unwrap();
        for _ in 0..8 {
            let (source, shards) = random_source(&mut rng);
            let what = format!("{file}: {shards} shards, {source:?}");
            let merged: StatsAccumulator = sharded(shards, &mut rng, |shard| {
                let source = SourceOptions { shard, ..source.clone() };
                tabx::compute_stats(&input, source, &StatsOptions::default()).unwrap().state
            });
            assert!(
                serde_json::to_string(&StatsAccumulator::finish(&merged)).unwrap() == expected,
                "statistics differ: {what}"
            );
        }
    }
}

const SPEC: &str = "outputs:
  - {name: fare_z, op: scale_to_z_score, inputs: [fare]}
  - {name: miles_01, op: scale_to_0_1, inputs: [trip_miles]}
  - {name: company_id, op: compute_and_apply_vocabulary, inputs: [company], fill: '', num_oov_buckets: 1}
  - {name: tips_filled, op: fill_missing, inputs: [tips], strategy: mean}
  - {name: lat_bucket, op: bucketize, inputs: [pickup_latitude], num_buckets: 8, fill: 0}
passthrough: [trip_start_hour]
";

#[test]
fn transform_fits_and_outputs_do_not_depend_on_how_the_input_is_read() {
    let mut rng = SplitMix64::new(0xde7e_0002);
    let spec = TransformSpec::from_yaml(SPEC).unwrap();
    let input = [taxi("data.csv")];
    let whole = tabx::fit(&spec, &input, SourceOptions::default()).unwrap().state.finish().unwrap();
    let latitudes = sorted_column(&input, "pickup_latitude");
    for _ in 0..8 {
        let (source, shards) = random_source(&mut rng);
        let what = format!("{shards} shards, {source:?}");
        let merged: FitState = sharded(shards, &mut rng, |shard| {
            tabx::fit(&spec, &input, SourceOptions { shard, ..source.clone() }).unwrap().state
        });
        let fitted = merged.finish().unwrap();
        // Exact analyzers (moments, min/max, vocabulary, mean): the same bits.
        for i in 0..4 {
            assert_eq!(fitted.outputs[i].fitted, whole.outputs[i].fitted, "{}: {what}", fitted.outputs[i].name);
        }
        // Quantile boundaries: each within 0.01 in rank of its target.
        let boundaries: Vec<f64> =
            serde_json::from_value(fitted.outputs[4].fitted["bucket_boundaries"].clone()).unwrap();
        for (j, b) in boundaries.iter().enumerate() {
            let n = latitudes.len() as f64;
            let (below, upto) =
                (latitudes.partition_point(|x| x < b) as f64 / n, latitudes.partition_point(|x| x <= b) as f64 / n);
            let q = (j + 1) as f64 / 8.0;
            assert!(below - 0.01 <= q && q <= upto + 0.01, "boundary {j} = {b} at ranks {below}..{upto}: {what}");
        }
    }
}

#[test]
fn transformed_rows_are_byte_identical_however_the_input_is_read() {
    let mut rng = SplitMix64::new(0xde7e_0003);
    let dir = tempfile::tempdir().unwrap();
    let spec = TransformSpec::from_yaml(SPEC).unwrap();
    let input = [taxi("data.csv")];
    let fitted = tabx::fit(&spec, &input, SourceOptions::default()).unwrap().state.finish().unwrap();
    let transformer = Transformer::try_new(fitted).unwrap();
    let write = |source: SourceOptions, name: &str| {
        let out = dir.path().join(name);
        tabx::apply(&transformer, &input, source, &out, false).unwrap();
        std::fs::read(out).unwrap()
    };
    let expected = write(SourceOptions::default(), "one.csv");
    assert!(expected.len() > 100_000);
    for i in 0..6 {
        let (source, _) = random_source(&mut rng);
        let what = format!("{source:?}");
        assert!(write(source, &format!("out-{i}.csv")) == expected, "output differs: {what}");
    }
}

/// The non-null values of a numeric column, sorted.
fn sorted_column(input: &[String], column: &str) -> Vec<f64> {
    let source = SourceOptions { projection: Some(vec![column.to_string()]), ..SourceOptions::default() };
    let plan = tabx_engine::ScanPlan::try_new(input, source).unwrap();
    let (parts, _) = tabx_engine::scan_fold(
        &plan,
        |_| Vec::new(),
        |values: &mut Vec<f64>, batch| {
            let column = arrow::compute::cast(batch.column(0), &arrow::datatypes::DataType::Float64)?;
            values.extend(column.as_primitive::<arrow::datatypes::Float64Type>().iter().flatten());
            Ok(())
        },
    )
    .unwrap();
    let mut values: Vec<f64> = parts.into_iter().flatten().collect();
    values.sort_by(f64::total_cmp);
    values
}
