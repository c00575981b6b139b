//! Row-level validation: each row of an Arrow batch checked against the
//! schema's per-value constraints, giving the rows that break any of them and
//! why ([`RowChecker`], [`RowViolation`]).
//!
//! Where [`crate::validate`] judges a dataset by its statistics, this judges
//! single rows, so that bad rows can be split off (`tabx validate --rows`).
//! Only constraints that a single value can break are checked; dataset-level
//! ones (`min_count`, distribution constraints, value-count ranges, skew and
//! drift) need the statistics. The checks, by the names rows report:
//!
//! | check | a row breaks it when |
//! | --- | --- |
//! | `missing` | the value is null and the feature is required (`presence.min_fraction` 1.0) |
//! | `column_absent` | the data has no column for a required feature (every row breaks it) |
//! | `type` | the value is not of the schema's type (a string that does not parse, a fractional number for INT) |
//! | `domain` | the string is not in the feature's string domain (a value the statistics count as `__BYTES_VALUE__` or `__LARGE_BYTES__` is looked up as that) |
//! | `range` | the number is outside `int_domain` / `float_domain` `[min, max]` |
//! | `nan` / `inf` | the float is NaN / ±inf and `float_domain` disallows it |
//! | `bool` | the value is not `bool_domain`'s true or false value (INT: not 0 or 1) |
//!
//! Deprecated features and features not in the environment are not checked.
//! Columns may arrive in any Arrow type: the engine types CSV columns from
//! their values, so an INT feature is `Utf8` in a batch where some cell is not
//! a number, and each cell is then parsed on its own. Parquet types are read
//! as `tabx stats` reads them ([`values`]): dates, times, durations and
//! timestamps are INT values (their stored integer), decimals FLOAT; in a list
//! column each value of a row's list is checked, and the row gets a violation
//! for each value that breaks a check.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use rustc_hash::FxBuildHasher;
use tabx_core::{Result, TabxError};
use tabx_schema::{Feature, Schema, SchemaType, stored_integer};

use values::{Num, list_rows, numbers, strings};

mod values;

/// One broken check of one row; shown as `column: check (value)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowViolation {
    pub column: String,
    /// `missing`, `column_absent`, `type`, `domain`, `range`, `nan`, `inf` or `bool`.
    pub check: &'static str,
    /// The offending value as text (absent for `missing` and `column_absent`).
    pub value: Option<String>,
}

impl fmt::Display for RowViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.column, self.check)?;
        if let Some(v) = &self.value {
            write!(f, " ({v})")?;
        }
        Ok(())
    }
}

/// The row constraints of one feature, resolved from the schema once.
#[derive(Debug, Clone)]
struct FeatureCheck {
    name: String,
    ty: SchemaType,
    required: bool,
    /// FxHash: a lookup per string value, where std's SipHash was ~5% of
    /// a `validate --rows` pass on Parquet (perf).
    domain: Option<HashSet<String, FxBuildHasher>>,
    int_range: (Option<i64>, Option<i64>),
    float_range: (Option<f64>, Option<f64>),
    disallow_nan: bool,
    disallow_inf: bool,
    /// `bool_domain`: its true and false values (for string values).
    bool_values: Option<Vec<String>>,
}

impl FeatureCheck {
    fn try_new(schema: &Schema, feature: &Feature) -> Result<Self> {
        let domain = match schema.domain_values(feature) {
            Some(values) => Some(values.iter().cloned().collect()),
            None => match &feature.domain {
                Some(name) => {
                    return Err(TabxError::schema(format!(
                        "feature `{}` names the string domain `{name}`, which the schema does not define",
                        feature.name
                    )));
                }
                None => None,
            },
        };
        let int_range = feature.int_domain.as_ref().map_or((None, None), |d| (d.min, d.max));
        let float = feature.float_domain.as_ref();
        Ok(FeatureCheck {
            name: feature.name.clone(),
            ty: feature.schema_type(),
            // TFDV's presence constraint is a fraction of examples; only 1.0
            // says something about every single row.
            required: feature.presence.as_ref().and_then(|p| p.min_fraction).is_some_and(|f| f >= 1.0),
            domain,
            int_range,
            float_range: float.map_or((None, None), |d| (d.min, d.max)),
            disallow_nan: float.and_then(|d| d.disallow_nan) == Some(true),
            disallow_inf: float.and_then(|d| d.disallow_inf) == Some(true),
            bool_values: feature
                .bool_domain
                .as_ref()
                .map(|d| d.true_value.iter().chain(d.false_value.iter()).cloned().collect::<Vec<String>>()),
        })
    }

