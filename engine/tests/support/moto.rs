//! A local S3 for tests: `moto_server` (pip install 'moto[server]') on a free
//! port. Shared by the engine's and the CLI's tests (the CLI includes this
//! file with `#[path]`). Where moto_server is missing the caller skips, with
//! the reason printed, unless TABX_TEST_S3=1 demands it (CI sets it).

#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The running server; killed when dropped.
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto_server, or returns None (skip) where it is not installed.
    pub fn start() -> Option<Moto> {
        let required = std::env::var("TABX_TEST_S3").is_ok_and(|v| v == "1");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(c) => c,
            Err(e) if !required => {
                eprintln!(
                    "skipped: moto_server not available ({e}); pip install 'moto[server]' or set TABX_TEST_S3=1 to require it"
                );
                return None;
            }
            Err(e) => panic!("TABX_TEST_S3=1 but moto_server cannot start: {e}"),
        };
        let moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "moto_server did not start listening");
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// The AWS_* variables that point `AmazonS3Builder::from_env` here.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", self.port)),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_ACCESS_KEY_ID", "testing".into()),
            ("AWS_SECRET_ACCESS_KEY", "testing".into()),
            ("AWS_REGION", "us-east-1".into()),
        ]
    }

    /// Points this process's `AmazonS3Builder::from_env` here. Call it from
    /// a test binary's only test: no other thread may read the environment.
    pub fn export_env(&self) {
        for (name, value) in self.env() {
            // SAFETY: the caller is its binary's only test; no other thread reads the environment.
            unsafe { std::env::set_var(name, value) };
        }
    }

    /// Creates a bucket (moto does not check signatures).
    pub fn create_bucket(&self, bucket: &str) {
        let (status, body) = self.request("PUT", &format!("/{bucket}"), b"");
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    }

    /// Sends one plain HTTP request; returns the status code and the body.
    pub fn request(&self, method: &str, path: &str, body: &[u8]) -> (u16, Vec<u8>) {
        let port = self.port;
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(
            s,
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .unwrap();
        s.write_all(body).unwrap();
        let mut reply = Vec::new();
        s.read_to_end(&mut reply).unwrap();
        let head_end = reply.windows(4).position(|w| w == b"\r\n\r\n").expect("an HTTP reply") + 4;
        let head = String::from_utf8_lossy(&reply[..head_end]).to_string();
        let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).expect("a status code");
        let mut body = reply[head_end..].to_vec();
        if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
            body = unchunk(&body);
        }
        (status, body)
    }
}

/// Decodes an HTTP/1.1 chunked body.
fn unchunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n").expect("chunk size line");
        let size = usize::from_str_radix(std::str::from_utf8(&body[..line_end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[line_end + 2..line_end + 2 + size]);
        body = &body[line_end + 2 + size + 2..];
    }
}
