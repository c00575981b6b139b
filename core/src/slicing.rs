//! Slices: which examples a per-slice result covers, for `tabx stats --slice`
//! and `tabx evaluate --slice` alike ([`SliceSpec`], [`SliceKey`],
//! [`SliceSpec::groups`]).
//!
//! One grammar, modelled on TFMA's `SlicingSpec` (`feature_keys` crossed,
//! `feature_values` fixed) plus numeric and date ranges:
//!
//! | `--slice`                   | slices                                                  |
//! | --------------------------- | ------------------------------------------------------- |
//! | `overall` (or empty)        | every example (always reported)                         |
//! | `payment_type`              | one per value: `payment_type_Cash`, ...                 |
//! | `company,payment_type`      | one per pair of values (a cross)                        |
//! | `payment_type=Cash`         | only the examples whose value is `Cash`                 |
//! | `company,payment_type=Cash` | one per company, among `Cash` examples                  |
//! | `trip_start_hour:0,6,12,18` | one per range: `[0, 6)`, ..., `[18, inf)`, `(-inf, 0)`  |
//! | `trip_start_timestamp:2014-01-01,2015-01-01` | one per period of a time column (below) |
//! | `long_trip:=trip_miles > 10` | a named SQL predicate: `long_trip_true`, `long_trip_false` |
//! | `payment_type,long_trip:=trip_miles > 10` | a cross with a predicate (the predicate comes last) |
//!
//! A predicate is one SQL expression over the row's columns, as a `row`
//! constraint of `tabx validate --constraints` is (feature `sql`). It slices
//! like a boolean column the SQL computes (TFMA's `slice_keys_sql` with
//! `SELECT STRUCT(trip_miles > 10 AS long_trip)`): a row where it is NULL is
//! in no slice of the spec. This crate has no SQL engine: the `tabx` library
//! evaluates each predicate per batch ([`SliceSpec::predicates`]) into a
//! boolean column named [`predicate_column`], which [`SliceSpec::groups`] reads.
//!
//! Names are TFDV's (`slicing_util`): `column_value` per term, joined by `_`;
//! the overall slice is [`OVERALL`]. An example with a null (or NaN) in a
//! sliced column belongs to no slice of that spec, as in TFDV and TFMA; it
//! still counts in the overall slice. Ranges are closed on the left, as
//! `apply_buckets` cuts (a value equal to a boundary moves up a range).
//!
//! Date and time boundaries (ISO 8601 as arrow parses it: `2014-01-01`,
//! `2014-01-01T06:00:00`, `...Z`, `...-06:00`; without an offset, UTC) cut a
//! time column at the instants they name: epoch seconds in an integer column
//! (the taxi data's `trip_start_timestamp`), a Timestamp in its unit, a Date
//! in days. Numbers cut a time column's stored integer, as its statistics
//! count it (`schema/src/stats/types.rs`).

use rustc_hash::FxHashMap as HashMap;
use std::fmt;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::compute::cast;
use arrow::compute::kernels::cast_utils::string_to_timestamp_nanos;
use arrow::datatypes::{DataType, Float64Type, TimeUnit};
use serde::{Deserialize, Serialize};

use crate::{Result, TabxError};

/// The name of the slice holding every example (TFDV's default slice name).
pub const OVERALL: &str = "All Examples";

/// One term of a slice spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SliceTerm {
    /// One slice per value of the column.
    Column(String),
    /// Only examples whose column has this value (compared as text: `5`, `Cash`).
    Value(String, String),
    /// One slice per range of a numeric column, cut at increasing boundaries.
    Ranges(String, Vec<f64>),
    /// One slice per period of a time column, cut at increasing instants.
    TimeRanges(String, Vec<TimeBound>),
    /// One slice per value (true, false) of a named SQL predicate.
    Predicate { name: String, sql: String },
}

/// A date or time boundary: the instant, and the text that named it (the
/// slice names show it as written).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeBound {
    /// Nanoseconds since the Unix epoch, UTC.
    pub nanos: i64,
    pub text: String,
}

