//! `tabx stats` end to end: artifacts, formats, options, and what the user sees.

mod common;

use assert_cmd::prelude::*;
use common::{check_with_tensorflow_metadata, feature, read_json, tabx, taxi, write};
use predicates::prelude::*;
use std::process::Command;

#[test]
fn taxi_csv_gives_tfdv_statistics_and_a_summary() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["stats", &taxi("data.csv"), "-o", "stats.json"])
        .success()
        .stdout(predicate::str::contains("payment_type").and(predicate::str::contains("Cash (9909)")))
        .stderr(predicate::str::contains("wrote statistics of 15002 examples"));
    let stats = read_json(&dir.path().join("stats.json"));
    assert_eq!(stats["datasets"][0]["name"], "All Examples");
    assert_eq!(stats["datasets"][0]["num_examples"], 15002);
    let fare = feature(&stats, "fare");
    assert_eq!(fare["type"], "FLOAT");
    // pandas: df.fare.max() = 700.07, (df.fare == 0).sum() = 27
    assert_eq!(fare["num_stats"]["max"], 700.07);
    assert_eq!(fare["num_stats"]["num_zeros"], 27);
    let types: Vec<&str> =
        fare["num_stats"]["histograms"].as_array().unwrap().iter().map(|h| h["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["STANDARD", "QUANTILES"]);
    check_with_tensorflow_metadata("statistics", &[&dir.path().join("stats.json")]);
}

#[test]
fn text_and_binary_proto_forms_hold_the_same_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let input = taxi("data.parquet");
    tabx(dir.path(), &["stats", &input, "-o", "stats.pbtxt", "--quiet"]).success().stdout(predicate::str::is_empty());
    tabx(dir.path(), &["stats", &input, "-o", "stats.pb", "-q"]).success();
    let text = std::fs::read_to_string(dir.path().join("stats.pbtxt")).unwrap();
    assert!(text.contains("num_examples: 15002"), "{}", &text[..200.min(text.len())]);
    assert!(std::fs::metadata(dir.path().join("stats.pb")).unwrap().len() > 1000);
    check_with_tensorflow_metadata("statistics", &[&dir.path().join("stats.pbtxt"), &dir.path().join("stats.pb")]);
}

#[test]
fn slices_are_named_as_tfdv_names_them() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["stats", &taxi("data.csv"), "--slice", "payment_type", "-o", "s.json", "-q"]).success();
    let stats = read_json(&dir.path().join("s.json"));
    let names: Vec<&str> = stats["datasets"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names[0], "All Examples");
    assert!(names.contains(&"payment_type_Cash"), "{names:?}");
    assert_eq!(names.len(), 1 + 7);
    let cash = stats["datasets"].as_array().unwrap().iter().find(|d| d["name"] == "payment_type_Cash").unwrap();
    // pandas: (df.payment_type == 'Cash').sum() = 9909; df[cash].fare.mean() = 10.375767484105358
    assert_eq!(cash["num_examples"], 9909);
    let fare = cash["features"].as_array().unwrap().iter().find(|f| f["name"] == "fare").unwrap();
    assert!((fare["num_stats"]["mean"].as_f64().unwrap() - 10.375767484105358).abs() < 1e-12);
}

#[test]
fn weights_add_tfdv_weighted_statistics() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["stats", &taxi("data.csv"), "--weight", "trip_miles", "-o", "w.json", "-q"]).success();
    let stats = read_json(&dir.path().join("w.json"));
    // python: math.fsum(df.trip_miles) = 43098.04;
    // math.fsum(df.trip_miles * df.fare) / math.fsum(df.trip_miles) = 25.499138220670822
    assert!((stats["datasets"][0]["weighted_num_examples"].as_f64().unwrap() - 43098.04).abs() < 1e-9);
    let weighted = &feature(&stats, "fare")["num_stats"]["weighted_numeric_stats"];
    assert!((weighted["mean"].as_f64().unwrap() - 25.499138220670822).abs() < 1e-9, "{weighted}");
    let top = &feature(&stats, "payment_type")["string_stats"]["weighted_string_stats"]["top_values"][0];
    assert!(top["frequency"].as_f64().unwrap() > 0.0);
    check_with_tensorflow_metadata("statistics", &[&dir.path().join("w.json")]);
}

