//! The knobs of a scan: [`SourceOptions`] and the small types it is made of
//! ([`Format`], [`OnError`], [`ColumnType`], [`Shard`]), each parseable from the
//! strings the CLI accepts.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;

pub(crate) use tabx_core::Compression;
use tabx_core::TabxError;

/// The file format of a source, from its extension or [`SourceOptions::format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Delimited text with a header row (`.csv`, `.tsv`, optionally `.gz`/`.zst`).
    Csv,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// Newline-delimited JSON, one object per line (`.json`, `.jsonl`, `.ndjson`).
    Ndjson,
}

impl Format {
    /// The format a file name says (`x.csv.gz`: CSV); `None` for other files
    /// (`README`, `_SUCCESS`, `x.tmp`), which a folder's readers skip.
    pub fn of_name(name: &str) -> Option<Format> {
        Self::from_name(name).map(|(format, _)| format)
    }

    /// Format and compression from a file name; `None` when the extension is unknown.
    pub(crate) fn from_name(name: &str) -> Option<(Format, Compression)> {
        let lower = name.to_ascii_lowercase();
        let (stem, compression) = Compression::split(&lower);
        let ext = stem.rsplit_once('.').map(|(_, e)| e)?;
        let format = match ext {
            "csv" | "tsv" => Format::Csv,
            // Parquet pages carry their own compression; `x.parquet.gz` is not a thing.
            "parquet" | "pq" if compression == Compression::None => Format::Parquet,
            "json" | "jsonl" | "ndjson" => Format::Ndjson,
            _ => return None,
        };
        Some((format, compression))
    }
}

impl FromStr for Format {
    type Err = TabxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "csv" | "tsv" => Ok(Format::Csv),
            "parquet" | "pq" => Ok(Format::Parquet),
            "ndjson" | "jsonl" | "json" => Ok(Format::Ndjson),
            other => {
                Err(TabxError::config(format!("unknown format `{other}`")).with_hint("use csv, parquet or ndjson"))
            }
        }
    }
}

/// What to do with a row that cannot be read (CSV: ragged, unclosed quote;
/// NDJSON: a line that is not one JSON object or whose value does not fit its
/// field; any format: a value that does not parse as the type the user's
/// schema gives).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum OnError {
    /// Stop at the first bad row with an error naming file and line.
    #[default]
    Fail,
    /// Drop bad rows, counted by reason in [`crate::ScanReport`].
    Skip,
    /// Drop bad rows and write them, with source and reason, to a CSV file.
    Quarantine(PathBuf),
}

impl FromStr for OnError {
    type Err = TabxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "fail" => Ok(OnError::Fail),
            "skip" => Ok(OnError::Skip),
            _ => match s.strip_prefix("quarantine=") {
                Some(path) if !path.is_empty() => {
                    let path = PathBuf::from(path);
                    // The quarantine keeps bad rows as their text: always CSV.
                    if tabx_core::row_format(&path)? != tabx_core::RowFormat::Csv(Compression::None) {
                        return Err(TabxError::config(format!(
                            "--on-error quarantine={}: the quarantine is plain CSV (bad rows as their text)",
                            path.display()
                        ))
                        .with_hint("name it .csv"));
                    }
                    Ok(OnError::Quarantine(path))
                }
                _ => Err(TabxError::config(format!("unknown --on-error value `{s}`"))
                    .with_hint("use fail, skip or quarantine=PATH")),
            },
        }
    }
}

/// A CSV column type as TFDV infers it; the order is the widening order
/// (UNKNOWN, i.e. no value yet, is `Option::None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ColumnType {
    /// Every value parses as an `i64`.
    Int,
    /// Every value parses as an `f64` (including `nan`, `inf`), some not as `i64`.
    Float,
    /// Anything else (also integers beyond the `i64` range, as TFDV does).
    String,
}

impl fmt::Display for ColumnType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ColumnType::Int => "INT",
            ColumnType::Float => "FLOAT",
            ColumnType::String => "STRING",
        })
    }
}

