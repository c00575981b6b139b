//! CSV column typing as TFDV does it (UNKNOWN < INT < FLOAT < STRING, from
//! every value), and building Arrow columns from a batch of records.
//!
//! A batch is typed after its records are read: each column starts at the type
//! it had so far in the task (`None` = no value seen yet) and widens to fit the
//! batch. The build tries the current type and restarts one level wider on the
//! first value that does not fit, so the common case parses each value once.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, BinaryArray, BooleanBufferBuilder, Float64Builder, Int64Builder, NullArray, StringArray, StructArray,
    UInt32Array, UInt64Array,
};
use arrow::buffer::{Buffer, NullBuffer, OffsetBuffer};

use crate::options::ColumnType;

/// Records of one batch: `ncols` fields per record, back to back or one delimiter apart.
#[derive(Debug, Default)]
pub(crate) struct Rows {
    pub data: Vec<u8>,
    pub ends: Vec<usize>,
    pub ncols: usize,
    /// With a projection ([`Self::keeping`]): the file columns kept, in file
    /// order, and each file column's place among them. Empty: all, in order.
    kept: Vec<usize>,
    slot: Vec<Option<usize>>,
    /// Line of each record (for error messages).
    pub lines: Vec<u64>,
    /// Per record: its fields are one delimiter apart in `data` (a plain
    /// line, as [`super::reader::Record::separated`]), not back to back.
    separated: Vec<bool>,
    /// With [`crate::SourceOptions::raw_records`]: each record's bytes, or
    /// where they are in the file.
    pub raw: Option<RawRecords>,
    /// The columns of a forced INT or FLOAT type (the user's schema), in
    /// file order: their values, parsed once when each record was checked.
    pub typed: Vec<(usize, Typed)>,
}

/// The records of a batch as the input holds them
/// ([`crate::SourceOptions::raw_records`]).
#[derive(Debug)]
pub(crate) enum RawRecords {
    /// Copied back to back, with where each ends: input that cannot be read
    /// again (stdin, a compressed or remote file).
    Bytes(Vec<u8>, Vec<i32>),
    /// Where each record is in a local uncompressed file (its first byte's
    /// offset and its length): whoever writes the records reads them there
    /// again, so the scan neither copies nor holds them (the copies, into
    /// memory freshly faulted in for every task, were ~10% of `validate --rows`).
    Spans(Vec<u64>, Vec<u32>),
}

impl RawRecords {
    /// The records of a byte range of a local uncompressed file (`in_place`), or of a stream.
    pub(crate) fn new(in_place: bool) -> Self {
        if in_place { RawRecords::Spans(Vec::new(), Vec::new()) } else { RawRecords::Bytes(Vec::new(), vec![0]) }
    }
}

/// A schema-typed column's values, as parsed by [`parse_cell`].
#[derive(Debug)]
pub(crate) enum Typed {
    Int(Int64Builder),
    Float(Float64Builder),
}

impl Typed {
    pub(crate) fn column_type(&self) -> ColumnType {
        match self {
            Typed::Int(_) => ColumnType::Int,
            Typed::Float(_) => ColumnType::Float,
        }
    }
}

/// One cell of a schema-typed column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Float(f64),
}

/// A non-STRING cell parsed as `t` (empty: null); `None` when it does not parse.
pub(crate) fn parse_cell(v: &[u8], t: ColumnType) -> Option<Cell> {
    if v.is_empty() {
        return Some(Cell::Null);
    }
    match t {
        ColumnType::Int => parse_i64(v).map(Cell::Int),
        ColumnType::Float => parse_f64(v).map(Cell::Float),
        ColumnType::String => None,
    }
}

impl Rows {
    pub(crate) fn new(ncols: usize, raw: Option<RawRecords>) -> Self {
        Rows { ncols, raw, ..Default::default() }
    }

