//! Every kind of bad input the engine must name precisely (file and line),
//! skip, or quarantine, and the inputs that look bad but are data.

mod common;

use arrow::array::AsArray;
use arrow::datatypes::DataType;
use common::{rows, scan, taxi_parquet, write};
use tabx_core::TabxError;
use tabx_engine::{ColumnType, OnError, SourceOptions};

fn err(path: &str, opts: SourceOptions) -> String {
    scan(&[path.to_string()], opts).unwrap_err().to_string()
}

fn split(threads: usize) -> SourceOptions {
    SourceOptions { threads, min_split_bytes: 1, ..Default::default() }
}

#[test]
fn ragged_row_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "r.csv", "a,b\n1,2\n3\n4,5\n");
    for threads in [1, 3] {
        let e = err(&p, split(threads));
        assert!(e.starts_with(&format!("{p}:3: expected 2 fields, found 1\nhint:")), "{e}");
    }
    let (b, report, _) = scan(&[p], SourceOptions { on_error: OnError::Skip, ..split(3) }).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (2, 1));
    assert_eq!(report.bad_by_reason.get("wrong field count"), Some(&1));
    assert_eq!(rows(&b), ["a=1|b=2", "a=4|b=5"]);
}

#[test]
fn unclosed_quote_is_reported_not_swallowed() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b\n");
    for i in 0..50 {
        text.push_str(&format!("{i},x\n"));
    }
    text.push_str("50,\"abc\n51,y\n52,z\n");
    let p = write(dir.path(), "q.csv", &text);
    for threads in [1, 4] {
        let e = err(&p, split(threads));
        assert!(e.starts_with(&format!("{p}:52: unclosed quote starting here")), "{e}");
    }
    // Skipping costs the one line: the rows after it are read again.
    for threads in [1, 4] {
        let (b, report, _) =
            scan(std::slice::from_ref(&p), SourceOptions { on_error: OnError::Skip, ..split(threads) }).unwrap();
        assert_eq!((report.rows_read, report.rows_bad), (52, 1), "{threads} threads");
        assert_eq!(rows(&b).last().unwrap(), "a=52|b=z");
    }
}

#[test]
fn value_that_does_not_parse_under_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let long = "y".repeat(500);
    let p = write(dir.path(), "t.csv", format!("a,b\n1,2\n3,x\n4,{long}\n5,\n"));
    let types = [("b".to_string(), ColumnType::Int)].into();
    let e = err(&p, SourceOptions { column_types: types, ..Default::default() });
    assert!(e.starts_with(&format!("{p}:3: column b: value \"x\" does not parse as INT")), "{e}");
    let types = [("b".to_string(), ColumnType::Int)].into();
    let (b, report, _) =
        scan(&[p], SourceOptions { column_types: types, on_error: OnError::Skip, ..Default::default() }).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (2, 2));
    assert_eq!(report.bad_by_reason.get("column b: does not parse as INT"), Some(&2));
    assert_eq!(b[0].schema().field(1).data_type(), &DataType::Int64);
    // Long values are shortened in messages.
    let types = [("b".to_string(), ColumnType::Int)].into();
    let text = format!("a,b\n4,{long}\n");
    let p2 = write(dir.path(), "long.csv", text);
    let e = err(&p2, SourceOptions { column_types: types, ..Default::default() });
    assert!(e.len() < 200 && e.contains('…'), "{e}");
    // A forced type wins over inference: FLOAT for integers, STRING for numbers.
    let types = [("a".to_string(), ColumnType::Float), ("b".to_string(), ColumnType::String)].into();
    let p3 = write(dir.path(), "f.csv", "a,b\n1,2\n");
    let (b, _, _) = scan(&[p3], SourceOptions { column_types: types, ..Default::default() }).unwrap();
    assert_eq!(b[0].schema().field(0).data_type(), &DataType::Float64);
    assert_eq!(b[0].schema().field(1).data_type(), &DataType::Utf8);
}

#[test]
fn empty_and_header_only_files() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "empty.csv", "");
    assert_eq!(
        err(&p, SourceOptions::default()),
        format!("{p}: file is empty: no header row\nhint: a CSV file needs a header row naming its columns")
    );
    let p = write(dir.path(), "head.csv", "a,b\n");
    let (b, report, tasks) = scan(std::slice::from_ref(&p), split(4)).unwrap();
    assert_eq!((report.rows_read, tasks, b.len()), (0, 1, 1));
    assert_eq!(b[0].num_columns(), 2);
    assert_eq!(report.warnings, [format!("{p}: header only, no data rows")]);
    let p = write(dir.path(), "dup.csv", "a,b,a\n1,2,3\n");
    let e = err(&p, SourceOptions::default());
    assert!(e.contains(":1: duplicate column name `a` (columns 1 and 3)"), "{e}");
    assert!(e.contains("hint: rename one of them in the header"), "{e}");
    // Semicolons read with the default comma: one column, said so once.
    let p = write(dir.path(), "semi.csv", "a;b;c\n1;2;3\n4;5;6\n");
    let (_, report, _) = scan(std::slice::from_ref(&p), split(4)).unwrap();
    let warning = format!("{p}: one column, named `a;b;c`: if `;` separates the fields, pass --delimiter ';'");
    assert_eq!(report.warnings, [warning]);
    let (_, report, _) = scan(&[p], SourceOptions { delimiter: b';', ..Default::default() }).unwrap();
    assert!(report.warnings.is_empty(), "{:?}", report.warnings);
    let p = write(dir.path(), "blank.csv", "a,,c\n1,2,3\n");
    let e = err(&p, SourceOptions::default());
    assert!(e.contains(":1: column 2 has an empty name") && e.contains("pass index=False"), "{e}");
    // A last line without a line break is fine, and CRLF too.
    let p = write(dir.path(), "crlf.csv", "a,b\r\n1,2\r\n3,4");
    let (b, _, _) = scan(&[p], SourceOptions::default()).unwrap();
    assert_eq!(rows(&b), ["a=1|b=2", "a=3|b=4"]);
}

