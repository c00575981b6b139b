//! Input columns as the ops need them: types normalised, checked against the
//! fitted input schema, cast, and the rows whose values do not fit found.
//!
//! The engine types CSV columns per task and only widens (INT < FLOAT <
//! STRING), so one column can arrive as Int64 in one batch, Float64 in the
//! next and Utf8 where a task met a value that is not a number. Types are
//! therefore compared by family: integers are Int64, floats Float64, text
//! Utf8, and a Null column (no value yet) fits anything. A number column
//! arriving as text is parsed value by value; a value that is not a number
//! makes its row *invalid* (handled by the caller's [`crate::InvalidRows`] policy),
//! never a silent null. Any other mismatch (a Boolean where numbers were
//! fitted, a missing column) is a schema error naming the column and both types.

use std::str::FromStr;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, PrimitiveArray, new_null_array};
use arrow::compute::CastOptions;
use arrow::datatypes::{ArrowPrimitiveType, DataType, Float64Type, Int64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use tabx_core::{Result, TabxError};

use crate::invalid::InvalidRow;
use crate::ops::InputKind;

/// `column` with its nulls replaced by `fill` (an output's `fill`), or as it
/// is without one. A number fills an Int64/Float64 column (an Int64 column
/// filled with a fraction becomes Float64), a string fills Utf8, and a column
/// with no value yet (Null) takes the fill's type.
pub fn fill_nulls(name: &str, column: ArrayRef, fill: Option<&serde_json::Value>) -> Result<ArrayRef> {
    use serde_json::Value;
    let Some(fill) = fill else { return Ok(column) };
    if column.null_count() == 0 && column.data_type() != &DataType::Null {
        return Ok(column);
    }
    let (target, scalar): (DataType, ArrayRef) = match (column.data_type(), fill) {
        (DataType::Int64 | DataType::Null, Value::Number(n)) if n.is_i64() => {
            (DataType::Int64, Arc::new(Int64Array::from(vec![n.as_i64().unwrap_or_default()])))
        }
        (DataType::Int64 | DataType::Float64 | DataType::Null, Value::Number(n)) => {
            (DataType::Float64, Arc::new(Float64Array::from(vec![n.as_f64().unwrap_or(f64::NAN)])))
        }
        (DataType::Utf8 | DataType::Null, Value::String(s)) => {
            (DataType::Utf8, Arc::new(arrow::array::StringArray::from(vec![s.as_str()])))
        }
        (t, v) => {
            return Err(TabxError::config(format!("column `{name}` is {t} and cannot be filled with {v}"))
                .with_hint("fill numbers with a number (`fill: 0`) and text with a string (`fill: \"\"`)"));
        }
    };
    let column = if column.data_type() == &target { column } else { arrow::compute::cast(&column, &target)? };
    crate::kernels::fill_nulls(&column, &scalar)
}

/// The family of an Arrow type: Int64, Float64, Utf8, Null, or the type itself
/// (dates and timestamps stay themselves: the timestamp ops read their unit).
pub fn normalize(data_type: &DataType) -> DataType {
    use DataType::*;
    match data_type {
        // Booleans are 0/1, as TFDV reads them (tf.Example has no bool).
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Boolean => Int64,
        Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => Float64,
        // Binary: a Parquet byte array without the UTF8 annotation, text to
        // the ops (TFT's strings are bytes); see `coerce` for bytes that are
        // not UTF-8.
        Utf8 | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView => Utf8,
        // A dictionary (a pandas categorical) is its values.
        Dictionary(_, value) => normalize(value),
        other => other.clone(),
    }
}

/// The type both families widen to (INT < FLOAT < STRING, Null below all),
/// `None` when they do not mix.
pub fn widest(a: &DataType, b: &DataType) -> Option<DataType> {
    use DataType::*;
    let number = |t: &DataType| matches!(t, Int64 | Float64);
    Some(match (a, b) {
        _ if a == b => a.clone(),
        (Null, t) | (t, Null) => t.clone(),
        (Int64, Float64) | (Float64, Int64) => Float64,
        (t, Utf8) | (Utf8, t) if number(t) => Utf8,
        _ => return None,
    })
}

/// `column` (named `name`) cast to `target` (Int64, Float64 or Utf8, or its
/// own family), with the rows whose value cannot be cast. Rows of an invalid
/// value are null in the result.
pub fn coerce(name: &str, column: &ArrayRef, target: &DataType) -> Result<(ArrayRef, Vec<InvalidRow>)> {
    if let DataType::Dictionary(_, value) = column.data_type() {
        return coerce(name, &arrow::compute::cast(column, value)?, target);
    }
    let family = normalize(column.data_type());
    let mut invalid = Vec::new();
    let column =
        if &family == column.data_type() { Arc::clone(column) } else { cast_to(name, column, &family, &mut invalid)? };
    let out: ArrayRef = match (&family, target) {
        (f, t) if f == t => column,
        (DataType::Null, t) => new_null_array(t, column.len()),
        (DataType::Int64, DataType::Float64) | (DataType::Int64 | DataType::Float64, DataType::Utf8) => {
            arrow::compute::cast(&column, target)?
        }
        (DataType::Float64, DataType::Int64) => {
            let floats = column.as_primitive::<Float64Type>();
            let ints: Int64Array = floats
                .iter()
                .enumerate()
                .map(|(row, x)| {
                    let x = x?;
                    if x.fract() == 0.0 && x.abs() < 9.2e18 {
                        Some(x as i64)
                    } else {
                        invalid.push(InvalidRow { row, reason: format!("column `{name}`: {x} is not an integer") });
                        None
                    }
                })
                .collect();
            Arc::new(ints)
        }
        (DataType::Utf8, DataType::Float64) => {
            Arc::new(parse_text::<Float64Type>(name, &column, "a number", &mut invalid))
        }
        (DataType::Utf8, DataType::Int64) => {
            Arc::new(parse_text::<Int64Type>(name, &column, "an integer", &mut invalid))
        }
        (got, want) => {
            return Err(TabxError::schema(format!(
                "column `{name}`: the transform expects {want}, the input has {got}"
            ))
            .with_hint("cast the column, or fit the transform on data of this type"));
        }
    };
    Ok((out, invalid))
}

/// `column` cast to `family`; a value the family cannot hold (a UInt64 past
/// i64::MAX, bytes that are not UTF-8) is null and its row is pushed to
/// `invalid`.
fn cast_to(name: &str, column: &ArrayRef, family: &DataType, invalid: &mut Vec<InvalidRow>) -> Result<ArrayRef> {
    // A safe cast makes each value that does not fit null: the rows it made
    // null are the invalid ones.
    let cast = arrow::compute::cast_with_options(column, family, &CastOptions::default())?;
    if cast.null_count() > column.null_count() {
        let shown = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())?;
        let what = if family == &DataType::Utf8 { "is not UTF-8 text" } else { "does not fit a 64-bit integer" };
        for row in (0..column.len()).filter(|&r| cast.is_null(r) && column.is_valid(r)) {
            invalid.push(InvalidRow { row, reason: format!("column `{name}`: {} {what}", shown.value(row)) });
        }
    }
    Ok(cast)
}

