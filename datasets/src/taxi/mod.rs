//! A seeded generator of taxi-shaped data: the real sample's 18 columns, value
//! distributions and missingness, at any row count, streamed in constant memory.
//!
//! `model` draws one latent trip per row, `columns` turns it into cells (and
//! decides which are empty), and the writers here lay those cells out as CSV
//! (in the real file's text form) or Parquet (in the real file's types). Both
//! writers consume the same row stream, so a seed gives the same values in both.
//! `faults` changes cells of the finished row (see [`TaxiFaults`]).

mod columns;
mod draw;
mod faults;
mod measured;
mod model;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Builder, Int64Builder, RecordBatch, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;
use tabx_core::{Result, TabxError};

use columns::{COLUMNS, Cell, ColumnSpec, Kind, Missing};
use draw::Draw;
use faults::{FaultPlan, Out};
pub use faults::{TAXI_FAULT_SYNTAX, TaxiFault, TaxiFaults};
use model::TripModel;

/// Rows per Arrow batch (and so per Parquet write call).
pub const TAXI_BATCH_ROWS: usize = 64 * 1024;
/// Rows per Parquet row group: large enough for column statistics and scans to
/// amortise, small enough that the writer's buffered row group stays ~tens of MB.
pub const TAXI_ROW_GROUP_ROWS: usize = 1 << 20;

/// Generates taxi-shaped rows from a seed. The same seed gives the same rows,
/// and with them byte-identical CSV and Parquet files.
///
/// ```
/// use tabx_datasets::TaxiGenerator;
///
/// let mut csv = Vec::new();
/// TaxiGenerator::new(1).write_csv(3, &mut csv).unwrap();
/// let text = String::from_utf8(csv).unwrap();
/// assert_eq!(text.lines().count(), 4); // header + 3 rows
/// assert!(text.starts_with("pickup_community_area,fare,"));
/// ```
#[derive(Debug, Clone)]
pub struct TaxiGenerator {
    seed: u64,
    model: TripModel,
    faults: TaxiFaults,
    plan: FaultPlan,
}

impl TaxiGenerator {
    /// A generator for `seed`, without faults.
    pub fn new(seed: u64) -> Self {
        let plan = FaultPlan::try_new(&TaxiFaults::new()).expect("no faults is a valid plan");
        Self { seed, model: TripModel::default(), faults: TaxiFaults::new(), plan }
    }

    /// The same generator, injecting `faults` into every file and batch it
    /// writes. The rows stay the seed's rows: only the cells a fault touches
    /// change (its decisions come from side streams of the seed).
    ///
    /// Fails with [`TabxError::Config`] on an unknown column (the message lists
    /// the columns), a fraction outside [0, 1], a type change or scale of a
    /// string column, a new value in a numeric column or inside the real domain,
    /// or a fault on a dropped column.
    ///
    /// ```
    /// use tabx_datasets::{TaxiFaults, TaxiGenerator};
    ///
    /// let faults = TaxiFaults::new().drop("tips").type_change("trip_miles");
    /// let generator = TaxiGenerator::new(7).with_faults(faults).unwrap();
    /// assert!(!generator.output_header().contains("tips"));
    /// let mut csv = Vec::new();
    /// generator.write_csv(1, &mut csv).unwrap();
    /// assert!(String::from_utf8(csv).unwrap().contains(" mi,"));
    ///
    /// let err = TaxiGenerator::new(7).with_faults(TaxiFaults::new().drop("tip")).unwrap_err();
    /// assert!(err.to_string().contains("unknown taxi column 'tip'"));
    /// ```
    pub fn with_faults(self, faults: TaxiFaults) -> Result<Self> {
        let plan = FaultPlan::try_new(&faults)?;
        Ok(Self { faults, plan, ..self })
    }

    /// The seed this generator draws from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The faults this generator injects.
    pub fn faults(&self) -> &TaxiFaults {
        &self.faults
    }

