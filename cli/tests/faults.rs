//! Faults as Kubernetes produces them in an Indexed Job: a shard's pod is
//! SIGKILLed mid-write (OOM kill, eviction, deadline), its index is rerun,
//! a finished index runs twice, a partial goes missing, is duplicated or
//! damaged. The merged result must equal a clean run, or the merge must fail
//! naming the shard; it must never be a smaller result.
//!
//! The deterministic kills use `TABX_FAILPOINT` (`tabx_core::failpoint`): the
//! process raises SIGKILL at the named point, as the kubelet would kill it.
//! `k8s-job/run_local.py --fault` does the same to a shard's container.

mod common;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Output};
use std::time::Instant;

use common::taxi;

/// `tabx args` in `dir`, with `TABX_FAILPOINT` set when `failpoint` is.
fn run(dir: &Path, args: &[String], failpoint: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tabx"));
    command.current_dir(dir).args(args).arg("-q").env_remove("TABX_FAILPOINT");
    if let Some(point) = failpoint {
        command.env("TABX_FAILPOINT", point);
    }
    command.output().expect("run tabx")
}

fn succeeded(output: &Output) {
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

fn killed(output: &Output) {
    assert_eq!(output.status.signal(), Some(9), "expected SIGKILL, got {:?}", output.status);
}

/// A sharded step: the arguments of shard `i` of `n`, where its output lands,
/// and how the shards' outputs are joined.
struct Step {
    args: fn(usize, usize) -> Vec<String>,
    output: fn(usize) -> String,
    merge: Option<&'static str>,
}

const STATS: Step = Step {
    args: |i, n| {
        let shard = format!("{i}/{n}");
        ["stats", &taxi("data.csv"), "--shard", &shard, "--partial", "-o", &format!("out/part-{i}.partial")]
            .map(String::from)
            .to_vec()
    },
    output: |i| format!("out/part-{i}.partial"),
    merge: Some("stats.json"),
};

const FIT: Step = Step {
    args: |i, n| {
        let (shard, spec) = (format!("{i}/{n}"), taxi("taxi_transform.yaml"));
        let out = format!("out/part-{i}.partial");
        ["transform", "fit", &taxi("data.csv"), "--spec", &spec, "--shard", &shard, "--partial", "-o", &out]
            .map(String::from)
            .to_vec()
    },
    output: |i| format!("out/part-{i}.partial"),
    merge: Some("transform.json"),
};

/// The merge of `out/part-*.partial` (the glob the merge Job uses) into `name`.
fn merge(dir: &Path, name: &str) -> Output {
    run(dir, &["merge", "out/part-*.partial", "-o", name].map(String::from), None)
}

/// Every shard of `step` run cleanly in `dir`: the merged artifact's bytes.
fn clean_run(dir: &Path, step: &Step, n: usize) -> Vec<u8> {
    for i in 0..n {
        succeeded(&run(dir, &(step.args)(i, n), None));
    }
    let name = step.merge.expect("a partial step");
    succeeded(&merge(dir, name));
    std::fs::read(dir.join(name)).unwrap()
}

#[test]
fn a_shard_killed_mid_write_leaves_nothing_and_its_rerun_merges_as_a_clean_run() {
    for step in [STATS, FIT] {
        let clean = tempfile::tempdir().unwrap();
        let expected = clean_run(clean.path(), &step, 2);
        let name = step.merge.unwrap();

        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        succeeded(&run(d, &(step.args)(0, 2), None));
        // Shard 1 dies with half its partial in the temporary file.
        killed(&run(d, &(step.args)(1, 2), Some(tabx_core::failpoint::PARTIAL_MID_WRITE)));
        assert!(!d.join((step.output)(1)).exists(), "a killed shard must leave no partial");
        let leftovers: Vec<_> = std::fs::read_dir(d.join("out")).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(leftovers.len(), 2, "part-0 and the killed shard's temporary file: {leftovers:?}");
        // The merge Job, started too early, refuses to give a smaller result.
        let early = merge(d, name);
        assert_eq!(early.status.code(), Some(2));
        let err = String::from_utf8_lossy(&early.stderr);
        assert!(err.contains("missing shards: 1/2"), "{err}");
        assert!(!d.join(name).exists(), "no merged artifact from missing shards");

        // Kubernetes reruns index 1 (backoffLimitPerIndex): the merge equals a clean run.
        succeeded(&run(d, &(step.args)(1, 2), None));
        succeeded(&merge(d, name));
        assert_eq!(std::fs::read(d.join(name)).unwrap(), expected, "{name} after a rerun");

        // A finished index run again (a pod whose completion was not recorded) changes nothing.
        let first = std::fs::read(d.join((step.output)(0))).unwrap();
        succeeded(&run(d, &(step.args)(0, 2), None));
        assert_eq!(std::fs::read(d.join((step.output)(0))).unwrap(), first, "a rerun of a finished index");
        succeeded(&merge(d, name));
        assert_eq!(std::fs::read(d.join(name)).unwrap(), expected);
    }
}

#[test]
fn a_shard_killed_at_random_moments_never_leaves_a_partial_that_is_read() {
    let clean = tempfile::tempdir().unwrap();
    let expected = clean_run(clean.path(), &STATS, 2);
    let finished = std::fs::read(clean.path().join((STATS.output)(1))).unwrap();
    // How long shard 1 takes here: the kills land anywhere in that window.
    let start = Instant::now();
    succeeded(&run(clean.path(), &(STATS.args)(1, 2), None));
    let window = start.elapsed();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    println!("random kills, seed {seed}, window {window:?}");
    let mut rng = tabx_core::SplitMix64::new(seed);

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    succeeded(&run(d, &(STATS.args)(0, 2), None));
    let part = d.join((STATS.output)(1));
    for attempt in 0..6 {
        let _ = std::fs::remove_file(&part);
        let delay = window.mul_f64((rng.next_u64() % 1000) as f64 / 1000.0);
        let mut child = Command::new(env!("CARGO_BIN_EXE_tabx"))
            .current_dir(d)
            .args((STATS.args)(1, 2))
            .arg("-q")
            .env_remove("TABX_FAILPOINT")
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        child.kill().unwrap(); // SIGKILL, as the kubelet sends after the grace period
        child.wait().unwrap();
        // Either the rename happened (a whole, identical partial) or nothing is there.
        if part.exists() {
            assert_eq!(std::fs::read(&part).unwrap(), finished, "attempt {attempt}, seed {seed}, after {delay:?}");
        } else {
            let err = String::from_utf8_lossy(&merge(d, "stats.json").stderr).to_string();
            assert!(err.contains("missing shards: 1/2"), "attempt {attempt}, seed {seed}: {err}");
        }
    }
    succeeded(&run(d, &(STATS.args)(1, 2), None));
    succeeded(&merge(d, "stats.json"));
    assert_eq!(std::fs::read(d.join("stats.json")).unwrap(), expected, "seed {seed}");
}

#[test]
fn a_duplicated_or_damaged_partial_is_a_merge_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    clean_run(d, &STATS, 2);
    std::fs::remove_file(d.join("stats.json")).unwrap();
    let part = |i: usize| d.join((STATS.output)(i));

    // The same index twice (a pod that wrote under another name, then was rerun).
    std::fs::copy(part(0), d.join("out/part-0-retry.partial")).unwrap();
    let out = merge(d, "stats.json");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("twice") && err.contains("part-0.partial") && err.contains("part-0-retry.partial"), "{err}");
    std::fs::remove_file(d.join("out/part-0-retry.partial")).unwrap();

    // One bit flipped in shard 1's state, then the file cut short.
    let good = std::fs::read(part(1)).unwrap();
    let mut flipped = good.clone();
    let at = good.len() - 20;
    flipped[at] ^= 0x10;
    for damaged in [flipped, good[..good.len() / 2].to_vec()] {
        std::fs::write(part(1), damaged).unwrap();
        let out = merge(d, "stats.json");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("out/part-1.partial") && err.contains("checksum mismatch"), "{err}");
        assert!(err.contains("rerun its index"), "the fix is named: {err}");
        assert!(!d.join("stats.json").exists(), "no merged artifact from a damaged shard");
    }
}

