//! Calendar parts of timestamps: hour, day of week and month, in a time zone.
//!
//! The TFX Chicago taxi example derives `trip_start_hour`, `trip_start_day`
//! and `trip_start_month` from `trip_start_timestamp` (BigQuery's
//! `EXTRACT(HOUR|DAYOFWEEK|MONTH FROM ...)`), and these are the features a
//! TFT pipeline rebuilds from the timestamp. Conventions follow BigQuery's
//! `DAYOFWEEK`: 1 = Sunday … 7 = Saturday; hour 0–23; month 1–12.
//!
//! Time zone: values are instants (seconds, or the Timestamp's unit, since
//! the Unix epoch, UTC) shown in `tz`, an IANA name (`"America/Chicago"`) or
//! `"UTC"`. An Arrow Timestamp's own zone is ignored: `tz` decides. The taxi
//! data needs `"UTC"`: the parts equal the dataset's columns on all 15,002
//! rows in UTC and on none (hour) in America/Chicago, because the export
//! stored Chicago wall-clock times as if they were UTC (test below; checked
//! with pandas 2 as well).
//!
//! Wall-clock inputs ([`wall_clock_seconds`]): a Date, a Timestamp without
//! a zone (Arrow's "wall clock in an unknown zone", pandas' naive
//! datetimes) and date text without an offset (`2024-01-01 10:00:00`) are
//! read as written, `tz` not applied; date text with an offset
//! (`2024-01-01T16:00:00Z`, `...-06:00`) is an instant, shown in `tz`.
//!
//! Nulls: a null timestamp gives null parts.

use arrow::array::{Array, AsArray, Int64Array, Int64Builder};
use arrow::compute::kernels::cast_utils::string_to_datetime;
use arrow::datatypes::{DataType, Int32Type, Int64Type, TimeUnit};
use chrono::{DateTime, Datelike, FixedOffset, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use tabx_core::{Result, TabxError};

/// The calendar parts of each timestamp of an array (nulls stay null).
#[derive(Debug, Clone, PartialEq)]
pub struct TimestampParts {
    /// Hour of the day, 0–23.
    pub hour: Int64Array,
    /// Day of the week, 1 = Sunday … 7 = Saturday (BigQuery's `DAYOFWEEK`).
    pub day_of_week: Int64Array,
    /// Month, 1–12.
    pub month: Int64Array,
}

/// Parses an IANA time zone name (`"UTC"`, `"America/Chicago"`); the error
/// names the zone. Call it when a spec is loaded to fail early.
pub fn parse_time_zone(tz: &str) -> Result<Tz> {
    tz.parse::<Tz>().map_err(|_| {
        TabxError::config(format!("unknown time zone {tz:?}"))
            .with_hint("use an IANA time zone name such as \"UTC\" or \"America/Chicago\"")
    })
}

/// Hour, day of week and month of each timestamp, in time zone `tz`.
///
/// Accepts Int64 or Int32 (seconds since the Unix epoch) and Timestamp of any
/// unit. Errors on an unknown zone, another type, or an instant outside
/// chrono's range (about ±262,000 years).
pub fn timestamp_parts(array: &dyn Array, tz: &str) -> Result<TimestampParts> {
    let zone = parse_time_zone(tz)?;
    let per_second: i64 = match array.data_type() {
        DataType::Int64 | DataType::Int32 => 1,
        DataType::Timestamp(unit, _) => per_second(unit),
        other => {
            return Err(TabxError::schema(format!(
                "timestamp_parts needs Int64 seconds since the epoch or a Timestamp column, got {other}"
            ))
            .with_hint("parse date strings into a Timestamp column first"));
        }
    };
    let values = stored_i64(array)?;

    let n = array.len();
    let (mut hour, mut dow, mut month) =
        (Int64Builder::with_capacity(n), Int64Builder::with_capacity(n), Int64Builder::with_capacity(n));
    for (row, v) in values.iter().enumerate() {
        let Some(v) = v else {
            hour.append_null();
            dow.append_null();
            month.append_null();
            continue;
        };
        let secs = v.div_euclid(per_second);
        let local = DateTime::from_timestamp(secs, 0)
            .ok_or_else(|| {
                TabxError::invalid_input(
                    format!("row {row}"),
                    format!("timestamp {v} is out of the representable range"),
                )
            })?
            .with_timezone(&zone);
        hour.append_value(i64::from(local.hour()));
        // chrono: Sunday = 0 … Saturday = 6 from the Sunday-based count.
        dow.append_value(i64::from(local.weekday().num_days_from_sunday()) + 1);
        month.append_value(i64::from(local.month()));
    }
    Ok(TimestampParts { hour: hour.finish(), day_of_week: dow.finish(), month: month.finish() })
}

/// For the inputs whose parts are read as written (module docs): each value
/// as seconds since 1970-01-01T00:00:00 of the wall clock it shows in `tz`
/// (the clock's reading as if it were UTC, so that [`timestamp_parts`] in
/// UTC gives its parts), and the rows of text that is not a date or time.
/// `None` for instants (integers, a Timestamp with a zone), which
/// [`timestamp_parts`] shows in `tz` itself.
pub fn wall_clock_seconds(array: &dyn Array, tz: &str) -> Result<Option<(Int64Array, Vec<usize>)>> {
    Ok(Some(match array.data_type() {
        DataType::Date32 => (stored_i64(array)?.unary(|days: i64| days * 86_400), Vec::new()),
        DataType::Date64 => (stored_i64(array)?.unary(|ms: i64| ms.div_euclid(1_000)), Vec::new()),
        DataType::Timestamp(unit, None) => {
            let per = per_second(unit);
            (stored_i64(array)?.unary(|v: i64| v.div_euclid(per)), Vec::new())
        }
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => {
            let zone = parse_time_zone(tz)?;
            let text = arrow::compute::cast(&arrow::array::make_array(array.to_data()), &DataType::Utf8)?;
            let mut bad = Vec::new();
            let seconds = text
                .as_string::<i32>()
                .iter()
                .enumerate()
                .map(|(row, s)| {
                    let seconds = text_wall_clock(s?.trim(), &zone);
                    if seconds.is_none() {
                        bad.push(row);
                    }
                    seconds
                })
                .collect();
            (seconds, bad)
        }
        _ => return Ok(None),
    }))
}

/// Values of a Timestamp unit in one second.
fn per_second(unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => 1,
        TimeUnit::Millisecond => 1_000,
        TimeUnit::Microsecond => 1_000_000,
        TimeUnit::Nanosecond => 1_000_000_000,
    }
}