    /// Columns `cols` of a forced INT or FLOAT type keep their values as
    /// parsed by [`parse_cell`] ([`push_cells`](Self::push_cells)); STRING ones are built as usual.
    pub(crate) fn with_typed(mut self, cols: impl IntoIterator<Item = (usize, ColumnType)>) -> Self {
        self.typed = cols
            .into_iter()
            .filter_map(|(c, t)| match t {
                ColumnType::Int => Some((c, Typed::Int(Int64Builder::new()))),
                ColumnType::Float => Some((c, Typed::Float(Float64Builder::new()))),
                ColumnType::String => None,
            })
            .collect();
        self
    }

    /// The cells of the last record pushed, one per typed column, in order.
    pub(crate) fn push_cells(&mut self, cells: &[Cell]) {
        for ((_, typed), cell) in self.typed.iter_mut().zip(cells) {
            match (typed, *cell) {
                (Typed::Int(b), Cell::Int(x)) => b.append_value(x),
                (Typed::Float(b), Cell::Float(x)) => b.append_value(x),
                (Typed::Int(b), _) => b.append_null(),
                (Typed::Float(b), _) => b.append_null(),
            }
        }
    }

    /// The parsed values of typed column `col` as an array (emptied for the next batch).
    pub(crate) fn take_typed(&mut self, col: usize) -> Option<ArrayRef> {
        let (_, typed) = self.typed.iter_mut().find(|(c, _)| *c == col)?;
        Some(match typed {
            Typed::Int(b) => Arc::new(b.finish()),
            Typed::Float(b) => Arc::new(b.finish()),
        })
    }

    /// Keeps only the fields of file columns `cols` (sorted) of each record
    /// pushed: the others are split by csv-core but never copied (a
    /// transform reading 5 of the taxi data's 18 columns copied all 18).
    pub(crate) fn keeping(mut self, cols: &[usize]) -> Self {
        if cols.len() < self.ncols {
            self.slot = vec![None; self.ncols];
            for (place, &c) in cols.iter().enumerate() {
                self.slot[c] = Some(place);
            }
            self.kept = cols.to_vec();
            self.ncols = cols.len();
        }
        self
    }

    pub(crate) fn len(&self) -> usize {
        self.lines.len()
    }

    pub(crate) fn push(&mut self, record: &super::reader::Record<'_>) {
        let base = self.data.len();
        if self.kept.is_empty() {
            // Copied as read (a plain line with its delimiters: one copy, not one per field).
            self.data.extend_from_slice(record.data);
            self.ends.extend(record.ends.iter().map(|e| e + base));
            self.separated.push(record.separated);
        } else {
            for &c in &self.kept {
                self.data.extend_from_slice(record.field(c));
                self.ends.push(self.data.len());
            }
            self.separated.push(false);
        }
        self.lines.push(record.line);
        match &mut self.raw {
            Some(RawRecords::Bytes(bytes, ends)) => {
                bytes.extend_from_slice(record.raw);
                // A batch holds at most `batch_size` records of at most
                // MAX_RECORD_BYTES each; `take_raw` starts a batch before i32 overflows.
                ends.push(i32::try_from(bytes.len()).unwrap_or(i32::MAX));
            }
            Some(RawRecords::Spans(starts, lens)) => {
                starts.push(record.start);
                // At most MAX_RECORD_BYTES (256 MiB).
                lens.push(u32::try_from(record.raw.len()).unwrap_or(u32::MAX));
            }
            None => {}
        }
    }

    /// Whether the raw bytes of the records so far are near the most one
    /// Arrow Binary array can hold (2 GiB): time to emit the batch.
    pub(crate) fn raw_is_full(&self) -> bool {
        matches!(&self.raw, Some(RawRecords::Bytes(bytes, _)) if bytes.len() >= (i32::MAX as usize) - super::reader::MAX_RECORD_BYTES)
    }

