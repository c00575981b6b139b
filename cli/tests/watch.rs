//! `tabx watch` end to end: a CSV stream on stdin cut into windows, JSON
//! lines out (inline statistics on stdout, files in a folder), alerts with
//! `--alert-exec`, `--max-windows`, exit codes, and bad flags. Row counts are
//! hand counts of the generated input.

mod common;

use std::path::Path;

use common::{read_json, tabx, write};
use predicates::str::contains;
use serde_json::Value;

/// A schema for `x` (INT) and `pay` (BYTES in {a, b}), and `n` rows whose pay
/// is `bad_pay` from row `bad_from` on.
fn setup(dir: &Path, n: usize, bad_from: usize, bad_pay: &str) -> String {
    write(
        dir,
        "schema.pbtxt",
        r#"feature { name: "x" type: INT }
feature { name: "pay" type: BYTES domain: "pay" }
string_domain { name: "pay" value: "a" value: "b" }
"#,
    );
    let mut text = String::from("x,pay\n");
    for i in 0..n {
        let pay = if i >= bad_from {
            bad_pay
        } else if i % 2 == 0 {
            "a"
        } else {
            "b"
        };
        text.push_str(&format!("{i},{pay}\n"));
    }
    text
}

fn watch(dir: &Path, stdin: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut cmd = assert_cmd::Command::cargo_bin("tabx").unwrap();
    cmd.current_dir(dir).arg("watch").arg("-").args(args).write_stdin(stdin).assert()
}

fn lines(text: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(text).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

#[test]
fn stdin_windows_to_stdout_with_inline_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let stream = setup(dir.path(), 250, 1000, "");
    let out = watch(dir.path(), &stream, &["--schema", "schema.pbtxt", "--window", "rows=100"]).success();
    let windows = lines(&out.get_output().stdout);
    // 250 rows: 0-99, 100-199, and a short 200-249 at the end of input.
    let rows: Vec<u64> = windows.iter().map(|w| w["rows"].as_u64().unwrap()).collect();
    assert_eq!(rows, [100, 100, 50]);
    assert_eq!(windows[1]["bounds"]["rows"], serde_json::json!({"first": 100, "last": 199}));
    assert_eq!(windows[2]["end_of_input"], true);
    // The statistics are tabx stats' artifact: mean of x over 100..=199 is 149.5.
    let x = windows[1]["statistics"]["datasets"][0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "x")
        .unwrap()
        .clone();
    assert_eq!(x["num_stats"]["mean"], 149.5);
    assert!(windows.iter().all(|w| w["anomalies"].as_array().unwrap().is_empty()));
}

#[test]
fn anomalies_and_rejected_rows_raise_alerts_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // From row 150 on, pay is "gold" (not in the domain); row 20's x is "x" (not an INT).
    let stream = setup(d, 300, 150, "gold").replacen("20,a\n", "x,a\n", 1);
    let out = watch(
        d,
        &stream,
        &["--schema", "schema.pbtxt", "--window", "rows=100", "-o", "w", "--alert-exec", "cat >> alerts-seen.txt"],
    )
    .code(1)
    .stderr(contains("ALERT window 1"))
    .stderr(contains("1 rejected"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    // 299 rows read: windows 0-99 (1 rejected before it closed), 100-199, 200-298.
    assert!(stderr.contains("3 windows: 299 rows, 1 rejected, 2 with anomalies"), "{stderr}");
    let windows = lines(&std::fs::read(d.join("w/windows.jsonl")).unwrap());
    assert_eq!(windows.len(), 3);
    assert_eq!(windows[0]["rejected"], 1);
    assert_eq!(windows[0]["statistics"], "stats-000000.json");
    let types: Vec<&str> =
        windows[1]["anomalies"].as_array().unwrap().iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ENUM_TYPE_UNEXPECTED_STRING_VALUES"]);
    // The window's statistics file is `tabx stats`' artifact.
    let stats = read_json(&d.join("w/stats-000002.json"));
    assert_eq!(stats["datasets"][0]["num_examples"], 99);
    // Alerts: window 0 (a rejected row), 1 and 2 (gold), each also given to the command.
    let alerts = lines(&std::fs::read(d.join("w/alerts.jsonl")).unwrap());
    assert_eq!(alerts.iter().map(|a| a["index"].as_u64().unwrap()).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(alerts.iter().all(|a| a.get("statistics").is_none()));
    let seen = lines(&std::fs::read(d.join("alerts-seen.txt")).unwrap());
    assert_eq!(seen, alerts);
}

#[test]
fn max_windows_ends_the_watch() {
    let dir = tempfile::tempdir().unwrap();
    let stream = setup(dir.path(), 5000, 5000, "");
    let out = watch(dir.path(), &stream, &["--schema", "schema.pbtxt", "--window", "rows=100", "--max-windows", "2"])
        .success()
        .stderr(contains("2 windows (--max-windows reached)"));
    assert_eq!(lines(&out.get_output().stdout).len(), 2);
}

#[test]
fn bad_flags_say_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stream = setup(d, 10, 10, "");
    watch(d, &stream, &["--window", "rows=10"]).code(2).stderr(contains("--schema is required"));
    watch(d, &stream, &["--schema", "schema.pbtxt", "--window", "cols=3"])
        .code(2)
        .stderr(contains("unknown window"))
        .stderr(contains("--window rows=100000"));
    watch(d, &stream, &["--schema", "schema.pbtxt", "--window", "rows=10", "--slide", "rows=3"])
        .code(2)
        .stderr(contains("does not divide"));
    watch(d, &stream, &["--schema", "schema.pbtxt", "--window", "time=missing:1h"])
        .code(2)
        .stderr(contains("no event-time column `missing`"));
    tabx(d, &["watch", "nope.csv", "--schema", "schema.pbtxt", "--window", "rows=10"])
        .code(2)
        .stderr(contains("nope.csv"));
}