    /// The Arrow schema of clean generated batches: the real `data.parquet`'s
    /// types (`int64`, `double`, `utf8`), every column nullable. With faults, see
    /// [`TaxiGenerator::output_schema`].
    pub fn schema() -> SchemaRef {
        let fields: Vec<Field> = COLUMNS
            .iter()
            .map(|c| {
                let ty = match c.kind {
                    Kind::Int => DataType::Int64,
                    Kind::Float => DataType::Float64,
                    Kind::Str => DataType::Utf8,
                };
                Field::new(c.name, ty, true)
            })
            .collect();
        Arc::new(Schema::new(fields))
    }

    /// The CSV header line of clean data, without its newline.
    pub fn csv_header() -> String {
        COLUMNS.iter().map(|c| c.name).collect::<Vec<_>>().join(",")
    }

    /// The schema of this generator's batches and Parquet files: [`Self::schema`]
    /// without dropped columns, with type-changed columns as `utf8`.
    pub fn output_schema(&self) -> SchemaRef {
        self.plan.schema()
    }

    /// The CSV header this generator writes: [`Self::csv_header`] without
    /// dropped columns.
    pub fn output_header(&self) -> String {
        self.plan.header()
    }

    /// `rows` rows as Arrow batches of up to `batch_rows` rows each (a bench or
    /// test input that needs no file).
    pub fn batches(&self, rows: u64, batch_rows: usize) -> TaxiBatches {
        TaxiBatches {
            rows: self.rows(),
            plan: self.plan.clone(),
            schema: self.output_schema(),
            left: rows,
            batch_rows: batch_rows.max(1),
        }
    }

    /// Writes a header and `rows` rows of CSV to `w`, in the real file's text
    /// form: empty fields for missing values, integers as integers, floats in
    /// shortest round-trip form with at least one decimal (`12.45`, `0.0`).
    pub fn write_csv(&self, rows: u64, w: impl Write) -> Result<()> {
        self.write_csv_io(rows, w).map_err(|e| TabxError::io("<csv output>", e))
    }

    fn write_csv_io(&self, rows: u64, w: impl Write) -> io::Result<()> {
        let mut w = BufWriter::with_capacity(1 << 20, w);
        w.write_all(self.output_header().as_bytes())?;
        w.write_all(b"\n")?;
        let mut source = self.rows();
        let mut row = [None; COLUMNS.len()];
        for _ in 0..rows {
            source.next_row(&self.plan, &mut row);
            for (k, &i) in self.plan.kept().iter().enumerate() {
                if k > 0 {
                    w.write_all(b",")?;
                }
                match row[i] {
                    None => {}
                    Some(Out::Cell(Cell::Str(s)) | Out::Text(s)) => write_csv_str(&mut w, s)?,
                    // Numbers, with or without a unit: nothing to quote.
                    Some(out) => write!(w, "{out}")?,
                }
            }
            w.write_all(b"\n")?;
        }
        w.flush()
    }