    /// The records as the batch's raw column (emptied for the next batch):
    /// its name and values, [`crate::SourceOptions::RAW_COLUMN`] (Binary) or
    /// [`crate::SourceOptions::RAW_SPAN_COLUMN`] (start, length).
    pub(crate) fn take_raw(&mut self) -> Option<(&'static str, ArrayRef)> {
        match self.raw.as_mut()? {
            RawRecords::Bytes(bytes, ends) => {
                // The next batch's buffers sized as this one's: the array keeps these,
                // and growing new ones by doubling copied each batch's bytes again.
                let mut next_ends = Vec::with_capacity(ends.len());
                next_ends.push(0);
                let (bytes, ends) =
                    (std::mem::replace(bytes, Vec::with_capacity(bytes.len())), std::mem::replace(ends, next_ends));
                let offsets = OffsetBuffer::new(ends.into());
                Some((crate::SourceOptions::RAW_COLUMN, Arc::new(BinaryArray::new(offsets, bytes.into(), None))))
            }
            RawRecords::Spans(starts, lens) => {
                let (starts, lens) = (std::mem::take(starts), std::mem::take(lens));
                let spans = StructArray::new(
                    crate::SourceOptions::raw_span_fields(),
                    vec![Arc::new(UInt64Array::from(starts)), Arc::new(UInt32Array::from(lens))],
                    None,
                );
                Some((crate::SourceOptions::RAW_SPAN_COLUMN, Arc::new(spans)))
            }
        }
    }

    /// Field `col` (a file column, kept) of record `row`.
    pub(crate) fn field(&self, row: usize, col: usize) -> &[u8] {
        let place = if self.slot.is_empty() { col } else { self.slot[col].expect("a column the rows keep") };
        let i = row * self.ncols + place;
        let from = match (i, place) {
            (0, _) => 0,
            (_, 0) => self.ends[i - 1],
            _ => self.ends[i - 1] + usize::from(self.separated[row]),
        };
        &self.data[from..self.ends[i]]
    }

    /// Room for `records` records of `bytes` bytes in all, so that a task
    /// parsing one chunk of a stream (a fresh `Rows` each) fills its buffers
    /// without growing them: the reallocations' copies were 2% of `tabx watch`.
    pub(crate) fn reserve(&mut self, bytes: usize, records: usize) {
        self.data.reserve(bytes);
        self.ends.reserve(records * self.ncols);
        self.lines.reserve(records);
        self.separated.reserve(records);
    }

    pub(crate) fn clear(&mut self) {
        self.data.clear();
        self.ends.clear();
        self.lines.clear();
        self.separated.clear();
        match &mut self.raw {
            Some(RawRecords::Bytes(bytes, ends)) => {
                bytes.clear();
                ends.truncate(1);
            }
            Some(RawRecords::Spans(starts, lens)) => {
                starts.clear();
                lens.clear();
            }
            None => {}
        }
    }
}

/// `i64` from ASCII digits with an optional sign; `None` on anything else or overflow.
pub(crate) fn parse_i64(v: &[u8]) -> Option<i64> {
    let (neg, digits) = match v.first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    if digits.is_empty() {
        return None;
    }
    let mut acc: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        // Accumulate negatively so i64::MIN parses too.
        acc = acc.checked_mul(10)?.checked_sub(d as i64)?;
    }
    if neg { Some(acc) } else { acc.checked_neg() }
}

fn is_integer_literal(v: &[u8]) -> bool {
    let digits = v.strip_prefix(b"-").or_else(|| v.strip_prefix(b"+")).unwrap_or(v);
    !digits.is_empty() && digits.iter().all(u8::is_ascii_digit)
}

/// `f64` as TFDV's CSV decoder accepts it (`nan`, `inf`, `1e400` → inf), but not
/// an integer literal beyond `i64`: TFDV makes that column STRING.
pub(crate) fn parse_f64(v: &[u8]) -> Option<f64> {
    if let Some(x) = short_decimal(v) {
        return Some(x);
    }
    let x = std::str::from_utf8(v).ok()?.parse::<f64>().ok()?;
    if is_integer_literal(v) && parse_i64(v).is_none() {
        return None;
    }
    Some(x)
}

