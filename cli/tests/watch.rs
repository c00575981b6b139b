//! `tabx watch` end to end: a CSV stream on stdin cut into windows, JSON
//! lines out (inline statistics on stdout, files in a folder), alerts with
//! `--alert-exec`, `--max-windows`, exit codes, and bad flags. Row counts are
//! hand counts of the generated input.

mod common;

use std::path::Path;

use common::{read_json, tabx, write};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

/// A schema for `x` (INT) and `pay` (BYTES in {a, b}), and `n` rows whose pay
/// is `bad_pay` from row `bad_from` on.
fn setup(dir: &Path, n: usize, bad_from: usize, bad_pay: &str) -> String {
    write(
        dir,
        "schema.pbtxt",
        r#"feature { name: "x" type: INT }
feature { name: "pay" type: BYTES domain: "pay" }
string_domain { name: "pay" value: "a" value: "b" }
"#,
    );
    let mut text = String::from("x,pay\n");
    for i in 0..n {
        let pay = if i >= bad_from {
            bad_pay
        } else if i % 2 == 0 {
            "a"
        } else {
            "b"
        };
        text.push_str(&format!("{i},{pay}\n"));
    }
    text
}

/// `tabx watch ARGS` to run in `dir`.
fn watch_command(dir: &Path, args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("tabx").unwrap();
    cmd.current_dir(dir).arg("watch").args(args);
    cmd
}

fn watch(dir: &Path, stdin: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    watch_command(dir, &["-"]).args(args).write_stdin(stdin).assert()
}

/// `tabx watch ARGS -q -o OUT`, with `--checkpoint OUT-ck` and a failpoint
/// if asked, run to its end (a minute at most: a follower must stop).
fn resumable(
    dir: &Path,
    args: &[&str],
    out: &str,
    checkpoint: bool,
    failpoint: Option<String>,
) -> assert_cmd::assert::Assert {
    let mut cmd = watch_command(dir, args);
    cmd.args(["-q", "-o", out]);
    if checkpoint {
        cmd.args(["--checkpoint", &format!("{out}-ck")]);
    }
    if let Some(point) = failpoint {
        cmd.env("TABX_FAILPOINT", point);
    }
    cmd.timeout(std::time::Duration::from_secs(60)).assert()
}

/// `tabx watch ARGS` started in `dir` (a follower), its stderr kept.
fn spawn_watch(dir: &Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(assert_cmd::cargo::cargo_bin("tabx"))
        .current_dir(dir)
        .arg("watch")
        .args(args)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

fn lines(text: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(text).lines().map(|l| serde_json::from_str(l).expect("a JSON line")).collect()
}

#[test]
fn stdin_windows_to_stdout_with_inline_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let stream = setup(dir.path(), 250, 1000, "");
    let out = watch(dir.path(), &stream, &["--schema", "schema.pbtxt", "--window", "rows=100"]).success();
    let windows = lines(&out.get_output().stdout);
    // 250 rows: 0-99, 100-199, and a short 200-249 at the end of input.
    let rows: Vec<u64> = windows.iter().map(|w| w["rows"].as_u64().unwrap()).collect();
    assert_eq!(rows, [100, 100, 50]);
    assert_eq!(windows[1]["bounds"]["rows"], serde_json::json!({"first": 100, "last": 199}));
    assert_eq!(windows[2]["end_of_input"], true);
    // The statistics are tabx stats' artifact: mean of x over 100..=199 is 149.5.
    let x = windows[1]["statistics"]["datasets"][0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "x")
        .unwrap()
        .clone();
    assert_eq!(x["num_stats"]["mean"], 149.5);
    assert!(windows.iter().all(|w| w["anomalies"].as_array().unwrap().is_empty()));
}

