//! What to train, decided from the fitted transform before reading any row
//! ([`TrainPlan`]): the label, the features and how each is encoded.
//!
//! Features default to the transform's output columns minus the label and
//! every output that derives from the label's input columns (through any chain
//! of outputs): with the taxi spec, label `fare` leaves out `fare` and
//! `big_tipper` (`tips > 0.2 × fare`), and label `big_tipper` leaves out both
//! too. `TrainOptions::features` overrides the default. Text and list outputs
//! cannot be features; by default they are left out, with the reason in
//! [`TrainPlan::left_out`].
//!
//! Encoding, from the op that made each output (its fitted values say how
//! many ids it gives):
//! - `compute_and_apply_vocabulary`: ids `0..vocab_size + num_oov_buckets`, one-hot;
//! - `bucketize`, `apply_buckets`: buckets `0..len(boundaries) + 1`, one-hot;
//! - `hash_strings`, `hash_cross`: `0..hash_buckets`, one-hot;
//! - any other integer output: one-hot over the values seen in training when
//!   there are at most [`MAX_DISTINCT`], else a number (decided by the first pass);
//! - floats and booleans: numbers.

use std::collections::{BTreeMap, BTreeSet};
use std::str::FromStr;

use arrow::datatypes::DataType;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tabx_core::{Result, TabxError};
use tabx_transform::TransformArtifact;

/// An integer output with no declared range is one-hot encoded when training
/// sees at most this many distinct values.
pub const MAX_DISTINCT: usize = 100;

/// The model to fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelKind {
    /// Ridge regression (least squares with an L2 penalty).
    Linear,
    /// L2-regularised logistic regression on a 0/1 label.
    Logistic,
}

/// The user's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainOptions {
    pub kind: ModelKind,
    /// The label column (an output of the transform).
    pub label: String,
    /// The feature columns; `None`: the default (see the module docs).
    pub features: Option<Vec<String>>,
    /// The L2 penalty λ: scikit-learn's `Ridge(alpha=λ)`, `LogisticRegression(C=1/λ)`.
    pub l2: f64,
}

/// How one feature is encoded, as far as the transform tells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PlannedEncoding {
    /// A number.
    Numeric,
    /// One-hot over ids `0..count`, declared by the op.
    Ids { count: u64, op: String },
    /// An integer: one-hot over the values seen, or a number past [`MAX_DISTINCT`].
    Integer,
}

/// One feature of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedFeature {
    pub name: String,
    pub encoding: PlannedEncoding,
}

/// The label, the features and their encodings (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainPlan {
    pub kind: ModelKind,
    pub label: String,
    pub l2: f64,
    pub features: Vec<PlannedFeature>,
    /// Output columns not used by default, with why.
    pub left_out: Vec<(String, String)>,
}