    fn is_numeric(&self) -> bool {
        matches!(self.ty, SchemaType::Int | SchemaType::Float)
    }

    /// Whether a value could break anything beyond presence.
    fn checks_values(&self) -> bool {
        self.is_numeric() || self.domain.is_some() || self.bool_values.is_some()
    }
}

/// Checks rows against a schema. Build once with [`RowChecker::try_new`], call
/// [`RowChecker::check`] for every batch.
///
/// ```
/// use std::sync::Arc;
/// use arrow::array::{Int64Array, RecordBatch};
/// use arrow::datatypes::{DataType, Field, Schema as ArrowSchema};
/// use tabx_schema::{Feature, FeaturePresence, IntDomain, Schema, SchemaType};
/// use tabx_validate::RowChecker;
///
/// let mut schema = Schema::default();
/// let mut hour = Feature::new("hour", SchemaType::Int);
/// hour.int_domain = Some(IntDomain { min: Some(0), max: Some(23), ..Default::default() });
/// hour.presence = Some(FeaturePresence { min_fraction: Some(1.0), ..Default::default() });
/// schema.feature.push(hour);
///
/// let arrow_schema = Arc::new(ArrowSchema::new(vec![Field::new("hour", DataType::Int64, true)]));
/// let batch = RecordBatch::try_new(arrow_schema, vec![Arc::new(Int64Array::from(vec![Some(7), Some(24), None]))])?;
/// let bad = RowChecker::try_new(&schema, None)?.check(&batch)?;
/// let text: Vec<String> = bad.iter().map(|(row, v)| format!("{row}: {}", v[0])).collect();
/// assert_eq!(text, ["1: hour: range (24)", "2: hour: missing"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct RowChecker {
    features: Vec<FeatureCheck>,
}

impl RowChecker {
    /// The checks of every feature of `schema` that is expected in
    /// `environment` and not deprecated. Fails when a feature names a string
    /// domain the schema does not have.
    pub fn try_new(schema: &Schema, environment: Option<&str>) -> Result<Self> {
        let features = schema
            .feature
            .iter()
            .filter(|f| !f.is_deprecated() && schema.in_environment(f, environment))
            .map(|f| FeatureCheck::try_new(schema, f))
            .collect::<Result<Vec<_>>>()?;
        Ok(RowChecker { features })
    }

    /// Required features that have no column in `schema` (every row of such a
    /// batch is bad; worth one warning, not one per row).
    pub fn absent_columns(&self, schema: &arrow::datatypes::Schema) -> Vec<&str> {
        self.features
            .iter()
            .filter(|f| f.required && schema.column_with_name(&f.name).is_none())
            .map(|f| f.name.as_str())
            .collect()
    }

    /// The rows of `batch` that break a check (0-based, ascending), each with
    /// its violations in schema order.
    pub fn check(&self, batch: &RecordBatch) -> Result<Vec<(usize, Vec<RowViolation>)>> {
        let n = batch.num_rows();
        let mut rows: Vec<Vec<RowViolation>> = vec![Vec::new(); n];
        for feature in &self.features {
            match batch.column_by_name(&feature.name) {
                None if feature.required => {
                    for row in &mut rows {
                        row.push(RowViolation { column: feature.name.clone(), check: "column_absent", value: None });
                    }
                }
                None => {}
                Some(column) => check_column(feature, column, &mut rows)?,
            }
        }
        Ok(rows.into_iter().enumerate().filter(|(_, v)| !v.is_empty()).collect())
    }
}

