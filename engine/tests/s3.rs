//! s3:// against a local `moto_server` (pip install 'moto[server]'). Skipped,
//! with the reason printed, when moto_server is not installed, unless
//! TABX_TEST_S3=1 demands it. This file is its own test binary because it sets
//! the AWS_* environment variables that `AmazonS3Builder::from_env` reads.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{rows, scan, taxi_csv, taxi_parquet};
use object_store::ObjectStoreExt;
use tabx_engine::SourceOptions;

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_moto() -> Option<(Moto, u16)> {
    let required = std::env::var("TABX_TEST_S3").is_ok_and(|v| v == "1");
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let child = match child {
        Ok(c) => Moto(c),
        Err(e) if !required => {
            eprintln!(
                "skipped: moto_server not available ({e}); pip install 'moto[server]' or set TABX_TEST_S3=1 to require it"
            );
            return None;
        }
        Err(e) => panic!("TABX_TEST_S3=1 but moto_server cannot start: {e}"),
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "moto_server did not start listening");
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((child, port))
}

/// Creates a bucket (moto does not check signatures).
fn create_bucket(port: u16, bucket: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(s, "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut reply = String::new();
    s.read_to_string(&mut reply).unwrap();
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
}

#[test]
fn s3_reads_match_local() {
    let Some((_moto, port)) = start_moto() else { return };
    create_bucket(port, "tabx");
    // SAFETY: the only test in this binary; no other thread reads the environment.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
        std::env::set_var("AWS_ALLOW_HTTP", "true");
        std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
        std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
        std::env::set_var("AWS_REGION", "us-east-1");
    }
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
}
