//! [`Rows`]: one batch's labels, predictions and weights as f64, checked row
//! by row. A missing (null or NaN) label or prediction leaves the row out,
//! counted by reason; a missing weight is weight 0 (TFMA's
//! `example_weight` default for missing values). Values no metric can take
//! are errors that name the row: `file:line` when the batch carries the
//! engine's provenance columns, else its position in the batch.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, UInt64Type};
use tabx_core::{Result, TabxError};

use crate::ci::missing_column;
use crate::{EvalConfig, Task};

/// The engine's provenance columns (`tabx_engine::SourceOptions::FILE_COLUMN` /
/// `LINE_COLUMN`; `analyze` does not depend on the engine).
const FILE_COLUMN: &str = "_tabx_file";
const LINE_COLUMN: &str = "_tabx_line";

/// Whether a row is evaluated, and why not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RowStatus {
    Evaluated,
    MissingLabel,
    MissingPrediction,
    MissingBaseline,
}

/// The checked values of one batch, plus each row's CI routing (filled by the evaluator).
#[derive(Debug, Default)]
pub(crate) struct Rows {
    /// For a binary task: 0.0 or 1.0.
    pub(crate) labels: Vec<f64>,
    pub(crate) predictions: Vec<f64>,
    /// Empty without a baseline prediction column.
    pub(crate) baseline: Vec<f64>,
    /// ≥ 0; a missing weight is 0.
    pub(crate) weights: Vec<f64>,
    pub(crate) missing_weight: Vec<bool>,
    pub(crate) status: Vec<RowStatus>,
    /// Jackknife bucket per row.
    pub(crate) bucket: Vec<u32>,
    /// Poisson multiplicities, row-major: `[row * num_samples + sample]`.
    pub(crate) multiplicity: Vec<u8>,
}

impl Rows {
    pub(crate) fn read(config: &EvalConfig, batch: &RecordBatch) -> Result<Self> {
        let n = batch.num_rows();
        let binary = config.task == Task::Binary;
        let mut labels = numbers(batch, &config.label, "label", binary)?;
        let predictions = numbers(batch, &config.prediction, "prediction", false)?;
        let baseline_column = config.baseline.as_ref().and_then(|b| b.prediction.as_deref());
        let baseline = match baseline_column {
            Some(c) => numbers(batch, c, "baseline prediction", false)?,
            None => Vec::new(),
        };
        let weights = match &config.weight {
            Some(c) => numbers(batch, c, "weight", false)?,
            None => vec![1.0; n],
        };
        let mut rows = Rows { status: Vec::with_capacity(n), missing_weight: vec![false; n], ..Default::default() };
        let at = |row: usize, column: &str| location(batch, row, column);
        for r in 0..n {
            let status = if labels[r].is_nan() {
                RowStatus::MissingLabel
            } else if predictions[r].is_nan() {
                RowStatus::MissingPrediction
            } else if baseline_column.is_some() && baseline[r].is_nan() {
                RowStatus::MissingBaseline
            } else {
                RowStatus::Evaluated
            };
            rows.status.push(status);
            if status != RowStatus::Evaluated {
                continue;
            }
            let values = [
                (labels[r], config.label.as_str()),
                (predictions[r], config.prediction.as_str()),
                (baseline.get(r).copied().unwrap_or(0.0), baseline_column.unwrap_or_default()),
            ];
            if let Some((x, column)) = values.iter().find(|(x, _)| !x.is_finite()) {
                return Err(TabxError::InvalidInput {
                    location: at(r, column),
                    message: format!("{x} is not a finite number"),
                    hint: None,
                });
            }
            if binary && let Some((x, column)) = values[1..].iter().find(|(x, _)| !(0.0..=1.0).contains(x)) {
                return Err(TabxError::InvalidInput {
                    location: at(r, column),
                    message: format!("{x} is outside [0, 1]: a binary task scores probabilities"),
                    hint: Some(
                        "for a real-valued prediction use `--task regression`; for scores, calibrate the model \
                         (a sigmoid) so that it outputs probabilities"
                            .into(),
                    ),
                });
            }
        }
        if binary {
            for (r, y) in labels.iter_mut().enumerate().filter(|(r, _)| rows.status[*r] == RowStatus::Evaluated) {
                *y = match config.label_threshold {
                    Some(t) => f64::from(u8::from(*y > t)),
                    None if *y == 0.0 || *y == 1.0 => *y,
                    None => {
                        return Err(TabxError::InvalidInput {
                            location: at(r, &config.label),
                            message: format!("label {y} is neither 0 nor 1 (task: binary)"),
                            hint: Some(
                                "give --label-threshold T (label > T is positive), or use `--task regression`".into(),
                            ),
                        });
                    }
                };
            }
        }
        for (r, w) in weights.iter().enumerate() {
            if w.is_nan() {
                rows.missing_weight[r] = true;
            } else if *w < 0.0 || w.is_infinite() {
                let column = config.weight.as_deref().unwrap_or_default();
                return Err(TabxError::InvalidInput {
                    location: at(r, column),
                    message: format!("weight {w} is not a finite number ≥ 0"),
                    hint: None,
                });
            }
        }
        rows.weights = weights.into_iter().map(|w| if w.is_nan() { 0.0 } else { w }).collect();
        rows.labels = labels;
        rows.predictions = predictions;
        rows.baseline = baseline;
        Ok(rows)
    }
}

