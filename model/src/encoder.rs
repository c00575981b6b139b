//! The design matrix: how transformed columns become model inputs
//! ([`Encoder`], declared in `model.json`), and the first pass that decides
//! what the transform does not declare ([`EncoderState`]).
//!
//! Each feature gives one or more design columns, in feature order:
//! - [`Encoding::Numeric`]: one column `NAME`, the value minus `offset` (the
//!   training mean: centring each number before the products keeps the normal
//!   equations from cancelling when a mean dwarfs the spread, as census tract
//!   ids do; the model's coefficients are per unit of the value itself);
//! - [`Encoding::OneHotIds`]: columns `NAME=0` .. `NAME=count-1`, 1 at the id;
//! - [`Encoding::OneHotValues`]: one column `NAME=v` per value `v` seen in training.
//!
//! A category with no column (an id out of range, a value training never saw)
//! gets an all-zero one-hot: the prediction is the intercept's share for that
//! feature, as `tf.one_hot` gives zeros for an out-of-range id.

use std::collections::{BTreeMap, BTreeSet};

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};
use tabx_core::{ExactSum, Mergeable, Result, TabxError};

use crate::columns::{NumberColumn, check_rows};
use crate::plan::{MAX_DISTINCT, ModelKind, PlannedEncoding, TrainPlan};

/// The most design columns a model may have: XᵀX is then 32 MiB per task.
pub const MAX_DESIGN_COLUMNS: usize = 2048;

/// How one feature becomes design columns (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "encoding", rename_all = "snake_case")]
pub enum Encoding {
    Numeric { offset: f64 },
    OneHotIds { count: u64, op: String },
    OneHotValues { values: Vec<i64> },
}

/// One feature and its encoding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureEncoding {
    pub name: String,
    #[serde(flatten)]
    pub encoding: Encoding,
}

/// One column of the design matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesignColumn {
    /// `NAME` for a number, `NAME=VALUE` for a one-hot column.
    pub name: String,
    /// `numeric` or `one_hot`.
    pub kind: String,
}

/// The label and the features' encodings, with the design columns they give.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Encoder {
    /// The label (in `model.json` at the top level, beside the encoder).
    #[serde(skip)]
    pub label: String,
    pub features: Vec<FeatureEncoding>,
    pub columns: Vec<DesignColumn>,
}

/// Rows of a batch as sparse design rows (compressed sparse rows, columns ascending).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DesignRows {
    /// Row `i`'s entries are `columns[starts[i]..starts[i + 1]]`.
    pub starts: Vec<usize>,
    pub columns: Vec<u32>,
    pub values: Vec<f64>,
    /// The label of each row (training only).
    pub labels: Vec<f64>,
    /// The batch row each design row came from.
    pub rows: Vec<usize>,
    /// Batch rows left out, by reason.
    pub skipped: BTreeMap<String, u64>,
}

impl DesignRows {
    /// The entries of design row `i`.
    pub fn row(&self, i: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.starts[i]..self.starts[i + 1];
        self.columns[range.clone()].iter().map(|&c| c as usize).zip(self.values[range].iter().copied())
    }

    /// Number of design rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there is no design row.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl Encoder {
    /// The encoder of `plan`, completed by its first pass `state`.
    pub fn try_new(plan: &TrainPlan, state: &EncoderState) -> Result<Self> {
        if state.rows == 0 {
            let reasons: Vec<String> = state.skipped.iter().map(|(r, n)| format!("{n} {r}")).collect();
            return Err(TabxError::config(format!(
                "no rows to train on{}",
                if reasons.is_empty() { String::new() } else { format!(" (left out: {})", reasons.join(", ")) }
            ))
            .with_hint("check the label and the features for missing values"));
        }
        let mut features = Vec::with_capacity(plan.features.len());
        for (i, feature) in plan.features.iter().enumerate() {
            let summary = state.columns.get(i).ok_or_else(|| TabxError::Internal("short encoder state".into()))?;
            let offset = summary.sum.value() / state.rows as f64;
            let encoding = match (&feature.encoding, &summary.distinct) {
                (PlannedEncoding::Ids { count, op }, _) => Encoding::OneHotIds { count: *count, op: op.clone() },
                (PlannedEncoding::Integer, Distinct::Values(values)) => {
                    Encoding::OneHotValues { values: values.iter().copied().collect() }
                }
                _ => Encoding::Numeric { offset },
            };
            features.push(FeatureEncoding { name: feature.name.clone(), encoding });
        }
        Self::from_features(plan.label.clone(), features)
    }

