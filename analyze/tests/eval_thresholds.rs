//! Value and change thresholds on real metrics, and the blessing.

mod eval_common;

use eval_common::*;
use tabx_analyze::{BaselineConfig, ChangeThreshold, Direction, EvalConfig, EvalResult, EvalState, MetricThreshold};
use tabx_core::SliceSpec;

// scikit-learn 1.9.1 on eval_common's data, unweighted:
//   mean_squared_error(Y, P) = 0.2316666666666667 (candidate)
//   mean_squared_error(Y, B) = 0.4249999999999999 (baseline), diff -0.1933333333333332
//   per pay: Card 0.39, Cash 0.13166666666666663, Other 0.04000000000000007
const MSE: &str = "mean_squared_error";

fn threshold(
    lower: Option<f64>,
    upper: Option<f64>,
    change: Option<ChangeThreshold>,
    slices: &[&str],
) -> MetricThreshold {
    MetricThreshold {
        metric: MSE.into(),
        slices: slices.iter().map(|s| SliceSpec::parse(s).unwrap()).collect(),
        lower,
        upper,
        change,
    }
}

fn run(thresholds: Vec<MetricThreshold>, baseline_column: bool) -> EvalResult {
    let mut config = EvalConfig::new("y", "p");
    config.slices.push(SliceSpec::parse("pay").unwrap());
    if baseline_column {
        config.baseline = Some(BaselineConfig { prediction: Some("b".into()), eval: None });
    }
    config.thresholds = thresholds;
    evaluate(&config, &[batch()])
}

fn overall_mse() -> f64 {
    run(vec![], false).overall().unwrap().metrics[MSE].value.unwrap()
}

#[test]
fn value_bounds_are_inclusive() {
    let v = overall_mse();
    assert!(close(v, 0.2316666666666667));
    assert!(run(vec![threshold(Some(v), Some(v), None, &[])], false).blessed);
    let r = run(vec![threshold(None, Some(v - 1e-12), None, &[])], false);
    assert!(!r.blessed);
    let f = &r.validation.failures[0];
    assert_eq!((f.spec.as_str(), f.slice.as_str(), f.metric.as_str()), ("overall", "All Examples", MSE));
    assert_eq!(f.value, Some(v));
    assert!(f.threshold.starts_with("upper ") && f.reason.contains("above the upper bound"), "{f:?}");
    let r = run(vec![threshold(Some(v + 1e-12), None, None, &[])], false);
    assert!(r.validation.failures[0].reason.contains("below the lower bound"), "{:?}", r.validation);
    assert_eq!(r.validation.checks, 1);
}

#[test]
fn thresholds_on_a_spec_check_each_of_its_slices() {
    // upper 0.2: Card (0.39) fails, Cash and Other pass; the overall slice is not checked.
    let r = run(vec![threshold(None, Some(0.2), None, &["pay"])], false);
    assert_eq!(r.validation.checks, 3);
    let failed: Vec<&str> = r.validation.failures.iter().map(|f| f.slice.as_str()).collect();
    assert_eq!(failed, ["pay_Card"]);
}