#[test]
fn anomalies_and_rejected_rows_raise_alerts_in_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // From row 150 on, pay is "gold" (not in the domain); row 20's x is "x" (not an INT).
    let stream = setup(d, 300, 150, "gold").replacen("20,a\n", "x,a\n", 1);
    let out = watch(
        d,
        &stream,
        &["--schema", "schema.pbtxt", "--window", "rows=100", "-o", "w", "--alert-exec", "cat >> alerts-seen.txt"],
    )
    .code(1)
    .stderr(contains("ALERT window 1"))
    .stderr(contains("1 rejected"));
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    // 299 rows read: windows 0-99 (1 rejected before it closed), 100-199, 200-298.
    assert!(
        stderr.contains(
            "3 windows: 299 rows in windows, besides 1 rejected (counted, in no statistics), 2 with anomalies"
        ),
        "{stderr}"
    );
    let windows = lines(&std::fs::read(d.join("w/windows.jsonl")).unwrap());
    assert_eq!(windows.len(), 3);
    assert_eq!(windows[0]["rejected"], 1);
    assert_eq!(windows[0]["statistics"], "stats-000000.json");
    let types: Vec<&str> =
        windows[1]["anomalies"].as_array().unwrap().iter().map(|a| a["type"].as_str().unwrap()).collect();
    assert_eq!(types, ["ENUM_TYPE_UNEXPECTED_STRING_VALUES"]);
    // The window's statistics file is `tabx stats`' artifact.
    let stats = read_json(&d.join("w/stats-000002.json"));
    assert_eq!(stats["datasets"][0]["num_examples"], 99);
    // Alerts: window 0 (a rejected row), 1 and 2 (gold), each also given to the command.
    let alerts = lines(&std::fs::read(d.join("w/alerts.jsonl")).unwrap());
    assert_eq!(alerts.iter().map(|a| a["index"].as_u64().unwrap()).collect::<Vec<_>>(), [0, 1, 2]);
    assert!(alerts.iter().all(|a| a.get("statistics").is_none()));
    let seen = lines(&std::fs::read(d.join("alerts-seen.txt")).unwrap());
    assert_eq!(seen, alerts);
}

#[test]
fn max_windows_ends_the_watch() {
    let dir = tempfile::tempdir().unwrap();
    let stream = setup(dir.path(), 5000, 5000, "");
    let out = watch(dir.path(), &stream, &["--schema", "schema.pbtxt", "--window", "rows=100", "--max-windows", "2"])
        .success()
        .stderr(contains("2 windows (--max-windows reached)"));
    assert_eq!(lines(&out.get_output().stdout).len(), 2);
}

/// A schema of other data is named once, at the first window (each window
/// still alerts on its anomalies).
#[test]
fn a_schema_of_other_data_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    setup(dir.path(), 0, 0, "");
    let stream = "id,name\n".to_string() + &"1,a\n".repeat(300);
    let out = watch(dir.path(), &stream, &["--schema", "schema.pbtxt", "--window", "rows=100"]).code(1);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let warning = "warning: schema.pbtxt: none of the schema's 2 features (x, pay) is a column of the data (id, name)";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
    assert_eq!(stderr.matches("ALERT window").count(), 3, "{stderr}");
}

#[test]
fn bad_flags_say_what_to_write() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let stream = setup(d, 10, 10, "");
    watch(d, &stream, &["--window", "rows=10"]).code(2).stderr(contains("--schema is required"));
    watch(d, &stream, &["--schema", "schema.pbtxt", "--window", "cols=3"])
        .code(2)
        .stderr(contains("unknown window"))
        .stderr(contains("--window rows=100000"));
    watch(d, &stream, &["--schema", "schema.pbtxt", "--window", "rows=10", "--slide", "rows=3"])
        .code(2)
        .stderr(contains("does not divide"));
    watch(d, &stream, &["--schema", "schema.pbtxt", "--window", "time=missing:1h"])
        .code(2)
        .stderr(contains("no event-time column `missing`"));
    tabx(d, &["watch", "nope.csv", "--schema", "schema.pbtxt", "--window", "rows=10"])
        .code(2)
        .stderr(contains("nope.csv"));
}

