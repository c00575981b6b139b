//! Row-level validation (`tabx::validate_rows`): every input row in
//! exactly one output, bad rows with their source and reasons, input order
//! kept, CSV and Parquet outputs, and the taxi data against its TFDV schema.

use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, AsArray, RecordBatch};
use arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tabx::{RowsReport, StatsOptions, compute_stats, validate_rows, validate_rows_with_stats};
use tabx_engine::{OnError, SourceOptions};
use tabx_schema::{BoolDomain, Feature, FeaturePresence, FloatDomain, IntDomain, Schema, SchemaType, StringDomain};

/// A file of the embedded taxi data (datasets/data).
fn taxi(name: &str) -> String {
    format!("{}/../datasets/data/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn required(mut f: Feature) -> Feature {
    f.presence = Some(FeaturePresence { min_fraction: Some(1.0), ..Default::default() });
    f
}

/// id: required INT in [1, 100]; fare: required FLOAT ≥ 0, no NaN, no inf;
/// pay: BYTES in {Cash, Card}; flag: INT bool.
fn trips_schema() -> Schema {
    let mut schema = Schema::default();
    schema.string_domain.push(StringDomain {
        name: Some("pay".into()),
        value: vec!["Cash".into(), "Card".into()],
        ..Default::default()
    });
    let mut id = required(Feature::new("id", SchemaType::Int));
    id.int_domain = Some(IntDomain { min: Some(1), max: Some(100), ..Default::default() });
    let mut fare = required(Feature::new("fare", SchemaType::Float));
    fare.float_domain =
        Some(FloatDomain { min: Some(0.0), disallow_nan: Some(true), disallow_inf: Some(true), ..Default::default() });
    let mut pay = Feature::new("pay", SchemaType::Bytes);
    pay.domain = Some("pay".into());
    let mut flag = Feature::new("flag", SchemaType::Int);
    flag.bool_domain = Some(BoolDomain::default());
    schema.feature.extend([id, fare, pay, flag]);
    schema
}

/// Line by line: what each record breaks (hand-written; 15 records, the one
/// on lines 12-13 has a quoted line break).
const TRIPS: &str = "id,fare,pay,flag
1,2.5,Cash,0
2,,Card,1
3,x,Cash,1
101,1.0,Cash,3
4,nan,Cash,0
5,inf,Cash,0
6,3.0,Bitcoin,0
7,3.0,Card,2
8.5,3.0,Card,1
,3.0,Card,1
9,1.0,\"Ca
sh\",0
10,-1,Cash,0
11,1.5,Card,1,extra
12,2.0,,1
13,2.0,Card,1
";

fn run(input: &str, source: SourceOptions, schema: &Schema, good: &Path, bad: &Path) -> RowsReport {
    validate_rows(&[input.to_string()], source, schema, None, good, bad).unwrap()
}

fn skip(threads: usize) -> SourceOptions {
    SourceOptions { on_error: OnError::Skip, threads, min_split_bytes: 1, ..Default::default() }
}

#[test]
fn each_check_hand_counted() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trips.csv");
    std::fs::write(&input, TRIPS).unwrap();
    let input = input.display().to_string();
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    let report = run(&input, skip(1), &trips_schema(), &good, &bad);
    // 15 records: line 15 is ragged (unreadable); lines 2, 16, 17 are good.
    assert_eq!((report.rows_read, report.good, report.bad, report.unreadable), (15, 3, 11, 1));
    assert_eq!(report.rows_read, report.good + report.bad + report.unreadable);
    assert_eq!(report.unreadable_by_reason.get("wrong field count"), Some(&1));
    let expected_checks = [
        ("fare: inf", 1),     // line 7
        ("fare: missing", 1), // line 3
        ("fare: nan", 1),     // line 6
        ("fare: range", 1),   // line 14
        ("fare: type", 1),    // line 4
        ("flag: bool", 2),    // lines 5, 9
        ("id: missing", 1),   // line 11
        ("id: range", 1),     // line 5
        ("id: type", 1),      // line 10
        ("pay: domain", 2),   // lines 8, 12
    ];
    let got: Vec<(&str, u64)> = report.bad_by_check.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(got, expected_checks);

    // Good rows are the input's lines 2, 16 and 17 byte for byte (not `1.0`,
    // as `id`'s Float64 column of that batch would print).
    assert_eq!(std::fs::read_to_string(&good).unwrap(), "id,fare,pay,flag\n1,2.5,Cash,0\n12,2.0,,1\n13,2.0,Card,1\n");
    // One task, one batch: `id` is Float64 there (because of 8.5) and `fare`
    // Utf8 (because of x), which is how their cells print.
    let bad_text = std::fs::read_to_string(&bad).unwrap();
    let mut reader = csv::Reader::from_reader(bad_text.as_bytes());
    assert_eq!(reader.headers().unwrap(), vec!["id", "fare", "pay", "flag", "_tabx_source", "_tabx_reasons"]);
    let rows: Vec<(String, String)> = reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[4].strip_prefix(&format!("{input}:")).unwrap().to_string(), r[5].to_string())
        })
        .collect();
    let expected = [
        ("3", "fare: missing"),
        ("4", "fare: type (x)"),
        ("5", "id: range (101.0); flag: bool (3)"),
        ("6", "fare: nan (nan)"),
        ("7", "fare: inf (inf)"),
        ("8", "pay: domain (Bitcoin)"),
        ("9", "flag: bool (2)"),
        ("10", "id: type (8.5)"),
        ("11", "id: missing"),
        ("12", "pay: domain (Ca\nsh)"),
        ("14", "fare: range (-1)"),
    ];
    let expected: Vec<(String, String)> = expected.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    assert_eq!(rows, expected);
}

