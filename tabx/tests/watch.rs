//! Watching streams (`tabx::StreamValidator`, `tabx::watch`): row windows,
//! tumbling and sliding (a sliding window's statistics equal those of its
//! rows computed directly), event-time windows with lateness, drift against
//! the previous window and skew against a baseline, rejected rows counted,
//! `max_windows`. Expected values are hand counts of the rows written here.

use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use tabx::{Bounds, OnError, SourceOptions, StatsAccumulator, StatsOptions, StreamValidator, WindowResult, WindowSpec};
use tabx_schema::{Feature, FeatureComparator, Schema, SchemaType, Threshold};

/// `n` rows: `x` = the row number, `pay` from `pays` in turn.
fn rows(from: i64, n: i64, pays: &[&str]) -> RecordBatch {
    let pay: Vec<&str> = (from..from + n).map(|i| pays[i as usize % pays.len()]).collect();
    RecordBatch::try_from_iter([
        ("x", Arc::new(Int64Array::from_iter_values(from..from + n)) as ArrayRef),
        ("pay", Arc::new(StringArray::from(pay))),
    ])
    .unwrap()
}

fn schema() -> Schema {
    let mut schema = Schema::default();
    schema.feature.push(Feature::new("x", SchemaType::Int));
    schema.feature.push(Feature::new("pay", SchemaType::Bytes));
    schema
}

fn validator(spec: WindowSpec, schema: Schema) -> StreamValidator {
    StreamValidator::try_new(schema, None, spec, StatsOptions::default(), None).unwrap()
}

/// Every window of `batches` pushed in turn, then the stream ended.
fn windows(mut v: StreamValidator, batches: &[RecordBatch]) -> Vec<WindowResult> {
    let mut out = Vec::new();
    for b in batches {
        v.push(b).unwrap();
        while let Some(w) = v.poll() {
            out.push(w);
        }
    }
    out.extend(v.finish().unwrap());
    out
}

fn mean_of_x(w: &WindowResult) -> f64 {
    let stats = w.statistics.whole().unwrap();
    stats.feature("x").unwrap().num_stats.as_ref().unwrap().mean
}

#[test]
fn tumbling_row_windows_cut_batches_at_their_bounds() {
    let spec = WindowSpec::Rows { size: 4, slide: 4 };
    // 10 rows in batches of 3, 3, 4: windows 0-3, 4-7 and a short 8-9.
    let got = windows(validator(spec, schema()), &[rows(0, 3, &["a"]), rows(3, 3, &["a"]), rows(6, 4, &["a"])]);
    let bounds: Vec<(Bounds, u64, bool)> = got.iter().map(|w| (w.bounds.clone(), w.rows, w.end_of_input)).collect();
    assert_eq!(
        bounds,
        [
            (Bounds::Rows { first: 0, last: 3 }, 4, false),
            (Bounds::Rows { first: 4, last: 7 }, 4, false),
            (Bounds::Rows { first: 8, last: 9 }, 2, true),
        ]
    );
    // Means of 0..=3, 4..=7, 8..=9.
    assert_eq!(got.iter().map(mean_of_x).collect::<Vec<_>>(), [1.5, 5.5, 8.5]);
    assert_eq!(got.iter().map(|w| w.index).collect::<Vec<_>>(), [0, 1, 2]);
    // A tumbling window is its one pane, taken as it is: the same statistics
    // as a direct pass over its rows.
    for (w, (first, n)) in got.iter().zip([(0, 4), (4, 4), (8, 2)]) {
        let mut direct = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
        direct.update(&rows(first, n, &["a"])).unwrap();
        assert_eq!(
            serde_json::to_string(&w.statistics).unwrap(),
            serde_json::to_string(&direct.finish()).unwrap(),
            "rows from {first}"
        );
    }
}

