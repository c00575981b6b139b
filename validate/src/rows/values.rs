//! The cells of an Arrow column as the row checks read them: numbers
//! ([`numbers`], in the types `tabx stats` reads as INT or FLOAT), text
//! ([`strings`]) and, for a list column, each row's values ([`list_rows`]).

use std::ops::Range;

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type};
use arrow::datatypes::{UInt8Type, UInt16Type, UInt32Type, UInt64Type};
use tabx_schema::{INVALID_UTF8_VALUE, LARGE_BYTES_THRESHOLD, LARGE_BYTES_VALUE, stored_integer};

/// A number as the column holds it: integers stay exact for INT ranges.
#[derive(Debug, Clone, Copy)]
pub(super) enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    pub(super) fn as_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(x) => x,
        }
    }
}

/// Per row, the number a numeric column holds (`None` for non-numeric
/// columns). Dates, times, durations and timestamps are their stored integer
/// and decimals an f64, as `tabx stats` reads them
/// (`schema/src/stats/types.rs`), so a row check and the statistics agree on
/// what a value is.
pub(super) fn numbers(column: &ArrayRef) -> Option<Vec<Option<Num>>> {
    fn ints<T: arrow::datatypes::ArrowPrimitiveType>(a: &ArrayRef, f: impl Fn(T::Native) -> Num) -> Vec<Option<Num>> {
        a.as_primitive::<T>().iter().map(|v| v.map(&f)).collect()
    }
    Some(match column.data_type() {
        DataType::Int64 => ints::<Int64Type>(column, Num::Int),
        DataType::Int32 => ints::<Int32Type>(column, |v| Num::Int(v.into())),
        DataType::Int16 => ints::<Int16Type>(column, |v| Num::Int(v.into())),
        DataType::Int8 => ints::<Int8Type>(column, |v| Num::Int(v.into())),
        DataType::UInt32 => ints::<UInt32Type>(column, |v| Num::Int(v.into())),
        DataType::UInt16 => ints::<UInt16Type>(column, |v| Num::Int(v.into())),
        DataType::UInt8 => ints::<UInt8Type>(column, |v| Num::Int(v.into())),
        // Beyond i64 an INT feature cannot hold it: a float, caught by the type check.
        DataType::UInt64 => ints::<UInt64Type>(column, |v| i64::try_from(v).map_or(Num::Float(v as f64), Num::Int)),
        DataType::Float64 => ints::<Float64Type>(column, Num::Float),
        DataType::Float32 => ints::<Float32Type>(column, |v| Num::Float(v.into())),
        DataType::Boolean => column.as_boolean().iter().map(|v| v.map(|b| Num::Int(b.into()))).collect(),
        DataType::Float16
        | DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => ints::<Float64Type>(&cast(column, &DataType::Float64).ok()?, Num::Float),
        t => {
            let stored = cast(column, &stored_integer(t)?).ok()?;
            ints::<Int64Type>(&cast(&stored, &DataType::Int64).ok()?, Num::Int)
        }
    })
}

/// Text cells of a string or binary column (binary that is not UTF-8: `None`).
pub(super) enum Strings<'a> {
    Utf8(&'a arrow::array::StringArray),
    LargeUtf8(&'a arrow::array::LargeStringArray),
    View(&'a arrow::array::StringViewArray),
    Binary(&'a arrow::array::BinaryArray),
    LargeBinary(&'a arrow::array::LargeBinaryArray),
}

impl Strings<'_> {
    pub(super) fn value(&self, r: usize) -> Option<&str> {
        match self {
            Strings::Utf8(a) => Some(a.value(r)),
            Strings::LargeUtf8(a) => Some(a.value(r)),
            Strings::View(a) => Some(a.value(r)),
            Strings::Binary(a) => std::str::from_utf8(a.value(r)).ok(),
            Strings::LargeBinary(a) => std::str::from_utf8(a.value(r)).ok(),
        }
    }

    /// Row `r`'s value as the statistics count it in top values, which a
    /// schema's string domain is inferred from and checked against: invalid
    /// UTF-8 as `__BYTES_VALUE__`, over 1024 bytes as `__LARGE_BYTES__`
    /// (TFDV's placeholders, `schema/src/stats/string.rs`).
    pub(super) fn domain_value(&self, r: usize) -> &str {
        match self.value(r) {
            None => INVALID_UTF8_VALUE,
            Some(s) if s.len() > LARGE_BYTES_THRESHOLD => LARGE_BYTES_VALUE,
            Some(s) => s,
        }
    }
}

pub(super) fn strings(column: &ArrayRef) -> Option<Strings<'_>> {
    Some(match column.data_type() {
        DataType::Utf8 => Strings::Utf8(column.as_string::<i32>()),
        DataType::LargeUtf8 => Strings::LargeUtf8(column.as_string::<i64>()),
        DataType::Utf8View => Strings::View(column.as_string_view()),
        DataType::Binary => Strings::Binary(column.as_binary::<i32>()),
        DataType::LargeBinary => Strings::LargeBinary(column.as_binary::<i64>()),
        _ => return None,
    })
}

/// A list column's values and the range of them each row holds (`None` for a
/// column that is not a list). The ranges index `values` as the offsets do,
/// so a sliced list needs no copy.
pub(super) fn list_rows(column: &ArrayRef) -> Option<(ArrayRef, Vec<Range<usize>>)> {
    fn spans(offsets: &[i64]) -> Vec<Range<usize>> {
        offsets.windows(2).map(|w| w[0] as usize..w[1] as usize).collect()
    }
    Some(match column.data_type() {
        DataType::List(_) => {
            let list = column.as_list::<i32>();
            (list.values().clone(), spans(&list.offsets().iter().map(|&o| i64::from(o)).collect::<Vec<_>>()))
        }
        DataType::LargeList(_) => {
            let list = column.as_list::<i64>();
            (list.values().clone(), spans(list.offsets()))
        }
        DataType::FixedSizeList(_, size) => {
            let list = column.as_fixed_size_list();
            let size = *size as usize;
            (list.values().clone(), (0..list.len()).map(|r| r * size..(r + 1) * size).collect())
        }
        DataType::ListView(_) => {
            let view = column.as_list_view::<i32>();
            let rows = view.offsets().iter().zip(view.sizes()).map(|(&o, &n)| o as usize..(o + n) as usize);
            (view.values().clone(), rows.collect())
        }
        DataType::LargeListView(_) => {
            let view = column.as_list_view::<i64>();
            let rows = view.offsets().iter().zip(view.sizes()).map(|(&o, &n)| o as usize..(o + n) as usize);
            (view.values().clone(), rows.collect())
        }
        _ => return None,
    })
}
