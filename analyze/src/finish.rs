//! Finishing an [`EvalState`] into an [`EvalResult`]: which slices are
//! reported (`min_slice_size`, `max_slices`), every metric on every reported
//! slice with its confidence interval and baseline, then the thresholds.

use std::collections::{BTreeMap, HashSet};

use tabx_core::{Mergeable, Result, SliceKey};

use crate::ci::{Interval, bootstrap_interval, jackknife_interval};
use crate::evaluator::{SliceState, SpecState};
use crate::result::EVAL_FORMAT_VERSION;
use crate::{
    CiMethod, EvalConfig, EvalResult, EvalState, Metric, MetricResult, MetricState, MetricValue, SliceResult,
    SpecResult, SuppressedSlice, metrics_for,
};

impl EvalState {
    /// The `eval.json` of the evaluation: metrics with intervals, baselines
    /// (from the baseline prediction column, or else from `baseline`, an
    /// earlier `eval.json` matched by slice name and metric), suppressed
    /// slices, threshold failures and the blessing.
    pub fn finish_against(self, baseline: Option<&EvalResult>) -> Result<EvalResult> {
        let config = self.config;
        let metrics = metrics_for(config.task, &config.metrics);
        let slice_specs: Vec<SpecResult> =
            self.specs.into_iter().map(|spec| finish_spec(spec, &config, &metrics, baseline)).collect();
        let validation = crate::thresholds::validate(&config, &slice_specs);
        Ok(EvalResult {
            format_version: EVAL_FORMAT_VERSION,
            tabx_version: env!("CARGO_PKG_VERSION").to_string(),
            blessed: validation.failures.is_empty(),
            config,
            slice_specs,
            validation,
        })
    }
}

