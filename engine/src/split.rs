//! TFX ExampleGen's deterministic hash split ([`SplitConfig`]): every row goes
//! to the split its own values pick, so a row lands in the same split on every
//! run, for any thread count and any shard.
//!
//! As `_PartitionFn` in TFX's `tfx/components/example_gen/base_example_gen_executor.py`:
//! splits are given hash buckets in order (`train=2,eval=1`: train gets buckets
//! `[0, 2)`, eval `[2, 3)`), a row's bucket is `int(sha256(key).hexdigest(), 16)
//! % total_buckets` (SHA-256 read as one big-endian 256-bit integer: TFX hashes
//! with `hashlib.sha256`, not FarmHash), and the split is `bisect(cumulative, bucket)`.
//!
//! The key (`_GeneratePartitionKey`):
//! - With a partition column (`partition_feature_name`), TFX's own bytes: the
//!   deterministic serialisation of the value's `tf.train.Feature`. An integer
//!   is `int64_list { value: v }` (`1a ‖ len ‖ 0a ‖ len ‖ varint(v as u64)`), a
//!   string `bytes_list { value: s }` (`0a ‖ len ‖ 0a ‖ len ‖ s`), so a split by
//!   a string or integer column is the split TFX makes. TFX refuses float
//!   features: a float that is not a whole number is an error here too (a
//!   whole one is the integer CSV typing would have read; text that reads as
//!   a number is its text, as in a STRING column). TFX also refuses a
//!   missing value; tabx keys it as the empty `Feature` (no bytes), so the rows
//!   without a value stay together in one split.
//! - Without one, TFX hashes the serialised `tf.train.Example`. tabx has no
//!   Examples (and Example bytes depend on TF's typing of the whole column), so
//!   the key is our own canonical serialisation of the row, which is NOT
//!   tf.Example bytes: for each column in byte order of its name (the order
//!   deterministic proto serialisation gives the Example's feature map), the
//!   provenance columns (`_tabx_file`, `_tabx_line`) excepted,
//!   `u64le(len(name)) ‖ name ‖ cell`, with `cell` one of
//!   `00` (null, or empty text), `01 ‖ i64le` (an integer), `02 ‖ f64le`
//!   (any other number; NaN as `0x7ff8000000000000`), `03 ‖ u64le(len) ‖ bytes`.
//!
//! Both keys depend on a cell's value, never on its Arrow type: the engine
//! types CSV columns per task (`7` is Int64 in one byte range, Float64 in
//! another), so a text cell is read as CSV typing reads one value (integer,
//! then number, then text), and a whole float is that integer. A CSV file and
//! the Parquet file of the same rows therefore split alike. Booleans key as
//! `true`/`false` text, other types (dates, decimals...) as Arrow prints them.

use std::borrow::Cow;

use arrow::array::{Array, AsArray, BooleanArray, RecordBatch};
use arrow::compute::{cast, filter_record_batch};
use arrow::datatypes::{DataType, Float64Type, Int64Type, UInt64Type};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use tabx_core::{Result, TabxError};

use crate::csv::{parse_f64, parse_i64};
use crate::options::SourceOptions;

/// One output split of ExampleGen's `SplitConfig`: a name and its hash buckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitSpec {
    pub name: String,
    pub hash_buckets: u64,
}

/// ExampleGen's `SplitConfig`: the splits in bucket order and the optional
/// partition column. Build it with [`Self::from_ratio`] or [`Self::try_new`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitConfig {
    splits: Vec<SplitSpec>,
    /// `cumulative[i]`: the end of split `i`'s buckets.
    cumulative: Vec<u64>,
    partition_feature_name: Option<String>,
}