/// The text values of `column` parsed as `T` (surrounding spaces ignored);
/// a value that does not parse is null and its row is pushed to `invalid`
/// ("`"abc"` is not `what`").
fn parse_text<T: ArrowPrimitiveType>(
    name: &str,
    column: &ArrayRef,
    what: &str,
    invalid: &mut Vec<InvalidRow>,
) -> PrimitiveArray<T>
where
    T::Native: FromStr,
{
    column
        .as_string::<i32>()
        .iter()
        .enumerate()
        .map(|(row, s)| {
            let s = s?;
            let parsed = s.trim().parse::<T::Native>().ok();
            if parsed.is_none() {
                invalid.push(InvalidRow { row, reason: format!("column `{name}`: {s:?} is not {what}") });
            }
            parsed
        })
        .collect()
}

/// The Int64 values of a column as f64 (for numeric ops on integer columns); other types as they are.
pub fn as_float64(name: &str, column: &ArrayRef) -> Result<(ArrayRef, Vec<InvalidRow>)> {
    match normalize(column.data_type()) {
        DataType::Int64 | DataType::Float64 | DataType::Utf8 | DataType::Null => {
            coerce(name, column, &DataType::Float64)
        }
        other => Err(TabxError::schema(format!("column `{name}`: a numeric op needs numbers, the input has {other}"))
            .with_hint("use a numeric column, or an op for this type")),
    }
}

/// Output `name` read as the input of an op below it (`spec::Source::Output`):
/// Float64 for a numeric op (integer outputs cast; text is an error, as no
/// row of an output is invalid), as it is otherwise; nulls filled with `fill`.
pub fn chained_input(
    name: &str,
    column: &ArrayRef,
    kind: InputKind,
    fill: Option<&serde_json::Value>,
) -> Result<ArrayRef> {
    let column = match (kind, normalize(column.data_type())) {
        (InputKind::Any, _) => Arc::clone(column),
        (InputKind::Numeric, DataType::Int64 | DataType::Float64 | DataType::Null) => {
            coerce(name, column, &DataType::Float64)?.0
        }
        (InputKind::Numeric, other) => {
            return Err(TabxError::schema(format!("output `{name}` is {other}, and a numeric op reads it"))
                .with_hint("read a numeric output or column, or use an op for this type"));
        }
    };
    fill_nulls(name, column, fill)
}

#[cfg(test)]
mod tests {
    use crate::invalid::valid_mask;
    use arrow::array::{BooleanArray, Int32Array, StringArray};

    use super::*;

