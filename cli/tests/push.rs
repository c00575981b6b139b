//! `tabx push` (TFX Pusher): a blessed model and its transform are copied to
//! the serving folder; a NOT_BLESSED one is not, and the blessing must be there.

mod common;

use std::path::Path;

use common::{read_json, tabx, write};
use predicates::prelude::*;
use predicates::str::contains;

/// The golden model and the transform it was trained on (tests/golden/make.sh).
fn golden(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/golden").join(name).display().to_string()
}

fn push<'a>(blessing: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["push", "--blessing", blessing, "-o", "serving/fare"];
    args.extend(extra);
    args
}

#[test]
fn a_blessed_model_is_pushed_with_its_transform_and_a_not_blessed_one_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (model, transform) = (golden("model.json"), golden("transform.json"));
    let inputs = ["--model", &model, "--transform", &transform];
    std::fs::create_dir_all(d.join("good")).unwrap();
    write(d, "good/BLESSED", "");
    std::fs::create_dir_all(d.join("bad")).unwrap();
    write(d, "bad/NOT_BLESSED", "");

    tabx(d, &[&push("bad", &inputs)[..], &["--kfp-metrics", "m.json"]].concat())
        .code(1)
        .stderr(contains("not pushed: the model is NOT_BLESSED"));
    assert!(!d.join("serving").exists(), "nothing is pushed");
    assert_eq!(read_json(&d.join("m.json"))["pushed"], 0.0);
    // A pipeline step: the verdict is in the metrics, the step succeeds.
    tabx(d, &[&push("bad", &inputs)[..], &["--findings-exit-zero", "-q"]].concat()).success();
    assert!(!d.join("serving").exists());

    tabx(d, &[&push("good", &inputs)[..], &["--kfp-metrics", "m.json"]].concat()).success().stderr(contains("pushed:"));
    assert_eq!(read_json(&d.join("m.json"))["pushed"], 1.0);
    for (from, name) in [(&model, "model.json"), (&transform, "transform.json")] {
        assert_eq!(std::fs::read(d.join("serving/fare").join(name)).unwrap(), std::fs::read(from).unwrap(), "{name}");
    }
}

#[test]
fn push_refuses_a_missing_blessing_and_a_transform_the_model_was_not_trained_on() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let model = golden("model.json");
    std::fs::create_dir_all(d.join("good")).unwrap();
    write(d, "good/BLESSED", "");
    std::fs::create_dir_all(d.join("empty")).unwrap();
    let inputs = ["--model", &model, "--transform", &golden("transform.json")];
    tabx(d, &push("empty", &inputs))
        .code(2)
        .stderr(contains("no BLESSED or NOT_BLESSED marker in empty").and(contains("tabx evaluate ... --blessing")));

    // A transform of one output the model does not read from.
    write(d, "rows.csv", "fare,tips\n1.5,0\n2.5,1\n");
    write(d, "spec.yaml", "outputs:\n  - {name: fare_xf, op: scale_to_0_1, inputs: [fare]}\n");
    tabx(d, &["transform", "fit", "rows.csv", "--spec", "spec.yaml", "-o", "other.json", "-q"]).success();
    tabx(d, &push("good", &["--model", &model, "--transform", "other.json"])).code(2).stderr(
        contains("which the transform does not produce").and(contains("the transform.json the model was trained on")),
    );
    assert!(!d.join("serving").exists(), "nothing is pushed");
}
