//! Bad input: each gives exit status 2 and a message naming file, line and column.

mod common;

use common::{tabx, taxi, write};
use predicates::prelude::*;

fn fails_with(dir: &std::path::Path, args: &[&str], needles: &[&str]) {
    let mut assert = tabx(dir, args).code(2);
    for needle in needles {
        assert = assert.stderr(predicate::str::contains(*needle));
    }
}

#[test]
fn ragged_row_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "ragged.csv", "a,b\n1,2\n3\n4,5\n");
    fails_with(dir.path(), &["stats", &input], &["ragged.csv:3", "expected 2 fields, found 1"]);
}

#[test]
fn unclosed_quote_is_detected_not_swallowed() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "quote.csv", "a,b\n1,\"abc\n2,y\n3,z\n");
    fails_with(dir.path(), &["stats", &input], &["quote.csv:2", "quote"]);
}

#[test]
fn value_that_does_not_parse_as_the_schema_type() {
    let dir = tempfile::tempdir().unwrap();
    let schema = write(dir.path(), "schema.pbtxt", "feature { name: \"n\" type: INT }\n");
    let input = write(dir.path(), "typed.csv", "n,s\n1,a\n2.5,b\n");
    fails_with(dir.path(), &["stats", &input, "--schema", &schema], &["typed.csv:3", "column n", "INT"]);
}

#[test]
fn empty_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "empty.csv", "");
    fails_with(dir.path(), &["stats", &input], &["empty.csv", "empty"]);
}

#[test]
fn truncated_parquet_is_that_file_s_error() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(taxi("data.parquet")).unwrap();
    let input = write(dir.path(), "cut.parquet", &bytes[..bytes.len() / 2]);
    fails_with(dir.path(), &["stats", &input], &["cut.parquet"]);
}

#[test]
fn unreachable_url() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(dir.path(), &["stats", "http://127.0.0.1:1/trips.csv"], &["http://127.0.0.1:1/trips.csv"]);
}

#[test]
fn missing_file_and_bad_flags() {
    let dir = tempfile::tempdir().unwrap();
    fails_with(dir.path(), &["stats", "nope.csv"], &["nope.csv"]);
    let input = write(dir.path(), "ok.csv", "a\n1\n");
    fails_with(dir.path(), &["stats", &input, "--sample-rate", "2"], &["--sample-rate"]);
    fails_with(dir.path(), &["stats", &input, "--weight", "w"], &["weight column `w`", "columns are: a"]);
    fails_with(dir.path(), &["stats", &input, "--on-error", "explode"], &["explode"]);
}

#[test]
fn skip_and_quarantine_count_bad_rows_and_keep_them() {
    let dir = tempfile::tempdir().unwrap();
    let input = write(dir.path(), "mixed.csv", "a,b\n1,2\n3\n4,5\n6,7,8\n");
    tabx(dir.path(), &["stats", &input, "--on-error", "skip", "-o", "s.json"])
        .success()
        .stderr(predicate::str::contains("2 of 4 rows could not be read"));
    tabx(dir.path(), &["stats", &input, "--on-error", "quarantine=bad.csv", "-o", "q.json"]).success();
    let bad = std::fs::read_to_string(dir.path().join("bad.csv")).unwrap();
    assert!(bad.contains("mixed.csv:3") && bad.contains("mixed.csv:5"), "{bad}");
    assert_eq!(bad.lines().count(), 3, "header + 2 bad rows:\n{bad}");
    let stats = common::read_json(&dir.path().join("q.json"));
    assert_eq!(stats["datasets"][0]["num_examples"], 2);
}

/// 300 files under `ulimit -n 256` with `--on-error quarantine`: a task opens
/// its part at its first bad row and closes it when it ends, so neither
/// clean files (no part at all) nor bad ones (one part, closed) exhaust the
/// descriptors. (Each task once held an open part until the scan's end.)
#[test]
fn quarantine_of_300_files_fits_in_256_descriptors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("clean")).unwrap();
    std::fs::create_dir(d.join("dirty")).unwrap();
    for i in 0..300 {
        write(d, &format!("clean/f{i:03}.csv"), "a,b\n1,2\n");
        write(d, &format!("dirty/f{i:03}.csv"), "a,b\n1,2\n3\n");
    }
    let tabx_bin = assert_cmd::cargo::cargo_bin("tabx");
    for (folder, bad_rows) in [("clean", 0), ("dirty", 300)] {
        let script = format!(
            "ulimit -n 256 && exec '{}' stats {folder} --threads 4 --on-error quarantine={folder}.q.csv -o {folder}.json",
            tabx_bin.display()
        );
        let out = std::process::Command::new("sh").arg("-c").arg(&script).current_dir(d).output().unwrap();
        assert!(out.status.success(), "{folder}: {}", String::from_utf8_lossy(&out.stderr));
        let quarantined = std::fs::read_to_string(d.join(format!("{folder}.q.csv"))).unwrap();
        assert_eq!(quarantined.lines().count(), 1 + bad_rows, "{folder}");
        assert!(quarantined.starts_with("a,b,_tabx_source,_tabx_reasons,_tabx_raw\n"), "{quarantined}");
    }
}