#[test]
fn a_row_shard_killed_before_its_rename_leaves_no_part_file() {
    let data = taxi("data.csv");
    let spec = taxi("taxi_transform.yaml");
    let apply = |i: usize| {
        ["transform", "apply", &data, "--transform", "transform.json", "--shard", &format!("{i}/2"), "-o", "rows"]
            .map(String::from)
            .to_vec()
    };
    let fit = ["transform", "fit", &data, "--spec", &spec, "-o", "transform.json"].map(String::from);
    let clean = tempfile::tempdir().unwrap();
    succeeded(&run(clean.path(), &fit, None));
    for i in 0..2 {
        succeeded(&run(clean.path(), &apply(i), None));
    }

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    succeeded(&run(d, &fit, None));
    succeeded(&run(d, &apply(0), None));
    killed(&run(d, &apply(1), Some(tabx_core::failpoint::ROWS_BEFORE_RENAME)));
    assert!(!d.join("rows/part-1.parquet").exists(), "the whole file exists only under its temporary name");
    // A reader of `rows/part-*.parquet` sees shard 0 alone, and a rerun completes the set.
    succeeded(&run(d, &apply(1), None));
    for i in 0..2 {
        let name = format!("rows/part-{i}.parquet");
        let (got, want) = (std::fs::read(d.join(&name)).unwrap(), std::fs::read(clean.path().join(&name)).unwrap());
        assert!(got == want, "{name} differs from a clean run's");
    }
}

#[test]
fn an_unknown_failpoint_is_an_error_not_a_silent_pass() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(dir.path(), &(STATS.args)(0, 1), Some("partial-midwrite"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("TABX_FAILPOINT=partial-midwrite names no failpoint") && err.contains("partial-mid-write"));
}