#[test]
fn absent_required_column_makes_every_row_bad() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.csv");
    std::fs::write(&input, "id,fare\n1,2.0\n2,3.0\n").unwrap();
    let mut schema = trips_schema();
    schema.feature.push(required(Feature::new("driver", SchemaType::Bytes)));
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    let report = run(&input.display().to_string(), skip(1), &schema, &good, &bad);
    assert_eq!((report.good, report.bad), (0, 2));
    assert_eq!(report.bad_by_check.get("driver: column_absent"), Some(&2));
    assert_eq!(report.warnings, ["required column `driver` is not in the data: every row is bad"]);
    // The good output still has its header.
    assert_eq!(std::fs::read_to_string(&good).unwrap(), "id,fare\n");
}

#[test]
fn good_csv_rows_are_the_input_bytes_in_the_first_files_column_order() {
    let dir = tempfile::tempdir().unwrap();
    // Spellings a formatter would change (12.50, +7, a quoted plain value,
    // a quoted line break, CRLF); the second file has the columns in another order.
    let a = dir.path().join("a.csv");
    std::fs::write(&a, "id,fare,pay,flag\r\n+7,12.50,\"Cash\",0\r\n8,1e1,Card,1\r\n").unwrap();
    let b = dir.path().join("b.csv");
    std::fs::write(&b, "pay,flag,fare,id\n\"Ca\nsh\",0,3,9\n\"Card\",1,0.50,10\nCard,1,-1,11\n").unwrap();
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    let mut schema = trips_schema();
    schema.string_domain[0].value.push("Ca\nsh".into());
    let inputs = [a.display().to_string(), b.display().to_string()];
    let report = validate_rows(&inputs, SourceOptions::default(), &schema, None, &good, &bad).unwrap();
    assert_eq!((report.good, report.bad), (4, 1));
    // b.csv's rows in a.csv's order, parsed and rewritten (quotes only where needed).
    assert_eq!(
        std::fs::read_to_string(&good).unwrap(),
        "id,fare,pay,flag\n+7,12.50,\"Cash\",0\n8,1e1,Card,1\n9,3,\"Ca\nsh\",0\n10,0.50,Card,1\n"
    );
}