    /// Writes `rows` rows to a Parquet file at `path` (zstd, row groups of
    /// [`TAXI_ROW_GROUP_ROWS`], written batch by batch).
    pub fn write_parquet(&self, rows: u64, path: &Path) -> Result<()> {
        let file = File::create(path).map_err(|e| TabxError::io(path, e))?;
        let parquet_err = |e: parquet::errors::ParquetError| TabxError::Parquet {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let props = WriterProperties::builder()
            .set_compression(Compression::ZSTD(ZstdLevel::default()))
            .set_max_row_group_row_count(Some(TAXI_ROW_GROUP_ROWS))
            .build();
        let mut writer = ArrowWriter::try_new(file, self.output_schema(), Some(props)).map_err(parquet_err)?;
        for batch in self.batches(rows, TAXI_BATCH_ROWS) {
            writer.write(&batch).map_err(parquet_err)?;
        }
        writer.close().map_err(parquet_err)?;
        Ok(())
    }

    /// Writes `rows` rows to `path`, choosing the format by extension: `.csv`,
    /// `.csv.gz` or `.parquet`. Missing folders are created (a pipeline
    /// image has no shell to do it); the rows go to a temporary file beside
    /// `path`, renamed when whole, so a killed run leaves no half file.
    pub fn write_file(&self, rows: u64, path: &Path) -> Result<()> {
        let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let name = file_name.to_ascii_lowercase();
        if ![".parquet", ".csv", ".csv.gz"].iter().any(|ext| name.ends_with(ext)) {
            return Err(TabxError::config(format!("{}: unknown output format", path.display()))
                .with_hint("name the file *.csv, *.csv.gz or *.parquet"));
        }
        // The temporary name keeps the extension (it picks the format) and
        // starts with a dot (a reader's `*.csv` skips it).
        let temp = path.with_file_name(format!(".tmp-{}-{file_name}", std::process::id()));
        tabx_core::replace_atomically(path, &temp, |temp| {
            let create = || File::create(temp).map_err(|e| TabxError::io(path, e));
            let io_err = |e: TabxError| match e {
                TabxError::Io { source, .. } => TabxError::io(path, source),
                other => other,
            };
            if name.ends_with(".parquet") {
                self.write_parquet(rows, temp).map_err(io_err)
            } else if name.ends_with(".csv") {
                self.write_csv(rows, create()?).map_err(io_err)
            } else {
                // flate2's gzip header carries no timestamp by default: output stays
                // byte-identical per seed.
                let mut gz = flate2::write::GzEncoder::new(create()?, flate2::Compression::default());
                self.write_csv(rows, &mut gz)
                    .map_err(io_err)
                    .and_then(|()| gz.finish().map(drop).map_err(|e| TabxError::io(path, e)))
            }
        })
    }

    fn rows(&self) -> RowSource {
        RowSource { model: self.model.clone(), draw: Draw::new(self.seed), fault_draws: self.plan.draws(self.seed) }
    }
}

/// Writes `rows` clean generated rows for `seed` to `path`, choosing the format
/// by extension: `.csv`, `.csv.gz` or `.parquet` ([`TaxiGenerator::write_file`]).
pub fn write_file(rows: u64, seed: u64, path: &Path) -> Result<()> {
    TaxiGenerator::new(seed).write_file(rows, path)
}

fn write_csv_str(w: &mut impl Write, s: &str) -> io::Result<()> {
    if s.contains([',', '"', '\n', '\r']) {
        write!(w, "\"{}\"", s.replace('"', "\"\""))
    } else {
        w.write_all(s.as_bytes())
    }
}

/// The row stream both writers consume.
#[derive(Debug)]
struct RowSource {
    model: TripModel,
    /// Stream 0 of the seed: the rows.
    draw: Draw,
    /// The faults' side streams: drawing from them never moves `draw`.
    fault_draws: Vec<Draw>,
}

impl RowSource {
    /// The next row, every column (dropped ones too), faults applied.
    fn next_row<'a>(&mut self, plan: &'a FaultPlan, row: &mut [Option<Out<'a>>; COLUMNS.len()]) {
        let trip = self.model.trip(&mut self.draw);
        for (cell, spec) in row.iter_mut().zip(COLUMNS.iter()) {
            *cell = if self.is_missing(spec, &trip) { None } else { Some(Out::Cell((spec.value)(&trip))) };
        }
        plan.apply(&mut self.fault_draws, row);
    }

    fn is_missing(&mut self, spec: &ColumnSpec, trip: &model::Trip) -> bool {
        match spec.missing {
            Missing::Never => false,
            Missing::Rate(p) => self.draw.chance(p),
            Missing::Lost(part) => trip.lost(part),
            Missing::LostOr(part, p) => {
                // Draw either way: the stream does not fork on the trip's state.
                let own = self.draw.chance(p);
                trip.lost(part) || own
            }
        }
    }
}

/// Iterator over generated [`RecordBatch`]es, from [`TaxiGenerator::batches`].
#[derive(Debug)]
pub struct TaxiBatches {
    rows: RowSource,
    plan: FaultPlan,
    schema: SchemaRef,
    left: u64,
    batch_rows: usize,
}

impl Iterator for TaxiBatches {
    type Item = RecordBatch;