/// Appends the violations of one feature's column to `rows`.
fn check_column(feature: &FeatureCheck, column: &ArrayRef, rows: &mut [Vec<RowViolation>]) -> Result<()> {
    if feature.required
        && let Some(nulls) = column.logical_nulls().filter(|n| n.null_count() > 0)
    {
        for (r, row) in rows.iter_mut().enumerate() {
            if nulls.is_null(r) {
                row.push(RowViolation { column: feature.name.clone(), check: "missing", value: None });
            }
        }
    }
    check_values(feature, column, rows)
}

/// Appends the violations of each value of `column` to its row's (every
/// check but presence).
fn check_values(feature: &FeatureCheck, column: &ArrayRef, rows: &mut [Vec<RowViolation>]) -> Result<()> {
    let nulls = column.logical_nulls();
    let is_null = |r: usize| nulls.as_ref().is_some_and(|n| n.is_null(r));
    // A dictionary column (Parquet strings as `validate --rows` reads them):
    // each distinct value is checked once and its verdict copied to the rows
    // holding it.
    if let Some(dictionary) = column.as_any_dictionary_opt() {
        let per_value = violations_of_values(feature, dictionary.values())?;
        if per_value.iter().any(|v| !v.is_empty()) {
            let keys = dictionary.normalized_keys().into_iter().map(|k| k..k + 1);
            copy_to_rows(&per_value, keys, &is_null, rows);
        }
        return Ok(());
    }
    // A list column: TFDV's value constraints hold for each value of a
    // feature, so the values are checked as a column of their own and a row
    // gets the violations of the values in its list.
    if let Some((values, spans)) = list_rows(column) {
        let per_value = violations_of_values(feature, &values)?;
        copy_to_rows(&per_value, spans.into_iter(), &is_null, rows);
        return Ok(());
    }
    check_plain_values(feature, column, &is_null, rows)
}

/// The violations of each value of `values`.
fn violations_of_values(feature: &FeatureCheck, values: &ArrayRef) -> Result<Vec<Vec<RowViolation>>> {
    let mut per_value = vec![Vec::new(); values.len()];
    check_values(feature, values, &mut per_value)?;
    Ok(per_value)
}

/// Gives each non-null row the violations of the values it holds (`spans`:
/// each row's range of values).
fn copy_to_rows(
    per_value: &[Vec<RowViolation>],
    spans: impl Iterator<Item = Range<usize>>,
    is_null: &dyn Fn(usize) -> bool,
    rows: &mut [Vec<RowViolation>],
) {
    if per_value.iter().all(Vec::is_empty) {
        return;
    }
    for (r, span) in spans.enumerate() {
        if !is_null(r) {
            rows[r].extend(per_value[span].iter().flatten().cloned());
        }
    }
}