#[test]
fn change_thresholds_against_a_baseline_column() {
    let change = |direction, absolute, relative| Some(ChangeThreshold { direction, absolute, relative });
    let r = run(vec![], true);
    let m = &r.overall().unwrap().metrics[MSE];
    assert!(close(m.baseline.unwrap(), 0.4249999999999999) && close(m.diff.unwrap(), -0.1933333333333332), "{m:?}");
    use Direction::*;
    // diff -0.1933 ≤ 0 passes lower-is-better; ≤ -0.2 does not.
    assert!(run(vec![threshold(None, None, change(LowerIsBetter, Some(0.0), None), &[])], true).blessed);
    assert!(!run(vec![threshold(None, None, change(LowerIsBetter, Some(-0.2), None), &[])], true).blessed);
    // ratio -0.1933/0.425 = -0.4549: ≤ -0.4 passes, ≤ -0.5 does not.
    assert!(run(vec![threshold(None, None, change(LowerIsBetter, None, Some(-0.4)), &[])], true).blessed);
    assert!(!run(vec![threshold(None, None, change(LowerIsBetter, None, Some(-0.5)), &[])], true).blessed);
    // Higher is better: the drop fails an absolute 0 and passes an absolute -0.2 / relative -0.5.
    let r = run(vec![threshold(None, None, change(HigherIsBetter, Some(0.0), None), &[])], true);
    assert!(r.validation.failures[0].reason.contains("below the absolute threshold 0"), "{:?}", r.validation);
    assert!(run(vec![threshold(None, None, change(HigherIsBetter, Some(-0.2), Some(-0.5)), &[])], true).blessed);
}

#[test]
fn a_baseline_eval_json_gives_the_same_comparison() {
    let from_column = run(vec![], true);
    let mut baseline_config = EvalConfig::new("y", "b");
    baseline_config.slices.push(SliceSpec::parse("pay").unwrap());
    let baseline = evaluate(&baseline_config, &[batch()]);
    let mut config = EvalConfig::new("y", "p");
    config.slices.push(SliceSpec::parse("pay").unwrap());
    config.baseline = Some(BaselineConfig { prediction: None, eval: Some("baseline/eval.json".into()) });
    let mut state = EvalState::try_new(&config).unwrap();
    state.update(&batch()).unwrap();
    let r = state.finish_against(Some(&baseline)).unwrap();
    for (spec_a, spec_b) in r.slice_specs.iter().zip(&from_column.slice_specs) {
        for (a, b) in spec_a.slices.iter().zip(&spec_b.slices) {
            assert_eq!(a.metrics[MSE].diff, b.metrics[MSE].diff, "{}", a.name);
        }
    }
    // A slice the baseline does not report has no baseline value, and a change threshold on it fails.
    let mut small = baseline;
    small.slice_specs[1].slices.retain(|s| s.name != "pay_Other");
    config.thresholds = vec![threshold(
        None,
        None,
        Some(ChangeThreshold { direction: Direction::LowerIsBetter, absolute: Some(1.0), relative: None }),
        &["pay"],
    )];
    let mut state = EvalState::try_new(&config).unwrap();
    state.update(&batch()).unwrap();
    let r = state.finish_against(Some(&small)).unwrap();
    assert!(!r.blessed);
    let f = &r.validation.failures[0];
    assert_eq!(f.slice, "pay_Other");
    assert!(f.reason.contains("no baseline value") && f.reason.contains("not reported in the baseline"), "{f:?}");
}

#[test]
fn undefined_or_missing_metrics_fail() {
    // No rows: the mean squared error is undefined, and its threshold fails saying so.
    let mut config = EvalConfig::new("y", "p");
    config.thresholds = vec![threshold(None, Some(1.0), None, &[])];
    let r = evaluate(&config, &[]);
    assert!(!r.blessed);
    assert!(r.validation.failures[0].reason.starts_with("undefined: "), "{:?}", r.validation);
    // A metric the task does not compute.
    let mut t = threshold(Some(0.5), None, None, &[]);
    t.metric = "auc".into();
    let r = run(vec![t], false);
    assert!(r.validation.failures[0].reason.contains("metric `auc` is not computed"), "{:?}", r.validation);
}

#[test]
fn suppressed_slices_are_counted_not_checked() {
    let mut config = EvalConfig::new("y", "p");
    config.slices.push(SliceSpec::parse("pay").unwrap());
    config.min_slice_size = 2;
    config.thresholds = vec![threshold(None, Some(10.0), None, &["pay"])];
    let r = evaluate(&config, &[batch()]);
    assert!(r.blessed);
    assert_eq!((r.validation.checks, r.validation.suppressed_slices_not_checked), (2, 1));
}
