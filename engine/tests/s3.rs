//! s3:// against a local `moto_server` (pip install 'moto[server]'). Skipped,
//! with the reason printed, when moto_server is not installed, unless
//! TABX_TEST_S3=1 demands it. This file is its own test binary because it sets
//! the AWS_* environment variables that `AmazonS3Builder::from_env` reads.

mod common;
#[path = "support/moto.rs"]
mod moto;

use common::{rows, scan, taxi_csv, taxi_parquet};
use moto::Moto;
use object_store::ObjectStoreExt;
use tabx_engine::{SourceOptions, artifacts};

#[test]
fn s3_reads_match_local() {
    let Some(moto) = Moto::start() else { return };
    moto.create_bucket("tabx");
    moto.export_env();
    let store = object_store::aws::AmazonS3Builder::from_env().with_bucket_name("tabx").build().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let csv = std::fs::read(taxi_csv()).unwrap();
    let cut = csv[..1_000_000].iter().rposition(|&b| b == b'\n').unwrap() + 1;
    let header_len = csv.iter().position(|&b| b == b'\n').unwrap() + 1;
    let second: Vec<u8> = [&csv[..header_len], &csv[cut..]].concat();
    for (key, bytes) in [
        ("data.csv", csv.clone()),
        ("data.parquet", std::fs::read(taxi_parquet()).unwrap()),
        ("parts/p1.csv", csv[..cut].to_vec()),
        ("parts/p2.csv", second),
        ("parts/notes.txt", b"not data".to_vec()),
    ] {
        rt.block_on(store.put(&key.into(), bytes.into())).unwrap();
    }
    let (local, _, _) = scan(&[taxi_csv()], SourceOptions::default()).unwrap();
    let local = rows(&local);
    for url in ["s3://tabx/data.csv", "s3://tabx/data.parquet", "s3://tabx/parts/*.csv"] {
        let (b, report, _) = scan(&[url.to_string()], SourceOptions::default()).unwrap();
        assert_eq!(report.rows_read, 15_002, "{url}");
        let mut got = rows(&b);
        let mut want = local.clone();
        if url.ends_with(".parquet") {
            got.sort();
            want.sort();
        }
        assert!(got == want, "{url}: rows differ from the local read");
    }
    let e = scan(&["s3://tabx/missing.csv".to_string()], SourceOptions::default()).unwrap_err();
    assert!(e.to_string().starts_with("s3://tabx/missing.csv: "), "{e}");

    // Whole files up and down (tabx_engine::artifacts): one PUT under 8 MiB,
    // a multipart upload above (the 24 MB CSV: three parts), same bytes back.
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.json");
    std::fs::write(&small, b"{\"a\": 1}").unwrap();
    let big: Vec<u8> = csv.iter().chain(&csv).copied().collect();
    let big_path = dir.path().join("big.csv");
    std::fs::write(&big_path, &big).unwrap();
    for (path, url, bytes) in
        [(&small, "s3://tabx/out/small.json", &b"{\"a\": 1}".to_vec()), (&big_path, "s3://tabx/out/big.csv", &big)]
    {
        artifacts::upload(path, url).unwrap();
        let back = dir.path().join("back");
        assert_eq!(artifacts::download(url, &back).unwrap(), bytes.len() as u64, "{url}");
        assert!(std::fs::read(&back).unwrap() == *bytes, "{url}: other bytes came back");
    }
    assert_eq!(artifacts::expand("s3://tabx/out/*").unwrap(), ["s3://tabx/out/big.csv", "s3://tabx/out/small.json"]);
    let e = artifacts::expand("s3://tabx/out/*.partial").unwrap_err().to_string();
    assert!(e.starts_with("s3://tabx/out/*.partial: no object matches"), "{e}");
    let e = artifacts::upload(&dir.path().join("absent"), "s3://tabx/out/x").unwrap_err().to_string();
    assert!(e.contains("absent"), "{e}");
    assert!(artifacts::expand("s3://tabx/out/x").is_err(), "a failed upload left an object");
}
