//! The evaluation config (`eval.yaml`): what `tabx evaluate`'s flags say, plus
//! metric options and thresholds ([`EvalConfig`]). The flags are shortcuts
//! that fill the same struct, so a config file and a command line cannot mean
//! different things.
//!
//! ```yaml
//! label: fare                      # the label column
//! prediction: prediction           # the model's output column
//! task: regression                 # or binary (a probability and a 0/1 label)
//! weight: trip_miles               # optional: weighs every metric
//! example_key: unique_key          # optional: what a row's CI bucket hashes (default: the row's values)
//! # label_threshold: 0.5           # binary only: label > t is positive (default: labels are 0/1)
//! slices:                          # the --slice grammar; the overall slice is always there
//!   - payment_type
//!   - company,payment_type
//!   - payment_type=Cash
//!   - trip_start_hour:0,6,12,18
//!   - "long_trip:=trip_miles > 10"  # a SQL predicate: long_trip_true, long_trip_false (feature `sql`)
//! min_slice_size: 100              # smaller slices are reported as suppressed
//! max_slices: 1000                 # per slice spec
//! metrics:
//!   num_thresholds: 10000          # TFMA's thresholded AUC
//!   thresholds: [0.5]              # decision thresholds: accuracy, precision, recall, f1, confusion matrices
//!   calibration_buckets: 1000      # calibration_plot buckets on [0, 1]
//!   exact_auc: false               # also the exact AUC, keeping every prediction (capped)
//!   exact_auc_max_examples: 10000000
//! confidence_intervals:
//!   method: jackknife              # TFMA's default; or poisson_bootstrap, or none
//!   num_buckets: 20                # jackknife buckets
//!   num_samples: 20                # bootstrap samples
//!   seed: 0
//! baseline:                        # for change thresholds: one of the two
//!   prediction: baseline_prediction
//!   # eval: baseline/eval.json
//! thresholds:
//!   - metric: root_mean_squared_error
//!     upper: 5.0                   # value threshold, inclusive
//!   - metric: mean_absolute_error
//!     slices: [payment_type]       # default: the overall slice only (TFMA's MetricConfig.threshold)
//!     change: {direction: lower_is_better, absolute: 0.1}
//! memory_budget_mb: 1024           # the evaluation's state, all slices together
//! ```

use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use tabx_core::{Result, SliceSpec, TabxError};

/// What the predictions predict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// A real-valued label (the default).
    #[default]
    Regression,
    /// A 0/1 label (or one cut by `label_threshold`) and a probability in [0, 1].
    Binary,
}

impl fmt::Display for Task {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Regression => "regression",
            Self::Binary => "binary",
        })
    }
}

/// A whole evaluation (see the module docs for the file form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvalConfig {
    pub label: String,
    pub prediction: String,
    #[serde(default)]
    pub task: Task,
    #[serde(default)]
    pub weight: Option<String>,
    #[serde(default)]
    pub example_key: Option<String>,
    #[serde(default)]
    pub label_threshold: Option<f64>,
    /// The slice specs besides the overall slice, which is always evaluated.
    #[serde(default, with = "slice_strings")]
    pub slices: Vec<SliceSpec>,
    #[serde(default = "default_min_slice_size")]
    pub min_slice_size: u64,
    #[serde(default = "default_max_slices")]
    pub max_slices: usize,
    #[serde(default)]
    pub metrics: MetricOptions,
    #[serde(default)]
    pub confidence_intervals: CiOptions,
    #[serde(default)]
    pub baseline: Option<BaselineConfig>,
    #[serde(default)]
    pub thresholds: Vec<MetricThreshold>,
    #[serde(default = "default_memory_budget_mb")]
    pub memory_budget_mb: u64,
}

/// Options of the metrics themselves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricOptions {
    /// Thresholds of TFMA's thresholded AUC / AUC-PR (`num_thresholds`, 10,000).
    pub num_thresholds: usize,
    /// Decision thresholds (prediction > t is positive) of binary_accuracy,
    /// precision, recall, f1_score and confusion_matrix_at_thresholds.
    pub thresholds: Vec<f64>,
    /// Buckets of calibration_plot over [0, 1].
    pub calibration_buckets: usize,
    /// Also the exact (every prediction kept) AUC and AUC-PR.
    pub exact_auc: bool,
    /// The most examples the exact AUC keeps, all slices together.
    pub exact_auc_max_examples: u64,
}

impl Default for MetricOptions {
    fn default() -> Self {
        Self {
            num_thresholds: 10_000,
            thresholds: vec![0.5],
            calibration_buckets: 1000,
            exact_auc: false,
            exact_auc_max_examples: 10_000_000,
        }
    }
}

/// How confidence intervals are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CiMethod {
    /// TFMA's default: delete-one-bucket jackknife over `num_buckets` buckets.
    #[default]
    Jackknife,
    /// `num_samples` Poisson(1)-weighted resamples.
    PoissonBootstrap,
    /// No intervals (metrics only).
    None,
}