impl SplitConfig {
    /// Checks the splits: at least one, names unique and usable as file names
    /// (letters, digits, `_`, `-`), every split at least one bucket.
    pub fn try_new(splits: Vec<SplitSpec>, partition_feature_name: Option<String>) -> Result<Self> {
        let hint = "write NAME=BUCKETS pairs, e.g. --ratio train=2,eval=1";
        if splits.is_empty() {
            return Err(TabxError::config("no splits given").with_hint(hint));
        }
        let mut cumulative = Vec::with_capacity(splits.len());
        let mut total = 0u64;
        for (i, split) in splits.iter().enumerate() {
            let name_ok = !split.name.is_empty()
                && split.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !name_ok {
                return Err(TabxError::config(format!("invalid split name `{}`", split.name))
                    .with_hint("a split name names its output file: use letters, digits, `_` and `-`"));
            }
            if splits[..i].iter().any(|s| s.name == split.name) {
                return Err(TabxError::config(format!("split `{}` is given twice", split.name)).with_hint(hint));
            }
            if split.hash_buckets == 0 {
                return Err(TabxError::config(format!("split `{}` has 0 hash buckets", split.name))
                    .with_hint("every split needs at least 1 bucket (leave a split out to get none)"));
            }
            total = total
                .checked_add(split.hash_buckets)
                .ok_or_else(|| TabxError::config("the hash buckets add up to more than 2^64-1"))?;
            cumulative.push(total);
        }
        Ok(SplitConfig { splits, cumulative, partition_feature_name })
    }

    /// Splits from `NAME=BUCKETS,...` (`train=2,eval=1`), in bucket order.
    pub fn from_ratio(ratio: &str) -> Result<Self> {
        let hint = "write NAME=BUCKETS pairs, e.g. --ratio train=2,eval=1";
        let mut splits = Vec::new();
        for part in ratio.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, buckets) = part
                .split_once('=')
                .ok_or_else(|| TabxError::config(format!("`{part}` in --ratio is not NAME=BUCKETS")).with_hint(hint))?;
            let buckets = buckets.trim().parse::<u64>().map_err(|_| {
                TabxError::config(format!(
                    "split `{}`: `{}` is not a whole number of buckets",
                    name.trim(),
                    buckets.trim()
                ))
                .with_hint(hint)
            })?;
            splits.push(SplitSpec { name: name.trim().to_string(), hash_buckets: buckets });
        }
        Self::try_new(splits, None)
    }

    /// Keys rows by `column` (TFX's `partition_feature_name`) instead of all their values.
    pub fn with_partition_feature(mut self, column: impl Into<String>) -> Self {
        self.partition_feature_name = Some(column.into());
        self
    }

    pub fn splits(&self) -> &[SplitSpec] {
        &self.splits
    }

    pub fn partition_feature_name(&self) -> Option<&str> {
        self.partition_feature_name.as_deref()
    }

    /// The sum of the splits' buckets.
    pub fn total_buckets(&self) -> u64 {
        *self.cumulative.last().expect("at least one split")
    }

    /// The split owning `bucket` (`bisect.bisect(buckets, bucket)` in TFX).
    pub fn split_of_bucket(&self, bucket: u64) -> usize {
        self.cumulative.partition_point(|&end| end <= bucket)
    }

    /// Each row's split index.
    pub fn assign(&self, batch: &RecordBatch) -> Result<Vec<usize>> {
        let keys = partition_keys(batch, self.partition_feature_name.as_deref())?;
        Ok(keys.iter().map(|k| self.split_of_bucket(hash_bucket(k, self.total_buckets()))).collect())
    }

    /// `batch` cut into one batch per split (rows in their order; a split
    /// without rows gets an empty batch with the columns).
    pub fn partition(&self, batch: &RecordBatch) -> Result<Vec<RecordBatch>> {
        let assigned = self.assign(batch)?;
        (0..self.splits.len())
            .map(|split| {
                let mask: BooleanArray = assigned.iter().map(|&s| Some(s == split)).collect();
                Ok(filter_record_batch(batch, &mask)?)
            })
            .collect()
    }
}

/// TFX's bucket of a partition key: SHA-256 of `key` as a big-endian integer, modulo `total_buckets` (≥ 1).
pub fn hash_bucket(key: &[u8], total_buckets: u64) -> u64 {
    let digest = ring::digest::digest(&ring::digest::SHA256, key);
    let m = u128::from(total_buckets);
    let rem = digest.as_ref().iter().fold(0u128, |r, &b| ((r << 8) | u128::from(b)) % m);
    rem as u64
}

