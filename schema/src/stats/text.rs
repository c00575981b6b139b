//! Feeding Arrow string and binary arrays into a [`StringState`].

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::datatypes::DataType;

use tabx_core::{Result, TabxError};

use super::string::StringState;

/// Adds every non-null value of a string-like array. Binary values are checked
/// for UTF-8: invalid ones are data (counted), not errors, as in TFDV.
pub fn add_text_values(state: &mut StringState, values: &ArrayRef, weights: Option<&[f64]>) -> Result<()> {
    let weight = |row: usize| weights.map(|w| w[row]);
    match values.data_type() {
        DataType::Utf8 => add_all(state, values.as_string::<i32>().iter().map(|v| v.map(str::as_bytes)), true, weight),
        DataType::LargeUtf8 => {
            add_all(state, values.as_string::<i64>().iter().map(|v| v.map(str::as_bytes)), true, weight)
        }
        DataType::Utf8View => {
            add_all(state, values.as_string_view().iter().map(|v| v.map(str::as_bytes)), true, weight)
        }
        DataType::Binary => add_all(state, values.as_binary::<i32>().iter(), false, weight),
        DataType::LargeBinary => add_all(state, values.as_binary::<i64>().iter(), false, weight),
        DataType::BinaryView => add_all(state, values.as_binary_view().iter(), false, weight),
        DataType::FixedSizeBinary(_) => add_all(state, values.as_fixed_size_binary().iter(), false, weight),
        other => {
            return Err(TabxError::Internal(format!("string statistics asked for a {other} column")));
        }
    }
    Ok(())
}

fn add_all<'a>(
    state: &mut StringState,
    values: impl Iterator<Item = Option<&'a [u8]>>,
    known_utf8: bool,
    weight: impl Fn(usize) -> Option<f64>,
) {
    for (row, value) in values.enumerate() {
        if let Some(v) = value {
            let valid = known_utf8 || std::str::from_utf8(v).is_ok();
            state.add(v, valid, weight(row));
        }
    }
}