/// The integers an integer, Date or Timestamp column stores, as i64: 32-bit
/// ones widened, 64-bit ones (Int64, Date64, every Timestamp unit)
/// reinterpreted without a cast kernel.
fn stored_i64(array: &dyn Array) -> Result<Int64Array> {
    Ok(match array.data_type() {
        DataType::Int32 => array.as_primitive::<Int32Type>().unary(i64::from),
        DataType::Date32 => array.as_primitive::<arrow::datatypes::Date32Type>().unary(i64::from),
        DataType::Int64 => array.as_primitive::<Int64Type>().clone(),
        _ => Int64Array::from(array.to_data().into_builder().data_type(DataType::Int64).build()?),
    })
}

/// Date text's wall-clock seconds in `zone` (see [`wall_clock_seconds`]);
/// `None` if it is not a date or time arrow parses (ISO 8601 / RFC 3339).
fn text_wall_clock(s: &str, zone: &Tz) -> Option<i64> {
    // arrow reads text without an offset in the zone it is given, text with
    // one as that instant: read in UTC and in UTC+1, text without an offset
    // gives two instants an hour apart, text with one the same instant.
    let utc = string_to_datetime(&Utc, s).ok()?;
    let plus_one = string_to_datetime(&FixedOffset::east_opt(3_600)?, s).ok()?;
    if utc.timestamp() != plus_one.timestamp() {
        return Some(utc.timestamp());
    }
    let offset = zone.offset_from_utc_datetime(&utc.naive_utc()).fix().local_minus_utc();
    Some(utc.timestamp() + i64::from(offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{StringArray, TimestampMillisecondArray, TimestampSecondArray};

    #[test]
    fn parts_of_known_instants() {
        // 1970-01-01T00:00:00Z was a Thursday (5); 2024-02-29T23:59:59Z a Thursday;
        // 1400269500 = 2014-05-16T19:45:00Z, a Friday (6) — the first row of the
        // taxi data (month 5, hour 19, day 6). -1 = 1969-12-31T23:59:59Z, Wednesday.
        let x = Int64Array::from(vec![Some(0), Some(1_709_251_199), Some(1_400_269_500), None, Some(-1)]);
        let p = timestamp_parts(&x, "UTC").unwrap();
        assert_eq!(p.hour, Int64Array::from(vec![Some(0), Some(23), Some(19), None, Some(23)]));
        assert_eq!(p.day_of_week, Int64Array::from(vec![Some(5), Some(5), Some(6), None, Some(4)]));
        assert_eq!(p.month, Int64Array::from(vec![Some(1), Some(2), Some(5), None, Some(12)]));
    }

    #[test]
    fn time_zones_shift_the_parts() {
        // 2014-05-16T19:45:00Z is 14:45 CDT (UTC-5) in Chicago, and
        // 2014-01-01T03:00:00Z is 21:00 CST (UTC-6) on Tuesday 2013-12-31.
        let x = Int64Array::from(vec![1_400_269_500, 1_388_545_200]);
        let p = timestamp_parts(&x, "America/Chicago").unwrap();
        assert_eq!(p.hour, Int64Array::from(vec![14, 21]));
        assert_eq!(p.day_of_week, Int64Array::from(vec![6, 3]));
        assert_eq!(p.month, Int64Array::from(vec![5, 12]));
    }

    #[test]
    fn timestamp_columns_read_their_unit() {
        let secs = TimestampSecondArray::from(vec![1_400_269_500]).with_timezone("America/Chicago");
        let ms = TimestampMillisecondArray::from(vec![1_400_269_500_999, -1]);
        assert_eq!(timestamp_parts(&secs, "UTC").unwrap().hour, Int64Array::from(vec![19]));
        let p = timestamp_parts(&ms, "UTC").unwrap();
        assert_eq!(p.hour, Int64Array::from(vec![19, 23]));
        assert_eq!(p.month, Int64Array::from(vec![5, 12]));
    }

    /// Wall-clock inputs read as written, instants shown in the zone.
    /// Expected by hand and with Python's zoneinfo: 2024-01-01 was a Monday
    /// (2), 19,723 days after 1970-01-01; 16:00Z on it is 10:00 CST (UTC-6);
    /// 2024-07-04T12:00+02:00 is 05:00 CDT (UTC-5) on a Thursday (5).
    #[test]
    fn wall_clock_inputs_are_read_as_written() {
        use arrow::array::{Date32Array, Date64Array, TimestampMillisecondArray};
        let chicago = |array: &dyn Array| {
            let (clock, bad) = wall_clock_seconds(array, "America/Chicago").unwrap().unwrap();
            let p = timestamp_parts(&clock, "UTC").unwrap();
            let hours: Vec<Option<i64>> = p.hour.iter().collect();
            let days: Vec<Option<i64>> = p.day_of_week.iter().collect();
            (hours, days, bad)
        };
        assert_eq!(
            chicago(&Date32Array::from(vec![Some(19_723), None])),
            (vec![Some(0), None], vec![Some(2), None], vec![])
        );
        assert_eq!(chicago(&Date64Array::from(vec![19_723 * 86_400_000])).0, [Some(0)]);
        // 2024-01-01T10:30:00 without a zone: 10 in any zone.
        assert_eq!(chicago(&TimestampMillisecondArray::from(vec![1_704_105_000_000])).0, [Some(10)]);
        let text = StringArray::from(vec![
            Some("2024-01-01 10:00:00"),
            Some("2024-01-01T16:00:00Z"),
            Some("2024-07-04T12:00:00+02:00"),
            Some(" 2024-01-01 "),
            None,
            Some("2024-13-01"),
            Some("yesterday"),
        ]);
        let (hours, days, bad) = chicago(&text);
        assert_eq!(hours, [Some(10), Some(10), Some(5), Some(0), None, None, None]);
        assert_eq!(days, [Some(2), Some(2), Some(5), Some(2), None, None, None]);
        assert_eq!(bad, [5, 6]);
        // Instants are the caller's: integers, a Timestamp with a zone.
        assert!(wall_clock_seconds(&Int64Array::from(vec![0]), "UTC").unwrap().is_none());
        let zoned = TimestampMillisecondArray::from(vec![0]).with_timezone("UTC");
        assert!(wall_clock_seconds(&zoned, "UTC").unwrap().is_none());
    }

    #[test]
    fn bad_input_is_an_error() {
        let err = timestamp_parts(&Int64Array::from(vec![0]), "Mars/Olympus").unwrap_err();
        assert!(err.to_string().contains("\"Mars/Olympus\"") && err.to_string().contains("hint:"), "{err}");
        assert!(timestamp_parts(&StringArray::from(vec!["2014-05-16"]), "UTC").is_err());
        assert!(timestamp_parts(&Int64Array::from(vec![i64::MAX]), "UTC").is_err());
    }

    #[test]
    fn taxi_columns_are_the_utc_parts_of_the_timestamp() {
        // datasets/data/data.csv: trip_start_{hour,day,month} against trip_start_timestamp.
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../datasets/data/data.csv");
        let mut reader = csv::Reader::from_path(path).unwrap();
        let header = reader.headers().unwrap().clone();
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (ts, hour, day, month) =
            (col("trip_start_timestamp"), col("trip_start_hour"), col("trip_start_day"), col("trip_start_month"));
        let (mut x, mut want_hour, mut want_day, mut want_month) = (vec![], vec![], vec![], vec![]);
        for record in reader.records() {
            let r = record.unwrap();
            let int = |i: usize| r[i].parse::<i64>().unwrap();
            x.push(int(ts));
            want_hour.push(int(hour));
            want_day.push(int(day));
            want_month.push(int(month));
        }
        assert_eq!(x.len(), 15_002);
        let p = timestamp_parts(&Int64Array::from(x.clone()), "UTC").unwrap();
        assert_eq!(p.hour, Int64Array::from(want_hour.clone()));
        assert_eq!(p.day_of_week, Int64Array::from(want_day));
        assert_eq!(p.month, Int64Array::from(want_month));
        // Chicago time matches no row's hour.
        let chicago = timestamp_parts(&Int64Array::from(x), "America/Chicago").unwrap();
        assert!(chicago.hour.values().iter().zip(&want_hour).all(|(a, b)| a != b));
    }
}
