//! Walking the values of an Arrow array by kind, for the kernels that take
//! "strings or integers" (vocabularies, hashing, crosses): one dispatch over
//! Arrow's integer and byte types instead of one per kernel.

use arrow::array::{Array, AsArray};
use arrow::datatypes::{
    DataType, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type, UInt16Type, UInt32Type, UInt64Type,
};
use tabx_core::{Result, TabxError};

/// Calls `f` with each value of an integer array (any width or sign),
/// widened to i128 so that every value is exact (`None` for nulls); returns
/// false, calling nothing, when the array is not of an integer type.
pub(crate) fn for_each_integer(array: &dyn Array, mut f: impl FnMut(Option<i128>)) -> bool {
    macro_rules! ints {
        ($t:ty) => {
            array.as_primitive::<$t>().iter().for_each(|v| f(v.map(i128::from)))
        };
    }
    match array.data_type() {
        DataType::Int8 => ints!(Int8Type),
        DataType::Int16 => ints!(Int16Type),
        DataType::Int32 => ints!(Int32Type),
        DataType::Int64 => ints!(Int64Type),
        DataType::UInt8 => ints!(UInt8Type),
        DataType::UInt16 => ints!(UInt16Type),
        DataType::UInt32 => ints!(UInt32Type),
        DataType::UInt64 => ints!(UInt64Type),
        _ => return false,
    }
    true
}

/// Calls `f` with the bytes of each value of a string or binary array (`None`
/// for nulls), in order. Errors on any other type.
pub(crate) fn for_each_bytes(array: &dyn Array, what: &str, mut f: impl FnMut(Option<&[u8]>)) -> Result<()> {
    match array.data_type() {
        DataType::Utf8 => array.as_string::<i32>().iter().for_each(|v| f(v.map(str::as_bytes))),
        DataType::LargeUtf8 => array.as_string::<i64>().iter().for_each(|v| f(v.map(str::as_bytes))),
        DataType::Utf8View => array.as_string_view().iter().for_each(|v| f(v.map(str::as_bytes))),
        DataType::Binary => array.as_binary::<i32>().iter().for_each(f),
        DataType::LargeBinary => array.as_binary::<i64>().iter().for_each(f),
        DataType::BinaryView => array.as_binary_view().iter().for_each(f),
        other => {
            return Err(TabxError::schema(format!("{what} needs a string or binary column, got {other}"))
                .with_hint("cast the column to a string first"));
        }
    }
    Ok(())
}
