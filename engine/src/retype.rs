//! The user's column types ([`SourceOptions::column_types`], from `--schema`,
//! and [`SourceOptions::force_string`]) applied to batches that Parquet and
//! NDJSON decode with types of their own. CSV applies them while it parses
//! (`csv/typing.rs`), and the rules are the same: STRING takes any value; a
//! value that does not parse as the column's INT or FLOAT is a bad value,
//! and its row a bad row (`quarantine::BadRows` decides what that means).
//!
//! Columns the types leave as they are: nested ones (a schema type names the
//! type of the values inside), and those whose Arrow type already maps to the
//! wanted one (any integer, boolean or timestamp for INT, as
//! `schema/src/stats/types.rs` maps them).

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Int64Array, PrimitiveArray, RecordBatch};
use arrow::datatypes::{ArrowPrimitiveType, DataType, Field, Float64Type, Int64Type, Schema};
use tabx_core::Result;

use crate::csv::{parse_f64, parse_i64};
use crate::options::{ColumnType, SourceOptions};
use crate::quarantine::shorten;

/// A value of a batch that does not parse as its column's type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct BadValue {
    pub row: usize,
    pub column: String,
    pub value: String,
    pub wanted: ColumnType,
}

impl BadValue {
    /// The reason as the report counts it, and as a message.
    pub(crate) fn reason(&self) -> (String, String) {
        let (c, t) = (&self.column, self.wanted);
        (
            format!("column {c}: does not parse as {t}"),
            format!("column {c}: value {} does not parse as {t}", self.value),
        )
    }
}

/// The type `options` asks for column `name`, if any.
pub(crate) fn wanted_type(options: &SourceOptions, name: &str) -> Option<ColumnType> {
    if options.force_string.contains(name) { Some(ColumnType::String) } else { options.column_types.get(name).copied() }
}

/// `batch` with each column in `wanted` (name → type) retyped, and the values
/// that did not parse (null in the output; their rows are for the caller to
/// drop), in row order.
pub(crate) fn retype(batch: RecordBatch, wanted: &HashMap<String, ColumnType>) -> Result<(RecordBatch, Vec<BadValue>)> {
    let schema = batch.schema();
    if wanted.is_empty() || !schema.fields().iter().any(|f| wanted.contains_key(f.name())) {
        return Ok((batch, Vec::new()));
    }
    let mut bad = Vec::new();
    let mut fields = Vec::with_capacity(schema.fields().len());
    let mut columns = Vec::with_capacity(schema.fields().len());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        let retyped = match wanted.get(field.name()) {
            Some(&t) => retype_column(column, field.name(), t, &mut bad)?,
            None => None,
        };
        match retyped {
            Some(array) => {
                fields.push(Field::new(field.name(), array.data_type().clone(), true));
                columns.push(array);
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(Arc::clone(column));
            }
        }
    }
    bad.sort_by_key(|b| b.row);
    Ok((RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?, bad))
}

/// `batch` with each column in `wanted` retyped where every value parses as
/// the column's type; a column with a value that does not stays as it is, so
/// nothing is lost. For rows that passed a schema's type checks, whose
/// column a bad row's text made text in their byte range (`validate --rows`'s
/// good rows).
pub fn retype_where_all_parse(batch: RecordBatch, wanted: &HashMap<String, ColumnType>) -> Result<RecordBatch> {
    let (retyped, bad) = retype(batch.clone(), wanted)?;
    if bad.is_empty() {
        return Ok(retyped);
    }
    let failed: std::collections::HashSet<&str> = bad.iter().map(|b| b.column.as_str()).collect();
    let parsed = wanted.iter().filter(|(name, _)| !failed.contains(name.as_str())).map(|(n, t)| (n.clone(), *t));
    Ok(retype(batch, &parsed.collect())?.0)
}

/// `column` as type `t`, or `None` when it already is one.
fn retype_column(column: &ArrayRef, name: &str, t: ColumnType, bad: &mut Vec<BadValue>) -> Result<Option<ArrayRef>> {
    let dt = column.data_type();
    if dt.is_nested() {
        return Ok(None);
    }
    let text = matches!(dt, DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View);
    let array: ArrayRef = match t {
        ColumnType::String if text || matches!(dt, DataType::Binary | DataType::LargeBinary) => return Ok(None),
        ColumnType::String => arrow::compute::cast(column, &DataType::Utf8)?,
        ColumnType::Int if text => {
            Arc::new(parse_text::<Int64Type>(column, name, t, bad, |v| parse_i64(v.as_bytes()))?)
        }
        ColumnType::Int if dt.is_floating() => {
            let floats = arrow::compute::cast(column, &DataType::Float64)?;
            let parsed: Int64Array = floats
                .as_primitive::<Float64Type>()
                .iter()
                .enumerate()
                .map(|(row, v)| parse_or_mark(v, row, name, t, bad, |&v| integral(v)))
                .collect();
            Arc::new(parsed)
        }
        ColumnType::Int if dt == &DataType::Null => arrow::compute::cast(column, &DataType::Int64)?,
        ColumnType::Int => return Ok(None),
        ColumnType::Float if dt.is_floating() => return Ok(None),
        ColumnType::Float if text => {
            Arc::new(parse_text::<Float64Type>(column, name, t, bad, |v| parse_f64(v.as_bytes()))?)
        }
        ColumnType::Float if dt.is_integer() || matches!(dt, DataType::Null | DataType::Boolean) => {
            arrow::compute::cast(column, &DataType::Float64)?
        }
        ColumnType::Float => return Ok(None),
    };
    Ok(Some(array))
}