/// Confidence-interval options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CiOptions {
    pub method: CiMethod,
    /// Jackknife buckets (TFMA: 20).
    pub num_buckets: usize,
    /// Bootstrap samples (TFMA: 20).
    pub num_samples: usize,
    /// Seeds the row hashes that pick buckets and Poisson weights.
    pub seed: u64,
}

impl Default for CiOptions {
    fn default() -> Self {
        Self { method: CiMethod::Jackknife, num_buckets: 20, num_samples: 20, seed: 0 }
    }
}

/// The baseline that change thresholds compare against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineConfig {
    /// A second prediction column of the same rows.
    #[serde(default)]
    pub prediction: Option<String>,
    /// Or the `eval.json` of an earlier evaluation.
    #[serde(default)]
    pub eval: Option<PathBuf>,
}

/// Which way a change is an improvement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    HigherIsBetter,
    LowerIsBetter,
}

/// TFMA's `GenericChangeThreshold`: on candidate − baseline (absolute) and
/// (candidate − baseline) / baseline (relative).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeThreshold {
    pub direction: Direction,
    #[serde(default)]
    pub absolute: Option<f64>,
    #[serde(default)]
    pub relative: Option<f64>,
}

/// A threshold on one metric: TFMA's `GenericValueThreshold` (inclusive
/// bounds) and/or `GenericChangeThreshold`, on the given slices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricThreshold {
    pub metric: String,
    /// The slice specs it applies to; empty: the overall slice only.
    #[serde(default, with = "slice_strings")]
    pub slices: Vec<SliceSpec>,
    #[serde(default)]
    pub lower: Option<f64>,
    #[serde(default)]
    pub upper: Option<f64>,
    #[serde(default)]
    pub change: Option<ChangeThreshold>,
}

fn default_min_slice_size() -> u64 {
    1
}

fn default_max_slices() -> usize {
    1000
}

fn default_memory_budget_mb() -> u64 {
    1024
}

const CONFIG_HINT: &str = "see `tabx evaluate --help` and docs/EVALUATION.md for the config's fields";

impl EvalConfig {
    /// A config with the defaults for everything but the two columns.
    pub fn new(label: impl Into<String>, prediction: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            prediction: prediction.into(),
            task: Task::default(),
            weight: None,
            example_key: None,
            label_threshold: None,
            slices: Vec::new(),
            min_slice_size: default_min_slice_size(),
            max_slices: default_max_slices(),
            metrics: MetricOptions::default(),
            confidence_intervals: CiOptions::default(),
            baseline: None,
            thresholds: Vec::new(),
            memory_budget_mb: default_memory_budget_mb(),
        }
    }

    /// Reads and checks `eval.yaml` (YAML or JSON); errors name the file.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TabxError::io(path, e))?;
        Self::from_yaml(&text, &path.display().to_string())
    }

    /// Reads `eval.yaml` without [`check`](Self::check)ing it, for callers
    /// that complete it first (the CLI lays its flags over the file, e.g. the
    /// baseline column a change threshold needs).
    pub fn read_unchecked(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| TabxError::io(path, e))?;
        Self::parse(&text, &path.display().to_string())
    }

    fn parse(text: &str, origin: &str) -> Result<Self> {
        if let Some(kind) = tabx_core::ArtifactKind::of_text(text.as_bytes()) {
            return Err(TabxError::config(format!("{origin}: {}", kind.misplaced("an evaluation config"))).with_hint(
                "an evaluation config is YAML (or JSON) with label, prediction, slices, ...: see docs/EVALUATION.md",
            ));
        }
        serde_saphyr::from_str(text).map_err(|e| {
            let options = serde_saphyr::render_options! { snippets: serde_saphyr::SnippetMode::Off };
            TabxError::config(format!("{origin}: {}", e.render_with_options(options))).with_hint(CONFIG_HINT)
        })
    }

    /// Parses and checks a config; `origin` names it in errors.
    pub fn from_yaml(text: &str, origin: &str) -> Result<Self> {
        let config = Self::parse(text, origin)?;
        config.check().map_err(|e| match e {
            TabxError::Config { message, hint } => TabxError::Config { message: format!("{origin}: {message}"), hint },
            other => other,
        })?;
        Ok(config)
    }

    /// Checks what serde cannot: positive counts, thresholds in range, one baseline.
    pub fn check(&self) -> Result<()> {
        let fail = |m: String| Err(TabxError::config(m).with_hint(CONFIG_HINT));
        if self.label.is_empty() || self.prediction.is_empty() {
            return fail("the label and prediction columns must be named".into());
        }
        if self.label == self.prediction {
            return fail(format!("the label and the prediction are the same column `{}`", self.label));
        }
        if self.label_threshold.is_some() && self.task != Task::Binary {
            return fail("label_threshold only applies to task: binary".into());
        }
        let m = &self.metrics;
        if m.num_thresholds < 2 {
            return fail(format!("metrics.num_thresholds is {}: it needs at least 2", m.num_thresholds));
        }
        if m.calibration_buckets == 0 {
            return fail("metrics.calibration_buckets must be at least 1".into());
        }
        if let Some(t) = m.thresholds.iter().find(|t| !(0.0..=1.0).contains(*t)) {
            return fail(format!("metrics.thresholds: {t} is outside [0, 1]"));
        }
        let ci = &self.confidence_intervals;
        if ci.method == CiMethod::Jackknife && ci.num_buckets < 2 {
            return fail(format!(
                "confidence_intervals.num_buckets is {}: the jackknife needs at least 2",
                ci.num_buckets
            ));
        }
        if ci.method == CiMethod::PoissonBootstrap && ci.num_samples < 2 {
            return fail(format!(
                "confidence_intervals.num_samples is {}: the bootstrap needs at least 2",
                ci.num_samples
            ));
        }
        if let Some(b) = &self.baseline
            && b.prediction.is_some() == b.eval.is_some()
        {
            return fail("baseline: give exactly one of `prediction` (a column) and `eval` (an eval.json)".into());
        }
        for t in &self.thresholds {
            if t.lower.is_none() && t.upper.is_none() && t.change.is_none() {
                return fail(format!("threshold on `{}` has no lower, upper or change", t.metric));
            }
            if let Some(c) = &t.change {
                if c.absolute.is_none() && c.relative.is_none() {
                    return fail(format!("change threshold on `{}` has neither absolute nor relative", t.metric));
                }
                if self.baseline.is_none() {
                    return Err(TabxError::config(format!("a change threshold on `{}` needs a baseline", t.metric))
                        .with_hint(
                            "give --baseline-prediction COL or --baseline-eval eval.json (baseline: in the config)",
                        ));
                }
            }
        }
        Ok(())
    }

    /// Every slice spec evaluated: the overall slice first, then the configured ones.
    pub fn slice_specs(&self) -> Vec<SliceSpec> {
        let mut specs = vec![SliceSpec::overall()];
        specs.extend(self.slices.iter().filter(|s| !s.is_overall()).cloned());
        specs.dedup();
        specs
    }

    /// The columns an evaluation reads.
    pub fn columns(&self) -> Vec<String> {
        let mut columns = vec![self.label.clone(), self.prediction.clone()];
        columns.extend(self.weight.iter().cloned());
        columns.extend(self.example_key.iter().cloned());
        columns.extend(self.baseline.iter().filter_map(|b| b.prediction.clone()));
        for spec in &self.slices {
            columns.extend(spec.columns().into_iter().map(str::to_string));
        }
        let mut seen = std::collections::HashSet::new();
        columns.retain(|c| seen.insert(c.clone()));
        columns
    }
}

