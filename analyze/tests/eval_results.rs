//! End-to-end evaluations: metric values against scikit-learn, intervals that
//! do not depend on how the input is split, and the MetricsForSlice TFRecord.

mod eval_common;

use eval_common::*;
use tabx_analyze::{CiMethod, EvalConfig, EvalResult, EvalState, read_tfrecords, write_metrics_tfrecord};
use tabx_core::{PartialFile, SliceSpec, merge_partials};

fn sliced(method: CiMethod) -> EvalConfig {
    let mut config = EvalConfig::new("y", "p");
    config.weight = Some("w".into());
    config.slices.push(SliceSpec::parse("pay").unwrap());
    config.confidence_intervals.method = method;
    config.confidence_intervals.num_buckets = 4;
    config.confidence_intervals.num_samples = 5;
    config
}

#[test]
fn metrics_match_sklearn() {
    // /work/venv-bench (scikit-learn 1.9.1) on eval_common's Y, P, W, PAY:
    //   mean_squared_error(Y, P) = 0.2316666666666667
    //   mean_squared_error(Y, P, sample_weight=W) = 0.22903225806451616
    //   mean_absolute_error(Y, P) = 0.41666666666666674
    //   per pay, weighted: Card 0.30444444444444446, Cash 0.13999999999999996, Other 0.04000000000000007
    let mut config = sliced(CiMethod::None);
    let r = evaluate(&config, &[batch()]);
    let all = r.overall().unwrap();
    assert!(close(all.metrics["mean_squared_error"].value.unwrap(), 0.22903225806451616));
    assert_eq!(all.example_count, 12);
    assert_eq!(all.weighted_example_count, 15.5);
    let pay = r.spec("pay").unwrap();
    for (name, want) in
        [("pay_Card", 0.30444444444444446), ("pay_Cash", 0.13999999999999996), ("pay_Other", 0.04000000000000007)]
    {
        let got = pay.slice(name).unwrap().metrics["mean_squared_error"].value.unwrap();
        assert!(close(got, want), "{name}: {got} vs {want}");
    }
    config.weight = None;
    let all = evaluate(&config, &[batch()]).overall().unwrap().clone();
    assert!(close(all.metrics["mean_squared_error"].value.unwrap(), 0.2316666666666667));
    assert!(close(all.metrics["mean_absolute_error"].value.unwrap(), 0.41666666666666674));
    assert!(all.metrics["mean_squared_error"].lower_bound.is_none(), "no intervals with method none");
}

#[test]
fn intervals_are_reported_or_explained() {
    for method in [CiMethod::Jackknife, CiMethod::PoissonBootstrap] {
        let r = evaluate(&sliced(method), &[batch()]);
        let mse = &r.overall().unwrap().metrics["mean_squared_error"];
        let (lo, hi) = (mse.lower_bound.unwrap(), mse.upper_bound.unwrap());
        assert!(lo < hi && mse.standard_error.unwrap() > 0.0, "{method:?}: {mse:?}");
        let dof = if method == CiMethod::Jackknife { 3 } else { 4 };
        assert_eq!(mse.degrees_of_freedom, Some(dof));
        // pay_Other has one row: some sample leaves it out, so no interval, and it says why.
        let other = &r.spec("pay").unwrap().slice("pay_Other").unwrap().metrics["mean_squared_error"];
        assert!(other.value.is_some() && other.lower_bound.is_none(), "{other:?}");
        assert!(other.interval_undefined.as_deref().unwrap_or_default().contains("sample"), "{other:?}");
    }
}

#[test]
fn any_split_gives_identical_eval_json() {
    for method in [CiMethod::Jackknife, CiMethod::PoissonBootstrap, CiMethod::None] {
        let config = sliced(method);
        let whole = evaluate(&config, &[batch()]).to_json().unwrap();
        // Batches of 1, 5 and 7 rows in one state.
        for size in [1, 5, 7] {
            assert_eq!(evaluate(&config, &pieces(&batch(), size)).to_json().unwrap(), whole, "{method:?} {size}");
        }
        // One state per piece, merged forward, backward, and through the partial-file bytes.
        let states: Vec<EvalState> = pieces(&batch(), 5)
            .iter()
            .map(|b| {
                let mut s = EvalState::try_new(&config).unwrap();
                s.update(b).unwrap();
                s
            })
            .collect();
        for order in [vec![0, 1, 2], vec![2, 1, 0], vec![1, 2, 0]] {
            let mut merged = EvalState::try_new(&config).unwrap();
            for i in order {
                let bytes = states[i].to_bytes().unwrap();
                merged.merge(EvalState::from_bytes(&bytes, "part").unwrap()).unwrap();
            }
            assert_eq!(merged.finish_against(None).unwrap().to_json().unwrap(), whole, "{method:?}");
        }
        // `tabx evaluate --shard I/N --partial` + `tabx merge`: partial files in any order.
        let mut parts: Vec<(String, PartialFile)> = states
            .iter()
            .enumerate()
            .map(|(i, s)| (format!("part-{i}"), PartialFile::of_state(s, i, states.len(), vec!["x".into()]).unwrap()))
            .collect();
        parts.reverse();
        let merged: EvalState = merge_partials(parts).unwrap();
        assert_eq!(merged.finish_against(None).unwrap().to_json().unwrap(), whole);
    }
}