/// A numeric (or, for a binary label, boolean) column as f64, null → NaN.
/// A text column is parsed: a CSV column with one value that is not a
/// number is text, and some writers store numbers as strings (pandas writes
/// a bool as `True`/`False`), so the first value that is not a number is
/// the error, at its row.
fn numbers(batch: &RecordBatch, name: &str, role: &str, bool_ok: bool) -> Result<Vec<f64>> {
    let array = batch.column_by_name(name).ok_or_else(|| missing_column(batch, name, role))?;
    let dt = array.data_type();
    if matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) {
        let text = cast(array.as_ref(), &DataType::Utf8)?;
        return text
            .as_string::<i32>()
            .iter()
            .enumerate()
            .map(|(r, v)| parse(v, bool_ok, role, || location(batch, r, name)))
            .collect();
    }
    if !(dt.is_numeric() || (bool_ok && *dt == DataType::Boolean)) {
        let what = if bool_ok { "numeric or boolean" } else { "numeric" };
        return Err(TabxError::schema(format!("{role} column `{name}` is {dt}, not {what}"))
            .with_hint("evaluation reads numbers: cast the column, or check --label / --prediction"));
    }
    let numbers = cast(array.as_ref(), &DataType::Float64)?;
    let numbers = numbers.as_primitive::<Float64Type>();
    Ok((0..numbers.len()).map(|i| if numbers.is_valid(i) { numbers.value(i) } else { f64::NAN }).collect())
}

/// One text cell as a number: null or blank is missing (NaN), `true`/`false`
/// (any case) are 1/0 where a boolean is allowed.
fn parse(value: Option<&str>, bool_ok: bool, role: &str, at: impl Fn() -> String) -> Result<f64> {
    let Some(v) = value.map(str::trim).filter(|v| !v.is_empty()) else { return Ok(f64::NAN) };
    if let Ok(x) = v.parse::<f64>() {
        return Ok(x);
    }
    if bool_ok {
        if v.eq_ignore_ascii_case("true") {
            return Ok(1.0);
        }
        if v.eq_ignore_ascii_case("false") {
            return Ok(0.0);
        }
    }
    let expected =
        if bool_ok { "a binary label is 0/1 or true/false" } else { "labels, predictions and weights are numbers" };
    Err(TabxError::InvalidInput {
        location: at(),
        message: format!("{role} {v:?} is not a number"),
        hint: Some(format!("{expected}: map the column's values to numbers first, or check --label / --prediction")),
    })
}

/// `file:line: column C` from the provenance columns, else `row N of the batch: column C`.
fn location(batch: &RecordBatch, row: usize, column: &str) -> String {
    let file = batch.column_by_name(FILE_COLUMN).and_then(|a| cast(a, &DataType::Utf8).ok());
    let line = batch.column_by_name(LINE_COLUMN).and_then(|a| cast(a, &DataType::UInt64).ok());
    match (file, line) {
        (Some(file), Some(line)) if file.is_valid(row) && line.is_valid(row) => format!(
            "{}:{}: column {column}",
            file.as_string::<i32>().value(row),
            line.as_primitive::<UInt64Type>().value(row)
        ),
        _ => format!("row {} of the batch: column {column}", row + 1),
    }
}
