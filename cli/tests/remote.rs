//! Pipeline steps with every artifact in a bucket (s3:// against a local
//! `moto_server`), as the pods of `k8s-job/` run them: sharded statistics and
//! transform fits merged from `s3://.../part-*.partial` (a glob tabx expands,
//! the image having no shell), a schema and a transform read from the bucket,
//! row outputs written as `part-I.parquet` under a prefix with the shard from
//! `$JOB_COMPLETION_INDEX`, and a failed step that writes nothing. Skipped
//! with the reason printed where moto_server is missing, unless TABX_TEST_S3=1.

mod common;
#[path = "../../engine/tests/support/moto.rs"]
mod moto;

use std::path::Path;
use std::process::Command;

use assert_cmd::prelude::*;
use common::{read_json, taxi};
use moto::Moto;
use serde_json::Value;
use tabx_engine::artifacts;

/// `Moto::export_env` sets process-wide variables (the in-process reads of
/// `get` use them): the tests of this file run one at a time.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The bucket `tabx` in a fresh moto, its environment exported, held by this
/// test alone; `None` (the test returns) where moto_server is missing.
fn bucket() -> Option<(std::sync::MutexGuard<'static, ()>, Moto)> {
    let serial = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let moto = Moto::start()?;
    moto.create_bucket("tabx");
    moto.export_env();
    Some((serial, moto))
}

/// `tabx args` with the bucket's credentials in the environment, run in `dir`.
fn tabx_s3(moto: &Moto, dir: &Path, index: Option<usize>, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut command = Command::cargo_bin("tabx").expect("tabx binary");
    command.current_dir(dir).args(args).envs(moto.env());
    if let Some(i) = index {
        command.env("JOB_COMPLETION_INDEX", i.to_string());
    }
    command.assert()
}

/// The object `s3://tabx/{key}`, or None where there is none.
fn get(dir: &Path, key: &str) -> Option<Vec<u8>> {
    let local = dir.join("downloaded");
    artifacts::download(&format!("s3://tabx/{key}"), &local).ok()?;
    Some(std::fs::read(local).unwrap())
}

fn json_object(dir: &Path, key: &str) -> Value {
    let bytes = get(dir, key).unwrap_or_else(|| panic!("s3://tabx/{key} was not written"));
    serde_json::from_slice(&bytes).expect("JSON")
}

