//! `--shard I/N --partial` then `tabx merge`: the same statistics as one run.

mod common;

use common::{feature, read_json, tabx, taxi};
use predicates::prelude::*;
use serde_json::Value;

fn shard_and_merge(input: &str, n: usize) -> (Value, Value) {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["stats", input, "-o", "whole.json", "-q"]).success();
    let mut parts = Vec::new();
    for i in 0..n {
        let part = format!("part-{i}.partial");
        tabx(dir.path(), &["stats", input, "--shard", &format!("{i}/{n}"), "--partial", "-o", &part, "-q"]).success();
        parts.push(part);
    }
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["-o", "merged.json"]);
    tabx(dir.path(), &args).success();
    (read_json(&dir.path().join("whole.json")), read_json(&dir.path().join("merged.json")))
}

/// Exact statistics must be identical. The median and histograms are exact
/// too while a column has few distinct values (`custom_stats` says so, as it
/// does for every column of the taxi sample): then the whole `num_stats` is
/// identical; a sketched one must stay between min and max.
fn assert_same_exact_statistics(whole: &Value, merged: &Value) {
    assert_eq!(whole["datasets"][0]["num_examples"], merged["datasets"][0]["num_examples"]);
    for f in whole["datasets"][0]["features"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let g = feature(merged, name);
        assert_eq!(f["type"], g["type"], "{name}");
        if let Some(n) = f.get("num_stats") {
            for key in ["mean", "std_dev", "min", "max", "num_zeros"] {
                assert_eq!(n[key], g["num_stats"][key], "{name}.{key}");
            }
            assert_eq!(n["common_stats"]["num_missing"], g["num_stats"]["common_stats"]["num_missing"], "{name}");
            let how = |f: &Value| {
                let custom = f["custom_stats"].as_array().unwrap();
                custom.iter().find(|c| c["name"] == "tabx_quantiles").map(|c| c["str"].as_str().unwrap().to_string())
            };
            let exact = how(f).is_some_and(|h| h.starts_with("exact"));
            assert_eq!(exact, how(g).is_some_and(|h| h.starts_with("exact")), "{name}");
            if exact {
                assert_eq!(n, &g["num_stats"], "{name}: exact quantiles differ");
            } else {
                let median = g["num_stats"]["median"].as_f64().unwrap();
                assert!(n["min"].as_f64().unwrap() <= median && median <= n["max"].as_f64().unwrap(), "{name}");
            }
        } else {
            assert_eq!(f["string_stats"], g["string_stats"], "{name}");
        }
    }
}

#[test]
fn csv_shards_merge_to_the_whole() {
    let (whole, merged) = shard_and_merge(&taxi("data.csv"), 3);
    assert_same_exact_statistics(&whole, &merged);
}

#[test]
fn parquet_shards_merge_to_the_whole() {
    let (whole, merged) = shard_and_merge(&taxi("data.parquet"), 4);
    assert_same_exact_statistics(&whole, &merged);
}

#[test]
fn merge_refuses_missing_duplicate_and_mismatched_shards() {
    let dir = tempfile::tempdir().unwrap();
    let input = taxi("data.csv");
    for i in 0..3 {
        tabx(
            dir.path(),
            &["stats", &input, "--shard", &format!("{i}/3"), "--partial", "-o", &format!("p{i}.partial"), "-q"],
        )
        .success();
    }
    tabx(dir.path(), &["stats", &input, "--shard", "0/3", "--partial", "--top-k", "5", "-o", "other.partial", "-q"])
        .success();
    tabx(dir.path(), &["merge", "p0.partial", "p2.partial", "-o", "m.json"])
        .code(2)
        .stderr(predicate::str::contains("missing shards: 1/3"));
    tabx(dir.path(), &["merge", "p0.partial", "p1.partial", "p2.partial", "p2.partial", "-o", "m.json"])
        .code(2)
        .stderr(predicate::str::contains("twice"));
    tabx(dir.path(), &["merge", "other.partial", "p1.partial", "p2.partial", "-o", "m.json"])
        .code(2)
        .stderr(predicate::str::contains("other options"));
    std::fs::write(dir.path().join("junk.partial"), b"not a partial").unwrap();
    tabx(dir.path(), &["merge", "junk.partial", "-o", "m.json"])
        .code(2)
        .stderr(predicate::str::contains("junk.partial"));
}

