//! The bad-row policy (`on_error`) and the user's column types (`--schema`)
//! for NDJSON and Parquet, as CSV has them: bad lines and values that do not
//! parse as the wanted type are the error (naming file and line or row),
//! skipped and counted by reason, or quarantined with their text. Expected
//! rows are read off the fixtures by hand.

mod common;

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow::datatypes::DataType;
use common::{rows, scan, write};
use tabx_engine::{ColumnType, OnError, SourceOptions};

fn typed(types: &[(&str, ColumnType)]) -> SourceOptions {
    SourceOptions { column_types: types.iter().map(|(n, t)| (n.to_string(), *t)).collect(), ..Default::default() }
}

fn type_of(batch: &RecordBatch, column: &str) -> DataType {
    batch.schema().field_with_name(column).unwrap().data_type().clone()
}

/// Five kinds of bad line among three good ones.
const BAD_LINES: &str = "{\"x\": 1, \"s\": \"a\"}\n\
    not json\n\
    [1, 2]\n\
    {\"x\": 2} {\"x\": 3}\n\
    {\"x\": 4, \"s\": \"b\"}\n\
    {\"x\": \n\
    \n\
    {\"x\": {\"deep\": 1}}\n\
    {\"x\": 5}\n";

#[test]
fn ndjson_bad_lines_follow_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "bad.jsonl", BAD_LINES);
    // fail: the first bad line, named (found while inferring the schema).
    let e = scan(std::slice::from_ref(&p), SourceOptions::default()).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{p}:2: not a JSON object: expected ident")), "{e}");
    assert!(e.contains("--on-error skip"), "{e}");

    // skip: lines 2, 3, 4, 6 are not one object; line 8's object does not fit x (a number elsewhere).
    let skip = SourceOptions { on_error: OnError::Skip, ..Default::default() };
    let (batches, report, _) = scan(std::slice::from_ref(&p), skip).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (3, 5));
    assert_eq!(report.bad_by_reason.get("not one JSON object"), Some(&4), "{:?}", report.bad_by_reason);
    assert_eq!(report.bad_by_reason.get("value does not fit the field's type"), Some(&1));
    assert_eq!(rows(&batches), ["s=a|x=1", "s=b|x=4", "s=|x=5"]);

    // quarantine: each bad line's text, file:line and reason.
    let q = dir.path().join("q.csv");
    let options = SourceOptions { on_error: OnError::Quarantine(q.clone()), ..Default::default() };
    let (_, report, _) = scan(std::slice::from_ref(&p), options).unwrap();
    assert_eq!(report.rows_bad, 5);
    let mut reader = csv::Reader::from_path(&q).unwrap();
    assert_eq!(reader.headers().unwrap(), vec!["_tabx_source", "_tabx_reasons", "_tabx_raw"]);
    let got: Vec<(String, String)> =
        reader.records().map(|r| r.unwrap()).map(|r| (r[0].to_string(), r[2].to_string())).collect();
    let want =
        [(2, "not json"), (3, "[1, 2]"), (4, "{\"x\": 2} {\"x\": 3}"), (6, "{\"x\": "), (8, "{\"x\": {\"deep\": 1}}")];
    let want: Vec<(String, String)> = want.iter().map(|(l, t)| (format!("{p}:{l}"), t.to_string())).collect();
    assert_eq!(got, want);
}

#[test]
fn ndjson_fields_whose_values_disagree_are_text() {
    // arrow-json infers Utf8 for 1 and "x", then refused to decode the 1 ("expected string got 1").
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "mixed.jsonl", "{\"a\": 1, \"b\": true}\n{\"a\": \"x\", \"b\": \"no\"}\n{\"a\": 2.50}\n");
    let (batches, report, _) = scan(&[p], SourceOptions::default()).unwrap();
    assert_eq!(report.rows_read, 3);
    assert_eq!(type_of(&batches[0], "a"), DataType::Utf8);
    // Numbers as written (2.50, not 2.5).
    assert_eq!(rows(&batches), ["a=1|b=true", "a=x|b=no", "a=2.50|b="]);
}