#[test]
fn sampling_is_seeded_and_independent_of_threads() {
    let dir = tempfile::tempdir().unwrap();
    let input = taxi("data.csv");
    for (threads, out) in [("1", "a.json"), ("2", "b.json")] {
        tabx(
            dir.path(),
            &["stats", &input, "--sample-rate", "0.25", "--seed", "7", "--threads", threads, "-o", out, "-q"],
        )
        .success();
    }
    let (a, b) = (read_json(&dir.path().join("a.json")), read_json(&dir.path().join("b.json")));
    let n = a["datasets"][0]["num_examples"].as_u64().unwrap();
    assert_eq!(n, b["datasets"][0]["num_examples"].as_u64().unwrap());
    // A 25% Bernoulli sample of 15,002 rows: mean 3750.5, sd 53; 6 sd either side.
    assert!((3430..=4070).contains(&n), "{n}");
    assert_eq!(feature(&a, "fare")["num_stats"]["mean"], feature(&b, "fare")["num_stats"]["mean"]);
}

#[test]
fn stdin_is_read_with_types_from_the_first_rows() {
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(taxi("data.csv")).unwrap();
    assert_cmd::Command::cargo_bin("tabx")
        .unwrap()
        .current_dir(dir.path())
        .args(["stats", "-", "-o", "stdin.json", "-q", "--infer-rows", "20000"])
        .write_stdin(data)
        .assert()
        .success();
    let stats = read_json(&dir.path().join("stdin.json"));
    assert_eq!(stats["datasets"][0]["num_examples"], 15002);
    assert_eq!(feature(&stats, "pickup_census_tract")["type"], "INT");
}

#[test]
fn stdin_parsed_on_several_threads_gives_the_file_statistics() {
    // Types from the first 2,000 rows, the remaining 13,002 rows cut into
    // chunks that parse on 4 threads: every statistic of the sample is exact
    // (no column has more than 20,000 distinct values), so the artifacts
    // match the file's to the bit.
    let dir = tempfile::tempdir().unwrap();
    let data = std::fs::read(taxi("data.csv")).unwrap();
    let stats = |input: &str, out: &str| {
        let mut cmd = assert_cmd::Command::cargo_bin("tabx").unwrap();
        cmd.current_dir(dir.path())
            .args(["stats", input, "-o", out, "-q", "--infer-rows", "2000", "--threads", "4"])
            .write_stdin(data.clone())
            .assert()
            .success();
        let mut stats = read_json(&dir.path().join(out));
        stats["datasets"][0]["name"] = serde_json::Value::Null;
        stats
    };
    let (piped, file) = (stats("-", "stdin.json"), stats(&taxi("data.csv"), "file.json"));
    assert_eq!(piped["datasets"][0]["num_examples"], 15002);
    assert_eq!(piped, file);
}

#[test]
fn ndjson_stdin_takes_types_from_the_schema() {
    // From its first row alone `a` looks INT; arrow-json would then read 2.5 as 2.
    let dir = tempfile::tempdir().unwrap();
    let lines = "{\"a\": 1}\n{\"a\": 2.5}\n{\"a\": 3}\n";
    let run = |extra: &[&str]| {
        let mut args = vec!["stats", "-", "--input-format", "ndjson", "--infer-rows", "1", "-o", "s.json", "-q"];
        args.extend(extra);
        let mut cmd = assert_cmd::Command::cargo_bin("tabx").unwrap();
        cmd.current_dir(dir.path()).args(args).write_stdin(lines).assert()
    };
    run(&[]).failure().stderr(
        predicate::str::contains("<stdin>:2: column a: value \"2.5\" does not parse as INT")
            .and(predicate::str::contains("pass --schema")),
    );
    write(dir.path(), "schema.pbtxt", "feature {\n  name: \"a\"\n  type: FLOAT\n}\n");
    run(&["--schema", "schema.pbtxt"]).success();
    let stats = read_json(&dir.path().join("s.json"));
    let a = &feature(&stats, "a")["num_stats"];
    // By hand: mean 6.5 / 3 = 13/6; population variance ((7/6)² + (1/3)² + (5/6)²) / 3 = 13/18.
    assert!((a["mean"].as_f64().unwrap() - 13.0 / 6.0).abs() < 1e-12, "{a}");
    assert!((a["std_dev"].as_f64().unwrap() - (13.0f64 / 18.0).sqrt()).abs() < 1e-12, "{a}");
}