/// Slice specs as their `--slice` strings in the file.
mod slice_strings {
    use super::*;

    pub fn serialize<S: Serializer>(specs: &[SliceSpec], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(specs.iter().map(ToString::to_string))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<SliceSpec>, D::Error> {
        let texts: Vec<String> = Vec::deserialize(d)?;
        texts.iter().map(|t| SliceSpec::parse(t).map_err(serde::de::Error::custom)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_config_parses() {
        let doc: String = include_str!("config.rs")
            .lines()
            .skip_while(|l| !l.starts_with("//! ```yaml"))
            .skip(1)
            .take_while(|l| !l.starts_with("//! ```"))
            .map(|l| l.trim_start_matches("//!").strip_prefix(' ').unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let config = EvalConfig::from_yaml(&doc, "doc").unwrap();
        assert_eq!(config.label, "fare");
        assert_eq!(config.slices.len(), 5);
        assert_eq!(config.slice_specs().len(), 6);
        assert_eq!(config.thresholds[1].slices[0].to_string(), "payment_type");
        assert_eq!(config.thresholds[1].change.as_ref().unwrap().direction, Direction::LowerIsBetter);
        assert_eq!(config.confidence_intervals, CiOptions::default());
        assert_eq!(config.metrics, MetricOptions::default());
        // Round trip through JSON (eval.json keeps the config it ran with).
        let json = serde_json::to_string(&config).unwrap();
        assert_eq!(serde_json::from_str::<EvalConfig>(&json).unwrap(), config);
    }

    #[test]
    fn bad_configs_say_what_is_wrong() {
        let cases = [
            ("label: y\nprediction: p\nlabl: 3\n", "labl"),
            ("label: y\nprediction: y\n", "same column `y`"),
            ("label: y\nprediction: p\nslices: [\"a,a\"]\n", "appears twice"),
            ("label: y\nprediction: p\nlabel_threshold: 0.5\n", "task: binary"),
            ("label: y\nprediction: p\nmetrics: {thresholds: [1.5]}\n", "outside [0, 1]"),
            ("label: y\nprediction: p\nthresholds: [{metric: auc}]\n", "no lower, upper or change"),
            (
                "label: y\nprediction: p\nthresholds: [{metric: auc, change: {direction: higher_is_better, absolute: 0}}]\n",
                "needs a baseline",
            ),
            ("label: y\nprediction: p\nconfidence_intervals: {num_buckets: 1}\n", "at least 2"),
        ];
        for (text, want) in cases {
            let err = EvalConfig::from_yaml(text, "eval.yaml").unwrap_err().to_string();
            assert!(err.contains("eval.yaml") && err.contains(want), "{text}: {err}");
        }
    }
}