#[test]
fn pipeline_steps_read_and_write_the_bucket() {
    let Some((_serial, moto)) = bucket() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = taxi("data.csv");
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/data/taxi_transform.yaml");
    artifacts::upload(&spec, "s3://tabx/in/taxi_transform.yaml").unwrap();

    // Reference: the same steps on local files.
    common::tabx(d, &["stats", &data, "-o", "stats.json", "-q"]).success();
    common::tabx(d, &["schema", "infer", "stats.json", "-o", "schema.pbtxt", "-q"]).success();
    common::tabx(d, &["transform", "fit", &data, "--spec", &spec.display().to_string(), "-o", "t.json", "-q"])
        .success();

    // Two pods of an Indexed Job each: `--shard auto/2` takes the index from the environment.
    for i in 0..2 {
        let part = format!("s3://tabx/run/stats/part-{i}.partial");
        tabx_s3(&moto, d, Some(i), &["stats", &data, "--shard", "auto/2", "--partial", "-o", &part, "-q"]).success();
        let part = format!("s3://tabx/run/fit/part-{i}.partial");
        let spec = "s3://tabx/in/taxi_transform.yaml";
        tabx_s3(
            &moto,
            d,
            Some(i),
            &["transform", "fit", &data, "--spec", spec, "--shard", "auto/2", "--partial", "-o", &part],
        )
        .success();
    }
    tabx_s3(&moto, d, None, &["merge", "s3://tabx/run/stats/part-*.partial", "-o", "s3://tabx/run/stats.json"])
        .success()
        .stderr(predicates::str::contains("uploaded s3://tabx/run/stats.json"));
    tabx_s3(&moto, d, None, &["merge", "s3://tabx/run/fit/part-*.partial", "-o", "s3://tabx/run/transform.json", "-q"])
        .success();
    // Exact statistics and exact analyzers are bit-identical to the local run's.
    let (local, merged) = (read_json(&d.join("stats.json")), json_object(d, "run/stats.json"));
    assert_eq!(local["datasets"][0]["num_examples"], merged["datasets"][0]["num_examples"]);
    for (a, b) in local["datasets"][0]["features"]
        .as_array()
        .unwrap()
        .iter()
        .zip(merged["datasets"][0]["features"].as_array().unwrap())
    {
        assert_eq!(a["name"], b["name"]);
        for key in ["mean", "std_dev", "min", "max", "num_zeros"] {
            assert_eq!(a["num_stats"][key], b["num_stats"][key], "{}.{key}", a["name"]);
        }
    }
    let (local_fit, merged_fit) = (read_json(&d.join("t.json")), json_object(d, "run/transform.json"));
    // Quantile boundaries (bucketize) come from mergeable sketches: equal within
    // their bound, not bit for bit (cli/tests/transform.rs checks the bound).
    for (a, b) in local_fit["outputs"].as_array().unwrap().iter().zip(merged_fit["outputs"].as_array().unwrap()) {
        if a["op"] != "bucketize" {
            assert_eq!(a, b);
        }
    }

    // Artifacts read from the bucket; outputs of every kind written to it.
    tabx_s3(&moto, d, None, &["schema", "infer", "s3://tabx/run/stats.json", "-o", "s3://tabx/run/schema.pbtxt", "-q"])
        .success();
    assert_eq!(get(d, "run/schema.pbtxt").unwrap(), std::fs::read(d.join("schema.pbtxt")).unwrap());
    let kfp = d.join("kfp");
    tabx_s3(
        &moto,
        d,
        None,
        &[
            "validate",
            &data,
            "--schema",
            "s3://tabx/run/schema.pbtxt",
            "-o",
            "s3://tabx/run/anomalies.json",
            "--kfp-metrics",
            &kfp.join("metrics.json").display().to_string(),
            "-q",
        ],
    )
    .code(predicates::ord::le(1));
    assert!(get(d, "run/anomalies.json").is_some());
    let figures = read_json(&kfp.join("metrics.json"));
    assert_eq!(figures["bad_rows"], 0.0, "{figures}");
    assert!(figures["anomalies"].is_number(), "{figures}");
    for i in 0..2 {
        tabx_s3(
            &moto,
            d,
            Some(i),
            &[
                "transform",
                "apply",
                &data,
                "--transform",
                "s3://tabx/run/transform.json",
                "--shard",
                "auto/2",
                "-o",
                "s3://tabx/run/transformed",
                "-q",
            ],
        )
        .success();
    }
    let rows: usize = (0..2)
        .map(|i| {
            let bytes = get(d, &format!("run/transformed/part-{i}.parquet")).expect("a part per shard");
            let part = d.join(format!("part-{i}.parquet"));
            std::fs::write(&part, bytes).unwrap();
            let reader = parquet::file::reader::SerializedFileReader::new(std::fs::File::open(&part).unwrap()).unwrap();
            parquet::file::reader::FileReader::metadata(&reader).file_metadata().num_rows() as usize
        })
        .sum();
    assert_eq!(rows, 15_002, "the two parts hold every row once");

    // A step that fails writes nothing: no half result for the next step to read.
    tabx_s3(&moto, d, None, &["stats", "absent.csv", "-o", "s3://tabx/run/failed.json", "-q"]).code(2);
    assert!(get(d, "run/failed.json").is_none());
    // A merge that finds no partials names the pattern; auto/N outside a Job names the variable.
    tabx_s3(&moto, d, None, &["merge", "s3://tabx/run/none/part-*.partial", "-o", "x.json"])
        .code(2)
        .stderr(predicates::str::contains("s3://tabx/run/none/part-*.partial: no object matches"));
    tabx_s3(&moto, d, None, &["stats", &data, "--shard", "auto/2", "--partial", "-o", "p.partial"])
        .code(2)
        .stderr(predicates::str::contains("JOB_COMPLETION_INDEX is not set"));
}

