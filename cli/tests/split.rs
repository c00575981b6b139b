//! `tabx split` on the taxi data: TFX's hash split, the same on every run,
//! thread count, shard and input format.
//!
//! Expected counts come from an independent Python reimplementation
//! (`engine/tests/reference/rows.py`: Python's csv module,
//! hashlib.sha256, and for `--key` the tf.train.Feature bytes built by the
//! protobuf 7.36 library from tensorflow/core/example/feature.proto's field
//! numbers, serialised with `deterministic=True`; then TFX's
//! `int(hashlib.sha256(key).hexdigest(), 16) % 3` and `bisect`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use common::{tabx, taxi, write};
use predicates::str::contains;

/// The records of a CSV file (header first).
fn records(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).expect("split file");
    reader.records().map(|r| r.expect("record").iter().map(str::to_string).collect()).collect()
}

fn split_csv(dir: &Path, input: &str, out: &str, extra: &[&str]) -> (Vec<Vec<String>>, Vec<Vec<String>>) {
    let mut args = vec!["split", input, "--ratio", "train=2,eval=1", "--format", "csv", "-o", out];
    args.extend_from_slice(extra);
    tabx(dir, &args).success();
    (records(&dir.join(out).join("train.csv")), records(&dir.join(out).join("eval.csv")))
}

#[test]
fn rows_split_as_the_reference_computes() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        tabx(dir.path(), &["split", &taxi("data.csv"), "--ratio", "train=2,eval=1", "--format", "csv", "-o", "s"])
            .success();
    // rows.py: 10058 train, 4944 eval (15002 rows; 67.04%, close to the 2:1 buckets).
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.contains("split 15002 rows") && stdout.contains("10058 rows") && stdout.contains("4944 rows"));
    let (train, eval) = (records(&dir.path().join("s/train.csv")), records(&dir.path().join("s/eval.csv")));
    assert_eq!((train.len() - 1, eval.len() - 1), (10058, 4944));
    assert_eq!(train[0], eval[0]);
    assert_eq!(train[0][0], "pickup_community_area");
}

/// Split files in the text formats tabx writes rows in, named by --format
/// (`train.jsonl.gz`, `eval.csv.zst`): each holds the rows of the CSV split,
/// as tabx reads them back (10058 and 4944, as above).
#[test]
fn splits_in_every_row_format() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["jsonl.gz", "csv.zst"] {
        tabx(dir.path(), &["split", &taxi("data.csv"), "--format", format, "-q", "-o", "s"]).success();
        for (name, rows) in [("train", 10058), ("eval", 4944)] {
            let file = format!("s/{name}.{format}");
            tabx(dir.path(), &["stats", &file, "-o", "st.json"])
                .success()
                .stderr(contains(format!("wrote statistics of {rows} examples")));
        }
    }
}

#[test]
fn a_key_column_keeps_its_values_together_as_tfx_does() {
    let dir = tempfile::tempdir().unwrap();
    let (train, eval) = split_csv(dir.path(), &taxi("data.csv"), "k", &["--key", "company"]);
    // rows.py with TFX's Feature key: 11518 train, 3484 eval (empty company: the empty Feature).
    assert_eq!((train.len() - 1, eval.len() - 1), (11518, 3484));
    let company = train[0].iter().position(|c| c == "company").unwrap();
    let names = |rows: &[Vec<String>]| rows[1..].iter().map(|r| r[company].clone()).collect::<BTreeSet<_>>();
    let (in_train, in_eval) = (names(&train), names(&eval));
    assert!(in_train.is_disjoint(&in_eval), "{:?}", in_train.intersection(&in_eval).collect::<Vec<_>>());
    assert!(in_train.len() > 10 && in_eval.len() > 5);
}

#[test]
fn the_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    for (threads, out) in [("1", "one"), ("0", "all")] {
        tabx(dir.path(), &["split", &taxi("data.csv"), "--threads", threads, "-o", out]).success();
        tabx(dir.path(), &["split", &taxi("data.parquet"), "--threads", threads, "-o", &format!("{out}-pq")]).success();
    }
    for name in ["train.parquet", "eval.parquet"] {
        for (a, b) in [("one", "all"), ("one-pq", "all-pq")] {
            let read = |d: &str| std::fs::read(dir.path().join(d).join(name)).unwrap();
            assert!(read(a) == read(b), "{a}/{name} and {b}/{name} differ");
        }
    }
}

