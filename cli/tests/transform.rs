//! `tabx transform fit | merge | apply` end to end on the taxi data: CSV and
//! Parquet inputs give the same output, shards merge to the single-pass fit,
//! and bad specs, wrong input schemas and invalid values fail with a clear error.

mod common;

use std::fs::File;
use std::path::Path;

use arrow::array::{AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type};
use common::{feature, read_json, tabx, taxi, write};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use predicates::str::contains;

const SPEC: &str = "
outputs:
  - {name: trip_miles_z, op: scale_to_z_score, inputs: [trip_miles]}
  - {name: trip_seconds_z, op: scale_to_z_score, inputs: [trip_seconds]}
  - {name: fare_01, op: scale_to_0_1, inputs: [fare]}
  - {name: tips_scaled, op: scale_by_min_max, inputs: [tips], output_min: -1, output_max: 1}
  - {name: pickup_latitude_b, op: bucketize, inputs: [pickup_latitude], num_buckets: 10}
  - {name: dropoff_latitude_b, op: apply_buckets, inputs: [dropoff_latitude], bucket_boundaries: [41.85, 41.9]}
  - {name: company, op: fill_missing, inputs: [company], value: ''}
  - {name: pickup_community_area, op: fill_missing, inputs: [pickup_community_area], value: 0}
  - {name: tips_log, op: log1p, inputs: [tips]}
  - {name: fare_clipped, op: clip, inputs: [fare], max: 100}
passthrough: [trip_start_hour, payment_type]
";

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap().build().unwrap();
    reader.map(Result::unwrap).collect()
}

fn concat(batches: &[RecordBatch]) -> RecordBatch {
    arrow::compute::concat_batches(&batches[0].schema(), batches).unwrap()
}

#[test]
fn csv_and_parquet_inputs_give_identical_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "spec.yaml", SPEC);
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", "spec.yaml", "-o", "t_csv.json"])
        .success()
        .stderr(contains("fitted 10 outputs on 15002 rows"));
    tabx(d, &["transform", "fit", &taxi("data.parquet"), "--spec", "spec.yaml", "-o", "t_pq.json"]).success();
    let (from_csv, from_parquet) = (read_json(&d.join("t_csv.json")), read_json(&d.join("t_pq.json")));
    // Exact analyzers agree to the bit whichever format was read; quantile
    // boundaries (output 4) agree within the sketch's rank error.
    for i in [0, 1, 2, 3, 5, 6, 7, 8, 9] {
        assert_eq!(from_csv["outputs"][i], from_parquet["outputs"][i], "output {i}");
    }
    assert_eq!(from_csv["output_schema"], from_parquet["output_schema"]);

    tabx(d, &["transform", "apply", &taxi("data.csv"), "--transform", "t_csv.json", "-o", "a.parquet"])
        .success()
        .stderr(contains("wrote 15002 transformed rows"));
    tabx(
        d,
        &[
            "transform",
            "apply",
            &taxi("data.parquet"),
            "--transform",
            "t_csv.json",
            "-o",
            "b.parquet",
            "--device",
            "auto",
        ],
    )
    .success()
    // Without a usable GPU (here, and in CI), auto says why and runs on the CPU.
    .stderr(contains("--device auto: running on the CPU: "));
    let (a, b) = (concat(&read_parquet(&d.join("a.parquet"))), concat(&read_parquet(&d.join("b.parquet"))));
    assert_eq!(a.num_rows(), 15_002);
    assert_eq!(a, b);
    let names: Vec<String> = a.schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names[0], "trip_miles_z");
    assert_eq!(names.last().unwrap(), "payment_type");

    tabx(d, &["transform", "apply", &taxi("data.parquet"), "--transform", "t_csv.json", "-o", "c.csv"]).success();
    let text = std::fs::read_to_string(d.join("c.csv")).unwrap();
    assert_eq!(text.lines().count(), 15_003);
    assert!(text.starts_with("trip_miles_z,trip_seconds_z,fare_01,"), "{}", &text[..80]);
}

