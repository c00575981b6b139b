//! Pipes and devices named as paths. Outputs (`-o /dev/stdout`, `--good
//! /dev/null`, a named pipe another process reads) are written directly,
//! never replaced by the renamed temporary file that every regular output
//! goes through. Inputs (`<(zcat f.gz)`, a FIFO) are read once, as stdin is.
//!
//! The tests use FIFOs, which any user can make; `/dev/stdout` or `<(…)` in a
//! shell is the same case (a link to the pipe behind a descriptor).

#![cfg(unix)]

mod common;

use std::os::unix::fs::FileTypeExt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::Receiver;
use std::time::Duration;

use common::{taxi, write};
use predicates::str::contains;

/// `tabx` with `args`, run in `dir`, killed after two minutes: a FIFO that
/// no one opens would otherwise hang the test run.
fn tabx(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    tabx_command(dir).args(args).assert()
}

fn tabx_command(dir: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("tabx").unwrap();
    command.current_dir(dir).timeout(Duration::from_secs(120));
    command
}

/// A FIFO `name` in `dir`.
fn make_fifo(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let made = std::process::Command::new("mkfifo").arg(&path).status().expect("mkfifo (coreutils)");
    assert!(made.success(), "mkfifo {}", path.display());
    path
}

/// A FIFO `name` in `dir`, and a thread reading all that is written to it.
fn fifo(dir: &Path, name: &str) -> (PathBuf, Receiver<Vec<u8>>) {
    let path = make_fifo(dir, name);
    let (send, receive) = std::sync::mpsc::channel();
    let reading = path.clone();
    std::thread::spawn(move || send.send(std::fs::read(reading).unwrap()));
    (path, receive)
}

/// What `fifo`'s reader got, once the FIFO is checked to be one still and
/// no temporary file is left in `dir`. (Checked first: a reader whose FIFO
/// was replaced waits for a writer that never comes, hence the time limit.)
fn received(dir: &Path, (path, reader): (PathBuf, Receiver<Vec<u8>>)) -> Vec<u8> {
    assert!(std::fs::metadata(&path).unwrap().file_type().is_fifo(), "{} was replaced by a file", path.display());
    let left: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(left.is_empty(), "temporary files left beside the outputs: {left:?}");
    reader.recv_timeout(Duration::from_secs(60)).unwrap_or_else(|_| panic!("nothing was written to {}", path.display()))
}

#[test]
fn an_artifact_written_to_a_fifo_reaches_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = fifo(d, "stats.json");
    tabx(d, &["stats", &taxi("data.csv"), "--format", "json", "-o", "stats.json"]).success();
    let stats: serde_json::Value = serde_json::from_slice(&received(d, out)).unwrap();
    // The embedded taxi CSV's row count (its line count less the header).
    let rows = std::fs::read_to_string(taxi("data.csv")).unwrap().lines().count() - 1;
    assert_eq!(stats["datasets"][0]["num_examples"], rows);
}

/// `tabx stats` of the taxi CSV with `-o output` and stdout `stdout` (the
/// same file, as `/dev/stdout` would be): its stderr, once it succeeded.
fn stats_to_stdout(dir: &Path, output: &str, stdout: std::fs::File) -> String {
    let run = std::process::Command::new(assert_cmd::cargo::cargo_bin("tabx"))
        .current_dir(dir)
        .args(["stats", &taxi("data.csv"), "--format", "json", "-o", output])
        .stdout(stdout)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr).into_owned();
    assert!(run.status.success(), "{stderr}");
    stderr
}

/// `tabx stats … -o /dev/stdout | jq`: stdout carries the artifact alone,
/// the summary table goes to stderr. (Here stdout is a FIFO named as the
/// output, the same file as `/dev/stdout` would be.)
#[test]
fn an_artifact_written_to_stdout_comes_alone() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = fifo(d, "stats.json");
    let stdout = std::fs::OpenOptions::new().write(true).open(&out.0).unwrap();
    let stderr = stats_to_stdout(d, "stats.json", stdout);
    assert!(stderr.contains("payment_type") && stderr.contains("wrote statistics of 15002 examples"), "{stderr}");
    let stats: serde_json::Value = serde_json::from_slice(&received(d, out)).unwrap();
    assert_eq!(stats["datasets"][0]["num_examples"], 15002);
}

/// `-o /dev/stdout >> log` appends, as the shell opened stdout: the output
/// is written through this process's stdout, not reopened (and truncated).
#[test]
fn an_artifact_written_to_stdout_opened_for_appending_is_appended() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "log.json", "previous\n");
    let log = d.join("log.json");
    let stdout = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    stats_to_stdout(d, "log.json", stdout);
    let text = std::fs::read_to_string(&log).unwrap();
    let json = text.strip_prefix("previous\n").unwrap_or_else(|| panic!("the log was truncated: {}", &text[..40]));
    let stats: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(stats["datasets"][0]["num_examples"], 15002);
    assert_eq!(std::fs::read_dir(d).unwrap().count(), 1, "no temporary file left");
}