/// A verdict that changes in the bucket: the marker it replaces is deleted
/// (an object store keeps both otherwise), and `tabx push` follows the new one.
#[test]
fn a_changed_blessing_replaces_its_marker_in_the_bucket_and_gates_the_push() {
    let Some((_serial, moto)) = bucket() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Root mean squared error 0.1 (hand computation: every prediction is 0.1 off).
    std::fs::write(d.join("p.csv"), "fare,prediction\n1,1.1\n2,2.1\n3,2.9\n4,4.1\n").unwrap();
    let config = |upper: f64| {
        format!(
            "label: fare\nprediction: prediction\nthresholds:\n  - {{metric: root_mean_squared_error, upper: {upper}}}\n"
        )
    };
    let evaluate = |upper: f64| {
        std::fs::write(d.join("eval.yaml"), config(upper)).unwrap();
        let args =
            ["evaluate", "p.csv", "--config", "eval.yaml", "--blessing", "s3://tabx/run/blessing", "-o", "eval.json"];
        tabx_s3(&moto, d, None, &[&args[..], &["-q", "--findings-exit-zero"]].concat()).success();
        (get(d, "run/blessing/BLESSED").is_some(), get(d, "run/blessing/NOT_BLESSED").is_some())
    };
    let (model, transform) = (
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/model.json"),
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden/transform.json"),
    );
    let push = |code: i32| {
        let args = ["push", "--model", model.to_str().unwrap(), "--transform", transform.to_str().unwrap()];
        tabx_s3(
            &moto,
            d,
            None,
            &[&args[..], &["--blessing", "s3://tabx/run/blessing", "-o", "s3://tabx/serving", "-q"]].concat(),
        )
        .code(code);
    };

    assert_eq!(evaluate(1.0), (true, false));
    assert_eq!(evaluate(0.05), (false, true), "BLESSED must go when the verdict turns");
    push(1);
    assert!(get(d, "serving/model.json").is_none(), "a NOT_BLESSED model is not pushed");
    assert_eq!(evaluate(1.0), (true, false));
    push(0);
    assert_eq!(get(d, "serving/model.json").unwrap(), std::fs::read(&model).unwrap());
    assert_eq!(get(d, "serving/transform.json").unwrap(), std::fs::read(&transform).unwrap());
}

/// `tabx watch --follow s3://bucket/prefix/`: new objects under the prefix
/// are read as they appear, in name order, each once.
#[test]
fn watch_follows_new_objects_under_a_prefix() {
    let Some((_serial, moto)) = bucket() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let schema = "feature { name: \"x\" type: INT }\n";
    std::fs::write(d.join("schema.pbtxt"), schema).unwrap();
    let part = |from: i64| {
        let rows: Vec<String> = (from..from + 50).map(|i| i.to_string()).collect();
        format!("x\n{}\n", rows.join("\n"))
    };
    std::fs::write(d.join("a.csv"), part(0)).unwrap();
    artifacts::upload(&d.join("a.csv"), "s3://tabx/stream/a.csv").unwrap();
    let child = Command::new(assert_cmd::cargo::cargo_bin("tabx"))
        .current_dir(d)
        .args(["watch", "--follow", "s3://tabx/stream/", "--schema", "schema.pbtxt", "--window", "rows=50"])
        .args(["--max-windows", "2", "-o", "w"])
        .envs(moto.env())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let lines = d.join("w/windows.jsonl");
    let start = std::time::Instant::now();
    while std::fs::read_to_string(&lines).map_or(0, |t| t.lines().count()) < 1 {
        assert!(start.elapsed().as_secs() < 60, "no first window after 60 s");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::fs::write(d.join("b.csv"), part(50)).unwrap();
    artifacts::upload(&d.join("b.csv"), "s3://tabx/stream/b.csv").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    // Means of 0..=49 and 50..=99: each object read once, in order.
    let means: Vec<f64> = (0..2)
        .map(|i| {
            let stats = read_json(&d.join(format!("w/stats-{i:06}.json")));
            let features = stats["datasets"][0]["features"].as_array().unwrap().clone();
            features[0]["num_stats"]["mean"].as_f64().unwrap()
        })
        .collect();
    assert_eq!(means, [24.5, 74.5]);
    // Killed (SIGKILL) after its first checkpoint and restarted, a watch of the
    // prefix writes the windows of the run above: no object read twice or skipped.
    let watch = |failpoint: Option<&str>| {
        let mut cmd = assert_cmd::Command::cargo_bin("tabx").unwrap();
        cmd.current_dir(d)
            .args(["watch", "--follow", "s3://tabx/stream/", "--schema", "schema.pbtxt", "--window", "rows=50"])
            .args(["--max-windows", "2", "-q", "-o", "r", "--checkpoint", "r-ck"])
            .envs(moto.env())
            .timeout(std::time::Duration::from_secs(60));
        if let Some(point) = failpoint {
            cmd.env("TABX_FAILPOINT", point);
        }
        cmd.assert()
    };
    assert_eq!(watch(Some("watch-after-checkpoint:1")).get_output().status.code(), None, "killed");
    watch(None).success();
    assert_eq!(
        std::fs::read_to_string(d.join("r/windows.jsonl")).unwrap(),
        std::fs::read_to_string(d.join("w/windows.jsonl")).unwrap()
    );
    // A URL ending in `/` is a folder for every command (`tabx stats s3://b/trips/`, as --help shows).
    tabx_s3(&moto, d, None, &["stats", "s3://tabx/stream/", "-q", "-o", "s.json"]).success();
    assert_eq!(read_json(&d.join("s.json"))["datasets"][0]["num_examples"], 100);
}
