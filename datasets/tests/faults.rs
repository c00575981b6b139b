//! Fault injection: each fault changes exactly the cells it names, by the
//! expected amount, reproducibly for a seed; every other cell is the clean
//! file's cell of the same seed.

use std::collections::HashMap;
use std::fs::File;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Float64Type, Int64Type};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tabx_datasets::{TaxiFault, TaxiFaults, TaxiGenerator};

const ROWS: u64 = 20_000;
const SEED: u64 = 17;

/// A generated CSV, parsed: the header and the rows as text.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn of(generator: &TaxiGenerator, rows: u64) -> Self {
        let mut bytes = Vec::new();
        generator.write_csv(rows, &mut bytes).unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header = reader.headers().unwrap().iter().map(str::to_string).collect();
        let rows = reader.records().map(|r| r.unwrap().iter().map(str::to_string).collect()).collect();
        Self { header, rows }
    }

    fn col(&self, name: &str) -> usize {
        self.header.iter().position(|h| h == name).unwrap_or_else(|| panic!("no column {name}"))
    }

    /// The column's cells, in row order.
    fn column(&self, name: &str) -> Vec<&str> {
        let i = self.col(name);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }
}

fn clean() -> Table {
    Table::of(&TaxiGenerator::new(SEED), ROWS)
}

fn generate(faults: TaxiFaults) -> Table {
    Table::of(&TaxiGenerator::new(SEED).with_faults(faults).unwrap(), ROWS)
}

/// Every column of `faulted` other than `touched` equals the clean column,
/// cell for cell.
fn same_outside(clean: &Table, faulted: &Table, touched: &[&str]) {
    assert_eq!(clean.rows.len(), faulted.rows.len());
    for name in faulted.header.iter().filter(|h| !touched.contains(&h.as_str())) {
        assert_eq!(clean.column(name), faulted.column(name), "column {name} changed");
    }
}

/// The binomial 5-sigma band of the count of successes in `n` trials at `p`.
fn five_sigma(n: usize, p: f64) -> std::ops::RangeInclusive<f64> {
    let (mean, sd) = (n as f64 * p, (n as f64 * p * (1.0 - p)).sqrt());
    mean - 5.0 * sd..=mean + 5.0 * sd
}

#[test]
fn new_value_in_a_binomial_share_of_rows_and_nowhere_else() {
    let clean = clean();
    let faults = || TaxiFaults::new().new_value("payment_type", "Bitcoin", 0.05);
    let faulted = generate(faults());
    same_outside(&clean, &faulted, &["payment_type"]);
    let (before, after) = (clean.column("payment_type"), faulted.column("payment_type"));
    let changed: Vec<usize> = (0..before.len()).filter(|&i| before[i] != after[i]).collect();
    assert!(changed.iter().all(|&i| after[i] == "Bitcoin"));
    assert!(!before.contains(&"Bitcoin"));
    // payment_type is never missing, so every row is a trial: 20,000 × 0.05 = 1000,
    // sd = sqrt(20,000 × 0.05 × 0.95) = 30.8, 5 sd = 154: [846, 1154].
    let n = changed.len();
    assert!(five_sigma(before.len(), 0.05).contains(&(n as f64)), "{n} new values");
    // Reproducible for the seed: the count this implementation gives for seed 17
    // (ChaCha8 stream 1), and the same bytes on a second run.
    assert_eq!(n, 980);
    assert_eq!(faulted.rows, generate(faults()).rows);
}

#[test]
fn dropped_column_is_absent_from_csv_and_parquet() {
    let clean = clean();
    let generator = TaxiGenerator::new(SEED).with_faults(TaxiFaults::new().drop("tips")).unwrap();
    let faulted = Table::of(&generator, ROWS);
    assert!(!faulted.header.contains(&"tips".to_string()));
    assert_eq!(faulted.header.len(), clean.header.len() - 1);
    assert!(faulted.rows.iter().all(|r| r.len() == clean.header.len() - 1));
    same_outside(&clean, &faulted, &[]);

    let batches = parquet_batches(&generator, 1_000);
    assert!(batches[0].schema().field_with_name("tips").is_err());
    assert_eq!(batches[0].schema(), generator.output_schema());
}

#[test]
fn type_change_writes_numbers_with_a_unit_and_utf8_in_parquet() {
    let clean = clean();
    let generator = TaxiGenerator::new(SEED).with_faults(TaxiFaults::new().type_change("trip_miles")).unwrap();
    let faulted = Table::of(&generator, ROWS);
    same_outside(&clean, &faulted, &["trip_miles"]);
    for (before, after) in clean.column("trip_miles").into_iter().zip(faulted.column("trip_miles")) {
        assert!(after.parse::<f64>().is_err(), "{after} is still a number");
        assert_eq!(after, format!("{before} mi"));
    }
    let batches = parquet_batches(&generator, 1_000);
    assert_eq!(batches[0].schema().field_with_name("trip_miles").unwrap().data_type(), &DataType::Utf8);

    // A fraction of the values: the rest stay numbers, and CSV type inference
    // must see every row to notice.
    let some = generate(TaxiFaults::from_iter(["type-change=trip_miles:0.01".parse::<TaxiFault>().unwrap()]));
    let texts = some.column("trip_miles").iter().filter(|v| v.parse::<f64>().is_err()).count();
    // 20,000 × 0.01 = 200, sd = sqrt(20,000 × 0.01 × 0.99) = 14.1: [130, 270].
    assert!(five_sigma(ROWS as usize, 0.01).contains(&(texts as f64)), "{texts} texts");
}