#[test]
fn good_bad_and_quarantined_rows_written_to_fifos_reach_their_readers() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "schema.pbtxt", "feature { name: \"n\" type: INT }\nfeature { name: \"s\" type: BYTES }\n");
    // Row 3 is not an INT (a bad row); row 4 is ragged (quarantined by the reader).
    write(d, "data.csv", "n,s\n1,a\n2.5,b\n3\n4,d\n");
    let (good, bad, quarantine) = (fifo(d, "good.csv"), fifo(d, "bad.parquet"), fifo(d, "q.csv"));
    let args = ["validate", "data.csv", "--schema", "schema.pbtxt", "--rows", "--good", "good.csv", "--bad"];
    let mut args = args.to_vec();
    args.extend(["bad.parquet", "--on-error", "quarantine=q.csv", "-o", "anomalies.json"]);
    tabx(d, &args).code(1);
    assert_eq!(received(d, good), b"n,s\n1,a\n4,d\n");
    let bad = received(d, bad);
    assert_eq!(&bad[..4], b"PAR1", "a Parquet file");
    let quarantine = String::from_utf8(received(d, quarantine)).unwrap();
    assert!(quarantine.contains("data.csv:4"), "{quarantine}");
}

#[test]
fn transformed_rows_written_to_a_fifo_reach_their_reader() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "data.csv", "x\n1\n2\n3\n");
    write(d, "spec.yaml", "outputs:\n  - {name: x_scaled, op: scale_to_0_1, inputs: [x]}\n");
    tabx(d, &["transform", "fit", "data.csv", "--spec", "spec.yaml", "-o", "t.json"]).success();
    let out = fifo(d, "out.csv");
    tabx(d, &["transform", "apply", "data.csv", "--transform", "t.json", "-o", "out.csv"]).success();
    // (x - min) / (max - min) over 1, 2, 3.
    assert_eq!(received(d, out), b"x_scaled\n0.0\n0.5\n1.0\n");
}

/// The statistics of the taxi CSV sent through a FIFO (as `<(cat f)` would)
/// are those of the same bytes on stdin; a gzip stream through a FIFO named
/// `.csv.gz` is inflated.
#[test]
fn an_input_fifo_is_read_as_stdin_is() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = std::fs::read(taxi("data.csv")).unwrap();
    let from_stdin =
        tabx_command(d).args(["stats", "-", "--format", "json", "-o", "stdin.json"]).write_stdin(data.clone()).assert();
    from_stdin.success();
    let plain = make_fifo(d, "in.csv");
    let gzipped = make_fifo(d, "in.csv.gz");
    let writer = std::thread::spawn(move || {
        std::fs::write(plain, &data).unwrap();
        let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(gzipped).unwrap(), Default::default());
        gz.write_all(&data).unwrap();
        gz.finish().unwrap();
    });
    tabx(d, &["stats", "in.csv", "--format", "json", "-o", "fifo.json"]).success();
    tabx(d, &["stats", "in.csv.gz", "--format", "json", "-o", "gz.json"]).success();
    writer.join().unwrap();
    let read = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    assert_eq!(read("fifo.json"), read("stdin.json"));
    assert_eq!(read("gz.json"), read("stdin.json"));
}

/// What a pipe cannot do is refused by name: Parquet (its footer is at
/// the end), shards, following (it has no end to wait at), and a name that
/// tells no format.
#[test]
fn an_input_fifo_refuses_what_a_stream_cannot_do() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    make_fifo(d, "in.parquet");
    make_fifo(d, "63");
    make_fifo(d, "in.csv");
    tabx(d, &["stats", "in.parquet"]).code(2).stderr(contains("in.parquet: Parquet cannot be read from a stream"));
    tabx(d, &["stats", "63"]).code(2).stderr(contains("pass --input-format csv"));
    tabx(d, &["stats", "in.csv", "--shard", "0/2", "--partial", "-o", "p.partial"])
        .code(2)
        .stderr(contains("in.csv: a stream (stdin, a pipe) cannot be sharded"));
    write(d, "schema.pbtxt", "feature { name: \"x\" type: INT }\n");
    tabx(d, &["watch", "in.csv", "--schema", "schema.pbtxt", "--window", "rows=10", "--follow"])
        .code(2)
        .stderr(contains("in.csv: only local CSV and NDJSON files can be followed"))
        .stderr(contains("a pipe is read as its writer sends, to its end: drop --follow"));
}

/// Training reads its input once per pass: from stdin or a pipe, the second
/// pass is refused by name (stdin was found empty, with an error about a
/// missing header; a pipe waited for a writer forever).
#[test]
fn training_on_a_stream_is_refused_at_its_second_pass() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows: String = (0..50).map(|i| format!("{i},{}\n", 2 * i + 1)).collect();
    write(d, "data.csv", format!("x,y\n{rows}"));
    write(d, "spec.yaml", "outputs:\n  - {name: x_z, op: scale_to_z_score, inputs: [x]}\npassthrough: [y]\n");
    tabx(d, &["transform", "fit", "data.csv", "--spec", "spec.yaml", "-o", "t.json"]).success();
    let train = |input: &'static str| {
        ["train", input, "--transform", "t.json", "--label", "y", "--kind", "linear", "-o", "m.json"]
    };
    tabx(d, &train("data.csv")).success();
    let refused = "training reads its input once per pass (this fit needs more than 1), and a stream";
    let stdin = std::fs::read(d.join("data.csv")).unwrap();
    tabx_command(d)
        .args(train("-"))
        .write_stdin(stdin.clone())
        .assert()
        .code(2)
        .stderr(contains(format!("<stdin>: {refused}")));
    let fifo = make_fifo(d, "in.csv");
    let writer = std::thread::spawn(move || std::fs::write(fifo, stdin).unwrap());
    tabx(d, &train("in.csv")).code(2).stderr(contains(refused)).stderr(contains("write the rows to a file first"));
    writer.join().unwrap();
}