impl TimeBound {
    /// `text` as an instant (ISO 8601; without an offset, UTC).
    fn parse(text: &str) -> Option<Self> {
        // Whole seconds before 2116 are exact in f64 nanoseconds, and so are
        // the seconds, days or milliseconds `time_range_codes` divides them into.
        Some(TimeBound { nanos: string_to_timestamp_nanos(text).ok()?, text: text.to_string() })
    }
}

/// The prefix of the boolean columns holding predicates' values (see [`predicate_column`]).
pub const PREDICATE_PREFIX: &str = "_tabx_where_";

/// The column in which the `tabx` library puts the value of predicate `name`.
pub fn predicate_column(name: &str) -> String {
    format!("{PREDICATE_PREFIX}{name}")
}

/// A slicing spec: the overall slice when it has no terms, else the cross of its terms.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SliceSpec {
    pub terms: Vec<SliceTerm>,
}

/// Which slice an example is in: `(column, value)` per term, empty for [`OVERALL`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize)]
pub struct SliceKey(pub Vec<(String, String)>);

impl SliceKey {
    /// TFDV's name of the slice: `col_value` joined by `_`, or [`OVERALL`].
    pub fn name(&self) -> String {
        if self.0.is_empty() {
            return OVERALL.to_string();
        }
        self.0.iter().map(|(c, v)| format!("{c}_{v}")).collect::<Vec<_>>().join("_")
    }