fn finish_spec(
    mut spec: SpecState,
    config: &EvalConfig,
    metrics: &[&'static dyn Metric],
    baseline: Option<&EvalResult>,
) -> SpecResult {
    let name = spec.spec.to_string();
    if spec.spec.is_overall() && spec.slices.is_empty() {
        // No rows at all: the overall slice is still reported (its metrics undefined).
        spec.slices.insert(SliceKey::default(), SliceState::new(config));
    }
    // Below min_slice_size first (the overall slice is always reported), then
    // the max_slices largest of the rest, ties by key: a rule on the merged
    // state, so it cannot depend on how the input was split.
    let too_small = |k: &SliceKey, s: &SliceState| !k.is_overall() && s.examples < config.min_slice_size;
    let mut by_size: Vec<(&SliceKey, u64)> =
        spec.slices.iter().filter(|(k, s)| !too_small(k, s)).map(|(k, s)| (k, s.examples)).collect();
    by_size.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
    let kept: HashSet<SliceKey> = by_size.iter().take(config.max_slices.max(1)).map(|(k, _)| (*k).clone()).collect();
    let mut result = SpecResult { spec: name.clone(), slices: Vec::new(), suppressed: Vec::new() };
    for (key, slice) in spec.slices {
        let suppress = |reason: String| SuppressedSlice { name: key.name(), example_count: slice.examples, reason };
        if too_small(&key, &slice) {
            let why = format!("{} examples, fewer than min_slice_size {}", slice.examples, config.min_slice_size);
            result.suppressed.push(suppress(why));
        } else if !kept.contains(&key) {
            let why =
                format!("past max_slices: only the {} largest slices of `{name}` are reported", config.max_slices);
            result.suppressed.push(suppress(why));
        } else {
            let reference = baseline.and_then(|b| b.spec(&name));
            result.slices.push(finish_slice(key, &slice, config, metrics, reference));
        }
    }
    result
}

fn finish_slice(
    key: SliceKey,
    slice: &SliceState,
    config: &EvalConfig,
    metrics: &[&'static dyn Metric],
    reference: Option<&SpecResult>,
) -> SliceResult {
    let method = config.confidence_intervals.method;
    let candidate = Estimates::of(&slice.samples, method);
    let baseline = (!slice.baseline.is_empty()).then(|| Estimates::of(&slice.baseline, method));
    let mut out = SliceResult {
        name: key.name(),
        key,
        example_count: slice.examples,
        weighted_example_count: slice.weight.value(),
        rows_left_out: slice.left_out,
        rows_missing_weight: slice.missing_weight,
        metrics: BTreeMap::new(),
        plots: BTreeMap::new(),
    };
    for metric in metrics {
        let value = metric.compute(&candidate.point, &config.metrics);
        let mut result = match finite(value) {
            Ok(x) => {
                let mut r = MetricResult { value: Some(x), ..Default::default() };
                match candidate.interval(*metric, x, config) {
                    Ok(Some(iv)) => {
                        r.lower_bound = Some(iv.lower);
                        r.upper_bound = Some(iv.upper);
                        r.standard_error = Some(iv.standard_error);
                        r.degrees_of_freedom = Some(iv.degrees_of_freedom);
                    }
                    Ok(None) => {}
                    Err(why) => r.interval_undefined = Some(why),
                }
                r
            }
            Err(Some(why)) => MetricResult { undefined: Some(why), ..Default::default() },
            Err(None) => {
                out.plots.insert(metric.name().to_string(), metric.compute(&candidate.point, &config.metrics));
                continue;
            }
        };
        let base = match (&baseline, &reference) {
            (Some(b), _) => Some(finite(metric.compute(&b.point, &config.metrics)).map_err(Option::unwrap_or_default)),
            (None, Some(spec)) => Some(baseline_value(spec, &out.name, metric.name())),
            (None, None) => None,
        };
        match base {
            Some(Ok(b)) => {
                result.baseline = Some(b);
                result.diff = result.value.map(|v| v - b);
            }
            Some(Err(why)) => result.baseline_undefined = Some(why),
            None => {}
        }
        out.metrics.insert(metric.name().to_string(), result);
    }
    out
}

/// A scalar that JSON can hold, or why not (`None`: a plot, not a number).
fn finite(value: MetricValue) -> std::result::Result<f64, Option<String>> {
    match value {
        MetricValue::Scalar(x) if x.is_finite() => Ok(x),
        MetricValue::Scalar(x) => Err(Some(format!("the value is {x}"))),
        MetricValue::Undefined(why) => Err(Some(why)),
        MetricValue::ConfusionMatrices(_) | MetricValue::CalibrationPlot(_) => Err(None),
    }
}

fn baseline_value(spec: &SpecResult, slice: &str, metric: &str) -> std::result::Result<f64, String> {
    let Some(s) = spec.slice(slice) else {
        return Err(format!("slice `{slice}` is not reported in the baseline eval.json"));
    };
    match s.metrics.get(metric) {
        Some(MetricResult { value: Some(v), .. }) => Ok(*v),
        Some(m) => Err(format!("undefined in the baseline: {}", m.undefined.clone().unwrap_or_default())),
        None => Err(format!("`{metric}` is not in the baseline eval.json")),
    }
}

/// The point estimate's state and the states of the CI samples.
struct Estimates {
    point: MetricState,
    /// Jackknife: the leave-one-bucket-out states; bootstrap: the resamples.
    samples: Vec<MetricState>,
}

impl Estimates {
    fn of(states: &[MetricState], method: CiMethod) -> Self {
        match method {
            CiMethod::Jackknife => {
                // Leave-one-out merges from prefix and suffix merges: O(n) merges, fixed order.
                let n = states.len();
                let mut prefix = vec![MetricState::default(); n + 1];
                for i in 0..n {
                    prefix[i + 1] = prefix[i].clone();
                    prefix[i + 1].merge(&states[i]);
                }
                let mut suffix = vec![MetricState::default(); n + 1];
                for i in (0..n).rev() {
                    let mut s = states[i].clone();
                    s.merge(&suffix[i + 1]);
                    suffix[i] = s;
                }
                let samples = (0..n)
                    .map(|i| {
                        let mut s = prefix[i].clone();
                        s.merge(&suffix[i + 1]);
                        s
                    })
                    .collect();
                Self { point: prefix.pop().unwrap_or_default(), samples }
            }
            CiMethod::PoissonBootstrap => Self { point: states[0].clone(), samples: states[1..].to_vec() },
            CiMethod::None => Self { point: states[0].clone(), samples: Vec::new() },
        }
    }

    /// The interval of `metric`, None without CIs, or why there is none.
    fn interval(
        &self,
        metric: &dyn Metric,
        point: f64,
        config: &EvalConfig,
    ) -> std::result::Result<Option<Interval>, String> {
        let method = config.confidence_intervals.method;
        if method == CiMethod::None {
            return Ok(None);
        }
        let what = if method == CiMethod::Jackknife { "jackknife leave-one-out sample" } else { "bootstrap sample" };
        let mut values = Vec::with_capacity(self.samples.len());
        for (i, s) in self.samples.iter().enumerate() {
            match finite(metric.compute(s, &config.metrics)) {
                Ok(x) => values.push(x),
                Err(why) => {
                    return Err(format!("undefined on {what} {i}: {}", why.unwrap_or_default()));
                }
            }
        }
        Ok(Some(match method {
            CiMethod::Jackknife => jackknife_interval(point, &values),
            _ => bootstrap_interval(&values),
        }))
    }
}
