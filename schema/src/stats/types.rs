//! How Arrow types map to TFDV feature types.
//!
//! | Arrow type | TFDV type | statistics |
//! | --- | --- | --- |
//! | Int8..Int64, UInt8..UInt64 | INT | numeric |
//! | Boolean | INT | numeric over 0/1 (TFDV reads bools as ints) |
//! | Timestamp, Date32/64, Time32/64, Duration | INT | numeric over the stored integer (e.g. seconds since epoch) |
//! | Float16/32/64, Decimal128/256 | FLOAT | numeric (decimals as f64) |
//! | Utf8, LargeUtf8, Utf8View | STRING | string |
//! | Binary, LargeBinary, BinaryView, FixedSizeBinary | STRING | string; invalid UTF-8 counted, shown as `__BYTES_VALUE__` |
//! | Dictionary(K, V) | as V | as V |
//! | List/LargeList/FixedSizeList(T) | as T | value-count stats per example + T's stats over all values |
//! | Struct, Map, Union | STRUCT | presence only (`struct_stats`; its fields are not features of their own yet) |
//! | Null (a batch whose column is all empty) | the type of the column's other batches; STRING if none has values | presence only |

use arrow::array::ArrayRef;
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::error::ArrowError;

use crate::statistics::FeatureType;

/// What kind of statistics an Arrow column gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Numeric statistics over values cast to f64.
    Numeric(FeatureType),
    /// String statistics over the UTF-8 (or raw) bytes.
    Text,
    /// Presence only.
    Opaque(FeatureType),
    /// No values and no type yet: a CSV batch whose column was all empty.
    Untyped,
}

/// The statistics kind of a (non-list) Arrow type.
pub fn value_kind(data_type: &DataType) -> ValueKind {
    use DataType::*;
    match data_type {
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64 | Boolean => {
            ValueKind::Numeric(FeatureType::Int)
        }
        Timestamp(..) | Date32 | Date64 | Time32(_) | Time64(_) | Duration(_) => ValueKind::Numeric(FeatureType::Int),
        Float16 | Float32 | Float64 | Decimal32(..) | Decimal64(..) | Decimal128(..) | Decimal256(..) => {
            ValueKind::Numeric(FeatureType::Float)
        }
        Utf8 | LargeUtf8 | Utf8View | Binary | LargeBinary | BinaryView | FixedSizeBinary(_) => ValueKind::Text,
        Dictionary(_, value) => value_kind(value),
        List(f) | LargeList(f) | FixedSizeList(f, _) | ListView(f) | LargeListView(f) => value_kind(f.data_type()),
        Null => ValueKind::Untyped,
        _ => ValueKind::Opaque(FeatureType::Struct),
    }
}

/// The integer a temporal type stores (the table above: its values are
/// numbers over it): Int32 for Date32 and Time32, Int64 for the others;
/// `None` for a type that is not temporal.
pub fn stored_integer(data_type: &DataType) -> Option<DataType> {
    match data_type {
        DataType::Date32 | DataType::Time32(_) => Some(DataType::Int32),
        DataType::Date64 | DataType::Time64(_) | DataType::Timestamp(..) | DataType::Duration(_) => {
            Some(DataType::Int64)
        }
        _ => None,
    }
}

/// A [`ValueKind::Numeric`] column's values as Float64, temporal types
/// through their [`stored_integer`]: arrow casts Timestamp and Duration
/// straight to Float64, but not Date32/64 or Time32/64.
pub(crate) fn numbers_as_f64(values: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    match stored_integer(values.data_type()) {
        Some(stored) => cast(&cast(values, &stored)?, &DataType::Float64),
        None => cast(values, &DataType::Float64),
    }
}

/// True for the list types whose rows hold several values.
pub fn is_list(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::List(_)
            | DataType::LargeList(_)
            | DataType::FixedSizeList(..)
            | DataType::ListView(_)
            | DataType::LargeListView(_)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{Field, TimeUnit};
    use std::sync::Arc;

    #[test]
    fn table_in_module_doc_holds() {
        assert_eq!(value_kind(&DataType::Boolean), ValueKind::Numeric(FeatureType::Int));
        assert_eq!(value_kind(&DataType::Timestamp(TimeUnit::Second, None)), ValueKind::Numeric(FeatureType::Int));
        assert_eq!(value_kind(&DataType::Decimal128(10, 2)), ValueKind::Numeric(FeatureType::Float));
        assert_eq!(
            value_kind(&DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))),
            ValueKind::Text
        );
        let list = DataType::List(Arc::new(Field::new("item", DataType::Float32, true)));
        assert_eq!(value_kind(&list), ValueKind::Numeric(FeatureType::Float));
        assert!(is_list(&list));
        assert_eq!(value_kind(&DataType::Struct(Default::default())), ValueKind::Opaque(FeatureType::Struct));
    }
}
