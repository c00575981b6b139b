//! CSV row outputs named `.csv.gz` / `.csv.zst` are compressed (one gzip
//! member, one zstd frame): each decompresses (flate2, zstd: the decoders of
//! tabx's own reader, independent of the writer's encoder settings) to the
//! bytes of the same command's plain `.csv` output, and tabx reads it back.

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
    write(
        d,
        "spec.yaml",
        "outputs:\n  - {name: z, op: scale_to_z_score, inputs: [trip_miles], fill: 0}\npassthrough: [company]\n",
    );
    let data = taxi("data.csv");
    tabx(d, &["transform", "fit", &data, "--spec", "spec.yaml", "-q"]).success();
    // Bad rows too: trips paid other than by cash or credit card.
    write(
        d,
        "schema.pbtxt",
        "feature { name: \"payment_type\" type: BYTES domain: \"pay\" }\n\
         string_domain { name: \"pay\" value: \"Cash\" value: \"Credit Card\" }\n",
    );
    for ext in ["csv", "csv.gz", "csv.zst"] {
        tabx(d, &["transform", "apply", &data, "-o", &format!("out.{ext}"), "-q"]).success();
        let (good, bad) = (format!("good.{ext}"), format!("bad.{ext}"));
        tabx(
            d,
            &[
                "validate",
                &data,
                "--schema",
                "schema.pbtxt",
                "--rows",
                "--good",
                &good,
                "--bad",
                &bad,
                "-q",
                "--findings-exit-zero",
            ],
        )
        .success();
    }
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
