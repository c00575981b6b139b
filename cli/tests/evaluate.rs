//! `tabx evaluate` end to end: regression and binary metrics equal to
//! scikit-learn's on small hand-written files, sharded and threaded runs
//! byte-identical to one pass on the taxi predictions, thresholds and the
//! blessing, errors that name the file, line and column, rows left out,
//! `tabx stats --slice` counts equal to pandas', and `tabx demo`'s artifacts.
//!
//! Expected numbers come from /work/venv-bench/bin/python (scikit-learn,
//! pandas); each literal names the call that gave it.

mod common;

use std::path::Path;

use common::{read_json, tabx, taxi, write};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

/// 12 rows, three regions of 4, and a weight.
const REGRESSION_CSV: &str = "label,prediction,region,w
3.0,2.5,north,1.0
5.0,5.5,north,2.0
2.0,2.0,north,0.5
7.0,6.0,north,1.5
4.0,4.5,south,1.0
6.0,5.0,south,3.0
1.0,1.5,south,1.0
8.0,7.0,south,2.0
9.0,9.5,east,1.0
2.5,3.5,east,0.5
4.5,4.0,east,2.5
6.5,7.5,east,1.0
";

/// 16 rows: groups a and b have both classes, group c only negatives.
const BINARY_CSV: &str = "label,p,group
1,0.91,a
0,0.12,a
1,0.67,a
0,0.55,a
1,0.35,a
0,0.08,a
1,0.78,b
0,0.61,b
1,0.44,b
0,0.29,b
1,0.83,b
0,0.47,b
0,0.22,c
0,0.71,c
0,0.05,c
0,0.38,c
";

/// 8 rows with a baseline that predicts every label exactly.
const BASELINE_CSV: &str = "label,prediction,baseline,region
3.0,2.5,3.0,north
5.0,5.5,5.0,north
2.0,2.0,2.0,north
7.0,6.0,7.0,north
4.0,4.5,4.0,south
6.0,5.0,6.0,south
1.0,1.5,1.0,south
8.0,7.0,8.0,south
";

/// The slice of `eval` named `slice` (in any spec).
fn slice<'a>(eval: &'a Value, slice: &str) -> &'a Value {
    eval["slice_specs"]
        .as_array()
        .expect("slice_specs")
        .iter()
        .flat_map(|spec| spec["slices"].as_array().expect("slices"))
        .find(|s| s["name"] == slice)
        .unwrap_or_else(|| panic!("no slice {slice}"))
}

/// The value of `metric` on `slice_name`.
fn metric(eval: &Value, slice_name: &str, metric: &str) -> f64 {
    let m = &slice(eval, slice_name)["metrics"][metric];
    m["value"].as_f64().unwrap_or_else(|| panic!("{slice_name} {metric}: {m}"))
}

fn assert_close(got: f64, want: f64, tolerance: f64, what: &str) {
    assert!((got - want).abs() <= tolerance, "{what}: got {got}, want {want}");
}

#[test]
fn regression_metrics_equal_sklearn_overall_per_slice_and_weighted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write(d, "reg.csv", REGRESSION_CSV);
    let base = ["evaluate", input.as_str(), "--label", "label", "--prediction", "prediction", "--slice", "region"];
    tabx(d, &[&base[..], &["-o", "eval.json"]].concat())
        .code(0)
        .stdout(contains("sliced by region (3 slices"))
        .stdout(contains("All Examples").and(contains("region_north")).and(contains("region_south")))
        .stdout(contains("region_east"));
    tabx(d, &[&base[..], &["--weight", "w", "-o", "weighted.json", "-q"]].concat()).code(0);
    let eval = read_json(&d.join("eval.json"));
    let weighted = read_json(&d.join("weighted.json"));
    assert_eq!(slice(&eval, "All Examples")["example_count"], 12);
    assert_eq!(slice(&weighted, "All Examples")["weighted_example_count"], 17.0);
    // d = pd.read_csv("reg.csv"); s = d[d.region == "south"]; from sklearn.metrics import
    // mean_squared_error, mean_absolute_error, r2_score; each f(x.label, x.prediction[, sample_weight=x.w]).
    let cases = [
        (&eval, "All Examples", [0.5416666666666666, 0.6666666666666666, 0.9051959890610757]),
        (&eval, "region_south", [0.625, 0.75, 0.9065420560747663]),
        (&weighted, "All Examples", [0.5955882352941176, 0.7205882352941176, 0.8594037165611599]),
        (&weighted, "region_south", [0.7857142857142857, 0.8571428571428571, 0.846]),
    ];
    for (eval, name, [mse, mae, r2]) in cases {
        assert_close(metric(eval, name, "mean_squared_error"), mse, 1e-12, name);
        assert_close(metric(eval, name, "mean_absolute_error"), mae, 1e-12, name);
        assert_close(metric(eval, name, "r_squared"), r2, 1e-12, name);
        assert_close(metric(eval, name, "root_mean_squared_error"), mse.sqrt(), 1e-12, name);
        // Every value has a 95% interval around it from the jackknife.
        let m = &slice(eval, name)["metrics"]["mean_squared_error"];
        assert!(m["lower_bound"].as_f64().unwrap() <= mse && mse <= m["upper_bound"].as_f64().unwrap(), "{m}");
    }
}