    /// True for the slice of every example.
    pub fn is_overall(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Display for SliceKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl SliceSpec {
    /// The spec of the overall slice.
    pub fn overall() -> Self {
        Self::default()
    }

    /// True for the overall slice.
    pub fn is_overall(&self) -> bool {
        self.terms.is_empty()
    }

    /// Parses the `--slice` grammar of the module docs.
    pub fn parse(text: &str) -> Result<Self> {
        let text = text.trim();
        if text.is_empty() || text.eq_ignore_ascii_case("overall") {
            return Ok(Self::overall());
        }
        let bad = |why: String| {
            TabxError::Config {
            message: format!("slice `{text}`: {why}"),
            hint: Some(
                "a slice is COL, COL1,COL2 (a cross), COL=VALUE, COL:B1,B2,... (numeric or date ranges) or NAME:=SQL (a predicate, last)"
                    .to_string(),
            ),
        }
        };
        // A predicate's SQL may hold commas: it is everything after `:=`.
        let (columns, predicate) = match text.split_once(":=") {
            Some((head, sql)) => {
                let (columns, name) = head.rsplit_once(',').unwrap_or(("", head));
                let (name, sql) = (name.trim(), sql.trim());
                if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    return Err(bad(format!("`{name}` is not a predicate name (letters, digits and `_`)")));
                }
                if sql.is_empty() {
                    return Err(bad(format!("predicate `{name}` has no SQL after `:=`")));
                }
                if columns.trim().is_empty() && head.contains(',') {
                    return Err(bad("an empty column name".into()));
                }
                (columns, Some(SliceTerm::Predicate { name: name.to_string(), sql: sql.to_string() }))
            }
            None => (text, None),
        };
        let mut terms: Vec<SliceTerm> = Vec::new();
        let parts = if columns.trim().is_empty() { Vec::new() } else { columns.split(',').map(str::trim).collect() };
        for part in parts {
            if part.is_empty() {
                return Err(bad("an empty column name".into()));
            }
            // A bare number (date) continues the boundaries of the ranges term before it.
            match (terms.last_mut(), part.parse::<f64>().ok(), TimeBound::parse(part)) {
                (Some(SliceTerm::Ranges(_, bounds)), Some(x), _) => {
                    bounds.push(x);
                    continue;
                }
                (Some(SliceTerm::TimeRanges(_, bounds)), _, Some(t)) => {
                    bounds.push(t);
                    continue;
                }
                (Some(SliceTerm::Ranges(..)), _, Some(_)) | (Some(SliceTerm::TimeRanges(..)), Some(_), _) => {
                    return Err(bad(format!("`{part}`: one column's boundaries are all numbers or all dates")));
                }
                _ => {}
            }
            if let Some((column, first)) = part.split_once(':') {
                let (column, first) = (column.trim().to_string(), first.trim());
                terms.push(match (first.parse::<f64>(), TimeBound::parse(first)) {
                    (Ok(x), _) => SliceTerm::Ranges(column, vec![x]),
                    (_, Some(t)) => SliceTerm::TimeRanges(column, vec![t]),
                    _ => return Err(bad(format!("`{first}` is not a number or a date (ISO 8601)"))),
                });
            } else if let Some((column, value)) = part.split_once('=') {
                terms.push(SliceTerm::Value(column.trim().to_string(), value.trim().to_string()));
            } else {
                terms.push(SliceTerm::Column(part.to_string()));
            }
        }
        terms.extend(predicate);
        let mut seen = Vec::new();
        for term in &terms {
            let column = term.column();
            if column.is_empty() {
                return Err(bad("an empty column name".into()));
            }
            if seen.contains(&column) {
                return Err(bad(format!("column `{column}` appears twice")));
            }
            seen.push(column);
            if let SliceTerm::Ranges(_, bounds) = term
                && (bounds.iter().any(|b| !b.is_finite()) || bounds.windows(2).any(|w| w[0] >= w[1]))
            {
                return Err(bad("range boundaries must be finite and increasing".into()));
            }
            if let SliceTerm::TimeRanges(_, bounds) = term
                && bounds.windows(2).any(|w| w[0].nanos >= w[1].nanos)
            {
                return Err(bad("date boundaries must be increasing".into()));
            }
        }
        Ok(Self { terms })
    }

    /// The data columns the spec reads by name (not those its predicates'
    /// SQL reads, which only a SQL parser knows).
    pub fn columns(&self) -> Vec<&str> {
        self.terms.iter().filter(|t| !matches!(t, SliceTerm::Predicate { .. })).map(SliceTerm::column).collect()
    }

    /// The spec's predicates as `(name, sql)`.
    pub fn predicates(&self) -> impl Iterator<Item = (&str, &str)> {
        self.terms.iter().filter_map(|t| match t {
            SliceTerm::Predicate { name, sql } => Some((name.as_str(), sql.as_str())),
            _ => None,
        })
    }

    /// Groups the rows of `batch` by slice: each key with its rows, in key order.
    /// Rows outside every slice of the spec (a null or NaN in a sliced column, or
    /// another value than a fixed one) are in no group.
    pub fn groups(&self, batch: &RecordBatch) -> Result<Vec<(SliceKey, Vec<u32>)>> {
        let n = batch.num_rows();
        if self.is_overall() {
            return Ok(vec![(SliceKey::default(), (0..n as u32).collect())]);
        }
        // Per term, each row's code (None: the row is in no slice) and the
        // label of each code. Codes, not strings, per row: a cross of two
        // columns over millions of rows allocates per distinct value only.
        let mut terms: Vec<(Vec<Option<u32>>, Vec<String>)> = Vec::with_capacity(self.terms.len());
        for term in &self.terms {
            if let SliceTerm::Predicate { name, sql } = term {
                terms.push(predicate_codes(batch, name, sql)?);
                continue;
            }
            let column = term.column();
            let array = batch.column_by_name(column).ok_or_else(|| {
                let names: Vec<&str> = batch.schema_ref().fields().iter().map(|f| f.name().as_str()).collect();
                TabxError::Config {
                    message: format!("slice column `{column}` is not in the data"),
                    hint: Some(format!("columns are: {}", names.join(", "))),
                }
            })?;
            terms.push(match term {
                SliceTerm::Column(_) => value_codes(array, None)?,
                SliceTerm::Value(_, wanted) => value_codes(array, Some(wanted))?,
                SliceTerm::Ranges(_, bounds) => {
                    let labels: Vec<String> = bounds.iter().map(f64::to_string).collect();
                    range_codes(&stored_numbers(array, column)?, bounds, &labels)
                }
                SliceTerm::TimeRanges(_, bounds) => time_range_codes(array, bounds, column)?,
                SliceTerm::Predicate { .. } => unreachable!("handled above"),
            });
        }
        // One code per row for the whole cross (mixed radix over the terms' codes).
        if terms.iter().try_fold(1u128, |p, (_, labels)| p.checked_mul(labels.len().max(1) as u128)).is_none() {
            return Err(TabxError::config(format!("slice `{self}` crosses too many distinct values to count")));
        }
        let mut rows_of: HashMap<u128, Vec<u32>> = HashMap::default();
        'rows: for row in 0..n {
            let mut code = 0u128;
            for (codes, labels) in &terms {
                match codes[row] {
                    Some(c) => code = code * labels.len() as u128 + u128::from(c),
                    None => continue 'rows,
                }
            }
            rows_of.entry(code).or_default().push(row as u32);
        }
        let mut groups: Vec<(SliceKey, Vec<u32>)> = rows_of
            .into_iter()
            .map(|(mut code, rows)| {
                let mut key = Vec::with_capacity(terms.len());
                for (term, (_, labels)) in self.terms.iter().zip(&terms).rev() {
                    let n = labels.len() as u128;
                    key.push((term.column().to_string(), labels[(code % n) as usize].clone()));
                    code /= n;
                }
                key.reverse();
                (SliceKey(key), rows)
            })
            .collect();
        groups.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Ok(groups)
    }
}

