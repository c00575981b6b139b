//! `SourceOptions::row_source`: every batch carries each row's file and line
//! (CSV/NDJSON: the physical line where the record starts, header = line 1;
//! Parquet: the row number in the file), however the input is split.

mod common;

use std::sync::Arc;

use arrow::array::{Array, AsArray, Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, UInt32Type, UInt64Type};
use common::{scan, write};
use parquet::arrow::ArrowWriter;
use parquet::file::properties::WriterProperties;
use tabx_engine::{OnError, SourceOptions};

fn with_source(threads: usize) -> SourceOptions {
    SourceOptions { row_source: true, threads, min_split_bytes: 1, batch_size: 2, ..Default::default() }
}

/// (file, line) of every row, in output order, and the value of column `col`.
fn origins(batches: &[RecordBatch], col: &str) -> Vec<(String, u64, String)> {
    let mut out = Vec::new();
    for b in batches {
        // The file column is a dictionary of the file's name (one key per row).
        let files = b.column_by_name(SourceOptions::FILE_COLUMN).expect("file column");
        assert!(matches!(files.data_type(), DataType::Dictionary(..)), "{}", files.data_type());
        let files = arrow::compute::cast(files, &DataType::Utf8).unwrap();
        let files = files.as_string::<i32>();
        let lines = b.column_by_name(SourceOptions::LINE_COLUMN).expect("line column").as_primitive::<UInt64Type>();
        let values = arrow::compute::cast(b.column_by_name(col).expect("value column"), &DataType::Utf8).unwrap();
        let values = values.as_string::<i32>();
        for r in 0..b.num_rows() {
            out.push((files.value(r).to_string(), lines.value(r), values.value(r).to_string()));
        }
    }
    out
}

#[test]
fn csv_lines_are_physical_lines_across_byte_ranges() {
    let dir = tempfile::tempdir().unwrap();
    // Lines: 1 header, 2-3 row a=1 (quoted line break), 4 a=2, 5-7 a=3, 8 a=4,
    // 9 blank, 10 a=5 (CRLF).
    let text = "a,b\n1,\"x\ny\"\n2,z\n3,\"p\nq\nr\"\n4,w\n\n5,v\r\n";
    let p = write(dir.path(), "m.csv", text);
    let expected: Vec<(String, u64, String)> =
        [(2, "1"), (4, "2"), (5, "3"), (8, "4"), (10, "5")].map(|(l, a)| (p.clone(), l, a.to_string())).into();
    for threads in [1, 3, 8] {
        let (batches, report, tasks) = scan(std::slice::from_ref(&p), with_source(threads)).unwrap();
        assert!(threads == 1 || tasks > 1, "{threads} threads should split the file");
        assert_eq!(origins(&batches, "a"), expected, "{threads} threads");
        assert_eq!(report.rows_read, 5);
        let schema = batches[0].schema();
        let file_type = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert_eq!(schema.field(2).data_type(), &file_type);
        assert_eq!(schema.field(3).data_type(), &DataType::UInt64);
        // `file:line`, as error messages and bad-row outputs name a row.
        assert_eq!(tabx_engine::row_origin(&batches[0], 0), Some(format!("{p}:2")));
        // The report's column types are the data's, not the origin's.
        assert_eq!(report.column_types.len(), 2);
    }
    // Off: no extra columns.
    let (batches, _, _) = scan(std::slice::from_ref(&p), SourceOptions::default()).unwrap();
    assert_eq!(batches[0].num_columns(), 2);
}

#[test]
fn skipped_rows_keep_the_others_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Line 3 is ragged, line 5 opens a quote that never closes (skipped alone).
    let p = write(dir.path(), "s.csv", "a,b\n1,x\n2\n3,y\n4,\"open\n5,z\n");
    let opts = SourceOptions { on_error: OnError::Skip, ..with_source(2) };
    let (batches, report, _) = scan(std::slice::from_ref(&p), opts).unwrap();
    assert_eq!((report.rows_read, report.rows_bad), (3, 2));
    let lines: Vec<u64> = origins(&batches, "a").into_iter().map(|(_, l, _)| l).collect();
    assert_eq!(lines, [2, 4, 6]);
    // Projection keeps the origin columns at the end.
    let opts = SourceOptions { projection: Some(vec!["b".into()]), on_error: OnError::Skip, ..with_source(1) };
    let (batches, _, _) = scan(&[p], opts).unwrap();
    let names: Vec<String> = batches[0].schema().fields().iter().map(|f| f.name().clone()).collect();
    assert_eq!(names, ["b", "_tabx_file", "_tabx_line"]);
}

#[test]
fn header_only_and_reserved_names() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "h.csv", "a,b\n");
    let (batches, _, _) = scan(&[p], with_source(1)).unwrap();
    assert_eq!((batches[0].num_rows(), batches[0].num_columns()), (0, 4));
    let p = write(dir.path(), "r.csv", "a,_tabx_line\n1,2\n");
    let e = scan(std::slice::from_ref(&p), with_source(1)).unwrap_err().to_string();
    assert!(e.contains("`_tabx_line`, a name tabx reserves"), "{e}");
    // Without row_source the name is just a name.
    assert!(scan(&[p], SourceOptions::default()).is_ok());
}