/// The taxi fare predictions of `tabx predict` (CSV, so that shards split it by byte ranges).
fn taxi_fare_predictions(d: &Path) {
    let data = taxi("data.csv");
    tabx(d, &["transform", "fit", &data, "--spec", &taxi("taxi_transform.yaml"), "-o", "transform.json", "-q"])
        .success();
    tabx(d, &["train", &data, "--label", "fare", "--kind", "linear", "-o", "fare.json", "-q"]).success();
    tabx(d, &["predict", &data, "--model", "fare.json", "-o", "pred.csv", "-q"]).success();
}

#[test]
fn sharded_threaded_and_one_pass_evaluations_are_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    taxi_fare_predictions(d);
    let spec = [
        "--label",
        "fare",
        "--prediction",
        "prediction",
        "--slice",
        "payment_type",
        "--slice",
        "company,payment_type",
        "--slice",
        "trip_start_hour:0,6,12,18",
        "-q",
    ];
    let evaluate =
        |ci: &str, extra: &[&str]| tabx(d, &[&["evaluate", "pred.csv", "--ci", ci][..], &spec, extra].concat());
    for ci in ["jackknife", "poisson-bootstrap"] {
        let run = d.join(ci);
        std::fs::create_dir(&run).unwrap();
        let at = |name: &str| run.join(name).display().to_string();
        evaluate(ci, &["-o", &at("whole.json")]).code(0);
        for i in 0..3 {
            evaluate(ci, &["--shard", &format!("{i}/3"), "--partial", "-o", &at(&format!("part-{i}.partial"))]).code(0);
        }
        tabx(&run, &["merge", "part-0.partial", "part-1.partial", "part-2.partial", "-o", "merged.json", "-q"]).code(0);
        let whole = std::fs::read(run.join("whole.json")).unwrap();
        assert!(whole == std::fs::read(run.join("merged.json")).unwrap(), "{ci}: merged shards differ from one pass");
        if ci == "jackknife" {
            evaluate(ci, &["--threads", "1", "-o", &at("one_thread.json")]).code(0);
            assert!(whole == std::fs::read(run.join("one_thread.json")).unwrap(), "--threads 1 differs");
        }
        // Each shard saw rows (the comparison is not one shard against itself).
        let eval = read_json(&run.join("whole.json"));
        assert_eq!(slice(&eval, "All Examples")["example_count"], 15002);
        assert!(slice(&eval, "payment_type_Cash")["example_count"].as_u64().unwrap() > 0);
        assert!(slice(&eval, "trip_start_hour_[6, 12)")["example_count"].as_u64().unwrap() > 0);
        for i in 0..3 {
            let len = std::fs::metadata(run.join(format!("part-{i}.partial"))).unwrap().len();
            assert!(len > 10_000, "shard {i} partial holds {len} bytes: no rows?");
        }
    }
}