impl FromStr for ColumnType {
    type Err = TabxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_uppercase().as_str() {
            "INT" | "INT64" => Ok(ColumnType::Int),
            "FLOAT" | "FLOAT64" | "DOUBLE" => Ok(ColumnType::Float),
            "STRING" | "BYTES" | "UTF8" => Ok(ColumnType::String),
            _ => Err(TabxError::config(format!("unknown column type `{s}`")).with_hint("use INT, FLOAT or STRING")),
        }
    }
}

/// Shard `index` of `count` (0-based): a stable subset of the input, see
/// [`crate::ScanPlan`]. Parsed from `"I/N"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// A shard, checked: `count ≥ 1` and `index < count`.
    pub fn try_new(index: usize, count: usize) -> tabx_core::Result<Self> {
        tabx_core::ensure_config!(count >= 1, "shard count must be at least 1, got {count}");
        tabx_core::ensure_config!(
            index < count,
            "shard index {index} is not below the count {count} (indices are 0-based)"
        );
        Ok(Shard { index, count })
    }
}

impl FromStr for Shard {
    type Err = TabxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || TabxError::config(format!("invalid shard `{s}`")).with_hint("write I/N with 0 <= I < N, e.g. 0/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let i = i.trim().parse().map_err(|_| bad())?;
        let n = n.trim().parse().map_err(|_| bad())?;
        Shard::try_new(i, n).map_err(|e| e.with_hint("write I/N with 0 <= I < N, e.g. 0/4"))
    }
}

/// Called with the number of input bytes read so far (all tasks together).
pub type ProgressFn = Arc<dyn Fn(u64) + Send + Sync>;

/// [`SourceOptions::on_reject`]: `(location, reason)` of a rejected row.
pub type RejectFn = Arc<dyn Fn(&str, &str) + Send + Sync>;

