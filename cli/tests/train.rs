//! `tabx train` and `tabx predict` end to end on the taxi data with the taxi
//! transform spec: linear `fare` and logistic `big_tipper`, predictions next
//! to the raw columns (one file or shards), the CLI's model equal to the
//! library's on the same rows, and bad labels failing clearly.

mod common;

use std::fs::File;
use std::path::Path;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Float64Type;
use common::{read_json, tabx, taxi};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use predicates::str::contains;
use tabx_model::{Batches, Model, ModelKind, TrainOptions, TrainPlan};
use tabx_transform::TransformArtifact;

/// Rows of `datasets/data/data.csv`.
const ROWS: usize = 15002;

fn read_parquet(path: &Path) -> RecordBatch {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap().build().unwrap();
    let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

/// Fits the taxi transform in `dir` (transform.json).
fn fit_transform(dir: &Path) {
    tabx(dir, &["transform", "fit", &taxi("data.csv"), "--spec", &taxi("taxi_transform.yaml"), "-o", "transform.json"])
        .success();
}

#[test]
fn linear_fare_then_predict_keeps_the_raw_columns() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fit_transform(d);
    tabx(d, &["train", &taxi("data.csv"), "--label", "fare", "--kind", "linear", "-o", "fare.json"])
        .success()
        .stderr(contains("trained ridge regression of `fare` (l2 1) on 15002 rows: 15 features"))
        .stderr(contains("columns not used as features: fare (the label), big_tipper (derives from `fare`"))
        .stderr(contains("training RMSE: "));
    let model = read_json(&d.join("fare.json"));
    assert_eq!(model["kind"], "linear");
    assert_eq!(model["training"]["rows"], ROWS);
    assert_eq!(model["training"]["skipped_rows"], 0);
    let columns = model["encoder"]["columns"].as_array().unwrap();
    assert!(columns.iter().any(|c| c["name"] == "payment_type_xf=0" && c["kind"] == "one_hot"));
    assert!(columns.iter().any(|c| c["name"] == "trip_miles_xf" && c["kind"] == "numeric"));

    tabx(d, &["predict", &taxi("data.csv"), "--model", "fare.json", "-o", "pred.parquet"])
        .success()
        .stderr(contains("wrote 15002 rows with `prediction` to pred.parquet"));
    let out = read_parquet(&d.join("pred.parquet"));
    assert_eq!(out.num_rows(), ROWS);
    let names: Vec<&str> = out.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
    assert_eq!(names.len(), 19, "{names:?}");
    assert_eq!(&names[..2], ["pickup_community_area", "fare"]);
    assert!(names.contains(&"payment_type") && names.contains(&"company"));
    assert_eq!(names[18], "prediction");
    let prediction = out.column(18).as_primitive::<Float64Type>();
    assert_eq!(prediction.null_count(), 0);

    // A CSV output, and a custom column name.
    tabx(d, &["predict", &taxi("data.csv"), "--model", "fare.json", "--column", "fare_hat", "-o", "pred.csv"])
        .success();
    let text = std::fs::read_to_string(d.join("pred.csv")).unwrap();
    assert!(text.lines().next().unwrap().ends_with(",tips,fare_hat"));
    assert_eq!(text.lines().count(), ROWS + 1);

    // A row the transform cannot take (`trip_miles` "abc", skipped) made its
    // column text where it was read; the rows written have it as the number
    // the transform was fitted on again.
    let mut lines: Vec<String> = text.lines().take(4).map(String::from).collect();
    lines[0] = lines[0].trim_end_matches(",fare_hat").to_string();
    let miles = lines[0].split(',').position(|c| c == "trip_miles").unwrap();
    for line in &mut lines[1..] {
        let mut cells: Vec<&str> = line.split(',').collect();
        cells.pop();
        *line = cells.join(",");
    }
    let mut bad: Vec<String> = lines[2].split(',').map(String::from).collect();
    bad[miles] = "abc".into();
    lines[2] = bad.join(",");
    std::fs::write(d.join("dirty.csv"), lines.join("\n") + "\n").unwrap();
    tabx(d, &["predict", "dirty.csv", "--model", "fare.json", "--on-error", "skip", "-o", "dirty.parquet"]).success();
    let out = read_parquet(&d.join("dirty.parquet"));
    assert_eq!(out.num_rows(), 2);
    assert_eq!(out.column_by_name("trip_miles").unwrap().data_type(), &arrow::datatypes::DataType::Float64);
}

