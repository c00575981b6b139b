//! Reading the label and feature columns of a transformed batch, and which
//! rows a model can use ([`RowCheck`]).
//!
//! A row is left out of training, counted under its first reason (label
//! first, then the features in order), when its label or a feature is null
//! (`null label `fare``, `null feature `trip_miles_xf``) or not finite
//! (`non-finite ...`). A logistic label must be 0 or 1: any other value is an
//! error naming the column and the value, never a skipped row.

use std::collections::BTreeMap;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use tabx_core::{Result, TabxError};

use crate::plan::ModelKind;

/// One numeric column of a batch, read as the model reads it.
#[derive(Debug)]
pub(crate) enum NumberColumn {
    Float(arrow::array::Float64Array),
    Int(arrow::array::Int64Array),
}

impl NumberColumn {
    /// The column `name` of `batch`: integers as Int64, floats and booleans as Float64.
    pub(crate) fn read(batch: &RecordBatch, name: &str) -> Result<Self> {
        let column = batch.column_by_name(name).ok_or_else(|| {
            let names: Vec<&str> = batch.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
            TabxError::config(format!("the transformed rows have no column `{name}` (they have: {})", names.join(", ")))
                .with_hint("train and predict with the transform.json the model was trained on")
        })?;
        let cast = |to: &DataType| arrow::compute::cast(column, to).map_err(TabxError::from);
        Ok(match column.data_type() {
            t if t.is_integer() => NumberColumn::Int(cast(&DataType::Int64)?.as_primitive::<Int64Type>().clone()),
            t if t.is_floating() || *t == DataType::Boolean || *t == DataType::Null => {
                NumberColumn::Float(cast(&DataType::Float64)?.as_primitive::<Float64Type>().clone())
            }
            other => {
                return Err(TabxError::config(format!("column `{name}` is {other}, not a number")).with_hint(
                    "a model reads numbers: encode text with compute_and_apply_vocabulary or hash_strings in the spec",
                ));
            }
        })
    }

    /// The value at `row` as f64 (None for null).
    pub(crate) fn value(&self, row: usize) -> Option<f64> {
        match self {
            NumberColumn::Float(a) => a.is_valid(row).then(|| a.value(row)),
            NumberColumn::Int(a) => a.is_valid(row).then(|| a.value(row) as f64),
        }
    }

    /// The value at `row` as an integer id (None for null or a float column).
    pub(crate) fn id(&self, row: usize) -> Option<i64> {
        match self {
            NumberColumn::Int(a) => a.is_valid(row).then(|| a.value(row)),
            NumberColumn::Float(_) => None,
        }
    }
}

/// Which rows of a batch a model can use, and why the others were left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RowCheck {
    /// Per row: usable.
    pub usable: Vec<bool>,
    /// Rows left out, by reason.
    pub skipped: BTreeMap<String, u64>,
}

/// The label (when training) and features of `batch`, and the rows they allow.
pub(crate) fn check_rows(
    batch: &RecordBatch,
    label: Option<(&str, ModelKind)>,
    features: &[String],
) -> Result<(Option<Vec<f64>>, Vec<NumberColumn>, RowCheck)> {
    let n = batch.num_rows();
    let mut check = RowCheck { usable: vec![true; n], skipped: BTreeMap::new() };
    let skip = |check: &mut RowCheck, row: usize, reason: &dyn Fn() -> String| {
        if check.usable[row] {
            check.usable[row] = false;
            *check.skipped.entry(reason()).or_default() += 1;
        }
    };
    let labels = match label {
        Some((name, kind)) => {
            let column = label_column(batch, name)?;
            let mut values = vec![0.0; n];
            for (row, slot) in values.iter_mut().enumerate() {
                match column.value(row) {
                    None => skip(&mut check, row, &|| format!("null label `{name}`")),
                    Some(y) if !y.is_finite() => skip(&mut check, row, &|| format!("non-finite label `{name}`")),
                    Some(y) if kind == ModelKind::Logistic && y != 0.0 && y != 1.0 => {
                        return Err(TabxError::config(format!(
                            "label `{name}` has the value {y}: a logistic model needs labels 0 or 1"
                        ))
                        .with_hint("pick a 0/1 label (e.g. greater_than_fraction in the spec), or use --kind linear"));
                    }
                    Some(y) => *slot = y,
                }
            }
            Some(values)
        }
        None => None,
    };
    let columns = features.iter().map(|f| NumberColumn::read(batch, f)).collect::<Result<Vec<_>>>()?;
    for (name, column) in features.iter().zip(&columns) {
        for row in 0..n {
            match column.value(row) {
                None => skip(&mut check, row, &|| format!("null feature `{name}`")),
                Some(x) if !x.is_finite() => skip(&mut check, row, &|| format!("non-finite feature `{name}`")),
                Some(_) => {}
            }
        }
    }
    Ok((labels, columns, check))
}

/// The label column: numbers or booleans.
fn label_column(batch: &RecordBatch, name: &str) -> Result<NumberColumn> {
    NumberColumn::read(batch, name).map_err(|e| match e {
        TabxError::Config { message, hint } => TabxError::Config { message: format!("label: {message}"), hint },
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};

    use super::*;

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("y", Arc::new(Int64Array::from(vec![Some(1), None, Some(0), Some(1)])) as ArrayRef),
            ("x", Arc::new(Float64Array::from(vec![Some(1.0), Some(2.0), None, Some(f64::NAN)])) as ArrayRef),
            ("b", Arc::new(BooleanArray::from(vec![true, false, true, false])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec!["a", "b", "c", "d"])) as ArrayRef),
        ])
        .unwrap()
    }

    #[test]
    fn rows_are_skipped_once_by_first_reason() {
        let (labels, columns, check) =
            check_rows(&batch(), Some(("y", ModelKind::Logistic)), &["x".into(), "b".into()]).unwrap();
        assert_eq!(check.usable, [true, false, false, false]);
        let want: BTreeMap<String, u64> = [
            ("null label `y`".to_string(), 1),
            ("null feature `x`".to_string(), 1),
            ("non-finite feature `x`".to_string(), 1),
        ]
        .into();
        assert_eq!(check.skipped, want);
        assert_eq!(labels.unwrap()[0], 1.0);
        assert_eq!(columns[1].value(0), Some(1.0)); // a boolean reads as 0/1
    }

    #[test]
    fn bad_labels_and_columns_are_errors() {
        let b = RecordBatch::try_from_iter([("y", Arc::new(Int64Array::from(vec![0, 2])) as ArrayRef)]).unwrap();
        let e = check_rows(&b, Some(("y", ModelKind::Logistic)), &[]).unwrap_err().to_string();
        assert!(e.contains("label `y` has the value 2: a logistic model needs labels 0 or 1"), "{e}");
        assert!(check_rows(&b, Some(("y", ModelKind::Linear)), &[]).is_ok());

        let e = check_rows(&batch(), Some(("s", ModelKind::Linear)), &[]).unwrap_err().to_string();
        assert!(e.contains("label: column `s` is Utf8, not a number"), "{e}");
        let e = check_rows(&batch(), None, &["zz".into()]).unwrap_err().to_string();
        assert!(e.contains("no column `zz` (they have: y, x, b, s)"), "{e}");
    }
}