    fn next(&mut self) -> Option<RecordBatch> {
        if self.left == 0 {
            return None;
        }
        let n = self.left.min(self.batch_rows as u64) as usize;
        self.left -= n as u64;
        let kept = self.plan.kept();
        let mut builders: Vec<Builder> = kept.iter().map(|&c| Builder::new(self.plan.kind(c), n)).collect();
        let mut row = [None; COLUMNS.len()];
        for _ in 0..n {
            self.rows.next_row(&self.plan, &mut row);
            for (b, &c) in builders.iter_mut().zip(kept) {
                b.push(row[c]);
            }
        }
        let columns: Vec<ArrayRef> = builders.into_iter().map(Builder::finish).collect();
        Some(RecordBatch::try_new(self.schema.clone(), columns).expect("builders follow the schema's column types"))
    }
}

enum Builder {
    Int(Int64Builder),
    Float(Float64Builder),
    Str(StringBuilder),
}

impl Builder {
    fn new(kind: Kind, n: usize) -> Self {
        match kind {
            Kind::Int => Self::Int(Int64Builder::with_capacity(n)),
            Kind::Float => Self::Float(Float64Builder::with_capacity(n)),
            // ~20 bytes per company name on average.
            Kind::Str => Self::Str(StringBuilder::with_capacity(n, n * 20)),
        }
    }

    fn push(&mut self, cell: Option<Out<'_>>) {
        match (self, cell) {
            (Self::Int(b), Some(Out::Cell(Cell::Int(v)))) => b.append_value(v),
            (Self::Int(b), None) => b.append_null(),
            (Self::Float(b), Some(Out::Cell(Cell::Float(v)))) => b.append_value(v),
            (Self::Float(b), None) => b.append_null(),
            (Self::Str(b), Some(Out::Cell(Cell::Str(v)) | Out::Text(v))) => b.append_value(v),
            // A type-changed numeric column: every value as its CSV text.
            (Self::Str(b), Some(out)) => b.append_value(out.to_string()),
            (Self::Str(b), None) => b.append_null(),
            (_, Some(cell)) => {
                unreachable!("fault plan gives {cell:?} for a column of another kind")
            }
        }
    }

    fn finish(self) -> ArrayRef {
        match self {
            Self::Int(mut b) => Arc::new(b.finish()),
            Self::Float(mut b) => Arc::new(b.finish()),
            Self::Str(mut b) => Arc::new(b.finish()),
        }
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Float64Type, Int64Type};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;
    use crate::taxi::measured::{LN_SECONDS, MISSING_RATES, SAME_AREA, SAMPLE_ROWS};

    fn csv(seed: u64, rows: u64) -> Vec<u8> {
        let mut out = Vec::new();
        TaxiGenerator::new(seed).write_csv(rows, &mut out).unwrap();
        out
    }

    fn records(bytes: &[u8]) -> Vec<csv::StringRecord> {
        csv::Reader::from_reader(bytes).records().map(Result::unwrap).collect()
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        assert_eq!(csv(5, 2_000), csv(5, 2_000));
        assert_ne!(csv(5, 2_000), csv(6, 2_000));
        // A prefix of a longer run is the shorter run: rows do not depend on `rows`.
        assert!(csv(5, 3_000).starts_with(&csv(5, 2_000)));

        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.parquet"), dir.path().join("b.parquet"));
        write_file(1_000, 9, &a).unwrap();
        write_file(1_000, 9, &b).unwrap();
        assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
    }

    #[test]
    fn header_and_row_count() {
        let bytes = csv(1, 1_234);
        let real_header = crate::TAXI_CSV.split(|&b| b == b'\n').next().unwrap();
        assert_eq!(bytes.split(|&b| b == b'\n').next().unwrap(), real_header);
        let rows = records(&bytes);
        assert_eq!(rows.len(), 1_234);
        assert!(rows.iter().all(|r| r.len() == COLUMNS.len()));
        assert_eq!(csv(1, 0), format!("{}\n", TaxiGenerator::csv_header()).into_bytes());

        let batches: Vec<RecordBatch> = TaxiGenerator::new(1).batches(1_234, 500).collect();
        assert_eq!(batches.iter().map(|b| b.num_rows()).collect::<Vec<_>>(), [500, 500, 234]);
    }