#[test]
fn logistic_big_tipper_gives_probabilities() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fit_transform(d);
    tabx(d, &["train", &taxi("data.csv"), "--label", "big_tipper", "--kind", "logistic", "--l2", "0.5"])
        .success()
        .stderr(contains("trained logistic regression of `big_tipper` (l2 0.5) on 15002 rows"))
        .stderr(contains("training log loss: "));
    let model = read_json(&d.join("model.json"));
    assert_eq!(model["kind"], "logistic");
    assert_eq!(model["training"]["converged"], true);
    assert!(model["training"]["iterations"].as_u64().unwrap() <= 50);

    // Sharded: OUT is a folder of part-I.parquet files that together hold every row.
    let mut rows = 0;
    for shard in ["0/2", "1/2"] {
        tabx(d, &["predict", &taxi("data.csv"), "--shard", shard, "-o", "preds"]).success();
    }
    for part in ["part-0.parquet", "part-1.parquet"] {
        let out = read_parquet(&d.join("preds").join(part));
        let p = out.column_by_name("prediction").unwrap().as_primitive::<Float64Type>();
        assert!(p.iter().all(|v| v.is_some_and(|v| (0.0..=1.0).contains(&v))));
        rows += out.num_rows();
    }
    assert_eq!(rows, ROWS);
}

#[test]
fn bad_labels_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fit_transform(d);
    tabx(d, &["train", &taxi("data.csv"), "--label", "tips", "--kind", "linear"])
        .code(2)
        .stderr(contains("the label `tips` is not an output of the transform (outputs: trip_miles_xf,"))
        .stderr(contains("hint: add the label to the spec"));
    tabx(d, &["train", &taxi("data.csv"), "--label", "fare", "--kind", "logistic"])
        .code(2)
        .stderr(contains("label `fare` has the value"))
        .stderr(contains("a logistic model needs labels 0 or 1"));
    tabx(d, &["train", &taxi("data.csv"), "--label", "fare", "--kind", "linear", "--features", "nope"])
        .code(2)
        .stderr(contains("the feature `nope` is not an output of the transform"));
    tabx(d, &["train", &taxi("data.csv"), "--label", "fare", "--kind", "linear", "--l2", "0"])
        .code(2)
        .stderr(contains("is constant or a combination of the columns before it"))
        .stderr(contains("hint: add an L2 penalty"));
}

/// The CLI (engine scan of the raw CSV, transform applied per batch) and the
/// library (`tabx_model::train` over `tabx transform apply`'s output) see
/// the same rows in the same order: the same coefficients, to the bit, and
/// the same predictions.
#[test]
fn cli_model_equals_the_library_path() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fit_transform(d);
    tabx(d, &["transform", "apply", &taxi("data.csv"), "-o", "xf.parquet"]).success();
    let transformed = read_parquet(&d.join("xf.parquet"));
    let artifact = TransformArtifact::load(d.join("transform.json")).unwrap();
    for (label, kind, flag) in [("fare", ModelKind::Linear, "linear"), ("big_tipper", ModelKind::Logistic, "logistic")]
    {
        tabx(d, &["train", &taxi("data.csv"), "--label", label, "--kind", flag, "-o", "cli.json"]).success();
        let cli = Model::load(d.join("cli.json")).unwrap();
        let options = TrainOptions { kind, label: label.into(), features: None, l2: 1.0 };
        let plan = TrainPlan::try_new(&artifact, &options).unwrap();
        let library = tabx_model::train(&plan, &mut Batches(std::slice::from_ref(&transformed))).unwrap();
        assert_eq!(cli.coefficients, library.coefficients, "{label}");
        assert_eq!(cli.intercept, library.intercept, "{label}");
        assert_eq!(cli.training, library.training, "{label}");

        tabx(d, &["predict", &taxi("data.csv"), "--model", "cli.json", "-o", "pred.parquet"]).success();
        let predicted = read_parquet(&d.join("pred.parquet"));
        assert_eq!(predicted.column_by_name("prediction").unwrap().as_ref(), &library.predict(&transformed).unwrap());
    }
}