#[test]
fn scale_multiplies_every_value_exactly() {
    let clean = clean();
    let faulted = generate(TaxiFaults::new().scale("fare", 1.5, 0.0).scale("trip_seconds", 2.0, 30.0));
    same_outside(&clean, &faulted, &["fare", "trip_seconds"]);
    for (before, after) in clean.column("fare").into_iter().zip(faulted.column("fare")) {
        let (x, y): (f64, f64) = (before.parse().unwrap(), after.parse().unwrap());
        assert_eq!(y.to_bits(), (x * 1.5).to_bits(), "{before} × 1.5 vs {after}");
    }
    // An integer column: x × 2 + 30, still an integer; missing cells stay missing.
    for (before, after) in clean.column("trip_seconds").into_iter().zip(faulted.column("trip_seconds")) {
        if before.is_empty() {
            assert_eq!(after, "");
        } else {
            assert_eq!(after.parse::<i64>().unwrap(), before.parse::<i64>().unwrap() * 2 + 30);
        }
    }
}

#[test]
fn missing_adds_exactly_the_injected_blanks() {
    let clean = clean();
    let faulted = generate(TaxiFaults::new().missing("trip_seconds", 0.05));
    same_outside(&clean, &faulted, &["trip_seconds"]);
    let (before, after) = (clean.column("trip_seconds"), faulted.column("trip_seconds"));
    let blanks = |cells: &[&str]| cells.iter().filter(|c| c.is_empty()).count();
    // Cells only go from present to missing, and otherwise keep their value.
    let mut injected = 0;
    for (b, a) in before.iter().zip(&after) {
        if b != a {
            assert!(!b.is_empty() && a.is_empty(), "{b:?} became {a:?}");
            injected += 1;
        }
    }
    assert_eq!(blanks(&after), blanks(&before) + injected);
    // Trials are the present values (the real rate 0.0004 leaves ~8 missing):
    // ~19,992 × 0.05 = 1000, 5 sd = 5 × sqrt(19,992 × 0.05 × 0.95) = 154.
    let present = before.len() - blanks(&before);
    assert!(five_sigma(present, 0.05).contains(&(injected as f64)), "{injected} injected of {present}");
}

#[test]
fn all_faults_together_and_parquet_holds_the_csv_values() {
    let faults: TaxiFaults = [
        "new-value=payment_type:Bitcoin:0.05",
        "drop=tips",
        "type-change=trip_miles",
        "scale=fare:1.5",
        "missing=trip_seconds:0.05",
    ]
    .iter()
    .map(|s| s.parse().unwrap())
    .collect();
    let generator = TaxiGenerator::new(SEED).with_faults(faults).unwrap();
    let clean = Table::of(&TaxiGenerator::new(SEED), 3_000);
    let faulted = Table::of(&generator, 3_000);
    same_outside(&clean, &faulted, &["payment_type", "trip_miles", "fare", "trip_seconds"]);
    assert!(faulted.column("payment_type").contains(&"Bitcoin"));

    // The Parquet file of the same generator holds the CSV's values, column by
    // column, with the faulted schema.
    let batches = parquet_batches(&generator, 3_000);
    let schema = batches[0].schema();
    assert_eq!(schema, generator.output_schema());
    let mut text: HashMap<&str, Vec<String>> = HashMap::new();
    for batch in &batches {
        for (field, array) in schema.fields().iter().zip(batch.columns()) {
            let cells = text.entry(field.name().as_str()).or_default();
            for i in 0..array.len() {
                cells.push(match array.data_type() {
                    _ if array.is_null(i) => String::new(),
                    DataType::Int64 => array.as_primitive::<Int64Type>().value(i).to_string(),
                    DataType::Float64 => format!("{:?}", array.as_primitive::<Float64Type>().value(i)),
                    DataType::Utf8 => array.as_string::<i32>().value(i).to_string(),
                    other => panic!("unexpected type {other}"),
                });
            }
        }
    }
    for name in &faulted.header {
        assert_eq!(faulted.column(name), text[name.as_str()], "column {name}");
    }
}

#[test]
fn gzip_and_batches_carry_the_faults_too() {
    let generator = TaxiGenerator::new(SEED).with_faults(TaxiFaults::new().drop("company")).unwrap();
    let batch = generator.batches(10, 10).next().unwrap();
    assert_eq!(batch.num_columns(), 17);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv.gz");
    generator.write_file(10, &path).unwrap();
    let mut plain = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(File::open(&path).unwrap()), &mut plain).unwrap();
    assert!(plain.starts_with(&generator.output_header()));
    assert!(!plain.lines().next().unwrap().contains("company"));
}

fn parquet_batches(generator: &TaxiGenerator, rows: u64) -> Vec<RecordBatch> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    generator.write_file(rows, &path).unwrap();
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap().build().unwrap();
    reader.map(Result::unwrap).collect()
}