/// `--checkpoint`: killed (SIGKILL, `TABX_FAILPOINT`) just before or just
/// after the Nth checkpoint and run again alike, a watch of a file writes
/// exactly the windows and statistics of a run never killed: no row counted
/// twice, none lost, rejected rows included.
#[test]
fn a_killed_watch_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 1000 rows; gold from row 600 (anomalies); rows 131 and 777 not INTs (rejected).
    let stream = setup(d, 1000, 600, "gold").replacen("131,b\n", "x,b\n", 1).replacen("777,gold\n", "y,gold\n", 1);
    assert_eq!(stream.matches("x,b\n").count() + stream.matches("y,gold\n").count(), 2);
    write(d, "s.csv", &stream);
    for window in [&["--window", "rows=50"][..], &["--window", "rows=100", "--slide", "rows=50"]] {
        let args: Vec<&str> = ["s.csv", "--schema", "schema.pbtxt"].iter().chain(window).copied().collect();
        let run =
            |out: &str, checkpoint: bool, failpoint: Option<String>| resumable(d, &args, out, checkpoint, failpoint);
        let reference_dir = format!("ref-{}", window.len());
        run(&reference_dir, false, None).code(1);
        // A second run without --checkpoint starts its folder afresh.
        run(&reference_dir, false, None).code(1);
        let reference = std::fs::read_to_string(d.join(&reference_dir).join("windows.jsonl")).unwrap();
        let windows = reference.lines().count();
        assert_eq!(windows, if window.len() == 2 { 20 } else { 19 }, "998 rows read");
        for point in ["watch-before-checkpoint", "watch-after-checkpoint"] {
            for n in [1, 7, 15] {
                let out = format!("out-{}-{point}-{n}", window.len());
                let killed = run(&out, true, Some(format!("{point}:{n}")));
                assert_eq!(killed.get_output().status.code(), None, "{point}:{n} should have killed tabx");
                run(&out, true, None).code(1);
                let got = std::fs::read_to_string(d.join(&out).join("windows.jsonl")).unwrap();
                assert_eq!(got, reference, "{window:?}, killed at {point}:{n}");
                for i in 0..windows {
                    let name = format!("stats-{i:06}.json");
                    assert_eq!(
                        std::fs::read(d.join(&out).join(&name)).unwrap(),
                        std::fs::read(d.join(&reference_dir).join(&name)).unwrap(),
                        "{name} after {point}:{n}"
                    );
                }
                assert_eq!(
                    std::fs::read_to_string(d.join(&out).join("alerts.jsonl")).unwrap(),
                    std::fs::read_to_string(d.join(&reference_dir).join("alerts.jsonl")).unwrap()
                );
            }
        }
        // A finished watch run again reads nothing and says so.
        let out = format!("out-{}-watch-after-checkpoint-1", window.len());
        let mut cmd = watch_command(d, &["s.csv", "--schema", "schema.pbtxt", "-o", &out]);
        cmd.args(window)
            .args(["--checkpoint", &format!("{out}-ck")])
            .assert()
            .success()
            .stderr(contains("had finished"));
        assert_eq!(std::fs::read_to_string(d.join(&out).join("windows.jsonl")).unwrap(), reference);
    }
    // Another window with the same checkpoint is refused by name.
    tabx(
        d,
        &[
            "watch",
            "s.csv",
            "--schema",
            "schema.pbtxt",
            "--window",
            "rows=10",
            "-o",
            "o",
            "--checkpoint",
            "out-2-watch-after-checkpoint-1-ck",
        ],
    )
    .code(2)
    .stderr(contains("another window"));
}

/// Stdin cannot be read again: a restarted watch keeps the windows' state
/// (numbering, panes, the previous window for drift) and reads the new stdin
/// from its start, and says what was lost.
#[test]
fn a_resumed_stdin_watch_keeps_its_state_and_says_what_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let all = setup(d, 300, 300, "");
    let (header, body) = all.split_once('\n').unwrap();
    let lines: Vec<&str> = body.lines().collect();
    let first = format!("{header}\n{}\n", lines[..150].join("\n"));
    let rest = format!("{header}\n{}\n", lines[150..].join("\n"));
    let args = ["--schema", "schema.pbtxt", "--window", "rows=100", "-o", "w", "--checkpoint", "ck"];
    let mut cmd = watch_command(d, &["-"]);
    cmd.args(args).env("TABX_FAILPOINT", "watch-after-checkpoint:1");
    assert_eq!(cmd.write_stdin(first).assert().get_output().status.code(), None, "killed");
    // Batches are a slide long: the checkpoint after window 0 (rows 0-99) came
    // before rows 100-149 were pushed, and the kill lost them.
    watch(d, &rest, &args)
        .success()
        .stderr(contains("resumed after window 0 (the next is 1) from stdin"))
        .stderr(contains("lost"));
    let windows = lines_of(&d.join("w/windows.jsonl"));
    let rows: Vec<(u64, u64)> =
        windows.iter().map(|w| (w["index"].as_u64().unwrap(), w["rows"].as_u64().unwrap())).collect();
    // The 150 new rows: window 1 = the first 100 of them, window 2 = the last 50.
    assert_eq!(rows, [(0, 100), (1, 100), (2, 50)]);
    let first_of_window_1 = &windows[1]["bounds"]["rows"]["first"];
    assert_eq!(first_of_window_1, 100, "rows are numbered on from the checkpoint");
}

