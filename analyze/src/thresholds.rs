//! Validation: TFMA's value and change thresholds on the finished slices, and
//! TFX Evaluator's blessing marker ([`write_blessing`]).
//!
//! Semantics of `tensorflow_model_analysis/evaluators/metrics_validator.py`
//! (`_check_threshold`): a value threshold passes when
//! `lower ≤ value ≤ upper` (inclusive, a missing bound is ∓∞); a change
//! threshold compares diff = candidate − baseline and ratio = diff / baseline
//! (NaN when the baseline is 0, which fails every comparison): higher is
//! better passes when `diff ≥ absolute` and `ratio ≥ relative`, lower is
//! better when `diff ≤ absolute` and `ratio ≤ relative` (a missing one is
//! ∓∞). A threshold with no slices applies to the overall slice only
//! (TFMA's `MetricConfig.threshold`); otherwise to every reported slice of
//! the specs it names. A metric that is missing or undefined, or whose
//! baseline is, fails with the reason (TFMA: "Metric not found.").

use std::path::{Path, PathBuf};

use tabx_core::{Result, SliceSpec, TabxError};

use crate::{
    ChangeThreshold, Direction, EvalConfig, MetricThreshold, SliceResult, SpecResult, ThresholdFailure, Validation,
};

/// TFX Evaluator's marker files (`tfx/components/evaluator/constants.py`).
pub const BLESSED_FILE: &str = "BLESSED";
pub const NOT_BLESSED_FILE: &str = "NOT_BLESSED";

/// Every slice spec a threshold names must be evaluated.
pub(crate) fn check_threshold_specs(config: &EvalConfig) -> Result<()> {
    let specs = config.slice_specs();
    for t in &config.thresholds {
        if let Some(s) = t.slices.iter().find(|s| !s.is_overall() && !specs.contains(s)) {
            let evaluated: Vec<String> = specs.iter().map(ToString::to_string).collect();
            return Err(TabxError::config(format!(
                "the threshold on `{}` names slice `{s}`, which is not evaluated (slices: {})",
                t.metric,
                evaluated.join(", ")
            ))
            .with_hint(format!("add `--slice {s}` (or `{s}` under slices: in the config)")));
        }
    }
    Ok(())
}

/// Checks every threshold on the slices it applies to.
pub(crate) fn validate(config: &EvalConfig, specs: &[SpecResult]) -> Validation {
    let mut validation = Validation::default();
    for t in &config.thresholds {
        let targets: Vec<String> = if t.slices.is_empty() {
            vec![SliceSpec::overall().to_string()]
        } else {
            t.slices.iter().map(ToString::to_string).collect()
        };
        for spec in specs.iter().filter(|s| targets.contains(&s.spec)) {
            validation.suppressed_slices_not_checked += spec.suppressed.len() as u64;
            for slice in &spec.slices {
                validation.checks += 1;
                for (threshold, reason) in check(t, slice) {
                    validation.failures.push(ThresholdFailure {
                        spec: spec.spec.clone(),
                        slice: slice.name.clone(),
                        metric: t.metric.clone(),
                        value: slice.metrics.get(&t.metric).and_then(|m| m.value),
                        threshold,
                        reason,
                    });
                }
            }
        }
    }
    validation
}

/// The failures of one threshold on one slice: (threshold, reason) pairs.
fn check(t: &MetricThreshold, slice: &SliceResult) -> Vec<(String, String)> {
    let mut failures = Vec::new();
    let described = describe(t);
    let Some(m) = slice.metrics.get(&t.metric) else {
        let why = if slice.plots.contains_key(&t.metric) {
            format!("`{}` is a plot, not a number", t.metric)
        } else {
            let names: Vec<&str> = slice.metrics.keys().map(String::as_str).collect();
            format!("metric `{}` is not computed (metrics: {})", t.metric, names.join(", "))
        };
        return vec![(described, why)];
    };
    let Some(value) = m.value else {
        return vec![(described, format!("undefined: {}", m.undefined.clone().unwrap_or_default()))];
    };
    if let Some(lower) = t.lower
        && value < lower
    {
        failures.push((format!("lower {lower}"), format!("{value} is below the lower bound {lower}")));
    }
    if let Some(upper) = t.upper
        && value > upper
    {
        failures.push((format!("upper {upper}"), format!("{value} is above the upper bound {upper}")));
    }
    if let Some(change) = &t.change {
        let threshold = describe_change(change);
        match m.baseline {
            None => {
                let why = m.baseline_undefined.clone().unwrap_or_else(|| "no baseline was given".into());
                failures.push((threshold, format!("no baseline value: {why}")));
            }
            Some(baseline) => {
                if let Some(why) = change_failure(change, value, baseline) {
                    failures.push((threshold, why));
                }
            }
        }
    }
    failures
}