#[test]
fn ndjson_takes_the_users_types() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "t.jsonl",
        "{\"i\": 1, \"f\": 1, \"s\": 10}\n{\"i\": 2.5, \"f\": 2, \"s\": 11}\n{\"i\": 3, \"f\": 2.25, \"s\": \"z\"}\n",
    );
    let types = [("i", ColumnType::Int), ("f", ColumnType::Float), ("s", ColumnType::String)];
    // fail: 2.5 is not INT (arrow-json alone would read it as 2).
    let e = scan(std::slice::from_ref(&p), typed(&types)).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{p}:2: column i: value \"2.5\" does not parse as INT")), "{e}");
    let (batches, report, _) =
        scan(std::slice::from_ref(&p), SourceOptions { on_error: OnError::Skip, ..typed(&types) }).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (2, 1));
    assert_eq!(report.bad_by_reason.get("column i: does not parse as INT"), Some(&1));
    assert_eq!(type_of(&batches[0], "i"), DataType::Int64);
    assert_eq!(type_of(&batches[0], "f"), DataType::Float64);
    assert_eq!(type_of(&batches[0], "s"), DataType::Utf8);
    assert_eq!(rows(&batches), ["f=1|i=1|s=10", "f=2.25|i=3|s=z"]);
}

#[test]
fn parquet_takes_the_users_types() {
    let dir = tempfile::tempdir().unwrap();
    let batch = RecordBatch::try_from_iter([
        ("i", Arc::new(Int64Array::from(vec![Some(1), Some(2), None, Some(4)])) as ArrayRef),
        ("f", Arc::new(Float64Array::from(vec![Some(1.0), Some(2.5), Some(3.0), None])) as ArrayRef),
        ("s", Arc::new(StringArray::from(vec![Some("7"), Some("8"), Some("x"), Some("-9")])) as ArrayRef),
    ])
    .unwrap();
    let path = dir.path().join("t.parquet");
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let p = path.display().to_string();
    let types = [("i", ColumnType::Float), ("f", ColumnType::Int), ("s", ColumnType::Int)];

    let e = scan(std::slice::from_ref(&p), typed(&types)).unwrap_err().to_string();
    assert!(e.starts_with(&format!("{p}:2: column f: value \"2.5\" does not parse as INT")), "{e}");

    let (batches, report, _) =
        scan(std::slice::from_ref(&p), SourceOptions { on_error: OnError::Skip, ..typed(&types) }).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (2, 2));
    assert_eq!(report.bad_by_reason.get("column s: does not parse as INT"), Some(&1));
    assert_eq!(type_of(&batches[0], "i"), DataType::Float64);
    assert_eq!(type_of(&batches[0], "f"), DataType::Int64);
    assert_eq!(type_of(&batches[0], "s"), DataType::Int64);
    assert_eq!(rows(&batches), ["f=1|i=1|s=7", "f=|i=4|s=-9"]);

    // STRING: numbers as text.
    let (batches, _, _) = scan(std::slice::from_ref(&p), typed(&[("i", ColumnType::String)])).unwrap();
    assert_eq!(type_of(&batches[0], "i"), DataType::Utf8);

    let q = dir.path().join("q.csv");
    let options = SourceOptions { on_error: OnError::Quarantine(q.clone()), ..typed(&types) };
    scan(std::slice::from_ref(&p), options).unwrap();
    let text = std::fs::read_to_string(&q).unwrap();
    let want = format!(
        "i,f,s,_tabx_source,_tabx_reasons,_tabx_raw\n\
         2,2.5,8,{p}:2,\"column f: value \"\"2.5\"\" does not parse as INT\",\n\
         ,3.0,x,{p}:3,\"column s: value \"\"x\"\" does not parse as INT\",\n"
    );
    assert_eq!(text, want);
}