/// The partition key of every row of `batch`: the `tf.train.Feature` bytes of
/// `column`'s value, or the canonical serialisation of the whole row (see the module docs).
pub fn partition_keys(batch: &RecordBatch, column: Option<&str>) -> Result<Vec<Vec<u8>>> {
    let rows = batch.num_rows();
    let schema = batch.schema();
    let is_data = |name: &str| name != SourceOptions::FILE_COLUMN && name != SourceOptions::LINE_COLUMN;
    if let Some(name) = column {
        let array = batch.column_by_name(name).filter(|_| is_data(name)).ok_or_else(|| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).filter(|n| is_data(n)).collect();
            TabxError::config(format!("the key column `{name}` is not in the input"))
                .with_hint(format!("its columns: {}", names.join(", ")))
        })?;
        let mut keys = Vec::with_capacity(rows);
        for_each_cell(array.as_ref(), |row, cell| {
            keys.push(feature_bytes(cell).map_err(|value| {
                TabxError::invalid_input(
                    location(batch, row),
                    format!("the key column `{name}` holds the non-integer number {value}"),
                )
                .with_hint("TFX partitions only by an integer or string feature: use such a column as --key")
            })?);
            Ok(())
        })?;
        return Ok(keys);
    }
    let mut columns: Vec<(&str, usize)> =
        schema.fields().iter().enumerate().map(|(i, f)| (f.name().as_str(), i)).filter(|(n, _)| is_data(n)).collect();
    columns.sort_unstable();
    let mut keys = vec![Vec::with_capacity(16 * columns.len()); rows];
    for (name, index) in columns {
        for_each_cell(batch.column(index).as_ref(), |row, cell| {
            let key = &mut keys[row];
            key.extend_from_slice(&(name.len() as u64).to_le_bytes());
            key.extend_from_slice(name.as_bytes());
            match cell {
                Cell::Null => key.push(0),
                Cell::Int(v) => {
                    key.push(1);
                    key.extend_from_slice(&v.to_le_bytes());
                }
                Cell::Float(x, _) => {
                    key.push(2);
                    let bits = if x.is_nan() { 0x7ff8_0000_0000_0000 } else { x.to_bits() };
                    key.extend_from_slice(&bits.to_le_bytes());
                }
                Cell::Bytes(b) => {
                    key.push(3);
                    key.extend_from_slice(&(b.len() as u64).to_le_bytes());
                    key.extend_from_slice(&b);
                }
            }
            Ok(())
        })?;
    }
    Ok(keys)
}

/// A cell's value, whatever the Arrow type that holds it.
#[derive(Debug, Clone, PartialEq)]
enum Cell<'a> {
    Null,
    Int(i64),
    /// Not a whole number in the `i64` range (those are `Int`), and its text
    /// when the cell was text.
    Float(f64, Option<&'a [u8]>),
    Bytes(Cow<'a, [u8]>),
}

fn number(x: f64, text: Option<&[u8]>) -> Cell<'_> {
    // -2^63 ≤ x < 2^63: exactly the whole floats that are an i64.
    if x.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&x) {
        Cell::Int(x as i64)
    } else {
        Cell::Float(x, text)
    }
}

/// A text cell as CSV typing reads one value: empty is null, then integer, number, text.
fn text(v: &[u8]) -> Cell<'_> {
    if v.is_empty() {
        Cell::Null
    } else if let Some(i) = parse_i64(v) {
        Cell::Int(i)
    } else if let Some(x) = parse_f64(v) {
        number(x, Some(v))
    } else {
        Cell::Bytes(Cow::Borrowed(v))
    }
}

