//! `tabx datasets taxi`: generated files, with and without injected faults.

mod common;

use common::tabx;
use predicates::prelude::*;

fn generate(dir: &std::path::Path, name: &str, extra: &[&str]) -> String {
    let mut args = vec!["datasets", "taxi", "--rows", "2000", "--seed", "3", "-o", name];
    args.extend_from_slice(extra);
    tabx(dir, &args).success();
    std::fs::read_to_string(dir.join(name)).unwrap()
}

#[test]
fn inject_changes_only_the_named_column() {
    let dir = tempfile::tempdir().unwrap();
    let clean = generate(dir.path(), "clean.csv", &[]);
    let faulted = generate(dir.path(), "faulted.csv", &["--inject", "new-value=payment_type:Bitcoin:0.05"]);
    let (clean, faulted): (Vec<&str>, Vec<&str>) = (clean.lines().collect(), faulted.lines().collect());
    assert_eq!(clean.len(), faulted.len());
    assert_eq!(clean[0], faulted[0]);
    let payment = clean[0].split(',').position(|h| h == "payment_type").unwrap();
    let mut changed = 0;
    for (c, f) in clean.iter().zip(&faulted) {
        // Only numbers come before payment_type: its field index is the same in every row.
        let (c, f): (Vec<&str>, Vec<&str>) = (c.split(',').collect(), f.split(',').collect());
        if c != f {
            assert_eq!(f[payment], "Bitcoin");
            assert_eq!([&c[..payment], &c[payment + 1..]], [&f[..payment], &f[payment + 1..]]);
            changed += 1;
        }
    }
    // 2000 × 0.05 = 100, sd = sqrt(2000 × 0.05 × 0.95) = 9.7: 5 sd is [51, 149].
    assert!((51..=149).contains(&changed), "{changed} rows changed");
}

#[test]
fn bad_inject_shows_the_syntax() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["datasets", "taxi", "--rows", "10", "-o", "x.csv", "--inject", "scale=fare"])
        .code(2)
        .stderr(predicate::str::contains("bad fault 'scale=fare'"))
        .stderr(predicate::str::contains("scale=COLUMN:FACTOR[:OFFSET]"))
        .stderr(predicate::str::contains("new-value=COLUMN:VALUE:FRACTION"));
    tabx(dir.path(), &["datasets", "taxi", "--rows", "10", "-o", "x.csv", "--inject", "drop=tip"])
        .code(2)
        .stderr(predicate::str::contains("unknown taxi column 'tip'"))
        .stderr(predicate::str::contains("tips"));
    tabx(dir.path(), &["datasets", "taxi", "-o", "x.csv", "--inject", "drop=tips"])
        .code(2)
        .stderr(predicate::str::contains("--inject needs --rows"));
    assert!(!dir.path().join("x.csv").exists());
}

/// A pipeline step's output: folders that do not exist yet are created (the
/// image has no shell), and only the whole file appears under its name.
#[test]
fn generated_rows_go_into_folders_that_do_not_exist_yet() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a/b/rows.csv", "c/rows.parquet", "d/e/rows.csv.gz"] {
        tabx(dir.path(), &["datasets", "taxi", "--rows", "100", "-o", name, "-q"]).success();
        let folder = dir.path().join(name).parent().unwrap().to_path_buf();
        let files: Vec<_> = std::fs::read_dir(&folder).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(files, [std::path::Path::new(name).file_name().unwrap()], "{name}: no temporary file left");
    }
    tabx(dir.path(), &["datasets", "taxi", "--rows", "10", "-o", "f/rows.txt"])
        .code(2)
        .stderr(predicate::str::contains("f/rows.txt: unknown output format"));
    assert!(!dir.path().join("f").exists(), "a bad name creates nothing");
}