fn lines_of(path: &Path) -> Vec<Value> {
    lines(&std::fs::read(path).unwrap())
}

/// `--follow`: a log file read as it grows and through a rotation (the new
/// file's header skipped), until `--max-windows`.
#[test]
fn follow_reads_a_growing_and_rotated_log() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let all = setup(d, 300, 300, "");
    let (header, body) = all.split_once('\n').unwrap();
    let rows: Vec<&str> = body.lines().collect();
    let log = d.join("log.csv");
    std::fs::write(&log, format!("{header}\n{}\n", rows[..100].join("\n"))).unwrap();
    let child = spawn_watch(
        d,
        &["--follow", "log.csv", "--schema", "schema.pbtxt", "--window", "rows=100", "--max-windows", "3", "-o", "w"],
    );
    // Each step waits for the window before it, so the rotation comes after the
    // watch has opened the first file, however slow the machine.
    let windows_seen = |n: usize| wait_for_windows(&d.join("w/windows.jsonl"), n);
    windows_seen(1);
    // Appended, then rotated: rows 100-199 at the end of log.csv, rows 200-299 in a new log.csv.
    let mut f = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    std::io::Write::write_all(&mut f, format!("{}\n", rows[100..200].join("\n")).as_bytes()).unwrap();
    drop(f);
    windows_seen(2);
    std::fs::rename(&log, d.join("log.csv.1")).unwrap();
    std::fs::write(&log, format!("{header}\n{}\n", rows[200..].join("\n"))).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let windows = lines_of(&d.join("w/windows.jsonl"));
    // Three windows of 100 rows, x = 0-99, 100-199, 200-299: means 49.5, 149.5, 249.5.
    let means: Vec<f64> = (0..3).map(|i| mean_of_x(&d.join(format!("w/stats-{i:06}.json")))).collect();
    assert_eq!(means, [49.5, 149.5, 249.5]);
    assert!(windows.iter().all(|w| w["rejected"] == 0), "the new file's header is not a row");
}

/// `--follow FOLDER`: each new data file read whole, in name order, once a
/// writer is done with it (renamed into place, or its size held still);
/// hidden and unknown files are left alone.
#[test]
fn follow_reads_the_new_files_of_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let parts = csv_parts(&setup(d, 300, 300, ""), 100);
    let part = |i: usize| parts[i].clone();
    std::fs::create_dir(d.join("in")).unwrap();
    std::fs::write(d.join("in/a.csv"), part(0)).unwrap();
    std::fs::write(d.join("in/README"), "not data").unwrap();
    let child = spawn_watch(
        d,
        &["--follow", "in", "--schema", "schema.pbtxt", "--window", "rows=100", "--max-windows", "3", "-o", "w"],
    );
    let windows_seen = |n: usize| wait_for_windows(&d.join("w/windows.jsonl"), n);
    windows_seen(1);
    // A writer's temporary file, renamed into place when complete.
    std::fs::write(d.join("in/.b.csv.tmp"), part(1)).unwrap();
    std::fs::rename(d.join("in/.b.csv.tmp"), d.join("in/b.csv")).unwrap();
    windows_seen(2);
    std::fs::write(d.join("in/c.csv"), part(2)).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let means: Vec<f64> = (0..3).map(|i| mean_of_x(&d.join(format!("w/stats-{i:06}.json")))).collect();
    assert_eq!(means, [49.5, 149.5, 249.5]);
}