/// Everything that shapes a scan. `Default` gives comma-separated CSV with a
/// header, batches of 8192 rows, `OnError::Fail`, all cores.
#[derive(Clone)]
pub struct SourceOptions {
    /// Format of every input; `None` = from each file's extension.
    pub format: Option<Format>,
    /// CSV field delimiter (`b'\t'` is picked for `.tsv` unless set otherwise).
    pub delimiter: u8,
    /// CSV quote character.
    pub quote: u8,
    /// Whether CSV files start with a header row (without one, columns are
    /// named `column_1`, `column_2`, ...).
    pub has_header: bool,
    /// Rows per emitted batch.
    pub batch_size: usize,
    /// What to do with rows that cannot be read.
    pub on_error: OnError,
    /// The user's schema, for every format: these columns get exactly this
    /// type, and a value that does not parse as it is a bad row (CSV while
    /// parsing, Parquet and NDJSON after decoding: `retype.rs`).
    pub column_types: HashMap<String, ColumnType>,
    /// Columns to read as strings whatever their values (the stats layer uses
    /// this to rescan a column that turned out STRING late).
    pub force_string: HashSet<String>,
    /// Only these columns (by name), in file order.
    pub projection: Option<Vec<String>>,
    /// With `projection`: a file lacking a named column is read whole instead
    /// of being an error (for a consumer that reports missing columns itself,
    /// in its own terms and against all the file's columns: `tabx transform`
    /// names the op that reads it and suggests the column meant).
    pub projection_lenient: bool,
    /// Parquet string columns (not retyped by `column_types`) arrive as
    /// `Dictionary(Int32, Utf8)` arrays, as the file encodes them, instead of
    /// one string per row: a consumer that counts values (the statistics)
    /// counts dictionary keys without building or hashing each string.
    /// Other formats ignore it.
    pub dictionary_strings: bool,
    /// For input that cannot be read twice (stdin): types come from the first
    /// this many rows.
    pub infer_rows: usize,
    /// Read only this shard of the input.
    pub shard: Option<Shard>,
    /// Keep each row with this probability, decided by a seeded hash of its
    /// position (byte offset of a text row, row index in a Parquet file), so
    /// the sample does not depend on partitioning. Bad rows are reported
    /// whether or not they would have been sampled.
    pub sample_rate: Option<f64>,
    /// Seed of the sampling hash.
    pub seed: u64,
    /// Worker threads; 0 = all cores.
    pub threads: usize,
    /// Threads that parse a CSV stream read as one task (stdin, a compressed
    /// or remote file) once its first batch is read; 0 = the worker threads
    /// the scan's other tasks leave idle. 1 parses it on the reading thread.
    pub stream_parsers: usize,
    /// Local uncompressed CSV files are split into byte ranges of at least this
    /// size when there are threads to read them...
    pub min_split_bytes: u64,
    /// ...and of at most this size whatever the thread count, so that a task's
    /// state (a transform's encoded rows waiting for their turn) stays bounded
    /// however big the file is.
    pub max_split_bytes: u64,
    /// Whether CSV values may hold line breaks (inside quotes). `false` lets
    /// planning cut a file by seeking to the next line break instead of
    /// following quotes from the file's start (so a `--shard` pod reads its
    /// range only); line numbers are then counted only for the errors that
    /// name one. Ignored with [`row_source`](Self::row_source), which needs
    /// every row's line.
    pub newlines_in_values: bool,
    /// The most bytes one compressed file may decompress to; `None`: the
    /// default of [`SourceOptions::decompression_cap`].
    pub max_decompressed_bytes: Option<u64>,
    /// Progress callback (bytes read so far).
    pub progress: Option<ProgressFn>,
    /// Append the row's origin to every batch: [`SourceOptions::FILE_COLUMN`]
    /// (the input as given, a dictionary of Int32 keys over one Utf8 name;
    /// [`crate::row_origin`] reads `file:line`) and [`SourceOptions::LINE_COLUMN`] (UInt64:
    /// the 1-based physical line where a CSV record or NDJSON object starts,
    /// the header being line 1; the 1-based row number in a Parquet file).
    /// Row-level validation needs it to say where a bad row came from; off,
    /// batches carry no extra column and nothing is computed.
    pub row_source: bool,
    /// With [`row_source`](Self::row_source), for CSV input: also append
    /// each record as the file holds it, without its line break, so that
    /// rows can be written back unchanged without formatting their values
    /// again (`validate --rows`): for a local uncompressed file,
    /// [`SourceOptions::RAW_SPAN_COLUMN`], where each record's bytes are in
    /// the file ([`ScanPlan::in_place_file`](crate::ScanPlan::in_place_file)
    /// names it); for a stream (stdin, a compressed or remote file),
    /// [`SourceOptions::RAW_COLUMN`], the bytes. Only for files in the
    /// dialect tabx writes (`,` between fields, `"` quotes): a `.tsv` file's
    /// records copied into a CSV output would be one field each. Other
    /// formats and dialects ignore it.
    pub raw_records: bool,
    /// Called on each row the reader rejects under `Skip`/`Quarantine`, as
    /// it happens, with its location (`file:line`) and reason (the report's
    /// keys, `; `-joined): a stream watcher counts rejects per window.
    pub on_reject: Option<RejectFn>,
    /// `Some(options)`: read local CSV and NDJSON files as they grow, surviving
    /// rotation, as `tail -F` does (`follow.rs`), until `options.stop` is set
    /// (the read then ends at the file's current end); with
    /// `options.only`, one file, ending where the path names another. Each
    /// file is one task, read as stdin is (types fixed after `infer_rows` rows).
    pub follow: Option<crate::FollowOptions>,
}