/// [`check_values`] of a column of scalars.
fn check_plain_values(
    feature: &FeatureCheck,
    column: &ArrayRef,
    is_null: &dyn Fn(usize) -> bool,
    rows: &mut [Vec<RowViolation>],
) -> Result<()> {
    // Vectorised skip: a column whose type already matches and that has no
    // domain cannot break anything per value (the common case for CSV).
    let exact_type = matches!(
        (feature.ty, column.data_type()),
        (SchemaType::Int, DataType::Int64 | DataType::Int32 | DataType::Int16 | DataType::Int8)
            | (SchemaType::Float, DataType::Float64 | DataType::Float32)
    ) || (feature.ty == SchemaType::Int && stored_integer(column.data_type()).is_some());
    let has_value_domain = feature.domain.is_some()
        || feature.bool_values.is_some()
        || feature.int_range != (None, None)
        || feature.float_range != (None, None)
        || feature.disallow_nan
        || feature.disallow_inf;
    if !feature.checks_values()
        || column.data_type() == &DataType::Null
        || (exact_type && !has_value_domain)
        || column.logical_null_count() == column.len()
    {
        return Ok(());
    }
    let formatter = ArrayFormatter::try_new(column.as_ref(), &FormatOptions::default())?;
    let text = |r: usize| formatter.value(r).to_string();
    let violation =
        |check: &'static str, r: usize| RowViolation { column: feature.name.clone(), check, value: Some(text(r)) };
    let numbers = if feature.is_numeric() || feature.bool_values.is_some() { numbers(column) } else { None };
    let strings = strings(column);
    for (r, row) in rows.iter_mut().enumerate() {
        if is_null(r) {
            continue;
        }
        let num = numbers.as_ref().and_then(|v| v[r]);
        // The cell's number, parsed from text when the column is not numeric
        // (only a numeric feature reads it: a STRING one's cells are not parsed).
        let num = num.or_else(|| {
            if !feature.is_numeric() {
                return None;
            }
            let s = strings.as_ref()?.value(r)?;
            match feature.ty {
                SchemaType::Int => s.parse::<i64>().ok().map(Num::Int),
                _ => s.parse::<f64>().ok().map(Num::Float),
            }
        });
        match feature.ty {
            SchemaType::Int => match num {
                Some(Num::Int(_)) => {}
                Some(Num::Float(x)) if x.is_finite() && x.fract() == 0.0 && x.abs() < 9.2e18 => {}
                _ => {
                    row.push(violation("type", r));
                    continue;
                }
            },
            SchemaType::Float if num.is_none() => {
                row.push(violation("type", r));
                continue;
            }
            _ => {}
        }
        if let Some(allowed) = &feature.domain {
            let in_domain = match &strings {
                Some(s) => allowed.contains(s.domain_value(r)),
                None => allowed.contains(&text(r)),
            };
            if !in_domain {
                row.push(violation("domain", r));
            }
        }
        if let Some(allowed) = &feature.bool_values {
            let ok = if feature.is_numeric() || column.data_type() == &DataType::Boolean {
                column.data_type() == &DataType::Boolean || num.is_some_and(|x| x.as_f64() == 0.0 || x.as_f64() == 1.0)
            } else {
                // A string feature: only the listed spellings (none listed: no check).
                allowed.is_empty() || allowed.iter().any(|a| *a == text(r))
            };
            if !ok {
                row.push(violation("bool", r));
            }
        }
        if let Some(x) = num.filter(|_| feature.is_numeric()) {
            let f = x.as_f64();
            if f.is_nan() && feature.disallow_nan {
                row.push(violation("nan", r));
            }
            if f.is_infinite() && feature.disallow_inf {
                row.push(violation("inf", r));
            }
            let out_of_int_range = match x {
                Num::Int(i) => feature.int_range.0.is_some_and(|m| i < m) || feature.int_range.1.is_some_and(|m| i > m),
                Num::Float(_) => {
                    feature.int_range.0.is_some_and(|m| f < m as f64)
                        || feature.int_range.1.is_some_and(|m| f > m as f64)
                }
            };
            // NaN compares false with every bound: it is the `nan` check's.
            let out_of_float_range =
                feature.float_range.0.is_some_and(|m| f < m) || feature.float_range.1.is_some_and(|m| f > m);
            if out_of_int_range || out_of_float_range {
                row.push(violation("range", r));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{BinaryArray, BooleanArray, Float64Array, Int64Array, NullArray, StringArray};
    use arrow::datatypes::{Field, Schema as ArrowSchema};
    use tabx_schema::{BoolDomain, FeaturePresence, FloatDomain, IntDomain, StringDomain};

    use super::*;

    fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
        let fields: Vec<Field> = columns.iter().map(|(n, a)| Field::new(*n, a.data_type().clone(), true)).collect();
        RecordBatch::try_new(Arc::new(ArrowSchema::new(fields)), columns.into_iter().map(|(_, a)| a).collect()).unwrap()
    }

    fn required(mut f: Feature) -> Feature {
        f.presence = Some(FeaturePresence { min_fraction: Some(1.0), ..Default::default() });
        f
    }

    /// Each bad row as `row: violation; violation`.
    fn bad(schema: &Schema, env: Option<&str>, b: &RecordBatch) -> Vec<String> {
        let checker = RowChecker::try_new(schema, env).unwrap();
        checker
            .check(b)
            .unwrap()
            .into_iter()
            .map(|(r, v)| format!("{r}: {}", v.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")))
            .collect()
    }

    #[test]
    fn missing_and_absent() {
        let mut schema = Schema::default();
        schema.feature.push(required(Feature::new("a", SchemaType::Int)));
        schema.feature.push(Feature::new("b", SchemaType::Int)); // optional: nulls fine, absence fine
        schema.feature.push(required(Feature::new("c", SchemaType::Bytes)));
        let b = batch(vec![("a", Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])))]);
        assert_eq!(
            bad(&schema, None, &b),
            ["0: c: column_absent", "1: a: missing; c: column_absent", "2: c: column_absent"]
        );
        assert_eq!(RowChecker::try_new(&schema, None).unwrap().absent_columns(&b.schema()), ["c"]);
        // A column of nulls only (the engine's Null type) is missing everywhere.
        let b = batch(vec![
            ("a", Arc::new(NullArray::new(2)) as ArrayRef),
            ("c", Arc::new(StringArray::from(vec!["x", "y"]))),
        ]);
        assert_eq!(bad(&schema, None, &b), ["0: a: missing", "1: a: missing"]);
    }

    #[test]
    fn types_from_text_and_fractions() {
        let mut schema = Schema::default();
        schema.feature.push(Feature::new("i", SchemaType::Int));
        schema.feature.push(Feature::new("f", SchemaType::Float));
        schema.feature.push(Feature::new("s", SchemaType::Bytes));
        // An INT column the engine read as Utf8 because of "x" and "1.5"; a
        // FLOAT column as Utf8 because of "abc"; "nan" and "-inf" are floats.
        let b = batch(vec![
            ("i", Arc::new(StringArray::from(vec![Some("1"), Some("x"), Some("1.5"), None, Some("+7")])) as ArrayRef),
            ("f", Arc::new(StringArray::from(vec![Some("2.5"), Some("nan"), Some("abc"), Some("-inf"), Some("3")]))),
            ("s", Arc::new(Int64Array::from(vec![1, 2, 3, 4, 5]))),
        ]);
        assert_eq!(bad(&schema, None, &b), ["1: i: type (x)", "2: i: type (1.5); f: type (abc)"]);
        // An INT column the engine read as Float64: fractions and non-finite are bad.
        let b =
            batch(vec![("i", Arc::new(Float64Array::from(vec![1.0, 2.5, f64::NAN, -3.0, f64::INFINITY])) as ArrayRef)]);
        assert_eq!(bad(&schema, None, &b), ["1: i: type (2.5)", "2: i: type (NaN)", "4: i: type (inf)"]);
        // Binary that is not UTF-8 is not a number.
        let b = batch(vec![("f", Arc::new(BinaryArray::from(vec![&b"1.5"[..], b"\xff"])) as ArrayRef)]);
        assert_eq!(bad(&schema, None, &b).len(), 1);
    }

    /// Columns in the Arrow types a Parquet file may hold for INT and FLOAT
    /// features (as `tabx stats` types them, `schema/src/stats/types.rs`):
    /// dates and timestamps are INT over their stored integer, decimals
    /// FLOAT. Ranges by hand: day 5 and 2.25 are past their maxima.
    #[test]
    fn temporal_and_decimal_columns_are_numbers() {
        use arrow::array::{Date32Array, Decimal128Array, TimestampSecondArray};
        let mut schema = Schema::default();
        let mut day = Feature::new("day", SchemaType::Int);
        day.int_domain = Some(IntDomain { min: Some(0), max: Some(3), ..Default::default() });
        let mut at = Feature::new("at", SchemaType::Int);
        at.int_domain = Some(IntDomain { min: Some(0), ..Default::default() });
        let mut price = Feature::new("price", SchemaType::Float);
        price.float_domain = Some(FloatDomain { max: Some(2.0), ..Default::default() });
        schema.feature.extend([day, at, price]);
        let prices = Decimal128Array::from(vec![Some(150), Some(225), None]).with_precision_and_scale(5, 2).unwrap();
        let b = batch(vec![
            ("day", Arc::new(Date32Array::from(vec![Some(1), Some(5), None])) as ArrayRef),
            ("at", Arc::new(TimestampSecondArray::from(vec![Some(0), None, Some(-1)]).with_timezone("UTC"))),
            ("price", Arc::new(prices)),
        ]);
        assert_eq!(
            bad(&schema, None, &b),
            ["1: day: range (1970-01-06); price: range (2.25)", "2: at: range (1969-12-31T23:59:59Z)"]
        );
    }

    /// A list column: every value of a row's list is checked (TFDV's value
    /// constraints hold for each value of a feature); a null or empty list
    /// breaks nothing but presence. By hand: 3 and "Gold" are out of domain.
    #[test]
    fn every_value_of_a_list_is_checked() {
        use arrow::array::{Int64Builder, ListBuilder, StringBuilder};
        let mut schema = Schema::default();
        schema.string_domain.push(StringDomain {
            name: Some("pay".into()),
            value: vec!["Cash".into(), "Card".into()],
            ..Default::default()
        });
        let mut n = required(Feature::new("n", SchemaType::Int));
        n.int_domain = Some(IntDomain { min: Some(1), max: Some(2), ..Default::default() });
        let mut pay = Feature::new("pay", SchemaType::Bytes);
        pay.domain = Some("pay".into());
        schema.feature.extend([n, pay]);
        let mut ns = ListBuilder::new(Int64Builder::new());
        for row in [Some(vec![1, 2]), Some(vec![3]), None, Some(vec![])] {
            match row {
                Some(values) => ns.append_value(values.into_iter().map(Some)),
                None => ns.append_null(),
            }
        }
        let mut pays = ListBuilder::new(StringBuilder::new());
        for row in [vec!["Cash"], vec!["Card", "Cash"], vec!["Gold", "Cash"], vec![]] {
            pays.append_value(row.into_iter().map(Some));
        }
        let b = batch(vec![("n", Arc::new(ns.finish()) as ArrayRef), ("pay", Arc::new(pays.finish()))]);
        assert_eq!(bad(&schema, None, &b), ["1: n: range (3)", "2: n: missing; pay: domain (Gold)"]);
    }

    /// A value the statistics count under a TFDV placeholder (invalid UTF-8
    /// as `__BYTES_VALUE__`, over 1024 bytes as `__LARGE_BYTES__`,
    /// `schema/src/stats/string.rs`) is in a domain that lists the
    /// placeholder, as `validate` finds from the statistics; otherwise the
    /// row breaks `domain`. By hand: rows 1 and 2 are in it, row 3's long
    /// value is not (its domain lacks `__LARGE_BYTES__`).
    #[test]
    fn values_under_placeholders_are_checked_as_the_statistics_count_them() {
        let mut schema = Schema::default();
        for (name, values) in [("name", vec!["bob", "__BYTES_VALUE__"]), ("note", vec!["ok"])] {
            schema.string_domain.push(StringDomain {
                name: Some(name.into()),
                value: values.into_iter().map(String::from).collect(),
                ..Default::default()
            });
            let mut f = Feature::new(name, SchemaType::Bytes);
            f.domain = Some(name.into());
            schema.feature.push(f);
        }
        let long = vec![b'x'; 1025];
        let b = batch(vec![
            ("name", Arc::new(BinaryArray::from(vec![&b"bob"[..], b"caf\xe9", b"bob", b"bob"])) as ArrayRef),
            ("note", Arc::new(BinaryArray::from(vec![&b"ok"[..], b"ok", &long, b"no"]))),
        ]);
        let found = bad(&schema, None, &b);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("2: note: domain (7878"), "{found:?}");
        assert_eq!(found[1], "3: note: domain (6e6f)");
    }

    #[test]
    fn domains_ranges_nan_inf() {
        let mut schema = Schema::default();
        schema.string_domain.push(StringDomain {
            name: Some("pay".into()),
            value: vec!["Cash".into(), "Card".into()],
            ..Default::default()
        });
        let mut pay = Feature::new("pay", SchemaType::Bytes);
        pay.domain = Some("pay".into());
        let mut hour = Feature::new("hour", SchemaType::Int);
        hour.int_domain = Some(IntDomain { min: Some(0), max: Some(23), ..Default::default() });
        let mut fare = Feature::new("fare", SchemaType::Float);
        fare.float_domain = Some(FloatDomain {
            min: Some(0.0),
            max: Some(100.0),
            disallow_nan: Some(true),
            disallow_inf: Some(true),
            ..Default::default()
        });
        schema.feature.extend([pay, hour, fare]);
        let b = batch(vec![
            (
                "pay",
                Arc::new(StringArray::from(vec![Some("Cash"), Some("cash"), None, Some("Card"), Some("Card")]))
                    as ArrayRef,
            ),
            ("hour", Arc::new(Int64Array::from(vec![0, 23, 24, -1, 5]))),
            ("fare", Arc::new(Float64Array::from(vec![0.0, 100.0, f64::NAN, f64::INFINITY, -0.5]))),
        ]);
        // Hand count: row 1 "cash" (case matters); row 2 hour 24, NaN; row 3
        // hour -1, +inf (also above max: both checks break); row 4 fare -0.5.
        assert_eq!(
            bad(&schema, None, &b),
            [
                "1: pay: domain (cash)",
                "2: hour: range (24); fare: nan (NaN)",
                "3: hour: range (-1); fare: inf (inf); fare: range (inf)",
                "4: fare: range (-0.5)",
            ]
        );
        // An int_domain over an INT column read as Utf8 still checks ranges.
        let b = batch(vec![("hour", Arc::new(StringArray::from(vec!["3", "30", "?"])) as ArrayRef)]);
        assert_eq!(bad(&schema, None, &b), ["1: hour: range (30)", "2: hour: type (?)"]);
        // The same strings as a dictionary (Parquet's, for the statistics):
        // the same violations, values shown as they read.
        let dictionary = |keys: Vec<Option<i32>>, values: Vec<&str>| -> ArrayRef {
            let keys = arrow::array::Int32Array::from(keys);
            Arc::new(arrow::array::DictionaryArray::new(keys, Arc::new(StringArray::from(values))))
        };
        let b = batch(vec![
            ("pay", dictionary(vec![Some(1), Some(0), None, Some(2), Some(1)], vec!["cash", "Cash", "Card"])),
            ("hour", dictionary(vec![Some(0), Some(1), Some(2), Some(0), Some(0)], vec!["3", "30", "?"])),
        ]);
        assert_eq!(bad(&schema, None, &b), ["1: pay: domain (cash); hour: range (30)", "2: hour: type (?)"]);
        // A domain name the schema lacks is a schema error.
        let mut broken = schema.clone();
        broken.string_domain.clear();
        assert!(RowChecker::try_new(&broken, None).is_err());
    }

    #[test]
    fn bool_domains() {
        let mut schema = Schema::default();
        let mut flag = Feature::new("flag", SchemaType::Int);
        flag.bool_domain = Some(BoolDomain::default());
        let mut yes = Feature::new("yes", SchemaType::Bytes);
        yes.bool_domain =
            Some(BoolDomain { true_value: Some("Y".into()), false_value: Some("N".into()), ..Default::default() });
        let mut b_col = Feature::new("b", SchemaType::Int);
        b_col.bool_domain = Some(BoolDomain::default());
        schema.feature.extend([flag, yes, b_col]);
        let b = batch(vec![
            ("flag", Arc::new(Int64Array::from(vec![0, 1, 2])) as ArrayRef),
            ("yes", Arc::new(StringArray::from(vec!["Y", "maybe", "N"]))),
            ("b", Arc::new(BooleanArray::from(vec![true, false, true]))),
        ]);
        assert_eq!(bad(&schema, None, &b), ["1: yes: bool (maybe)", "2: flag: bool (2)"]);
    }

    #[test]
    fn deprecated_and_environments_are_skipped() {
        let mut schema =
            Schema { default_environment: vec!["TRAINING".into(), "SERVING".into()], ..Default::default() };
        let mut label = required(Feature::new("label", SchemaType::Int));
        label.not_in_environment = vec!["SERVING".into()];
        let mut old = required(Feature::new("old", SchemaType::Int));
        old.deprecate();
        schema.feature.extend([label, old]);
        let b = batch(vec![("x", Arc::new(Int64Array::from(vec![1])) as ArrayRef)]);
        assert_eq!(bad(&schema, Some("SERVING"), &b), Vec::<String>::new());
        assert_eq!(bad(&schema, Some("TRAINING"), &b), ["0: label: column_absent"]);
        assert_eq!(bad(&schema, None, &b), ["0: label: column_absent"]);
    }
}