#[test]
fn shards_that_disagree_on_a_column_type_do_not_merge() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("in")).unwrap();
    // Two files, one shard each: `x` is INT in the first, STRING in the second;
    // `y` is INT and FLOAT, which merges as FLOAT.
    std::fs::write(dir.path().join("in/a.csv"), "x,y\n1,1\n2,2\n").unwrap();
    std::fs::write(dir.path().join("in/b.csv"), "x,y\nabc,2.5\n").unwrap();
    for i in 0..2 {
        tabx(
            dir.path(),
            &["stats", "in", "--shard", &format!("{i}/2"), "--partial", "-o", &format!("p{i}.partial"), "-q"],
        )
        .success();
    }
    tabx(dir.path(), &["merge", "p0.partial", "p1.partial", "-o", "m.json"])
        .code(2)
        .stderr(predicate::str::contains("STRING in others: x").and(predicate::str::contains("--schema")));
    // One process over both files re-reads `x` as strings itself.
    tabx(dir.path(), &["stats", "in", "-o", "whole.json", "-q"]).success();
    let whole = read_json(&dir.path().join("whole.json"));
    assert_eq!(feature(&whole, "x")["type"], "STRING");
    assert_eq!(feature(&whole, "x")["string_stats"]["unique"], 3);
    assert_eq!(feature(&whole, "y")["type"], "FLOAT");
    // Hand computation: mean of 1, 2, 2.5 = 5.5 / 3.
    assert_eq!(feature(&whole, "y")["num_stats"]["mean"], 5.5 / 3.0);
}

#[test]
fn partials_go_into_folders_that_do_not_exist_yet() {
    // A pod writes under its own prefix; the image has no shell to mkdir it.
    let dir = tempfile::tempdir().unwrap();
    let data = taxi("data.csv");
    for (kind, args) in
        [("stats", vec!["stats", data.as_str()]), ("fit", vec!["transform", "fit", data.as_str(), "--spec", "SPEC"])]
    {
        let spec = taxi("taxi_transform.yaml");
        let part = format!("out/{kind}/shard-0/part.partial");
        let mut args: Vec<&str> = args.into_iter().map(|a| if a == "SPEC" { spec.as_str() } else { a }).collect();
        args.extend(["--shard", "0/2", "--partial", "-o", part.as_str(), "-q"]);
        tabx(dir.path(), &args).success();
        assert!(dir.path().join(&part).exists(), "{part}");
    }
}

/// The row files of a sharded step (one row group each), sharded again by the
/// next step as the workflow does: with N files and N shards each shard gets
/// one file, and a shard left without data still writes the columns, so that
/// the step after it reads `part-*.parquet` as one table.
#[test]
fn row_files_of_a_sharded_step_go_one_per_shard_and_an_empty_shard_keeps_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for i in 0..4 {
        let shard = format!("{i}/4");
        tabx(d, &["split", &taxi("data.csv"), "--ratio", "train=2,eval=1", "--shard", &shard, "-o", "splits", "-q"])
            .success();
    }
    let spec = taxi("taxi_transform.yaml");
    tabx(d, &["transform", "fit", "splits/train/part-*.parquet", "--spec", &spec, "-o", "t.json", "-q"]).success();
    let train = ["train", "splits/train/part-*.parquet", "--transform", "t.json", "--label", "fare", "-o", "m.json"];
    tabx(d, &[&train[..], &["--kind", "linear", "-q"]].concat()).success();
    let rows_and_columns = |path: &str| {
        tabx(d, &["stats", path, "-o", "s.json", "-q"]).success();
        let stats = read_json(&d.join("s.json"));
        let dataset = &stats["datasets"][0];
        (dataset["num_examples"].as_u64().unwrap_or(0), dataset["features"].as_array().map_or(0, Vec::len))
    };
    for n in [4, 5] {
        let out = format!("pred{n}");
        for i in 0..n {
            let shard = format!("{i}/{n}");
            let predict = ["predict", "splits/eval/part-*.parquet", "--transform", "t.json", "--model", "m.json"];
            tabx(d, &[&predict[..], &["--shard", &shard, "-o", &out, "-q"]].concat()).success();
        }
        let parts: Vec<(u64, usize)> = (0..n).map(|i| rows_and_columns(&format!("{out}/part-{i}.parquet"))).collect();
        // 18 raw columns + the prediction in every part; 4 files of eval rows over 4 or 5 shards.
        assert!(parts.iter().all(|&(_, columns)| columns == 19), "{n} shards: {parts:?}");
        assert_eq!(parts.iter().filter(|&&(rows, _)| rows > 0).count(), 4, "{n} shards: {parts:?}");
        let (all, _) = rows_and_columns(&format!("{out}/part-*.parquet"));
        assert_eq!(all, rows_and_columns("splits/eval/part-*.parquet").0);
    }
}