    /// The encoder of these features (the design columns follow from them).
    pub fn from_features(label: String, features: Vec<FeatureEncoding>) -> Result<Self> {
        let mut columns = Vec::new();
        for f in &features {
            let width = width(&f.encoding);
            if columns.len() as u64 + width > MAX_DESIGN_COLUMNS as u64 {
                return Err(TabxError::config(format!(
                    "the features give more than {MAX_DESIGN_COLUMNS} design columns (`{}` alone gives {width})",
                    f.name
                ))
                .with_hint(
                    "leave out wide one-hot features with --features, or lower top_k / hash_buckets in the spec",
                ));
            }
            let one_hot = |value: String| DesignColumn { name: format!("{}={value}", f.name), kind: "one_hot".into() };
            match &f.encoding {
                Encoding::Numeric { .. } => columns.push(DesignColumn { name: f.name.clone(), kind: "numeric".into() }),
                Encoding::OneHotIds { count, .. } => columns.extend((0..*count).map(|id| one_hot(id.to_string()))),
                Encoding::OneHotValues { values } => columns.extend(values.iter().map(|v| one_hot(v.to_string()))),
            }
        }
        Ok(Encoder { label, features, columns })
    }

    /// Number of design columns.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The feature names, in order.
    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|f| f.name.clone()).collect()
    }

    /// The usable rows of `batch` as design rows, with their labels when
    /// `kind` is given (training), without when not (prediction).
    pub fn encode(&self, batch: &RecordBatch, kind: Option<ModelKind>) -> Result<DesignRows> {
        let label = kind.map(|k| (self.label.as_str(), k));
        let (labels, columns, check) = check_rows(batch, label, &self.feature_names())?;
        let mut starts_of = Vec::with_capacity(self.features.len());
        let mut next = 0usize;
        for f in &self.features {
            starts_of.push(next);
            next += width(&f.encoding) as usize;
        }
        let usable = check.usable.iter().filter(|u| **u).count();
        let mut out = DesignRows {
            starts: Vec::with_capacity(usable + 1),
            columns: Vec::with_capacity(usable * self.features.len()),
            values: Vec::with_capacity(usable * self.features.len()),
            labels: Vec::with_capacity(if labels.is_some() { usable } else { 0 }),
            rows: Vec::with_capacity(usable),
            skipped: check.skipped,
        };
        out.starts.push(0);
        for row in (0..batch.num_rows()).filter(|&r| check.usable[r]) {
            for ((f, column), &start) in self.features.iter().zip(&columns).zip(&starts_of) {
                if let Some((offset, value)) = entry(&f.encoding, column, row) {
                    out.columns.push((start + offset) as u32);
                    out.values.push(value);
                }
            }
            out.starts.push(out.columns.len());
            out.rows.push(row);
            if let Some(labels) = &labels {
                out.labels.push(labels[row]);
            }
        }
        Ok(out)
    }
}

/// The design columns of one encoding.
fn width(encoding: &Encoding) -> u64 {
    match encoding {
        Encoding::Numeric { .. } => 1,
        Encoding::OneHotIds { count, .. } => *count,
        Encoding::OneHotValues { values } => values.len() as u64,
    }
}

/// The design entry of a (non-null) value: column within the feature, value.
fn entry(encoding: &Encoding, column: &NumberColumn, row: usize) -> Option<(usize, f64)> {
    match encoding {
        Encoding::Numeric { offset } => column.value(row).map(|x| (0, x - offset)),
        Encoding::OneHotIds { count, .. } => {
            column.id(row).filter(|id| (0..*count as i64).contains(id)).map(|id| (id as usize, 1.0))
        }
        Encoding::OneHotValues { values } => {
            column.id(row).and_then(|v| values.binary_search(&v).ok()).map(|i| (i, 1.0))
        }
    }
}