    #[test]
    fn missing_rates_follow_the_real_sample() {
        // Expected rates: `measured::MISSING_RATES`, which pandas' `isna().mean()`
        // gave on data/data.csv (datasets/tools/measure_taxi.py). Over 50k rows a
        // rate p has a standard error of sqrt(p(1-p)/50k) <= 0.0023: allow 4 of them
        // plus 0.001 for the rounding of the measured rates.
        let n = 50_000;
        let rows = records(&csv(11, n));
        for (i, &(name, expected)) in MISSING_RATES.iter().enumerate() {
            assert_eq!(COLUMNS[i].name, name);
            let got = rows.iter().filter(|r| r[i].is_empty()).count() as f64 / n as f64;
            let tol = 4.0 * (expected * (1.0 - expected) / n as f64).sqrt() + 0.001;
            assert!((got - expected).abs() <= tol, "{name}: {got:.5} vs real {expected:.5} (tolerance {tol:.5})");
        }
    }

    #[test]
    fn values_look_like_the_real_sample() {
        let rows = records(&csv(3, 20_000));
        let col = |name: &str| COLUMNS.iter().position(|c| c.name == name).unwrap();
        let floats = |name: &str| -> Vec<f64> {
            let i = col(name);
            rows.iter().filter(|r| !r[i].is_empty()).map(|r| r[i].parse().unwrap()).collect()
        };
        // Time columns are derived from the timestamp, in the real range.
        let (ts, m, h, d) =
            (col("trip_start_timestamp"), col("trip_start_month"), col("trip_start_hour"), col("trip_start_day"));
        for r in &rows {
            let t: i64 = r[ts].parse().unwrap();
            assert_eq!(t % 900, 0);
            assert!((1_356_998_400..1_483_228_800).contains(&t), "{t}"); // 2013-01-01 .. 2017-01-01
            assert_eq!(model_time_parts(t), (r[m].parse().unwrap(), r[h].parse().unwrap(), r[d].parse().unwrap()));
        }
        // Census tracts are 11-digit integers.
        let tract = col("dropoff_census_tract");
        assert!(rows.iter().filter(|r| !r[tract].is_empty()).all(|r| r[tract].len() == 11));
        // Fares: zeros, a median near the real 7.85, a long tail (real: max 700.07).
        let mut fare = floats("fare");
        fare.sort_by(f64::total_cmp);
        let median = fare[fare.len() / 2];
        assert!((5.0..12.0).contains(&median), "median fare {median}");
        assert!(fare[0] == 0.0 && *fare.last().unwrap() > 100.0);
        // ln(trip_seconds) of non-zero trips: real mean 6.39, sd 0.77.
        let ln_secs: Vec<f64> = floats("trip_seconds").into_iter().filter(|&s| s > 0.0).map(f64::ln).collect();
        let mean = ln_secs.iter().sum::<f64>() / ln_secs.len() as f64;
        assert!((mean - LN_SECONDS.0).abs() < 0.25, "mean ln(seconds) {mean} vs real {}", LN_SECONDS.0);
        // Cash trips almost never tip; card trips mostly do, ~15-30% of the fare.
        let (pt, tips, fare_i) = (col("payment_type"), col("tips"), col("fare"));
        let tipped = |kind: &str| {
            let of: Vec<_> = rows.iter().filter(|r| &r[pt] == kind).collect();
            of.iter().filter(|r| r[tips].parse::<f64>().unwrap() > 0.0).count() as f64 / of.len() as f64
        };
        assert!(tipped("Cash") < 0.01);
        assert!(tipped("Credit Card") > 0.9);
        let mut ratios: Vec<f64> = rows
            .iter()
            .filter(|r| &r[pt] == "Credit Card" && r[tips].parse::<f64>().unwrap() > 0.0)
            .map(|r| r[tips].parse::<f64>().unwrap() / r[fare_i].parse::<f64>().unwrap())
            .collect();
        ratios.sort_by(f64::total_cmp);
        let median_ratio = ratios[ratios.len() / 2];
        assert!((0.15..0.30).contains(&median_ratio), "median card tip ratio {median_ratio}");
        // Trips that end where they start: real share SAME_AREA (0.27).
        let (pa, da) = (col("pickup_community_area"), col("dropoff_community_area"));
        let both: Vec<_> = rows.iter().filter(|r| !r[pa].is_empty() && !r[da].is_empty()).collect();
        let same = both.iter().filter(|r| r[pa] == r[da]).count() as f64 / both.len() as f64;
        assert!((same - SAME_AREA).abs() < 0.06, "same-area share {same} vs real {SAME_AREA}");
        assert_eq!(SAMPLE_ROWS, crate::TAXI_ROWS);
    }