#[test]
fn the_seed_moves_the_intervals_and_only_the_seed() {
    let mut config = sliced(CiMethod::PoissonBootstrap);
    let a = evaluate(&config, &[batch()]);
    assert_eq!(evaluate(&config, &[batch()]), a);
    config.confidence_intervals.seed = 1;
    let b = evaluate(&config, &[batch()]);
    let (ma, mb) =
        (&a.overall().unwrap().metrics["mean_squared_error"], &b.overall().unwrap().metrics["mean_squared_error"]);
    assert_eq!(ma.value, mb.value);
    assert_ne!(ma.lower_bound, mb.lower_bound);
}

#[test]
fn eval_json_round_trips_through_a_file() {
    let r = evaluate(&sliced(CiMethod::Jackknife), &[batch()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eval.json");
    std::fs::write(&path, r.to_json().unwrap()).unwrap();
    assert_eq!(EvalResult::load(&path).unwrap(), r);
}

#[test]
fn metrics_tfrecord_holds_one_record_per_slice() {
    let r = evaluate(&sliced(CiMethod::Jackknife), &[batch()]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("metrics.tfrecord");
    write_metrics_tfrecord(&r, &path).unwrap();
    let records = read_tfrecords(&std::fs::read(&path).unwrap(), "metrics.tfrecord").unwrap();
    // All Examples, pay_Card, pay_Cash, pay_Other.
    assert_eq!(records.len(), 4);
    // The second record's slice key: field 1 { field 1 { column "pay", bytes_value "Card" } }.
    assert!(
        records[1].starts_with(&[0x0a, 0x0d, 0x0a, 0x0b, 0x0a, 0x03, b'p', b'a', b'y', 0x12, 0x04]),
        "{:?}",
        &records[1][..12]
    );
    assert!(records[1].windows(4).any(|w| w == b"Card"));
}

#[test]
fn binary_evaluation_is_split_invariant_and_matches_sklearn() {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, RecordBatch};
    // Labels Y > 2.5, probabilities P / 8 (eval_common's data).
    let labels: Vec<f64> = Y.iter().map(|y| f64::from(u8::from(*y > 2.5))).collect();
    let probs: Vec<f64> = P.iter().map(|p| p / 8.0).collect();
    let b = RecordBatch::try_from_iter([
        ("y", Arc::new(Float64Array::from(labels)) as ArrayRef),
        ("p", Arc::new(Float64Array::from(probs)) as _),
        ("pay", Arc::new(arrow::array::StringArray::from(PAY.to_vec())) as _),
    ])
    .unwrap();
    let mut config = EvalConfig::new("y", "p");
    config.task = tabx_analyze::Task::Binary;
    config.slices.push(SliceSpec::parse("pay").unwrap());
    config.confidence_intervals.num_buckets = 3;
    let whole = evaluate(&config, std::slice::from_ref(&b));
    for size in [1, 5] {
        assert_eq!(evaluate(&config, &pieces(&b, size)), whole, "{size}");
    }
    // sklearn.metrics.roc_auc_score(Y > 2.5, P / 8) = 1.0 (the predictions rank every positive first).
    let auc = whole.overall().unwrap().metrics["auc"].value.unwrap();
    assert!((auc - 1.0).abs() < 1e-3, "{auc}");
    // The confusion matrices are plots: in the TFRecord, not in the intervals.
    assert!(whole.overall().unwrap().plots.contains_key("confusion_matrix_at_thresholds"));
    let records = tabx_analyze::metrics_for_slice_records(&whole);
    assert_eq!(records.len(), 4);
}