/// TFX's key bytes for one value: the deterministic serialisation of its
/// `tf.train.Feature` (`Err` with the value for a non-integer float; a
/// non-integer number written as text is the text, as in a STRING column).
fn feature_bytes(cell: Cell<'_>) -> std::result::Result<Vec<u8>, f64> {
    // Feature: bytes_list = 1, int64_list = 3 (length-delimited); BytesList /
    // Int64List: value = 1 (bytes; packed int64), as tensorflow/core/example/feature.proto.
    let (kind, list) = match cell {
        Cell::Null => return Ok(Vec::new()),
        Cell::Float(x, None) => return Err(x),
        Cell::Int(v) => (0x1a, varint(v as u64)),
        Cell::Float(_, Some(text)) => (0x0a, text.to_vec()),
        Cell::Bytes(b) => (0x0a, b.into_owned()),
    };
    let mut inner = vec![0x0a];
    inner.extend(varint(list.len() as u64));
    inner.extend(list);
    let mut out = vec![kind];
    out.extend(varint(inner.len() as u64));
    out.extend(inner);
    Ok(out)
}

/// Protobuf's base-128 varint.
fn varint(mut v: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(10);
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
    out
}

/// Calls `f(row, cell)` for every row of `array` in order.
fn for_each_cell(array: &dyn Array, mut f: impl FnMut(usize, Cell<'_>) -> Result<()>) -> Result<()> {
    let valid = |row: usize| array.is_valid(row);
    match array.data_type() {
        DataType::Null => (0..array.len()).try_for_each(|row| f(row, Cell::Null)),
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let strings = cast(array, &DataType::LargeUtf8)?;
            let strings = strings.as_string::<i64>();
            (0..array.len())
                .try_for_each(|row| f(row, if valid(row) { text(strings.value(row).as_bytes()) } else { Cell::Null }))
        }
        DataType::Binary | DataType::LargeBinary | DataType::BinaryView => {
            let bytes = cast(array, &DataType::LargeBinary)?;
            let bytes = bytes.as_binary::<i64>();
            (0..array.len()).try_for_each(|row| f(row, if valid(row) { text(bytes.value(row)) } else { Cell::Null }))
        }
        DataType::UInt64 => {
            // Beyond i64, CSV typing reads an integer as text.
            let values = array.as_primitive::<UInt64Type>();
            (0..array.len()).try_for_each(|row| {
                let cell = match i64::try_from(values.value(row)) {
                    _ if !valid(row) => Cell::Null,
                    Ok(v) => Cell::Int(v),
                    Err(_) => Cell::Bytes(Cow::Owned(values.value(row).to_string().into_bytes())),
                };
                f(row, cell)
            })
        }
        t if t.is_integer() => {
            let values = cast(array, &DataType::Int64)?;
            let values = values.as_primitive::<Int64Type>();
            (0..array.len())
                .try_for_each(|row| f(row, if valid(row) { Cell::Int(values.value(row)) } else { Cell::Null }))
        }
        t if t.is_floating() => {
            let values = cast(array, &DataType::Float64)?;
            let values = values.as_primitive::<Float64Type>();
            (0..array.len())
                .try_for_each(|row| f(row, if valid(row) { number(values.value(row), None) } else { Cell::Null }))
        }
        _ => {
            // Booleans, dates, decimals...: the text Arrow (and the CSV writer) prints.
            let options = FormatOptions::default();
            let formatter = ArrayFormatter::try_new(array, &options)?;
            (0..array.len()).try_for_each(|row| {
                if !valid(row) {
                    return f(row, Cell::Null);
                }
                let shown = formatter.value(row).to_string();
                f(row, text(shown.as_bytes()))
            })
        }
    }
}