/// A `.tsv` input (tab-delimited by its name) into a CSV output: each good
/// row written as CSV, not copied with its tabs under a comma header (which
/// every reader then sees as one column). Expected rows by hand.
#[test]
fn good_rows_of_a_tsv_input_are_written_as_csv() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trips.tsv");
    std::fs::write(&input, "id\tfare\tpay\tflag\n1\t2.5\tCash\t0\n2\t-1\tCard\t1\n3\t1,5\tCard\t1\n").unwrap();
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    let report =
        validate_rows(&[input.display().to_string()], SourceOptions::default(), &trips_schema(), None, &good, &bad)
            .unwrap();
    assert_eq!((report.good, report.bad), (1, 2));
    assert_eq!(std::fs::read_to_string(&good).unwrap(), "id,fare,pay,flag\n1,2.5,Cash,0\n");
    let bad = std::fs::read_to_string(&bad).unwrap();
    assert!(bad.starts_with("id,fare,pay,flag,_tabx_source,_tabx_reasons\n2,-1,Card,1,"), "{bad}");
    assert!(bad.contains("\n3,\"1,5\",Card,1,"), "{bad}");
}
#[test]
fn split_input_keeps_row_order() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("many.csv");
    // Every 7th row has a pay value outside the domain; every 11th is ragged.
    let mut text = String::from("id,fare,pay,flag\n");
    for i in 1..=100 {
        let pay = if i % 7 == 0 { "Gold" } else { "Cash" };
        let extra = if i % 11 == 0 { ",x" } else { "" };
        text.push_str(&format!("{i},1.5,{pay},0{extra}\n"));
    }
    std::fs::write(&input, text).unwrap();
    let input = input.display().to_string();
    let mut outputs = Vec::new();
    for threads in [1, 4] {
        let (good, bad) = (dir.path().join(format!("g{threads}.csv")), dir.path().join(format!("b{threads}.csv")));
        let report = run(&input, skip(threads), &trips_schema(), &good, &bad);
        // 100 rows: 9 ragged (11, 22, …, 99), 14 multiples of 7 of which 77 is ragged.
        assert_eq!((report.rows_read, report.good, report.bad, report.unreadable), (100, 78, 13, 9));
        let good = std::fs::read_to_string(&good).unwrap();
        let ids: Vec<u64> = good.lines().skip(1).map(|l| l.split(',').next().unwrap().parse().unwrap()).collect();
        let expected: Vec<u64> = (1..=100).filter(|i| i % 7 != 0 && i % 11 != 0).collect();
        assert_eq!(ids, expected, "{threads} threads");
        outputs.push((good, std::fs::read_to_string(&bad).unwrap()));
    }
    assert_eq!(outputs[0], outputs[1], "the split does not change the outputs");
    // Bad rows in line order: row i is on line i + 1.
    let lines: Vec<String> = csv::Reader::from_reader(outputs[0].1.as_bytes())
        .records()
        .map(|r| r.unwrap()[4].rsplit(':').next().unwrap().to_string())
        .collect();
    assert_eq!(lines, ["8", "15", "22", "29", "36", "43", "50", "57", "64", "71", "85", "92", "99"]);
}

fn read_parquet(path: &Path) -> Vec<RecordBatch> {
    let file = std::fs::File::open(path).unwrap();
    ParquetRecordBatchReaderBuilder::try_new(file).unwrap().build().unwrap().map(Result::unwrap).collect()
}

