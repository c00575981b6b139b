//! Serving: one row in, one row out, with exactly the batch path's values
//! ([`Transformer::transform_row`]).
//!
//! The row becomes a one-row [`RecordBatch`] and goes through
//! [`Transformer::apply`]: one code path, so training (batch) and serving
//! (row) cannot skew. JSON numbers that are integers become Int64, others
//! Float64, strings Utf8, booleans Boolean; an absent key or `null` is a null
//! value. The fitted input schema then casts them exactly as it casts a
//! batch's columns. In the output, NaN and ±inf (which JSON cannot hold) are `null`.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, NullArray, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Float32Type, Float64Type, Int64Type};
use serde_json::{Map, Value};
use tabx_core::{Result, TabxError};

use crate::apply::Transformer;

impl Transformer {
    /// Transforms one row given as a JSON object (column → value).
    pub fn transform_row(&self, row: &Map<String, Value>) -> Result<Map<String, Value>> {
        let columns = self
            .artifact()
            .input_schema
            .keys()
            .map(|name| Ok((name.as_str(), json_column(name, row.get(name).unwrap_or(&Value::Null))?)))
            .collect::<Result<Vec<_>>>()?;
        let batch = RecordBatch::try_from_iter(columns)?;
        let out = self.apply(&batch)?;
        let schema = out.schema();
        Ok(schema
            .fields()
            .iter()
            .zip(out.columns())
            .map(|(f, c)| (f.name().clone(), json_cell(c.as_ref(), 0)))
            .collect())
    }
}

/// One JSON value as a one-row column.
fn json_column(name: &str, value: &Value) -> Result<ArrayRef> {
    Ok(match value {
        Value::Null => Arc::new(NullArray::new(1)),
        Value::Bool(b) => Arc::new(BooleanArray::from(vec![*b])),
        Value::Number(n) => match n.as_i64() {
            Some(i) => Arc::new(Int64Array::from(vec![i])),
            None => Arc::new(Float64Array::from(vec![n.as_f64().unwrap_or(f64::NAN)])),
        },
        Value::String(s) => Arc::new(StringArray::from(vec![s.as_str()])),
        Value::Array(_) | Value::Object(_) => {
            return Err(TabxError::invalid_input(
                format!("column `{name}`"),
                format!("expected a single value, got {value}"),
            ));
        }
    })
}

/// Row `row` of an output column as the JSON that serving returns: numbers,
/// strings, booleans, null, and a `one_hot` vector as an array of numbers.
pub fn json_cell(column: &dyn Array, row: usize) -> Value {
    let number = |x: f64| serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number);
    if column.data_type() == &DataType::Null || column.is_null(row) {
        return Value::Null;
    }
    match column.data_type() {
        DataType::Float64 => number(column.as_primitive::<Float64Type>().value(row)),
        DataType::Float32 => number(f64::from(column.as_primitive::<Float32Type>().value(row))),
        DataType::Int64 => Value::from(column.as_primitive::<Int64Type>().value(row)),
        DataType::Utf8 => Value::from(column.as_string::<i32>().value(row)),
        DataType::Boolean => Value::from(column.as_boolean().value(row)),
        DataType::FixedSizeList(_, _) => {
            let values = column.as_fixed_size_list().value(row);
            Value::Array((0..values.len()).map(|i| json_cell(values.as_ref(), i)).collect())
        }
        _ => match arrow::util::display::array_value_to_string(column, row) {
            Ok(s) => Value::String(s),
            Err(_) => Value::Null,
        },
    }
}