impl TrainPlan {
    /// Plans the model of `options` on the outputs of `artifact`.
    pub fn try_new(artifact: &TransformArtifact, options: &TrainOptions) -> Result<Self> {
        if !(options.l2.is_finite() && options.l2 >= 0.0) {
            return Err(TabxError::config(format!("--l2 must be a finite number ≥ 0, got {}", options.l2)));
        }
        let outputs: Vec<(&str, DataType)> = artifact
            .output_schema
            .iter()
            .map(|c| Ok((c.name.as_str(), DataType::from_str(&c.data_type).map_err(TabxError::from)?)))
            .collect::<Result<_>>()?;
        let names: Vec<&str> = outputs.iter().map(|(n, _)| *n).collect();
        let label_type = outputs.iter().find(|(n, _)| *n == options.label).map(|(_, t)| t);
        match label_type {
            None => {
                return Err(TabxError::config(format!(
                    "the label `{}` is not an output of the transform (outputs: {})",
                    options.label,
                    names.join(", ")
                ))
                .with_hint(
                    "add the label to the spec (e.g. `passthrough: [COL]` or a fill_missing output) and refit",
                ));
            }
            Some(t) if !(t.is_numeric() || *t == DataType::Boolean) => {
                return Err(TabxError::config(format!("the label `{}` is {t}, not a number", options.label))
                    .with_hint("a label is a number (linear) or 0/1 (logistic)"));
            }
            Some(_) => {}
        }
        let fitted: BTreeMap<&str, (&str, &Value)> =
            artifact.outputs.iter().map(|o| (o.name.as_str(), (o.op.as_str(), &o.fitted))).collect();
        let roots = input_roots(artifact);
        let label_roots = &roots[options.label.as_str()];
        let mut features = Vec::new();
        let mut left_out = Vec::new();
        match &options.features {
            Some(chosen) => {
                for name in chosen {
                    let Some((_, t)) = outputs.iter().find(|(n, _)| n == name) else {
                        return Err(TabxError::config(format!(
                            "the feature `{name}` is not an output of the transform (outputs: {})",
                            names.join(", ")
                        )));
                    };
                    if *name == options.label {
                        return Err(TabxError::config(format!("`{name}` is the label; it cannot be a feature too")));
                    }
                    if features.iter().any(|f: &PlannedFeature| &f.name == name) {
                        return Err(TabxError::config(format!("the feature `{name}` is named twice")));
                    }
                    let encoding = encoding(t, fitted.get(name.as_str()).copied()).map_err(|why| {
                        TabxError::config(format!("the feature `{name}` cannot be used: {why}"))
                            .with_hint("encode text with compute_and_apply_vocabulary or hash_strings in the spec")
                    })?;
                    features.push(PlannedFeature { name: name.clone(), encoding });
                }
            }
            None => {
                for (name, t) in &outputs {
                    let shared: Vec<&String> = roots[name].intersection(label_roots).collect();
                    if !shared.is_empty() {
                        let why = match *name == options.label {
                            true => "the label".to_string(),
                            false => format!("derives from `{}`, as the label does", join(&shared)),
                        };
                        left_out.push((name.to_string(), why));
                        continue;
                    }
                    match encoding(t, fitted.get(name).copied()) {
                        Ok(encoding) => features.push(PlannedFeature { name: name.to_string(), encoding }),
                        Err(why) => left_out.push((name.to_string(), why)),
                    }
                }
            }
        }
        if features.is_empty() {
            return Err(TabxError::config(format!("no features left to predict `{}` from", options.label))
                .with_hint("name them with --features a,b"));
        }
        Ok(TrainPlan { kind: options.kind, label: options.label.clone(), l2: options.l2, features, left_out })
    }

    /// The feature names, in order.
    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name.clone()).collect()
    }
}

/// The encoding of an output of type `t` made by `op` with `fitted` values,
/// or why it cannot be a feature.
fn encoding(t: &DataType, op: Option<(&str, &Value)>) -> Result<PlannedEncoding, String> {
    if t.is_floating() || *t == DataType::Boolean {
        return Ok(PlannedEncoding::Numeric);
    }
    if !t.is_integer() {
        return Err(format!("a {t} column is not a number"));
    }
    let count = |key: &str| op.and_then(|(_, fitted)| fitted.get(key)).and_then(Value::as_array).map(Vec::len);
    let number = |key: &str| op.and_then(|(_, fitted)| fitted.get(key)).and_then(Value::as_u64);
    let ids = match op.map(|(name, _)| name) {
        Some("compute_and_apply_vocabulary") => {
            count("vocabulary").map(|v| v as u64 + number("num_oov_buckets").unwrap_or(0))
        }
        Some("bucketize" | "apply_buckets") => count("bucket_boundaries").map(|b| b as u64 + 1),
        Some("hash_strings" | "hash_cross") => number("hash_buckets"),
        _ => None,
    };
    Ok(match (ids, op) {
        (Some(count), Some((name, _))) => PlannedEncoding::Ids { count, op: name.to_string() },
        _ => PlannedEncoding::Integer,
    })
}