/// A followed folder resumes from its checkpoint: killed before or after the
/// 3rd and 7th checkpoints and restarted alike, it writes exactly the windows
/// of a run never killed (the files are read again in the order first read).
#[test]
fn a_killed_watch_of_a_folder_resumes_from_its_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let all = setup(d, 500, 350, "gold");
    let parts = csv_parts(&all, 100);
    std::fs::create_dir(d.join("in")).unwrap();
    for (part, name) in parts.iter().zip(["a", "b", "c", "d", "e"]) {
        std::fs::write(d.join(format!("in/{name}.csv")), part).unwrap();
    }
    let args = ["--follow", "in", "--schema", "schema.pbtxt", "--window", "rows=50", "--max-windows", "10"];
    let run = |out: &str, checkpoint: bool, failpoint: Option<String>| resumable(d, &args, out, checkpoint, failpoint);
    run("ref", false, None).code(1);
    let reference = std::fs::read_to_string(d.join("ref/windows.jsonl")).unwrap();
    assert_eq!(reference.lines().count(), 10);
    for point in ["watch-before-checkpoint", "watch-after-checkpoint"] {
        for n in [3, 7] {
            let out = format!("out-{point}-{n}");
            let killed = run(&out, true, Some(format!("{point}:{n}")));
            assert_eq!(killed.get_output().status.code(), None, "{point}:{n} should have killed tabx");
            run(&out, true, None).code(1);
            assert_eq!(
                std::fs::read_to_string(d.join(&out).join("windows.jsonl")).unwrap(),
                reference,
                "killed at {point}:{n}"
            );
        }
    }
    // Files that arrive out of name order (b, then a): the restart reads them
    // again as first read, which a listing (a, b) would not.
    std::fs::create_dir(d.join("late")).unwrap();
    let part = |i: usize| parts[i].clone();
    let follow = |out: &str, extra: &[&str]| {
        let mut args =
            vec!["--follow", "late", "--schema", "schema.pbtxt", "--window", "rows=50", "--max-windows", "6", "-q"];
        args.extend_from_slice(&["-o", out]);
        args.extend_from_slice(extra);
        args.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let arrive = |out: &str, extra: &[&str], failpoint: Option<&str>| {
        for f in ["a", "b", "c"] {
            let _ = std::fs::remove_file(d.join(format!("late/{f}.csv")));
        }
        std::fs::write(d.join("late/b.csv"), part(0)).unwrap();
        let args = follow(out, extra);
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("tabx"));
        cmd.current_dir(d).arg("watch").args(&args).stderr(std::process::Stdio::piped());
        if let Some(point) = failpoint {
            cmd.env("TABX_FAILPOINT", point);
        }
        let child = cmd.spawn().unwrap();
        wait_for_windows(&d.join(out).join("windows.jsonl"), 2);
        std::fs::write(d.join("late/a.csv"), part(1)).unwrap();
        if failpoint.is_none() {
            wait_for_windows(&d.join(out).join("windows.jsonl"), 4);
        }
        std::fs::write(d.join("late/c.csv"), part(2)).unwrap();
        child.wait_with_output().unwrap()
    };
    assert_eq!(arrive("late-ref", &[], None).status.code(), Some(0));
    let reference = std::fs::read_to_string(d.join("late-ref/windows.jsonl")).unwrap();
    assert_eq!(reference.lines().count(), 6);
    let killed = arrive("late-out", &["--checkpoint", "late-ck"], Some("watch-after-checkpoint:3"));
    assert_eq!(killed.status.code(), None, "watch-after-checkpoint:3 should have killed tabx");
    let args = follow("late-out", &["--checkpoint", "late-ck"]);
    watch_command(d, &args.iter().map(String::as_str).collect::<Vec<_>>())
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(d.join("late-out/windows.jsonl")).unwrap(), reference, "b then a, resumed");
    for i in 0..6 {
        let stats = format!("stats-{i:06}.json");
        assert_eq!(mean_of_x(&d.join("late-out").join(&stats)), mean_of_x(&d.join("late-ref").join(&stats)), "{stats}");
    }

    // A file read before the checkpoint and gone since: the restart says which.
    let killed = run("gone", true, Some("watch-after-checkpoint:3".into()));
    assert_eq!(killed.get_output().status.code(), None);
    std::fs::remove_file(d.join("in/a.csv")).unwrap();
    run("gone", true, None).code(2).stderr(contains("was read before the checkpoint"));
}