#[test]
fn binary_auc_equals_sklearn_and_one_class_slices_are_undefined() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write(d, "bin.csv", BINARY_CSV);
    tabx(
        d,
        &[
            "evaluate",
            &input,
            "--label",
            "label",
            "--prediction",
            "p",
            "--task",
            "binary",
            "--slice",
            "group",
            "--exact-auc",
        ],
    )
    .code(0)
    .stdout(contains("undefined auc (and others): no positive labels in this slice"));
    let eval = read_json(&d.join("eval.json"));
    // d = pd.read_csv("bin.csv"); sklearn.metrics.roc_auc_score(d.label, d.p) = 0.8333333333333333,
    // average_precision_score(d.label, d.p) = 0.8168350168350168; per group a: roc_auc_score = 0.888888888888889,
    // b: 0.7777777777777778.
    for (name, auc) in
        [("All Examples", 0.8333333333333333), ("group_a", 0.888888888888889), ("group_b", 0.7777777777777778)]
    {
        assert_close(metric(&eval, name, "auc"), auc, 1e-3, name);
        assert_close(metric(&eval, name, "auc_exact"), auc, 1e-12, name);
    }
    assert_close(metric(&eval, "All Examples", "auc_precision_recall_exact"), 0.8168350168350168, 1e-12, "AP");
    // Group c has no positive label: sklearn warns "Only one class is present in y_true" and returns nan;
    // eval.json says why instead.
    let c = &slice(&eval, "group_c")["metrics"];
    for m in ["auc", "auc_exact", "auc_precision_recall", "auc_precision_recall_exact"] {
        assert_eq!(c[m]["undefined"], "no positive labels in this slice", "{m}");
        assert!(c[m].get("value").is_none_or(Value::is_null), "{m}: {}", c[m]);
    }
    assert_eq!(slice(&eval, "group_c")["example_count"], 4);
}

#[test]
fn thresholds_decide_the_blessing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write(d, "reg.csv", BASELINE_CSV);
    let config = |name: &str, thresholds: &str| {
        write(d, name, format!("label: label\nprediction: prediction\nslices: [region]\nthresholds:\n{thresholds}"))
    };
    // sklearn.metrics.mean_absolute_error: 0.625 overall, 0.75 on region_south, 0.5 on region_north;
    // root_mean_squared_error(label, prediction) = 0.7071067811865476 overall.
    let pass = config(
        "pass.yaml",
        "  - {metric: root_mean_squared_error, upper: 1.0}\n  - {metric: mean_absolute_error, slices: [region], upper: 1.0}\n",
    );
    let fail = config(
        "fail.yaml",
        "  - {metric: root_mean_squared_error, upper: 1.0}\n  - {metric: mean_absolute_error, slices: [region], upper: 0.6}\n",
    );
    let blessing = d.join("blessing");
    tabx(d, &["evaluate", &input, "--config", &pass, "--blessing", "blessing", "-o", "pass.json"])
        .code(0)
        .stdout(contains("BLESSED: 3 threshold checks passed"));
    assert!(blessing.join("BLESSED").exists() && !blessing.join("NOT_BLESSED").exists());
    assert_eq!(read_json(&d.join("pass.json"))["blessed"], true);

    // The same folder: the stale BLESSED goes.
    let out = tabx(d, &["evaluate", &input, "--config", &fail, "--blessing", "blessing", "-o", "fail.json"])
        .code(1)
        .stdout(contains("NOT BLESSED: 1 of 3 threshold checks failed"))
        .stdout(contains("✗ region / region_south: mean_absolute_error = 0.75 (upper 0.6)"));
    // In the table, the failing cell (and only it) is marked.
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let marked: Vec<&str> = stdout.lines().filter(|l| l.starts_with('│') && l.contains('✗')).collect();
    assert!(marked.len() == 1 && marked[0].contains("region_south"), "{stdout}");
    assert!(blessing.join("NOT_BLESSED").exists() && !blessing.join("BLESSED").exists());
    let failed = read_json(&d.join("fail.json"));
    assert_eq!(failed["blessed"], false);
    let failures = failed["validation"]["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0]["slice"], "region_south");
    assert_eq!(failures[0]["value"], 0.75);

    // A change threshold: the baseline column is the label itself (MAE 0), the candidate's MAE is 0.625.
    let change = write(
        d,
        "change.yaml",
        "label: label\nprediction: prediction\nbaseline: {prediction: baseline}\nthresholds:\n  - metric: mean_absolute_error\n    change: {direction: lower_is_better, absolute: 0.1}\n",
    );
    tabx(d, &["evaluate", &input, "--config", &change, "-o", "change.json"]).code(1).stdout(contains(
        "✗ overall / All Examples: mean_absolute_error = 0.625 (change lower_is_better absolute 0.1)",
    ));
    let changed = read_json(&d.join("change.json"));
    let mae = &slice(&changed, "All Examples")["metrics"]["mean_absolute_error"];
    assert_eq!(
        (mae["value"].as_f64(), mae["baseline"].as_f64(), mae["diff"].as_f64()),
        (Some(0.625), Some(0.0), Some(0.625))
    );

    // A threshold on an undefined metric fails with the reason: region a's labels are constant
    // (sklearn.metrics.r2_score([3, 3], [2.5, 3.5], force_finite=False) = -inf: SS_tot is 0).
    let constant = write(d, "constant.csv", "label,prediction,region\n3,2.5,a\n3,3.5,a\n1,1,b\n2,2.5,b\n");
    let undefined = config("undefined.yaml", "  - {metric: r_squared, lower: 0.1, slices: [region]}\n");
    tabx(d, &["evaluate", &constant, "--config", &undefined, "-o", "undefined.json"])
        .code(1)
        .stdout(contains("✗ region / region_a: r_squared = undefined (lower 0.1)"))
        .stdout(contains("total sum of squares 0"));
    let failures = read_json(&d.join("undefined.json"))["validation"]["failures"].clone();
    assert_eq!(failures.as_array().unwrap().len(), 1, "{failures}");
    assert!(failures[0]["value"].is_null());
    assert!(failures[0]["reason"].as_str().unwrap().contains("the labels are constant"), "{failures}");
}