/// Credentials never reach the output: a canary key and secret in the
/// environment, every log at trace level, an S3 endpoint that refuses every
/// connection (so the request is signed, sent and retried until it fails).
#[test]
fn a_canary_credential_never_appears_in_output() {
    let dir = tempfile::tempdir().unwrap();
    let (key, secret) = ("AKIATABXCANARY000001", "tabx-canary-secret-7f3a9c");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("tabx"))
        .current_dir(dir.path())
        .args(["stats", "s3://canary-bucket/trips/data.csv", "-o", "s.json"])
        .env("TABX_LOG", "trace")
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_SESSION_TOKEN", "tabx-canary-token-11")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT", "http://127.0.0.1:9")
        .env("AWS_ALLOW_HTTP", "true")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("canary-bucket"), "the error names the URL: {text}");
    for canary in [key, secret, "tabx-canary-token-11"] {
        assert!(!text.contains(canary), "{canary} leaked:\n{text}");
    }
}

/// A row output named for a format tabx does not write is refused before
/// anything is written (it used to get CSV under that name: a `.parquet.gz`
/// that is neither, a `.json` of CSV lines, a quarantine `.parquet` of CSV).
#[test]
fn row_outputs_named_for_another_format_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let spec = write(d, "spec.yaml", "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [trip_miles], fill: 0}\n");
    tabx(d, &["transform", "fit", &taxi("data.csv"), "--spec", &spec, "-q", "-o", "t.json"]).success();
    fails_with(
        d,
        &["transform", "apply", &taxi("data.csv"), "--transform", "t.json", "-o", "out.parquet.gz"],
        &[
            "out.parquet.gz: tabx writes rows as CSV (.csv), JSON lines (.jsonl, .ndjson), either .gz or .zst, or \
             Parquet (.parquet, .pq), not .parquet",
            "hint: Parquet pages are compressed inside the file",
        ],
    );
    tabx(d, &["stats", &taxi("data.csv"), "-q", "-o", "s.json"]).success();
    tabx(d, &["schema", "infer", "s.json", "-q", "-o", "schema.pbtxt"]).success();
    fails_with(
        d,
        &[
            "validate",
            &taxi("data.csv"),
            "--schema",
            "schema.pbtxt",
            "--rows",
            "--good",
            "good.json",
            "--bad",
            "bad.csv",
        ],
        &["good.json: tabx writes rows as CSV", "hint: name it .jsonl: tabx writes one JSON object per line"],
    );
    fails_with(
        d,
        &["stats", &taxi("data.csv"), "--on-error", "quarantine=bad.parquet", "-o", "s2.json"],
        &["the quarantine is plain CSV"],
    );
    for name in ["out.parquet.gz", "good.json", "bad.csv", "bad.parquet", "s2.json"] {
        assert!(!d.join(name).exists(), "{name} was written");
    }
}

/// tabx's own artifacts given to each other's flags are named with the flag
/// they go to (a model as --transform said "missing field `spec`" and told
/// to fit the transform again; an eval.json as --config listed the config's
/// fields).
#[test]
fn tabx_artifacts_given_to_the_wrong_flag_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let head = "{\n  \"format_version\": 1,\n  \"tabx_version\": \"0.1.0\",\n";
    write(d, "transform.json", format!("{head}  \"spec\": {{\"outputs\": []}}\n}}\n"));
    write(d, "model.json", format!("{head}  \"kind\": \"linear\"\n}}\n"));
    write(d, "eval.json", format!("{head}  \"config\": {{}}\n}}\n"));
    let data = taxi("data.csv");
    fails_with(
        d,
        &["transform", "apply", &data, "--transform", "model.json", "-o", "o.csv"],
        &["this is a model, not a transform: a model goes to --model"],
    );
    write(d, "spec.yaml", "outputs:\n  - {name: z, op: log1p, inputs: [trip_miles], fill: 0}\n");
    tabx(d, &["transform", "fit", &data, "--spec", "spec.yaml", "-q", "-o", "fitted.json"]).success();
    fails_with(
        d,
        &["predict", &data, "--transform", "fitted.json", "--model", "fitted.json", "-o", "p.csv"],
        &["this is a fitted transform, not a model: a transform goes to --transform"],
    );
    fails_with(
        d,
        &["evaluate", &data, "--config", "eval.json"],
        &["eval.json: this is an evaluation, not an evaluation config: an evaluation goes to --eval (tabx report)"],
    );
    fails_with(
        d,
        &["validate", "--stats", "model.json", "--schema", "transform.json"],
        &["transform.json: this is a fitted transform, not a schema: a transform goes to --transform"],
    );
}