impl Default for SourceOptions {
    fn default() -> Self {
        SourceOptions {
            format: None,
            delimiter: b',',
            quote: b'"',
            has_header: true,
            batch_size: 8192,
            on_error: OnError::Fail,
            column_types: HashMap::new(),
            force_string: HashSet::new(),
            projection: None,
            projection_lenient: false,
            dictionary_strings: false,
            infer_rows: 10_000,
            shard: None,
            sample_rate: None,
            seed: 0,
            threads: 0,
            stream_parsers: 0,
            newlines_in_values: true,
            min_split_bytes: 8 << 20,
            max_split_bytes: 32 << 20,
            max_decompressed_bytes: None,
            progress: None,
            row_source: false,
            raw_records: false,
            on_reject: None,
            follow: None,
        }
    }
}

impl fmt::Debug for SourceOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceOptions")
            .field("format", &self.format)
            .field("delimiter", &(self.delimiter as char))
            .field("quote", &(self.quote as char))
            .field("has_header", &self.has_header)
            .field("batch_size", &self.batch_size)
            .field("stream_parsers", &self.stream_parsers)
            .field("on_error", &self.on_error)
            .field("column_types", &self.column_types)
            .field("force_string", &self.force_string)
            .field("projection", &self.projection)
            .field("projection_lenient", &self.projection_lenient)
            .field("dictionary_strings", &self.dictionary_strings)
            .field("infer_rows", &self.infer_rows)
            .field("shard", &self.shard)
            .field("sample_rate", &self.sample_rate)
            .field("seed", &self.seed)
            .field("threads", &self.threads)
            .field("min_split_bytes", &self.min_split_bytes)
            .field("max_split_bytes", &self.max_split_bytes)
            .field("newlines_in_values", &self.newlines_in_values)
            .field("max_decompressed_bytes", &self.max_decompressed_bytes)
            .field("progress", &self.progress.as_ref().map(|_| "Fn"))
            .field("row_source", &self.row_source)
            .field("raw_records", &self.raw_records)
            .field("on_reject", &self.on_reject.as_ref().map(|_| "Fn"))
            .field("follow", &self.follow.is_some())
            .finish()
    }
}

impl SourceOptions {
    /// The indices among `names` (a file's columns) of the projected ones, in
    /// file order; `None` for all of them (no projection). A projected name
    /// the file lacks is an error naming `file` and its columns; when
    /// lenient, the file is read whole.
    pub(crate) fn projected(&self, file: &str, names: &[&str]) -> Result<Option<Vec<usize>>, TabxError> {
        let Some(cols) = &self.projection else { return Ok(None) };
        let mut idx = Vec::with_capacity(cols.len());
        for c in cols {
            match names.iter().position(|n| n == c) {
                Some(i) => idx.push(i),
                None if self.projection_lenient => return Ok(None),
                None => {
                    return Err(TabxError::config(format!("{file}: no column named `{c}`"))
                        .with_hint(format!("the file's columns are: {}", names.join(", "))));
                }
            }
        }
        idx.sort_unstable();
        idx.dedup();
        Ok(Some(idx))
    }

    /// The most bytes a compressed file of `compressed` bytes may inflate to:
    /// `max_decompressed_bytes` when set, else 200 times its size and at
    /// least 1 GiB (CSV compresses 5-20× with gzip or zstd; a bomb, 1000×).
    pub fn decompression_cap(&self, compressed: Option<u64>) -> u64 {
        self.max_decompressed_bytes.unwrap_or_else(|| compressed.unwrap_or(0).saturating_mul(200).max(1 << 30))
    }

    /// With [`SourceOptions::row_source`]: the column naming each row's input
    /// (Dictionary(Int32, Utf8)).
    pub const FILE_COLUMN: &'static str = "_tabx_file";
    /// With [`SourceOptions::row_source`]: the column giving each row's line
    /// (text) or row number (Parquet) in its input, 1-based.
    pub const LINE_COLUMN: &'static str = "_tabx_line";
    /// With [`SourceOptions::raw_records`], for a stream: each CSV record's bytes (Binary).
    pub const RAW_COLUMN: &'static str = "_tabx_raw";
    /// With [`SourceOptions::raw_records`], for a local uncompressed file:
    /// where each CSV record is in it, a struct of `start` (UInt64, the
    /// offset of its first byte) and `len` (UInt32, its bytes).
    pub const RAW_SPAN_COLUMN: &'static str = "_tabx_raw_span";