/// The change threshold of a config with the baseline given on the command line.
#[test]
fn change_threshold_with_baseline_prediction_flag() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write(d, "reg.csv", BASELINE_CSV);
    let change = write(
        d,
        "change.yaml",
        "label: label\nprediction: prediction\nthresholds:\n  - metric: mean_absolute_error\n    change: {direction: lower_is_better, absolute: 0.1}\n",
    );
    tabx(d, &["evaluate", &input, "--config", &change, "--baseline-prediction", "baseline", "-o", "change.json"])
        .code(1)
        .stdout(contains("mean_absolute_error = 0.625 (change lower_is_better absolute 0.1)"));
}

#[cfg(feature = "sql")]
#[test]
fn a_sql_predicate_slices_and_takes_a_threshold() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let input = write(d, "reg.csv", REGRESSION_CSV);
    let base = ["evaluate", input.as_str(), "--label", "label", "--prediction", "prediction"];
    tabx(d, &[&base[..], &["--slice", "not_south:=region <> 'south'", "-o", "eval.json"]].concat())
        .code(0)
        .stdout(contains("not_south_true").and(contains("not_south_false")));
    let eval = read_json(&d.join("eval.json"));
    // |label - prediction| by hand: north 0.5, 0.5, 0, 1; east 0.5, 1, 0.5, 1; south 0.5, 1, 0.5, 1.
    assert_close(metric(&eval, "not_south_true", "mean_absolute_error"), 5.0 / 8.0, 1e-12, "true");
    assert_close(metric(&eval, "not_south_false", "mean_absolute_error"), 0.75, 1e-12, "false");
    // A threshold names the predicate slice spec as the config's `slices` writes it.
    let config = write(
        d,
        "eval.yaml",
        "label: label\nprediction: prediction\nslices: [\"not_south:=region <> 'south'\"]\n\
         thresholds:\n  - metric: mean_absolute_error\n    upper: 0.7\n    slices: [\"not_south:=region <> 'south'\"]\n",
    );
    tabx(d, &["evaluate", &input, "--config", &config, "--blessing", "out", "-o", "t.json"])
        .code(1)
        .stdout(contains("not_south_false").and(contains("mean_absolute_error = 0.75")));
    assert!(d.join("out/NOT_BLESSED").exists());
    tabx(d, &[&base[..], &["--slice", "bad:=region", "-o", "x.json"]].concat())
        .code(2)
        .stderr(contains("slice predicate `bad`: `region` is Utf8, not a boolean"));
}