impl fmt::Display for SliceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_overall() {
            return f.write_str("overall");
        }
        let terms: Vec<String> = self
            .terms
            .iter()
            .map(|t| match t {
                SliceTerm::Column(c) => c.clone(),
                SliceTerm::Value(c, v) => format!("{c}={v}"),
                SliceTerm::Ranges(c, b) => {
                    format!("{c}:{}", b.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(","))
                }
                SliceTerm::TimeRanges(c, b) => {
                    format!("{c}:{}", b.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(","))
                }
                SliceTerm::Predicate { name, sql } => format!("{name}:={sql}"),
            })
            .collect();
        f.write_str(&terms.join(","))
    }
}

impl SliceTerm {
    /// The column the term reads; a predicate's name.
    pub fn column(&self) -> &str {
        match self {
            Self::Column(c) | Self::Value(c, _) | Self::Ranges(c, _) | Self::TimeRanges(c, _) => c,
            Self::Predicate { name, .. } => name,
        }
    }
}

/// Each value's code and the labels of the codes, values compared as the
/// text a slice name shows (`5`, `1.5`, `Cash`); null, or another value than
/// `only`, → None.
fn value_codes(array: &dyn Array, only: Option<&str>) -> Result<(Vec<Option<u32>>, Vec<String>)> {
    let text = cast(array, &DataType::Utf8)?;
    let mut labels: Vec<String> = Vec::new();
    let mut code_of: HashMap<&str, u32> = HashMap::default();
    let codes = text
        .as_string::<i32>()
        .iter()
        .map(|v| {
            let v = v.filter(|v| only.is_none_or(|wanted| *v == wanted))?;
            Some(*code_of.entry(v).or_insert_with(|| {
                labels.push(v.to_string());
                (labels.len() - 1) as u32
            }))
        })
        .collect();
    Ok((codes, labels))
}

/// `batch` without the predicate columns the `tabx` library appended: they
/// are slice keys, not features.
pub fn without_predicate_columns(batch: &RecordBatch) -> Result<std::borrow::Cow<'_, RecordBatch>> {
    let schema = batch.schema_ref();
    let keep: Vec<usize> =
        (0..schema.fields().len()).filter(|&i| !schema.field(i).name().starts_with(PREDICATE_PREFIX)).collect();
    if keep.len() == schema.fields().len() {
        return Ok(std::borrow::Cow::Borrowed(batch));
    }
    Ok(std::borrow::Cow::Owned(batch.project(&keep)?))
}

/// A predicate's value per row (`true`, `false`; NULL → None), read from its
/// [`predicate_column`].
fn predicate_codes(batch: &RecordBatch, name: &str, sql: &str) -> Result<(Vec<Option<u32>>, Vec<String>)> {
    let column = predicate_column(name);
    let array = batch.column_by_name(&column).ok_or_else(|| TabxError::Config {
        message: format!("slice predicate `{name}:={sql}` was not evaluated: the batch has no column `{column}`"),
        hint: Some(
            "SQL slices are evaluated by the `tabx` library's jobs (tabx::evaluate, tabx::compute_stats), \
             built with the `sql` feature"
                .to_string(),
        ),
    })?;
    let values = array.as_boolean_opt().ok_or_else(|| {
        TabxError::config(format!(
            "column `{column}` of slice predicate `{name}` is {}, not Boolean",
            array.data_type()
        ))
    })?;
    let labels = vec!["false".to_string(), "true".to_string()];
    Ok((values.iter().map(|v| v.map(u32::from)).collect(), labels))
}

