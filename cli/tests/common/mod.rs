//! Helpers shared by the CLI tests: run `tabx`, read artifacts, find the taxi data.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

use assert_cmd::prelude::*;
use serde_json::Value;

/// `tabx` with `args`, run in `dir`.
pub fn tabx(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    Command::cargo_bin("tabx").expect("tabx binary").current_dir(dir).args(args).assert()
}

/// A file of the repository's `datasets/data/` folder.
pub fn taxi(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../datasets/data").join(name).display().to_string()
}

/// Reads a JSON artifact.
pub fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("artifact exists")).expect("valid JSON")
}

/// The feature `name` of the first dataset of a statistics JSON.
pub fn feature<'a>(stats: &'a Value, name: &str) -> &'a Value {
    stats["datasets"][0]["features"]
        .as_array()
        .expect("features")
        .iter()
        .find(|f| f["name"] == name)
        .unwrap_or_else(|| panic!("no feature {name}"))
}

/// Writes `text` to `dir/name` and returns the name.
pub fn write(dir: &Path, name: &str, content: impl AsRef<[u8]>) -> String {
    std::fs::write(dir.join(name), content).expect("write test input");
    name.to_string()
}

/// Checks artifacts with the tensorflow-metadata Python package (`.ci/check_tfmd.py`).
/// Skipped with a message where the package is missing, unless CI requires it
/// (`TABX_REQUIRE_PYTHON_CHECKS=1`).
pub fn check_with_tensorflow_metadata(kind: &str, files: &[&Path]) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.ci/check_tfmd.py");
    let python = std::env::var("TABX_PYTHON").unwrap_or_else(|_| "python3".into());
    let available =
        Command::new(&python).args(["-c", "import tensorflow_metadata"]).output().is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var("TABX_REQUIRE_PYTHON_CHECKS").is_err(),
            "tensorflow-metadata is required (pip install -r .ci/requirements-tfmd.txt)"
        );
        eprintln!("skipped: python3 cannot import tensorflow_metadata");
        return;
    }
    let output = Command::new(&python).arg(script).arg(kind).args(files).output().expect("run check_tfmd.py");
    assert!(
        output.status.success(),
        "tensorflow-metadata rejected the artifact:\n{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `rows` data rows of hostile but valid CSV: a UTF-8 BOM, CRLF line ends,
/// quoted fields holding CRLF, LF and lone CR, quoted quotes, multibyte
/// UTF-8 (é, 東京, 🚕) and a numeric column. Deterministic.
pub fn hostile_csv(rows: usize) -> Vec<u8> {
    let mut out = b"\xEF\xBB\xBFid,note,city,fare\r\n".to_vec();
    let notes = ["plain", "\"two\r\nlines\"", "\"lone\rcr\"", "\"say \"\"hi\"\"\nthen go\"", "\"a, b\""];
    let cities = ["Montr\u{e9}al", "\u{6771}\u{4eac}", "taxi \u{1f695}", "\"Chicago\""];
    for i in 0..rows {
        let line = format!("{i},{},{},{}.{:02}\r\n", notes[i % 5], cities[i % 4], i % 97, i % 100);
        out.extend_from_slice(line.as_bytes());
    }
    out
}