#[test]
fn bad_inputs_fail_with_file_line_column_and_hint() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let probability = write(d, "p.csv", "label,p\n1,0.9\n0,1.7\n1,0.4\n");
    let label = write(d, "l.csv", "label,p\n1,0.9\n2,0.3\n1,0.4\n");
    let binary = |input: &str| {
        tabx(d, &["evaluate", input, "--label", "label", "--prediction", "p", "--task", "binary", "-q"]).code(2)
    };
    binary(&probability)
        .stderr(contains("p.csv:3: column p: 1.7 is outside [0, 1]"))
        .stderr(contains("hint: for a real-valued prediction use `--task regression`"));
    binary(&label)
        .stderr(contains("l.csv:3: column label: label 2 is neither 0 nor 1"))
        .stderr(contains("hint: give --label-threshold T"));
    tabx(d, &["evaluate", &label, "--label", "nope", "--prediction", "p"])
        .code(2)
        .stderr(contains("no column named `nope`"))
        .stderr(contains("the file's columns are: label, p"));
    tabx(d, &["evaluate", &label, "--label", "label", "--prediction", "p", "--slice", "a,a"])
        .code(2)
        .stderr(contains("slice `a,a`: column `a` appears twice"))
        .stderr(contains("hint: a slice is COL"));
    let config = write(d, "eval.yaml", "label: label\nprediction: p\nthreshold: []\n");
    tabx(d, &["evaluate", &label, "--config", &config])
        .code(2)
        .stderr(contains("eval.yaml: unknown field `threshold`"))
        .stderr(contains("at line 3, column 1"))
        .stderr(contains("hint: see `tabx evaluate --help`"));

    // Merging: an eval partial and a stats partial are refused; so is a missing shard.
    tabx(d, &["stats", &label, "--shard", "0/2", "--partial", "-o", "stats.partial", "-q"]).success();
    let shard = ["--shard", "1/2", "--partial", "-o", "eval.partial", "-q"];
    tabx(d, &[&["evaluate", &label, "--label", "label", "--prediction", "p"][..], &shard].concat()).success();
    tabx(d, &["merge", "stats.partial", "eval.partial"])
        .code(2)
        .stderr(contains("holds `eval` state but stats.partial holds `stats`: merge each kind on its own"));
    tabx(d, &["merge", "eval.partial", "-o", "merged.json"])
        .code(2)
        .stderr(contains("missing shards: 0/2"))
        .stderr(contains("hint: wait for every shard to finish"));
}

#[test]
fn rows_missing_a_label_or_prediction_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Six rows: two without a label (one also without a prediction), one without a prediction.
    let input = write(d, "m.csv", "label,prediction,region\n3,2.5,a\n,3.5,a\n1,,b\n2,2.5,b\n4,4,\n,,a\n");
    tabx(d, &["evaluate", &input, "--label", "label", "--prediction", "prediction", "--slice", "region", "-q"]).code(0);
    let eval = read_json(&d.join("eval.json"));
    let all = slice(&eval, "All Examples");
    assert_eq!(all["example_count"], 3);
    assert_eq!(all["rows_left_out"]["missing_label"], 2);
    assert_eq!(all["rows_left_out"]["missing_prediction"], 1);
    // numpy.mean(numpy.abs([3 - 2.5, 2 - 2.5, 4 - 4])) = 0.3333333333333333
    assert_close(metric(&eval, "All Examples", "mean_absolute_error"), 1.0 / 3.0, 1e-15, "MAE");
    assert_eq!(slice(&eval, "region_a")["rows_left_out"]["missing_label"], 2);
    assert_eq!(slice(&eval, "region_b")["rows_left_out"]["missing_prediction"], 1);
}

#[test]
fn stats_slices_count_as_pandas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let args = ["--slice", "company,payment_type", "--slice", "trip_start_hour:0,12", "-o", "stats.json", "-q"];
    tabx(d, &[&["stats", &taxi("data.csv")][..], &args].concat()).success();
    let stats = read_json(&d.join("stats.json"));
    let datasets = stats["datasets"].as_array().unwrap();
    let count = |name: &str| {
        datasets.iter().find(|ds| ds["name"] == name).unwrap_or_else(|| panic!("no dataset {name}"))["num_examples"]
            .as_u64()
            .unwrap()
    };
    // d = pd.read_csv("datasets/data/data.csv"); d.groupby(["company", "payment_type"]).size():
    // 96 pairs (rows with no company, 5140 of them, are in no pair); the largest below.
    assert_eq!(datasets.len(), 1 + 96 + 2);
    assert_eq!(count("All Examples"), 15002);
    assert_eq!(count("company_Taxi Affiliation Services_payment_type_Cash"), 3468);
    assert_eq!(count("company_Taxi Affiliation Services_payment_type_Credit Card"), 1687);
    assert_eq!(count("company_Dispatch Taxi Affiliation_payment_type_Cash"), 1030);
    assert_eq!(count("company_Choice Taxi Association_payment_type_Cash"), 533);
    // ((d.trip_start_hour >= 0) & (d.trip_start_hour < 12)).sum() = 5192; (d.trip_start_hour >= 12).sum() = 9810;
    // no hour is negative, so `(-inf, 0)` is empty and absent.
    assert_eq!(count("trip_start_hour_[0, 12)"), 5192);
    assert_eq!(count("trip_start_hour_[12, inf)"), 9810);
}