    fn model_time_parts(t: i64) -> (i64, i64, i64) {
        // Parsed back through the model's own derivation is circular; instead
        // recompute independently: days since epoch -> weekday, hour by division,
        // month by walking the calendar.
        let day = t.div_euclid(86_400);
        let hour = t.rem_euclid(86_400) / 3_600;
        let weekday = (day + 4).rem_euclid(7) + 1; // 1970-01-01 was a Thursday (5)
        let (mut year, mut left) = (1970, day);
        let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        while left >= 365 + i64::from(leap(year)) {
            left -= 365 + i64::from(leap(year));
            year += 1;
        }
        let lengths = [31, 28 + i64::from(leap(year)), 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let mut month = 1;
        for len in lengths {
            if left < len {
                break;
            }
            left -= len;
            month += 1;
        }
        (month, hour, weekday)
    }

    #[test]
    fn parquet_and_csv_from_one_seed_hold_the_same_values() {
        let rows = 3_000;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.parquet");
        write_file(rows, 21, &path).unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap().build().unwrap();
        let batches: Vec<RecordBatch> = reader.map(Result::unwrap).collect();
        assert_eq!(batches[0].schema(), TaxiGenerator::schema());
        let text = records(&csv(21, rows));
        let mut r = 0;
        for batch in &batches {
            for i in 0..batch.num_rows() {
                for (c, spec) in COLUMNS.iter().enumerate() {
                    let field = &text[r][c];
                    let array = batch.column(c);
                    if array.is_null(i) {
                        assert_eq!(field, "", "row {r} {}", spec.name);
                        continue;
                    }
                    match spec.kind {
                        Kind::Int => {
                            assert_eq!(field.parse::<i64>().unwrap(), array.as_primitive::<Int64Type>().value(i))
                        }
                        Kind::Float => assert_eq!(
                            field.parse::<f64>().unwrap().to_bits(),
                            array.as_primitive::<Float64Type>().value(i).to_bits(),
                            "row {r} {}",
                            spec.name
                        ),
                        Kind::Str => assert_eq!(field, array.as_string::<i32>().value(i)),
                    }
                }
                r += 1;
            }
        }
        assert_eq!(r as u64, rows);
    }

    #[test]
    fn gzip_and_unknown_extensions() {
        let dir = tempfile::tempdir().unwrap();
        let gz = dir.path().join("t.csv.gz");
        write_file(100, 2, &gz).unwrap();
        let mut plain = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(File::open(&gz).unwrap()), &mut plain).unwrap();
        assert_eq!(plain, csv(2, 100));
        let err = write_file(1, 1, &dir.path().join("t.txt")).unwrap_err();
        assert!(err.to_string().contains("unknown output format"), "{err}");
    }

    #[test]
    fn string_fields_are_quoted_when_needed() {
        let mut out = Vec::new();
        write_csv_str(&mut out, "a, \"b\"").unwrap();
        assert_eq!(out, b"\"a, \"\"b\"\"\"");
    }
}