/// Each value's range, labelled `(-inf, b0)`, `[b0, b1)`, ..., `[bn, inf)`; null or NaN → None.
/// A numeric or time column's values as f64 (a time column's stored
/// integer: seconds, its Timestamp unit, days), null or NaN → None.
fn stored_numbers(array: &dyn Array, column: &str) -> Result<Vec<Option<f64>>> {
    let dt = array.data_type();
    let stored =
        if dt.is_temporal() { cast(array, &DataType::Int64)? } else { arrow::array::make_array(array.to_data()) };
    if !stored.data_type().is_numeric() {
        return Err(TabxError::config(format!(
            "slice column `{column}` is {dt}, not numeric: it cannot be cut into ranges"
        )));
    }
    let numbers = cast(&stored, &DataType::Float64)?;
    Ok(numbers.as_primitive::<Float64Type>().iter().map(|x| x.filter(|x| !x.is_nan())).collect())
}

/// Each value's range code (`bounds` cut left-closed) and the ranges' labels
/// from the boundaries' `labels`.
fn range_codes(values: &[Option<f64>], bounds: &[f64], labels: &[String]) -> (Vec<Option<u32>>, Vec<String>) {
    let label = |i: usize| match i {
        0 => format!("(-inf, {})", labels[0]),
        i if i == bounds.len() => format!("[{}, inf)", labels[i - 1]),
        i => format!("[{}, {})", labels[i - 1], labels[i]),
    };
    let codes = values.iter().map(|x| x.map(|x| bounds.partition_point(|b| *b <= x) as u32)).collect();
    (codes, (0..=bounds.len()).map(label).collect())
}