#[test]
fn shards_merge_to_the_single_pass_fit() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "spec.yaml", SPEC);
    let data = taxi("data.parquet");
    tabx(d, &["transform", "fit", &data, "--spec", "spec.yaml", "-o", "whole.json"]).success();
    for i in 0..2 {
        let shard = format!("{i}/2");
        let out = format!("part-{i}.partial");
        tabx(d, &["transform", "fit", &data, "--spec", "spec.yaml", "--shard", &shard, "--partial", "-o", &out])
            .success();
    }
    // `tabx merge` reads what the partials hold; `tabx transform merge` is the same merge.
    tabx(d, &["merge", "part-1.partial", "part-0.partial"]).success().stderr(contains("merged 2 shards"));
    tabx(d, &["transform", "merge", "part-0.partial", "part-1.partial", "-o", "merged.json"]).success();
    let (whole, merged) = (read_json(&d.join("whole.json")), read_json(&d.join("merged.json")));
    assert_eq!(read_json(&d.join("transform.json")), merged);
    // Exact analyzers: identical.
    for i in [0, 1, 2, 3, 5, 6, 7, 8, 9] {
        assert_eq!(whole["outputs"][i], merged["outputs"][i], "output {i}");
    }
    assert_eq!(whole["rows"], merged["rows"]);
    // Quantile boundaries (KLL, ε = min(1/10, 0.01)): each boundary of either
    // fit sits within ε·n ranks of TFT's exact position ⌊i·n/10⌋ in the
    // sorted values (ties: anywhere in the run of equal values counts).
    let table = concat(&read_parquet(Path::new(&data)));
    let column = arrow::compute::cast(table.column_by_name("pickup_latitude").unwrap(), &DataType::Float64).unwrap();
    let mut values: Vec<f64> = column.as_primitive::<Float64Type>().iter().flatten().filter(|x| !x.is_nan()).collect();
    values.sort_by(f64::total_cmp);
    let n = values.len() as f64;
    for fit in [&whole, &merged] {
        let boundaries = fit["outputs"][4]["fitted"]["bucket_boundaries"].as_array().unwrap();
        assert_eq!(boundaries.len(), 9);
        for (i, b) in boundaries.iter().enumerate() {
            let b = b.as_f64().unwrap();
            let (lo, hi) = (values.partition_point(|&x| x < b) as f64, values.partition_point(|&x| x <= b) as f64);
            let target = ((i + 1) as f64 * n / 10.0).floor();
            assert!(
                lo - 0.01 * n <= target && target <= hi + 0.01 * n,
                "boundary {i} = {b}: ranks {lo}..{hi}, target {target}"
            );
        }
    }

    // Incomplete, mixed or mismatched shards are refused by name.
    tabx(d, &["merge", "part-0.partial"]).code(2).stderr(contains("missing shards: 1/2"));
    tabx(d, &["stats", &data, "--shard", "1/2", "--partial", "-o", "stats-1.partial"]).success();
    tabx(d, &["merge", "part-0.partial", "stats-1.partial"])
        .code(2)
        .stderr(contains("stats-1.partial holds `stats` state but part-0.partial holds `transform`"));
    write(d, "other.yaml", "outputs:\n  - {name: z, op: log1p, inputs: [trip_miles]}\n");
    tabx(d, &["transform", "fit", &data, "--spec", "other.yaml", "--shard", "1/2", "--partial", "-o", "o.partial"])
        .success();
    tabx(d, &["merge", "part-0.partial", "o.partial"])
        .code(2)
        .stderr(contains("o.partial was computed with other options than part-0.partial"));
}