    /// The fields of [`Self::RAW_SPAN_COLUMN`].
    pub fn raw_span_fields() -> arrow::datatypes::Fields {
        use arrow::datatypes::{DataType, Field};
        vec![Field::new("start", DataType::UInt64, false), Field::new("len", DataType::UInt32, false)].into()
    }

    /// The starts and lengths of a [`Self::RAW_SPAN_COLUMN`] array (`None`
    /// for another layout): where its layout is read, beside where it is made.
    pub fn raw_spans(spans: &arrow::array::StructArray) -> Option<(&[u64], &[u32])> {
        use arrow::array::AsArray;
        use arrow::datatypes::{UInt32Type, UInt64Type};
        let starts = spans.column_by_name("start")?.as_primitive_opt::<UInt64Type>()?;
        let lens = spans.column_by_name("len")?.as_primitive_opt::<UInt32Type>()?;
        Some((starts.values(), lens.values()))
    }

    /// Checks values that would otherwise fail deep inside a scan.
    pub(crate) fn validate(&self) -> tabx_core::Result<()> {
        tabx_core::ensure_config!(self.batch_size > 0, "batch size must be at least 1");
        tabx_core::ensure_config!(self.delimiter != self.quote, "the CSV delimiter and quote must differ");
        tabx_core::ensure_config!(
            !matches!(self.delimiter, b'\n' | b'\r') && !matches!(self.quote, b'\n' | b'\r'),
            "the CSV delimiter and quote cannot be a line break"
        );
        if let Some(rate) = self.sample_rate {
            tabx_core::ensure_config!(rate > 0.0 && rate <= 1.0, "sample rate must be in (0, 1], got {rate}");
        }
        Ok(())
    }

    /// The worker count actually used.
    pub fn thread_count(&self) -> usize {
        if self.threads == 0 { std::thread::available_parallelism().map_or(1, |n| n.get()) } else { self.threads }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_from_names() {
        assert_eq!(Format::from_name("a/b.CSV"), Some((Format::Csv, Compression::None)));
        assert_eq!(Format::from_name("x.tsv.gz"), Some((Format::Csv, Compression::Gzip)));
        assert_eq!(Format::from_name("x.jsonl.zst"), Some((Format::Ndjson, Compression::Zstd)));
        assert_eq!(Format::from_name("x.pq"), Some((Format::Parquet, Compression::None)));
        assert_eq!(Format::from_name("x.parquet.gz"), None);
        assert_eq!(Format::from_name("README"), None);
    }

    #[test]
    fn parse_on_error_and_shard() {
        assert_eq!("skip".parse::<OnError>().unwrap(), OnError::Skip);
        assert_eq!("quarantine=q.csv".parse::<OnError>().unwrap(), OnError::Quarantine("q.csv".into()));
        assert!("quarantine=".parse::<OnError>().is_err());
        let e = "quarantine=bad.parquet".parse::<OnError>().unwrap_err().to_string();
        assert!(e.contains("the quarantine is plain CSV"), "{e}");
        let e = "quarantine=bad.csv.gz".parse::<OnError>().unwrap_err().to_string();
        assert!(e.contains("quarantine=bad.csv.gz: the quarantine is plain CSV"), "{e}");
        assert_eq!("2/4".parse::<Shard>().unwrap(), Shard { index: 2, count: 4 });
        for bad in ["4/4", "1/0", "x/2", "3", "-1/2"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn column_types_widen_in_order() {
        assert!(ColumnType::Int < ColumnType::Float && ColumnType::Float < ColumnType::String);
        assert_eq!("float".parse::<ColumnType>().unwrap(), ColumnType::Float);
    }
}