/// Powers of ten that are exact doubles (10^22 < 2^53 · 2^22).
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20,
    1e21, 1e22,
];

/// `[+-]digits[.digits]` whose digits, read as an integer, are below 2^53
/// with at most 22 after the point (fares, coordinates, miles): the integer
/// and the power of ten are exact doubles, so one IEEE division gives the
/// correctly rounded value, the one `str::parse` gives (Clinger 1990, the
/// fast path of Rust's own `dec2flt`), without its UTF-8 check and
/// general-syntax parsing (together ~15% of a CSV statistics pass, perf).
/// `None` for anything else, which the general parser then takes.
fn short_decimal(v: &[u8]) -> Option<f64> {
    let (negative, body) = match v.first()? {
        b'-' => (true, &v[1..]),
        b'+' => (false, &v[1..]),
        _ => (false, v),
    };
    let (mut mantissa, mut digits, mut after_point, mut point) = (0u64, 0usize, 0usize, false);
    for &b in body {
        match b {
            b'0'..=b'9' => {
                // 19 digits never overflow u64; the 2^53 check below decides.
                if digits == 19 {
                    return None;
                }
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                after_point += usize::from(point);
            }
            b'.' if !point => point = true,
            _ => return None,
        }
    }
    if digits == 0 || mantissa >= 1 << 53 || after_point >= EXACT_POWERS_OF_TEN.len() {
        return None;
    }
    let x = mantissa as f64 / EXACT_POWERS_OF_TEN[after_point];
    Some(if negative { -x } else { x })
}

/// The narrowest type that holds the (non-empty) value.
pub(crate) fn classify(v: &[u8]) -> ColumnType {
    if parse_i64(v).is_some() {
        ColumnType::Int
    } else if parse_f64(v).is_some() {
        ColumnType::Float
    } else {
        ColumnType::String
    }
}

/// Whether a non-empty value parses as `t`. For FLOAT, the common spelling
/// is accepted by its syntax alone: the column is parsed once more when it is
/// built, and this check ran on every cell of a forced column (a quarter of
/// `tabx watch`'s reader thread in a profile).
pub(crate) fn parses_as(v: &[u8], t: ColumnType) -> bool {
    match t {
        ColumnType::Int => parse_i64(v).is_some(),
        ColumnType::Float => plain_decimal(v) || parse_f64(v).is_some(),
        ColumnType::String => true,
    }
}

/// `[+-]digits[.digits]` (`5.`, `.5` too) that [`parse_f64`] surely accepts:
/// a decimal with a point always parses; one without must fit `i64`, which
/// 18 digits always do.
fn plain_decimal(v: &[u8]) -> bool {
    let body = v.strip_prefix(b"-").or_else(|| v.strip_prefix(b"+")).unwrap_or(v);
    let (mut digits, mut points) = (0usize, 0usize);
    for &b in body {
        match b {
            b'0'..=b'9' => digits += 1,
            b'.' => points += 1,
            _ => return false,
        }
    }
    digits > 0 && (points == 1 || (points == 0 && digits <= 18))
}

/// Builds column `col` of `rows`, widening from `current`; returns the array and
/// the type it has now. Values are known to fit a forced type (checked when
/// the record was read).
pub(crate) fn build_column(rows: &Rows, col: usize, current: Option<ColumnType>) -> (ArrayRef, Option<ColumnType>) {
    let n = rows.len();
    let mut ty = current;
    loop {
        match ty {
            None => match (0..n).map(|r| rows.field(r, col)).find(|v| !v.is_empty()) {
                None => return (Arc::new(NullArray::new(n)), None),
                Some(v) => ty = Some(classify(v)),
            },
            Some(ColumnType::Int) => {
                let mut b = Int64Builder::with_capacity(n);
                let mut widen = None;
                for r in 0..n {
                    let v = rows.field(r, col);
                    if v.is_empty() {
                        b.append_null();
                    } else if let Some(x) = parse_i64(v) {
                        b.append_value(x);
                    } else {
                        widen = Some(classify(v).max(ColumnType::Float));
                        break;
                    }
                }
                match widen {
                    None => return (Arc::new(b.finish()), ty),
                    w => ty = w,
                }
            }
            Some(ColumnType::Float) => {
                let mut b = Float64Builder::with_capacity(n);
                let mut widen = false;
                for r in 0..n {
                    let v = rows.field(r, col);
                    if v.is_empty() {
                        b.append_null();
                    } else if let Some(x) = parse_f64(v) {
                        b.append_value(x);
                    } else {
                        widen = true;
                        break;
                    }
                }
                if !widen {
                    return (Arc::new(b.finish()), ty);
                }
                ty = Some(ColumnType::String);
            }
            Some(ColumnType::String) => return (build_string(rows, col), ty),
        }
    }
}

