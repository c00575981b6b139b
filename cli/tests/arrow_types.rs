//! A Parquet file in the Arrow types other tools write (dates, times,
//! durations, zoned timestamps, decimals, booleans, byte arrays without the
//! UTF8 annotation, an empty string, lists, structs, maps) through every
//! command that reads rows: `stats`, `schema infer` (which reads the
//! statistics back), `validate`, `validate --rows`, `split`, and
//! `transform fit`/`apply`. Each used to fail on one of them. Expected values
//! by hand from the four rows below.

mod common;

use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryArray, BooleanArray, Date32Array, Decimal128Array, DurationSecondArray, Int64Builder, ListBuilder,
    RecordBatch, StringArray, StructArray, Time64MicrosecondArray, TimestampMicrosecondArray,
};
use arrow::array::{DictionaryArray, Int8Array, LargeStringArray};
use arrow::datatypes::{DataType, Field, Int8Type};
use common::{feature, read_json, tabx};

/// Four rows; row 2 is null in every column but `s` and `l`'s list is empty.
fn write_types(path: &Path) {
    let mut lists = ListBuilder::new(Int64Builder::new());
    for row in [Some(vec![1, 2]), Some(vec![3]), Some(vec![]), None] {
        match row {
            Some(values) => lists.append_value(values.into_iter().map(Some)),
            None => lists.append_null(),
        }
    }
    let x: ArrayRef = Arc::new(arrow::array::Int64Array::from(vec![Some(1), Some(2), None, Some(4)]));
    let columns: Vec<(&str, ArrayRef)> = vec![
        // Days since the epoch: 2020-01-01, 2021-05-03, null, 1999-12-31.
        ("day", Arc::new(Date32Array::from(vec![Some(18262), Some(18750), None, Some(10956)]))),
        // 12:00 UTC on 2020-01-01, midnight, null, 23:00 on 1999-12-31.
        (
            "at",
            Arc::new(
                TimestampMicrosecondArray::from(vec![
                    Some(1_577_880_000_000_000),
                    Some(1_620_000_000_000_000),
                    None,
                    Some(946_681_200_000_000),
                ])
                .with_timezone("UTC"),
            ),
        ),
        ("clock", Arc::new(Time64MicrosecondArray::from(vec![Some(1), Some(2), None, Some(6)]))),
        ("wait", Arc::new(DurationSecondArray::from(vec![Some(1), Some(2), None, Some(6)]))),
        (
            "price",
            Arc::new(
                Decimal128Array::from(vec![Some(150), Some(225), None, Some(-300)])
                    .with_precision_and_scale(5, 2)
                    .unwrap(),
            ),
        ),
        ("flag", Arc::new(BooleanArray::from(vec![Some(true), Some(false), None, Some(true)]))),
        ("pay", Arc::new(BinaryArray::from(vec![Some(&b"Cash"[..]), Some(b"Card"), None, Some(b"")]))),
        ("note", Arc::new(StringArray::from(vec![Some(""), Some("a"), None, Some("")]))),
        ("l", Arc::new(lists.finish())),
        ("s", Arc::new(StructArray::from(vec![(Arc::new(Field::new("x", DataType::Int64, true)), x)]))),
        // A pandas categorical: dictionary-encoded large strings.
        (
            "cat",
            Arc::new(
                DictionaryArray::<Int8Type>::try_new(
                    Int8Array::from(vec![Some(0), Some(1), None, Some(0)]),
                    Arc::new(LargeStringArray::from(vec!["a", "b"])),
                )
                .unwrap(),
            ),
        ),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut writer =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
}

#[test]
fn every_command_reads_the_arrow_types_of_other_tools() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_types(&d.join("types.parquet"));

    // Dates, times and durations are INT over their stored integer: days
    // (18262 + 18750 + 10956) / 3 = 15989.33..; the decimals' mean is
    // (1.5 + 2.25 - 3) / 3 = 0.25.
    tabx(d, &["stats", "types.parquet", "-q", "-o", "stats.json"]).success();
    let stats = read_json(&d.join("stats.json"));
    let num = |name: &str, field: &str| feature(&stats, name)["num_stats"][field].as_f64().unwrap();
    assert_eq!(feature(&stats, "day")["type"], "INT");
    assert_eq!((num("day", "min"), num("day", "max")), (10956.0, 18750.0));
    assert!((num("day", "mean") - 47968.0 / 3.0).abs() < 1e-9);
    assert_eq!((num("clock", "mean"), num("wait", "mean")), (3.0, 3.0));
    assert_eq!((num("price", "mean"), feature(&stats, "price")["type"].as_str()), (0.25, Some("FLOAT")));
    // A struct has TFDV's struct_stats (presence: 4 rows, none null), not
    // string statistics of no values ("unique: 0").
    let s = feature(&stats, "s");
    assert_eq!(
        (s["type"].as_str(), s["struct_stats"]["common_stats"]["num_non_missing"].as_u64()),
        (Some("STRUCT"), Some(4))
    );
    assert!(s.get("string_stats").is_none(), "{s}");

    // `note`'s top value is the empty string, which protobuf JSON leaves out
    // when the statistics are read back.
    tabx(d, &["schema", "infer", "stats.json", "-q", "-o", "schema.pbtxt"]).success();
    tabx(d, &["validate", "types.parquet", "--schema", "schema.pbtxt", "-q", "-o", "anomalies.json"]).success();

    // A row check reads each type as the statistics do: no row is bad.
    tabx(
        d,
        &[
            "validate",
            "types.parquet",
            "--schema",
            "schema.pbtxt",
            "--rows",
            "--good",
            "good.parquet",
            "--bad",
            "bad.csv",
        ],
    )
    .success()
    .stderr(predicates::str::contains("4 read = 4 good + 0 bad"));

    // Splitting hashes each row's text, a zoned timestamp's included.
    tabx(d, &["split", "types.parquet", "-q", "-o", "splits"]).success();

    // Booleans are 0/1 and byte arrays text to the transforms. By hand:
    // price (-3 .. 2.25) scaled to [0, 1], null filled with 0 → 3 / 5.25;
    // pay's vocabulary is Card, Cash (ties by token, descending: Cash first),
    // "" is never in it (OOV bucket 2); the hour in UTC; cat's vocabulary is
    // a (twice), b.
    std::fs::write(
        d.join("spec.yaml"),
        "outputs:\n\
         - {name: price_01, op: scale_to_0_1, inputs: [price], fill: 0}\n\
         - {name: pay_id, op: compute_and_apply_vocabulary, inputs: [pay], fill: '', top_k: 10, num_oov_buckets: 1}\n\
         - {name: flag_f, op: fill_missing, inputs: [flag], value: 0}\n\
         - {name: hour, op: timestamp_hour, inputs: [at]}\n\
         - {name: cat_id, op: compute_and_apply_vocabulary, inputs: [cat], fill: '', num_oov_buckets: 1}\n",
    )
    .unwrap();
    tabx(d, &["transform", "fit", "types.parquet", "--spec", "spec.yaml", "-q", "-o", "transform.json"]).success();
    tabx(d, &["transform", "apply", "types.parquet", "--transform", "transform.json", "-q", "-o", "out.csv"]).success();
    let out = std::fs::read_to_string(d.join("out.csv")).unwrap();
    let expected = format!(
        "price_01,pay_id,flag_f,hour,cat_id\n{},0,1,12,0\n1.0,1,0,0,1\n{},2,0,,2\n0.0,2,1,23,0\n",
        4.5 / 5.25,
        3.0 / 5.25
    );
    assert_eq!(out, expected);
}