/// [`range_codes`] of a time column at the instants `bounds` name, in the
/// column's unit: seconds for an integer column, its unit for a Timestamp,
/// days for a Date32, milliseconds for a Date64.
fn time_range_codes(array: &dyn Array, bounds: &[TimeBound], column: &str) -> Result<(Vec<Option<u32>>, Vec<String>)> {
    let nanos_per_unit = match array.data_type() {
        t if t.is_integer() => 1e9,
        DataType::Timestamp(TimeUnit::Second, _) => 1e9,
        DataType::Timestamp(TimeUnit::Millisecond, _) | DataType::Date64 => 1e6,
        DataType::Timestamp(TimeUnit::Microsecond, _) => 1e3,
        DataType::Timestamp(TimeUnit::Nanosecond, _) => 1.0,
        DataType::Date32 => 86_400e9,
        other => {
            return Err(TabxError::config(format!(
                "slice column `{column}` is {other}, not a time: date boundaries cut epoch seconds, Timestamps and Dates"
            )));
        }
    };
    let cut: Vec<f64> = bounds.iter().map(|b| b.nanos as f64 / nanos_per_unit).collect();
    let labels: Vec<String> = bounds.iter().map(|b| b.text.clone()).collect();
    Ok(range_codes(&stored_numbers(array, column)?, &cut, &labels))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{Float64Array, Int64Array, StringArray};

    use super::*;

    fn batch() -> RecordBatch {
        RecordBatch::try_from_iter([
            ("pay", Arc::new(StringArray::from(vec![Some("Cash"), Some("Card"), None, Some("Cash")])) as _),
            ("co", Arc::new(StringArray::from(vec!["A", "A", "B", "B"])) as _),
            ("hour", Arc::new(Int64Array::from(vec![Some(0), Some(6), Some(23), None])) as _),
            ("x", Arc::new(Float64Array::from(vec![1.5, f64::NAN, -2.0, 6.0])) as _),
        ])
        .unwrap()
    }

    fn named(groups: Vec<(SliceKey, Vec<u32>)>) -> Vec<(String, Vec<u32>)> {
        groups.into_iter().map(|(k, r)| (k.name(), r)).collect()
    }

    #[test]
    fn grammar() {
        assert!(SliceSpec::parse("").unwrap().is_overall());
        assert!(SliceSpec::parse("Overall").unwrap().is_overall());
        let spec = SliceSpec::parse("company, payment_type=Cash,hour:0,6,12.5,18").unwrap();
        assert_eq!(
            spec.terms,
            vec![
                SliceTerm::Column("company".into()),
                SliceTerm::Value("payment_type".into(), "Cash".into()),
                SliceTerm::Ranges("hour".into(), vec![0.0, 6.0, 12.5, 18.0]),
            ]
        );
        assert_eq!(spec.to_string(), "company,payment_type=Cash,hour:0,6,12.5,18");
        assert_eq!(SliceSpec::parse(&spec.to_string()).unwrap(), spec);
        for bad in ["a,a", "a,", "h:6,0", "h:x", "h:1,inf", ",b"] {
            let err = SliceSpec::parse(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("slice `{bad}`")), "{bad}: {err}");
        }
    }

    #[test]
    fn groups_by_value_cross_fixed_and_ranges() {
        let b = batch();
        // Nulls are in no slice of the spec (TFDV's slicing_util drops them).
        let by_pay = named(SliceSpec::parse("pay").unwrap().groups(&b).unwrap());
        assert_eq!(by_pay, vec![("pay_Card".into(), vec![1]), ("pay_Cash".into(), vec![0, 3])]);
        let cross = named(SliceSpec::parse("co,pay").unwrap().groups(&b).unwrap());
        assert_eq!(
            cross,
            vec![
                ("co_A_pay_Card".into(), vec![1]),
                ("co_A_pay_Cash".into(), vec![0]),
                ("co_B_pay_Cash".into(), vec![3])
            ]
        );
        let fixed = named(SliceSpec::parse("pay=Cash").unwrap().groups(&b).unwrap());
        assert_eq!(fixed, vec![("pay_Cash".into(), vec![0, 3])]);
        // Left-closed ranges: 6 is in [6, 12); a null hour is in none.
        let hours = named(SliceSpec::parse("hour:0,6,12").unwrap().groups(&b).unwrap());
        assert_eq!(
            hours,
            vec![("hour_[0, 6)".into(), vec![0]), ("hour_[12, inf)".into(), vec![2]), ("hour_[6, 12)".into(), vec![1])]
        );
        // NaN is in no range; below the first boundary is (-inf, b0).
        let xs = named(SliceSpec::parse("x:0").unwrap().groups(&b).unwrap());
        assert_eq!(xs, vec![("x_(-inf, 0)".into(), vec![2]), ("x_[0, inf)".into(), vec![0, 3])]);
        assert_eq!(named(SliceSpec::overall().groups(&b).unwrap()), vec![(OVERALL.into(), vec![0, 1, 2, 3])]);
    }

    /// Date and time boundaries cut epoch seconds, Timestamps and Dates by
    /// the instant they name (UTC). By hand: 1388534400 = 2014-01-01T00:00Z,
    /// 1420070400 = 2015-01-01T00:00Z; Date32 16071 = 2014-01-01.
    #[test]
    fn date_boundaries_cut_time_columns() {
        use arrow::array::{ArrayRef, Date32Array, TimestampMillisecondArray};
        let b = RecordBatch::try_from_iter([
            ("ts", Arc::new(Int64Array::from(vec![1_388_534_399, 1_388_534_400, 1_420_070_400])) as ArrayRef),
            ("day", Arc::new(Date32Array::from(vec![16_070, 16_071, 16_436])) as _),
            (
                "at",
                Arc::new(
                    TimestampMillisecondArray::from(vec![1_388_534_399_999, 1_388_534_400_000, 1_420_070_400_000])
                        .with_timezone("UTC"),
                ) as _,
            ),
        ])
        .unwrap();
        let want = |c: &str| {
            vec![
                (format!("{c}_(-inf, 2014-01-01)"), vec![0]),
                (format!("{c}_[2014-01-01, 2015-01-01T00:00:00Z)"), vec![1]),
                (format!("{c}_[2015-01-01T00:00:00Z, inf)"), vec![2]),
            ]
        };
        for c in ["ts", "day", "at"] {
            let spec = SliceSpec::parse(&format!("{c}:2014-01-01,2015-01-01T00:00:00Z")).unwrap();
            assert_eq!(named(spec.groups(&b).unwrap()), want(c), "{c}");
            assert_eq!(SliceSpec::parse(&spec.to_string()).unwrap(), spec);
        }
        // Numbers cut a time column's stored integer, as its statistics count it.
        let days = named(SliceSpec::parse("day:16071").unwrap().groups(&b).unwrap());
        assert_eq!(days, vec![("day_(-inf, 16071)".into(), vec![0]), ("day_[16071, inf)".into(), vec![1, 2])]);
        for bad in ["ts:2014-01-01,5", "ts:2015-01-01,2014-01-01", "ts:2014-13-01"] {
            assert!(SliceSpec::parse(bad).is_err(), "{bad}");
        }
        let err = SliceSpec::parse("co:2014-01-01").unwrap().groups(&batch()).unwrap_err().to_string();
        assert!(err.contains("`co` is Utf8, not a time"), "{err}");
    }

    #[test]
    fn errors_name_the_column() {
        let b = batch();
        let err = SliceSpec::parse("nope").unwrap().groups(&b).unwrap_err().to_string();
        assert!(err.contains("slice column `nope` is not in the data") && err.contains("pay, co, hour, x"), "{err}");
        let err = SliceSpec::parse("co:1").unwrap().groups(&b).unwrap_err().to_string();
        assert!(err.contains("`co` is Utf8, not numeric"), "{err}");
        let err = SliceSpec::parse("big:=x > 1").unwrap().groups(&b).unwrap_err().to_string();
        assert!(err.contains("`big:=x > 1` was not evaluated") && err.contains("`sql` feature"), "{err}");
    }

    #[test]
    fn predicates_parse_last_and_keep_their_commas() {
        let spec = SliceSpec::parse("co, big := x IN (1, 2), 3").unwrap();
        assert_eq!(
            spec.terms,
            vec![
                SliceTerm::Column("co".into()),
                SliceTerm::Predicate { name: "big".into(), sql: "x IN (1, 2), 3".into() }
            ]
        );
        assert_eq!(spec.columns(), vec!["co"]);
        assert_eq!(spec.predicates().collect::<Vec<_>>(), vec![("big", "x IN (1, 2), 3")]);
        assert_eq!(SliceSpec::parse(&spec.to_string()).unwrap(), spec);
        assert_eq!(SliceSpec::parse("big:=x>1").unwrap().columns(), Vec::<&str>::new());
        for bad in ["b c:=x", ":=x", "big:=", ",big:=x", "big,big:=x"] {
            let err = SliceSpec::parse(bad).unwrap_err().to_string();
            assert!(err.contains(&format!("slice `{bad}`")), "{bad}: {err}");
        }
    }

    #[test]
    fn predicates_slice_by_their_boolean_column() {
        // Rows: true, false, NULL (in no slice), true; crossed with `co`.
        let b = batch();
        let mask = arrow::array::BooleanArray::from(vec![Some(true), Some(false), None, Some(true)]);
        let mut columns = b.columns().to_vec();
        columns.push(Arc::new(mask));
        let mut fields: Vec<_> = b.schema().fields().iter().map(|f| f.as_ref().clone()).collect();
        fields.push(arrow::datatypes::Field::new(predicate_column("big"), DataType::Boolean, true));
        let b = RecordBatch::try_new(Arc::new(arrow::datatypes::Schema::new(fields)), columns).unwrap();
        let alone = named(SliceSpec::parse("big:=x > 1").unwrap().groups(&b).unwrap());
        assert_eq!(alone, vec![("big_false".into(), vec![1]), ("big_true".into(), vec![0, 3])]);
        let cross = named(SliceSpec::parse("co,big:=x > 1").unwrap().groups(&b).unwrap());
        assert_eq!(
            cross,
            vec![
                ("co_A_big_false".into(), vec![1]),
                ("co_A_big_true".into(), vec![0]),
                ("co_B_big_true".into(), vec![3])
            ]
        );
    }
}