/// `file:line` of a row when the batch carries its source, else its position.
fn location(batch: &RecordBatch, row: usize) -> String {
    crate::driver::row_origin(batch, row).unwrap_or_else(|| format!("row {}", row + 1))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, StringArray};

    use super::*;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        RecordBatch::try_from_iter(columns).unwrap()
    }

    fn strings(values: &[Option<&str>]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    fn sha256_hex(bytes: &[u8]) -> String {
        ring::digest::digest(&ring::digest::SHA256, bytes).as_ref().iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn ratios_parse_in_order() {
        let config = SplitConfig::from_ratio(" train=2, eval=1 ").unwrap();
        let names: Vec<&str> = config.splits().iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["train", "eval"]);
        assert_eq!(config.total_buckets(), 3);
        // train gets buckets [0, 2), eval [2, 3).
        assert_eq!([0, 1, 2].map(|b| config.split_of_bucket(b)), [0, 0, 1]);
        // TFX's comment in _PartitionFn: buckets [10, 50, 80] -> [0, 10) split 0, [10, 50) 1, [50, 80) 2.
        let tfx = SplitConfig::from_ratio("a=10,b=40,c=30").unwrap();
        assert_eq!([0, 9, 10, 49, 50, 79].map(|b| tfx.split_of_bucket(b)), [0, 0, 1, 1, 2, 2]);
    }

    #[test]
    fn bad_ratios_are_errors() {
        for (ratio, says) in [
            ("train=0", "has 0 hash buckets"),
            ("train", "is not NAME=BUCKETS"),
            ("train=2,train=1", "given twice"),
            ("", "no splits"),
            (" , ", "no splits"),
            ("train=-1", "`-1` is not a whole number"),
            ("train=1.5", "not a whole number"),
            ("tr/ain=1", "invalid split name"),
            ("=1", "invalid split name"),
            ("a=18446744073709551615,b=1", "more than 2^64-1"),
        ] {
            let err = SplitConfig::from_ratio(ratio).unwrap_err().to_string();
            assert!(err.contains(says), "{ratio:?}: {err}");
        }
    }

    #[test]
    fn buckets_match_tfx_sha256() {
        // engine/tests/reference/feature.py (python protobuf 7.36, hashlib): the tf.train.Feature
        // bytes_list ["Flash Cab"] serialised deterministically is 0a0b0a09466c61736820436162;
        // int(sha256(key).hexdigest(), 16) % 3 = 1, % 1000003 = 396664, % (2**64 - 59) = 4726010305030877205.
        let key = partition_keys(&batch(vec![("company", strings(&[Some("Flash Cab")]))]), Some("company")).unwrap();
        assert_eq!(key[0], b"\x0a\x0b\x0a\x09Flash Cab");
        assert_eq!(hash_bucket(&key[0], 3), 1);
        assert_eq!(hash_bucket(&key[0], 1_000_003), 396_664);
        assert_eq!(hash_bucket(&key[0], u64::MAX - 58), 4_726_010_305_030_877_205);
        assert_eq!(hash_bucket(&key[0], 1), 0);
    }

    #[test]
    fn feature_keys_are_tfx_feature_bytes() {
        // feature.py: int64_list [7] = 1a030a0107, [-3] = 1a0c0a0afdffffffffffffffff01,
        // [300] = 1a040a02ac02; 200 x "x" = 0acb010ac801 + the bytes; no value: b"".
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![Some(7), Some(-3), Some(300), None]));
        let keys = partition_keys(&batch(vec![("k", ints)]), Some("k")).unwrap();
        assert_eq!(keys[0], [0x1a, 0x03, 0x0a, 0x01, 0x07]);
        assert_eq!(keys[1], [0x1a, 0x0c, 0x0a, 0x0a, 0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
        assert_eq!(keys[2], [0x1a, 0x04, 0x0a, 0x02, 0xac, 0x02]);
        assert!(keys[3].is_empty());
        let long = "x".repeat(200);
        let keys = partition_keys(&batch(vec![("k", strings(&[Some(&long)]))]), Some("k")).unwrap();
        assert_eq!(keys[0][..6], [0x0a, 0xcb, 0x01, 0x0a, 0xc8, 0x01]);
        assert_eq!(keys[0].len(), 206);
        // The value decides, not the Arrow type: "7", 7i32 and 7.0 key alike;
        // text that reads as a non-integer number stays text.
        let as_text = partition_keys(&batch(vec![("k", strings(&[Some("7"), Some("7.5")]))]), Some("k")).unwrap();
        let as_i32 = partition_keys(&batch(vec![("k", Arc::new(Int32Array::from(vec![7])) as ArrayRef)]), Some("k"));
        let as_f64 =
            partition_keys(&batch(vec![("k", Arc::new(Float64Array::from(vec![7.0])) as ArrayRef)]), Some("k"));
        assert_eq!(as_text[0], as_i32.unwrap()[0]);
        assert_eq!(as_text[0], as_f64.unwrap()[0]);
        assert_eq!(as_text[1], b"\x0a\x05\x0a\x037.5");
    }

    #[test]
    fn float_and_missing_key_columns_are_errors() {
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![1.0, 7.25]));
        let err = partition_keys(&batch(vec![("fare", floats)]), Some("fare")).unwrap_err().to_string();
        assert!(err.contains("row 2") && err.contains("`fare` holds the non-integer number 7.25"), "{err}");
        let b = batch(vec![("fare", strings(&[Some("1")])), ("company", strings(&[Some("a")]))]);
        let err = partition_keys(&b, Some("compnay")).unwrap_err().to_string();
        assert!(err.contains("`compnay` is not in the input") && err.contains("its columns: fare, company"), "{err}");
    }

    #[test]
    fn row_keys_follow_the_documented_serialisation() {
        // engine/tests/reference/rows.py: columns b, a, c, d holding "x", 7, empty, 2.5 -> key
        // sha256 851543b5…7ede, bucket 2 of 3; "Flash Cab", -3, nan, 12 -> d15d0bf9…05a4.
        let text = batch(vec![
            ("b", strings(&[Some("x"), Some("Flash Cab")])),
            ("a", strings(&[Some("7"), Some("-3")])),
            ("c", strings(&[None, Some("nan")])),
            ("d", strings(&[Some("2.5"), Some("12")])),
        ]);
        let keys = partition_keys(&text, None).unwrap();
        assert_eq!(sha256_hex(&keys[0]), "851543b5e60bc93968729b59fe99f045b55bec5711136d02f9642682652e7ede");
        assert_eq!(sha256_hex(&keys[1]), "d15d0bf9c7d851cee8ea0dc5e9a896de35302365a139e45848268ba1bb2405a4");
        assert_eq!(hash_bucket(&keys[0], 3), 2);
        // The same values typed as the engine may type them, columns in another
        // order, with provenance columns: the same keys.
        let typed = batch(vec![
            ("d", Arc::new(Float64Array::from(vec![2.5, 12.0])) as ArrayRef),
            ("c", Arc::new(Float64Array::from(vec![None, Some(f64::NAN)])) as ArrayRef),
            ("a", Arc::new(Int64Array::from(vec![7, -3])) as ArrayRef),
            ("b", strings(&[Some("x"), Some("Flash Cab")])),
            (
                SourceOptions::FILE_COLUMN,
                Arc::new(arrow::array::DictionaryArray::<arrow::datatypes::Int32Type>::from_iter(["f.csv", "f.csv"]))
                    as ArrayRef,
            ),
            (SourceOptions::LINE_COLUMN, Arc::new(arrow::array::UInt64Array::from(vec![2, 3])) as ArrayRef),
        ]);
        assert_eq!(partition_keys(&typed, None).unwrap(), keys);
    }

    #[test]
    fn partition_keeps_row_order_per_split() {
        let config = SplitConfig::from_ratio("train=2,eval=1").unwrap();
        let ids: ArrayRef = Arc::new(Int64Array::from_iter_values(0..200));
        let b = batch(vec![("id", ids)]);
        let assigned = config.assign(&b).unwrap();
        let parts = config.partition(&b).unwrap();
        assert_eq!(parts.len(), 2);
        for (split, part) in parts.iter().enumerate() {
            let got: Vec<i64> = part.column(0).as_primitive::<Int64Type>().values().to_vec();
            let want: Vec<i64> = (0..200).filter(|&i| assigned[i as usize] == split).collect();
            assert_eq!(got, want);
        }
        // About 2:1 (binomial: 133 ± 7).
        assert!((115..=152).contains(&parts[0].num_rows()), "{}", parts[0].num_rows());
    }
}