#[test]
fn device_cuda_without_a_gpu_is_an_error_naming_why() {
    if std::env::var_os("TABX_REQUIRE_GPU").is_some() {
        return; // the GPU machine: tests/cuda_parity.rs covers cuda there
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "spec.yaml", SPEC);
    // This suite builds the `cuda` feature: what is missing is the driver.
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", "spec.yaml", "--device", "cuda"])
        .code(2)
        .stderr(contains("--device cuda: no CUDA driver: libcuda.so could not be loaded"))
        .stderr(contains("hint: install the NVIDIA driver"));
    assert!(!d.join("transform.json").exists(), "nothing is written when the device is refused");
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", "spec.yaml", "--device", "auto"])
        .success()
        .stderr(contains("--device auto: running on the CPU: no CUDA driver"));
    let csv = taxi("data.csv");
    let apply =
        |device| ["transform", "apply", &csv, "--transform", "transform.json", "-o", "out.parquet", "--device", device];
    tabx(d, &apply("cuda")).code(2).stderr(contains("--device cuda: no CUDA driver"));
    tabx(d, &apply("gpu")).code(2).stderr(contains("possible values: cpu, cuda, auto"));
}

#[test]
fn bad_spec_is_an_error_naming_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "spec.yaml", "outputs:\n  - {name: z, op: scale_to_zscore, inputs: [trip_miles]}\n");
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", "spec.yaml"])
        .code(2)
        .stderr(contains("output `z`: unknown op `scale_to_zscore`"))
        .stderr(contains("hint: did you mean `scale_to_z_score`?"));
    write(d, "spec.yaml", "outputs:\n  - {name: z, op: log1p, inputs: [trip_mile]}\n");
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", "spec.yaml"])
        .code(2)
        .stderr(contains("output `z` reads column `trip_mile`, which is not in the input"))
        .stderr(contains("hint: did you mean `trip_miles`?"));
}

#[test]
fn wrong_input_schema_and_invalid_values() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "spec.yaml", "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [x]}\npassthrough: [id]\n");
    write(d, "train.csv", "id,x\n1,1.0\n2,2.0\n3,3.0\n");
    tabx(d, &["transform", "fit", "train.csv", "--spec", "spec.yaml"]).success();
    write(d, "other.csv", "id,y\n1,1.0\n");
    tabx(d, &["transform", "apply", "other.csv", "-o", "out.csv"])
        .code(2)
        .stderr(contains("column `x` (Float64 when the transform was fitted) is not in the input"));
    write(d, "typed.csv", "id,x\nabc,1.0\n");
    tabx(d, &["transform", "apply", "typed.csv", "-o", "out.csv"])
        .code(2)
        .stderr(contains("typed.csv:2: column `id`: \"abc\" is not an integer"));

    write(d, "dirty.csv", "id,x\n1,1.0\n2,oops\n3,3.0\n");
    tabx(d, &["transform", "apply", "dirty.csv", "-o", "out.csv"])
        .code(2)
        .stderr(contains("dirty.csv:3: column `x`: \"oops\" is not a number"))
        .stderr(contains("hint: use --on-error skip"));
    // The fit names the file and line too (review finding 10: "row N of a
    // batch" is only what a bare FitState, which has no file, can say).
    tabx(d, &["transform", "fit", "dirty.csv", "--spec", "spec.yaml", "-o", "t2.json"])
        .code(2)
        .stderr(contains("dirty.csv:3: column `x`: \"oops\" is not a number"));
    tabx(d, &["transform", "apply", "dirty.csv", "-o", "out.csv", "--on-error", "skip"])
        .success()
        .stderr(contains("1 row had values its op cannot take and was left out (1 column `x`: not a number)"))
        .stderr(contains("wrote 2 transformed rows"));
    // numpy: x = [1, 2, 3]; (x - 2) / x.std() = ±1.224744871391589.
    assert_eq!(
        std::fs::read_to_string(d.join("out.csv")).unwrap(),
        "z,id\n-1.224744871391589,1\n1.224744871391589,3\n"
    );

    // quarantine=PATH: the row the reader rejects (line 5, ragged) and the
    // row the op cannot take (line 3) both land in PATH, the reader's first.
    write(d, "dirty.csv", "id,x\n1,1.0\n2,oops\n3,3.0\n4\n");
    let quarantined = "id,x,_tabx_source,_tabx_reasons,_tabx_raw\n\
                       ,,dirty.csv:5,\"expected 2 fields, found 1\",4\n\
                       2,oops,dirty.csv:3,\"column `x`: \"\"oops\"\" is not a number\",\n";
    tabx(d, &["transform", "apply", "dirty.csv", "-o", "out.csv", "--on-error", "quarantine=q.csv"])
        .success()
        .stderr(contains("1 row could not be read"))
        .stderr(contains("1 row had values its op cannot take"))
        .stderr(contains("the rows left out are in q.csv"))
        .stderr(contains("wrote 2 transformed rows"));
    assert_eq!(std::fs::read_to_string(d.join("q.csv")).unwrap(), quarantined);
    tabx(d, &["transform", "fit", "dirty.csv", "--spec", "spec.yaml", "--on-error", "quarantine=fq.csv"])
        .success()
        .stderr(contains("fitted 1 output on 2 rows"));
    assert_eq!(std::fs::read_to_string(d.join("fq.csv")).unwrap(), quarantined);
}