/// Good rows have the schema's types in a typed output: a bad value that is
/// text (`n/a` in the FLOAT `fare`, `x` in the INT `id`) makes its byte
/// range's column text, but the good rows of that range passed the type
/// checks, and are numbers again in good.parquet and good.jsonl. The bad
/// rows keep their text. Values by hand.
#[test]
fn good_rows_get_the_schemas_types_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("t.csv");
    std::fs::write(&input, "id,fare,pay,flag\n1,2.5,Cash,0\n2,n/a,Card,1\nx,3,Card,1\n4,4.0,Card,1\n").unwrap();
    let input = input.display().to_string();
    let (good, bad) = (dir.path().join("good.parquet"), dir.path().join("bad.parquet"));
    let report = run(&input, SourceOptions::default(), &trips_schema(), &good, &bad);
    assert_eq!((report.good, report.bad), (2, 2));
    let good_rows = arrow::compute::concat_batches(&read_parquet(&good)[0].schema(), &read_parquet(&good)).unwrap();
    let ids = good_rows.column_by_name("id").unwrap();
    let fares = good_rows.column_by_name("fare").unwrap();
    assert_eq!((ids.data_type(), fares.data_type()), (&DataType::Int64, &DataType::Float64));
    assert_eq!(ids.as_primitive::<arrow::datatypes::Int64Type>().values(), &[1, 4]);
    assert_eq!(fares.as_primitive::<arrow::datatypes::Float64Type>().values(), &[2.5, 4.0]);
    let bad_rows = read_parquet(&bad);
    assert_eq!(bad_rows[0].schema().field_with_name("fare").unwrap().data_type(), &DataType::Utf8);
    let jsonl = dir.path().join("good.jsonl");
    run(&input, SourceOptions::default(), &trips_schema(), &jsonl, &dir.path().join("bad.csv"));
    assert_eq!(
        std::fs::read_to_string(&jsonl).unwrap(),
        "{\"id\":1,\"fare\":2.5,\"pay\":\"Cash\",\"flag\":0}\n{\"id\":4,\"fare\":4.0,\"pay\":\"Card\",\"flag\":1}\n"
    );
}

#[test]
fn parquet_outputs_have_one_schema_with_widened_types() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("w.csv");
    // `fare` is Int64 in the early byte ranges and Float64 in the last; one
    // fare is negative (bad).
    let mut text = String::from("id,fare\n");
    for i in 1..=60 {
        let fare = if i == 60 {
            "2.5".to_string()
        } else if i == 30 {
            "-4".into()
        } else {
            i.to_string()
        };
        text.push_str(&format!("{i},{fare}\n"));
    }
    std::fs::write(&input, text).unwrap();
    let (good, bad) = (dir.path().join("good.parquet"), dir.path().join("bad.parquet"));
    let report = run(&input.display().to_string(), skip(4), &trips_schema(), &good, &bad);
    assert_eq!((report.good, report.bad), (59, 1));
    let batches = read_parquet(&good);
    assert_eq!(batches.iter().map(RecordBatch::num_rows).sum::<usize>(), 59);
    let schema = batches[0].schema();
    assert_eq!(schema.field_with_name("fare").unwrap().data_type(), &DataType::Float64);
    assert!(schema.column_with_name("_tabx_line").is_none());
    let last = batches.last().unwrap();
    let fares = last.column_by_name("fare").unwrap().as_primitive::<arrow::datatypes::Float64Type>();
    assert_eq!(fares.value(fares.len() - 1), 2.5);
    let bad = read_parquet(&bad);
    assert_eq!(bad.iter().map(RecordBatch::num_rows).sum::<usize>(), 1);
    let row = bad.iter().find(|b| b.num_rows() == 1).unwrap();
    let reasons = row.column_by_name("_tabx_reasons").unwrap().as_string::<i32>();
    assert_eq!(reasons.value(0), "fare: range (-4)");
    let source = row.column_by_name("_tabx_source").unwrap().as_string::<i32>();
    assert!(source.value(0).ends_with("w.csv:31"), "{}", source.value(0));
    // No temporary files are left beside the outputs.
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(names.iter().all(|n| !n.starts_with(".tabx")), "{names:?}");
}