/// A text column parsed value by value into `T` (INT or FLOAT, as CSV parses).
fn parse_text<T: ArrowPrimitiveType>(
    column: &ArrayRef,
    name: &str,
    wanted: ColumnType,
    bad: &mut Vec<BadValue>,
    parse: impl Fn(&&str) -> Option<T::Native>,
) -> Result<PrimitiveArray<T>> {
    let strings = arrow::compute::cast(column, &DataType::Utf8)?;
    Ok(strings
        .as_string::<i32>()
        .iter()
        .enumerate()
        .map(|(row, v)| parse_or_mark(v, row, name, wanted, bad, &parse))
        .collect())
}

/// `parse(v)`, or null with `v` recorded as a bad value of row `row`.
fn parse_or_mark<V: std::fmt::Display, T>(
    v: Option<V>,
    row: usize,
    column: &str,
    wanted: ColumnType,
    bad: &mut Vec<BadValue>,
    parse: impl Fn(&V) -> Option<T>,
) -> Option<T> {
    let v = v?;
    let parsed = parse(&v);
    if parsed.is_none() {
        let value = shorten(v.to_string().as_bytes());
        bad.push(BadValue { row, column: column.to_string(), value, wanted });
    }
    parsed
}

/// `v` as an i64 when it is a whole number in range (2.0 is INT 2; 2.5, NaN and
/// 1e300 are not INT), as CSV's `parse_i64` refuses "2.5".
fn integral(v: f64) -> Option<i64> {
    // 2^63 is exact in f64; every whole f64 in [-2^63, 2^63) fits an i64.
    (v.fract() == 0.0 && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&v)).then_some(v as i64)
}

#[cfg(test)]
mod tests {
    use arrow::array::{Float64Array, StringArray};

    use super::*;

    #[test]
    fn values_that_do_not_parse_are_named() {
        let batch = RecordBatch::try_from_iter([
            ("f", Arc::new(Float64Array::from(vec![Some(1.0), Some(2.5), None, Some(-3.0)])) as ArrayRef),
            ("s", Arc::new(StringArray::from(vec![Some("7"), Some("x"), Some("-2"), None])) as ArrayRef),
            ("u", Arc::new(StringArray::from(vec![Some("1e3"), Some("nan"), Some("a"), None])) as ArrayRef),
        ])
        .unwrap();
        let wanted: HashMap<String, ColumnType> =
            [("f".into(), ColumnType::Int), ("s".into(), ColumnType::Int), ("u".into(), ColumnType::Float)].into();
        let (out, bad) = retype(batch, &wanted).unwrap();
        let ints = |c: &str| out.column_by_name(c).unwrap().as_primitive::<arrow::datatypes::Int64Type>().clone();
        assert_eq!(ints("f").iter().collect::<Vec<_>>(), [Some(1), None, None, Some(-3)]);
        assert_eq!(ints("s").iter().collect::<Vec<_>>(), [Some(7), None, Some(-2), None]);
        let u = out.column_by_name("u").unwrap().as_primitive::<Float64Type>();
        assert_eq!(u.value(0), 1000.0);
        assert!(u.value(1).is_nan());
        let named: Vec<_> = bad.iter().map(|b| (b.row, b.column.as_str(), b.reason().1)).collect();
        assert_eq!(
            named,
            [
                (1, "f", "column f: value \"2.5\" does not parse as INT".to_string()),
                (1, "s", "column s: value \"x\" does not parse as INT".to_string()),
                (2, "u", "column u: value \"a\" does not parse as FLOAT".to_string()),
            ]
        );
    }

    #[test]
    fn integral_floats_only() {
        assert_eq!(integral(2.0), Some(2));
        assert_eq!(integral(-0.0), Some(0));
        assert_eq!(integral(2.5), None);
        assert_eq!(integral(f64::NAN), None);
        assert_eq!(integral(9.223_372_036_854_776e18), None);
        assert_eq!(integral(-9.223_372_036_854_776e18), Some(i64::MIN));
    }
}