/// A followed file resumes from its checkpoint (killed with SIGKILL before or
/// after the 3rd and 7th checkpoints): at the path, it writes exactly the
/// windows of a run never killed; rotated while the watch was down (renamed,
/// or copied and truncated: `copytruncate`), the rest of the file it stopped
/// in is read from the copy, then the new file, and the windows are again
/// those of a run on all the rows; deleted, the restart says its rows are lost.
#[test]
fn a_killed_watch_of_a_followed_file_resumes_through_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // 500 rows, x = 0-499; rows 120 and 260 have a bad x (rejected, counted in their window).
    let all = setup(d, 500, 500, "");
    let (header, body) = all.split_once('\n').unwrap();
    let rows: Vec<String> = body
        .lines()
        .enumerate()
        .map(|(i, r)| if i == 120 || i == 260 { r.replacen(&i.to_string(), "bad", 1) } else { r.to_string() })
        .collect();
    let text = |range: std::ops::Range<usize>| format!("{header}\n{}\n", rows[range].join("\n"));
    let log = d.join("log.csv");
    let args = |max: &str| {
        let args = ["--follow", "log.csv", "--schema", "schema.pbtxt", "--window", "rows=50", "--max-windows", max];
        args.map(String::from).to_vec()
    };
    let run = |out: &str, max: &str, checkpoint: bool, failpoint: Option<String>| {
        let args = args(max);
        resumable(d, &args.iter().map(String::as_str).collect::<Vec<_>>(), out, checkpoint, failpoint)
    };
    std::fs::write(&log, text(0..500)).unwrap();
    run("ref", "9", false, None).success();
    let reference = std::fs::read_to_string(d.join("ref/windows.jsonl")).unwrap();
    // 498 rows in windows: 9 windows of 50 (the 10th never closes).
    assert_eq!(reference.lines().count(), 9);
    assert_eq!(lines(reference.as_bytes()).iter().map(|w| w["rejected"].as_u64().unwrap()).sum::<u64>(), 2);
    for point in ["watch-before-checkpoint", "watch-after-checkpoint"] {
        for n in [3, 7] {
            let out = format!("out-{point}-{n}");
            let killed = run(&out, "9", true, Some(format!("{point}:{n}")));
            assert_eq!(killed.get_output().status.code(), None, "{point}:{n} should have killed tabx");
            run(&out, "9", true, None).success();
            let got = std::fs::read_to_string(d.join(&out).join("windows.jsonl")).unwrap();
            assert_eq!(got, reference, "killed at {point}:{n}");
        }
    }
    // Killed after 2 checkpoints (rows 0-99 counted) of a log holding rows 0-199.
    let killed_early = |out: &str| {
        let _ = std::fs::remove_file(d.join("log.csv.1"));
        std::fs::write(&log, text(0..200)).unwrap();
        let killed = run(out, "9", true, Some("watch-after-checkpoint:2".into()));
        assert_eq!(killed.get_output().status.code(), None, "watch-after-checkpoint:2 should have killed tabx");
        // While it is down, rows 200-299 are appended.
        std::fs::write(&log, text(0..300)).unwrap();
    };
    let restart = |out: &str, max: &str| {
        let mut args = args(max);
        args.extend(["-o", out, "--checkpoint", &format!("{out}-ck")].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        watch_command(d, &args).timeout(std::time::Duration::from_secs(60)).assert()
    };
    // Renamed away, a new file with rows 300-499 under the name.
    killed_early("renamed");
    std::fs::rename(&log, d.join("log.csv.1")).unwrap();
    std::fs::write(&log, text(300..500)).unwrap();
    restart("renamed", "9").success().stderr(contains("rotated to ").and(contains("log.csv.1")));
    assert_eq!(std::fs::read_to_string(d.join("renamed/windows.jsonl")).unwrap(), reference, "renamed");
    // Copied away and truncated in place, then rows 300-499 written to it.
    killed_early("copied");
    std::fs::copy(&log, d.join("log.csv.1")).unwrap();
    std::fs::write(&log, text(300..500)).unwrap();
    restart("copied", "9").success();
    assert_eq!(std::fs::read_to_string(d.join("copied/windows.jsonl")).unwrap(), reference, "copytruncate");
    // Deleted: rows 100-299 are lost, said on stderr; rows 300-499 make windows 2-5.
    killed_early("deleted");
    std::fs::remove_file(&log).unwrap();
    std::fs::write(&log, text(300..500)).unwrap();
    restart("deleted", "6").success().stderr(contains("the file it stopped in is gone"));
    let windows = lines_of(&d.join("deleted/windows.jsonl"));
    assert_eq!(windows.len(), 6);
    // Windows 2-5 hold x = 300-499: means 324.5, 374.5, 424.5, 474.5.
    let means: Vec<f64> = (2..6).map(|i| mean_of_x(&d.join(format!("deleted/stats-{i:06}.json")))).collect();
    assert_eq!(means, [324.5, 374.5, 424.5, 474.5]);
    // Rotated twice: the rest of log.csv.2 is read, then log.csv; log.csv.1
    // (rows 300-399, written after log.csv.2) is not, and the restart names it.
    killed_early("twice");
    std::fs::rename(&log, d.join("log.csv.2")).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(d.join("log.csv.1"), text(300..400)).unwrap();
    std::fs::write(&log, text(400..500)).unwrap();
    restart("twice", "7").success().stderr(contains("were not read").and(contains("log.csv.1")));
    // 100 + 198 (rows 100-299 less the 2 bad) rows make windows 0-5 less 2
    // rows, which log.csv's x = 400, 401 fill; window 6 is x = 402-451 (mean 426.5).
    assert_eq!(lines_of(&d.join("twice/windows.jsonl")).len(), 7);
    assert_eq!(mean_of_x(&d.join("twice/stats-000006.json")), 426.5);
}