#[test]
fn awkward_but_valid_values_give_sound_statistics() {
    // NaN, ±inf, i64::MAX, a 1 MB string and an all-empty column are data, not errors.
    let dir = tempfile::tempdir().unwrap();
    let big = "x".repeat(1 << 20);
    let csv = format!("x,big,empty,n\nnan,a,,9223372036854775807\ninf,{big},,1\n-inf,b,,2\n1.5,a,,3\n");
    let input = write(dir.path(), "odd.csv", csv);
    tabx(dir.path(), &["stats", &input, "-o", "odd.json", "-q"]).success();
    let stats = read_json(&dir.path().join("odd.json"));
    let x = &feature(&stats, "x")["num_stats"];
    assert_eq!((x["min"].as_str(), x["max"].as_str()), (Some("-Infinity"), Some("Infinity")));
    assert_eq!(x["histograms"][0]["num_nan"], 1);
    let n = &feature(&stats, "n")["num_stats"];
    assert_eq!(feature(&stats, "n")["type"], "INT");
    assert_eq!(n["max"].as_f64().unwrap(), 9223372036854775807.0);
    let big = &feature(&stats, "big")["string_stats"];
    assert_eq!(big["top_values"][0]["value"], "a");
    assert!(big["top_values"].as_array().unwrap().iter().any(|t| t["value"] == "__LARGE_BYTES__"));
    let empty = feature(&stats, "empty");
    assert_eq!(empty["string_stats"]["common_stats"]["num_missing"], 4);
    check_with_tensorflow_metadata("statistics", &[&dir.path().join("odd.json")]);
}

#[test]
fn invalid_utf8_is_counted_as_data() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "bytes.csv", b"name,n\nok,1\n\xff\xfe,2\n".as_slice());
    tabx(dir.path(), &["stats", &input, "-o", "b.json", "-q"]).success();
    let stats = read_json(&dir.path().join("b.json"));
    let name = feature(&stats, "name");
    let custom = name["custom_stats"].as_array().unwrap();
    assert!(custom.iter().any(|c| c["name"] == "invalid_utf8_count" && c["num"] == 1.0), "{custom:?}");
    let values: Vec<&str> =
        name["string_stats"]["top_values"].as_array().unwrap().iter().map(|t| t["value"].as_str().unwrap()).collect();
    assert!(values.contains(&"__BYTES_VALUE__"), "{values:?}");
}

#[test]
fn header_only_file_gives_zero_examples_and_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "header.csv", "a,b\n");
    tabx(dir.path(), &["stats", &input, "-o", "h.json"]).success().stderr(predicate::str::contains("warning"));
    assert_eq!(read_json(&dir.path().join("h.json"))["datasets"][0]["num_examples"], 0);
}

#[test]
fn datasets_command_writes_real_and_generated_taxi_data() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["datasets", "taxi", "-o", "real.csv"]).success();
    assert_eq!(std::fs::read(dir.path().join("real.csv")).unwrap(), std::fs::read(taxi("data.csv")).unwrap());
    tabx(dir.path(), &["datasets", "taxi", "--rows", "1000", "--seed", "3", "-o", "gen.parquet"]).success();
    tabx(dir.path(), &["stats", "gen.parquet", "-o", "gen.json", "-q"]).success();
    let stats = read_json(&dir.path().join("gen.json"));
    assert_eq!(stats["datasets"][0]["num_examples"], 1000);
    assert_eq!(stats["datasets"][0]["features"].as_array().unwrap().len(), 18);
}

#[test]
fn help_shows_examples() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["stats", "--help"]).success().stdout(predicate::str::contains("--shard 0/4 --partial"));
}

/// A CSV with a BOM, CRLF line ends, lone CRs and quoted line breaks inside
/// fields, multibyte UTF-8 across the cuts, and quoted quotes, read whole and
/// cut into ~1 KB ranges (`--split-bytes`): the same statistics, to the byte.
#[test]
fn split_ranges_give_the_statistics_of_one_range() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "hostile.csv", common::hostile_csv(3000));
    tabx(d, &["stats", "hostile.csv", "-o", "whole.json"]).success();
    let cut = ["stats", "hostile.csv", "--split-bytes", "1000", "--threads", "3", "-o", "cut.json"];
    let out =
        Command::cargo_bin("tabx").unwrap().current_dir(d).args(cut).env("TABX_LOG", "tabx_engine=debug").output();
    let stderr = String::from_utf8(out.unwrap().stderr).unwrap();
    let tasks: usize = stderr.split("tasks=").nth(1).and_then(|t| t.split_whitespace().next()?.parse().ok()).unwrap();
    assert!(tasks > 50, "{tasks} tasks: {stderr}");
    let (whole, cut) = (read_json(&d.join("whole.json")), read_json(&d.join("cut.json")));
    assert_eq!(whole["datasets"][0]["num_examples"], 3000);
    assert_eq!(whole, cut);
}
