//! Feeding Arrow string and binary arrays into a [`StringState`].

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int32Type};

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
        DataType::Dictionary(_, value) => {
            if weights.is_some() || !add_dictionary_counts(state, values) {
                add_text_values(state, &cast(values, value)?, weights)?;
            }
        }
        other => {
            return Err(TabxError::Internal(format!("string statistics asked for a {other} column")));
        }
    }
    Ok(())
}

/// Adds an `Int32`-keyed dictionary of strings (Parquet's encoding) by
/// counting its keys: one string added per distinct key, with its count. `false`
/// (nothing added) for other layouts, or when counts added at once would not
/// equal the values added one by one ([`StringState::takes_counts`]).
fn add_dictionary_counts(state: &mut StringState, values: &ArrayRef) -> bool {
    let Some(dictionary) = values.as_dictionary_opt::<Int32Type>() else { return false };
    let text = dictionary.values();
    // A dictionary larger than its batch (a high-cardinality chunk) costs
    // more to scan than the rows it keys.
    let utf8 = matches!(text.data_type(), DataType::Utf8 | DataType::LargeUtf8);
    if !utf8 || text.null_count() > 0 || text.len() > values.len() {
        return false;
    }
    let value = |i: usize| match text.data_type() {
        DataType::Utf8 => text.as_string::<i32>().value(i).as_bytes(),
        _ => text.as_string::<i64>().value(i).as_bytes(),
    };
    let mut counts = vec![0u64; text.len()];
    let mut in_range = true;
    let mut count = |k: i32| match counts.get_mut(k as usize) {
        Some(n) => *n += 1,
        None => in_range = false,
    };
    let keys = dictionary.keys();
    match keys.nulls() {
        None => keys.values().iter().for_each(|&k| count(k)),
        Some(nulls) => nulls.valid_indices().for_each(|row| count(keys.value(row))),
    }
    // An array built without validation may hold keys past its values:
    // the caller's cast then takes it, as any other layout.
    if !in_range {
        return false;
    }
    let used = || counts.iter().enumerate().filter(|(_, n)| **n > 0);
    if !state.takes_counts(used().count()) {
        return false;
    }
    for (i, &n) in used() {
        state.add_many(value(i), n);
    }
    true
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

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{DictionaryArray, Int32Array, StringArray};

    use super::super::string::{LARGE_BYTES_THRESHOLD, LARGE_BYTES_VALUE};

    use super::*;

    /// A batch of `keys` into `values` (a `None` key: a null row), as a
    /// dictionary and as the plain strings it stands for.
    fn batch(keys: &[Option<i32>], values: &[&str]) -> (ArrayRef, ArrayRef) {
        let dictionary =
            DictionaryArray::try_new(Int32Array::from(keys.to_vec()), Arc::new(StringArray::from(values.to_vec())))
                .unwrap();
        let dictionary: ArrayRef = Arc::new(dictionary);
        let plain = cast(&dictionary, &DataType::Utf8).unwrap();
        (dictionary, plain)
    }

    /// Keys counted give the state of the strings added one by one: nulls,
    /// unused and repeated entries, an empty and a large value; and below the
    /// cap only — a batch that would cross it is added value by value (the
    /// Misra–Gries state then depends on the order of arrival), so the states
    /// stay equal past the cap too.
    #[test]
    fn dictionary_keys_count_as_their_strings() {
        let large = "x".repeat(LARGE_BYTES_THRESHOLD + 1);
        let values = ["a", "", "unused", large.as_str(), "b", "a"];
        let keys = [Some(0), None, Some(4), Some(1), Some(3), Some(0), Some(5), None, Some(4), Some(0)];
        let (dictionary, plain) = batch(&keys, &values);
        let (mut by_key, mut by_value) = (StringState::new(100), StringState::new(100));
        add_text_values(&mut by_key, &dictionary, None).unwrap();
        add_text_values(&mut by_value, &plain, None).unwrap();
        assert_eq!(by_key, by_value);
        // Hand count: a×4 (keys 0 and 5), b×2, "" and the large value once each.
        let top = by_key.evaluate(10, 10).top_values;
        let top: Vec<(&str, f64)> = top.iter().map(|t| (t.value.as_str(), t.frequency)).collect();
        assert_eq!(top, [("a", 4.0), ("b", 2.0), (LARGE_BYTES_VALUE, 1.0), ("", 1.0)]);

        // A cap of 5 with 4 values counted: a batch of 3 new ones crosses it.
        let (mut by_key, mut by_value) = (StringState::new(5), StringState::new(5));
        let (first, first_plain) = batch(&[Some(0), Some(1), Some(2), Some(3), Some(3)], &["p", "q", "r", "s"]);
        add_text_values(&mut by_key, &first, None).unwrap();
        add_text_values(&mut by_value, &first_plain, None).unwrap();
        let keys: Vec<Option<i32>> = (0..40).map(|i| Some([0, 1, 2, 0, 0][i % 5])).collect();
        let (crossing, crossing_plain) = batch(&keys, &["t", "u", "v"]);
        add_text_values(&mut by_key, &crossing, None).unwrap();
        add_text_values(&mut by_value, &crossing_plain, None).unwrap();
        assert!(by_key.approximation().is_some());
        assert_eq!(by_key, by_value);
    }
}
