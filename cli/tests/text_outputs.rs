//! Text row outputs: CSV named `.csv.gz` / `.csv.zst` is compressed (one
//! gzip member, one zstd frame): each decompresses (flate2, zstd: the
//! decoders of tabx's own reader, independent of the writer's encoder
//! settings) to the bytes of the same command's plain `.csv` output, and tabx
//! reads it back. JSON lines (`.jsonl`, `.ndjson`) hold the CSV output's rows,
//! one object per row, numbers as numbers.

mod common;

use std::io::Read;
use std::path::Path;

use common::{tabx, taxi, write};

fn decompressed(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    let mut text = String::new();
    let name = path.to_string_lossy();
    if name.ends_with(".gz") {
        // One member: a plain GzDecoder reads the whole file.
        flate2::read::GzDecoder::new(bytes.as_slice()).read_to_string(&mut text).unwrap();
    } else {
        // One frame: zstd's single-frame decoder reads the whole file.
        let all = zstd::bulk::decompress(&bytes, 64 << 20).unwrap();
        text = String::from_utf8(all).unwrap();
    }
    text
}

#[test]
fn compressed_csv_outputs_hold_the_plain_outputs_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_outputs(d, &["csv", "csv.gz", "csv.zst"]);
    for stem in ["out", "good", "bad"] {
        let plain = std::fs::read_to_string(d.join(format!("{stem}.csv"))).unwrap();
        assert!(plain.lines().count() > 10, "{stem}.csv has rows");
        for ext in ["csv.gz", "csv.zst"] {
            let path = d.join(format!("{stem}.{ext}"));
            assert_eq!(decompressed(&path), plain, "{}", path.display());
        }
    }
    // tabx reads its own compressed outputs: every transformed row is there.
    tabx(d, &["stats", "out.csv.zst", "-o", "back.json"])
        .success()
        .stderr(predicates::str::contains("wrote statistics of 15002 examples"));
}

/// JSON lines from `transform apply` (fixed columns, encoded by the workers)
/// and `validate --rows` (columns typed per task, spilled and widened): the
/// same rows as the CSV outputs, one object per line with every key, numbers
/// as JSON numbers, a missing value as null.
#[test]
fn json_lines_outputs_hold_the_csv_outputs_rows() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_outputs(d, &["csv", "jsonl", "ndjson.gz"]);
    for stem in ["out", "good", "bad"] {
        let mut csv = csv_rows(&d.join(format!("{stem}.csv")));
        let header = csv.remove(0);
        for text in [
            std::fs::read_to_string(d.join(format!("{stem}.jsonl"))).unwrap(),
            decompressed(&d.join(format!("{stem}.ndjson.gz"))),
        ] {
            let lines: Vec<serde_json::Map<String, serde_json::Value>> =
                text.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
            assert_eq!(lines.len(), csv.len(), "{stem}");
            for (object, row) in lines.iter().zip(&csv) {
                assert_eq!(object.keys().len(), header.len(), "{stem}: every key on every line");
                for (key, cell) in header.iter().zip(row) {
                    let value = &object[key.as_str()];
                    let same = match value {
                        serde_json::Value::Null => cell.is_empty(),
                        serde_json::Value::String(s) => s == cell,
                        serde_json::Value::Number(n) => n.as_f64().unwrap() == cell.parse::<f64>().unwrap(),
                        other => panic!("{stem}: {key} is {other}"),
                    };
                    assert!(same, "{stem}: {key}: {value} in JSON, {cell:?} in CSV");
                }
            }
        }
    }
    // z is a number on every line; trips without a company have null.
    let first: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(d.join("out.jsonl")).unwrap().lines().next().unwrap()).unwrap();
    assert!(first["z"].is_f64(), "{first}");
    // tabx reads its JSON lines back.
    tabx(d, &["stats", "out.jsonl", "-o", "back.json"])
        .success()
        .stderr(predicates::str::contains("wrote statistics of 15002 examples"));
}

/// `out.EXT` from `transform apply` (a z-score and a passthrough of the taxi
/// data) and `good.EXT` / `bad.EXT` from `validate --rows` (bad: trips paid
/// other than by cash or credit card), for each of `exts`.
fn write_outputs(d: &Path, exts: &[&str]) {
    let spec = "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [trip_miles], fill: 0}\npassthrough: [company]\n";
    write(d, "spec.yaml", spec);
    write(
        d,
        "schema.pbtxt",
        "feature { name: \"payment_type\" type: BYTES domain: \"pay\" }\n\
         string_domain { name: \"pay\" value: \"Cash\" value: \"Credit Card\" }\n",
    );
    let data = taxi("data.csv");
    tabx(d, &["transform", "fit", &data, "--spec", "spec.yaml", "-q"]).success();
    for ext in exts {
        tabx(d, &["transform", "apply", &data, "-o", &format!("out.{ext}"), "-q"]).success();
        let (good, bad) = (format!("good.{ext}"), format!("bad.{ext}"));
        let validate = ["validate", &data, "--schema", "schema.pbtxt", "--rows", "--good", &good, "--bad", &bad];
        tabx(d, &[&validate[..], &["-q", "--findings-exit-zero"]].concat()).success();
    }
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).from_path(path).unwrap();
    reader.records().map(|r| r.unwrap().iter().map(String::from).collect()).collect()
}