/// Utf8, or Binary when a value is not valid UTF-8: that is data (TFDV counts
/// it as `invalid_utf8_count`), not an error. The values are copied once
/// into one buffer and checked as UTF-8 in one pass over it (Arrow's
/// `try_new`: the buffer, then each value's start at a char boundary), not
/// value by value (`from_utf8` per cell was 2-4% of a CSV scan).
fn build_string(rows: &Rows, col: usize) -> ArrayRef {
    let n = rows.len();
    let bytes: usize = (0..n).map(|r| rows.field(r, col).len()).sum();
    let mut values = Vec::with_capacity(bytes);
    let mut valid = BooleanBufferBuilder::new(n);
    let offsets = OffsetBuffer::from_lengths((0..n).map(|r| {
        let v = rows.field(r, col);
        values.extend_from_slice(v);
        valid.append(!v.is_empty());
        v.len()
    }));
    let nulls = Some(NullBuffer::new(valid.finish())).filter(|n| n.null_count() > 0);
    let values = Buffer::from_vec(values);
    match StringArray::try_new(offsets.clone(), values.clone(), nulls.clone()) {
        Ok(strings) => Arc::new(strings),
        Err(_) => Arc::new(BinaryArray::new(offsets, values, nulls)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType, Float64Type, Int64Type};

    #[test]
    fn short_decimals_parse_to_the_bits_str_parse_gives() {
        // The oracle is Rust's correctly rounded `str::parse::<f64>`.
        let check = |text: &str| {
            let want = text.parse::<f64>().ok().map(f64::to_bits);
            assert_eq!(parse_f64(text.as_bytes()).map(f64::to_bits), want, "{text}");
        };
        let cases = "0 -0 -0.0 +1.5 12.50 41.89 -87.6337 0.1 .5 5. 9007199254740991 9007199254740993 \
                     0.30000000000000004 1234567890123456789 12345678901234567890.5 0.0000000000000000000001 \
                     0.00000000000000000000001 1.7976931348623157 - . 1.2.3 1e5 nan inf +-1 ١٢";
        cases.split_whitespace().for_each(check);
        // Seeded random decimals of 1-17 digits with 0-22 after the point.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..200_000 {
            let digits = 1 + (next() % 17) as usize;
            let text: String = (0..digits).map(|_| char::from(b'0' + (next() % 10) as u8)).collect();
            let point = (next() % (digits as u64 + 6)) as usize;
            let text = if point < digits { format!("{}.{}", &text[..point], &text[point..]) } else { text };
            let text = if next() % 2 == 0 { format!("-{text}") } else { text };
            check(&text);
        }
    }

    fn rows(values: &[&[u8]]) -> Rows {
        let mut r = Rows::new(1, None);
        for v in values {
            r.data.extend_from_slice(v);
            r.ends.push(r.data.len());
            r.lines.push(0);
        }
        r
    }

    /// The syntax shortcut never accepts what the parse would refuse.
    #[test]
    fn plain_decimals_are_floats() {
        let accepted = ["0", "-1.5", "+2.", ".5", "123456789012345678", "1.2345678901234567890123"];
        for v in accepted {
            assert!(plain_decimal(v.as_bytes()) && parse_f64(v.as_bytes()).is_some(), "{v}");
        }
        // Past i64 without a point: refused by both (TFDV reads such a column as STRING).
        for v in ["1234567890123456789012", ".", "-", "1.2.3", "1e5", "nan", " 1", ""] {
            assert!(!plain_decimal(v.as_bytes()), "{v}");
        }
        assert!(parses_as(b"1e5", ColumnType::Float) && parses_as(b"nan", ColumnType::Float));
        assert!(!parses_as(b"1234567890123456789012", ColumnType::Float));
    }

    #[test]
    fn tfdv_classification() {
        assert_eq!(classify(b"12345678901"), ColumnType::Int);
        assert_eq!(classify(b"-9223372036854775808"), ColumnType::Int);
        assert_eq!(classify(b"9223372036854775808"), ColumnType::String, "beyond int64 is STRING in TFDV");
        for f in [&b"1.5"[..], b"nan", b"inf", b"-inf", b"1e400", b".5"] {
            assert_eq!(classify(f), ColumnType::Float, "{}", String::from_utf8_lossy(f));
        }
        for s in [&b"abc"[..], b"1,5", b"-", b"0x10"] {
            assert_eq!(classify(s), ColumnType::String, "{}", String::from_utf8_lossy(s));
        }
        // A difference on purpose: tfx_bsl's CSV decoder types " 1" INT (Python's
        // int() strips the blank); tabx types it STRING, so that padded values
        // show up as a type anomaly instead of being trimmed without a word.
        assert_eq!(classify(b" 1"), ColumnType::String);
        assert_eq!(classify(b"1 "), ColumnType::String);
        assert_eq!(parse_f64(b"1e400"), Some(f64::INFINITY));
    }

    #[test]
    fn widening_build() {
        let (a, t) = build_column(&rows(&[b"", b""]), 0, None);
        assert_eq!((a.data_type(), t), (&DataType::Null, None));
        let (a, t) = build_column(&rows(&[b"", b"7"]), 0, None);
        assert_eq!(t, Some(ColumnType::Int));
        assert_eq!(a.as_primitive::<Int64Type>().value(1), 7);
        assert!(a.is_null(0));
        let (a, t) = build_column(&rows(&[b"1", b"2.5"]), 0, Some(ColumnType::Int));
        assert_eq!(t, Some(ColumnType::Float));
        assert_eq!(a.as_primitive::<Float64Type>().values(), &[1.0, 2.5]);
        let (a, t) = build_column(&rows(&[b"1", b"99999999999999999999"]), 0, None);
        assert_eq!((a.data_type(), t), (&DataType::Utf8, Some(ColumnType::String)));
        // Sticky: a STRING column stays STRING for a batch of numbers.
        let (a, _) = build_column(&rows(&[b"1"]), 0, Some(ColumnType::String));
        assert_eq!(a.as_string::<i32>().value(0), "1");
    }

    #[test]
    fn invalid_utf8_is_binary() {
        let (a, t) = build_column(&rows(&[b"ok", b"\xff\xfe", b""]), 0, None);
        assert_eq!((a.data_type(), t), (&DataType::Binary, Some(ColumnType::String)));
        assert_eq!(a.as_binary::<i32>().value(1), b"\xff\xfe");
        assert_eq!(a.null_count(), 1);
        // "é" split across two cells: valid UTF-8 when the cells are laid
        // end to end, neither cell alone.
        let (a, _) = build_column(&rows(&[b"x\xc3", b"\xa9y"]), 0, None);
        assert_eq!(a.data_type(), &DataType::Binary);
        assert_eq!(a.as_binary::<i32>().value(1), b"\xa9y");
        // Valid text, nulls where empty.
        let (a, _) = build_column(&rows(&[b"caf\xc3\xa9", b"", b"Cash"]), 0, None);
        let a = a.as_string::<i32>();
        assert_eq!((a.value(0), a.is_null(1), a.value(2)), ("café", true, "Cash"));
    }
}