#[test]
fn sliding_windows_are_merged_panes_equal_to_their_rows() {
    let spec = WindowSpec::Rows { size: 6, slide: 2 };
    let got = windows(validator(spec, schema()), &[rows(0, 5, &["a", "b", "c"]), rows(5, 6, &["a", "b", "c"])]);
    // 11 rows: windows end after rows 6, 8, 10 (full), then 11 (short: rows 6-10).
    let bounds: Vec<Bounds> = got.iter().map(|w| w.bounds.clone()).collect();
    let expected: Vec<Bounds> =
        [(0, 5), (2, 7), (4, 9), (6, 10)].iter().map(|&(first, last)| Bounds::Rows { first, last }).collect();
    assert_eq!(bounds, expected);
    assert!(got[3].end_of_input && !got[2].end_of_input);
    // Each window's statistics equal a direct pass over its rows.
    for (w, (first, last)) in got.iter().zip([(0, 5), (2, 7), (4, 9), (6, 10)]) {
        let mut direct = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
        direct.update(&rows(first, last - first + 1, &["a", "b", "c"])).unwrap();
        assert_eq!(
            serde_json::to_string(&w.statistics).unwrap(),
            serde_json::to_string(&direct.finish()).unwrap(),
            "rows {first}..={last}"
        );
    }
}

#[test]
fn a_stream_shorter_than_one_window_still_reports() {
    let spec = WindowSpec::Rows { size: 10, slide: 5 };
    let got = windows(validator(spec, schema()), &[rows(0, 5, &["a"])]);
    assert_eq!((got.len(), got[0].rows, got[0].end_of_input), (1, 5, true));
    assert!(windows(validator(WindowSpec::Rows { size: 3, slide: 3 }, schema()), &[]).is_empty());
}

/// Rows with event times `ts`, `x` = their position.
fn timed(ts: &[Option<i64>]) -> RecordBatch {
    RecordBatch::try_from_iter([
        ("x", Arc::new(Int64Array::from_iter_values(0..ts.len() as i64)) as ArrayRef),
        ("ts", Arc::new(Int64Array::from(ts.to_vec()))),
    ])
    .unwrap()
}

#[test]
fn event_time_windows_with_lateness_count_late_and_timeless_rows() {
    let spec = WindowSpec::Time { column: "ts".into(), size: 60, slide: 60, lateness: 30 };
    let mut schema = Schema::default();
    schema.feature.push(Feature::new("x", SchemaType::Int));
    schema.feature.push(Feature::new("ts", SchemaType::Int));
    let v = validator(spec, schema);
    // Hand trace (windows [0,60), [60,120), ...; a window closes when the
    // largest time seen reaches its end + 30):
    // batch 1: 10, 50, 70, 20 (out of order, its window still open), null → max 70, nothing closes.
    // batch 2: 95 → max 95 ≥ 60 + 30: [0,60) closes with 10, 50, 20 (3 rows; 1 timeless counted).
    // batch 3: 5 (late: [0,60) was emitted), 100, 200 → max 200: [60,120) closes with 70, 95, 100
    //          (late 1); [120,180) is empty and skipped; 200's window waits.
    // end: [180,240) with 200, end_of_input.
    let got = windows(
        v,
        &[
            timed(&[Some(10), Some(50), Some(70), Some(20), None]),
            timed(&[Some(95)]),
            timed(&[Some(5), Some(100), Some(200)]),
        ],
    );
    let summary: Vec<(Bounds, u64, u64, u64, bool)> =
        got.iter().map(|w| (w.bounds.clone(), w.rows, w.late, w.no_time, w.end_of_input)).collect();
    assert_eq!(
        summary,
        [
            (Bounds::Time { start: 0, end: 60 }, 3, 0, 1, false),
            (Bounds::Time { start: 60, end: 120 }, 3, 1, 0, false),
            (Bounds::Time { start: 180, end: 240 }, 1, 0, 0, true),
        ]
    );
}

#[test]
fn sliding_time_windows_share_panes() {
    let spec = WindowSpec::Time { column: "ts".into(), size: 20, slide: 10, lateness: 0 };
    let mut schema = Schema::default();
    schema.feature.push(Feature::new("ts", SchemaType::Int));
    // Panes [0,10) 2 rows, [10,20) 1 row, [20,30) 1 row. Windows end at 10
    // (pane 0 only: [-10,10)), 20, 30 and, at the end, 40 (pane [20,30)).
    let got = windows(validator(spec, schema), &[timed(&[Some(1), Some(5), Some(15), Some(25)])]);
    let summary: Vec<(Bounds, u64)> = got.iter().map(|w| (w.bounds.clone(), w.rows)).collect();
    assert_eq!(
        summary,
        [
            (Bounds::Time { start: -10, end: 10 }, 2),
            (Bounds::Time { start: 0, end: 20 }, 3),
            (Bounds::Time { start: 10, end: 30 }, 2),
            (Bounds::Time { start: 20, end: 40 }, 1),
        ]
    );
}