    #[test]
    fn text_in_a_numeric_column_is_an_invalid_row_not_a_null() {
        let column: ArrayRef = Arc::new(StringArray::from(vec![Some("1.5"), Some("12.3 mi"), None, Some(" 7 ")]));
        let (out, invalid) = coerce("trip_miles", &column, &DataType::Float64).unwrap();
        assert_eq!(invalid, [InvalidRow { row: 1, reason: "column `trip_miles`: \"12.3 mi\" is not a number".into() }]);
        let out = out.as_primitive::<Float64Type>();
        assert_eq!((out.value(0), out.is_null(2), out.value(3)), (1.5, true, 7.0));
        assert_eq!(valid_mask(4, &invalid).unwrap(), BooleanArray::from(vec![true, false, true, true]));
    }

    #[test]
    fn families_widen_and_mismatches_name_both_types() {
        assert_eq!(widest(&DataType::Int64, &DataType::Float64), Some(DataType::Float64));
        assert_eq!(widest(&DataType::Null, &DataType::Utf8), Some(DataType::Utf8));
        assert_eq!(widest(&DataType::Boolean, &DataType::Int64), None);
        let ints: ArrayRef = Arc::new(Int32Array::from(vec![1, 2]));
        let (out, _) = coerce("x", &ints, &DataType::Float64).unwrap();
        assert_eq!(out.data_type(), &DataType::Float64);
        let bools: ArrayRef = Arc::new(BooleanArray::from(vec![Some(true), None, Some(false)]));
        let (out, _) = coerce("flag", &bools, &DataType::Float64).unwrap();
        assert_eq!(out.as_primitive::<Float64Type>().iter().collect::<Vec<_>>(), [Some(1.0), None, Some(0.0)]);
        let days: ArrayRef = Arc::new(arrow::array::Date32Array::from(vec![1]));
        let e = coerce("day", &days, &DataType::Float64).unwrap_err().to_string();
        assert!(e.contains("column `day`: the transform expects Float64, the input has Date32"), "{e}");
        let (_, invalid) =
            coerce("n", &(Arc::new(Float64Array::from(vec![1.0, 1.5])) as ArrayRef), &DataType::Int64).unwrap();
        assert_eq!(invalid.len(), 1);
    }

    /// Parquet byte arrays without the UTF8 annotation arrive as Binary: text
    /// to the ops (TFT's strings are bytes), filled with a string like text.
    /// Bytes that are not UTF-8 make their row invalid, never a silent null.
    #[test]
    fn binary_is_text_and_bytes_that_are_not_utf8_are_invalid_rows() {
        use arrow::array::BinaryArray;
        let column: ArrayRef = Arc::new(BinaryArray::from(vec![Some(&b"Cash"[..]), Some(b"\xffx"), None, Some(b"")]));
        let (out, invalid) = coerce("pay", &column, &DataType::Utf8).unwrap();
        assert_eq!(invalid, [InvalidRow { row: 1, reason: "column `pay`: ff78 is not UTF-8 text".into() }]);
        let filled = fill_nulls("pay", out, Some(&serde_json::json!(""))).unwrap();
        let text: Vec<&str> = filled.as_string::<i32>().iter().map(Option::unwrap).collect();
        assert_eq!(text, ["Cash", "", "", ""]);
    }

    /// A dictionary column (a pandas categorical in Parquet) is its values.
    #[test]
    fn dictionary_columns_are_their_values() {
        use arrow::array::{DictionaryArray, LargeStringArray};
        use arrow::datatypes::Int8Type;
        let values: ArrayRef = Arc::new(LargeStringArray::from(vec!["a", "b"]));
        let keys = arrow::array::Int8Array::from(vec![Some(0), Some(1), None, Some(0)]);
        let column: ArrayRef = Arc::new(DictionaryArray::<Int8Type>::try_new(keys, values).unwrap());
        assert_eq!(normalize(column.data_type()), DataType::Utf8);
        let (out, invalid) = coerce("cat", &column, &DataType::Utf8).unwrap();
        assert!(invalid.is_empty());
        let filled = fill_nulls("cat", out, Some(&serde_json::json!(""))).unwrap();
        let text: Vec<&str> = filled.as_string::<i32>().iter().map(Option::unwrap).collect();
        assert_eq!(text, ["a", "b", "", "a"]);
    }

    /// A UInt64 past i64::MAX cannot be an INT value: an invalid row, never
    /// a null that a fill would then silently replace.
    #[test]
    fn unsigned_values_past_i64_are_invalid_rows() {
        let column: ArrayRef = Arc::new(arrow::array::UInt64Array::from(vec![Some(1), Some(u64::MAX), None]));
        let (out, invalid) = coerce("n", &column, &DataType::Int64).unwrap();
        let reason = "column `n`: 18446744073709551615 does not fit a 64-bit integer";
        assert_eq!(invalid, [InvalidRow { row: 1, reason: reason.into() }]);
        assert_eq!(out.as_primitive::<Int64Type>().iter().collect::<Vec<_>>(), [Some(1), None, None]);
    }
}