/// Every artifact `tabx demo` lists, and its evaluate commands reproduce its eval.json.
#[test]
fn demo_writes_every_artifact_it_lists() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    tabx(d, &["demo", "-o", "demo"])
        .code(0)
        .stdout(contains("6. fare: evaluated on eval"))
        .stdout(contains("tabx evaluate demo/fare_predictions.parquet --config demo/fare_eval.yaml"));
    let demo = d.join("demo");
    for file in [
        "data.csv",
        "train.parquet",
        "eval.parquet",
        "train_stats.json",
        "eval_stats.json",
        "schema.json",
        "anomalies.json",
        "tfdv_schema.pbtxt",
        "tfx_anomalies.json",
        "taxi_transform.yaml",
        "transform.json",
        "transformed_train.parquet",
        "transformed_eval.parquet",
        "fare_model.json",
        "big_tipper_model.json",
        "fare_predictions.parquet",
        "big_tipper_predictions.parquet",
        "fare_eval.yaml",
        "big_tipper_eval.yaml",
        "fare_eval.json",
        "big_tipper_eval.json",
    ] {
        assert!(demo.join(file).is_file(), "demo did not write {file}");
    }
    for model in ["fare", "big_tipper"] {
        let blessing = demo.join("blessing").join(model);
        assert!(
            blessing.join("BLESSED").is_file() != blessing.join("NOT_BLESSED").is_file(),
            "blessing/{model} holds neither or both markers"
        );
    }
    // What the older demo tests (stats.rs, transform.rs) checked: both splits' statistics
    // together hold every taxi row, the transform is fitted on train, the spec is the embedded one.
    let examples = |name: &str| read_json(&demo.join(name))["datasets"][0]["num_examples"].as_u64().unwrap();
    let train_rows = examples("train_stats.json");
    assert_eq!(train_rows + examples("eval_stats.json"), 15002);
    assert_eq!(read_json(&demo.join("transform.json"))["rows"], train_rows);
    assert_eq!(std::fs::read_to_string(demo.join("taxi_transform.yaml")).unwrap(), tabx_datasets::TAXI_TRANSFORM_YAML);
    let fare = read_json(&demo.join("fare_eval.json"));
    assert_eq!(fare["config"]["task"], "regression");
    assert!(metric(&fare, "All Examples", "root_mean_squared_error") > 0.0);
    assert_eq!(read_json(&demo.join("big_tipper_eval.json"))["config"]["task"], "binary");

    // The command the demo prints for the fare evaluation gives the same eval.json.
    tabx(
        d,
        &["evaluate", "demo/fare_predictions.parquet", "--config", "demo/fare_eval.yaml", "-o", "again.json", "-q"],
    )
    .code(0);
    assert!(std::fs::read(d.join("again.json")).unwrap() == std::fs::read(demo.join("fare_eval.json")).unwrap());
}

/// Slices by date ranges of the taxi data's epoch-second timestamps. The
/// counts come from pandas (`pd.to_datetime(trip_start_timestamp, unit="s")`
/// compared with the same dates on datasets/data/data.csv).
#[test]
fn date_range_slices_match_pandas() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let slices = "trip_start_timestamp:2014-01-01,2015-01-01";
    tabx(d, &["evaluate", &taxi("data.csv"), "--label", "fare", "--prediction", "tips", "--slice", slices]).success();
    let eval = read_json(&d.join("eval.json"));
    for (name, rows) in [
        ("trip_start_timestamp_(-inf, 2014-01-01)", 4388),
        ("trip_start_timestamp_[2014-01-01, 2015-01-01)", 5145),
        ("trip_start_timestamp_[2015-01-01, inf)", 5469),
    ] {
        assert_eq!(slice(&eval, name)["example_count"], rows, "{name}");
    }
}