/// Timestamp ops on date text, the way CSV files hold dates: text without
/// an offset is a wall-clock time, read as written; with one, an instant
/// shown in `timezone`; other text is an invalid row. By hand (and Python's
/// zoneinfo): 2024-01-01 was a Monday (2), 16:00Z is 10:00 in Chicago.
#[test]
fn timestamp_ops_read_date_text() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "spec.yaml",
        "outputs:
  - {name: hour, op: timestamp_hour, inputs: [at], timezone: America/Chicago}
  - {name: day, op: timestamp_day_of_week, inputs: [at]}
passthrough: [id]
",
    );
    write(d, "trips.csv", "id,at\n1,2024-01-01 10:00:00\n2,2024-01-01T16:00:00Z\n3,2024-13-01\n4,2024-01-01\n5,\n");
    tabx(d, &["transform", "fit", "trips.csv", "--spec", "spec.yaml"]).success();
    tabx(d, &["transform", "apply", "trips.csv", "-o", "out.csv"])
        .code(2)
        .stderr(contains("trips.csv:4: column `at`: \"2024-13-01\" is not a date or time (ISO 8601)"));
    tabx(d, &["transform", "apply", "trips.csv", "-o", "out.csv", "--on-error", "skip"]).success().stderr(contains(
        "1 row had values its op cannot take and was left out (1 column `at`: not a date or time (ISO 8601))",
    ));
    // Row 2: 16:00 UTC is 10:00 in Chicago, but `day` is in UTC (its default):
    // still Monday. A missing value gives missing parts.
    assert_eq!(std::fs::read_to_string(d.join("out.csv")).unwrap(), "hour,day,id\n10,2,1\n10,2,2\n0,2,4\n,,5\n");
}

#[test]
fn stats_of_the_transformed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "spec.yaml", SPEC);
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", "spec.yaml"]).success();
    tabx(d, &["transform", "apply", &taxi("data.parquet"), "-o", "out.parquet", "--stats", "out_stats.json"])
        .success()
        .stderr(contains("wrote the statistics of the transformed rows to out_stats.json"));
    let stats = read_json(&d.join("out_stats.json"));
    assert_eq!(stats["datasets"][0]["num_examples"], 15_002);
    // A z-score has mean 0 and (population) standard deviation 1 by construction;
    // trip_miles has no missing values in data.csv, so every row counts.
    for name in ["trip_miles_z", "trip_seconds_z"] {
        let z = &feature(&stats, name)["num_stats"];
        assert!(z["mean"].as_f64().unwrap().abs() < 1e-12, "{name}: {z}");
        assert!((z["std_dev"].as_f64().unwrap() - 1.0).abs() < 1e-12, "{name}: {z}");
    }
    // scale_to_0_1 spans [0, 1] exactly; passthrough columns keep their statistics.
    let fare = &feature(&stats, "fare_01")["num_stats"];
    assert_eq!((fare["min"].as_f64(), fare["max"].as_f64()), (Some(0.0), Some(1.0)));
    let hour = &feature(&stats, "trip_start_hour")["num_stats"];
    assert_eq!(hour["max"], 23.0);
}