/// Each output column → the input columns it derives from. An input of an
/// output names the output above it of that name, else an input column (the
/// rule of `TransformSpec::sources`); passthrough columns are their own root.
fn input_roots(artifact: &TransformArtifact) -> BTreeMap<&str, BTreeSet<String>> {
    let spec = &artifact.spec;
    let mut roots: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (i, output) in spec.outputs.iter().enumerate() {
        let mut set = BTreeSet::new();
        for input in &output.inputs {
            match spec.outputs[..i].iter().find(|o| &o.name == input) {
                Some(above) => set.extend(roots[above.name.as_str()].iter().cloned()),
                None => {
                    set.insert(input.clone());
                }
            }
        }
        roots.insert(&output.name, set);
    }
    for column in &spec.passthrough {
        roots.insert(column, BTreeSet::from([column.clone()]));
    }
    roots
}

fn join(names: &[&String]) -> String {
    names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("`, `")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The taxi spec's artifact, fitted on `datasets/data/data.csv`.
    pub(crate) fn taxi_artifact() -> TransformArtifact {
        let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/");
        let spec = tabx_transform::TransformSpec::from_path(format!("{root}taxi_transform.yaml")).unwrap();
        let mut fit = tabx_transform::FitState::try_new(&spec, tabx_transform::InvalidRows::Fail).unwrap();
        fit.update(&crate::testdata::read_csv(&format!("{root}data.csv"))).unwrap();
        fit.finish().unwrap()
    }

    fn options(label: &str, kind: ModelKind) -> TrainOptions {
        TrainOptions { kind, label: label.into(), features: None, l2: 1.0 }
    }

    #[test]
    fn taxi_defaults_leave_out_the_label_and_what_derives_from_it() {
        let artifact = taxi_artifact();
        for label in ["fare", "big_tipper"] {
            let plan = TrainPlan::try_new(&artifact, &options(label, ModelKind::Linear)).unwrap();
            let names = plan.feature_names();
            assert_eq!(names.len(), 15, "{names:?}");
            assert!(!names.iter().any(|n| n == "fare" || n == "big_tipper"), "{names:?}");
            let left: Vec<&str> = plan.left_out.iter().map(|(n, _)| n.as_str()).collect();
            assert_eq!(left, ["fare", "big_tipper"]);
        }
        let plan = TrainPlan::try_new(&artifact, &options("fare", ModelKind::Linear)).unwrap();
        assert_eq!(plan.left_out[1].1, "derives from `fare`, as the label does");
        let by_name = |n: &str| plan.features.iter().find(|f| f.name == n).unwrap().encoding.clone();
        assert_eq!(by_name("trip_miles_xf"), PlannedEncoding::Numeric);
        assert_eq!(by_name("pickup_latitude_xf"), PlannedEncoding::Ids { count: 10, op: "bucketize".into() });
        assert_eq!(by_name("trip_start_hour_xf"), PlannedEncoding::Integer);
        let PlannedEncoding::Ids { count, .. } = by_name("company_xf") else { panic!("company is one-hot") };
        let vocabulary = artifact.outputs.iter().find(|o| o.name == "company_xf").unwrap().fitted["vocabulary"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(count, vocabulary as u64 + 10);
    }

    #[test]
    fn chosen_features_and_errors() {
        let artifact = taxi_artifact();
        let mut o = options("fare", ModelKind::Linear);
        o.features = Some(vec!["trip_miles_xf".into(), "company_xf".into()]);
        assert_eq!(TrainPlan::try_new(&artifact, &o).unwrap().feature_names(), ["trip_miles_xf", "company_xf"]);
        o.features = Some(vec!["nope".into()]);
        let e = TrainPlan::try_new(&artifact, &o).unwrap_err().to_string();
        assert!(e.contains("the feature `nope` is not an output of the transform"), "{e}");
        o.features = Some(vec!["fare".into()]);
        assert!(TrainPlan::try_new(&artifact, &o).unwrap_err().to_string().contains("`fare` is the label"));

        let e = TrainPlan::try_new(&artifact, &options("tips", ModelKind::Linear)).unwrap_err().to_string();
        assert!(e.contains("the label `tips` is not an output of the transform (outputs: trip_miles_xf,"), "{e}");
        let mut o = options("fare", ModelKind::Linear);
        o.l2 = -1.0;
        assert!(TrainPlan::try_new(&artifact, &o).unwrap_err().to_string().contains("--l2 must be"));
    }
}
