//! `tabx report` in a real browser: the demo's page loaded by headless
//! Chromium with the network shut (every host unresolvable, and the page's
//! own Content-Security-Policy), its DOM dumped and a screenshot taken. The
//! page must have rendered (a screenshot that is not blank, one row per
//! feature of the statistics), its script must have run to the end, and the
//! browser must log no console error and no blocked request.
//!
//! Without Chromium (`/usr/bin/chromium`, Debian's package) the test says so
//! and passes, unless `TABX_REQUIRE_BROWSER=1` (CI sets it). With
//! `TABX_UPDATE_SCREENSHOT=1` it also writes the README's `docs/report.png`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{read_json, tabx};

const CHROMIUM: &str = "/usr/bin/chromium";

/// Headless Chromium on `page` with no network, the extra `args`; its stdout and stderr.
fn chromium(page: &Path, profile: &Path, args: &[&str]) -> (String, String) {
    let out = Command::new("timeout")
        .args(["120", CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .args(["--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", "--hide-scrollbars"])
        .args(["--enable-logging=stderr", "--v=0"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(out.status.success(), "chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Share of the screenshot's pixels that are not (near) white.
fn ink(png_path: &Path) -> f64 {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png_path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let inked = pixels.chunks(channels).filter(|p| p.iter().take(3).any(|&c| c < 235)).count();
    inked as f64 / (pixels.len() / channels) as f64
}

#[test]
fn the_demo_report_renders_in_chromium_without_network() {
    if !Path::new(CHROMIUM).exists() {
        assert!(
            std::env::var("TABX_REQUIRE_BROWSER").is_err(),
            "TABX_REQUIRE_BROWSER is set but {CHROMIUM} is missing"
        );
        eprintln!("skipped: {CHROMIUM} not installed (apt-get install chromium)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["demo", "-o", "demo", "-q"]).success();
    let page = dir.path().join("demo/report.html");
    let size = std::fs::metadata(&page).unwrap().len();
    assert!(size < 400 << 10, "the taxi page is {size} bytes");

    let profile = dir.path().join("profile");
    let (dom, log) = chromium(&page, &profile, &["--dump-dom"]);
    assert!(dom.contains("data-ready=\"1\""), "the page's script did not run to its end");
    let stats = read_json(&dir.path().join("demo/eval_stats.json"));
    let features = stats["datasets"][0]["features"].as_array().unwrap().len();
    assert_eq!(dom.matches("<tr id=\"f-0-").count(), features, "one row per feature");
    for bad in ["CONSOLE", "Uncaught", "Refused to", "ERR_"] {
        let lines: Vec<&str> = log.lines().filter(|l| l.contains(bad)).collect();
        assert!(lines.is_empty(), "browser log: {lines:#?}");
    }

    let shot: PathBuf = dir.path().join("report.png");
    let (_, log) = chromium(&page, &profile, &["--window-size=1400,1800", &format!("--screenshot={}", shot.display())]);
    assert!(!log.contains("Refused to"), "{log}");
    let ink = ink(&shot);
    assert!(ink > 0.03, "the screenshot is blank ({:.1}% ink)", 100.0 * ink);
    if std::env::var("TABX_UPDATE_SCREENSHOT").is_ok() {
        std::fs::copy(&shot, concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/report.png")).unwrap();
    }
}

#[test]
fn bad_report_inputs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    tabx(dir.path(), &["report", "-o", "r.html"])
        .failure()
        .stderr(predicates::str::contains("nothing to report: give at least one of --stats"));
    std::fs::write(dir.path().join("bad.json"), "{\"datasets\": 7}").unwrap();
    tabx(dir.path(), &["report", "--stats", "bad.json"])
        .failure()
        .stderr(predicates::str::contains("cannot read statistics bad.json"));
    tabx(dir.path(), &["report", "--eval", "missing.json"]).failure().stderr(predicates::str::contains("missing.json"));
    assert!(!dir.path().join("report.html").exists(), "no half-written page");
}