/// Parquet input to a Parquet output: the good rows are encoded by the
/// workers (the columns are known from the footers) and appended in task
/// order, so the file holds the input's rows, types and order, less the bad.
#[test]
fn parquet_to_parquet_keeps_types_and_order_across_row_groups() {
    use arrow::array::{Float64Array, Int64Array, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::file::properties::WriterProperties;
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trips.parquet");
    let ids: Vec<i64> = (1..=1000).map(|i| i % 100 + 1).collect();
    // Every 7th row pays in Gold (outside the domain).
    let pays: Vec<&str> = (1..=1000).map(|i| if i % 7 == 0 { "Gold" } else { "Cash" }).collect();
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from(ids.clone())) as ArrayRef),
        ("fare", Arc::new(Float64Array::from_iter_values((1..=1000).map(|i| f64::from(i) / 4.0)))),
        ("pay", Arc::new(StringArray::from(pays))),
    ])
    .unwrap();
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(128)).build();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(&input).unwrap(), batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let (good, bad) = (dir.path().join("good.parquet"), dir.path().join("bad.parquet"));
    let source = SourceOptions { threads: 3, ..Default::default() };
    let report = run(&input.display().to_string(), source, &trips_schema(), &good, &bad);
    // Hand count: 142 multiples of 7 in 1..=1000.
    assert_eq!((report.good, report.bad), (858, 142));
    let batches = read_parquet(&good);
    assert_eq!(batches[0].schema().fields(), batch.schema().fields());
    let got: Vec<i64> = batches
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec())
        .collect();
    let expected: Vec<i64> = (1..=1000).filter(|i| i % 7 != 0).map(|i| ids[i - 1]).collect();
    assert_eq!(got, expected);
    assert_eq!(read_parquet(&bad).iter().map(RecordBatch::num_rows).sum::<usize>(), 142);
}

/// A file of `groups` row groups of 128 trips (`flag` null in every fifth), ZSTD-compressed (the good
/// output's encoder writes uncompressed pages, so a copied column chunk
/// shows by its codec); `pay` is Gold (outside the domain) at `bad` rows.
fn zstd_trips(path: &Path, groups: i64, bad: &[i64]) -> RecordBatch {
    use arrow::array::{Float64Array, Int64Array, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::{Compression, ZstdLevel};
    use parquet::file::properties::WriterProperties;
    let n = groups * 128;
    let batch = RecordBatch::try_from_iter([
        ("id", Arc::new(Int64Array::from_iter_values((0..n).map(|i| i % 100 + 1))) as ArrayRef),
        ("fare", Arc::new(Float64Array::from_iter_values((0..n).map(|i| i as f64 / 4.0)))),
        (
            "pay",
            Arc::new(StringArray::from_iter_values((0..n).map(|i| if bad.contains(&i) { "Gold" } else { "Cash" }))),
        ),
        ("flag", Arc::new(Int64Array::from_iter((0..n).map(|i| (i % 5 != 0).then_some(i % 2))))),
    ])
    .unwrap();
    let props = WriterProperties::builder()
        .set_max_row_group_row_count(Some(128))
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(path).unwrap(), batch.schema(), Some(props)).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    batch
}

/// Each row group's (rows, whether its chunks are ZSTD, i.e. copied).
fn row_groups(path: &Path) -> Vec<(i64, bool)> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(std::fs::File::open(path).unwrap()).unwrap();
    let meta = reader.metadata();
    meta.row_groups()
        .iter()
        .map(|rg| {
            let zstd = rg.columns().iter().map(|c| matches!(c.compression(), parquet::basic::Compression::ZSTD(_)));
            let zstd: Vec<bool> = zstd.collect();
            assert!(zstd.iter().all(|z| *z == zstd[0]), "a row group half copied");
            (rg.num_rows(), zstd[0])
        })
        .collect()
}