/// `ScanPlan::fixed_schema`: the batches' columns before the scan, only
/// where no value can change them (Parquet read whole, no forced type).
#[test]
fn fixed_schema_only_for_parquet_read_as_stored() {
    use tabx_engine::ScanPlan;
    let parquet = common::taxi_parquet();
    let plan = ScanPlan::try_new(std::slice::from_ref(&parquet), SourceOptions::default()).unwrap();
    let schema = plan.fixed_schema().expect("Parquet columns are known");
    let (batches, _, _) = scan(std::slice::from_ref(&parquet), SourceOptions::default()).unwrap();
    assert_eq!(batches[0].schema().fields(), schema.fields());
    let csv = common::taxi_csv();
    let forced = typed(&[("fare", ColumnType::String)]);
    let projected = SourceOptions { projection: Some(vec!["fare".into()]), ..Default::default() };
    for (inputs, options) in [
        (vec![csv.clone()], SourceOptions::default()),
        (vec![parquet.clone(), csv], SourceOptions::default()),
        (vec![parquet.clone()], forced),
        (vec![parquet], projected),
    ] {
        assert!(ScanPlan::try_new(&inputs, options).unwrap().fixed_schema().is_none(), "{inputs:?}");
    }
}

/// A projection reads the named columns of CSV, NDJSON and Parquet alike; a
/// name a file lacks is an error naming the file and its columns, or, when
/// lenient, the file is read whole (its consumer reports the column).
#[test]
fn projections_strict_and_lenient_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let csv = write(dir.path(), "t.csv", "a,b,c\n1,x,2.5\n2,y,3.5\n");
    let ndjson = write(dir.path(), "t.jsonl", "{\"a\":1,\"b\":\"x\",\"c\":2.5}\n{\"a\":2,\"b\":\"y\",\"c\":3.5}\n");
    let parquet = dir.path().join("t.parquet");
    let batch = RecordBatch::try_from_iter([
        ("a", Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef),
        ("b", Arc::new(StringArray::from(vec!["x", "y"]))),
        ("c", Arc::new(Float64Array::from(vec![2.5, 3.5]))),
    ])
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&parquet).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let parquet = parquet.display().to_string();
    let columns = |input: &str, cols: &[&str], lenient: bool| {
        let options = SourceOptions {
            projection: Some(cols.iter().map(|c| c.to_string()).collect()),
            projection_lenient: lenient,
            ..Default::default()
        };
        scan(&[input.to_string()], options)
            .map(|(batches, _, _)| batches[0].schema().fields().iter().map(|f| f.name().clone()).collect::<Vec<_>>())
    };
    for input in [&csv, &ndjson, &parquet] {
        // File order, whatever the order asked, with the values of a whole read.
        assert_eq!(columns(input, &["c", "a"], false).unwrap(), ["a", "c"], "{input}");
        let (whole, _, _) = scan(std::slice::from_ref(input), SourceOptions::default()).unwrap();
        let options = SourceOptions { projection: Some(vec!["c".into(), "a".into()]), ..Default::default() };
        let (projected, _, _) = scan(std::slice::from_ref(input), options).unwrap();
        assert_eq!(projected[0], whole[0].project(&[0, 2]).unwrap(), "{input}");
        assert_eq!(columns(input, &["c", "a"], true).unwrap(), ["a", "c"], "{input}");
        let err = columns(input, &["a", "zz"], false).unwrap_err().to_string();
        assert!(err.contains("no column named `zz`") && err.contains(input.as_str()), "{err}");
        assert!(err.contains("the file's columns are: a, b, c"), "{err}");
        assert_eq!(columns(input, &["a", "zz"], true).unwrap(), ["a", "b", "c"], "{input}");
    }
}