#[test]
fn ndjson_lines_count_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "n.jsonl", "{\"a\":1}\n\n{\"a\":2}\n{\"a\":3}\n");
    let (batches, _, _) = scan(std::slice::from_ref(&p), with_source(1)).unwrap();
    let got: Vec<(u64, String)> = origins(&batches, "a").into_iter().map(|(_, l, a)| (l, a)).collect();
    assert_eq!(got, [(1, "1".to_string()), (3, "2".into()), (4, "3".into())]);
}

#[test]
fn parquet_rows_are_numbered_across_row_groups() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("two.parquet");
    let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
    let props = WriterProperties::builder().set_max_row_group_row_count(Some(3)).build();
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), Arc::clone(&schema), Some(props)).unwrap();
    let batch = RecordBatch::try_new(schema, vec![Arc::new(Int64Array::from_iter_values(10..15))]).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    let p = path.display().to_string();
    for threads in [1, 2] {
        let (batches, _, tasks) = scan(std::slice::from_ref(&p), with_source(threads)).unwrap();
        assert_eq!(tasks, 2, "one task per row group");
        let got: Vec<(u64, String)> = origins(&batches, "a").into_iter().map(|(_, l, a)| (l, a)).collect();
        let expected: Vec<(u64, String)> = (1..=5).map(|i| (i, (9 + i).to_string())).collect();
        assert_eq!(got, expected, "{threads} threads");
        assert!(batches.iter().all(|b| b.column(2).null_count() == 0));
    }
    // Sampling keeps each row's own number.
    let opts = SourceOptions { sample_rate: Some(0.5), seed: 3, ..with_source(2) };
    let (batches, _, _) = scan(&[p], opts).unwrap();
    for (_, line, a) in origins(&batches, "a") {
        assert_eq!(a.parse::<u64>().unwrap(), line + 9);
    }
}

/// `raw_records`: each CSV record's bytes as the file holds them (quotes,
/// embedded line breaks, spacing and number spellings kept, the record's own
/// line break dropped), in row order, however the file is split; sampled-out
/// and rejected rows have none, as they have no row. A local uncompressed
/// file gives where the bytes are (`RAW_SPAN_COLUMN`, read back here), a
/// stream (here gzip) the bytes (`RAW_COLUMN`).
#[test]
fn csv_raw_records_are_the_file_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let text = "a,b\n1,\"x\ny\"\n2.50, z\n\"3\",\"p\"\"q\"\n4,w,extra\n\n5,v\r\n";
    let p = write(dir.path(), "m.csv", text);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
    let gz = write(dir.path(), "m.csv.gz", gz.finish().unwrap());
    let expected = ["1,\"x\ny\"", "2.50, z", "\"3\",\"p\"\"q\"", "5,v"];
    for threads in [1, 3] {
        let options = SourceOptions { raw_records: true, on_error: OnError::Skip, ..with_source(threads) };
        let (batches, report, _) = scan(std::slice::from_ref(&p), options.clone()).unwrap();
        let in_place: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                assert!(b.column_by_name(SourceOptions::RAW_COLUMN).is_none());
                let spans = b.column_by_name(SourceOptions::RAW_SPAN_COLUMN).expect("span column").as_struct();
                let starts = spans.column(0).as_primitive::<UInt64Type>();
                let lens = spans.column(1).as_primitive::<UInt32Type>();
                (0..b.num_rows())
                    .map(|r| {
                        let start = starts.value(r) as usize;
                        text[start..start + lens.value(r) as usize].to_string()
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(in_place, expected, "{threads} threads");
        assert_eq!(report.rows_bad, 1);

        let (batches, report, _) = scan(std::slice::from_ref(&gz), options).unwrap();
        let copied: Vec<String> = batches
            .iter()
            .flat_map(|b| {
                assert!(b.column_by_name(SourceOptions::RAW_SPAN_COLUMN).is_none());
                let column = b.column_by_name(SourceOptions::RAW_COLUMN).expect("raw column").as_binary::<i32>();
                column.iter().map(|v| String::from_utf8(v.unwrap().to_vec()).unwrap()).collect::<Vec<_>>()
            })
            .collect();
        assert_eq!(copied, expected, "{threads} threads, gzip");
        assert_eq!(report.rows_bad, 1);
    }
    // Without row_source, or with a projection, no raw column.
    for options in [
        SourceOptions { raw_records: true, ..Default::default() },
        SourceOptions { raw_records: true, projection: Some(vec!["a".into()]), ..with_source(1) },
    ] {
        let (batches, _, _) =
            scan(std::slice::from_ref(&p), SourceOptions { on_error: OnError::Skip, ..options }).unwrap();
        let schema = batches[0].schema();
        assert!(schema.fields().iter().all(|f| !f.name().starts_with("_tabx_raw")));
    }
}