/// Parquet to Parquet, a row group whose rows are all good is copied as the
/// input encodes it (not decoded and encoded again); a row group with a bad
/// row is read again up to that row and encoded. The good rows are the
/// input's less the bad, in order, either way.
#[test]
fn clean_row_groups_are_copied_and_the_others_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trips.parquet");
    // Row 300 is in row group 2 (rows 256-383), in its third batch of 32.
    let batch = zstd_trips(&input, 4, &[300]);
    let (good, bad) = (dir.path().join("good.parquet"), dir.path().join("bad.parquet"));
    for threads in [1, 3] {
        let source = SourceOptions { threads, batch_size: 32, ..Default::default() };
        let report = run(&input.display().to_string(), source, &trips_schema(), &good, &bad);
        assert_eq!((report.good, report.bad), (511, 1));
        let keep: arrow::array::BooleanArray = (0..512).map(|i| Some(i != 300)).collect();
        let expected = arrow::compute::filter_record_batch(&batch, &keep).unwrap();
        let got = arrow::compute::concat_batches(&batch.schema(), &read_parquet(&good)).unwrap();
        assert_eq!(got, expected);
        assert_eq!(row_groups(&good), [(128, true), (128, true), (127, false), (128, true)]);
    }
    // A row in the first batch of a group, and in its last.
    zstd_trips(&input, 3, &[128, 383]);
    let report = run(
        &input.display().to_string(),
        SourceOptions { batch_size: 32, ..Default::default() },
        &trips_schema(),
        &good,
        &bad,
    );
    assert_eq!((report.good, report.bad), (382, 2));
    assert_eq!(row_groups(&good), [(128, true), (127, false), (127, false)]);
    // The outputs have the mode `File::create` gives (were 0600, tempfile's).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain");
        std::fs::File::create(&plain).unwrap();
        assert_eq!((mode(&good), mode(&bad)), (mode(&plain), mode(&plain)));
    }
}

/// Rows that sampling leaves out make a row group's good rows not the
/// group: it is encoded, with the same rows as a CSV output of the run.
#[test]
fn sampled_row_groups_are_encoded() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("trips.parquet");
    zstd_trips(&input, 3, &[]);
    let source = SourceOptions { sample_rate: Some(0.5), seed: 7, batch_size: 32, ..Default::default() };
    let (good, bad) = (dir.path().join("good.parquet"), dir.path().join("bad.parquet"));
    let report = run(&input.display().to_string(), source.clone(), &trips_schema(), &good, &bad);
    let (good_csv, bad_csv) = (dir.path().join("good.csv"), dir.path().join("bad.csv"));
    let csv_report = run(&input.display().to_string(), source, &trips_schema(), &good_csv, &bad_csv);
    assert_eq!(report, csv_report);
    assert!(report.good > 100 && report.good < 284, "{report:?}");
    assert!(row_groups(&good).iter().all(|(_, copied)| !copied));
    let ids: Vec<i64> = read_parquet(&good)
        .iter()
        .flat_map(|b| b.column(0).as_primitive::<arrow::datatypes::Int64Type>().values().to_vec())
        .collect();
    let csv_ids: Vec<i64> =
        csv::Reader::from_path(&good_csv).unwrap().records().map(|r| r.unwrap()[0].parse().unwrap()).collect();
    assert_eq!(ids, csv_ids);
}

#[test]
fn taxi_data_against_its_tfdv_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::read(Path::new(&taxi("tfdv_schema.pbtxt"))).unwrap();
    let (good, bad) = (dir.path().join("good.csv"), dir.path().join("bad.parquet"));
    let source = SourceOptions { threads: 2, min_split_bytes: 64 << 10, ..Default::default() };
    let report = run(&taxi("data.csv"), source, &schema, &good, &bad);
    // pandas (python3.11, pandas 2), reading every cell as text:
    //   df = pd.read_csv("data.csv", dtype=str, keep_default_na=False)   # 15002 rows
    //   missing = (df[required] == "").any(axis=1)   # required: the 11 features with min_fraction 1.0 → 2
    //   dom = (df.company != "") & ~df.company.isin(company_domain)      # → 14 (payment_type: 0)
    //   (missing | dom).sum()                                            # → 16
    // The 2 missing rows lack pickup_community_area, pickup_latitude and
    // pickup_longitude together; no INT/FLOAT cell fails to parse.
    assert_eq!((report.rows_read, report.good, report.bad, report.unreadable), (15002, 14986, 16, 0));
    let got: Vec<(&str, u64)> = report.bad_by_check.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        got,
        [
            ("company: domain", 14),
            ("pickup_community_area: missing", 2),
            ("pickup_latitude: missing", 2),
            ("pickup_longitude: missing", 2),
        ]
    );
    let good_rows = csv::Reader::from_path(&good).unwrap().records().count();
    assert_eq!(good_rows, 14986);
    assert_eq!(read_parquet(&bad).iter().map(RecordBatch::num_rows).sum::<usize>(), 16);
}