/// Why a change threshold fails, or None when it passes (`_check_threshold`).
fn change_failure(change: &ChangeThreshold, value: f64, baseline: f64) -> Option<String> {
    let diff = value - baseline;
    let ratio = if baseline == 0.0 { f64::NAN } else { diff / baseline };
    let (better, worse) = match change.direction {
        Direction::HigherIsBetter => ("higher", "below"),
        Direction::LowerIsBetter => ("lower", "above"),
    };
    let passes = |x: f64, bound: f64| match change.direction {
        Direction::HigherIsBetter => x >= bound,
        Direction::LowerIsBetter => x <= bound,
    };
    let unbounded = match change.direction {
        Direction::HigherIsBetter => f64::NEG_INFINITY,
        Direction::LowerIsBetter => f64::INFINITY,
    };
    let change_text = format!("change {diff} ({value} vs baseline {baseline})");
    if let Some(a) = change.absolute
        && !passes(diff, a)
    {
        return Some(format!("{change_text} is {worse} the absolute threshold {a} ({better} is better)"));
    }
    if ratio.is_nan() {
        return Some(format!(
            "{change_text}: the relative change is undefined because the baseline is 0, \
             and TFMA fails a change threshold then"
        ));
    }
    let r = change.relative.unwrap_or(unbounded);
    (!passes(ratio, r))
        .then(|| format!("relative {change_text} = {ratio} is {worse} the relative threshold {r} ({better} is better)"))
}

fn describe(t: &MetricThreshold) -> String {
    let mut parts = Vec::new();
    if let Some(l) = t.lower {
        parts.push(format!("lower {l}"));
    }
    if let Some(u) = t.upper {
        parts.push(format!("upper {u}"));
    }
    if let Some(c) = &t.change {
        parts.push(describe_change(c));
    }
    parts.join(", ")
}

fn describe_change(c: &ChangeThreshold) -> String {
    let direction = match c.direction {
        Direction::HigherIsBetter => "higher_is_better",
        Direction::LowerIsBetter => "lower_is_better",
    };
    let mut text = format!("change {direction}");
    if let Some(a) = c.absolute {
        text.push_str(&format!(" absolute {a}"));
    }
    if let Some(r) = c.relative {
        text.push_str(&format!(" relative {r}"));
    }
    text
}

/// Writes TFX Evaluator's empty `BLESSED` or `NOT_BLESSED` file in `dir`
/// (created if missing) and removes the other one; returns the file written.
pub fn write_blessing(dir: impl AsRef<Path>, blessed: bool) -> Result<PathBuf> {
    let dir = dir.as_ref();
    std::fs::create_dir_all(dir).map_err(|e| TabxError::io(dir, e))?;
    let (write, remove) = if blessed { (BLESSED_FILE, NOT_BLESSED_FILE) } else { (NOT_BLESSED_FILE, BLESSED_FILE) };
    let stale = dir.join(remove);
    match std::fs::remove_file(&stale) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(TabxError::io(stale, e)),
        _ => {}
    }
    let path = dir.join(write);
    std::fs::write(&path, b"").map_err(|e| TabxError::io(&path, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(direction: Direction, absolute: Option<f64>, relative: Option<f64>) -> ChangeThreshold {
        ChangeThreshold { direction, absolute, relative }
    }

    #[test]
    fn change_thresholds_as_tfma() {
        use Direction::*;
        // metrics_validator.py `_check_threshold`: higher is better passes when
        // diff >= absolute and ratio >= relative; lower is better mirrors it.
        assert!(change_failure(&change(HigherIsBetter, Some(0.1), None), 0.95, 0.8).is_none());
        assert!(change_failure(&change(HigherIsBetter, Some(0.1), None), 0.85, 0.8).is_some());
        // diff exactly at the bound passes (inclusive); 0.75 - 0.5 = 0.25 exactly.
        assert!(change_failure(&change(HigherIsBetter, Some(0.25), None), 0.75, 0.5).is_none());
        assert!(change_failure(&change(HigherIsBetter, None, Some(0.5)), 0.75, 0.5).is_none());
        assert!(change_failure(&change(HigherIsBetter, None, Some(0.6)), 0.75, 0.5).is_some());
        assert!(change_failure(&change(LowerIsBetter, Some(0.0), None), 0.9, 1.0).is_none());
        let why = change_failure(&change(LowerIsBetter, Some(0.0), None), 1.1, 1.0).unwrap();
        assert!(why.contains("above the absolute threshold 0") && why.contains("lower is better"), "{why}");
        assert!(change_failure(&change(LowerIsBetter, None, Some(-0.5)), 0.5, 1.0).is_none());
        assert!(change_failure(&change(LowerIsBetter, None, Some(-0.5)), 0.6, 1.0).is_some());
        // A zero baseline: ratio NaN fails even an absolute-only threshold (TFMA).
        let why = change_failure(&change(HigherIsBetter, Some(-1.0), None), 0.5, 0.0).unwrap();
        assert!(why.contains("baseline is 0"), "{why}");
    }

    #[test]
    fn blessing_files_replace_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let b = write_blessing(dir.path().join("blessing"), true).unwrap();
        assert!(b.ends_with(BLESSED_FILE) && b.exists());
        let n = write_blessing(dir.path().join("blessing"), false).unwrap();
        assert!(n.ends_with(NOT_BLESSED_FILE) && n.exists() && !b.exists());
        assert_eq!(std::fs::read(&n).unwrap(), b"");
    }
}