#[test]
fn shards_together_are_the_unsharded_split() {
    let dir = tempfile::tempdir().unwrap();
    for input in [taxi("data.csv"), taxi("data.parquet")] {
        let (train, eval) = split_csv(dir.path(), &input, "whole", &[]);
        let mut parts: BTreeMap<&str, Vec<Vec<String>>> = BTreeMap::new();
        for i in 0..3 {
            tabx(dir.path(), &["split", &input, "--format", "csv", "--shard", &format!("{i}/3"), "-o", "sh"]).success();
            for name in ["train", "eval"] {
                let rows = records(&dir.path().join(format!("sh/{name}/part-{i}.csv")));
                parts.entry(name).or_default().extend(rows.into_iter().skip(1));
            }
        }
        let sorted = |mut rows: Vec<Vec<String>>| {
            rows.sort();
            rows
        };
        assert_eq!(sorted(parts.remove("train").unwrap()), sorted(train[1..].to_vec()), "{input}");
        assert_eq!(sorted(parts.remove("eval").unwrap()), sorted(eval[1..].to_vec()), "{input}");
    }
}

#[test]
fn csv_and_parquet_inputs_split_alike() {
    let dir = tempfile::tempdir().unwrap();
    for key in [None, Some("company"), Some("trip_start_timestamp")] {
        let extra: Vec<&str> = key.map(|k| vec!["--key", k]).unwrap_or_default();
        let from_csv = split_csv(dir.path(), &taxi("data.csv"), "c", &extra);
        let from_parquet = split_csv(dir.path(), &taxi("data.parquet"), "p", &extra);
        assert_eq!(from_csv, from_parquet, "--key {key:?}");
    }
}

#[test]
fn bad_ratios_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (ratio, says) in [
        ("train=0", "split `train` has 0 hash buckets"),
        ("train", "`train` in --ratio is not NAME=BUCKETS"),
        ("train=2,train=1", "split `train` is given twice"),
        ("", "no splits given"),
        ("train=-2,eval=1", "`-2` is not a whole number of buckets"),
    ] {
        tabx(dir.path(), &["split", &taxi("data.csv"), "--ratio", ratio, "-o", "s"])
            .code(2)
            .stderr(contains("invalid --ratio"))
            .stderr(contains(says));
    }
    assert!(!dir.path().join("s").exists());
}

#[test]
fn a_missing_key_column_is_named_with_the_columns() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["split", &taxi("data.csv"), "--key", "compnay", "-o", "s"])
        .code(2)
        .stderr(contains("the key column `compnay` is not in the input"))
        .stderr(contains("its columns: pickup_community_area, fare,"))
        .stderr(contains("company, trip_seconds"));
    // No half-written split is left behind.
    assert!(!dir.path().join("s/train.parquet").exists());
}

#[test]
fn a_float_key_is_an_error_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    // data.csv line 2 has fare 12.45: TFX partitions only by int64 or bytes features.
    tabx(dir.path(), &["split", &taxi("data.csv"), "--key", "fare", "-o", "s"])
        .code(2)
        .stderr(contains("data.csv:2"))
        .stderr(contains("`fare` holds the non-integer number 12.45"));
}

#[test]
fn an_unwritable_output_folder_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = write(dir.path(), "not-a-dir", "x");
    tabx(dir.path(), &["split", &taxi("data.csv"), "-o", &format!("{file}/splits")])
        .code(2)
        .stderr(contains("cannot write the split `train`"))
        .stderr(contains("not-a-dir/splits"));
}

#[test]
fn bad_rows_follow_on_error_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "t.csv", "id,name\n1,a\n2,b,extra\n3,c\n4,d\n");
    tabx(dir.path(), &["split", &input, "-o", "s"]).code(2).stderr(contains("t.csv:3"));
    let out = tabx(
        dir.path(),
        &["split", &input, "--on-error", "quarantine=bad.csv", "--ratio", "all=1", "--format", "csv", "-o", "s"],
    )
    .success()
    .stderr(contains("1 row could not be read and is in no split"))
    .stderr(contains("bad.csv"));
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(stdout.contains(" 3 rows") && stdout.contains("100.00%"), "{stdout}");
    assert_eq!(records(&dir.path().join("s/all.csv")).len(), 4);
    assert!(std::fs::read_to_string(dir.path().join("bad.csv")).unwrap().contains("extra"));
}