#[test]
fn invalid_utf8_is_data() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "u.csv", b"a,s\n1,ok\n2,\xff\xfeok\n".as_slice());
    let (b, report, _) = scan(&[p], SourceOptions::default()).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (2, 0));
    assert_eq!(b[0].column(1).as_binary::<i32>().value(1), b"\xff\xfeok");
    assert_eq!(report.column_types["s"], ColumnType::String);
}

#[test]
fn truncated_and_garbage_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(taxi_parquet()).unwrap();
    let half = write(dir.path(), "half.parquet", &bytes[..bytes.len() / 2]);
    let e = scan(std::slice::from_ref(&half), SourceOptions::default()).unwrap_err();
    assert!(matches!(&e, TabxError::Parquet { path, .. } if *path == half), "{e}");
    let garbage = write(dir.path(), "g.parquet", b"PAR1 this is not parquet at all PAR1".as_slice());
    assert!(matches!(scan(&[garbage], SourceOptions::default()), Err(TabxError::Parquet { .. })));
    // A footer intact but data pages zeroed: decoding fails as an error, not a crash.
    let mut zeroed = bytes.clone();
    for b in &mut zeroed[4..bytes.len() / 2] {
        *b = 0;
    }
    let z = write(dir.path(), "z.parquet", zeroed);
    assert!(matches!(scan(&[z], SourceOptions::default()), Err(TabxError::Parquet { .. })));
}

#[test]
fn quarantine_file_is_complete_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("a,b\n");
    for i in 0..40 {
        match i % 10 {
            3 => text.push_str(&format!("{i}\n")),
            7 => text.push_str(&format!("{i},notint\n")),
            _ => text.push_str(&format!("{i},{i}\n")),
        }
    }
    text.push_str("40,\"open\n41,1\n");
    let p = write(dir.path(), "d.csv", &text);
    let q = dir.path().join("bad.csv");
    let run = |threads| {
        let opts = SourceOptions {
            on_error: OnError::Quarantine(q.clone()),
            column_types: [("b".to_string(), ColumnType::Int)].into(),
            ..split(threads)
        };
        let (_, report, _) = scan(std::slice::from_ref(&p), opts).unwrap();
        assert_eq!(report.rows_read + report.rows_bad, 42);
        assert_eq!(report.rows_bad, 9);
        assert_eq!(report.quarantine.as_deref(), Some(q.as_path()));
        std::fs::read_to_string(&q).unwrap()
    };
    let one = run(1);
    assert_eq!(one, run(5));
    let lines: Vec<&str> = one.lines().collect();
    assert_eq!(lines[0], "a,b,_tabx_source,_tabx_reasons,_tabx_raw");
    assert_eq!(lines[1], format!(",,{p}:5,\"expected 2 fields, found 1\",3"));
    assert_eq!(lines[2], format!("7,notint,{p}:9,\"column b: value \"\"notint\"\" does not parse as INT\","));
    assert_eq!(lines[9], format!(",,{p}:42,unclosed quote starting here,\"40,\"\"open\""));
    assert_eq!(lines.len(), 10);
    // No temp files left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn ndjson_files_and_bad_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "a.jsonl", "{\"x\": 1, \"s\": \"a\"}\n\n{\"x\": 2.5}\n{\"s\": \"b\", \"l\": [1,2]}\n");
    let (b, report, _) = scan(&[p], SourceOptions::default()).unwrap();
    assert_eq!(report.rows_read, 3);
    let schema = b[0].schema();
    assert_eq!(schema.field_with_name("x").unwrap().data_type(), &DataType::Float64);
    assert!(matches!(schema.field_with_name("l").unwrap().data_type(), DataType::List(_)));
    let p = write(dir.path(), "bad.jsonl", "{\"x\": 1}\n{\"x\": 2}\n{\"x\": \n");
    let e = err(&p, SourceOptions::default());
    assert!(e.starts_with(&format!("{p}:3: not a JSON object")), "{e}");
    assert!(e.contains("hint: fix the line"), "{e}");
    // A pretty-printed document (stats.json given as data): said so, with the
    // flag an artifact goes to.
    let p = write(dir.path(), "stats.json", "{\n  \"datasets\": []\n}\n");
    let e = err(&p, SourceOptions::default());
    assert!(e.starts_with(&format!("{p}:1: not a JSON object: EOF while parsing")), "{e}");
    assert!(e.contains("is one JSON document over many lines, not JSON lines"), "{e}");
    assert!(e.contains(&format!("--stats {p}")), "{e}");
    let gz = {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut enc, b"{\"x\": 1}\n{\"x\": 2}\n").unwrap();
        enc.finish().unwrap()
    };
    let p = write(dir.path(), "c.ndjson.gz", gz);
    let (_, report, _) = scan(&[p], SourceOptions::default()).unwrap();
    assert_eq!(report.rows_read, 2);
}
