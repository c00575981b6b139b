//! Dates, times and durations are INT features over their stored integer
//! (`stats/types.rs`), as timestamps are. Expected values by hand: the stored
//! integers 1, 2, 6 and a null give 3 present values, min 1, mean 3, max 6.

use std::sync::Arc;

use arrow::array::{
    ArrayRef, Date32Array, Date64Array, DurationMillisecondArray, DurationSecondArray, RecordBatch,
    Time32MillisecondArray, Time32SecondArray, Time64MicrosecondArray, Time64NanosecondArray,
    TimestampMillisecondArray,
};
use tabx_schema::{StatsAccumulator, StatsOptions};

/// (type, non-missing, missing, min, mean, max) of each column.
fn summaries(columns: Vec<(&str, ArrayRef)>) -> Vec<(String, String, u64, u64, f64, f64, f64)> {
    let mut stats = StatsAccumulator::try_new(StatsOptions::default()).unwrap();
    stats.update(&RecordBatch::try_from_iter(columns).unwrap()).unwrap();
    let out = stats.finish();
    out.datasets[0]
        .features
        .iter()
        .map(|f| {
            let n = f.num_stats.clone().unwrap_or_else(|| panic!("{} has no numeric statistics", f.name));
            let c = &n.common_stats;
            (f.name.clone(), format!("{:?}", f.feature_type), c.num_non_missing, c.num_missing, n.min, n.mean, n.max)
        })
        .collect()
}

#[test]
fn temporal_columns_are_ints_over_their_stored_integers() {
    let values = [Some(1), Some(2), None, Some(6)];
    let wide = values.map(|v| v.map(i64::from));
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("date32", Arc::new(Date32Array::from(values.to_vec()))),
        ("date64", Arc::new(Date64Array::from(wide.to_vec()))),
        ("time32_s", Arc::new(Time32SecondArray::from(values.to_vec()))),
        ("time32_ms", Arc::new(Time32MillisecondArray::from(values.to_vec()))),
        ("time64_us", Arc::new(Time64MicrosecondArray::from(wide.to_vec()))),
        ("time64_ns", Arc::new(Time64NanosecondArray::from(wide.to_vec()))),
        ("duration_s", Arc::new(DurationSecondArray::from(wide.to_vec()))),
        ("duration_ms", Arc::new(DurationMillisecondArray::from(wide.to_vec()))),
        ("timestamp_ms", Arc::new(TimestampMillisecondArray::from(wide.to_vec()).with_timezone("UTC"))),
    ];
    let names: Vec<String> = columns.iter().map(|(n, _)| n.to_string()).collect();
    let got = summaries(columns);
    for (name, summary) in names.iter().zip(got) {
        assert_eq!(summary, (name.clone(), "Int".to_string(), 3, 1, 1.0, 3.0, 6.0), "{name}");
    }
}