/// The statistics of one statistics-and-rows pass as JSON, with its report.
fn one_pass(input: &str, source: SourceOptions, schema: &Schema, dir: &Path) -> (String, RowsReport, Vec<String>) {
    let (good, bad) = (dir.join("good.csv"), dir.join("bad.csv"));
    let options = StatsOptions::default();
    let (report, run) =
        validate_rows_with_stats(&[input.to_string()], source, schema, None, &good, &bad, &options).expect("one pass");
    (serde_json::to_string(&run.state.finish()).unwrap(), report, run.rescanned)
}

fn stats_alone(input: &str, source: SourceOptions) -> String {
    let run = compute_stats(&[input.to_string()], source, &StatsOptions::default()).unwrap();
    serde_json::to_string(&run.state.finish()).unwrap()
}

/// `validate --rows` computes its statistics in the row split's pass; they
/// must be those of `tabx stats` (the path checked against TFDV), byte for
/// byte, however the input is split into tasks, and the rows split as alone.
#[test]
fn one_pass_statistics_equal_a_statistics_pass() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::read(Path::new(&taxi("tfdv_schema.pbtxt"))).unwrap();
    // CSV: as `taxi_data_against_its_tfdv_schema` (pandas) counts them. The
    // embedded Parquet holds `company` = "" where the CSV cell is empty
    // (pyarrow: `sum(c == "" for c in column("company"))` = 5140), and "" is
    // not in the company domain: 16 + 5140 bad rows.
    for (file, bad) in [("data.csv", 16), ("data.parquet", 5156)] {
        for threads in [1, 3] {
            let source = SourceOptions { threads, min_split_bytes: 64 << 10, ..Default::default() };
            let (stats, report, _) = one_pass(&taxi(file), source.clone(), &schema, dir.path());
            assert_eq!(stats, stats_alone(&taxi(file), source), "{file}, {threads} threads");
            assert_eq!((report.rows_read, report.good, report.bad), (15002, 15002 - bad, bad), "{file}");
        }
    }
}

/// A column that is numeric in the first task and text in a later one is read
/// again as strings for its statistics (as `compute_stats` does), while its
/// rows are checked from the one pass: the text cells are `type` violations.
#[test]
fn one_pass_rereads_a_column_that_turns_to_text() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("late.csv");
    let mut text = String::from("id,fare,pay,flag\n");
    for i in 1..=3000 {
        let fare = if i > 2990 { "free".to_string() } else { format!("{}.5", i % 40) };
        text.push_str(&format!("{},{fare},Cash,0\n", i % 100 + 1));
    }
    std::fs::write(&input, text).unwrap();
    let input = input.display().to_string();
    let source = SourceOptions { threads: 2, min_split_bytes: 4 << 10, ..Default::default() };
    let (stats, report, rescanned) = one_pass(&input, source.clone(), &trips_schema(), dir.path());
    assert_eq!(rescanned, ["fare"]);
    assert_eq!(stats, stats_alone(&input, source));
    // Hand count: rows 2991..=3000 hold "free", not a FLOAT.
    assert_eq!((report.rows_read, report.good, report.bad), (3000, 2990, 10));
    assert_eq!(report.bad_by_check.get("fare: type"), Some(&10));
}