/// The fitted values of the output `name` of a transform.json.
fn fitted<'a>(transform: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    let outputs = transform["outputs"].as_array().unwrap();
    &outputs.iter().find(|o| o["name"] == name).unwrap_or_else(|| panic!("no output {name}"))["fitted"]
}

#[test]
fn the_taxi_spec_fits_and_applies() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The shipped file and the embedded copy are the same spec.
    assert_eq!(std::fs::read_to_string(taxi("taxi_transform.yaml")).unwrap(), tabx_datasets::TAXI_TRANSFORM_YAML);
    let spec = taxi("taxi_transform.yaml");
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", &spec]).success();
    let transform = read_json(&d.join("transform.json"));
    // pandas: m = df.trip_miles.fillna(0) (trip_miles has no missing value);
    // m.mean() = 2.872819624050127, m.std(ddof=0) = 15.275498251854652.
    let miles = fitted(&transform, "trip_miles_xf");
    assert!((miles["mean"].as_f64().unwrap() - 2.872819624050127).abs() < 1e-12, "{miles}");
    assert!((miles["std_dev"].as_f64().unwrap() - 15.275498251854652).abs() < 1e-12, "{miles}");
    assert_eq!(miles["count"], 15_002);
    // pandas: s = df.trip_seconds.fillna(0) (6 missing, filled first):
    // s.mean() = 777.3164911345154, s.std(ddof=0) = 977.434354810735.
    let seconds = fitted(&transform, "trip_seconds_xf");
    assert!((seconds["mean"].as_f64().unwrap() - 777.3164911345154).abs() < 1e-9, "{seconds}");
    assert!((seconds["std_dev"].as_f64().unwrap() - 977.434354810735).abs() < 1e-9, "{seconds}");
    assert_eq!(seconds["count"], 15_002);
    // pandas: df.payment_type.value_counts() (every count distinct, so no tie order to settle).
    assert_eq!(
        fitted(&transform, "payment_type_xf")["vocabulary"],
        serde_json::json!(["Cash", "Credit Card", "No Charge", "Unknown", "Dispute", "Pcard", "Prcard"])
    );

    tabx(d, &["transform", "apply", &taxi("data.csv"), "-o", "transformed.parquet"])
        .success()
        .stderr(contains("wrote 15002 transformed rows"));
    let out = concat(&read_parquet(&d.join("transformed.parquet")));
    assert_eq!(out.num_rows(), 15_002);
    // Categorical ints keep their type, missing values filled with 0: pandas
    // df.dropoff_census_tract.isna().sum() = 4241 zeros.
    let tract = out.column_by_name("dropoff_census_tract_xf").unwrap();
    assert_eq!(tract.data_type(), &arrow::datatypes::DataType::Int64);
    assert_eq!(tract.null_count(), 0);
    let tract = tract.as_any().downcast_ref::<arrow::array::Int64Array>().unwrap();
    assert_eq!(tract.iter().filter(|v| *v == Some(0)).count(), 4241);
    // pandas: (df.tips > 0.2 * df.fare).sum() = 3374 (neither column has a missing value).
    let big_tipper = out.column_by_name("big_tipper").unwrap();
    let big_tipper = big_tipper.as_any().downcast_ref::<arrow::array::Int64Array>().unwrap();
    assert_eq!((arrow::array::Array::null_count(big_tipper), big_tipper.iter().flatten().sum::<i64>()), (0, 3374));
    let buckets = out.column_by_name("pickup_latitude_xf").unwrap();
    assert_eq!(buckets.null_count(), 0, "the 2 missing latitudes are filled with 0 first");
}