#[test]
fn drift_against_the_previous_window_and_skew_against_a_baseline() {
    let mut schema = schema();
    let linf = |t| FeatureComparator { infinity_norm: Some(Threshold { threshold: Some(t) }), ..Default::default() };
    let pay = schema.feature_mut("pay").unwrap();
    pay.drift_comparator = Some(linf(0.2));
    pay.skew_comparator = Some(linf(0.2));
    // Baseline: pay half a, half b.
    let mut base = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
    base.update(&rows(0, 100, &["a", "b"])).unwrap();
    let baseline = base.finish().whole().cloned();
    let v = StreamValidator::try_new(
        schema,
        baseline,
        WindowSpec::Rows { size: 10, slide: 10 },
        StatsOptions::default(),
        None,
    )
    .unwrap();
    // Window 0 like the baseline; window 1 all a (L∞ 0.5 from both); window 2 all a again.
    let got = windows(v, &[rows(0, 10, &["a", "b"]), rows(10, 10, &["a"]), rows(20, 10, &["a"])]);
    let kinds = |w: &WindowResult| {
        let mut k: Vec<String> = w
            .anomalies
            .drift_skew_info
            .iter()
            .flat_map(|i| {
                let drift = i.drift_measurements.iter().filter(|m| m.value > m.threshold).map(|_| "drift".to_string());
                let skew = i.skew_measurements.iter().filter(|m| m.value > m.threshold).map(|_| "skew".to_string());
                drift.chain(skew).collect::<Vec<_>>()
            })
            .collect();
        k.sort();
        k
    };
    assert_eq!(kinds(&got[0]), Vec::<String>::new());
    assert_eq!(kinds(&got[1]), ["drift", "skew"]);
    assert_eq!(kinds(&got[2]), ["skew"], "all a like the window before: skewed, not drifting");
    assert!(got[0].anomalies.is_empty() && !got[1].anomalies.is_empty());
}

#[test]
fn watch_counts_rejected_rows_and_stops_after_max_windows() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("s.csv");
    // Row 3 (line 5) is not an INT: rejected under the schema's types, counted in window 0.
    let mut text = String::from("x,pay\n0,a\n1,a\n2,a\nthree,a\n");
    for i in 4..100 {
        text.push_str(&format!("{i},a\n"));
    }
    std::fs::write(&input, text).unwrap();
    let mut source = SourceOptions { on_error: OnError::Fail, batch_size: 7, ..Default::default() };
    source.column_types.insert("x".into(), tabx_engine::ColumnType::Int);
    let options = |max| tabx::WatchOptions {
        window: WindowSpec::Rows { size: 10, slide: 10 },
        stats: StatsOptions::default(),
        environment: None,
        max_windows: max,
        checkpoint: None,
        follow: false,
    };
    let mut seen = Vec::new();
    let inputs = [input.display().to_string()];
    let report = tabx::watch(&inputs, source.clone(), schema(), None, options(None), |event| {
        if let tabx::WatchEvent::Window(w) = event {
            seen.push((w.rows, w.rejected));
        }
        Ok(())
    })
    .unwrap();
    // 99 good rows: nine windows of 10 and a short one of 9; the rejected row is
    // counted in the first window emitted after it.
    assert_eq!(seen[0], (10, 1));
    assert_eq!(seen.len(), 10);
    assert_eq!((report.windows, report.rows, report.rejected, report.stopped_early), (10, 99, 1, false));
    let report = tabx::watch(&inputs, source, schema(), None, options(Some(3)), |_| Ok(())).unwrap();
    assert_eq!((report.windows, report.rows, report.stopped_early), (3, 30, true));
}