/// `dictionary_strings`: Parquet string columns arrive as Int32-keyed
/// dictionaries holding the plain read's values (nulls included), but a
/// column the user types as something else, and CSV, as before.
#[test]
fn parquet_strings_as_dictionaries() {
    let dir = tempfile::tempdir().unwrap();
    let parquet = dir.path().join("t.parquet");
    let batch = RecordBatch::try_from_iter([
        ("s", Arc::new(StringArray::from(vec![Some("x"), None, Some("y"), Some("x")])) as ArrayRef),
        ("n", Arc::new(StringArray::from(vec!["1", "2", "3", "4"]))),
        ("f", Arc::new(Float64Array::from(vec![2.5, 3.5, 1.0, 0.0]))),
    ])
    .unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&parquet).unwrap(), batch.schema(), None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let csv = write(dir.path(), "t.csv", "s,n\nx,1\n");
    let options = |dictionary_strings| SourceOptions {
        dictionary_strings,
        column_types: [("n".to_string(), ColumnType::Int)].into(),
        ..Default::default()
    };
    let input = [parquet.display().to_string()];
    let (plain, _, _) = scan(&input, options(false)).unwrap();
    let (dict, _, _) = scan(&input, options(true)).unwrap();
    let dictionary = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    assert_eq!((type_of(&dict[0], "s"), type_of(&dict[0], "n")), (dictionary, DataType::Int64));
    assert_eq!(type_of(&plain[0], "s"), DataType::Utf8);
    let s = arrow::compute::cast(dict[0].column(0), &DataType::Utf8).unwrap();
    assert_eq!(&s, plain[0].column(0));
    assert_eq!(dict[0].columns()[1..], plain[0].columns()[1..]);
    let (csv, _, _) = scan(&[csv], options(true)).unwrap();
    assert_eq!(type_of(&csv[0], "s"), DataType::Utf8);
}

/// NDJSON cut into chunks decoded on several threads (`ndjson/chunks.rs`)
/// reads what one thread reads: the same rows in the same order, the same
/// counts, rejects told and quarantined in line order with their lines, from
/// a file and from a stream, across chunk ends (batches of 7 lines) with
/// blank lines, bad lines, a value that does not fit and no final `\n`.
#[test]
fn ndjson_on_several_threads_reads_what_one_thread_reads() {
    use std::sync::Mutex;
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    for i in 0..300 {
        match i % 23 {
            5 => text.push('\n'),
            11 => text.push_str("not json\n"),
            17 => text.push_str("{\"id\": {\"deep\": 1}, \"s\": \"x\"}\n"),
            _ => text.push_str(&format!("{{\"id\": {i}, \"s\": \"r{i}\", \"f\": {}.5}}\n", i % 4)),
        }
    }
    text.push_str("{\"id\": 999, \"s\": \"last\"}");
    let path = write(dir.path(), "t.jsonl", &text);
    let read = |parsers: usize, quarantine: &str| {
        let told = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&told);
        let q = dir.path().join(quarantine);
        let options = SourceOptions {
            batch_size: 7,
            threads: 2,
            stream_parsers: parsers,
            on_error: OnError::Quarantine(q.clone()),
            on_reject: Some(Arc::new(move |at, why| sink.lock().unwrap().push(format!("{at}: {why}")))),
            ..Default::default()
        };
        let (batches, report, _) = scan(std::slice::from_ref(&path), options).unwrap();
        let told = told.lock().unwrap().clone();
        (
            rows(&batches),
            report.rows_read,
            report.rows_bad,
            report.bad_by_reason,
            told,
            std::fs::read_to_string(q).unwrap(),
        )
    };
    let one = read(1, "q1.csv");
    // Hand count: 300 lines, 13 each blank, not JSON, and not fitting `id`; 261 + the last line good.
    assert_eq!((one.1, one.2), (262, 13 + 13));
    assert!(one.5.contains(&format!("{path}:12,")), "{}", one.5);
    for parsers in [2, 3] {
        assert_eq!(read(parsers, &format!("q{parsers}.csv")), one, "{parsers} parsers");
    }
}