/// A CSV text cut into files of `rows` rows each, every one with the header.
fn csv_parts(all: &str, rows: usize) -> Vec<String> {
    let (header, body) = all.split_once('\n').unwrap();
    let lines: Vec<&str> = body.lines().collect();
    lines.chunks(rows).map(|chunk| format!("{header}\n{}\n", chunk.join("\n"))).collect()
}

/// The mean of `x` in a window's statistics file.
fn mean_of_x(stats: &Path) -> f64 {
    let stats = read_json(stats);
    let features = stats["datasets"][0]["features"].as_array().unwrap();
    features.iter().find(|f| f["name"] == "x").unwrap()["num_stats"]["mean"].as_f64().unwrap()
}

/// Waits (at most a minute) until a running watch has written `n` window lines.
fn wait_for_windows(lines: &Path, n: usize) {
    let start = std::time::Instant::now();
    while std::fs::read_to_string(lines).map_or(0, |t| t.lines().count()) < n {
        assert!(start.elapsed().as_secs() < 60, "no window {n} after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// NDJSON on stdin: a line that is not a JSON object is rejected, counted in
/// its window and reported with its reason; the watch goes on.
#[test]
fn ndjson_on_stdin_with_a_bad_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    setup(d, 0, 0, "");
    let mut stream = String::new();
    for i in 0..150 {
        stream.push_str(&format!("{{\"x\": {i}, \"pay\": \"a\"}}\n"));
        if i == 120 {
            stream.push_str("not json\n");
        }
    }
    let out = watch(d, &stream, &["--input-format", "ndjson", "--schema", "schema.pbtxt", "--window", "rows=100"])
        .success()
        .stderr(contains("150 rows in windows, besides 1 rejected"));
    let windows = lines(&out.get_output().stdout);
    let counts: Vec<(u64, u64)> =
        windows.iter().map(|w| (w["rows"].as_u64().unwrap(), w["rejected"].as_u64().unwrap())).collect();
    assert_eq!(counts, [(100, 0), (50, 1)]);
    assert_eq!(windows[1]["rejected_by_reason"], serde_json::json!({"not one JSON object": 1}));
}