/// The first pass: the training rows, each feature's sum (for its offset) and
/// the distinct values of the integers whose range the transform does not
/// declare. Mergeable; the sums are exact, so the state is the same however
/// the rows are split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct EncoderState {
    /// Usable rows.
    pub rows: u64,
    /// Rows left out, by reason.
    pub skipped: BTreeMap<String, u64>,
    columns: Vec<ColumnSummary>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
struct ColumnSummary {
    sum: ExactSum,
    distinct: Distinct,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
enum Distinct {
    #[default]
    Untracked,
    Values(BTreeSet<i64>),
    TooMany,
}

impl EncoderState {
    /// Adds the usable rows of a transformed batch.
    pub fn update(&mut self, plan: &TrainPlan, batch: &RecordBatch) -> Result<()> {
        if self.columns.is_empty() {
            self.columns = plan
                .features
                .iter()
                .map(|f| ColumnSummary {
                    sum: ExactSum::default(),
                    distinct: match f.encoding {
                        PlannedEncoding::Integer => Distinct::Values(BTreeSet::new()),
                        _ => Distinct::Untracked,
                    },
                })
                .collect();
        }
        let (_, columns, check) = check_rows(batch, Some((&plan.label, plan.kind)), &plan.feature_names())?;
        for (summary, column) in self.columns.iter_mut().zip(&columns) {
            for row in (0..batch.num_rows()).filter(|&r| check.usable[r]) {
                summary.sum.add(column.value(row).unwrap_or(0.0));
                if let (Distinct::Values(values), Some(v)) = (&mut summary.distinct, column.id(row)) {
                    values.insert(v);
                }
            }
            summary.distinct.cap();
        }
        self.rows += check.usable.iter().filter(|u| **u).count() as u64;
        add_counts(&mut self.skipped, &check.skipped);
        Ok(())
    }
}

impl Distinct {
    fn cap(&mut self) {
        if matches!(self, Distinct::Values(v) if v.len() > MAX_DISTINCT) {
            *self = Distinct::TooMany;
        }
    }
}

impl Mergeable for EncoderState {
    fn merge(&mut self, other: &Self) {
        if self.columns.is_empty() {
            self.columns = other.columns.clone();
        } else {
            for (a, b) in self.columns.iter_mut().zip(&other.columns) {
                a.sum.merge(&b.sum);
                a.distinct = match (std::mem::take(&mut a.distinct), &b.distinct) {
                    (Distinct::Values(mut x), Distinct::Values(y)) => {
                        x.extend(y);
                        Distinct::Values(x)
                    }
                    (Distinct::TooMany, _) | (_, Distinct::TooMany) => Distinct::TooMany,
                    (mine, _) => mine,
                };
                a.distinct.cap();
            }
        }
        self.rows += other.rows;
        add_counts(&mut self.skipped, &other.skipped);
    }
}

/// Adds counts by reason.
pub(crate) fn add_counts(into: &mut BTreeMap<String, u64>, from: &BTreeMap<String, u64>) {
    for (reason, n) in from {
        *into.entry(reason.clone()).or_default() += n;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int64Array};
    use tabx_core::testing::{assert_eq_state, check_merge_laws};

    use super::*;
    use crate::plan::PlannedFeature;

    fn plan() -> TrainPlan {
        let feature = |name: &str, encoding| PlannedFeature { name: name.into(), encoding };
        TrainPlan {
            kind: ModelKind::Linear,
            label: "y".into(),
            l2: 1.0,
            features: vec![
                feature("x", PlannedEncoding::Numeric),
                feature("id", PlannedEncoding::Ids { count: 3, op: "bucketize".into() }),
                feature("hour", PlannedEncoding::Integer),
            ],
            left_out: vec![],
        }
    }

    fn batch(y: Vec<Option<f64>>, x: Vec<f64>, id: Vec<i64>, hour: Vec<i64>) -> RecordBatch {
        RecordBatch::try_from_iter([
            ("y", Arc::new(Float64Array::from(y)) as ArrayRef),
            ("x", Arc::new(Float64Array::from(x)) as ArrayRef),
            ("id", Arc::new(Int64Array::from(id)) as ArrayRef),
            ("hour", Arc::new(Int64Array::from(hour)) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn one_hot_columns_and_unseen_categories() {
        let plan = plan();
        let train = batch(vec![Some(1.0), Some(2.0), None], vec![1.0, 3.0, 9.0], vec![0, 2, 1], vec![13, 7, 5]);
        let mut state = EncoderState::default();
        state.update(&plan, &train).unwrap();
        let encoder = Encoder::try_new(&plan, &state).unwrap();
        let names: Vec<&str> = encoder.columns.iter().map(|c| c.name.as_str()).collect();
        // Hour 5 is only in the row with a null label: training never used it.
        assert_eq!(names, ["x", "id=0", "id=1", "id=2", "hour=7", "hour=13"]);
        assert_eq!(encoder.features[0].encoding, Encoding::Numeric { offset: 2.0 });

        let rows = encoder.encode(&train, Some(ModelKind::Linear)).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows.row(0).collect::<Vec<_>>(), [(0, -1.0), (1, 1.0), (5, 1.0)]);
        assert_eq!(rows.row(1).collect::<Vec<_>>(), [(0, 1.0), (3, 1.0), (4, 1.0)]);
        assert_eq!(rows.labels, [1.0, 2.0]);
        assert_eq!(rows.skipped, BTreeMap::from([("null label `y`".to_string(), 1)]));

        // At prediction: no label needed; id 7 and hour 5 have no column (all zeros).
        let serve = batch(vec![None], vec![2.0], vec![7], vec![5]);
        let rows = encoder.encode(&serve, None).unwrap();
        assert_eq!(rows.row(0).collect::<Vec<_>>(), [(0, 0.0)]);
    }

    #[test]
    fn many_distinct_values_make_a_number() {
        let plan = plan();
        let n = MAX_DISTINCT as i64 + 1;
        let b = batch(vec![Some(0.0); n as usize], vec![0.0; n as usize], vec![0; n as usize], (0..n).collect());
        let mut state = EncoderState::default();
        state.update(&plan, &b).unwrap();
        let encoder = Encoder::try_new(&plan, &state).unwrap();
        assert_eq!(encoder.features[2].encoding, Encoding::Numeric { offset: 50.0 });
        assert_eq!(encoder.width(), 5);
    }

    #[test]
    fn encoder_state_merge_laws() {
        let plan = plan();
        // Rows (y, x, id, hour): hours cycle through 0..130 so shards cross the cap at different times.
        let rows: Vec<(f64, f64, i64, i64)> =
            (0..300).map(|i| (i as f64, (i as f64).sqrt() * 1e9, i % 3, (i * 7) % 130)).collect();
        let update = |s: &mut EncoderState, part: &[(f64, f64, i64, i64)]| {
            let b = batch(
                part.iter().map(|r| Some(r.0)).collect(),
                part.iter().map(|r| r.1).collect(),
                part.iter().map(|r| r.2).collect(),
                part.iter().map(|r| r.3).collect(),
            );
            s.update(&plan, &b).unwrap();
        };
        check_merge_laws(&rows, update, assert_eq_state);
        check_merge_laws(&rows[..50], update, assert_eq_state);
    }

    #[test]
    fn no_rows_and_too_wide_are_errors() {
        let plan = plan();
        let mut state = EncoderState::default();
        state.update(&plan, &batch(vec![None], vec![1.0], vec![0], vec![1])).unwrap();
        let e = Encoder::try_new(&plan, &state).unwrap_err().to_string();
        assert!(e.contains("no rows to train on (left out: 1 null label `y`)"), "{e}");
        let wide = FeatureEncoding {
            name: "h".into(),
            encoding: Encoding::OneHotIds { count: 1 << 20, op: "hash_strings".into() },
        };
        let e = Encoder::from_features("y".into(), vec![wide]).unwrap_err().to_string();
        assert!(e.contains("more than 2048 design columns (`h` alone gives 1048576)"), "{e}");
    }
}