/// A linear model over 3 shards in two rounds (`--partial`, `tabx merge`,
/// `--encoder`) equals the one-job model: the same encoder to the bit (exact
/// sums), coefficients equal to rounding (f64 sums grouped by shard).
#[test]
fn sharded_linear_training_gives_the_one_job_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    fit_transform(d);
    let train = ["train", &taxi("data.csv"), "--label", "fare", "--kind", "linear"];
    tabx(d, &[&train[..], &["-o", "one.json"]].concat()).success();
    for i in 0..3 {
        let (shard, out) = (format!("{i}/3"), format!("enc-{i}.partial"));
        tabx(d, &[&train[..], &["--shard", &shard, "--partial", "-o", &out]].concat())
            .success()
            .stderr(contains(format!("wrote the encoder pass (round 1) of shard {i}/3")));
    }
    tabx(d, &["merge", "enc-0.partial", "enc-1.partial", "enc-2.partial"])
        .success()
        .stderr(contains("merged 3 shards: the encoder of 15002 rows"));
    for i in 0..3 {
        let (shard, out) = (format!("{i}/3"), format!("eq-{i}.partial"));
        tabx(d, &[&train[..], &["--encoder", "encoder.json", "--shard", &shard, "--partial", "-o", &out]].concat())
            .success();
    }
    tabx(d, &["merge", "eq-2.partial", "eq-0.partial", "eq-1.partial", "-o", "sharded.json"])
        .success()
        .stderr(contains("merged 3 shards: ridge regression of `fare` on 15002 rows"));
    let (one, sharded) = (Model::load(d.join("one.json")).unwrap(), Model::load(d.join("sharded.json")).unwrap());
    assert_eq!(sharded.encoder, one.encoder);
    assert_eq!(sharded.training.rows, one.training.rows);
    let (a, b) = (sharded.coefficient_vector(), one.coefficient_vector());
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let diff: Vec<f64> = a.iter().zip(&b).map(|(x, y)| x - y).collect();
    assert!(norm(&diff) <= 1e-9 * norm(&b), "‖Δβ‖ = {}", norm(&diff));
    assert!((sharded.intercept - one.intercept).abs() <= 1e-9 * one.intercept.abs());

    // The encoder alone (one job, no first pass) gives the one-job model too.
    tabx(d, &[&train[..], &["--encoder", "encoder.json", "-o", "from_encoder.json"]].concat())
        .success()
        .stderr(contains("design columns, 1 pass\n"));
    assert_eq!(Model::load(d.join("from_encoder.json")).unwrap().coefficients, one.coefficients);

    // Mixed rounds, a logistic model, an encoder of another label: refused with the reason.
    tabx(d, &["merge", "enc-0.partial", "eq-1.partial"]).code(2).stderr(contains("holds `train-linear` state"));
    tabx(d, &["train", &taxi("data.csv"), "--label", "big_tipper", "--kind", "logistic", "--partial", "-o", "x"])
        .code(2)
        .stderr(contains("only a linear model trains over shards"));
    tabx(d, &["train", &taxi("data.csv"), "--label", "big_tipper", "--kind", "logistic", "--encoder", "encoder.json"])
        .code(2)
        .stderr(contains("the encoder was built for a Linear model of `fare`"));
}
