//! Reading over http:// from a local server (python3's http.server with Range
//! support, serving a temp dir): the same rows as the local read.

mod common;

use std::io::BufRead;
use std::process::{Child, Command, Stdio};

use common::{rows, scan, taxi_csv, taxi_parquet};
use tabx_core::TabxError;
use tabx_engine::{ScanPlan, SourceOptions};

struct Server {
    child: Child,
    port: u16,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Serves `dir`; `None` (test skipped) when python3 is missing, unless CI
/// requires the Python-backed checks (`TABX_REQUIRE_PYTHON_CHECKS=1`, set by
/// `.ci/run`): then a missing python3 fails the test instead of hiding it.
fn serve(dir: &std::path::Path) -> Option<Server> {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/range_server.py");
    let mut child = match Command::new("python3").arg(script).arg(dir).stdout(Stdio::piped()).spawn() {
        Ok(c) => c,
        Err(e) if std::env::var("TABX_REQUIRE_PYTHON_CHECKS").is_ok_and(|v| v == "1") => {
            panic!("TABX_REQUIRE_PYTHON_CHECKS=1 but python3 cannot start: {e}")
        }
        Err(e) => {
            eprintln!("skipped: cannot start python3 ({e}); TABX_REQUIRE_PYTHON_CHECKS=1 makes this a failure");
            return None;
        }
    };
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let port = line.trim().parse().expect("server prints its port");
    Some(Server { child, port })
}

#[test]
fn csv_and_parquet_over_http_match_local() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(taxi_csv(), dir.path().join("data.csv")).unwrap();
    std::fs::copy(taxi_parquet(), dir.path().join("data.parquet")).unwrap();
    let csv = std::fs::read(taxi_csv()).unwrap();
    std::fs::write(dir.path().join("data.csv.zst"), zstd::encode_all(&csv[..], 1).unwrap()).unwrap();
    let Some(server) = serve(dir.path()) else { return };
    let base = format!("http://127.0.0.1:{}", server.port);
    for (remote, local) in [("data.csv", taxi_csv()), ("data.parquet", taxi_parquet()), ("data.csv.zst", taxi_csv())] {
        let (r, report, _) = scan(&[format!("{base}/{remote}")], SourceOptions::default()).unwrap();
        let (l, _, _) = scan(&[local], SourceOptions::default()).unwrap();
        assert_eq!(report.rows_read, 15_002, "{remote}");
        assert!(rows(&r) == rows(&l), "{remote}: rows differ from the local read");
    }
    // Parquet with a projection fetches only some column chunks.
    let opts = SourceOptions { projection: Some(vec!["fare".into()]), ..Default::default() };
    let (r, _, _) = scan(&[format!("{base}/data.parquet")], opts).unwrap();
    assert_eq!(r[0].num_columns(), 1);
    // A missing object names its URL.
    let e = scan(&[format!("{base}/missing.csv")], SourceOptions::default()).unwrap_err();
    assert!(matches!(&e, TabxError::ObjectStore { url, .. } if url.ends_with("/missing.csv")), "{e}");
}

#[test]
fn unreachable_url() {
    let e = scan(&["http://127.0.0.1:1/x.csv".to_string()], SourceOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, TabxError::ObjectStore { .. }));
    assert!(text.starts_with("http://127.0.0.1:1/x.csv: ") && text.contains("\nhint: "), "{text}");
}

/// Builds a plan for a URL where nothing listens (port 9, discard): the error
/// must name the URL. Called from inside an async fn, this once panicked with
/// tokio's "Cannot start a runtime from within a runtime".
fn refused_plan_names_the_url() {
    let url = "http://127.0.0.1:9/nothing.csv";
    let e = ScanPlan::try_new(&[url.to_string()], SourceOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(&e, TabxError::ObjectStore { url: u, .. } if u == url), "{text}");
    assert!(text.starts_with(&format!("{url}: ")), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn url_from_a_multi_thread_runtime() {
    refused_plan_names_the_url();
}

#[tokio::test(flavor = "current_thread")]
async fn url_from_a_current_thread_runtime() {
    refused_plan_names_the_url();
}

/// A real read from inside a runtime: the HEAD and the Parquet footer are
/// fetched on the caller's (async) thread, the row groups on scan workers.
#[tokio::test(flavor = "current_thread")]
async fn parquet_over_http_from_a_runtime_matches_local() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(taxi_parquet(), dir.path().join("data.parquet")).unwrap();
    let Some(server) = serve(dir.path()) else { return };
    let url = format!("http://127.0.0.1:{}/data.parquet", server.port);
    let (r, report, _) = scan(&[url], SourceOptions::default()).unwrap();
    let (l, _, _) = scan(&[taxi_parquet()], SourceOptions::default()).unwrap();
    assert_eq!(report.rows_read, 15_002);
    assert!(rows(&r) == rows(&l), "rows differ from the local read");
}
